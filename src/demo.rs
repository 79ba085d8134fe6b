//! `lazo demo`: a simulated day of intake at the 2019 pilot's scale, verified end to end.

use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use lazo_kinship::{Model, Verdict};
use lazo_sim::{UnitKind, evaluate};

use crate::settings;
use crate::simulate::ScenarioArgs;
use crate::{emit, inputs, outln};

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Verdict policy TOML (default: the built-in policy)
    #[arg(long)]
    pub policy: Option<std::path::PathBuf>,
    /// Where runs are saved (SQLite database `lazo.sqlite` inside; created if missing)
    #[arg(long, default_value = "lazo-data")]
    pub data_dir: std::path::PathBuf,
    /// Do not save the run
    #[arg(long)]
    pub no_save: bool,
}

pub fn run(args: DemoArgs) -> Result<()> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let settings = settings::load(args.policy.as_deref())?;
    let cohort = args.scenario.simulate()?;
    let table = inputs::frequencies(None, &settings.population, Default::default())?;
    let mutation = settings.mutation_model()?;
    let model = Model {
        table: &table,
        theta: settings.theta,
        mutation: mutation.as_ref(),
    };
    let units: Vec<_> = cohort.units().collect();
    let family_units: Vec<_> = units.iter().map(|u| u.family_unit()).collect();
    let reports = crate::verify::analyse_all(&family_units, &model, &settings.thresholds)?;
    let alerts = lazo_intake::repeat_children(&family_units, &table)?;
    let verdicts: std::collections::HashMap<&str, Verdict> = reports
        .iter()
        .map(|r| (r.unit_id.as_str(), r.verdict))
        .collect();
    let verdict_of = |id: &str| verdicts.get(id).copied();
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
    let alert_count: usize = alerts.values().map(Vec::len).sum();
    // Recall against the truth: a recycled child is caught when its alert names the sample it
    // had in the earlier unit.
    let caught = cohort
        .recycled
        .iter()
        .filter(|r| {
            alerts.values().flatten().any(|a| {
                a.sample_id == r.sample_id
                    && a.earlier.iter().any(|e| e.sample_id == r.earlier_sample_id)
            })
        })
        .count();
    outln!(
        out,
        "Repeat-child alerts: {alert_count}; recycled children alerted: {caught} of {}",
        cohort.recycled.len()
    );
    let genuine = evaluation.tally(UnitKind::Genuine);
    outln!(
        out,
        "Genuine units left inconclusive: {:.1}%",
        100.0 * genuine.inconclusive as f64 / genuine.units.max(1) as f64
    );
    if !args.no_save {
        let record = lazo_intake::run_record(lazo_intake::RunInput {
            id: lazo_store::RunId::random(),
            started_at,
            kind: lazo_store::RunKind::Demo,
            settings: &settings,
            seed: Some(args.scenario.config()?.seed),
            units: &family_units,
            reports: &reports,
            profiles: &cohort.profiles,
            alerts: &alerts,
            elapsed_ms: started.elapsed().as_millis() as u64,
            site: None,
            custody: Vec::new(),
        })?;
        let id = lazo_store_sqlite::save_run_blocking(&args.data_dir, &record)
            .with_context(|| format!("cannot save the run in {}", args.data_dir.display()))?;
        outln!(
            out,
            "Saved run {id} in {}",
            args.data_dir
                .join(lazo_store_sqlite::DATABASE_FILE)
                .display()
        );
    }
    outln!(out, "Time: {:.2} s", started.elapsed().as_secs_f64());
    emit(&out)
}

/// The current time as RFC 3339 text: the binary is the one place that reads the clock.
pub fn now_rfc3339() -> String {
    lazo_store::rfc3339_from_unix_ms(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    )
}
