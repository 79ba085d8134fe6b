//! Persistence of verification runs: what a run is as stored ([`RunRecord`] and the rows read
//! back), the [`VerificationStore`] trait that each database backend implements (with
//! [`AccountStore`], [`AuditStore`] and [`ReviewStore`] for the web service), and
//! [`StoreError`]. Pure: no database driver, no async runtime, no clock.
//!
//! Backends: `lazo-store-sqlite` (embedded, the default for the CLI and a single-site web
//! service) and `lazo-store-postgres` (multi-user deployments, chosen by a `postgres://` URL),
//! each with its own migrations folder.
//!
//! # The schema's meaning (every backend)
//!
//! Each backend keeps its own migrations, in its own SQL dialect, that must mean the same:
//!
//! - `runs`: one row per run; `id` the [`RunId`] text (UUID in PostgreSQL), `started_at` the
//!   caller's RFC 3339 text as written plus `started_at_ms`, the same instant in UTC
//!   milliseconds, which orders the list of runs (newest first, ties by saving order); the
//!   model parameters, policy TOML, seed (decimal text: a `u64` does not fit every backend's
//!   integer) and the summary counts, whose verdict counts must add up to the unit count.
//! - `run_units`: one row per unit, `(run, unit_id)` unique, `position` the analysis order;
//!   `verdict` one of [`Verdict`]'s words; reasons and recommendations as JSON arrays of strings;
//!   `report_json` the unit report, validated as JSON but stored as text, byte for byte (in
//!   PostgreSQL: `json`, never `jsonb`, which reorders keys). Indexed by verdict.
//! - `unit_members`: the samples of a unit in presentation order, each sample once per unit, at
//!   most one mother and one father. Indexed by sample id (who appeared where).
//! - `profiles`: per run, `(run, sample_id)` unique; the allele calls as JSON.
//! - `alerts`: per run, each about one of the run's units (a foreign key to the unit), details
//!   as JSON text.
//!
//! Children reference their run with `ON DELETE CASCADE`, so a retention policy deletes a run
//! with one statement.
//!
//! Migration `0002` (the web service, [`AccountStore`] and [`AuditStore`]):
//!
//! - `accounts`: `name` unique (1–64 characters), `role` one of [`Role`]'s words, `site`
//!   (field agents), the password hash (argon2id, made by the service), `disabled`,
//!   `must_change_password`, `failed_sign_ins` and `locked_until_ms` (Unix ms) for the lockout.
//! - `sessions`: the SHA-256 (hex) of the cookie's token as key, never the token; the account
//!   (`ON DELETE CASCADE`), the CSRF token, created and last-seen instants (Unix ms).
//! - `audit_log`: `seq` from 1 without gaps, the [`lazo_audit::Event`] fields as text, `prev` and
//!   `mac` as 64 hex digits. Triggers refuse `UPDATE` and `DELETE`. Appends hold the chain's lock
//!   (SQLite: the write lock of `BEGIN IMMEDIATE`; PostgreSQL: `LOCK TABLE … EXCLUSIVE`) from
//!   reading the head to commit.
//!
//! Migration `0003` (supervisor sign-off, [`ReviewStore`]):
//!
//! - `reviews`: one row per sign-off of a stored unit: `(run_pk, unit_id)` a foreign key to
//!   `run_units` (`ON DELETE CASCADE`: a unit's history goes with it), `version` 1, 2, … per
//!   unit (`UNIQUE (run_pk, unit_id, version)`: two sign-offs cannot both claim to follow the
//!   same one), the reviewer's account name (text, so the history outlives the account),
//!   `decision` one of [`Decision`]'s words, `machine_verdict` (copied from the unit when the
//!   review is written) and `final_verdict` among [`Verdict`]'s words, `reason` (NULL or
//!   non-blank; required for an override), `reviewed_at` RFC 3339 text plus `reviewed_at_ms`.
//!   CHECKs: a confirmation's final verdict is the machine's, an override's is not.
//!   Append-only: triggers refuse `UPDATE`, and `DELETE` while the unit still exists (so
//!   deleting a run still cascades). The latest version is the unit's current sign-off;
//!   earlier ones are its history. A unit without a row here awaits review.
//!
//! Migration `0004` (intake in the web service):
//!
//! - `runs.site`: nullable text, the site of an intake made in the service (a field agent's
//!   site); listings filter on it ([`RunFilter`]). Indexed with the list order.
//! - `sample_custody`: per run, `(run, sample_id)` unique; collector, date of collection
//!   (`YYYY-MM-DD` text), place, consent (a boolean: SQLite 0/1), kit or instrument; `position`
//!   keeps the order given. `ON DELETE CASCADE` with its run.
//!
//! Migration `0005` (second factor): `accounts.totp_secret` (base32, at least 26 characters, or
//! NULL) and `accounts.totp_last_step`, the last accepted TOTP step; a step is claimed with one
//! conditional `UPDATE` so each code opens at most one session.
//!
//! Migration `0006` (48-hour screening, [`ScreeningStore`]):
//!
//! - `screening_instruments`: an instrument's TOML kept under `(id, version)` unique, so every
//!   screening can be re-read with the exact questions it was asked. Rows are never updated or
//!   deleted (triggers).
//! - `screenings`: `id` the [`ScreeningId`] text (UUID in PostgreSQL); the child reference
//!   (1–64 characters), site, interview language, interviewer account; the instrument (a
//!   foreign key to `screening_instruments`); `apprehended_at` (RFC 3339 as given, plus
//!   `apprehended_at_ms`, which orders the list and starts the 48-hour clock), `started_at`,
//!   `updated_at`; `status` one of [`ScreeningStatus`]'s words and `revision` (answer saves so
//!   far); `answers_json` (a JSON object); at completion `completed_at` (+ `_ms`),
//!   `completed_by`, `outcome` and `decision_json` (stored byte for byte); at signature
//!   `signed_by`, `signed_at`, `sign_reason` (non-empty). CHECKs tie the columns to the status
//!   (a draft has no decision, a signed screening has everything). Triggers refuse `DELETE`,
//!   any change to who, where, when and which instrument, any change after signature, and any
//!   change to a completed screening but its signature.

mod error;
#[macro_use]
mod record;
mod account;
mod audited;
mod review;
mod screening;
mod store;
mod timestamp;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use account::{
    Account, AccountStore, AuditStore, NewAccount, Role, SessionRecord, verify_audit,
};
pub use audited::{AuditedAccounts, AuditedScreenings, AuditedWrites};
pub use error::StoreError;
pub use lazo_audit;
pub use record::{
    AlertRecord, CustodyRecord, LocusCalls, MemberRole, ProfileRecord, RunDetail, RunFilter, RunId,
    RunKind, RunRecord, RunSummary, RunSummaryRow, UnitMember, UnitRecord, UnitRow, Verdict,
};
pub use review::{
    DashboardCounts, DayCounts, DayWindow, Decision, MAX_DASHBOARD_DAYS, MAX_REASON_CHARS,
    NewReview, Page, QueueItem, ReviewRecord, ReviewStore, RunAlert, VerdictCounts,
};
pub use screening::{
    Completion, CompletionInfo, InstrumentRecord, NewScreening, ScreeningFilter, ScreeningId,
    ScreeningRecord, ScreeningSignOff, ScreeningStatus, ScreeningStore, ScreeningSummary,
    ScreeningTimes, validate_completion, validate_sign_off,
};
pub use store::{MAX_PAGE, SavedRuns, VerificationStore};
pub use timestamp::{rfc3339_from_unix_ms, unix_ms_from_rfc3339};
pub use uuid::Uuid;
