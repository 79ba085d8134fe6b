//! All-pairs screening of an index for parent–child pairs and duplicate profiles.

use lazo_genetics::FrequencyTable;
use lazo_kinship::MutationModel;
use rayon::prelude::*;
use serde::Serialize;

use crate::columns::{ExclusionFilter, FilterSurvivor, MAX_COUNTED, check_max};
use crate::encoding::{INDEX_LOCUS_COUNT, Row};
use crate::familial::DuoModel;
use crate::identity::{Lanes, Stringency, at_most, compare};
use crate::{IndexError, ProfileIndex, Slot};

/// What the screen looks for.
#[derive(Clone, Copy, Debug)]
pub struct ScreenConfig<'a> {
    pub table: &'a FrequencyTable,
    pub theta: f64,
    pub mutation: Option<&'a MutationModel>,
    /// Report a pair as parent–child when its log10 duo LR reaches this.
    pub min_log10_lr: f64,
    /// Loci where the pair shares no allele that a pair may have and still be scored
    /// (mutations; at most 3). Default 1.
    pub max_inconsistent: u8,
    /// Loci that must be typed in both profiles. Default 10.
    pub min_shared_loci: u8,
    /// Also report pairs that match as the same person at this stringency (duplicates, the
    /// same child under two ids). Default High.
    pub identity: Option<Stringency>,
    /// Mismatching loci allowed in an identity pair (at most `max_inconsistent`). Default 0.
    pub identity_max_mismatching_loci: u8,
}

impl<'a> ScreenConfig<'a> {
    /// Defaults: θ = 0, no mutation model, log10 LR ≥ 4, one inconsistent locus, ten shared
    /// loci, High-stringency identity pairs.
    pub fn new(table: &'a FrequencyTable) -> ScreenConfig<'a> {
        ScreenConfig {
            table,
            theta: 0.0,
            mutation: None,
            min_log10_lr: 4.0,
            max_inconsistent: 1,
            min_shared_loci: 10,
            identity: Some(Stringency::High),
            identity_max_mismatching_loci: 0,
        }
    }
}

/// A reported pair, `first` < `second` in slot order.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScreenHit<'a> {
    pub first: Slot,
    pub second: Slot,
    pub first_id: &'a str,
    pub second_id: &'a str,
    /// Loci typed in both.
    pub shared_loci: u8,
    /// Shared loci where they share no allele.
    pub inconsistent_loci: u8,
    /// log10 of the duo LR with `first` as the parent of `second` (one direction only: under
    /// a mutation model the two directions differ slightly, and with sex-specific rates the
    /// parent transmits with the paternal rate); `None` when the LR is 0. Loci without
    /// frequencies in the table are left out.
    pub parent_child_log10_lr: Option<f64>,
    /// The strictest stringency at which the two match as the same person, if requested and
    /// met.
    pub identity: Option<Stringency>,
}

/// Counts from one screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScreenStats {
    pub profiles: u64,
    pub pairs: u64,
    /// Pairs that passed the exclusion filter and were scored exactly.
    pub survivors: u64,
    pub hits: u64,
}

#[derive(Clone, Copy, Debug)]
struct RawHit {
    i: u32,
    j: u32,
    shared: u8,
    inconsistent: u8,
    log10_lr: f64,
    identity: Option<Stringency>,
}

/// Queries per parallel batch (hits are handed to the sink in order after each batch).
const BATCH: usize = 512;

/// Survivors scored per parallel batch in [`score_survivors`].
const SURVIVOR_BATCH: usize = 4096;

/// The exact stage shared by every filter: the duo LR and the identity test of one pair that
/// passed an exclusion filter.
struct Scorer<'i, 'c> {
    index: &'i ProfileIndex,
    config: &'c ScreenConfig<'c>,
    model: DuoModel<'c>,
    dense: Vec<Option<&'c lazo_genetics::DenseLocus>>,
}

impl<'i, 'c> Scorer<'i, 'c> {
    fn new(index: &'i ProfileIndex, config: &'c ScreenConfig<'c>) -> Result<Self, IndexError> {
        check_max(config.max_inconsistent)?;
        if config.identity_max_mismatching_loci > config.max_inconsistent {
            return Err(IndexError::InvalidQuery(format!(
                "identity_max_mismatching_loci {} exceeds max_inconsistent {} (identity pairs \
                 are found among the filter's survivors)",
                config.identity_max_mismatching_loci, config.max_inconsistent
            )));
        }
        debug_assert!(config.max_inconsistent <= MAX_COUNTED);
        let model = DuoModel::new(config.table, config.theta, config.mutation)?;
        let dense = index
            .dict
            .loci
            .iter()
            .map(|l| config.table.dense(*l))
            .collect();
        Ok(Scorer {
            index,
            config,
            model,
            dense,
        })
    }

    /// `None` when the pair has too few shared loci (not scored, not a survivor); otherwise
    /// the hit, if it is one.
    fn score(
        &self,
        (i, a): (u32, &Row),
        lanes: Option<&Lanes>,
        (j, b): (u32, &Row),
    ) -> Option<Option<RawHit>> {
        let shared = shared_loci(a, b);
        if shared < u32::from(self.config.min_shared_loci) {
            return None;
        }
        let identity = lanes.and_then(|lanes| identity_of(b, lanes, self.config));
        let (log10_lr, inconsistent) = parent_child(self.index, &self.model, &self.dense, a, b);
        Some(
            (identity.is_some() || log10_lr >= self.config.min_log10_lr).then_some(RawHit {
                i,
                j,
                shared: shared as u8,
                inconsistent,
                log10_lr,
                identity,
            }),
        )
    }

    fn emit(&self, h: RawHit, sink: &mut impl FnMut(ScreenHit<'_>)) {
        sink(ScreenHit {
            first: Slot(h.i),
            second: Slot(h.j),
            first_id: self.index.id_unchecked(h.i),
            second_id: self.index.id_unchecked(h.j),
            shared_loci: h.shared,
            inconsistent_loci: h.inconsistent,
            parent_child_log10_lr: (h.log10_lr > f64::NEG_INFINITY).then_some(h.log10_lr),
            identity: h.identity,
        });
    }
}

/// Screens every pair of live profiles: the exclusion filter ([`ExclusionFilter`]) drops pairs
/// with more than `max_inconsistent` loci sharing no allele, then survivors with enough shared
/// loci get the exact duo LR and the identity test. Pairs reaching `min_log10_lr`, and
/// identity pairs, go to `sink` in slot order (by first, then second), so the caller can
/// stream them to a file. Parallel over batches of first profiles.
pub fn screen_parent_child(
    index: &ProfileIndex,
    config: &ScreenConfig<'_>,
    mut sink: impl FnMut(ScreenHit<'_>),
) -> Result<ScreenStats, IndexError> {
    let scorer = Scorer::new(index, config)?;
    let filter = ExclusionFilter::build(index);
    let n = filter.len();
    let mut stats = ScreenStats {
        profiles: n as u64,
        pairs: filter.pairs(),
        ..ScreenStats::default()
    };
    for start in (0..n).step_by(BATCH) {
        let end = (start + BATCH).min(n);
        let parts: Vec<(u64, Vec<RawHit>)> = (start..end)
            .into_par_iter()
            .map(|i| {
                let a = filter.row(i);
                let lanes = config.identity.map(|_| Lanes::new(a));
                let mut survivors = 0u64;
                let mut hits = Vec::new();
                filter.survivors_of(i, config.max_inconsistent, |j| {
                    let scored = scorer.score(
                        (filter.slot(i), a),
                        lanes.as_ref(),
                        (filter.slot(j), filter.row(j)),
                    );
                    if let Some(hit) = scored {
                        survivors += 1;
                        hits.extend(hit);
                    }
                });
                (survivors, hits)
            })
            .collect();
        for (survivors, hits) in parts {
            stats.survivors += survivors;
            for h in hits {
                stats.hits += 1;
                scorer.emit(h, &mut sink);
            }
        }
    }
    Ok(stats)
}

/// The exact stage of [`screen_parent_child`] on pairs that some other exclusion filter let
/// through (the GPU filter of `lazo-index-cuda`): the same duo LRs, identity tests, hits and
/// counts as the CPU screen gives when `survivors` are exactly the CPU filter's survivors.
///
/// `survivors` must be pairs of live slots with `first < second`, strictly increasing by
/// (first, second), as [`ExclusionFilter::survivors`] returns them; anything else is refused.
/// Their `inconsistent_loci` is not trusted: it is recomputed from the genotypes.
pub fn score_survivors(
    index: &ProfileIndex,
    config: &ScreenConfig<'_>,
    survivors: &[FilterSurvivor],
    mut sink: impl FnMut(ScreenHit<'_>),
) -> Result<ScreenStats, IndexError> {
    let scorer = Scorer::new(index, config)?;
    if let Some(bad) = survivors
        .iter()
        .find(|s| !(s.first < s.second && index.is_live(s.first) && index.is_live(s.second)))
    {
        return Err(IndexError::InvalidQuery(format!(
            "survivor ({}, {}) is not a pair of live slots in increasing order",
            bad.first.0, bad.second.0
        )));
    }
    if survivors
        .windows(2)
        .any(|w| (w[0].first, w[0].second) >= (w[1].first, w[1].second))
    {
        return Err(IndexError::InvalidQuery(
            "survivors are not strictly increasing by (first, second)".into(),
        ));
    }
    let n = index.len() as u64;
    let mut stats = ScreenStats {
        profiles: n,
        pairs: n * n.saturating_sub(1) / 2,
        ..ScreenStats::default()
    };
    for batch in survivors.chunks(SURVIVOR_BATCH * rayon::current_num_threads().max(1)) {
        let parts: Vec<(u64, Vec<RawHit>)> = batch
            .par_chunks(SURVIVOR_BATCH)
            .map(|chunk| {
                let mut scored = 0u64;
                let mut hits = Vec::new();
                for s in chunk {
                    let a = index.row(s.first.index());
                    let lanes = config.identity.map(|_| Lanes::new(&a));
                    let b = index.row(s.second.index());
                    if let Some(hit) =
                        scorer.score((s.first.0, &a), lanes.as_ref(), (s.second.0, &b))
                    {
                        scored += 1;
                        hits.extend(hit);
                    }
                }
                (scored, hits)
            })
            .collect();
        for (scored, hits) in parts {
            stats.survivors += scored;
            for h in hits {
                stats.hits += 1;
                scorer.emit(h, &mut sink);
            }
        }
    }
    Ok(stats)
}

fn shared_loci(a: &Row, b: &Row) -> u32 {
    (0..INDEX_LOCUS_COUNT)
        .filter(|&k| a[k] != 0 && b[k] != 0)
        .count() as u32
}

/// The strictest requested stringency at which `b` matches the profile of `lanes`.
fn identity_of(b: &Row, lanes: &Lanes, config: &ScreenConfig<'_>) -> Option<Stringency> {
    let wanted = config.identity?;
    let max = config.identity_max_mismatching_loci;
    if at_most(compare(b, lanes, Stringency::High).bad, max) {
        return Some(Stringency::High);
    }
    (wanted == Stringency::Moderate && at_most(compare(b, lanes, Stringency::Moderate).bad, max))
        .then_some(Stringency::Moderate)
}

/// log10 duo LR of `a` as parent of `b`, and the number of inconsistent loci.
fn parent_child(
    index: &ProfileIndex,
    model: &DuoModel<'_>,
    dense: &[Option<&lazo_genetics::DenseLocus>],
    a: &Row,
    b: &Row,
) -> (f64, u8) {
    let mut log10 = 0.0;
    let mut inconsistent = 0u8;
    for k in 0..INDEX_LOCUS_COUNT {
        let (Some(ga), Some(gb)) = (index.dict.genotype(k, a[k]), index.dict.genotype(k, b[k]))
        else {
            continue;
        };
        if !ga.shares_allele_with(gb) {
            inconsistent += 1;
        }
        if let Some(d) = dense[k] {
            log10 += model.duo(d, index.dict.loci[k], ga, gb).log10();
        }
    }
    (log10, inconsistent)
}
