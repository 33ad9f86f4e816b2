//! [`AppState`]: what every handler and server function works with, and the
//! [`Settings`] it was built from.

use sea_orm::DatabaseConnection;
use secrecy::{SecretBox, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Shared by the axum routes (as router state) and the dashboard's server
/// functions (as Leptos context). Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The pool; on SQLite, write transactions go through [`crate::db::begin_write`].
    pub db: DatabaseConnection,
    /// The configuration the server started with.
    pub settings: Arc<Settings>,
    /// The HTTP client for the projects' AI providers.
    pub http: reqwest::Client,
    /// Requests per client of the widget's API, before the database.
    pub flood_guard: Arc<crate::services::flood::FloodGuard>,
    /// Login attempts per username and per IP.
    pub login_throttle: Arc<crate::services::throttle::LoginThrottle>,
    /// Real-time fan-out to the event streams.
    pub hub: Arc<crate::services::hub::Hub>,
    /// The AI provider (the OpenAI-compatible client; tests point projects at a fake).
    pub llm: Arc<dyn crate::llm::LlmProvider>,
    /// Every project's allowed origins, for CORS preflights.
    pub origin_cache: Arc<crate::services::origin_cache::OriginCache>,
    /// The AI runs in flight on this instance.
    pub relay: Arc<crate::services::relay::Relay>,
    /// One stored `typing` event per conversation every few seconds.
    pub typing_throttle: Arc<crate::services::typing::TypingThrottle>,
    /// This instance on the `LISTEN/NOTIFY` bus shared with the others.
    pub bus: Arc<crate::services::bus::Bus>,
    /// Wakes this instance's knowledge-base jobs when work is added here.
    pub knowledge_wake: Arc<crate::services::knowledge::jobs::Wake>,
    /// The knowledge base's vectors this instance searched (retrieval by aiwidget).
    pub retrieval: Arc<crate::services::knowledge::retrieval::Cache>,
    /// The operators' Telegram bot (`TELEGRAM_BOT_TOKEN`), or none.
    pub telegram: Option<Arc<crate::services::telegram::Telegram>>,
    /// The email alerts' SMTP client (`SMTP_URL`, `SMTP_FROM`), or none.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// Operators with an open stream (`humans_online`).
    pub presence: Arc<crate::services::presence::Presence>,
    /// Cancelled when the server shuts down: event streams end so clients reconnect elsewhere.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// The periodic sweeps of this instance: after `shutdown`, closing and
    /// waiting on it lets a sweep in progress finish before the process (or
    /// a test) goes on.
    pub sweeps: tokio_util::task::TaskTracker,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .field("instance", &self.bus.instance())
            .finish_non_exhaustive()
    }
}

/// Development or production: production refuses missing or weak secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Zero-config: secrets are generated under the data folder.
    Development,
    /// `PUBLIC_URL` is https or `AIWIDGET_ENV=production`.
    Production,
}

/// The server's configuration, parsed and checked (see `server::config`).
#[derive(Debug)]
pub struct Settings {
    /// Development or production.
    pub environment: Environment,
    /// `DATABASE_URL`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `LISTEN_ADDR` (wins over `LEPTOS_SITE_ADDR`).
    pub listen_addr: SocketAddr,
    /// `PUBLIC_URL` without a trailing slash, e.g. `https://chat.example.com`.
    pub public_url: String,
    /// `SITE_DIR`: the built dashboard assets and the widget under `widget/`.
    pub site_dir: PathBuf,
    /// `ADMIN_PASSWORD`: the password of the first admin, `admin`.
    pub admin_password: SecretString,
    /// `JWT_SECRET`: at least 32 bytes.
    pub jwt_secret: SecretString,
    /// `ENCRYPTION_KEY`, decoded: the AES-256-GCM key for the projects' API keys.
    pub encryption_key: SecretBox<[u8; 32]>,
    /// `ENCRYPTION_KEY_VERSION` (default 1): the generation of `encryption_key`.
    pub encryption_key_version: u8,
    /// `PREVIOUS_ENCRYPTION_KEY`: the key of the generation before, during a rotation.
    pub previous_encryption_key: Option<SecretBox<[u8; 32]>>,
    /// `ALLOW_PRIVATE_UPSTREAMS`: allow `openai_base_url` on private addresses.
    pub allow_private_upstreams: bool,
    /// `AI_FIRST_BYTE_TIMEOUT_SECS`, `AI_IDLE_TIMEOUT_SECS`: time-outs and retries of AI calls.
    pub ai_call: crate::llm::CallPolicy,
    /// How often stored deadlines ("nobody came in N minutes") are checked,
    /// and operators' open streams re-check their session.
    pub sweep_every: std::time::Duration,
    /// `METRICS_TOKEN`: `GET /metrics` answers `Authorization: Bearer <it>`
    /// from anywhere (without it, only the server's own host, not via nginx).
    pub metrics_token: Option<SecretString>,
    /// `TELEGRAM_BOT_TOKEN`, `TELEGRAM_API_URL`, `TELEGRAM_WEBHOOK`: the
    /// operators' bot, off when the token is unset.
    pub telegram: Option<crate::services::telegram::TelegramSettings>,
    /// `SMTP_URL`, `SMTP_FROM`: email alerts, off when unset.
    pub mail: Option<crate::mail::MailSettings>,
}

impl Settings {
    /// Whether a project's provider may be on a private address:
    /// `ALLOW_PRIVATE_UPSTREAMS`, or development.
    #[must_use]
    pub fn allows_private_upstreams(&self) -> bool {
        self.allow_private_upstreams || self.environment == Environment::Development
    }

    /// The keys for the projects' API keys.
    #[must_use]
    pub fn keyring(&self) -> crate::services::api_keys::Keyring<'_> {
        crate::services::api_keys::Keyring::of(
            self.encryption_key_version,
            &self.encryption_key,
            self.previous_encryption_key.as_ref(),
        )
    }
}
