//! 48-hour screenings of unaccompanied children as stored: the records and the
//! [`ScreeningStore`] trait each backend implements (migration `0006` in each backend).
//!
//! The store keeps what the interview produced and what a person signed; it never evaluates
//! answers (that is `lazo-screening`, called by the service) and never reads a clock (every
//! instant comes in as RFC 3339 text). A screening is a child's record: nothing here deletes
//! one, and the schema refuses deletes and any change once the screening is completed, except
//! the supervisor's signature.
//!
//! Lifecycle: `draft` (answers saved as the interview goes, each save a new `revision`) →
//! `completed` (answers frozen with the engine's decision) → `signed` (a supervisor's sign-off
//! with a reason). A change that does not follow it is a [`StoreError::Conflict`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{StoreError, unix_ms_from_rfc3339};

/// A screening's identifier: a random (version 4) UUID, like [`crate::RunId`] and for the same
/// reasons (made before saving, the same in every backend, reveals no counts in a URL).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScreeningId(Uuid);

impl ScreeningId {
    /// A fresh random id.
    pub fn random() -> ScreeningId {
        ScreeningId(Uuid::new_v4())
    }

    /// A fixed id, for tests and fixtures.
    pub const fn from_u128(value: u128) -> ScreeningId {
        ScreeningId(Uuid::from_u128(value))
    }
}

impl fmt::Display for ScreeningId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for ScreeningId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScreeningId({})", self.0.hyphenated())
    }
}

impl FromStr for ScreeningId {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<ScreeningId, StoreError> {
        Uuid::try_parse(s)
            .map(ScreeningId)
            .map_err(|e| StoreError::Invalid(format!("screening id {s:?}: {e}")))
    }
}

word_enum! {
    /// Where a screening stands.
    ScreeningStatus, "screening status" {
        /// The interview is under way; answers can change.
        Draft = "draft",
        /// The interviewer completed it: answers and decision are frozen.
        Completed = "completed",
        /// A supervisor signed it, with a reason.
        Signed = "signed",
    }
}

/// An instrument's text as used for screenings: kept so that a screening made under it can be
/// shown and re-read years later, whatever instrument the service loads then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentRecord {
    pub id: String,
    pub version: String,
    /// The TOML exactly as loaded.
    pub toml: String,
}

/// A screening as started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewScreening {
    pub id: ScreeningId,
    /// The agency's reference for the child (a case or intake number; 1–64 characters). Not a
    /// name: names are in the answers, which only the screening's readers see.
    pub child_ref: String,
    pub site: String,
    /// The interview language (one of the instrument's).
    pub language: String,
    /// The account that started it.
    pub interviewer: String,
    pub instrument_id: String,
    pub instrument_version: String,
    /// When the child was apprehended: the 48-hour clock starts here (RFC 3339).
    pub apprehended_at: String,
    /// When the screening was started (RFC 3339).
    pub started_at: String,
}

impl NewScreening {
    /// The checks every backend makes before writing.
    pub fn validate(&self) -> Result<(), StoreError> {
        let len = self.child_ref.trim().chars().count();
        if len == 0 || self.child_ref.chars().count() > 64 {
            return Err(StoreError::Invalid(
                "child reference must have 1 to 64 characters".into(),
            ));
        }
        for (what, value) in [
            ("site", &self.site),
            ("language", &self.language),
            ("interviewer", &self.interviewer),
            ("instrument id", &self.instrument_id),
            ("instrument version", &self.instrument_version),
        ] {
            if value.trim().is_empty() {
                return Err(StoreError::Invalid(format!("{what} is empty")));
            }
        }
        unix_ms_from_rfc3339(&self.apprehended_at)?;
        unix_ms_from_rfc3339(&self.started_at)?;
        Ok(())
    }
}

/// What completing a screening adds: the final answers, the engine's decision and who did it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// RFC 3339.
    pub completed_at: String,
    pub completed_by: String,
    /// The answers evaluated (JSON object, `lazo_screening::Answers`).
    pub answers_json: String,
    /// The engine's decision (JSON, `lazo_screening::Decision`), stored as given.
    pub decision_json: String,
    /// The outcome's name (`trafficking_referral`, …, `eligible_for_return`), for lists.
    pub outcome: String,
}

/// A supervisor's signature on a completed screening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScreeningSignOff {
    pub signed_by: String,
    /// RFC 3339.
    pub signed_at: String,
    /// Why the supervisor signs (non-empty).
    pub reason: String,
}

/// The completion part of a stored screening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompletionInfo {
    pub completed_at: String,
    pub completed_by: String,
    pub outcome: String,
}

/// A screening in a list: everything but the answers and the decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScreeningSummary {
    pub id: ScreeningId,
    pub child_ref: String,
    pub site: String,
    pub language: String,
    pub interviewer: String,
    pub instrument_id: String,
    pub instrument_version: String,
    pub apprehended_at: String,
    pub started_at: String,
    /// The last change (start, answers saved, completion or signature).
    pub updated_at: String,
    pub status: ScreeningStatus,
    /// Answers saved so far: 0 at the start, one more per save.
    pub revision: u64,
    pub completion: Option<CompletionInfo>,
    pub sign_off: Option<ScreeningSignOff>,
}

/// A whole screening.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreeningRecord {
    pub summary: ScreeningSummary,
    /// The answers so far (JSON object); final once completed.
    pub answers_json: String,
    /// The engine's decision as stored at completion (JSON), byte for byte.
    pub decision_json: Option<String>,
}

/// Which screenings a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScreeningFilter {
    /// Only this site's (a field agent's list).
    pub site: Option<String>,
    pub status: Option<ScreeningStatus>,
    /// Only those apprehended before this instant (RFC 3339). With `status: Draft` and the
    /// instant 36 hours ago: the open screenings a supervisor must now act on.
    pub apprehended_before: Option<String>,
}

impl ScreeningFilter {
    /// The bound as Unix milliseconds (validated: bad text is [`StoreError::Invalid`]).
    pub fn apprehended_before_ms(&self) -> Result<Option<i64>, StoreError> {
        self.apprehended_before
            .as_deref()
            .map(unix_ms_from_rfc3339)
            .transpose()
    }
}

/// One screening's times: what the 48-hour compliance statistics count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreeningTimes {
    pub site: String,
    /// RFC 3339 in the offset it was recorded in (the site's), which decides its ISO week.
    pub apprehended_at: String,
    /// `None` while the screening is a draft.
    pub completed_at: Option<String>,
}

/// Screenings and the instruments they were made under.
pub trait ScreeningStore: Send + Sync {
    /// Keeps an instrument's text under its id and version. Saving the same text again is a
    /// no-op; other text under an id and version already kept is a [`StoreError::Conflict`]
    /// (change the version).
    fn save_instrument(
        &self,
        instrument: &InstrumentRecord,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    fn instrument(
        &self,
        id: &str,
        version: &str,
    ) -> impl std::future::Future<Output = Result<Option<InstrumentRecord>, StoreError>> + Send;

    /// Starts a screening (a draft with no answers, revision 0). Its instrument must have been
    /// saved ([`StoreError::Invalid`] otherwise); an id already used is a
    /// [`StoreError::Conflict`].
    fn create_screening(
        &self,
        screening: &NewScreening,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    fn screening(
        &self,
        id: ScreeningId,
    ) -> impl std::future::Future<Output = Result<Option<ScreeningRecord>, StoreError>> + Send;

    fn count_screenings(
        &self,
        filter: &ScreeningFilter,
    ) -> impl std::future::Future<Output = Result<u64, StoreError>> + Send;

    /// Newest apprehension first (ties: the later started first), at most `limit` (capped at
    /// [`crate::MAX_PAGE`]) after skipping `offset`.
    fn list_screenings(
        &self,
        filter: &ScreeningFilter,
        limit: u32,
        offset: u64,
    ) -> impl std::future::Future<Output = Result<Vec<ScreeningSummary>, StoreError>> + Send;

    /// The times of every screening apprehended at or after `since` (RFC 3339), at `site` or
    /// at every site for `None`, oldest apprehension first. Not paged: a row is a few dozen
    /// bytes, and the compliance view asks for at most two years.
    fn screening_times(
        &self,
        site: Option<&str>,
        since: &str,
    ) -> impl std::future::Future<Output = Result<Vec<ScreeningTimes>, StoreError>> + Send;

    /// Replaces a draft's answers if its revision is still `revision` (nobody saved in
    /// between); returns the new revision, or `None` when there is no such screening. A
    /// screening no longer a draft, or saved by someone else since `revision` was read, is a
    /// [`StoreError::Conflict`]: read it again.
    fn save_answers(
        &self,
        id: ScreeningId,
        revision: u64,
        answers_json: &str,
        at: &str,
    ) -> impl std::future::Future<Output = Result<Option<u64>, StoreError>> + Send;

    /// Completes a draft still at `revision`: its answers become `completion.answers_json`
    /// and are frozen with the decision. `false` when there is no such screening; a conflict
    /// as for [`Self::save_answers`].
    fn complete_screening(
        &self,
        id: ScreeningId,
        revision: u64,
        completion: &Completion,
    ) -> impl std::future::Future<Output = Result<bool, StoreError>> + Send;

    /// Signs a completed screening. `false` when there is no such screening; a draft or one
    /// already signed is a [`StoreError::Conflict`].
    fn sign_screening(
        &self,
        id: ScreeningId,
        sign_off: &ScreeningSignOff,
    ) -> impl std::future::Future<Output = Result<bool, StoreError>> + Send;
}

/// Checks shared by the backends before a completion is written.
pub fn validate_completion(c: &Completion) -> Result<(), StoreError> {
    unix_ms_from_rfc3339(&c.completed_at)?;
    if c.completed_by.trim().is_empty() || c.outcome.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a completion names who completed it and the outcome".into(),
        ));
    }
    Ok(())
}

/// Checks shared by the backends before a signature is written.
pub fn validate_sign_off(s: &ScreeningSignOff) -> Result<(), StoreError> {
    unix_ms_from_rfc3339(&s.signed_at)?;
    if s.signed_by.trim().is_empty() {
        return Err(StoreError::Invalid("a signature names its signer".into()));
    }
    if s.reason.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a signature needs a reason (what the supervisor checked)".into(),
        ));
    }
    Ok(())
}
