//! Identity search at CODIS-like stringencies.

// The kernels index several arrays by the same lane number; iterator chains would hide that.
#![allow(clippy::needless_range_loop)]

use lazo_genetics::{Allele, FrequencyTable, Genotype, Profile};
use lazo_kinship::theta::next_allele;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::encoding::{Cold, Dictionary, HOT, Hot, INDEX_LOCUS_COUNT, Row, join, unpack};
use crate::{IndexError, ProfileIndex, Slot};

/// How strictly two genotypes at one locus must agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stringency {
    /// Both alleles equal at every locus typed in both profiles.
    High,
    /// As High, but a homozygote also matches a heterozygote carrying its allele (one of the
    /// two samples may have lost an allele: allele dropout in a degraded or low-template
    /// sample). `10,10` matches `10,12`; `10,11` does not match `10,12`.
    Moderate,
}

/// An identity search: which loci must agree and how strictly.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdentityQuery {
    pub stringency: Stringency,
    /// Loci typed in both profiles that may disagree (typing errors, mutations between
    /// tissues); the others must match at the stringency.
    pub max_mismatching_loci: u8,
    /// Loci that must be typed in both profiles (at least 1).
    pub min_shared_loci: u8,
    /// Co-ancestry θ for the random-match probability; 0 gives the product rule (2pq, p²).
    pub theta: f64,
}

impl Default for IdentityQuery {
    fn default() -> Self {
        IdentityQuery {
            stringency: Stringency::High,
            max_mismatching_loci: 0,
            min_shared_loci: 10,
            theta: 0.0,
        }
    }
}

impl IdentityQuery {
    pub fn validate(&self) -> Result<(), IndexError> {
        if self.min_shared_loci == 0 {
            return Err(IndexError::InvalidQuery(
                "min_shared_loci must be at least 1".into(),
            ));
        }
        if usize::from(self.max_mismatching_loci) >= INDEX_LOCUS_COUNT {
            return Err(IndexError::InvalidQuery(format!(
                "max_mismatching_loci {} leaves nothing to compare",
                self.max_mismatching_loci
            )));
        }
        check_theta(self.theta)
    }
}

pub(crate) fn check_theta(theta: f64) -> Result<(), IndexError> {
    if theta.is_finite() && (0.0..0.5).contains(&theta) {
        Ok(())
    } else {
        Err(IndexError::InvalidQuery(format!(
            "theta {theta} must be in [0, 0.5)"
        )))
    }
}

/// An indexed profile that matches the query.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IdentityHit {
    pub id: String,
    pub slot: Slot,
    /// Loci typed in both profiles.
    pub shared_loci: u8,
    /// Shared loci that do not match at the query's stringency.
    pub mismatching_loci: u8,
    /// Shared loci that match only under the allele-dropout rule (always 0 at High).
    pub dropout_loci: u8,
    /// Probability that a random person matches as this candidate does: the product over
    /// matching loci of the genotype's match probability (2pq, p², or NRC II 4.10 with θ) and,
    /// at dropout loci, the 2p rule for the homozygote's allele. Loci without frequencies in
    /// the table and mismatching loci contribute 1.
    pub random_match_probability: f64,
    /// −log10 of the random-match probability: log10 of the identity LR (1/RMP) when every
    /// shared locus matches; with mismatching loci allowed it is a ranking score over the
    /// matching loci only, not an evidential LR.
    pub log10_lr: f64,
}

/// Per-query constant lanes for the row kernels.
#[derive(Clone, Debug)]
pub(crate) struct Lanes {
    q: Row,
    qlo: Row,
    qhi: Row,
    /// 0xFFFF where the query is typed.
    qtyped: Row,
    /// 0xFFFF where the query is a typed homozygote.
    qhom: Row,
}

impl Lanes {
    pub(crate) fn new(q: &Row) -> Lanes {
        let mut l = Lanes {
            q: *q,
            qlo: [0; INDEX_LOCUS_COUNT],
            qhi: [0; INDEX_LOCUS_COUNT],
            qtyped: [0; INDEX_LOCUS_COUNT],
            qhom: [0; INDEX_LOCUS_COUNT],
        };
        for k in 0..INDEX_LOCUS_COUNT {
            let (lo, hi) = unpack(q[k]);
            l.qlo[k] = u16::from(lo);
            l.qhi[k] = u16::from(hi);
            l.qtyped[k] = if q[k] != 0 { 0xffff } else { 0 };
            l.qhom[k] = if q[k] != 0 && lo == hi { 0xffff } else { 0 };
        }
        l
    }
}

/// Per-row comparison: bit k set in `shared` if locus k is typed in both, in `bad` if it is
/// shared and does not match, in `dropout` if it matches only by the dropout rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Compared {
    pub(crate) shared: u32,
    pub(crate) bad: u32,
    pub(crate) dropout: u32,
}

/// Full-row comparison at High stringency, as bit masks over the 24 loci. Used on the few
/// rows that pass the hot-part filter and on the screens' candidates, not in the hot loop.
#[inline(always)]
pub(crate) fn compare_high(row: &Row, l: &Lanes) -> Compared {
    let mut shared = 0u32;
    let mut bad = 0u32;
    for k in 0..INDEX_LOCUS_COUNT {
        let c = row[k];
        let typed = (c != 0) & (l.qtyped[k] != 0);
        shared |= u32::from(typed) << k;
        bad |= u32::from(typed & (c != l.q[k])) << k;
    }
    Compared {
        shared,
        bad,
        dropout: 0,
    }
}

/// Full-row comparison at Moderate stringency: a locus matches if the genotypes are equal or
/// one side is a homozygote whose allele the other carries.
#[inline(always)]
pub(crate) fn compare_moderate(row: &Row, l: &Lanes) -> Compared {
    let mut shared = 0u32;
    let mut bad = 0u32;
    let mut dropout = 0u32;
    for k in 0..INDEX_LOCUS_COUNT {
        let c = row[k];
        let clo = c & 0xff;
        let chi = c >> 8;
        let typed = (c != 0) & (l.qtyped[k] != 0);
        let eq = c == l.q[k];
        let q_hom_in_c = (l.qhom[k] != 0) & ((clo == l.qlo[k]) | (chi == l.qlo[k]));
        let c_hom_in_q = (clo == chi) & ((clo == l.qlo[k]) | (clo == l.qhi[k]));
        let ok = eq | q_hom_in_c | c_hom_in_q;
        shared |= u32::from(typed) << k;
        bad |= u32::from(typed & !ok) << k;
        dropout |= u32::from(typed & ok & !eq) << k;
    }
    Compared {
        shared,
        bad,
        dropout,
    }
}

#[inline(always)]
pub(crate) fn compare(row: &Row, l: &Lanes, stringency: Stringency) -> Compared {
    match stringency {
        Stringency::High => compare_high(row, l),
        Stringency::Moderate => compare_moderate(row, l),
    }
}

/// Whether a mask has at most `max` bits set, without a popcount in the common case.
#[inline(always)]
pub(crate) fn at_most(mask: u32, max: u8) -> bool {
    let mut m = mask;
    for _ in 0..max {
        m &= m.wrapping_sub(1);
    }
    m == 0
}

/// 0xFFFF for true.
#[inline(always)]
fn m(b: bool) -> u16 {
    if b { 0xffff } else { 0 }
}

/// Lanes (0xFFFF) where a locus is typed in both and the genotypes differ: High stringency.
/// Written lane-wise so that the compiler emits vector compares.
#[inline(always)]
fn bad_lanes_high<const N: usize>(c: &[u16; N], q: &[u16; N], qt: &[u16; N]) -> [u16; N] {
    let mut out = [0u16; N];
    for k in 0..N {
        out[k] = m(c[k] != q[k]) & m(c[k] != 0) & qt[k];
    }
    out
}

/// As [`bad_lanes_high`] at Moderate stringency, in a form with few vector operations: a
/// candidate matches a heterozygous query `{a,b}` if it is `{a,b}`, `{a,a}` or `{b,b}` (three
/// `u16` compares against `t1..t3`), and a homozygous query `{a,a}` if either of its bytes is
/// `a` (two byte compares against `t4`; `t4` is `0xFFFF`, a code no row holds, for a
/// heterozygous query).
#[inline(always)]
fn bad_lanes_moderate(c: &Hot, l: &HotLanes) -> Hot {
    let mut out = [0u16; HOT];
    for k in 0..HOT {
        let v = c[k];
        let x = v ^ l.t4[k];
        let ok =
            m(v == l.t1[k]) | m(v == l.t2[k]) | m(v == l.t3[k]) | m(x & 0xff == 0) | m(x >> 8 == 0);
        out[k] = m(v != 0) & l.qt[k] & !ok;
    }
    out
}

/// The query's lanes over the hot loci.
#[derive(Clone, Debug)]
struct HotLanes {
    q: Hot,
    qt: Hot,
    t1: Hot,
    t2: Hot,
    t3: Hot,
    t4: Hot,
}

impl HotLanes {
    fn new(q: &Row) -> HotLanes {
        let mut l = HotLanes {
            q: [0; HOT],
            qt: [0; HOT],
            t1: [0; HOT],
            t2: [0; HOT],
            t3: [0; HOT],
            t4: [0; HOT],
        };
        for k in 0..HOT {
            let v = q[k];
            let (a, b) = unpack(v);
            l.q[k] = v;
            l.qt[k] = m(v != 0);
            l.t1[k] = v;
            if a == b {
                (l.t2[k], l.t3[k], l.t4[k]) = (v, v, v);
            } else {
                let hom = |x: u8| u16::from(x) | (u16::from(x) << 8);
                (l.t2[k], l.t3[k], l.t4[k]) = (hom(a), hom(b), 0xffff);
            }
        }
        l
    }
}

/// Rows per parallel task: 64 Ki rows (1 MiB of hot data).
const CHUNK: usize = 64 * 1024;

#[derive(Clone, Copy, Debug)]
pub(crate) struct RawHit {
    pub(crate) slot: u32,
    pub(crate) compared: Compared,
}

/// Two stages: the hot part of each row is compared lane-wise (16 bytes, one vector); rows
/// with more than `max_mismatching_loci` bad hot loci are dropped there (that is nearly every
/// row), and the rest are compared in full.
#[allow(clippy::too_many_arguments)]
fn scan<const MODERATE: bool>(
    hot: &[Hot],
    cold: &[Cold],
    base: usize,
    lanes: &Lanes,
    hot_lanes: &HotLanes,
    query: &IdentityQuery,
    dead: &[u64],
    out: &mut Vec<RawHit>,
) {
    let max = query.max_mismatching_loci;
    for (bi, block) in hot.chunks(TOUCH_BLOCK).enumerate() {
        touch(block);
        for (j, h) in block.iter().enumerate() {
            let i = bi * TOUCH_BLOCK + j;
            let bad = if MODERATE {
                bad_lanes_moderate(h, hot_lanes)
            } else {
                bad_lanes_high(h, &hot_lanes.q, &hot_lanes.qt)
            };
            if bad.iter().fold(0, |a, b| a | b) != 0 {
                if max == 0 {
                    continue;
                }
                let count: u16 = bad.iter().map(|b| b & 1).sum();
                if count > u16::from(max) {
                    continue;
                }
            }
            full_check::<MODERATE>(i, h, cold, base, lanes, query, dead, out);
        }
    }
}

/// Rows per touched block (32 KiB of hot data: stays in L1).
pub(crate) const TOUCH_BLOCK: usize = 2048;

/// Reads one value per 64-byte line of `block` in a tight loop, so that many lines are fetched
/// at once; the compute-heavier scan that follows then finds the block in cache. On the VMs
/// measured, hardware prefetch alone left the Moderate scan waiting on memory latency (7.5
/// ns/row from DRAM against 2.3 from cache; 3.0 with this pass). Only a hint: results never
/// depend on it.
#[inline(always)]
pub(crate) fn touch<const N: usize>(block: &[[u16; N]]) {
    let step = (64 / (2 * N)).max(1);
    let mut acc = 0u16;
    for r in block.iter().step_by(step) {
        acc ^= r[0];
    }
    std::hint::black_box(acc);
}

/// The full comparison of a row that passed the hot filter (rare: kept out of the loop).
#[allow(clippy::too_many_arguments)]
#[cold]
#[inline(never)]
fn full_check<const MODERATE: bool>(
    i: usize,
    h: &Hot,
    cold: &[Cold],
    base: usize,
    lanes: &Lanes,
    query: &IdentityQuery,
    dead: &[u64],
    out: &mut Vec<RawHit>,
) {
    let max = query.max_mismatching_loci;
    let row = join(h, &cold[i]);
    let c = if MODERATE {
        compare_moderate(&row, lanes)
    } else {
        compare_high(&row, lanes)
    };
    if !at_most(c.bad, max) {
        return;
    }
    if c.shared.count_ones() < u32::from(query.min_shared_loci) {
        return;
    }
    let s = base + i;
    if dead[s / 64] & (1 << (s % 64)) != 0 {
        return;
    }
    out.push(RawHit {
        slot: s as u32,
        compared: c,
    });
}

/// The scan behind [`search_identity`], without scoring: matching live slots in order.
pub(crate) fn scan_identity(index: &ProfileIndex, q: &Row, query: &IdentityQuery) -> Vec<RawHit> {
    let lanes = Lanes::new(q);
    let hot_lanes = HotLanes::new(q);
    let dead = index.dead_words();
    let parts: Vec<Vec<RawHit>> = index
        .hot
        .par_chunks(CHUNK)
        .zip(index.cold.par_chunks(CHUNK))
        .enumerate()
        .map(|(ci, (hot, cold))| {
            let mut out = Vec::new();
            let base = ci * CHUNK;
            match query.stringency {
                Stringency::High => {
                    scan::<false>(hot, cold, base, &lanes, &hot_lanes, query, dead, &mut out)
                }
                Stringency::Moderate => {
                    scan::<true>(hot, cold, base, &lanes, &hot_lanes, query, dead, &mut out)
                }
            }
            out
        })
        .collect();
    parts.into_iter().flatten().collect()
}

/// Searches the index for profiles identical to `profile` at the query's stringency.
///
/// A parallel scan over every slot in two stages: the 16-byte hot part of each row (the eight
/// most discriminating core loci) is compared lane-wise, and only rows with at most
/// `max_mismatching_loci` failing hot loci are read in full and compared exactly (with the
/// NIST Hispanic frequencies a random row passes with probability about 2e-12 at High and
/// 3e-8 at Moderate, for a query typed at all eight). Hits are scored with `table` and
/// returned by decreasing log10 LR, then slot.
pub fn search_identity(
    index: &ProfileIndex,
    profile: &Profile,
    query: &IdentityQuery,
    table: &FrequencyTable,
) -> Result<Vec<IdentityHit>, IndexError> {
    query.validate()?;
    let encoded = index.encode_query(profile);
    let raw = scan_identity(index, &encoded.row, query);
    let mut hits: Vec<IdentityHit> = raw
        .into_iter()
        .map(|h| {
            let row = &index.row(h.slot as usize);
            let log10_rmp = log10_match_probability(
                &index.dict,
                table,
                query.theta,
                &encoded.row,
                row,
                h.compared,
            );
            IdentityHit {
                id: index.id_unchecked(h.slot).to_string(),
                slot: Slot(h.slot),
                shared_loci: h.compared.shared.count_ones() as u8,
                mismatching_loci: h.compared.bad.count_ones() as u8,
                dropout_loci: h.compared.dropout.count_ones() as u8,
                random_match_probability: 10f64.powf(log10_rmp),
                log10_lr: -log10_rmp,
            }
        })
        .collect();
    sort_hits(&mut hits);
    Ok(hits)
}

pub(crate) fn sort_hits(hits: &mut [IdentityHit]) {
    hits.sort_by(|a, b| b.log10_lr.total_cmp(&a.log10_lr).then(a.slot.cmp(&b.slot)));
}

/// Balding–Nichols conditional match probability of a genotype (NRC II 4.10a/b): the
/// probability that the next person has genotype `g` given that `g` has been seen once. With
/// θ = 0 it is p² or 2pq.
pub fn genotype_match_probability(g: Genotype, freq: impl Fn(Allele) -> f64, theta: f64) -> f64 {
    let [a, b] = g.alleles();
    if a == b {
        let p = freq(a);
        next_allele(p, 2, 2, theta) * next_allele(p, 3, 3, theta)
    } else {
        2.0 * next_allele(freq(a), 1, 2, theta) * next_allele(freq(b), 1, 3, theta)
    }
}

/// The 2p rule for a homozygote that may hide a dropped allele: the probability that a random
/// person carries allele `a`, bounded above by 2p (with θ, p is the probability of drawing `a`
/// after one `a` has been seen).
pub fn dropout_match_probability(p: f64, theta: f64) -> f64 {
    (2.0 * next_allele(p, 1, 1, theta)).min(1.0)
}

/// log10 of the random-match probability over the matching shared loci.
pub(crate) fn log10_match_probability(
    dict: &Dictionary,
    table: &FrequencyTable,
    theta: f64,
    q: &Row,
    c: &Row,
    compared: Compared,
) -> f64 {
    let mut log10 = 0.0;
    let matching = compared.shared & !compared.bad;
    for k in 0..INDEX_LOCUS_COUNT {
        if matching & (1 << k) == 0 {
            continue;
        }
        let locus = dict.loci[k];
        let Some(dense) = table.dense(locus) else {
            continue;
        };
        let d = &dict.per_locus[k];
        let freq = |a: Allele| dense.frequency(a.tenths());
        let prob = if compared.dropout & (1 << k) == 0 {
            match dict.genotype(k, c[k]) {
                Some(g) => genotype_match_probability(g, freq, theta),
                None => 1.0,
            }
        } else {
            // The homozygote's allele: the query's if it is the homozygote, else the candidate's.
            let (qlo, qhi) = unpack(q[k]);
            let (clo, _) = unpack(c[k]);
            let code = if qlo == qhi { qlo } else { clo };
            match d.allele(code) {
                Some(a) => dropout_match_probability(freq(a), theta),
                None => 1.0,
            }
        };
        log10 += prob.log10();
    }
    log10
}
