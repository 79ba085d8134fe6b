//! Bit-sliced columns: per-locus inverted lists as bitmaps, for comparing one profile with
//! many at 64 profiles per machine word.
//!
//! For each locus there is a bitmap of the profiles typed there, one of the homozygotes, and
//! one per allele code of the profiles carrying that allele. Whether profile `j` shares an
//! allele with a query `{a, b}` at a locus is bit `j` of `carriers[a] | carriers[b]`; the loci
//! where it does not (an exclusion for parent–child, a mismatch for identity) are counted per
//! bit with a saturating bit-sliced counter, so a block of 512 profiles costs a few dozen word
//! operations per locus and no branches.

// The kernels index several arrays by the same lane number; iterator chains would hide that.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use crate::encoding::{INDEX_LOCUS_COUNT, Row, unpack};
use crate::identity::Stringency;
use crate::{IndexError, LiveRows, PackedRow, ProfileIndex, Slot};
use serde::Serialize;

/// Words per kernel block (512 profiles).
pub(crate) const BLOCK: usize = 8;

/// Largest number of failing loci the column kernels count up to.
pub(crate) const MAX_COUNTED: u8 = 3;

#[derive(Clone, Debug, Default)]
pub(crate) struct Columns {
    n: usize,
    /// Allocated words per bitmap (a multiple of `BLOCK`).
    cap: usize,
    typed: Vec<Vec<u64>>,
    hom: Vec<Vec<u64>>,
    /// `carriers[locus][code]`; index 0 unused.
    carriers: Vec<Vec<Vec<u64>>>,
    zero: Vec<u64>,
    ones: Vec<u64>,
}

/// The four bitmaps one locus contributes: the locus fails for profile `j` when bit `j` of
/// `t & !((a & b) | (h & (a | b)))` is set.
#[derive(Clone, Copy)]
pub(crate) struct LocusCols<'a> {
    t: &'a [u64],
    a: &'a [u64],
    b: &'a [u64],
    h: &'a [u64],
}

impl Columns {
    pub(crate) fn with_capacity(n: usize) -> Columns {
        let mut c = Columns {
            n: 0,
            cap: 0,
            typed: vec![Vec::new(); INDEX_LOCUS_COUNT],
            hom: vec![Vec::new(); INDEX_LOCUS_COUNT],
            carriers: vec![Vec::new(); INDEX_LOCUS_COUNT],
            zero: Vec::new(),
            ones: Vec::new(),
        };
        c.grow(n.div_ceil(64).div_ceil(BLOCK).max(1) * BLOCK);
        c
    }

    pub(crate) fn from_rows<'r>(rows: impl ExactSizeIterator<Item = &'r Row>) -> Columns {
        let mut c = Columns::with_capacity(rows.len());
        for r in rows {
            c.push(r);
        }
        c
    }

    fn grow(&mut self, cap: usize) {
        if cap <= self.cap {
            return;
        }
        for v in self
            .typed
            .iter_mut()
            .chain(self.hom.iter_mut())
            .chain(self.carriers.iter_mut().flatten())
        {
            v.resize(cap, 0);
        }
        self.zero.resize(cap, 0);
        self.ones.resize(cap, !0);
        self.cap = cap;
    }

    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// Appends a profile as bit `len()`.
    pub(crate) fn push(&mut self, row: &Row) {
        let j = self.n;
        if j / 64 >= self.cap {
            self.grow((self.cap * 2).max(BLOCK));
        }
        let (w, bit) = (j / 64, 1u64 << (j % 64));
        for (k, &v) in row.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let (lo, hi) = unpack(v);
            self.typed[k][w] |= bit;
            if lo == hi {
                self.hom[k][w] |= bit;
            }
            for code in [lo, hi] {
                let code = usize::from(code);
                let list = &mut self.carriers[k];
                while list.len() <= code {
                    list.push(vec![0; self.cap]);
                }
                list[code][w] |= bit;
            }
        }
        self.n += 1;
    }

    fn carriers(&self, k: usize, code: u8) -> &[u64] {
        self.carriers[k]
            .get(usize::from(code))
            .map_or(&self.zero[..], |v| &v[..])
    }

    /// The columns that make a locus fail an exclusion test (parent–child: no allele shared).
    pub(crate) fn exclusion_cols(&self, q: &Row) -> Vec<LocusCols<'_>> {
        (0..INDEX_LOCUS_COUNT)
            .filter(|&k| q[k] != 0)
            .map(|k| {
                let (lo, hi) = unpack(q[k]);
                LocusCols {
                    t: &self.typed[k],
                    a: self.carriers(k, lo),
                    b: self.carriers(k, hi),
                    h: &self.ones,
                }
            })
            .collect()
    }

    /// The columns that make a locus fail an identity test at a stringency.
    pub(crate) fn identity_cols(&self, q: &Row, stringency: Stringency) -> Vec<LocusCols<'_>> {
        (0..INDEX_LOCUS_COUNT)
            .filter(|&k| q[k] != 0)
            .map(|k| {
                let (lo, hi) = unpack(q[k]);
                let (a, b) = (self.carriers(k, lo), self.carriers(k, hi));
                let t = &self.typed[k][..];
                match (stringency, lo == hi) {
                    // {a,b}: carriers of both.
                    (Stringency::High, false) => LocusCols {
                        t,
                        a,
                        b,
                        h: &self.zero,
                    },
                    // {a,a}: carriers of a that are homozygous.
                    (Stringency::High, true) => LocusCols {
                        t,
                        a,
                        b: &self.hom[k],
                        h: &self.zero,
                    },
                    // {a,b}: {a,b}, or a homozygote of a or b.
                    (Stringency::Moderate, false) => LocusCols {
                        t,
                        a,
                        b,
                        h: &self.hom[k],
                    },
                    // {a,a}: any carrier of a.
                    (Stringency::Moderate, true) => LocusCols {
                        t,
                        a,
                        b: a,
                        h: &self.zero,
                    },
                }
            })
            .collect()
    }

    /// Blocks covering profiles `0..len()`.
    pub(crate) fn blocks(&self) -> usize {
        self.n.div_ceil(64).div_ceil(BLOCK)
    }
}

/// Runs the kernel over `blocks`, calling `f(word, bits)` with the profiles of each word whose
/// failing loci number at most `max_bad` (`max_bad <= MAX_COUNTED`). Bits past the end or
/// outside the caller's range are the caller's to mask.
pub(crate) fn survivors(
    cols: &[LocusCols<'_>],
    exclusion: bool,
    max_bad: u8,
    blocks: std::ops::Range<usize>,
    f: impl FnMut(usize, u64),
) {
    match (exclusion, max_bad) {
        (true, 0) => kernel::<1, true>(cols, blocks, f),
        (true, 1) => kernel::<2, true>(cols, blocks, f),
        (true, 2) => kernel::<3, true>(cols, blocks, f),
        (true, _) => kernel::<4, true>(cols, blocks, f),
        (false, 0) => kernel::<1, false>(cols, blocks, f),
        (false, 1) => kernel::<2, false>(cols, blocks, f),
        (false, 2) => kernel::<3, false>(cols, blocks, f),
        (false, _) => kernel::<4, false>(cols, blocks, f),
    }
}

/// `L` counter levels: `ge[i]` has the bits of profiles with more than `i` failing loci.
#[inline(always)]
fn kernel<const L: usize, const EXCLUSION: bool>(
    cols: &[LocusCols<'_>],
    blocks: std::ops::Range<usize>,
    mut f: impl FnMut(usize, u64),
) {
    for blk in blocks {
        let base = blk * BLOCK;
        let mut ge = [[0u64; BLOCK]; L];
        for c in cols {
            let t: &[u64; BLOCK] = block(c.t, base);
            let a: &[u64; BLOCK] = block(c.a, base);
            let b: &[u64; BLOCK] = block(c.b, base);
            let mut x = [0u64; BLOCK];
            if EXCLUSION {
                for k in 0..BLOCK {
                    x[k] = t[k] & !(a[k] | b[k]);
                }
            } else {
                let h: &[u64; BLOCK] = block(c.h, base);
                for k in 0..BLOCK {
                    x[k] = t[k] & !((a[k] & b[k]) | (h[k] & (a[k] | b[k])));
                }
            }
            for lvl in (1..L).rev() {
                for k in 0..BLOCK {
                    ge[lvl][k] |= ge[lvl - 1][k] & x[k];
                }
            }
            for k in 0..BLOCK {
                ge[0][k] |= x[k];
            }
        }
        for k in 0..BLOCK {
            f(base + k, !ge[L - 1][k]);
        }
    }
}

#[inline(always)]
fn block(v: &[u64], base: usize) -> &[u64; BLOCK] {
    v[base..base + BLOCK]
        .try_into()
        .unwrap_or_else(|_| unreachable_block())
}

#[cold]
fn unreachable_block() -> &'static [u64; BLOCK] {
    // Every bitmap has `cap` words, a multiple of BLOCK covering all profiles.
    panic!("bitmap shorter than its block")
}

/// Bits of word `w` for profiles in `lo..hi`.
#[inline]
pub(crate) fn range_mask(w: usize, lo: usize, hi: usize) -> u64 {
    let start = w * 64;
    let end = start + 64;
    if hi <= start || lo >= end {
        return 0;
    }
    let from = lo.saturating_sub(start);
    let to = (hi - start).min(64);
    let upper = if to == 64 { !0 } else { (1u64 << to) - 1 };
    upper & !((1u64 << from) - 1)
}

/// The all-pairs parent–child exclusion filter over the live profiles of an index: for every
/// pair, the number of loci typed in both where they share no allele (a parent and child must
/// share one at every locus, barring mutation), computed on bit-sliced columns.
#[derive(Clone, Debug)]
pub struct ExclusionFilter {
    cols: Columns,
    rows: Vec<Row>,
    slots: Vec<u32>,
}

impl ExclusionFilter {
    /// Builds the columns from the live profiles: one bit per profile for each allele seen at
    /// each locus, plus typed and homozygote bits (about 45 bytes per profile for 24 loci of
    /// simulated NIST Hispanic data, where the dictionaries hold about 300 alleles in all).
    pub fn build(index: &ProfileIndex) -> ExclusionFilter {
        let LiveRows { slots, rows } = index.live_rows();
        ExclusionFilter {
            cols: Columns::from_rows(rows.iter()),
            rows,
            slots: slots.into_iter().map(|s| s.0).collect(),
        }
    }

    /// Profiles in the filter.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of unordered pairs.
    pub fn pairs(&self) -> u64 {
        let n = self.rows.len() as u64;
        n * n.saturating_sub(1) / 2
    }

    pub(crate) fn row(&self, i: usize) -> &Row {
        &self.rows[i]
    }

    pub(crate) fn slot(&self, i: usize) -> u32 {
        self.slots[i]
    }

    /// Calls `f(j)` for every `j > i` whose pair with `i` has at most `max_inconsistent`
    /// exclusion loci.
    pub(crate) fn survivors_of(&self, i: usize, max_inconsistent: u8, mut f: impl FnMut(usize)) {
        let n = self.rows.len();
        let cols = self.cols.exclusion_cols(&self.rows[i]);
        let first = (i + 1) / 64 / BLOCK;
        survivors(
            &cols,
            true,
            max_inconsistent,
            first..self.cols.blocks(),
            |w, bits| {
                let mut bits = bits & range_mask(w, i + 1, n);
                while bits != 0 {
                    let j = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    f(j);
                }
            },
        );
    }

    /// Number of pairs with at most `max_inconsistent` (≤ 3) exclusion loci, in parallel. The
    /// benchmark of the filter alone.
    pub fn count_survivors(&self, max_inconsistent: u8) -> Result<u64, IndexError> {
        check_max(max_inconsistent)?;
        let n = self.rows.len();
        Ok((0..n)
            .into_par_iter()
            .with_min_len(16)
            .map(|i| {
                let cols = self.cols.exclusion_cols(&self.rows[i]);
                let first = (i + 1) / 64 / BLOCK;
                let mut count = 0u64;
                survivors(
                    &cols,
                    true,
                    max_inconsistent,
                    first..self.cols.blocks(),
                    |w, bits| {
                        count += u64::from((bits & range_mask(w, i + 1, n)).count_ones());
                    },
                );
                count
            })
            .sum())
    }

    /// Every surviving pair with its number of inconsistent loci, in order (by first, then
    /// second), in parallel: the CPU reference that other filters (the GPU's) must equal.
    pub fn survivors(&self, max_inconsistent: u8) -> Result<Vec<FilterSurvivor>, IndexError> {
        check_max(max_inconsistent)?;
        Ok((0..self.rows.len())
            .into_par_iter()
            .with_min_len(16)
            .flat_map_iter(|i| {
                let mut out = Vec::new();
                self.survivors_of(i, max_inconsistent, |j| {
                    out.push(FilterSurvivor {
                        first: Slot(self.slots[i]),
                        second: Slot(self.slots[j]),
                        inconsistent_loci: inconsistent_loci(&self.rows[i], &self.rows[j]),
                    })
                });
                out
            })
            .collect())
    }

    /// The surviving pairs as slots, in order (first by `i`, then `j`); sequential.
    pub fn for_each_survivor(
        &self,
        max_inconsistent: u8,
        mut sink: impl FnMut(Slot, Slot),
    ) -> Result<(), IndexError> {
        check_max(max_inconsistent)?;
        for i in 0..self.rows.len() {
            self.survivors_of(i, max_inconsistent, |j| {
                sink(Slot(self.slots[i]), Slot(self.slots[j]))
            });
        }
        Ok(())
    }
}

/// A pair that passed the exclusion filter, `first` < `second` in slot order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FilterSurvivor {
    pub first: Slot,
    pub second: Slot,
    /// Loci typed in both where the two share no allele (at most the filter's maximum).
    pub inconsistent_loci: u8,
}

/// Loci typed in both packed rows where they share no allele code: the parent–child
/// exclusion count of the filter, computed the plain way, row against row.
pub fn inconsistent_loci(a: &PackedRow, b: &PackedRow) -> u8 {
    a.iter()
        .zip(b)
        .filter(|&(&x, &y)| {
            if x == 0 || y == 0 {
                return false;
            }
            let (x1, x2) = unpack(x);
            let (y1, y2) = unpack(y);
            x1 != y1 && x1 != y2 && x2 != y1 && x2 != y2
        })
        .count() as u8
}

pub(crate) fn check_max(max: u8) -> Result<(), IndexError> {
    if max > MAX_COUNTED {
        return Err(IndexError::InvalidQuery(format!(
            "at most {MAX_COUNTED} inconsistent or mismatching loci can be allowed, not {max}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_masks() {
        assert_eq!(range_mask(0, 0, 64), !0);
        assert_eq!(range_mask(0, 1, 64), !1);
        assert_eq!(range_mask(1, 0, 70), 0b11_1111);
        assert_eq!(range_mask(2, 0, 70), 0);
        assert_eq!(range_mask(0, 3, 5), 0b11000);
    }
}
