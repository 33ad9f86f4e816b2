//! Projects (one client site each) as the API and the dashboard see them.
//!
//! One input shape serves create and update: on `POST` absent fields take
//! their defaults; on `PATCH` absent fields keep their value and `null` clears
//! (or resets to the default where a field cannot be empty).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

/// Which OpenAI-compatible API answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApiStyle {
    /// `POST {base}/responses`, with `file_search` over the vector stores.
    #[default]
    Responses,
    /// `POST {base}/chat/completions`: compatible providers; no file search.
    ChatCompletions,
}

impl ApiStyle {
    /// Parses a stored style; anything unknown is the default, `responses`.
    #[must_use]
    pub fn parse(stored: &str) -> Self {
        if stored == "chat_completions" {
            Self::ChatCompletions
        } else {
            Self::Responses
        }
    }
}

/// Where the launcher sits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WidgetPosition {
    /// The bottom right corner (the default).
    #[default]
    Right,
    /// The bottom left corner.
    Left,
}

impl WidgetPosition {
    /// Parses a stored position; anything unknown is the default, `right`.
    #[must_use]
    pub fn parse(stored: &str) -> Self {
        if stored == "left" {
            Self::Left
        } else {
            Self::Right
        }
    }
}

/// After which closed conversations the widget asks the visitor for a
/// rating (`docs/copilot.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RatingAfter {
    /// Never.
    Never,
    /// Those the AI alone answered.
    Ai,
    /// Those an operator wrote in (the default).
    #[default]
    Human,
    /// All of them.
    Both,
}

impl RatingAfter {
    /// The stored and wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Ai => "ai",
            Self::Human => "human",
            Self::Both => "both",
        }
    }

    /// Parses a stored value; anything unknown is the default, `human`.
    #[must_use]
    pub fn parse(stored: &str) -> Self {
        match stored {
            "never" => Self::Never,
            "ai" => Self::Ai,
            "both" => Self::Both,
            _ => Self::Human,
        }
    }

    /// Whether a closed conversation is rated: `human` tells whether an
    /// operator wrote in it.
    #[must_use]
    pub fn asks(self, human: bool) -> bool {
        match self {
            Self::Never => false,
            Self::Ai => !human,
            Self::Human => human,
            Self::Both => true,
        }
    }
}

/// What happens when nobody answers a `waiting_human` conversation in time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HandoffTimeoutAction {
    /// The AI answers again.
    #[default]
    Ai,
    /// The visitor is asked to leave a contact.
    Contact,
}

impl HandoffTimeoutAction {
    /// Parses a stored action; anything unknown is the default, `ai`.
    #[must_use]
    pub fn parse(stored: &str) -> Self {
        if stored == "contact" {
            Self::Contact
        } else {
            Self::Ai
        }
    }
}

/// How the widget looks and greets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WidgetSettings {
    /// The launcher's and the panel's title, 1 to 60 characters (default `Chat`).
    pub title: String,
    /// The first line the widget shows, at most 500 characters; empty: none.
    pub greeting: String,
    /// `#rrggbb`.
    pub color: String,
    /// Which bottom corner the launcher sits in.
    pub position: WidgetPosition,
    /// `ru`, `en`, or `null` for the visitor's browser language.
    pub locale: Option<String>,
    /// Shown before the first message when set (e.g. 152-FZ consent).
    pub privacy_notice: Option<String>,
    /// After which closed conversations the widget asks "How did we do?".
    #[serde(default)]
    pub rating_after: RatingAfter,
}

/// The limits that protect the client's money, enforced from the first widget release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Limits {
    /// The longest visitor message, in characters (1 to 10000, default 2000).
    pub message_chars: i32,
    /// Visitor messages per visitor per minute (1 to 600, default 10).
    pub messages_per_minute: i32,
    /// New conversations per IP address per hour (1 to 10000, default 20).
    pub conversations_per_hour: i32,
    /// AI answers per project per UTC day (0 to 1000000, default 1000;
    /// 0: the AI never answers).
    pub daily_ai_messages: i32,
    /// AI tokens (input and output) per project per UTC day (0 to
    /// 1000000000, default 2000000).
    pub daily_ai_tokens: i64,
    /// Visitor messages per IP address (IPv6: per /64 network) per minute,
    /// across all the visitors behind it (1 to 6000, default 30).
    #[serde(default = "default_messages_per_ip_per_minute")]
    pub messages_per_ip_per_minute: i32,
    /// The most tokens one AI answer may use (16 to 100000, default 2000):
    /// sent to the provider as its output cap, and reserved from the daily
    /// token budget before the call.
    #[serde(default = "default_max_output_tokens")]
    pub max_output_tokens: i32,
}

/// [`Limits::messages_per_ip_per_minute`] of a project that never set it.
#[must_use]
pub const fn default_messages_per_ip_per_minute() -> i32 {
    30
}

/// [`Limits::max_output_tokens`] of a project that never set it.
#[must_use]
pub const fn default_max_output_tokens() -> i32 {
    2000
}

/// Handing a conversation to a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HandoffSettings {
    /// Whether the AI may hand off by itself (`handoff_to_human` tool).
    pub ai_allowed: bool,
    /// Minutes a visitor waits for a human before `timeout_action`; `null`: no limit.
    pub timeout_minutes: Option<i32>,
    /// What happens when the wait runs out.
    pub timeout_action: HandoffTimeoutAction,
}

/// A project as the API shows it. The OpenAI key itself is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProjectView {
    /// The project's id, the snippet's `data-project-id`.
    pub id: Uuid,
    /// The name shown in the dashboard, 1 to 200 characters.
    pub name: String,
    /// Whether an OpenAI key is stored (without one only humans answer).
    pub openai_api_key_set: bool,
    /// `sk-…9fQa`.
    pub openai_api_key_hint: Option<String>,
    /// True when the stored key no longer decrypts: re-enter the key.
    /// Checked on single reads only (lists never decrypt).
    pub openai_api_key_unreadable: bool,
    /// The OpenAI-compatible API the key is sent to, without a trailing
    /// slash (default `https://api.openai.com/v1`).
    pub openai_base_url: String,
    /// Which API of the provider answers.
    pub api_style: ApiStyle,
    /// The model that answers, e.g. `gpt-4.1-mini` (the default).
    pub model: String,
    /// The knowledge base: up to 10 vector store ids (`vs_…`), searched with
    /// `file_search` in the `responses` style.
    pub vector_store_ids: Vec<String>,
    /// The system instructions of the AI, at most 32000 characters.
    pub instructions: String,
    /// The origins where the widget may run, normalised (`https://shop.example`,
    /// `https://*.example.com` for subdomains), at most 50.
    pub allowed_origins: Vec<String>,
    /// How the widget looks and greets.
    pub widget: WidgetSettings,
    /// The limits on visitors and on the AI's spending.
    pub limits: Limits,
    /// Handing conversations to a human.
    pub handoff: HandoffSettings,
    /// Days conversations are kept; `null`: until deleted.
    pub retention_days: Option<i32>,
    /// The IANA time zone the statistics count days in (default `UTC`).
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// The embedding model aiwidget embeds the knowledge base with when the
    /// provider has no `file_search` (`chat_completions`); `null`: none.
    #[serde(default)]
    pub embedding_model: Option<String>,
    /// The embedding model answers search now: the previous one until every
    /// file is embedded with `embedding_model`.
    #[serde(default)]
    pub embeddings_in_use: Option<String>,
    /// The `<script>` tag to paste into the site.
    pub embed_snippet: String,
    /// Things that work but probably not as meant (e.g. vector stores with chat_completions).
    pub warnings: Vec<String>,
    /// When the project was created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When the project last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
#[allow(
    clippy::option_option,
    reason = "absent, `null` and a value mean three different things in a PATCH body"
)]
pub(crate) fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The body of `POST` and `PATCH /api/v1/admin/projects`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// `POST` only: keep the id of an existing snippet (moving from the Node.js version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// 1 to 200 characters, trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Write-only. `null` removes the key (then only humans answer).
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub openai_api_key: Option<Option<String>>,
    /// `null` resets to `https://api.openai.com/v1`. Changing it requires the key again.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub openai_base_url: Option<Option<String>>,
    /// Which API of the provider answers (default `responses`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_style: Option<ApiStyle>,
    /// The model that answers, 1 to 200 characters (default `gpt-4.1-mini`);
    /// any name is taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Up to 10 vector store ids (`vs_…`); replaces the previous list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector_store_ids: Option<Vec<String>>,
    /// The seed's field: `asst_…`/`pmpt_…` values are refused with what to fill in instead.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub assistant_id: Option<Option<String>>,
    /// The system instructions, at most 32000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Up to 50 origins (`https://shop.example`, `https://*.example.com`),
    /// normalised; replaces the previous list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    /// Changes to the widget's look; absent fields keep their value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<WidgetInput>,
    /// Changes to the limits; absent fields keep their value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsInput>,
    /// Changes to the handoff settings; absent fields keep their value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffInput>,
    /// Days conversations are kept, 1 to 3650; `null`: until deleted.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub retention_days: Option<Option<i32>>,
    /// An IANA time zone name (`Europe/Moscow`), for the statistics' days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The embedding model for a knowledge base searched by aiwidget
    /// (1 to 200 characters, no spaces); `null`: none.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub embedding_model: Option<Option<String>>,
}

/// The time zone of a project that never chose one.
#[must_use]
pub fn default_time_zone() -> String {
    "UTC".to_owned()
}

/// Changes to [`WidgetSettings`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WidgetInput {
    /// 1 to 60 characters, trimmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// At most 500 characters, trimmed; empty: no greeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    /// The accent colour, `#rrggbb` (stored lower case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Which bottom corner the launcher sits in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<WidgetPosition>,
    /// `ru`, `en`, or `null` for the visitor's browser language.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub locale: Option<Option<String>>,
    /// At most 2000 characters; `null` or empty: none.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub privacy_notice: Option<Option<String>>,
    /// After which closed conversations the widget asks for a rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_after: Option<RatingAfter>,
}

/// Changes to [`Limits`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LimitsInput {
    /// The longest visitor message, in characters: 1 to 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_chars: Option<i32>,
    /// Visitor messages per visitor per minute: 1 to 600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_per_minute: Option<i32>,
    /// New conversations per IP address per hour: 1 to 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversations_per_hour: Option<i32>,
    /// AI answers per project per UTC day: 0 to 1000000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_ai_messages: Option<i32>,
    /// AI tokens per project per UTC day: 0 to 1000000000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_ai_tokens: Option<i64>,
    /// Visitor messages per IP address (IPv6: per /64) per minute: 1 to 6000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_per_ip_per_minute: Option<i32>,
    /// The most tokens one AI answer may use: 16 to 100000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<i32>,
}

/// Changes to [`HandoffSettings`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandoffInput {
    /// Whether the AI may hand off by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_allowed: Option<bool>,
    /// Minutes a visitor waits for a human, 1 to 1440; `null`: no limit.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout_minutes: Option<Option<i32>>,
    /// What happens when the wait runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_action: Option<HandoffTimeoutAction>,
}

/// A model the project's key can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ModelInfo {
    /// The model's id as the provider names it, e.g. `gpt-4.1-mini`.
    pub id: String,
}

/// A vector store of the project's key, to pick from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct VectorStoreInfo {
    /// The vector store's id (`vs_…`), for `vector_store_ids`.
    pub id: String,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// Files ready for search.
    pub file_count: Option<i64>,
    /// `completed`, `in_progress` or `expired`.
    pub status: Option<String>,
}

/// `POST /api/v1/admin/models`: which models an unsaved key can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ModelsProbe {
    /// The key to try (not stored).
    pub openai_api_key: String,
    /// Default `https://api.openai.com/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openai_base_url: Option<String>,
}
