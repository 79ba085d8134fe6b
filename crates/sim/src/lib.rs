//! Seeded simulation of STR profiles, families and border-intake scenarios.
//!
//! Lazo's statistics must be checked against data whose truth is known: how often is a real
//! parent excluded because of a mutation, how often does a grandparent or an aunt standing in
//! for a parent pass? This crate produces such data.
//!
//! - [`Simulator`]: founders drawn from a frequency table, children by Mendelian transmission
//!   with mutation drawn from the *same* model the likelihoods use
//!   ([`lazo_kinship::transmission_distribution`]), relatives built from real pedigrees, and
//!   profile degradations (locus dropout, one-repeat typing errors).
//! - [`simulate_scenario`]: a cohort of family units as presented at intake (most genuine,
//!   some not: unrelated adults, relatives posing as parents, recycled children), with the
//!   hidden truth kept apart from what a caseworker would see.
//!
//! Pure: no I/O, no clock, no global state. All randomness comes from a
//! [`rand_chacha::ChaCha8Rng`] that the caller seeds, so a seed reproduces a run exactly.
//!
//! ```
//! use lazo_genetics::{Allele, FrequencyTableBuilder, Locus, MinFrequency};
//! use lazo_kinship::MutationModel;
//! use lazo_sim::{ScenarioConfig, Simulator, simulate_scenario};
//!
//! let mut b = FrequencyTableBuilder::new();
//! let th01 = Locus::parse("TH01")?;
//! for (allele, f) in [("6", 0.25), ("7", 0.25), ("9.3", 0.5)] {
//!     b.add(th01, Allele::parse(allele)?, f, Some(400))?;
//! }
//! let (table, _warnings) = b.build("example", MinFrequency::default())?;
//! let model = MutationModel::parse("equal:0.002")?;
//!
//! let mut sim = Simulator::seeded(&table, &model, 42)?;
//! let father = sim.founder("F");
//! let mother = sim.founder("M");
//! let (child, mutated_loci) = sim.child("C", &father, &mother);
//! assert!(child.genotype(th01).is_some() && mutated_loci.len() <= 2);
//!
//! let config = ScenarioConfig { units: 20, not_family: 5, seed: 7, ..ScenarioConfig::default() };
//! let cohort = simulate_scenario(&table, &model, &config)?;
//! assert_eq!(cohort.truth.len(), 20);
//! for [unit_id, sample_id, role] in cohort.unit_rows() {
//!     let _csv_line = format!("{unit_id},{sample_id},{role}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Modelling assumptions that results depend on (say so wherever results are reported):
//! - the population is the frequency table's: Hardy–Weinberg, linkage equilibrium, θ = 0,
//!   founders drawn from the *listed* frequencies normalised per locus (no minimum-frequency
//!   floor, so unlisted alleles never occur in founders);
//! - mutation exactly as the given [`lazo_kinship::MutationModel`];
//! - the scenario's mix of non-family kinds, share of two-adult units, children per unit and
//!   the shapes of impostor units are assumptions (see [`ScenarioConfig`]), not published data.

mod alias;
pub mod calibration;
pub mod evaluation;
mod scenario;
mod simulator;

use lazo_genetics::{Allele, Locus};

pub use evaluation::{Evaluation, KindTally, evaluate};
pub use scenario::{
    AdultTruth, Cohort, MemberRole, NonFamilyMix, PresentedUnit, RecycledChild, ScenarioConfig,
    UNITS_CSV_HEADER, UnitKind, UnitMember, UnitTruth, simulate_scenario,
};
pub use simulator::{Simulator, TypingError};

/// Errors in a simulation request (never a property of the simulated data).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error(
        "no loci to simulate (the table has none of the requested loci; pass the loci explicitly)"
    )]
    NoLoci,
    #[error("locus {0} has no frequencies in the table, so it cannot be simulated")]
    LocusNotInTable(Locus),
    #[error(transparent)]
    Mutation(#[from] lazo_kinship::KinshipError),
    #[error(
        "the mutation model gives an invalid transmission distribution at {locus} for allele {allele}"
    )]
    InvalidDistribution { locus: Locus, allele: Allele },
    #[error("{what} must be a probability between 0 and 1, got {value}")]
    InvalidProbability { what: &'static str, value: f64 },
    #[error("invalid scenario: {0}")]
    InvalidScenario(String),
}
