//! Small bar charts as inline SVG, drawn on the server (no script). Each chart has a `<title>`
//! and a `<desc>` for screen readers, a `<title>` per bar segment (shown on hover), and colours
//! as presentation attributes, which the page's CSP allows (inline `style` it does not). The
//! numbers are also in a table next to the chart (the caller's).

use std::fmt::Write as _;

use crate::html::esc;

/// One stacked series: a value per day.
#[derive(Debug)]
pub struct Series<'a> {
    pub label: &'a str,
    pub color: &'static str,
    pub values: Vec<u64>,
}

const BAR: f64 = 18.0;
const GAP: f64 = 4.0;
const LEFT: f64 = 36.0;
const TOP: f64 = 10.0;
const PLOT_HEIGHT: f64 = 120.0;

/// The smallest "round" number (1, 2, 5 × 10ⁿ) at least `n`, so axis labels read well.
fn nice_ceiling(n: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= n {
                return step.saturating_mul(m);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Stacked bars, one per day (`dates[i]`, `YYYY-MM-DD`), the series stacked in order from the
/// bottom. `id` must be unique on the page (it names the title and description).
pub fn stacked_bars(id: &str, title: &str, dates: &[String], series: &[Series<'_>]) -> String {
    // A date under the last bar and every seventh before it.
    let tick = |day: usize| {
        (dates.len() - 1 - day)
            .is_multiple_of(7)
            .then(|| dates[day].get(5..).unwrap_or(&dates[day]).to_string())
    };
    draw(id, title, dates, &tick, series)
}

/// Stacked bars with any labels (`labels[i]` names bar `i` in its hover titles and the
/// description); `axis[i]` is written under bar `i` when not empty.
pub fn stacked_bars_labelled(
    id: &str,
    title: &str,
    labels: &[String],
    axis: &[String],
    series: &[Series<'_>],
) -> String {
    let tick = |bar: usize| axis.get(bar).filter(|a| !a.is_empty()).cloned();
    draw(id, title, labels, &tick, series)
}

fn draw(
    id: &str,
    title: &str,
    dates: &[String],
    tick: &dyn Fn(usize) -> Option<String>,
    series: &[Series<'_>],
) -> String {
    let days = dates.len();
    let total_of = |day: usize| -> u64 {
        series
            .iter()
            .map(|s| s.values.get(day).copied().unwrap_or(0))
            .sum()
    };
    let totals: Vec<u64> = (0..days).map(total_of).collect();
    let max = nice_ceiling(totals.iter().copied().max().unwrap_or(0).max(1));
    let width = LEFT + days as f64 * (BAR + GAP) + 10.0;
    let legend_y = TOP + PLOT_HEIGHT + 34.0;
    let height = legend_y + 10.0;
    let sum: u64 = totals.iter().sum();
    let busiest = totals
        .iter()
        .enumerate()
        .max_by_key(|(i, t)| (**t, std::cmp::Reverse(*i)))
        .filter(|(_, t)| **t > 0)
        .map(|(i, t)| format!("; most on {} ({t})", dates[i]))
        .unwrap_or_default();
    let span = match (dates.first(), dates.last()) {
        (Some(first), Some(last)) => format!("{first} to {last}"),
        _ => String::new(),
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="10">"#,
        id = esc(id),
    );
    let _ = write!(
        svg,
        r#"<title id="{id}-title">{title}</title><desc id="{id}-desc">{span}: {sum} in all{busiest}</desc>"#,
        id = esc(id),
        title = esc(title),
        span = esc(&span),
        busiest = esc(&busiest),
    );
    // Axis: gridlines and labels at 0, half and the top.
    let bottom = TOP + PLOT_HEIGHT;
    for value in [0, max / 2, max] {
        let y = bottom - value as f64 / max as f64 * PLOT_HEIGHT;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#ccc"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{value}</text>"##,
            x2 = width - 10.0,
            tx = LEFT - 4.0,
            ty = y + 3.0,
        );
    }
    for (day, date) in dates.iter().enumerate() {
        let x = LEFT + day as f64 * (BAR + GAP) + GAP / 2.0;
        let mut y = bottom;
        for s in series {
            let value = s.values.get(day).copied().unwrap_or(0);
            if value == 0 {
                continue;
            }
            let h = value as f64 / max as f64 * PLOT_HEIGHT;
            y -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{BAR}" height="{h:.1}" fill="{color}"><title>{date}: {label} {value}</title></rect>"#,
                color = s.color,
                date = esc(date),
                label = esc(s.label),
            );
        }
        if let Some(label) = tick(day) {
            let _ = write!(
                svg,
                r#"<text x="{cx:.1}" y="{ty:.1}" text-anchor="middle">{label}</text>"#,
                cx = x + BAR / 2.0,
                ty = bottom + 14.0,
                label = esc(&label),
            );
        }
    }
    let mut x = LEFT;
    for s in series {
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{ry:.1}" width="10" height="10" fill="{color}"/><text x="{tx:.1}" y="{ty:.1}">{label}</text>"#,
            ry = legend_y - 9.0,
            color = s.color,
            tx = x + 14.0,
            ty = legend_y,
            label = esc(s.label),
        );
        x += 24.0 + s.label.chars().count() as f64 * 6.0;
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(n: usize) -> Vec<String> {
        (1..=n).map(|d| format!("2026-11-{d:02}")).collect()
    }

    /// The heights of the `<rect>`s that are bars (they carry a title).
    fn bar_heights(svg: &str) -> Vec<f64> {
        svg.split("<rect ")
            .skip(1)
            .filter(|r| r.contains("<title>"))
            .map(|r| {
                let h = r.split("height=\"").nth(1).unwrap_or("");
                h.split('"').next().unwrap_or("").parse().unwrap_or(-1.0)
            })
            .collect()
    }

    #[test]
    fn round_axis_tops() {
        let tops: Vec<u64> = [0, 1, 2, 3, 6, 10, 11, 499, 501]
            .iter()
            .map(|&n| nice_ceiling(n))
            .collect();
        assert_eq!(tops, [1, 1, 2, 5, 10, 10, 20, 500, 1000]);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }

    #[test]
    fn bars_are_stacked_and_proportional() {
        let series = [
            Series {
                label: "Verified",
                color: "#2e7d32",
                values: vec![2, 0, 10],
            },
            Series {
                label: "Not supported",
                color: "#c62828",
                values: vec![3, 0, 0],
            },
        ];
        let svg = stacked_bars("v", "Verdicts per day", &dates(3), &series);
        // Top of the axis: 10; the plot is 120 high.
        assert_eq!(bar_heights(&svg), [24.0, 36.0, 120.0]);
        assert!(svg.contains(r#"<title id="v-title">Verdicts per day</title>"#));
        assert!(svg.contains("2026-11-01 to 2026-11-03: 15 in all; most on 2026-11-03 (10)"));
        assert!(svg.contains("<title>2026-11-01: Not supported 3</title>"));
        // The second day's stack starts where the first segment ended.
        assert!(svg.contains(r#"y="106.0" width="18" height="24.0""#));
        assert!(svg.contains(r#"y="70.0" width="18" height="36.0""#));
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(!svg.contains("style="), "inline styles break the CSP");
        // Dates under the last day and every seventh before it, never two side by side.
        let month = stacked_bars("m", "Month", &dates(30), &series);
        let labels: Vec<&str> = month
            .split(r#"text-anchor="middle">"#)
            .skip(1)
            .map(|t| t.split('<').next().unwrap_or(""))
            .collect();
        assert_eq!(labels, ["11-02", "11-09", "11-16", "11-23", "11-30"]);
    }

    #[test]
    fn empty_days_draw_no_bars_and_no_nan() {
        let series = [Series {
            label: "Alerts",
            color: "#6a1b9a",
            values: vec![0; 30],
        }];
        let svg = stacked_bars("a", "Alerts per day", &dates(30), &series);
        assert!(bar_heights(&svg).is_empty());
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(svg.contains(": 0 in all</desc>"));
        let nothing = stacked_bars("n", "None", &[], &[]);
        assert!(nothing.contains("<title id=\"n-title\">None</title>"));
    }

    #[test]
    fn labelled_bars_name_each_bar_and_write_the_axis_given() {
        let series = [Series {
            label: "In time",
            color: "#2e7d32",
            values: vec![3, 1],
        }];
        let labels = ["2026-W47".to_string(), "2026-W48".to_string()];
        let axis = [String::new(), "W48".to_string()];
        let svg = stacked_bars_labelled("w", "Weeks", &labels, &axis, &series);
        assert!(svg.contains("<title>2026-W47: In time 3</title>"));
        assert!(svg.contains("2026-W47 to 2026-W48: 4 in all; most on 2026-W47 (3)"));
        let ticks: Vec<&str> = svg
            .split(r#"text-anchor="middle">"#)
            .skip(1)
            .map(|t| t.split('<').next().unwrap_or(""))
            .collect();
        assert_eq!(ticks, ["W48"]);
    }

    #[test]
    fn text_is_escaped() {
        let series = [Series {
            label: "<b>&",
            color: "#000",
            values: vec![1],
        }];
        let svg = stacked_bars("x\"", "A <title>", &dates(1), &series);
        assert!(svg.contains("A &lt;title&gt;"));
        assert!(svg.contains("&lt;b&gt;&amp;"));
        assert!(!svg.contains("x\"-title"));
    }
}
