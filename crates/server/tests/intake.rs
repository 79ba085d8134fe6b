//! Intake through the service (form with file upload, and JSON), on a real SQLite file and,
//! when a server is given (`DATABASE_URL` / `LAZO_TEST_POSTGRES_URL`, as
//! `scripts/with-postgres.sh` sets), on real PostgreSQL: every scenario runs on both. The
//! helpers follow api.rs's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use lazo_genetics::Profile;
use lazo_intake::Analysis;
use lazo_kinship::MutationModel;
use lazo_server::password::{self, Cost};
use lazo_server::{AppState, Backend, Config, ManualClock, router};
use lazo_sim::Simulator;
use lazo_store::lazo_audit::AuditKey;
use lazo_store::{NewAccount, Role, RunId, RunKind, Verdict};
use sqlx::Connection;
use tower::ServiceExt;

const T0: i64 = 1_795_000_000_000;
const SITE_A: &str = "Tapachula";
const SITE_B: &str = "Ciudad Juárez";
const BOUNDARY: &str = "lazo-test-boundary-7d1f";

fn password_of(name: &str) -> String {
    format!("pw-{name}-long-enough")
}

/// Accounts: one per role (the field agent at site A) and a field agent at site B.
fn accounts() -> Vec<(&'static str, Role, Option<&'static str>)> {
    vec![
        ("agent_a", Role::FieldAgent, Some(SITE_A)),
        ("agent_b", Role::FieldAgent, Some(SITE_B)),
        ("analyst", Role::LabAnalyst, None),
        ("supervisor", Role::Supervisor, None),
        ("auditor", Role::Auditor, None),
    ]
}

/// A simulated family (mother, father, two children) and two unrelated adults, every locus of
/// the default population typed.
fn people() -> Vec<Profile> {
    let analysis = Analysis::defaults().unwrap();
    let model = MutationModel::parse("equal:0.002").unwrap();
    let mut sim = Simulator::seeded(analysis.table(), &model, 77).unwrap();
    let mother = sim.founder("M-1");
    let father = sim.founder("F-1");
    let (c1, _) = sim.child("C-1", &father, &mother);
    let (c2, _) = sim.child("C-2", &father, &mother);
    let woman = sim.founder("W-1");
    let man = sim.founder("X-1");
    vec![mother, father, c1, c2, woman, man]
}

fn renamed(p: &Profile, id: &str) -> Profile {
    let mut p = p.clone();
    p.sample_id = id.into();
    p
}

struct App<S> {
    router: Router,
    state: AppState<S>,
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
    fn location(&self) -> String {
        self.headers[header::LOCATION].to_str().unwrap().to_string()
    }
}

/// A signed-in account: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

/// A multipart form body: text fields, then the file.
fn multipart(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The form's fields for one unit: people as (sample, role), consent given for each, custody
/// fields filled in.
fn form_fields<'a>(
    csrf: &'a str,
    unit_id: &'a str,
    people: &[(&'a str, &'a str)],
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("csrf".to_string(), csrf.to_string()),
        ("unit_id".into(), unit_id.into()),
        ("collector".into(), "Agente Ruiz".into()),
        ("collected_on".into(), "2026-11-18".into()),
        ("place".into(), "Estación Siglo XXI".into()),
        ("kit".into(), "GlobalFiler".into()),
    ];
    for (n, (sample, role)) in people.iter().enumerate() {
        let n = n + 1;
        fields.push((format!("sample_id_{n}"), sample.to_string()));
        fields.push((format!("role_{n}"), role.to_string()));
        fields.push((format!("consent_{n}"), "yes".into()));
    }
    fields
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
        let state = AppState::new(store, key, clock, config);
        for (name, role, site) in accounts() {
            state
                .store
                .create_account(&NewAccount {
                    name: name.into(),
                    role,
                    site: site.map(str::to_string),
                    password_hash: password::hash(&password_of(name), Cost::TEST).unwrap(),
                    must_change_password: false,
                    created_at: "2026-11-23T08:00:00Z".into(),
                })
                .await
                .unwrap();
        }
        App::on(state)
    }

    /// The service restarted on the same store (a fresh in-memory index).
    fn restarted(&self) -> App<S> {
        let state = AppState::new(
            self.state.store.clone(),
            self.state.key.clone(),
            Arc::new(ManualClock::new(T0)),
            Config {
                secure_cookies: false,
                password: Cost::TEST,
                ..Config::default()
            },
        );
        App::on(state)
    }

    fn on(state: AppState<S>) -> App<S> {
        App {
            router: router(state.clone()),
            state,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
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

    async fn get(&self, path: &str, who: &Session) -> Reply {
        self.send(Method::GET, path, Some(&who.cookie), None).await
    }

    async fn session(&self, name: &str) -> Session {
        let body = serde_json::json!({"name": name, "password": password_of(name)}).to_string();
        let reply = self
            .send(
                Method::POST,
                "/api/session",
                None,
                Some(("application/json", body.into_bytes())),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let form = self.send(Method::GET, "/intake", Some(&cookie), None).await;
        let csrf = form
            .body
            .split(r#"name="csrf" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_string();
        Session { cookie, csrf }
    }

    /// Submits the intake form with a file.
    async fn upload(
        &self,
        who: &Session,
        unit_id: &str,
        members: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> Reply {
        let fields = form_fields(&who.csrf, unit_id, members);
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.send(
            Method::POST,
            "/intake",
            Some(&who.cookie),
            Some((
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart(&fields, file_name, file),
            )),
        )
        .await
    }

    /// Uploads and expects a saved run; returns its id.
    async fn upload_ok(
        &self,
        who: &Session,
        unit_id: &str,
        members: &[(&str, &str)],
        file: &str,
    ) -> RunId {
        let reply = self
            .upload(who, unit_id, members, "lab.csv", file.as_bytes())
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        reply
            .location()
            .strip_prefix("/runs/")
            .unwrap()
            .parse()
            .unwrap()
    }

    async fn audit_events(&self) -> Vec<(String, String, serde_json::Value)> {
        self.state
            .store
            .audit_records(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.event.action,
                    r.event.target,
                    serde_json::from_str(&r.event.detail).unwrap(),
                )
            })
            .collect()
    }
}

fn family_members() -> Vec<(&'static str, &'static str)> {
    vec![
        ("M-1", "mother"),
        ("F-1", "father"),
        ("C-1", "child"),
        ("C-2", "child"),
    ]
}

// ---- scenarios, each run on every backend ----

async fn valid_upload_is_verified_and_saved<S: Backend>(app: App<S>) {
    let csv = lazo_formats::write_profiles(&people());
    let agent = app.session("agent_a").await;
    assert!(
        !agent.csrf.is_empty(),
        "the intake form carries the CSRF token"
    );
    let id = app
        .upload_ok(&agent, "U-100", &family_members(), &csv)
        .await;

    let run = app.state.store.load_run(id).await.unwrap().unwrap();
    assert_eq!(run.kind, RunKind::Intake);
    assert_eq!(run.site.as_deref(), Some(SITE_A));
    assert_eq!(run.units.len(), 1);
    assert_eq!(run.units[0].unit_id, "U-100");
    assert_eq!(run.units[0].verdict, Verdict::Verified);
    assert_eq!(run.summary.verified, 1);
    // Only the unit's samples are stored, each with its chain of custody.
    let samples: Vec<&str> = run.profiles.iter().map(|p| p.sample_id.as_str()).collect();
    assert_eq!(samples, ["M-1", "F-1", "C-1", "C-2"]);
    assert_eq!(run.custody.len(), 4);
    assert!(run.custody.iter().all(|c| c.consent
        && c.collector == "Agente Ruiz"
        && c.collected_on == "2026-11-18"
        && c.place == "Estación Siglo XXI"
        && c.kit == "GlobalFiler"));

    // The agent lands on the run's page: counts, no genotypes.
    let page = app.get(&format!("/runs/{id}"), &agent).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(SITE_A), "{}", page.body);
    assert!(
        !page.body.contains("M-1"),
        "no child records for field agents"
    );
    let allele = &run.profiles[0].loci[0].alleles[0];
    assert!(!page.body.contains(&format!("/{allele}")));
    // An analyst sees the unit list and the chain of custody (audited).
    let analyst = app.session("analyst").await;
    let page = app.get(&format!("/runs/{id}"), &analyst).await;
    assert!(page.body.contains("Agente Ruiz") && page.body.contains("U-100"));
    let custody = app.get(&format!("/api/runs/{id}/custody"), &analyst).await;
    assert_eq!(custody.json()["custody"].as_array().unwrap().len(), 4);

    let events = app.audit_events().await;
    let saved: Vec<_> = events.iter().filter(|e| e.0 == "intake_saved").collect();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].1, format!("run:{id}"));
    assert_eq!(saved[0].2["run_id"], id.to_string());
    assert_eq!(saved[0].2["units"], 1);
    assert_eq!(saved[0].2["samples"], 4);
    assert_eq!(saved[0].2["verified"], 1);
    assert!(events.iter().any(|e| e.0 == "read_custody"));

    // The same through the JSON API, as an analyst: verdicts come back.
    let custody: Vec<serde_json::Value> = ["M-1", "C-1"]
        .iter()
        .map(|s| {
            serde_json::json!({
                "sample_id": s, "collector": "Lab", "collected_on": "2026-11-18",
                "place": "Lab", "consent": true, "kit": "GlobalFiler"})
        })
        .collect();
    let body = serde_json::json!({
        "file_name": "lab.csv",
        "file": csv,
        "units": [{"unit_id": "U-101", "people": [
            {"sample_id": "M-1", "role": "mother"}, {"sample_id": "C-1", "role": "child"}]}],
        "custody": custody,
    });
    let reply = app
        .send(
            Method::POST,
            "/api/intake",
            Some(&analyst.cookie),
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["units"][0]["verdict"], "verified");
    assert_eq!(json["site"], serde_json::Value::Null);
    // Samples of the file in no unit: said so, not stored.
    let warnings = json["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains("F-1")));
    assert_eq!(
        reply.location(),
        format!("/api/runs/{}", json["run_id"].as_str().unwrap())
    );
    // A field agent's JSON reply has the counts only.
    let reply = app
        .send(
            Method::POST,
            "/api/intake",
            Some(&agent.cookie),
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["summary"]["verified"], 1);
    assert!(reply.json().get("units").is_none());
    assert!(reply.json().get("alerts").is_none());
    // Warnings may quote allele calls: a count only.
    assert!(reply.json().get("warnings").is_none());
    assert!(reply.json()["warning_count"].as_u64().unwrap() >= 4);
    assert_eq!(app.state.store.count_runs().await.unwrap(), 3);
}

async fn bad_lines_are_listed_and_nothing_is_saved<S: Backend>(app: App<S>) {
    let csv = lazo_formats::write_profiles(&people());
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let set_cell = |line: &mut String, cell: usize, value: &str| {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells[cell] = value;
        *line = cells.join(",");
    };
    set_cell(&mut lines[2], 2, "9..3"); // line 3: a malformed allele
    set_cell(&mut lines[30], 1, "D77S777"); // line 31: an unknown marker
    set_cell(&mut lines[44], 3, "Y"); // line 45: a sex chromosome at an autosomal locus
    let bad = lines.join("\n");
    let agent = app.session("agent_a").await;
    let before = app.state.store.count_runs().await.unwrap();

    let reply = app
        .upload(
            &agent,
            "U-200",
            &family_members(),
            "lab.csv",
            bad.as_bytes(),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let rows: Vec<&str> = reply
        .body
        .split(r#"<tr class="problem">"#)
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 3, "{}", reply.body);
    for (row, line) in rows.iter().zip(["3", "31", "45"]) {
        assert!(
            row.contains(&format!(r#"<td class="line">{line}</td>"#)),
            "line {line}: {row}"
        );
    }
    assert!(rows[1].contains("D77S777"));
    // The form comes back filled in.
    assert!(reply.body.contains(r#"value="U-200""#));
    assert!(reply.body.contains(r#"name="sample_id_3" value="C-1""#));
    assert_eq!(app.state.store.count_runs().await.unwrap(), before);

    // The same file through the JSON API: 422, the three problems with their lines.
    let members: Vec<serde_json::Value> = family_members()
        .iter()
        .map(|(s, r)| serde_json::json!({"sample_id": s, "role": r}))
        .collect();
    let custody: Vec<serde_json::Value> = family_members()
        .iter()
        .map(|(s, _)| {
            serde_json::json!({
                "sample_id": s, "collector": "A", "collected_on": "2026-11-18",
                "place": "P", "consent": true, "kit": "K"})
        })
        .collect();
    let body = serde_json::json!({
        "file_name": "lab.csv",
        "file_base64": base64_of(bad.as_bytes()),
        "units": [{"unit_id": "U-200", "people": members}],
        "custody": custody,
    });
    let reply = app
        .send(
            Method::POST,
            "/api/intake",
            Some(&agent.cookie),
            Some(("application/json", body.to_string().into_bytes())),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    let json = reply.json();
    assert_eq!(json["error"]["code"], "intake_rejected");
    let lines: Vec<u64> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 31, 45]);
    assert_eq!(json["problems"][1]["locus"], "D77S777");
    assert_eq!(app.state.store.count_runs().await.unwrap(), before);

    // Refusals are audited with the count, never the file's content.
    let events = app.audit_events().await;
    let rejected: Vec<_> = events.iter().filter(|e| e.0 == "intake_rejected").collect();
    assert_eq!(rejected.len(), 2);
    for e in rejected {
        assert_eq!(e.2["errors"], 3);
        let text = e.2.to_string();
        assert!(
            !text.contains("9..3") && !text.contains("D77S777"),
            "{text}"
        );
    }
    assert!(!events.iter().any(|e| e.0 == "intake_saved"));

    // A form without its CSRF token is refused before anything else.
    let forged = Session {
        cookie: agent.cookie.clone(),
        csrf: "forged".into(),
    };
    let csv = lazo_formats::write_profiles(&people());
    let reply = app
        .upload(
            &forged,
            "U-201",
            &family_members(),
            "lab.csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.state.store.count_runs().await.unwrap(), before);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn field_agents_see_their_own_site_only<S: Backend>(app: App<S>) {
    let csv = lazo_formats::write_profiles(&people());
    let agent_a = app.session("agent_a").await;
    let agent_b = app.session("agent_b").await;
    let a_run = app
        .upload_ok(&agent_a, "U-300", &family_members(), &csv)
        .await;
    let b_run = app
        .upload_ok(
            &agent_b,
            "U-301",
            &[("W-1", "mother"), ("X-1", "child")],
            &csv,
        )
        .await;
    assert_eq!(
        app.state
            .store
            .get_run(b_run)
            .await
            .unwrap()
            .unwrap()
            .run
            .site
            .as_deref(),
        Some(SITE_B)
    );
    for (who, own, other) in [(&agent_a, a_run, b_run), (&agent_b, b_run, a_run)] {
        assert_eq!(
            app.get(&format!("/runs/{own}"), who).await.status,
            StatusCode::OK
        );
        assert_eq!(
            app.get(&format!("/api/runs/{own}"), who).await.status,
            StatusCode::OK
        );
        for path in [format!("/runs/{other}"), format!("/api/runs/{other}")] {
            let reply = app.get(&path, who).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        }
        let list = app.get("/api/runs", who).await.json();
        assert_eq!(list["total"], 1);
        assert_eq!(list["runs"][0]["id"], own.to_string());
        let dashboard = app.get("/", who).await.body;
        assert!(dashboard.contains(&own.to_string()));
        assert!(!dashboard.contains(&other.to_string()));
        // Genotypes stay closed to field agents, on their own site's runs too.
        for path in [
            format!("/api/runs/{own}/units"),
            format!("/runs/{own}/units/U-300"),
            format!("/api/runs/{own}/custody"),
        ] {
            assert_eq!(
                app.get(&path, who).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
    }
    let analyst = app.session("analyst").await;
    assert_eq!(app.get("/api/runs", &analyst).await.json()["total"], 2);
    for id in [a_run, b_run] {
        assert_eq!(
            app.get(&format!("/runs/{id}"), &analyst).await.status,
            StatusCode::OK
        );
    }
}

async fn a_child_presented_again_is_alerted_with_the_earlier_run<S: Backend>(app: App<S>) {
    let people = people();
    let first_file = lazo_formats::write_profiles(&people[..4]);
    let agent = app.session("agent_a").await;
    let first = app
        .upload_ok(&agent, "U-400", &family_members(), &first_file)
        .await;
    // Child C-2 comes back as "N-9" with an unrelated man as father.
    let second_file =
        lazo_formats::write_profiles(&[renamed(&people[5], "X-1"), renamed(&people[3], "N-9")]);
    let second = app
        .upload_ok(
            &agent,
            "U-401",
            &[("X-1", "father"), ("N-9", "child")],
            &second_file,
        )
        .await;
    let supervisor = app.session("supervisor").await;
    let alerts = app
        .get(&format!("/api/runs/{second}/alerts"), &supervisor)
        .await
        .json();
    let alerts = alerts["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let alert = &alerts[0];
    assert_eq!(alert["kind"], "repeat_child");
    assert_eq!(alert["unit_id"], "U-401");
    assert_eq!(alert["sample_id"], "N-9");
    let detail = &alert["detail"];
    assert_eq!(detail["adults"][0]["sample_id"], "X-1");
    assert_eq!(detail["adults"][0]["role"], "father");
    let earlier = &detail["earlier"][0];
    assert_eq!(earlier["run_id"], first.to_string());
    assert_eq!(earlier["unit_id"], "U-400");
    assert_eq!(earlier["sample_id"], "C-2");
    let adults: Vec<(&str, &str)> = earlier["adults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["sample_id"].as_str().unwrap(),
                a["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(adults, [("M-1", "mother"), ("F-1", "father")]);
    let saved = app.state.store.get_run(second).await.unwrap().unwrap();
    assert_eq!(saved.run.summary.alerts, 1);
    assert_eq!(saved.run.summary.units, 1);
    let events = app.audit_events().await;
    let audit = events
        .iter()
        .find(|e| e.0 == "intake_saved" && e.1 == format!("run:{second}"))
        .unwrap();
    assert_eq!(audit.2["alerts"], 1);

    // After a restart the index is rebuilt from the store: a third presentation (with the
    // woman this time) names both earlier runs, oldest first.
    let restarted = app.restarted();
    let agent = restarted.session("agent_a").await;
    let third_file =
        lazo_formats::write_profiles(&[renamed(&people[4], "W-1"), renamed(&people[3], "Z-3")]);
    let third = restarted
        .upload_ok(
            &agent,
            "U-402",
            &[("W-1", "mother"), ("Z-3", "child")],
            &third_file,
        )
        .await;
    let alerts = restarted.state.store.run_alerts(third).await.unwrap();
    assert_eq!(alerts.len(), 1);
    let detail: serde_json::Value = serde_json::from_str(&alerts[0].detail_json).unwrap();
    let runs: Vec<&str> = detail["earlier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["run_id"].as_str().unwrap())
        .collect();
    assert_eq!(runs, [first.to_string(), second.to_string()]);
}

/// The run ids of the earlier presentations named by a run's one repeat-child alert (none
/// without an alert).
async fn earlier_runs<S: Backend>(app: &App<S>, run: RunId) -> Vec<String> {
    let alerts = app.state.store.run_alerts(run).await.unwrap();
    assert!(alerts.len() <= 1, "{alerts:?}");
    alerts
        .first()
        .map(|alert| {
            let detail: serde_json::Value = serde_json::from_str(&alert.detail_json).unwrap();
            detail["earlier"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["run_id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Two instances of the service on one store, each with its own index: before each intake an
/// instance catches up with the runs the other saved since its last intake.
async fn runs_saved_by_another_instance_are_caught_up<S: Backend>(app: App<S>) {
    let people = people();
    let other = app.restarted();
    let agent = app.session("agent_a").await;
    let agent_other = other.session("agent_a").await;
    let file = |adult: usize, adult_id: &str, child_id: &str| {
        lazo_formats::write_profiles(&[
            renamed(&people[adult], adult_id),
            renamed(&people[3], child_id),
        ])
    };
    let first = app
        .upload_ok(
            &agent,
            "U-500",
            &family_members(),
            &lazo_formats::write_profiles(&people[..4]),
        )
        .await;
    let second = other
        .upload_ok(
            &agent_other,
            "U-501",
            &[("X-1", "father"), ("N-9", "child")],
            &file(5, "X-1", "N-9"),
        )
        .await;
    assert_eq!(earlier_runs(&other, second).await, [first.to_string()]);
    let third = app
        .upload_ok(
            &agent,
            "U-502",
            &[("W-1", "mother"), ("Z-3", "child")],
            &file(4, "W-1", "Z-3"),
        )
        .await;
    assert_eq!(
        earlier_runs(&app, third).await,
        [first.to_string(), second.to_string()]
    );
    let fourth = other
        .upload_ok(
            &agent_other,
            "U-503",
            &[("Q-1", "father"), ("Q-2", "child")],
            &file(5, "Q-1", "Q-2"),
        )
        .await;
    assert_eq!(
        earlier_runs(&other, fourth).await,
        [first.to_string(), second.to_string(), third.to_string()]
    );
}

/// Runs deleted outside the service (a retention policy) are forgotten at the next intake,
/// also when SQLite gives the deleted newest run's key to the next run saved, which the
/// index's cursor then points at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_runs_are_forgotten_when_their_key_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let store = lazo_store_sqlite::SqliteStore::open(dir.path())
        .await
        .unwrap();
    let app = App::new(store).await;
    let other = app.restarted();
    let people = people();
    let agent = app.session("agent_a").await;
    let first = app
        .upload_ok(
            &agent,
            "U-600",
            &family_members(),
            &lazo_formats::write_profiles(&people[..4]),
        )
        .await;
    let second = app
        .upload_ok(
            &agent,
            "U-601",
            &[("X-1", "father"), ("N-9", "child")],
            &lazo_formats::write_profiles(&[
                renamed(&people[5], "X-1"),
                renamed(&people[3], "N-9"),
            ]),
        )
        .await;
    assert_eq!(earlier_runs(&app, second).await, [first.to_string()]);
    // A refused intake still catches up: the index's cursor is now `second`.
    let refused = app
        .upload(
            &agent,
            "U-602",
            &[("X-1", "father"), ("N-9", "child")],
            "lab.csv",
            b"not a profile file",
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut conn = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        dir.path().join(lazo_store_sqlite::DATABASE_FILE).display()
    ))
    .await
    .unwrap();
    sqlx::query("DELETE FROM runs WHERE id = ?")
        .bind(second.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    // Another instance saves an unrelated child: the run takes `second`'s key.
    let agent_other = other.session("agent_a").await;
    let third = other
        .upload_ok(
            &agent_other,
            "U-603",
            &[("X-7", "father"), ("K-1", "child")],
            &lazo_formats::write_profiles(&[
                renamed(&people[5], "X-7"),
                renamed(&people[4], "K-1"),
            ]),
        )
        .await;
    let fourth = app
        .upload_ok(
            &agent,
            "U-604",
            &[("W-1", "mother"), ("Z-3", "child")],
            &lazo_formats::write_profiles(&[
                renamed(&people[4], "W-1"),
                renamed(&people[3], "Z-3"),
            ]),
        )
        .await;
    assert_eq!(earlier_runs(&app, fourth).await, [first.to_string()]);
    // The run saved by the other instance is indexed: its child comes back.
    let fifth = app
        .upload_ok(
            &agent,
            "U-605",
            &[("X-8", "father"), ("K-2", "child")],
            &lazo_formats::write_profiles(&[
                renamed(&people[5], "X-8"),
                renamed(&people[4], "K-2"),
            ]),
        )
        .await;
    assert!(earlier_runs(&app, fifth).await.contains(&third.to_string()));
}

/// The same child in four intakes sent at once, each with another adult: analysed side by side,
/// searched and saved in turn, so each one alerts on every one saved before it: between them,
/// 0, 1, 2 and 3 earlier runs, and the last names the other three.
async fn simultaneous_intakes_of_one_child_alert_in_turn<S: Backend>(app: App<S>) {
    let people = people();
    let agent = app.session("agent_a").await;
    let file = |n: usize| {
        lazo_formats::write_profiles(&[
            renamed(&people[4 + n % 2], &format!("A-{n}")),
            renamed(&people[3], &format!("K-{n}")),
        ])
    };
    let upload = |n: usize| {
        let agent = &agent;
        let app = &app;
        let text = file(n);
        async move {
            let role = if n.is_multiple_of(2) {
                "mother"
            } else {
                "father"
            };
            app.upload_ok(
                agent,
                &format!("U-70{n}"),
                &[(&format!("A-{n}"), role), (&format!("K-{n}"), "child")],
                &text,
            )
            .await
        }
    };
    let (a, b, c, d) = tokio::join!(upload(0), upload(1), upload(2), upload(3));
    let runs = [a, b, c, d];
    let mut seen = Vec::new();
    for run in runs {
        seen.push((earlier_runs(&app, run).await, run));
    }
    seen.sort_by_key(|(earlier, _)| earlier.len());
    let counts: Vec<usize> = seen.iter().map(|(earlier, _)| earlier.len()).collect();
    assert_eq!(counts, [0, 1, 2, 3], "{seen:?}");
    let (last_earlier, last) = &seen[3];
    let mut expected: Vec<String> = runs
        .iter()
        .filter(|r| *r != last)
        .map(ToString::to_string)
        .collect();
    let mut named = last_earlier.clone();
    expected.sort();
    named.sort();
    assert_eq!(named, expected);
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
    F: FnOnce(App<lazo_store_postgres::PgStore>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    common::with_postgres("lazo-server intake", |store, _| async move {
        scenario(App::new(store).await).await;
    })
    .await;
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
            async fn $name() { on_postgres(super::$name).await; })+
        }
    };
}

on_both!(
    valid_upload_is_verified_and_saved,
    bad_lines_are_listed_and_nothing_is_saved,
    field_agents_see_their_own_site_only,
    a_child_presented_again_is_alerted_with_the_earlier_run,
    runs_saved_by_another_instance_are_caught_up,
    simultaneous_intakes_of_one_child_alert_in_turn
);
