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
use lazo_server::{AppState, Backend, Config, ManualClock, route_table, router};
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
        let me = self.get("/", Some(&cookie)).await;
        let csrf = me
            .body
            .split(r#"name="csrf" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        (cookie, csrf)
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
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{} {path} signed out",
            spec.method
        );
        for role in Role::ALL {
            let (cookie, csrf) = app.session(*role).await;
            let body = if spec.form {
                Some(("application/x-www-form-urlencoded", format!("csrf={csrf}")))
            } else if spec.method == Method::POST {
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
                    // Reached the handler: done, or the (empty) content refused.
                    assert!(
                        reply.status.is_success()
                            || reply.status.is_redirection()
                            || reply.status == StatusCode::BAD_REQUEST
                            || reply.status == StatusCode::UNPROCESSABLE_ENTITY,
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
    sign_in_and_failures,
    idle_sessions_end,
    csrf_is_required,
    route_role_table,
    reads_are_audited_and_shown
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
