//! Everything about a filter run except the GPU itself: the kernel's input layout, the tile
//! size, the launches, and what happens when the survivor buffer overflows. The launches go
//! through [`Launcher`], implemented by the CUDA device and, in the tests, by the kernel
//! compiled as C on the host, so that this code is the same in both.

use lazo_index::{INDEX_LOCUS_COUNT, PackedRow};

use crate::{CudaError, FilterRun, RowPair, ScreenParams, Targets, Tiling};

/// 32-bit words per profile in the kernel's input.
pub(crate) const ROW_WORDS: usize = INDEX_LOCUS_COUNT / 2;
/// Entries of the bitmap offset table: one per locus, then the total.
pub(crate) const OFFSET_WORDS: usize = INDEX_LOCUS_COUNT + 1;
/// Targets per bitmap word.
const WORD_BITS: u32 = 32;
/// CUDA's limit on `gridDim.y`.
const MAX_GRID_Y: u32 = 65_535;
/// Dynamic shared memory any CUDA device gives a block without opting in.
pub(crate) const DEFAULT_SHARED_BYTES: u32 = 48 * 1024;
/// Largest number of failing loci the kernel counts up to.
pub(crate) const MAX_COUNTED: u8 = 3;

/// The two sets of profiles in the kernel's layout.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub(crate) queries: Vec<u32>,
    /// `None`: the targets are the queries (one set, pairs `target > query` only).
    pub(crate) targets: Option<Vec<u32>>,
    pub(crate) n_queries: u32,
    pub(crate) n_targets: u32,
    pub(crate) offsets: [u32; OFFSET_WORDS],
}

impl Problem {
    pub(crate) fn new(queries: &[PackedRow], targets: Targets<'_>) -> Result<Problem, CudaError> {
        let count = |rows: &[PackedRow], which: &str| {
            u32::try_from(rows.len()).map_err(|_| {
                CudaError::InvalidInput(format!("{} {which} profiles: more than 2^32", rows.len()))
            })
        };
        check_rows(queries, "query")?;
        let n_queries = count(queries, "query")?;
        let (targets, n_targets, offsets) = match targets {
            Targets::SameSet => (None, n_queries, bitmap_offsets(&[queries])),
            Targets::Other(rows) => {
                check_rows(rows, "target")?;
                (
                    Some(pack_rows(rows)),
                    count(rows, "target")?,
                    bitmap_offsets(&[queries, rows]),
                )
            }
        };
        Ok(Problem {
            queries: pack_rows(queries),
            targets,
            n_queries,
            n_targets,
            offsets,
        })
    }

    pub(crate) fn same_set(&self) -> bool {
        self.targets.is_none()
    }

    pub(crate) fn bitmaps(&self) -> u32 {
        self.offsets[INDEX_LOCUS_COUNT]
    }
}

/// A typed locus has two allele codes ≥ 1; a locus with one code 0 and the other not is no
/// genotype the index makes, and the kernel would read it as a typed locus that never fails.
fn check_rows(rows: &[PackedRow], which: &str) -> Result<(), CudaError> {
    for (n, row) in rows.iter().enumerate() {
        for (k, &v) in row.iter().enumerate() {
            if v != 0 && (v & 0xff == 0 || v >> 8 == 0) {
                return Err(CudaError::InvalidInput(format!(
                    "{which} profile {n}, locus {k}: packed genotype {v:#06x} has one allele code 0"
                )));
            }
        }
    }
    Ok(())
}

/// Profiles as the kernel reads them: word m holds locus 2m in its low half and locus 2m + 1
/// in its high half.
pub(crate) fn pack_rows(rows: &[PackedRow]) -> Vec<u32> {
    let mut words = Vec::with_capacity(rows.len() * ROW_WORDS);
    for row in rows {
        words.extend(
            row.chunks_exact(2)
                .map(|pair| u32::from(pair[0]) | (u32::from(pair[1]) << 16)),
        );
    }
    words
}

/// The bitmap of locus k's typed targets is `offsets[k]`, that of its carriers of code c is
/// `offsets[k] + c`; each locus gets one bitmap per code up to the largest code any profile
/// of either set has there (a query code no target carries gets an empty bitmap).
pub(crate) fn bitmap_offsets(sets: &[&[PackedRow]]) -> [u32; OFFSET_WORDS] {
    let mut largest = [0u32; INDEX_LOCUS_COUNT];
    for row in sets.iter().flat_map(|s| s.iter()) {
        for (k, &v) in row.iter().enumerate() {
            largest[k] = largest[k].max(u32::from(v & 0xff)).max(u32::from(v >> 8));
        }
    }
    let mut offsets = [0u32; OFFSET_WORDS];
    for k in 0..INDEX_LOCUS_COUNT {
        offsets[k + 1] = offsets[k] + largest[k] + 1;
    }
    offsets
}

/// The shape of every launch of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tile {
    /// Words per bitmap: a block takes 32 × `words` targets.
    pub(crate) words: u32,
    pub(crate) block_threads: u32,
    pub(crate) queries_per_block: u32,
    pub(crate) shared_bytes: u32,
}

/// Dynamic shared memory of a block: the tile's bitmaps, then each locus's first bitmap.
pub(crate) fn shared_bytes(bitmaps: u32, words: u32) -> u64 {
    (u64::from(bitmaps) * u64::from(words) + INDEX_LOCUS_COUNT as u64) * 4
}

/// The widest tile (up to 32 words, 1024 targets) whose bitmaps fit in `budget` bytes of
/// shared memory, unless `tiling` fixes the width.
pub(crate) fn choose_tile(bitmaps: u32, tiling: &Tiling, budget: u32) -> Result<Tile, CudaError> {
    let invalid = |why: String| Err(CudaError::InvalidParams(why));
    if tiling.block_threads == 0
        || tiling.block_threads > 1024
        || !tiling.block_threads.is_multiple_of(WORD_BITS)
    {
        return invalid(format!(
            "block_threads {} is not a multiple of 32 between 32 and 1024",
            tiling.block_threads
        ));
    }
    if tiling.queries_per_block == 0 {
        return invalid("queries_per_block must be at least 1".into());
    }
    let fits = |w: u32| shared_bytes(bitmaps, w) <= u64::from(budget);
    let words = match tiling.words {
        Some(w) if !(w.is_power_of_two() && w <= WORD_BITS) => {
            return invalid(format!("words {w} is not 1, 2, 4, 8, 16 or 32"));
        }
        Some(w) if !fits(w) => {
            return invalid(format!(
                "a tile of {w} words needs {} bytes of shared memory; the device gives {budget}",
                shared_bytes(bitmaps, w)
            ));
        }
        Some(w) => w,
        None => match [32, 16, 8, 4, 2, 1].into_iter().find(|&w| fits(w)) {
            Some(w) => w,
            None => {
                return invalid(format!(
                    "{bitmaps} allele bitmaps do not fit in {budget} bytes of shared memory"
                ));
            }
        },
    };
    Ok(Tile {
        words,
        block_threads: tiling.block_threads,
        queries_per_block: tiling.queries_per_block,
        shared_bytes: shared_bytes(bitmaps, words) as u32,
    })
}

/// One kernel launch over the queries `query_begin..query_end` and every target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Launch {
    pub(crate) query_begin: u32,
    pub(crate) query_end: u32,
    pub(crate) grid: (u32, u32),
    pub(crate) tile: Tile,
    pub(crate) max_bad: u32,
    /// Survivor records the output buffer holds.
    pub(crate) capacity: u32,
}

/// What a launch reports: how many survivors it found, whether any did not fit, and the
/// records (3 words each: query, target, failing loci), only when all fitted.
#[derive(Clone, Debug, Default)]
pub(crate) struct Launched {
    pub(crate) found: u64,
    pub(crate) overflow: bool,
    pub(crate) records: Vec<u32>,
}

/// Runs kernel launches on a problem: the CUDA device, or the host build in the tests.
pub(crate) trait Launcher {
    /// Largest dynamic shared memory a block may use, in bytes.
    fn shared_budget(&self) -> u32;
    /// Makes `problem` the input of the next launches.
    fn load(&mut self, problem: &Problem) -> Result<(), CudaError>;
    /// Runs one launch (the counter and overflow flag start at 0); returns the records only
    /// when none overflowed.
    fn launch(&mut self, launch: &Launch) -> Result<Launched, CudaError>;
}

/// The filter over a whole problem: launches over chunks of queries, in order. A chunk whose
/// survivors overflow the buffer is run again in pieces sized from the count it reported; a
/// single query that overflows it gets a buffer of exactly its count. Survivors come back
/// sorted by (query, target), checked against what the kernel may produce.
pub(crate) fn run_filter(
    launcher: &mut impl Launcher,
    problem: &Problem,
    params: &ScreenParams,
) -> Result<FilterRun, CudaError> {
    params.check()?;
    let tile = choose_tile(problem.bitmaps(), &params.tiling, launcher.shared_budget())?;
    let mut run = FilterRun {
        pairs: Vec::new(),
        launches: 0,
        overflowed_launches: 0,
        words: tile.words,
        queries_per_block: tile.queries_per_block,
    };
    let (nq, nt) = (problem.n_queries, problem.n_targets);
    if nq == 0 || nt == 0 || (problem.same_set() && nq < 2) {
        return Ok(run);
    }
    launcher.load(problem)?;
    let tile_targets = WORD_BITS * tile.words;
    let grid_x = nt.div_ceil(tile_targets);
    let chunk = params
        .query_chunk
        .min(MAX_GRID_Y.saturating_mul(tile.queries_per_block));
    let mut pending: Vec<(u32, u32)> = (0..nq.div_ceil(chunk))
        .rev()
        .map(|c| (c * chunk, (c * chunk).saturating_add(chunk).min(nq)))
        .collect();
    let mut capacity = params.survivor_capacity;
    while let Some((begin, end)) = pending.pop() {
        // One set: the last query has no target after it.
        if problem.same_set() && begin + 1 >= nt {
            continue;
        }
        let launch = Launch {
            query_begin: begin,
            query_end: end,
            grid: (grid_x, (end - begin).div_ceil(tile.queries_per_block)),
            tile,
            max_bad: u32::from(params.max_inconsistent),
            capacity,
        };
        let result = launcher.launch(&launch)?;
        run.launches += 1;
        let overflowed = result.found > u64::from(capacity);
        if result.overflow != overflowed {
            return Err(CudaError::KernelFault(format!(
                "queries {begin}..{end}: overflow flag {} with {} survivors for {capacity} places",
                result.overflow, result.found
            )));
        }
        if overflowed {
            run.overflowed_launches += 1;
            let len = end - begin;
            if len == 1 {
                capacity = u32::try_from(result.found).map_err(|_| {
                    CudaError::KernelFault(format!(
                        "query {begin}: {} survivors, more than its {nt} targets",
                        result.found
                    ))
                })?;
                pending.push((begin, end));
            } else {
                let parts = (result.found.div_ceil(u64::from(capacity)) + 1).min(u64::from(len));
                let parts = parts as u32;
                let step = len.div_ceil(parts);
                let mut at = end;
                while at > begin {
                    let from = begin + (at - begin - 1) / step * step;
                    pending.push((from, at));
                    at = from;
                }
            }
            continue;
        }
        run.pairs.extend(decode(
            &result,
            begin,
            end,
            problem,
            params.max_inconsistent,
        )?);
    }
    Ok(run)
}

/// Survivor records of one launch as sorted pairs, refusing anything the kernel must not
/// produce: a pair outside the launch, a self or reversed pair in one set, too many failing
/// loci, a pair twice.
fn decode(
    result: &Launched,
    begin: u32,
    end: u32,
    problem: &Problem,
    max_bad: u8,
) -> Result<Vec<RowPair>, CudaError> {
    if result.records.len() as u64 != 3 * result.found {
        return Err(CudaError::KernelFault(format!(
            "{} record words for {} survivors",
            result.records.len(),
            result.found
        )));
    }
    let mut pairs = Vec::with_capacity(result.records.len() / 3);
    for r in result.records.chunks_exact(3) {
        let (query, target, bad) = (r[0], r[1], r[2]);
        let valid = (begin..end).contains(&query)
            && target < problem.n_targets
            && (!problem.same_set() || target > query)
            && bad <= u32::from(max_bad);
        if !valid {
            return Err(CudaError::KernelFault(format!(
                "survivor record ({query}, {target}, {bad}) outside queries {begin}..{end}, \
                 {} targets, at most {max_bad} failing loci",
                problem.n_targets
            )));
        }
        pairs.push(RowPair {
            query,
            target,
            inconsistent_loci: bad as u8,
        });
    }
    pairs.sort_unstable();
    if let Some(w) = pairs
        .windows(2)
        .find(|w| (w[0].query, w[0].target) == (w[1].query, w[1].target))
    {
        return Err(CudaError::KernelFault(format!(
            "pair ({}, {}) reported twice",
            w[0].query, w[0].target
        )));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn row(codes: &[(usize, u8, u8)]) -> PackedRow {
        let mut r = [0u16; INDEX_LOCUS_COUNT];
        for &(k, a, b) in codes {
            r[k] = u16::from(a.min(b)) | (u16::from(a.max(b)) << 8);
        }
        r
    }

    #[test]
    fn rows_pack_two_loci_per_word() {
        let r = row(&[(0, 1, 2), (1, 3, 3), (23, 7, 9)]);
        let words = pack_rows(&[r]);
        assert_eq!(words.len(), ROW_WORDS);
        assert_eq!(words[0], 0x0201 | (0x0303 << 16));
        assert_eq!(words[11], 0x0907 << 16);
        assert!(words[1..11].iter().all(|&w| w == 0));
    }

    #[test]
    fn offsets_cover_the_largest_code_of_either_set() {
        let a = [row(&[(0, 1, 4)])];
        let b = [row(&[(0, 2, 6), (5, 1, 1)])];
        let o = bitmap_offsets(&[&a, &b]);
        assert_eq!(o[0], 0);
        assert_eq!(o[1], 7); // typed + codes 1..=6
        assert_eq!(o[5], 7 + 4);
        assert_eq!(o[6], 7 + 4 + 2); // typed + code 1
        assert_eq!(o[INDEX_LOCUS_COUNT], 7 + 4 + 2 + 18);
    }

    #[test]
    fn half_typed_loci_are_refused() {
        let mut bad = [0u16; INDEX_LOCUS_COUNT];
        bad[3] = 5 << 8;
        assert!(matches!(
            Problem::new(&[bad], Targets::SameSet),
            Err(CudaError::InvalidInput(_))
        ));
        assert!(matches!(
            Problem::new(&[row(&[(0, 1, 1)])], Targets::Other(&[bad])),
            Err(CudaError::InvalidInput(_))
        ));
    }

    #[test]
    fn tiles_shrink_to_fit_shared_memory() {
        let auto = Tiling::default();
        let t = choose_tile(324, &auto, DEFAULT_SHARED_BYTES).unwrap();
        assert_eq!(t.words, 32);
        assert_eq!(u64::from(t.shared_bytes), shared_bytes(324, 32));
        assert!(t.shared_bytes <= DEFAULT_SHARED_BYTES);
        assert_eq!(
            choose_tile(400, &auto, DEFAULT_SHARED_BYTES).unwrap().words,
            16
        );
        // Every code of every locus (24 × 256 bitmaps) still fits one word.
        assert_eq!(
            choose_tile(24 * 256, &auto, DEFAULT_SHARED_BYTES)
                .unwrap()
                .words,
            1
        );
        assert!(choose_tile(24 * 256, &auto, 1024).is_err());
        let fixed = |w| Tiling {
            words: Some(w),
            ..Tiling::default()
        };
        assert_eq!(
            choose_tile(50, &fixed(4), DEFAULT_SHARED_BYTES)
                .unwrap()
                .words,
            4
        );
        assert!(choose_tile(50, &fixed(3), DEFAULT_SHARED_BYTES).is_err());
        assert!(choose_tile(50, &fixed(64), DEFAULT_SHARED_BYTES).is_err());
        assert!(choose_tile(400, &fixed(32), DEFAULT_SHARED_BYTES).is_err());
        for block_threads in [0, 48, 2048] {
            let t = Tiling {
                block_threads,
                ..Tiling::default()
            };
            assert!(choose_tile(50, &t, DEFAULT_SHARED_BYTES).is_err());
        }
    }

    /// A launcher that replays canned results, to drive the overflow logic by hand.
    struct Replay {
        results: Vec<Launched>,
        seen: Vec<Launch>,
    }

    impl Launcher for Replay {
        fn shared_budget(&self) -> u32 {
            DEFAULT_SHARED_BYTES
        }
        fn load(&mut self, _: &Problem) -> Result<(), CudaError> {
            Ok(())
        }
        fn launch(&mut self, launch: &Launch) -> Result<Launched, CudaError> {
            self.seen.push(*launch);
            Ok(self.results.remove(0))
        }
    }

    fn ten_profiles() -> Problem {
        let rows: Vec<PackedRow> = (1..=10u8).map(|c| row(&[(0, c, c)])).collect();
        Problem::new(&rows, Targets::SameSet).unwrap()
    }

    fn records(pairs: &[(u32, u32, u32)]) -> Launched {
        Launched {
            found: pairs.len() as u64,
            overflow: false,
            records: pairs.iter().flat_map(|&(a, b, c)| [a, b, c]).collect(),
        }
    }

    #[test]
    fn an_overflowing_chunk_is_split_by_its_count() {
        let params = ScreenParams {
            survivor_capacity: 4,
            query_chunk: 10,
            ..ScreenParams::default()
        };
        let mut replay = Replay {
            results: vec![
                Launched {
                    found: 9,
                    overflow: true,
                    records: Vec::new(),
                },
                records(&[(2, 5, 0), (0, 1, 1)]),
                records(&[(4, 6, 0)]),
                records(&[(8, 9, 1)]),
                records(&[]),
            ],
            seen: Vec::new(),
        };
        let run = run_filter(&mut replay, &ten_profiles(), &params).unwrap();
        // 9 survivors for 4 places: 9/4 rounded up, plus one, is 4 pieces of 3 queries.
        let ranges: Vec<(u32, u32)> = replay
            .seen
            .iter()
            .map(|l| (l.query_begin, l.query_end))
            .collect();
        // The fifth piece, query 9 alone, is the last of one set: nothing after it.
        assert_eq!(ranges, [(0, 10), (0, 3), (3, 6), (6, 9)]);
        assert_eq!(run.launches, 4);
        assert_eq!(run.overflowed_launches, 1);
        let got: Vec<(u32, u32, u8)> = run
            .pairs
            .iter()
            .map(|p| (p.query, p.target, p.inconsistent_loci))
            .collect();
        assert_eq!(got, [(0, 1, 1), (2, 5, 0), (4, 6, 0), (8, 9, 1)]);
    }

    #[test]
    fn a_single_overflowing_query_gets_a_buffer_of_its_count() {
        let params = ScreenParams {
            survivor_capacity: 2,
            query_chunk: 1,
            ..ScreenParams::default()
        };
        let mut results = vec![
            Launched {
                found: 5,
                overflow: true,
                records: Vec::new(),
            },
            records(&[(0, 1, 0), (0, 2, 0), (0, 3, 0), (0, 4, 0), (0, 5, 0)]),
        ];
        results.extend((1..9).map(|_| records(&[])));
        let mut replay = Replay {
            results,
            seen: Vec::new(),
        };
        let run = run_filter(&mut replay, &ten_profiles(), &params).unwrap();
        assert_eq!(replay.seen[0].capacity, 2);
        assert_eq!(replay.seen[1].capacity, 5);
        assert_eq!(
            (replay.seen[1].query_begin, replay.seen[1].query_end),
            (0, 1)
        );
        assert_eq!(run.pairs.len(), 5);
        // The last query of one set has nothing after it and is never launched.
        assert_eq!(replay.seen.last().unwrap().query_begin, 8);
    }

    #[test]
    fn impossible_records_are_kernel_faults() {
        let params = ScreenParams {
            query_chunk: 10,
            ..ScreenParams::default()
        };
        for bad in [
            records(&[(3, 3, 0)]),            // a self pair
            records(&[(4, 2, 0)]),            // reversed in one set
            records(&[(1, 10, 0)]),           // past the last target
            records(&[(1, 2, 2)]),            // more failing loci than allowed (1)
            records(&[(1, 2, 0), (1, 2, 1)]), // twice
            Launched {
                found: 3,
                overflow: false,
                records: vec![1, 2, 0],
            },
            Launched {
                found: 1,
                overflow: true,
                records: Vec::new(),
            },
        ] {
            let mut replay = Replay {
                results: vec![bad.clone()],
                seen: Vec::new(),
            };
            let got = run_filter(&mut replay, &ten_profiles(), &params);
            assert!(
                matches!(got, Err(CudaError::KernelFault(_))),
                "{bad:?}: {got:?}"
            );
        }
    }
}
