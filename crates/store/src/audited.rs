//! Writes that must never exist without their audit record.

use std::future::Future;

use lazo_audit::{AuditKey, Event, Record};

use crate::{
    AuditStore, NewReview, ReviewRecord, ReviewStore, RunRecord, StoreError, VerificationStore,
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
