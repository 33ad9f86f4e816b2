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
    pub id: Uuid,
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
    pub id: Uuid,
    pub project_id: Uuid,
    pub visitor_id: Uuid,
    pub status: ConversationStatus,
    /// The operator holding it (status `human`).
    pub assigned: Option<OperatorRef>,
    /// The newest message, cut to 140 characters.
    pub last_message_preview: Option<String>,
    pub last_message_at: DateTime<Utc>,
    /// Visitor messages the operators have not read.
    pub operator_unread: i32,
    /// Why it waits for a human: the visitor asked, or the AI's own reason.
    pub handoff_reason: Option<String>,
    /// When "nobody came" applies, while waiting for a human.
    pub handoff_deadline_at: Option<DateTime<Utc>>,
    /// The visitor's name or email when they left one, for the list.
    pub visitor_label: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Who the visitor is, as far as the widget told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct VisitorInfo {
    pub id: Uuid,
    /// Without query strings.
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub user_agent: Option<String>,
    pub locale: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

/// `GET /api/v1/admin/conversations/{id}`: the conversation, its visitor and messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    pub conversation: ConversationSummary,
    pub visitor: VisitorInfo,
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Where the operators' stream resumes to follow it.
    pub last_event_id: i64,
}

/// `read` event: one side has read the other's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReadEvent {
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
