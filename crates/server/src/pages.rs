//! The HTML pages. Reads go through the same store calls and audit records as the API.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use lazo_store::{Role, RunId, Verdict};
use serde::Deserialize;

use crate::auth::{self, AnalystOrSupervisor, Casework, PRE_SESSION_CSRF_COOKIE, RoleSet, User};
use crate::error::{ApiError, RequestId};
use crate::html::{csrf_field, esc, page};
use crate::i18n::{Lang, t};
use crate::{AppState, Backend, api, password};

fn lang(uri: &Uri, headers: &HeaderMap) -> Lang {
    Lang::pick(uri.query(), headers)
}

fn sign_in_page(lang: Lang, csrf: &str, failed: bool) -> Html<String> {
    let error = if failed {
        format!(r#"<p role="alert"><b>{}</b></p>"#, t(lang, "bad_sign_in"))
    } else {
        String::new()
    };
    page(
        lang,
        t(lang, "sign_in"),
        None,
        &format!(
            r#"{error}<form method="post" action="/sign-in">{csrf}
<p><label>{name}<br><input name="name" autocomplete="username" required></label></p>
<p><label>{password}<br><input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button>{sign_in}</button></p></form>"#,
            csrf = csrf_field(csrf),
            name = t(lang, "name"),
            password = t(lang, "password"),
            sign_in = t(lang, "sign_in"),
        ),
    )
}

/// GET /sign-in: the form, with a fresh double-submit CSRF cookie.
pub async fn sign_in_form<S: Backend>(
    State(state): State<AppState<S>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let csrf = auth::random_hex(32);
    let cookie = auth::set_cookie(
        PRE_SESSION_CSRF_COOKIE,
        &csrf,
        state.config.secure_cookies,
        false,
    );
    (
        [(header::SET_COOKIE, cookie)],
        sign_in_page(lang(&uri, &headers), &csrf, false),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// POST /sign-in.
pub async fn sign_in<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(request_id): Extension<RequestId>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, ApiError> {
    let expected = auth::cookie(&headers, PRE_SESSION_CSRF_COOKIE).unwrap_or("");
    if !auth::csrf_ok(expected, &form.csrf) {
        return Err(ApiError::csrf());
    }
    let lang = lang(&uri, &headers);
    match auth::sign_in(&state, &form.name, &form.password, &request_id.0).await {
        Ok(signed) => {
            let secure = state.config.secure_cookies;
            let to = if signed.user.must_change_password {
                "/password"
            } else {
                "/"
            };
            Ok((
                AppendHeaders([
                    (
                        header::SET_COOKIE,
                        auth::set_cookie(auth::SESSION_COOKIE, &signed.token, secure, false),
                    ),
                    (
                        header::SET_COOKIE,
                        auth::set_cookie(PRE_SESSION_CSRF_COOKIE, "", secure, true),
                    ),
                ]),
                Redirect::to(to),
            )
                .into_response())
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            Ok((StatusCode::UNAUTHORIZED, sign_in_page(lang, expected, true)).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// POST /sign-out.
pub async fn sign_out<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    if !auth::csrf_ok(&user.csrf, &form.csrf) {
        return Err(ApiError::csrf());
    }
    auth::sign_out(&state, &user, &request_id.0).await?;
    let cookie = auth::set_cookie(auth::SESSION_COOKIE, "", state.config.secure_cookies, true);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/sign-in")).into_response())
}

fn password_page(lang: Lang, user: &User, problem: Option<&str>) -> Html<String> {
    let note = if user.must_change_password {
        format!("<p><b>{}</b></p>", t(lang, "must_change"))
    } else {
        String::new()
    };
    let problem = problem.map_or(String::new(), |p| {
        format!(r#"<p role="alert"><b>{}</b></p>"#, esc(p))
    });
    page(
        lang,
        t(lang, "change_password"),
        Some(user),
        &format!(
            r#"{note}{problem}<form method="post" action="/password">{csrf}
<p><label>{current}<br><input name="current" type="password" autocomplete="current-password" required></label></p>
<p><label>{new}<br><input name="new" type="password" autocomplete="new-password" minlength="12" required></label></p>
<p><button>{change}</button></p></form>"#,
            csrf = csrf_field(&user.csrf),
            current = t(lang, "password"),
            new = t(lang, "new_password"),
            change = t(lang, "change_password"),
        ),
    )
}

/// GET /password.
pub async fn password_form(
    Extension(user): Extension<User>,
    uri: Uri,
    headers: HeaderMap,
) -> Html<String> {
    password_page(lang(&uri, &headers), &user, None)
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// POST /password: the current password, then a new one of at least 12 characters.
pub async fn change_password<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, ApiError> {
    if !auth::csrf_ok(&user.csrf, &form.csrf) {
        return Err(ApiError::csrf());
    }
    let lang = lang(&uri, &headers);
    let account = state
        .store
        .account(&user.name)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let (current, stored) = (form.current.clone(), account.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
        .await
        .unwrap_or(false);
    let problem = if !ok {
        Some("the current password is wrong")
    } else if !password::acceptable(&form.new) || form.new == form.current {
        Some("the new password must have at least 12 characters and differ from the old one")
    } else {
        None
    };
    if let Some(problem) = problem {
        return Ok((
            StatusCode::BAD_REQUEST,
            password_page(lang, &user, Some(problem)),
        )
            .into_response());
    }
    let cost = state.config.password;
    let new = form.new.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new, cost))
        .await
        .map_err(|e| ApiError::from(lazo_store::StoreError::Backend(e.into())))?
        .map_err(|e| ApiError::from(lazo_store::StoreError::Backend(e.into())))?;
    state.store.set_password(&user.name, &hash, false).await?;
    state
        .audit(
            &user.name,
            "password_changed",
            &format!("account:{}", user.name),
            serde_json::json!({"request_id": request_id.0}),
        )
        .await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    after: u64,
}

const PAGE: u32 = 50;

/// GET /: runs with their counts for casework roles; links for the others.
pub async fn dashboard<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let mut body = String::new();
    if user.is(Casework::ROLES) {
        body.push_str(&format!(
            r#"<p><a href="/intake">{}</a></p>"#,
            t(lang, "new_intake")
        ));
        let filter = user.run_filter();
        let total = state.store.count_runs_where(&filter).await?;
        let runs = state.store.list_runs_where(&filter, PAGE, q.offset).await?;
        body.push_str(&format!(
            "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "runs"),
            t(lang, "started"),
            t(lang, "kind"),
            t(lang, "units"),
            t(lang, "verified"),
            t(lang, "not_supported"),
            t(lang, "inconclusive"),
            t(lang, "alerts"),
        ));
        for r in &runs {
            let s = &r.summary;
            body.push_str(&format!(
                r#"<tr><td><a href="/runs/{id}">{at}</a></td><td>{kind}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                s.units,
                s.verified,
                s.not_supported,
                s.inconclusive,
                s.alerts,
                id = r.id,
                at = esc(&r.started_at),
                kind = r.kind,
            ));
        }
        body.push_str("</tbody></table>");
        body.push_str(&pager(lang, q.offset, runs.len() as u64, total, "offset"));
    } else {
        body.push_str(&format!("<p>{}</p>", t(lang, "no_casework")));
    }
    if user.role == Role::Auditor {
        body.push_str(&format!(
            r#"<p><a href="/audit">{}</a></p>"#,
            t(lang, "audit_log")
        ));
    }
    Ok(page(lang, t(lang, "dashboard"), Some(&user), &body))
}

fn pager(lang: Lang, offset: u64, shown: u64, total: u64, param: &str) -> String {
    let mut out = String::from("<p>");
    if offset > 0 {
        out.push_str(&format!(
            r#"<a href="?{param}={}">{}</a> "#,
            offset.saturating_sub(u64::from(PAGE)),
            t(lang, "previous")
        ));
    }
    if offset + shown < total {
        out.push_str(&format!(
            r#"<a href="?{param}={}">{}</a>"#,
            offset + shown,
            t(lang, "next")
        ));
    }
    out.push_str("</p>");
    out
}

fn verdict_label(lang: Lang, v: Verdict) -> &'static str {
    t(lang, v.as_str())
}

fn parse_run(id: &str) -> Result<RunId, ApiError> {
    id.parse().map_err(|_| ApiError::not_found("run"))
}

/// GET /runs/{id}: the run's counts; the unit list (child records) for analysts and
/// supervisors only, audited.
pub async fn run<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let id = parse_run(&id)?;
    let detail = api::visible_run(&state, &user, id).await?;
    let s = &detail.run.summary;
    let mut body =
        format!(
        "<p>{started}: {at} · {kind} · Lazo {version} · {population} · θ = {theta} · {mutation}</p>
<p>{units}: {} · {verified}: {} · {ns}: {} · {inc}: {} · {alerts}: {}</p>{site}",
        s.units,
        s.verified,
        s.not_supported,
        s.inconclusive,
        s.alerts,
        started = t(lang, "started"),
        at = esc(&detail.run.started_at),
        kind = detail.run.kind,
        version = esc(&detail.run.lazo_version),
        population = esc(&detail.run.population),
        theta = detail.run.theta,
        mutation = esc(&detail.run.mutation),
        units = t(lang, "units"),
        verified = t(lang, "verified"),
        ns = t(lang, "not_supported"),
        inc = t(lang, "inconclusive"),
        alerts = t(lang, "alerts"),
        site = detail.run.site.as_deref().map_or(String::new(), |site| format!(
            "<p>{}: {}</p>",
            t(lang, "site"),
            esc(site)
        )),
    );
    if user.is(AnalystOrSupervisor::ROLES) {
        let units = api::read_units(&state, &user, &request_id, id, None).await?;
        body.push_str(&format!(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "unit"),
            t(lang, "verdict"),
            t(lang, "members"),
            t(lang, "alerts"),
        ));
        for u in &units {
            let members: Vec<String> = u
                .members
                .iter()
                .map(|m| format!("{} ({})", esc(&m.sample_id), m.role))
                .collect();
            body.push_str(&format!(
                r#"<tr class="{v}"><td><a href="/runs/{id}/units/{unit_q}">{unit}</a></td><td>{label}</td><td>{members}</td><td>{alerts}</td></tr>"#,
                v = u.verdict,
                unit_q = esc(&path_segment(&u.unit_id)),
                unit = esc(&u.unit_id),
                label = verdict_label(lang, u.verdict),
                members = members.join(", "),
                alerts = u.alerts,
            ));
        }
        body.push_str("</tbody></table>");
        if detail.run.kind == lazo_store::RunKind::Intake {
            let custody = api::read_custody(&state, &user, &request_id, id).await?;
            body.push_str(&custody_table(lang, &custody));
        }
    }
    Ok(page(
        lang,
        &format!("{} {}", t(lang, "runs"), detail.run.started_at),
        Some(&user),
        &body,
    ))
}

/// The chain of custody, one row per sample.
fn custody_table(lang: Lang, custody: &[lazo_store::CustodyRecord]) -> String {
    if custody.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "custody"),
        t(lang, "sample_id"),
        t(lang, "collector"),
        t(lang, "collected_on"),
        t(lang, "place"),
        t(lang, "consent"),
        t(lang, "kit"),
    );
    for c in custody {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.sample_id),
            esc(&c.collector),
            esc(&c.collected_on),
            esc(&c.place),
            t(lang, if c.consent { "yes" } else { "no" }),
            esc(&c.kit),
        ));
    }
    out.push_str("</tbody></table>");
    out
}

/// Percent-encodes a path segment.
fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// GET /runs/{id}/units/{unit}: verdict, reasons, recommendations, claims with per-locus LRs
/// (inconsistent loci highlighted), and the members' genotypes; all read from the stored
/// report. Analysts and supervisors only; audited.
pub async fn unit<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path((id, unit_id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let id = parse_run(&id)?;
    let view = api::read_unit(&state, &user, &request_id, id, &unit_id).await?;
    let report: serde_json::Value =
        serde_json::from_str(&view.report_json).unwrap_or(serde_json::Value::Null);
    let mut body = format!(
        r#"<p class="verdict {v}"><b>{verdict}: {label}</b></p>"#,
        v = view.unit.verdict,
        verdict = t(lang, "verdict"),
        label = verdict_label(lang, view.unit.verdict),
    );
    let list = |title: &str, items: &[String]| {
        if items.is_empty() {
            return String::new();
        }
        let lis: String = items
            .iter()
            .map(|i| format!("<li>{}</li>", esc(i)))
            .collect();
        format!("<h2>{title}</h2><ul>{lis}</ul>")
    };
    body.push_str(&list(t(lang, "reasons"), &view.unit.reasons));
    body.push_str(&list(
        t(lang, "recommendations"),
        &view.unit.recommendations,
    ));
    body.push_str(&format!("<h2>{}</h2>", t(lang, "claims")));
    let empty = Vec::new();
    for claim in report["claims"].as_array().unwrap_or(&empty) {
        let text = |k: &str| esc(claim[k].as_str().unwrap_or(""));
        body.push_str(&format!(
            "<h3>{}: {} → {} · LR = {} · log10 LR = {} · {}</h3>",
            t(lang, "claim"),
            text("parent"),
            text("child"),
            esc(&claim["lr"].to_string()),
            esc(&claim["log10_lr"].to_string()),
            text("status"),
        ));
        body.push_str(&format!(
            "<table><thead><tr><th>{}</th><th>LR</th><th>{}</th></tr></thead><tbody>",
            t(lang, "locus"),
            t(lang, "inconsistent"),
        ));
        for locus in claim["loci"].as_array().unwrap_or(&empty) {
            let inconsistent = locus["inconsistent"].as_bool().unwrap_or(false);
            body.push_str(&format!(
                r#"<tr{class}><td>{name}</td><td>{lr}</td><td>{flag}</td></tr>"#,
                class = if inconsistent {
                    r#" class="inconsistent""#
                } else {
                    ""
                },
                name = esc(locus["locus"].as_str().unwrap_or("")),
                lr = esc(&locus["lr"].to_string()),
                flag = if inconsistent { "<mark>✗</mark>" } else { "" },
            ));
        }
        body.push_str("</tbody></table>");
    }
    body.push_str(&format!("<h2>{}</h2>", t(lang, "genotypes")));
    for p in &view.profiles {
        let loci: Vec<String> = p
            .loci
            .iter()
            .map(|l| format!("{} {}", esc(&l.locus), esc(&l.alleles.join("/"))))
            .collect();
        body.push_str(&format!(
            "<p><b>{}</b>: {}</p>",
            esc(&p.sample_id),
            loci.join(" · ")
        ));
    }
    Ok(page(
        lang,
        &format!("{} {}", t(lang, "unit"), view.unit.unit_id),
        Some(&user),
        &body,
    ))
}

/// GET /audit: the chain, 50 records a page. Auditors only; reading it is itself audited.
pub async fn audit<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Query(q): Query<PageQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let records = api::read_audit(&state, &user, &request_id, q.after, PAGE).await?;
    let mut body = format!(
        "<table><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>detail</th></tr></thead><tbody>",
        t(lang, "when"),
        t(lang, "actor"),
        t(lang, "action"),
        t(lang, "target"),
    );
    for r in &records {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            r.seq,
            esc(&r.event.at),
            esc(&r.event.actor),
            esc(&r.event.action),
            esc(&r.event.target),
            esc(&r.event.detail),
        ));
    }
    body.push_str("</tbody></table>");
    if let Some(last) = records.last()
        && records.len() as u32 == PAGE
    {
        body.push_str(&format!(
            r#"<p><a href="?after={}">{}</a></p>"#,
            last.seq,
            t(lang, "next")
        ));
    }
    Ok(page(lang, t(lang, "audit_log"), Some(&user), &body))
}
