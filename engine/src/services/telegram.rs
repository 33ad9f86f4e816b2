//! The operators' Telegram bot (`docs/alerts.md`): linking a chat to an
//! operator, the updates it receives (replies to alerts, buttons, `/start`),
//! and how they arrive: a long poll run by one instance at a time under a
//! lease ([`poll`]), or a webhook (`POST /api/v1/telegram/webhook`) when
//! `TELEGRAM_WEBHOOK=true` with an https `PUBLIC_URL`.
//!
//! The bot token is inside every Bot API URL: the client ([`crate::telegram`])
//! never lets a URL into an error or a log line.
//!
//! - `link`: one-time `t.me/<bot>?start=<code>` links, unlinking.
//! - `updates`: what an update from Telegram does.
//! - `poll`: the long poll and its lease.

pub mod link;
pub mod poll;
pub mod updates;

use crate::state::AppState;
use crate::telegram::{Bot, Error};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// `TELEGRAM_BOT_TOKEN`, `TELEGRAM_API_URL`, `TELEGRAM_WEBHOOK`.
#[derive(Debug)]
pub struct TelegramSettings {
    /// The bot's token from @BotFather.
    pub token: SecretString,
    /// The Bot API's address, `https://api.telegram.org` unless a proxy or a
    /// test server (trusted configuration: http and loopback allowed).
    pub api_url: String,
    /// Updates by webhook instead of the long poll.
    pub webhook: bool,
}

/// The bot of this server.
#[derive(Debug)]
pub struct Telegram {
    /// The Bot API client.
    pub bot: Bot,
    /// Updates by webhook instead of the long poll.
    pub webhook: bool,
    username: OnceCell<String>,
    paused_until: Mutex<Option<Instant>>,
    webhook_secret: String,
}

impl Telegram {
    /// The bot of `settings`; the webhook's secret is derived from `JWT_SECRET`.
    #[must_use]
    pub fn new(settings: &TelegramSettings, jwt_secret: &SecretString) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let digest = Sha256::new()
            .chain_update(b"aiwidget telegram webhook\0")
            .chain_update(jwt_secret.expose_secret().as_bytes())
            .finalize();
        Self {
            bot: Bot::new(&settings.api_url, &settings.token, http),
            webhook: settings.webhook,
            username: OnceCell::new(),
            paused_until: Mutex::new(None),
            webhook_secret: hex::encode(digest),
        }
    }

    /// The bot's `@username` (asked once with `getMe`).
    ///
    /// # Errors
    /// The client's [`Error`] when Telegram cannot be asked.
    pub async fn username(&self) -> Result<&str, Error> {
        self.username
            .get_or_try_init(|| async {
                let me = self.bot.get_me().await?;
                Ok(me.username.unwrap_or_default())
            })
            .await
            .map(String::as_str)
    }

    /// The `secret_token` given to `setWebhook`, checked on every call.
    #[must_use]
    pub fn webhook_secret(&self) -> &str {
        &self.webhook_secret
    }

    /// Whether `given` is the webhook's secret (in constant time).
    #[must_use]
    pub fn is_webhook_secret(&self, given: &[u8]) -> bool {
        let expected = self.webhook_secret.as_bytes();
        given.len() == expected.len()
            && given
                .iter()
                .zip(expected)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// True while Telegram's `retry_after` is running.
    #[must_use]
    pub fn paused(&self) -> bool {
        self.paused_until
            .lock()
            .map(|until| until.is_some_and(|until| Instant::now() < until))
            .unwrap_or(false)
    }

    /// Holds every send for `wait` (Telegram's `retry_after`).
    pub fn pause_for(&self, wait: Duration) {
        if let Ok(mut until) = self.paused_until.lock() {
            *until = Some(Instant::now() + wait);
        }
    }
}

/// Starts receiving updates: sets the webhook, or starts the long poll.
pub fn start(state: &AppState) {
    let Some(telegram) = state.telegram.clone() else {
        return;
    };
    if telegram.webhook {
        let state = state.clone();
        tokio::spawn(async move {
            let url = format!("{}/api/v1/telegram/webhook", state.settings.public_url);
            // Retried until it works: Telegram may be unreachable at start.
            let mut wait = Duration::from_secs(1);
            loop {
                match telegram
                    .bot
                    .set_webhook(&url, telegram.webhook_secret())
                    .await
                {
                    Ok(()) => break,
                    Err(err) => tracing::warn!(error = %err, "setWebhook failed; retrying"),
                }
                tokio::select! {
                    () = state.shutdown.cancelled() => break,
                    () = tokio::time::sleep(wait) => {}
                }
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        });
    } else {
        poll::start(state);
    }
}
