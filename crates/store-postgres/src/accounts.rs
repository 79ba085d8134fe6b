//! [`AccountStore`] and [`AuditStore`] on PostgreSQL (migration 0002).

use lazo_store::lazo_audit::{self, AuditKey, Digest, Event, Head, Record};
use lazo_store::{
    Account, AccountStore, AuditStore, AuditedAccounts, NewAccount, Role, SessionRecord, StoreError,
};
use sqlx::postgres::{PgConnection, PgRow};

use crate::{PgStore, db, get};

const ACCOUNT_COLUMNS: &str = "name, role, site, password_hash, disabled, must_change_password,
     failed_sign_ins, locked_until_ms, created_at, totp_secret";

fn account_row(row: &PgRow) -> Result<Account, StoreError> {
    let failed: i32 = get(row, "failed_sign_ins")?;
    Ok(Account {
        name: get(row, "name")?,
        role: get::<String>(row, "role")?.parse::<Role>()?,
        site: get(row, "site")?,
        password_hash: get(row, "password_hash")?,
        disabled: get::<bool>(row, "disabled")?,
        must_change_password: get::<bool>(row, "must_change_password")?,
        failed_sign_ins: u32::try_from(failed)
            .map_err(|_| StoreError::Corrupt(format!("failed_sign_ins {failed}")))?,
        locked_until_ms: get(row, "locked_until_ms")?,
        created_at: get(row, "created_at")?,
        totp_secret: get(row, "totp_secret")?,
    })
}

fn record_row(row: &PgRow) -> Result<Record, StoreError> {
    let seq: i64 = get(row, "seq")?;
    let digest = |column: &str| -> Result<Digest, StoreError> {
        Digest::from_hex(&get::<String>(row, column)?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    };
    Ok(Record {
        seq: u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq}")))?,
        event: Event {
            at: get(row, "at")?,
            actor: get(row, "actor")?,
            action: get(row, "action")?,
            target: get(row, "target")?,
            detail: get(row, "detail")?,
        },
        prev: digest("prev")?,
        mac: digest("mac")?,
    })
}

/// Creates an account inside the caller's transaction.
async fn create_account_in(conn: &mut PgConnection, a: &NewAccount) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO accounts (name, role, site, password_hash, must_change_password,
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&a.name)
    .bind(a.role.as_str())
    .bind(a.site.as_deref())
    .bind(&a.password_hash)
    .bind(a.must_change_password)
    .bind(&a.created_at)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Sets a password inside the caller's transaction; `false` when there is no such account.
async fn set_password_in(
    conn: &mut PgConnection,
    name: &str,
    password_hash: &str,
    must_change: bool,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE accounts SET password_hash = $1, must_change_password = $2,
             failed_sign_ins = 0, locked_until_ms = NULL
         WHERE name = $3",
    )
    .bind(password_hash)
    .bind(must_change)
    .bind(name)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// Disables (ending its sessions) or re-enables an account inside the caller's transaction.
async fn set_disabled_in(
    conn: &mut PgConnection,
    name: &str,
    disabled: bool,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE accounts SET disabled = $1 WHERE name = $2")
        .bind(disabled)
        .bind(name)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    if disabled {
        sqlx::query(
            "DELETE FROM sessions
             WHERE account_pk = (SELECT account_pk FROM accounts WHERE name = $1)",
        )
        .bind(name)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(done.rows_affected() == 1)
}

/// Sets or clears the TOTP secret inside the caller's transaction.
async fn set_totp_secret_in(
    conn: &mut PgConnection,
    name: &str,
    secret: Option<&str>,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE accounts SET totp_secret = $1, totp_last_step = NULL WHERE name = $2")
            .bind(secret)
            .bind(name)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// Creates a session inside the caller's transaction.
async fn create_session_in(conn: &mut PgConnection, s: &SessionRecord) -> Result<(), StoreError> {
    let done = sqlx::query(
        "INSERT INTO sessions (token_hash, account_pk, csrf_token, created_ms, last_seen_ms)
         SELECT $1, account_pk, $2, $3, $4 FROM accounts WHERE name = $5",
    )
    .bind(&s.token_hash)
    .bind(&s.csrf_token)
    .bind(s.created_ms)
    .bind(s.last_seen_ms)
    .bind(&s.account)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Invalid(format!("no account {:?}", s.account)));
    }
    Ok(())
}

/// Deletes a session inside the caller's transaction; `false` when there was none.
async fn delete_session_in(conn: &mut PgConnection, token_hash: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// Counts a failed sign-in inside the caller's transaction (see
/// [`AccountStore::record_failed_sign_in`]).
async fn record_failed_sign_in_in(
    conn: &mut PgConnection,
    name: &str,
    now_ms: i64,
    max_failures: u32,
    lock_ms: i64,
) -> Result<Option<Account>, StoreError> {
    let sql = format!(
        "UPDATE accounts SET
             failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $1 THEN 0
                                    ELSE failed_sign_ins + 1 END,
             locked_until_ms = CASE WHEN failed_sign_ins + 1 >= $1 THEN $2
                                    ELSE locked_until_ms END
         WHERE name = $3
         RETURNING {ACCOUNT_COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(i32::try_from(max_failures).unwrap_or(i32::MAX))
        .bind(now_ms.saturating_add(lock_ms))
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    row.as_ref().map(account_row).transpose()
}

/// The account changes with their audit records, the append last in each change's transaction
/// (see [`lazo_store::AuditedAccounts`]).
impl AuditedAccounts for PgStore {
    async fn create_account_audited(
        &self,
        account: &NewAccount,
        key: &AuditKey,
        event: Event,
    ) -> Result<Record, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        create_account_in(&mut tx, account).await?;
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn set_password_audited(
        &self,
        name: &str,
        password_hash: &str,
        must_change: bool,
        key: &AuditKey,
        event: Event,
    ) -> Result<Option<Record>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if !set_password_in(&mut tx, name, password_hash, must_change).await? {
            return Ok(None);
        }
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(record))
    }

    async fn set_disabled_audited(
        &self,
        name: &str,
        disabled: bool,
        key: &AuditKey,
        event: Event,
    ) -> Result<Option<Record>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if !set_disabled_in(&mut tx, name, disabled).await? {
            return Ok(None);
        }
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(record))
    }

    async fn set_totp_secret_audited(
        &self,
        name: &str,
        secret: Option<&str>,
        key: &AuditKey,
        event: Event,
    ) -> Result<Option<Record>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if !set_totp_secret_in(&mut tx, name, secret).await? {
            return Ok(None);
        }
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(record))
    }

    async fn create_session_audited(
        &self,
        session: &SessionRecord,
        key: &AuditKey,
        event: Event,
    ) -> Result<Record, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        create_session_in(&mut tx, session).await?;
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn delete_session_audited(
        &self,
        token_hash: &str,
        key: &AuditKey,
        event: Event,
    ) -> Result<Option<Record>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if !delete_session_in(&mut tx, token_hash).await? {
            return Ok(None);
        }
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(record))
    }

    async fn record_failed_sign_in_audited<F>(
        &self,
        name: &str,
        now_ms: i64,
        max_failures: u32,
        lock_ms: i64,
        key: &AuditKey,
        event: F,
    ) -> Result<(Option<Account>, Record), StoreError>
    where
        F: FnOnce(Option<&Account>) -> Event + Send,
    {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let after = record_failed_sign_in_in(&mut tx, name, now_ms, max_failures, lock_ms).await?;
        let record = append_in(&mut tx, key, event(after.as_ref())).await?;
        tx.commit().await.map_err(db)?;
        Ok((after, record))
    }
}

impl AccountStore for PgStore {
    async fn create_account(&self, a: &NewAccount) -> Result<(), StoreError> {
        create_account_in(&mut *self.pool.acquire().await.map_err(db)?, a).await
    }

    async fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(account_row).transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(account_row).collect()
    }

    async fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        must_change: bool,
    ) -> Result<bool, StoreError> {
        set_password_in(
            &mut *self.pool.acquire().await.map_err(db)?,
            name,
            password_hash,
            must_change,
        )
        .await
    }

    async fn set_disabled(&self, name: &str, disabled: bool) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let done = set_disabled_in(&mut tx, name, disabled).await?;
        tx.commit().await.map_err(db)?;
        Ok(done)
    }

    async fn record_failed_sign_in(
        &self,
        name: &str,
        now_ms: i64,
        max_failures: u32,
        lock_ms: i64,
    ) -> Result<Option<Account>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        record_failed_sign_in_in(&mut conn, name, now_ms, max_failures, lock_ms).await
    }

    async fn set_totp_secret(&self, name: &str, secret: Option<&str>) -> Result<bool, StoreError> {
        set_totp_secret_in(&mut *self.pool.acquire().await.map_err(db)?, name, secret).await
    }

    async fn claim_totp_step(&self, name: &str, step: i64) -> Result<bool, StoreError> {
        // One conditional UPDATE: two sign-ins racing with the same code cannot both win.
        let done = sqlx::query(
            "UPDATE accounts SET totp_last_step = $1 WHERE name = $2 AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step).bind(name)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_sign_in(&self, name: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE accounts SET failed_sign_ins = 0 WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn create_session(&self, s: &SessionRecord) -> Result<(), StoreError> {
        create_session_in(&mut *self.pool.acquire().await.map_err(db)?, s).await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT s.token_hash, a.name, s.csrf_token, s.created_ms, s.last_seen_ms
             FROM sessions s JOIN accounts a ON a.account_pk = s.account_pk
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| {
            Ok(SessionRecord {
                token_hash: get(&row, "token_hash")?,
                account: get(&row, "name")?,
                csrf_token: get(&row, "csrf_token")?,
                created_ms: get(&row, "created_ms")?,
                last_seen_ms: get(&row, "last_seen_ms")?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET last_seen_ms = greatest(last_seen_ms, $1) WHERE token_hash = $2",
        )
        .bind(now_ms)
        .bind(token_hash)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        delete_session_in(&mut *self.pool.acquire().await.map_err(db)?, token_hash)
            .await
            .map(|_| ())
    }

    async fn delete_idle_sessions(&self, idle_before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE last_seen_ms < $1")
            .bind(idle_before_ms)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }
}

impl AuditStore for PgStore {
    async fn append_audit(&self, key: &AuditKey, event: Event) -> Result<Record, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let record = append_in(&mut tx, key, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn audit_records(&self, after: u64, limit: u32) -> Result<Vec<Record>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, target, detail, prev, mac
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(record_row).collect()
    }

    async fn count_audit(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(n.max(0) as u64)
    }
}

/// Appends `event` to the chain inside the caller's transaction. The table lock (EXCLUSIVE:
/// plain reads go on) is taken before the head is read and held to the transaction's commit:
/// one chain, also across processes and servers. Callers that write other tables in the same
/// transaction call this last, so the lock is held only for the append and the commit (and
/// nothing waits on another table while holding it: no lock-order cycle).
pub(crate) async fn append_in(
    conn: &mut PgConnection,
    key: &AuditKey,
    event: Event,
) -> Result<Record, StoreError> {
    sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let head = sqlx::query(
        "SELECT seq, at, actor, action, target, detail, prev, mac
         FROM audit_log ORDER BY seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .as_ref()
    .map(record_row)
    .transpose()?
    .map_or(Head::EMPTY, |r| Head::of(&r));
    let record = lazo_audit::append(key, head, event);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev, mac)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(record.seq as i64)
    .bind(&record.event.at)
    .bind(&record.event.actor)
    .bind(&record.event.action)
    .bind(&record.event.target)
    .bind(&record.event.detail)
    .bind(record.prev.to_hex())
    .bind(record.mac.to_hex())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(record)
}
