//! A fake Telegram Bot API server for tests: it listens on a random local
//! port and answers like `https://api.telegram.org`, so a bot pointed at it
//! exercises the real client code, with simulated users on the other side.
//!
//! # Layout
//! - [`FakeTelegram`] (here): start it, read its `api_url`, make users write
//!   and press buttons, script faults, read what the bot did.
//! - `records`: the public records ([`TgUser`], [`SentMessage`], [`Edit`],
//!   [`CallbackAnswer`], [`Recorded`], [`Delivery`]).
//! - `script`: the shared state and its change counter.
//! - `api`: the route `/bot<token>/<method>` (token, outage, faults);
//!   `params`: JSON, form and query parameters; [`Fault`] and the error
//!   answers in `faults`.
//! - Methods: `updates` (`getUpdates` as a real long poll, `setWebhook`,
//!   `deleteWebhook`, `getWebhookInfo`), `messages` (`sendMessage`,
//!   `editMessageText`, `answerCallbackQuery`) and `getMe`.
//! - Telegram's checks: `html` (`parse_mode: "HTML"`: supported tags and
//!   entities only), `keyboard` (callback data 1-64 bytes, real http(s) URLs).
//! - `users`: simulated users' messages, replies and button presses.
//! - `webhook`: the sender that POSTs updates to a set webhook.
//! - `control`: `/_fake/…` routes for the browser tests.
//!
//! Answers follow the Bot API: `{"ok":true,"result":…}` or
//! `{"ok":false,"error_code":N,"description":"…"[,"parameters":{…}]}`.

mod api;
mod control;
mod faults;
mod html;
mod keyboard;
mod messages;
mod params;
mod records;
mod script;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_messages;
mod updates;
mod users;
mod webhook;

pub use faults::Fault;
pub use records::{CallbackAnswer, Delivery, Edit, Recorded, SentMessage, TgUser};
pub use webhook::SECRET_HEADER;

use axum::Router;
use axum::routing::{any, get, post};
use script::{QueuedFault, Script, Shared, State};
use serde_json::Value;
use std::sync::MutexGuard;
use std::time::Duration;

/// The bot token the fake accepts unless started with another.
pub const TOKEN: &str = "123456789:AAfake-token-for-tests_0123456789";

/// The bot's `@username` (without the `@`).
pub const BOT_USERNAME: &str = "aiwidget_test_bot";

/// A running fake; dropped with the test's runtime.
#[derive(Debug, Clone)]
pub struct FakeTelegram {
    /// `http://127.0.0.1:<port>`: the API root, without `/bot<token>`.
    pub api_url: String,
    /// The token it accepts.
    pub token: String,
    state: Shared,
}

impl FakeTelegram {
    /// Starts the fake on a random port, accepting [`TOKEN`].
    ///
    /// # Panics
    /// If no local port can be bound (the test cannot run anyway).
    pub async fn start() -> Self {
        Self::start_with_token(TOKEN).await
    }

    /// Starts the fake on a random port, accepting `token` (its part before
    /// `:` is the bot's id).
    ///
    /// # Panics
    /// If no local port can be bound.
    pub async fn start_with_token(token: &str) -> Self {
        let state = State::new(token);
        let router = Router::new()
            .route("/_fake/text", post(control::text))
            .route("/_fake/reply", post(control::reply))
            .route("/_fake/press", post(control::press))
            .route("/_fake/sent", get(control::sent))
            .route("/_fake/requests", get(control::requests))
            .route("/_fake/down", post(control::down))
            .route("/{bot}/{method}", any(api::call))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let port = listener.local_addr().expect("local address").port();
        tokio::spawn(async move { axum::serve(listener, router).await });
        tokio::spawn(webhook::run(state.clone()));
        Self {
            api_url: format!("http://127.0.0.1:{port}"),
            token: token.to_owned(),
            state,
        }
    }

    fn script(&self) -> MutexGuard<'_, Script> {
        self.state.lock()
    }

    /// `user` writes `text` to the bot; returns the message's id.
    #[expect(clippy::must_use_candidate, reason = "a test may ignore the id")]
    pub fn text(&self, user: &TgUser, text: &str) -> i64 {
        let id = self.script().user_text(user, text, None);
        self.state.touch();
        id.unwrap_or_else(|error| panic!("fake-telegram: {error}"))
    }

    /// `user` replies to message `reply_to_message_id` of their chat (the
    /// update's `reply_to_message` is that message as stored); returns the
    /// new message's id.
    ///
    /// # Panics
    /// If the chat has no such message.
    #[expect(clippy::must_use_candidate, reason = "a test may ignore the id")]
    pub fn reply(&self, user: &TgUser, reply_to_message_id: i64, text: &str) -> i64 {
        let id = self
            .script()
            .user_text(user, text, Some(reply_to_message_id));
        self.state.touch();
        id.unwrap_or_else(|error| panic!("fake-telegram: {error}"))
    }

    /// `user` presses the button with `data` under message `message_id`;
    /// returns the callback query's id (answerable once).
    ///
    /// # Panics
    /// If the chat has no such message.
    #[expect(clippy::must_use_candidate, reason = "a test may ignore the id")]
    pub fn press(&self, user: &TgUser, message_id: i64, data: &str) -> String {
        let id = self.script().user_press(user, message_id, data);
        self.state.touch();
        id.unwrap_or_else(|error| panic!("fake-telegram: {error}"))
    }

    /// Queues any update (e.g. a group chat message); it is numbered unless
    /// it has an `update_id`. Returns its id.
    #[expect(clippy::must_use_candidate, reason = "a test may ignore the id")]
    pub fn push_raw(&self, update: Value) -> i64 {
        let id = self.script().push_raw(update);
        self.state.touch();
        id
    }

    /// The bot's messages, in order.
    #[must_use]
    pub fn sent(&self) -> Vec<SentMessage> {
        self.script().sent.clone()
    }

    /// Waits for the first sent message that matches `predicate`.
    ///
    /// # Panics
    /// If none is sent within `timeout`.
    pub async fn wait_sent(
        &self,
        predicate: impl Fn(&SentMessage) -> bool,
        timeout: Duration,
    ) -> SentMessage {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let sent = self.sent();
            if let Some(found) = sent.iter().find(|message| predicate(message)) {
                return found.clone();
            }
            if tokio::time::Instant::now() >= deadline {
                let texts: Vec<&str> = sent.iter().map(|message| message.text.as_str()).collect();
                panic!(
                    "fake-telegram: no matching message sent within {timeout:?}; sent: {texts:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The bot's successful `editMessageText` calls, in order.
    #[must_use]
    pub fn edits(&self) -> Vec<Edit> {
        self.script().edits.clone()
    }

    /// The bot's answers to callback queries, in order.
    #[must_use]
    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.script().callback_answers.clone()
    }

    /// Every Bot API call, in order (including refused ones).
    #[must_use]
    pub fn requests(&self) -> Vec<Recorded> {
        self.script().requests.clone()
    }

    /// The webhook `(url, secret_token)` while one is set.
    #[must_use]
    pub fn webhook(&self) -> Option<(String, Option<String>)> {
        self.script()
            .webhook
            .as_ref()
            .map(|webhook| (webhook.url.clone(), webhook.secret.clone()))
    }

    /// Every webhook delivery attempt, in order.
    #[must_use]
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.script().deliveries.clone()
    }

    /// How many updates wait for confirmation (or delivery).
    #[must_use]
    pub fn pending_updates(&self) -> usize {
        self.script().updates.len()
    }

    /// Answers the next `times` calls of `method` (e.g. `"sendMessage"`,
    /// any case; `"*"` for any method) with `fault`.
    pub fn fail_next(&self, method: &str, fault: Fault, times: usize) {
        if times > 0 {
            self.script().faults.push(QueuedFault {
                method: method.to_ascii_lowercase(),
                fault,
                times,
            });
        }
    }

    /// Takes the API down (every call answers `502`, long polls fail at
    /// once, webhook deliveries pause) or brings it back up.
    pub fn set_down(&self, down: bool) {
        self.script().down = down;
        self.state.touch();
    }

    /// Makes the user of `chat_id` block the bot: sending there is `403`.
    pub fn block_chat(&self, chat_id: i64) {
        self.script().blocked.insert(chat_id);
    }
}
