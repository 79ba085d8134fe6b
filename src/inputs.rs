//! Reading the user's files, with errors that name them.

use std::path::Path;

use anyhow::{Context, Result};
use lazo_formats::ProfileSet;
use lazo_genetics::{FrequencyTable, MinFrequency};

/// Reads a profile file: CODIS CMF XML when it looks like XML, a GeneMapper-style table
/// otherwise. Warnings (tri-allelic or off-ladder loci left out) go to the log.
pub fn profiles(path: &Path) -> Result<ProfileSet> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read profiles {}", path.display()))?;
    let name = path.display().to_string();
    let set = match lazo_formats::ProfileFormat::detect(&name, &text) {
        lazo_formats::ProfileFormat::Cmf => lazo_formats::read_cmf(&text, &name)?,
        lazo_formats::ProfileFormat::Table => lazo_formats::read_profiles(&text, &name)?,
    };
    for warning in set.warnings() {
        tracing::warn!("{warning}");
    }
    Ok(set)
}

/// The frequency table: the user's file, or the named built-in population.
pub fn frequencies(
    path: Option<&Path>,
    population: &str,
    min: MinFrequency,
) -> Result<FrequencyTable> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read frequencies {}", path.display()))?;
            let name = path.file_stem().map_or_else(
                || path.display().to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            let (table, warnings) =
                lazo_formats::read_frequencies(&text, &path.display().to_string(), &name, min)?;
            for w in warnings {
                tracing::warn!("{}: {}: {}", path.display(), w.locus, w.message);
            }
            Ok(table)
        }
        None => {
            let population = lazo_formats::embedded::populations()
                .iter()
                .find(|p| p.id == population)
                .with_context(|| {
                    format!("unknown population {population:?}; `lazo populations` lists them")
                })?;
            Ok(population.table(min)?)
        }
    }
}

/// The minimum-frequency rule from the command line: `nrc` (5/2N) or a number.
pub fn min_frequency(spec: &str) -> Result<MinFrequency> {
    if spec.eq_ignore_ascii_case("nrc") || spec.eq_ignore_ascii_case("5/2n") {
        return Ok(MinFrequency::default());
    }
    let value: f64 = spec
        .parse()
        .with_context(|| format!("--min-frequency {spec:?}: expected `nrc` or a number"))?;
    anyhow::ensure!(
        value > 0.0 && value < 1.0,
        "--min-frequency {value} must be between 0 and 1"
    );
    Ok(MinFrequency::Fixed(value))
}
