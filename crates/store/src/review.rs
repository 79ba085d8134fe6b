//! Supervisor sign-off of stored verdicts, the review queue, the dashboard's counts and the
//! alerts across runs: the records and the [`ReviewStore`] trait (migration `0003` in each
//! backend).
//!
//! A review is appended, never changed: the latest review of a unit is its current sign-off and
//! the earlier ones stay as its history. Reviews are numbered per unit (`version` 1, 2, …); a
//! new review names the version it supersedes, so a second submission of the same form, or a
//! colleague signing the same unit meanwhile, is a [`StoreError::Conflict`] instead of a silent
//! second sign-off.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{AlertRecord, RunId, StoreError, Verdict, rfc3339_from_unix_ms, unix_ms_from_rfc3339};

/// Longest written reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 4000;

/// Most days [`ReviewStore::dashboard_counts`] covers at once.
pub const MAX_DASHBOARD_DAYS: u32 = 366;

const MS_PER_DAY: i64 = 86_400_000;

word_enum! {
    /// What the supervisor did with the machine's verdict.
    Decision, "review decision" {
        /// The machine's verdict stands (the final verdict is the machine's).
        Confirmed = "confirmed",
        /// Replaced by another verdict, with a written reason.
        Overridden = "overridden",
    }
}

/// A sign-off to store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReview {
    pub run_id: RunId,
    pub unit_id: String,
    /// The version of the unit's latest review the reviewer saw (0: none). The new review gets
    /// `previous_version + 1`; when that is no longer the next number, the save is a
    /// [`StoreError::Conflict`].
    pub previous_version: u32,
    /// The reviewer's account name (1–64 characters), kept as text so the history outlives
    /// account changes.
    pub reviewer: String,
    pub decision: Decision,
    /// The verdict after review: the machine's for a confirmation, another one for an override.
    pub final_verdict: Verdict,
    /// Required for an override; optional for a confirmation (`None`, never blank text).
    pub reason: Option<String>,
    /// RFC 3339, supplied by the caller.
    pub reviewed_at: String,
}

/// A stored sign-off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRecord {
    pub run_id: RunId,
    pub unit_id: String,
    /// 1 for the unit's first review, then 2, 3…
    pub version: u32,
    pub reviewer: String,
    pub decision: Decision,
    /// The unit's stored verdict, as the analysis gave it.
    pub machine_verdict: Verdict,
    pub final_verdict: Verdict,
    pub reason: Option<String>,
    pub reviewed_at: String,
}

impl NewReview {
    /// The checks that need no database: the reviewer's name, the timestamp, the reason's
    /// presence and length, the version. Whether the decision agrees with the machine's
    /// verdict is checked by the backend against the stored unit.
    pub fn validate(&self) -> Result<i64, StoreError> {
        let invalid = |why: String| Err(StoreError::Invalid(why));
        let at = unix_ms_from_rfc3339(&self.reviewed_at)?;
        let name_len = self.reviewer.chars().count();
        if !(1..=64).contains(&name_len) {
            return invalid(format!("reviewer name of {name_len} characters (1 to 64)"));
        }
        if self.previous_version == u32::MAX {
            return invalid("previous_version out of range".into());
        }
        match &self.reason {
            Some(r) if r.trim().is_empty() => {
                return invalid("a blank reason must be given as no reason".into());
            }
            Some(r) if r.chars().count() > MAX_REASON_CHARS => {
                return invalid(format!("reason longer than {MAX_REASON_CHARS} characters"));
            }
            None if self.decision == Decision::Overridden => {
                return invalid("an override needs a written reason".into());
            }
            _ => {}
        }
        Ok(at)
    }

    /// Whether this sign-off agrees with the unit's stored verdict: a confirmation carries it,
    /// an override names another one.
    pub fn check_against(&self, machine_verdict: Verdict) -> Result<(), StoreError> {
        match self.decision {
            Decision::Confirmed if self.final_verdict != machine_verdict => {
                Err(StoreError::Invalid(format!(
                    "a confirmation must carry the machine's verdict {machine_verdict}, not {}",
                    self.final_verdict
                )))
            }
            Decision::Overridden if self.final_verdict == machine_verdict => {
                Err(StoreError::Invalid(format!(
                    "an override must change the verdict (the machine's is already {machine_verdict})"
                )))
            }
            _ => Ok(()),
        }
    }

    /// The record this review becomes once stored.
    pub fn record(&self, machine_verdict: Verdict) -> ReviewRecord {
        ReviewRecord {
            run_id: self.run_id,
            unit_id: self.unit_id.clone(),
            version: self.previous_version + 1,
            reviewer: self.reviewer.clone(),
            decision: self.decision,
            machine_verdict,
            final_verdict: self.final_verdict,
            reason: self.reason.clone(),
            reviewed_at: self.reviewed_at.clone(),
        }
    }
}

impl ReviewRecord {
    /// Whether `review` asks for what this record already says (same reviewer, decision,
    /// verdict and reason): a repeated submission, not a new sign-off.
    pub fn same_sign_off(&self, review: &NewReview) -> bool {
        self.run_id == review.run_id
            && self.unit_id == review.unit_id
            && self.reviewer == review.reviewer
            && self.decision == review.decision
            && self.final_verdict == review.final_verdict
            && self.reason == review.reason
    }
}

/// One page of a longer list, with the length of the whole list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub total: u64,
    pub items: Vec<T>,
}

/// A unit that no one has signed off yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub run_id: RunId,
    pub run_started_at: String,
    pub unit_id: String,
    pub verdict: Verdict,
    /// Number of alerts about the unit.
    pub alerts: u32,
}

/// An alert with the run it was raised in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunAlert {
    pub run_id: RunId,
    pub run_started_at: String,
    pub alert: AlertRecord,
}

/// Units by verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictCounts {
    pub verified: u64,
    pub not_supported: u64,
    pub inconclusive: u64,
}

impl VerdictCounts {
    pub fn total(&self) -> u64 {
        self.verified + self.not_supported + self.inconclusive
    }

    pub fn of(&self, verdict: Verdict) -> u64 {
        match verdict {
            Verdict::Verified => self.verified,
            Verdict::NotSupported => self.not_supported,
            Verdict::Inconclusive => self.inconclusive,
        }
    }
}

/// One UTC day of runs started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// Units of the runs started that day, by the machine's verdict.
    pub units: VerdictCounts,
    /// Alerts raised by the runs started that day.
    pub alerts: u64,
}

/// What the dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardCounts {
    /// Every stored unit, by the machine's verdict.
    pub units: VerdictCounts,
    /// Every stored alert.
    pub alerts: u64,
    /// Units without any review.
    pub awaiting_review: u64,
    /// Units with at least one review.
    pub reviewed: u64,
    /// Units whose current (latest) sign-off is an override.
    pub overridden: u64,
    /// The last days, oldest first, the last one the day of `now`; days without runs are zero.
    pub days: Vec<DayCounts>,
}

/// The window of [`ReviewStore::dashboard_counts`]: `days` whole UTC days ending with the day
/// of `now_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayWindow {
    /// The first day's midnight, Unix ms.
    pub start_ms: i64,
    /// The midnight after the last day, Unix ms (exclusive).
    pub end_ms: i64,
    pub days: u32,
}

impl DayWindow {
    /// `days` is capped at [`MAX_DASHBOARD_DAYS`].
    pub fn ending_at(now_ms: i64, days: u32) -> DayWindow {
        let days = days.min(MAX_DASHBOARD_DAYS);
        let end_ms = (now_ms.div_euclid(MS_PER_DAY) + 1) * MS_PER_DAY;
        DayWindow {
            start_ms: end_ms - i64::from(days) * MS_PER_DAY,
            end_ms,
            days,
        }
    }

    /// The day of an instant inside the window (0 = the first day).
    pub fn day_of(&self, ms: i64) -> Option<usize> {
        (self.start_ms..self.end_ms)
            .contains(&ms)
            .then(|| ((ms - self.start_ms) / MS_PER_DAY) as usize)
    }

    /// One zero [`DayCounts`] per day of the window, oldest first.
    pub fn empty_days(&self) -> Vec<DayCounts> {
        (0..i64::from(self.days))
            .map(|d| DayCounts {
                date: rfc3339_from_unix_ms(self.start_ms + d * MS_PER_DAY)[..10].to_string(),
                units: VerdictCounts::default(),
                alerts: 0,
            })
            .collect()
    }
}

/// Sign-offs, the review queue, the dashboard's counts and the alerts across runs.
pub trait ReviewStore: Send + Sync {
    /// Appends a sign-off ([`NewReview::validate`], then against the stored unit:
    /// [`NewReview::check_against`]). `Ok(None)` when the run has no such unit. A
    /// `previous_version` that is not the unit's latest review is a [`StoreError::Conflict`]
    /// (also when two saves race: one wins).
    fn save_review(
        &self,
        review: &NewReview,
    ) -> impl Future<Output = Result<Option<ReviewRecord>, StoreError>> + Send;

    /// Every review of one unit, oldest first (the last is the current sign-off).
    fn unit_reviews(
        &self,
        run_id: RunId,
        unit_id: &str,
    ) -> impl Future<Output = Result<Vec<ReviewRecord>, StoreError>> + Send;

    /// Units of every run that have no review yet: not supported and inconclusive before
    /// verified, then older runs first, then in analysis order; at most `limit` (capped at
    /// [`crate::MAX_PAGE`]) after skipping `offset`, with the queue's whole length.
    fn review_queue(
        &self,
        limit: u32,
        offset: u64,
    ) -> impl Future<Output = Result<Page<QueueItem>, StoreError>> + Send;

    /// The dashboard's counts; per day over `days` UTC days ending with the day of `now_ms`
    /// (by the day each run started).
    /// Only the runs `filter` admits count (a field agent's dashboard counts their site).
    fn dashboard_counts(
        &self,
        filter: &crate::RunFilter,
        now_ms: i64,
        days: u32,
    ) -> impl Future<Output = Result<DashboardCounts, StoreError>> + Send;

    /// Alerts of every run, newest run first (within a run in the order saved); at most
    /// `limit` (capped at [`crate::MAX_PAGE`]) after `offset`, with the total.
    fn list_alerts(
        &self,
        limit: u32,
        offset: u64,
    ) -> impl Future<Output = Result<Page<RunAlert>, StoreError>> + Send;
}

impl fmt::Display for ReviewRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{} #{} by {}: {} → {}",
            self.decision,
            self.run_id,
            self.unit_id,
            self.version,
            self.reviewer,
            self.machine_verdict,
            self.final_verdict
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(decision: Decision, verdict: Verdict, reason: Option<&str>) -> NewReview {
        NewReview {
            run_id: RunId::from_u128(1),
            unit_id: "U1".into(),
            previous_version: 0,
            reviewer: "sofia".into(),
            decision,
            final_verdict: verdict,
            reason: reason.map(str::to_string),
            reviewed_at: "2026-11-23T10:00:00Z".into(),
        }
    }

    #[test]
    fn overrides_need_a_reason_and_another_verdict() {
        let ok = review(Decision::Overridden, Verdict::NotSupported, Some("mix-up"));
        assert!(ok.validate().is_ok());
        assert!(ok.check_against(Verdict::Verified).is_ok());
        assert!(ok.check_against(Verdict::NotSupported).is_err());
        for blank in [None, Some(""), Some(" \n\t")] {
            let r = review(Decision::Overridden, Verdict::NotSupported, blank);
            assert!(
                matches!(r.validate(), Err(StoreError::Invalid(_))),
                "{blank:?}"
            );
        }
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        let r = review(Decision::Overridden, Verdict::Verified, Some(&long));
        assert!(r.validate().is_err());
    }

    #[test]
    fn confirmations_carry_the_machine_verdict() {
        let r = review(Decision::Confirmed, Verdict::Inconclusive, None);
        assert!(r.validate().is_ok());
        assert!(r.check_against(Verdict::Inconclusive).is_ok());
        assert!(r.check_against(Verdict::Verified).is_err());
        assert!(
            review(Decision::Confirmed, Verdict::Verified, Some(" "))
                .validate()
                .is_err()
        );
        let mut nameless = r.clone();
        nameless.reviewer.clear();
        assert!(nameless.validate().is_err());
        let mut undated = r;
        undated.reviewed_at = "today".into();
        assert!(undated.validate().is_err());
    }

    #[test]
    fn day_windows_are_whole_utc_days() {
        // 2026-11-23T10:00:00Z.
        let now = unix_ms_from_rfc3339("2026-11-23T10:00:00Z").unwrap_or_default();
        let w = DayWindow::ending_at(now, 3);
        let days: Vec<String> = w.empty_days().into_iter().map(|d| d.date).collect();
        assert_eq!(days, ["2026-11-21", "2026-11-22", "2026-11-23"]);
        let at = |t: &str| w.day_of(unix_ms_from_rfc3339(t).unwrap_or_default());
        assert_eq!(at("2026-11-21T00:00:00Z"), Some(0));
        assert_eq!(at("2026-11-20T23:59:59.999Z"), None);
        assert_eq!(
            at("2026-11-22T23:30:00-05:00"),
            Some(2),
            "04:30 UTC on the 23rd"
        );
        assert_eq!(at("2026-11-23T23:59:59.999Z"), Some(2));
        assert_eq!(at("2026-11-24T00:00:00Z"), None);
        assert_eq!(DayWindow::ending_at(now, 10_000).days, MAX_DASHBOARD_DAYS);
        assert!(DayWindow::ending_at(now, 0).empty_days().is_empty());
    }
}
