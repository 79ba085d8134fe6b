//! One intake, from the uploaded bytes to a run record ready to save: the profile file read in
//! whichever format it is, the unit definitions and chain-of-custody fields checked against it,
//! every problem reported at once (nothing is analysed when there is one), then every unit
//! verified and every child checked for an earlier presentation.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use lazo_formats::{FileProblem, ProfileFormat, ProfileSet};
use lazo_genetics::Profile;
use lazo_kinship::{FamilyUnit, UnitReport};
use lazo_store::{CustodyRecord, RunId, RunKind, RunRecord};
use serde::{Deserialize, Serialize};

use crate::ChildIndex;
use crate::alerts::{RepeatChild, repeat_children_with_history};
use crate::analysis::{Analysis, AnalysisError, analyse_all};
use crate::record::{RecordError, RunInput, run_record};

/// Longest unit or sample id accepted from the unit definitions, in characters.
pub const MAX_ID_CHARS: usize = 100;
/// Longest chain-of-custody text field, in characters.
pub const MAX_FIELD_CHARS: usize = 200;

/// A person of a unit as entered: the sample id on the tube and the claimed role (`mother`,
/// `father` or `child`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub sample_id: String,
    pub role: String,
}

/// A family unit as entered: every adult claims to be the parent of every child.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitDefinition {
    pub unit_id: String,
    pub people: Vec<Person>,
}

/// Chain of custody of one sample.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleCustody {
    pub sample_id: String,
    /// Who took the sample.
    #[serde(default)]
    pub collector: String,
    /// When, `YYYY-MM-DD`.
    #[serde(default)]
    pub collected_on: String,
    /// Where (processing centre, port of entry…).
    #[serde(default)]
    pub place: String,
    /// Whether informed consent was given (by a guardian for a child); absent = not recorded.
    #[serde(default)]
    pub consent: Option<bool>,
    /// The collection kit or typing instrument.
    #[serde(default)]
    pub kit: String,
}

/// An intake to verify.
#[derive(Clone, Copy, Debug)]
pub struct IntakeRequest<'a> {
    /// The new run's id (the caller draws it: this crate reads no randomness).
    pub run_id: RunId,
    /// When the intake started, RFC 3339 (the caller's clock).
    pub started_at: &'a str,
    /// The site of the account making the intake.
    pub site: Option<&'a str>,
    /// The uploaded file's name (for errors, and `.xml` means CMF).
    pub file_name: &'a str,
    /// The uploaded file's bytes.
    pub file: &'a [u8],
    pub units: &'a [UnitDefinition],
    pub custody: &'a [SampleCustody],
}

/// Where a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemSource {
    /// The uploaded profile file (`line` is the file's line).
    File,
    /// The unit definitions.
    Units,
    /// The chain-of-custody fields.
    Custody,
}

/// One reason an intake is refused, located as precisely as known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub source: ProblemSource,
    /// The 1-based line of the uploaded file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locus: Option<String>,
    /// The file's column (or CMF element), or the form field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

impl Problem {
    fn new(source: ProblemSource, message: impl Into<String>) -> Problem {
        Problem {
            source,
            line: None,
            unit_id: None,
            sample_id: None,
            locus: None,
            column: None,
            message: message.into(),
        }
    }

    fn unit(mut self, unit_id: &str) -> Problem {
        self.unit_id = Some(unit_id.to_string()).filter(|u| !u.is_empty());
        self
    }

    fn sample(mut self, sample_id: &str) -> Problem {
        self.sample_id = Some(sample_id.to_string()).filter(|s| !s.is_empty());
        self
    }

    fn column(mut self, column: &str) -> Problem {
        self.column = Some(column.to_string());
        self
    }

    fn from_file(p: FileProblem) -> Problem {
        Problem {
            source: ProblemSource::File,
            line: p.line(),
            unit_id: None,
            sample_id: p.sample.clone(),
            locus: p.locus.clone(),
            column: p.column.clone(),
            message: p.message(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut at = Vec::new();
        if let Some(line) = self.line {
            at.push(format!("line {line}"));
        }
        if let Some(u) = &self.unit_id {
            at.push(format!("unit {u}"));
        }
        if let Some(s) = &self.sample_id {
            at.push(format!("sample {s}"));
        }
        if let Some(l) = &self.locus {
            at.push(format!("locus {l}"));
        }
        if let Some(c) = &self.column {
            at.push(format!("{c:?}"));
        }
        if at.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", at.join(", "), self.message)
        }
    }
}

/// An intake refused: every problem, and the warnings that would have come with it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected {
    /// The file's format, when it could be read as text.
    pub format: Option<ProfileFormat>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<String>,
}

/// An intake verified: the record to save, with what went into it.
#[derive(Clone, Debug)]
pub struct Accepted {
    /// Kind `intake`, with the site, custody and repeat-child alerts. Its `elapsed_ms` is 0:
    /// the caller measures the time and sets `record.summary.elapsed_ms`.
    pub record: RunRecord,
    pub reports: Vec<UnitReport>,
    /// Repeat-child alerts by unit id (also in `record.alerts`).
    pub alerts: BTreeMap<String, Vec<RepeatChild>>,
    pub format: ProfileFormat,
    /// Things kept but worth a look (tri-allelic loci, samples in the file that no unit
    /// names and that are therefore not stored…).
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The input is refused; nothing was analysed.
    #[error("intake refused: {} problem(s), the first: {}", .0.problems.len(), .0.problems.first().map_or(String::new(), ToString::to_string))]
    Rejected(Rejected),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("repeat-child search: {0}")]
    Index(#[from] lazo_index::IndexError),
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// A unit's people after checking, by role.
struct CheckedUnit<'a> {
    id: &'a str,
    mother: Option<&'a str>,
    father: Option<&'a str>,
    children: Vec<&'a str>,
}

/// A unit's sample ids by role, owned, once every check passed.
#[derive(Clone, Debug)]
struct UnitSamples {
    id: String,
    mother: Option<String>,
    father: Option<String>,
    children: Vec<String>,
}

impl From<&CheckedUnit<'_>> for UnitSamples {
    fn from(u: &CheckedUnit<'_>) -> UnitSamples {
        UnitSamples {
            id: u.id.to_string(),
            mother: u.mother.map(str::to_string),
            father: u.father.map(str::to_string),
            children: u.children.iter().map(|c| c.to_string()).collect(),
        }
    }
}

/// An intake checked and analysed, not yet searched against earlier children: the expensive
/// part, which needs no lock. [`Analysed::finish`] adds the repeat-child search against the
/// index as it is when the caller holds it, so intakes can be analysed side by side and only
/// their searches and saves take turns.
#[derive(Debug)]
pub struct Analysed {
    run_id: RunId,
    started_at: String,
    site: Option<String>,
    profiles: ProfileSet,
    units: Vec<UnitSamples>,
    reports: Vec<UnitReport>,
    /// Only the unit members' profiles: a file may carry other people's.
    stored: Vec<Profile>,
    custody: Vec<CustodyRecord>,
    format: ProfileFormat,
    warnings: Vec<String>,
}

/// Verifies an intake: reads the file, checks everything, and only when nothing is wrong
/// analyses every unit and searches every child in this intake and in `history`. The same as
/// [`analyse_intake`] then [`Analysed::finish`].
pub fn verify_intake(
    request: &IntakeRequest<'_>,
    analysis: &Analysis,
    history: &ChildIndex,
) -> Result<Accepted, IntakeError> {
    analyse_intake(request, analysis)?.finish(analysis, history)
}

/// Reads the file, checks everything and, only when nothing is wrong, analyses every unit.
/// Every problem is in the [`IntakeError::Rejected`]; nothing is analysed then.
pub fn analyse_intake(
    request: &IntakeRequest<'_>,
    analysis: &Analysis,
) -> Result<Analysed, IntakeError> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();

    let text = match lazo_formats::decode_upload(request.file, request.file_name) {
        Ok(text) => Some(text),
        Err(file_problems) => {
            problems.extend(file_problems.into_iter().map(Problem::from_file));
            None
        }
    };
    let read = text
        .as_deref()
        .map(|t| lazo_formats::read_profile_file_all(t, request.file_name));
    let format = read.as_ref().map(|r| r.format);
    if let Some(read) = &read {
        problems.extend(read.problems.iter().cloned().map(Problem::from_file));
        warnings.extend(read.profiles.warnings().iter().map(ToString::to_string));
    }
    // Sample ids can be checked against the file when it was read, even with problems, as
    // long as something was read at all.
    let known_samples = read
        .as_ref()
        .filter(|r| r.is_ok() || !r.profiles.is_empty())
        .map(|r| &r.profiles);

    let units = check_units(
        request.units,
        known_samples,
        request.file_name,
        &mut problems,
    );
    check_custody(request, &units, &mut problems);

    let (Some(read), Some(format), true) = (read, format, problems.is_empty()) else {
        return Err(IntakeError::Rejected(Rejected {
            format,
            problems,
            warnings,
        }));
    };

    let profiles = &read.profiles;
    let used: HashSet<&str> = units
        .iter()
        .flat_map(|u| u.mother.iter().chain(&u.father).chain(&u.children))
        .copied()
        .collect();
    for id in profiles.sample_ids().filter(|id| !used.contains(id)) {
        warnings.push(format!(
            "sample {id} is in the file but in no unit: not analysed and not stored"
        ));
    }
    let owned: Vec<UnitSamples> = units.iter().map(UnitSamples::from).collect();
    let model = analysis.model();
    let reports = analyse_all(
        &family_units(&owned, profiles),
        &model,
        analysis.policy(),
        &|| {},
    )?;
    let stored: Vec<Profile> = profiles
        .profiles()
        .iter()
        .filter(|p| used.contains(p.sample_id.as_str()))
        .cloned()
        .collect();
    let custody = custody_records(request.custody, &units);
    Ok(Analysed {
        run_id: request.run_id,
        started_at: request.started_at.to_string(),
        site: request.site.map(str::to_string),
        profiles: read.profiles,
        units: owned,
        reports,
        stored,
        custody,
        format,
        warnings,
    })
}

impl Analysed {
    /// Searches every child of this intake in this intake and in `history` (the index of
    /// earlier children, as the caller holds it now) and makes the run record.
    pub fn finish(
        self,
        analysis: &Analysis,
        history: &ChildIndex,
    ) -> Result<Accepted, IntakeError> {
        let family_units = family_units(&self.units, &self.profiles);
        let alerts = repeat_children_with_history(&family_units, analysis.table(), Some(history))?;
        let record = run_record(RunInput {
            id: self.run_id,
            started_at: self.started_at,
            kind: RunKind::Intake,
            settings: analysis.settings(),
            seed: None,
            units: &family_units,
            reports: &self.reports,
            profiles: &self.stored,
            alerts: &alerts,
            elapsed_ms: 0,
            site: self.site,
            custody: self.custody,
        })?;
        Ok(Accepted {
            record,
            reports: self.reports,
            alerts,
            format: self.format,
            warnings: self.warnings,
        })
    }
}

fn family_units<'p>(units: &[UnitSamples], profiles: &'p ProfileSet) -> Vec<FamilyUnit<'p>> {
    // Every id was checked against the file; `filter_map` only keeps the types honest.
    units
        .iter()
        .map(|u| FamilyUnit {
            id: u.id.clone(),
            mother: u.mother.as_deref().and_then(|s| profiles.get(s)),
            father: u.father.as_deref().and_then(|s| profiles.get(s)),
            children: u.children.iter().filter_map(|s| profiles.get(s)).collect(),
        })
        .collect()
}

fn role_word(text: &str) -> Option<&'static str> {
    match text.trim().to_ascii_lowercase().as_str() {
        "mother" => Some("mother"),
        "father" => Some("father"),
        "child" => Some("child"),
        _ => None,
    }
}

/// Checks the unit definitions; returns the units as far as they make sense.
fn check_units<'a>(
    definitions: &'a [UnitDefinition],
    known: Option<&ProfileSet>,
    file_name: &str,
    problems: &mut Vec<Problem>,
) -> Vec<CheckedUnit<'a>> {
    let units_problem = |m: String| Problem::new(ProblemSource::Units, m);
    if definitions.is_empty() {
        problems.push(units_problem("no family unit was given".into()));
    }
    let mut unit_ids: HashSet<&str> = HashSet::new();
    // Where each sample id was first used, to name both places when it comes again.
    let mut sample_units: HashMap<&str, &str> = HashMap::new();
    let mut checked = Vec::new();
    for def in definitions {
        let unit_id = def.unit_id.trim();
        if unit_id.is_empty() {
            problems.push(units_problem("a unit has no unit id".into()).column("unit_id"));
        } else if unit_id.chars().count() > MAX_ID_CHARS {
            problems.push(
                units_problem(format!("unit id longer than {MAX_ID_CHARS} characters"))
                    .unit(unit_id)
                    .column("unit_id"),
            );
        } else if !unit_ids.insert(unit_id) {
            problems.push(
                units_problem(format!("unit id {unit_id} is given twice"))
                    .unit(unit_id)
                    .column("unit_id"),
            );
        }
        let mut unit = CheckedUnit {
            id: unit_id,
            mother: None,
            father: None,
            children: Vec::new(),
        };
        for (n, person) in def.people.iter().enumerate() {
            let sample = person.sample_id.trim();
            let role_text = person.role.trim();
            if sample.is_empty() && role_text.is_empty() {
                continue; // an empty row of the form
            }
            let person_no = n + 1;
            if sample.is_empty() {
                problems.push(
                    units_problem(format!("person {person_no} has no sample id"))
                        .unit(unit_id)
                        .column("sample_id"),
                );
                continue;
            }
            if sample.chars().count() > MAX_ID_CHARS {
                problems.push(
                    units_problem(format!("sample id longer than {MAX_ID_CHARS} characters"))
                        .unit(unit_id)
                        .column("sample_id"),
                );
                continue;
            }
            if let Some(first) = sample_units.get(sample) {
                let where_first = if *first == unit_id {
                    "earlier in this unit".to_string()
                } else {
                    format!("already in unit {first}")
                };
                problems.push(
                    units_problem(format!(
                        "sample {sample} is used twice ({where_first}): one tube, one person, one role"
                    ))
                    .unit(unit_id)
                    .sample(sample)
                    .column("sample_id"),
                );
                continue;
            }
            sample_units.insert(sample, unit_id);
            if let Some(known) = known
                && known.get(sample).is_none()
            {
                problems.push(
                    units_problem(format!(
                        "sample {sample} is not in the uploaded file {file_name}"
                    ))
                    .unit(unit_id)
                    .sample(sample)
                    .column("sample_id"),
                );
            }
            let Some(role) = role_word(role_text) else {
                let message = if role_text.is_empty() {
                    "no role given (mother, father or child)".to_string()
                } else {
                    format!("unknown role {role_text:?} (expected mother, father or child)")
                };
                problems.push(
                    units_problem(message)
                        .unit(unit_id)
                        .sample(sample)
                        .column("role"),
                );
                continue;
            };
            let slot = match role {
                "mother" => &mut unit.mother,
                "father" => &mut unit.father,
                _ => {
                    unit.children.push(sample);
                    continue;
                }
            };
            if let Some(other) = slot {
                problems.push(
                    units_problem(format!(
                        "the unit already has a {role} ({other}); a unit has at most one mother and one father"
                    ))
                    .unit(unit_id)
                    .sample(sample)
                    .column("role"),
                );
            } else {
                *slot = Some(sample);
            }
        }
        if unit.children.is_empty() {
            problems.push(
                units_problem("the unit has no child".into())
                    .unit(unit_id)
                    .column("role"),
            );
        }
        if unit.mother.is_none() && unit.father.is_none() {
            problems.push(
                units_problem("the unit has no mother or father: nothing to verify".into())
                    .unit(unit_id)
                    .column("role"),
            );
        }
        checked.push(unit);
    }
    checked
}

/// The members of the checked units, in unit order (adults first), each once.
fn members<'a>(units: &'a [CheckedUnit<'a>]) -> Vec<(&'a str, &'a str)> {
    units
        .iter()
        .flat_map(|u| {
            u.mother
                .iter()
                .chain(&u.father)
                .chain(&u.children)
                .map(move |s| (u.id, *s))
        })
        .collect()
}

fn check_custody(
    request: &IntakeRequest<'_>,
    units: &[CheckedUnit<'_>],
    problems: &mut Vec<Problem>,
) {
    let custody_problem = |m: String| Problem::new(ProblemSource::Custody, m);
    let mut by_sample: HashMap<&str, &SampleCustody> = HashMap::new();
    for c in request.custody {
        let sample = c.sample_id.trim();
        if by_sample.insert(sample, c).is_some() {
            problems.push(
                custody_problem(format!("custody of sample {sample} is given twice"))
                    .sample(sample)
                    .column("sample_id"),
            );
        }
    }
    let members = members(units);
    // Every sample id the definitions name, even in a row refused for another reason (that
    // row already has its problem).
    let listed: HashSet<&str> = request
        .units
        .iter()
        .flat_map(|u| &u.people)
        .map(|p| p.sample_id.trim())
        .collect();
    for sample in by_sample.keys().filter(|s| !listed.contains(*s)) {
        problems.push(
            custody_problem(format!(
                "custody is given for sample {sample}, which no unit lists"
            ))
            .sample(sample)
            .column("sample_id"),
        );
    }
    let started = intake_date(request.started_at);
    for (unit_id, sample) in members {
        let Some(c) = by_sample.get(sample) else {
            problems.push(
                custody_problem("no chain-of-custody record for this sample".into())
                    .unit(unit_id)
                    .sample(sample),
            );
            continue;
        };
        let at = |field: &str, message: String| {
            custody_problem(message)
                .unit(unit_id)
                .sample(sample)
                .column(field)
        };
        for (field, value, what) in [
            ("collector", &c.collector, "who collected the sample"),
            ("place", &c.place, "where the sample was collected"),
            ("kit", &c.kit, "the collection kit or instrument"),
        ] {
            let value = value.trim();
            if value.is_empty() {
                problems.push(at(field, format!("missing: {what}")));
            } else if value.chars().count() > MAX_FIELD_CHARS {
                problems.push(at(
                    field,
                    format!("longer than {MAX_FIELD_CHARS} characters"),
                ));
            }
        }
        let date_text = c.collected_on.trim();
        if date_text.is_empty() {
            problems.push(at("collected_on", "missing: the date of collection".into()));
        } else {
            match parse_date(date_text) {
                None => problems.push(at(
                    "collected_on",
                    format!("{date_text:?} is not a date (YYYY-MM-DD)"),
                )),
                // One day of slack: the intake's instant is UTC, the date a local one.
                Some(date) if started.is_some_and(|s| Some(date) > s.next_day()) => {
                    problems.push(at(
                        "collected_on",
                        format!("{date_text} is after the intake date"),
                    ));
                }
                Some(_) => {}
            }
        }
        match c.consent {
            Some(true) => {}
            Some(false) => problems.push(at(
                "consent",
                "consent was not given: the sample cannot be analysed".into(),
            )),
            None => problems.push(at("consent", "consent is not recorded".into())),
        }
    }
}

fn parse_date(text: &str) -> Option<time::Date> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// The UTC date of the intake's start.
fn intake_date(started_at: &str) -> Option<time::Date> {
    let ms = lazo_store::unix_ms_from_rfc3339(started_at).ok()?;
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .map(|t| t.date())
}

/// The custody records of the units' members, in unit order (checked: all present).
fn custody_records(custody: &[SampleCustody], units: &[CheckedUnit<'_>]) -> Vec<CustodyRecord> {
    let by_sample: HashMap<&str, &SampleCustody> =
        custody.iter().map(|c| (c.sample_id.trim(), c)).collect();
    members(units)
        .into_iter()
        .filter_map(|(_, sample)| {
            let c = by_sample.get(sample)?;
            Some(CustodyRecord {
                sample_id: sample.to_string(),
                collector: c.collector.trim().to_string(),
                collected_on: c.collected_on.trim().to_string(),
                place: c.place.trim().to_string(),
                consent: c.consent == Some(true),
                kit: c.kit.trim().to_string(),
            })
        })
        .collect()
}
