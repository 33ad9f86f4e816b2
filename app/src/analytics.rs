//! `/admin/analytics`: the owner's numbers of a period (`docs/analytics.md`)
//! for one project or every project the user may see: the totals as cards,
//! each day as a bar chart the page draws itself in SVG, and (admins) the
//! period's conversations as CSV.
//!
//! # Layout
//! - this file: the page, its period and project, the cards.
//! - `chart`: the bar chart.

mod chart;

use crate::api::list_projects;
use crate::api::stats::get_stats;
use crate::chrome::SignedIn;
use crate::i18n::{AnalyticsTexts, reason, use_lang, use_texts};
use chart::Series;
use contract::auth::Role;
use contract::stats::{Figures, Stats, StatsQuery};
use leptos::prelude::*;

/// The analytics page.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn AnalyticsPage() -> impl IntoView {
    view! { <SignedIn render=|user| view! { <Analytics admin=user.role == Role::Admin /> } /> }
}

/// The controls, then the figures of what they ask.
#[component]
fn Analytics(admin: bool) -> impl IntoView {
    let texts = use_texts();
    let lang = use_lang();
    let asked = RwSignal::new(StatsQuery::default());
    let stats = Resource::new(move || asked.get(), get_stats);
    let projects = Resource::new(|| (), |_| list_projects());
    // The days shown in the inputs: the server's choice until the user picks.
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(stats)) = stats.get() {
            from.set(stats.from);
            to.set(stats.to);
        }
    });
    let export = move || {
        let mut link = format!(
            "/api/v1/admin/conversations/export.csv?from={}&to={}",
            from.get(),
            to.get()
        );
        if let Some(id) = asked.with(|query| query.project_id) {
            link.push_str(&format!("&project_id={id}"));
        }
        link
    };
    view! {
        <div class="page-title">
            <h1>{texts.analytics.title}</h1>
        </div>
        <p class="hint">{texts.analytics.intro}</p>
        <div class="card stats-controls">
            <label>
                {texts.analytics.project}
                <select on:change=move |ev| {
                    let id = event_target_value(&ev).parse().ok();
                    asked.update(|query| query.project_id = id);
                }>
                    <option value="">{texts.analytics.all_projects}</option>
                    <Suspense>
                        {move || Suspend::new(async move {
                            projects
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|project| {
                                    view! { <option value=project.id.to_string()>{project.name}</option> }
                                })
                                .collect_view()
                        })}
                    </Suspense>
                </select>
            </label>
            <label>
                {texts.analytics.from}
                <input type="date" name="from" prop:value=from on:change=move |ev| {
                    let day = event_target_value(&ev);
                    asked.update(|query| query.from = Some(day));
                } />
            </label>
            <label>
                {texts.analytics.to}
                <input type="date" name="to" prop:value=to on:change=move |ev| {
                    let day = event_target_value(&ev);
                    asked.update(|query| query.to = Some(day));
                } />
            </label>
            {admin.then(|| view! { <a class="button" href=export download>{texts.analytics.export_csv}</a> })}
        </div>
        <Transition fallback=move || view! { <p class="muted">{texts.loading}</p> }>
            {move || Suspend::new(async move {
                match stats.await {
                    Ok(stats) => view! { <Numbers stats /> }.into_any(),
                    Err(err) => view! {
                        <p class="field-error" role="alert">{reason(lang, &err.to_string())}</p>
                    }
                        .into_any(),
                }
            })}
        </Transition>
    }
}

/// The totals as cards, then the charts of the days.
#[component]
fn Numbers(stats: Stats) -> impl IntoView {
    let texts = &use_texts().analytics;
    let totals = &stats.totals;
    let handoffs = &totals.handed_to_human;
    let share = percent(totals.ai_alone, totals.conversations);
    let rating = totals.ratings.average.map_or_else(
        || texts.no_ratings.to_owned(),
        |average| {
            // One decimal, as the stars are read.
            let tenths = (average * 10.0).round() as u64;
            format!("★ {}.{}", tenths / 10, tenths % 10)
        },
    );
    let wait = totals.median_first_reply_seconds.map_or_else(
        || texts.no_answers.to_owned(),
        |seconds| duration(texts, seconds),
    );
    let day = |pick: fn(&Figures) -> u64| {
        stats
            .days
            .iter()
            .map(|day| pick(&day.figures))
            .collect::<Vec<_>>()
    };
    let other = stats
        .days
        .iter()
        .map(|day| {
            let figures = &day.figures;
            figures
                .conversations
                .saturating_sub(figures.ai_alone + figures.handed_to_human.total)
        })
        .collect();
    let dates = stats
        .days
        .iter()
        .map(|day| day.date.as_str())
        .collect::<Vec<_>>();
    let cards = [
        (
            texts.conversations,
            totals.conversations.to_string(),
            String::new(),
        ),
        (
            texts.visitor_messages,
            totals.visitor_messages.to_string(),
            String::new(),
        ),
        (texts.ai_alone, totals.ai_alone.to_string(), share),
        (
            texts.handed,
            handoffs.total.to_string(),
            format!(
                "{} {} · {} {} · {} {}",
                handoffs.visitor_asked,
                texts.visitor_asked,
                handoffs.ai_handed_off,
                texts.ai_handed_off,
                handoffs.timed_out,
                texts.timed_out,
            ),
        ),
        (texts.first_reply, wait, String::new()),
        (
            texts.rating,
            rating,
            format!("{}: {}", texts.ratings_count, totals.ratings.count),
        ),
        (
            texts.ai_messages,
            grouped(totals.ai_messages),
            format!(
                "{}: {}",
                texts.budget,
                grouped(stats.budget.daily_ai_messages)
            ),
        ),
        (
            texts.ai_tokens,
            grouped(totals.ai_tokens),
            format!(
                "{}: {}",
                texts.budget,
                grouped(stats.budget.daily_ai_tokens)
            ),
        ),
    ];
    let per_day = |name: &str| format!("{name}, {}", texts.per_day);
    let charts = [
        chart::figure(
            &per_day(texts.conversations),
            &dates,
            &[
                Series {
                    class: "s-ai",
                    label: texts.ai_alone,
                    values: day(|f| f.ai_alone),
                },
                Series {
                    class: "s-human",
                    label: texts.handed,
                    values: day(|f| f.handed_to_human.total),
                },
                Series {
                    class: "s-other",
                    label: texts.other,
                    values: other,
                },
            ],
            None,
        ),
        chart::figure(
            &per_day(texts.visitor_messages),
            &dates,
            &[Series {
                class: "s-visitor",
                label: texts.visitor_messages,
                values: day(|f| f.visitor_messages),
            }],
            None,
        ),
        chart::figure(
            &per_day(texts.ai_messages),
            &dates,
            &[Series {
                class: "s-ai",
                label: texts.ai_messages,
                values: day(|f| f.ai_messages),
            }],
            Some((stats.budget.daily_ai_messages, texts.budget)),
        ),
        chart::figure(
            &per_day(texts.ai_tokens),
            &dates,
            &[Series {
                class: "s-ai",
                label: texts.ai_tokens,
                values: day(|f| f.ai_tokens),
            }],
            Some((stats.budget.daily_ai_tokens, texts.budget)),
        ),
    ];
    view! {
        <p class="hint">{texts.days_in} " " {stats.time_zone.clone()} ". " {texts.usage_utc}</p>
        <dl class="stat-cards">
            {cards
                .into_iter()
                .map(|(label, value, detail)| {
                    let none = detail.is_empty();
                    view! {
                    <div class="stat">
                        <dt>{label}</dt>
                        <dd>{value}</dd>
                        <dd class="stat-detail" hidden=none>{detail}</dd>
                    </div>
                    }
                })
                .collect_view()}
        </dl>
        <div class="charts">
            {charts
                .into_iter()
                .map(|html| view! { <figure class="card chart" inner_html=html></figure> })
                .collect_view()}
        </div>
    }
}

/// `value` with its thousands apart ("4 000 000"), readable in both languages.
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    out
}

/// `part` of `whole` as a whole percentage, or nothing without a whole.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return String::new();
    }
    format!("{} %", (part * 100 + whole / 2) / whole)
}

/// `seconds` as "45 s", "3 min 20 s" or "2 h 5 min".
fn duration(texts: &AnalyticsTexts, seconds: u64) -> String {
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (hours, minutes) {
        (0, 0) => format!("{rest} {}", texts.seconds),
        (0, _) => format!("{minutes} {} {rest} {}", texts.minutes, texts.seconds),
        _ => format!("{hours} {} {minutes} {}", texts.hours, texts.minutes),
    }
}

#[cfg(test)]
mod tests {
    use super::{duration, grouped, percent};
    use crate::i18n::Lang;

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(4_000_000), "4\u{202f}000\u{202f}000");
        assert_eq!(percent(1, 3), "33 %");
        assert_eq!(percent(2, 3), "67 %");
        assert_eq!(percent(1, 0), "");
        let texts = &Lang::En.texts().analytics;
        assert_eq!(duration(texts, 45), "45 s");
        assert_eq!(duration(texts, 200), "3 min 20 s");
        assert_eq!(duration(texts, 7500), "2 h 5 min");
    }
}
