//! What a verification run is, as stored: the records a caller saves and the rows it reads back.
//!
//! The vocabulary here ([`Verdict`], [`MemberRole`], [`RunKind`]) is the store's own, written
//! to the database as the same snake_case words the CLI's JSON uses. It deliberately does not
//! reuse `lazo_kinship`'s enums: a run saved today must stay readable when the analysis engine
//! changes, so the caller converts (a `match` the compiler checks) and the persistent meaning
//! changes only through a migration.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{StoreError, unix_ms_from_rfc3339};

/// A run's identifier: a random (version 4) UUID, written in its hyphenated lowercase form.
///
/// Chosen over a database sequence so that the id exists before the run is saved (a retried
/// save of the same record is refused as a duplicate instead of stored twice), is the same in
/// SQLite and PostgreSQL, can be merged across sites without renumbering, and does not reveal
/// how many runs a site has made when it appears in a URL.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(Uuid);

impl RunId {
    /// A fresh random id (operating-system randomness; no clock).
    pub fn random() -> RunId {
        RunId(Uuid::new_v4())
    }

    /// A fixed id, for tests and fixtures.
    pub const fn from_u128(value: u128) -> RunId {
        RunId(Uuid::from_u128(value))
    }

    pub fn from_uuid(uuid: Uuid) -> RunId {
        RunId(uuid)
    }

    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RunId({})", self.0.hyphenated())
    }
}

impl FromStr for RunId {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<RunId, StoreError> {
        Uuid::try_parse(s)
            .map(RunId)
            .map_err(|e| StoreError::Invalid(format!("run id {s:?}: {e}")))
    }
}

/// Defines a string-valued enum with its stored words, `as_str`, `Display` and `FromStr`.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &[$name] = &[$($name::$variant),+];

            /// The word stored in the database and used in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<$name, StoreError> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(StoreError::Corrupt(format!(concat!("unknown ", $what, " {:?}"), s))),
                }
            }
        }
    };
}

word_enum! {
    /// What started the run.
    RunKind, "run kind" {
        /// `lazo demo`: a simulated cohort (`seed` says which).
        Demo = "demo",
        /// Real casework: `lazo verify --save` or the web service.
        Intake = "intake",
    }
}

word_enum! {
    /// A unit's verdict; the same words as `lazo_kinship::Verdict::name`.
    Verdict, "verdict" {
        Verified = "verified",
        NotSupported = "not_supported",
        Inconclusive = "inconclusive",
    }
}

word_enum! {
    /// The role a sample is presented in within a unit.
    MemberRole, "member role" {
        Mother = "mother",
        Father = "father",
        Child = "child",
    }
}

/// One verification run, complete: what [`crate::VerificationStore::save_run`] stores in one
/// transaction and [`crate::VerificationStore::load_run`] gives back, equal field for field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: RunId,
    /// When the run started, RFC 3339 (see [`crate::rfc3339_from_unix_ms`]); kept as written.
    pub started_at: String,
    pub kind: RunKind,
    /// Version of the software that computed the verdicts (`CARGO_PKG_VERSION` of `lazo`).
    pub lazo_version: String,
    /// Allele-frequency table the LRs used (a built-in population id or a file name).
    pub population: String,
    /// θ (F_ST) the LRs used.
    pub theta: f64,
    /// Mutation model the LRs used, as written in the policy (`equal:0.002`, `none`…).
    pub mutation: String,
    /// The complete verdict policy in force, as TOML.
    pub policy_toml: String,
    /// Simulation seed, for demo runs.
    pub seed: Option<u64>,
    /// Units in the order they were analysed.
    pub units: Vec<UnitRecord>,
    /// The profiles the run analysed, so a result can be re-examined without the input files.
    pub profiles: Vec<ProfileRecord>,
    pub alerts: Vec<AlertRecord>,
    pub summary: RunSummary,
    /// The site whose intake this is (web-service intakes: the field agent's site); `None` for
    /// runs not tied to a site (demo runs, `lazo verify --save`).
    #[serde(default)]
    pub site: Option<String>,
    /// Chain of custody of the run's samples (web-service intakes), in unit order.
    #[serde(default)]
    pub custody: Vec<CustodyRecord>,
}

/// Chain of custody of one sample: who took it, when, where, with whose consent, with what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyRecord {
    /// One of the run's samples (each at most once per run).
    pub sample_id: String,
    pub collector: String,
    /// The date of collection, `YYYY-MM-DD`.
    pub collected_on: String,
    pub place: String,
    /// Whether informed consent was given.
    pub consent: bool,
    /// The collection kit or typing instrument.
    pub kit: String,
}

/// Which runs a listing shows. The default shows every run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Only runs of this site (a field agent's view); runs without a site never match.
    pub site: Option<String>,
}

impl RunFilter {
    /// Every run.
    pub fn all() -> RunFilter {
        RunFilter::default()
    }

    /// The runs of one site.
    pub fn site(site: impl Into<String>) -> RunFilter {
        RunFilter {
            site: Some(site.into()),
        }
    }

    /// Whether a run of `site` passes the filter.
    pub fn admits(&self, site: Option<&str>) -> bool {
        match &self.site {
            None => true,
            Some(wanted) => site == Some(wanted.as_str()),
        }
    }
}

/// Counts shown in the list of runs; must agree with the units and alerts (checked on save).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub units: u32,
    pub verified: u32,
    pub not_supported: u32,
    pub inconclusive: u32,
    pub alerts: u32,
    /// Wall time of the analysis, measured by the caller.
    pub elapsed_ms: u64,
}

impl RunSummary {
    /// The summary of these units and alerts.
    pub fn tally(units: &[UnitRecord], alerts: usize, elapsed_ms: u64) -> RunSummary {
        let count = |v: Verdict| units.iter().filter(|u| u.verdict == v).count() as u32;
        RunSummary {
            units: units.len() as u32,
            verified: count(Verdict::Verified),
            not_supported: count(Verdict::NotSupported),
            inconclusive: count(Verdict::Inconclusive),
            alerts: alerts as u32,
            elapsed_ms,
        }
    }
}

/// One family unit's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub unit_id: String,
    pub verdict: Verdict,
    /// Who was presented, in presentation order (adults first, then children).
    pub members: Vec<UnitMember>,
    /// The complete `lazo_kinship::UnitReport` as JSON, for the result page; stored and
    /// returned byte for byte (never re-serialised by the store).
    pub report_json: String,
    pub reasons: Vec<String>,
    pub recommendations: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitMember {
    pub sample_id: String,
    pub role: MemberRole,
}

/// A sample's STR profile as the laboratory called it: locus names and allele calls as text
/// (`"AMEL": ["X", "Y"]`, `"TH01": ["9.3"]`, off-ladder `"OL"`), in catalogue order. Text, not
/// `lazo_genetics` types, so stored profiles outlive changes to the locus catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRecord {
    pub sample_id: String,
    pub loci: Vec<LocusCalls>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocusCalls {
    pub locus: String,
    pub alleles: Vec<String>,
}

/// A warning raised about a unit (a recycled child, a sample seen in another unit…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Must be one of the run's units.
    pub unit_id: String,
    /// A short machine-readable word, e.g. `recycled_child`.
    pub kind: String,
    pub sample_id: Option<String>,
    /// Details as a JSON value, stored byte for byte.
    pub detail_json: String,
}

/// A run in the list of runs: everything but the policy and the per-unit data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummaryRow {
    pub id: RunId,
    pub started_at: String,
    pub kind: RunKind,
    pub lazo_version: String,
    pub population: String,
    pub theta: f64,
    pub mutation: String,
    pub seed: Option<u64>,
    pub summary: RunSummary,
    /// See [`RunRecord::site`].
    #[serde(default)]
    pub site: Option<String>,
}

/// A run's header page: the summary row and the policy it was run under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: RunSummaryRow,
    pub policy_toml: String,
}

/// A unit in a run's unit list (without its report, which [`crate::VerificationStore::unit_report`]
/// returns).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRow {
    pub unit_id: String,
    pub verdict: Verdict,
    pub members: Vec<UnitMember>,
    pub reasons: Vec<String>,
    pub recommendations: Vec<String>,
    /// Number of alerts about this unit.
    pub alerts: u32,
}

impl RunRecord {
    /// The checks every backend makes before writing: a parseable timestamp, a finite θ and a
    /// summary that agrees with the units and alerts. Uniqueness (run id, unit ids, sample ids)
    /// and JSON validity are the database's to enforce, inside the transaction.
    pub fn validate(&self) -> Result<(), StoreError> {
        unix_ms_from_rfc3339(&self.started_at)?;
        if !self.theta.is_finite() {
            return Err(StoreError::Invalid(format!(
                "theta = {} is not a number",
                self.theta
            )));
        }
        let expected = RunSummary::tally(&self.units, self.alerts.len(), self.summary.elapsed_ms);
        let too_many = |n: usize| u32::try_from(n).is_err();
        if self.summary != expected || too_many(self.units.len()) || too_many(self.alerts.len()) {
            return Err(StoreError::Invalid(format!(
                "summary {:?} does not match the run's units and alerts {expected:?}",
                self.summary
            )));
        }
        if self.summary.elapsed_ms > i64::MAX as u64 {
            return Err(StoreError::Invalid("elapsed_ms out of range".into()));
        }
        if self.site.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(StoreError::Invalid("an empty site name".into()));
        }
        // Custody is about the run's own samples, as unit members; the database checks the
        // rest (each sample once).
        for c in &self.custody {
            let member = self
                .units
                .iter()
                .flat_map(|u| &u.members)
                .any(|m| m.sample_id == c.sample_id);
            if !member {
                return Err(StoreError::Invalid(format!(
                    "custody of sample {:?}, which is in none of the run's units",
                    c.sample_id
                )));
            }
        }
        Ok(())
    }

    /// The list row of this record.
    pub fn summary_row(&self) -> RunSummaryRow {
        RunSummaryRow {
            id: self.id,
            started_at: self.started_at.clone(),
            kind: self.kind,
            lazo_version: self.lazo_version.clone(),
            population: self.population.clone(),
            theta: self.theta,
            mutation: self.mutation.clone(),
            seed: self.seed,
            summary: self.summary,
            site: self.site.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for v in Verdict::ALL {
            assert_eq!(v.as_str().parse::<Verdict>().ok(), Some(*v));
        }
        for r in MemberRole::ALL {
            assert_eq!(r.as_str().parse::<MemberRole>().ok(), Some(*r));
        }
        for k in RunKind::ALL {
            assert_eq!(k.as_str().parse::<RunKind>().ok(), Some(*k));
        }
        assert!(matches!(
            "excluded".parse::<Verdict>(),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn run_id_text_round_trips() {
        let id = RunId::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let text = id.to_string();
        assert_eq!(text, "01234567-89ab-cdef-0123-456789abcdef");
        assert_eq!(text.parse::<RunId>().ok(), Some(id));
        assert!("not-a-uuid".parse::<RunId>().is_err());
        assert_ne!(RunId::random(), RunId::random());
    }
}
