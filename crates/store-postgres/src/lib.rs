//! The PostgreSQL backend of [`lazo_store::VerificationStore`], for multi-user deployments
//! (several web-service instances, one database). The embedded SQLite backend
//! (`lazo-store-sqlite`) stays the default; a deployment chooses this one by giving a
//! `postgres://` (or `postgresql://`) URL ([`is_postgres_url`]).
//!
//! [`PgStore::connect`] applies the embedded migrations in `migrations/` (PostgreSQL dialect,
//! the same meaning as the SQLite schema; both backends pass `lazo_store::conformance`). The
//! tables go in the first schema of the connection's `search_path`; to keep them out of
//! `public`, put the schema in the URL: `postgres://…/lazo?options=-c%20search_path%3Dlazo`.
//! The role needs `CREATE` on that schema the first time and after each upgrade.
//!
//! - A run is written in one transaction, one statement per table (rows passed as arrays and
//!   `UNNEST`ed), so saving a day's intake costs five round trips however far the server is.
//! - Reads that must agree with each other (a whole run, a unit list with its members) run in
//!   one `REPEATABLE READ, READ ONLY` transaction: one snapshot, like SQLite's read
//!   transactions in WAL mode.
//! - Durability is the server's (`synchronous_commit = on`, its default, is what makes "saved"
//!   survive a power cut, as `synchronous = FULL` does for SQLite).
//!
//! TLS: this crate enables no TLS backend in sqlx. The default `sslmode=prefer` then connects
//! in clear text and `sslmode=require` fails; connect over a Unix socket or a trusted network,
//! or add a TLS feature before crossing one: the database holds children's DNA profiles. Error
//! messages never include the URL (it may hold a password).

mod accounts;
mod reviews;
mod screenings;

use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
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
use sqlx::postgres::{PgConnection, PgDatabaseError, PgPool, PgPoolOptions, PgRow};

pub use sqlx::postgres::PgConnectOptions;

/// Connections in the pool (per process): several readers for the web service.
const MAX_CONNECTIONS: u32 = 8;

/// How long a caller waits for a free connection (or for the server to answer) before
/// [`StoreError::Backend`].
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// One snapshot for reads that must agree with each other.
const SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`, any case): how
/// a caller chooses this backend over SQLite.
pub fn is_postgres_url(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql")
    })
}

/// A verification store in a PostgreSQL database. Cloning is cheap (a shared pool).
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database?…`,
    /// libpq's URL form), creating the schema or applying any migration not yet applied
    /// (connecting again is a no-op; concurrent first connections wait on each other through
    /// an advisory lock). A database written by a newer Lazo, with migrations this one does not
    /// know, is refused with [`StoreError::Migration`]. A URL of another scheme, or a server
    /// that cannot be reached, is a [`StoreError::Backend`].
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        if !is_postgres_url(url) {
            return Err(StoreError::Backend(
                "not a PostgreSQL URL (expected postgres:// or postgresql://)".into(),
            ));
        }
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            // sqlx's message does not repeat the URL.
            StoreError::Backend(format!("invalid PostgreSQL URL: {e}").into())
        })?;
        PgStore::connect_with(options).await
    }

    /// [`PgStore::connect`] with options built in code (TLS files, a `search_path`, an
    /// application name…).
    pub async fn connect_with(options: PgConnectOptions) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(StoreError::Migration(e.to_string()));
        }
        Ok(PgStore { pool })
    }

    /// Closes every connection, waiting for them. Clones of this store can no longer be used
    /// afterwards.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        self.pool.begin_with(SNAPSHOT).await.map_err(db)
    }
}

/// Runs `future` to completion on a new single-threaded runtime: how a synchronous program
/// (the `lazo` CLI) uses the store without knowing tokio. Refused inside an async runtime,
/// where blocking the thread would stall it (call the async API there).
pub fn block_on<F: Future>(future: F) -> Result<F::Output, StoreError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(StoreError::Backend(
            "lazo_store_postgres::block_on called inside an async runtime; await the store instead"
                .into(),
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Backend(Box::new(e)))?;
    Ok(runtime.block_on(future))
}

/// Connects to `url` (migrating if needed), saves `run` in one transaction and disconnects:
/// the synchronous entry point for the CLI.
pub fn save_run_blocking(url: &str, run: &RunRecord) -> Result<RunId, StoreError> {
    block_on(async {
        let store = PgStore::connect(url).await?;
        let saved = store.save_run(run).await;
        store.close().await;
        saved
    })?
}

/// A run's rows as one array per column, ready to `UNNEST`.
#[derive(Default)]
struct Columns<'a> {
    unit_ids: Vec<&'a str>,
    verdicts: Vec<&'static str>,
    reasons: Vec<String>,
    recommendations: Vec<String>,
    reports: Vec<&'a str>,
    /// Members: the index of their unit in `run.units`, their position in the unit.
    member_units: Vec<usize>,
    member_positions: Vec<i64>,
    member_samples: Vec<&'a str>,
    member_roles: Vec<&'static str>,
    profile_samples: Vec<&'a str>,
    profile_loci: Vec<String>,
    alert_units: Vec<&'a str>,
    alert_kinds: Vec<&'a str>,
    alert_samples: Vec<Option<&'a str>>,
    alert_details: Vec<&'a str>,
    custody_samples: Vec<&'a str>,
    custody_collectors: Vec<&'a str>,
    custody_dates: Vec<&'a str>,
    custody_places: Vec<&'a str>,
    custody_consents: Vec<bool>,
    custody_kits: Vec<&'a str>,
}

impl<'a> Columns<'a> {
    fn of(run: &'a RunRecord) -> Result<Columns<'a>, StoreError> {
        let mut c = Columns::default();
        for (index, unit) in run.units.iter().enumerate() {
            c.unit_ids.push(&unit.unit_id);
            c.verdicts.push(unit.verdict.as_str());
            c.reasons.push(to_json(&unit.reasons)?);
            c.recommendations.push(to_json(&unit.recommendations)?);
            c.reports.push(&unit.report_json);
            for (position, member) in unit.members.iter().enumerate() {
                c.member_units.push(index);
                c.member_positions.push(position as i64);
                c.member_samples.push(&member.sample_id);
                c.member_roles.push(member.role.as_str());
            }
        }
        for profile in &run.profiles {
            c.profile_samples.push(&profile.sample_id);
            c.profile_loci.push(to_json(&profile.loci)?);
        }
        for alert in &run.alerts {
            c.alert_units.push(&alert.unit_id);
            c.alert_kinds.push(&alert.kind);
            c.alert_samples.push(alert.sample_id.as_deref());
            c.alert_details.push(&alert.detail_json);
        }
        for custody in &run.custody {
            c.custody_samples.push(&custody.sample_id);
            c.custody_collectors.push(&custody.collector);
            c.custody_dates.push(&custody.collected_on);
            c.custody_places.push(&custody.place);
            c.custody_consents.push(custody.consent);
            c.custody_kits.push(&custody.kit);
        }
        Ok(c)
    }
}

impl PgStore {
    /// Saves `run` in one transaction; with `audit`, the audit record is appended in the same
    /// transaction, last (see [`lazo_store::AuditedWrites`]).
    async fn save_run_with(
        &self,
        run: &RunRecord,
        audit: Option<(&AuditKey, Event)>,
    ) -> Result<Option<Record>, StoreError> {
        run.validate()?;
        let started_at_ms = unix_ms_from_rfc3339(&run.started_at)?;
        // Everything is encoded before the transaction starts.
        let c = Columns::of(run)?;
        let s = &run.summary;

        let mut tx = self.pool.begin().await.map_err(db)?;
        // Saves of runs one at a time, from before `run_pk` is drawn to commit: `run_pk` then
        // grows in commit order, which `runs_saved_since` readers rely on. EXCLUSIVE lets plain
        // reads go on. Taken first (the audit append, if any, locks `audit_log` last).
        sqlx::query("LOCK TABLE runs IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let run_pk: i64 = sqlx::query_scalar(
            "INSERT INTO runs (id, started_at, started_at_ms, kind, lazo_version, population,
                 theta, mutation, policy_toml, seed, unit_count, verified_count,
                 not_supported_count, inconclusive_count, alert_count, elapsed_ms, site)
             VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 $17)
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

        if !run.units.is_empty() {
            let keys: Vec<(i64, i64)> = sqlx::query_as(
                "INSERT INTO run_units (run_pk, position, unit_id, verdict, reasons_json,
                     recommendations_json, report_json)
                 SELECT $1, u.ord - 1, u.unit_id, u.verdict, u.reasons::json,
                     u.recommendations::json, u.report::json
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                     WITH ORDINALITY AS u (unit_id, verdict, reasons, recommendations, report, ord)
                 ORDER BY u.ord
                 RETURNING position, unit_pk",
            )
            .bind(run_pk)
            .bind(&c.unit_ids)
            .bind(&c.verdicts)
            .bind(&c.reasons)
            .bind(&c.recommendations)
            .bind(&c.reports)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            let mut unit_pks = vec![None; run.units.len()];
            for (position, unit_pk) in keys {
                if let Some(slot) = usize::try_from(position)
                    .ok()
                    .and_then(|p| unit_pks.get_mut(p))
                {
                    *slot = Some(unit_pk);
                }
            }
            let member_unit_pks = c
                .member_units
                .iter()
                .map(|&index| {
                    unit_pks[index].ok_or_else(|| {
                        StoreError::Backend(format!("no key returned for unit {index}").into())
                    })
                })
                .collect::<Result<Vec<i64>, StoreError>>()?;
            if !member_unit_pks.is_empty() {
                sqlx::query(
                    "INSERT INTO unit_members (unit_pk, position, sample_id, role)
                     SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[])",
                )
                .bind(&member_unit_pks)
                .bind(&c.member_positions)
                .bind(&c.member_samples)
                .bind(&c.member_roles)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            }
        }
        if !run.profiles.is_empty() {
            sqlx::query(
                "INSERT INTO profiles (run_pk, position, sample_id, loci_json)
                 SELECT $1, p.ord - 1, p.sample_id, p.loci::json
                 FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS p (sample_id, loci, ord)",
            )
            .bind(run_pk)
            .bind(&c.profile_samples)
            .bind(&c.profile_loci)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        if !run.alerts.is_empty() {
            sqlx::query(
                "INSERT INTO alerts (run_pk, position, unit_id, kind, sample_id, detail_json)
                 SELECT $1, a.ord - 1, a.unit_id, a.kind, a.sample_id, a.detail::json
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[])
                     WITH ORDINALITY AS a (unit_id, kind, sample_id, detail, ord)
                 ORDER BY a.ord",
            )
            .bind(run_pk)
            .bind(&c.alert_units)
            .bind(&c.alert_kinds)
            .bind(&c.alert_samples)
            .bind(&c.alert_details)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        if !run.custody.is_empty() {
            sqlx::query(
                "INSERT INTO sample_custody (run_pk, position, sample_id, collector,
                     collected_on, place, consent, kit)
                 SELECT $1, c.ord - 1, c.sample_id, c.collector, c.collected_on, c.place,
                     c.consent, c.kit
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[],
                     $7::text[])
                     WITH ORDINALITY AS c (sample_id, collector, collected_on, place, consent,
                         kit, ord)
                 ORDER BY c.ord",
            )
            .bind(run_pk)
            .bind(&c.custody_samples)
            .bind(&c.custody_collectors)
            .bind(&c.custody_dates)
            .bind(&c.custody_places)
            .bind(&c.custody_consents)
            .bind(&c.custody_kits)
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

impl AuditedWrites for PgStore {
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

impl VerificationStore for PgStore {
    async fn save_run(&self, run: &RunRecord) -> Result<RunId, StoreError> {
        self.save_run_with(run, None).await.map(|_| run.id)
    }

    async fn runs_saved_since(&self, from: u64, limit: u32) -> Result<SavedRuns, StoreError> {
        // One statement, one snapshot. Saves of runs hold `runs` locked from before `run_pk` is
        // drawn to commit, so `run_pk` grows in commit order.
        let rows = sqlx::query(
            "SELECT t.total, r.run_pk, r.id::text AS id
             FROM (SELECT count(*) AS total FROM runs) AS t
             LEFT JOIN (SELECT run_pk, id FROM runs WHERE run_pk >= $1 ORDER BY run_pk LIMIT $2)
                 AS r ON true
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
                sqlx::query_scalar("SELECT count(*) FROM runs WHERE site = $1").bind(site.as_str())
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
            ($where:literal, $limit:literal) => {
                concat!(
                    "SELECT id::text AS id, started_at, kind, lazo_version, population, theta,
                         mutation, seed, unit_count, verified_count, not_supported_count,
                         inconclusive_count, alert_count, elapsed_ms, site
                     FROM runs ",
                    $where,
                    " ORDER BY started_at_ms DESC, run_pk DESC ",
                    $limit
                )
            };
        }
        let query = match &filter.site {
            None => sqlx::query(list!("", "LIMIT $1 OFFSET $2")),
            Some(site) => {
                sqlx::query(list!("WHERE site = $1", "LIMIT $2 OFFSET $3")).bind(site.as_str())
            }
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
        // `$2` NULL: every verdict.
        let units = sqlx::query(
            "SELECT u.unit_pk, u.unit_id, u.verdict, u.reasons_json::text AS reasons_json,
                 u.recommendations_json::text AS recommendations_json,
                 (SELECT count(*) FROM alerts a
                  WHERE a.run_pk = u.run_pk AND a.unit_id = u.unit_id) AS alerts
             FROM run_units u
             WHERE u.run_pk = (SELECT run_pk FROM runs WHERE id = $1::uuid)
                 AND ($2::text IS NULL OR u.verdict = $2)
             ORDER BY u.position",
        )
        .bind(id.to_string())
        .bind(verdict.map(Verdict::as_str))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut members = members_of_run(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
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
            "SELECT report_json::text FROM run_units
             WHERE run_pk = (SELECT run_pk FROM runs WHERE id = $1::uuid) AND unit_id = $2",
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
            "SELECT unit_pk, unit_id, verdict, reasons_json::text AS reasons_json,
                 recommendations_json::text AS recommendations_json,
                 report_json::text AS report_json
             FROM run_units
             WHERE run_pk = (SELECT run_pk FROM runs WHERE id = $1::uuid)
             ORDER BY position",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut members = members_of_run(&mut tx, id).await?;
        let profiles = run_profiles(&mut tx, id).await?;
        let alerts = run_alerts(&mut tx, id).await?;
        let custody = run_custody(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
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

async fn get_run(conn: &mut PgConnection, id: RunId) -> Result<Option<RunDetail>, StoreError> {
    let row = sqlx::query(
        "SELECT id::text AS id, started_at, kind, lazo_version, population, theta, mutation,
             seed, unit_count, verified_count, not_supported_count, inconclusive_count,
             alert_count, elapsed_ms, policy_toml, site
         FROM runs WHERE id = $1::uuid",
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
    conn: &mut PgConnection,
    id: RunId,
) -> Result<HashMap<i64, Vec<UnitMember>>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.unit_pk, m.sample_id, m.role
         FROM unit_members m JOIN run_units u ON u.unit_pk = m.unit_pk
         WHERE u.run_pk = (SELECT run_pk FROM runs WHERE id = $1::uuid)
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
    conn: &mut PgConnection,
    id: RunId,
) -> Result<Vec<ProfileRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT sample_id, loci_json::text AS loci_json FROM profiles
         WHERE run_pk = (SELECT run_pk FROM runs WHERE id = $1::uuid)
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

async fn run_alerts(conn: &mut PgConnection, id: RunId) -> Result<Vec<AlertRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT unit_id, kind, sample_id, detail_json::text AS detail_json FROM alerts
         WHERE run_pk = (SELECT run_pk FROM runs WHERE id = $1::uuid)
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

async fn run_custody(conn: &mut PgConnection, id: RunId) -> Result<Vec<CustodyRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT sample_id, collector, collected_on, place, consent, kit FROM sample_custody
         WHERE run_pk = (SELECT run_pk FROM runs WHERE id = $1::uuid)
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
                consent: get(row, "consent")?,
                kit: get(row, "kit")?,
            })
        })
        .collect()
}

fn summary_row(row: &PgRow) -> Result<RunSummaryRow, StoreError> {
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

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

fn count(row: &PgRow, column: &str) -> Result<u32, StoreError> {
    let n: i64 = get(row, column)?;
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("column {column}: {n}")))
}

fn word<T: std::str::FromStr<Err = StoreError>>(
    row: &PgRow,
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

/// Maps a driver error: broken constraints and values the server refuses are the caller's
/// record at fault, the rest is the database's.
fn db(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(e) = &error {
        let mut message = e.message().to_string();
        if let Some(detail) = e
            .try_downcast_ref::<PgDatabaseError>()
            .and_then(PgDatabaseError::detail)
        {
            message = format!("{message} ({detail})");
        }
        match e.kind() {
            ErrorKind::UniqueViolation => return StoreError::Conflict(message),
            ErrorKind::ForeignKeyViolation
            | ErrorKind::NotNullViolation
            | ErrorKind::CheckViolation => return StoreError::Invalid(message),
            _ => {}
        }
        // SQLSTATE class 22, "data exception": text that is not JSON (22P02), a NUL character
        // in text (22021), a number out of range. The value was refused; nothing was written.
        if e.code().is_some_and(|code| code.starts_with("22")) {
            return StoreError::Invalid(message);
        }
    }
    StoreError::Backend(Box::new(error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_are_recognised() {
        for url in [
            "postgres://localhost/lazo",
            "postgresql://u:p@db.example:5433/lazo?sslmode=require",
            "POSTGRES://HOST/DB",
        ] {
            assert!(is_postgres_url(url), "{url}");
        }
        for url in [
            "sqlite://lazo-data/lazo.sqlite",
            "lazo-data",
            "postgres:/no-slashes",
            "",
        ] {
            assert!(!is_postgres_url(url), "{url}");
        }
    }

    #[tokio::test]
    async fn another_scheme_is_refused_without_echoing_the_url() {
        let err = PgStore::connect("mysql://user:secret@host/db")
            .await
            .err()
            .map(|e| e.to_string());
        let err = err.as_deref().unwrap_or("connected");
        assert!(err.contains("not a PostgreSQL URL"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
}
