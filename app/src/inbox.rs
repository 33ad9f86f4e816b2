//! `/admin/inbox`: the operators' live inbox. Conversations of every project
//! the operator may see, newest activity first, with filters and search; the
//! open conversation on the right. The operators' event stream keeps both
//! current (see [`crate::inbox_live`]); the browser tab shows how many
//! conversations need a human. `?conversation=<id>` opens that conversation.

mod state;

pub use state::{Alert, InboxState};

use crate::api::list_conversations;
use crate::chrome::{Attention, SignedIn};
use crate::conversation::ConversationPane;
use crate::i18n::{InboxTexts, Lang, use_lang, use_texts};
use chrono::{DateTime, Utc};
use contract::AppError;
use contract::auth::UserView;
use contract::chat::ConversationStatus;
use contract::inbox::{ConversationSummary, Rating};
use leptos::prelude::*;

/// The inbox page.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn InboxPage() -> impl IntoView {
    view! { <SignedIn render=|user| view! { <Inbox user /> } /> }
}

#[component]
fn Inbox(user: UserView) -> impl IntoView {
    let texts = use_texts();
    let lang = use_lang();
    let state = InboxState::new(&user);
    provide_context(state);
    let projects = Resource::new(|| (), |_| crate::api::list_projects());
    Effect::new(move |_| {
        if let Some(Ok(list)) = projects.get() {
            let names = list.iter().map(|p| (p.id, p.name.clone())).collect();
            state.project_names.set(names);
        }
    });
    select_from_url(state);
    // Whether this operator reads conversations translated, and into what.
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(mine) = crate::api::alerts::get_notifications().await {
                state
                    .translate_into
                    .set(mine.translate.then_some(mine.locale));
            }
        });
    });
    Effect::new(move |_| {
        let query = state.query(None);
        leptos::task::spawn_local(async move {
            match list_conversations(query).await {
                Ok(page) => {
                    state.items.set(page.items);
                    state.next_cursor.set(page.next_cursor);
                    state.error.set(None);
                }
                Err(err) => state.error.set(Some(failure(lang, &err))),
            }
        });
    });
    let more = move |_| {
        let query = state.query(state.next_cursor.get_untracked());
        leptos::task::spawn_local(async move {
            if let Ok(page) = list_conversations(query).await {
                state.items.update(|items| {
                    for item in page.items {
                        if items.iter().all(|known| known.id != item.id) {
                            items.push(item);
                        }
                    }
                });
                state.next_cursor.set(page.next_cursor);
            }
        });
    };
    if let Some(Attention(count)) = use_context::<Attention>() {
        Effect::new(move |_| {
            let needed = state
                .items
                .with(|items| items.iter().filter(|item| state.needs_me(item)).count());
            count.set(needed);
            let title = if needed > 0 {
                format!("({needed}) aiwidget")
            } else {
                "aiwidget".to_owned()
            };
            document().set_title(&title);
        });
    }
    #[cfg(feature = "hydrate")]
    crate::inbox_live::connect(state, &texts.inbox);
    // Known only in the browser, after hydration.
    let may_ask = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| may_ask.set(crate::inbox_live::may_ask_permission()));
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        crate::inbox_live::ask_permission();
        may_ask.set(false);
    };
    let inbox = &texts.inbox;
    view! {
        <div class="inbox">
            <section class="inbox-list" aria-label=inbox.title>
                <div class="inbox-filters">
                    <select
                        aria-label=inbox.all_projects
                        on:change=move |ev| state.project.set(event_target_value(&ev).parse().ok())
                    >
                        <option value="">{inbox.all_projects}</option>
                        <Suspense>
                            {move || Suspend::new(async move {
                                projects
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|p| view! { <option value=p.id.to_string()>{p.name}</option> })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                    <select
                        aria-label=inbox.all_statuses
                        on:change=move |ev| state.status.set(status_of(&event_target_value(&ev)))
                    >
                        <option value="">{inbox.all_statuses}</option>
                        {STATUSES
                            .iter()
                            .map(|status| view! { <option value=status.as_str()>{status_label(inbox, *status)}</option> })
                            .collect_view()}
                    </select>
                    <form role="search" on:submit=|ev| ev.prevent_default()>
                        <input
                            type="search"
                            placeholder=inbox.search
                            aria-label=inbox.search
                            on:change=move |ev| state.search.set(event_target_value(&ev))
                        />
                    </form>
                </div>
                {move || may_ask.get().then(|| view! {
                    <button type="button" class="link" on:click=ask>{inbox.notifications}</button>
                })}
                {move || state.error.get().map(|text| view! { <p class="field-error" role="alert">{text}</p> })}
                <ul class="conversations">
                    {move || {
                        let items = state.items.get();
                        if items.is_empty() {
                            return view! { <li class="muted empty">{inbox.empty}</li> }.into_any();
                        }
                        items
                            .into_iter()
                            .map(|item| view! { <ConversationRow item /> })
                            .collect_view()
                            .into_any()
                    }}
                </ul>
                {move || state.next_cursor.get().map(|_| view! {
                    <button type="button" class="link" on:click=more>{inbox.load_more}</button>
                })}
            </section>
            <ConversationPane />
        </div>
    }
}

/// Opens the conversation named in the URL (`?conversation=<id>`, the link
/// of an alert's "Open in dashboard"), on load and whenever the URL changes.
fn select_from_url(state: InboxState) {
    let query = leptos_router::hooks::use_query_map();
    Effect::new(move |_| {
        let wanted = query.with(|query| {
            query
                .get_str("conversation")
                .and_then(|id| id.trim().parse::<uuid::Uuid>().ok())
        });
        if let Some(id) = wanted {
            state.selected.set(Some(id));
        }
    });
}

/// A failed call as the operator reads it: who holds a conversation taken
/// by another, else the server's reason in the dashboard's language.
#[must_use]
pub fn failure(lang: Lang, err: &AppError) -> String {
    match err {
        AppError::AlreadyTaken { operator } => {
            format!("{} {}", lang.texts().inbox.taken_by, operator.display_name)
        }
        other => crate::i18n::reason(lang, &other.to_string()),
    }
}

/// The states an inbox can filter by, in the order a human handles them.
const STATUSES: [ConversationStatus; 4] = [
    ConversationStatus::WaitingHuman,
    ConversationStatus::Human,
    ConversationStatus::Ai,
    ConversationStatus::Closed,
];

fn status_of(value: &str) -> Option<ConversationStatus> {
    STATUSES.into_iter().find(|status| status.as_str() == value)
}

/// The name of a state, in the dashboard's language.
#[must_use]
pub fn status_label(texts: &InboxTexts, status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::Ai => texts.status_ai,
        ConversationStatus::WaitingHuman => texts.status_waiting,
        ConversationStatus::Human => texts.status_human,
        ConversationStatus::Closed => texts.status_closed,
    }
}

/// How a visitor is named: their contact when they left one, else a short id.
#[must_use]
pub fn visitor_name(texts: &InboxTexts, summary: &ConversationSummary) -> String {
    summary.visitor_label.clone().unwrap_or_else(|| {
        let id = summary.visitor_id.simple().to_string();
        format!("{} {}", texts.visitor, &id[id.len() - 6..])
    })
}

/// A rating as five stars, `score` of them filled.
#[must_use]
pub fn stars(rating: &Rating) -> String {
    let filled = usize::try_from(rating.score.clamp(0, 5)).unwrap_or(0);
    format!("{}{}", "★".repeat(filled), "☆".repeat(5 - filled))
}

/// A time as the operator's clock shows it (the browser's time zone).
#[must_use]
pub fn clock(at: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        let millis = at.timestamp_millis() as f64;
        let date = web_sys::js_sys::Date::new(&millis.into());
        let hours = date.get_hours();
        let minutes = date.get_minutes();
        format!("{hours:02}:{minutes:02}")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        at.format("%H:%M").to_string()
    }
}

#[component]
fn ConversationRow(item: ConversationSummary) -> impl IntoView {
    let state = expect_context::<InboxState>();
    let texts = &use_texts().inbox;
    let id = item.id;
    let selected = move || state.selected.get() == Some(id);
    let name = visitor_name(texts, &item);
    let unread = (item.operator_unread > 0).then_some(item.operator_unread);
    let holder = item
        .assigned
        .as_ref()
        .map(|held| format!("{} {}", texts.held_by, held.display_name));
    view! {
        <li>
            <button
                type="button"
                class="conversation-row"
                class:selected=selected
                data-status=item.status.as_str()
                aria-current=move || selected().then_some("true")
                on:click=move |_| state.selected.set(Some(id))
            >
                <span class="row-top">
                    <strong class="row-name">{name}</strong>
                    <time datetime=item.last_message_at.to_rfc3339()>{clock(item.last_message_at)}</time>
                </span>
                <span class="row-preview">{item.last_message_preview.clone().unwrap_or_default()}</span>
                <span class="row-bottom">
                    <span class="chip" data-status=item.status.as_str()>{status_label(texts, item.status)}</span>
                    {holder.map(|holder| view! { <span class="muted">{holder}</span> })}
                    {item.rating.as_ref().map(|rating| view! {
                        <span class="rating" title=texts.rating aria-label=format!("{} {} {}", texts.rating, rating.score, texts.of_five)>
                            {format!("★ {}", rating.score)}
                        </span>
                    })}
                    {unread.map(|count| view! { <span class="unread" aria-label="unread">{count}</span> })}
                </span>
            </button>
        </li>
    }
}
