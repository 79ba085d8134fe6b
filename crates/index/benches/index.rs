//! Index benchmarks on profiles simulated with `lazo_sim` (NIST 1036 Hispanic table, all 24
//! row loci, fixed seeds), so anyone can rerun them:
//!
//! ```text
//! cargo bench -p lazo-index --bench index
//! LAZO_BENCH_10M=1 cargo bench -p lazo-index --bench index -- 10M   # the 10 M-profile runs
//! ```
//!
//! Threads: every search runs in an explicit rayon pool of 1 and of 2 threads (the names say
//! which), so per-core figures and the 2-core targets are both measured.

#![allow(clippy::unwrap_used, clippy::expect_used)] // benches fail loudly by design

use std::cell::OnceCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lazo_genetics::{FrequencyTable, Locus, MinFrequency, Profile};
use lazo_index::{
    ExclusionFilter, INDEX_LOCUS_NAMES, IdentityQuery, ProfileIndex, ScreenConfig, Stringency,
    screen_parent_child, search_familial, search_identity,
};
use lazo_kinship::{MutationModel, ParentSex, Relationship};
use lazo_sim::Simulator;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

fn table() -> FrequencyTable {
    lazo_formats::embedded::load("nist1036-hispanic", MinFrequency::default()).unwrap()
}

fn model() -> MutationModel {
    MutationModel::parse("equal:0.002").unwrap()
}

fn loci() -> Vec<Locus> {
    INDEX_LOCUS_NAMES
        .iter()
        .map(|n| Locus::parse(n).unwrap())
        .collect()
}

/// `n` unrelated profiles, generated in parallel chunks of 50 000 (chunk `c` seeded `seed + c`)
/// and handed to `f` in order.
fn generate(n: usize, seed: u64, mut f: impl FnMut(usize, &Profile)) {
    let table = table();
    let model = model();
    let loci = loci();
    const CHUNK: usize = 50_000;
    let chunks = n.div_ceil(CHUNK);
    for group in (0..chunks).collect::<Vec<_>>().chunks(8) {
        let made: Vec<Vec<Profile>> = group
            .par_iter()
            .map(|&c| {
                let rng = ChaCha8Rng::seed_from_u64(seed + c as u64);
                let mut sim = Simulator::with_loci(&table, &model, loci.clone(), rng).unwrap();
                let count = CHUNK.min(n - c * CHUNK);
                (0..count).map(|_| sim.founder("")).collect()
            })
            .collect();
        for (c, profiles) in group.iter().zip(made) {
            for (i, p) in profiles.iter().enumerate() {
                f(c * CHUNK + i, p);
            }
        }
    }
}

fn build_index(n: usize, seed: u64) -> ProfileIndex {
    let mut index = ProfileIndex::with_capacity(n);
    generate(n, seed, |i, p| {
        index.insert(&format!("S{i:08}"), p).unwrap();
    });
    index
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn identity_group(c: &mut Criterion, n: usize, label: &str) {
    let table = table();
    let index = OnceCell::new();
    let index = || {
        index.get_or_init(|| {
            let t0 = Instant::now();
            let index = build_index(n, 1);
            eprintln!(
                "[{label}] generated and indexed {n} profiles in {:.1} s; memory {:?}",
                t0.elapsed().as_secs_f64(),
                index.memory_usage()
            );
            let query = index.get("S00000123").unwrap().to_profile();
            (index, query)
        })
    };
    let mut g = c.benchmark_group(format!("identity_{label}"));
    g.throughput(Throughput::Bytes((n * lazo_index::ROW_BYTES) as u64));
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    for threads in [1, 2] {
        let p = pool(threads);
        for (name, stringency, mismatches) in [
            ("high", Stringency::High, 0),
            ("moderate", Stringency::Moderate, 0),
            ("moderate_2mm", Stringency::Moderate, 2),
        ] {
            let q = IdentityQuery {
                stringency,
                max_mismatching_loci: mismatches,
                ..IdentityQuery::default()
            };
            g.bench_function(format!("{name}_{threads}t"), |b| {
                let (index, query) = index();
                let hits = p.install(|| search_identity(index, query, &q, &table).unwrap());
                assert_eq!(hits.len(), 1);
                b.iter(|| p.install(|| search_identity(index, black_box(query), &q, &table)))
            });
        }
    }
    g.finish();

    let file = OnceCell::new();
    let file = || {
        file.get_or_init(|| {
            let (index, _) = index();
            let mut file = Vec::new();
            index.write_to(&mut file).unwrap();
            eprintln!(
                "[{label}] file {} bytes ({:.1} B/profile)",
                file.len(),
                file.len() as f64 / index.len() as f64
            );
            file
        })
    };
    let mut g = c.benchmark_group(format!("persist_{label}"));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("write", |b| {
        let (index, _) = index();
        let len = file().len();
        b.iter_batched(
            || Vec::with_capacity(len),
            |mut out| index.write_to(&mut out).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("read", |b| {
        let file = file();
        b.iter(|| ProfileIndex::read_from(&file[..]).unwrap())
    });
    g.finish();
}

fn identity_1m(c: &mut Criterion) {
    identity_group(c, 1_000_000, "1M");
}

fn identity_10m(c: &mut Criterion) {
    if std::env::var_os("LAZO_BENCH_10M").is_none() {
        return;
    }
    identity_group(c, 10_000_000, "10M");
}

fn build(c: &mut Criterion) {
    let n = 1_000_000;
    let data = OnceCell::new();
    let data = || {
        data.get_or_init(|| {
            let mut profiles = Vec::with_capacity(n);
            generate(n, 3, |_, p| profiles.push(p.clone()));
            let ids: Vec<String> = (0..n).map(|i| format!("S{i:08}")).collect();
            (profiles, ids)
        })
    };
    let mut g = c.benchmark_group("build_1M");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("insert", |b| {
        let (profiles, ids) = data();
        b.iter(|| {
            let mut index = ProfileIndex::with_capacity(n);
            for (id, p) in ids.iter().zip(profiles) {
                index.insert(id, p).unwrap();
            }
            index
        })
    });
    g.finish();
}

fn familial(c: &mut Criterion) {
    let table = table();
    let model = model();
    let n = 1_000_000;
    let data = OnceCell::new();
    let data = || {
        data.get_or_init(|| {
            let mut index = build_index(n - 1, 5);
            let rng = ChaCha8Rng::seed_from_u64(77);
            let mut sim = Simulator::with_loci(&table, &model, loci(), rng).unwrap();
            let (parent, child) =
                sim.relative_pair(Relationship::ParentChild, ParentSex::Male, "p", "c");
            index.insert("PARENT", &parent).unwrap();
            (index, child)
        })
    };
    let mut g = c.benchmark_group("familial_1M");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(n as u64));
    for threads in [1, 2] {
        let p = pool(threads);
        g.bench_function(format!("theta_mutation_top10_{threads}t"), |b| {
            let (index, child) = data();
            let r = p
                .install(|| search_familial(index, child, &table, 0.01, Some(&model), 10))
                .unwrap();
            assert_eq!(r.by_parent_child[0].id, "PARENT");
            b.iter(|| {
                p.install(|| {
                    search_familial(index, black_box(child), &table, 0.01, Some(&model), 10)
                })
            })
        });
    }
    g.finish();
}

fn all_pairs(c: &mut Criterion) {
    let table = table();
    let model = model();
    let n = 20_000;
    let data = OnceCell::new();
    let data = || {
        data.get_or_init(|| {
            let index = build_index(n, 9);
            let filter = ExclusionFilter::build(&index);
            (index, filter)
        })
    };
    let pairs = (n as u64) * (n as u64 - 1) / 2;
    let mut g = c.benchmark_group("all_pairs_20k");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(pairs));
    for threads in [1, 2] {
        let p = pool(threads);
        for max in [1u8, 2] {
            let reported = std::cell::Cell::new(false);
            g.bench_function(format!("exclusion_filter_max{max}_{threads}t"), |b| {
                let (_, filter) = data();
                if !reported.replace(true) {
                    let survivors = p.install(|| filter.count_survivors(max)).unwrap();
                    eprintln!(
                        "[all_pairs] max_inconsistent {max}: {survivors} of {pairs} pairs survive ({:.2e})",
                        survivors as f64 / pairs as f64
                    );
                }
                b.iter(|| p.install(|| filter.count_survivors(black_box(max))))
            });
        }
        let config = ScreenConfig {
            theta: 0.01,
            mutation: Some(&model),
            ..ScreenConfig::new(&table)
        };
        g.bench_function(format!("screen_with_lr_{threads}t"), |b| {
            let (index, _) = data();
            b.iter(|| {
                let mut hits = 0u64;
                p.install(|| screen_parent_child(index, &config, |_| hits += 1))
                    .unwrap();
                hits
            })
        });
    }
    g.bench_function("filter_build", |b| {
        let (index, _) = data();
        b.iter(|| ExclusionFilter::build(index))
    });
    g.finish();
}

criterion_group!(
    benches,
    identity_1m,
    familial,
    all_pairs,
    build,
    identity_10m
);
criterion_main!(benches);
