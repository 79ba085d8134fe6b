//! `lazo index`, `lazo search`, `lazo screen`: the DNA profile index from the command line.

use std::io::{BufReader, BufWriter, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use lazo_index::{
    IdentityQuery, ProfileIndex, ScreenConfig, Stringency, screen_parent_child, search_familial,
    search_identity,
};
use serde::Serialize;

use crate::{emit, inputs, outln, settings};

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Build an index file from profile files (GeneMapper CSV/TSV or CMF XML) or from every
    /// run stored in a data directory (the database is the source of truth)
    Build {
        /// Profile files; every sample goes in under its sample id
        #[arg(long, num_args = 1.., required_unless_present = "data_dir", conflicts_with = "data_dir")]
        profiles: Vec<PathBuf>,
        /// Data directory whose stored runs are indexed; ids are `RUN_ID/SAMPLE_ID`
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The index file to write
        #[arg(long)]
        out: PathBuf,
    },
    /// Add profiles to an index file (a sample id already indexed is an error)
    Add {
        #[arg(long)]
        index: PathBuf,
        #[arg(long, required = true, num_args = 1..)]
        profiles: Vec<PathBuf>,
    },
    /// Remove (expunge) profiles by sample id; the file is rewritten without them
    Remove {
        #[arg(long)]
        index: PathBuf,
        /// Sample ids to remove
        #[arg(long, required = true, num_args = 1..)]
        id: Vec<String>,
    },
    /// Profiles, memory per profile, loci
    Stats {
        #[arg(long)]
        index: PathBuf,
    },
}

/// Reads an index file.
pub fn load(path: &Path) -> Result<ProfileIndex> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open index {}", path.display()))?;
    ProfileIndex::read_from(BufReader::new(file))
        .with_context(|| format!("cannot read index {}", path.display()))
}

/// Writes an index file under a temporary name, then moves it into place: a crash never
/// leaves a half-written index under the real name.
pub fn save(index: &ProfileIndex, path: &Path) -> Result<()> {
    let tmp = path.with_extension("partial");
    {
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut writer = BufWriter::new(file);
        index
            .write_to(&mut writer)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        writer.flush()?;
        writer.get_ref().sync_all()?;
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} into place", path.display()))?;
    Ok(())
}

fn add_files(index: &mut ProfileIndex, files: &[PathBuf]) -> Result<usize> {
    let mut added = 0;
    for path in files {
        let set = inputs::profiles(path)?;
        for p in set.profiles() {
            index
                .insert(&p.sample_id, p)
                .with_context(|| format!("{}: sample {}", path.display(), p.sample_id))?;
            added += 1;
        }
    }
    Ok(added)
}

/// Indexes the profiles of every run stored in `data_dir`. Sample ids repeat across runs, so
/// each profile is indexed as `RUN_ID/SAMPLE_ID`.
fn add_stored_runs(index: &mut ProfileIndex, data_dir: &Path) -> Result<usize> {
    use lazo_store::VerificationStore as _;
    anyhow::ensure!(
        data_dir.join(lazo_store_sqlite::DATABASE_FILE).exists(),
        "no database in {} (run `lazo demo` or `lazo verify --save` first)",
        data_dir.display()
    );
    let runs = lazo_store_sqlite::block_on(async {
        let store = lazo_store_sqlite::SqliteStore::open(data_dir).await?;
        let mut runs = Vec::new();
        let mut offset = 0;
        loop {
            let page = store.list_runs(lazo_store::MAX_PAGE, offset).await?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as u64;
            for row in page {
                let profiles = store.run_profiles(row.id).await?;
                runs.push((row.id, profiles));
            }
        }
        store.close().await;
        Ok::<_, lazo_store::StoreError>(runs)
    })??;
    let mut added = 0;
    for (run, profiles) in runs {
        for record in profiles {
            let id = format!("{run}/{}", record.sample_id);
            let profile = lazo_intake::profile_from_record(&record, &id).map_err(|e| {
                anyhow::anyhow!("stored run {run}, sample {}: {e}", record.sample_id)
            })?;
            index.insert(&profile.sample_id.clone(), &profile)?;
            added += 1;
        }
    }
    Ok(added)
}

pub fn run(command: IndexCommand) -> Result<()> {
    let mut out = String::new();
    match command {
        IndexCommand::Build {
            profiles,
            data_dir,
            out: path,
        } => {
            let mut index = ProfileIndex::new();
            let added = match data_dir {
                Some(dir) => add_stored_runs(&mut index, &dir)?,
                None => add_files(&mut index, &profiles)?,
            };
            save(&index, &path)?;
            outln!(out, "{added} profiles indexed in {}", path.display());
        }
        IndexCommand::Add {
            index: path,
            profiles,
        } => {
            let mut index = load(&path)?;
            let added = add_files(&mut index, &profiles)?;
            save(&index, &path)?;
            outln!(
                out,
                "{added} profiles added; {} in {}",
                index.len(),
                path.display()
            );
        }
        IndexCommand::Remove { index: path, id } => {
            let mut index = load(&path)?;
            let missing: Vec<&String> = id.iter().filter(|i| !index.contains(i)).collect();
            if !missing.is_empty() {
                bail!(
                    "not in {}: {}",
                    path.display(),
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            for i in &id {
                index.remove(i);
            }
            // Compacting drops the removed rows from the file itself, not only from results.
            index.compact();
            save(&index, &path)?;
            outln!(
                out,
                "{} profiles removed; {} left in {}",
                id.len(),
                index.len(),
                path.display()
            );
        }
        IndexCommand::Stats { index: path } => {
            let index = load(&path)?;
            let memory = index.memory_usage();
            outln!(
                out,
                "{}: {} profiles ({} removed, not yet compacted)",
                path.display(),
                index.len(),
                index.tombstones()
            );
            outln!(
                out,
                "memory: {} bytes in all, {:.1} bytes per profile ({} bytes of packed genotypes per profile)",
                memory.total(),
                memory.total() as f64 / index.len().max(1) as f64,
                lazo_index::ROW_BYTES
            );
            outln!(
                out,
                "loci: {}",
                index
                    .loci()
                    .iter()
                    .map(|l| l.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    emit(&out)
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StringencyArg {
    High,
    Moderate,
}

impl From<StringencyArg> for Stringency {
    fn from(s: StringencyArg) -> Stringency {
        match s {
            StringencyArg::High => Stringency::High,
            StringencyArg::Moderate => Stringency::Moderate,
        }
    }
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The index file
    #[arg(long)]
    index: PathBuf,
    /// File holding the query profile
    #[arg(long)]
    profiles: PathBuf,
    /// Sample id of the query in --profiles
    #[arg(long)]
    sample: String,
    /// Identity search: is this person already in the index?
    #[arg(
        long,
        conflicts_with = "familial",
        required_unless_present = "familial"
    )]
    identity: bool,
    /// Familial search: who in the index is a parent, child or full sibling of this person?
    #[arg(long)]
    familial: bool,
    /// Identity stringency: high (all alleles equal) or moderate (allele dropout tolerated)
    #[arg(long, value_enum, default_value = "high")]
    stringency: StringencyArg,
    /// Identity: shared loci allowed to mismatch
    #[arg(long, default_value_t = 0)]
    max_mismatch: u8,
    /// Identity: loci that must be typed in both
    #[arg(long, default_value_t = 10)]
    min_shared: u8,
    /// Familial: candidates listed per ranking
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Built-in population for the LRs and match probabilities
    #[arg(long, default_value = lazo_formats::embedded::DEFAULT_POPULATION)]
    population: String,
    /// Allele-frequency file instead of the built-in population
    #[arg(long)]
    freqs: Option<PathBuf>,
    /// One JSON object instead of a table
    #[arg(long)]
    json: bool,
}

/// Name of the calibration output that familial search embeds.
pub const EXCEEDANCE_FILE: &str = "unrelated_exceedance.csv";

/// P(an unrelated person's parent–child duo LR ≥ 10^t) on a grid of t, from `lazo calibrate`
/// (docs/validation; regenerated with it).
const EXCEEDANCE: &str = include_str!("../docs/validation/unrelated_exceedance.csv");

/// How many unrelated candidates an index of `n` profiles holds, by chance, with a parent–child
/// log10 LR at least `log10_lr`: n × P(unrelated ≥ t) at the largest calibrated t ≤ log10_lr,
/// which over-states rather than under-states the chance count.
fn expected_by_chance(n: usize, log10_lr: f64) -> Option<f64> {
    EXCEEDANCE
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (t, p) = l.split_once(',')?;
            Some((t.parse::<f64>().ok()?, p.parse::<f64>().ok()?))
        })
        .filter(|(t, _)| *t <= log10_lr)
        .last()
        .map(|(_, p)| n as f64 * p)
}

#[derive(Serialize)]
struct FamilialJson<'a> {
    query: &'a str,
    by_parent_child: Vec<RankedHit<'a>>,
    by_full_sibling: &'a [lazo_index::FamilialHit],
}

#[derive(Serialize)]
struct RankedHit<'a> {
    #[serde(flatten)]
    hit: &'a lazo_index::FamilialHit,
    /// Unrelated candidates expected by chance at or above this LR in this index.
    expected_unrelated_at_or_above: Option<f64>,
}

pub fn search(args: SearchArgs) -> Result<()> {
    let index = load(&args.index)?;
    let set = inputs::profiles(&args.profiles)?;
    let query = set.get(&args.sample).with_context(|| {
        format!(
            "sample {:?} is not in {}",
            args.sample,
            args.profiles.display()
        )
    })?;
    let table = inputs::frequencies(args.freqs.as_deref(), &args.population, Default::default())?;
    let mut out = String::new();
    if args.identity {
        let q = IdentityQuery {
            stringency: args.stringency.into(),
            max_mismatching_loci: args.max_mismatch,
            min_shared_loci: args.min_shared,
            theta: settings::DEFAULT_THETA,
        };
        let hits = search_identity(&index, query, &q, &table)?;
        if args.json {
            outln!(out, "{}", serde_json::to_string(&hits)?);
        } else {
            outln!(
                out,
                "identity search for {} in {} profiles: {} hits",
                args.sample,
                index.len(),
                hits.len()
            );
            outln!(
                out,
                "{:<20} {:>6} {:>9} {:>8} {:>12}",
                "id",
                "shared",
                "mismatch",
                "dropout",
                "RMP"
            );
            for h in &hits {
                outln!(
                    out,
                    "{:<20} {:>6} {:>9} {:>8} {:>12.3e}",
                    h.id,
                    h.shared_loci,
                    h.mismatching_loci,
                    h.dropout_loci,
                    h.random_match_probability
                );
            }
        }
    } else {
        let settings = settings::Settings::default();
        let mutation = settings.mutation_model()?;
        let result = search_familial(
            &index,
            query,
            &table,
            settings.theta,
            mutation.as_ref(),
            args.top,
        )?;
        let n = index.len();
        let chance = |h: &lazo_index::FamilialHit| {
            h.parent_child_log10_lr
                .and_then(|l| expected_by_chance(n, l))
        };
        if args.json {
            let ranked = result
                .by_parent_child
                .iter()
                .map(|hit| RankedHit {
                    hit,
                    expected_unrelated_at_or_above: chance(hit),
                })
                .collect();
            let json = FamilialJson {
                query: &args.sample,
                by_parent_child: ranked,
                by_full_sibling: &result.by_full_sibling,
            };
            outln!(out, "{}", serde_json::to_string(&json)?);
        } else {
            outln!(out, "familial search for {} in {n} profiles", args.sample);
            outln!(
                out,
                "\nby parent–child LR:\n{:<20} {:>12} {:>6} {:>7} {:>18}",
                "id",
                "log10 LR",
                "shared",
                "incons",
                "by chance ≥ this"
            );
            for h in &result.by_parent_child {
                let lr = h
                    .parent_child_log10_lr
                    .map_or("-inf".into(), |l| format!("{l:.2}"));
                let by_chance = chance(h).map_or("—".into(), |e| format!("{e:.2e}"));
                outln!(
                    out,
                    "{:<20} {lr:>12} {:>6} {:>7} {by_chance:>18}",
                    h.id,
                    h.shared_loci,
                    h.inconsistent_loci
                );
            }
            outln!(
                out,
                "\nby full-sibling LR:\n{:<20} {:>12} {:>6}",
                "id",
                "log10 LR",
                "shared"
            );
            for h in &result.by_full_sibling {
                outln!(
                    out,
                    "{:<20} {:>12.2} {:>6}",
                    h.id,
                    h.full_sibling_log10_lr,
                    h.shared_loci
                );
            }
            outln!(
                out,
                "\n\"by chance ≥ this\": unrelated candidates expected in an index of {n} profiles with a \
                 parent–child LR at least as high (calibrated rates, docs/VALIDATION.md)."
            );
        }
    }
    emit(&out)
}

#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// The index file
    #[arg(long)]
    index: PathBuf,
    /// CSV of the pairs found: first,second,shared_loci,inconsistent_loci,parent_child_log10_lr,identity
    #[arg(long)]
    out: PathBuf,
    /// Report parent–child pairs from this log10 LR
    #[arg(long, default_value_t = 4.5)]
    min_log10_lr: f64,
    /// Inconsistent loci allowed before the exact LR (mutations)
    #[arg(long, default_value_t = 1)]
    max_inconsistent: u8,
    /// Loci that must be typed in both
    #[arg(long, default_value_t = 10)]
    min_shared: u8,
    /// Built-in population for the LRs
    #[arg(long, default_value = lazo_formats::embedded::DEFAULT_POPULATION)]
    population: String,
    /// Run the exclusion filter on the GPU (CUDA; needs a lazo built with `--features cuda`);
    /// the exact LRs stay on the CPU and the output is the same
    #[arg(long)]
    gpu: bool,
}

/// Why the GPU is unavailable in a build without the `cuda` feature.
#[cfg(not(feature = "cuda"))]
pub const NO_CUDA_BUILD: &str = "this lazo was built without CUDA support; rebuild it with \
     `cargo build --release --features cuda`";

/// Where the exclusion filter runs; the exact LRs are always on the CPU.
enum Filter {
    Cpu,
    #[cfg(feature = "cuda")]
    Gpu(lazo_index_cuda::GpuScreen),
}

/// Opens the GPU before anything is written, so that a machine without one fails cleanly.
#[cfg(feature = "cuda")]
fn open_gpu() -> Result<Filter> {
    let gpu = lazo_index_cuda::GpuScreen::new().context("cannot use the GPU")?;
    tracing::info!(device = gpu.device_name(), "exclusion filter on the GPU");
    Ok(Filter::Gpu(gpu))
}

#[cfg(not(feature = "cuda"))]
fn open_gpu() -> Result<Filter> {
    bail!("--gpu: {NO_CUDA_BUILD}")
}

impl Filter {
    fn name(&self) -> String {
        match self {
            Filter::Cpu => "CPU".into(),
            #[cfg(feature = "cuda")]
            Filter::Gpu(gpu) => format!("GPU: {}", gpu.device_name()),
        }
    }

    /// `screen_parent_child`, with the filter here: the same hits in the same order.
    fn screen(
        &self,
        index: &ProfileIndex,
        config: &ScreenConfig<'_>,
        sink: impl FnMut(lazo_index::ScreenHit<'_>),
    ) -> Result<lazo_index::ScreenStats> {
        Ok(match self {
            Filter::Cpu => screen_parent_child(index, config, sink)?,
            #[cfg(feature = "cuda")]
            Filter::Gpu(gpu) => gpu.screen_parent_child(index, config, sink)?,
        })
    }
}

pub fn screen(args: ScreenArgs) -> Result<()> {
    let filter = if args.gpu { open_gpu()? } else { Filter::Cpu };
    let index = load(&args.index)?;
    let table = inputs::frequencies(None, &args.population, Default::default())?;
    let settings = settings::Settings::default();
    let mutation = settings.mutation_model()?;
    let config = ScreenConfig {
        theta: settings.theta,
        mutation: mutation.as_ref(),
        min_log10_lr: args.min_log10_lr,
        max_inconsistent: args.max_inconsistent,
        min_shared_loci: args.min_shared,
        ..ScreenConfig::new(&table)
    };
    let tmp = args.out.with_extension("partial");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(file));
    writer.write_record([
        "first",
        "second",
        "shared_loci",
        "inconsistent_loci",
        "parent_child_log10_lr",
        "identity",
    ])?;
    let spinner = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} screening {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    let n = index.len() as u64;
    spinner.set_message(format!(
        "{} pairs of {n} profiles",
        n * n.saturating_sub(1) / 2
    ));
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let mut write_error = None;
    let started = std::time::Instant::now();
    let mut sink = |hit: lazo_index::ScreenHit<'_>| {
        if write_error.is_some() {
            return;
        }
        let lr = hit
            .parent_child_log10_lr
            .map_or(String::new(), |l| format!("{l:.3}"));
        let identity = hit.identity.map_or("", |s| match s {
            Stringency::High => "high",
            Stringency::Moderate => "moderate",
        });
        if let Err(e) = writer.write_record([
            hit.first_id,
            hit.second_id,
            &hit.shared_loci.to_string(),
            &hit.inconsistent_loci.to_string(),
            &lr,
            identity,
        ]) {
            write_error = Some(e);
        }
    };
    let stats = filter.screen(&index, &config, &mut sink)?;
    spinner.finish_and_clear();
    if let Some(e) = write_error {
        return Err(e).with_context(|| format!("cannot write {}", tmp.display()));
    }
    writer.flush()?;
    drop(writer);
    std::fs::rename(&tmp, &args.out)
        .with_context(|| format!("cannot move {} into place", args.out.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let mut out = String::new();
    let filter = filter.name();
    outln!(
        out,
        "{} pairs screened in {seconds:.2} s ({:.3e} pairs/s, exclusion filter on the {filter}); {} passed the exclusion filter; {} pairs written to {}",
        stats.pairs,
        stats.pairs as f64 / seconds.max(1e-9),
        stats.survivors,
        stats.hits,
        args.out.display()
    );
    emit(&out)
}
