//! RFC 3339 timestamps without a clock and without a date-time crate.
//!
//! Runs carry the time they started as RFC 3339 text supplied by the caller (this crate never
//! reads a clock, so tests are deterministic). Text order is not time order once offsets or
//! fraction lengths differ (`…:05Z` sorts after `…:05.5Z`), so backends store the instant as
//! milliseconds since the Unix epoch, in UTC, next to the text, and sort on that.

use crate::StoreError;

const MS_PER_DAY: i64 = 86_400_000;

/// Milliseconds since 1970-01-01T00:00:00Z of an RFC 3339 timestamp
/// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t`, `z` and a space for `T` are accepted).
/// Digits of the fraction past milliseconds are dropped (rounded toward the past); a leap
/// second (`:60`) counts as the last millisecond of its minute.
pub fn unix_ms_from_rfc3339(text: &str) -> Result<i64, StoreError> {
    let bad = |why: &str| {
        StoreError::Invalid(format!(
            "started_at {text:?} is not an RFC 3339 timestamp: {why}"
        ))
    };
    let b = text.as_bytes();
    let num = |at: usize, len: usize| -> Option<i64> {
        let s = b.get(at..at + len)?;
        s.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let sep = |at: usize, chars: &[u8]| b.get(at).is_some_and(|c| chars.contains(c));
    if b.len() < 20 {
        return Err(bad("too short"));
    }
    let (Some(year), Some(month), Some(day)) = (num(0, 4), num(5, 2), num(8, 2)) else {
        return Err(bad("date must be YYYY-MM-DD"));
    };
    if !(sep(4, b"-") && sep(7, b"-")) {
        return Err(bad("date must be YYYY-MM-DD"));
    }
    if !sep(10, b"Tt ") {
        return Err(bad("date and time must be separated by T"));
    }
    let (Some(hour), Some(minute), Some(second)) = (num(11, 2), num(14, 2), num(17, 2)) else {
        return Err(bad("time must be HH:MM:SS"));
    };
    if !(sep(13, b":") && sep(16, b":")) {
        return Err(bad("time must be HH:MM:SS"));
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(bad("no such date"));
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(bad("no such time of day"));
    }
    let mut at = 19;
    let mut millis = 0;
    if sep(at, b".") {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 3 {
                millis = millis * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return Err(bad("empty fraction of a second"));
        }
        for _ in (at - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if at + 6 == b.len() && sep(at + 3, b":") => {
            let (Some(h), Some(m)) = (num(at + 1, 2), num(at + 4, 2)) else {
                return Err(bad("offset must be ±HH:MM"));
            };
            if h > 23 || m > 59 {
                return Err(bad("offset must be ±HH:MM"));
            }
            let minutes = h * 60 + m;
            if sign == b'-' { -minutes } else { minutes }
        }
        _ => return Err(bad("must end with Z or an offset ±HH:MM")),
    };
    let (second, millis) = if second == 60 {
        (59, 999)
    } else {
        (second, millis)
    };
    let local = days_from_civil(year, month, day) * MS_PER_DAY
        + ((hour * 60 + minute) * 60 + second) * 1000
        + millis;
    Ok(local - offset_minutes * 60_000)
}

/// The RFC 3339 text of an instant in UTC with milliseconds, e.g. `2026-11-03T14:05:09.123Z`;
/// what callers should put in [`crate::RunRecord::started_at`]:
///
/// ```
/// let ms = 1_793_801_109_123; // from SystemTime::now().duration_since(UNIX_EPOCH)
/// assert_eq!(lazo_store::rfc3339_from_unix_ms(ms), "2026-11-04T14:05:09.123Z");
/// ```
///
/// Instants before year 0 or after 9999 have no RFC 3339 form; they are written with the
/// year's sign and digits as they come, and [`unix_ms_from_rfc3339`] rejects them.
pub fn rfc3339_from_unix_ms(unix_ms: i64) -> String {
    let days = unix_ms.div_euclid(MS_PER_DAY);
    let in_day = unix_ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let (secs, millis) = (in_day / 1000, in_day % 1000);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        match unix_ms_from_rfc3339(text) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn epoch_and_known_instants() {
        assert_eq!(ms("1970-01-01T00:00:00Z"), 0);
        assert_eq!(ms("2000-03-01T00:00:00Z"), 951_868_800_000);
        assert_eq!(ms("1969-12-31T23:59:59.999Z"), -1);
        assert_eq!(ms("2026-11-04T14:05:09.123Z"), 1_793_801_109_123);
    }

    #[test]
    fn offsets_fractions_and_separators_give_the_same_instant() {
        let utc = ms("2026-11-03T14:05:09.5Z");
        assert_eq!(ms("2026-11-03T14:05:09.500Z"), utc);
        assert_eq!(ms("2026-11-03t14:05:09.5000009z"), utc);
        assert_eq!(ms("2026-11-03 09:05:09.5-05:00"), utc);
        assert_eq!(ms("2026-11-03T15:35:09.5+01:30"), utc);
        // Text order puts the later instant first: the reason for a numeric sort key.
        assert!("2026-11-03T14:05:05.5Z" < "2026-11-03T14:05:05Z");
        assert!(ms("2026-11-03T14:05:05.5Z") > ms("2026-11-03T14:05:05Z"));
    }

    #[test]
    fn leap_days_and_leap_seconds() {
        assert!(unix_ms_from_rfc3339("2024-02-29T00:00:00Z").is_ok());
        assert!(unix_ms_from_rfc3339("2023-02-29T00:00:00Z").is_err());
        assert!(unix_ms_from_rfc3339("2100-02-29T00:00:00Z").is_err());
        assert!(unix_ms_from_rfc3339("2000-02-29T00:00:00Z").is_ok());
        assert_eq!(ms("2016-12-31T23:59:60Z"), ms("2017-01-01T00:00:00Z") - 1);
    }

    #[test]
    fn malformed_text_is_rejected() {
        for text in [
            "",
            "2026-11-03",
            "2026-11-03T14:05:09",
            "2026-11-03T14:05:09+0100",
            "2026-11-03T14:05:09.Z",
            "2026-13-03T14:05:09Z",
            "2026-11-31T14:05:09Z",
            "2026-11-03T24:00:00Z",
            "2026-11-03T14:05:09Z ",
            "2026/11/03T14:05:09Z",
            "2026-11-03T14:05:09+24:00",
            "+026-11-03T14:05:09Z",
        ] {
            assert!(unix_ms_from_rfc3339(text).is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn formatting_round_trips() {
        for instant in [
            0,
            -1,
            951_868_800_000,
            1_793_801_109_123,
            253_402_300_799_999,
            -62_167_219_200_000,
        ] {
            let text = rfc3339_from_unix_ms(instant);
            assert_eq!(ms(&text), instant, "{text}");
        }
        assert_eq!(rfc3339_from_unix_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_from_unix_ms(253_402_300_799_999),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            rfc3339_from_unix_ms(-62_167_219_200_000),
            "0000-01-01T00:00:00.000Z"
        );
    }
}
