//! Familial search: every indexed profile ranked by parent–child and full-sibling LR.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use lazo_genetics::{DenseLocus, FrequencyTable, Genotype, Locus, Profile};
use lazo_kinship::pedigree::{LocusModel, Pedigree, locus_likelihood, pair_pedigree};
use lazo_kinship::{MutationModel, Relationship, fast, pairwise};
use rayon::prelude::*;
use serde::Serialize;

use crate::encoding::{Cold, HOT, Hot, INDEX_LOCUS_COUNT, Row, unpack};
use crate::identity::{check_theta, touch};
use crate::{IndexError, ProfileIndex, Slot};

/// One candidate relative.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilialHit {
    pub id: String,
    pub slot: Slot,
    /// log10 of the duo LR with the candidate as the query's parent (other parent untyped)
    /// against unrelated; `None` when the LR is 0 (an exclusion without a mutation model).
    pub parent_child_log10_lr: Option<f64>,
    /// log10 of the full-sibling LR against unrelated (pairwise IBD formula with θ, no
    /// mutation; never 0).
    pub full_sibling_log10_lr: f64,
    /// Loci typed in both with frequencies in the table: the loci the LRs use.
    pub shared_loci: u8,
    /// Shared loci where the two share no allele (a parent–child inconsistency).
    pub inconsistent_loci: u8,
}

/// The top candidates by each relationship, best first (ties by slot).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilialResult {
    /// Candidates with a non-zero parent–child LR, by decreasing LR.
    pub by_parent_child: Vec<FamilialHit>,
    pub by_full_sibling: Vec<FamilialHit>,
}

/// A two-person pedigree and the positions of the two people in it.
type PairPedigree = (Pedigree, usize, usize);

/// The likelihood model for one locus's duo LRs: the closed form for lumpable mutation models,
/// the pedigree engine for stepwise (as `lazo_kinship::pair_lr` does).
pub(crate) struct DuoModel<'a> {
    table: &'a FrequencyTable,
    theta: f64,
    mutation: Option<&'a MutationModel>,
    engine: Option<(PairPedigree, PairPedigree)>,
}

impl<'a> DuoModel<'a> {
    pub(crate) fn new(
        table: &'a FrequencyTable,
        theta: f64,
        mutation: Option<&'a MutationModel>,
    ) -> Result<DuoModel<'a>, IndexError> {
        check_theta(theta)?;
        if let Some(m) = mutation {
            m.validate()?;
        }
        let engine = if fast::covers(mutation) {
            None
        } else {
            Some((
                pair_pedigree(Relationship::ParentChild)?,
                pair_pedigree(Relationship::Unrelated)?,
            ))
        };
        Ok(DuoModel {
            table,
            theta,
            mutation,
            engine,
        })
    }

    /// Duo LR at one locus, `parent` transmitting with the paternal rate (the parent's sex is
    /// unknown in a search; with equal rates, as in the default models, it does not matter).
    pub(crate) fn duo(
        &self,
        dense: &DenseLocus,
        locus: Locus,
        parent: Genotype,
        child: Genotype,
    ) -> f64 {
        match &self.engine {
            None => fast::duo(dense, locus, parent, child, true, self.theta, self.mutation),
            Some(((h1, a1, b1), (h0, a0, b0))) => {
                let model = LocusModel {
                    locus,
                    table: self.table,
                    theta: self.theta,
                    mutation: self.mutation,
                };
                let pair = |p: &Pedigree, a: usize, b: usize| {
                    let mut g = vec![None; p.len()];
                    g[a] = Some(parent);
                    g[b] = Some(child);
                    locus_likelihood(p, &g, &model)
                };
                pair(h1, *a1, *b1) / pair(h0, *a0, *b0)
            }
        }
    }

    pub(crate) fn full_sibling(&self, locus: Locus, a: Genotype, b: Genotype) -> f64 {
        pairwise::locus_lr(
            a,
            b,
            |x| self.table.frequency(locus, x),
            Relationship::FullSiblings.ibd(),
            self.theta,
        )
    }
}

/// log10 LRs of one candidate genotype against the query at one locus.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Entry {
    parent_child: f64,
    full_sibling: f64,
}

/// Per-query lookup tables: for each locus the query is typed at (and the table has), the
/// log10 LRs of every candidate code pair, indexed `lo * stride + hi`.
struct Lut {
    /// (row position, offset into `entries`, stride)
    loci: Vec<(usize, usize, usize)>,
    entries: Vec<Entry>,
}

impl Lut {
    fn build(
        index: &ProfileIndex,
        genotypes: &[Option<Genotype>; INDEX_LOCUS_COUNT],
        model: &DuoModel<'_>,
    ) -> Lut {
        let mut loci = Vec::new();
        let mut entries = Vec::new();
        for (k, g) in genotypes.iter().enumerate() {
            let Some(q) = *g else { continue };
            let locus = index.dict.loci[k];
            let Some(dense) = model.table.dense(locus) else {
                continue;
            };
            let alleles = index.dict.per_locus[k].alleles();
            let stride = alleles.len() + 1;
            let offset = entries.len();
            entries.resize(offset + stride * stride, Entry::default());
            for (i, &a) in alleles.iter().enumerate() {
                for (j, &b) in alleles.iter().enumerate().skip(i) {
                    let (lo, hi) = (i + 1, j + 1);
                    let c = Genotype::new(a, b);
                    // Candidate codes are stored low ≤ high; both orders of the slot are the
                    // same genotype, so fill only the stored one.
                    let e = Entry {
                        parent_child: model.duo(dense, locus, c, q).log10(),
                        full_sibling: model.full_sibling(locus, q, c).log10(),
                    };
                    entries[offset + lo * stride + hi] = e;
                }
            }
            loci.push((k, offset, stride));
        }
        Lut { loci, entries }
    }

    /// Summed log10 LRs of one row (untyped candidate loci add 0), in locus order.
    #[inline(always)]
    fn score(&self, row: &Row) -> (f64, f64) {
        let mut pc = 0.0;
        let mut fs = 0.0;
        for &(k, offset, stride) in &self.loci {
            let (lo, hi) = unpack(row[k]);
            let e = self.entries[offset + usize::from(lo) * stride + usize::from(hi)];
            pc += e.parent_child;
            fs += e.full_sibling;
        }
        (pc, fs)
    }

    /// [`Lut::score`] of `R` rows at once: each row's sums are still taken in locus order (so
    /// the results are bit-for-bit those of `score`), but the rows' addition chains are
    /// independent, which hides the floating-point latency.
    #[inline(always)]
    fn score_rows<const R: usize>(&self, hot: &[Hot], cold: &[Cold]) -> [(f64, f64); R] {
        let mut pc = [0.0; R];
        let mut fs = [0.0; R];
        for &(k, offset, stride) in &self.loci {
            for r in 0..R {
                let v = if k < HOT { hot[r][k] } else { cold[r][k - HOT] };
                let (lo, hi) = unpack(v);
                let e = self.entries[offset + usize::from(lo) * stride + usize::from(hi)];
                pc[r] += e.parent_child;
                fs[r] += e.full_sibling;
            }
        }
        std::array::from_fn(|r| (pc[r], fs[r]))
    }
}

/// A score with the slot as tie-break: greater is better (higher score, then lower slot).
#[derive(Clone, Copy, Debug)]
struct Ranked {
    score: f64,
    slot: u32,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.slot.cmp(&self.slot))
    }
}

/// Keeps the best `k` (a min-heap of them).
#[derive(Clone, Debug)]
struct TopK {
    k: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl TopK {
    fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k.min(4096) + 1),
        }
    }

    #[inline]
    fn would_take(&self, r: Ranked) -> bool {
        self.k > 0
            && r.score > f64::NEG_INFINITY
            && (self.heap.len() < self.k || self.heap.peek().is_some_and(|w| r > w.0))
    }

    fn push(&mut self, r: Ranked) {
        self.heap.push(Reverse(r));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    fn merge(mut self, other: TopK) -> TopK {
        for r in other.heap {
            if self.would_take(r.0) {
                self.push(r.0);
            }
        }
        self
    }

    fn into_sorted(self) -> Vec<Ranked> {
        let mut v: Vec<Ranked> = self.heap.into_iter().map(|r| r.0).collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    }
}

/// Rows per parallel task.
const CHUNK: usize = 16 * 1024;

/// Ranks every live profile of the index as the query's parent (duo LR, `fast::duo` with θ
/// and mutation) and as its full sibling (pairwise IBD formula with θ), returning the top
/// `top_k` by each.
///
/// The query is the child and each candidate the alleged parent; the candidate transmits
/// with the paternal mutation rate (see `DuoModel::duo`). Loci count when typed in both and
/// present in the table. For speed the per-locus LRs of every candidate genotype are computed
/// once per query into a lookup table indexed by allele codes, so scoring a row is a few table
/// lookups per locus; the values are exactly those of the closed forms.
pub fn search_familial(
    index: &ProfileIndex,
    query: &Profile,
    table: &FrequencyTable,
    theta: f64,
    mutation: Option<&MutationModel>,
    top_k: usize,
) -> Result<FamilialResult, IndexError> {
    let model = DuoModel::new(table, theta, mutation)?;
    let encoded = index.encode_query(query);
    let lut = Lut::build(index, &encoded.genotypes, &model);
    let dead = index.dead_words();
    let (pc, fs) = index
        .hot
        .par_chunks(CHUNK)
        .zip(index.cold.par_chunks(CHUNK))
        .enumerate()
        .map(|(ci, (hot, cold))| {
            let mut pc = TopK::new(top_k);
            let mut fs = TopK::new(top_k);
            let base = ci * CHUNK;
            let mut consider = |i: usize, (p, f): (f64, f64)| {
                let slot = (base + i) as u32;
                let (rp, rf) = (Ranked { score: p, slot }, Ranked { score: f, slot });
                let (take_p, take_f) = (pc.would_take(rp), fs.would_take(rf));
                if !(take_p || take_f) {
                    return;
                }
                let s = slot as usize;
                if dead[s / 64] & (1 << (s % 64)) != 0 {
                    return;
                }
                if take_p {
                    pc.push(rp);
                }
                if take_f {
                    fs.push(rf);
                }
            };
            const R: usize = 4;
            const BLOCK: usize = 1024;
            for (bi, (hb, cb)) in hot.chunks(BLOCK).zip(cold.chunks(BLOCK)).enumerate() {
                touch(hb);
                touch(cb);
                let first = bi * BLOCK;
                let whole = hb.len() / R * R;
                for i in (0..whole).step_by(R) {
                    let scores = lut.score_rows::<R>(&hb[i..i + R], &cb[i..i + R]);
                    for (r, s) in scores.into_iter().enumerate() {
                        consider(first + i + r, s);
                    }
                }
                for i in whole..hb.len() {
                    let [s] = lut.score_rows::<1>(&hb[i..=i], &cb[i..=i]);
                    consider(first + i, s);
                }
            }
            (pc, fs)
        })
        .reduce(
            || (TopK::new(top_k), TopK::new(top_k)),
            |a, b| (a.0.merge(b.0), a.1.merge(b.1)),
        );
    let hit = |r: &Ranked| {
        let row = &index.row(r.slot as usize);
        let (p, f) = lut.score(row);
        let mut shared = 0u8;
        let mut inconsistent = 0u8;
        for &(k, _, _) in &lut.loci {
            if row[k] == 0 {
                continue;
            }
            shared += 1;
            let (clo, chi) = unpack(row[k]);
            let (qlo, qhi) = unpack(encoded.row[k]);
            if !(clo == qlo || clo == qhi || chi == qlo || chi == qhi) {
                inconsistent += 1;
            }
        }
        FamilialHit {
            id: index.id_unchecked(r.slot).to_string(),
            slot: Slot(r.slot),
            parent_child_log10_lr: (p > f64::NEG_INFINITY).then_some(p),
            full_sibling_log10_lr: f,
            shared_loci: shared,
            inconsistent_loci: inconsistent,
        }
    };
    Ok(FamilialResult {
        by_parent_child: pc.into_sorted().iter().map(hit).collect(),
        by_full_sibling: fs.into_sorted().iter().map(hit).collect(),
    })
}
