//! Writes that must never exist without their audit record.

use std::future::Future;

use lazo_audit::{AuditKey, Event, Record};

use crate::{
    Account, AccountStore, AuditStore, Completion, NewAccount, NewReview, NewScreening,
    ReviewRecord, ReviewStore, RunRecord, ScreeningId, ScreeningSignOff, ScreeningStore,
    SessionRecord, StoreError, VerificationStore,
};

/// Saves a record and appends its audit record in **one** transaction, holding the chain's lock
/// from reading the head to commit (as [`AuditStore::append_audit`]): a crash, or a failure
/// of either write, leaves both or neither, and concurrent writers still extend one chain.
/// Written in two transactions, a crash between them would leave a run nobody is recorded as
/// having made.
pub trait AuditedWrites: VerificationStore + ReviewStore + AuditStore {
    /// [`VerificationStore::save_run`] and the append of `event`, atomically; returns the audit
    /// record. Every error of `save_run` is possible, and nothing is written on any error.
    fn save_run_audited(
        &self,
        run: &RunRecord,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Record, StoreError>> + Send;

    /// [`ReviewStore::save_review`] and the append of `event(&saved)` (the event names the
    /// version given to the review, which is known only once it is written), atomically.
    /// `Ok(None)` (nothing written, nothing audited) when the run has no such unit.
    fn save_review_audited<F>(
        &self,
        review: &NewReview,
        key: &AuditKey,
        event: F,
    ) -> impl Future<Output = Result<Option<(ReviewRecord, Record)>, StoreError>> + Send
    where
        F: FnOnce(&ReviewRecord) -> Event + Send;
}

/// The screening changes ([`ScreeningStore`]) with their audit records, on the terms of
/// [`AuditedWrites`]: the change and the append of its event in one transaction, the append
/// last, holding the chain's lock to commit. A refused change (invalid, conflict, no such
/// screening) writes nothing and audits nothing. Screenings are children's records: the
/// service changes them only through these.
pub trait AuditedScreenings: ScreeningStore + AuditStore {
    /// [`ScreeningStore::create_screening`] and the append of `event`; returns the record.
    fn create_screening_audited(
        &self,
        screening: &NewScreening,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Record, StoreError>> + Send;

    /// [`ScreeningStore::save_answers`] and the append of `event(new_revision)` (the revision
    /// is known only once the answers are written). `Ok(None)` when there is no such screening.
    fn save_answers_audited<F>(
        &self,
        id: ScreeningId,
        revision: u64,
        answers_json: &str,
        at: &str,
        key: &AuditKey,
        event: F,
    ) -> impl Future<Output = Result<Option<(u64, Record)>, StoreError>> + Send
    where
        F: FnOnce(u64) -> Event + Send;

    /// [`ScreeningStore::complete_screening`] and the append of `event`. `Ok(None)` when
    /// there is no such screening.
    fn complete_screening_audited(
        &self,
        id: ScreeningId,
        revision: u64,
        completion: &Completion,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;

    /// [`ScreeningStore::sign_screening`] and the append of `event`. `Ok(None)` when there is
    /// no such screening.
    fn sign_screening_audited(
        &self,
        id: ScreeningId,
        sign_off: &ScreeningSignOff,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;
}

/// Account changes ([`AccountStore`]) with their audit records, on the terms of
/// [`AuditedWrites`]. `Ok(None)`: no such account, nothing written, nothing audited.
pub trait AuditedAccounts: AccountStore + AuditStore {
    /// [`AccountStore::create_account`] and the append of `event` (`account_created`).
    fn create_account_audited(
        &self,
        account: &NewAccount,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Record, StoreError>> + Send;

    /// [`AccountStore::set_password`] and the append of `event` (`password_changed`,
    /// `password_reset`).
    fn set_password_audited(
        &self,
        name: &str,
        password_hash: &str,
        must_change: bool,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;

    /// [`AccountStore::set_disabled`] (sessions ended with it) and the append of `event`.
    fn set_disabled_audited(
        &self,
        name: &str,
        disabled: bool,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;

    /// [`AccountStore::set_totp_secret`] and the append of `event` (`totp_enrolled`,
    /// `totp_reset`).
    fn set_totp_secret_audited(
        &self,
        name: &str,
        secret: Option<&str>,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;

    /// [`AccountStore::create_session`] and the append of `event` (`sign_in`). An account that
    /// does not exist is [`StoreError::Invalid`], as for `create_session`.
    fn create_session_audited(
        &self,
        session: &SessionRecord,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Record, StoreError>> + Send;

    /// [`AccountStore::delete_session`] and the append of `event` (`sign_out`,
    /// `session_expired`). `Ok(None)` when there was no such session (already ended).
    fn delete_session_audited(
        &self,
        token_hash: &str,
        key: &AuditKey,
        event: Event,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;

    /// [`AccountStore::record_failed_sign_in`] and the append of `event(&account_after)`
    /// (`sign_in_failed`, which names the lock it caused). The refusal is audited even when the
    /// account does not exist (then only the record is written).
    fn record_failed_sign_in_audited<F>(
        &self,
        name: &str,
        now_ms: i64,
        max_failures: u32,
        lock_ms: i64,
        key: &AuditKey,
        event: F,
    ) -> impl Future<Output = Result<(Option<Account>, Record), StoreError>> + Send
    where
        F: FnOnce(Option<&Account>) -> Event + Send;
}
