//! The PostgreSQL store against a real server: the shared conformance checks, the same failure
//! atomicity checks as the SQLite tests, agreement with the SQLite backend, and what only a
//! multi-user server has (concurrent writers).
//!
//! The server comes from `LAZO_TEST_POSTGRES_URL`, else `DATABASE_URL` (a `postgres://` URL);
//! `scripts/with-postgres.sh cargo test --workspace` starts a throwaway one, and CI runs the tests
//! that way. Without one, every test here passes after printing that it was skipped, unless
//! `LAZO_TEST_REQUIRE_POSTGRES=1` (set by CI), which makes them fail instead.
//!
//! Each test works in a schema of its own (`lazo_test_<uuid>`, through the connection's
//! `search_path`), dropped at the end even when the test fails, so the tests run in parallel and
//! never touch the database's other schemas.

#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::io::Write;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Instant;

use lazo_store::conformance::{self, sample_run};
use lazo_store::{
    MemberRole, RunId, RunKind, RunRecord, RunSummary, StoreError, UnitMember, UnitRecord, Verdict,
    VerificationStore,
};
use lazo_store_postgres::{PgConnectOptions, PgStore, block_on, save_run_blocking};
use lazo_store_sqlite::SqliteStore;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;
use sqlx::{AssertSqlSafe, Connection, Row};

/// The server to test against, if any.
fn server_url() -> Option<String> {
    let url = ["LAZO_TEST_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|url| lazo_store_postgres::is_postgres_url(url));
    if url.is_none() {
        let required =
            std::env::var("LAZO_TEST_REQUIRE_POSTGRES").is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            !required,
            "LAZO_TEST_REQUIRE_POSTGRES is set but neither LAZO_TEST_POSTGRES_URL nor \
             DATABASE_URL is a postgres:// URL"
        );
        static SKIP: Once = Once::new();
        SKIP.call_once(|| {
            // Written past the test harness's capture, so it shows in `cargo test`'s output.
            let _ = writeln!(
                std::io::stderr(),
                "lazo-store-postgres: SKIPPED the PostgreSQL tests: no server (set \
                 LAZO_TEST_POSTGRES_URL or DATABASE_URL to a postgres:// URL, or run \
                 `scripts/with-postgres.sh cargo test --workspace`)"
            );
        });
    }
    url
}

/// A schema of its own on the test server.
#[derive(Clone, Debug)]
struct TestDb {
    /// The server URL with this schema as the search path.
    url: String,
    schema: String,
}

impl TestDb {
    async fn create(server: &str) -> TestDb {
        let schema = format!("lazo_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(server).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let separator = if server.contains('?') { '&' } else { '?' };
        TestDb {
            url: format!("{server}{separator}options=-c%20search_path%3D{schema}"),
            schema,
        }
    }

    async fn drop_schema(&self, server: &str) {
        let mut admin = PgConnection::connect(server).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!(
            "DROP SCHEMA {} CASCADE",
            self.schema
        )))
        .execute(&mut admin)
        .await
        .unwrap();
        admin.close().await.unwrap();
    }

    async fn store(&self) -> PgStore {
        PgStore::connect(&self.url).await.unwrap()
    }

    /// A connection of its own, as another process would have.
    async fn raw(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.unwrap()
    }
}

/// Runs `test` in a fresh schema (skipped without a server), then drops the schema, also when
/// the test panics (the panic is passed on).
async fn with_db<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(server) = server_url() else { return };
    let db = TestDb::create(&server).await;
    let outcome = tokio::spawn(test(db.clone())).await;
    db.drop_schema(&server).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs `test` with a fresh store.
async fn with_store<F, Fut>(test: F)
where
    F: FnOnce(PgStore) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_db(|db| async move {
        let store = db.store().await;
        test(store.clone()).await;
        store.close().await;
    })
    .await;
}

async fn table_rows(conn: &mut PgConnection) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for (table, sql) in [
        ("runs", "SELECT count(*) FROM runs"),
        ("run_units", "SELECT count(*) FROM run_units"),
        ("unit_members", "SELECT count(*) FROM unit_members"),
        ("profiles", "SELECT count(*) FROM profiles"),
        ("alerts", "SELECT count(*) FROM alerts"),
        ("sample_custody", "SELECT count(*) FROM sample_custody"),
    ] {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap();
        counts.push((table, n));
    }
    counts
}

async fn assert_no_rows(db: &TestDb, after: &str) {
    let mut conn = db.raw().await;
    for (table, n) in table_rows(&mut conn).await {
        assert_eq!(n, 0, "{table} has rows after {after}");
    }
    conn.close().await.unwrap();
}

/// A run the size of the 2019 pilot's day: 522 units, ~1,500 samples (as in the SQLite tests).
fn pilot_sized_run(id: u128, started_at: &str) -> RunRecord {
    let template = sample_run(id, started_at);
    let mut units = Vec::new();
    let mut profiles = Vec::new();
    for u in 0..522 {
        let unit_id = format!("U{u:04}");
        let verdict = Verdict::ALL[u % 3];
        let members: Vec<UnitMember> = [MemberRole::Mother, MemberRole::Child, MemberRole::Child]
            .iter()
            .enumerate()
            .map(|(k, role)| UnitMember {
                sample_id: format!("S{u:04}-{k}"),
                role: *role,
            })
            .collect();
        for m in &members {
            let mut p = template.profiles[0].clone();
            p.sample_id = m.sample_id.clone();
            for _ in 0..5 {
                p.loci.extend(template.profiles[0].loci.clone());
            }
            profiles.push(p);
        }
        let mut report = conformance::report_json(&unit_id, verdict);
        report.insert_str(1, &"\"pad\":\"0123456789abcdef\",".repeat(100));
        units.push(UnitRecord {
            unit_id,
            verdict,
            members,
            report_json: report,
            reasons: vec!["a reason".into()],
            recommendations: Vec::new(),
        });
    }
    RunRecord {
        summary: RunSummary::tally(&units, 0, 1),
        units,
        profiles,
        alerts: Vec::new(),
        ..template
    }
}

#[tokio::test]
async fn round_trip() {
    with_store(|store| async move { conformance::round_trip(&store).await }).await;
}

#[tokio::test]
async fn newest_first_with_pagination() {
    with_store(|store| async move { conformance::newest_first_with_pagination(&store).await })
        .await;
}

#[tokio::test]
async fn sites_and_custody() {
    with_store(|store| async move { conformance::sites_and_custody(&store).await }).await;
}

#[tokio::test]
async fn report_json_is_byte_for_byte() {
    with_store(|store| async move { conformance::report_json_is_byte_for_byte(&store).await })
        .await;
}

#[tokio::test]
async fn failed_save_leaves_nothing() {
    with_db(|db| async move {
        let store = db.store().await;
        // Fails in the second statement (units), after the run row was written.
        let mut dup = sample_run(1, "2026-11-03T14:05:09Z");
        dup.units[2].unit_id = "U0001".into();
        assert!(matches!(
            store.save_run(&dup).await,
            Err(StoreError::Conflict(_))
        ));
        // Not even rows the API cannot reach.
        assert_no_rows(&db, "a duplicate unit").await;

        // Fails in the last statement (alerts), after units, members and profiles were written.
        let mut orphan = sample_run(1, "2026-11-03T14:05:09Z");
        orphan.alerts[1].unit_id = "U0404".into();
        let err = store.save_run(&orphan).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        assert_no_rows(&db, "an alert about a unit not in the run").await;

        // Text PostgreSQL cannot hold (a NUL character) is an invalid record, not a crash.
        let mut nul = sample_run(1, "2026-11-03T14:05:09Z");
        nul.profiles[7].sample_id = "S8\0".into();
        let err = store.save_run(&nul).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
        assert_no_rows(&db, "a NUL character").await;

        conformance::failed_save_leaves_nothing(&store).await;
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_same_records_read_back_as_from_sqlite() {
    with_store(|pg| async move {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteStore::open(dir.path()).await.unwrap();
        let mut bytes = sample_run(2, "2026-11-03T15:00:00.5-05:00");
        bytes.units[1].report_json = format!("\t{}\r\n", bytes.units[1].report_json);
        let mut empty = sample_run(3, "2026-11-03T15:00:00Z");
        empty.kind = RunKind::Intake;
        empty.seed = None;
        empty.units.clear();
        empty.profiles.clear();
        empty.alerts.clear();
        empty.summary = RunSummary::tally(&[], 0, 0);
        let runs = [
            sample_run(1, "2026-11-03T14:05:09.123+01:00"),
            bytes,
            empty,
            pilot_sized_run(4, "2026-11-02T09:00:00Z"),
        ];
        for run in &runs {
            assert_eq!(pg.save_run(run).await.unwrap(), run.id);
            assert_eq!(sqlite.save_run(run).await.unwrap(), run.id);
        }
        for run in &runs {
            let from_pg = pg.load_run(run.id).await.unwrap();
            assert_eq!(from_pg, sqlite.load_run(run.id).await.unwrap());
            assert_eq!(from_pg.as_ref(), Some(run));
            assert_eq!(
                pg.get_run(run.id).await.unwrap(),
                sqlite.get_run(run.id).await.unwrap()
            );
            for verdict in [None, Some(Verdict::Inconclusive)] {
                assert_eq!(
                    pg.run_units(run.id, verdict).await.unwrap(),
                    sqlite.run_units(run.id, verdict).await.unwrap()
                );
            }
            assert_eq!(
                pg.run_profiles(run.id).await.unwrap(),
                sqlite.run_profiles(run.id).await.unwrap()
            );
            assert_eq!(
                pg.run_alerts(run.id).await.unwrap(),
                sqlite.run_alerts(run.id).await.unwrap()
            );
            for unit in &run.units {
                assert_eq!(
                    pg.unit_report(run.id, &unit.unit_id).await.unwrap(),
                    sqlite.unit_report(run.id, &unit.unit_id).await.unwrap()
                );
            }
        }
        assert_eq!(
            pg.list_runs(10, 0).await.unwrap(),
            sqlite.list_runs(10, 0).await.unwrap()
        );
        sqlite.close().await;
    })
    .await;
}

/// Table, column, NOT NULL: the shape both migrations must give.
type Columns = Vec<(String, String, bool)>;

#[tokio::test]
async fn both_migrations_define_the_same_tables_and_columns() {
    with_db(|db| async move {
        let store = db.store().await;
        store.close().await;
        let mut conn = db.raw().await;
        let mut pg: Columns = sqlx::query(
            "SELECT table_name::text AS t, column_name::text AS c, is_nullable = 'NO' AS not_null
             FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("t"), r.get("c"), r.get("not_null")))
        .collect();
        // Every JSON column is `json`, which keeps the text as given; never `jsonb`.
        let json_types: Vec<(String, String)> = sqlx::query(
            "SELECT column_name::text AS c, data_type::text AS t FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name LIKE '%\\_json'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("c"), r.get("t")))
        .collect();
        // runs 0001 (5 columns) and screenings 0006 (answers, decision).
        assert!(json_types.len() >= 7, "{json_types:?}");
        assert!(
            json_types.iter().all(|(_, t)| t == "json"),
            "{json_types:?}"
        );
        conn.close().await.unwrap();

        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteStore::open(dir.path()).await.unwrap();
        let url = format!("sqlite://{}", sqlite.path().display());
        sqlite.close().await;
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        let mut lite: Columns = sqlx::query(
            "SELECT m.name AS t, p.name AS c, (p.\"notnull\" OR p.pk > 0) AS not_null
             FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE '\\_%' ESCAPE '\\'
                 AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("t"), r.get("c"), r.get("not_null")))
        .collect();
        conn.close().await.unwrap();

        pg.sort();
        lite.sort();
        assert_eq!(pg, lite);
    })
    .await;
}

#[tokio::test]
async fn reconnecting_keeps_data_and_migrates_once() {
    with_db(|db| async move {
        let run = sample_run(7, "2026-11-03T14:05:09Z");
        let store = db.store().await;
        store.save_run(&run).await.unwrap();
        store.close().await;
        for _ in 0..2 {
            let store = db.store().await;
            assert_eq!(store.count_runs().await.unwrap(), 1);
            assert_eq!(store.load_run(run.id).await.unwrap(), Some(run.clone()));
            store.close().await;
        }
        let mut conn = db.raw().await;
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
            .count() as i64;
        assert_eq!(applied, files, "each migration applied once");
        conn.close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    with_db(|db| async move {
        db.store().await.close().await;
        let mut conn = db.raw().await;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (9999, 'from the future', true, '\\x00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        let err = PgStore::connect(&db.url).await.unwrap_err();
        assert!(matches!(err, StoreError::Migration(_)), "{err:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_saves_of_one_run_store_it_once() {
    with_db(|db| async move {
        // Two web-service instances, each with its own pool, save the same run at once.
        let stores = [db.store().await, db.store().await];
        let run = Arc::new(pilot_sized_run(77, "2026-11-03T14:05:09Z"));
        let mut saves = Vec::new();
        for store in stores.iter().cycle().take(6) {
            let (store, run) = (store.clone(), run.clone());
            saves.push(tokio::spawn(async move { store.save_run(&run).await }));
        }
        let mut saved = 0;
        for save in saves {
            match save.await.unwrap() {
                Ok(id) => {
                    assert_eq!(id, run.id);
                    saved += 1;
                }
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(saved, 1);
        assert_eq!(stores[1].count_runs().await.unwrap(), 1);
        assert_eq!(
            stores[1].load_run(run.id).await.unwrap().as_ref(),
            Some(&*run)
        );
        for store in stores {
            store.close().await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_readers_while_writing_see_only_whole_runs() {
    with_db(|db| async move {
        let store = db.store().await;
        // A second store on the same database stands for a second process.
        let other = db.store().await;
        let done = Arc::new(AtomicBool::new(false));
        let runs = 12u128;

        let writer = {
            let store = store.clone();
            let done = done.clone();
            tokio::spawn(async move {
                for i in 0..runs {
                    let stamp = format!("2026-11-03T10:{i:02}:00Z");
                    let mut run = pilot_sized_run(1000 + i, &stamp);
                    run.units.truncate(60);
                    run.profiles.truncate(180);
                    run.summary = RunSummary::tally(&run.units, 0, 1);
                    store.save_run(&run).await.unwrap();
                }
                done.store(true, Ordering::SeqCst);
            })
        };
        let mut readers = Vec::new();
        for reader in 0..4 {
            let store = if reader % 2 == 0 {
                store.clone()
            } else {
                other.clone()
            };
            let done = done.clone();
            readers.push(tokio::spawn(async move {
                let mut last = 0;
                let mut reads = 0u32;
                while !done.load(Ordering::SeqCst) || reads == 0 {
                    let n = store.count_runs().await.unwrap();
                    assert!(n >= last, "run count went back from {last} to {n}");
                    last = n;
                    for row in store.list_runs(5, 0).await.unwrap() {
                        // Visible means complete.
                        let units = store.run_units(row.id, None).await.unwrap();
                        assert_eq!(units.len() as u32, row.summary.units);
                        assert!(units.iter().all(|u| u.members.len() == 3));
                        let run = store.load_run(row.id).await.unwrap().unwrap();
                        assert_eq!(run.profiles.len(), 180);
                        assert_eq!(run.summary, row.summary);
                    }
                    reads += 1;
                }
                reads
            }));
        }
        writer.await.unwrap();
        for r in readers {
            assert!(r.await.unwrap() > 0);
        }
        assert_eq!(other.count_runs().await.unwrap(), runs as u64);
        store.close().await;
        other.close().await;
    })
    .await;
}

#[test]
fn blocking_save_for_the_cli() {
    let Some(server) = server_url() else { return };
    let db = block_on(TestDb::create(&server)).unwrap();
    let outcome = std::panic::catch_unwind(|| {
        let run = pilot_sized_run(42, "2026-11-03T14:05:09.250Z");
        let started = Instant::now();
        assert_eq!(save_run_blocking(&db.url, &run).unwrap(), run.id);
        eprintln!(
            "saved a pilot-sized run ({} units, {} profiles) in {:?}",
            run.units.len(),
            run.profiles.len(),
            started.elapsed()
        );
        // Saving the same run again is refused, not duplicated.
        assert!(matches!(
            save_run_blocking(&db.url, &run),
            Err(StoreError::Conflict(_))
        ));
        let back = block_on(async {
            let store = PgStore::connect(&db.url).await.unwrap();
            let started = Instant::now();
            let back = store.load_run(run.id).await.unwrap();
            eprintln!("loaded it back in {:?}", started.elapsed());
            store.close().await;
            back
        })
        .unwrap();
        assert_eq!(back, Some(run));
    });
    block_on(db.drop_schema(&server)).unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[tokio::test]
async fn block_on_inside_a_runtime_is_an_error_not_a_panic() {
    let run = sample_run(1, "2026-11-03T14:05:09Z");
    assert!(matches!(
        save_run_blocking("postgres://127.0.0.1:1/none", &run),
        Err(StoreError::Backend(_))
    ));
}

#[tokio::test]
async fn connect_options_built_in_code_work_too() {
    with_db(|db| async move {
        let options = PgConnectOptions::from_str(&db.url)
            .unwrap()
            .application_name("lazo-test");
        let store = PgStore::connect_with(options).await.unwrap();
        let id = RunId::from_u128(5);
        store
            .save_run(&sample_run(5, "2026-11-03T14:05:09Z"))
            .await
            .unwrap();
        assert!(store.get_run(id).await.unwrap().is_some());
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn accounts_conformance() {
    with_store(|store| async move { conformance::accounts(&store).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_chain_conformance() {
    with_store(|store| async move { conformance::audit_chain(&store).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_saved_since_conformance() {
    with_store(|store| async move { conformance::runs_saved_since(&store).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audited_writes_conformance() {
    with_store(|store| async move { conformance::audited_writes(&store).await }).await;
}

#[tokio::test]
async fn reviews_conformance() {
    with_store(|store| async move { conformance::reviews(&store).await }).await;
}

#[tokio::test]
async fn reviews_are_append_only() {
    with_db(|db| async move {
        let store = db.store().await;
        conformance::reviews_are_append_only(&store, |sql| {
            let db = db.clone();
            async move {
                let mut conn = db.raw().await;
                let outcome = sqlx::query(AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .map(|done| done.rows_affected())
                    .map_err(|e| e.to_string());
                conn.close().await.unwrap();
                outcome
            }
        })
        .await;
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn screenings_conformance() {
    with_store(|store| async move { conformance::screenings(&store).await }).await;
}

/// As in the SQLite tests: the schema refuses deletes and rewrites of screenings.
#[tokio::test]
async fn screenings_are_never_deleted_or_rewritten() {
    use lazo_store::{Completion, ScreeningId, ScreeningStore};
    with_db(|db| async move {
        let store = db.store().await;
        conformance::screenings(&store).await;
        let second = ScreeningId::from_u128(0x5c00 + 2);
        let completion = Completion {
            completed_at: "2026-11-24T11:00:00Z".into(),
            completed_by: "maria".into(),
            answers_json: "{}".into(),
            decision_json: "{}".into(),
            outcome: "supervisor_review".into(),
        };
        assert!(
            store
                .complete_screening(second, 0, &completion)
                .await
                .unwrap()
        );
        let mut conn = db.raw().await;
        for sql in [
            "DELETE FROM screenings WHERE child_ref = 'A-0003'",
            "DELETE FROM screenings",
            "UPDATE screenings SET child_ref = 'B-1' WHERE child_ref = 'A-0003'",
            "UPDATE screenings SET apprehended_at_ms = 0 WHERE child_ref = 'A-0003'",
            "UPDATE screenings SET answers_json = '{\"q\": 1}' WHERE child_ref = 'A-0002'",
            "UPDATE screenings SET status = 'draft', completed_at = NULL, completed_at_ms = NULL,
                 completed_by = NULL, outcome = NULL, decision_json = NULL
             WHERE child_ref = 'A-0002'",
            "UPDATE screenings SET sign_reason = 'another reason' WHERE child_ref = 'A-0001'",
            "UPDATE screenings SET status = 'signed', completed_at = 't', completed_at_ms = 1,
                 completed_by = 'x', outcome = 'o', decision_json = '{}', signed_by = 'x',
                 signed_at = 't', sign_reason = 'r'
             WHERE child_ref = 'A-0003'",
            "UPDATE screening_instruments SET toml = 'x'",
            "DELETE FROM screening_instruments",
        ] {
            assert!(
                sqlx::query(AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .is_err(),
                "accepted: {sql}"
            );
        }
        sqlx::query(
            "UPDATE screenings SET answers_json = '{\"q\": 1}', revision = revision + 1
             WHERE child_ref = 'A-0003'",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let statuses: Vec<(String, String)> =
            sqlx::query_as("SELECT child_ref, status FROM screenings ORDER BY child_ref")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(
            statuses,
            [
                ("A-0001".to_string(), "signed".to_string()),
                ("A-0002".into(), "completed".into()),
                ("A-0003".into(), "draft".into()),
                ("A-0004".into(), "draft".into()),
            ]
        );
        conn.close().await.unwrap();
        store.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audited_screenings_conformance() {
    with_store(|store| async move { conformance::audited_screenings(&store).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audited_accounts_conformance() {
    with_store(|store| async move { conformance::audited_accounts(&store).await }).await;
}
