//! The storage trait every backend implements.

use std::future::Future;

use crate::{
    AlertRecord, CustodyRecord, ProfileRecord, RunDetail, RunFilter, RunId, RunRecord,
    RunSummaryRow, StoreError, UnitRow, Verdict,
};

/// Most rows [`VerificationStore::list_runs`] returns at once, whatever `limit` asks for.
pub const MAX_PAGE: u32 = 500;

/// A page of runs in the order their saves committed ([`VerificationStore::runs_saved_since`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedRuns {
    /// How many runs are stored, read in the same snapshot as `runs`.
    pub total: u64,
    /// `(cursor, id)`, cursors increasing.
    pub runs: Vec<(u64, RunId)>,
}

/// Where verification runs are kept. Runs are immutable once saved: there is no update.
///
/// The methods are `async` because the callers that matter most (the web service, PostgreSQL)
/// are, and every database driver worth using is; a synchronous trait would make the web
/// service block its executor or wrap each call in `spawn_blocking`, and make the SQLite and
/// PostgreSQL implementations `block_on` inside a runtime, which panics. Synchronous callers
/// (the `lazo` CLI) use a backend's blocking helpers instead (e.g.
/// `lazo_store_sqlite::save_run_blocking`).
///
/// The futures are declared `Send` so that axum handlers generic over a store compile. The
/// trait is not object-safe (`async fn` in traits is not, yet): choose the backend with a
/// generic parameter, or an enum over the backends if the choice is made at run time.
///
/// Reads of a run that does not exist give `None` or an empty list, never an error.
pub trait VerificationStore: Send + Sync {
    /// Stores the whole run in one transaction: afterwards either every row is visible or none
    /// is. Validates first ([`RunRecord::validate`]). A run id already saved, or a unit id or
    /// sample id twice within the run, is a [`StoreError::Conflict`]; values the schema refuses
    /// (invalid JSON, an alert about a unit not in the run) are [`StoreError::Invalid`].
    fn save_run(&self, run: &RunRecord) -> impl Future<Output = Result<RunId, StoreError>> + Send;

    /// Runs whose cursor is `from` or greater, in the order their saves committed, at most
    /// `limit` (capped at [`MAX_PAGE`]), with the number of runs stored, all read in one
    /// snapshot: how a reader that keeps something for every run (the service's repeat-child
    /// index) catches up without listing every run. Backends serialise saves of runs, so a run
    /// whose save commits later has a greater cursor than every run visible before it: a reader
    /// who has seen every run up to cursor `c` misses nothing by asking from `c`. Asking from
    /// the last cursor seen (inclusive) lets the reader check that run is still there under it
    /// (a deleted run's cursor may be given again); comparing `total` with the runs it knows
    /// tells it whether runs were deleted.
    fn runs_saved_since(
        &self,
        from: u64,
        limit: u32,
    ) -> impl Future<Output = Result<SavedRuns, StoreError>> + Send;

    /// How many runs are stored (for pagination).
    fn count_runs(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        async move { self.count_runs_where(&RunFilter::all()).await }
    }

    /// Runs newest first (by the instant `started_at` denotes, then by the order they were
    /// saved), skipping `offset` and returning at most `limit` (capped at [`MAX_PAGE`]).
    fn list_runs(
        &self,
        limit: u32,
        offset: u64,
    ) -> impl Future<Output = Result<Vec<RunSummaryRow>, StoreError>> + Send {
        async move { self.list_runs_where(&RunFilter::all(), limit, offset).await }
    }

    /// How many runs pass `filter`.
    fn count_runs_where(
        &self,
        filter: &RunFilter,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// As [`Self::list_runs`], only the runs that pass `filter`.
    fn list_runs_where(
        &self,
        filter: &RunFilter,
        limit: u32,
        offset: u64,
    ) -> impl Future<Output = Result<Vec<RunSummaryRow>, StoreError>> + Send;

    /// A run's summary (with its site) and policy.
    fn get_run(
        &self,
        id: RunId,
    ) -> impl Future<Output = Result<Option<RunDetail>, StoreError>> + Send;

    /// A run's units in analysis order, optionally only those with one verdict.
    fn run_units(
        &self,
        id: RunId,
        verdict: Option<Verdict>,
    ) -> impl Future<Output = Result<Vec<UnitRow>, StoreError>> + Send;

    /// The full report JSON of one unit, exactly as saved.
    fn unit_report(
        &self,
        id: RunId,
        unit_id: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// The run's profiles in the order saved.
    fn run_profiles(
        &self,
        id: RunId,
    ) -> impl Future<Output = Result<Vec<ProfileRecord>, StoreError>> + Send;

    /// The chain of custody of the run's samples in the order saved (empty for runs saved
    /// without it).
    fn run_custody(
        &self,
        id: RunId,
    ) -> impl Future<Output = Result<Vec<CustodyRecord>, StoreError>> + Send;

    /// The run's alerts in the order saved.
    fn run_alerts(
        &self,
        id: RunId,
    ) -> impl Future<Output = Result<Vec<AlertRecord>, StoreError>> + Send;

    /// The whole run as saved (equal to the record given to [`Self::save_run`]); for export.
    fn load_run(
        &self,
        id: RunId,
    ) -> impl Future<Output = Result<Option<RunRecord>, StoreError>> + Send;
}
