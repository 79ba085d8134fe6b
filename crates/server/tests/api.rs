//! The service in process (tower `oneshot`), on a real SQLite file and, when a server is given
//! (`DATABASE_URL` / `LAZO_TEST_POSTGRES_URL`, as `scripts/with-postgres.sh` sets), on real
//! PostgreSQL: every scenario runs on both.

#![allow(clippy::unwrap_used)]

mod common;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use lazo_server::auth::Access;
use lazo_server::password::{self, Cost};
use lazo_server::{AppState, Backend, Clock, Config, ManualClock, route_table, router};
use lazo_store::lazo_audit::AuditKey;
use lazo_store::{NewAccount, Role, RunId, ScreeningId, conformance};
use sqlx::Connection;
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
    /// The body as text (lossily: a PDF is not UTF-8); `bytes` as sent.
    body: String,
    bytes: Vec<u8>,
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
            screening: Some(screening_settings()),
            ..Config::default()
        };
        let key = AuditKey::new(vec![42u8; 32]).unwrap();
        let state = AppState::new(store, key, clock.clone(), config);
        state.store.save_run(&run()).await.unwrap();
        screening_fixture(&state).await;
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
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
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
            .replace("{unit}", "U0001")
            .replace(
                "{screening}",
                &ScreeningId::from_u128(SCREENING).to_string(),
            );
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

/// The unit's verification report: a PDF for analysts and supervisors, audited, with its file
/// name; refused to the other roles; linked from the unit page.
async fn unit_report_pdf<S: Backend>(app: App<S>) {
    let run_id = RunId::from_u128(RUN).to_string();
    let path = format!("/runs/{run_id}/units/U0001/report.pdf");
    for role in [Role::LabAnalyst, Role::Supervisor] {
        let (cookie, _) = app.session(role).await;
        let before = app.actions().await.len();
        let reply = app.get(&format!("{path}?lang=es"), Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{role}: {}", reply.body);
        assert!(reply.bytes.starts_with(b"%PDF-"), "{role}");
        assert_eq!(reply.headers[header::CONTENT_TYPE], "application/pdf");
        let disposition = reply.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(
            disposition,
            format!("attachment; filename=\"lazo-report-{run_id}-U0001.pdf\"")
        );
        assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
        let records = app.state.store.audit_records(0, 10_000).await.unwrap();
        let new: Vec<_> = records[before..]
            .iter()
            .map(|r| {
                (
                    r.event.action.as_str(),
                    r.event.target.as_str(),
                    r.event.actor.as_str(),
                )
            })
            .collect();
        assert_eq!(
            new,
            [(
                "report_exported",
                format!("unit:{run_id}/U0001").as_str(),
                role.as_str()
            )]
        );
    }
    for role in [Role::FieldAgent, Role::Auditor, Role::Admin] {
        let (cookie, _) = app.session(role).await;
        let reply = app.get(&path, Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role}");
        assert!(!reply.bytes.starts_with(b"%PDF-"));
    }
    let (cookie, _) = app.session(Role::LabAnalyst).await;
    let missing = app
        .get(
            &format!("/runs/{run_id}/units/NOPE/report.pdf"),
            Some(&cookie),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let page = app
        .get(&format!("/runs/{run_id}/units/U0001"), Some(&cookie))
        .await;
    assert!(
        page.body.contains(&format!(
            r#"href="/runs/{run_id}/units/U0001/report.pdf?lang=en""#
        )),
        "{}",
        page.body
    );
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

// ---- 48-hour screening ----

/// The completed screening every app starts with (Tapachula, in English), for the route walk.
const SCREENING: u128 = 0x5c4ee;

/// The site's contacts for the rights sheet, and the local offset the start form proposes.
fn screening_settings() -> lazo_server::ScreeningSettings {
    let mut settings =
        lazo_server::ScreeningSettings::new(lazo_screening::DEFAULT_INSTRUMENT_TOML).unwrap();
    settings.rights_contacts = [
        (
            "local_help_contact",
            "Oficina de protección infantil, Tapachula (teléfono en el albergue)",
        ),
        (
            "legal_services_contact",
            "Servicios legales gratuitos para menores",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    settings.utc_offset_minutes = Some(-360);
    settings
}

fn screening_instrument() -> lazo_screening::Instrument {
    lazo_screening::default_instrument().unwrap()
}

/// A 15-year-old with nothing of concern, as form values by question.
fn clear_form_values() -> Vec<(&'static str, &'static str)> {
    vec![
        ("q_needs_care", "no"),
        ("q_language_ok", "yes"),
        ("q_date_of_birth", "2011-05-01"),
        ("q_stated_age", "15"),
        ("q_age_document", "birth_certificate"),
        ("q_journey_arranged_by", "parent_or_relative"),
        ("q_journey_paid_by", "family"),
        ("q_destination_person", "parent"),
        ("q_destination_contact", "yes"),
        ("q_told_what_to_say", "no"),
        ("q_offer", "no"),
        ("q_deceived", "no"),
        ("q_owes_money", "no"),
        ("q_must_work_to_pay", "no"),
        ("q_debt_threat", "no"),
        ("q_documents_kept", "no"),
        ("q_not_free_to_leave", "no"),
        ("q_contact_blocked", "no"),
        ("q_watched_now", "no"),
        ("q_hurt", "no"),
        ("q_threatened", "no"),
        ("q_worked", "no"),
        ("q_forced_work", "no"),
        ("q_sex_exchange", "no"),
        ("q_sexual_images", "no"),
        ("q_forced_crime", "no"),
        ("q_forced_partner", "no"),
        ("q_afraid_to_return", "no"),
        ("q_harm_if_returned", "no"),
        ("q_protected_at_home", "yes"),
        ("q_wants_to_return", "yes"),
        ("q_family_contact", "yes"),
        ("q_family_knows", "yes"),
        ("q_safe_caregiver", "yes"),
        ("q_explains_choice", "yes"),
        ("q_interviewer_signs", "no"),
        ("q_interpreter", "not_needed"),
    ]
}

/// Stores the completed fixture screening, decided by the engine like any other.
async fn screening_fixture<S: Backend>(state: &AppState<S>) {
    let instrument = screening_instrument();
    state
        .store
        .save_instrument(&lazo_store::InstrumentRecord {
            id: instrument.id().into(),
            version: instrument.version().into(),
            toml: lazo_screening::DEFAULT_INSTRUMENT_TOML.into(),
        })
        .await
        .unwrap();
    let id = ScreeningId::from_u128(SCREENING);
    state
        .store
        .create_screening(&lazo_store::NewScreening {
            id,
            child_ref: "FIXTURE-1".into(),
            site: "Tapachula".into(),
            language: "en".into(),
            interviewer: "field_agent".into(),
            instrument_id: instrument.id().into(),
            instrument_version: instrument.version().into(),
            apprehended_at: "2026-11-17T08:00:00-06:00".into(),
            started_at: "2026-11-17T15:00:00.000Z".into(),
        })
        .await
        .unwrap();
    let answers: lazo_screening::Answers = clear_form_values()
        .into_iter()
        .map(|(q, v)| (q.to_string(), instrument.parse_answer(q, v).unwrap()))
        .collect();
    let completed_at = "2026-11-18T04:30:00-06:00";
    let rfc = &time::format_description::well_known::Rfc3339;
    let screening = lazo_screening::Screening::complete(
        &instrument,
        lazo_screening::Interview {
            site: "Tapachula".into(),
            language: "en".into(),
            apprehended_at: time::OffsetDateTime::parse("2026-11-17T08:00:00-06:00", rfc).unwrap(),
            completed_at: time::OffsetDateTime::parse(completed_at, rfc).unwrap(),
            answers: answers.clone(),
        },
    )
    .unwrap();
    let answers_json = serde_json::to_string(&answers).unwrap();
    state
        .store
        .save_answers(id, 0, &answers_json, "2026-11-17T16:00:00.000Z")
        .await
        .unwrap();
    state
        .store
        .complete_screening(
            id,
            1,
            &lazo_store::Completion {
                completed_at: completed_at.into(),
                completed_by: "field_agent".into(),
                answers_json,
                decision_json: serde_json::to_string(screening.decision()).unwrap(),
                outcome: "eligible_for_return".into(),
            },
        )
        .await
        .unwrap();
}

impl<S: Backend> App<S> {
    /// Signs in as a new account `name` of `role` at `site`.
    async fn session_as(&self, name: &str, role: Role, site: Option<&str>) -> (String, String) {
        self.state
            .store
            .create_account(&NewAccount {
                name: name.into(),
                role,
                site: site.map(str::to_string),
                password_hash: password::hash("a-long-enough-password", Cost::TEST).unwrap(),
                must_change_password: false,
                created_at: "2026-11-23T08:00:00Z".into(),
            })
            .await
            .unwrap();
        let reply = self.api_sign_in(name, "a-long-enough-password").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.cookie("lazo_session").unwrap();
        let page = self.get("/password", Some(&cookie)).await;
        let csrf = page
            .body
            .split(r#"name="csrf" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        (cookie, csrf)
    }

    async fn patch_json(&self, path: &str, cookie: &str, body: serde_json::Value) -> Reply {
        self.send(
            Method::PATCH,
            path,
            &[cookie],
            Some(("application/json", body.to_string())),
        )
        .await
    }

    /// The audit records appended since `before`: (action, target).
    async fn audited_since(&self, before: usize) -> Vec<(String, String)> {
        self.state
            .store
            .audit_records(0, 100_000)
            .await
            .unwrap()
            .into_iter()
            .skip(before)
            .map(|r| (r.event.action, r.event.target))
            .collect()
    }

    async fn audit_len(&self) -> usize {
        self.state.store.count_audit().await.unwrap() as usize
    }
}

fn location(reply: &Reply) -> String {
    reply.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

/// An interviewer starts a screening in Spanish, answers it section by section on the forms
/// (a wrong value is refused, the rest of its section kept), completes it and sees the
/// engine's findings; a supervisor sees it in the list with its deadline state, signs it with
/// a reason, and the API shows it signed. Every step is audited.
async fn screening_in_spanish_signed_by_a_supervisor<S: Backend>(app: App<S>) {
    let (agent, csrf) = app.session(Role::FieldAgent).await;
    let before = app.audit_len().await;
    let form_page = app.get("/screenings/new?lang=es", Some(&agent)).await;
    assert_eq!(form_page.status, StatusCode::OK);
    assert!(
        form_page.body.contains("Referencia del niño"),
        "{}",
        form_page.body
    );
    // The configured local offset is proposed.
    assert!(
        form_page
            .body
            .contains(r#"<option value="-06:00" selected>"#)
    );

    let started = app
        .post_form(
            "/screenings",
            &agent,
            form(&[
                ("csrf", &csrf),
                ("child_ref", "A-2026-0042"),
                ("language", "es"),
                ("apprehended_date", "2026-11-17"),
                ("apprehended_time", "20:30"),
                ("utc_offset", "-06:00"),
            ]),
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let interview = location(&started);
    let id = interview
        .strip_prefix("/screenings/")
        .and_then(|rest| rest.strip_suffix("/interview"))
        .unwrap()
        .to_string();
    let target = format!("screening:{id}");
    assert_eq!(
        app.audited_since(before).await,
        [("screening_started".to_string(), target.clone())]
    );

    // The first section, in Spanish: the child's questions in the interview language, the
    // deadline on top.
    let first = app.get(&format!("{interview}?lang=es"), Some(&agent)).await;
    assert_eq!(first.status, StatusCode::OK);
    for needle in [
        "Plazo de 48 horas",
        "a tiempo",
        "A-2026-0042",
        "¿Me entiendes bien en este idioma?",
        "obligatoria",
        r#"value="unsure""#,
        "No está seguro(a)",
    ] {
        assert!(first.body.contains(needle), "{needle} in {}", first.body);
    }

    // Answers: a 15-year-old afraid to go back because of a gang.
    let instrument = screening_instrument();
    let mut values: std::collections::BTreeMap<&str, &str> =
        clear_form_values().into_iter().collect();
    values.insert("q_afraid_to_return", "yes");
    values.insert("q_feared_who", "gang_or_armed_group");
    values.insert(
        "q_fear_reasons",
        "La mara dijo que me iba a matar si no trabajaba para ellos.",
    );
    for section in instrument.sections() {
        let mut pairs: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.clone()),
            ("section".into(), section.id.clone()),
            ("go".into(), "next".into()),
        ];
        for q in &section.questions {
            if let Some(v) = values.get(q.id.as_str()) {
                pairs.push((format!("a.{}", q.id), (*v).to_string()));
            }
        }
        if section.id == "about" {
            // A stated age out of range is refused; the date of birth beside it is kept.
            let mut wrong = pairs.clone();
            for pair in &mut wrong {
                if pair.0 == "a.q_stated_age" {
                    pair.1 = "99".into();
                }
            }
            let borrowed: Vec<(&str, &str)> = wrong
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let refused = app
                .post_form(
                    &format!("/screenings/{id}/answers?lang=es"),
                    &agent,
                    form(&borrowed),
                )
                .await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST);
            assert!(refused.body.contains("outside 0..=21"), "{}", refused.body);
            assert!(refused.body.contains(r#"value="99""#), "typed value kept");
            let stored = app
                .state
                .store
                .screening(id.parse().unwrap())
                .await
                .unwrap()
                .unwrap();
            assert!(stored.answers_json.contains("q_date_of_birth"));
            assert!(!stored.answers_json.contains("q_stated_age"));
        }
        let borrowed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let saved = app
            .post_form(
                &format!("/screenings/{id}/answers"),
                &agent,
                form(&borrowed),
            )
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            section.id,
            saved.body
        );
    }
    // After the last section: the overview, with nothing required left open.
    let overview = app
        .get(&format!("/screenings/{id}?lang=es"), Some(&agent))
        .await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("En curso"), "{}", overview.body);
    assert!(
        !overview
            .body
            .contains("Preguntas obligatorias sin respuesta")
    );
    assert!(
        overview
            .body
            .contains(&format!(r#"action="/screenings/{id}/complete""#))
    );

    // Completing needs the confirmation; then the engine's record is shown.
    let unconfirmed = app
        .post_form(
            &format!("/screenings/{id}/complete"),
            &agent,
            form(&[("csrf", &csrf)]),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    let completed = app
        .post_form(
            &format!("/screenings/{id}/complete"),
            &agent,
            form(&[("csrf", &csrf), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(
        completed.status,
        StatusCode::SEE_OTHER,
        "{}",
        completed.body
    );
    let done = app
        .get(&format!("/screenings/{id}?lang=es"), Some(&agent))
        .await;
    for needle in [
        "Terminada, pendiente de firma",
        "terminada dentro de las 48 horas",
        "Registro de la entrevista / Screening record",
        "Remitir a una entrevista de protección (miedo creíble) / Refer for a protection (credible-fear) interview",
        "Sí / Yes",
        "La mara dijo que me iba a matar",
    ] {
        assert!(done.body.contains(needle), "{needle} in {}", done.body);
    }
    // Locked: no more answers, no second completion; the interviewer cannot sign.
    let late = app
        .post_form(
            &format!("/screenings/{id}/answers"),
            &agent,
            form(&[
                ("csrf", &csrf),
                ("section", "start"),
                ("a.q_needs_care", "yes"),
            ]),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let again = app
        .post_form(
            &format!("/screenings/{id}/complete"),
            &agent,
            form(&[("csrf", &csrf), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let not_theirs = app
        .post_form(
            &format!("/screenings/{id}/sign"),
            &agent,
            form(&[("csrf", &csrf), ("reason", "mine")]),
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);

    // The supervisor: the list of completed screenings with their deadline state.
    let (supervisor, sup_csrf) = app.session(Role::Supervisor).await;
    let list = app
        .get("/screenings?status=completed", Some(&supervisor))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("A-2026-0042"), "{}", list.body);
    assert!(
        list.body.contains("completed within 48 hours"),
        "{}",
        list.body
    );
    let page = app
        .get(&format!("/screenings/{id}"), Some(&supervisor))
        .await;
    assert!(
        page.body
            .contains(&format!(r#"action="/screenings/{id}/sign""#))
    );
    let no_reason = app
        .post_form(
            &format!("/screenings/{id}/sign"),
            &supervisor,
            form(&[("csrf", &sup_csrf), ("reason", "  ")]),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(
        no_reason.body.contains("needs a reason"),
        "{}",
        no_reason.body
    );
    let reason = "Read the interview with the agent: protection interview requested today.";
    let signed = app
        .post_form(
            &format!("/screenings/{id}/sign"),
            &supervisor,
            form(&[("csrf", &sup_csrf), ("reason", reason)]),
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let twice = app
        .post_form(
            &format!("/screenings/{id}/sign"),
            &supervisor,
            form(&[("csrf", &sup_csrf), ("reason", reason)]),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let shown = app
        .get(&format!("/screenings/{id}"), Some(&supervisor))
        .await;
    assert!(
        shown.body.contains("Signed by: <b>supervisor</b>"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains(reason));

    let api = app
        .get(&format!("/api/screenings/{id}"), Some(&supervisor))
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json = api.json();
    assert_eq!(json["screening"]["status"], "signed");
    assert_eq!(json["screening"]["language"], "es");
    assert_eq!(json["screening"]["sign_off"]["reason"], reason);
    assert_eq!(
        json["decision"]["outcome"]["outcome"],
        "protection_interview"
    );
    assert_eq!(json["decision"]["credible_fear"]["finding"], "yes");
    assert_eq!(json["deadline"]["state"], "completed_on_time");
    assert_eq!(
        json["answers"]["q_feared_who"]["choice"],
        "gang_or_armed_group"
    );

    let actions: Vec<String> = app
        .audited_since(before)
        .await
        .into_iter()
        .filter(|(_, t)| *t == target)
        .map(|(a, _)| a)
        .collect();
    for action in [
        "screening_started",
        "screening_answers_saved",
        "screening_completed",
        "screening_signed",
        "read_screening",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not audited: {actions:?}"
        );
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "screening_answers_saved")
            .count(),
        instrument.sections().len() + 1,
        "one save per section, and the half-refused one"
    );
    app.verify_chain().await.unwrap();
}

/// The JSON API: start, answers (all or nothing, by revision), the required-when questions
/// the answers call for, the clock (on time, escalated at 36 h, overdue at 48 h, completed
/// late), complete, sign; another site's field agent gets 404 and roles without screening get
/// 403; errors have the project's body.
async fn screening_api_clock_and_access<S: Backend>(app: App<S>) {
    let (agent, _) = app.session(Role::FieldAgent).await;
    // Apprehended 35 hours ago.
    let apprehended = lazo_store::rfc3339_from_unix_ms(T0 - 35 * 3_600_000);
    let bad = [
        serde_json::json!({"child_ref": "B-1", "language": "fr", "apprehended_at": apprehended}),
        serde_json::json!({"child_ref": "", "language": "en", "apprehended_at": apprehended}),
        serde_json::json!({"child_ref": "B-1", "language": "en", "apprehended_at": "2026-11-18 08:00"}),
        serde_json::json!({"child_ref": "B-1", "language": "en",
            "apprehended_at": lazo_store::rfc3339_from_unix_ms(T0 + 3_600_000)}),
    ];
    for body in bad {
        let reply = app.post_json("/api/screenings", &agent, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.body
        );
        assert_eq!(reply.json()["error"]["code"], "bad_request", "{body}");
        assert!(reply.json()["error"]["request_id"].is_string());
    }
    let started = app
        .post_json(
            "/api/screenings",
            &agent,
            serde_json::json!({"child_ref": "B-1", "language": "en", "apprehended_at": apprehended}),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    let id = started.json()["screening"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(started.json()["screening"]["site"], "Tapachula");
    assert_eq!(started.json()["screening"]["interviewer"], "field_agent");
    assert_eq!(started.json()["deadline"]["state"], "on_time");
    assert_eq!(started.json()["deadline"]["remaining_seconds"], 13 * 3600);
    let path = format!("/api/screenings/{id}");

    // All or nothing: one bad answer refuses the body, every problem named.
    let refused = app
        .patch_json(
            &format!("{path}/answers"),
            &agent,
            serde_json::json!({"answers": {
                "q_stated_age": {"number": 99},
                "q_nope": {"yes_no": "yes"},
                "q_hurt": {"yes_no": "no"},
                "q_age_document": {"choice": "passport"},
            }}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let message = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(refused.json()["error"]["code"], "invalid_answers");
    for needle in ["q_stated_age", "q_nope", "passport"] {
        assert!(message.contains(needle), "{needle} in {message}");
    }
    assert_eq!(
        app.get(&path, Some(&agent)).await.json()["answers"],
        serde_json::json!({})
    );
    let saved = app
        .patch_json(
            &format!("{path}/answers"),
            &agent,
            serde_json::json!({"answers": {
                "q_worked": {"yes_no": "yes"},
                "q_threatened": {"yes_no": "no"},
                "q_hurt": "declined",
            }, "revision": 0}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json()["revision"], 1);
    // A refused change writes nothing and audits nothing.
    let before_stale = app.audit_len().await;
    let stale = app
        .patch_json(
            &format!("{path}/answers"),
            &agent,
            serde_json::json!({"answers": {"q_hurt": null}, "revision": 0}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["error"]["code"], "conflict");
    assert_eq!(app.audit_len().await, before_stale);
    let read = app.get(&path, Some(&agent)).await.json();
    assert_eq!(read["answers"]["q_hurt"], "declined");
    // Having worked for someone calls for the questions about pay and harm; not knowing
    // whether an offer was made keeps "who made it" required; no threat, no "who threatened".
    let missing = read["missing_required"].as_array().unwrap();
    for q in [
        "q_paid_as_promised",
        "q_work_harmful",
        "q_offer_from_stranger",
        "q_needs_care",
    ] {
        assert!(missing.iter().any(|m| m == q), "{q} in {missing:?}");
    }
    assert!(
        !missing.iter().any(|m| m == "q_threat_by"),
        "not called for"
    );

    // The clock: escalated from 36 hours, overdue from 48 (signing in again after each jump:
    // sessions end after 30 idle minutes).
    let shared = &app;
    let state_now = |cookie: String| async move {
        let list = shared
            .get("/api/screenings?status=draft", Some(&cookie))
            .await
            .json();
        assert_eq!(list["total"], 1, "{list}");
        list["screenings"][0]["deadline"]["state"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(state_now(agent.clone()).await, "on_time");
    let escalated_total = |cookie: String| async move {
        let list = shared
            .get("/api/screenings?status=escalated", Some(&cookie))
            .await
            .json();
        list["total"].as_u64().unwrap()
    };
    assert_eq!(escalated_total(agent.clone()).await, 0);
    let dashboard = app.get("/", Some(&agent)).await;
    assert!(!dashboard.body.contains("class=\"attention\""));
    app.clock.advance_ms(3_600_000);
    let (agent, _) = app.session(Role::FieldAgent).await;
    assert_eq!(state_now(agent.clone()).await, "escalated");
    // Escalated: on the supervisor's dashboard and in the escalated list.
    let (supervisor, _) = app.session(Role::Supervisor).await;
    assert_eq!(escalated_total(supervisor.clone()).await, 1);
    let dashboard = app.get("/", Some(&supervisor)).await;
    assert!(
        dashboard.body.contains(
            r#"<a href="/screenings?status=escalated">Open screenings past 36 hours (a supervisor must act)</a>: <b>1</b> (past 48 hours: 0)"#
        ),
        "{}",
        dashboard.body
    );
    let list = app
        .get("/screenings?status=escalated", Some(&supervisor))
        .await;
    assert!(list.body.contains("B-1") && !list.body.contains("FIXTURE-1"));
    let page = app.get(&format!("/screenings/{id}"), Some(&agent)).await;
    assert!(
        page.body.contains("ESCALATED to a supervisor"),
        "{}",
        page.body
    );
    app.clock.advance_ms(12 * 3_600_000);
    let (agent, _) = app.session(Role::FieldAgent).await;
    assert_eq!(state_now(agent.clone()).await, "overdue");
    let (supervisor, _) = app.session(Role::Supervisor).await;
    let list = app.get("/screenings", Some(&supervisor)).await;
    assert!(list.body.contains("OVERDUE"), "{}", list.body);
    let dashboard = app.get("/", Some(&supervisor)).await;
    assert!(dashboard.body.contains("<b>1</b> (past 48 hours: 1)"));
    assert_eq!(
        app.get("/api/screenings?status=late", Some(&supervisor))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    // Another site's field agent: not found, for reading, answering and completing; the
    // attempt is audited. Their list is empty.
    let (other, other_csrf) = app
        .session_as("agente_nogales", Role::FieldAgent, Some("Nogales"))
        .await;
    let before = app.audit_len().await;
    for reply in [
        app.get(&path, Some(&other)).await,
        app.get(&format!("/screenings/{id}"), Some(&other)).await,
        app.get(&format!("/screenings/{id}/interview"), Some(&other))
            .await,
        app.get(&format!("/screenings/{id}/rights"), Some(&other))
            .await,
        app.patch_json(
            &format!("{path}/answers"),
            &other,
            serde_json::json!({"answers": {"q_hurt": {"yes_no": "yes"}}}),
        )
        .await,
        app.post_json(
            &format!("{path}/complete"),
            &other,
            serde_json::json!({"confirm": true}),
        )
        .await,
        app.post_form(
            &format!("/screenings/{id}/answers"),
            &other,
            form(&[
                ("csrf", &other_csrf),
                ("section", "start"),
                ("a.q_needs_care", "yes"),
            ]),
        )
        .await,
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
        assert!(!reply.body.contains("B-1"), "{}", reply.body);
    }
    let denied = app.audited_since(before).await;
    assert_eq!(denied.len(), 7, "{denied:?}");
    assert!(
        denied
            .iter()
            .all(|(a, t)| a == "access_denied" && *t == format!("screening:{id}"))
    );
    let theirs = app.get("/api/screenings", Some(&other)).await.json();
    assert_eq!(theirs["total"], 0);
    let read = app.get(&path, Some(&agent)).await.json();
    assert_eq!(
        read["answers"]["q_hurt"], "declined",
        "unchanged by the other site"
    );
    // Roles that do not screen: 403.
    for role in [Role::LabAnalyst, Role::Auditor, Role::Admin] {
        let (cookie, _) = app.session(role).await;
        for p in [path.clone(), "/api/screenings".to_string()] {
            let reply = app.get(&p, Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role} {p}");
            assert_eq!(reply.json()["error"]["code"], "forbidden");
        }
        assert_eq!(
            app.get(&format!("/screenings/{id}"), Some(&cookie))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }

    // Completing needs the confirmation; past 48 hours it is completed late, and with so much
    // unanswered the engine leaves every finding open.
    let unconfirmed = app
        .post_json(
            &format!("{path}/complete"),
            &agent,
            serde_json::json!({"confirm": false}),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    let done = app
        .post_json(
            &format!("{path}/complete"),
            &agent,
            serde_json::json!({"confirm": true}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let json = done.json();
    assert_eq!(json["screening"]["status"], "completed");
    assert_eq!(json["deadline"]["state"], "completed_late");
    assert_eq!(json["decision"]["outcome"]["outcome"], "supervisor_review");
    assert_eq!(
        json["screening"]["completion"]["outcome"],
        "supervisor_review"
    );
    let victim = &json["decision"]["trafficking_victim"];
    assert_eq!(victim["finding"], "needs_follow_up");
    assert!(
        victim["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["question"] == "q_work_harmful" && e["role"] == "missing"),
        "{victim}"
    );
    let again = app
        .patch_json(
            &format!("{path}/answers"),
            &agent,
            serde_json::json!({"answers": {"q_hurt": {"yes_no": "no"}}}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The supervisor signs through the API.
    let empty = app
        .post_json(
            &format!("{path}/sign"),
            &supervisor,
            serde_json::json!({"reason": ""}),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let signed = app
        .post_json(
            &format!("{path}/sign"),
            &supervisor,
            serde_json::json!({"reason": "Late: the site had no interpreter. Follow-up ordered."}),
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert_eq!(signed.json()["screening"]["status"], "signed");
    assert_eq!(
        signed.json()["screening"]["sign_off"]["signed_by"],
        "supervisor"
    );
    let before_twice = app.audit_len().await;
    let twice = app
        .post_json(
            &format!("{path}/sign"),
            &supervisor,
            serde_json::json!({"reason": "again"}),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(app.audit_len().await, before_twice);
    let all = app
        .get("/api/screenings?status=signed", Some(&supervisor))
        .await
        .json();
    assert_eq!(
        all["total"], 1,
        "this one (the fixture is completed, not signed): {all}"
    );
    assert!(
        app.get("/api/screenings?status=maybe", Some(&supervisor))
            .await
            .status
            == StatusCode::BAD_REQUEST
    );
    app.verify_chain().await.unwrap();
}

/// Every read of a screening, in a page or the API, is audited before it is shown; the
/// rights sheet comes in the interview language with the site's contacts, the record in the
/// interview language and English.
async fn screening_reads_are_audited<S: Backend>(app: App<S>) {
    let id = ScreeningId::from_u128(SCREENING);
    let target = format!("screening:{id}");
    let (agent, _) = app.session(Role::FieldAgent).await;
    let (supervisor, _) = app.session(Role::Supervisor).await;
    for (cookie, path, needle) in [
        (&agent, format!("/screenings/{id}"), "FIXTURE-1"),
        (
            &supervisor,
            format!("/screenings/{id}"),
            "Eligible for return",
        ),
        (
            &agent,
            format!("/screenings/{id}/interview"),
            "answers are locked",
        ),
        (
            &supervisor,
            format!("/screenings/{id}/record"),
            "Screening record",
        ),
        (
            &agent,
            format!("/screenings/{id}/rights"),
            "Your rights and where to find help",
        ),
        (
            &supervisor,
            format!("/api/screenings/{id}"),
            "eligible_for_return",
        ),
    ] {
        let before = app.audit_len().await;
        let reply = app.get(&path, Some(cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        assert!(
            reply.body.contains(needle),
            "{needle} in {path}: {}",
            reply.body
        );
        assert_eq!(
            app.audited_since(before).await,
            [("read_screening".to_string(), target.clone())],
            "{path}"
        );
    }
    let rights = app
        .get(&format!("/screenings/{id}/rights"), Some(&agent))
        .await;
    assert!(
        rights
            .body
            .contains("Oficina de protección infantil, Tapachula")
    );
    assert!(
        rights
            .body
            .contains("Servicios legales gratuitos para menores")
    );
    assert!(!rights.body.contains("{{"), "no placeholder left");
    for path in ["/screenings", "/api/screenings"] {
        let before = app.audit_len().await;
        let reply = app.get(path, Some(&supervisor)).await;
        assert!(reply.body.contains("FIXTURE-1"), "{path}");
        assert_eq!(
            app.audited_since(before).await,
            [("read_screening_list".to_string(), "screenings".to_string())],
            "{path}"
        );
    }
    // The instrument is not a child's record: shown without an audit record.
    let before = app.audit_len().await;
    let instrument = app.get("/api/screening-instrument", Some(&agent)).await;
    assert_eq!(instrument.json()["id"], "lazo-default");
    assert_eq!(app.audit_len().await, before);

    // A Spanish screening's rights sheet is the Spanish one.
    let started = app
        .post_json(
            "/api/screenings",
            &agent,
            serde_json::json!({"child_ref": "C-7", "language": "es",
                "apprehended_at": "2026-11-18T01:00:00-06:00"}),
        )
        .await;
    let es = started.json()["screening"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let sheet = app
        .get(&format!("/screenings/{es}/rights"), Some(&agent))
        .await;
    assert!(
        sheet.body.contains("Tus derechos y dónde encontrar ayuda"),
        "{}",
        sheet.body
    );
    // The record of a draft does not exist yet.
    assert_eq!(
        app.get(&format!("/screenings/{es}/record"), Some(&agent))
            .await
            .status,
        StatusCode::CONFLICT
    );
    app.verify_chain().await.unwrap();
}

/// The record as PDF: the HTML record's access and audited read (view `record_pdf`), 409 for a
/// draft, linked from the record page.
async fn screening_record_pdf<S: Backend>(app: App<S>) {
    let id = ScreeningId::from_u128(SCREENING);
    let target = format!("screening:{id}");
    let path = format!("/screenings/{id}/record.pdf");
    let (agent, _) = app.session(Role::FieldAgent).await;
    let (supervisor, _) = app.session(Role::Supervisor).await;
    for cookie in [&agent, &supervisor] {
        let before = app.audit_len().await;
        let reply = app.get(&path, Some(cookie)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.bytes.starts_with(b"%PDF-"));
        assert_eq!(reply.headers[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(
            reply.headers[header::CONTENT_DISPOSITION],
            format!("attachment; filename=\"lazo-screening-FIXTURE-1-{id}.pdf\"").as_str()
        );
        assert_eq!(
            app.audited_since(before).await,
            [("read_screening".to_string(), target.clone())]
        );
        let last = app.state.store.audit_records(0, 100_000).await.unwrap();
        assert!(
            last.last()
                .unwrap()
                .event
                .detail
                .contains("\"view\":\"record_pdf\"")
        );
    }
    // Another site's field agent is told it does not exist, as for the HTML record.
    let (elsewhere, _) = app
        .session_as("agent-elsewhere", Role::FieldAgent, Some("Ciudad Juárez"))
        .await;
    for p in [path.clone(), format!("/screenings/{id}/record")] {
        let reply = app.get(&p, Some(&elsewhere)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{p}");
        assert!(!reply.bytes.starts_with(b"%PDF-"));
    }
    for role in [Role::LabAnalyst, Role::Auditor, Role::Admin] {
        let (cookie, _) = app.session(role).await;
        assert_eq!(
            app.get(&path, Some(&cookie)).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    let page = app
        .get(&format!("/screenings/{id}/record"), Some(&supervisor))
        .await;
    assert!(
        page.body
            .contains(&format!(r#"href="/screenings/{id}/record.pdf""#))
    );
    // A draft has no record yet.
    let started = app
        .post_json(
            "/api/screenings",
            &agent,
            serde_json::json!({"child_ref": "C-9", "language": "es",
                "apprehended_at": "2026-11-18T01:00:00-06:00"}),
        )
        .await;
    let draft = started.json()["screening"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .get(&format!("/screenings/{draft}/record.pdf"), Some(&agent))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(!reply.bytes.starts_with(b"%PDF-"));
    app.verify_chain().await.unwrap();
}

/// Screening forms need the session's CSRF token; without it nothing changes.
async fn screening_forms_need_csrf<S: Backend>(app: App<S>) {
    let (agent, csrf) = app.session(Role::FieldAgent).await;
    let (supervisor, _) = app.session(Role::Supervisor).await;
    let count = || async {
        app.state
            .store
            .count_screenings(&lazo_store::ScreeningFilter::default())
            .await
            .unwrap()
    };
    let start = |token: &str| {
        form(&[
            ("csrf", token),
            ("child_ref", "D-1"),
            ("language", "en"),
            ("apprehended_date", "2026-11-18"),
            ("apprehended_time", "01:00"),
            ("utc_offset", "+00:00"),
        ])
    };
    for token in ["", "forged"] {
        let reply = app.post_form("/screenings", &agent, start(token)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(reply.body.contains("csrf"));
    }
    assert_eq!(count().await, 1, "only the fixture");
    let ok = app.post_form("/screenings", &agent, start(&csrf)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let id = location(&ok)
        .trim_start_matches("/screenings/")
        .trim_end_matches("/interview")
        .to_string();
    let answers = app
        .post_form(
            &format!("/screenings/{id}/answers"),
            &agent,
            form(&[
                ("csrf", "forged"),
                ("section", "start"),
                ("a.q_needs_care", "yes"),
            ]),
        )
        .await;
    assert_eq!(answers.status, StatusCode::FORBIDDEN);
    let complete = app
        .post_form(
            &format!("/screenings/{id}/complete"),
            &agent,
            form(&[("confirm", "yes")]),
        )
        .await;
    assert_eq!(complete.status, StatusCode::FORBIDDEN);
    let stored = app
        .state
        .store
        .screening(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.answers_json, "{}");
    assert_eq!(stored.summary.status, lazo_store::ScreeningStatus::Draft);
    let sign = app
        .post_form(
            &format!("/screenings/{}/sign", ScreeningId::from_u128(SCREENING)),
            &supervisor,
            form(&[("reason", "no token")]),
        )
        .await;
    assert_eq!(sign.status, StatusCode::FORBIDDEN);
}

/// A service whose instrument file was edited without a new version cannot start screenings
/// under it (the kept text of that version stays the one earlier screenings were asked), and
/// says why; earlier screenings still read with their own text.
async fn screening_instrument_edited_without_new_version<S: Backend>(app: App<S>) {
    let edited = format!(
        "{}\n# a question changed, the version not\n",
        lazo_screening::DEFAULT_INSTRUMENT_TOML
    );
    let mut settings = lazo_server::ScreeningSettings::new(&edited).unwrap();
    settings.rights_contacts = screening_settings().rights_contacts;
    let config = Config {
        screening: Some(settings),
        ..(*app.state.config).clone()
    };
    let state = AppState::new(
        app.state.store.clone(),
        app.state.key.clone(),
        app.clock.clone(),
        config,
    );
    let app = App {
        router: router(state.clone()),
        state,
        clock: app.clock,
    };
    let (agent, _) = app.session(Role::FieldAgent).await;
    let refused = app
        .post_json(
            "/api/screenings",
            &agent,
            serde_json::json!({"child_ref": "E-1", "language": "en",
                "apprehended_at": "2026-11-18T01:00:00Z"}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.body
    );
    assert_eq!(refused.json()["error"]["code"], "instrument_conflict");
    let fixture = format!("/screenings/{}", ScreeningId::from_u128(SCREENING));
    assert_eq!(app.get(&fixture, Some(&agent)).await.status, StatusCode::OK);
}

// ---- backends ----

async fn on_sqlite<F, Fut>(scenario: F)
where
    F: FnOnce(App<lazo_store_sqlite::SqliteStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    common::with_sqlite(|store| async move { scenario(App::new(store).await).await }).await;
}

/// Runs the scenario in a schema of its own (dropped afterwards); skipped without a server.
async fn on_postgres<F, Fut>(scenario: F)
where
    F: FnOnce(App<lazo_store_postgres::PgStore>, String) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    common::with_postgres("lazo-server", |store, url| async move {
        scenario(App::new(store).await, url).await;
    })
    .await;
}

/// A screening straight into the store at `site`, apprehended at `apprehended` (RFC 3339 in
/// the site's offset) and completed at `completed` when given.
async fn stored_screening<S: Backend>(
    state: &AppState<S>,
    n: u128,
    site: &str,
    apprehended: &str,
    completed: Option<&str>,
) {
    let instrument = screening_instrument();
    let id = ScreeningId::from_u128(0xc0de_0000 + n);
    state
        .store
        .create_screening(&lazo_store::NewScreening {
            id,
            child_ref: format!("CMP-{n}"),
            site: site.into(),
            language: "es".into(),
            interviewer: "field_agent".into(),
            instrument_id: instrument.id().into(),
            instrument_version: instrument.version().into(),
            apprehended_at: apprehended.into(),
            started_at: apprehended.into(),
        })
        .await
        .unwrap();
    if let Some(done) = completed {
        let completion = lazo_store::Completion {
            completed_at: done.into(),
            completed_by: "field_agent".into(),
            answers_json: "{}".into(),
            decision_json: "{}".into(),
            outcome: "supervisor_review".into(),
        };
        assert!(
            state
                .store
                .complete_screening(id, 0, &completion)
                .await
                .unwrap()
        );
    }
}

/// Compliance by site and ISO week of apprehension (in the site's offset), the share leaving
/// out screenings still open within 48 hours; a field agent sees their site only; audited.
async fn screening_compliance_by_site_and_week<S: Backend>(app: App<S>) {
    // Now (T0) is Wednesday 2026-11-18, ISO week 47. The fixture: Tapachula, week 47, in time.
    let state = &app.state;
    // Week 46 at Tapachula: one late (72 h), one in time, and one apprehended on Sunday night
    // local time (Monday of week 47 in UTC), still open and overdue.
    stored_screening(
        state,
        1,
        "Tapachula",
        "2026-11-10T09:00:00-06:00",
        Some("2026-11-13T09:00:00-06:00"),
    )
    .await;
    stored_screening(
        state,
        2,
        "Tapachula",
        "2026-11-11T09:00:00-06:00",
        Some("2026-11-12T09:00:00-06:00"),
    )
    .await;
    stored_screening(state, 3, "Tapachula", "2026-11-15T23:00:00-06:00", None).await;
    // Week 47 at Tapachula: open, 3 hours in.
    stored_screening(state, 4, "Tapachula", "2026-11-18T02:00:00-06:00", None).await;
    // Nogales: week 46 open and overdue; week 45, outside a two-week window.
    stored_screening(state, 5, "Nogales", "2026-11-09T10:00:00-07:00", None).await;
    stored_screening(state, 6, "Nogales", "2026-11-04T10:00:00-07:00", None).await;

    let (supervisor, _) = app.session(Role::Supervisor).await;
    let before = app.audit_len().await;
    let reply = app
        .get("/api/screenings/compliance?weeks=2", Some(&supervisor))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        app.audited_since(before).await,
        [(
            "read_screening_compliance".to_string(),
            "screenings".to_string()
        )]
    );
    let report = reply.json();
    assert_eq!(report["weeks"], 2);
    assert_eq!(report["site"], serde_json::Value::Null);
    assert_eq!(
        report["week_labels"],
        serde_json::json!(["2026-W46", "2026-W47"])
    );
    let rows: Vec<(String, u64, [u64; 5], Option<f64>)> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!("{} W{}", r["site"].as_str().unwrap(), r["iso_week"]),
                r["screenings"].as_u64().unwrap(),
                [
                    "completed_in_time",
                    "completed_late",
                    "open_overdue",
                    "open_in_time",
                    "iso_year",
                ]
                .map(|k| r[k].as_u64().unwrap()),
                r["share_in_time"].as_f64(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Nogales W46".to_string(), 1, [0, 0, 1, 0, 2026], Some(0.0)),
            (
                "Tapachula W46".to_string(),
                3,
                [1, 1, 1, 0, 2026],
                Some(1.0 / 3.0)
            ),
            (
                "Tapachula W47".to_string(),
                2,
                [1, 0, 0, 1, 2026],
                Some(1.0)
            ),
        ]
    );
    assert_eq!(report["totals"]["screenings"], 6);
    assert_eq!(report["totals"]["share_in_time"], 0.4);
    // Twelve weeks (the default) reach week 45.
    let default = app
        .get("/api/screenings/compliance", Some(&supervisor))
        .await
        .json();
    assert_eq!(default["weeks"], 12);
    assert_eq!(default["rows"].as_array().unwrap().len(), 4);
    assert_eq!(default["rows"][0]["iso_week"], 45);
    for bad in ["0", "105", "twelve"] {
        let reply = app
            .get(
                &format!("/api/screenings/compliance?weeks={bad}"),
                Some(&supervisor),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.body
        );
        assert!(reply.json()["error"]["request_id"].is_string(), "{bad}");
    }

    // The page: a chart and a table per site, in Spanish when asked.
    let page = app
        .get("/screenings/compliance?weeks=2", Some(&supervisor))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for needle in [
        "<h2>Nogales</h2>",
        "<h2>Tapachula</h2>",
        "<svg ",
        "<td>2026-W46</td><td>3</td><td>1</td><td>1</td><td>1</td><td>0</td><td>33 %</td>",
        "40 %",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    let es = app
        .get("/screenings/compliance?lang=es", Some(&supervisor))
        .await;
    assert!(es.body.contains("Cumplimiento del plazo de 48 horas"));
    assert!(es.body.contains("Completadas a tiempo"));

    // A field agent: their own site only.
    let (agent, _) = app.session(Role::FieldAgent).await;
    let own = app
        .get("/api/screenings/compliance?weeks=2", Some(&agent))
        .await
        .json();
    assert_eq!(own["site"], "Tapachula");
    let sites: Vec<&str> = own["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites, ["Tapachula", "Tapachula"]);
    let page = app.get("/screenings/compliance", Some(&agent)).await;
    assert!(!page.body.contains("Nogales"));
    // Roles without screenings see nothing.
    for role in [Role::LabAnalyst, Role::Auditor] {
        let (cookie, _) = app.session(role).await;
        let reply = app.get("/api/screenings/compliance", Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    app.verify_chain().await.unwrap();
}

/// A client address gets 20 failed sign-ins per 10 minutes, over any accounts; then even a
/// right password is refused (429, Retry-After) before it is checked, other addresses are not
/// affected, and the refusal is audited once per window.
async fn sign_ins_are_limited_per_client<S: Backend>(app: App<S>) {
    let from =
        |ip: [u8; 4], name: &str, password: &str| {
            let body = serde_json::json!({"name": name, "password": password}).to_string();
            let mut request = Request::builder()
                .method(Method::POST)
                .uri("/api/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap();
            request.extensions_mut().insert(axum::extract::ConnectInfo(
                std::net::SocketAddr::from((ip, 40_000)),
            ));
            let router = app.router.clone();
            async move { router.oneshot(request).await.unwrap() }
        };
    let attacker = [198, 51, 100, 7];
    let analyst = Role::LabAnalyst.as_str();
    let right = password_of(Role::LabAnalyst);
    for n in 0..20 {
        let reply = from(attacker, &format!("guess-{n}"), "password123").await;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let before = app.audit_len().await;
    for _ in 0..3 {
        let refused = from(attacker, analyst, &right).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "600");
    }
    assert_eq!(
        app.audited_since(before).await,
        [(
            "sign_in_throttled".to_string(),
            "client:198.51.100.7".to_string()
        )]
    );
    // Another address signs in; the account was never locked.
    let other = from([203, 0, 113, 9], analyst, &right).await;
    assert_eq!(other.status(), StatusCode::OK);
    // The window ends.
    app.clock.advance_ms(10 * 60 * 1000);
    let again = from(attacker, analyst, &right).await;
    assert_eq!(again.status(), StatusCode::OK);
    app.verify_chain().await.unwrap();
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
    unit_report_pdf,
    supervisor_confirms_and_overrides,
    review_needs_a_supervisor_and_csrf,
    alerts_link_to_the_earlier_units,
    dashboard_shows_counts_and_charts,
    screening_in_spanish_signed_by_a_supervisor,
    screening_api_clock_and_access,
    screening_reads_are_audited,
    screening_record_pdf,
    screening_forms_need_csrf,
    screening_instrument_edited_without_new_version,
    screening_compliance_by_site_and_week,
    sign_ins_are_limited_per_client
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
    // The account and the password change were each saved with their record.
    let actions = app.actions().await;
    for action in ["account_created", "password_changed"] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            1,
            "{action}: {actions:?}"
        );
    }
    app.verify_chain().await.unwrap();
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
