//! The kernel's logic on the CPU: the very kernel source, compiled as C and run launch by
//! launch through the same planning code as on the GPU, must find exactly the CPU filter's
//! survivors (`lazo_index::ExclusionFilter::survivors`), on random and edge-case indexes and
//! under every tiling, chunking and overflow path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lazo_index::{
    ExclusionFilter, FilterSurvivor, ProfileIndex, ScreenConfig, score_survivors,
    screen_parent_child,
};

use crate::cases::{Shape, families, naive_pairs, nist_table, random_index};
use crate::emulation::{HostRun, host_kernel};
use crate::plan::{DEFAULT_SHARED_BYTES, Problem, run_filter};
use crate::{FilterRun, ScreenParams, Targets, Tiling, screen_with};

fn params(max: u8, block_threads: u32, queries_per_block: u32, words: Option<u32>) -> ScreenParams {
    ScreenParams {
        max_inconsistent: max,
        tiling: Tiling {
            block_threads,
            queries_per_block,
            words,
        },
        ..ScreenParams::default()
    }
}

/// The host run's survivors, after checking them against the CPU filter's.
fn check_index(index: &ProfileIndex, params: &ScreenParams, budget: u32) -> Option<FilterRun> {
    let exe = host_kernel()?;
    let expected = ExclusionFilter::build(index)
        .survivors(params.max_inconsistent)
        .unwrap();
    let (got, run) = screen_with(&mut HostRun::new(exe, budget), index, params).unwrap();
    assert_eq!(
        got.len(),
        expected.len(),
        "{} live profiles, {params:?}",
        index.len()
    );
    assert_eq!(got, expected, "{} live profiles, {params:?}", index.len());
    Some(run)
}

#[test]
fn random_indexes_under_every_tiling() {
    // (profiles, max inconsistent, block threads, queries per block, words, queries per launch)
    let cases: [(usize, u8, u32, u32, Option<u32>, u32); 14] = [
        (2, 1, 32, 1, Some(1), 1),
        (31, 0, 32, 3, Some(1), 5),
        (33, 1, 64, 7, Some(1), 1 << 16),
        (64, 2, 32, 1024, Some(2), 1 << 16),
        (65, 3, 256, 1024, None, 1 << 16),
        (100, 1, 96, 5, Some(4), 17),
        (257, 1, 256, 64, Some(8), 1 << 16),
        (300, 2, 128, 100, Some(16), 77),
        (513, 1, 1024, 1024, Some(32), 1 << 16),
        (700, 0, 256, 1024, None, 1 << 16),
        (700, 3, 256, 33, Some(2), 250),
        (1057, 1, 256, 1024, None, 1 << 16),
        (1057, 1, 64, 9, Some(32), 500),
        (1500, 2, 32, 2048, Some(4), 1 << 16),
    ];
    for (seed, &(n, max, threads, per_block, words, chunk)) in cases.iter().enumerate() {
        let mut shape = Shape::new(n);
        shape.alleles = 3 + (seed as u16 % 4);
        let index = random_index(&shape, seed as u64);
        let p = ScreenParams {
            query_chunk: chunk,
            ..params(max, threads, per_block, words)
        };
        let Some(run) = check_index(&index, &p, DEFAULT_SHARED_BYTES) else {
            return;
        };
        if let Some(w) = words {
            assert_eq!(run.words, w);
        }
    }
}

#[test]
fn edge_cases_of_size_and_content() {
    let Some(_) = host_kernel() else { return };
    let p = params(1, 64, 4, Some(1));
    // Nothing, one profile: no pair, no launch.
    for n in [0, 1] {
        let index = random_index(
            &Shape {
                removed: 0.0,
                ..Shape::new(n)
            },
            1,
        );
        let run = check_index(&index, &p, DEFAULT_SHARED_BYTES).unwrap();
        assert_eq!(run.launches, 0);
    }
    // Two live profiles among removed ones.
    let mut index = random_index(
        &Shape {
            removed: 0.0,
            ..Shape::new(40)
        },
        2,
    );
    for n in 2..40 {
        index.remove(&format!("R{n}"));
    }
    check_index(&index, &p, DEFAULT_SHARED_BYTES);
    // Profiles with no typed locus: every pair survives, with no inconsistent locus.
    let empty = random_index(
        &Shape {
            empty: 1.0,
            removed: 0.0,
            ..Shape::new(45)
        },
        3,
    );
    check_index(&empty, &p, DEFAULT_SHARED_BYTES);
    let all = ExclusionFilter::build(&empty).survivors(0).unwrap();
    assert_eq!(all.len(), 45 * 44 / 2);
    // One genotype at one locus, the same for everybody.
    let same = random_index(
        &Shape {
            untyped: 0.0,
            alleles: 1,
            near_copy: 0.0,
            removed: 0.0,
            ..Shape::new(70)
        },
        4,
    );
    check_index(&same, &params(0, 32, 1, Some(1)), DEFAULT_SHARED_BYTES);
    // Mostly untyped profiles: few shared loci, many survivors at every count.
    for max in 0..=3 {
        let sparse = random_index(
            &Shape {
                untyped: 0.85,
                ..Shape::new(200)
            },
            5 + u64::from(max),
        );
        check_index(&sparse, &params(max, 128, 16, None), DEFAULT_SHARED_BYTES);
    }
}

#[test]
fn a_locus_with_many_alleles_narrows_the_tile() {
    let shape = Shape {
        alleles: 6,
        wide_locus: Some((7, 254)),
        ..Shape::new(600)
    };
    let index = random_index(&shape, 11);
    // About 23 × 7 + 255 bitmaps: 32 words need ≈ 53 KB, more than the 48 KB budget.
    let Some(run) = check_index(&index, &params(1, 256, 256, None), DEFAULT_SHARED_BYTES) else {
        return;
    };
    assert!(run.words < 32, "{run:?}");
    let tiny = check_index(&index, &params(2, 64, 50, None), 2048).unwrap();
    assert_eq!(tiny.words, 1);
    // A device that gives more shared memory takes the full width.
    let wide = check_index(&index, &params(1, 256, 256, None), 200 * 1024).unwrap();
    assert_eq!(wide.words, 32);
}

#[test]
fn overflow_forces_chunked_reruns() {
    let shape = Shape {
        alleles: 2,
        near_copy: 0.5,
        ..Shape::new(400)
    };
    let index = random_index(&shape, 21);
    let expected = ExclusionFilter::build(&index).survivors(2).unwrap();
    assert!(expected.len() > 500, "{}", expected.len());
    for capacity in [1, 7, 100, 5000] {
        let p = ScreenParams {
            survivor_capacity: capacity,
            query_chunk: 150,
            ..params(2, 64, 32, Some(2))
        };
        let Some(run) = check_index(&index, &p, DEFAULT_SHARED_BYTES) else {
            return;
        };
        if (capacity as usize) < expected.len() {
            assert!(run.overflowed_launches > 0, "capacity {capacity}: {run:?}");
        } else {
            assert_eq!(run.overflowed_launches, 0);
        }
    }
}

#[test]
fn thread_and_block_order_change_nothing() {
    let Some(exe) = host_kernel() else { return };
    let index = random_index(&Shape::new(333), 31);
    let p = params(1, 64, 20, Some(2));
    let forward = screen_with(&mut HostRun::new(exe, DEFAULT_SHARED_BYTES), &index, &p).unwrap();
    let mut reversed = HostRun::new(exe, DEFAULT_SHARED_BYTES);
    reversed.reverse = true;
    let backward = screen_with(&mut reversed, &index, &p).unwrap();
    assert_eq!(forward.0, backward.0);
    assert_eq!(
        forward.0,
        ExclusionFilter::build(&index).survivors(1).unwrap()
    );
}

#[test]
fn two_sets_give_every_pair_across() {
    let Some(exe) = host_kernel() else { return };
    let index = random_index(&Shape::new(500), 41);
    let live = index.live_rows();
    // The naive list of one set is the CPU filter's, so it can stand in for two.
    let naive: Vec<FilterSurvivor> = naive_pairs(&live.rows, None, 1)
        .into_iter()
        .map(|(i, j, bad)| FilterSurvivor {
            first: live.slots[i as usize],
            second: live.slots[j as usize],
            inconsistent_loci: bad,
        })
        .collect();
    assert_eq!(naive, ExclusionFilter::build(&index).survivors(1).unwrap());
    let (queries, targets) = live.rows.split_at(170);
    for (max, p) in [
        (0, params(0, 32, 1, Some(1))),
        (1, params(1, 64, 7, Some(4))),
        (3, params(3, 256, 1024, None)),
    ] {
        let problem = Problem::new(queries, Targets::Other(targets)).unwrap();
        let run = run_filter(&mut HostRun::new(exe, DEFAULT_SHARED_BYTES), &problem, &p).unwrap();
        let got: Vec<(u32, u32, u8)> = run
            .pairs
            .iter()
            .map(|r| (r.query, r.target, r.inconsistent_loci))
            .collect();
        assert_eq!(got, naive_pairs(queries, Some(targets), max), "{p:?}");
        // Every target, self pairs included, when a set is compared with itself as "other".
        let problem = Problem::new(queries, Targets::Other(queries)).unwrap();
        let run = run_filter(&mut HostRun::new(exe, DEFAULT_SHARED_BYTES), &problem, &p).unwrap();
        let got: Vec<(u32, u32, u8)> = run
            .pairs
            .iter()
            .map(|r| (r.query, r.target, r.inconsistent_loci))
            .collect();
        assert_eq!(got, naive_pairs(queries, Some(queries), max));
        assert!(got.iter().any(|&(i, j, _)| i == j));
    }
}

/// The whole screen with the host kernel as filter: the same hits and counts as the CPU
/// screen, LRs included (they are computed by the same code on the same pairs).
#[test]
fn host_filter_then_exact_lrs_equal_the_cpu_screen() {
    let Some(exe) = host_kernel() else { return };
    let table = nist_table();
    let model = crate::cases::mutation_model();
    let index = families(&table, 60, 7);
    for max in [0, 1, 2] {
        let config = ScreenConfig {
            theta: 0.01,
            mutation: Some(&model),
            min_log10_lr: 2.0,
            max_inconsistent: max,
            ..ScreenConfig::new(&table)
        };
        let mut cpu = Vec::new();
        let cpu_stats =
            screen_parent_child(&index, &config, |h| cpu.push(format!("{h:?}"))).unwrap();
        let (survivors, _) = screen_with(
            &mut HostRun::new(exe, DEFAULT_SHARED_BYTES),
            &index,
            &ScreenParams::new(max),
        )
        .unwrap();
        let mut host = Vec::new();
        let host_stats =
            score_survivors(&index, &config, &survivors, |h| host.push(format!("{h:?}"))).unwrap();
        assert_eq!(cpu_stats, host_stats);
        assert_eq!(cpu, host);
        assert!(cpu_stats.hits >= 60, "{cpu_stats:?}");
    }
}

#[test]
fn parameters_are_checked_before_any_launch() {
    let index = random_index(&Shape::new(10), 1);
    let live = index.live_rows();
    let problem = Problem::new(&live.rows, Targets::SameSet).unwrap();
    struct Never;
    impl crate::plan::Launcher for Never {
        fn shared_budget(&self) -> u32 {
            DEFAULT_SHARED_BYTES
        }
        fn load(&mut self, _: &Problem) -> Result<(), crate::CudaError> {
            panic!("loaded")
        }
        fn launch(
            &mut self,
            _: &crate::plan::Launch,
        ) -> Result<crate::plan::Launched, crate::CudaError> {
            panic!("launched")
        }
    }
    for p in [
        ScreenParams::new(4),
        ScreenParams {
            survivor_capacity: 0,
            ..ScreenParams::default()
        },
        ScreenParams {
            query_chunk: 0,
            ..ScreenParams::default()
        },
        params(1, 100, 1, None),
        params(1, 64, 0, None),
        params(1, 64, 1, Some(5)),
    ] {
        assert!(
            matches!(
                run_filter(&mut Never, &problem, &p),
                Err(crate::CudaError::InvalidParams(_))
            ),
            "{p:?}"
        );
    }
}
