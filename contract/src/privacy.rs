//! The shapes of the privacy routes (`/api/v1/admin/visitors/{id}/export`
//! and `DELETE /api/v1/admin/visitors/{id}`) and of the event that tells the
//! operators' inbox a conversation is gone (`docs/privacy.md`).

use crate::chat::{ConversationStatus, MessageView};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything stored about one visitor: `GET /api/v1/admin/visitors/{id}/export`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct VisitorExport {
    /// The visitor's row.
    pub visitor: ExportedVisitor,
    /// Their conversations, oldest first, each with its messages.
    pub conversations: Vec<ExportedConversation>,
}

/// A visitor as stored: what the widget told, the contact they left, their consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ExportedVisitor {
    /// The visitor's id (one per browser and project).
    pub id: Uuid,
    /// The project (site) they visited.
    pub project_id: Uuid,
    /// When they first opened the widget.
    pub first_seen_at: DateTime<Utc>,
    /// When they last opened a session.
    pub last_seen_at: DateTime<Utc>,
    /// The browser's language, e.g. `ru-RU`.
    pub locale: Option<String>,
    /// The browser's `User-Agent`, at most 400 characters.
    pub user_agent: Option<String>,
    /// The keyed hash of their IP address (the address itself is never stored).
    pub ip_hash: Option<String>,
    /// The name they left in the contact form.
    pub contact_name: Option<String>,
    /// The email they left in the contact form.
    pub contact_email: Option<String>,
    /// The phone number they left in the contact form.
    pub contact_phone: Option<String>,
    /// The version of the privacy notice they accepted.
    pub consent_version: Option<String>,
    /// When they accepted it.
    pub consent_at: Option<DateTime<Utc>>,
}

/// One conversation of the visitor, with its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ExportedConversation {
    /// The conversation's id.
    pub id: Uuid,
    /// Who answers it now.
    pub status: ConversationStatus,
    /// The page it was opened on, without query strings.
    pub page_url: Option<String>,
    /// The page that led there, without query strings.
    pub referrer: Option<String>,
    /// Why it waited for a human (the visitor's or the AI's reason).
    pub handoff_reason: Option<String>,
    /// When it first waited for a human (the statistics count from it).
    #[serde(default)]
    pub handoff_at: Option<DateTime<Utc>>,
    /// Who asked that first time: `visitor`, `ai` or `operator_removed`.
    #[serde(default)]
    pub handoff_by: Option<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When its newest message was written.
    pub last_message_at: DateTime<Utc>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The AI's summary for the operators, if one was made.
    #[serde(default)]
    pub summary: Option<String>,
    /// The visitor's rating of it, if they gave one.
    #[serde(default)]
    pub rating: Option<crate::inbox::Rating>,
    /// Oldest first.
    pub messages: Vec<MessageView>,
}

/// `conversation_removed` event of the operators' stream: the conversation
/// was deleted (a visitor's data on request, or past the project's
/// retention) and leaves the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConversationRemovedEvent {
    /// The conversation that is gone.
    pub conversation_id: Uuid,
    /// `request` (an admin deleted the visitor's data) or `retention`.
    pub reason: String,
}

/// Why a visitor's data was deleted (`visitor_deletions.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionReason {
    /// An admin's `DELETE /api/v1/admin/visitors/{id}`.
    Request,
    /// The project's retention passed.
    Retention,
}

impl DeletionReason {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Retention => "retention",
        }
    }
}
