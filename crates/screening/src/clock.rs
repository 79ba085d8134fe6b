//! The 48-hour screening clock, and compliance with it.
//!
//! The crate never reads the system clock: every function takes `now` as a parameter, or a
//! [`Clock`] the caller implements. The service passes `OffsetDateTime::now_utc` (any
//! `Fn() -> OffsetDateTime` is a `Clock`); tests pass a [`FixedClock`] or a [`ManualClock`]. That
//! keeps every status reproducible: the same inputs give the same answer in an audit years later.
//!
//! Boundaries: a screening is **escalated** from 36 h after apprehension (inclusive), so that a
//! supervisor has 12 hours to act, and **overdue** from 48 h (inclusive). A screening completed at
//! exactly 48 h is therefore late.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// The time the law allows to screen a child from a contiguous country.
pub const SCREENING_DEADLINE: Duration = Duration::hours(48);
/// When an unfinished screening is escalated to a supervisor.
pub const ESCALATION_AFTER: Duration = Duration::hours(36);

/// The source of "now". Implemented by the caller; this crate has no system clock.
pub trait Clock {
    fn now(&self) -> OffsetDateTime;
}

/// Any function returning the time is a clock, e.g. `OffsetDateTime::now_utc` in the service.
impl<F: Fn() -> OffsetDateTime> Clock for F {
    fn now(&self) -> OffsetDateTime {
        self()
    }
}

/// A clock stopped at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// A clock moved by hand, for tests and simulations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManualClock {
    now: OffsetDateTime,
}

impl ManualClock {
    pub fn new(now: OffsetDateTime) -> Self {
        ManualClock { now }
    }

    pub fn set(&mut self, now: OffsetDateTime) {
        self.now = now;
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        self.now
    }
}

/// The clock of one child's screening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ScreeningClock {
    #[serde(with = "time::serde::rfc3339")]
    pub apprehended_at: OffsetDateTime,
}

/// Where a screening stands at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    /// Time since apprehension (zero if `now` is before it).
    #[serde(with = "crate::serde_util::seconds")]
    pub elapsed: Duration,
    /// Time left before the deadline (zero once overdue).
    #[serde(with = "crate::serde_util::seconds")]
    pub remaining: Duration,
    /// 36 hours or more have passed.
    pub escalated: bool,
    /// 48 hours or more have passed.
    pub overdue: bool,
}

impl ScreeningClock {
    pub fn new(apprehended_at: OffsetDateTime) -> Self {
        ScreeningClock { apprehended_at }
    }

    /// When the screening must be complete.
    pub fn due_at(&self) -> OffsetDateTime {
        self.apprehended_at + SCREENING_DEADLINE
    }

    /// When an unfinished screening goes to a supervisor.
    pub fn escalate_at(&self) -> OffsetDateTime {
        self.apprehended_at + ESCALATION_AFTER
    }

    /// The status at `now`. A `now` before apprehension (a clock error at the caller) reads as no
    /// time elapsed rather than as more time left than the law allows.
    pub fn status(&self, now: OffsetDateTime) -> ClockStatus {
        let elapsed = (now - self.apprehended_at).max(Duration::ZERO);
        ClockStatus {
            elapsed,
            remaining: (SCREENING_DEADLINE - elapsed).max(Duration::ZERO),
            escalated: elapsed >= ESCALATION_AFTER,
            overdue: elapsed >= SCREENING_DEADLINE,
        }
    }

    /// The status now, by the caller's clock.
    pub fn status_by(&self, clock: &impl Clock) -> ClockStatus {
        self.status(clock.now())
    }

    /// Whether a screening completed at this time met the deadline (strictly under 48 h).
    pub fn completed_in_time(&self, completed_at: OffsetDateTime) -> bool {
        completed_at >= self.apprehended_at
            && completed_at - self.apprehended_at < SCREENING_DEADLINE
    }
}

/// One screening, for compliance statistics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScreeningTiming {
    pub site: String,
    /// Record it in the site's local offset: the ISO week is taken in that offset, so weeks
    /// follow the site's calendar.
    #[serde(with = "time::serde::rfc3339")]
    pub apprehended_at: OffsetDateTime,
    /// `None`: not completed yet.
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

/// Compliance with the 48-hour deadline at one site in one ISO week (of apprehension).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComplianceRow {
    pub site: String,
    pub iso_year: i32,
    pub iso_week: u8,
    /// Every screening of children apprehended that week.
    pub screenings: usize,
    pub completed_in_time: usize,
    pub completed_late: usize,
    /// Not completed and past the deadline: counted as failures.
    pub open_overdue: usize,
    /// Not completed and still within the deadline: left out of the share, as undecided.
    pub open_in_time: usize,
    /// `completed_in_time / (completed_in_time + completed_late + open_overdue)`; `None` when
    /// every screening is still open within its deadline.
    pub share_in_time: Option<f64>,
}

/// A screening record that cannot be right.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComplianceError {
    #[error(
        "screening {index} at site {site:?}: completed at {completed} before apprehension at {apprehended}"
    )]
    CompletedBeforeApprehension {
        index: usize,
        site: String,
        apprehended: String,
        completed: String,
    },
}

/// The share of screenings completed within 48 hours, by site and ISO week of apprehension,
/// sorted by site then week. `now` decides which open screenings are already overdue. A record
/// completed before its apprehension is an error naming it, not silently dropped.
pub fn compliance(
    screenings: &[ScreeningTiming],
    now: OffsetDateTime,
) -> Result<Vec<ComplianceRow>, ComplianceError> {
    let mut rows: BTreeMap<(String, i32, u8), ComplianceRow> = BTreeMap::new();
    for (index, s) in screenings.iter().enumerate() {
        let clock = ScreeningClock::new(s.apprehended_at);
        if let Some(done) = s.completed_at
            && done < s.apprehended_at
        {
            return Err(ComplianceError::CompletedBeforeApprehension {
                index,
                site: s.site.clone(),
                apprehended: rfc3339(s.apprehended_at),
                completed: rfc3339(done),
            });
        }
        let (iso_year, iso_week, _) = s.apprehended_at.date().to_iso_week_date();
        let row = rows
            .entry((s.site.clone(), iso_year, iso_week))
            .or_insert_with(|| ComplianceRow {
                site: s.site.clone(),
                iso_year,
                iso_week,
                screenings: 0,
                completed_in_time: 0,
                completed_late: 0,
                open_overdue: 0,
                open_in_time: 0,
                share_in_time: None,
            });
        row.screenings += 1;
        match s.completed_at {
            Some(done) if clock.completed_in_time(done) => row.completed_in_time += 1,
            Some(_) => row.completed_late += 1,
            None if clock.status(now).overdue => row.open_overdue += 1,
            None => row.open_in_time += 1,
        }
    }
    Ok(rows
        .into_values()
        .map(|mut row| {
            row.share_in_time =
                share_in_time(row.completed_in_time, row.completed_late, row.open_overdue);
            row
        })
        .collect())
}

/// Completed in time over everything decided (completed, or open past the deadline); `None`
/// when nothing is decided yet.
fn share_in_time(in_time: usize, late: usize, open_overdue: usize) -> Option<f64> {
    let decided = in_time + late + open_overdue;
    (decided > 0).then(|| in_time as f64 / decided as f64)
}

/// The sums of several [`ComplianceRow`]s (sites, weeks), with their share computed the same way.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ComplianceTotals {
    pub screenings: usize,
    pub completed_in_time: usize,
    pub completed_late: usize,
    pub open_overdue: usize,
    pub open_in_time: usize,
    pub share_in_time: Option<f64>,
}

impl ComplianceTotals {
    pub fn of(rows: &[ComplianceRow]) -> ComplianceTotals {
        let mut t = ComplianceTotals::default();
        for r in rows {
            t.screenings += r.screenings;
            t.completed_in_time += r.completed_in_time;
            t.completed_late += r.completed_late;
            t.open_overdue += r.open_overdue;
            t.open_in_time += r.open_in_time;
        }
        t.share_in_time = share_in_time(t.completed_in_time, t.completed_late, t.open_overdue);
        t
    }
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{t:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn at(h: i64, m: i64) -> Duration {
        Duration::hours(h) + Duration::minutes(m)
    }

    #[test]
    fn boundaries_with_a_manual_clock() {
        let start = datetime!(2025-03-03 10:00 -7);
        let clock = ScreeningClock::new(start);
        let mut manual = ManualClock::new(start);
        assert_eq!(clock.escalate_at(), datetime!(2025-03-04 22:00 -7));
        assert_eq!(clock.due_at(), datetime!(2025-03-05 10:00 -7));

        let s = clock.status_by(&manual);
        assert_eq!((s.escalated, s.overdue), (false, false));
        assert_eq!(s.remaining, SCREENING_DEADLINE);

        manual.advance(at(35, 59));
        let s = clock.status_by(&manual);
        assert_eq!((s.escalated, s.overdue), (false, false));
        assert_eq!(s.remaining, at(12, 1));
        assert_eq!(s.elapsed, at(35, 59));

        manual.advance(Duration::minutes(1));
        let s = clock.status_by(&manual);
        assert_eq!((s.escalated, s.overdue), (true, false));
        assert_eq!(s.remaining, at(12, 0));

        manual.set(start + at(47, 59));
        let s = clock.status_by(&manual);
        assert_eq!((s.escalated, s.overdue), (true, false));
        assert_eq!(s.remaining, Duration::minutes(1));

        manual.advance(Duration::minutes(1));
        let s = clock.status_by(&manual);
        assert_eq!((s.escalated, s.overdue), (true, true));
        assert_eq!(s.remaining, Duration::ZERO);

        manual.advance(Duration::hours(30));
        let s = clock.status_by(&manual);
        assert!(s.overdue);
        assert_eq!(s.remaining, Duration::ZERO);
        assert_eq!(s.elapsed, at(78, 0));
    }

    #[test]
    fn one_second_before_each_boundary() {
        let start = datetime!(2025-03-03 10:00 UTC);
        let clock = ScreeningClock::new(start);
        let s = clock.status_by(&FixedClock(start + ESCALATION_AFTER - Duration::SECOND));
        assert!(!s.escalated);
        let s = clock.status_by(&FixedClock(start + SCREENING_DEADLINE - Duration::SECOND));
        assert!(s.escalated && !s.overdue);
        assert_eq!(s.remaining, Duration::SECOND);
    }

    #[test]
    fn now_before_apprehension_reads_as_nothing_elapsed() {
        let start = datetime!(2025-03-03 10:00 UTC);
        let s = ScreeningClock::new(start).status(start - Duration::hours(3));
        assert_eq!(s.elapsed, Duration::ZERO);
        assert_eq!(s.remaining, SCREENING_DEADLINE);
        assert!(!s.escalated && !s.overdue);
    }

    #[test]
    fn a_function_is_a_clock() {
        let f = || datetime!(2025-03-03 10:00 UTC);
        assert_eq!(Clock::now(&f), datetime!(2025-03-03 10:00 UTC));
    }

    #[test]
    fn completion_at_exactly_48_hours_is_late() {
        let start = datetime!(2025-03-03 10:00 UTC);
        let clock = ScreeningClock::new(start);
        assert!(clock.completed_in_time(start + at(47, 59)));
        assert!(!clock.completed_in_time(start + at(48, 0)));
        assert!(!clock.completed_in_time(start - Duration::SECOND));
    }

    #[test]
    fn totals_share_leaves_open_in_time_out() {
        let row = |in_time, late, overdue, open| ComplianceRow {
            site: "A".into(),
            iso_year: 2026,
            iso_week: 48,
            screenings: in_time + late + overdue + open,
            completed_in_time: in_time,
            completed_late: late,
            open_overdue: overdue,
            open_in_time: open,
            share_in_time: None,
        };
        let t = ComplianceTotals::of(&[row(3, 1, 0, 5), row(0, 0, 1, 2)]);
        assert_eq!((t.screenings, t.open_in_time, t.open_overdue), (12, 7, 1));
        assert_eq!(t.share_in_time, Some(0.6));
        assert_eq!(ComplianceTotals::of(&[row(0, 0, 0, 2)]).share_in_time, None);
        assert_eq!(ComplianceTotals::of(&[]), ComplianceTotals::default());
    }
}
