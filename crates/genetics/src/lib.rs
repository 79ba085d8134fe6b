//! Lazo's genetics vocabulary: loci, alleles, genotypes, profiles and allele-frequency tables.
//!
//! Pure data and validation: nothing here reads a file, a clock or a database. Parsers live in
//! `lazo-formats`; statistics in `lazo-kinship`.

mod allele;
mod frequency;
mod locus;
mod profile;

pub use allele::{Allele, AlleleCall};
pub use frequency::{
    DenseLocus, FrequencyTable, FrequencyTableBuilder, LocusFrequencies, MinFrequency, TableWarning,
};
pub use locus::{Locus, LocusKind};
pub use profile::{Genotype, LocusCall, Profile, Unusable};

/// Errors in genetic data: every variant names the offending value so the caller can point the
/// user at the file and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeneticsError {
    #[error("unknown locus {0:?}")]
    UnknownLocus(String),
    #[error("malformed allele {0:?} (expected a repeat number such as 12 or 9.3, or OL, <8, >30)")]
    MalformedAllele(String),
    #[error("no allele called at locus {0}")]
    NoAlleles(&'static str),
    #[error("sample {sample:?} has locus {locus} twice")]
    DuplicateLocus { sample: String, locus: &'static str },
    #[error("invalid frequency for {locus} allele {allele}: {reason}")]
    InvalidFrequency {
        locus: &'static str,
        allele: String,
        reason: String,
    },
    #[error("frequencies at {locus} sum to {sum:.4}, too far from 1 (wrong column or file?)")]
    FrequencySum { locus: &'static str, sum: f64 },
    #[error("minimum frequency {0} must be between 0 and 1")]
    InvalidMinFrequency(f64),
    #[error("the frequency table has no loci")]
    EmptyTable,
}
