//! `lazo lr`: the LR of one relationship between two people.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use lazo_genetics::Locus;
use lazo_kinship::{Model, Relationship, pair_lr, posterior};
use serde::Serialize;

use crate::{emit, inputs, outln, settings};

#[derive(Debug, Args)]
pub struct LrArgs {
    /// Allele-frequency table (long `Marker,Allele,Frequency[,N]` or wide); default: the built-in population
    #[arg(long)]
    freqs: Option<PathBuf>,
    /// Built-in population used when --freqs is not given (see `lazo populations`)
    #[arg(long, default_value = lazo_formats::embedded::DEFAULT_POPULATION)]
    population: String,
    /// Profiles: GeneMapper-style CSV/TSV or CODIS CMF XML
    #[arg(long)]
    profiles: PathBuf,
    /// First person (for parent-child: the alleged parent)
    #[arg(long)]
    a: String,
    /// Second person (for parent-child: the child)
    #[arg(long)]
    b: String,
    /// parent-child, full-siblings, half-siblings, grandparent, avuncular, first-cousins, identical
    #[arg(long)]
    relation: Relationship,
    /// The child's undisputed mother (parent-child only): computes a trio
    #[arg(long)]
    mother: Option<String>,
    /// Co-ancestry coefficient θ (F_ST) for the Balding–Nichols correction
    #[arg(long, default_value_t = settings::DEFAULT_THETA)]
    theta: f64,
    /// Mutation model MODEL:RATE (equal, proportional, stepwise), e.g. equal:0.002; default: none
    #[arg(long)]
    mutation: Option<String>,
    /// Use only these loci (comma-separated); default: every locus typed in everyone involved
    #[arg(long, value_delimiter = ',')]
    loci: Option<Vec<String>>,
    /// Frequency for alleles missing from the table: `nrc` (5/2N, NRC II) or a number
    #[arg(long, default_value = "nrc")]
    min_frequency: String,
    /// Prior probability of the relationship for the posterior shown
    #[arg(long, default_value_t = 0.5)]
    prior: f64,
    /// Print one JSON object instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct LrJson<'a> {
    lr: f64,
    log10_lr: Option<f64>,
    loci: Vec<LocusJson>,
    relation: &'a str,
    theta: f64,
    mutation: Option<String>,
    frequencies: &'a str,
    loci_used: usize,
    inconsistent_loci: Vec<Locus>,
    excluded_loci: &'a [lazo_kinship::pair::ExcludedLocus],
    posterior: f64,
    prior: f64,
}

#[derive(Serialize)]
struct LocusJson {
    locus: Locus,
    lr: f64,
}

pub fn run(args: LrArgs) -> Result<()> {
    let table = inputs::frequencies(
        args.freqs.as_deref(),
        &args.population,
        inputs::min_frequency(&args.min_frequency)?,
    )?;
    let profiles = inputs::profiles(&args.profiles)?;
    let source = args.profiles.display();
    let person = |id: &str| {
        profiles
            .get(id)
            .with_context(|| format!("sample {id:?} is not in {source}"))
    };
    let (a, b) = (person(&args.a)?, person(&args.b)?);
    let mother = args.mother.as_deref().map(person).transpose()?;
    let mutation = args
        .mutation
        .as_deref()
        .map(settings::parse_mutation)
        .transpose()?
        .flatten();
    let loci: Option<Vec<Locus>> = args
        .loci
        .as_ref()
        .map(|names| {
            names
                .iter()
                .map(|n| Locus::parse(n).with_context(|| format!("--loci: unknown locus {n:?}")))
                .collect()
        })
        .transpose()?;
    anyhow::ensure!(
        args.prior > 0.0 && args.prior < 1.0,
        "--prior {} must be strictly between 0 and 1",
        args.prior
    );
    let model = Model {
        table: &table,
        theta: args.theta,
        mutation: mutation.as_ref(),
    };
    let result = pair_lr(a, b, args.relation, mother, &model, loci.as_deref())?;
    if let Some(requested) = &loci {
        let missing: Vec<String> = result
            .excluded
            .iter()
            .filter(|e| requested.contains(&e.locus))
            .map(|e| format!("{} ({})", e.locus, e.reason))
            .collect();
        anyhow::ensure!(
            missing.is_empty(),
            "--loci: cannot use {}",
            missing.join(", ")
        );
    }
    anyhow::ensure!(
        result.loci_used() > 0,
        "no locus is typed in everyone involved and present in the frequency table"
    );

    let log10 = result.log10_lr();
    let mut out = String::new();
    if args.json {
        let json = LrJson {
            lr: result.lr(),
            log10_lr: log10,
            loci: result
                .loci
                .iter()
                .map(|l| LocusJson {
                    locus: l.locus,
                    lr: l.lr,
                })
                .collect(),
            relation: args.relation.name(),
            theta: args.theta,
            mutation: mutation.as_ref().map(ToString::to_string),
            frequencies: &table.name,
            loci_used: result.loci_used(),
            inconsistent_loci: result.inconsistent_loci(),
            excluded_loci: &result.excluded,
            posterior: posterior(log10, args.prior),
            prior: args.prior,
        };
        outln!(out, "{}", serde_json::to_string(&json)?);
        return emit(&out);
    }
    let hypothesis = match (args.relation, mother) {
        (Relationship::ParentChild, Some(m)) => format!(
            "{} is the father of {} (mother {})",
            a.sample_id, b.sample_id, m.sample_id
        ),
        (Relationship::ParentChild, None) => {
            format!("{} is a parent of {}", a.sample_id, b.sample_id)
        }
        (r, _) => format!(
            "{} and {} are related as {}",
            a.sample_id,
            b.sample_id,
            r.name()
        ),
    };
    outln!(out, "H1: {hypothesis}\nH2: unrelated");
    outln!(
        out,
        "frequencies: {}   theta: {}   mutation: {}",
        table.name,
        args.theta,
        mutation
            .as_ref()
            .map_or("none".to_string(), ToString::to_string)
    );
    outln!(out, "{:<10} {:>14}", "locus", "LR");
    for l in &result.loci {
        outln!(
            out,
            "{:<10} {:>14.6}{}",
            l.locus.name(),
            l.lr,
            if l.inconsistent { "  inconsistent" } else { "" }
        );
    }
    for e in &result.excluded {
        outln!(
            out,
            "{:<10} {:>14}  not used: {}",
            e.locus.name(),
            "-",
            e.reason
        );
    }
    match log10 {
        Some(l) => outln!(
            out,
            "combined LR: {:.6e}  (log10 {l:.3}) over {} loci",
            result.lr(),
            result.loci_used()
        ),
        None => outln!(
            out,
            "combined LR: 0 (exclusion without a mutation model) over {} loci",
            result.loci_used()
        ),
    }
    outln!(
        out,
        "posterior probability of H1 at prior {}: {:.6}",
        args.prior,
        posterior(log10, args.prior)
    );
    emit(&out)
}
