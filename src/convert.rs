//! `lazo convert`: profiles between GeneMapper-style tables and CODIS CMF XML.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use lazo_formats::{CmfMeta, cmf_export_issues, write_cmf, write_profiles};

use crate::{emit, inputs, outln, simulate::write_atomically};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Target {
    /// CODIS Common Message Format XML (CMF 3.2 / 2017 schema)
    Cmf,
    /// GeneMapper-style CSV: Sample Name, Marker, Allele 1, Allele 2…
    Genemapper,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input profiles (GeneMapper-style CSV/TSV or CMF XML)
    #[arg(long)]
    profiles: PathBuf,
    /// Output format
    #[arg(long, value_enum)]
    to: Target,
    /// Output file
    #[arg(long)]
    out: PathBuf,
    /// CMF SOURCELAB: the submitting laboratory's ORI
    #[arg(long, default_value = "LAZO00000")]
    source_lab: String,
    /// CMF DESTINATIONORI: the receiving laboratory's ORI
    #[arg(long, default_value = "LAZO00000")]
    destination_ori: String,
    /// CMF SUBMITBYUSERID
    #[arg(long, default_value = "lazo")]
    submit_by: String,
    /// CMF KIT (e.g. GlobalFiler)
    #[arg(long)]
    kit: Option<String>,
    /// Write the CMF file even when some loci have no CMF name (they are left out)
    #[arg(long)]
    allow_dropped_loci: bool,
}

pub fn run(args: ConvertArgs) -> Result<()> {
    let set = inputs::profiles(&args.profiles)?;
    let profiles = set.profiles();
    let body = match args.to {
        Target::Genemapper => write_profiles(profiles),
        Target::Cmf => {
            let now = time::OffsetDateTime::now_utc();
            let timestamp = now.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))?;
            let mut meta = CmfMeta::new(
                &args.source_lab,
                &args.destination_ori,
                &args.submit_by,
                timestamp,
            );
            meta.kit = args.kit.clone();
            let issues = cmf_export_issues(profiles, &meta);
            let (dropped, blocking): (Vec<&String>, Vec<&String>) =
                issues.iter().partition(|i| i.contains("no CMF"));
            if !blocking.is_empty() || (!dropped.is_empty() && !args.allow_dropped_loci) {
                let list: Vec<String> = issues.iter().map(|i| format!("  - {i}")).collect();
                bail!(
                    "cannot write a complete CMF file from {}:\n{}{}",
                    args.profiles.display(),
                    list.join("\n"),
                    if blocking.is_empty() {
                        "\n(--allow-dropped-loci writes it without those loci)"
                    } else {
                        ""
                    }
                );
            }
            for d in dropped {
                tracing::warn!("{d}");
            }
            write_cmf(profiles, &meta)
        }
    };
    write_atomically(&args.out, body.as_bytes())?;
    let mut out = String::new();
    outln!(
        out,
        "{} profiles written to {}",
        profiles.len(),
        args.out.display()
    );
    emit(&out)
}
