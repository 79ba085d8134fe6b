//! A verification run's results as the record the store saves: one conversion for `lazo
//! verify --save`, `lazo demo` and the web service's intake.

use std::collections::BTreeMap;

use lazo_kinship::{FamilyUnit, UnitReport, Verdict};
use lazo_store::{
    AlertRecord, CustodyRecord, MemberRole, RunId, RunKind, RunRecord, RunSummary, UnitMember,
    UnitRecord,
};

use crate::Settings;
use crate::alerts::RepeatChild;
use crate::history::profile_record;

/// The version of the analysis code that computed the verdicts, stored with each run.
pub const LAZO_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why a run could not be turned into a record (a caller's mistake, not the data's).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{units} units but {reports} reports")]
    Count { units: usize, reports: usize },
    #[error("unit {0} out of order")]
    Order(String),
    #[error("cannot encode the run: {0}")]
    Encode(String),
}

/// What a verification run produced, to be saved.
#[derive(Debug)]
pub struct RunInput<'a> {
    pub id: RunId,
    pub started_at: String,
    pub kind: RunKind,
    pub settings: &'a Settings,
    pub seed: Option<u64>,
    /// The units analysed, in the same order as `reports`.
    pub units: &'a [FamilyUnit<'a>],
    pub reports: &'a [UnitReport],
    /// The profiles stored with the run.
    pub profiles: &'a [lazo_genetics::Profile],
    /// Repeat-child alerts by unit id.
    pub alerts: &'a BTreeMap<String, Vec<RepeatChild>>,
    /// Wall time of the analysis, measured by the caller (this crate reads no clock).
    pub elapsed_ms: u64,
    /// The intake's site (web service intakes).
    pub site: Option<String>,
    /// Chain of custody per sample (web service intakes).
    pub custody: Vec<CustodyRecord>,
}

/// A kinship verdict as the store's word. A new kinship verdict must be given a stored word
/// (and a migration) here.
pub fn stored_verdict(verdict: Verdict) -> lazo_store::Verdict {
    match verdict {
        Verdict::Verified => lazo_store::Verdict::Verified,
        Verdict::NotSupported => lazo_store::Verdict::NotSupported,
        Verdict::Inconclusive => lazo_store::Verdict::Inconclusive,
    }
}

/// Converts a run's results into the record the store saves.
pub fn run_record(input: RunInput<'_>) -> Result<RunRecord, RecordError> {
    if input.units.len() != input.reports.len() {
        return Err(RecordError::Count {
            units: input.units.len(),
            reports: input.reports.len(),
        });
    }
    let encode = |e: serde_json::Error| RecordError::Encode(e.to_string());
    let member = |p: &lazo_genetics::Profile, role| UnitMember {
        sample_id: p.sample_id.clone(),
        role,
    };
    let units = input
        .units
        .iter()
        .zip(input.reports)
        .map(|(unit, report)| {
            if unit.id != report.unit_id {
                return Err(RecordError::Order(unit.id.clone()));
            }
            Ok(UnitRecord {
                unit_id: report.unit_id.clone(),
                verdict: stored_verdict(report.verdict),
                members: unit
                    .mother
                    .map(|p| member(p, MemberRole::Mother))
                    .into_iter()
                    .chain(unit.father.map(|p| member(p, MemberRole::Father)))
                    .chain(unit.children.iter().map(|p| member(p, MemberRole::Child)))
                    .collect(),
                report_json: serde_json::to_string(report).map_err(encode)?,
                reasons: report.reasons.clone(),
                recommendations: report.recommendations.clone(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let alerts = input
        .alerts
        .iter()
        .flat_map(|(unit_id, list)| list.iter().map(move |a| (unit_id, a)))
        .map(|(unit_id, a)| {
            Ok(AlertRecord {
                unit_id: unit_id.clone(),
                kind: a.kind.clone(),
                sample_id: Some(a.sample_id.clone()),
                detail_json: serde_json::to_string(a).map_err(encode)?,
            })
        })
        .collect::<Result<Vec<_>, RecordError>>()?;
    Ok(RunRecord {
        id: input.id,
        started_at: input.started_at,
        kind: input.kind,
        lazo_version: LAZO_VERSION.to_string(),
        population: input.settings.population.clone(),
        theta: input.settings.theta,
        mutation: input.settings.mutation.clone(),
        policy_toml: input
            .settings
            .to_toml()
            .map_err(|e| RecordError::Encode(e.to_string()))?,
        seed: input.seed,
        summary: RunSummary::tally(&units, alerts.len(), input.elapsed_ms),
        units,
        profiles: input.profiles.iter().map(profile_record).collect(),
        alerts,
        site: input.site,
        custody: input.custody,
    })
}
