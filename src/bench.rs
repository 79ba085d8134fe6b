//! `lazo bench`: the index and LR speeds, each printed beside its reference: the memory-
//! bandwidth floor, a naive baseline measured in the same run, and the goals of the issue.
//! Profiles are simulated (NIST 1036 Hispanic, 20 CODIS loci) so anyone can rerun it.

use std::time::Instant;

use anyhow::Result;
use clap::Args;
use lazo_genetics::{Locus, Profile};
use lazo_index::{
    ExclusionFilter, IdentityQuery, ProfileIndex, ROW_BYTES, search_familial, search_identity,
};
use lazo_kinship::{Model, MutationModel, Relationship, pair_lr};
use lazo_sim::Simulator;
use rayon::prelude::*;

use crate::{emit, inputs, outln, settings};

/// One line of the table: what, measured, reference, ratio.
type Row<'r> = dyn Fn(&mut String, &str, String, String, f64) + 'r;

/// The H100 SXM of the lent GPU machine (shared/ENGINEERING-NOTES.md): HBM3 bandwidth and
/// INT32 throughput, the limits the GPU screen is measured against.
#[cfg(feature = "cuda")]
const H100_BYTES_PER_S: f64 = 3.35e12;
#[cfg(feature = "cuda")]
const H100_INT32_OPS_PER_S: f64 = 33.5e12;
/// The goal: 1M profiles all-pairs (5e11 pairs), filter and exact LRs, in 1 s.
#[cfg(feature = "cuda")]
const GOAL_PAIRS_PER_S: f64 = 5e11;

/// The GPU filter's lines: agreement with the CPU filter on the all-pairs set, then the whole
/// index all-pairs (filter on the GPU, exact LRs on the CPU) against the H100's limits and the
/// goal.
#[cfg(feature = "cuda")]
fn gpu_lines(
    out: &mut String,
    row: &Row<'_>,
    index: &ProfileIndex,
    small: &ProfileIndex,
    small_filter: &ExclusionFilter,
    table: &lazo_genetics::FrequencyTable,
    settings: &settings::Settings,
) -> Result<()> {
    use lazo_index_cuda::{GpuScreen, INT32_OPS_PER_PAIR, ScreenParams, global_bytes_one_set};
    let gpu = match GpuScreen::new() {
        Ok(gpu) => gpu,
        Err(e) => {
            outln!(out, "GPU all-pairs screen: not measured ({e})");
            return Ok(());
        }
    };
    let params = ScreenParams::new(1);
    let cpu = small_filter.survivors(1)?;
    let on_gpu = gpu.screen(small, &params)?;
    anyhow::ensure!(
        on_gpu == cpu,
        "the GPU filter's survivors differ from the CPU filter's ({} against {}) on {} profiles",
        on_gpu.len(),
        cpu.len(),
        small.len()
    );
    row(
        out,
        "GPU survivors = CPU survivors (all-pairs set)",
        format!("{} equal", cpu.len()),
        "exact".into(),
        f64::NAN,
    );
    let live = index.live_rows();
    let n = live.rows.len() as u64;
    let pairs = (n * n.saturating_sub(1) / 2) as f64;
    // Twice, keeping the faster: the first run also pays for first-touch allocations.
    let mut best: Option<(lazo_index_cuda::FilterRun, f64)> = None;
    for _ in 0..2 {
        let (run, seconds) =
            time(|| gpu.filter(&live.rows, lazo_index_cuda::Targets::SameSet, &params));
        let run = run?;
        if let Some((first, _)) = &best {
            anyhow::ensure!(first.pairs == run.pairs, "two GPU runs differ");
        }
        if best.as_ref().is_none_or(|(_, s)| seconds < *s) {
            best = Some((run, seconds));
        }
    }
    let Some((run, filter_s)) = best else {
        anyhow::bail!("no GPU run");
    };
    let survivors: Vec<lazo_index::FilterSurvivor> = run
        .pairs
        .iter()
        .map(|p| lazo_index::FilterSurvivor {
            first: live.slots[p.query as usize],
            second: live.slots[p.target as usize],
            inconsistent_loci: p.inconsistent_loci,
        })
        .collect();
    let mutation = settings.mutation_model()?;
    let config = lazo_index::ScreenConfig {
        theta: settings.theta,
        mutation: mutation.as_ref(),
        ..lazo_index::ScreenConfig::new(table)
    };
    let (stats, lr_s) = time(|| lazo_index::score_survivors(index, &config, &survivors, |_| {}));
    let stats = stats?;
    let int_floor = pairs * INT32_OPS_PER_PAIR / H100_INT32_OPS_PER_S;
    let byte_floor = global_bytes_one_set(n, &run) / H100_BYTES_PER_S;
    outln!(
        out,
        "GPU: {}, {n} profiles all-pairs ({pairs:.2e} pairs), {} survivors, {} hits",
        gpu.device_name(),
        survivors.len(),
        stats.hits
    );
    row(
        out,
        "GPU exclusion filter (s)",
        format!("{filter_s:.3} s"),
        format!("{int_floor:.3} s INT32"),
        filter_s / int_floor,
    );
    row(
        out,
        "  same, against H100 memory bandwidth",
        format!("{filter_s:.3} s"),
        format!("{byte_floor:.4} s HBM"),
        filter_s / byte_floor,
    );
    row(
        out,
        "  exact LRs on the survivors, CPU (s)",
        format!("{lr_s:.3} s"),
        "—".into(),
        f64::NAN,
    );
    let scaled = (filter_s + lr_s) * GOAL_PAIRS_PER_S / pairs;
    row(
        out,
        "GPU screen, scaled to 1M all-pairs (s)",
        format!("{scaled:.2} s"),
        "≤ 1 s goal".into(),
        scaled,
    );
    Ok(())
}

#[cfg(not(feature = "cuda"))]
fn gpu_lines(
    out: &mut String,
    _: &Row<'_>,
    _: &ProfileIndex,
    _: &ProfileIndex,
    _: &ExclusionFilter,
    _: &lazo_genetics::FrequencyTable,
    _: &settings::Settings,
) -> Result<()> {
    outln!(
        out,
        "GPU all-pairs screen: not measured ({})",
        crate::index_cmd::NO_CUDA_BUILD
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Profiles in the index for identity and familial search
    #[arg(long, default_value_t = 1_000_000)]
    profiles: usize,
    /// Profiles for the all-pairs screen (pairs = n(n−1)/2)
    #[arg(long, default_value_t = 20_000)]
    pairs_profiles: usize,
    /// Queries timed per search (the median is reported)
    #[arg(long, default_value_t = 15)]
    queries: usize,
    /// Memory bandwidth of this machine in GB/s, for the floor of a full scan (default: the
    /// figure measured on the development machine kind with two threads)
    #[arg(long, default_value_t = 27.0)]
    bandwidth_gbs: f64,
    /// Measure the web service instead: concurrent clients posting intakes to an in-process
    /// service over SQLite (intakes per second, latency), beside verification alone and SQLite
    /// commits alone
    #[arg(long)]
    service: bool,
    /// With --service: concurrent clients
    #[arg(long, default_value_t = 8, requires = "service")]
    clients: usize,
    /// With --service: seconds of load
    #[arg(long, default_value_t = 10, requires = "service")]
    seconds: u64,
}

/// `n` unrelated founders in parallel chunks, each chunk seeded from its number.
fn founders(table: &lazo_genetics::FrequencyTable, n: usize, seed: u64) -> Result<Vec<Profile>> {
    let model = MutationModel::parse(settings::DEFAULT_MUTATION)?;
    const CHUNK: usize = 20_000;
    let chunks: Vec<Vec<Profile>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut sim =
                Simulator::seeded(table, &model, seed.wrapping_mul(1_000_003) + c as u64)?;
            Ok((0..CHUNK.min(n - c * CHUNK))
                .map(|_| sim.founder(""))
                .collect())
        })
        .collect::<Result<_, lazo_sim::SimError>>()?;
    Ok(chunks.into_iter().flatten().collect())
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

pub fn run(args: BenchArgs) -> Result<()> {
    if args.service {
        return crate::bench_service::run(args.clients, args.seconds);
    }
    anyhow::ensure!(
        args.profiles >= 1000 && args.pairs_profiles >= 100 && args.queries >= 1,
        "sizes too small to measure"
    );
    let table = inputs::frequencies(
        None,
        lazo_formats::embedded::DEFAULT_POPULATION,
        Default::default(),
    )?;
    let threads = rayon::current_num_threads();
    let mut out = String::new();
    outln!(
        out,
        "lazo bench: {} profiles, {} threads, NIST 1036 Hispanic, 20 CODIS loci\n",
        args.profiles,
        threads
    );
    outln!(
        out,
        "{:<44} {:>14} {:>16} {:>9}",
        "measure",
        "measured",
        "reference",
        "ratio"
    );
    let row = |out: &mut String, what: &str, measured: String, reference: String, ratio: f64| {
        let ratio = if ratio.is_finite() {
            format!("{ratio:.2}×")
        } else {
            "—".into()
        };
        outln!(out, "{what:<44} {measured:>14} {reference:>16} {ratio:>9}");
    };

    // Build.
    let progress = indicatif::ProgressBar::new_spinner();
    progress.set_message("simulating profiles");
    progress.enable_steady_tick(std::time::Duration::from_millis(200));
    let profiles = founders(&table, args.profiles, 1)?;
    progress.set_message("building the index");
    let (index, build_s) = time(|| {
        let mut index = ProfileIndex::with_capacity(profiles.len());
        for (i, p) in profiles.iter().enumerate() {
            index.insert(&format!("S{i:08}"), p)?;
        }
        Ok::<_, lazo_index::IndexError>(index)
    });
    let index = index?;
    let mut file = Vec::new();
    let (written, _) = time(|| index.write_to(&mut file));
    written?;
    let (loaded, load_s) = time(|| ProfileIndex::read_from(file.as_slice()));
    loaded?;
    progress.finish_and_clear();
    let memory = index.memory_usage();
    row(
        &mut out,
        "bytes per profile (packed genotypes)",
        format!("{ROW_BYTES} B"),
        "≤ 64 B goal".into(),
        ROW_BYTES as f64 / 64.0,
    );
    row(
        &mut out,
        "bytes per profile (with ids and lookup)",
        format!("{:.0} B", memory.total() as f64 / index.len() as f64),
        "—".into(),
        f64::NAN,
    );
    let per_10m = |s: f64| s * 1e7 / args.profiles as f64;
    row(
        &mut out,
        "build, scaled to 10M profiles",
        format!("{:.1} s", per_10m(build_s)),
        "≤ 10 s goal".into(),
        per_10m(build_s) / 10.0,
    );
    row(
        &mut out,
        "load from file, scaled to 10M profiles",
        format!("{:.1} s", per_10m(load_s)),
        "≤ 10 s goal".into(),
        per_10m(load_s) / 10.0,
    );

    // Identity search: against the bandwidth floor of reading every row once, and against a
    // naive scan over the profiles themselves.
    let queries: Vec<&Profile> = profiles
        .iter()
        .step_by((profiles.len() / args.queries).max(1))
        .take(args.queries)
        .collect();
    let query = IdentityQuery::default();
    let identity_s = median(
        queries
            .iter()
            .map(|q| time(|| search_identity(&index, q, &query, &table)).1)
            .collect(),
    );
    let floor_s = (args.profiles * ROW_BYTES) as f64 / (args.bandwidth_gbs * 1e9);
    row(
        &mut out,
        "identity search (ms per query)",
        format!("{:.2} ms", identity_s * 1e3),
        format!("{:.2} ms floor", floor_s * 1e3),
        identity_s / floor_s,
    );
    let naive_n = profiles.len().min(100_000);
    let naive_s = median(
        queries
            .iter()
            .take(3)
            .map(|q| {
                time(|| {
                    profiles[..naive_n]
                        .par_iter()
                        .filter(|p| {
                            p.typed_loci()
                                .all(|(l, g)| q.genotype(l).is_none_or(|h| h == g))
                        })
                        .count()
                })
                .1
            })
            .collect(),
    ) * args.profiles as f64
        / naive_n as f64;
    row(
        &mut out,
        "  naive scan of profiles (same query)",
        format!("{:.1} ms", naive_s * 1e3),
        "index is".into(),
        naive_s / identity_s,
    );
    row(
        &mut out,
        "identity search scaled to 10M",
        format!("{:.1} ms", per_10m(identity_s) * 1e3),
        "≤ 25 ms goal".into(),
        per_10m(identity_s) / 0.025,
    );

    // Familial search.
    let settings = settings::Settings::default();
    let mutation = settings.mutation_model()?;
    let familial_s = median(
        queries
            .iter()
            .take(5)
            .map(|q| {
                time(|| search_familial(&index, q, &table, settings.theta, mutation.as_ref(), 10)).1
            })
            .collect(),
    );
    let per_1m = |s: f64| s * 1e6 / args.profiles as f64;
    row(
        &mut out,
        "familial search, scaled to 1M (ms/query)",
        format!("{:.1} ms", per_1m(familial_s) * 1e3),
        "≤ 100 ms goal".into(),
        per_1m(familial_s) / 0.1,
    );
    let model = Model {
        table: &table,
        theta: settings.theta,
        mutation: mutation.as_ref(),
    };
    let naive_fam_n = 20_000.min(profiles.len());
    let (_, naive_fam_s) = time(|| {
        profiles[..naive_fam_n]
            .par_iter()
            .filter_map(|p| {
                pair_lr(p, queries[0], Relationship::ParentChild, None, &model, None).ok()
            })
            .count()
    });
    let naive_fam_1m = naive_fam_s * 1e6 / naive_fam_n as f64;
    row(
        &mut out,
        "  naive pair_lr over profiles, 1M",
        format!("{:.0} ms", naive_fam_1m * 1e3),
        "index is".into(),
        naive_fam_1m / per_1m(familial_s),
    );

    // All-pairs exclusion filter.
    let mut small = ProfileIndex::with_capacity(args.pairs_profiles);
    for (i, p) in profiles.iter().take(args.pairs_profiles).enumerate() {
        small.insert(&format!("P{i:08}"), p)?;
    }
    let filter = ExclusionFilter::build(&small);
    let pairs = (small.len() as f64) * (small.len() as f64 - 1.0) / 2.0;
    let (_, filter_s) = time(|| filter.count_survivors(1));
    let per_core = pairs / filter_s / threads as f64;
    row(
        &mut out,
        "all-pairs exclusion filter (pairs/s/core)",
        format!("{per_core:.2e}"),
        "≥ 2e9 goal".into(),
        per_core / 2e9,
    );

    // The same filter on the GPU, when this lazo has it.
    gpu_lines(&mut out, &row, &index, &small, &filter, &table, &settings)?;

    // LR throughput.
    let loci: Vec<Locus> = Locus::codis_core().collect();
    // Genotypes are taken out of the profiles first, so only the LR itself is timed.
    let lr_inputs: Vec<_> = profiles
        .iter()
        .zip(profiles.iter().skip(1))
        .take(50_000)
        .flat_map(|(a, b)| {
            loci.iter()
                .filter_map(move |&l| Some((l, a.genotype(l)?, b.genotype(l)?)))
        })
        .filter_map(|(l, ga, gb)| Some((l, table.dense(l)?, ga, gb)))
        .collect();
    let (acc, lr_s) = time(|| {
        lr_inputs
            .iter()
            .map(|(l, dense, ga, gb)| {
                lazo_kinship::fast::duo(
                    dense,
                    *l,
                    *ga,
                    *gb,
                    true,
                    settings.theta,
                    mutation.as_ref(),
                )
            })
            .sum::<f64>()
    });
    anyhow::ensure!(acc.is_finite(), "LR sum is not finite");
    let lr_rate = lr_inputs.len() as f64 / lr_s;
    row(
        &mut out,
        "duo LR with mutation (locus LRs/s, 1 core)",
        format!("{lr_rate:.2e}"),
        "≥ 1e7 goal".into(),
        lr_rate / 1e7,
    );
    outln!(
        out,
        "\nratio: measured ÷ reference (for the naive baselines: how many times faster the index is)."
    );
    emit(&out)
}
