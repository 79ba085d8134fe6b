//! `lazo calibrate`: the verdict policy's error rates, measured by simulation.
//!
//! Glue only: the computation is `lazo_sim::calibration` (seeded, pure). This command loads the
//! settings, draws progress bars, and writes `summary.json`, `report.md` and three SVG plots.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lazo_kinship::{Model, MutationKind, MutationModel, Relationship};
use lazo_sim::UnitKind;
use lazo_sim::calibration::{
    Calibration, CalibrationConfig, PairCalibration, Progress, RateEstimate, Stage,
    UnitCalibration, calibrate, relatives_mix,
};
use plotters::prelude::*;

use crate::inputs;
use crate::settings;
use crate::simulate::write_atomically;

const DEFAULT_PAIRS: usize = 1_000_000;
const DEFAULT_RELATIVE_PAIRS: usize = 200_000;
const DEFAULT_UNITS: usize = 3000;
const QUICK_PAIRS: usize = 20_000;
const QUICK_UNITS: usize = 300;
const DEFAULT_DUO_UNITS: usize = 20_000;
const QUICK_DUO_UNITS: usize = 2_000;

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Parent–child and unrelated pairs to simulate, each [default: 1000000; --quick: 20000]
    #[arg(long)]
    pub pairs: Option<usize>,
    /// Pairs of each relative kind (grandparent, aunt/uncle, full sibling)
    /// [default: 200000; --quick: 20000]
    #[arg(long)]
    pub relative_pairs: Option<usize>,
    /// Family units for the relatives trade-off, 30 % of them relatives or unrelated adults
    /// posing as parents [default: 3000; --quick: 300]
    #[arg(long)]
    pub units: Option<usize>,
    /// True parent–child duos analysed as whole one-adult, one-child units, for the
    /// unit-level false-inclusion rate [default: 20000; --quick: 2000]
    #[arg(long)]
    pub duo_units: Option<usize>,
    /// Random seed: the same seed and settings give the same numbers
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Verdict policy TOML (default: the built-in policy)
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Output folder: summary.json, report.md and the plots
    #[arg(long, default_value = "calibration")]
    pub out: PathBuf,
    /// A smoke run with small sample sizes (explicit --pairs/--relative-pairs/--units win)
    #[arg(long)]
    pub quick: bool,
}

impl CalibrateArgs {
    fn sizes(&self) -> (usize, usize, usize) {
        let (pairs, relatives, units) = if self.quick {
            (QUICK_PAIRS, QUICK_PAIRS, QUICK_UNITS)
        } else {
            (DEFAULT_PAIRS, DEFAULT_RELATIVE_PAIRS, DEFAULT_UNITS)
        };
        (
            self.pairs.unwrap_or(pairs),
            self.relative_pairs.unwrap_or(relatives),
            self.units.unwrap_or(units),
        )
    }
}

/// One progress bar per stage, each left on screen when done.
struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn finish(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish();
        }
    }
}

impl Progress for Bars {
    fn start(&self, stage: Stage, total: u64) {
        self.finish();
        let label = match stage {
            Stage::Pairs(r) => format!("{} pairs", r.name()),
            Stage::Units => "family units".to_string(),
            Stage::DuoUnits => "one-adult units".to_string(),
        };
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>22} [{bar:40}] {human_pos}/{human_len} ({elapsed}, eta {eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label);
        if let Ok(mut current) = self.current.lock() {
            *current = Some(bar);
        }
    }

    fn advance(&self, done: u64) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(done);
        }
    }
}

pub fn run(args: CalibrateArgs) -> Result<()> {
    let started = Instant::now();
    let settings = settings::load(args.policy.as_deref())?;
    let table = inputs::frequencies(None, &settings.population, Default::default())?;
    let mutation = settings.mutation_model()?;
    let simulation = match &mutation {
        Some(m) => m.clone(),
        None => MutationModel::new(MutationKind::Equal, 0.0)?,
    };
    let model = Model {
        table: &table,
        theta: settings.theta,
        mutation: mutation.as_ref(),
    };
    let (pairs, relative_pairs, units) = args.sizes();
    let config = CalibrationConfig {
        pairs,
        relative_pairs,
        units,
        duo_units: args.duo_units.unwrap_or(if args.quick {
            QUICK_DUO_UNITS
        } else {
            DEFAULT_DUO_UNITS
        }),
        not_family: units * 3 / 10,
        non_family_mix: relatives_mix(),
        seed: args.seed,
        population: settings.population.clone(),
        ..CalibrationConfig::default()
    };
    let bars = Bars {
        current: Mutex::new(None),
    };
    let calibration = calibrate(&model, &settings.thresholds, &simulation, &config, &bars)?;
    bars.finish();

    let dir = &args.out;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let json = serde_json::to_vec_pretty(&calibration)?;
    write_atomically(&dir.join("summary.json"), &json)?;
    write_atomically(&dir.join("report.md"), report(&calibration).as_bytes())?;
    write_atomically(
        &dir.join(crate::index_cmd::EXCEEDANCE_FILE),
        exceedance_csv(&calibration).as_bytes(),
    )?;
    write_svg(&dir.join("lr_distributions.svg"), |area| {
        plot_distributions(area, &calibration)
    })?;
    write_svg(&dir.join("roc.svg"), |area| plot_roc(area, &calibration))?;
    if let Some(units) = &calibration.units {
        write_svg(&dir.join("relatives_tradeoff.svg"), |area| {
            plot_tradeoff(area, units, calibration.settings.policy.relative_log10_lr)
        })?;
    }
    print_summary(&calibration, dir, started.elapsed().as_secs_f64());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

fn sci(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x >= 0.01 {
        format!("{x:.4}")
    } else {
        format!("{x:.2e}")
    }
}

fn mc_text(r: &RateEstimate) -> String {
    if r.count == 0 {
        format!("0 of {} (< {} at 95 %)", r.n, sci(r.monte_carlo_upper95))
    } else {
        format!(
            "{} ({} of {}; ≤ {} at 95 %)",
            sci(r.monte_carlo),
            r.count,
            r.n,
            sci(r.monte_carlo_upper95)
        )
    }
}

fn is_text(r: &RateEstimate) -> String {
    match &r.importance {
        Some(is) => format!(
            "{} ± {} (from {} {} pairs, {} in the event)",
            sci(is.estimate),
            sci(is.standard_error),
            is.n,
            is.sampled.name(),
            is.hits
        ),
        None => "—".into(),
    }
}

fn print_summary(c: &Calibration, dir: &Path, seconds: f64) {
    let rate = |key: &str| c.pairs.rate(key);
    println!(
        "Calibration of the verdict policy ({} CODIS loci, {}, θ = {}, mutation {}), seed {}",
        c.settings.loci.len(),
        c.settings.frequency_table,
        c.settings.theta,
        mutation_name(c.settings.policy_mutation.as_ref()),
        c.settings.config.seed
    );
    if let Some(r) = rate("false_exclusion") {
        println!(
            "  False exclusion of a true parent:    MC {}   IS {}",
            mc_text(r),
            is_text(r)
        );
    }
    for key in ["false_inclusion_verify", "false_inclusion_claim_floor"] {
        if let Some(r) = rate(key) {
            println!(
                "  Unrelated adult, {:<22} MC {}   IS {}",
                if key.ends_with("verify") {
                    "duo LR ≥ verify:"
                } else {
                    "duo LR ≥ claim floor:"
                },
                mc_text(r),
                is_text(r)
            );
        }
    }
    for t in &c.pairs.unrelated_targets {
        println!(
            "  Duo threshold keeping unrelated adults below {}: log10 LR ≥ {} (unrelated {}, true parents passing {:.4})",
            sci(t.target),
            t.threshold,
            sci(t.fpr),
            t.tpr
        );
    }
    if let Some(units) = &c.units {
        let policy_t = c.settings.policy.relative_log10_lr;
        if let Some(o) = units.at(policy_t) {
            println!(
                "  Units at the policy's relative threshold 10^{policy_t}: genuine inconclusive {:.1} %, genuine not supported {:.2} %, relatives verified {:.1} %, unrelated verified {:.2} %",
                o.genuine_inconclusive_percent,
                o.genuine_not_supported_percent,
                o.relatives_verified_percent,
                o.unrelated_verified.percent
            );
        }
    }
    if let Some(d) = &c.duo_units {
        println!(
            "  One adult, one child, full policy: unrelated adult verified IS {} ± {} (from {} true pairs); true parents verified {:.1} %, inconclusive {:.1} %",
            sci(d.unrelated_verified.estimate),
            sci(d.unrelated_verified.standard_error),
            d.n,
            100.0 * d.genuine_verified,
            100.0 * d.genuine_inconclusive
        );
    }
    println!(
        "Report: {} ({:.0} s)",
        dir.join("report.md").display(),
        seconds
    );
}

/// The probability that an unrelated person's duo LR reaches each ROC threshold, for familial
/// search to say how many chance candidates to expect above a hit (`lazo search --familial`
/// embeds the file written here).
fn exceedance_csv(c: &Calibration) -> String {
    let mut out = String::from("log10_lr,unrelated_rate\n");
    for point in &c.pairs.roc {
        if let Some(f) = point
            .fpr
            .iter()
            .find(|f| f.relation == Relationship::Unrelated)
        {
            out.push_str(&format!("{},{:e}\n", point.threshold, f.rate));
        }
    }
    out
}

fn mutation_name(m: Option<&MutationModel>) -> String {
    m.map_or_else(|| "none".into(), |m| m.to_string())
}

fn report(c: &Calibration) -> String {
    let s = &c.settings;
    let p = &s.policy;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "# Verdict policy calibration\n");
    let _ = writeln!(
        w,
        "Measured by simulation with `lazo calibrate` (seed {}). Every number below is reproduced exactly by the same seed and settings.\n",
        s.config.seed
    );
    let _ = writeln!(w, "## Settings\n");
    let _ = writeln!(w, "| setting | value |\n|---|---|");
    let _ = writeln!(
        w,
        "| population | {} ({}) |",
        s.population, s.frequency_table
    );
    let loci: Vec<&str> = s.loci.iter().map(|l| l.name()).collect();
    let _ = writeln!(w, "| loci | {} ({}) |", loci.len(), loci.join(", "));
    let _ = writeln!(w, "| θ of the policy's LRs | {} |", s.theta);
    let _ = writeln!(
        w,
        "| mutation model of the policy's LRs | {} |",
        mutation_name(s.policy_mutation.as_ref())
    );
    let _ = writeln!(
        w,
        "| mutation model of the simulation | {} |",
        s.simulation_mutation
    );
    let _ = writeln!(
        w,
        "| verify | joint log10 LR ≥ {} over ≥ {} loci, every duo log10 LR ≥ {} (claim floor), every relative alternative beaten by log10 ≥ {} |",
        p.verify_log10_lr, p.verify_min_loci, p.claim_min_log10_lr, p.relative_log10_lr
    );
    let _ = writeln!(
        w,
        "| exclude | duo log10 LR ≤ {} with ≥ {} inconsistent loci over ≥ {} loci |",
        p.exclude_log10_lr, p.exclude_min_inconsistent, p.exclude_min_loci
    );
    let _ = writeln!(
        w,
        "| pairs | {} parent–child, {} unrelated, {} of each relative |",
        s.config.pairs, s.config.pairs, s.config.relative_pairs
    );
    let _ = writeln!(
        w,
        "| units | {} ({} not families: {}) |",
        s.config.units,
        s.config.not_family,
        mix_text(&s.config.non_family_mix)
    );
    let _ = writeln!(w, "\nModelling assumptions:\n");
    for a in &s.assumptions {
        let _ = writeln!(w, "- {a}");
    }

    pair_section(w, &c.pairs);
    if let Some(d) = &c.duo_units {
        duo_unit_section(w, d);
    }
    if let Some(units) = &c.units {
        unit_section(w, units, p.relative_log10_lr);
    }
    let _ = writeln!(w, "\n## Plots\n");
    let _ = writeln!(
        w,
        "- [log10 LR distributions](lr_distributions.svg)\n- [ROC](roc.svg)"
    );
    if c.units.is_some() {
        let _ = writeln!(w, "- [relatives trade-off](relatives_tradeoff.svg)");
    }
    let _ = writeln!(
        w,
        "\n![log10 LR distributions](lr_distributions.svg)\n\n![ROC](roc.svg)"
    );
    if c.units.is_some() {
        let _ = writeln!(w, "\n![relatives trade-off](relatives_tradeoff.svg)");
    }
    out
}

fn mix_text(m: &lazo_sim::NonFamilyMix) -> String {
    format!(
        "weights unrelated adult {}, grandparent {}, aunt/uncle {}, older sibling {}, recycled child {}",
        m.unrelated_adult, m.grandparent, m.avuncular, m.older_sibling, m.recycled_child
    )
}

fn pair_section(w: &mut String, pairs: &PairCalibration) {
    let _ = writeln!(w, "\n## Error rates of single claims (duos)\n");
    let _ = writeln!(
        w,
        "Monte Carlo (MC) counts the pairs of the relation itself. Importance sampling (IS) reweights the pairs of the other relation by the exact likelihood ratio of the simulation model, which measures rates far below 1/N; its ± is one standard error. \"Quoted\" is the more precise of the two.{}\n",
        if pairs.closed_form {
            ""
        } else {
            " (The policy's mutation model has no closed form: LRs computed by the pedigree engine.)"
        }
    );
    let _ = writeln!(
        w,
        "| rate | pairs | event | MC | IS | quoted |\n|---|---|---|---|---|---|"
    );
    for r in &pairs.rates {
        let _ = writeln!(
            w,
            "| `{}` | {} | {} | {} | {} | {} |",
            r.key,
            r.relation.name(),
            r.event,
            mc_text(r),
            is_text(r),
            sci(r.best())
        );
    }
    let _ = writeln!(
        w,
        "\nThe duo events are the single-claim view. A unit of one adult and one child is verified only if its duo LR (which is then its joint LR) passes the verify threshold *and* it beats every relative alternative, so `false_inclusion_verify` bounds that unit's false-verification rate from above; with more children every claim must also pass the claim floor, and with a typed genuine other parent the joint LR is a trio LR, so the one-adult, one-child unit is the worst case: its full-policy rate is measured in the next section."
    );
    if !pairs.unrelated_targets.is_empty() {
        let _ = writeln!(
            w,
            "\n### Duo threshold for a false-inclusion target (from the ROC grid)\n"
        );
        let _ = writeln!(
            w,
            "| unrelated adults passing below | lowest log10 LR threshold | unrelated passing there | true parents passing there |\n|---|---|---|---|"
        );
        for t in &pairs.unrelated_targets {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {:.4} |",
                sci(t.target),
                t.threshold,
                sci(t.fpr),
                t.tpr
            );
        }
    }
    let _ = writeln!(
        w,
        "\n### log10 LR distributions (duo LR, parent–child claimed)\n"
    );
    let qs: Vec<String> = pairs
        .relations
        .first()
        .map(|r| r.quantiles.iter().map(|q| format!("q{}", q.p)).collect())
        .unwrap_or_default();
    let _ = writeln!(
        w,
        "| relation | pairs | mean | {} | with an inconsistent locus |\n|---|---|---|{}---|",
        qs.join(" | "),
        "---|".repeat(qs.len())
    );
    for r in &pairs.relations {
        let q: Vec<String> = r
            .quantiles
            .iter()
            .map(|q| format!("{:.2}", q.log10_lr))
            .collect();
        let _ = writeln!(
            w,
            "| {} | {} | {:.2} | {} | {:.2} % |",
            r.relation.name(),
            r.n,
            r.mean_log10_lr,
            q.join(" | "),
            100.0 * r.with_inconsistency as f64 / r.n.max(1) as f64
        );
    }
    let _ = writeln!(w, "\n### ROC at selected thresholds\n");
    let rels: Vec<Relationship> = pairs
        .roc
        .first()
        .map(|p| p.fpr.iter().map(|f| f.relation).collect())
        .unwrap_or_default();
    let _ = writeln!(
        w,
        "| log10 LR ≥ | TPR (parent–child) | {} |\n|---|---|{}",
        rels.iter()
            .map(|r| format!("FPR {}", r.name()))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(rels.len())
    );
    for point in pairs
        .roc
        .iter()
        .filter(|p| p.threshold.fract() == 0.0 && (p.threshold as i64) % 2 == 0)
    {
        let f: Vec<String> = point.fpr.iter().map(|f| sci(f.rate)).collect();
        let _ = writeln!(
            w,
            "| {} | {:.6} | {} |",
            point.threshold,
            point.tpr,
            f.join(" | ")
        );
    }
}

fn duo_unit_section(w: &mut String, d: &lazo_sim::calibration::DuoUnitCalibration) {
    let _ = writeln!(w, "\n## One adult, one child: the full policy\n");
    let _ = writeln!(
        w,
        "The smallest unit carries the least evidence, so it bounds the false inclusion of every unit shape. {} true parent–child pairs were analysed as one-adult, one-child units by the full policy (joint LR, claim floor, relative alternatives); the probability that an **unrelated** adult presenting one child is verified is estimated from them by importance sampling (weight 1/LR under the generating model).\n",
        d.n
    );
    let _ = writeln!(w, "| quantity | value |\n|---|---|");
    let _ = writeln!(
        w,
        "| unrelated adult verified (IS) | {} ± {} (standard error; {} verified samples, effective {:.0}) |",
        sci(d.unrelated_verified.estimate),
        sci(d.unrelated_verified.standard_error),
        d.unrelated_verified.hits,
        d.unrelated_verified.effective_hits
    );
    let _ = writeln!(
        w,
        "| true parent verified | {:.2} % |",
        100.0 * d.genuine_verified
    );
    let _ = writeln!(
        w,
        "| true parent inconclusive | {:.2} % |",
        100.0 * d.genuine_inconclusive
    );
    let _ = writeln!(
        w,
        "| true parent not supported | {:.4} % |",
        100.0 * d.genuine_not_supported
    );
}

fn unit_section(w: &mut String, u: &UnitCalibration, policy_t: f64) {
    let _ = writeln!(w, "\n## Whole units: the relatives trade-off\n");
    let kinds: Vec<String> = u
        .units_by_kind
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {}", k.name()))
        .collect();
    let _ = writeln!(
        w,
        "{} units ({}), each analysed once; verdicts re-derived at each relative threshold (the claimed pedigree must beat every relative standing in for the parent by LR ≥ 10^t). The policy's threshold is t = {policy_t}.\n",
        u.scenario.units,
        kinds.join(", ")
    );
    let _ = writeln!(
        w,
        "| t | genuine inconclusive | genuine not supported | grandparents verified | aunts/uncles verified | older siblings verified | all relatives verified | unrelated verified | inconclusive genuine: weak claim / joint < verify / relative not beaten |\n|---|---|---|---|---|---|---|---|---|"
    );
    for o in &u.outcomes {
        let kind = |k: UnitKind| {
            o.relatives_verified
                .iter()
                .find(|v| v.kind == k)
                .map_or("—".into(), |v| {
                    format!("{}/{} ({:.1} %)", v.verified, v.units, v.percent)
                })
        };
        let mark = if (o.relative_log10_lr - policy_t).abs() < 1e-9 {
            " (policy)"
        } else {
            ""
        };
        let c = &o.genuine_inconclusive_causes;
        let _ = writeln!(
            w,
            "| {}{mark} | {}/{} ({:.1} %) | {}/{} ({:.2} %) | {} | {} | {} | {:.1} % | {}/{} ({:.1} %) | {} / {} / {} |",
            o.relative_log10_lr,
            o.genuine_inconclusive,
            o.genuine_units,
            o.genuine_inconclusive_percent,
            o.genuine_not_supported,
            o.genuine_units,
            o.genuine_not_supported_percent,
            kind(UnitKind::Grandparent),
            kind(UnitKind::Avuncular),
            kind(UnitKind::OlderSibling),
            o.relatives_verified_percent,
            o.unrelated_verified.verified,
            o.unrelated_verified.units,
            o.unrelated_verified.percent,
            c.weak_claim,
            c.joint_below_verify,
            c.relative_not_beaten
        );
    }
    let _ = writeln!(
        w,
        "\n### Genuine units left inconclusive, by shape (adults × children)\n"
    );
    let header: Vec<String> = u.thresholds.iter().map(|t| format!("t = {t}")).collect();
    let _ = writeln!(
        w,
        "| shape | genuine units | {} |\n|---|---|{}",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for s in &u.shapes {
        let cells: Vec<String> = s
            .inconclusive
            .iter()
            .zip(&s.inconclusive_percent)
            .map(|(n, p)| format!("{n} ({p:.1} %)"))
            .collect();
        let _ = writeln!(
            w,
            "| {} × {} | {} | {} |",
            s.adults,
            s.children,
            s.genuine_units,
            cells.join(" | ")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Plots
// ---------------------------------------------------------------------------------------------

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

const SIZE: (u32, u32) = (960, 600);

fn write_svg(path: &Path, draw: impl FnOnce(&Area<'_>) -> Result<()>) -> Result<()> {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        area.fill(&WHITE).map_err(plot_error)?;
        draw(&area)?;
        area.present().map_err(plot_error)?;
    }
    write_atomically(path, svg.as_bytes())
}

fn plot_error(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("cannot draw the plot: {e}")
}

fn colour(relation: Relationship) -> RGBColor {
    match relation {
        Relationship::ParentChild => RGBColor(0, 114, 178),
        Relationship::Unrelated => RGBColor(90, 90, 90),
        Relationship::Grandparent => RGBColor(213, 94, 0),
        Relationship::Avuncular => RGBColor(0, 158, 115),
        Relationship::FullSiblings => RGBColor(204, 121, 167),
        _ => RGBColor(0, 0, 0),
    }
}

fn kind_colour(kind: UnitKind) -> RGBColor {
    match kind {
        UnitKind::Grandparent => colour(Relationship::Grandparent),
        UnitKind::Avuncular => colour(Relationship::Avuncular),
        UnitKind::OlderSibling => colour(Relationship::FullSiblings),
        _ => RGBColor(0, 0, 0),
    }
}

fn relation_label(r: Relationship) -> &'static str {
    match r {
        Relationship::ParentChild => "true parent",
        Relationship::Unrelated => "unrelated adult",
        Relationship::Grandparent => "grandparent",
        Relationship::Avuncular => "aunt / uncle",
        Relationship::FullSiblings => "older full sibling",
        _ => r.name(),
    }
}

fn plot_distributions(area: &Area<'_>, c: &Calibration) -> Result<()> {
    let rel = &c.pairs.relations;
    let Some(first) = rel.first() else {
        return Ok(());
    };
    let h = &first.histogram;
    let ymax = rel
        .iter()
        .flat_map(|r| {
            r.histogram
                .counts
                .iter()
                .map(move |k| *k as f64 / r.n as f64)
        })
        .fold(0.0, f64::max)
        * 1.08;
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Duo log10 LR (claimed parent–child vs unrelated) by true relationship",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(h.min..h.max, 0.0..ymax.max(1e-3))
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc(format!(
            "log10 LR (bins of {}; below {} and above {} not shown)",
            h.bin_width, h.min, h.max
        ))
        .y_desc("fraction of pairs per bin")
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(plot_error)?;
    for r in rel {
        let hist = &r.histogram;
        let n = r.n.max(1) as f64;
        let mut points = Vec::with_capacity(2 * hist.counts.len() + 2);
        points.push((hist.min, 0.0));
        for (i, k) in hist.counts.iter().enumerate() {
            let y = *k as f64 / n;
            points.push((hist.lower(i), y));
            points.push((hist.lower(i) + hist.bin_width, y));
        }
        points.push((hist.max, 0.0));
        let col = colour(r.relation);
        chart
            .draw_series(LineSeries::new(points, col.stroke_width(2)))
            .map_err(plot_error)?
            .label(format!("{} ({} pairs)", relation_label(r.relation), r.n))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], col.stroke_width(3)));
    }
    let p = &c.settings.policy;
    for (t, name, col) in [
        (p.verify_log10_lr, "verify threshold", RGBColor(0, 0, 0)),
        (p.claim_min_log10_lr, "claim floor", RGBColor(120, 120, 120)),
        (
            p.exclude_log10_lr,
            "exclusion threshold",
            RGBColor(200, 0, 0),
        ),
    ] {
        let style = col.stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(t, 0.0), (t, ymax)],
                6,
                4,
                style,
            ))
            .map_err(plot_error)?
            .label(format!("{name} (log10 LR = {t})"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(plot_error)?;
    Ok(())
}

fn plot_roc(area: &Area<'_>, c: &Calibration) -> Result<()> {
    let roc = &c.pairs.roc;
    let min_fpr = roc
        .iter()
        .flat_map(|p| p.fpr.iter().map(|f| f.rate))
        .filter(|r| *r > 0.0)
        .fold(1.0, f64::min);
    let lo = 10f64.powf(min_fpr.log10().floor()).max(1e-20);
    let min_tpr = roc.iter().map(|p| p.tpr).fold(1.0, f64::min);
    let ylo = ((min_tpr * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let mut chart = ChartBuilder::on(area)
        .caption(
            "ROC of the duo LR: true parents accepted vs impostors accepted",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d((lo..1.0).log_scale(), ylo..1.0)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("false-positive rate: impostors with log10 LR ≥ t (log scale)")
        .y_desc("true-positive rate: true parents with log10 LR ≥ t")
        .x_label_formatter(&|x| format!("1e{}", x.log10().round()))
        .draw()
        .map_err(plot_error)?;
    let relations: Vec<Relationship> = roc
        .first()
        .map(|p| p.fpr.iter().map(|f| f.relation).collect())
        .unwrap_or_default();
    for (k, r) in relations.iter().enumerate() {
        let points: Vec<(f64, f64)> = roc
            .iter()
            .filter_map(|p| p.fpr.get(k).map(|f| (f.rate, p.tpr)))
            .filter(|(x, _)| *x > 0.0)
            .collect();
        let col = colour(*r);
        let label = if *r == Relationship::Unrelated {
            "vs unrelated adult (importance sampling where more precise than Monte Carlo)"
                .to_string()
        } else {
            format!("vs {}", relation_label(*r))
        };
        chart
            .draw_series(LineSeries::new(points, col.stroke_width(2)))
            .map_err(plot_error)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], col.stroke_width(3)));
    }
    let p = &c.settings.policy;
    for (t, name) in [
        (p.verify_log10_lr, "verify"),
        (p.claim_min_log10_lr, "claim floor"),
    ] {
        let marks: Vec<(f64, f64)> = roc
            .iter()
            .filter(|q| (q.threshold - t).abs() < 1e-9)
            .flat_map(|q| q.fpr.iter().map(move |f| (f.rate, q.tpr)))
            .filter(|(x, _)| *x > 0.0)
            .collect();
        let filled = name == "verify";
        let style = if filled {
            BLACK.filled()
        } else {
            BLACK.stroke_width(1)
        };
        chart
            .draw_series(marks.iter().map(|&(x, y)| Circle::new((x, y), 4, style)))
            .map_err(plot_error)?
            .label(format!("policy {name} threshold, log10 LR ≥ {t}"))
            .legend(move |(x, y)| Circle::new((x + 12, y), 4, style));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(plot_error)?;
    Ok(())
}

/// A labelled, coloured polyline.
type Series = (String, RGBColor, Vec<(f64, f64)>);

fn plot_tradeoff(area: &Area<'_>, u: &UnitCalibration, policy_t: f64) -> Result<()> {
    let xmax = u
        .outcomes
        .iter()
        .map(|o| o.genuine_inconclusive_percent)
        .fold(0.0, f64::max);
    let ymax = u
        .outcomes
        .iter()
        .flat_map(|o| o.relatives_verified.iter().map(|k| k.percent))
        .fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Relatives trade-off: genuine families left inconclusive vs relatives verified",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..(xmax * 1.15).max(1.0), 0.0..(ymax * 1.15).max(1.0))
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("genuine units inconclusive (%)")
        .y_desc("relative units verified as parents (%)")
        .draw()
        .map_err(plot_error)?;
    let mut series: Vec<Series> = Vec::new();
    for kind in [
        UnitKind::Grandparent,
        UnitKind::Avuncular,
        UnitKind::OlderSibling,
    ] {
        let points = u
            .outcomes
            .iter()
            .filter_map(|o| {
                o.relatives_verified
                    .iter()
                    .find(|k| k.kind == kind)
                    .map(|k| (o.genuine_inconclusive_percent, k.percent))
            })
            .collect();
        let label = match kind {
            UnitKind::Grandparent => "grandparents",
            UnitKind::Avuncular => "aunts / uncles",
            _ => "older siblings",
        };
        series.push((label.to_string(), kind_colour(kind), points));
    }
    series.push((
        "all relatives".to_string(),
        RGBColor(0, 0, 0),
        u.outcomes
            .iter()
            .map(|o| (o.genuine_inconclusive_percent, o.relatives_verified_percent))
            .collect(),
    ));
    for (label, col, points) in series {
        chart
            .draw_series(LineSeries::new(points.clone(), col.stroke_width(2)))
            .map_err(plot_error)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], col.stroke_width(3)));
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, col.filled())),
            )
            .map_err(plot_error)?;
    }
    // Label each threshold once, on the pooled curve.
    chart
        .draw_series(u.outcomes.iter().map(|o| {
            let mark = if (o.relative_log10_lr - policy_t).abs() < 1e-9 {
                " (policy)"
            } else {
                ""
            };
            EmptyElement::at((o.genuine_inconclusive_percent, o.relatives_verified_percent))
                + Text::new(
                    format!("t={}{mark}", o.relative_log10_lr),
                    (6, -14),
                    ("sans-serif", 12),
                )
        }))
        .map_err(plot_error)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(plot_error)?;
    Ok(())
}
