//! `/admin/inbox`: the operators' live inbox. Conversations of every project
//! the operator may see, newest activity first, with filters and search; the
//! open conversation on the right. The operators' event stream keeps both
//! current (see [`super::inbox_live`]); the browser tab shows how many
//! conversations need a human.

use super::api::list_conversations;
use super::conversation::ConversationPane;
use super::i18n::{InboxTexts, Lang, use_lang, use_texts};
use super::layout::SignedIn;
use crate::AppError;
use crate::auth::{Role, UserView};
use crate::chat::{ConversationStatus, DeltaEvent, MessageRole, MessageView, TypingEvent};
use crate::inbox::{ConversationDetail, ConversationSummary, InboxQuery};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use uuid::Uuid;

/// The inbox page.
#[component]
pub fn InboxPage() -> impl IntoView {
    view! { <SignedIn render=|user| view! { <Inbox user /> } /> }
}

/// How many conversations need a human now (the header's badge, the tab's title).
#[derive(Clone, Copy)]
pub struct Attention(pub RwSignal<usize>);

/// Why the inbox rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// A conversation started waiting for a human.
    Waiting,
    /// A visitor wrote in a conversation that waits or that this operator holds.
    Message,
}

/// What the inbox shows; every field is a signal.
#[derive(Clone, Copy)]
pub struct InboxState {
    pub me: Uuid,
    pub admin: bool,
    pub items: RwSignal<Vec<ConversationSummary>>,
    pub next_cursor: RwSignal<Option<String>>,
    pub project: RwSignal<Option<Uuid>>,
    pub status: RwSignal<Option<ConversationStatus>>,
    pub search: RwSignal<String>,
    pub selected: RwSignal<Option<Uuid>>,
    pub detail: RwSignal<Option<ConversationDetail>>,
    /// The conversation whose visitor is typing.
    pub visitor_typing: RwSignal<Option<Uuid>>,
    pub error: RwSignal<Option<String>>,
}

impl InboxState {
    fn new(user: &UserView) -> Self {
        Self {
            me: user.id,
            admin: user.role == Role::Admin,
            items: RwSignal::new(Vec::new()),
            next_cursor: RwSignal::new(None),
            project: RwSignal::new(None),
            status: RwSignal::new(None),
            search: RwSignal::new(String::new()),
            selected: RwSignal::new(None),
            detail: RwSignal::new(None),
            visitor_typing: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    /// The list's query as the filters stand (tracked).
    fn query(&self, cursor: Option<String>) -> InboxQuery {
        let search = self.search.get();
        InboxQuery {
            project_id: self.project.get(),
            status: self.status.get().map(|status| status.as_str().to_owned()),
            q: (!search.trim().is_empty()).then_some(search),
            cursor,
            limit: None,
        }
    }

    /// True when the filters let `summary` into the list.
    fn admits(&self, summary: &ConversationSummary) -> bool {
        self.project
            .get_untracked()
            .is_none_or(|project| project == summary.project_id)
            && self
                .status
                .get_untracked()
                .is_none_or(|status| status == summary.status)
    }

    /// True when the conversation needs this operator: it waits for a human,
    /// or they hold it and the visitor wrote.
    pub fn needs_me(&self, summary: &ConversationSummary) -> bool {
        match summary.status {
            ConversationStatus::WaitingHuman => true,
            ConversationStatus::Human => {
                summary.operator_unread > 0
                    && summary
                        .assigned
                        .as_ref()
                        .is_some_and(|held| held.id == self.me)
            }
            ConversationStatus::Ai | ConversationStatus::Closed => false,
        }
    }

    /// A conversation changed: the list (and the open conversation) show it
    /// now; the answer says whether to ring.
    pub fn apply_summary(&self, summary: ConversationSummary) -> Option<Alert> {
        let previous = self
            .items
            .with_untracked(|items| items.iter().find(|item| item.id == summary.id).cloned());
        let searching = !self.search.get_untracked().trim().is_empty();
        let alert = if summary.status == ConversationStatus::WaitingHuman
            && previous
                .as_ref()
                .is_none_or(|previous| previous.status != ConversationStatus::WaitingHuman)
        {
            Some(Alert::Waiting)
        } else if self.needs_me(&summary)
            && summary.operator_unread > previous.as_ref().map_or(0, |p| p.operator_unread)
        {
            Some(Alert::Message)
        } else {
            None
        };
        self.detail.update(|detail| {
            if let Some(detail) = detail.as_mut().filter(|d| d.conversation.id == summary.id) {
                detail.conversation = summary.clone();
            }
        });
        let admitted = self.admits(&summary) && (previous.is_some() || !searching);
        self.items.update(|items| {
            items.retain(|item| item.id != summary.id);
            if admitted {
                items.push(summary);
                items.sort_by(|a, b| {
                    b.last_message_at
                        .cmp(&a.last_message_at)
                        .then(b.id.cmp(&a.id))
                });
            }
        });
        alert
    }

    /// A message was written or changed: the open conversation shows it.
    pub fn apply_message(&self, message: MessageView) {
        if message.role == MessageRole::Visitor
            && self.visitor_typing.get_untracked() == Some(message.conversation_id)
        {
            self.visitor_typing.set(None);
        }
        self.detail.update(|detail| {
            let Some(detail) = detail
                .as_mut()
                .filter(|d| d.conversation.id == message.conversation_id)
            else {
                return;
            };
            match detail
                .messages
                .iter_mut()
                .find(|known| known.id == message.id)
            {
                Some(known) => *known = message,
                None => detail.messages.push(message),
            }
        });
    }

    /// Text appended to a streaming answer of the open conversation: only
    /// the part not shown yet (the conversation may have been loaded with
    /// some of it); after a gap the complete message puts it right.
    pub fn apply_delta(&self, delta: DeltaEvent) {
        self.detail.update(|detail| {
            let Some(known) = detail
                .as_mut()
                .and_then(|d| d.messages.iter_mut().find(|m| m.id == delta.message_id))
            else {
                return;
            };
            let start = delta.end.saturating_sub(delta.text.len());
            let have = known.text.len();
            if (start..delta.end).contains(&have)
                && let Some(missing) = delta.text.get(have - start..)
            {
                known.text.push_str(missing);
            }
        });
    }

    /// The visitor started or stopped typing (shown for a few seconds at most).
    pub fn apply_typing(&self, typing: TypingEvent) {
        if typing.role != MessageRole::Visitor {
            return;
        }
        if typing.active {
            self.visitor_typing.set(Some(typing.conversation_id));
            let shown = self.visitor_typing;
            set_timeout(
                move || {
                    if shown.get_untracked() == Some(typing.conversation_id) {
                        shown.set(None);
                    }
                },
                std::time::Duration::from_secs(6),
            );
        } else if self.visitor_typing.get_untracked() == Some(typing.conversation_id) {
            self.visitor_typing.set(None);
        }
    }
}

#[component]
fn Inbox(user: UserView) -> impl IntoView {
    let texts = use_texts();
    let lang = use_lang();
    let state = InboxState::new(&user);
    provide_context(state);
    let projects = Resource::new(|| (), |_| super::api::list_projects());
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
    super::inbox_live::connect(state, &texts.inbox);
    // Known only in the browser, after hydration.
    let may_ask = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| may_ask.set(super::inbox_live::may_ask_permission()));
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        super::inbox_live::ask_permission();
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

/// A failed call as the operator reads it: who holds a conversation taken
/// by another, else the server's reason in the dashboard's language.
pub fn failure(lang: Lang, err: &AppError) -> String {
    match err {
        AppError::AlreadyTaken { operator } => {
            format!("{} {}", lang.texts().inbox.taken_by, operator.display_name)
        }
        other => super::i18n::reason(lang, &other.to_string()),
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
pub fn status_label(texts: &InboxTexts, status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::Ai => texts.status_ai,
        ConversationStatus::WaitingHuman => texts.status_waiting,
        ConversationStatus::Human => texts.status_human,
        ConversationStatus::Closed => texts.status_closed,
    }
}

/// How a visitor is named: their contact when they left one, else a short id.
pub fn visitor_name(texts: &InboxTexts, summary: &ConversationSummary) -> String {
    summary.visitor_label.clone().unwrap_or_else(|| {
        let id = summary.visitor_id.simple().to_string();
        format!("{} {}", texts.visitor, &id[id.len() - 6..])
    })
}

/// A time as the operator's clock shows it (the browser's time zone).
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
                    {unread.map(|count| view! { <span class="unread" aria-label="unread">{count}</span> })}
                </span>
            </button>
        </li>
    }
}
