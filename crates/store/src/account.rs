//! Accounts, sessions and the audit trail as stored: the records and the [`AccountStore`] and
//! [`AuditStore`] traits each backend implements (migration `0002` in each backend).
//!
//! Like the rest of this crate: no clock (instants come in as Unix milliseconds or RFC 3339
//! text), no hashing of passwords or tokens (the service hashes; the store keeps the hashes).

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use lazo_audit::{AuditKey, Event, Record};
use serde::{Deserialize, Serialize};

use crate::StoreError;

word_enum! {
    /// What an account may do (least privilege; the service's route table decides per route).
    Role, "role" {
        /// Sees the units of their own site; never raw genotypes, never the audit log.
        FieldAgent = "field_agent",
        /// Reads results and genotypes.
        LabAnalyst = "lab_analyst",
        /// Reads results and genotypes, reviews.
        Supervisor = "supervisor",
        /// Reads the audit log; not the casework.
        Auditor = "auditor",
        /// Manages accounts; not the casework.
        Admin = "admin",
    }
}

/// An account as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// The site a field agent works at (their units only); `None` for other roles.
    pub site: Option<String>,
    /// A PHC string (`$argon2id$…`); never shown.
    #[serde(skip_serializing)]
    pub password_hash: String,
    pub disabled: bool,
    /// Set for a one-time password: the holder must choose a new one at first sign-in.
    pub must_change_password: bool,
    /// Consecutive failed sign-ins since the last success or lock.
    pub failed_sign_ins: u32,
    /// Until when (Unix ms) sign-ins are refused after too many failures.
    pub locked_until_ms: Option<i64>,
    /// RFC 3339, supplied by the caller.
    pub created_at: String,
    /// The TOTP shared secret (base32) once the holder has enrolled a second factor; never
    /// shown after enrolment.
    #[serde(skip_serializing)]
    pub totp_secret: Option<String>,
}

/// A new account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub role: Role,
    pub site: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub created_at: String,
}

/// A signed-in session. The cookie holds a random token; the store holds only its hash, so a
/// copy of the database does not let anyone sign in as a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    /// Hex SHA-256 of the cookie's token.
    pub token_hash: String,
    pub account: String,
    /// The per-session CSRF token every form POST must carry.
    pub csrf_token: String,
    pub created_ms: i64,
    pub last_seen_ms: i64,
}

/// Accounts and sessions.
pub trait AccountStore: Send + Sync {
    /// A name already taken is a [`StoreError::Conflict`].
    fn create_account(
        &self,
        account: &NewAccount,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn account(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;

    /// Every account, by name.
    fn list_accounts(&self) -> impl Future<Output = Result<Vec<Account>, StoreError>> + Send;

    /// Replaces the password hash and clears the lock and failure count; `false` when there is
    /// no such account.
    fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        must_change: bool,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Disables or re-enables an account; disabling also ends its sessions. `false` when there
    /// is no such account.
    fn set_disabled(
        &self,
        name: &str,
        disabled: bool,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Counts a failed sign-in, atomically: the `max_failures`-th consecutive failure locks the
    /// account until `now_ms + lock_ms` and restarts the count. Returns the account after the
    /// update (`None` when there is no such account).
    fn record_failed_sign_in(
        &self,
        name: &str,
        now_ms: i64,
        max_failures: u32,
        lock_ms: i64,
    ) -> impl Future<Output = Result<Option<Account>, StoreError>> + Send;

    /// Sets (enrols) or clears (`None`: a lost device) the account's TOTP secret; either way the
    /// record of the last accepted step is cleared. `false` when there is no such account.
    fn set_totp_secret(
        &self,
        name: &str,
        secret: Option<&str>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Claims TOTP step `step` for the account, atomically: `true` only when it is later than
    /// every step claimed before, so each code is accepted once (RFC 6238 §5.2).
    fn claim_totp_step(
        &self,
        name: &str,
        step: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A successful sign-in: the failure count goes back to zero.
    fn record_sign_in(&self, name: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn create_session(
        &self,
        session: &SessionRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<SessionRecord>, StoreError>> + Send;

    /// Records activity on a session (for the idle timeout).
    fn touch_session(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn delete_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes sessions idle since before `idle_before_ms`; returns how many.
    fn delete_idle_sessions(
        &self,
        idle_before_ms: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// The audit trail: one hash chain per database.
pub trait AuditStore: Send + Sync {
    /// Appends `event` to the chain under `key`. Appends are serialised (the head is read and
    /// the record written in one transaction holding the chain's lock), so concurrent writers,
    /// even in other processes, extend one line.
    fn append_audit(
        &self,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Record, StoreError>> + Send;

    /// Records with `seq > after`, in order, at most `limit`.
    fn audit_records(
        &self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Record>, StoreError>> + Send;

    /// How many records the chain has.
    fn count_audit(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// Reads the whole chain in pages and verifies it under `key`.
pub async fn verify_audit<S: AuditStore>(
    store: &S,
    key: &AuditKey,
) -> Result<Result<lazo_audit::Verified, lazo_audit::AuditError>, StoreError> {
    // verify() wants one iterator over the whole chain; pages are chained by re-verifying
    // from the head of the previous page.
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store.audit_records(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        all.extend(page);
    }
    Ok(lazo_audit::verify(key, &all))
}
