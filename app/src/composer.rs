//! The reply box of the open conversation: Enter sends, Shift+Enter starts
//! a new line; typing is told to the visitor at most every 3 s. Typing `/`
//! lists the project's canned replies (filtered as one types, arrows to
//! move, Enter or Tab to insert, Escape to close), inserted with their
//! variables filled; "Suggest a reply" streams a draft by the project's AI
//! into the box (`docs/copilot.md`). Nothing is sent until the operator sends.
//!
//! The box is emptied when a message is sent, not when the server answers, so
//! what the operator types meanwhile is kept; a message sent while another is
//! on its way waits in a queue and goes after it, in order. A failed message
//! comes back into the box when the box is empty.

use crate::api::copilot::list_replies;
use crate::api::{operator_typing, send_operator_message};
use crate::i18n::{use_lang, use_texts};
use crate::inbox::{InboxState, failure};
use contract::chat::ConversationStatus;
use contract::copilot::{CannedReply, Variables, fill, matching};
use contract::inbox::OperatorMessageRequest;
use leptos::prelude::*;
use uuid::Uuid;

/// The text after a leading `/` while it is one word: what the `/` menu
/// filters by.
fn slash_query(text: &str) -> Option<&str> {
    text.strip_prefix('/')
        .filter(|rest| !rest.contains(char::is_whitespace))
}

/// The reply box of conversation `id`.
#[component]
#[allow(
    clippy::must_use_candidate,
    reason = "#[component] does not pass #[must_use] on to the body function it generates"
)]
pub fn Composer(
    /// The conversation.
    id: Uuid,
) -> impl IntoView {
    let state = expect_context::<InboxState>();
    let texts = &use_texts().inbox;
    let copilot = &use_texts().copilot;
    let lang = use_lang();
    let text = RwSignal::new(String::new());
    let last_typing = StoredValue::new(0.0_f64);
    let queued = StoredValue::new(std::collections::VecDeque::<String>::new());
    // Sends translated into the visitor's language while their language is
    // not the operator's (translation on; the operator may turn it off).
    let translated = RwSignal::new(true);
    let send = Action::new_local(move |body: &String| {
        let body = body.clone();
        let request = OperatorMessageRequest {
            text: body.clone(),
            client_message_id: client_message_id(),
            translate: translated.get_untracked() && state.foreign_language().is_some(),
        };
        async move {
            match send_operator_message(id, request).await {
                Ok(message) => {
                    state.apply_message(message);
                    state.error.set(None);
                }
                Err(err) => {
                    text.update(|current| {
                        if current.trim().is_empty() {
                            *current = body;
                        }
                    });
                    state.error.set(Some(failure(lang, &err)));
                }
            }
        }
    });
    // The next queued message goes when the one on its way has been answered.
    Effect::new(move |_| {
        if !send.pending().get()
            && let Some(next) = queued
                .try_update_value(std::collections::VecDeque::pop_front)
                .flatten()
        {
            send.dispatch(next);
        }
    });
    let closed = move || {
        state.detail.with(|detail| {
            detail.as_ref().is_some_and(|d| {
                d.conversation.id == id && d.conversation.status == ConversationStatus::Closed
            })
        })
    };
    let held_elsewhere = move || {
        state.detail.with(|detail| {
            detail.as_ref().is_some_and(|d| {
                d.conversation.status == ConversationStatus::Human
                    && d.conversation
                        .assigned
                        .as_ref()
                        .is_some_and(|held| held.id != state.me)
            })
        })
    };
    let project = Memo::new(move |_| {
        state.detail.with(|detail| {
            detail
                .as_ref()
                .filter(|d| d.conversation.id == id)
                .map(|d| d.conversation.project_id)
        })
    });
    let replies = LocalResource::new(move || {
        let project = project.get();
        async move {
            match project {
                Some(project) => list_replies(project).await.unwrap_or_default(),
                None => Vec::new(),
            }
        }
    });
    let menu = Menu {
        highlighted: RwSignal::new(0),
        dismissed: RwSignal::new(false),
    };
    let shown = Memo::new(move |_| {
        if menu.dismissed.get() {
            return None;
        }
        let all = replies.get().unwrap_or_default();
        text.with(|text| {
            slash_query(text).map(|query| {
                matching(&all, query)
                    .into_iter()
                    .cloned()
                    .collect::<Vec<CannedReply>>()
            })
        })
    });
    let insert = move |reply: &CannedReply| {
        let variables = state.detail.with_untracked(|detail| {
            let detail = detail.as_ref();
            Variables {
                visitor_name: detail.and_then(|d| d.visitor.contact_name.clone()),
                operator_name: Some(state.my_name.get_value()),
                project_name: detail.and_then(|d| {
                    state
                        .project_names
                        .with_untracked(|names| names.get(&d.conversation.project_id).cloned())
                }),
                page_url: detail.and_then(|d| d.visitor.page_url.clone()),
            }
        });
        text.set(fill(&reply.text, &variables));
        menu.dismissed.set(true);
    };
    let draft = Draft {
        pending: RwSignal::new(false),
        note: RwSignal::new(None),
    };
    let submit = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() || draft.pending.get_untracked() {
            return;
        }
        text.set(String::new());
        if send.pending().get_untracked() {
            queued.update_value(|queue| queue.push_back(body));
        } else {
            send.dispatch(body);
        }
    };
    let locked = move || closed() || held_elsewhere();
    view! {
        {move || held_elsewhere().then(|| view! { <p class="muted">{texts.held_elsewhere}</p> })}
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <div class="composer-box">
                {move || shown.get().map(|list| view! { <ReplyMenu list menu insert /> })}
                <textarea
                    rows="2"
                    aria-label=texts.reply_placeholder
                    placeholder=texts.reply_placeholder
                    prop:value=move || text.get()
                    disabled=locked
                    readonly=move || draft.pending.get()
                    aria-busy=move || draft.pending.get().to_string()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        menu.highlighted.set(0);
                        menu.dismissed.set(false);
                        let now = now_ms();
                        if now - last_typing.get_value() > 3000.0 {
                            last_typing.set_value(now);
                            leptos::task::spawn_local(async move {
                                let _ = operator_typing(id).await;
                            });
                        }
                    }
                    on:keydown=move |ev| {
                        let open = shown.with_untracked(|list| list.as_ref().map(Vec::len));
                        match (ev.key().as_str(), open) {
                            ("ArrowDown", Some(count)) if count > 0 => {
                                ev.prevent_default();
                                menu.highlighted.update(|at| *at = (*at + 1) % count);
                            }
                            ("ArrowUp", Some(count)) if count > 0 => {
                                ev.prevent_default();
                                menu.highlighted.update(|at| *at = (*at + count - 1) % count);
                            }
                            ("Enter" | "Tab", Some(count)) if count > 0 && !ev.shift_key() => {
                                ev.prevent_default();
                                let at = menu.highlighted.get_untracked().min(count - 1);
                                if let Some(reply) = shown.with_untracked(|list| list.as_ref().and_then(|list| list.get(at).cloned())) {
                                    insert(&reply);
                                }
                            }
                            ("Escape", Some(_)) => {
                                ev.prevent_default();
                                menu.dismissed.set(true);
                            }
                            ("Enter", _) if !ev.shift_key() => {
                                ev.prevent_default();
                                submit();
                            }
                            _ => {}
                        }
                    }
                ></textarea>
                {move || draft.note.get().map(|note| view! { <p class="composer-note field-error" role="alert">{note}</p> })}
            </div>
            <div class="composer-actions">
                {move || state.foreign_language().map(|theirs| view! {
                    <label class="check translate-toggle">
                        <input type="checkbox" prop:checked=translated on:change=move |ev| translated.set(event_target_checked(&ev)) />
                        {format!("{} {}", copilot.send_translated, theirs.to_uppercase())}
                    </label>
                })}
                <button
                    type="button"
                    class="suggest"
                    disabled=move || locked() || draft.pending.get()
                    on:click=move |_| suggest(id, text, draft, lang)
                >
                    {move || if draft.pending.get() { copilot.suggesting } else { copilot.suggest }}
                </button>
                <button type="submit" class="primary" disabled=move || locked() || draft.pending.get()>
                    {texts.send}
                </button>
            </div>
        </form>
    }
}

/// The `/` menu's state: the highlighted row, and whether Escape closed it.
#[derive(Debug, Clone, Copy)]
struct Menu {
    highlighted: RwSignal<usize>,
    dismissed: RwSignal<bool>,
}

/// The canned replies matching what follows `/`; a click inserts one.
#[component]
fn ReplyMenu(
    list: Vec<CannedReply>,
    menu: Menu,
    insert: impl Fn(&CannedReply) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let copilot = &use_texts().copilot;
    if list.is_empty() {
        return view! {
            <ul class="reply-menu" role="listbox" aria-label=copilot.menu>
                <li class="muted">{copilot.no_match}</li>
            </ul>
        }
        .into_any();
    }
    view! {
        <ul class="reply-menu" role="listbox" aria-label=copilot.menu>
            {list
                .into_iter()
                .enumerate()
                .map(|(at, reply)| {
                    let chosen = reply.clone();
                    view! {
                        <li
                            role="option"
                            aria-selected=move || (menu.highlighted.get() == at).to_string()
                            on:mousedown=move |ev| { ev.prevent_default(); insert(&chosen); }
                        >
                            <span class="shortcut">"/"{reply.shortcut}</span>
                            <span class="reply-title">{reply.title}</span>
                            <span class="reply-preview muted">{reply.text}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// A suggestion being drafted, and why the last one failed.
#[derive(Debug, Clone, Copy)]
struct Draft {
    pending: RwSignal<bool>,
    note: RwSignal<Option<String>>,
}

/// Why a suggestion failed when its stream ended before the whole draft.
#[cfg(feature = "hydrate")]
const CUT: &str = "the suggestion was cut off before it was complete";

/// Streams a suggested reply into the box. A failure puts back what the box
/// held and says why under it.
fn suggest(id: Uuid, text: RwSignal<String>, draft: Draft, lang: crate::i18n::Lang) {
    if draft.pending.get_untracked() {
        return;
    }
    draft.pending.set(true);
    draft.note.set(None);
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        #[derive(serde::Deserialize)]
        struct Piece {
            text: String,
        }
        let before = text.get_untracked();
        text.set(String::new());
        let failed = RwSignal::new(None::<String>);
        let whole = std::rc::Rc::new(std::cell::Cell::new(false));
        let arrived = whole.clone();
        let result = crate::fetch::post_events(
            &format!("/api/v1/admin/conversations/{id}/suggest"),
            None,
            move |event| match event.name.as_str() {
                "delta" => {
                    if let Ok(piece) = serde_json::from_str::<Piece>(&event.data) {
                        text.try_update(|text| text.push_str(&piece.text));
                    }
                }
                "suggestion" => {
                    if let Ok(piece) = serde_json::from_str::<Piece>(&event.data) {
                        text.try_set(piece.text);
                        arrived.set(true);
                    }
                }
                "error" => {
                    let english = serde_json::from_str::<contract::error::ErrorBody>(&event.data)
                        .map_or(event.data, |body| body.message);
                    failed.try_set(Some(english));
                }
                _ => {}
            },
        )
        .await;
        // A stream that ended before its `suggestion` (a restart, a proxy)
        // failed too: a half draft must not stay in the box.
        let failure = failed
            .try_get_untracked()
            .flatten()
            .or_else(|| result.err().map(|failure| failure.message))
            .or_else(|| (!whole.get()).then(|| CUT.to_owned()));
        if let Some(english) = failure {
            text.try_set(before);
            let words = lang.texts().copilot.suggest_failed;
            draft.note.try_set(Some(format!(
                "{words} {}",
                crate::i18n::reason(lang, &english)
            )));
        }
        draft.pending.try_set(false);
        failed.dispose();
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, text, lang);
}

/// A fresh id for a send, so that a retried request is stored once.
fn client_message_id() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        window().crypto().ok().map(|crypto| crypto.random_uuid())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Milliseconds since the epoch, by the browser's clock.
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::slash_query;

    #[test]
    fn the_menu_opens_on_a_leading_slash_word_only() {
        assert_eq!(slash_query("/"), Some(""));
        assert_eq!(slash_query("/дост"), Some("дост"));
        assert_eq!(slash_query("/price list"), None, "a space closes it");
        assert_eq!(slash_query("see /price"), None);
        assert_eq!(slash_query(""), None);
    }
}
