//! Enrolling a second factor: the page (`/totp`) and its JSON twin (`/api/totp`). The secret is
//! made here and shown once; the enrolment only counts when the person types a code their app
//! made from it, so a mistyped secret never locks anyone out. An enrolled factor is removed only
//! by an administrator (`lazo user reset-totp`), after a lost device.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use serde::{Deserialize, Serialize};

use crate::auth::{self, User};
use crate::error::{ApiError, RequestId};
use crate::html::{csrf_field, esc, page};
use crate::i18n::{Lang, t};
use crate::{AppState, Backend, totp};

#[derive(Debug, Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EnrolBody {
    secret: String,
    code: String,
}

/// The JSON bodies of this module, for the OpenAPI document.
pub(crate) fn schemas() -> Vec<(
    String,
    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
)> {
    use utoipa::{PartialSchema, ToSchema};
    vec![(EnrolBody::name().into_owned(), EnrolBody::schema())]
}

#[derive(Debug, Serialize)]
struct NewSecret {
    secret: String,
    otpauth_uri: String,
}

/// Whether `user`'s account has a factor now.
async fn enrolled<S: Backend>(state: &AppState<S>, user: &User) -> Result<bool, ApiError> {
    Ok(state
        .store
        .account(&user.name)
        .await?
        .ok_or_else(ApiError::unauthorized)?
        .totp_secret
        .is_some())
}

/// Checks `code` against `secret` and stores the secret, claiming the code's step so that the
/// code shown during enrolment cannot also open a session.
async fn enrol<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &str,
    secret: &str,
    code: &str,
) -> Result<(), ApiError> {
    if enrolled(state, user).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_enrolled",
            "a second factor is already set up; an administrator can reset it",
        ));
    }
    let secret = secret.trim();
    let now = state.clock.now_ms();
    let Some(step) = totp::check(secret, code, now) else {
        return Err(ApiError::bad_request(
            "the code does not match this secret: check the app's clock and type the current code",
        ));
    };
    // The secret and its `totp_enrolled` record in one transaction; then the enrolment's code
    // is spent.
    let event = state.event(
        &user.name,
        "totp_enrolled",
        &format!("account:{}", user.name),
        serde_json::json!({"request_id": request_id}),
    );
    if state
        .store
        .set_totp_secret_audited(&user.name, Some(secret), &state.key, event)
        .await?
        .is_none()
    {
        return Err(ApiError::unauthorized());
    }
    state.store.claim_totp_step(&user.name, step).await?;
    Ok(())
}

fn enrol_page(lang: Lang, user: &User, secret: &str, problem: Option<&str>) -> Html<String> {
    let note = if user.must_enroll_totp {
        format!("<p><b>{}</b></p>", t(lang, "totp_required"))
    } else {
        String::new()
    };
    let problem = problem.map_or(String::new(), |p| {
        format!(r#"<p role="alert"><b>{}</b></p>"#, esc(p))
    });
    page(
        lang,
        t(lang, "second_factor"),
        Some(user),
        &format!(
            r#"{note}{problem}<p>{intro}</p>
<p>{key_label}: <code id="totp-secret">{secret}</code></p>
<p><small><code>{uri}</code></small></p>
<form method="post" action="/totp">{csrf}<input type="hidden" name="secret" value="{secret}">
<p><label>{code_label}<br><input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{{6,7}}" required></label></p>
<p><button>{turn_on}</button></p></form>"#,
            intro = t(lang, "totp_intro"),
            key_label = t(lang, "totp_key"),
            secret = esc(secret),
            uri = esc(&totp::otpauth_uri(&user.name, secret)),
            csrf = csrf_field(&user.csrf),
            code_label = t(lang, "totp_code"),
            turn_on = t(lang, "totp_turn_on"),
        ),
    )
}

/// GET /totp: a new secret to enrol, or the news that a factor is set up.
pub async fn form<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = Lang::pick(uri.query(), &headers);
    if enrolled(&state, &user).await? {
        return Ok(page(
            lang,
            t(lang, "second_factor"),
            Some(&user),
            &format!("<p>{}</p>", t(lang, "totp_on")),
        ));
    }
    Ok(enrol_page(lang, &user, &totp::new_secret(), None))
}

/// POST /totp.
pub async fn submit<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<EnrolForm>,
) -> Result<Response, ApiError> {
    if !auth::csrf_ok(&user.csrf, &form.csrf) {
        return Err(ApiError::csrf());
    }
    let lang = Lang::pick(uri.query(), &headers);
    match enrol(&state, &user, &request_id.0, &form.secret, &form.code).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => Ok((
            StatusCode::BAD_REQUEST,
            enrol_page(lang, &user, &form.secret, Some(t(lang, "totp_bad_code"))),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

/// GET /api/totp/new → `{"secret", "otpauth_uri"}`: a secret to enrol (nothing is stored yet).
pub async fn api_new<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
) -> Result<Response, ApiError> {
    if enrolled(&state, &user).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_enrolled",
            "a second factor is already set up; an administrator can reset it",
        ));
    }
    let secret = totp::new_secret();
    Ok(Json(NewSecret {
        otpauth_uri: totp::otpauth_uri(&user.name, &secret),
        secret,
    })
    .into_response())
}

/// POST /api/totp `{"secret", "code"}` → 204 once enrolled.
pub async fn api_enrol<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Json(body): Json<EnrolBody>,
) -> Result<Response, ApiError> {
    enrol(&state, &user, &request_id.0, &body.secret, &body.code).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
