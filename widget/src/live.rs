//! The panel's state and the event stream that keeps it current.

use crate::Setup;
use app::chat::{
    ConversationStatus, DeltaEvent, MessageRole, MessageStatus, MessageView, StatusEvent,
    TypingEvent,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::Closure;

/// What the panel shows; every field is a signal.
#[derive(Clone, Copy)]
pub struct State {
    pub messages: RwSignal<Vec<MessageView>>,
    pub status: RwSignal<ConversationStatus>,
    pub ai_typing: RwSignal<bool>,
    pub token: RwSignal<Option<String>>,
    pub notice: RwSignal<Option<crate::texts::Text>>,
}

impl State {
    pub fn new() -> Self {
        Self {
            messages: RwSignal::new(Vec::new()),
            status: RwSignal::new(ConversationStatus::Ai),
            ai_typing: RwSignal::new(false),
            token: RwSignal::new(None),
            notice: RwSignal::new(None),
        }
    }

    /// Adds `message`, or replaces the one with its id (it completed, failed…).
    pub fn upsert(&self, message: MessageView) {
        if message.role == MessageRole::Ai && message.status != MessageStatus::Streaming {
            self.ai_typing.set(false);
        }
        self.messages.update(|messages| {
            match messages.iter_mut().find(|known| known.id == message.id) {
                Some(known) => *known = message,
                None => messages.push(message),
            }
        });
    }

    fn append(&self, delta: DeltaEvent) {
        self.messages.update(|messages| {
            if let Some(known) = messages.iter_mut().find(|m| m.id == delta.message_id) {
                known.text.push_str(&delta.text);
            }
        });
    }
}

/// Opens the visitor's event stream after event `after`; the browser
/// reconnects by itself with `Last-Event-ID`.
pub fn connect(setup: &Setup, state: State, token: &str, after: i64) {
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
    listen(&source, "message", move |message: MessageView| {
        let new = state
            .messages
            .with_untracked(|messages| messages.iter().all(|known| known.id != message.id));
        if new && message.role != MessageRole::Visitor && panel.hidden() {
            count_unread(&badge);
        }
        state.upsert(message);
    });
    listen(&source, "delta", move |delta: DeltaEvent| {
        state.append(delta)
    });
    listen(&source, "status", move |event: StatusEvent| {
        state.status.set(event.status);
        state.ai_typing.set(false);
    });
    listen(&source, "typing", move |event: TypingEvent| {
        if event.role == MessageRole::Ai {
            state.ai_typing.set(event.active);
        }
    });
    // The stream lives as long as the page.
    std::mem::forget(source);
}

fn listen<T: serde::de::DeserializeOwned + 'static>(
    source: &web_sys::EventSource,
    name: &str,
    mut apply: impl FnMut(T) + 'static,
) {
    let callback =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(data) = event.data().as_string()
                && let Ok(value) = serde_json::from_str::<T>(&data)
            {
                apply(value);
            }
        });
    let _ = source.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
    callback.forget();
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
