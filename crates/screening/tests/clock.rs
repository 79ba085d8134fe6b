//! The 48-hour clock with a manual clock, and compliance statistics by site and ISO week.

use lazo_screening::{
    Clock, ComplianceError, ManualClock, ScreeningClock, ScreeningTiming, compliance,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

fn hm(h: i64, m: i64) -> Duration {
    Duration::hours(h) + Duration::minutes(m)
}

#[test]
fn escalation_and_deadline_boundaries() {
    let apprehended = datetime!(2025-06-02 23:10 -5);
    let clock = ScreeningClock::new(apprehended);
    let mut now = ManualClock::new(apprehended);
    let cases = [
        (hm(0, 0), false, false, hm(48, 0)),
        (hm(35, 59), false, false, hm(12, 1)),
        (hm(36, 0), true, false, hm(12, 0)),
        (hm(47, 59), true, false, hm(0, 1)),
        (hm(48, 0), true, true, Duration::ZERO),
        (hm(72, 0), true, true, Duration::ZERO),
    ];
    for (elapsed, escalated, overdue, remaining) in cases {
        now.set(apprehended + elapsed);
        let s = clock.status_by(&now);
        assert_eq!(s.elapsed, elapsed);
        assert_eq!(s.escalated, escalated, "escalated at {elapsed}");
        assert_eq!(s.overdue, overdue, "overdue at {elapsed}");
        assert_eq!(s.remaining, remaining, "remaining at {elapsed}");
        assert_eq!(s, clock.status(now.now()));
    }
    assert_eq!(clock.escalate_at(), datetime!(2025-06-04 11:10 -5));
    assert_eq!(clock.due_at(), datetime!(2025-06-04 23:10 -5));
}

#[test]
fn status_serialises_durations_as_seconds() {
    let s = ScreeningClock::new(datetime!(2025-06-02 10:00 UTC))
        .status(datetime!(2025-06-03 22:00 UTC));
    let json = serde_json::to_string(&s).expect("serialises");
    assert_eq!(
        json,
        r#"{"elapsed":129600,"remaining":43200,"escalated":true,"overdue":false}"#
    );
}

fn timing(site: &str, apprehended: OffsetDateTime, took: Option<Duration>) -> ScreeningTiming {
    ScreeningTiming {
        site: site.into(),
        apprehended_at: apprehended,
        completed_at: took.map(|d| apprehended + d),
    }
}

#[test]
fn compliance_by_site_and_iso_week() {
    // 2025-06-02 is a Monday (ISO week 23); 2025-06-08 a Sunday (week 23); 2025-06-09 week 24.
    let now = datetime!(2025-06-12 12:00 -7);
    let screenings = vec![
        timing("el-paso", datetime!(2025-06-02 08:00 -7), Some(hm(20, 0))),
        timing("el-paso", datetime!(2025-06-03 08:00 -7), Some(hm(47, 59))),
        timing("el-paso", datetime!(2025-06-04 08:00 -7), Some(hm(48, 0))), // late: exactly 48 h
        timing("el-paso", datetime!(2025-06-08 23:30 -7), None),            // open and overdue
        timing("el-paso", datetime!(2025-06-09 00:30 -7), Some(hm(60, 0))), // week 24, late
        timing("el-paso", datetime!(2025-06-11 18:00 -7), None), // week 24, still in time
        timing("nogales", datetime!(2025-06-05 12:00 -7), Some(hm(5, 0))),
        timing("nogales", datetime!(2025-06-11 09:00 -7), None), // only open in time
    ];
    let rows = compliance(&screenings, now).expect("valid");
    let summary: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.site.as_str(),
                r.iso_year,
                r.iso_week,
                r.screenings,
                r.completed_in_time,
                r.completed_late,
                r.open_overdue,
                r.open_in_time,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("el-paso", 2025, 23, 4, 2, 1, 1, 0),
            ("el-paso", 2025, 24, 2, 0, 1, 0, 1),
            ("nogales", 2025, 23, 1, 1, 0, 0, 0),
            ("nogales", 2025, 24, 1, 0, 0, 0, 1),
        ]
    );
    assert_eq!(rows[0].share_in_time, Some(0.5));
    assert_eq!(rows[1].share_in_time, Some(0.0));
    assert_eq!(rows[2].share_in_time, Some(1.0));
    assert_eq!(rows[3].share_in_time, None);
}

#[test]
fn iso_week_follows_the_recorded_offset_and_iso_years() {
    // 23:30 on Sunday 2024-12-29 at the site is ISO 2024-W52; the same instant in UTC is Monday
    // 2024-12-30, ISO 2025-W01. The site's calendar is the one that counts.
    let local = datetime!(2024-12-29 23:30 -7);
    let rows = compliance(&[timing("s", local, Some(hm(1, 0)))], local + hm(2, 0)).expect("valid");
    assert_eq!((rows[0].iso_year, rows[0].iso_week), (2024, 52));
    let utc = local.to_offset(time::UtcOffset::UTC);
    let rows = compliance(&[timing("s", utc, Some(hm(1, 0)))], utc + hm(2, 0)).expect("valid");
    assert_eq!((rows[0].iso_year, rows[0].iso_week), (2025, 1));
}

#[test]
fn compliance_refuses_completion_before_apprehension() {
    let t = datetime!(2025-06-02 08:00 UTC);
    let bad = ScreeningTiming {
        site: "yuma".into(),
        apprehended_at: t,
        completed_at: Some(t - Duration::HOUR),
    };
    let err = compliance(&[timing("yuma", t, Some(hm(1, 0))), bad], t).expect_err("refused");
    assert!(matches!(
        err,
        ComplianceError::CompletedBeforeApprehension { index: 1, .. }
    ));
    assert!(
        err.to_string().contains("screening 1 at site \"yuma\""),
        "{err}"
    );
}

#[test]
fn no_screenings_no_rows() {
    assert!(
        compliance(&[], datetime!(2025-06-02 08:00 UTC))
            .expect("valid")
            .is_empty()
    );
}
