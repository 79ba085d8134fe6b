//! The service in process (tower `oneshot`), on a real SQLite file and, when a server is given
//! (`DATABASE_URL` / `LAZO_TEST_POSTGRES_URL`, as `scripts/with-postgres.sh` sets), on real
//! PostgreSQL: every scenario runs on both.

#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use lazo_server::auth::Access;
use lazo_server::password::{self, Cost};
use lazo_server::{AppState, Backend, Clock, Config, ManualClock, route_table, router};
use lazo_store::lazo_audit::AuditKey;
use lazo_store::{NewAccount, Role, RunId, conformance};
use sqlx::{AssertSqlSafe, Connection};
use tower::ServiceExt;

const RUN: u128 = 0x5eed;
const T0: i64 = 1_795_000_000_000;

fn password_of(role: Role) -> String {
    format!("pw-{role}-long-enough")
}

/// A run whose first unit's report has per-locus LRs, one locus inconsistent; an intake of the
/// field agent's site, so that every casework role may open it.
fn run() -> lazo_store::RunRecord {
    let mut run = conformance::sample_run(RUN, "2026-11-23T09:00:00Z");
    run.site = Some("Tapachula".into());
    run.units[0].report_json = r#"{"unit_id":"U0001","verdict":"verified","claims":[{"parent":"S1","role":"mother","child":"S2","lr":123456.0,"log10_lr":5.09,"loci_used":2,"inconsistent_loci":["TH01"],"loci":[{"locus":"D3S1358","lr":3.5,"inconsistent":false},{"locus":"TH01","lr":0.001,"inconsistent":true}],"status":"consistent"}],"reasons":["r"],"recommendations":[]}"#.into();
    run
}

struct App<S> {
    router: Router,
    state: AppState<S>,
    clock: Arc<ManualClock>,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap().to_string())
    }
}

impl<S: Backend> App<S> {
    async fn new(store: S) -> App<S> {
        let clock = Arc::new(ManualClock::new(T0));
        let config = Config {
            secure_cookies: false,
            password: Cost::TEST,
            ..Config::default()
        };
        let key = AuditKey::new(vec![42u8; 32]).unwrap();
        let state = AppState::new(store, key, clock.clone(), config);
        state.store.save_run(&run()).await.unwrap();
        for role in Role::ALL {
            state
                .store
                .create_account(&NewAccount {
                    name: role.as_str().into(),
                    role: *role,
                    site: (*role == Role::FieldAgent).then(|| "Tapachula".into()),
                    password_hash: password::hash(&password_of(*role), Cost::TEST).unwrap(),
                    must_change_password: false,
                    created_at: "2026-11-23T08:00:00Z".into(),
                })
                .await
                .unwrap();
        }
        App {
            router: router(state.clone()),
            state,
            clock,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        cookies: &[&str],
        body: Option<(&str, String)>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if !cookies.is_empty() {
            request = request.header(header::COOKIE, cookies.join("; "));
        }
        let request = match body {
            Some((content_type, body)) => request
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body)),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        self.send(Method::GET, path, cookie.as_slice(), None).await
    }

    async fn api_sign_in(&self, name: &str, password: &str) -> Reply {
        let body = serde_json::json!({"name": name, "password": password}).to_string();
        self.send(
            Method::POST,
            "/api/session",
            &[],
            Some(("application/json", body)),
        )
        .await
    }

    /// Signs in as `role`; returns the session cookie and the CSRF token.
    async fn session(&self, role: Role) -> (String, String) {
        let reply = self.api_sign_in(role.as_str(), &password_of(role)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.cookie("lazo_session").unwrap();
        // The password form is open to every signed-in account, even one that must enrol a
        // second factor first, and carries the session's CSRF token like every form.
        let me = self.get("/password", Some(&cookie)).await;
        let csrf = me
            .body
            .split(r#"name="csrf" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        (cookie, csrf)
    }

    /// The same store and clock, served with `roles` required to have a second factor.
    fn requiring_totp(self, roles: &[Role]) -> App<S> {
        let config = Config {
            totp_required: roles.to_vec(),
            ..(*self.state.config).clone()
        };
        let state = AppState::new(
            self.state.store.clone(),
            self.state.key.clone(),
            self.clock.clone(),
            config,
        );
        App {
            router: router(state.clone()),
            state,
            clock: self.clock,
        }
    }

    async fn sign_in_with_code(&self, role: Role, code: &str) -> Reply {
        let body =
            serde_json::json!({"name": role.as_str(), "password": password_of(role), "code": code})
                .to_string();
        self.send(
            Method::POST,
            "/api/session",
            &[],
            Some(("application/json", body)),
        )
        .await
    }

    async fn verify_chain(&self) -> Result<u64, String> {
        lazo_store::verify_audit(&self.state.store, &self.state.key)
            .await
            .unwrap()
            .map(|v| v.records)
            .map_err(|e| e.to_string())
    }

    async fn actions(&self) -> Vec<String> {
        self.state
            .store
            .audit_records(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.event.action)
            .collect()
    }
}

// ---- scenarios, each run on every backend ----

/// A role that requires a second factor can do nothing but enrol until it has one; enrolment
/// needs a real code; afterwards every sign-in needs a fresh code (none, a wrong one or a
/// replayed one fails and counts towards the lock); roles without the requirement are untouched.
async fn second_factor<S: Backend>(app: App<S>) {
    let app = app.requiring_totp(&[Role::Supervisor]);
    let (cookie, csrf) = app.session(Role::Supervisor).await;
    let blocked = app.get("/api/runs", Some(&cookie)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert_eq!(blocked.json()["error"]["code"], "totp_enrollment_required");
    let page = app.get("/", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/totp");
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.json()["must_enroll_totp"],
        true
    );
    // An analyst is not required to enrol.
    let (analyst, _) = app.session(Role::LabAnalyst).await;
    assert_eq!(
        app.get("/api/runs", Some(&analyst)).await.status,
        StatusCode::OK
    );

    // Enrolment: the page offers a key; a wrong code is refused and nothing is stored.
    let form = app.get("/totp", Some(&cookie)).await;
    assert_eq!(form.status, StatusCode::OK);
    let secret = form
        .body
        .split(r#"name="secret" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let urlenc = "application/x-www-form-urlencoded";
    let wrong = app
        .send(
            Method::POST,
            "/totp",
            &[&cookie],
            Some((urlenc, format!("csrf={csrf}&secret={secret}&code=000000"))),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        app.state
            .store
            .account("supervisor")
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .is_none()
    );
    let now = app.clock.now_ms();
    let code = lazo_server::totp::code_at(&secret, now).unwrap();
    let no_csrf = app
        .send(
            Method::POST,
            "/totp",
            &[&cookie],
            Some((urlenc, format!("secret={secret}&code={code}"))),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let enrolled = app
        .send(
            Method::POST,
            "/totp",
            &[&cookie],
            Some((urlenc, format!("csrf={csrf}&secret={secret}&code={code}"))),
        )
        .await;
    assert_eq!(enrolled.status, StatusCode::SEE_OTHER, "{}", enrolled.body);
    assert_eq!(
        app.get("/api/runs", Some(&cookie)).await.status,
        StatusCode::OK
    );
    assert!(app.actions().await.contains(&"totp_enrolled".to_string()));

    // Sign-ins now need a code: none, wrong, or the enrolment code again all fail.
    assert_eq!(
        app.api_sign_in("supervisor", &password_of(Role::Supervisor))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let wrong_code = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(
        app.sign_in_with_code(Role::Supervisor, &wrong_code)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in_with_code(Role::Supervisor, &code).await.status,
        StatusCode::UNAUTHORIZED,
        "the code used to enrol cannot be replayed"
    );
    app.clock.advance_ms(30_000);
    let next = lazo_server::totp::code_at(&secret, app.clock.now_ms()).unwrap();
    let ok = app.sign_in_with_code(Role::Supervisor, &next).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["must_enroll_totp"], false);
    assert_eq!(
        app.sign_in_with_code(Role::Supervisor, &next).await.status,
        StatusCode::UNAUTHORIZED,
        "a code is accepted once"
    );
    // Failures count towards the lock; the success reset the count, one failure since.
    assert_eq!(
        app.state
            .store
            .account("supervisor")
            .await
            .unwrap()
            .unwrap()
            .failed_sign_ins,
        1,
        "a success resets the count; one failure since"
    );
    // Enrolling again is refused.
    let again = app
        .get("/api/totp/new", Some(&ok.cookie("lazo_session").unwrap()))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(app.verify_chain().await.is_ok());
}

async fn sign_in_and_failures<S: Backend>(app: App<S>) {
    let ok = app
        .api_sign_in("lab_analyst", &password_of(Role::LabAnalyst))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json()["role"], "lab_analyst");
    let set_cookie = ok
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = ok.cookie("lazo_session").unwrap();
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.json()["name"],
        "lab_analyst"
    );

    let bad = app.api_sign_in("lab_analyst", "wrong").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let error = &bad.json()["error"];
    assert_eq!(error["code"], "sign_in_failed");
    assert_eq!(
        error["request_id"].as_str().unwrap(),
        bad.headers["x-request-id"].to_str().unwrap()
    );
    // Unknown names fail the same way.
    let unknown = app.api_sign_in("nobody", "wrong").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.json()["error"]["code"], "sign_in_failed");

    // Lockout: five failures lock for ten minutes, even with the right password.
    let right = password_of(Role::Supervisor);
    for _ in 0..5 {
        assert_eq!(
            app.api_sign_in("supervisor", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.api_sign_in("supervisor", &right).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.clock.advance_ms(9 * 60 * 1000);
    assert_eq!(
        app.api_sign_in("supervisor", &right).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.clock.advance_ms(61 * 1000);
    assert_eq!(
        app.api_sign_in("supervisor", &right).await.status,
        StatusCode::OK
    );
    // Four failures do not lock.
    for _ in 0..4 {
        app.api_sign_in("auditor", "wrong").await;
    }
    assert_eq!(
        app.api_sign_in("auditor", &password_of(Role::Auditor))
            .await
            .status,
        StatusCode::OK
    );

    // Sign-out ends the session.
    let out = app
        .send(Method::DELETE, "/api/session", &[&cookie], None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );

    let actions = app.actions().await;
    for action in ["sign_in", "sign_in_failed", "sign_out"] {
        assert!(actions.iter().any(|a| a == action), "{action} not audited");
    }
    assert_eq!(
        actions.iter().filter(|a| *a == "sign_in_failed").count(),
        2 + 5 + 2 + 4
    );
    app.verify_chain().await.unwrap();
}

async fn idle_sessions_end<S: Backend>(app: App<S>) {
    let (cookie, _) = app.session(Role::LabAnalyst).await;
    app.clock.advance_ms(29 * 60 * 1000);
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.status,
        StatusCode::OK
    );
    // Activity restarted the timer.
    app.clock.advance_ms(29 * 60 * 1000);
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.status,
        StatusCode::OK
    );
    app.clock.advance_ms(30 * 60 * 1000 + 1);
    let expired = app.get("/api/me", Some(&cookie)).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.json()["error"]["code"], "session_expired");
    // Gone for good, also after the clock is moved back.
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.json()["error"]["code"],
        "unauthorized"
    );
    assert!(app.actions().await.iter().any(|a| a == "session_expired"));
}

async fn csrf_is_required<S: Backend>(app: App<S>) {
    let form = |csrf: &str, pw: &str| {
        Some((
            "application/x-www-form-urlencoded",
            format!("name=lab_analyst&password={pw}&csrf={csrf}"),
        ))
    };
    let pw = password_of(Role::LabAnalyst);
    // No double-submit cookie, or a token that does not match it: refused before the password
    // is even looked at.
    let no_cookie = app
        .send(Method::POST, "/sign-in", &[], form("abc", &pw))
        .await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
    assert!(no_cookie.body.contains("csrf"));
    let page = app.get("/sign-in", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let pre = page.cookie("lazo_csrf").unwrap();
    let token = pre.split('=').nth(1).unwrap().to_string();
    let wrong = app
        .send(Method::POST, "/sign-in", &[&pre], form("x", &pw))
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let ok = app
        .send(Method::POST, "/sign-in", &[&pre], form(&token, &pw))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let cookie = ok.cookie("lazo_session").unwrap();
    let bad_pw = app
        .send(Method::POST, "/sign-in", &[&pre], form(&token, "nope"))
        .await;
    assert_eq!(bad_pw.status, StatusCode::UNAUTHORIZED);

    // Signed in: sign-out needs the session's token.
    let html = app.get("/", Some(&cookie)).await.body;
    let csrf = html
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let urlenc = "application/x-www-form-urlencoded";
    let refused = app
        .send(
            Method::POST,
            "/sign-out",
            &[&cookie],
            Some((urlenc, "csrf=other".into())),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.status,
        StatusCode::OK
    );
    let out = app
        .send(
            Method::POST,
            "/sign-out",
            &[&cookie],
            Some((urlenc, format!("csrf={csrf}"))),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/api/me", Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // JSON endpoints take JSON only (a cross-site form cannot send it).
    let as_form = app
        .send(
            Method::POST,
            "/api/session",
            &[],
            Some((urlenc, "name=a&password=b".into())),
        )
        .await;
    assert_eq!(as_form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        as_form.json()["error"]["code"],
        "unsupported_media_type",
        "{}",
        as_form.body
    );
    // A malformed body gets the same error body as every other error, with its request id.
    for broken in [
        "{\"name\": ",
        "[1, 2]",
        "{\"name\": 5, \"password\": \"x\"}",
    ] {
        let reply = app
            .send(
                Method::POST,
                "/api/session",
                &[],
                Some(("application/json", broken.into())),
            )
            .await;
        assert!(reply.status.is_client_error(), "{broken}: {}", reply.status);
        let error = &reply.json()["error"];
        assert!(error["code"].is_string(), "{broken}: {}", reply.body);
        assert!(
            !error["message"].as_str().unwrap_or("").is_empty(),
            "{broken}"
        );
        assert_eq!(
            error["request_id"].as_str(),
            reply.headers["x-request-id"].to_str().ok(),
            "{broken}"
        );
    }
}

/// Every route × every role, and signed out: 401 signed out, 403 for a role the table does
/// not list, success for one it does.
async fn route_role_table<S: Backend>(app: App<S>) {
    let run_id = RunId::from_u128(RUN).to_string();
    let mut checked = 0;
    for (spec, _) in route_table::<S>() {
        let path = spec
            .path
            .replace("{id}", &run_id)
            .replace("{unit}", "U0001");
        let Access::Roles { roles, .. } = spec.access else {
            continue;
        };
        let anonymous = app.send(spec.method.clone(), &path, &[], None).await;
        if spec.method == Method::GET && !path.starts_with("/api") {
            // A person opening a page is sent to sign in.
            assert_eq!(
                anonymous.status,
                StatusCode::SEE_OTHER,
                "GET {path} signed out"
            );
            assert_eq!(
                anonymous.headers[header::LOCATION],
                "/sign-in",
                "GET {path}"
            );
        } else {
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{} {path} signed out",
                spec.method
            );
        }
        for role in Role::ALL {
            let (cookie, csrf) = app.session(*role).await;
            // Forms carry the CSRF token; JSON endpoints get an empty object (a valid request
            // shape, so an allowed role gets past the gate to the handler's own checks).
            let body = if spec.form {
                Some(("application/x-www-form-urlencoded", format!("csrf={csrf}")))
            } else if spec.method == Method::POST && path.starts_with("/api/") {
                Some(("application/json", "{}".to_string()))
            } else {
                None
            };
            let reply = app.send(spec.method.clone(), &path, &[&cookie], body).await;
            let what = format!(
                "{} {path} as {role}: {} {}",
                spec.method, reply.status, reply.body
            );
            if roles.contains(role) {
                if spec.method == Method::GET {
                    assert_eq!(reply.status, StatusCode::OK, "{what}");
                } else {
                    // Reached the handler: an empty body may be refused as such, but not
                    // for want of a session or a role.
                    assert!(
                        reply.status.is_success()
                            || reply.status.is_redirection()
                            || matches!(
                                reply.status,
                                StatusCode::BAD_REQUEST
                                    | StatusCode::UNSUPPORTED_MEDIA_TYPE
                                    | StatusCode::UNPROCESSABLE_ENTITY
                            ),
                        "{what}"
                    );
                }
            } else {
                assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}");
                if path.starts_with("/api") {
                    assert_eq!(reply.json()["error"]["code"], "forbidden", "{what}");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 14 * 5, "{checked}");
    // Least privilege, spelled out.
    let unit = format!("/api/runs/{run_id}/units/U0001");
    for (role, status) in [
        (Role::FieldAgent, StatusCode::FORBIDDEN),
        (Role::LabAnalyst, StatusCode::OK),
        (Role::Supervisor, StatusCode::OK),
        (Role::Auditor, StatusCode::FORBIDDEN),
        (Role::Admin, StatusCode::FORBIDDEN),
    ] {
        let (cookie, _) = app.session(role).await;
        assert_eq!(app.get(&unit, Some(&cookie)).await.status, status, "{role}");
    }
}

async fn reads_are_audited_and_shown<S: Backend>(app: App<S>) {
    let run_id = RunId::from_u128(RUN).to_string();
    let (cookie, _) = app.session(Role::LabAnalyst).await;
    let before = app.actions().await.len();
    let api = app
        .get(&format!("/api/runs/{run_id}/units/U0001"), Some(&cookie))
        .await;
    assert_eq!(api.status, StatusCode::OK);
    // The stored report comes back byte for byte inside the envelope.
    assert!(api.body.contains(&run().units[0].report_json));
    assert_eq!(api.json()["unit"]["verdict"], "verified");
    let actions = app.actions().await;
    assert_eq!(
        &actions[before..],
        ["read_child", "read_profile", "read_profile"]
    );

    let page = app
        .get(
            &format!("/runs/{run_id}/units/U0001?lang=es"),
            Some(&cookie),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Veredicto"));
    assert!(
        page.body
            .contains(r#"<tr class="inconsistent"><td>TH01</td>"#)
    );
    assert!(page.body.contains("D3S1358"));
    assert!(page.body.contains("Genotipos"));
    // The choice is remembered: the next page, without `?lang=`, is Spanish too.
    let lang_cookie = page.cookie("lazo_lang").expect("language cookie");
    assert_eq!(lang_cookie, "lazo_lang=es");
    let next = app
        .send(
            Method::GET,
            &format!("/runs/{run_id}"),
            &[&cookie, &lang_cookie],
            None,
        )
        .await;
    assert!(next.body.contains("Veredicto"), "{}", next.body);
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ] {
        assert_eq!(page.headers[name], value);
    }
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'self'")
    );

    let alerts = app
        .get(&format!("/api/runs/{run_id}/alerts"), Some(&cookie))
        .await;
    assert_eq!(alerts.status, StatusCode::OK);
    assert_eq!(alerts.json()["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(app.actions().await.last().unwrap(), "read_alerts");

    let list = app.get("/api/runs?limit=1&offset=0", Some(&cookie)).await;
    assert_eq!(list.json()["total"], 1);
    assert_eq!(list.json()["runs"][0]["id"], run_id);
    let missing = app
        .get(
            "/api/runs/00000000-0000-0000-0000-000000000000",
            Some(&cookie),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");

    // Auditors read the log (and that read is itself recorded).
    let (auditor, _) = app.session(Role::Auditor).await;
    let log = app
        .get("/api/audit?after=0&limit=1000", Some(&auditor))
        .await;
    assert_eq!(log.status, StatusCode::OK);
    let records = log.json()["records"].as_array().unwrap().len();
    assert!(records >= 5);
    assert_eq!(app.actions().await.last().unwrap(), "read_audit");
    app.verify_chain().await.unwrap();
}

// ---- review, alerts, dashboard ----

const FORM: &str = "application/x-www-form-urlencoded";

/// Form-encodes `pairs` (the few characters these tests use).
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".into(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl<S: Backend> App<S> {
    async fn post_form(&self, path: &str, cookie: &str, body: String) -> Reply {
        self.send(Method::POST, path, &[cookie], Some((FORM, body)))
            .await
    }

    async fn post_json(&self, path: &str, cookie: &str, body: serde_json::Value) -> Reply {
        self.send(
            Method::POST,
            path,
            &[cookie],
            Some(("application/json", body.to_string())),
        )
        .await
    }

    async fn reviews_of(&self, unit: &str) -> Vec<lazo_store::ReviewRecord> {
        self.state
            .store
            .unit_reviews(RunId::from_u128(RUN), unit)
            .await
            .unwrap()
    }

    async fn queue(&self, cookie: &str) -> Vec<String> {
        let reply = self.get("/api/review-queue", Some(cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let json = reply.json();
        let items: Vec<String> = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["unit_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(json["total"], items.len());
        items
    }
}

async fn supervisor_confirms_and_overrides<S: Backend>(app: App<S>) {
    let run_id = RunId::from_u128(RUN).to_string();
    let unit_page = format!("/runs/{run_id}/units/U0001");
    let action = format!("{unit_page}/review");
    let (cookie, csrf) = app.session(Role::Supervisor).await;
    // Problems first: not supported, inconclusive, then verified.
    assert_eq!(app.queue(&cookie).await, ["U0002", "U0003", "U0001"]);
    let queue_page = app.get("/review", Some(&cookie)).await;
    assert_eq!(queue_page.status, StatusCode::OK);
    assert!(queue_page.body.contains(&format!(r#"href="{unit_page}""#)));

    let before = app.get(&unit_page, Some(&cookie)).await.body;
    assert!(before.contains("Not signed off yet"));
    assert!(before.contains(&format!(r#"<form method="post" action="{action}""#)));
    assert!(before.contains(r#"name="previous" value="0""#));
    assert!(before.contains(r#"<option value="not_supported">"#));
    assert!(
        !before.contains(r#"<option value="verified">"#),
        "an override offers only the other verdicts"
    );

    // Confirm: back to the unit's page; the same form sent twice signs once.
    let confirm = form(&[
        ("csrf", &csrf),
        ("previous", "0"),
        ("decision", "confirmed"),
        ("reason", ""),
    ]);
    for _ in 0..2 {
        let done = app.post_form(&action, &cookie, confirm.clone()).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(
            done.headers[header::LOCATION],
            format!("{unit_page}#sign-off")
        );
    }
    let history = app.reviews_of("U0001").await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].reviewer, "supervisor");
    assert_eq!(history[0].reason, None);
    let actions = app.actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "review_saved").count(), 1);
    assert_eq!(app.queue(&cookie).await, ["U0002", "U0003"]);

    // An override needs a reason and another verdict; nothing is stored otherwise.
    let override_form = |verdict: &str, reason: &str, previous: &str| {
        form(&[
            ("csrf", &csrf),
            ("previous", previous),
            ("decision", "overridden"),
            ("verdict", verdict),
            ("reason", reason),
        ])
    };
    for (verdict, reason) in [("not_supported", "  "), ("verified", "same verdict")] {
        let refused = app
            .post_form(&action, &cookie, override_form(verdict, reason, "1"))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{verdict}");
        assert!(refused.body.contains("invalid_review"), "{}", refused.body);
    }
    assert_eq!(app.reviews_of("U0001").await.len(), 1);
    let reason = "Sample S2 <b>swapped</b> at collection";
    let done = app
        .post_form(
            &action,
            &cookie,
            override_form("not_supported", reason, "1"),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // A form loaded before that override (it names review 1 as the latest) is refused.
    let stale = app
        .post_form(&action, &cookie, override_form("inconclusive", "late", "1"))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(app.reviews_of("U0001").await.len(), 2);

    // The page shows the history (escaped) and the current sign-off; so does the API.
    let page = app.get(&unit_page, Some(&cookie)).await.body;
    assert!(page.contains("Current sign-off: Overridden: Verified → Not supported, by supervisor"));
    assert!(page.contains("Sample S2 &lt;b&gt;swapped&lt;/b&gt; at collection"));
    assert!(!page.contains("<b>swapped</b>"));
    assert!(page.contains(r#"name="previous" value="2""#));
    let es = app
        .get(&format!("{unit_page}?lang=es"), Some(&cookie))
        .await
        .body;
    assert!(es.contains("Historial de revisiones") && es.contains("Modificado"));
    let api = app
        .get(&format!("/api/runs/{run_id}/units/U0001"), Some(&cookie))
        .await
        .json();
    let reviews = api["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 2);
    assert_eq!(reviews[0]["decision"], "confirmed");
    assert_eq!(reviews[1]["decision"], "overridden");
    assert_eq!(reviews[1]["machine_verdict"], "verified");
    assert_eq!(reviews[1]["final_verdict"], "not_supported");
    assert_eq!(reviews[1]["reason"], reason);
    assert_eq!(reviews[1]["version"], 2);

    // The JSON API: the same rules, 201 for a new sign-off, 200 for a repeat.
    let api_action = format!("/api/runs/{run_id}/units/U0003/review");
    let confirm = serde_json::json!({"decision": "confirmed"});
    let first = app.post_json(&api_action, &cookie, confirm.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["review"]["final_verdict"], "inconclusive");
    assert_eq!(first.json()["repeated"], false);
    let again = app.post_json(&api_action, &cookie, confirm).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["repeated"], true);
    assert_eq!(again.json()["review"]["version"], 1);
    for bad in [
        serde_json::json!({"decision": "overridden", "verdict": "verified"}),
        serde_json::json!({"decision": "overridden", "verdict": "verified", "reason": ""}),
        serde_json::json!({"decision": "confirmed", "verdict": "verified"}),
        serde_json::json!({"decision": "approved"}),
        serde_json::json!({"decision": "overridden", "reason": "which one?"}),
    ] {
        let refused = app.post_json(&api_action, &cookie, bad.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(refused.json()["error"]["code"], "invalid_review", "{bad}");
    }
    let stale = app
        .post_json(
            &api_action,
            &cookie,
            serde_json::json!({"decision": "overridden", "verdict": "verified",
                "reason": "late", "previous_version": 0}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let overridden = app
        .post_json(
            &api_action,
            &cookie,
            serde_json::json!({"decision": "overridden", "verdict": "verified",
                "reason": "the second child was typed again", "previous_version": 1}),
        )
        .await;
    assert_eq!(
        overridden.status,
        StatusCode::CREATED,
        "{}",
        overridden.body
    );
    assert_eq!(overridden.json()["review"]["version"], 2);
    let missing = app
        .post_json(
            &format!("/api/runs/{run_id}/units/U0404/review"),
            &cookie,
            serde_json::json!({"decision": "confirmed"}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(app.queue(&cookie).await, ["U0002"]);

    // Every sign-off is in the audit chain with its decision and verdicts.
    let records = app.state.store.audit_records(0, 10_000).await.unwrap();
    let saved: Vec<serde_json::Value> = records
        .iter()
        .filter(|r| r.event.action == "review_saved")
        .map(|r| serde_json::from_str(&r.event.detail).unwrap())
        .collect();
    assert_eq!(saved.len(), 4);
    assert_eq!(saved[1]["decision"], "overridden");
    assert_eq!(saved[1]["machine_verdict"], "verified");
    assert_eq!(saved[1]["final_verdict"], "not_supported");
    assert_eq!(saved[1]["reason"], reason);
    let last = records
        .iter()
        .rfind(|r| r.event.action == "review_saved")
        .unwrap();
    assert_eq!(last.event.actor, "supervisor");
    assert_eq!(last.event.target, format!("unit:{run_id}/U0003"));
    app.verify_chain().await.unwrap();

    // Analysts see the history, not the form.
    let (analyst, _) = app.session(Role::LabAnalyst).await;
    let page = app.get(&unit_page, Some(&analyst)).await.body;
    assert!(page.contains("Sign-off history"));
    assert!(!page.contains(&format!(r#"action="{action}""#)));
}

async fn review_needs_a_supervisor_and_csrf<S: Backend>(app: App<S>) {
    let run_id = RunId::from_u128(RUN).to_string();
    let action = format!("/runs/{run_id}/units/U0002/review");
    let api_action = format!("/api{action}");
    for role in [
        Role::FieldAgent,
        Role::LabAnalyst,
        Role::Auditor,
        Role::Admin,
    ] {
        let (cookie, csrf) = app.session(role).await;
        let body = form(&[("csrf", &csrf), ("decision", "confirmed")]);
        let page = app.post_form(&action, &cookie, body).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role}");
        let api = app
            .post_json(
                &api_action,
                &cookie,
                serde_json::json!({"decision": "confirmed"}),
            )
            .await;
        assert_eq!(api.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(api.json()["error"]["code"], "forbidden");
        for path in ["/review", "/api/review-queue"] {
            assert_eq!(
                app.get(path, Some(&cookie)).await.status,
                StatusCode::FORBIDDEN,
                "{role} {path}"
            );
        }
    }
    // A supervisor's form without the session's token is refused before anything is read.
    let (cookie, csrf) = app.session(Role::Supervisor).await;
    for body in [
        form(&[("decision", "confirmed")]),
        form(&[("csrf", "0123"), ("decision", "confirmed")]),
        form(&[("csrf", &format!("{csrf}x")), ("decision", "confirmed")]),
    ] {
        let refused = app.post_form(&action, &cookie, body).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.body.contains("csrf"), "{}", refused.body);
    }
    // The JSON endpoint takes JSON only, which a cross-site form cannot send.
    let as_form = app
        .post_form(&api_action, &cookie, form(&[("decision", "confirmed")]))
        .await;
    assert_eq!(as_form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(app.reviews_of("U0002").await.is_empty());
    assert!(!app.actions().await.iter().any(|a| a == "review_saved"));
    assert_eq!(app.queue(&cookie).await.len(), 3);
    // With the token it goes through.
    let ok = app
        .post_form(
            &action,
            &cookie,
            form(&[("csrf", &csrf), ("decision", "confirmed")]),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(app.queue(&cookie).await, ["U0003", "U0001"]);
}

const LATER_RUN: u128 = 0x1a7e;

/// A later run whose U0003 child was presented before: in its own U0001, and (an alert across
/// runs, with `run_id`) in the first run's U0002. The detail is shaped as `src/alerts.rs`
/// writes it.
fn later_run() -> lazo_store::RunRecord {
    let mut run = conformance::sample_run(LATER_RUN, "2026-11-23T15:00:00Z");
    let earlier_run = RunId::from_u128(RUN).to_string();
    let detail = serde_json::json!({
        "kind": "repeat_child",
        "sample_id": "S8",
        "adults": [{"sample_id": "S7", "role": "father"}],
        "earlier": [
            {"unit_id": "U0001", "sample_id": "S2",
             "adults": [{"sample_id": "S1", "role": "mother"}],
             "stringency": "high", "shared_loci": 20, "mismatching_loci": 0,
             "random_match_probability": 1.5e-21},
            {"unit_id": "U0002", "sample_id": "S6", "run_id": earlier_run,
             "adults": [{"sample_id": "S3", "role": "mother"}, {"sample_id": "S4", "role": "father"}],
             "stringency": "moderate", "shared_loci": 19, "mismatching_loci": 1,
             "random_match_probability": 2.0e-18}
        ]
    });
    run.alerts = vec![lazo_store::AlertRecord {
        unit_id: "U0003".into(),
        kind: "repeat_child".into(),
        sample_id: Some("S8".into()),
        detail_json: detail.to_string(),
    }];
    run.summary = lazo_store::RunSummary::tally(&run.units, 1, 10);
    run
}

async fn alerts_link_to_the_earlier_units<S: Backend>(app: App<S>) {
    app.state.store.save_run(&later_run()).await.unwrap();
    let first = RunId::from_u128(RUN).to_string();
    let later = RunId::from_u128(LATER_RUN).to_string();
    let (cookie, _) = app.session(Role::LabAnalyst).await;

    let page = app.get("/alerts", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(app.actions().await.last().unwrap(), "read_alerts");
    let html = &page.body;
    // Newest run first: the repeat child, the adults now and each earlier presentation.
    let row = html
        .split(r#"<tr class="alert repeat_child">"#)
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains(&format!(r#"href="/runs/{later}/units/U0003""#)));
    assert!(row.contains("Repeat child: <b>S8</b>"));
    assert!(row.contains("S7 (father)"));
    assert!(row.contains(&format!(r#"<a href="/runs/{later}/units/U0001">U0001</a>"#)));
    assert!(row.contains("S1 (mother)"));
    assert!(row.contains(&format!(r#"<a href="/runs/{first}/units/U0002">U0002</a>"#)));
    assert!(row.contains("S3 (mother), S4 (father)"));
    assert!(row.contains("20 loci shared"));
    assert!(html.find(&later).unwrap() < html.find(&format!("/runs/{first}\"")).unwrap());
    // The first run's other alerts are listed too, after it.
    assert!(html.contains("recycled_child"));
    let es = app.get("/alerts?lang=es", Some(&cookie)).await.body;
    assert!(es.contains("Menor repetido") && es.contains("S1 (madre)"));

    let api = app.get("/api/alerts", Some(&cookie)).await;
    assert_eq!(api.status, StatusCode::OK);
    let json = api.json();
    assert_eq!(json["total"], 3);
    assert_eq!(json["pages"], 1);
    let newest = &json["alerts"][0];
    assert_eq!(newest["run_id"], later);
    assert_eq!(newest["unit_id"], "U0003");
    assert_eq!(newest["sample_id"], "S8");
    assert_eq!(newest["detail"]["adults"][0]["sample_id"], "S7");
    assert_eq!(newest["unit_link"], format!("/runs/{later}/units/U0003"));
    assert_eq!(
        newest["earlier_links"],
        serde_json::json!([
            format!("/runs/{later}/units/U0001"),
            format!("/runs/{first}/units/U0002")
        ])
    );
    assert_eq!(json["alerts"][1]["run_id"], first);
    let second_page = app
        .get("/api/alerts?page=2&per_page=2", Some(&cookie))
        .await;
    let json = second_page.json();
    assert_eq!(
        (json["page"].as_u64(), json["pages"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(json["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(json["alerts"][0]["kind"], "note");
    // The earlier unit's page is where the link says.
    let earlier = app
        .get(&format!("/runs/{first}/units/U0002"), Some(&cookie))
        .await;
    assert_eq!(earlier.status, StatusCode::OK);

    for role in [Role::FieldAgent, Role::Auditor, Role::Admin] {
        let (other, _) = app.session(role).await;
        for path in ["/alerts", "/api/alerts"] {
            assert_eq!(
                app.get(path, Some(&other)).await.status,
                StatusCode::FORBIDDEN,
                "{role} {path}"
            );
        }
    }
    app.verify_chain().await.unwrap();
}

async fn dashboard_shows_counts_and_charts<S: Backend>(app: App<S>) {
    // The stored run started 2026-11-23T09:00Z; the service's clock moves to the next day.
    app.clock.advance_ms(6 * 86_400_000);
    let (agent, _) = app.session(Role::FieldAgent).await;
    let page = app.get("/", Some(&agent)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.body;
    // Units, verified, not supported, inconclusive, awaiting review, signed off, overridden,
    // alerts.
    assert!(
        html.contains(
            "<tbody><tr><td>3</td><td>1</td><td>1</td><td>1</td><td>3</td><td>0</td><td>0</td><td>2</td></tr></tbody>"
        ),
        "{html}"
    );
    assert_eq!(html.matches("<svg ").count(), 2);
    assert!(html.contains(r#"<title id="chart-verdicts-title">Verdicts per day</title>"#));
    assert!(html.contains(r#"<title id="chart-alerts-title">Alerts per day</title>"#));
    assert!(html.contains("<title>2026-11-23: Not supported 1</title>"));
    assert!(html.contains("<title>2026-11-23: Alerts 2</title>"));
    assert!(html.contains("<tr><td>2026-11-23</td><td>1</td><td>1</td><td>1</td><td>2</td></tr>"));
    assert!(html.contains("<tr><td>2026-11-22</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>"));
    assert_eq!(
        html.matches("<tr><td>2026-1").count(),
        30,
        "30 days in the table"
    );
    assert!(
        !html.contains(r#"href="/review""#),
        "the queue is for supervisors"
    );
    assert!(!html.contains("<script"));

    let (supervisor, csrf) = app.session(Role::Supervisor).await;
    let run_id = RunId::from_u128(RUN).to_string();
    let done = app
        .post_form(
            &format!("/runs/{run_id}/units/U0002/review"),
            &supervisor,
            form(&[
                ("csrf", &csrf),
                ("decision", "overridden"),
                ("verdict", "inconclusive"),
                ("reason", "one exclusion could be a mutation"),
            ]),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let html = app.get("/", Some(&supervisor)).await.body;
    assert!(html.contains(
        r#"<td><a href="/review">2</a></td><td>1</td><td>1</td><td><a href="/alerts">2</a></td>"#
    ));
    let es = app.get("/?lang=es", Some(&supervisor)).await.body;
    assert!(es.contains("Veredictos por día") && es.contains("Pendientes de revisión"));

    let (auditor, _) = app.session(Role::Auditor).await;
    let html = app.get("/", Some(&auditor)).await.body;
    assert!(!html.contains("<svg"), "no casework numbers for auditors");
}

// ---- backends ----

async fn on_sqlite<F, Fut>(scenario: F)
where
    F: FnOnce(App<lazo_store_sqlite::SqliteStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store = lazo_store_sqlite::SqliteStore::open(dir.path())
        .await
        .unwrap();
    scenario(App::new(store).await).await;
}

fn pg_server() -> Option<String> {
    ["LAZO_TEST_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| lazo_store_postgres::is_postgres_url(u))
}

/// Runs the scenario in a schema of its own (dropped afterwards); skipped without a server.
async fn on_postgres<F, Fut>(scenario: F)
where
    F: FnOnce(App<lazo_store_postgres::PgStore>, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(server) = pg_server() else {
        eprintln!("lazo-server: PostgreSQL scenario SKIPPED (no DATABASE_URL)");
        return;
    };
    let schema = format!("lazo_srv_{}", uuid_simple());
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let sep = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{sep}options=-c%20search_path%3D{schema}");
    let store = lazo_store_postgres::PgStore::connect(&url).await.unwrap();
    let app = App::new(store.clone()).await;
    let outcome = tokio::spawn(scenario(app, url)).await;
    store.close().await;
    sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn uuid_simple() -> String {
    format!("{:032x}", rand_u128())
}

fn rand_u128() -> u128 {
    use std::hash::{BuildHasher, RandomState};
    let a = RandomState::new().hash_one(1u8);
    let b = RandomState::new().hash_one(2u8);
    (u128::from(a) << 64) | u128::from(b)
}

macro_rules! on_both {
    ($($name:ident),+) => {
        mod sqlite {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { on_sqlite(super::$name).await; })+
        }
        mod postgres {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { on_postgres(|app, _| super::$name(app)).await; })+
        }
    };
}

on_both!(
    second_factor,
    sign_in_and_failures,
    idle_sessions_end,
    csrf_is_required,
    route_role_table,
    reads_are_audited_and_shown,
    supervisor_confirms_and_overrides,
    review_needs_a_supervisor_and_csrf,
    alerts_link_to_the_earlier_units,
    dashboard_shows_counts_and_charts
);

// ---- the audit chain catches an edited row ----

#[tokio::test]
async fn sqlite_edited_audit_row_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let store = lazo_store_sqlite::SqliteStore::open(dir.path())
        .await
        .unwrap();
    let app = App::new(store).await;
    app.session(Role::LabAnalyst).await;
    app.session(Role::Auditor).await;
    assert!(app.verify_chain().await.unwrap() >= 2);
    let url = format!("sqlite://{}", dir.path().join("lazo.sqlite").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    // The application cannot edit the log…
    let refused = sqlx::query("UPDATE audit_log SET actor = 'someone_else' WHERE seq = 1")
        .execute(&mut conn)
        .await;
    assert!(refused.is_err());
    // …and whoever drops the guard to do it is caught by the chain.
    sqlx::raw_sql("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'someone_else' WHERE seq = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    let err = app.verify_chain().await.unwrap_err();
    assert!(err.contains("record 1"), "{err}");
}

#[tokio::test]
async fn postgres_edited_audit_row_is_detected() {
    on_postgres(|app, url| async move {
        app.session(Role::LabAnalyst).await;
        app.session(Role::Auditor).await;
        assert!(app.verify_chain().await.unwrap() >= 2);
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let refused = sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
            .execute(&mut conn)
            .await;
        assert!(refused.is_err());
        sqlx::raw_sql(
            "DROP TRIGGER audit_log_append_only ON audit_log; UPDATE audit_log SET actor = 'x' WHERE seq = 2",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        let err = app.verify_chain().await.unwrap_err();
        assert!(err.contains("record 2"), "{err}");
    })
    .await;
}

/// A new database gets one admin with a one-time password that must be changed first.
#[tokio::test]
async fn first_admin_must_change_password() {
    let dir = tempfile::tempdir().unwrap();
    let store = lazo_store_sqlite::SqliteStore::open(dir.path())
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let config = Config {
        secure_cookies: false,
        password: Cost::TEST,
        ..Config::default()
    };
    let state = AppState::new(store, AuditKey::new(vec![1u8; 32]).unwrap(), clock, config);
    let printed = lazo_server::ensure_admin(&state).await.unwrap().unwrap();
    assert!(lazo_server::ensure_admin(&state).await.unwrap().is_none());
    let (name, one_time) = printed.split_once(':').unwrap();
    assert_eq!(name, "admin");
    let app = App {
        router: router(state.clone()),
        state,
        clock: Arc::new(ManualClock::new(T0)),
    };
    let signed = app.api_sign_in("admin", one_time).await;
    assert_eq!(signed.json()["must_change_password"], true);
    let cookie = signed.cookie("lazo_session").unwrap();
    let blocked = app.get("/api/runs", Some(&cookie)).await;
    assert_eq!(blocked.json()["error"]["code"], "password_change_required");
    let page = app.get("/", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let form = app.get("/password", Some(&cookie)).await.body;
    let csrf = form
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let changed = app
        .send(
            Method::POST,
            "/password",
            &[&cookie],
            Some((
                "application/x-www-form-urlencoded",
                format!("csrf={csrf}&current={one_time}&new=a-much-better-passphrase"),
            )),
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(app.get("/", Some(&cookie)).await.status, StatusCode::OK);
}

/// The OpenAPI document names every JSON route of the route table, with the method, the path
/// parameters and exactly the roles the gate enforces; it is served without a session.
#[tokio::test]
async fn openapi_documents_every_api_route() {
    on_sqlite(|app: App<lazo_store_sqlite::SqliteStore>| async move {
        let reply = app.get("/api/openapi.json", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let doc = reply.json();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = 0;
        for (spec, _) in route_table::<lazo_store_sqlite::SqliteStore>() {
            if !spec.path.starts_with("/api") {
                continue;
            }
            let method = spec.method.as_str().to_lowercase();
            let op = &doc["paths"][spec.path][&method];
            assert!(op.is_object(), "{} {} is not documented", spec.method, spec.path);
            let description = op["description"].as_str().unwrap();
            match spec.access {
                Access::Public => assert!(description.contains("anyone"), "{description}"),
                Access::Roles { roles, .. } => {
                    for role in Role::ALL {
                        let named = description
                            .trim_start_matches("Roles: ")
                            .trim_end_matches('.')
                            .split(", ")
                            .any(|r| r == role.as_str());
                        assert_eq!(named, roles.contains(role), "{} {}: {description}", spec.method, spec.path);
                    }
                }
            }
            let path_params = spec.path.matches('{').count();
            let declared = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "path")
                .count();
            assert_eq!(declared, path_params, "{}", spec.path);
            documented += 1;
        }
        assert!(documented >= 15, "{documented}");
        // Request bodies point at schemas that exist.
        let body = &doc["paths"]["/api/session"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"];
        let name = body.as_str().unwrap().rsplit('/').next().unwrap();
        assert!(doc["components"]["schemas"][name]["properties"]["password"].is_object());
    })
    .await;
}
