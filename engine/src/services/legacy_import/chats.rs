//! The old conversations and their messages, and the rows they become.

use crate::db::entities::{conversations, messages, visitors};
use contract::chat::{ConversationStatus, MessageRole, MessageStatus};
use sea_orm::Set;
use uuid::Uuid;

/// The preview of a conversation's last message (as `messages::touch_conversation` writes it).
const PREVIEW_CHARS: usize = 140;

/// One conversation of the old database.
#[derive(Debug, Clone)]
pub struct LegacyConversation {
    /// Kept as the new conversation's id.
    pub id: Uuid,
    /// The project it belongs to.
    pub project_id: Uuid,
    /// When it started, when known.
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One message of an old conversation, with its role already mapped ([`role`]).
#[derive(Debug, Clone)]
pub struct LegacyMessage {
    /// Kept when the old id is a UUID; else a new one is made.
    pub id: Option<Uuid>,
    /// Who wrote it.
    pub role: MessageRole,
    /// Its text.
    pub text: String,
    /// When it was written, when known (else the conversation's start).
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The new role of an old message's `role`; `None` for a role that has no
/// place in aiwidget (reported and skipped).
#[must_use]
pub fn role(old: &str) -> Option<MessageRole> {
    match old.trim().to_ascii_lowercase().as_str() {
        "user" | "visitor" => Some(MessageRole::Visitor),
        "assistant" | "ai" => Some(MessageRole::Ai),
        "operator" => Some(MessageRole::Operator),
        "system" => Some(MessageRole::System),
        _ => None,
    }
}

/// The rows of one old conversation: a visitor of its own (the new schema
/// needs one; the old visitor cannot be known), the conversation, closed at
/// its last message, and the messages.
pub(super) struct ConversationRows {
    pub(super) visitor: visitors::ActiveModel,
    pub(super) conversation: conversations::ActiveModel,
    pub(super) messages: Vec<messages::ActiveModel>,
}

impl ConversationRows {
    pub(super) fn new(legacy: &LegacyConversation, old: &[LegacyMessage]) -> Self {
        let started = legacy
            .created_at
            .or_else(|| old.iter().find_map(|message| message.created_at))
            .unwrap_or_else(chrono::Utc::now);
        let at = |message: &LegacyMessage| message.created_at.unwrap_or(started);
        let last_at = old.iter().map(at).max().unwrap_or(started).max(started);
        let preview = old
            .last()
            .map(|message| message.text.chars().take(PREVIEW_CHARS).collect::<String>());
        let visitor_id = Uuid::new_v4();
        let visitor = visitors::ActiveModel {
            id: Set(visitor_id),
            project_id: Set(legacy.project_id),
            first_seen_at: Set(started),
            last_seen_at: Set(last_at),
            locale: Set(None),
            user_agent: Set(None),
            ip_hash: Set(None),
            contact_name: Set(None),
            contact_email: Set(None),
            contact_phone: Set(None),
            search_text: Set(String::new()),
            // The Node.js version asked for no consent: none is recorded.
            consent_version: Set(None),
            consent_at: Set(None),
        };
        let conversation = conversations::ActiveModel {
            id: Set(legacy.id),
            project_id: Set(legacy.project_id),
            visitor_id: Set(visitor_id),
            status: Set(ConversationStatus::Closed.as_str().to_owned()),
            assigned_user_id: Set(None),
            page_url: Set(None),
            referrer: Set(None),
            last_message_at: Set(last_at),
            last_message_preview: Set(preview),
            operator_unread: Set(0),
            visitor_unread: Set(0),
            handoff_reason: Set(None),
            handoff_deadline_at: Set(None),
            ai_lease_owner: Set(None),
            ai_lease_expires_at: Set(None),
            closed_at: Set(Some(last_at)),
            summary: Set(None),
            summary_at: Set(None),
            rating_score: Set(None),
            rating_comment: Set(None),
            rated_at: Set(None),
            handoff_at: Set(None),
            handoff_by: Set(None),
            handoff_timed_out_at: Set(None),
            first_human_reply_at: Set(old
                .iter()
                .filter(|message| message.role == MessageRole::Operator)
                .map(at)
                .min()),
            created_at: Set(started),
            updated_at: Set(last_at),
        };
        let messages = old
            .iter()
            .map(|message| {
                let written = at(message);
                messages::ActiveModel {
                    id: Set(message.id.unwrap_or_else(Uuid::now_v7)),
                    conversation_id: Set(legacy.id),
                    role: Set(message.role.as_str().to_owned()),
                    search_text: Set(contract::text::search_text(&message.text)),
                    text: Set(message.text.clone()),
                    status: Set(MessageStatus::Complete.as_str().to_owned()),
                    author_user_id: Set(None),
                    author_name: Set(None),
                    sources: Set(None),
                    tool_calls: Set(None),
                    error_kind: Set(None),
                    input_tokens: Set(None),
                    output_tokens: Set(None),
                    client_message_id: Set(None),
                    completed_at: Set(Some(written)),
                    translation: Set(None),
                    translation_lang: Set(None),
                    created_at: Set(written),
                    updated_at: Set(written),
                }
            })
            .collect();
        Self {
            visitor,
            conversation,
            messages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_roles_map_to_new_ones_and_unknown_roles_do_not() {
        assert_eq!(role("user"), Some(MessageRole::Visitor));
        assert_eq!(role("Assistant"), Some(MessageRole::Ai));
        assert_eq!(role("operator"), Some(MessageRole::Operator));
        assert_eq!(role("system"), Some(MessageRole::System));
        assert_eq!(role("tool"), None);
        assert_eq!(role("function"), None);
    }
}
