//! The shapes of a conversation on the wire, shared by the v1 widget API, the
//! dashboard and the widget: conversation states, messages, sources, and the
//! payloads of the event streams.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who answers a conversation (`docs/api.md`, "Conversation states").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// The AI answers.
    Ai,
    /// The visitor (or the AI) asked for a human; nobody has taken it yet.
    WaitingHuman,
    /// An operator holds it; the AI is silent.
    Human,
    /// Ended; the visitor's next message opens a new conversation.
    Closed,
}

impl ConversationStatus {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ai => "ai",
            Self::WaitingHuman => "waiting_human",
            Self::Human => "human",
            Self::Closed => "closed",
        }
    }

    /// Parses a stored name; anything unknown reads as `closed` (nobody answers it).
    #[must_use]
    pub fn parse(value: &str) -> Self {
        match value {
            "ai" => Self::Ai,
            "waiting_human" => Self::WaitingHuman,
            "human" => Self::Human,
            _ => Self::Closed,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    /// The visitor, from the widget.
    Visitor,
    /// The project's AI.
    Ai,
    /// An operator, from the dashboard (`author_name` says who).
    Operator,
    /// Notices of the product itself (a fault, a spent budget, an operator joined).
    System,
}

impl MessageRole {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Ai => "ai",
            Self::Operator => "operator",
            Self::System => "system",
        }
    }

    /// Parses a stored name; anything unknown reads as `system`.
    #[must_use]
    pub fn parse(value: &str) -> Self {
        match value {
            "visitor" => Self::Visitor,
            "ai" => Self::Ai,
            "operator" => Self::Operator,
            _ => Self::System,
        }
    }
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// The AI is still writing it (deltas follow on the event stream).
    Streaming,
    /// Written in full.
    Complete,
    /// Stopped before the end (a takeover, a newer visitor message, a restart);
    /// the text so far is kept.
    Interrupted,
    /// The provider failed; `error_kind` says how.
    Failed,
}

impl MessageStatus {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Streaming => "streaming",
            Self::Complete => "complete",
            Self::Interrupted => "interrupted",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored name; anything unknown reads as `complete`.
    #[must_use]
    pub fn parse(value: &str) -> Self {
        match value {
            "streaming" => Self::Streaming,
            "interrupted" => Self::Interrupted,
            "failed" => Self::Failed,
            _ => Self::Complete,
        }
    }
}

/// A citation of the knowledge base (file search) in an AI answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Source {
    /// The provider's id of the cited file (`file-…`).
    pub file_id: String,
    /// The file's name, when the provider gave it.
    pub filename: Option<String>,
    /// The page's address, for a page of a website imported into the
    /// knowledge base (the widget links only `http(s)` addresses).
    #[serde(default)]
    pub url: Option<String>,
    /// The page's title, for a page of an imported website.
    #[serde(default)]
    pub title: Option<String>,
}

/// A message as the widget and the dashboard see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MessageView {
    /// The message's id.
    pub id: Uuid,
    /// The conversation it belongs to.
    pub conversation_id: Uuid,
    /// Who wrote it.
    pub role: MessageRole,
    /// The text (markdown for AI answers, see [`crate::markdown`]); while
    /// `streaming`, the text so far.
    pub text: String,
    /// Where it is in its life; anything but `streaming` is final.
    pub status: MessageStatus,
    /// The operator's display name for operator messages.
    pub author_name: Option<String>,
    /// Citations of file search; empty when none.
    pub sources: Vec<Source>,
    /// For `failed` messages and fault notices: `invalid_api_key`, `rate_limited`, `timeout`, …
    /// (operators); a visitor reads `ai_unavailable` for a fault of the provider or key.
    pub error_kind: Option<String>,
    /// The id the client chose when sending it (1 to 64 characters), `null`
    /// when none was given.
    pub client_message_id: Option<String>,
    /// When it was stored (RFC 3339, UTC).
    #[serde(deserialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Operators only, never the visitor (`docs/copilot.md`, "Translation"):
    /// a visitor message translated into an operator's language, or the
    /// original of an operator message sent translated (`text` is what the
    /// visitor reads). Absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation: Option<String>,
}

/// Reads an RFC 3339 time with chrono's dedicated parser: the widget then
/// carries no general date-format parser (a few KB of its wasm).
fn rfc3339<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(serde::de::Error::custom)
}

/// `delta` event: text appended to a streaming message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DeltaEvent {
    /// The streaming message the text belongs to.
    pub message_id: Uuid,
    /// The text appended to the message.
    pub text: String,
    /// Where `text` ends in the message, in bytes (a client that loaded the
    /// message another way appends only what it lacks).
    #[serde(default)]
    pub end: usize,
}

/// `status` event: the conversation changed state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StatusEvent {
    /// The conversation that changed.
    pub conversation_id: Uuid,
    /// Its state now.
    pub status: ConversationStatus,
    /// Why it waits for a human: `visitor` or `ai` (who asked), or
    /// `operator_removed` (the operator who held it was removed).
    pub reason: Option<String>,
    /// The operator who took it over (status `human`).
    #[serde(default)]
    pub operator: Option<crate::inbox::OperatorRef>,
}

/// `typing` event: someone started or stopped writing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TypingEvent {
    /// The conversation someone writes in.
    pub conversation_id: Uuid,
    /// `visitor`, `ai` or `operator`.
    pub role: MessageRole,
    /// True while writing, false once they stopped.
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the server writes, the widget reads back to the same instant.
    #[test]
    fn a_message_survives_the_wire() {
        let message = MessageView {
            id: Uuid::new_v4(),
            conversation_id: Uuid::new_v4(),
            role: MessageRole::Ai,
            text: "Привет".into(),
            status: MessageStatus::Streaming,
            author_name: None,
            sources: vec![Source {
                file_id: "file-1".into(),
                filename: Some("faq.pdf".into()),
                url: Some("https://shop.example/faq".into()),
                title: Some("FAQ".into()),
            }],
            error_kind: None,
            client_message_id: None,
            created_at: Utc::now(),
            translation: None,
        };
        let json = serde_json::to_string(&message).expect("serialised");
        let back: MessageView = serde_json::from_str(&json).expect("deserialised");
        assert_eq!(back, message);
        let bad = json.replace(
            &message
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            "yesterday",
        );
        assert!(serde_json::from_str::<MessageView>(&bad).is_err(), "{bad}");
    }
}
