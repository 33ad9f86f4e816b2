//! The shapes of the operators' inbox (`/api/v1/admin/conversations*` and
//! `/api/v1/admin/events`): conversations as the dashboard lists and opens
//! them, who holds one, and what operators send.

use crate::chat::{ConversationStatus, MessageView};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An operator, as a visitor or another operator sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OperatorRef {
    /// The operator's user id.
    pub id: Uuid,
    /// The operator's display name.
    pub display_name: String,
}

/// `GET /api/v1/admin/conversations`: filters and the page to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct InboxQuery {
    /// One project (else every project the operator may see).
    #[serde(default)]
    pub project_id: Option<Uuid>,
    /// `ai`, `waiting_human`, `human` or `closed`.
    #[serde(default)]
    pub status: Option<String>,
    /// Words in the messages or the visitor's contact (case-insensitive, Russian too).
    #[serde(default)]
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[serde(default)]
    pub limit: Option<u64>,
}

/// One conversation as the inbox lists it (also the `conversation` event of
/// the operators' stream).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    /// The conversation's id.
    pub id: Uuid,
    /// The project (site) it came from.
    pub project_id: Uuid,
    /// The visitor who opened it.
    pub visitor_id: Uuid,
    /// Who answers it now.
    pub status: ConversationStatus,
    /// The operator holding it (status `human`).
    pub assigned: Option<OperatorRef>,
    /// The newest message, cut to 140 characters.
    pub last_message_preview: Option<String>,
    /// When the newest message was written (the conversation's creation
    /// while it has none); the list is sorted by it, newest first.
    pub last_message_at: DateTime<Utc>,
    /// Visitor messages the operators have not read.
    pub operator_unread: i32,
    /// Why it waits for a human: the visitor asked, or the AI's own reason.
    pub handoff_reason: Option<String>,
    /// When "nobody came" applies, while waiting for a human.
    pub handoff_deadline_at: Option<DateTime<Utc>>,
    /// The visitor's name or email when they left one, for the list.
    pub visitor_label: Option<String>,
    /// When the conversation was opened (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// Two or three lines by the AI for the operator: what the visitor wants
    /// and what was already answered (`docs/copilot.md`); never sent to the
    /// visitor.
    #[serde(default)]
    pub summary: Option<String>,
    /// The visitor's rating once they gave one (the latest replaces the first).
    #[serde(default)]
    pub rating: Option<Rating>,
}

/// How the visitor rated a closed conversation (`POST /api/v1/widget/rating`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Rating {
    /// 1 (bad) to 5 (great).
    pub score: i32,
    /// What the visitor added, if anything.
    pub comment: Option<String>,
    /// When they rated (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
}

/// Who the visitor is, as far as the widget told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct VisitorInfo {
    /// The visitor's id (one per browser and project).
    pub id: Uuid,
    /// Without query strings.
    pub page_url: Option<String>,
    /// The page that led the visitor there, without query strings.
    pub referrer: Option<String>,
    /// The browser's `User-Agent`, at most 400 characters.
    pub user_agent: Option<String>,
    /// The browser's language when the widget told it, e.g. `ru-RU`.
    pub locale: Option<String>,
    /// When the visitor first opened the widget.
    pub first_seen_at: DateTime<Utc>,
    /// When the visitor last opened a session.
    pub last_seen_at: DateTime<Utc>,
    /// The name the visitor left in the contact form.
    pub contact_name: Option<String>,
    /// The email the visitor left in the contact form.
    pub contact_email: Option<String>,
    /// The phone number the visitor left in the contact form.
    pub contact_phone: Option<String>,
}

/// `GET /api/v1/admin/conversations/{id}`: the conversation, its visitor and messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    /// The conversation as the inbox lists it.
    pub conversation: ConversationSummary,
    /// Who wrote it.
    pub visitor: VisitorInfo,
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Where the operators' stream resumes to follow it.
    pub last_event_id: i64,
    /// The visitor's language (ISO 639-1, e.g. `de`): their browser's
    /// locale, else what their messages are written in; `null` when unknown
    /// (`docs/copilot.md`, "Translation").
    #[serde(default)]
    pub visitor_language: Option<String>,
}

/// `POST /api/v1/admin/conversations/{id}/messages`: what an operator sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OperatorMessageRequest {
    /// The message, trimmed: 1 to the project's `max_message_chars` characters.
    pub text: String,
    /// Chosen by the client (e.g. a UUID): a retried send with the same id is stored once.
    #[serde(default)]
    pub client_message_id: Option<String>,
    /// Sends the text translated into the visitor's language by the
    /// project's AI (the original is kept as the message's `translation`);
    /// a failed translation sends nothing (`502 upstream_*`).
    #[serde(default)]
    pub translate: bool,
}

/// `read` event: one side has read the other's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReadEvent {
    /// The conversation whose messages were read.
    pub conversation_id: Uuid,
    /// Who read: `operator`.
    pub role: crate::chat::MessageRole,
}

/// `GET /api/v1/admin/events?after=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
pub struct OperatorEventsQuery {
    /// Replay the events after this id (else live only).
    #[serde(default)]
    pub after: Option<i64>,
}
