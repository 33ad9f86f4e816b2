//! The open conversation: its messages (the AI's streaming as written), who
//! holds it and the buttons to take over, release and close, the reply box
//! (`composer`), and who the visitor is.

use crate::api::{InboxAction, conversation_action, get_conversation};
use crate::i18n::use_lang;
use crate::i18n::{InboxTexts, use_texts};
use crate::inbox::{InboxState, clock, failure, status_label, visitor_name};
use contract::chat::{ConversationStatus, MessageRole, MessageStatus, MessageView};
use contract::inbox::{ConversationDetail, VisitorInfo};
use leptos::prelude::*;
use uuid::Uuid;

/// The open conversation, or a hint to open one.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn ConversationPane() -> impl IntoView {
    let state = expect_context::<InboxState>();
    let texts = &use_texts().inbox;
    let lang = use_lang();
    Effect::new(move |_| {
        let Some(id) = state.selected.get() else {
            state.detail.set(None);
            return;
        };
        leptos::task::spawn_local(async move {
            match get_conversation(id).await {
                Ok(detail) => {
                    let unread = detail.conversation.operator_unread;
                    state.detail.set(Some(detail));
                    if unread > 0 {
                        mark_read(state, id).await;
                    }
                }
                Err(err) => state.error.set(Some(failure(lang, &err))),
            }
        });
    });
    move || match state.selected.get() {
        Some(id) => view! { <Conversation id /> }.into_any(),
        None => view! {
            <section class="conversation empty">
                <p class="muted">{texts.pick}</p>
            </section>
        }
        .into_any(),
    }
}

/// Marks the visitor's messages read, and shows it.
async fn mark_read(state: InboxState, id: Uuid) {
    if let Ok(summary) = conversation_action(id, InboxAction::Read).await {
        state.apply_summary(summary);
    }
}

#[component]
fn Conversation(id: Uuid) -> impl IntoView {
    let state = expect_context::<InboxState>();
    let texts = &use_texts().inbox;
    let lang = use_lang();
    let detail = move || state.detail.get().filter(|d| d.conversation.id == id);
    let act = Action::new_local(move |action: &InboxAction| {
        let action = *action;
        async move {
            match conversation_action(id, action).await {
                Ok(summary) => {
                    state.apply_summary(summary);
                    state.error.set(None);
                }
                Err(err) => state.error.set(Some(failure(lang, &err))),
            }
        }
    });
    let thread = NodeRef::<leptos::html::Ol>::new();
    translate_when_needed(state, lang);
    Effect::new(move |_| {
        state.detail.track();
        if let Some(list) = thread.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });
    view! {
        <section class="conversation" aria-label=texts.title>
            {move || detail().map(|detail| view! { <Header detail act /> })}
            <SummaryBox id />
            <ol class="thread" role="log" aria-live="polite" node_ref=thread>
                {move || {
                    detail()
                        .map(|detail| {
                            detail
                                .messages
                                .iter()
                                .map(|message| message_view(texts, message))
                                .collect_view()
                        })
                }}
            </ol>
            {move || (state.visitor_typing.get() == Some(id))
                .then(|| view! { <p class="typing muted" aria-live="polite">{texts.visitor_typing}</p> })}
            <crate::composer::Composer id />
            {move || detail().map(|detail| visitor_view(texts, &detail.visitor, detail.conversation.handoff_reason.as_deref().map(|why| crate::i18n::reason(lang, why))))}
            {move || detail().map(|detail| view! { <crate::visitor_privacy::VisitorPrivacy visitor_id=detail.visitor.id /> })}
        </section>
    }
}

/// Asks for the translation of the visitor's messages when this operator
/// reads translated and some message has none yet: once per new message,
/// one request at a time (the translations it brings re-run this, which
/// then asks for what came meanwhile).
fn translate_when_needed(state: InboxState, lang: crate::i18n::Lang) {
    let asked = StoredValue::new((Uuid::nil(), 0_usize));
    let busy = RwSignal::new(false);
    Effect::new(move |_| {
        if state.foreign_language().is_none() || busy.get() {
            return;
        }
        let Some((id, waiting)) = state.detail.with(|detail| {
            detail.as_ref().map(|d| {
                let waiting = d
                    .messages
                    .iter()
                    .filter(|m| m.role == MessageRole::Visitor && m.translation.is_none())
                    .count();
                (d.conversation.id, waiting)
            })
        }) else {
            return;
        };
        if waiting == 0 || asked.get_value() == (id, waiting) {
            return;
        }
        asked.set_value((id, waiting));
        busy.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::copilot::translate_conversation(id).await {
                // Only the translations are taken: messages the stream
                // brought meanwhile stay.
                Ok(translated) => state.detail.update(|detail| {
                    let Some(detail) = detail.as_mut().filter(|d| d.conversation.id == id) else {
                        return;
                    };
                    for message in &mut detail.messages {
                        if let Some(done) = translated.messages.iter().find(|t| t.id == message.id)
                        {
                            message.translation.clone_from(&done.translation);
                        }
                    }
                }),
                Err(err) => state.error.set(Some(failure(lang, &err))),
            }
            busy.set(false);
        });
    });
}

/// The AI's summary of the conversation (made when it starts waiting for a
/// human), and a button to make one now.
#[component]
fn SummaryBox(id: Uuid) -> impl IntoView {
    let state = expect_context::<InboxState>();
    let copilot = &use_texts().copilot;
    let lang = use_lang();
    let pending = RwSignal::new(false);
    let note = RwSignal::new(None::<String>);
    let text = Memo::new(move |_| {
        state.detail.with(|detail| {
            detail
                .as_ref()
                .filter(|d| d.conversation.id == id)
                .and_then(|d| d.conversation.summary.clone())
        })
    });
    let make = move |_| {
        pending.set(true);
        note.set(None);
        leptos::task::spawn_local(async move {
            match crate::api::copilot::summarise(id).await {
                Ok(summary) => {
                    state.apply_summary(summary);
                }
                Err(err) => {
                    note.try_set(Some(failure(lang, &err)));
                }
            }
            pending.try_set(false);
        });
    };
    view! {
        <aside class="summary" aria-label=copilot.summary data-empty=move || text.with(Option::is_none).to_string()>
            {move || text.get().map(|summary| view! {
                <p class="summary-text"><strong>{copilot.summary}": "</strong>{summary}</p>
            })}
            <button type="button" class="link" on:click=make disabled=move || pending.get()>
                {move || match (pending.get(), text.with(Option::is_some)) {
                    (true, _) => copilot.summarising,
                    (false, true) => copilot.summarise_again,
                    (false, false) => copilot.summarise,
                }}
            </button>
            {move || note.get().map(|note| view! { <p class="field-error" role="alert">{note}</p> })}
        </aside>
    }
}

/// Who the conversation is with, its state and holder, and the actions that apply.
#[component]
fn Header(detail: ConversationDetail, act: Action<InboxAction, ()>) -> impl IntoView {
    let state = expect_context::<InboxState>();
    let texts = &use_texts().inbox;
    let summary = detail.conversation;
    let status = summary.status;
    let mine = summary
        .assigned
        .as_ref()
        .is_some_and(|held| held.id == state.me);
    let can_take = matches!(
        status,
        ConversationStatus::Ai | ConversationStatus::WaitingHuman
    );
    let can_release = status == ConversationStatus::WaitingHuman
        || (status == ConversationStatus::Human && (mine || state.admin));
    let can_close = status != ConversationStatus::Closed;
    let holder = summary
        .assigned
        .as_ref()
        .map(|held| format!("{} {}", texts.held_by, held.display_name));
    view! {
        <header class="conversation-head">
            <div>
                <h2>{visitor_name(texts, &summary)}</h2>
                <span class="chip" data-status=status.as_str()>{status_label(texts, status)}</span>
                {holder.map(|holder| view! { <span class="muted">" "{holder}</span> })}
                {summary.rating.as_ref().map(|rating| view! {
                    <p class="rating-line">
                        <span class="muted">{texts.rating}": "</span>
                        <span class="stars" aria-label=format!("{} {}", rating.score, texts.of_five)>{crate::inbox::stars(rating)}</span>
                        {rating.comment.clone().map(|comment| view! { <q class="rating-comment">{comment}</q> })}
                    </p>
                })}
            </div>
            <div class="actions">
                {can_take.then(|| view! {
                    <button type="button" class="primary" on:click=move |_| { act.dispatch(InboxAction::TakeOver); }>
                        {texts.take_over}
                    </button>
                })}
                {can_release.then(|| view! {
                    <button type="button" on:click=move |_| { act.dispatch(InboxAction::Release); }>
                        {texts.release}
                    </button>
                })}
                {can_close.then(|| view! {
                    <button type="button" class="danger" on:click=move |_| { act.dispatch(InboxAction::Close); }>
                        {texts.close}
                    </button>
                })}
            </div>
        </header>
    }
}

fn message_view(texts: &'static InboxTexts, message: &MessageView) -> impl IntoView + use<> {
    let copilot = &crate::i18n::use_texts().copilot;
    // A visitor message's translation, or what the operator wrote before it
    // was sent translated (`docs/copilot.md`, "Translation").
    let translation = message.translation.clone().map(|text| {
        let label = if message.role == MessageRole::Visitor {
            copilot.translation
        } else {
            copilot.original
        };
        view! { <p class="msg-translation"><span class="muted">{label}": "</span>{text}</p> }
    });
    let who = match message.role {
        MessageRole::Visitor => texts.visitor.to_owned(),
        MessageRole::Ai => texts.ai.to_owned(),
        MessageRole::Operator => message.author_name.clone().unwrap_or_default(),
        MessageRole::System => String::new(),
    };
    let body = match message.role {
        // Visitors write plain text; system notices are ours.
        MessageRole::Visitor | MessageRole::System => {
            view! { <p class="plain">{message.text.clone()}</p> }.into_any()
        }
        MessageRole::Ai | MessageRole::Operator => ui::rich::markdown(&message.text).into_any(),
    };
    let note = match message.status {
        MessageStatus::Interrupted => Some(texts.interrupted.to_owned()),
        MessageStatus::Failed => Some(texts.failed.to_owned()),
        MessageStatus::Streaming | MessageStatus::Complete => None,
    };
    let note = match (note, message.error_kind.clone()) {
        (Some(note), Some(kind)) => Some(format!("{note} · {kind}")),
        (None, Some(kind)) => Some(kind),
        (note, None) => note,
    };
    view! {
        <li class="msg" data-role=message.role.as_str() data-status=message.status.as_str()>
            <span class="msg-meta">{who}" "<time>{clock(message.created_at)}</time></span>
            <div class="msg-body">{body}</div>
            {translation}
            {note.map(|note| view! { <span class="msg-note">{note}</span> })}
        </li>
    }
}

fn visitor_view(
    texts: &'static InboxTexts,
    visitor: &VisitorInfo,
    reason: Option<String>,
) -> impl IntoView + use<> {
    let contact = [
        visitor.contact_name.clone(),
        visitor.contact_email.clone(),
        visitor.contact_phone.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let rows = [
        (texts.reason, reason),
        (texts.contact, (!contact.is_empty()).then_some(contact)),
        (texts.page, visitor.page_url.clone()),
        (texts.referrer, visitor.referrer.clone()),
        (texts.browser, visitor.user_agent.clone()),
        (texts.language, visitor.locale.clone()),
        (
            texts.first_seen,
            Some(format!(
                "{} {}",
                visitor.first_seen_at.format("%Y-%m-%d"),
                clock(visitor.first_seen_at)
            )),
        ),
    ];
    view! {
        <dl class="visitor-info">
            {rows
                .into_iter()
                .filter_map(|(label, value)| value.map(|value| view! { <dt>{label}</dt><dd>{value}</dd> }))
                .collect_view()}
        </dl>
    }
}
