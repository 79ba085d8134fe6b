//! A packed, searchable index of STR profiles.
//!
//! At the border the same child can be presented again and again with different adults
//! ("child recycling"), so every profile goes into an index and every intake is searched
//! against it. This crate holds that index and the searches:
//!
//! - [`ProfileIndex`]: up to 24 autosomal loci per profile (the 20 CODIS core loci, Penta D,
//!   Penta E, SE33, D6S1043) packed as allele codes in a 48-byte row, with external ids and
//!   tombstones for expungement; [`ProfileIndex::write_to`] / [`ProfileIndex::read_from`]
//!   persist it to any stream in a checksummed, versioned format ([`persist`]
//!   documents it).
//! - [`search_identity`]: CODIS-like identity search at [`Stringency::High`] or
//!   [`Stringency::Moderate`] (allele dropout), with the random-match probability.
//! - [`repeat_child_alerts`] / [`RepeatChildDetector`]: for each child in presentation order,
//!   the earlier children it matches and their units.
//! - [`search_familial`]: every indexed profile ranked by parent–child and full-sibling LR
//!   against a query.
//! - [`screen_parent_child`]: all pairs of the index screened for parent–child relationships
//!   and duplicates, with an exclusion filter ([`ExclusionFilter`]) before the exact LRs;
//!   [`score_survivors`] is its exact stage alone, for pairs another filter (the GPU screen in
//!   `lazo-index-cuda`, fed by [`ProfileIndex::live_rows`]) let through.
//!
//! Pure: no file, clock, environment or global state; the only I/O is through the streams a
//! caller passes to `write_to`/`read_from`. Searches run on rayon's current thread pool
//! (`ThreadPool::install` to bound it); results never depend on the number of threads.

mod columns;
mod encoding;
mod familial;
mod identity;
mod index;
pub mod persist;
mod repeat;
mod screen;

pub use columns::{ExclusionFilter, FilterSurvivor, inconsistent_loci};
pub use encoding::{INDEX_LOCUS_COUNT, INDEX_LOCUS_NAMES, MAX_CODES};
pub use familial::{FamilialHit, FamilialResult, search_familial};
pub use identity::{
    IdentityHit, IdentityQuery, Stringency, dropout_match_probability, genotype_match_probability,
    search_identity,
};
pub use index::{
    IndexedProfile, LiveRows, MAX_ID_BYTES, MemoryUsage, ProfileIndex, ROW_BYTES, Slot,
};
pub use persist::{FORMAT_VERSION, MAGIC};
pub use repeat::{
    EarlierMatch, PresentedSample, RepeatChildAlert, RepeatChildConfig, RepeatChildDetector,
    SampleRole, repeat_child_alerts,
};
pub use screen::{ScreenConfig, ScreenHit, ScreenStats, score_survivors, screen_parent_child};

/// One profile as the index packs it: per locus (in [`INDEX_LOCUS_NAMES`] order) the two
/// allele codes of the locus dictionary in one `u16`, the smaller in the low byte; `0` means
/// untyped, and a typed locus has both codes ≥ 1. Codes are only comparable between rows of
/// the same index.
pub type PackedRow = [u16; INDEX_LOCUS_COUNT];

use lazo_genetics::{Allele, Locus};

/// Errors from the index: refused input, invalid queries, unreadable files.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("profile id {0:?} is already in the index")]
    DuplicateId(String),
    #[error("empty profile id")]
    EmptyId,
    #[error("profile id of {0} bytes is longer than the limit of {MAX_ID_BYTES}")]
    IdTooLong(usize),
    #[error("locus {locus} already has {MAX_CODES} distinct alleles; {allele} cannot be added")]
    DictionaryFull { locus: Locus, allele: Allele },
    #[error("the index is full ({0} slots)")]
    Full(usize),
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error(transparent)]
    Kinship(#[from] lazo_kinship::KinshipError),
    #[error("reading or writing the index: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a Lazo profile index (wrong magic bytes)")]
    BadMagic,
    #[error(
        "index format version {0} is not supported (this build reads version {FORMAT_VERSION})"
    )]
    UnsupportedVersion(u32),
    #[error("corrupt index: {0}")]
    Corrupt(String),
    #[error("corrupt index: checksum {stored:#018x} stored, {computed:#018x} computed")]
    Checksum { stored: u64, computed: u64 },
}
