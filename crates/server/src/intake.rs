//! Intake of family units in the service: the form (`/intake`, multipart with the profile
//! file) and the JSON endpoint (`POST /api/intake`). The checks, the verification and the
//! repeat-child search are `lazo-intake`'s, run on a blocking thread; this module reads the
//! request, keeps the children of every stored run in memory for the repeat-child search, saves
//! the run and audits the outcome.
//!
//! Intakes are checked and analysed side by side (the expensive part, `analyse_intake`); their
//! repeat-child searches and saves are serialised: the index of earlier children is locked from
//! the search to the moment the new run's children are added, so two intakes of the same child
//! always alert on the second, however their analyses overlapped. Before each search the index
//! catches up with the store: the runs saved since the last catch-up (by this service, another
//! process or instance) are read in saving order from a cursor, so the work does not grow with
//! the runs stored; when runs were deleted every run is listed again and the deleted ones are
//! forgotten.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use base64::Engine as _;
use lazo_intake::{
    Accepted, Analysis, ChildIndex, IntakeError, IntakeRequest, Problem, ProblemSource, Rejected,
    SampleCustody, UnitDefinition,
};
use lazo_store::{MAX_PAGE, Role, RunId, StoreError, VerificationStore};
use serde::Deserialize;

use crate::auth::{self, AnalystOrSupervisor, RoleSet, User};
use crate::error::{ApiError, RequestId};
use crate::html::{csrf_field, esc, page};
use crate::i18n::{Lang, t};
use crate::{AppState, Backend};

/// Largest upload accepted (the whole request): a day's GeneMapper export of a large centre
/// is a few megabytes.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// People rows on the form.
const FORM_ROWS: usize = 8;
/// People rows read from a submitted form at most.
const MAX_FORM_ROWS: usize = 50;

/// The intake side of the service: the analysis settings and the children of every stored run.
#[derive(Clone, Debug)]
pub struct IntakeService {
    analysis: Option<Arc<Analysis>>,
    history: Arc<tokio::sync::Mutex<History>>,
}

/// The earlier children, the stored runs that could not be indexed (tried once, logged), and
/// how far the index has caught up with the store.
#[derive(Debug, Default)]
struct History {
    children: ChildIndex,
    unreadable: HashSet<RunId>,
    /// Whether a full catch-up has been made (then `last` is where the next one starts).
    synced: bool,
    /// The cursor and id of the last run caught up with in saving order
    /// ([`VerificationStore::runs_saved_since`]); `None`: no run yet.
    last: Option<(u64, RunId)>,
}

impl History {
    /// Runs known: indexed, or tried and unreadable.
    fn known(&self) -> u64 {
        (self.children.runs() + self.unreadable.len()) as u64
    }
}

impl IntakeService {
    /// The CLI's defaults: the embedded default population and the default policy.
    pub fn with_defaults() -> IntakeService {
        let analysis = match Analysis::defaults() {
            Ok(a) => Some(Arc::new(a)),
            Err(e) => {
                tracing::error!(error = %e, "the default analysis settings do not load; intake is off");
                None
            }
        };
        IntakeService {
            analysis,
            history: Arc::default(),
        }
    }

    /// Other analysis settings (a laboratory's policy or frequency table).
    pub fn new(analysis: Analysis) -> IntakeService {
        IntakeService {
            analysis: Some(Arc::new(analysis)),
            history: Arc::default(),
        }
    }

    pub fn analysis(&self) -> Option<&Analysis> {
        self.analysis.as_deref()
    }

    /// Brings the index of earlier children up to date with `store`; returns the children
    /// indexed. Called at start-up (so the first intake does not wait) and before each intake.
    pub async fn sync<S: VerificationStore>(&self, store: &S) -> Result<usize, StoreError> {
        let mut history = self.history.lock().await;
        sync_history(store, &mut history).await?;
        Ok(history.children.children())
    }
}

/// Brings the index up to date: only the runs saved since the last catch-up, in saving order
/// (a few rows per intake however many runs are stored), unless runs were deleted or this is
/// the first time; then every stored run is listed.
async fn sync_history<S: VerificationStore>(
    store: &S,
    history: &mut History,
) -> Result<(), StoreError> {
    if history.synced && catch_up(store, history).await? {
        return Ok(());
    }
    full_sync(store, history).await
}

/// Adds the runs saved since `history.last`. `false` when that is not enough: the last run
/// seen is gone or its cursor belongs to another run now, or the store holds another number
/// of runs than the index knows (runs were deleted).
async fn catch_up<S: VerificationStore>(
    store: &S,
    history: &mut History,
) -> Result<bool, StoreError> {
    loop {
        let from = history.last.map_or(0, |(cursor, _)| cursor);
        let page = store.runs_saved_since(from, MAX_PAGE).await?;
        let full = page.runs.len() >= MAX_PAGE as usize;
        let mut runs = page.runs.into_iter();
        if let Some(last) = history.last
            && runs.next() != Some(last)
        {
            return Ok(false);
        }
        for (cursor, id) in runs {
            index_run(store, history, id).await?;
            history.last = Some((cursor, id));
        }
        if !full {
            return Ok(page.total == history.known());
        }
    }
}

/// Lists every stored run: deleted runs are forgotten, runs not yet indexed are added (oldest
/// first, so earlier presentations are listed in time order), and the cursor is set for the
/// next [`catch_up`].
async fn full_sync<S: VerificationStore>(
    store: &S,
    history: &mut History,
) -> Result<(), StoreError> {
    // The cursor first: runs saved while the rest is listed are after it, and the next
    // catch-up finds them (already indexed or not).
    let mut last = None;
    loop {
        let page = store
            .runs_saved_since(last.map_or(0, |(c, _)| c + 1), MAX_PAGE)
            .await?;
        let Some(&end) = page.runs.last() else { break };
        last = Some(end);
    }
    let mut ids = Vec::new();
    loop {
        let page = store.list_runs(MAX_PAGE, ids.len() as u64).await?;
        if page.is_empty() {
            break;
        }
        ids.extend(page.into_iter().map(|r| r.id));
    }
    // Oldest first, so earlier presentations are listed in time order.
    ids.reverse();
    let stored: HashSet<RunId> = ids.iter().copied().collect();
    let gone: Vec<RunId> = history
        .children
        .run_ids()
        .filter(|id| !stored.contains(id))
        .collect();
    for id in gone {
        history.children.remove_run(id);
    }
    history.unreadable.retain(|id| stored.contains(id));
    let mut seen = HashSet::new();
    for id in ids {
        if seen.insert(id) {
            index_run(store, history, id).await?;
        }
    }
    history.last = last;
    history.synced = true;
    Ok(())
}

/// Adds one stored run's children, unless it is indexed already or known to be unreadable.
async fn index_run<S: VerificationStore>(
    store: &S,
    history: &mut History,
    id: RunId,
) -> Result<(), StoreError> {
    if history.children.contains_run(id) || history.unreadable.contains(&id) {
        return Ok(());
    }
    let units = store.run_units(id, None).await?;
    let profiles = store.run_profiles(id).await?;
    let added = history.children.add_run(
        id,
        units
            .iter()
            .map(|u| (u.unit_id.as_str(), u.members.as_slice())),
        &profiles,
    );
    if let Err(e) = added {
        tracing::warn!(error = %e, "a stored run's children cannot be searched for repeat children");
        history.unreadable.insert(id);
    }
    Ok(())
}

/// An intake as received (form or JSON).
#[derive(Debug, Default)]
pub(crate) struct IntakeInput {
    pub file_name: String,
    pub file: Vec<u8>,
    pub units: Vec<UnitDefinition>,
    pub custody: Vec<SampleCustody>,
}

#[derive(Debug)]
pub(crate) enum Outcome {
    Saved(Box<Accepted>),
    Rejected(Rejected),
}

fn analysis_failed(e: tokio::task::JoinError) -> ApiError {
    tracing::error!(error = %e, "the intake analysis task failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the analysis failed; the error was logged",
    )
}

/// Verifies an intake, saves it when nothing is wrong, and audits either way. The LRs are
/// computed by `lazo-intake` on a blocking thread.
pub(crate) async fn run_intake<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    input: IntakeInput,
) -> Result<Outcome, ApiError> {
    if user.role == Role::FieldAgent && user.site.is_none() {
        return Err(ApiError::bad_request(
            "your account has no site: an administrator must give it one before you can make intakes",
        ));
    }
    let Some(analysis) = state.intake.analysis.clone() else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the analysis settings are unavailable; the error was logged",
        ));
    };
    let run_id = RunId::random();
    let started_at = lazo_store::rfc3339_from_unix_ms(state.clock.now_ms());
    let site = user.site.clone();
    let started = Instant::now();
    // The file is checked and its units analysed without the index: several intakes are
    // analysed side by side; only the repeat-child search and the save below take turns.
    let analysed = {
        let analysis = analysis.clone();
        tokio::task::spawn_blocking(move || {
            let request = IntakeRequest {
                run_id,
                started_at: &started_at,
                site: site.as_deref(),
                file_name: if input.file_name.is_empty() {
                    "upload"
                } else {
                    &input.file_name
                },
                file: &input.file,
                units: &input.units,
                custody: &input.custody,
            };
            lazo_intake::analyse_intake(&request, &analysis)
        })
        .await
        .map_err(analysis_failed)?
    };
    let site = user.site.clone();
    let analysed = match analysed {
        Ok(analysed) => analysed,
        // A refused intake never waits for the index.
        Err(IntakeError::Rejected(rejected)) => {
            // The count only: never a genotype, not even a refused one.
            state
                .audit(
                    &user.name,
                    "intake_rejected",
                    "intake",
                    serde_json::json!({
                        "request_id": request_id.0,
                        "site": site,
                        "errors": rejected.problems.len(),
                    }),
                )
                .await?;
            return Ok(Outcome::Rejected(rejected));
        }
        Err(e) => return Err(analysis_error(e)),
    };
    let mut history = state.intake.history.clone().lock_owned().await;
    // Runs saved while this one was analysed are searched too.
    sync_history(&state.store, &mut history).await?;
    let (mut history, finished) = tokio::task::spawn_blocking(move || {
        let finished = analysed.finish(&analysis, &history.children);
        (history, finished)
    })
    .await
    .map_err(analysis_failed)?;
    let mut accepted = finished.map_err(analysis_error)?;
    let record = &mut accepted.record;
    record.summary.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(0);
    let s = &record.summary;
    let event = state.event(
        &user.name,
        "intake_saved",
        &format!("run:{}", record.id),
        serde_json::json!({
            "request_id": request_id.0,
            "run_id": record.id,
            "site": site,
            "format": accepted.format.name(),
            "units": s.units,
            "samples": record.profiles.len(),
            "verified": s.verified,
            "not_supported": s.not_supported,
            "inconclusive": s.inconclusive,
            "alerts": s.alerts,
        }),
    );
    // The run and its `intake_saved` record in one transaction: a crash never leaves a run
    // nobody is recorded as having saved.
    state
        .store
        .save_run_audited(record, &state.key, event)
        .await?;
    if let Err(e) = history.children.add_record(record) {
        tracing::warn!(error = %e, "a saved intake's children cannot be searched");
        history.unreadable.insert(record.id);
    }
    drop(history);
    Ok(Outcome::Saved(Box::new(accepted)))
}

/// An analysis that failed for a reason other than the input (logged, not shown).
fn analysis_error(e: IntakeError) -> ApiError {
    tracing::error!(error = %e, "intake analysis failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the analysis failed; the error was logged",
    )
}

// ---- JSON ----

/// `POST /api/intake` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiIntake {
    /// The file's name (`.xml` means CMF; used in problem reports).
    #[serde(default)]
    file_name: String,
    /// The file's text…
    #[serde(default)]
    file: Option<String>,
    /// …or its bytes in base64 (any encoding the form accepts: UTF-8, UTF-16).
    #[serde(default)]
    file_base64: Option<String>,
    #[serde(default)]
    units: Vec<UnitDefinition>,
    #[serde(default)]
    custody: Vec<SampleCustody>,
}

/// POST /api/intake → 201 with the run (and, for analysts and supervisors, the verdicts and
/// repeat-child alerts), or 422 with every problem; nothing is saved on a problem.
pub async fn api_intake<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    body: Result<Json<ApiIntake>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| match e {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the intake as application/json",
        ),
        other => ApiError::bad_request(other.body_text()),
    })?;
    let file = match (body.file, body.file_base64) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "give the file as `file` (text) or `file_base64`, not both",
            ));
        }
        (Some(text), None) => text.into_bytes(),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| ApiError::bad_request(format!("file_base64: {e}")))?,
        (None, None) => Vec::new(),
    };
    let input = IntakeInput {
        file_name: body.file_name,
        file,
        units: body.units,
        custody: body.custody,
    };
    match run_intake(&state, &user, &request_id, input).await? {
        Outcome::Saved(accepted) => {
            let record = &accepted.record;
            let mut reply = serde_json::json!({
                "run_id": record.id,
                "site": record.site,
                "format": accepted.format.name(),
                "summary": record.summary,
                "warning_count": accepted.warnings.len(),
            });
            // Verdicts per unit and alerts name children, and warnings may quote allele calls
            // (a tri-allelic locus): not for field agents.
            if user.is(AnalystOrSupervisor::ROLES) {
                reply["warnings"] = serde_json::json!(accepted.warnings);
                reply["units"] = record
                    .units
                    .iter()
                    .map(|u| serde_json::json!({"unit_id": u.unit_id, "verdict": u.verdict}))
                    .collect();
                reply["alerts"] =
                    serde_json::to_value(&accepted.alerts).unwrap_or(serde_json::Value::Null);
            }
            Ok((
                StatusCode::CREATED,
                [(header::LOCATION, format!("/api/runs/{}", record.id))],
                Json(reply),
            )
                .into_response())
        }
        Outcome::Rejected(rejected) => {
            let mut reply = serde_json::json!({
                "error": {
                    "code": "intake_rejected",
                    "message": format!(
                        "{} problem(s) in the intake; nothing was saved",
                        rejected.problems.len()
                    ),
                    "request_id": request_id.0,
                },
                "problems": rejected.problems,
                "warning_count": rejected.warnings.len(),
            });
            if user.is(AnalystOrSupervisor::ROLES) {
                reply["warnings"] = serde_json::json!(rejected.warnings);
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(reply)).into_response())
        }
    }
}

// ---- the form ----

/// What was typed in the form, to show it again with the problems.
#[derive(Debug, Default)]
pub(crate) struct FormValues {
    csrf: String,
    unit_id: String,
    rows: Vec<(String, String, String)>,
    collector: String,
    collected_on: String,
    place: String,
    kit: String,
    file_name: String,
}

impl FormValues {
    fn input(&self, file: Vec<u8>) -> IntakeInput {
        let rows: Vec<&(String, String, String)> = self
            .rows
            .iter()
            .filter(|(s, r, _)| !s.trim().is_empty() || !r.trim().is_empty())
            .collect();
        let units = vec![UnitDefinition {
            unit_id: self.unit_id.clone(),
            people: rows
                .iter()
                .map(|(sample_id, role, _)| lazo_intake::Person {
                    sample_id: sample_id.clone(),
                    role: role.clone(),
                })
                .collect(),
        }];
        let custody = rows
            .iter()
            .filter(|(s, _, _)| !s.trim().is_empty())
            .map(|(sample_id, _, consent)| SampleCustody {
                sample_id: sample_id.clone(),
                collector: self.collector.clone(),
                collected_on: self.collected_on.clone(),
                place: self.place.clone(),
                consent: match consent.as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                },
                kit: self.kit.clone(),
            })
            .collect();
        IntakeInput {
            file_name: self.file_name.clone(),
            file,
            units,
            custody,
        }
    }
}

fn lang(uri: &Uri, headers: &HeaderMap) -> Lang {
    Lang::pick(uri.query(), headers)
}

/// GET /intake: the form.
pub async fn intake_form(
    Extension(user): Extension<User>,
    uri: Uri,
    headers: HeaderMap,
) -> Html<String> {
    intake_page(lang(&uri, &headers), &user, &FormValues::default(), None)
}

/// POST /intake (multipart): verify and save, then the run's page; or the form again with
/// every problem (422), nothing saved.
pub async fn intake_submit<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    uri: Uri,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    let lang = lang(&uri, &headers);
    let mut values = FormValues {
        rows: vec![Default::default(); FORM_ROWS],
        ..FormValues::default()
    };
    let mut file = Vec::new();
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(e.status(), "bad_request", e.body_text())
    };
    while let Some(field) = multipart.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            values.file_name = field.file_name().unwrap_or_default().to_string();
            file = field.bytes().await.map_err(bad_form)?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(bad_form)?;
        let row = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=MAX_FORM_ROWS).contains(n))
        };
        let mut set_row = |n: usize, column: usize| {
            if values.rows.len() < n {
                values.rows.resize(n, Default::default());
            }
            let cell = &mut values.rows[n - 1];
            match column {
                0 => cell.0 = text.clone(),
                1 => cell.1 = text.clone(),
                _ => cell.2 = text.clone(),
            }
        };
        match name.as_str() {
            "csrf" => values.csrf = text,
            "unit_id" => values.unit_id = text,
            "collector" => values.collector = text,
            "collected_on" => values.collected_on = text,
            "place" => values.place = text,
            "kit" => values.kit = text,
            _ => {
                if let Some(n) = row("sample_id_") {
                    set_row(n, 0);
                } else if let Some(n) = row("role_") {
                    set_row(n, 1);
                } else if let Some(n) = row("consent_") {
                    set_row(n, 2);
                }
            }
        }
    }
    if !auth::csrf_ok(&user.csrf, &values.csrf) {
        return Err(ApiError::csrf());
    }
    match run_intake(&state, &user, &request_id, values.input(file)).await? {
        Outcome::Saved(accepted) => {
            Ok(Redirect::to(&format!("/runs/{}", accepted.record.id)).into_response())
        }
        Outcome::Rejected(rejected) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            intake_page(lang, &user, &values, Some(&rejected)),
        )
            .into_response()),
    }
}

fn source_label(lang: Lang, source: ProblemSource) -> &'static str {
    match source {
        ProblemSource::File => t(lang, "source_file"),
        ProblemSource::Units => t(lang, "source_units"),
        ProblemSource::Custody => t(lang, "source_custody"),
    }
}

fn problems_table(lang: Lang, user: &User, rejected: &Rejected) -> String {
    let cell = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    let mut out = format!(
        r#"<div role="alert"><p><b>{}</b></p><table class="problems"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>"#,
        t(lang, "intake_rejected"),
        t(lang, "where"),
        t(lang, "line"),
        t(lang, "unit"),
        t(lang, "sample_id"),
        t(lang, "locus"),
        t(lang, "column"),
        t(lang, "problem"),
    );
    for p in &rejected.problems {
        let Problem {
            source,
            line,
            unit_id,
            sample_id,
            locus,
            column,
            message,
        } = p;
        out.push_str(&format!(
            r#"<tr class="problem"><td>{}</td><td class="line">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            source_label(lang, *source),
            line.map_or(String::new(), |l| l.to_string()),
            cell(unit_id),
            cell(sample_id),
            cell(locus),
            cell(column),
            esc(message),
        ));
    }
    out.push_str("</tbody></table></div>");
    // Warnings may quote allele calls: analysts and supervisors only.
    if !rejected.warnings.is_empty() && user.is(AnalystOrSupervisor::ROLES) {
        out.push_str(&format!("<h2>{}</h2><ul>", t(lang, "warnings")));
        for w in &rejected.warnings {
            out.push_str(&format!("<li>{}</li>", esc(w)));
        }
        out.push_str("</ul>");
    }
    out
}

fn intake_page(
    lang: Lang,
    user: &User,
    values: &FormValues,
    rejected: Option<&Rejected>,
) -> Html<String> {
    let mut body = rejected.map_or(String::new(), |r| problems_table(lang, user, r));
    let option = |value: &str, label: &str, selected: &str| {
        format!(
            r#"<option value="{value}"{}>{label}</option>"#,
            if value == selected { " selected" } else { "" }
        )
    };
    let mut rows = String::new();
    let shown = values.rows.len().max(FORM_ROWS);
    for n in 1..=shown {
        let empty = (String::new(), String::new(), String::new());
        let (sample, role, consent) = values.rows.get(n - 1).unwrap_or(&empty);
        rows.push_str(&format!(
            r#"<tr><td><input name="sample_id_{n}" value="{sample}" aria-label="{sample_label} {n}"></td><td><select name="role_{n}" aria-label="{role_label} {n}">{o0}{o1}{o2}{o3}</select></td><td><select name="consent_{n}" aria-label="{consent_label} {n}">{c0}{c1}{c2}</select></td></tr>"#,
            sample = esc(sample),
            sample_label = t(lang, "sample_id"),
            role_label = t(lang, "role"),
            consent_label = t(lang, "consent"),
            o0 = option("", "—", role),
            o1 = option("mother", t(lang, "mother"), role),
            o2 = option("father", t(lang, "father"), role),
            o3 = option("child", t(lang, "child"), role),
            c0 = option("", "—", consent),
            c1 = option("yes", t(lang, "yes"), consent),
            c2 = option("no", t(lang, "no"), consent),
        ));
    }
    let site = user.site.as_deref().map_or(String::new(), |s| {
        format!("<p>{}: <b>{}</b></p>", t(lang, "site"), esc(s))
    });
    let text = |name: &str, label: &str, value: &str, kind: &str| {
        format!(
            r#"<p><label>{label}<br><input name="{name}" type="{kind}" value="{}"></label></p>"#,
            esc(value)
        )
    };
    let again = if values.file_name.is_empty() {
        String::new()
    } else {
        format!(
            " <small>({}: {})</small>",
            t(lang, "upload_again"),
            esc(&values.file_name)
        )
    };
    body.push_str(&format!(
        r#"{site}<form method="post" action="/intake" enctype="multipart/form-data">{csrf}
{unit}
<h2>{people}</h2>
<table><thead><tr><th>{sample_h}</th><th>{role_h}</th><th>{consent_h}</th></tr></thead><tbody>{rows}</tbody></table>
<h2>{custody}</h2>
{collector}{collected_on}{place}{kit}
<p><label>{file_label}{again}<br><input name="file" type="file" accept=".csv,.tsv,.txt,.xml,text/csv,text/plain,application/xml,text/xml" required></label></p>
<p><button>{submit}</button></p></form>"#,
        csrf = csrf_field(&user.csrf),
        unit = text("unit_id", t(lang, "unit_id"), &values.unit_id, "text"),
        people = t(lang, "people"),
        sample_h = t(lang, "sample_id"),
        role_h = t(lang, "role"),
        consent_h = t(lang, "consent"),
        custody = t(lang, "custody"),
        collector = text("collector", t(lang, "collector"), &values.collector, "text"),
        collected_on = text(
            "collected_on",
            t(lang, "collected_on"),
            &values.collected_on,
            "date"
        ),
        place = text("place", t(lang, "place"), &values.place, "text"),
        kit = text("kit", t(lang, "kit"), &values.kit, "text"),
        file_label = t(lang, "profile_file"),
        submit = t(lang, "verify_and_save"),
    ));
    page(lang, t(lang, "intake"), Some(user), &body)
}
