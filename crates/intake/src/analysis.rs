//! The analysis settings in force (frequency table, θ, mutation model, policy) and the parallel
//! analysis of many units.

use lazo_genetics::FrequencyTable;
use lazo_kinship::{FamilyUnit, KinshipError, Model, MutationModel, Policy, UnitReport};
use rayon::prelude::*;

use crate::{Settings, SettingsError};

/// A unit the engine refused (a caller's mistake: units are checked before analysis).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unit {unit}: {source}")]
pub struct AnalysisError {
    pub unit: String,
    pub source: KinshipError,
}

/// Everything a verdict depends on besides the profiles: the settings (checked) with the
/// frequency table they name and the mutation model they describe, built once.
#[derive(Clone, Debug)]
pub struct Analysis {
    settings: Settings,
    table: FrequencyTable,
    mutation: Option<MutationModel>,
}

impl Analysis {
    /// Checks the settings; `table` is the one the LRs use (the settings' population, or a
    /// laboratory's file).
    pub fn new(settings: Settings, table: FrequencyTable) -> Result<Analysis, SettingsError> {
        settings.validate()?;
        let mutation = settings.mutation_model()?;
        Ok(Analysis {
            settings,
            table,
            mutation,
        })
    }

    /// The CLI's defaults: the embedded default population (NRC II minimum frequency) and the
    /// default policy.
    pub fn defaults() -> Result<Analysis, SettingsError> {
        Analysis::from_settings(Settings::default())
    }

    /// `settings` with the embedded population they name (a laboratory's policy file).
    pub fn from_settings(settings: Settings) -> Result<Analysis, SettingsError> {
        let table = lazo_formats::embedded::load(&settings.population, Default::default())
            .map_err(|e| SettingsError::Population(e.to_string()))?;
        Analysis::new(settings, table)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn table(&self) -> &FrequencyTable {
        &self.table
    }

    pub fn policy(&self) -> &Policy {
        &self.settings.thresholds
    }

    pub fn model(&self) -> Model<'_> {
        Model {
            table: &self.table,
            theta: self.settings.theta,
            mutation: self.mutation.as_ref(),
        }
    }
}

/// Analyses every unit in parallel (rayon's current pool); reports come back in unit order.
/// `progress` is called once per unit finished, from any thread.
pub fn analyse_all(
    units: &[FamilyUnit<'_>],
    model: &Model<'_>,
    policy: &Policy,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<UnitReport>, AnalysisError> {
    units
        .par_iter()
        .map(|unit| {
            let report =
                lazo_kinship::analyse_unit(unit, model, policy).map_err(|source| AnalysisError {
                    unit: unit.id.clone(),
                    source,
                });
            progress();
            report
        })
        .collect()
}
