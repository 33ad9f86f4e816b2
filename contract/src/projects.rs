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
    #[default]
    Right,
    Left,
}

impl WidgetPosition {
    /// Parses a stored position; anything unknown is the default, `right`.
    pub fn parse(stored: &str) -> Self {
        if stored == "left" {
            Self::Left
        } else {
            Self::Right
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
    pub title: String,
    pub greeting: String,
    /// `#rrggbb`.
    pub color: String,
    pub position: WidgetPosition,
    /// `ru`, `en`, or `null` for the visitor's browser language.
    pub locale: Option<String>,
    /// Shown before the first message when set (e.g. 152-FZ consent).
    pub privacy_notice: Option<String>,
}

/// The limits that protect the client's money, enforced from the first widget release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Limits {
    pub message_chars: i32,
    pub messages_per_minute: i32,
    pub conversations_per_hour: i32,
    pub daily_ai_messages: i32,
    pub daily_ai_tokens: i64,
}

/// Handing a conversation to a human.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HandoffSettings {
    /// Whether the AI may hand off by itself (`handoff_to_human` tool).
    pub ai_allowed: bool,
    /// Minutes a visitor waits for a human before `timeout_action`; `null`: no limit.
    pub timeout_minutes: Option<i32>,
    pub timeout_action: HandoffTimeoutAction,
}

/// A project as the API shows it. The OpenAI key itself is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ProjectView {
    pub id: Uuid,
    pub name: String,
    pub openai_api_key_set: bool,
    /// `sk-…9fQa`.
    pub openai_api_key_hint: Option<String>,
    /// True when the stored key no longer decrypts: re-enter the key.
    /// Checked on single reads only (lists never decrypt).
    pub openai_api_key_unreadable: bool,
    pub openai_base_url: String,
    pub api_style: ApiStyle,
    pub model: String,
    pub vector_store_ids: Vec<String>,
    pub instructions: String,
    pub allowed_origins: Vec<String>,
    pub widget: WidgetSettings,
    pub limits: Limits,
    pub handoff: HandoffSettings,
    /// Days conversations are kept; `null`: until deleted.
    pub retention_days: Option<i32>,
    /// The `<script>` tag to paste into the site.
    pub embed_snippet: String,
    /// Things that work but probably not as meant (e.g. vector stores with chat_completions).
    pub warnings: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_style: Option<ApiStyle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector_store_ids: Option<Vec<String>>,
    /// The seed's field: `asst_…`/`pmpt_…` values are refused with what to fill in instead.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub assistant_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<WidgetInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffInput>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub retention_days: Option<Option<i32>>,
}

/// Changes to [`WidgetSettings`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WidgetInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<WidgetPosition>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub locale: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub privacy_notice: Option<Option<String>>,
}

/// Changes to [`Limits`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LimitsInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_chars: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_per_minute: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversations_per_hour: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_ai_messages: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_ai_tokens: Option<i64>,
}

/// Changes to [`HandoffSettings`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandoffInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_allowed: Option<bool>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout_minutes: Option<Option<i32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_action: Option<HandoffTimeoutAction>,
}

/// A model the project's key can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ModelInfo {
    pub id: String,
}

/// A vector store of the project's key, to pick from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct VectorStoreInfo {
    pub id: String,
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
    pub openai_api_key: String,
    /// Default `https://api.openai.com/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openai_base_url: Option<String>,
}
