//! Best-of-N wall-clock timings of the searches on 1 and 2 threads, a cross-check on the
//! criterion benchmarks for shared machines (where other work inflates criterion's means):
//!
//! ```text
//! cargo run --release -p lazo-index --example timing -- 1000000
//! ```

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use lazo_genetics::{Locus, MinFrequency};
use lazo_index::{
    ExclusionFilter, INDEX_LOCUS_NAMES, IdentityQuery, PresentedSample, ProfileIndex,
    RepeatChildConfig, SampleRole, ScreenConfig, Stringency, repeat_child_alerts,
    screen_parent_child, search_familial, search_identity,
};
use lazo_kinship::MutationModel;
use rand::SeedableRng;
use rayon::prelude::*;

/// CPU seconds used by this process so far (user + system), from /proc (Linux only; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(1_000_000, |s| s.parse().unwrap());
    let runs: usize = std::env::args().nth(2).map_or(20, |s| s.parse().unwrap());
    let table = lazo_formats::embedded::load("nist1036-hispanic", MinFrequency::default()).unwrap();
    let model = MutationModel::parse("equal:0.002").unwrap();
    let loci: Vec<Locus> = INDEX_LOCUS_NAMES
        .iter()
        .map(|n| Locus::parse(n).unwrap())
        .collect();
    let t0 = Instant::now();
    let mut index = ProfileIndex::with_capacity(n);
    const CHUNK: usize = 50_000;
    for group in (0..n.div_ceil(CHUNK)).collect::<Vec<_>>().chunks(8) {
        let made: Vec<Vec<lazo_genetics::Profile>> = group
            .par_iter()
            .map(|&c| {
                let rng = rand_chacha::ChaCha8Rng::seed_from_u64(1 + c as u64);
                let mut sim =
                    lazo_sim::Simulator::with_loci(&table, &model, loci.clone(), rng).unwrap();
                (0..CHUNK.min(n - c * CHUNK))
                    .map(|_| sim.founder(""))
                    .collect()
            })
            .collect();
        for (c, profiles) in group.iter().zip(made) {
            for (i, p) in profiles.iter().enumerate() {
                index.insert(&format!("S{:08}", c * CHUNK + i), p).unwrap();
            }
        }
    }
    println!(
        "{n} profiles generated and indexed in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let q = index.get("S00000123").unwrap().to_profile();
    let queries = [
        ("identity high", Stringency::High, 0u8),
        ("identity moderate", Stringency::Moderate, 0),
        ("identity moderate 2mm", Stringency::Moderate, 2),
    ];
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut line = format!("{threads} thread(s), best / median of {runs}:");
        let (wall0, cpu0) = (Instant::now(), cpu_seconds());
        for (name, stringency, mm) in queries {
            let iq = IdentityQuery {
                stringency,
                max_mismatching_loci: mm,
                ..IdentityQuery::default()
            };
            let mut t: Vec<f64> = (0..runs)
                .map(|_| {
                    let s = Instant::now();
                    let hits = pool.install(|| search_identity(&index, &q, &iq, &table).unwrap());
                    assert_eq!(hits.len(), 1);
                    s.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            t.sort_by(f64::total_cmp);
            line.push_str(&format!("  {name} {:.2}/{:.2} ms;", t[0], t[runs / 2]));
        }
        let mut t: Vec<f64> = (0..runs)
            .map(|_| {
                let s = Instant::now();
                pool.install(|| search_familial(&index, &q, &table, 0.01, Some(&model), 10))
                    .unwrap();
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        line.push_str(&format!("  familial {:.2}/{:.2} ms", t[0], t[runs / 2]));
        line.push_str(&format!(
            "  [CPU/wall {:.2}]",
            (cpu_seconds() - cpu0) / wall0.elapsed().as_secs_f64()
        ));
        println!("{line}");
    }
    println!("memory: {:?}", index.memory_usage());
    // All pairs of the first 20 000 profiles.
    let mut small = ProfileIndex::with_capacity(20_000);
    for p in index.iter().take(20_000) {
        small.insert(p.id(), &p.to_profile()).unwrap();
    }
    let filter = ExclusionFilter::build(&small);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (wall0, cpu0) = (Instant::now(), cpu_seconds());
        let mut best = f64::MAX;
        let mut survivors = 0;
        for _ in 0..runs.min(10) {
            let s = Instant::now();
            survivors = pool.install(|| filter.count_survivors(1)).unwrap();
            best = best.min(s.elapsed().as_secs_f64());
        }
        let config = ScreenConfig {
            theta: 0.01,
            mutation: Some(&model),
            ..ScreenConfig::new(&table)
        };
        let mut best_screen = f64::MAX;
        for _ in 0..runs.min(10) {
            let s = Instant::now();
            pool.install(|| screen_parent_child(&small, &config, |_| {}))
                .unwrap();
            best_screen = best_screen.min(s.elapsed().as_secs_f64());
        }
        println!(
            "{threads} thread(s): all-pairs exclusion filter on 20 000: {:.1} ms = {:.2e} pairs/s \
             ({survivors} survivors); full screen with LRs {:.1} ms = {:.2e} pairs/s  [CPU/wall {:.2}]",
            best * 1e3,
            filter.pairs() as f64 / best,
            best_screen * 1e3,
            filter.pairs() as f64 / best_screen,
            (cpu_seconds() - cpu0) / wall0.elapsed().as_secs_f64()
        );
    }
    // Repeat-child alerts over the first 20 000 profiles presented as children, one unit each.
    let kids: Vec<lazo_genetics::Profile> =
        index.iter().take(20_000).map(|p| p.to_profile()).collect();
    let units: Vec<String> = (0..kids.len()).map(|i| format!("U{i}")).collect();
    let samples: Vec<PresentedSample<'_>> = kids
        .iter()
        .zip(&units)
        .map(|(p, u)| PresentedSample {
            unit_id: u,
            sample_id: &p.sample_id,
            role: SampleRole::Child,
            profile: p,
        })
        .collect();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let s = Instant::now();
        let alerts = pool
            .install(|| repeat_child_alerts(&samples, &table, &RepeatChildConfig::default()))
            .unwrap();
        println!(
            "{threads} thread(s): repeat-child alerts over {} children: {:.1} ms ({} alerts)",
            samples.len(),
            s.elapsed().as_secs_f64() * 1e3,
            alerts.len()
        );
    }
    let mut file = Vec::new();
    let s = Instant::now();
    index.write_to(&mut file).unwrap();
    let write = s.elapsed().as_secs_f64();
    let s = Instant::now();
    let back = ProfileIndex::read_from(&file[..]).unwrap();
    println!(
        "write {:.2} s, read {:.2} s ({} bytes, {} profiles; in memory, no disk)",
        write,
        s.elapsed().as_secs_f64(),
        file.len(),
        back.len()
    );
}
