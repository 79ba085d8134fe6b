//! [`ScreeningStore`] on SQLite (migration 0006).

use lazo_store::lazo_audit::{AuditKey, Event, Record};
use lazo_store::{
    AuditedScreenings, Completion, CompletionInfo, InstrumentRecord, MAX_PAGE, NewScreening,
    ScreeningFilter, ScreeningId, ScreeningRecord, ScreeningSignOff, ScreeningStatus,
    ScreeningStore, ScreeningSummary, ScreeningTimes, StoreError, unix_ms_from_rfc3339,
    validate_completion, validate_sign_off,
};
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::accounts::append_in;
use crate::{SqliteStore, db, get, word};

const SUMMARY_COLUMNS: &str = "id, child_ref, site, language, interviewer, instrument_id,
     instrument_version, apprehended_at, started_at, updated_at, status, revision, completed_at,
     completed_by, outcome, signed_by, signed_at, sign_reason";

fn summary_row(row: &SqliteRow) -> Result<ScreeningSummary, StoreError> {
    let id: String = get(row, "id")?;
    let revision: i64 = get(row, "revision")?;
    let completed_at: Option<String> = get(row, "completed_at")?;
    let signed_at: Option<String> = get(row, "signed_at")?;
    Ok(ScreeningSummary {
        id: id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("screening id {id:?}")))?,
        child_ref: get(row, "child_ref")?,
        site: get(row, "site")?,
        language: get(row, "language")?,
        interviewer: get(row, "interviewer")?,
        instrument_id: get(row, "instrument_id")?,
        instrument_version: get(row, "instrument_version")?,
        apprehended_at: get(row, "apprehended_at")?,
        started_at: get(row, "started_at")?,
        updated_at: get(row, "updated_at")?,
        status: word::<ScreeningStatus>(row, "status")?,
        revision: u64::try_from(revision)
            .map_err(|_| StoreError::Corrupt(format!("screening {id}: revision {revision}")))?,
        completion: completed_at
            .map(|completed_at| {
                Ok::<_, StoreError>(CompletionInfo {
                    completed_at,
                    completed_by: get(row, "completed_by")?,
                    outcome: get(row, "outcome")?,
                })
            })
            .transpose()?,
        sign_off: signed_at
            .map(|signed_at| {
                Ok::<_, StoreError>(ScreeningSignOff {
                    signed_by: get(row, "signed_by")?,
                    signed_at,
                    reason: get(row, "sign_reason")?,
                })
            })
            .transpose()?,
    })
}

/// Why an update guarded by status (and revision) changed no row: no such screening
/// (`None`), or a conflict that names what changed. Read in the write's own transaction.
async fn screening_conflict(
    conn: &mut SqliteConnection,
    id: ScreeningId,
    expected: &str,
) -> Result<Option<StoreError>, StoreError> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT status, revision FROM screenings WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    Ok(row.map(|(status, revision)| {
        StoreError::Conflict(format!(
            "screening {id} is {status} at revision {revision}; expected {expected}"
        ))
    }))
}

/// Starts a screening inside the caller's write transaction.
async fn create_in(conn: &mut SqliteConnection, s: &NewScreening) -> Result<(), StoreError> {
    s.validate()?;
    let apprehended_at_ms = unix_ms_from_rfc3339(&s.apprehended_at)?;
    sqlx::query(
        "INSERT INTO screenings (id, child_ref, site, language, interviewer, instrument_id,
             instrument_version, apprehended_at, apprehended_at_ms, started_at, updated_at,
             status, revision, answers_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', 0, '{}')",
    )
    .bind(s.id.to_string())
    .bind(&s.child_ref)
    .bind(&s.site)
    .bind(&s.language)
    .bind(&s.interviewer)
    .bind(&s.instrument_id)
    .bind(&s.instrument_version)
    .bind(&s.apprehended_at)
    .bind(apprehended_at_ms)
    .bind(&s.started_at)
    .bind(&s.started_at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Saves a draft's answers inside the caller's write transaction (see
/// [`ScreeningStore::save_answers`]).
async fn save_answers_in(
    conn: &mut SqliteConnection,
    id: ScreeningId,
    revision: u64,
    answers_json: &str,
    at: &str,
) -> Result<Option<u64>, StoreError> {
    unix_ms_from_rfc3339(at)?;
    let revision =
        i64::try_from(revision).map_err(|_| StoreError::Invalid(format!("revision {revision}")))?;
    let saved: Option<i64> = sqlx::query_scalar(
        "UPDATE screenings SET answers_json = ?, revision = revision + 1, updated_at = ?
         WHERE id = ? AND status = 'draft' AND revision = ?
         RETURNING revision",
    )
    .bind(answers_json)
    .bind(at)
    .bind(id.to_string())
    .bind(revision)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    match saved {
        Some(new) => Ok(Some(new.max(0) as u64)),
        None => {
            match screening_conflict(conn, id, &format!("a draft at revision {revision}")).await? {
                Some(conflict) => Err(conflict),
                None => Ok(None),
            }
        }
    }
}

/// Completes a draft inside the caller's write transaction (see
/// [`ScreeningStore::complete_screening`]).
async fn complete_in(
    conn: &mut SqliteConnection,
    id: ScreeningId,
    revision: u64,
    c: &Completion,
) -> Result<bool, StoreError> {
    validate_completion(c)?;
    let completed_at_ms = unix_ms_from_rfc3339(&c.completed_at)?;
    let revision =
        i64::try_from(revision).map_err(|_| StoreError::Invalid(format!("revision {revision}")))?;
    let done = sqlx::query(
        "UPDATE screenings SET status = 'completed', answers_json = ?, completed_at = ?,
             completed_at_ms = ?, completed_by = ?, outcome = ?, decision_json = ?,
             updated_at = ?
         WHERE id = ? AND status = 'draft' AND revision = ?",
    )
    .bind(&c.answers_json)
    .bind(&c.completed_at)
    .bind(completed_at_ms)
    .bind(&c.completed_by)
    .bind(&c.outcome)
    .bind(&c.decision_json)
    .bind(&c.completed_at)
    .bind(id.to_string())
    .bind(revision)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    match screening_conflict(conn, id, &format!("a draft at revision {revision}")).await? {
        Some(conflict) => Err(conflict),
        None => Ok(false),
    }
}

/// Signs a completed screening inside the caller's write transaction (see
/// [`ScreeningStore::sign_screening`]).
async fn sign_in(
    conn: &mut SqliteConnection,
    id: ScreeningId,
    s: &ScreeningSignOff,
) -> Result<bool, StoreError> {
    validate_sign_off(s)?;
    let done = sqlx::query(
        "UPDATE screenings SET status = 'signed', signed_by = ?, signed_at = ?,
             sign_reason = ?, updated_at = ?
         WHERE id = ? AND status = 'completed'",
    )
    .bind(&s.signed_by)
    .bind(&s.signed_at)
    .bind(&s.reason)
    .bind(&s.signed_at)
    .bind(id.to_string())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    match screening_conflict(conn, id, "completed").await? {
        Some(conflict) => Err(conflict),
        None => Ok(false),
    }
}

impl SqliteStore {
    /// A screening write transaction: `BEGIN IMMEDIATE` takes the write lock first, so the
    /// guarded update, the conflict read after it and an audit append see one state.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }
}

impl AuditedScreenings for SqliteStore {
    async fn create_screening_audited(
        &self,
        screening: &NewScreening,
        key: &AuditKey,
        event: Event,
    ) -> Result<Record, StoreError> {
        let mut tx = self.write_tx().await?;
        create_in(&mut tx, screening).await?;
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn save_answers_audited<F>(
        &self,
        id: ScreeningId,
        revision: u64,
        answers_json: &str,
        at: &str,
        key: &AuditKey,
        event: F,
    ) -> Result<Option<(u64, Record)>, StoreError>
    where
        F: FnOnce(u64) -> Event + Send,
    {
        let mut tx = self.write_tx().await?;
        let Some(new) = save_answers_in(&mut tx, id, revision, answers_json, at).await? else {
            return Ok(None);
        };
        let record = append_in(&mut tx, key, event(new)).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some((new, record)))
    }

    async fn complete_screening_audited(
        &self,
        id: ScreeningId,
        revision: u64,
        completion: &Completion,
        key: &AuditKey,
        event: Event,
    ) -> Result<Option<Record>, StoreError> {
        let mut tx = self.write_tx().await?;
        if !complete_in(&mut tx, id, revision, completion).await? {
            return Ok(None);
        }
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(record))
    }

    async fn sign_screening_audited(
        &self,
        id: ScreeningId,
        sign_off: &ScreeningSignOff,
        key: &AuditKey,
        event: Event,
    ) -> Result<Option<Record>, StoreError> {
        let mut tx = self.write_tx().await?;
        if !sign_in(&mut tx, id, sign_off).await? {
            return Ok(None);
        }
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(record))
    }
}

impl ScreeningStore for SqliteStore {
    async fn save_instrument(&self, instrument: &InstrumentRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO screening_instruments (id, version, toml) VALUES (?, ?, ?)
             ON CONFLICT (id, version) DO NOTHING",
        )
        .bind(&instrument.id)
        .bind(&instrument.version)
        .bind(&instrument.toml)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        match self.instrument(&instrument.id, &instrument.version).await? {
            Some(kept) if kept.toml == instrument.toml => Ok(()),
            Some(_) => Err(StoreError::Conflict(format!(
                "instrument {} {} is already kept with other text; give the changed instrument a new version",
                instrument.id, instrument.version
            ))),
            None => Err(StoreError::Backend(
                "the instrument just saved cannot be read back".into(),
            )),
        }
    }

    async fn instrument(
        &self,
        id: &str,
        version: &str,
    ) -> Result<Option<InstrumentRecord>, StoreError> {
        let toml: Option<String> = sqlx::query_scalar(
            "SELECT toml FROM screening_instruments WHERE id = ? AND version = ?",
        )
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(toml.map(|toml| InstrumentRecord {
            id: id.to_string(),
            version: version.to_string(),
            toml,
        }))
    }

    async fn create_screening(&self, s: &NewScreening) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        create_in(&mut tx, s).await?;
        tx.commit().await.map_err(db)
    }

    async fn screening(&self, id: ScreeningId) -> Result<Option<ScreeningRecord>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, answers_json, decision_json FROM screenings WHERE id = ?"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|row| {
            Ok(ScreeningRecord {
                summary: summary_row(&row)?,
                answers_json: get(&row, "answers_json")?,
                decision_json: get(&row, "decision_json")?,
            })
        })
        .transpose()
    }

    async fn count_screenings(&self, filter: &ScreeningFilter) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM screenings
             WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR status = ?2)
               AND (?3 IS NULL OR apprehended_at_ms < ?3)",
        )
        .bind(filter.site.as_deref())
        .bind(filter.status.map(ScreeningStatus::as_str))
        .bind(filter.apprehended_before_ms()?)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(n.max(0) as u64)
    }

    async fn list_screenings(
        &self,
        filter: &ScreeningFilter,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<ScreeningSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM screenings
             WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR status = ?2)
               AND (?3 IS NULL OR apprehended_at_ms < ?3)
             ORDER BY apprehended_at_ms DESC, screening_pk DESC
             LIMIT ?4 OFFSET ?5"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(filter.site.as_deref())
            .bind(filter.status.map(ScreeningStatus::as_str))
            .bind(filter.apprehended_before_ms()?)
            .bind(i64::from(limit.min(MAX_PAGE)))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(summary_row).collect()
    }

    async fn screening_times(
        &self,
        site: Option<&str>,
        since: &str,
    ) -> Result<Vec<ScreeningTimes>, StoreError> {
        let since_ms = unix_ms_from_rfc3339(since)?;
        let rows = sqlx::query(
            "SELECT site, apprehended_at, completed_at FROM screenings
             WHERE (?1 IS NULL OR site = ?1) AND apprehended_at_ms >= ?2
             ORDER BY apprehended_at_ms, screening_pk",
        )
        .bind(site)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(ScreeningTimes {
                    site: get(row, "site")?,
                    apprehended_at: get(row, "apprehended_at")?,
                    completed_at: get(row, "completed_at")?,
                })
            })
            .collect()
    }

    async fn save_answers(
        &self,
        id: ScreeningId,
        revision: u64,
        answers_json: &str,
        at: &str,
    ) -> Result<Option<u64>, StoreError> {
        let mut tx = self.write_tx().await?;
        let saved = save_answers_in(&mut tx, id, revision, answers_json, at).await?;
        tx.commit().await.map_err(db)?;
        Ok(saved)
    }

    async fn complete_screening(
        &self,
        id: ScreeningId,
        revision: u64,
        c: &Completion,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = complete_in(&mut tx, id, revision, c).await?;
        tx.commit().await.map_err(db)?;
        Ok(done)
    }

    async fn sign_screening(
        &self,
        id: ScreeningId,
        s: &ScreeningSignOff,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sign_in(&mut tx, id, s).await?;
        tx.commit().await.map_err(db)?;
        Ok(done)
    }
}
