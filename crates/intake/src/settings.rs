//! The verdict settings (`--policy POLICY.toml` on the command line; the service's defaults):
//! population, θ, mutation model and the thresholds of `lazo_kinship::Policy`. See
//! docs/POLICY.md for why each default is what it is. Reading the file is the caller's: this
//! module only parses and checks.

use lazo_kinship::{KinshipError, MutationModel, Policy};
use serde::{Deserialize, Serialize};

/// Default θ (F_ST). NRC II recommends 0.01 for general US populations; it makes every LR a
/// little less extreme, in both directions.
pub const DEFAULT_THETA: f64 = 0.01;
/// Default mutation model: the equal model at 0.002 per transmission, at the high end of
/// observed STR rates (~1e-3), so a true parent's mutation is never over-penalised.
pub const DEFAULT_MUTATION: &str = "equal:0.002";

/// Why settings are refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("not valid policy TOML: {0}")]
    Toml(String),
    #[error(transparent)]
    Kinship(#[from] KinshipError),
    #[error("theta = {0} must be in [0, 0.5)")]
    Theta(f64),
    #[error("mutation_rates are set but mutation = \"none\"")]
    RatesWithoutModel,
    #[error("mutation_rates: unknown locus {0:?}")]
    UnknownLocus(String),
    #[error("mutation_rates.{locus}: {value:?} is not a number")]
    NotANumber { locus: String, value: String },
    #[error("mutation_rates: {0}")]
    Rates(KinshipError),
    #[error("{0}")]
    Population(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Built-in population id (see `lazo populations`), used when no frequency file is given.
    pub population: String,
    pub theta: f64,
    /// `MODEL:RATE`, e.g. `equal:0.002`, `stepwise:0.003/0.001:0.1`; "none" disables.
    pub mutation: String,
    /// Per-locus rates overriding the model's, `LOCUS = "RATE"` or `"PATERNAL/MATERNAL"`
    /// (e.g. `D21S11 = "0.004/0.001"`), for laboratories that use published per-locus rates.
    pub mutation_rates: std::collections::BTreeMap<String, String>,
    pub thresholds: Policy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            population: lazo_formats::embedded::DEFAULT_POPULATION.to_string(),
            theta: DEFAULT_THETA,
            mutation: DEFAULT_MUTATION.to_string(),
            mutation_rates: std::collections::BTreeMap::new(),
            thresholds: Policy::default(),
        }
    }
}

impl Settings {
    /// Parses and checks a policy file's text.
    pub fn from_toml(text: &str) -> Result<Settings, SettingsError> {
        let settings: Settings =
            toml::from_str(text).map_err(|e| SettingsError::Toml(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// The policy text stored with every run (what was in force, in full).
    pub fn to_toml(&self) -> Result<String, SettingsError> {
        toml::to_string(self).map_err(|e| SettingsError::Toml(e.to_string()))
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        self.thresholds.validate()?;
        if !(0.0..0.5).contains(&self.theta) {
            return Err(SettingsError::Theta(self.theta));
        }
        self.mutation_model()?;
        Ok(())
    }

    /// The mutation model with the per-locus rates applied; `None` for `mutation = "none"`.
    pub fn mutation_model(&self) -> Result<Option<MutationModel>, SettingsError> {
        let Some(mut model) = parse_mutation(&self.mutation)? else {
            if !self.mutation_rates.is_empty() {
                return Err(SettingsError::RatesWithoutModel);
            }
            return Ok(None);
        };
        for (name, spec) in &self.mutation_rates {
            let locus = lazo_genetics::Locus::parse(name)
                .map_err(|_| SettingsError::UnknownLocus(name.clone()))?;
            let number = |t: &str| -> Result<f64, SettingsError> {
                t.trim()
                    .parse::<f64>()
                    .map_err(|_| SettingsError::NotANumber {
                        locus: name.clone(),
                        value: t.to_string(),
                    })
            };
            let rates = match spec.split_once('/') {
                Some((p, m)) => lazo_kinship::SexRates {
                    paternal: number(p)?,
                    maternal: number(m)?,
                },
                None => {
                    let r = number(spec)?;
                    lazo_kinship::SexRates {
                        paternal: r,
                        maternal: r,
                    }
                }
            };
            model.per_locus.insert(locus, rates);
        }
        model.validate().map_err(SettingsError::Rates)?;
        Ok(Some(model))
    }

    /// The defaults as a commented TOML file (`lazo policy`).
    pub fn default_toml() -> String {
        let body = toml::to_string_pretty(&Settings::default()).unwrap_or_default();
        format!(
            "# Lazo verdict policy (defaults). Every threshold is explained in docs/POLICY.md.\n{body}"
        )
    }
}

/// Parses a mutation spec, with `none` meaning no mutation model.
pub fn parse_mutation(spec: &str) -> Result<Option<MutationModel>, KinshipError> {
    if spec.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Ok(Some(MutationModel::parse(spec)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn default_toml_round_trips() {
        let text = Settings::default_toml();
        let parsed: Settings = toml::from_str(&text).unwrap();
        assert_eq!(parsed, Settings::default());
        assert_eq!(Settings::from_toml(&text).unwrap(), Settings::default());
    }

    #[test]
    fn per_locus_rates_override_the_default() {
        let s: Settings = toml::from_str("mutation = \"equal:0.002\"\n[mutation_rates]\nD21S11 = \"0.004/0.001\"\nvwa = \"0.003\"\n").unwrap();
        let m = s.mutation_model().unwrap().unwrap();
        let d21 = m.rates(lazo_genetics::Locus::parse("D21S11").unwrap());
        assert_eq!((d21.paternal, d21.maternal), (0.004, 0.001));
        assert_eq!(
            m.rates(lazo_genetics::Locus::parse("vWA").unwrap())
                .maternal,
            0.003
        );
        assert_eq!(
            m.rates(lazo_genetics::Locus::parse("TH01").unwrap())
                .paternal,
            0.002
        );
        for bad in [
            "[mutation_rates]\nD99 = \"0.1\"\n",
            "[mutation_rates]\nTH01 = \"x\"\n",
            "[mutation_rates]\nTH01 = \"0.9\"\n",
        ] {
            let s: Settings = toml::from_str(bad).unwrap();
            assert!(s.mutation_model().is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(Settings::from_toml("theta = 0.01\nthetta = 2\n").is_err());
        assert!(Settings::from_toml("[thresholds]\nverify_lr = 3\n").is_err());
        assert_eq!(
            Settings::from_toml("theta = 0.7\n"),
            Err(SettingsError::Theta(0.7))
        );
    }
}
