//! The SQLite store on real database files in temporary directories.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lazo_store::conformance::{self, sample_run};
use lazo_store::{
    MemberRole, RunRecord, RunSummary, StoreError, UnitMember, UnitRecord, Verdict,
    VerificationStore,
};
use lazo_store_sqlite::{DATABASE_FILE, SqliteStore, block_on, save_run_blocking};
use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;

async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("data")).await.unwrap();
    (dir, store)
}

/// A connection of its own, as another process would have.
async fn raw(data_dir: &Path) -> SqliteConnection {
    let url = format!("sqlite://{}", data_dir.join(DATABASE_FILE).display());
    SqliteConnection::connect(&url).await.unwrap()
}

async fn table_rows(conn: &mut SqliteConnection) -> Vec<(&'static str, i64)> {
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

/// How many migrations this crate has.
fn migration_files() -> i64 {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
        .count() as i64
}

/// A run the size of the 2019 pilot's day: 522 units, ~1,500 samples.
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
        // A realistic report is a few kilobytes (per-locus LRs for every claim).
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
    let (_dir, store) = fresh().await;
    conformance::round_trip(&store).await;
}

#[tokio::test]
async fn newest_first_with_pagination() {
    let (_dir, store) = fresh().await;
    conformance::newest_first_with_pagination(&store).await;
}

#[tokio::test]
async fn sites_and_custody() {
    let (_dir, store) = fresh().await;
    conformance::sites_and_custody(&store).await;
}

#[tokio::test]
async fn report_json_is_byte_for_byte() {
    let (_dir, store) = fresh().await;
    conformance::report_json_is_byte_for_byte(&store).await;
}

#[tokio::test]
async fn failed_save_leaves_nothing() {
    let (dir, store) = fresh().await;
    let mut dup = sample_run(1, "2026-11-03T14:05:09Z");
    dup.units[2].unit_id = "U0001".into();
    assert!(matches!(
        store.save_run(&dup).await,
        Err(StoreError::Conflict(_))
    ));
    // Not even rows the API cannot reach (members of the units written before the failure).
    let mut conn = raw(&dir.path().join("data")).await;
    for (table, n) in table_rows(&mut conn).await {
        assert_eq!(n, 0, "{table} has rows after a failed save");
    }
    conformance::failed_save_leaves_nothing(&store).await;
}

#[tokio::test]
async fn reopening_keeps_data_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let run = sample_run(7, "2026-11-03T14:05:09Z");
    let store = SqliteStore::open(&data).await.unwrap();
    assert_eq!(store.path(), data.join(DATABASE_FILE));
    store.save_run(&run).await.unwrap();
    store.close().await;
    for _ in 0..2 {
        let store = SqliteStore::open(&data).await.unwrap();
        assert_eq!(store.count_runs().await.unwrap(), 1);
        assert_eq!(store.load_run(run.id).await.unwrap(), Some(run.clone()));
        store.close().await;
    }
    let mut conn = raw(&data).await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(applied, migration_files(), "each migration applied once");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        mode, "wal",
        "WAL is a property of the file, kept across opens"
    );
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused() {
    let (dir, store) = fresh().await;
    store.close().await;
    let data = dir.path().join("data");
    let mut conn = raw(&data).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let err = SqliteStore::open(&data).await.unwrap_err();
    assert!(matches!(err, StoreError::Migration(_)), "{err:?}");
}

#[tokio::test]
async fn readers_are_not_blocked_by_an_open_write() {
    let (dir, store) = fresh().await;
    let run = sample_run(1, "2026-11-03T14:05:09Z");
    store.save_run(&run).await.unwrap();

    // Another process holds the write lock with an uncommitted run.
    let mut writer = raw(&dir.path().join("data")).await;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut writer)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO runs (id, started_at, started_at_ms, kind, lazo_version, population, theta,
             mutation, policy_toml, unit_count, verified_count, not_supported_count,
             inconclusive_count, alert_count, elapsed_ms)
         VALUES ('00000000-0000-0000-0000-0000000000ff', '2030-01-01T00:00:00Z', 1893456000000,
             'demo', 'x', 'x', 0.0, 'none', '', 0, 0, 0, 0, 0, 0)",
    )
    .execute(&mut writer)
    .await
    .unwrap();

    let started = Instant::now();
    assert_eq!(store.count_runs().await.unwrap(), 1);
    assert_eq!(store.list_runs(10, 0).await.unwrap()[0].id, run.id);
    assert_eq!(store.load_run(run.id).await.unwrap(), Some(run.clone()));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "readers waited for the writer: {:?}",
        started.elapsed()
    );

    sqlx::query("COMMIT").execute(&mut writer).await.unwrap();
    assert_eq!(store.count_runs().await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_readers_while_writing_see_only_whole_runs() {
    let (dir, store) = fresh().await;
    // A second store on the same file stands for a second process (the web service).
    let other = SqliteStore::open(&dir.path().join("data")).await.unwrap();
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
}

#[test]
fn blocking_save_for_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lazo-data");
    let run = pilot_sized_run(42, "2026-11-03T14:05:09.250Z");
    let started = Instant::now();
    assert_eq!(save_run_blocking(&data, &run).unwrap(), run.id);
    eprintln!(
        "saved a pilot-sized run ({} units, {} profiles) in {:?}",
        run.units.len(),
        run.profiles.len(),
        started.elapsed()
    );
    // Saving the same run again is refused, not duplicated.
    assert!(matches!(
        save_run_blocking(&data, &run),
        Err(StoreError::Conflict(_))
    ));
    let back = block_on(async {
        let store = SqliteStore::open(&data).await.unwrap();
        let back = store.load_run(run.id).await.unwrap();
        store.close().await;
        back
    })
    .unwrap();
    assert_eq!(back, Some(run));
    // Closing checkpointed the WAL into the database file.
    assert!(!data.join(format!("{DATABASE_FILE}-wal")).exists());
}

#[tokio::test]
async fn block_on_inside_a_runtime_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let run = sample_run(1, "2026-11-03T14:05:09Z");
    assert!(matches!(
        save_run_blocking(dir.path(), &run),
        Err(StoreError::Backend(_))
    ));
}

#[cfg(unix)]
#[tokio::test]
async fn data_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, store) = fresh().await;
    store
        .save_run(&sample_run(1, "2026-11-03T14:05:09Z"))
        .await
        .unwrap();
    let data = dir.path().join("data");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join(DATABASE_FILE)), 0o600);
    assert_eq!(mode(&data.join(format!("{DATABASE_FILE}-wal"))), 0o600);
}

#[tokio::test]
async fn accounts_conformance() {
    let (_dir, store) = fresh().await;
    conformance::accounts(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_chain_conformance() {
    let (_dir, store) = fresh().await;
    conformance::audit_chain(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_saved_since_conformance() {
    let (_dir, store) = fresh().await;
    conformance::runs_saved_since(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audited_writes_conformance() {
    let (_dir, store) = fresh().await;
    conformance::audited_writes(&store).await;
}

#[tokio::test]
async fn reviews_conformance() {
    let (_dir, store) = fresh().await;
    conformance::reviews(&store).await;
}

#[tokio::test]
async fn reviews_are_append_only() {
    let (dir, store) = fresh().await;
    let data = dir.path().join("data");
    conformance::reviews_are_append_only(&store, |sql| {
        let data = data.clone();
        async move {
            let mut conn = raw(&data).await;
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .map(|done| done.rows_affected())
                .map_err(|e| e.to_string())
        }
    })
    .await;
}

#[tokio::test]
async fn screenings_conformance() {
    let (_dir, store) = fresh().await;
    conformance::screenings(&store).await;
}

/// The schema itself refuses what the application never does: deleting a screening, changing
/// who, where or when, changing a completed or signed one, signing a draft, editing a kept
/// instrument.
#[tokio::test]
async fn screenings_are_never_deleted_or_rewritten() {
    use lazo_store::{Completion, ScreeningId, ScreeningStatus, ScreeningStore};
    let (dir, store) = fresh().await;
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
    let mut conn = raw(&dir.path().join("data")).await;
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
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut conn)
                .await
                .is_err(),
            "accepted: {sql}"
        );
    }
    // A draft's answers may still change.
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
    let second = store.screening(second).await.unwrap().unwrap();
    assert_eq!(second.summary.status, ScreeningStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audited_screenings_conformance() {
    let (_dir, store) = fresh().await;
    conformance::audited_screenings(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audited_accounts_conformance() {
    let (_dir, store) = fresh().await;
    conformance::audited_accounts(&store).await;
}
