//! The JSON API, and the audited reads the pages share.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use lazo_store::lazo_audit::Record;
use lazo_store::{
    CustodyRecord, MAX_PAGE, Page, ProfileRecord, ReviewRecord, RunAlert, RunDetail, RunId,
    UnitRow, Verdict,
};
use serde::{Deserialize, Serialize};

use crate::auth::{self, User};
use crate::error::{ApiError, RequestId};
use crate::html::unit_path;
use crate::review::{self, SignOff};
use crate::{AppState, Backend};

fn parse_run(id: &str) -> Result<RunId, ApiError> {
    id.parse().map_err(|_| ApiError::not_found("run"))
}

/// A unit's list of units (child records: sample ids and roles), audited.
pub(crate) async fn read_units<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    id: RunId,
    verdict: Option<Verdict>,
) -> Result<Vec<UnitRow>, ApiError> {
    visible_run(state, user, id).await?;
    state
        .audit(
            &user.name,
            "read_unit_list",
            &format!("run:{id}"),
            serde_json::json!({"request_id": request_id.0}),
        )
        .await?;
    Ok(state.store.run_units(id, verdict).await?)
}

/// One unit as shown: its row, the stored report and the members' profiles.
#[derive(Debug)]
pub(crate) struct UnitView {
    pub unit: UnitRow,
    pub report_json: String,
    pub profiles: Vec<ProfileRecord>,
    /// The unit's sign-offs, oldest first (the last is the current one).
    pub reviews: Vec<ReviewRecord>,
}

/// Reads a unit report and its members' profiles; audited before anything is returned
/// (`read_child` for the report, `read_profile` for each genotype shown).
pub(crate) async fn read_unit<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    id: RunId,
    unit_id: &str,
) -> Result<UnitView, ApiError> {
    let not_found = || ApiError::not_found("unit");
    visible_run(state, user, id).await?;
    let report_json = state
        .store
        .unit_report(id, unit_id)
        .await?
        .ok_or_else(not_found)?;
    let unit = state
        .store
        .run_units(id, None)
        .await?
        .into_iter()
        .find(|u| u.unit_id == unit_id)
        .ok_or_else(not_found)?;
    let samples: Vec<&str> = unit.members.iter().map(|m| m.sample_id.as_str()).collect();
    let profiles: Vec<ProfileRecord> = state
        .store
        .run_profiles(id)
        .await?
        .into_iter()
        .filter(|p| samples.contains(&p.sample_id.as_str()))
        .collect();
    let reviews = state.store.unit_reviews(id, unit_id).await?;
    let detail = serde_json::json!({"request_id": request_id.0});
    state
        .audit(
            &user.name,
            "read_child",
            &format!("unit:{id}/{unit_id}"),
            detail.clone(),
        )
        .await?;
    for p in &profiles {
        state
            .audit(
                &user.name,
                "read_profile",
                &format!("sample:{id}/{}", p.sample_id),
                detail.clone(),
            )
            .await?;
    }
    Ok(UnitView {
        unit,
        report_json,
        profiles,
        reviews,
    })
}

/// A run's chain of custody (who collected each sample, when, where, with what consent),
/// audited (`read_custody`) before it is returned.
pub(crate) async fn read_custody<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    id: RunId,
) -> Result<Vec<CustodyRecord>, ApiError> {
    visible_run(state, user, id).await?;
    state
        .audit(
            &user.name,
            "read_custody",
            &format!("run:{id}"),
            serde_json::json!({"request_id": request_id.0}),
        )
        .await?;
    Ok(state.store.run_custody(id).await?)
}

/// Audit records after `after`; reading is audited.
pub(crate) async fn read_audit<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    after: u64,
    limit: u32,
) -> Result<Vec<Record>, ApiError> {
    state
        .audit(
            &user.name,
            "read_audit",
            "audit_log",
            serde_json::json!({"request_id": request_id.0, "after": after}),
        )
        .await?;
    Ok(state
        .store
        .audit_records(after, limit.min(MAX_PAGE))
        .await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignInBody {
    name: String,
    password: String,
    /// The second factor's code, for accounts that have one.
    #[serde(default)]
    code: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Me<'a> {
    name: &'a str,
    /// field_agent, lab_analyst, supervisor, auditor or admin
    #[schema(value_type = String)]
    role: lazo_store::Role,
    site: Option<&'a str>,
    must_change_password: bool,
    must_enroll_totp: bool,
}

/// The JSON bodies of this module, for the OpenAPI document.
pub(crate) fn schemas() -> Vec<(
    String,
    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
)> {
    use utoipa::{PartialSchema, ToSchema};
    vec![
        (SignInBody::name().into_owned(), SignInBody::schema()),
        (Me::name().into_owned(), Me::schema()),
        (SignOffBody::name().into_owned(), SignOffBody::schema()),
    ]
}

/// GET /api/openapi.json: the JSON API's OpenAPI document.
pub async fn openapi<S: Backend>() -> Result<Response, ApiError> {
    let doc = crate::openapi::document::<S>().map_err(|e| {
        tracing::error!(error = %e, "OpenAPI document");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the API document could not be built",
        )
    })?;
    Ok(Json(doc).into_response())
}

fn me_of(user: &User) -> Me<'_> {
    Me {
        name: &user.name,
        role: user.role,
        site: user.site.as_deref(),
        must_change_password: user.must_change_password,
        must_enroll_totp: user.must_enroll_totp,
    }
}

/// POST /api/session `{"name", "password"}` → the account, and the session cookie.
pub async fn sign_in<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(request_id): Extension<RequestId>,
    client: crate::throttle::ClientAddr,
    Json(body): Json<SignInBody>,
) -> Result<Response, ApiError> {
    let signed = auth::sign_in(
        &state,
        client,
        &body.name,
        &body.password,
        body.code.as_deref(),
        &request_id.0,
    )
    .await?;
    let cookie = auth::set_cookie(
        auth::SESSION_COOKIE,
        &signed.token,
        state.config.secure_cookies,
        false,
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(me_of(&signed.user))).into_response())
}

/// DELETE /api/session.
pub async fn sign_out<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
) -> Result<Response, ApiError> {
    auth::sign_out(&state, &user, &request_id.0).await?;
    let cookie = auth::set_cookie(auth::SESSION_COOKIE, "", state.config.secure_cookies, true);
    Ok(([(header::SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}

/// GET /api/me.
pub async fn me(Extension(user): Extension<User>) -> Response {
    Json(me_of(&user)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct Paging {
    limit: Option<u32>,
    #[serde(default)]
    offset: u64,
}

/// GET /api/runs?limit&offset → `{"total", "limit", "offset", "runs": [...]}` (a field agent:
/// their site's runs only).
pub async fn runs<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Query(p): Query<Paging>,
) -> Result<Response, ApiError> {
    let limit = p.limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let filter = user.run_filter();
    let total = state.store.count_runs_where(&filter).await?;
    let runs = state
        .store
        .list_runs_where(&filter, limit, p.offset)
        .await?;
    Ok(Json(serde_json::json!({
        "total": total, "limit": limit, "offset": p.offset, "runs": runs,
    }))
    .into_response())
}

/// A run this account may see, or "not found" (a field agent asking for another site's run
/// learns nothing, not even that it exists).
pub(crate) async fn visible_run<S: Backend>(
    state: &AppState<S>,
    user: &User,
    id: RunId,
) -> Result<RunDetail, ApiError> {
    state
        .store
        .get_run(id)
        .await?
        .filter(|d| user.may_see_run(d.run.site.as_deref()))
        .ok_or_else(|| ApiError::not_found("run"))
}

/// GET /api/runs/{id} → the run's summary, site and policy.
pub async fn run<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let detail = visible_run(&state, &user, parse_run(&id)?).await?;
    Ok(Json(detail).into_response())
}

#[derive(Debug, Deserialize)]
pub struct UnitFilter {
    verdict: Option<String>,
}

/// GET /api/runs/{id}/units[?verdict=] → `{"units": [...]}`.
pub async fn units<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    Query(f): Query<UnitFilter>,
) -> Result<Response, ApiError> {
    let verdict = f
        .verdict
        .map(|v| {
            v.parse::<Verdict>()
                .map_err(|_| ApiError::bad_request(format!("unknown verdict {v:?}")))
        })
        .transpose()?;
    let units = read_units(&state, &user, &request_id, parse_run(&id)?, verdict).await?;
    Ok(Json(serde_json::json!({ "units": units })).into_response())
}

/// GET /api/runs/{id}/units/{unit} → `{"unit": {...}, "report": <stored JSON, byte for byte>,
/// "profiles": [...], "reviews": [...]}` (sign-offs oldest first).
pub async fn unit<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path((id, unit_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let view = read_unit(&state, &user, &request_id, parse_run(&id)?, &unit_id).await?;
    let body = format!(
        r#"{{"unit":{},"report":{},"profiles":{},"reviews":{}}}"#,
        encode(&view.unit),
        view.report_json,
        encode(&view.profiles),
        encode(&view.reviews),
    );
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// JSON text of a value (serialising these record types cannot fail).
fn encode<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// GET /api/runs/{id}/alerts → `{"alerts": [...]}` (repeat-child alerts name children and
/// adults: analysts and supervisors only; audited).
pub async fn alerts<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_run(&id)?;
    visible_run(&state, &user, id).await?;
    state
        .audit(
            &user.name,
            "read_alerts",
            &format!("run:{id}"),
            serde_json::json!({"request_id": request_id.0}),
        )
        .await?;
    let alerts: Vec<serde_json::Value> = state
        .store
        .run_alerts(id)
        .await?
        .into_iter()
        .map(|a| {
            serde_json::json!({
                "unit_id": a.unit_id,
                "kind": a.kind,
                "sample_id": a.sample_id,
                "detail": serde_json::from_str::<serde_json::Value>(&a.detail_json)
                    .unwrap_or(serde_json::Value::String(a.detail_json)),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "alerts": alerts })).into_response())
}

/// GET /api/runs/{id}/custody → `{"custody": [...]}` (analysts and supervisors; audited).
pub async fn custody<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let custody = read_custody(&state, &user, &request_id, parse_run(&id)?).await?;
    Ok(Json(serde_json::json!({ "custody": custody })).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AuditPaging {
    #[serde(default)]
    after: u64,
    limit: Option<u32>,
}

/// GET /api/audit?after&limit → `{"records": [...]}`.
pub async fn audit<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Query(p): Query<AuditPaging>,
) -> Result<Response, ApiError> {
    let records = read_audit(&state, &user, &request_id, p.after, p.limit.unwrap_or(100)).await?;
    Ok(Json(serde_json::json!({ "records": records })).into_response())
}

/// `?page=` (from 1) and `?per_page=` (default 50, at most [`MAX_PAGE`]).
#[derive(Debug, Deserialize)]
pub struct PageNumber {
    pub page: Option<u64>,
    pub per_page: Option<u32>,
}

impl PageNumber {
    /// The page (from 1), its size, and the offset of its first row.
    pub(crate) fn resolve(&self) -> (u64, u32, u64) {
        let page = self.page.unwrap_or(1).max(1);
        let per_page = self.per_page.unwrap_or(50).clamp(1, MAX_PAGE);
        (
            page,
            per_page,
            (page - 1).saturating_mul(u64::from(per_page)),
        )
    }
}

/// The envelope of a paginated list.
fn paged<T: Serialize>(key: &str, page: u64, per_page: u32, total: u64, items: T) -> Response {
    let mut body = serde_json::json!({
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": total.div_ceil(u64::from(per_page)),
    });
    body[key] = serde_json::to_value(items).unwrap_or_default();
    Json(body).into_response()
}

/// GET /api/review-queue?page= → `{"total","page","per_page","pages","items"}`: units no one
/// has signed off, not supported and inconclusive first, older runs first. Supervisors only.
pub async fn review_queue<S: Backend>(
    State(state): State<AppState<S>>,
    Query(q): Query<PageNumber>,
) -> Result<Response, ApiError> {
    let (page, per_page, offset) = q.resolve();
    let queue = state.store.review_queue(per_page, offset).await?;
    Ok(paged("items", page, per_page, queue.total, queue.items))
}

/// A sign-off as JSON: `{"decision": "confirmed"|"overridden", "verdict"?, "reason"?,
/// "previous_version"?}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SignOffBody {
    decision: String,
    verdict: Option<String>,
    reason: Option<String>,
    previous_version: Option<u32>,
}

/// POST /api/runs/{id}/units/{unit}/review → 201 `{"review", "repeated": false}`, or 200 with
/// `"repeated": true` when the same sign-off was already the latest (nothing stored); 400 for
/// an invalid one, 409 when someone signed the unit after `previous_version`. Supervisors only.
pub async fn sign_off<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path((id, unit_id)): Path<(String, String)>,
    Json(body): Json<SignOffBody>,
) -> Result<Response, ApiError> {
    let input = SignOff {
        decision: body.decision,
        verdict: body.verdict,
        reason: body.reason,
        previous_version: body.previous_version,
    };
    let signed =
        review::sign_off(&state, &user, &request_id, parse_run(&id)?, &unit_id, input).await?;
    let status = if signed.repeated {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(serde_json::json!({"review": signed.review, "repeated": signed.repeated})),
    )
        .into_response())
}

/// One page of the alerts of every run, newest run first; audited (`read_alerts`) before it is
/// returned: repeat-child alerts name children and the adults with them.
pub(crate) async fn read_alert_page<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    q: &PageNumber,
) -> Result<(u64, u32, Page<RunAlert>), ApiError> {
    let (page, per_page, offset) = q.resolve();
    let alerts = state.store.list_alerts(per_page, offset).await?;
    state
        .audit(
            &user.name,
            "read_alerts",
            "alerts",
            serde_json::json!({"request_id": request_id.0, "page": page, "shown": alerts.items.len()}),
        )
        .await?;
    Ok((page, per_page, alerts))
}

/// An alert's details as JSON (the stored text when it is not JSON).
pub(crate) fn alert_detail(alert: &RunAlert) -> serde_json::Value {
    serde_json::from_str(&alert.alert.detail_json)
        .unwrap_or_else(|_| serde_json::Value::String(alert.alert.detail_json.clone()))
}

/// The pages of the units where a repeat child was presented before: in the run the detail
/// names (`run_id`, alerts across runs), else in the alert's own run.
pub(crate) fn earlier_units(
    alert: &RunAlert,
    detail: &serde_json::Value,
) -> Vec<(RunId, String, String)> {
    let empty = Vec::new();
    detail["earlier"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(|e| {
            let unit = e["unit_id"].as_str()?;
            let run = e["run_id"]
                .as_str()
                .and_then(|r| r.parse::<RunId>().ok())
                .unwrap_or(alert.run_id);
            Some((run, unit.to_string(), unit_path(run, unit)))
        })
        .collect()
}

/// GET /api/alerts?page= → `{"total","page","per_page","pages","alerts"}`, each alert with
/// its run, its unit's page (`unit_link`) and the earlier units' pages (`earlier_links`).
/// Analysts and supervisors; audited.
pub async fn all_alerts<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Query(q): Query<PageNumber>,
) -> Result<Response, ApiError> {
    let (page, per_page, alerts) = read_alert_page(&state, &user, &request_id, &q).await?;
    let items: Vec<serde_json::Value> = alerts
        .items
        .iter()
        .map(|a| {
            let detail = alert_detail(a);
            let earlier: Vec<String> = earlier_units(a, &detail)
                .into_iter()
                .map(|(_, _, link)| link)
                .collect();
            serde_json::json!({
                "run_id": a.run_id,
                "run_started_at": a.run_started_at,
                "unit_id": a.alert.unit_id,
                "kind": a.alert.kind,
                "sample_id": a.alert.sample_id,
                "detail": detail,
                "unit_link": unit_path(a.run_id, &a.alert.unit_id),
                "earlier_links": earlier,
            })
        })
        .collect();
    Ok(paged("alerts", page, per_page, alerts.total, items))
}
