//! CPU and GPU agree: the same survivors, counts, hits and LRs on the same input. Runs only
//! where `GpuScreen::new` succeeds (an NVIDIA GPU with its driver and NVRTC); elsewhere it says
//! on stderr that it skipped. Its logic is also tested without a GPU: the same kernel text runs
//! as C on the host in the crate's unit tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cases;

use cases::{Shape, families, mutation_model, naive_pairs, nist_table, random_index};
use lazo_index::{ExclusionFilter, ScreenConfig, screen_parent_child};
use lazo_index_cuda::{GpuScreen, ScreenParams, Targets, Tiling};

fn gpu() -> Option<GpuScreen> {
    match GpuScreen::new() {
        Ok(gpu) => {
            eprintln!("GPU agreement test on {}", gpu.device_name());
            Some(gpu)
        }
        Err(e) => {
            eprintln!("skipping the GPU agreement test: {e}");
            None
        }
    }
}

#[test]
fn gpu_and_cpu_filters_agree_on_random_indexes() {
    let Some(gpu) = gpu() else { return };
    for (seed, n) in [1usize, 2, 31, 33, 1000, 1057, 5000, 20_011]
        .into_iter()
        .enumerate()
    {
        let index = random_index(&Shape::new(n), seed as u64);
        let filter = ExclusionFilter::build(&index);
        for max in 0..=3 {
            let cpu = filter.survivors(max).unwrap();
            let got = gpu.screen(&index, &ScreenParams::new(max)).unwrap();
            assert_eq!(got, cpu, "{n} profiles, max {max}");
        }
    }
}

#[test]
fn gpu_tilings_chunks_and_overflow_agree() {
    let Some(gpu) = gpu() else { return };
    let shape = Shape {
        alleles: 2,
        near_copy: 0.5,
        ..Shape::new(3000)
    };
    let index = random_index(&shape, 9);
    let cpu = ExclusionFilter::build(&index).survivors(2).unwrap();
    for (words, block_threads, queries_per_block, chunk, capacity) in [
        (Some(1), 32, 1, 7, 1),
        (Some(2), 64, 33, 1000, 100),
        (Some(8), 128, 500, 1 << 16, 1 << 22),
        (Some(32), 1024, 2048, 1 << 16, 5000),
        (None, 256, 1024, 999, 1 << 22),
    ] {
        let params = ScreenParams {
            max_inconsistent: 2,
            survivor_capacity: capacity,
            query_chunk: chunk,
            tiling: Tiling {
                block_threads,
                queries_per_block,
                words,
            },
        };
        assert_eq!(gpu.screen(&index, &params).unwrap(), cpu, "{params:?}");
    }
    // Two sets.
    let live = index.live_rows();
    let (queries, targets) = live.rows.split_at(1111);
    let run = gpu
        .filter(queries, Targets::Other(targets), &ScreenParams::new(1))
        .unwrap();
    let got: Vec<(u32, u32, u8)> = run
        .pairs
        .iter()
        .map(|p| (p.query, p.target, p.inconsistent_loci))
        .collect();
    assert_eq!(got, naive_pairs(queries, Some(targets), 1));
}

#[test]
fn gpu_and_cpu_screens_give_the_same_hits_and_lrs() {
    let Some(gpu) = gpu() else { return };
    let table = nist_table();
    let model = mutation_model();
    let index = families(&table, 2000, 5);
    for max in [0, 1, 2, 3] {
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
        let mut on_gpu = Vec::new();
        let gpu_stats = gpu
            .screen_parent_child(&index, &config, |h| on_gpu.push(format!("{h:?}")))
            .unwrap();
        assert_eq!(cpu_stats, gpu_stats);
        assert_eq!(cpu, on_gpu);
        assert!(cpu_stats.hits >= 2000, "{cpu_stats:?}");
    }
}
