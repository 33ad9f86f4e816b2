//! The panel's state and the event stream that keeps it current.

use crate::Setup;
use crate::api::Message;
use contract::chat::{ConversationStatus, MessageRole, MessageStatus};
use contract::projects::RatingAfter;
use leptos::prelude::*;
use ui::live::listen;

/// What the panel shows; every field is a signal.
#[derive(Clone, Copy)]
pub(crate) struct State {
    pub messages: RwSignal<Vec<Message>>,
    pub status: RwSignal<ConversationStatus>,
    pub ai_typing: RwSignal<bool>,
    pub token: RwSignal<Option<String>>,
    pub notice: RwSignal<Option<crate::texts::Text>>,
    /// A message written before the session was ready, sent once it is.
    pub queued: RwSignal<Option<String>>,
    /// The version of the privacy notice the visitor must accept before
    /// anything is sent (`None`: accepted, or no notice).
    pub consent: RwSignal<Option<String>>,
    /// The text of that notice.
    pub consent_text: RwSignal<Option<String>>,
    /// Whether the panel asks "How did we do?" (the conversation just closed).
    pub rating: RwSignal<bool>,
    /// Where the current conversation's messages start in `messages` (the
    /// panel keeps a closed one's in sight when the visitor writes again).
    pub first: RwSignal<usize>,
}

impl State {
    pub(crate) fn new() -> Self {
        Self {
            messages: RwSignal::new(Vec::new()),
            status: RwSignal::new(ConversationStatus::Ai),
            ai_typing: RwSignal::new(false),
            token: RwSignal::new(None),
            notice: RwSignal::new(None),
            queued: RwSignal::new(None),
            consent: RwSignal::new(None),
            consent_text: RwSignal::new(None),
            rating: RwSignal::new(false),
            first: RwSignal::new(0),
        }
    }

    /// The conversation was closed while the panel is open: ask for a rating
    /// when the project asks after this one (an operator wrote in it, or not).
    pub(crate) fn closed(&self, after: RatingAfter) {
        let first = self.first.get_untracked();
        let human = self.messages.with_untracked(|messages| {
            messages
                .iter()
                .skip(first)
                .any(|message| message.role == MessageRole::Operator)
        });
        self.status.set(ConversationStatus::Closed);
        self.rating.set(after.asks(human));
    }

    /// A conversation opens after a closed one (the visitor wrote again): the
    /// messages from here on are the new conversation's.
    pub(crate) fn reopened(&self) {
        if self.status.get_untracked() == ConversationStatus::Closed {
            self.first.set(self.messages.with_untracked(Vec::len));
        }
    }

    /// Adds `message`, or replaces the one with its id (it completed, failed…).
    pub(crate) fn upsert(&self, message: Message) {
        if message.role != MessageRole::Visitor && message.status != MessageStatus::Streaming {
            self.ai_typing.set(false);
        }
        self.messages.update(|messages| {
            match messages.iter_mut().find(|known| known.id == message.id) {
                Some(known) => *known = message,
                None => messages.push(message),
            }
        });
    }

    fn append(&self, delta: &Delta) {
        self.messages.update(|messages| {
            if let Some(known) = messages.iter_mut().find(|m| m.id == delta.message_id) {
                known.text.push_str(&delta.text);
            }
        });
    }
}

/// The part of a `status` event the panel shows (a smaller deserialiser than
/// the whole `StatusEvent`, whose operator and reason it does not show).
#[derive(serde::Deserialize)]
struct StatusChange {
    status: ConversationStatus,
}

/// The part of a `delta` event the panel uses (its own stream never sends a
/// piece twice, so `end` is not needed).
#[derive(serde::Deserialize)]
struct Delta {
    message_id: String,
    text: String,
}

/// The part of a `typing` event the panel shows.
#[derive(serde::Deserialize)]
struct Typing {
    role: MessageRole,
    active: bool,
}

/// Opens the visitor's event stream after event `after`; the browser
/// reconnects by itself with `Last-Event-ID`. It gives up for good after an
/// answer that is not a stream (a `502` while the server restarts, a `409`
/// once the privacy notice changed, a `429`): then the session is opened
/// again a few seconds later (its messages are the current state) and a new
/// stream follows it.
pub(crate) fn connect(setup: &Setup, state: State, token: &str, after: i64) {
    let url = format!(
        "{}/api/v1/widget/events?token={token}&after={after}",
        setup.server
    );
    let Ok(source) = web_sys::EventSource::new(&url) else {
        state.notice.set(Some(crate::texts::Text::Offline));
        return;
    };
    let panel = setup.panel.clone();
    let badge = setup.badge.clone();
    listen(&source, "message", move |message: Message| {
        let new = state
            .messages
            .with_untracked(|messages| messages.iter().all(|known| known.id != message.id));
        if new && message.role != MessageRole::Visitor && panel.hidden() {
            count_unread(&badge);
        }
        state.upsert(message);
    });
    listen(&source, "delta", move |delta: Delta| state.append(&delta));
    let after = RatingAfter::parse(&setup.config.rating_after);
    listen(&source, "status", move |event: StatusChange| {
        if event.status == ConversationStatus::Closed {
            state.closed(after);
        } else {
            state.reopened();
            state.status.set(event.status);
        }
        state.ai_typing.set(false);
    });
    listen(&source, "typing", move |event: Typing| {
        // The AI says when it stops; an operator's message ends their typing.
        if event.role != MessageRole::Visitor {
            state.ai_typing.set(event.active);
        }
        if event.role == MessageRole::Operator && event.active {
            set_timeout(
                move || state.ai_typing.set(false),
                std::time::Duration::from_secs(6),
            );
        }
    });
    let closed = source.clone();
    let reopen_with = setup.clone();
    let reopen = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        if closed.ready_state() == web_sys::EventSource::CLOSED {
            state.token.set(None);
            let setup = reopen_with.clone();
            set_timeout(
                move || leptos::task::spawn_local(crate::chat::start(setup, state)),
                std::time::Duration::from_secs(3),
            );
        }
    });
    source.set_onerror(Some(wasm_bindgen::JsCast::unchecked_ref(reopen.as_ref())));
    reopen.forget();
    // The stream lives as long as the page.
    #[allow(
        clippy::mem_forget,
        reason = "the stream is never closed: it lives as long as the page"
    )]
    std::mem::forget(source);
}

/// One more unread answer on the closed launcher's badge.
fn count_unread(badge: &web_sys::HtmlElement) {
    let count = badge
        .text_content()
        .and_then(|text| text.parse::<u32>().ok())
        .unwrap_or(0)
        + 1;
    badge.set_text_content(Some(&count.to_string()));
    badge.set_hidden(false);
}
