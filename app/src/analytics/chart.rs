//! A bar chart of the period's days, drawn as SVG by the page itself (no
//! chart library): stacked series per day, an optional limit as a dashed
//! line, and the scale and the first and last day as text around it, so
//! that the drawing can stretch to any width, a phone's too.

use chrono::NaiveDate;
use leptos::prelude::*;

/// One stacked series: its colour (a class of the style sheet), its name in
/// the legend, and one value per day.
#[derive(Debug, Clone)]
pub(super) struct Series {
    pub(super) class: &'static str,
    pub(super) label: &'static str,
    pub(super) values: Vec<u64>,
}

/// The drawing's own units: each day is this wide, the whole this high.
const DAY_WIDTH: f64 = 10.0;
const HEIGHT: f64 = 100.0;

/// The chart: `series` stacked per day of `dates`, and `limit` (a value and
/// its name) as a line across.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn BarChart(
    title: String,
    dates: Vec<NaiveDate>,
    series: Vec<Series>,
    limit: Option<(u64, &'static str)>,
) -> impl IntoView {
    let totals: Vec<u64> = (0..dates.len())
        .map(|day| series.iter().map(|one| one.values[day]).sum())
        .collect();
    let top = totals
        .iter()
        .copied()
        .chain(limit.map(|(value, _)| value))
        .max()
        .unwrap_or(0)
        .max(1);
    let width = DAY_WIDTH * dates.len() as f64;
    let first = dates.first().map(ToString::to_string).unwrap_or_default();
    let last = dates.last().map(ToString::to_string).unwrap_or_default();
    // The top value sits a little below the edge, where a line still shows.
    let y = move |value: u64| HEIGHT - (HEIGHT - 2.0) * value as f64 / top as f64;
    let bars = dates
        .into_iter()
        .enumerate()
        .map(|(day, date)| {
            let mut below = 0;
            let rects = series
                .iter()
                .filter(|one| one.values[day] > 0)
                .map(|one| {
                    let value = one.values[day];
                    let (low, high) = (y(below), y(below + value));
                    below += value;
                    view! {
                        <rect
                            class=one.class
                            x=format!("{:.1}", DAY_WIDTH.mul_add(day as f64, 1.0))
                            y=format!("{high:.2}")
                            width="8"
                            height=format!("{:.2}", low - high)
                        />
                    }
                })
                .collect_view();
            let detail = series
                .iter()
                .map(|one| format!("{}: {}", one.label, one.values[day]))
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <g>
                    <title>{format!("{date}: {detail}")}</title>
                    {rects}
                </g>
            }
        })
        .collect_view();
    let limit_line = limit.map(|(value, _)| {
        let at = format!("{:.2}", y(value));
        view! {
            <line class="chart-limit" x1="0" x2=width y1=at.clone() y2=at vector-effect="non-scaling-stroke" />
        }
    });
    let legend = series
        .into_iter()
        .map(|one| view! { <span class=format!("swatch {}", one.class)>{one.label}</span> })
        .collect_view();
    view! {
        <figure class="card chart">
            <figcaption>{title}</figcaption>
            <div class="chart-scale">{super::grouped(top)}</div>
            <svg
                viewBox=format!("0 0 {width} {HEIGHT}")
                preserveAspectRatio="none"
                role="img"
                aria-label=format!("{first} – {last}")
            >
                {bars}
                {limit_line}
            </svg>
            <div class="chart-axis">
                <span>{first}</span>
                <span>{last}</span>
            </div>
            <div class="chart-legend">
                {legend}
                {limit.map(|(value, name)| view! { <span class="swatch chart-limit-key">{format!("{name}: {}", super::grouped(value))}</span> })}
            </div>
        </figure>
    }
}
