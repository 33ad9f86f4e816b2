//! The inbox's live side, in the browser: the operators' event stream feeds
//! the inbox's signals, and a conversation that needs a human rings: a short
//! tone, and a browser notification when the tab is hidden and the operator
//! allowed them. The stream closes when the inbox does.

use crate::i18n::InboxTexts;
use crate::inbox::{Alert, InboxState};
use contract::chat::{DeltaEvent, MessageView, TypingEvent};
use contract::inbox::ConversationSummary;
use contract::privacy::ConversationRemovedEvent;
use leptos::prelude::*;
use std::cell::RefCell;
use ui::live::listen;

/// Follows `/api/v1/admin/events` (the session cookie authenticates it).
pub fn connect(state: InboxState, texts: &'static InboxTexts) {
    let Ok(source) = web_sys::EventSource::new("/api/v1/admin/events") else {
        return;
    };
    listen(
        &source,
        "conversation",
        move |summary: ConversationSummary| {
            let selected = state.selected.get_untracked() == Some(summary.id);
            let unread = summary.operator_unread > 0;
            let id = summary.id;
            if let Some(alert) = state.apply_summary(summary)
                && !(selected && document().has_focus().unwrap_or(false))
            {
                ring(texts, alert);
            }
            if selected && unread && document().has_focus().unwrap_or(false) {
                leptos::task::spawn_local(async move {
                    if let Ok(summary) =
                        crate::api::conversation_action(id, crate::api::InboxAction::Read).await
                    {
                        state.apply_summary(summary);
                    }
                });
            }
        },
    );
    listen(&source, "message", move |message: MessageView| {
        state.apply_message(message);
    });
    listen(&source, "delta", move |delta: DeltaEvent| {
        state.apply_delta(&delta);
    });
    listen(&source, "typing", move |typing: TypingEvent| {
        state.apply_typing(&typing);
    });
    listen(
        &source,
        "conversation_removed",
        move |removed: ConversationRemovedEvent| {
            state.remove_conversation(removed.conversation_id);
        },
    );
    let source = send_wrapper::SendWrapper::new(source);
    on_cleanup(move || source.close());
}

/// Asks the browser to allow notifications (from a click: browsers ignore it otherwise).
pub fn ask_permission() {
    let _ = web_sys::Notification::request_permission();
}

/// Whether the browser would show a notification now, or may be asked.
#[must_use]
pub fn may_ask_permission() -> bool {
    web_sys::Notification::permission() == web_sys::NotificationPermission::Default
}

fn ring(texts: &InboxTexts, alert: Alert) {
    tone();
    let hidden = document().hidden();
    if hidden && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted {
        let title = match alert {
            Alert::Waiting => texts.alert_waiting,
            Alert::Message => texts.alert_message,
        };
        let _ = web_sys::Notification::new(title);
    }
}

thread_local! {
    /// One audio context for the page (browsers limit how many there may be).
    static AUDIO: RefCell<Option<web_sys::AudioContext>> = const { RefCell::new(None) };
}

/// A short, quiet two-note tone.
fn tone() {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = web_sys::AudioContext::new().ok();
        }
        let Some(context) = audio.as_ref() else {
            return;
        };
        let now = context.current_time();
        for (at, pitch) in [(0.0, 880.0), (0.16, 1320.0)] {
            let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain())
            else {
                return;
            };
            oscillator.frequency().set_value(pitch);
            gain.gain().set_value(0.06);
            let _ = oscillator.connect_with_audio_node(&gain);
            let _ = gain.connect_with_audio_node(&context.destination());
            let _ = oscillator.start_with_when(now + at);
            let _ = oscillator.stop_with_when(now + at + 0.14);
        }
    });
}
