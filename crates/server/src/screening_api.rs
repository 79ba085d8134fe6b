//! The screening JSON API: the same operations as the pages, the same access rules and audit
//! records, and the project's error body. Answers use the engine's JSON forms:
//! `{"yes_no": "yes"}`, `{"choice": "parent"}`, `{"number": 15}`, `{"date": "2010-04-30"}`,
//! `{"text": "…"}` or `"declined"`; `null` removes an answer.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use lazo_screening::Answer;
use lazo_store::{MAX_PAGE, ScreeningRecord, ScreeningStatus};
use serde::Deserialize;

use crate::auth::User;
use crate::error::{ApiError, RequestId};
use crate::screenings as s;
use crate::{AppState, Backend};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
    #[serde(default)]
    offset: u64,
}

/// GET /api/screenings?status&limit&offset → `{"total", "limit", "offset", "screenings":
/// [{…summary, "deadline": {"due_at", "escalate_at", "state", "remaining_seconds"}}]}`.
pub async fn list<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let scope = s::ListScope::parse(q.status.as_deref())?;
    let limit = q.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let (total, rows) = s::list(&state, &user, &request_id, scope, limit, q.offset).await?;
    let now = s::now(&state);
    let mut items = Vec::new();
    for row in &rows {
        let mut item = serde_json::to_value(row).unwrap_or_default();
        item["deadline"] = serde_json::to_value(s::deadline(row, now)?).unwrap_or_default();
        items.push(item);
    }
    Ok(Json(serde_json::json!({
        "total": total, "limit": limit, "offset": q.offset, "screenings": items,
    }))
    .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StartBody {
    /// The agency's reference for the child (1–64 characters; not the name).
    child_ref: String,
    /// One of the instrument's languages (`es`, `en`).
    language: String,
    /// RFC 3339 with its offset, e.g. `2026-11-23T08:15:00-06:00`.
    apprehended_at: String,
}

/// The full JSON of a screening: the summary, the answers, the decision stored at completion
/// (byte for byte), the deadline, and for a draft the required questions still unanswered.
fn screening_json(
    record: &ScreeningRecord,
    instrument: &lazo_screening::Instrument,
    now: time::OffsetDateTime,
) -> Result<String, ApiError> {
    let summary = serde_json::to_string(&record.summary).unwrap_or_else(|_| "null".into());
    let deadline = serde_json::to_string(&s::deadline(&record.summary, now)?)
        .unwrap_or_else(|_| "null".into());
    let missing: Vec<String> = if record.summary.status == ScreeningStatus::Draft {
        let answers = s::answers_of(record)?;
        s::unanswered_required(instrument, &answers)
            .iter()
            .map(|q| q.id.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(format!(
        r#"{{"screening":{summary},"deadline":{deadline},"answers":{answers},"decision":{decision},"missing_required":{missing}}}"#,
        answers = record.answers_json,
        decision = record.decision_json.as_deref().unwrap_or("null"),
        missing = serde_json::to_string(&missing).unwrap_or_else(|_| "[]".into()),
    ))
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// POST /api/screenings `{"child_ref", "language", "apprehended_at"}` → 201 and the screening.
pub async fn start<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Json(body): Json<StartBody>,
) -> Result<Response, ApiError> {
    let record = s::start(
        &state,
        &user,
        &request_id,
        s::StartRequest {
            child_ref: body.child_ref,
            language: body.language,
            apprehended_at: body.apprehended_at,
        },
    )
    .await?;
    let instrument = s::instrument_of(&state, &record.summary).await?;
    Ok(json_response(
        StatusCode::CREATED,
        screening_json(&record, &instrument, s::now(&state))?,
    ))
}

/// GET /api/screenings/{screening} → the screening. Audited.
pub async fn read<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = s::parse_id(&id)?;
    let record = s::read(&state, &user, &request_id, id, "api").await?;
    let instrument = s::instrument_of(&state, &record.summary).await?;
    Ok(json_response(
        StatusCode::OK,
        screening_json(&record, &instrument, s::now(&state))?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswersBody {
    /// By question id: `{"yes_no": "yes"}`, `{"choice": "parent"}`, `{"number": 15}`,
    /// `{"date": "2010-04-30"}`, `{"text": "…"}`, `"declined"`, or `null` to remove.
    #[schema(value_type = Object)]
    answers: BTreeMap<String, Option<Answer>>,
    /// The revision the client read: when given, a save by someone else since is a 409.
    revision: Option<u64>,
}

/// PATCH /api/screenings/{screening}/answers `{"answers": {"q_id": answer | null}, "revision"?}`
/// → `{"revision"}`. All or nothing: any answer that does not fit the instrument refuses the
/// whole body (400, every problem named).
pub async fn answers<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    Json(body): Json<AnswersBody>,
) -> Result<Response, ApiError> {
    let id = s::parse_id(&id)?;
    let record = s::load(&state, &user, &request_id, id).await?;
    let instrument = s::instrument_of(&state, &record.summary).await?;
    let changes: s::AnswerChanges = body.answers.into_iter().collect();
    let today = s::now(&state)
        .to_offset(s::instant(&record.summary.apprehended_at)?.offset())
        .date();
    let problems = s::check(&instrument, &changes, today);
    if !problems.0.is_empty() {
        return Err(problems.into_error());
    }
    let revision = s::save_answers(&state, &user, &request_id, id, body.revision, changes).await?;
    Ok(Json(serde_json::json!({ "revision": revision })).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CompleteBody {
    /// Must be `true`: completing locks the answers.
    confirm: bool,
}

/// POST /api/screenings/{screening}/complete `{"confirm": true}` → the screening with its
/// decision.
pub async fn complete<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    Json(body): Json<CompleteBody>,
) -> Result<Response, ApiError> {
    if !body.confirm {
        return Err(ApiError::bad_request(
            "completing locks the answers: send {\"confirm\": true}",
        ));
    }
    let id = s::parse_id(&id)?;
    s::complete(&state, &user, &request_id, id).await?;
    let record = s::read(&state, &user, &request_id, id, "api").await?;
    let instrument = s::instrument_of(&state, &record.summary).await?;
    Ok(json_response(
        StatusCode::OK,
        screening_json(&record, &instrument, s::now(&state))?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignBody {
    /// What the supervisor checked, and why they sign (required).
    reason: String,
}

/// The JSON bodies of this module, for the OpenAPI document.
pub(crate) fn schemas() -> Vec<(
    String,
    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
)> {
    use utoipa::{PartialSchema, ToSchema};
    vec![
        (StartBody::name().into_owned(), StartBody::schema()),
        (AnswersBody::name().into_owned(), AnswersBody::schema()),
        (CompleteBody::name().into_owned(), CompleteBody::schema()),
        (SignBody::name().into_owned(), SignBody::schema()),
    ]
}

/// POST /api/screenings/{screening}/sign `{"reason"}` → the signed screening.
pub async fn sign<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    Json(body): Json<SignBody>,
) -> Result<Response, ApiError> {
    let id = s::parse_id(&id)?;
    s::sign(&state, &user, &request_id, id, &body.reason).await?;
    let record = s::read(&state, &user, &request_id, id, "api").await?;
    let instrument = s::instrument_of(&state, &record.summary).await?;
    Ok(json_response(
        StatusCode::OK,
        screening_json(&record, &instrument, s::now(&state))?,
    ))
}

/// GET /api/screening-instrument → the instrument new screenings use (questions, options,
/// languages, rules), so a client can build its forms. No child data: not audited.
pub async fn instrument<S: Backend>(
    State(state): State<AppState<S>>,
) -> Result<Response, ApiError> {
    let settings = s::settings(&state)?;
    Ok(Json(&*settings.instrument).into_response())
}
