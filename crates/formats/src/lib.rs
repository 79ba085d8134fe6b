//! Readers and writers for the files Lazo exchanges with laboratories: GeneMapper-style genotype
//! tables, CODIS Common Message Format (CMF) XML, allele-frequency tables, and the population
//! frequency data built into the binary.
//!
//! Every reader takes the text and the name of the file it came from, and every error names that
//! file and the 1-based line, because an analyst must be able to find and fix the cell that was
//! refused. Readers never panic on malformed input (the `fuzz/` targets check this).

pub mod cmf;
pub mod embedded;
mod error;
pub mod frequencies;
pub mod genemapper;
mod profile_set;
mod table;
pub mod units;

pub use cmf::{CmfMeta, cmf_export_issues, read_cmf, write_cmf};
pub use error::FormatError;
pub use frequencies::read_frequencies;
pub use genemapper::{read_profiles, write_profiles};
pub use profile_set::{ProfileSet, ProfileWarning};
