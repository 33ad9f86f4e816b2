//! The chat panel: the conversation, the composer, "talk to a human", and
//! the project's privacy notice, accepted before anything is sent.

use crate::api::{Message, SessionRequest};
use crate::live::{self, State};
use crate::texts::{Text, t};
use crate::{Setup, api};
use contract::chat::{ConversationStatus, MessageRole, Source};
use contract::widget::{ContactRequest, RatingRequest, SendMessageRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use ui::rich;

/// The panel of one visitor of one project.
pub(crate) fn chat(setup: Setup) -> impl IntoView {
    let state = State::new();
    // With a privacy notice, nothing is sent (no session) before the visitor
    // accepts its current version; an accepted one is remembered.
    let version = setup.config.privacy_notice_version.clone();
    if version.is_some() && stored(&consent_key(&setup)) != version {
        state.consent_text.set(setup.config.privacy_notice.clone());
        state.consent.set(version);
    } else {
        spawn_local(start(setup.clone(), state));
    }
    let lang = setup.lang;
    let composer = composer(&setup, state);
    let greeting = setup.config.greeting.clone();
    let title = setup.title.clone();
    let label = title.clone();
    let accept_setup = setup;
    view! {
        <section class="aiw-panel" role="dialog" aria-label=label>
            <header class="aiw-header">
                <h2 class="aiw-title">{title}</h2>
                <button class="aiw-close" type="button" data-aiw-close="" aria-label=t(lang, Text::Close)>
                    "×"
                </button>
            </header>
            // A column-reverse scroller keeps the newest message in sight as
            // messages come and grow (no script needed).
            <div class="aiw-scroll">
            <ol class="aiw-log" role="log" aria-live="polite">
                {(!greeting.is_empty())
                    .then(|| view! { <li class="aiw-message aiw-ai">{rich::markdown(&greeting)}</li> })}
                {move || state.messages.get().iter().map(|m| message(m, lang)).collect_view()}
                <li class="aiw-typing" hidden=move || !state.ai_typing.get() aria-label=t(lang, Text::Typing)>
                    <span></span><span></span><span></span>
                </li>
            </ol>
            </div>
            <p class="aiw-status" aria-live="polite">
                {move || status_text(state.status.get()).map(|text| t(lang, text))}
                {move || state.notice.get().map(|text| t(lang, text))}
            </p>
            // The notice until it is accepted, then the composer (both drawn,
            // one hidden: a `Show` costs the widget's size budget more).
            <div class="aiw-consent" hidden=move || state.consent.with(Option::is_none)>
                <p>{move || state.consent_text.get()}</p>
                <button type="button" class="aiw-button" on:click=move |_| {
                    if let Some(version) = state.consent.get_untracked() {
                        store(&consent_key(&accept_setup), &version);
                    }
                    state.consent.set(None);
                    spawn_local(start(accept_setup.clone(), state));
                }>{t(lang, Text::Agree)}</button>
            </div>
            <div hidden=move || state.consent.with(Option::is_some)>
                {composer}
            </div>
        </section>
    }
}

fn composer(setup: &Setup, state: State) -> impl IntoView + use<> {
    let lang = setup.lang;
    let draft = RwSignal::new(String::new());
    let max = setup.config.max_message_chars;
    let send_setup = setup.clone();
    let send = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        if i32::try_from(text.chars().count()).unwrap_or(i32::MAX) > max {
            state.notice.set(Some(Text::TooLong));
            return;
        }
        draft.set(String::new());
        spawn_local(send_message(send_setup.clone(), state, text));
    };
    let typing_setup = setup.clone();
    // Typing is told every 3 s while it goes on (the server keeps at most one per 2 s).
    let told = StoredValue::new(0.0);
    let on_input = move |event: leptos::ev::Event| {
        draft.set(event_target_value(&event));
        let now = web_sys::js_sys::Date::now();
        if now - told.get_value() >= 3000.0
            && let Some(token) = state.token.get_untracked()
        {
            told.set_value(now);
            let server = typing_setup.server.clone();
            spawn_local(async move {
                let _ = api::action(&server, &token, "typing").await;
            });
        }
    };
    let server = StoredValue::new(setup.server.clone());
    let handoff = move |_| {
        if let Some(token) = state.token.get_untracked() {
            let server = server.get_value();
            spawn_local(async move {
                if api::action(&server, &token, "handoff").await.is_ok() {
                    state.status.set(ConversationStatus::WaitingHuman);
                }
            });
        }
    };
    let can_hand_off = move || {
        state.status.get() == ConversationStatus::Ai
            && state.messages.with(|messages| !messages.is_empty())
    };
    let after = contract::projects::RatingAfter::parse(&setup.config.rating_after);
    let end = move |_| {
        if let Some(token) = state.token.get_untracked() {
            let server = server.get_value();
            spawn_local(async move {
                if api::action(&server, &token, "close").await.is_ok() {
                    state.closed(after);
                }
            });
        }
    };
    let can_end = move || {
        state.status.get() != ConversationStatus::Closed
            && state.messages.with(|messages| !messages.is_empty())
    };
    view! {
        {rating_form(setup.server.clone(), state, lang)}
        <form class="aiw-compose" on:submit=send>
            <input
                class="aiw-input"
                aria-label=t(lang, Text::MessageLabel)
                placeholder=t(lang, Text::Placeholder)
                maxlength=max
                prop:value=draft
                on:input=on_input
            />
            <button class="aiw-send aiw-button" type="submit">{t(lang, Text::Send)}</button>
        </form>
        {contact_form(setup.server.clone(), state, lang)}
        <div class="aiw-actions">
            <button class="aiw-link aiw-handoff" type="button" hidden=move || !can_hand_off() on:click=handoff>
                {t(lang, Text::AskHuman)}
            </button>
            <button class="aiw-link aiw-end" type="button" hidden=move || !can_end() on:click=end>
                {t(lang, Text::EndChat)}
            </button>
        </div>
    }
}

/// "How did we do?": five stars, each of which sends the rating with the
/// comment typed so far; thanks once stored. Always drawn, hidden unless
/// asked (no `Show`: each costs the widget's size budget, `tests/sizes.mjs`,
/// far more than a `hidden` attribute).
fn rating_form(server: String, state: State, lang: crate::texts::Lang) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let server = StoredValue::new(server);
    let rate = move |score: i32| {
        let Some(token) = state.token.get_untracked() else {
            return;
        };
        let request = RatingRequest {
            score,
            comment: Some(comment.get_untracked()),
        };
        let server = server.get_value();
        spawn_local(async move {
            let rated = api::rate(&server, &token, &request).await;
            state.rating.set(rated.is_err());
            state.notice.set(Some(if rated.is_ok() {
                Text::Thanks
            } else {
                Text::Failed
            }));
        });
    };
    let stars = (1..=5)
        .map(|score| {
            view! {
                <button type="button" class="aiw-star" aria-label=score on:click=move |_| rate(score)>"★"</button>
            }
        })
        .collect_view();
    view! {
        <div class="aiw-rate" hidden=move || !(state.rating.get() && state.status.get() == ConversationStatus::Closed)>
            <p>{t(lang, Text::HowDidWeDo)}</p>
            <input class="aiw-field" maxlength="1000" aria-label=t(lang, Text::Comment) placeholder=t(lang, Text::Comment)
                on:input=move |e| comment.set(event_target_value(&e)) />
            <div class="aiw-stars">{stars}</div>
        </div>
    }
}

/// True when nobody came and the project asks for the visitor's contact
/// (the last message is that notice).
fn wants_contact(state: State) -> bool {
    state.status.get() == ConversationStatus::WaitingHuman
        && state.messages.with(|messages| {
            messages
                .last()
                .is_some_and(|last| last.error_kind.as_deref() == Some("contact_requested"))
        })
}

/// Name and an email or a phone; the server thanks the visitor once stored.
/// Always drawn, hidden unless asked (no `Show`: the widget's size budget).
fn contact_form(server: String, state: State, lang: crate::texts::Lang) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let reach = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (Some(token), reach) = (state.token.get_untracked(), reach.get_untracked()) else {
            return;
        };
        let email = reach.contains('@');
        let request = ContactRequest {
            name: Some(name.get_untracked()),
            email: email.then(|| reach.clone()),
            phone: (!email).then_some(reach),
            text: None,
        };
        let server = server.clone();
        spawn_local(async move {
            let sent = api::contact(&server, &token, &request).await;
            state.notice.set(sent.err().map(|_| Text::Failed));
        });
    };
    view! {
        <form class="aiw-contact" hidden=move || !wants_contact(state) on:submit=submit>
            <input class="aiw-field" aria-label=t(lang, Text::YourName) placeholder=t(lang, Text::YourName)
                on:input=move |e| name.set(event_target_value(&e)) />
            <input class="aiw-field" required aria-label=t(lang, Text::EmailOrPhone)
                placeholder=t(lang, Text::EmailOrPhone) on:input=move |e| reach.set(event_target_value(&e)) />
            <button class="aiw-button" type="submit">{t(lang, Text::LeaveContact)}</button>
        </form>
    }
}

fn message(message: &Message, lang: crate::texts::Lang) -> impl IntoView + use<> {
    let class = match message.role {
        MessageRole::Visitor => "aiw-message aiw-visitor",
        MessageRole::Ai => "aiw-message aiw-ai",
        MessageRole::Operator => "aiw-message aiw-operator",
        MessageRole::System => "aiw-message aiw-system",
    };
    let author = message.author_name.clone();
    let body = if message.role == MessageRole::Visitor {
        message.text.clone().into_any()
    } else {
        rich::markdown(&message.text).into_any()
    };
    let sources = (!message.sources.is_empty()).then(|| {
        let names = message.sources.iter().map(source).collect_view();
        view! {
            <div class="aiw-sources">
                <span>{t(lang, Text::Sources)}</span>
                <ul>{names}</ul>
            </div>
        }
    });
    view! {
        <li class=class data-status=message.status.as_str()>
            {author.map(|name| view! { <span class="aiw-author">{name}</span> })}
            {body}
            {sources}
        </li>
    }
}

/// One citation: a page of an imported website by its title, linked when its
/// address is `http(s)` (opened apart from the host page, passing it nothing);
/// a file by its name.
fn source(source: &Source) -> impl IntoView + use<> {
    let name = source
        .title
        .clone()
        .or_else(|| source.filename.clone())
        .unwrap_or_else(|| source.file_id.clone());
    let link = source
        .url
        .clone()
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"));
    match link {
        Some(url) => view! {
            <li>
                <a href=url target="_blank" rel="noopener noreferrer nofollow">{name}</a>
            </li>
        }
        .into_any(),
        None => view! { <li>{name}</li> }.into_any(),
    }
}

fn status_text(status: ConversationStatus) -> Option<Text> {
    match status {
        ConversationStatus::Ai => None,
        ConversationStatus::WaitingHuman => Some(Text::HumanAsked),
        ConversationStatus::Human => Some(Text::OperatorJoined),
        ConversationStatus::Closed => Some(Text::Closed),
    }
}

/// Where the accepted privacy notice version is kept.
fn consent_key(setup: &Setup) -> String {
    format!("aiwidget:consent:{}", setup.project_id)
}

/// The server asks for consent again (the notice changed since this page
/// loaded it): show the current notice.
async fn ask_consent(setup: &Setup, state: State) {
    match api::config(&setup.server, &setup.project_id).await {
        Ok(config) => {
            state.consent_text.set(config.privacy_notice);
            state.consent.set(config.privacy_notice_version);
        }
        Err(_) => state.notice.set(Some(Text::Offline)),
    }
}

/// Opens the session (reusing the stored token and consent) and, the first
/// time, the event stream.
pub(crate) async fn start(setup: Setup, state: State) {
    let key = format!("aiwidget:token:{}", setup.project_id);
    let window = web_sys::window();
    let location = window.as_ref().and_then(|w| w.location().href().ok());
    let referrer = window
        .as_ref()
        .and_then(|w| w.document())
        .map(|d| d.referrer())
        .filter(|r| !r.is_empty());
    let locale = window.as_ref().and_then(|w| w.navigator().language());
    let request = SessionRequest {
        project_id: &setup.config.project_id,
        visitor_token: stored(&key),
        page_url: location,
        referrer,
        locale,
        consent_version: stored(&consent_key(&setup)),
    };
    match api::session(&setup.server, &request).await {
        Ok(session) => {
            store(&key, &session.visitor_token);
            state.status.set(session.status);
            state.messages.set(session.messages);
            state.first.set(0);
            if state.token.get_untracked().is_none() {
                live::connect(&setup, state, &session.visitor_token, session.last_event_id);
            }
            state.token.set(Some(session.visitor_token));
            if let Some(text) = state.queued.try_update(Option::take).flatten() {
                spawn_local(send_message(setup, state, text));
            }
        }
        Err(error) if error.code == "consent_required" => ask_consent(&setup, state).await,
        Err(_) => state.notice.set(Some(Text::Offline)),
    }
}

async fn send_message(setup: Setup, state: State, text: String) {
    let Some(token) = state.token.get_untracked() else {
        // The session is still opening: this goes as soon as it is.
        state.queued.set(Some(text));
        return;
    };
    let request = SendMessageRequest {
        text,
        client_message_id: web_sys::window()
            .and_then(|window| window.crypto().ok())
            .map(|crypto| crypto.random_uuid()),
    };
    match api::send(&setup.server, &token, &request).await {
        Ok(sent) => {
            state.notice.set(None);
            if state.status.get_untracked() == ConversationStatus::Closed {
                // A new conversation opens with this message.
                state.reopened();
                state.status.set(ConversationStatus::Ai);
            }
            state.upsert(sent.message);
        }
        Err(error) if error.code == "consent_required" => {
            state.queued.set(Some(request.text));
            ask_consent(&setup, state).await;
        }
        Err(error) => state.notice.set(Some(match error.code.as_str() {
            "rate_limited" => Text::RateLimited,
            "validation_failed" => Text::TooLong,
            _ => Text::Failed,
        })),
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn store(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}
