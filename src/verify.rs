//! `lazo verify`: a verdict for every family unit of an intake.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lazo_formats::ProfileSet;
use lazo_formats::units::{UnitListing, UnitRole, read_units};
use lazo_intake::RepeatChild;
use lazo_kinship::{FamilyUnit, Model, UnitReport, Verdict};
use serde::Serialize;

use crate::settings::{self, Settings};
use crate::{emit, inputs, outln};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Profiles: GeneMapper-style CSV/TSV or CODIS CMF XML
    #[arg(long)]
    profiles: PathBuf,
    /// Units CSV: unit_id,sample_id,role (role = mother, father or child)
    #[arg(long)]
    units: PathBuf,
    /// Allele-frequency table; default: the policy's built-in population
    #[arg(long)]
    freqs: Option<PathBuf>,
    /// Verdict policy TOML (`lazo policy` prints the defaults)
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Frequency for alleles missing from the table: `nrc` (5/2N) or a number
    #[arg(long, default_value = "nrc")]
    min_frequency: String,
    /// One JSON object per unit per line instead of a table
    #[arg(long)]
    json: bool,
    /// Save the run (verdicts, reports, profiles, alerts) in the data directory's database,
    /// where `lazo serve` shows it
    #[arg(long)]
    save: bool,
    /// Data directory for --save (SQLite database `lazo.sqlite` inside)
    #[arg(long, default_value = "lazo-data")]
    data_dir: PathBuf,
}

/// The stable JSON shape of one unit (see README "CLI contract").
#[derive(Serialize)]
pub struct UnitJson<'a> {
    pub unit_id: &'a str,
    pub verdict: &'static str,
    pub claims: &'a [lazo_kinship::ClaimReport],
    pub joint: &'a [lazo_kinship::JointReport],
    pub reasons: &'a [String],
    pub recommendations: &'a [String],
    pub alerts: &'a [RepeatChild],
}

impl<'a> UnitJson<'a> {
    pub fn new(report: &'a UnitReport, alerts: &'a [RepeatChild]) -> Self {
        UnitJson {
            unit_id: &report.unit_id,
            verdict: report.verdict.name(),
            claims: &report.claims,
            joint: &report.joint,
            reasons: &report.reasons,
            recommendations: &report.recommendations,
            alerts,
        }
    }
}

/// Analyses every unit in parallel (`lazo_intake::analyse_all`), with a progress bar; reports
/// come back in unit order.
pub fn analyse_all(
    units: &[FamilyUnit<'_>],
    model: &Model<'_>,
    policy: &lazo_kinship::Policy,
) -> Result<Vec<UnitReport>> {
    let progress = ProgressBar::new(units.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{spinner} verifying {pos}/{len} units {wide_bar} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let reports = lazo_intake::analyse_all(units, model, policy, &|| progress.inc(1));
    progress.finish_and_clear();
    Ok(reports?)
}

/// Turns listings into family units, failing on the first sample id absent from the profiles.
pub fn resolve_units<'p>(
    listings: &[UnitListing],
    profiles: &'p ProfileSet,
    units_file: &str,
    profiles_file: &str,
) -> Result<Vec<FamilyUnit<'p>>> {
    listings
        .iter()
        .map(|listing| {
            let find = |role: UnitRole| -> Result<Vec<&'p lazo_genetics::Profile>> {
                listing
                    .with_role(role)
                    .map(|m| {
                        profiles.get(&m.sample_id).with_context(|| {
                            format!("{units_file} line {}: sample {:?} (unit {}) is not in {profiles_file}", m.line, m.sample_id, listing.unit_id)
                        })
                    })
                    .collect()
            };
            Ok(FamilyUnit {
                id: listing.unit_id.clone(),
                mother: find(UnitRole::Mother)?.into_iter().next(),
                father: find(UnitRole::Father)?.into_iter().next(),
                children: find(UnitRole::Child)?,
            })
        })
        .collect()
}

pub fn run(args: VerifyArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let started_at = crate::demo::now_rfc3339();
    let settings = settings::load(args.policy.as_deref())?;
    let table = inputs::frequencies(
        args.freqs.as_deref(),
        &settings.population,
        inputs::min_frequency(&args.min_frequency)?,
    )?;
    let profiles = inputs::profiles(&args.profiles)?;
    let units_name = args.units.display().to_string();
    let units_text = std::fs::read_to_string(&args.units)
        .with_context(|| format!("cannot read units {units_name}"))?;
    let listings = read_units(&units_text, &units_name)?;
    // Every unit is resolved before anything is computed or printed: a bad id in the last row
    // must not leave half a report on screen.
    let units = resolve_units(
        &listings,
        &profiles,
        &units_name,
        &args.profiles.display().to_string(),
    )?;
    let mutation = settings.mutation_model()?;
    let model = Model {
        table: &table,
        theta: settings.theta,
        mutation: mutation.as_ref(),
    };

    let reports = analyse_all(&units, &model, &settings.thresholds)?;
    let alerts = lazo_intake::repeat_children(&units, &table)?;
    let none = Vec::new();
    let alerts_of = |id: &str| alerts.get(id).unwrap_or(&none);

    // Saved before anything is printed: a run reported is a run stored.
    let saved = if args.save {
        // The run records the table its LRs used: a frequency file's name, not the policy's
        // built-in population that was not used.
        let recorded = match &args.freqs {
            Some(_) => crate::settings::Settings {
                population: format!("{} (frequency file)", table.name),
                ..settings.clone()
            },
            None => settings.clone(),
        };
        let record = lazo_intake::run_record(lazo_intake::RunInput {
            id: lazo_store::RunId::random(),
            started_at,
            kind: lazo_store::RunKind::Intake,
            settings: &recorded,
            seed: None,
            units: &units,
            reports: &reports,
            profiles: profiles.profiles(),
            alerts: &alerts,
            elapsed_ms: started.elapsed().as_millis() as u64,
            site: None,
            custody: Vec::new(),
        })?;
        let id = lazo_store_sqlite::save_run_blocking(&args.data_dir, &record)
            .with_context(|| format!("cannot save the run in {}", args.data_dir.display()))?;
        tracing::info!("saved run {id}");
        Some(id)
    } else {
        None
    };

    let mut out = String::new();
    if args.json {
        for report in &reports {
            outln!(
                out,
                "{}",
                serde_json::to_string(&UnitJson::new(report, alerts_of(&report.unit_id)))?
            );
        }
        return emit(&out);
    }
    print_table(&mut out, &reports, &alerts_of, &table.name, &settings);
    if let Some(id) = saved {
        outln!(
            out,
            "Saved run {id} in {}",
            args.data_dir
                .join(lazo_store_sqlite::DATABASE_FILE)
                .display()
        );
    }
    if reports.is_empty() {
        bail!("no units to verify");
    }
    emit(&out)
}

fn print_table<'a>(
    out: &mut String,
    reports: &[UnitReport],
    alerts_of: &dyn Fn(&str) -> &'a Vec<RepeatChild>,
    table: &str,
    settings: &Settings,
) {
    outln!(
        out,
        "frequencies: {table}   theta: {}   mutation: {}",
        settings.theta,
        settings.mutation
    );
    outln!(
        out,
        "{:<12} {:<14} {:<12} {:<12} {:>10} {:>5} {:>6}",
        "unit",
        "verdict",
        "parent",
        "child",
        "log10 LR",
        "loci",
        "incons"
    );
    for r in reports {
        for (i, c) in r.claims.iter().enumerate() {
            let unit = if i == 0 { r.unit_id.as_str() } else { "" };
            let verdict = if i == 0 { r.verdict.name() } else { "" };
            let lr = c.log10_lr.map_or("-inf".to_string(), |l| format!("{l:.2}"));
            outln!(
                out,
                "{unit:<12} {verdict:<14} {:<12} {:<12} {lr:>10} {:>5} {:>6}",
                c.parent,
                c.child,
                c.loci_used,
                c.inconsistent_loci.len()
            );
        }
        for alert in alerts_of(&r.unit_id) {
            outln!(out, "{:<12} ALERT: {}", "", lazo_intake::describe(alert));
        }
        if r.verdict != Verdict::Verified {
            for reason in &r.reasons {
                outln!(out, "{:<12} reason: {reason}", "");
            }
            for rec in &r.recommendations {
                outln!(out, "{:<12} next: {rec}", "");
            }
        }
    }
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    let alerts: usize = reports.iter().map(|r| alerts_of(&r.unit_id).len()).sum();
    outln!(
        out,
        "\n{} units: {} verified, {} not supported, {} inconclusive; {} repeat-child alerts",
        reports.len(),
        count(Verdict::Verified),
        count(Verdict::NotSupported),
        count(Verdict::Inconclusive),
        alerts
    );
}
