//! Printable PDFs: a unit's verification report and a screening's signed record. Made by
//! `lazo-report` from what is stored (the service computes nothing; the screening record is
//! the engine's `RecordView`, the same the HTML record shows); every export is audited before
//! the bytes are returned.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use lazo_report::{Language, ReportError, ScreeningRecordInput, VerificationReportInput};
use lazo_store::{RunId, ScreeningStatus};

use crate::auth::User;
use crate::error::{ApiError, RequestId};
use crate::i18n::Lang;
use crate::screenings as s;
use crate::{AppState, Backend, api};

fn language(lang: Lang) -> Language {
    match lang {
        Lang::En => Language::En,
        Lang::Es => Language::Es,
    }
}

fn report_failed(e: ReportError) -> ApiError {
    // The detail goes to the log: it may quote stored data.
    tracing::error!(error = %e, "report failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "report_failed",
        "the report could not be made; the error was logged",
    )
}

/// A file name made only of safe characters (unit and child ids are user text).
pub(crate) fn file_name_part(text: &str) -> String {
    let part: String = text
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if part.is_empty() { "_".into() } else { part }
}

/// A PDF download.
pub(crate) fn pdf_response(pdf: Vec<u8>, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        pdf,
    )
        .into_response()
}

/// Typesets off the async threads: a report takes tens of milliseconds of CPU.
pub(crate) async fn typeset(
    make: impl FnOnce() -> Result<Vec<u8>, ReportError> + Send + 'static,
) -> Result<Vec<u8>, ApiError> {
    tokio::task::spawn_blocking(make)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "report task failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "report_failed",
                "the report could not be made; the error was logged",
            )
        })?
        .map_err(report_failed)
}

/// GET /runs/{id}/units/{unit}/report.pdf: the unit's verification report (verdict, LRs,
/// method, policy, custody, sign-off). Analysts and supervisors; audited `report_exported`.
pub async fn unit_report<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path((id, unit_id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let lang = Lang::pick(uri.query(), &headers);
    let id: RunId = id.parse().map_err(|_| ApiError::not_found("run"))?;
    let not_found = || ApiError::not_found("unit");
    let detail = api::visible_run(&state, &user, id).await?;
    let unit = state
        .store
        .run_units(id, None)
        .await?
        .into_iter()
        .find(|u| u.unit_id == unit_id)
        .ok_or_else(not_found)?;
    let report_json = state
        .store
        .unit_report(id, &unit_id)
        .await?
        .ok_or_else(not_found)?;
    let custody = state.store.run_custody(id).await?;
    let reviews = state.store.unit_reviews(id, &unit_id).await?;
    let input = VerificationReportInput::from_stored(
        &detail,
        &unit,
        &report_json,
        &custody,
        &reviews,
        &lazo_store::rfc3339_from_unix_ms(state.clock.now_ms()),
        Some(&user.name),
    )
    .map_err(report_failed)?;
    state
        .audit(
            &user.name,
            "report_exported",
            &format!("unit:{id}/{unit_id}"),
            serde_json::json!({"request_id": request_id.0, "lang": lang.code()}),
        )
        .await?;
    let lang = language(lang);
    let pdf = typeset(move || lazo_report::verification_pdf(&input, lang)).await?;
    Ok(pdf_response(
        pdf,
        &format!("lazo-report-{id}-{}.pdf", file_name_part(&unit_id)),
    ))
}

/// GET /screenings/{screening}/record.pdf: the record in the interview language and English
/// with the supervisor's signature (DRAFT while unsigned); 409 while the screening is a draft.
/// The same access and audited read as the HTML record (`read_screening`, view `record_pdf`).
pub async fn screening_record<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = s::parse_id(&id)?;
    let record = s::read(&state, &user, &request_id, id, "record_pdf").await?;
    if record.summary.status == ScreeningStatus::Draft {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_completed",
            "the record exists once the screening is completed",
        ));
    }
    let instrument = s::instrument_of(&state, &record.summary).await?;
    let evaluated = s::evaluate(&instrument, &record)?;
    let view = lazo_screening::record_view(&instrument, &evaluated.screening)
        .map_err(|e| report_failed(ReportError::InvalidInput(e.to_string())))?;
    let input = ScreeningRecordInput {
        stored_decision_differs: (!evaluated.matches_stored)
            .then(|| record.decision_json.clone().unwrap_or_default()),
        summary: record.summary,
        view,
        generated_at: lazo_store::rfc3339_from_unix_ms(state.clock.now_ms()),
        generated_by: Some(user.name.clone()),
    };
    let file_name = format!(
        "lazo-screening-{}-{id}.pdf",
        file_name_part(&input.summary.child_ref)
    );
    let pdf = typeset(move || lazo_report::screening_pdf(&input)).await?;
    Ok(pdf_response(pdf, &file_name))
}
