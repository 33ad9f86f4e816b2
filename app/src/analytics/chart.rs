//! A bar chart of the period's days, drawn as SVG by the page itself (no
//! chart library): stacked series per day, an optional limit as a dashed
//! line, and the scale and the first and last day as text around it, so
//! that the drawing can stretch to any width, a phone's too.
//!
//! The figure is written as markup in one string: it holds numbers, dates
//! and the dashboard's own labels (escaped all the same), and one string
//! costs the dashboard's wasm far less than a view per bar.

use std::fmt::Write as _;

/// One stacked series: its colour (a class of the style sheet), its name in
/// the legend, and one value per day.
#[derive(Debug, Clone)]
pub(super) struct Series {
    pub(super) class: &'static str,
    pub(super) label: &'static str,
    pub(super) values: Vec<u64>,
}

/// The drawing's own units: each day is this wide, the whole this high
/// (fine enough for whole numbers).
const DAY_WIDTH: u64 = 10;
const HEIGHT: u64 = 1000;

/// The inside of the chart's `<figure>`: `title`, `series` stacked per day
/// of `dates`, and `limit` (a value and its name) as a line across.
pub(super) fn figure(
    title: &str,
    dates: &[&str],
    series: &[Series],
    limit: Option<(u64, &str)>,
) -> String {
    let top = (0..dates.len())
        .map(|day| series.iter().map(|one| one.values[day]).sum::<u64>())
        .chain(limit.map(|(value, _)| value))
        .max()
        .unwrap_or(0)
        .max(1);
    let width = DAY_WIDTH * dates.len() as u64;
    // The top value sits a little below the edge, where a line still shows.
    let y = |value: u64| HEIGHT - (HEIGHT - 20) * value / top;
    let first = dates.first().copied().unwrap_or_default();
    let last = dates.last().copied().unwrap_or_default();
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<figcaption>{}</figcaption><div class="chart-scale">{}</div><svg viewBox="0 0 {width} {HEIGHT}" preserveAspectRatio="none" role="img" aria-label="{} – {}">"#,
        escape(title),
        super::grouped(top),
        escape(first),
        escape(last),
    );
    for (day, date) in dates.iter().enumerate() {
        let detail: Vec<String> = series
            .iter()
            .map(|one| format!("{}: {}", one.label, one.values[day]))
            .collect();
        let _ = write!(
            out,
            "<g><title>{}: {}</title>",
            escape(date),
            escape(&detail.join(", "))
        );
        let mut below = 0;
        for one in series.iter().filter(|one| one.values[day] > 0) {
            let value = one.values[day];
            let (low, high) = (y(below), y(below + value));
            below += value;
            let _ = write!(
                out,
                r#"<rect class="{}" x="{}" y="{high}" width="8" height="{}"></rect>"#,
                one.class,
                DAY_WIDTH * day as u64 + 1,
                low - high,
            );
        }
        out.push_str("</g>");
    }
    if let Some((value, _)) = limit {
        let at = y(value);
        let _ = write!(
            out,
            r#"<line class="chart-limit" x1="0" x2="{width}" y1="{at}" y2="{at}" vector-effect="non-scaling-stroke"></line>"#
        );
    }
    let _ = write!(
        out,
        r#"</svg><div class="chart-axis"><span>{}</span><span>{}</span></div><div class="chart-legend">"#,
        escape(first),
        escape(last),
    );
    for one in series {
        let _ = write!(
            out,
            r#"<span class="swatch {}">{}</span>"#,
            one.class,
            escape(one.label)
        );
    }
    if let Some((value, name)) = limit {
        let _ = write!(
            out,
            r#"<span class="swatch chart-limit-key">{}: {}</span>"#,
            escape(name),
            super::grouped(value)
        );
    }
    out.push_str("</div>");
    out
}

/// `text` safe inside an element or a quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::{Series, figure};

    #[test]
    fn bars_stack_under_the_limit_and_labels_are_escaped() {
        let series = [
            Series {
                class: "s-ai",
                label: "AI <alone>",
                values: vec![1, 0],
            },
            Series {
                class: "s-human",
                label: "human",
                values: vec![1, 2],
            },
        ];
        let html = figure(
            "Per day",
            &["2026-11-01", "2026-11-02"],
            &series,
            Some((4, "budget")),
        );
        assert_eq!(html.matches("<g>").count(), 2);
        assert_eq!(html.matches("<rect").count(), 3);
        // 4 is the top: the limit's line sits 20 units below the edge.
        assert!(html.contains(r#"y1="20""#), "{html}");
        assert!(html.contains("AI &lt;alone&gt;"), "{html}");
        assert!(!html.contains("<alone>"), "{html}");
        assert!(
            html.contains("2026-11-01: AI &lt;alone&gt;: 1, human: 1"),
            "{html}"
        );
    }
}
