//! Readers and writers for the files Lazo exchanges with laboratories: GeneMapper-style genotype
//! tables, CODIS Common Message Format (CMF) XML, allele-frequency tables, and the population
//! frequency data built into the binary.
//!
//! Every reader takes the text and the name of the file it came from, and every error names that
//! file and the 1-based line, because an analyst must be able to find and fix the cell that was
//! refused. Readers never panic on malformed input (the `fuzz/` targets check this).
//!
//! The profile readers come in two forms: `read_profiles`/`read_cmf` stop at the first problem
//! (the CLI), `read_profiles_all`/`read_cmf_all` report every problem at once (uploads in the
//! web service), with the same checks.

pub mod cmf;
pub mod embedded;
mod error;
pub mod frequencies;
pub mod genemapper;
mod problem;
mod profile_set;
mod table;
pub mod units;

pub use cmf::{CmfMeta, cmf_export_issues, read_cmf, read_cmf_all, write_cmf};
pub use error::FormatError;
pub use frequencies::read_frequencies;
pub use genemapper::{read_profiles, read_profiles_all, write_profiles};
pub use problem::{FileProblem, ProfileFormat, ProfileRead, decode_upload, read_profile_file_all};
pub use profile_set::{ProfileSet, ProfileWarning};
