//! The Telegram section of "My alerts": whether a chat is linked, a one-time
//! link to link one, and unlinking. While a link waits to be opened the page
//! asks the server again every 3 s (until the link expires), so it shows
//! "Linked" soon after the operator pressed Start in Telegram.

use crate::api::alerts::{create_telegram_link, get_notifications, unlink_telegram};
use crate::i18n::{Lang, reason, use_lang, use_texts};
use crate::inbox::clock;
use contract::AppError;
use contract::alerts::{Notifications, TelegramLink};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The section's state, shared by its buttons and the refresh.
#[derive(Debug, Clone, Copy)]
struct Telegram {
    /// True when a chat is linked.
    linked: RwSignal<bool>,
    /// The linked chat's username, without the `@`.
    username: RwSignal<Option<String>>,
    /// The last link made, until the chat is linked.
    link: RwSignal<Option<TelegramLink>>,
    /// True when the shown link's time is over.
    expired: RwSignal<bool>,
    /// True while a button's call runs.
    busy: RwSignal<bool>,
    /// The last refusal, in words.
    error: RwSignal<Option<String>>,
    /// The page's language, for the server's reasons.
    lang: Lang,
}

impl Telegram {
    /// Takes the link state from freshly loaded choices.
    fn seen(self, notifications: &Notifications) {
        self.set_linked(
            notifications.telegram_linked,
            notifications.telegram_username.clone(),
        );
    }

    /// Shows the chat linked (with its username) or not.
    fn set_linked(self, linked: bool, username: Option<String>) {
        self.linked.try_set(linked);
        self.username
            .try_set(username.map(|name| name.trim_start_matches('@').to_owned()));
        if linked {
            self.link.try_set(None);
            self.expired.try_set(false);
        }
    }

    /// Shows a refusal in the page's language.
    fn failed(self, err: &AppError) {
        self.error
            .try_set(Some(reason(self.lang, &err.to_string())));
    }

    /// Asks the server whether the chat is linked now.
    fn check(self) {
        spawn_local(async move {
            match get_notifications().await {
                Ok(notifications) => self.seen(&notifications),
                Err(err) => self.failed(&err),
            }
        });
    }

    /// Runs a button's call, one at a time.
    fn run<F>(self, call: F)
    where
        F: Future<Output = Result<(), AppError>> + 'static,
    {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            if let Err(err) = call.await {
                self.failed(&err);
            }
            self.busy.try_set(false);
        });
    }

    /// Makes a new one-time link and shows it.
    fn make_link(self) {
        self.run(async move {
            let link = create_telegram_link().await?;
            self.link.try_set(Some(link));
            self.expired.try_set(false);
            Ok(())
        });
    }

    /// Unlinks the chat.
    fn unlink(self) {
        self.run(async move {
            unlink_telegram().await?;
            self.linked.try_set(false);
            self.username.try_set(None);
            Ok(())
        });
    }
}

/// The Telegram section, drawn from the choices as first loaded: `enabled`
/// when the server has a bot, `linked` with the chat's `username`.
#[component]
#[allow(
    unreachable_pub,
    reason = "#[component] makes the body function it generates `pub`, whatever the visibility"
)]
pub(super) fn TelegramSection(
    /// True when the server has a Telegram bot.
    enabled: bool,
    /// True when a chat is linked.
    linked: bool,
    /// The linked chat's username.
    username: Option<String>,
) -> impl IntoView {
    let texts = &use_texts().alerts;
    let state = Telegram {
        linked: RwSignal::new(false),
        username: RwSignal::new(None),
        link: RwSignal::new(None),
        expired: RwSignal::new(false),
        busy: RwSignal::new(false),
        error: RwSignal::new(None),
        lang: use_lang(),
    };
    state.set_linked(linked, username);
    refresh_while_waiting(state);
    let body = if enabled {
        view! { <LinkState state /> }.into_any()
    } else {
        view! { <p class="notice">{texts.telegram_off}</p> }.into_any()
    };
    view! {
        <section class="card alerts-telegram" aria-labelledby="alerts-telegram">
            <h2 id="alerts-telegram">{texts.telegram}</h2>
            {body}
            {move || state.error.get().map(|text| view! { <p class="field-error" role="alert">{text}</p> })}
        </section>
    }
}

/// Linked (with the unlink button), or the link to open, or the button
/// that makes one.
#[component]
fn LinkState(state: Telegram) -> impl IntoView {
    let texts = &use_texts().alerts;
    move || {
        if state.linked.get() {
            let name = state
                .username
                .get()
                .map(|name| format!(" (@{name})"))
                .unwrap_or_default();
            return view! {
                <div class="actions alerts-linked">
                    <span class="pill ok">{format!("{}{name}", texts.linked)}</span>
                    <button type="button" class="danger" disabled=move || state.busy.get() on:click=move |_| state.unlink()>
                        {texts.unlink}
                    </button>
                </div>
            }
            .into_any();
        }
        let shown = state.link.get().filter(|_| !state.expired.get());
        let link = shown.map(|link| {
            let until = format!("{} {}", texts.link_until, clock(link.expires_at));
            let href = link.link.clone();
            view! {
                <p class="alerts-link">
                    <a href=href target="_blank" rel="noopener noreferrer">{link.link}</a>
                </p>
                <p class="hint">{texts.link_hint}</p>
                <p class="hint">{until}</p>
            }
        });
        let waiting = link.is_some();
        let expired = state.expired.get();
        view! {
            <p class="muted">{texts.not_linked}</p>
            {expired.then(|| view! { <p class="warning">{texts.link_expired}</p> })}
            {link}
            <div class="actions">
                <button type="button" class:primary=!waiting disabled=move || state.busy.get() on:click=move |_| state.make_link()>
                    {texts.link_telegram}
                </button>
                {waiting.then(|| view! {
                    <button type="button" on:click=move |_| state.check()>{texts.check_again}</button>
                })}
            </div>
        }
        .into_any()
    }
}

/// Asks the server every 3 s whether the chat is linked while a link is
/// shown; marks the link expired when its time is over. Stops when the page
/// is left.
fn refresh_while_waiting(state: Telegram) {
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                let Some(expires_at) = state.link.with_untracked(|link| {
                    link.as_ref()
                        .map(|link| link.expires_at.timestamp_millis() as f64)
                }) else {
                    return;
                };
                if state.linked.get_untracked() || state.expired.get_untracked() {
                    return;
                }
                if web_sys::js_sys::Date::now() >= expires_at {
                    state.expired.set(true);
                } else {
                    state.check();
                }
            },
            std::time::Duration::from_secs(3),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = state;
}
