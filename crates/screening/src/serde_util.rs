//! Plain, human-readable forms for `time` values in records and JSON: dates as `YYYY-MM-DD`,
//! durations as whole seconds. (`time`'s own serde forms are tuples, unreadable in a record.)

use time::macros::format_description;
use time::{Date, Duration};

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// `YYYY-MM-DD`.
pub(crate) fn format_date(date: Date) -> String {
    // Formatting a calendar date with this description cannot fail for years 0..=9999; fall back
    // to the Debug form rather than panic for the others.
    date.format(DATE).unwrap_or_else(|_| format!("{date:?}"))
}

/// A date written `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, DATE).ok()
}

pub(crate) mod date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    pub(crate) fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(*date))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_date(&text)
            .ok_or_else(|| D::Error::custom(format!("{text:?} is not a date YYYY-MM-DD")))
    }
}

pub(crate) mod seconds {
    use serde::Serializer;
    use time::Duration;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.whole_seconds())
    }
}

/// `12 h 05 min`, for records (negative durations do not occur there).
pub(crate) fn format_duration(d: Duration) -> String {
    let minutes = d.whole_minutes().max(0);
    format!("{} h {:02} min", minutes / 60, minutes % 60)
}
