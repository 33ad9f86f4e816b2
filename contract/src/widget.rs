//! The shapes of the widget's v1 API (`/api/v1/widget/*`): what the loader
//! and the wasm widget send and receive. Stable: widgets pasted into sites
//! depend on them, so fields are only ever added.

use crate::chat::{ConversationStatus, MessageView};
use crate::projects::WidgetSettings;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /api/v1/widget/config?project_id=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct ConfigQuery {
    /// The project's id (the snippet's `data-project-id`).
    pub project_id: Uuid,
}

/// How the widget looks and what it may say, for one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WidgetConfig {
    /// The project's id.
    pub project_id: Uuid,
    /// Title, greeting, colour, position, language and privacy notice, as the
    /// project sets them (fields of this object on the wire, not nested). The
    /// notice comes as the visitor reads it: its `{retention}` placeholder is
    /// replaced by how long conversations are kept.
    #[serde(flatten)]
    pub widget: WidgetSettings,
    /// The version of the privacy notice as shown (a short hash of its text):
    /// send it as `consent_version` once the visitor accepts the notice; any
    /// change of the text makes a new version, which asks again. `null` when
    /// the project has no notice.
    #[serde(default)]
    pub privacy_notice_version: Option<String>,
    /// The longest message the visitor may send, in characters.
    pub max_message_chars: i32,
    /// Whether the AI answers (the project has a key); otherwise only humans do.
    pub ai_enabled: bool,
    /// Whether an operator of the project is online now.
    pub humans_online: bool,
}

/// `POST /api/v1/widget/session`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionRequest {
    /// The project's id (the snippet's `data-project-id`).
    pub project_id: Uuid,
    /// The token this browser keeps for the project; absent, invalid or of
    /// another project: a new visitor.
    #[serde(default)]
    pub visitor_token: Option<String>,
    /// The page the widget is on (stored without its query string).
    #[serde(default)]
    pub page_url: Option<String>,
    /// The host page's referrer (stored without its query string).
    #[serde(default)]
    pub referrer: Option<String>,
    /// The browser's language, e.g. `ru-RU`.
    #[serde(default)]
    pub locale: Option<String>,
    /// The config's `privacy_notice_version` the visitor accepted. With a
    /// notice set, a session without the current version (here or stored
    /// with the visitor) is refused with `409 consent_required` and nothing
    /// is stored; ignored when the project has no notice.
    #[serde(default)]
    pub consent_version: Option<String>,
}

/// The answer to a session: who the visitor is and where their conversation stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// Keep it (localStorage, keyed by project id) and send it as `Authorization: Bearer`.
    pub visitor_token: String,
    /// The visitor's open conversation, else their last closed one, else a
    /// new one.
    pub conversation_id: Uuid,
    /// Who answers that conversation now.
    pub status: ConversationStatus,
    /// The conversation so far, oldest first.
    pub messages: Vec<MessageView>,
    /// Open the event stream with `?after=` this id to miss nothing.
    pub last_event_id: i64,
    /// The project's widget config, as `GET …/config` answers it.
    pub config: WidgetConfig,
}

/// `POST /api/v1/widget/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SendMessageRequest {
    /// The message, trimmed: 1 to the project's `max_message_chars` characters.
    pub text: String,
    /// Chosen by the client (e.g. a UUID): a retried send with the same id is stored once.
    #[serde(default)]
    pub client_message_id: Option<String>,
}

/// `202` to a send: the message as stored (the answer follows on the event stream).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SendMessageResponse {
    /// The visitor's message as stored.
    pub message: MessageView,
}

/// `POST /api/v1/widget/handoff`, `…/typing`: the conversation as it is after the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConversationState {
    /// The visitor's open conversation.
    pub conversation_id: Uuid,
    /// Who answers it now.
    pub status: ConversationStatus,
}

/// `POST /api/v1/widget/contact`: the visitor leaves a way to reach them
/// (when nobody came); an email or a phone is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ContactRequest {
    /// How to address them, at most 200 characters.
    #[serde(default)]
    pub name: Option<String>,
    /// An email address (`name@example.com`), at most 320 characters.
    #[serde(default)]
    pub email: Option<String>,
    /// A phone number with at least 5 digits, at most 64 characters.
    #[serde(default)]
    pub phone: Option<String>,
    /// What they want to ask, stored as their message.
    #[serde(default)]
    pub text: Option<String>,
}

/// `GET /api/v1/widget/events?token=&after=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
pub struct EventsQuery {
    /// The visitor token (EventSource cannot send headers); or use `Authorization: Bearer`.
    #[serde(default)]
    pub token: Option<String>,
    /// Replay the events after this id (from `session`'s `last_event_id`).
    #[serde(default)]
    pub after: Option<i64>,
}

/// `POST /api/v1/widget/rating`: the visitor rates their latest closed
/// conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RatingRequest {
    /// 1 (bad) to 5 (great).
    pub score: i32,
    /// What they add, at most 1,000 characters, trimmed; empty: none.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `201` to a rating: the conversation rated and the rating as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RatedConversation {
    /// The conversation the rating went to.
    pub conversation_id: Uuid,
    /// The rating as stored.
    pub rating: crate::inbox::Rating,
}
