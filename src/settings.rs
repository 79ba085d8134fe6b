//! The verdict settings file (`--policy POLICY.toml`). The settings themselves (population, θ,
//! mutation model, thresholds) live in `lazo-intake`, shared with the web service; the binary
//! reads the file.

use anyhow::{Context, Result};
pub use lazo_intake::settings::{DEFAULT_MUTATION, DEFAULT_THETA, Settings};

/// The settings in `path`, or the defaults when no file is given.
pub fn load(path: Option<&std::path::Path>) -> Result<Settings> {
    let Some(path) = path else {
        return Ok(Settings::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read policy file {}", path.display()))?;
    let settings: Settings =
        toml::from_str(&text).with_context(|| format!("{}: invalid policy", path.display()))?;
    settings
        .validate()
        .with_context(|| format!("{}: invalid policy", path.display()))?;
    Ok(settings)
}

/// Parses a mutation spec, with `none` meaning no mutation model.
pub fn parse_mutation(spec: &str) -> Result<Option<lazo_kinship::MutationModel>> {
    Ok(lazo_intake::parse_mutation(spec)?)
}
