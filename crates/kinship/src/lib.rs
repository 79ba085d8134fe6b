//! Exact kinship statistics for STR profiles.
//!
//! - [`pairwise`]: LRs from IBD coefficients with the θ correction (any non-inbred pairwise
//!   relationship, no mutation).
//! - [`pedigree`]: exact pedigree likelihoods with θ and mutation, by founder enumeration over a
//!   lumped allele alphabet.
//! - [`pair`]: the `lazo lr` computation (duos, trios, any relationship).
//! - [`unit`]: whole family units: claims, joint pedigrees, alternatives, and the verdict under
//!   a [`policy::Policy`].
//!
//! Pure: no I/O, no clock, no randomness. Every function is deterministic in its inputs.

pub mod fast;
pub mod mutation;
pub mod pair;
pub mod pairwise;
pub mod pedigree;
pub mod policy;
pub mod relationship;
pub mod theta;
pub mod unit;

pub use mutation::{MutationKind, MutationModel, ParentSex, SexRates, transmission_distribution};
pub use pair::{LocusLr, LrResult, Model, pair_lr, posterior};
pub use policy::Policy;
pub use relationship::{Ibd, Relationship};
pub use unit::{
    ClaimReport, ClaimStatus, FamilyUnit, JointReport, Role, UnitReport, Verdict, analyse_unit,
    duo_lr, reassess,
};

/// Errors from invalid models or requests (never from the data being unlikely).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KinshipError {
    #[error(
        "unknown relationship {0:?} (parent-child, full-siblings, half-siblings, grandparent, avuncular, first-cousins, identical)"
    )]
    UnknownRelationship(String),
    #[error("IBD coefficients ({k0}, {k1}, {k2}) are not a valid non-inbred relationship")]
    InvalidIbd { k0: f64, k1: f64, k2: f64 },
    #[error("invalid mutation model {0}")]
    InvalidMutation(String),
    #[error("theta {0} must be in [0, 0.5)")]
    InvalidTheta(f64),
    #[error("invalid pedigree: {0}")]
    InvalidPedigree(String),
    #[error("invalid policy: {0}")]
    InvalidPolicy(String),
}
