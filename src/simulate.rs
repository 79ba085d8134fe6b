//! `lazo simulate`: a border-intake cohort with its ground truth, in the files `lazo verify` reads.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use lazo_sim::{Cohort, ScenarioConfig, simulate_scenario};

use crate::{emit, inputs, outln, settings};

/// Options shared by every command that simulates a scenario.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// Number of family units
    #[arg(long, default_value_t = 522)]
    pub units: usize,
    /// How many of them are not families (the 2019 pilot: 79 of 522)
    #[arg(long, default_value_t = 79)]
    pub not_family: usize,
    /// Random seed: the same seed gives the same cohort
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Per-locus probability that a sample loses a locus (partial profiles)
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f64,
    /// Per-locus probability of a one-repeat typing error
    #[arg(long, default_value_t = 0.0)]
    pub genotyping_error: f64,
    /// Scenario TOML (lazo_sim::ScenarioConfig fields) overriding the options above
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Built-in population the founders are drawn from
    #[arg(long, default_value = lazo_formats::embedded::DEFAULT_POPULATION)]
    pub population: String,
    /// Mutation model for the simulated transmissions
    #[arg(long, default_value = settings::DEFAULT_MUTATION)]
    pub mutation: String,
}

impl ScenarioArgs {
    pub fn config(&self) -> Result<ScenarioConfig> {
        let mut config = match &self.scenario {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read scenario {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("{}: invalid scenario", path.display()))?
            }
            None => ScenarioConfig::default(),
        };
        if self.scenario.is_none() {
            config.units = self.units;
            config.not_family = self.not_family;
            config.seed = self.seed;
            config.locus_dropout = self.dropout;
            config.genotyping_error = self.genotyping_error;
        }
        config.validate()?;
        Ok(config)
    }

    pub fn simulate(&self) -> Result<Cohort> {
        let table = inputs::frequencies(None, &self.population, Default::default())?;
        let mutation = settings::parse_mutation(&self.mutation)?.unwrap_or(
            lazo_kinship::MutationModel::new(lazo_kinship::MutationKind::Equal, 0.0)?,
        );
        Ok(simulate_scenario(&table, &mutation, &self.config()?)?)
    }
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Output folder: profiles.csv, units.csv, truth.jsonl
    #[arg(long, default_value = "simulated")]
    pub out: PathBuf,
}

pub fn run(args: SimulateArgs) -> Result<()> {
    let cohort = args.scenario.simulate()?;
    write_cohort(&cohort, &args.out)?;
    let mut out = String::new();
    let counts: Vec<String> = cohort
        .kind_counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {}", k.name()))
        .collect();
    outln!(
        out,
        "{} units ({}), {} samples → {}",
        cohort.truth.len(),
        counts.join(", "),
        cohort.profiles.len(),
        args.out.display()
    );
    emit(&out)
}

/// Writes the three files atomically enough: each goes to a temporary name first, so a crash
/// never leaves a truncated file under the final name.
pub fn write_cohort(cohort: &Cohort, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut units = String::from("unit_id,sample_id,role\n");
    for [u, s, r] in cohort.unit_rows() {
        units.push_str(&format!("{u},{s},{r}\n"));
    }
    let mut truth = String::new();
    for t in &cohort.truth {
        truth.push_str(&serde_json::to_string(t)?);
        truth.push('\n');
    }
    for (name, body) in [
        (
            "profiles.csv",
            lazo_formats::write_profiles(&cohort.profiles),
        ),
        ("units.csv", units),
        ("truth.jsonl", truth),
    ] {
        write_atomically(&dir.join(name), body.as_bytes())?;
    }
    Ok(())
}

pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} into place", path.display()))?;
    Ok(())
}
