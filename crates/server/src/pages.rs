//! The HTML pages. Reads go through the same store calls and audit records as the API.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use lazo_store::{DashboardCounts, Decision, ReviewRecord, Role, RunId, Verdict};
use serde::Deserialize;

use crate::auth::{
    self, AnalystOrSupervisor, Casework, PRE_SESSION_CSRF_COOKIE, RoleSet, ScreeningReaders,
    SupervisorOnly, User,
};
use crate::error::{ApiError, RequestId};
use crate::html::{csrf_field, esc, page, path_segment, unit_path};
use crate::i18n::{Lang, t};
use crate::review::{self, SignOff};
use crate::{AppState, Backend, api, charts, password};

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
<p><label>{code}<br><input name="code" inputmode="numeric" autocomplete="one-time-code"></label></p>
<p><button>{sign_in}</button></p></form>"#,
            csrf = csrf_field(csrf),
            name = t(lang, "name"),
            password = t(lang, "password"),
            code = t(lang, "totp_code"),
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
    /// The second factor's code; empty when the account has none.
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf: String,
}

/// POST /sign-in.
pub async fn sign_in<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(request_id): Extension<RequestId>,
    client: crate::throttle::ClientAddr,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, ApiError> {
    let expected = auth::cookie(&headers, PRE_SESSION_CSRF_COOKIE).unwrap_or("");
    if !auth::csrf_ok(expected, &form.csrf) {
        return Err(ApiError::csrf());
    }
    let lang = lang(&uri, &headers);
    let code = Some(form.code.as_str()).filter(|c| !c.trim().is_empty());
    match auth::sign_in(
        &state,
        client,
        &form.name,
        &form.password,
        code,
        &request_id.0,
    )
    .await
    {
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
    // The new password and its `password_changed` record in one transaction.
    let event = state.event(
        &user.name,
        "password_changed",
        &format!("account:{}", user.name),
        serde_json::json!({"request_id": request_id.0}),
    );
    state
        .store
        .set_password_audited(&user.name, &hash, false, &state.key, event)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
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
    if user.is(ScreeningReaders::ROLES) {
        let (escalated, overdue) = crate::screenings::escalated_counts(&state, &user).await?;
        if escalated > 0 {
            body.push_str(&format!(
                r#"<p class="attention" role="alert"><a href="/screenings?status=escalated">{}</a>: <b>{escalated}</b> ({}: {overdue})</p>"#,
                t(lang, "scr_attention"),
                t(lang, "scr_attention_overdue"),
            ));
        }
    }
    if user.is(Casework::ROLES) {
        body.push_str(&format!(
            r#"<p><a href="/intake">{}</a></p>"#,
            t(lang, "new_intake")
        ));
        let counts = state
            .store
            .dashboard_counts(&user.run_filter(), state.clock.now_ms(), DASHBOARD_DAYS)
            .await?;
        body.push_str(&dashboard_counts(lang, &user, &counts));
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

/// Days the dashboard's charts cover.
const DASHBOARD_DAYS: u32 = 30;

/// Bar colours (verified, not supported, inconclusive, alerts): distinguishable with the
/// common colour-vision deficiencies, and each segment also has its number in a `<title>`.
const COLORS: [&str; 4] = ["#1b7837", "#b2182b", "#f1a340", "#5e3c99"];

/// The counts, the two charts and the same numbers as a table.
fn dashboard_counts(lang: Lang, user: &User, counts: &DashboardCounts) -> String {
    let u = &counts.units;
    let linked = |n: u64, href: &str, allowed: bool| {
        if allowed {
            format!(r#"<a href="{href}">{n}</a>"#)
        } else {
            n.to_string()
        }
    };
    let mut out = format!(
        r#"<h2>{counts_h}</h2><table class="counts"><thead><tr><th>{units}</th><th>{verified}</th><th>{ns}</th><th>{inc}</th><th>{awaiting}</th><th>{reviewed}</th><th>{overridden}</th><th>{alerts}</th></tr></thead>
<tbody><tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></tbody></table>"#,
        u.total(),
        u.verified,
        u.not_supported,
        u.inconclusive,
        linked(
            counts.awaiting_review,
            "/review",
            user.is(SupervisorOnly::ROLES)
        ),
        counts.reviewed,
        counts.overridden,
        linked(
            counts.alerts,
            "/alerts",
            user.is(AnalystOrSupervisor::ROLES)
        ),
        counts_h = t(lang, "counts"),
        units = t(lang, "units"),
        verified = t(lang, "verified"),
        ns = t(lang, "not_supported"),
        inc = t(lang, "inconclusive"),
        awaiting = t(lang, "awaiting_review"),
        reviewed = t(lang, "reviewed"),
        overridden = t(lang, "overridden"),
        alerts = t(lang, "alerts"),
    );
    let dates: Vec<String> = counts.days.iter().map(|d| d.date.clone()).collect();
    let per_verdict = |v: Verdict| counts.days.iter().map(|d| d.units.of(v)).collect();
    let verdicts = charts::stacked_bars(
        "chart-verdicts",
        t(lang, "verdicts_per_day"),
        &dates,
        &[
            charts::Series {
                label: t(lang, "verified"),
                color: COLORS[0],
                values: per_verdict(Verdict::Verified),
            },
            charts::Series {
                label: t(lang, "not_supported"),
                color: COLORS[1],
                values: per_verdict(Verdict::NotSupported),
            },
            charts::Series {
                label: t(lang, "inconclusive"),
                color: COLORS[2],
                values: per_verdict(Verdict::Inconclusive),
            },
        ],
    );
    let alerts = charts::stacked_bars(
        "chart-alerts",
        t(lang, "alerts_per_day"),
        &dates,
        &[charts::Series {
            label: t(lang, "alerts"),
            color: COLORS[3],
            values: counts.days.iter().map(|d| d.alerts).collect(),
        }],
    );
    out.push_str(&format!(
        r#"<h2>{last}</h2>
<figure class="chart">{verdicts}<figcaption>{verdicts_t}</figcaption></figure>
<figure class="chart">{alerts}<figcaption>{alerts_t}</figcaption></figure>
<details><summary>{numbers}</summary><table><thead><tr><th>{date}</th><th>{verified}</th><th>{ns}</th><th>{inc}</th><th>{alerts_h}</th></tr></thead><tbody>"#,
        last = t(lang, "last_30_days"),
        verdicts_t = t(lang, "verdicts_per_day"),
        alerts_t = t(lang, "alerts_per_day"),
        numbers = t(lang, "numbers_per_day"),
        date = t(lang, "date_utc"),
        verified = t(lang, "verified"),
        ns = t(lang, "not_supported"),
        inc = t(lang, "inconclusive"),
        alerts_h = t(lang, "alerts"),
    ));
    for d in &counts.days {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.date),
            d.units.verified,
            d.units.not_supported,
            d.units.inconclusive,
            d.alerts
        ));
    }
    out.push_str("</tbody></table></details>");
    let mut links = Vec::new();
    if user.is(SupervisorOnly::ROLES) {
        links.push(format!(
            r#"<a href="/review">{}</a>"#,
            t(lang, "review_queue")
        ));
    }
    if user.is(AnalystOrSupervisor::ROLES) {
        links.push(format!(r#"<a href="/alerts">{}</a>"#, t(lang, "alerts")));
    }
    if !links.is_empty() {
        out.push_str(&format!("<p>{}</p>", links.join(" · ")));
    }
    out
}

/// "Page 2 of 5 · Previous · Next" for `?page=` lists.
fn page_links(lang: Lang, page: u64, per_page: u32, total: u64) -> String {
    let pages = total.div_ceil(u64::from(per_page)).max(1);
    let mut out = format!("<p>{} {page} {} {pages}", t(lang, "page"), t(lang, "of"));
    if page > 1 {
        out.push_str(&format!(
            r#" · <a href="?page={}">{}</a>"#,
            (page - 1).min(pages),
            t(lang, "previous")
        ));
    }
    if page < pages {
        out.push_str(&format!(
            r#" · <a href="?page={}">{}</a>"#,
            page + 1,
            t(lang, "next")
        ));
    }
    out.push_str("</p>");
    out
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

/// A likelihood ratio for people: four significant digits, in scientific notation outside
/// 0.001–100 000 (a 20-locus LR has 10–20 digits, most of them noise to the reader).
pub(crate) fn fmt_lr(lr: Option<f64>) -> String {
    match lr {
        None => "–".to_string(),
        Some(0.0) => "0".to_string(),
        Some(v) if !v.is_finite() => v.to_string(),
        Some(v) if (1e-3..1e5).contains(&v.abs()) => {
            let digits = (3 - v.abs().log10().floor() as i32).max(0) as usize;
            format!("{v:.digits$}")
        }
        Some(v) => {
            let exponent = v.abs().log10().floor() as i32;
            format!("{:.3} × 10^{exponent}", v / 10f64.powi(exponent))
        }
    }
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
    body.push_str(&match view.reviews.last() {
        Some(latest) => format!(
            r##"<p class="sign-off {d}"><b>{current}: {summary}</b> (<a href="#sign-off">{history}</a>)</p>"##,
            d = latest.decision,
            current = t(lang, "current_sign_off"),
            summary = sign_off_summary(lang, latest),
            history = t(lang, "sign_off_history"),
        ),
        None => format!(
            r##"<p class="sign-off none"><a href="#sign-off">{}</a></p>"##,
            t(lang, "no_sign_off")
        ),
    });
    body.push_str(&format!(
        r#"<p><a class="report-pdf" href="{path}/report.pdf?lang={code}">{label}</a></p>"#,
        path = unit_path(id, &view.unit.unit_id),
        code = lang.code(),
        label = t(lang, "report_pdf"),
    ));
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
    let empty = Vec::new();
    let members: Vec<(String, lazo_store::MemberRole)> = view
        .unit
        .members
        .iter()
        .map(|m| (m.sample_id.clone(), m.role))
        .collect();
    let links: Vec<crate::pedigree::Link> = report["claims"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|c| crate::pedigree::Link {
            parent: c["parent"].as_str().unwrap_or("").to_string(),
            child: c["child"].as_str().unwrap_or("").to_string(),
            status: c["status"].as_str().unwrap_or("").to_string(),
            log10_lr: c["log10_lr"].as_f64(),
        })
        .collect();
    body.push_str(&crate::pedigree::svg(lang, &members, &links));
    body.push_str(&format!("<h2>{}</h2>", t(lang, "claims")));
    for claim in report["claims"].as_array().unwrap_or(&empty) {
        let text = |k: &str| esc(claim[k].as_str().unwrap_or(""));
        body.push_str(&format!(
            "<h3>{}: {} → {} · LR = {} · log10 LR = {} · {}</h3>",
            t(lang, "claim"),
            text("parent"),
            text("child"),
            fmt_lr(claim["lr"].as_f64()),
            claim["log10_lr"]
                .as_f64()
                .map_or("–".to_string(), |v| format!("{v:.2}")),
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
                lr = fmt_lr(locus["lr"].as_f64()),
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
    body.push_str(&sign_off_section(lang, &user, id, &view));
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

/// "Overridden: Verified → Not supported, by sofia, 2026-11-23T10:15:00.250Z".
fn sign_off_summary(lang: Lang, r: &ReviewRecord) -> String {
    let verdicts = if r.decision == Decision::Confirmed {
        verdict_label(lang, r.final_verdict).to_string()
    } else {
        format!(
            "{} → {}",
            verdict_label(lang, r.machine_verdict),
            verdict_label(lang, r.final_verdict)
        )
    };
    format!(
        "{}: {verdicts}, {} {}, {}",
        t(lang, r.decision.as_str()),
        t(lang, "by"),
        esc(&r.reviewer),
        esc(&r.reviewed_at)
    )
}

/// The unit's sign-off history and, for supervisors, the forms to confirm or override.
fn sign_off_section(lang: Lang, user: &User, run: RunId, view: &api::UnitView) -> String {
    let mut out = format!(r#"<section id="sign-off"><h2>{}</h2>"#, t(lang, "sign_off"));
    if view.reviews.is_empty() {
        out.push_str(&format!("<p>{}</p>", t(lang, "no_sign_off")));
    } else {
        out.push_str(&format!(
            "<table><caption>{}</caption><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "sign_off_history"),
            t(lang, "when"),
            t(lang, "reviewer"),
            t(lang, "decision"),
            t(lang, "machine_verdict"),
            t(lang, "final_verdict"),
            t(lang, "reason"),
        ));
        for r in &view.reviews {
            out.push_str(&format!(
                r#"<tr class="{d}"><td>{n}</td><td>{at}</td><td>{who}</td><td>{decision}</td><td>{machine}</td><td>{fin}</td><td class="reason">{reason}</td></tr>"#,
                d = r.decision,
                n = r.version,
                at = esc(&r.reviewed_at),
                who = esc(&r.reviewer),
                decision = t(lang, r.decision.as_str()),
                machine = verdict_label(lang, r.machine_verdict),
                fin = verdict_label(lang, r.final_verdict),
                reason = esc(r.reason.as_deref().unwrap_or("")).replace('\n', "<br>"),
            ));
        }
        out.push_str("</tbody></table>");
    }
    if user.is(SupervisorOnly::ROLES) {
        let action = format!("{}/review", unit_path(run, &view.unit.unit_id));
        let previous = view.reviews.last().map_or(0, |r| r.version);
        let machine = view.unit.verdict;
        let hidden = |decision: Decision| {
            format!(
                r#"{csrf}<input type="hidden" name="previous" value="{previous}"><input type="hidden" name="decision" value="{decision}">"#,
                csrf = csrf_field(&user.csrf),
            )
        };
        let options: String = Verdict::ALL
            .iter()
            .filter(|v| **v != machine)
            .map(|v| {
                format!(
                    r#"<option value="{v}">{}</option>"#,
                    verdict_label(lang, *v)
                )
            })
            .collect();
        out.push_str(&format!(
            r#"<form method="post" action="{action}" class="confirm"><fieldset><legend>{confirm}</legend>{hidden_c}
<p><label>{reason_opt}<br><textarea name="reason" rows="3" cols="60" maxlength="{max}"></textarea></label></p>
<p><button>{confirm}: {machine_label}</button></p></fieldset></form>
<form method="post" action="{action}" class="override"><fieldset><legend>{override_v}</legend>{hidden_o}
<p><label>{new_verdict} <select name="verdict" required>{options}</select></label></p>
<p><label>{reason_req}<br><textarea name="reason" rows="3" cols="60" maxlength="{max}" required></textarea></label></p>
<p><button>{override_v}</button></p></fieldset></form>"#,
            action = esc(&action),
            hidden_c = hidden(Decision::Confirmed),
            hidden_o = hidden(Decision::Overridden),
            reason_opt = t(lang, "reason_optional"),
            reason_req = t(lang, "reason_required"),
            max = lazo_store::MAX_REASON_CHARS,
            confirm = t(lang, "confirm_verdict"),
            machine_label = verdict_label(lang, machine),
            new_verdict = t(lang, "new_verdict"),
            override_v = t(lang, "override_verdict"),
        ));
    }
    out.push_str("</section>");
    out
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    previous: String,
}

/// POST /runs/{id}/units/{unit}/review: a supervisor confirms or overrides the verdict; back
/// to the unit's page (also when the same form was sent twice: the first sign-off stands).
pub async fn review<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Path((id, unit_id)): Path<(String, String)>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, ApiError> {
    if !auth::csrf_ok(&user.csrf, &form.csrf) {
        return Err(ApiError::csrf());
    }
    let id = parse_run(&id)?;
    let previous_version = match form.previous.trim() {
        "" => None,
        text => Some(
            text.parse::<u32>()
                .map_err(|_| ApiError::bad_request("the form's review number is not a number"))?,
        ),
    };
    let input = SignOff {
        decision: form.decision,
        verdict: Some(form.verdict),
        reason: Some(form.reason),
        previous_version,
    };
    review::sign_off(&state, &user, &request_id, id, &unit_id, input).await?;
    Ok(Redirect::to(&format!("{}#sign-off", unit_path(id, &unit_id))).into_response())
}

/// GET /review?page=: units no one has signed off, problems first, older runs first.
/// Supervisors only.
pub async fn review_queue<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Query(q): Query<api::PageNumber>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let (page_no, per_page, offset) = q.resolve();
    let queue = state.store.review_queue(per_page, offset).await?;
    let mut body = format!(
        "<p>{}: <b>{}</b></p>",
        t(lang, "awaiting_review"),
        queue.total
    );
    if queue.total == 0 {
        body.push_str(&format!("<p>{}</p>", t(lang, "queue_empty")));
    } else {
        body.push_str(&format!(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "unit"),
            t(lang, "machine_verdict"),
            t(lang, "run"),
            t(lang, "alerts"),
        ));
        for item in &queue.items {
            // Verdict second: the stylesheet colours a verdict row's second cell.
            body.push_str(&format!(
                r#"<tr class="{v}"><td><a href="{unit_href}">{unit}</a></td><td>{label}</td><td><a href="/runs/{run}">{at}</a></td><td>{alerts}</td></tr>"#,
                v = item.verdict,
                run = item.run_id,
                at = esc(&item.run_started_at),
                unit_href = esc(&unit_path(item.run_id, &item.unit_id)),
                unit = esc(&item.unit_id),
                label = verdict_label(lang, item.verdict),
                alerts = item.alerts,
            ));
        }
        body.push_str("</tbody></table>");
        body.push_str(&page_links(lang, page_no, per_page, queue.total));
    }
    Ok(page(lang, t(lang, "review_queue"), Some(&user), &body))
}

/// "S1 (mother), S9 (father)", or "no adult".
fn adults_text(lang: Lang, adults: &serde_json::Value) -> String {
    let names: Vec<String> = adults
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|a| {
            let role = a["role"].as_str().unwrap_or("");
            let role = match role {
                "mother" | "father" => t(lang, role).to_string(),
                other => esc(other),
            };
            format!("{} ({role})", esc(a["sample_id"].as_str().unwrap_or("?")))
        })
        .collect();
    if names.is_empty() {
        t(lang, "no_adult").to_string()
    } else {
        names.join(", ")
    }
}

/// GET /alerts?page=: the alerts of every run, newest first; for a repeat child the adults
/// now and each earlier presentation with a link to its unit. Analysts and supervisors;
/// audited.
pub async fn alerts<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Query(q): Query<api::PageNumber>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = lang(&uri, &headers);
    let (page_no, per_page, alerts) = api::read_alert_page(&state, &user, &request_id, &q).await?;
    let mut body = format!("<p>{}: <b>{}</b></p>", t(lang, "alerts"), alerts.total);
    if alerts.total == 0 {
        body.push_str(&format!("<p>{}</p>", t(lang, "no_alerts")));
        return Ok(page(lang, t(lang, "alerts"), Some(&user), &body));
    }
    body.push_str(&format!(
        "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "run"),
        t(lang, "unit"),
        t(lang, "child"),
        t(lang, "adults_now"),
        t(lang, "earlier"),
    ));
    for a in &alerts.items {
        let detail = api::alert_detail(a);
        let (child, adults, earlier) = if a.alert.kind == "repeat_child" {
            let earlier_units = api::earlier_units(a, &detail);
            let empty = Vec::new();
            let items: Vec<String> = detail["earlier"]
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .filter(|e| e["unit_id"].is_string())
                .zip(&earlier_units)
                .map(|(e, (run, unit, link))| {
                    let other_run = if *run == a.run_id {
                        String::new()
                    } else {
                        format!(r#" (<a href="/runs/{run}">{}</a>)"#, t(lang, "run"))
                    };
                    let shared = e["shared_loci"]
                        .as_u64()
                        .map(|n| format!(" · {n} {}", t(lang, "shared_loci")))
                        .unwrap_or_default();
                    format!(
                        r#"<li>{as_s} <b>{sample}</b> {in_unit} <a href="{href}">{unit}</a>{other_run} {with} {adults}{shared}</li>"#,
                        as_s = t(lang, "as_sample"),
                        sample = esc(e["sample_id"].as_str().unwrap_or("?")),
                        in_unit = t(lang, "in_unit"),
                        href = esc(link),
                        unit = esc(unit),
                        with = t(lang, "with_adults"),
                        adults = adults_text(lang, &e["adults"]),
                    )
                })
                .collect();
            (
                format!(
                    "{}: <b>{}</b>",
                    t(lang, "repeat_child"),
                    esc(detail["sample_id"]
                        .as_str()
                        .or(a.alert.sample_id.as_deref())
                        .unwrap_or("?"))
                ),
                adults_text(lang, &detail["adults"]),
                format!("<ul>{}</ul>", items.concat()),
            )
        } else {
            (
                format!(
                    "{} {}",
                    esc(&a.alert.kind),
                    esc(a.alert.sample_id.as_deref().unwrap_or(""))
                ),
                String::new(),
                format!("<code>{}</code>", esc(&a.alert.detail_json)),
            )
        };
        body.push_str(&format!(
            r#"<tr class="alert {kind}"><td><a href="/runs/{run}">{at}</a></td><td><a href="{unit_href}">{unit}</a></td><td>{child}</td><td>{adults}</td><td>{earlier}</td></tr>"#,
            kind = esc(&a.alert.kind),
            run = a.run_id,
            at = esc(&a.run_started_at),
            unit_href = esc(&unit_path(a.run_id, &a.alert.unit_id)),
            unit = esc(&a.alert.unit_id),
        ));
    }
    body.push_str("</tbody></table>");
    body.push_str(&page_links(lang, page_no, per_page, alerts.total));
    Ok(page(lang, t(lang, "alerts"), Some(&user), &body))
}

#[cfg(test)]
mod lr_format_tests {
    use super::fmt_lr;

    #[test]
    fn four_significant_digits() {
        assert_eq!(fmt_lr(Some(1_552_722.501_133_478_2)), "1.553 × 10^6");
        assert_eq!(fmt_lr(Some(3.596_803_376)), "3.597");
        assert_eq!(fmt_lr(Some(0.001)), "0.001000");
        assert_eq!(fmt_lr(Some(0.000_12)), "1.200 × 10^-4");
        assert_eq!(fmt_lr(Some(12_345.6)), "12346");
        assert_eq!(fmt_lr(Some(0.0)), "0");
        assert_eq!(fmt_lr(None), "–");
    }
}
