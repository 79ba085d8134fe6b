//! The embedded SQLite backend of [`lazo_store::VerificationStore`] (and of the account, audit
//! and review traits): one file,
//! `DATA_DIR/lazo.sqlite`, created on first use, schema from the embedded migrations in
//! `migrations/`.
//!
//! Connection settings, on every connection of the pool:
//! - `journal_mode = WAL`: readers (the web service's pages) never block the writer or each
//!   other, and the writer never blocks them; a reader sees only committed runs.
//! - `synchronous = FULL`: each commit is on disk before `save_run` returns, so a run the CLI
//!   reported as saved survives a power cut (under `NORMAL`, WAL mode stays consistent but may
//!   lose the last commits at power loss). Field laptops at a border post lose power; the
//!   price is one extra fsync per saved run, which holds thousands of rows: negligible.
//! - `foreign_keys = ON` (SQLite's default is off), `busy_timeout = 10 s` for a writer that
//!   waits on another process's write.
//!
//! Writes take the write lock up front (`BEGIN IMMEDIATE`), so two writers queue on the busy
//! timeout instead of one failing with "database is locked" when it upgrades a read lock.
//!
//! On Unix the data directory is created `0700` and the database file `0600` (SQLite gives its
//! `-wal` and `-shm` files the database file's mode): the file holds children's DNA profiles.
//! Keep the data directory on a local disk: WAL needs shared memory, which network file systems
//! do not provide.

mod accounts;
mod reviews;
mod screenings;

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lazo_store::lazo_audit::{AuditKey, Event, Record};
use lazo_store::{
    AlertRecord, AuditedWrites, CustodyRecord, LocusCalls, MAX_PAGE, MemberRole, NewReview,
    ProfileRecord, ReviewRecord, RunDetail, RunFilter, RunId, RunKind, RunRecord, RunSummary,
    RunSummaryRow, SavedRuns, StoreError, UnitMember, UnitRecord, UnitRow, Verdict,
    VerificationStore, unix_ms_from_rfc3339,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::error::ErrorKind;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "lazo.sqlite";

/// Connections in the pool: several readers for the web service; writes are serialised by
/// SQLite anyway.
const MAX_CONNECTIONS: u32 = 8;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A verification store in `DATA_DIR/lazo.sqlite`. Cloning is cheap (a shared pool).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the store in `data_dir`, creating the directory, the database and its schema as
    /// needed, and applying any migration not yet applied (opening again is a no-op). A
    /// database written by a newer Lazo, with migrations this one does not know, is refused
    /// with [`StoreError::Migration`].
    pub async fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        create_private_dir(data_dir)?;
        let path = data_dir.join(DATABASE_FILE);
        create_private_file(&path)?;
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Io {
                path: path.clone(),
                source: std::io::Error::other(e),
            })?;
        // Two processes opening a new database at once can both find a migration unapplied;
        // the loser's attempt fails on the tables the winner created. The second attempt then
        // finds everything applied.
        if MIGRATOR.run(&pool).await.is_err() {
            MIGRATOR
                .run(&pool)
                .await
                .map_err(|e| StoreError::Migration(format!("{}: {e}", path.display())))?;
        }
        Ok(SqliteStore { pool, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection, waiting for them; the last one checkpoints the WAL into the
    /// database file. Clones of this store can no longer be used afterwards.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Writes a consistent copy of the whole database to `dest`, a file that must not exist
    /// (or be empty), while other connections and processes go on reading and writing: SQLite's
    /// `VACUUM INTO` copies one read snapshot, so the copy holds every transaction committed
    /// before it began and nothing of one in flight. The copy is created owner-only (0600) and
    /// checked with `PRAGMA integrity_check` before this returns.
    pub async fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        let io = |source| StoreError::Io {
            path: dest.to_path_buf(),
            source,
        };
        if std::fs::metadata(dest).is_ok_and(|m| m.len() > 0) {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the backup file exists already; choose a new name",
            )));
        }
        create_private_file(dest)?;
        let target = dest.to_str().ok_or_else(|| {
            io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the backup path is not valid UTF-8",
            ))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        let copy = SqliteConnectOptions::new().filename(dest).read_only(true);
        let mut connection = sqlx::ConnectOptions::connect(&copy).await.map_err(db)?;
        let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut connection)
            .await
            .map_err(db)?;
        sqlx::Connection::close(connection).await.map_err(db)?;
        if verdict != "ok" {
            return Err(StoreError::Backend(
                format!(
                    "the backup {} fails its integrity check: {verdict}",
                    dest.display()
                )
                .into(),
            ));
        }
        Ok(())
    }

    /// Reads that must agree with each other (one run, whole) go through one read transaction:
    /// a snapshot.
    async fn snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.pool.begin().await.map_err(db)
    }
}

/// Runs `future` to completion on a new single-threaded runtime: how a synchronous program
/// (the `lazo` CLI) uses the store without knowing tokio. Refused inside an async runtime,
/// where blocking the thread would stall it (call the async API there).
pub fn block_on<F: Future>(future: F) -> Result<F::Output, StoreError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(StoreError::Backend(
            "lazo_store_sqlite::block_on called inside an async runtime; await the store instead"
                .into(),
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Backend(Box::new(e)))?;
    Ok(runtime.block_on(future))
}

/// Opens (creating if needed) the store in `data_dir`, saves `run` in one transaction and
/// closes the store: the synchronous entry point for the CLI.
pub fn save_run_blocking(data_dir: &Path, run: &RunRecord) -> Result<RunId, StoreError> {
    block_on(async {
        let store = SqliteStore::open(data_dir).await?;
        let saved = store.save_run(run).await;
        store.close().await;
        saved
    })?
}

impl SqliteStore {
    /// Saves `run` in one transaction; with `audit`, the audit record is appended in the same
    /// transaction, last (see [`lazo_store::AuditedWrites`]).
    async fn save_run_with(
        &self,
        run: &RunRecord,
        audit: Option<(&AuditKey, Event)>,
    ) -> Result<Option<Record>, StoreError> {
        run.validate()?;
        let started_at_ms = unix_ms_from_rfc3339(&run.started_at)?;
        // Everything is encoded before the write lock is taken.
        let units: Vec<(&UnitRecord, String, String)> = run
            .units
            .iter()
            .map(|u| Ok((u, to_json(&u.reasons)?, to_json(&u.recommendations)?)))
            .collect::<Result<_, StoreError>>()?;
        let profiles: Vec<(&ProfileRecord, String)> = run
            .profiles
            .iter()
            .map(|p| Ok((p, to_json(&p.loci)?)))
            .collect::<Result<_, StoreError>>()?;
        let s = &run.summary;

        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let run_pk: i64 = sqlx::query_scalar(
            "INSERT INTO runs (id, started_at, started_at_ms, kind, lazo_version, population,
                 theta, mutation, policy_toml, seed, unit_count, verified_count,
                 not_supported_count, inconclusive_count, alert_count, elapsed_ms, site)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             RETURNING run_pk",
        )
        .bind(run.id.to_string())
        .bind(&run.started_at)
        .bind(started_at_ms)
        .bind(run.kind.as_str())
        .bind(&run.lazo_version)
        .bind(&run.population)
        .bind(run.theta)
        .bind(&run.mutation)
        .bind(&run.policy_toml)
        .bind(run.seed.map(|seed| seed.to_string()))
        .bind(i64::from(s.units))
        .bind(i64::from(s.verified))
        .bind(i64::from(s.not_supported))
        .bind(i64::from(s.inconclusive))
        .bind(i64::from(s.alerts))
        .bind(s.elapsed_ms as i64) // validate() bounds it by i64::MAX
        .bind(run.site.as_deref())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;

        for (position, (unit, reasons, recommendations)) in units.iter().enumerate() {
            let unit_pk: i64 = sqlx::query_scalar(
                "INSERT INTO run_units (run_pk, position, unit_id, verdict, reasons_json,
                     recommendations_json, report_json)
                 VALUES (?, ?, ?, ?, ?, ?, ?)
                 RETURNING unit_pk",
            )
            .bind(run_pk)
            .bind(position as i64)
            .bind(&unit.unit_id)
            .bind(unit.verdict.as_str())
            .bind(reasons)
            .bind(recommendations)
            .bind(&unit.report_json)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            for (position, member) in unit.members.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO unit_members (unit_pk, position, sample_id, role)
                     VALUES (?, ?, ?, ?)",
                )
                .bind(unit_pk)
                .bind(position as i64)
                .bind(&member.sample_id)
                .bind(member.role.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
        for (position, (profile, loci)) in profiles.iter().enumerate() {
            sqlx::query(
                "INSERT INTO profiles (run_pk, position, sample_id, loci_json) VALUES (?, ?, ?, ?)",
            )
            .bind(run_pk)
            .bind(position as i64)
            .bind(&profile.sample_id)
            .bind(loci)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for (position, alert) in run.alerts.iter().enumerate() {
            sqlx::query(
                "INSERT INTO alerts (run_pk, position, unit_id, kind, sample_id, detail_json)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(run_pk)
            .bind(position as i64)
            .bind(&alert.unit_id)
            .bind(&alert.kind)
            .bind(alert.sample_id.as_deref())
            .bind(&alert.detail_json)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for (position, c) in run.custody.iter().enumerate() {
            sqlx::query(
                "INSERT INTO sample_custody (run_pk, position, sample_id, collector,
                     collected_on, place, consent, kit)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(run_pk)
            .bind(position as i64)
            .bind(&c.sample_id)
            .bind(&c.collector)
            .bind(&c.collected_on)
            .bind(&c.place)
            .bind(i64::from(c.consent))
            .bind(&c.kit)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        // On any error above, dropping `tx` rolls the whole run back.
        let record = match audit {
            Some((key, event)) => Some(accounts::append_in(&mut tx, key, event).await?),
            None => None,
        };
        tx.commit().await.map_err(db)?;
        Ok(record)
    }
}

impl AuditedWrites for SqliteStore {
    async fn save_run_audited(
        &self,
        run: &RunRecord,
        key: &AuditKey,
        event: Event,
    ) -> Result<Record, StoreError> {
        self.save_run_with(run, Some((key, event)))
            .await?
            .ok_or_else(|| StoreError::Backend("the run was saved without its audit record".into()))
    }

    async fn save_review_audited<F>(
        &self,
        review: &NewReview,
        key: &AuditKey,
        event: F,
    ) -> Result<Option<(ReviewRecord, Record)>, StoreError>
    where
        F: FnOnce(&ReviewRecord) -> Event + Send,
    {
        match self.save_review_with(review, Some((key, event))).await? {
            None => Ok(None),
            Some((saved, Some(record))) => Ok(Some((saved, record))),
            Some((_, None)) => Err(StoreError::Backend(
                "the review was saved without its audit record".into(),
            )),
        }
    }
}

impl VerificationStore for SqliteStore {
    async fn save_run(&self, run: &RunRecord) -> Result<RunId, StoreError> {
        self.save_run_with(run, None).await.map(|_| run.id)
    }

    async fn runs_saved_since(&self, from: u64, limit: u32) -> Result<SavedRuns, StoreError> {
        // One statement, one snapshot. SQLite has one writer at a time, so `run_pk` (the rowid)
        // is given in commit order; deleting the newest run lets its rowid be given again,
        // which the reader detects by asking from its last cursor inclusive.
        let rows = sqlx::query(
            "SELECT t.total, r.run_pk, r.id
             FROM (SELECT count(*) AS total FROM runs) AS t
             LEFT JOIN (SELECT run_pk, id FROM runs WHERE run_pk >= ? ORDER BY run_pk LIMIT ?)
                 AS r ON 1 = 1
             ORDER BY r.run_pk",
        )
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .bind(i64::from(limit.min(MAX_PAGE)))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut page = SavedRuns::default();
        for row in &rows {
            page.total = u64::try_from(get::<i64>(row, "total")?).unwrap_or(0);
            let (Some(pk), Some(id)) = (
                get::<Option<i64>>(row, "run_pk")?,
                get::<Option<String>>(row, "id")?,
            ) else {
                continue;
            };
            let id = id
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("run id {id:?}")))?;
            page.runs.push((
                u64::try_from(pk).map_err(|_| StoreError::Corrupt(format!("run_pk {pk}")))?,
                id,
            ));
        }
        Ok(page)
    }

    async fn count_runs_where(&self, filter: &RunFilter) -> Result<u64, StoreError> {
        let n: i64 = match &filter.site {
            None => sqlx::query_scalar("SELECT count(*) FROM runs"),
            Some(site) => {
                sqlx::query_scalar("SELECT count(*) FROM runs WHERE site = ?").bind(site.as_str())
            }
        }
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(n.max(0) as u64)
    }

    async fn list_runs_where(
        &self,
        filter: &RunFilter,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<RunSummaryRow>, StoreError> {
        macro_rules! list {
            ($where:literal) => {
                concat!(
                    "SELECT id, started_at, kind, lazo_version, population, theta, mutation,
                         seed, unit_count, verified_count, not_supported_count,
                         inconclusive_count, alert_count, elapsed_ms, site
                     FROM runs ",
                    $where,
                    " ORDER BY started_at_ms DESC, run_pk DESC LIMIT ? OFFSET ?"
                )
            };
        }
        let query = match &filter.site {
            None => sqlx::query(list!("")),
            Some(site) => sqlx::query(list!("WHERE site = ?")).bind(site.as_str()),
        };
        let rows = query
            .bind(i64::from(limit.min(MAX_PAGE)))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(summary_row).collect()
    }

    async fn run_custody(&self, id: RunId) -> Result<Vec<CustodyRecord>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        run_custody(&mut conn, id).await
    }

    async fn get_run(&self, id: RunId) -> Result<Option<RunDetail>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        get_run(&mut conn, id).await
    }

    async fn run_units(
        &self,
        id: RunId,
        verdict: Option<Verdict>,
    ) -> Result<Vec<UnitRow>, StoreError> {
        let mut tx = self.snapshot().await?;
        let units = match verdict {
            None => sqlx::query(
                "SELECT u.unit_pk, u.unit_id, u.verdict, u.reasons_json, u.recommendations_json,
                     (SELECT count(*) FROM alerts a
                      WHERE a.run_pk = u.run_pk AND a.unit_id = u.unit_id) AS alerts
                 FROM run_units u
                 WHERE u.run_pk = (SELECT run_pk FROM runs WHERE id = ?)
                 ORDER BY u.position",
            )
            .bind(id.to_string()),
            Some(verdict) => sqlx::query(
                "SELECT u.unit_pk, u.unit_id, u.verdict, u.reasons_json, u.recommendations_json,
                     (SELECT count(*) FROM alerts a
                      WHERE a.run_pk = u.run_pk AND a.unit_id = u.unit_id) AS alerts
                 FROM run_units u
                 WHERE u.run_pk = (SELECT run_pk FROM runs WHERE id = ?) AND u.verdict = ?
                 ORDER BY u.position",
            )
            .bind(id.to_string())
            .bind(verdict.as_str()),
        }
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut members = members_of_run(&mut tx, id).await?;
        units
            .iter()
            .map(|row| {
                Ok(UnitRow {
                    unit_id: get(row, "unit_id")?,
                    verdict: word(row, "verdict")?,
                    members: members
                        .remove(&get::<i64>(row, "unit_pk")?)
                        .unwrap_or_default(),
                    reasons: from_json(&get::<String>(row, "reasons_json")?)?,
                    recommendations: from_json(&get::<String>(row, "recommendations_json")?)?,
                    alerts: count(row, "alerts")?,
                })
            })
            .collect()
    }

    async fn unit_report(&self, id: RunId, unit_id: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT report_json FROM run_units
             WHERE run_pk = (SELECT run_pk FROM runs WHERE id = ?) AND unit_id = ?",
        )
        .bind(id.to_string())
        .bind(unit_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    async fn run_profiles(&self, id: RunId) -> Result<Vec<ProfileRecord>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        run_profiles(&mut conn, id).await
    }

    async fn run_alerts(&self, id: RunId) -> Result<Vec<AlertRecord>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        run_alerts(&mut conn, id).await
    }

    async fn load_run(&self, id: RunId) -> Result<Option<RunRecord>, StoreError> {
        let mut tx = self.snapshot().await?;
        let Some(detail) = get_run(&mut tx, id).await? else {
            return Ok(None);
        };
        let rows = sqlx::query(
            "SELECT unit_pk, unit_id, verdict, reasons_json, recommendations_json, report_json
             FROM run_units
             WHERE run_pk = (SELECT run_pk FROM runs WHERE id = ?)
             ORDER BY position",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut members = members_of_run(&mut tx, id).await?;
        let units = rows
            .iter()
            .map(|row| {
                Ok(UnitRecord {
                    unit_id: get(row, "unit_id")?,
                    verdict: word(row, "verdict")?,
                    members: members
                        .remove(&get::<i64>(row, "unit_pk")?)
                        .unwrap_or_default(),
                    report_json: get(row, "report_json")?,
                    reasons: from_json(&get::<String>(row, "reasons_json")?)?,
                    recommendations: from_json(&get::<String>(row, "recommendations_json")?)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let profiles = run_profiles(&mut tx, id).await?;
        let alerts = run_alerts(&mut tx, id).await?;
        let custody = run_custody(&mut tx, id).await?;
        let RunDetail { run, policy_toml } = detail;
        Ok(Some(RunRecord {
            id: run.id,
            started_at: run.started_at,
            kind: run.kind,
            lazo_version: run.lazo_version,
            population: run.population,
            theta: run.theta,
            mutation: run.mutation,
            policy_toml,
            seed: run.seed,
            units,
            profiles,
            alerts,
            summary: run.summary,
            site: run.site,
            custody,
        }))
    }
}

async fn get_run(conn: &mut SqliteConnection, id: RunId) -> Result<Option<RunDetail>, StoreError> {
    let row = sqlx::query(
        "SELECT id, started_at, kind, lazo_version, population, theta, mutation, seed,
             unit_count, verified_count, not_supported_count, inconclusive_count,
             alert_count, elapsed_ms, policy_toml, site
         FROM runs WHERE id = ?",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    row.map(|row| {
        Ok(RunDetail {
            run: summary_row(&row)?,
            policy_toml: get(&row, "policy_toml")?,
        })
    })
    .transpose()
}

/// Members of every unit of a run, by `unit_pk`, in presentation order.
async fn members_of_run(
    conn: &mut SqliteConnection,
    id: RunId,
) -> Result<HashMap<i64, Vec<UnitMember>>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.unit_pk, m.sample_id, m.role
         FROM unit_members m JOIN run_units u ON u.unit_pk = m.unit_pk
         WHERE u.run_pk = (SELECT run_pk FROM runs WHERE id = ?)
         ORDER BY m.unit_pk, m.position",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    let mut members: HashMap<i64, Vec<UnitMember>> = HashMap::new();
    for row in &rows {
        members
            .entry(get(row, "unit_pk")?)
            .or_default()
            .push(UnitMember {
                sample_id: get(row, "sample_id")?,
                role: word::<MemberRole>(row, "role")?,
            });
    }
    Ok(members)
}

async fn run_profiles(
    conn: &mut SqliteConnection,
    id: RunId,
) -> Result<Vec<ProfileRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT sample_id, loci_json FROM profiles
         WHERE run_pk = (SELECT run_pk FROM runs WHERE id = ?)
         ORDER BY position",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(ProfileRecord {
                sample_id: get(row, "sample_id")?,
                loci: from_json::<Vec<LocusCalls>>(&get::<String>(row, "loci_json")?)?,
            })
        })
        .collect()
}

async fn run_alerts(
    conn: &mut SqliteConnection,
    id: RunId,
) -> Result<Vec<AlertRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT unit_id, kind, sample_id, detail_json FROM alerts
         WHERE run_pk = (SELECT run_pk FROM runs WHERE id = ?)
         ORDER BY position",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(AlertRecord {
                unit_id: get(row, "unit_id")?,
                kind: get(row, "kind")?,
                sample_id: get(row, "sample_id")?,
                detail_json: get(row, "detail_json")?,
            })
        })
        .collect()
}

async fn run_custody(
    conn: &mut SqliteConnection,
    id: RunId,
) -> Result<Vec<CustodyRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT sample_id, collector, collected_on, place, consent, kit FROM sample_custody
         WHERE run_pk = (SELECT run_pk FROM runs WHERE id = ?)
         ORDER BY position",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(CustodyRecord {
                sample_id: get(row, "sample_id")?,
                collector: get(row, "collector")?,
                collected_on: get(row, "collected_on")?,
                place: get(row, "place")?,
                consent: get::<i64>(row, "consent")? != 0,
                kit: get(row, "kit")?,
            })
        })
        .collect()
}

fn summary_row(row: &SqliteRow) -> Result<RunSummaryRow, StoreError> {
    let id: String = get(row, "id")?;
    let seed: Option<String> = get(row, "seed")?;
    Ok(RunSummaryRow {
        id: id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("run id {id:?}")))?,
        started_at: get(row, "started_at")?,
        kind: word::<RunKind>(row, "kind")?,
        lazo_version: get(row, "lazo_version")?,
        population: get(row, "population")?,
        theta: get(row, "theta")?,
        mutation: get(row, "mutation")?,
        seed: seed
            .map(|s| {
                s.parse()
                    .map_err(|_| StoreError::Corrupt(format!("run {id}: seed {s:?}")))
            })
            .transpose()?,
        summary: RunSummary {
            units: count(row, "unit_count")?,
            verified: count(row, "verified_count")?,
            not_supported: count(row, "not_supported_count")?,
            inconclusive: count(row, "inconclusive_count")?,
            alerts: count(row, "alert_count")?,
            elapsed_ms: {
                let ms: i64 = get(row, "elapsed_ms")?;
                u64::try_from(ms)
                    .map_err(|_| StoreError::Corrupt(format!("run {id}: elapsed_ms {ms}")))?
            },
        },
        site: get(row, "site")?,
    })
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

fn count(row: &SqliteRow, column: &str) -> Result<u32, StoreError> {
    let n: i64 = get(row, column)?;
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("column {column}: {n}")))
}

fn word<T: std::str::FromStr<Err = StoreError>>(
    row: &SqliteRow,
    column: &str,
) -> Result<T, StoreError> {
    get::<String>(row, column)?.parse()
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Maps a driver error: broken constraints are the caller's record at fault, the rest is the
/// database's.
fn db(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(e) = &error {
        let message = e.message().to_string();
        match e.kind() {
            ErrorKind::UniqueViolation => return StoreError::Conflict(message),
            ErrorKind::ForeignKeyViolation
            | ErrorKind::NotNullViolation
            | ErrorKind::CheckViolation => return StoreError::Invalid(message),
            _ => {}
        }
    }
    StoreError::Backend(Box::new(error))
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Creates the (empty: SQLite takes an empty file as an empty database) database file with
/// owner-only permissions, unless it exists.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn every_pooled_connection_has_the_settings() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        // Hold several connections at once so more than the first one is checked.
        let mut conns = Vec::new();
        for _ in 0..3 {
            conns.push(store.pool.acquire().await.unwrap());
        }
        for conn in &mut conns {
            let pragma = |sql: &'static str| sqlx::query_scalar::<_, String>(sql);
            let mode = pragma("PRAGMA journal_mode")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(mode, "wal");
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(fk, 1);
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(sync, 2, "synchronous = FULL");
        }
    }
}
