//! [`ReviewStore`] on SQLite (migration 0003).

use lazo_store::lazo_audit::{AuditKey, Event, Record};
use lazo_store::{
    AlertRecord, DashboardCounts, DayWindow, MAX_PAGE, NewReview, Page, QueueItem, ReviewRecord,
    ReviewStore, RunAlert, RunId, StoreError, Verdict, VerdictCounts,
};
use sqlx::sqlite::SqliteRow;

use crate::{SqliteStore, count, db, get, word};

fn run_id(row: &SqliteRow, column: &str) -> Result<RunId, StoreError> {
    let text: String = get(row, column)?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("run id {text:?}")))
}

fn non_negative(row: &SqliteRow, column: &str) -> Result<u64, StoreError> {
    let n: i64 = get(row, column)?;
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("column {column}: {n}")))
}

fn review_row(row: &SqliteRow) -> Result<ReviewRecord, StoreError> {
    Ok(ReviewRecord {
        run_id: run_id(row, "run_id")?,
        unit_id: get(row, "unit_id")?,
        version: count(row, "version")?,
        reviewer: get(row, "reviewer")?,
        decision: word(row, "decision")?,
        machine_verdict: word(row, "machine_verdict")?,
        final_verdict: word(row, "final_verdict")?,
        reason: get(row, "reason")?,
        reviewed_at: get(row, "reviewed_at")?,
    })
}

fn verdict_counts(row: &SqliteRow) -> Result<VerdictCounts, StoreError> {
    Ok(VerdictCounts {
        verified: non_negative(row, "verified")?,
        not_supported: non_negative(row, "not_supported")?,
        inconclusive: non_negative(row, "inconclusive")?,
    })
}

/// Units without a review: the queue's rows.
const UNREVIEWED: &str = "FROM run_units u JOIN runs r ON r.run_pk = u.run_pk
     WHERE NOT EXISTS (SELECT 1 FROM reviews v WHERE v.run_pk = u.run_pk AND v.unit_id = u.unit_id)";

/// The type of "no audit record" for `save_review_with`.
type NoAudit = fn(&ReviewRecord) -> Event;

impl SqliteStore {
    /// Saves a sign-off in one transaction; with `audit`, the audit record of the saved review
    /// is appended in the same transaction, last (see [`lazo_store::AuditedWrites`]).
    pub(crate) async fn save_review_with<F>(
        &self,
        review: &NewReview,
        audit: Option<(&AuditKey, F)>,
    ) -> Result<Option<(ReviewRecord, Option<Record>)>, StoreError>
    where
        F: FnOnce(&ReviewRecord) -> Event + Send,
    {
        let reviewed_at_ms = review.validate()?;
        // The write lock is taken before the latest version is read: one writer at a time.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let unit = sqlx::query(
            "SELECT u.run_pk, u.verdict,
                 (SELECT coalesce(max(v.version), 0) FROM reviews v
                  WHERE v.run_pk = u.run_pk AND v.unit_id = u.unit_id) AS latest
             FROM run_units u
             WHERE u.run_pk = (SELECT run_pk FROM runs WHERE id = ?) AND u.unit_id = ?",
        )
        .bind(review.run_id.to_string())
        .bind(&review.unit_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(unit) = unit else {
            return Ok(None);
        };
        let machine: Verdict = word(&unit, "verdict")?;
        review.check_against(machine)?;
        let latest: i64 = get(&unit, "latest")?;
        if latest != i64::from(review.previous_version) {
            return Err(StoreError::Conflict(format!(
                "unit {} has review #{latest}; this sign-off follows #{}",
                review.unit_id, review.previous_version
            )));
        }
        sqlx::query(
            "INSERT INTO reviews (run_pk, unit_id, version, reviewer, decision, machine_verdict,
                 final_verdict, reason, reviewed_at, reviewed_at_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(get::<i64>(&unit, "run_pk")?)
        .bind(&review.unit_id)
        .bind(i64::from(review.previous_version) + 1)
        .bind(&review.reviewer)
        .bind(review.decision.as_str())
        .bind(machine.as_str())
        .bind(review.final_verdict.as_str())
        .bind(review.reason.as_deref())
        .bind(&review.reviewed_at)
        .bind(reviewed_at_ms)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let saved = review.record(machine);
        let record = match audit {
            Some((key, event)) => {
                Some(crate::accounts::append_in(&mut tx, key, event(&saved)).await?)
            }
            None => None,
        };
        tx.commit().await.map_err(db)?;
        Ok(Some((saved, record)))
    }
}

impl ReviewStore for SqliteStore {
    async fn save_review(&self, review: &NewReview) -> Result<Option<ReviewRecord>, StoreError> {
        let no_audit: Option<(&AuditKey, NoAudit)> = None;
        Ok(self
            .save_review_with(review, no_audit)
            .await?
            .map(|(saved, _)| saved))
    }

    async fn unit_reviews(
        &self,
        run_id: RunId,
        unit_id: &str,
    ) -> Result<Vec<ReviewRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id AS run_id, v.unit_id, v.version, v.reviewer, v.decision,
                 v.machine_verdict, v.final_verdict, v.reason, v.reviewed_at
             FROM reviews v JOIN runs r ON r.run_pk = v.run_pk
             WHERE r.id = ? AND v.unit_id = ?
             ORDER BY v.version",
        )
        .bind(run_id.to_string())
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(review_row).collect()
    }

    async fn review_queue(&self, limit: u32, offset: u64) -> Result<Page<QueueItem>, StoreError> {
        let mut tx = self.snapshot().await?;
        let total: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) {UNREVIEWED}")))
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT r.id AS run_id, r.started_at, u.unit_id, u.verdict,
                 (SELECT count(*) FROM alerts a
                  WHERE a.run_pk = u.run_pk AND a.unit_id = u.unit_id) AS alerts
             {UNREVIEWED}
             ORDER BY CASE u.verdict WHEN 'verified' THEN 1 ELSE 0 END,
                 r.started_at_ms, r.run_pk, u.position
             LIMIT ? OFFSET ?"
        )))
        .bind(i64::from(limit.min(MAX_PAGE)))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(QueueItem {
                    run_id: run_id(row, "run_id")?,
                    run_started_at: get(row, "started_at")?,
                    unit_id: get(row, "unit_id")?,
                    verdict: word(row, "verdict")?,
                    alerts: count(row, "alerts")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Page {
            total: total.max(0) as u64,
            items,
        })
    }

    async fn dashboard_counts(
        &self,
        filter: &lazo_store::RunFilter,
        now_ms: i64,
        days: u32,
    ) -> Result<DashboardCounts, StoreError> {
        let window = DayWindow::ending_at(now_ms, days);
        let mut tx = self.snapshot().await?;
        // `admitted`: the runs the filter lets count (every run without a site filter).
        let totals = sqlx::query(
            "WITH admitted AS (SELECT * FROM runs WHERE (?1 IS NULL OR site = ?1))
             SELECT coalesce(sum(verified_count), 0) AS verified,
                 coalesce(sum(not_supported_count), 0) AS not_supported,
                 coalesce(sum(inconclusive_count), 0) AS inconclusive,
                 coalesce(sum(alert_count), 0) AS alerts,
                 (SELECT count(*) FROM run_units u JOIN admitted a ON a.run_pk = u.run_pk
                  WHERE NOT EXISTS (
                      SELECT 1 FROM reviews v
                      WHERE v.run_pk = u.run_pk AND v.unit_id = u.unit_id)) AS awaiting,
                 (SELECT count(*) FROM reviews r JOIN admitted a ON a.run_pk = r.run_pk
                  WHERE r.version = 1) AS reviewed,
                 (SELECT count(*) FROM reviews v JOIN admitted a ON a.run_pk = v.run_pk
                  WHERE v.decision = 'overridden'
                      AND v.version = (SELECT max(w.version) FROM reviews w
                                       WHERE w.run_pk = v.run_pk AND w.unit_id = v.unit_id))
                     AS overridden
             FROM admitted",
        )
        .bind(filter.site.as_deref())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let per_day = sqlx::query(
            "SELECT started_at_ms, verified_count AS verified,
                 not_supported_count AS not_supported, inconclusive_count AS inconclusive,
                 alert_count AS alerts
             FROM runs WHERE started_at_ms >= ?1 AND started_at_ms < ?2
                 AND (?3 IS NULL OR site = ?3)",
        )
        .bind(window.start_ms)
        .bind(window.end_ms)
        .bind(filter.site.as_deref())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut days = window.empty_days();
        for row in &per_day {
            let Some(day) = window
                .day_of(get(row, "started_at_ms")?)
                .and_then(|d| days.get_mut(d))
            else {
                continue;
            };
            let counts = verdict_counts(row)?;
            day.units.verified += counts.verified;
            day.units.not_supported += counts.not_supported;
            day.units.inconclusive += counts.inconclusive;
            day.alerts += non_negative(row, "alerts")?;
        }
        Ok(DashboardCounts {
            units: verdict_counts(&totals)?,
            alerts: non_negative(&totals, "alerts")?,
            awaiting_review: non_negative(&totals, "awaiting")?,
            reviewed: non_negative(&totals, "reviewed")?,
            overridden: non_negative(&totals, "overridden")?,
            days,
        })
    }

    async fn list_alerts(&self, limit: u32, offset: u64) -> Result<Page<RunAlert>, StoreError> {
        let mut tx = self.snapshot().await?;
        let total: i64 = sqlx::query_scalar("SELECT count(*) FROM alerts")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let rows = sqlx::query(
            "SELECT r.id AS run_id, r.started_at, a.unit_id, a.kind, a.sample_id, a.detail_json
             FROM alerts a JOIN runs r ON r.run_pk = a.run_pk
             ORDER BY r.started_at_ms DESC, r.run_pk DESC, a.position
             LIMIT ? OFFSET ?",
        )
        .bind(i64::from(limit.min(MAX_PAGE)))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(RunAlert {
                    run_id: run_id(row, "run_id")?,
                    run_started_at: get(row, "started_at")?,
                    alert: AlertRecord {
                        unit_id: get(row, "unit_id")?,
                        kind: get(row, "kind")?,
                        sample_id: get(row, "sample_id")?,
                        detail_json: get(row, "detail_json")?,
                    },
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Page {
            total: total.max(0) as u64,
            items,
        })
    }
}
