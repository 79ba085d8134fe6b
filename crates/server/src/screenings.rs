//! 48-hour screenings: what the pages and the JSON API share. The service keeps screenings and
//! shows them; the findings and the outcome come from `lazo-screening`, never from here.
//!
//! Who may do what (the route table's role sets, then the site):
//! - field agents interview: they start screenings, save answers and complete them, and read
//!   the screenings of their own site only (another site's is answered 404, and the attempt
//!   is audited);
//! - supervisors read every site's screenings and sign completed ones, with a reason;
//! - lab analysts, auditors and admins do not see screenings (least privilege: a child's
//!   account of abuse is not a laboratory record).
//!
//! Every read of a screening and every change is appended to the audit chain before the answer
//! goes out. The audit records name the screening and the questions touched, never the child's
//! answers.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use lazo_screening::{
    Answer, Answers, ClockStatus, Decision, ESCALATION_AFTER, Instrument, Interview,
    SCREENING_DEADLINE, Screening, ScreeningClock, ScreeningError,
};
use lazo_store::{
    Completion, InstrumentRecord, NewScreening, Role, ScreeningFilter, ScreeningId,
    ScreeningRecord, ScreeningSignOff, ScreeningStatus, ScreeningSummary, StoreError,
};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::auth::User;
use crate::error::{ApiError, RequestId};
use crate::{AppState, Backend};

/// Screening settings of the service.
#[derive(Clone, Debug)]
pub struct ScreeningSettings {
    /// The instrument new screenings use (validated), and its text as loaded (kept in the store
    /// with the first screening made under it).
    pub instrument: Arc<Instrument>,
    pub instrument_toml: Arc<str>,
    /// The values of the rights sheet's placeholders (`local_help_contact`,
    /// `legal_services_contact`); the sheet is refused while one is missing.
    pub rights_contacts: BTreeMap<String, String>,
    /// The UTC offset the apprehension form proposes (minutes east of UTC); `None`: the
    /// interviewer must choose one.
    pub utc_offset_minutes: Option<i32>,
}

impl ScreeningSettings {
    /// Settings with the instrument `toml` (refused with every problem if invalid).
    pub fn new(toml: &str) -> Result<ScreeningSettings, Vec<lazo_screening::InstrumentError>> {
        Ok(ScreeningSettings {
            instrument: Arc::new(Instrument::parse(toml)?),
            instrument_toml: toml.into(),
            rights_contacts: BTreeMap::new(),
            utc_offset_minutes: None,
        })
    }
}

/// Instruments parsed from the store, by id and version (screenings are re-read often).
#[derive(Debug, Default)]
pub struct InstrumentCache(Mutex<HashMap<(String, String), Arc<Instrument>>>);

/// The most characters a supervisor's reason may have.
pub const MAX_REASON: usize = 4000;

pub(crate) fn parse_id(id: &str) -> Result<ScreeningId, ApiError> {
    id.parse().map_err(|_| ApiError::not_found("screening"))
}

pub(crate) fn target(id: ScreeningId) -> String {
    format!("screening:{id}")
}

pub(crate) fn internal(message: impl Into<String>) -> ApiError {
    let message = message.into();
    tracing::error!(%message, "screening");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "a stored screening cannot be read; the error was logged",
    )
}

/// The settings' instrument, or 503 when the service was started without a usable one.
pub(crate) fn settings<S: Backend>(state: &AppState<S>) -> Result<&ScreeningSettings, ApiError> {
    state.config.screening.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "screening is not set up on this service (no valid instrument)",
        )
    })
}

/// The instrument a stored screening was made under.
pub(crate) async fn instrument_of<S: Backend>(
    state: &AppState<S>,
    summary: &ScreeningSummary,
) -> Result<Arc<Instrument>, ApiError> {
    let key = (
        summary.instrument_id.clone(),
        summary.instrument_version.clone(),
    );
    if let Ok(cache) = state.instruments.0.lock()
        && let Some(found) = cache.get(&key)
    {
        return Ok(found.clone());
    }
    let record = state
        .store
        .instrument(&key.0, &key.1)
        .await?
        .ok_or_else(|| internal(format!("instrument {} {} is not kept", key.0, key.1)))?;
    let parsed = Instrument::parse(&record.toml)
        .map(Arc::new)
        .map_err(|e| internal(format!("kept instrument {} {}: {e:?}", key.0, key.1)))?;
    if let Ok(mut cache) = state.instruments.0.lock() {
        cache.insert(key, parsed.clone());
    }
    Ok(parsed)
}

/// Whether `user` may see this screening at all: supervisors every site, field agents their
/// own site.
pub(crate) fn may_read(user: &User, summary: &ScreeningSummary) -> bool {
    match user.role {
        Role::Supervisor => true,
        Role::FieldAgent => user.site.as_deref() == Some(summary.site.as_str()),
        _ => false,
    }
}

/// Loads a screening `user` may see, or 404 (another site's screening is not acknowledged,
/// and the attempt is audited). Not audited as a read: callers audit what they show.
pub(crate) async fn load<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    id: ScreeningId,
) -> Result<ScreeningRecord, ApiError> {
    let record = state.store.screening(id).await?;
    match record {
        Some(r) if may_read(user, &r.summary) => Ok(r),
        Some(_) => {
            state
                .audit(
                    &user.name,
                    "access_denied",
                    &target(id),
                    serde_json::json!({"request_id": request_id.0, "reason": "other_site"}),
                )
                .await?;
            Err(ApiError::not_found("screening"))
        }
        None => Err(ApiError::not_found("screening")),
    }
}

/// A screening read for display, audited (`read_screening`, with the view) before it is
/// returned.
pub(crate) async fn read<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    id: ScreeningId,
    view: &str,
) -> Result<ScreeningRecord, ApiError> {
    let record = load(state, user, request_id, id).await?;
    state
        .audit(
            &user.name,
            "read_screening",
            &target(id),
            serde_json::json!({"request_id": request_id.0, "view": view}),
        )
        .await?;
    Ok(record)
}

/// Which screenings a list shows: all, those in one status, or the escalated ones (still
/// open 36 hours or more after apprehension, overdue included), which a supervisor must act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListScope {
    All,
    Status(ScreeningStatus),
    Escalated,
}

impl ListScope {
    /// `all` (or nothing), a status name, or `escalated`.
    pub(crate) fn parse(value: Option<&str>) -> Result<ListScope, ApiError> {
        match value {
            None | Some("") | Some("all") => Ok(ListScope::All),
            Some("escalated") => Ok(ListScope::Escalated),
            Some(v) => v
                .parse()
                .map(ListScope::Status)
                .map_err(|_| ApiError::bad_request(format!("unknown status {v:?}"))),
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ListScope::All => "all",
            ListScope::Status(status) => status.as_str(),
            ListScope::Escalated => "escalated",
        }
    }
}

/// The sites `user` may see screenings of: `Some(None)` every site (a supervisor),
/// `Some(Some(site))` one, `None` none (an account without a site).
pub(crate) fn visible_sites(user: &User) -> Option<Option<String>> {
    match user.role {
        Role::Supervisor => Some(None),
        _ => user.site.clone().map(Some),
    }
}

fn filter_for(site: Option<String>, scope: ListScope, now: OffsetDateTime) -> ScreeningFilter {
    let (status, apprehended_before) = match scope {
        ListScope::All => (None, None),
        ListScope::Status(status) => (Some(status), None),
        ListScope::Escalated => (
            Some(ScreeningStatus::Draft),
            // Open at 36 hours exactly is escalated: apprehended at or before now − 36 h.
            Some(rfc3339(now - ESCALATION_AFTER + Duration::milliseconds(1))),
        ),
    };
    ScreeningFilter {
        site,
        status,
        apprehended_before,
    }
}

/// How many of the screenings `user` may see are open past 36 hours, and past 48: the
/// supervisor's (and the site's) call to act, shown on the dashboard. Counts only, not audited.
pub(crate) async fn escalated_counts<S: Backend>(
    state: &AppState<S>,
    user: &User,
) -> Result<(u64, u64), ApiError> {
    let Some(site) = visible_sites(user) else {
        return Ok((0, 0));
    };
    let now = now(state);
    let escalated = filter_for(site, ListScope::Escalated, now);
    let overdue = ScreeningFilter {
        apprehended_before: Some(rfc3339(
            now - SCREENING_DEADLINE + Duration::milliseconds(1),
        )),
        ..escalated.clone()
    };
    Ok((
        state.store.count_screenings(&escalated).await?,
        state.store.count_screenings(&overdue).await?,
    ))
}

/// The list a user may see, audited (`read_screening_list`) before it is returned: a field
/// agent's site only; a supervisor's every site.
pub(crate) async fn list<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    scope: ListScope,
    limit: u32,
    offset: u64,
) -> Result<(u64, Vec<ScreeningSummary>), ApiError> {
    let Some(site) = visible_sites(user) else {
        return Ok((0, Vec::new()));
    };
    let filter = filter_for(site, scope, now(state));
    let total = state.store.count_screenings(&filter).await?;
    let rows = state.store.list_screenings(&filter, limit, offset).await?;
    state
        .audit(
            &user.name,
            "read_screening_list",
            "screenings",
            serde_json::json!({
                "request_id": request_id.0,
                "site": filter.site,
                "status": scope.as_str(),
                "offset": offset,
                "shown": rows.len(),
            }),
        )
        .await?;
    Ok((total, rows))
}

/// The answers stored with a screening.
pub(crate) fn answers_of(record: &ScreeningRecord) -> Result<Answers, ApiError> {
    serde_json::from_str(&record.answers_json)
        .map_err(|e| internal(format!("screening {}: answers: {e}", record.summary.id)))
}

/// An RFC 3339 instant as stored, with its offset.
pub(crate) fn instant(text: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| internal(format!("instant {text:?}: {e}")))
}

pub(crate) fn now<S: Backend>(state: &AppState<S>) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(state.clock.now_ms()) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{t}"))
}

/// Where a screening stands against the 48-hour deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// Open, less than 36 hours since apprehension.
    OnTime,
    /// Open, 36 hours or more: a supervisor should act.
    Escalated,
    /// Open past 48 hours.
    Overdue,
    /// Completed within 48 hours.
    CompletedOnTime,
    /// Completed at or after 48 hours.
    CompletedLate,
}

impl DeadlineState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineState::OnTime => "on_time",
            DeadlineState::Escalated => "escalated",
            DeadlineState::Overdue => "overdue",
            DeadlineState::CompletedOnTime => "completed_on_time",
            DeadlineState::CompletedLate => "completed_late",
        }
    }

    pub fn is_late(self) -> bool {
        matches!(self, DeadlineState::Overdue | DeadlineState::CompletedLate)
    }
}

/// The deadline of one screening, now.
#[derive(Clone, Debug, Serialize)]
pub struct Deadline {
    pub due_at: String,
    pub escalate_at: String,
    pub state: DeadlineState,
    /// Seconds left (0 once overdue or completed).
    pub remaining_seconds: i64,
    #[serde(skip)]
    pub status: ClockStatus,
    #[serde(skip)]
    pub due: OffsetDateTime,
}

pub(crate) fn deadline(
    summary: &ScreeningSummary,
    now: OffsetDateTime,
) -> Result<Deadline, ApiError> {
    let apprehended = instant(&summary.apprehended_at)?;
    let clock = ScreeningClock::new(apprehended);
    let status = clock.status(now);
    let state = match &summary.completion {
        Some(c) if clock.completed_in_time(instant(&c.completed_at)?) => {
            DeadlineState::CompletedOnTime
        }
        Some(_) => DeadlineState::CompletedLate,
        None if status.overdue => DeadlineState::Overdue,
        None if status.escalated => DeadlineState::Escalated,
        None => DeadlineState::OnTime,
    };
    let due = clock.due_at();
    Ok(Deadline {
        due_at: rfc3339(due),
        escalate_at: rfc3339(clock.escalate_at()),
        state,
        remaining_seconds: if summary.completion.is_some() {
            0
        } else {
            status.remaining.whole_seconds()
        },
        status,
        due,
    })
}

/// Validation of the start form / body.
pub(crate) struct StartRequest {
    pub child_ref: String,
    pub language: String,
    /// RFC 3339 with an offset.
    pub apprehended_at: String,
}

/// Starts a screening for `user` (a field agent with a site), audited (`screening_started`).
pub(crate) async fn start<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    request: StartRequest,
) -> Result<ScreeningRecord, ApiError> {
    let settings = settings(state)?;
    let site = user.site.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "no_site",
            "your account has no site; ask an administrator to set one",
        )
    })?;
    let child_ref = request.child_ref.trim().to_string();
    if child_ref.is_empty() || child_ref.chars().count() > 64 {
        return Err(ApiError::bad_request(
            "the child's reference must have 1 to 64 characters",
        ));
    }
    let instrument = &settings.instrument;
    if !instrument.has_language(&request.language) {
        return Err(ApiError::bad_request(format!(
            "interview language {:?} is not one of the instrument's ({})",
            request.language,
            instrument.languages().join(", ")
        )));
    }
    let apprehended = OffsetDateTime::parse(
        request.apprehended_at.trim(),
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|_| {
        ApiError::bad_request(
            "the apprehension time must be a date and time with its UTC offset (RFC 3339)",
        )
    })?;
    let now = now(state);
    // A little slack for a tablet's clock; an apprehension in the future is a typing error.
    if apprehended > now + Duration::minutes(5) {
        return Err(ApiError::bad_request(
            "the apprehension time is in the future; check the date, time and UTC offset",
        ));
    }
    state
        .store
        .save_instrument(&InstrumentRecord {
            id: instrument.id().to_string(),
            version: instrument.version().to_string(),
            toml: settings.instrument_toml.to_string(),
        })
        .await
        .map_err(|e| match e {
            // An instrument file edited without a new version: say so rather than fail.
            StoreError::Conflict(message) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "instrument_conflict",
                format!("{message}; the service's --instrument needs a new version"),
            ),
            e => e.into(),
        })?;
    let id = ScreeningId::random();
    let new = NewScreening {
        id,
        child_ref: child_ref.clone(),
        site: site.clone(),
        language: request.language.clone(),
        interviewer: user.name.clone(),
        instrument_id: instrument.id().to_string(),
        instrument_version: instrument.version().to_string(),
        apprehended_at: rfc3339(apprehended),
        started_at: lazo_store::rfc3339_from_unix_ms(state.clock.now_ms()),
    };
    // The screening and its `screening_started` record in one transaction.
    let event = state.event(
        &user.name,
        "screening_started",
        &target(id),
        serde_json::json!({
            "request_id": request_id.0,
            "site": site,
            "language": request.language,
            "instrument": format!("{} {}", instrument.id(), instrument.version()),
        }),
    );
    state
        .store
        .create_screening_audited(&new, &state.key, event)
        .await?;
    state
        .store
        .screening(id)
        .await?
        .ok_or_else(|| internal(format!("screening {id} not found after it was created")))
}

/// One change to a draft's answers: `None` removes the answer.
pub(crate) type AnswerChanges = Vec<(String, Option<Answer>)>;

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "conflict", message)
}

fn not_a_draft(status: ScreeningStatus) -> ApiError {
    conflict(format!(
        "the screening is {status}: its answers can no longer change"
    ))
}

/// Problems with answers, as the API's error message and per question for the form.
#[derive(Debug, Default)]
pub(crate) struct AnswerProblems(pub Vec<(String, String)>);

impl AnswerProblems {
    pub fn into_error(self) -> ApiError {
        let text: Vec<String> = self.0.iter().map(|(_, m)| m.clone()).collect();
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_answers", text.join("; "))
    }
}

/// Checks answers against the instrument, as of the screening date `on` (dates of birth after
/// it are impossible).
pub(crate) fn check(
    instrument: &Instrument,
    changes: &AnswerChanges,
    on: time::Date,
) -> AnswerProblems {
    let given: Answers = changes
        .iter()
        .filter_map(|(q, a)| a.clone().map(|a| (q.clone(), a)))
        .collect();
    let mut problems = Vec::new();
    for (q, _) in changes {
        if instrument.question(q).is_none() {
            problems.push((
                q.clone(),
                ScreeningError::UnknownQuestion(q.clone()).to_string(),
            ));
        }
    }
    for e in instrument.check_answers(&given, on) {
        let question = match &e {
            ScreeningError::WrongType { question, .. }
            | ScreeningError::UnknownOption { question, .. }
            | ScreeningError::OutOfRange { question, .. }
            | ScreeningError::FutureDate { question, .. }
            | ScreeningError::EmptyText { question }
            | ScreeningError::Unparsable { question, .. } => question.clone(),
            ScreeningError::UnknownQuestion(_) => continue, // reported above
            _ => String::new(),
        };
        problems.push((question, e.to_string()));
    }
    AnswerProblems(problems)
}

/// Applies `changes` to a draft, re-reading once if someone saved in between (the changes are
/// per question, so applying them to the newer answers loses nothing). Audited
/// (`screening_answers_saved`, with the question ids). Returns the new revision.
pub(crate) async fn save_answers<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    id: ScreeningId,
    expected_revision: Option<u64>,
    changes: AnswerChanges,
) -> Result<u64, ApiError> {
    for attempt in 0..2 {
        let record = load(state, user, request_id, id).await?;
        let summary = &record.summary;
        if summary.status != ScreeningStatus::Draft {
            return Err(not_a_draft(summary.status));
        }
        if let Some(expected) = expected_revision
            && expected != summary.revision
        {
            return Err(conflict(format!(
                "the answers were saved by someone else since revision {expected} (now {}); read them again",
                summary.revision
            )));
        }
        let mut answers = answers_of(&record)?;
        for (q, a) in &changes {
            match a {
                Some(a) => answers.insert(q.clone(), a.clone()),
                None => answers.remove(q),
            };
        }
        let json =
            serde_json::to_string(&answers).map_err(|e| internal(format!("answers: {e}")))?;
        let at = lazo_store::rfc3339_from_unix_ms(state.clock.now_ms());
        // The answers and their `screening_answers_saved` record in one transaction.
        let event = |revision: u64| {
            state.event(
                &user.name,
                "screening_answers_saved",
                &target(id),
                serde_json::json!({
                    "request_id": request_id.0,
                    "revision": revision,
                    "questions": changes.iter().map(|(q, _)| q).collect::<Vec<_>>(),
                }),
            )
        };
        match state
            .store
            .save_answers_audited(id, summary.revision, &json, &at, &state.key, event)
            .await
        {
            Ok(Some((revision, _record))) => return Ok(revision),
            Ok(None) => return Err(ApiError::not_found("screening")),
            Err(StoreError::Conflict(_)) if attempt == 0 && expected_revision.is_none() => {
                continue;
            }
            Err(StoreError::Conflict(m)) => return Err(conflict(m)),
            Err(e) => return Err(e.into()),
        }
    }
    Err(conflict("the answers kept changing; try again"))
}

/// The interview of a stored screening, for the engine. `completed_at`: the completion time
/// (stored, or now when completing).
pub(crate) fn interview(
    record: &ScreeningRecord,
    completed_at: OffsetDateTime,
) -> Result<Interview, ApiError> {
    Ok(Interview {
        site: record.summary.site.clone(),
        language: record.summary.language.clone(),
        apprehended_at: instant(&record.summary.apprehended_at)?,
        completed_at,
        answers: answers_of(record)?,
    })
}

/// Completes a draft: the engine evaluates the answers (every problem listed, nothing saved
/// if there is one), then answers and decision are frozen together. Audited
/// (`screening_completed`).
pub(crate) async fn complete<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    id: ScreeningId,
) -> Result<Screening, ApiError> {
    let record = load(state, user, request_id, id).await?;
    if record.summary.status != ScreeningStatus::Draft {
        return Err(not_a_draft(record.summary.status));
    }
    let instrument = instrument_of(state, &record.summary).await?;
    let apprehended = instant(&record.summary.apprehended_at)?;
    // The site's own date (ages are computed on it): now, at the apprehension's offset.
    let completed_at = now(state).to_offset(apprehended.offset());
    let screening =
        Screening::complete(&instrument, interview(&record, completed_at)?).map_err(|errors| {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_answers", text.join("; "))
        })?;
    let decision_json = serde_json::to_string(screening.decision())
        .map_err(|e| internal(format!("decision: {e}")))?;
    let outcome = outcome_name(screening.decision());
    let completion = Completion {
        completed_at: rfc3339(completed_at),
        completed_by: user.name.clone(),
        answers_json: record.answers_json.clone(),
        decision_json,
        outcome: outcome.clone(),
    };
    // Answers, decision and the `screening_completed` record in one transaction.
    let event = state.event(
        &user.name,
        "screening_completed",
        &target(id),
        serde_json::json!({
            "request_id": request_id.0,
            "outcome": outcome,
            "completed_in_time": screening.completed_in_time(),
        }),
    );
    match state
        .store
        .complete_screening_audited(id, record.summary.revision, &completion, &state.key, event)
        .await
    {
        Ok(Some(_record)) => {}
        Ok(None) => return Err(ApiError::not_found("screening")),
        Err(StoreError::Conflict(m)) => {
            return Err(conflict(format!(
                "{m}: the answers changed while completing; review them and complete again"
            )));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(screening)
}

/// The outcome's name, as the engine writes it (`trafficking_referral`, …).
pub(crate) fn outcome_name(decision: &Decision) -> String {
    serde_json::to_value(&decision.outcome)
        .ok()
        .and_then(|v| v["outcome"].as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// A completed (or signed) screening evaluated again from its stored answers, under its own
/// instrument and completion time, with whether the result still matches the decision stored
/// (and signed). The engine is deterministic, so a mismatch means a different engine version
/// reads the answers differently: the stored decision stands, and the page says so.
pub(crate) struct Evaluated {
    pub screening: Screening,
    pub matches_stored: bool,
}

pub(crate) fn evaluate(
    instrument: &Instrument,
    record: &ScreeningRecord,
) -> Result<Evaluated, ApiError> {
    let completion = record
        .summary
        .completion
        .as_ref()
        .ok_or_else(|| conflict("the screening is not completed yet"))?;
    let completed_at = instant(&completion.completed_at)?;
    let screening = Screening::complete(instrument, interview(record, completed_at)?)
        .map_err(|e| internal(format!("stored answers no longer evaluate: {e:?}")))?;
    let again = serde_json::to_value(screening.decision()).ok();
    let stored = record
        .decision_json
        .as_deref()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok());
    Ok(Evaluated {
        matches_stored: again.is_some() && again == stored,
        screening,
    })
}

/// A supervisor signs a completed screening. Audited (`screening_signed`).
pub(crate) async fn sign<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    id: ScreeningId,
    reason: &str,
) -> Result<(), ApiError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request(
            "a signature needs a reason: what you checked and why you sign",
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(ApiError::bad_request(format!(
            "the reason is longer than {MAX_REASON} characters"
        )));
    }
    let record = load(state, user, request_id, id).await?;
    if record.summary.status != ScreeningStatus::Completed {
        return Err(conflict(format!(
            "the screening is {}; only a completed screening can be signed, once",
            record.summary.status
        )));
    }
    let sign_off = ScreeningSignOff {
        signed_by: user.name.clone(),
        signed_at: lazo_store::rfc3339_from_unix_ms(state.clock.now_ms()),
        reason: reason.to_string(),
    };
    // The signature and its `screening_signed` record in one transaction.
    let event = state.event(
        &user.name,
        "screening_signed",
        &target(id),
        serde_json::json!({"request_id": request_id.0}),
    );
    match state
        .store
        .sign_screening_audited(id, &sign_off, &state.key, event)
        .await
    {
        Ok(Some(_record)) => Ok(()),
        Ok(None) => Err(ApiError::not_found("screening")),
        Err(StoreError::Conflict(m)) => Err(conflict(m)),
        Err(e) => Err(e.into()),
    }
}

/// The required questions still unanswered (declined counts as answered here: the child's
/// choice is recorded; the engine still treats it as open).
pub(crate) fn unanswered_required<'a>(
    instrument: &'a Instrument,
    answers: &Answers,
) -> Vec<&'a lazo_screening::Question> {
    instrument
        .questions()
        .filter(|q| q.is_required(answers) && answers.get(&q.id).is_none())
        .collect()
}
