//! The 48-hour compliance view: the share of screenings completed within 48 hours of
//! apprehension, by site and ISO week, for the last N weeks. The statistics are
//! `lazo_screening::compliance` (pure, tested there); this module picks the window and the
//! sites the reader may see, audits the read and draws the page.
//!
//! Weeks are those of apprehension in the site's own offset (as recorded), so a screening
//! counts in the week its clock started, not the week it was finished.

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Response};
use lazo_screening::{ComplianceRow, ComplianceTotals, ScreeningTiming, compliance};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::auth::User;
use crate::charts::{self, Series};
use crate::error::{ApiError, RequestId};
use crate::html::{esc, page};
use crate::i18n::{Lang, t};
use crate::screenings as s;
use crate::{AppState, Backend};

pub const DEFAULT_WEEKS: u32 = 12;
/// Two years: enough for a year-on-year comparison, small enough to compute per request.
pub const MAX_WEEKS: u32 = 104;

#[derive(Debug, Deserialize)]
pub struct ComplianceQuery {
    weeks: Option<u32>,
}

/// What the page and the API show.
#[derive(Debug, Serialize)]
pub struct ComplianceReport {
    pub weeks: u32,
    /// The reader's site for a field agent; `None`: every site (a supervisor).
    pub site: Option<String>,
    /// The ISO weeks shown, oldest first, as `YYYY-Www`.
    pub week_labels: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// By site, then week; weeks without screenings have no row.
    pub rows: Vec<ComplianceRow>,
    pub totals: ComplianceTotals,
}

fn week_label(year: i32, week: u8) -> String {
    format!("{year}-W{week:02}")
}

/// The last `weeks` ISO weeks up to the one holding `now`, oldest first, and an instant safely
/// before the first of them began in any offset (so the store's query misses nothing; rows
/// from earlier weeks are dropped afterwards).
fn window(now: OffsetDateTime, weeks: u32) -> (Vec<(i32, u8)>, OffsetDateTime) {
    let list: Vec<(i32, u8)> = (0..weeks)
        .rev()
        .map(|back| {
            let (year, week, _) = (now - Duration::weeks(i64::from(back)))
                .date()
                .to_iso_week_date();
            (year, week)
        })
        .collect();
    let oldest = (now - Duration::weeks(i64::from(weeks.saturating_sub(1)))).date();
    let monday = oldest - Duration::days(i64::from(oldest.weekday().number_days_from_monday()));
    // UTC offsets reach ±14 hours (a site's Monday midnight can be a Sunday in UTC).
    let since = monday.midnight().assume_utc() - Duration::hours(15);
    (list, since)
}

/// Compliance for the reader: a supervisor sees every site, a field agent their own site
/// (nothing without one). Audited as `read_screening_compliance`.
pub(crate) async fn report<S: Backend>(
    state: &AppState<S>,
    user: &User,
    request_id: &RequestId,
    weeks: Option<u32>,
) -> Result<ComplianceReport, ApiError> {
    let weeks = weeks.unwrap_or(DEFAULT_WEEKS);
    if !(1..=MAX_WEEKS).contains(&weeks) {
        return Err(ApiError::bad_request(format!(
            "weeks must be from 1 to {MAX_WEEKS}, not {weeks}"
        )));
    }
    let now = s::now(state);
    let (week_list, since) = window(now, weeks);
    // `None`: an account without a site sees nothing.
    let visible = s::visible_sites(user);
    let times = match &visible {
        Some(site) => {
            state
                .store
                .screening_times(site.as_deref(), &s::rfc3339(since))
                .await?
        }
        None => Vec::new(),
    };
    let site = visible.flatten();
    let mut timings = Vec::with_capacity(times.len());
    for t in &times {
        timings.push(ScreeningTiming {
            site: t.site.clone(),
            apprehended_at: s::instant(&t.apprehended_at)?,
            completed_at: t.completed_at.as_deref().map(s::instant).transpose()?,
        });
    }
    let rows: Vec<ComplianceRow> = compliance(&timings, now)
        .map_err(|e| s::internal(e.to_string()))?
        .into_iter()
        .filter(|r| week_list.contains(&(r.iso_year, r.iso_week)))
        .collect();
    state
        .audit(
            &user.name,
            "read_screening_compliance",
            "screenings",
            serde_json::json!({
                "request_id": request_id.0,
                "site": site,
                "weeks": weeks,
                "rows": rows.len(),
            }),
        )
        .await?;
    Ok(ComplianceReport {
        weeks,
        site,
        week_labels: week_list.iter().map(|&(y, w)| week_label(y, w)).collect(),
        generated_at: now,
        totals: ComplianceTotals::of(&rows),
        rows,
    })
}

/// GET /api/screenings/compliance?weeks=N
pub async fn api<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Query(q): Query<ComplianceQuery>,
) -> Result<Response, ApiError> {
    let report = report(&state, &user, &request_id, q.weeks).await?;
    Ok(Json(report).into_response())
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_string(), |p| format!("{:.0} %", p * 100.0))
}

/// GET /screenings/compliance?weeks=N: per site, a chart of each week's screenings by how
/// they stand against the deadline, and the same numbers in a table with the share.
pub async fn page_view<S: Backend>(
    State(state): State<AppState<S>>,
    Extension(user): Extension<User>,
    Extension(request_id): Extension<RequestId>,
    Query(q): Query<ComplianceQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Html<String>, ApiError> {
    let lang = Lang::pick(uri.query(), &headers);
    let report = report(&state, &user, &request_id, q.weeks).await?;
    let mut body = String::new();
    body.push_str(&format!(
        r#"<form method="get" action="/screenings/compliance" class="inline"><label>{label} <input type="number" name="weeks" min="1" max="{MAX_WEEKS}" value="{weeks}"></label> <button>{show}</button></form>"#,
        label = t(lang, "cmp_weeks"),
        weeks = report.weeks,
        show = t(lang, "cmp_show"),
    ));
    let scope = match &report.site {
        Some(site) => format!("{}: {}", t(lang, "scr_site"), esc(site)),
        None => t(lang, "cmp_all_sites").to_string(),
    };
    let totals = &report.totals;
    body.push_str(&format!(
        r#"<p class="compliance-summary">{scope} · {from} – {to} · <b>{share}</b> {of} ({in_time} / {decided}) · {open} {open_n}</p>"#,
        from = esc(report.week_labels.first().map_or("", String::as_str)),
        to = esc(report.week_labels.last().map_or("", String::as_str)),
        share = percent(totals.share_in_time),
        of = t(lang, "cmp_share_of"),
        in_time = totals.completed_in_time,
        decided = totals.completed_in_time + totals.completed_late + totals.open_overdue,
        open = t(lang, "cmp_open_in_time"),
        open_n = totals.open_in_time,
    ));
    if report.rows.is_empty() {
        body.push_str(&format!("<p>{}</p>", t(lang, "scr_none")));
    }
    let mut sites: Vec<&str> = report.rows.iter().map(|r| r.site.as_str()).collect();
    sites.dedup();
    for (n, site) in sites.iter().enumerate() {
        let of_site: Vec<&ComplianceRow> = report.rows.iter().filter(|r| r.site == *site).collect();
        let at = |label: &str| {
            of_site
                .iter()
                .find(|r| week_label(r.iso_year, r.iso_week) == label)
                .copied()
        };
        let values = |f: fn(&ComplianceRow) -> usize| -> Vec<u64> {
            report
                .week_labels
                .iter()
                .map(|w| at(w).map_or(0, |r| f(r) as u64))
                .collect()
        };
        let series = [
            Series {
                label: t(lang, "cmp_in_time"),
                color: "#2e7d32",
                values: values(|r| r.completed_in_time),
            },
            Series {
                label: t(lang, "cmp_late"),
                color: "#ef6c00",
                values: values(|r| r.completed_late),
            },
            Series {
                label: t(lang, "cmp_overdue"),
                color: "#c62828",
                values: values(|r| r.open_overdue),
            },
            Series {
                label: t(lang, "cmp_open_in_time"),
                color: "#9e9e9e",
                values: values(|r| r.open_in_time),
            },
        ];
        // Every week's number under its bar when they fit, else every fourth from the last.
        let count = report.week_labels.len();
        let axis: Vec<String> = report
            .week_labels
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if count <= 13 || (count - 1 - i) % 4 == 0 {
                    w.get(5..).unwrap_or(w).to_string()
                } else {
                    String::new()
                }
            })
            .collect();
        let title = format!("{} — {}", t(lang, "cmp_title"), site);
        body.push_str(&format!(
            r#"<section class="compliance-site"><h2>{site}</h2><figure>{chart}</figure>"#,
            site = esc(site),
            chart = charts::stacked_bars_labelled(
                &format!("compliance-{n}"),
                &title,
                &report.week_labels,
                &axis,
                &series
            ),
        ));
        body.push_str(&format!(
            "<table class=\"compliance\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "cmp_week"),
            t(lang, "cmp_screenings"),
            t(lang, "cmp_in_time"),
            t(lang, "cmp_late"),
            t(lang, "cmp_overdue"),
            t(lang, "cmp_open_in_time"),
            t(lang, "cmp_share"),
        ));
        for row in &of_site {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                week_label(row.iso_year, row.iso_week),
                row.screenings,
                row.completed_in_time,
                row.completed_late,
                row.open_overdue,
                row.open_in_time,
                percent(row.share_in_time),
            ));
        }
        body.push_str("</tbody></table></section>");
    }
    Ok(page(lang, t(lang, "cmp_title"), Some(&user), &body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_window_ends_with_the_current_week_and_starts_before_its_first_monday_anywhere() {
        // Thursday of ISO week 2026-W49.
        let now = datetime!(2026-12-03 10:00 UTC);
        let (weeks, since) = window(now, 3);
        assert_eq!(weeks, [(2026, 47), (2026, 48), (2026, 49)]);
        // W47 starts on Monday 16 November; 15 hours earlier covers UTC+14.
        assert_eq!(since, datetime!(2026-11-15 09:00 UTC));
        // Across a year end: 2026-W53 exists (2026 starts on a Thursday).
        let (weeks, _) = window(datetime!(2027-01-05 12:00 UTC), 2);
        assert_eq!(weeks, [(2026, 53), (2027, 1)]);
    }

    #[test]
    fn percent_rounds_and_marks_no_share() {
        assert_eq!(percent(Some(0.755)), "76 %");
        assert_eq!(percent(None), "—");
    }
}
