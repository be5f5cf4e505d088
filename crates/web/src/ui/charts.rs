//! Charts drawn on the server as SVG, so they show without JavaScript: grouped bars with a
//! `<title>` per bar (a tooltip and what a screen reader reads), axis labels as `<text>`, and
//! `role="img"` with an `aria-label` on the chart. Pages print the same numbers in a table.

use std::fmt::Write;

/// One series of bars: its name (used in the legend and each bar's title) and one value per
/// category.
pub(crate) struct Series<'a> {
    /// Shown in the legend and in each bar's title, e.g. "DMs sent".
    pub name: &'a str,
    /// The bars' colour.
    pub colour: &'a str,
    /// One value per category, in the categories' order.
    pub values: &'a [u64],
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 36.0;

/// Escapes text for SVG content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The top of the value axis: the largest value rounded up to an even number (at least 2),
/// so the middle gridline falls on a whole number.
fn axis_top(series: &[Series<'_>]) -> u64 {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    max.max(1).div_ceil(2) * 2
}

/// A grouped bar chart: one group per category (labelled under the axis by `labels`), one
/// bar per series in each group. `title` becomes the chart's accessible name; each bar's
/// `<title>` reads "`full_labels[i]`: value series-name".
pub(crate) fn grouped_bars(
    title: &str,
    labels: &[String],
    full_labels: &[String],
    series: &[Series<'_>],
) -> String {
    let top = axis_top(series);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let groups = labels.len().max(1) as f64;
    let group_w = plot_w / groups;
    let bar_w = (group_w * 0.8) / series.len().max(1) as f64;
    let y_of = |v: u64| TOP + plot_h - (v as f64 / top as f64) * plot_h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(title)
    );
    // Gridlines and value labels: 0, half and the top.
    for v in [0, top / 2, top] {
        let y = y_of(v);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#d0d5dd" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11" fill="#475467">{v}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    // Legend.
    let mut lx = LEFT;
    for s in series {
        let _ = write!(
            svg,
            r##"<rect x="{lx:.1}" y="6" width="12" height="12" fill="{}"/><text x="{:.1}" y="16" font-size="12" fill="#344054">{}</text>"##,
            esc(s.colour),
            lx + 16.0,
            esc(s.name)
        );
        lx += 16.0 + 8.0 * s.name.chars().count() as f64 + 20.0;
    }
    for (i, label) in labels.iter().enumerate() {
        let gx = LEFT + group_w * i as f64 + group_w * 0.1;
        let full = full_labels.get(i).unwrap_or(label);
        let _ = write!(svg, r#"<g class="bar-group">"#);
        for (k, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0);
            let y = y_of(v);
            let _ = write!(
                svg,
                r#"<rect class="bar" data-series="{k}" x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {v} {}</title></rect>"#,
                gx + bar_w * k as f64,
                (bar_w - 1.0).max(1.0),
                TOP + plot_h - y,
                esc(s.colour),
                esc(full),
                esc(s.name)
            );
        }
        let _ = write!(
            svg,
            r##"</g><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#475467">{}</text>"##,
            LEFT + group_w * (i as f64 + 0.5),
            HEIGHT - BOTTOM + 16.0,
            esc(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> String {
        let labels: Vec<String> = ["03-12", "03-13", "03-14"].map(String::from).to_vec();
        let full: Vec<String> = ["2025-03-12", "2025-03-13", "2025-03-14"]
            .map(String::from)
            .to_vec();
        grouped_bars(
            "DMs & replies per day",
            &labels,
            &full,
            &[
                Series {
                    name: "DMs sent",
                    colour: "#2e6fb7",
                    values: &[4, 0, 7],
                },
                Series {
                    name: "Replies",
                    colour: "#12b76a",
                    values: &[1, 0, 3],
                },
            ],
        )
    }

    fn titles(svg: &str) -> Vec<&str> {
        svg.split("<title>")
            .skip(1)
            .filter_map(|s| s.split_once("</title>").map(|(t, _)| t))
            .collect()
    }

    #[test]
    fn one_bar_per_day_and_series_with_its_number() {
        let svg = chart();
        assert_eq!(
            svg.matches(r#"<rect class="bar" data-series="0""#).count(),
            3
        );
        assert_eq!(
            svg.matches(r#"<rect class="bar" data-series="1""#).count(),
            3
        );
        assert_eq!(
            titles(&svg),
            vec![
                "2025-03-12: 4 DMs sent",
                "2025-03-12: 1 Replies",
                "2025-03-13: 0 DMs sent",
                "2025-03-13: 0 Replies",
                "2025-03-14: 7 DMs sent",
                "2025-03-14: 3 Replies",
            ]
        );
    }

    #[test]
    fn accessible_name_axis_labels_and_escaping() {
        let svg = chart();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"role="img" aria-label="DMs &amp; replies per day""#));
        for label in ["03-12", "03-13", "03-14"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}");
        }
        // The axis tops out at 8 (7 rounded up to even), with 4 in the middle.
        assert!(
            svg.contains(">8</text>") && svg.contains(">4</text>") && svg.contains(">0</text>")
        );
    }

    #[test]
    fn taller_values_draw_taller_bars() {
        let svg = chart();
        let heights: Vec<f64> = svg
            .split(r#"<rect class="bar" data-series="0""#)
            .skip(1)
            .filter_map(|s| s.split("height=\"").nth(1))
            .filter_map(|s| s.split('"').next())
            .filter_map(|h| h.parse().ok())
            .collect();
        assert_eq!(heights.len(), 3);
        assert!(heights[2] > heights[0] && heights[0] > heights[1]);
        assert_eq!(heights[1], 0.0);
    }

    #[test]
    fn an_empty_chart_still_draws_an_axis() {
        let svg = grouped_bars("Nothing", &[], &[], &[]);
        assert!(svg.contains(">0</text>") && svg.ends_with("</svg>"));
    }
}
