//! `lazo demo`: a simulated day of intake at the 2019 pilot's scale, verified end to end.

use std::time::Instant;

use anyhow::Result;
use clap::Args;
use lazo_kinship::{Model, UnitReport, Verdict, analyse_unit};
use lazo_sim::{UnitKind, evaluate};
use rayon::prelude::*;

use crate::settings::Settings;
use crate::simulate::ScenarioArgs;
use crate::{emit, inputs, outln};

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Verdict policy TOML (default: the built-in policy)
    #[arg(long)]
    pub policy: Option<std::path::PathBuf>,
}

pub fn run(args: DemoArgs) -> Result<()> {
    let started = Instant::now();
    let settings = Settings::load(args.policy.as_deref())?;
    let cohort = args.scenario.simulate()?;
    let table = inputs::frequencies(None, &settings.population, Default::default())?;
    let mutation = settings.mutation_model()?;
    let model = Model {
        table: &table,
        theta: settings.theta,
        mutation: mutation.as_ref(),
    };
    let units: Vec<_> = cohort.units().collect();
    let progress = indicatif::ProgressBar::new(units.len() as u64);
    let reports: Vec<UnitReport> = units
        .par_iter()
        .map(|u| {
            let r = analyse_unit(&u.family_unit(), &model, &settings.thresholds);
            progress.inc(1);
            r
        })
        .collect::<Result<_, _>>()?;
    progress.finish_and_clear();
    let verdict_of = |id: &str| reports.iter().find(|r| r.unit_id == id).map(|r| r.verdict);
    let evaluation = evaluate(&cohort, verdict_of);
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    let mut out = String::new();
    outln!(
        out,
        "Simulated intake: {} units, {} samples (seed {})",
        reports.len(),
        cohort.profiles.len(),
        args.scenario.seed
    );
    outln!(
        out,
        "Verdicts: {} verified, {} not supported, {} inconclusive",
        count(Verdict::Verified),
        count(Verdict::NotSupported),
        count(Verdict::Inconclusive)
    );
    outln!(
        out,
        "\n{:<16} {:>6} {:>9} {:>14} {:>13}",
        "true kind",
        "units",
        "verified",
        "not supported",
        "inconclusive"
    );
    for (kind, t) in &evaluation.by_kind {
        if t.units > 0 {
            outln!(
                out,
                "{:<16} {:>6} {:>9} {:>14} {:>13}",
                kind.name(),
                t.units,
                t.verified,
                t.not_supported,
                t.inconclusive
            );
        }
    }
    outln!(
        out,
        "\nFamilies separated (genuine → not supported): {}   Children handed over (non-family → verified): {}",
        evaluation.genuine_not_supported,
        evaluation.impostors_verified
    );
    let genuine = evaluation.tally(UnitKind::Genuine);
    outln!(
        out,
        "Genuine units left inconclusive: {:.1}%",
        100.0 * genuine.inconclusive as f64 / genuine.units.max(1) as f64
    );
    outln!(out, "Time: {:.2} s", started.elapsed().as_secs_f64());
    emit(&out)
}
