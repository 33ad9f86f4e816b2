//! Messages: stored rows, their API view, and writing new ones with the
//! conversation's activity (last message, preview, unread counts).

use crate::db::entities::{conversations, messages};
use crate::services::hub::Hub;
use contract::chat::{MessageRole, MessageStatus, MessageView, Source};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

/// How much of the last message the inbox shows.
const PREVIEW_CHARS: usize = 140;

/// The longest `client_message_id` accepted (the column's size).
pub const CLIENT_MESSAGE_ID_MAX: usize = 64;

/// The API's view of a stored message; a message still streaming on this
/// instance shows the text streamed so far.
pub fn view(row: &messages::Model, hub: &Hub) -> MessageView {
    let status = MessageStatus::parse(&row.status);
    let text = match status {
        MessageStatus::Streaming => hub.live_text(row.id).unwrap_or_else(|| row.text.clone()),
        _ => row.text.clone(),
    };
    MessageView {
        id: row.id,
        conversation_id: row.conversation_id,
        role: MessageRole::parse(&row.role),
        text,
        status,
        author_name: row.author_name.clone(),
        sources: row
            .sources
            .as_ref()
            .and_then(|sources| serde_json::from_value::<Vec<Source>>(sources.clone()).ok())
            .unwrap_or_default(),
        error_kind: row.error_kind.clone(),
        client_message_id: row.client_message_id.clone(),
        created_at: row.created_at,
        translation: row.translation.clone(),
    }
}

/// One message by id.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<messages::Model>, DbErr> {
    messages::Entity::find_by_id(id).one(db).await
}

/// The messages with these ids, in no particular order.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn find_all(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<messages::Model>, DbErr> {
    messages::Entity::find()
        .filter(messages::Column::Id.is_in(ids))
        .all(db)
        .await
}

/// The messages of a conversation, oldest first.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn of_conversation(
    db: &impl ConnectionTrait,
    conversation_id: Uuid,
) -> Result<Vec<messages::Model>, DbErr> {
    messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(conversation_id))
        .order_by_asc(messages::Column::CreatedAt)
        .order_by_asc(messages::Column::Id)
        .all(db)
        .await
}

/// The message a client already sent with this `client_message_id`, if any.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn find_by_client_id(
    db: &impl ConnectionTrait,
    conversation_id: Uuid,
    client_message_id: &str,
) -> Result<Option<messages::Model>, DbErr> {
    messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(conversation_id))
        .filter(messages::Column::ClientMessageId.eq(client_message_id))
        .one(db)
        .await
}

/// A message to write.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The conversation it belongs to.
    pub conversation_id: Uuid,
    /// Who wrote it.
    pub role: MessageRole,
    /// Its text (empty for an answer that starts streaming).
    pub text: String,
    /// `complete`, or `streaming` for an answer being written.
    pub status: MessageStatus,
    /// The operator who wrote it.
    pub author_user_id: Option<Uuid>,
    /// The name shown with it (kept when the operator is deleted).
    pub author_name: Option<String>,
    /// Why the AI could not answer (a notice's kind, for the operator).
    pub error_kind: Option<String>,
    /// The visitor's id for a retried send (stored once per conversation).
    pub client_message_id: Option<String>,
    /// An operator message sent translated: what they wrote and its
    /// language (`text` is the translation the visitor reads).
    pub original: Option<(String, String)>,
}

impl NewMessage {
    /// A complete message of `role` with `text`.
    pub fn new(conversation_id: Uuid, role: MessageRole, text: impl Into<String>) -> Self {
        Self {
            conversation_id,
            role,
            text: text.into(),
            status: MessageStatus::Complete,
            author_user_id: None,
            author_name: None,
            error_kind: None,
            client_message_id: None,
            original: None,
        }
    }
}

/// Writes `new` (inside the caller's transaction), counted in
/// [`crate::metrics::MESSAGES`] (the one place messages are inserted).
///
/// # Errors
/// The [`DbErr`] of the insert (a repeated `client_message_id` is a unique violation).
pub async fn insert(txn: &impl ConnectionTrait, new: NewMessage) -> Result<messages::Model, DbErr> {
    let now = chrono::Utc::now();
    let complete = new.status != MessageStatus::Streaming;
    let role = new.role;
    let row = messages::ActiveModel {
        id: Set(Uuid::now_v7()),
        conversation_id: Set(new.conversation_id),
        role: Set(role.as_str().to_owned()),
        search_text: Set(contract::text::search_text(&new.text)),
        text: Set(new.text),
        status: Set(new.status.as_str().to_owned()),
        author_user_id: Set(new.author_user_id),
        author_name: Set(new.author_name),
        sources: Set(None),
        tool_calls: Set(None),
        error_kind: Set(new.error_kind),
        input_tokens: Set(None),
        output_tokens: Set(None),
        client_message_id: Set(new.client_message_id),
        completed_at: Set(complete.then_some(now)),
        translation: Set(new.original.as_ref().map(|(text, _)| text.clone())),
        translation_lang: Set(new.original.map(|(_, lang)| lang)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    crate::metrics::message(role);
    Ok(row)
}

/// Records `message` as the conversation's latest activity: its time, a
/// preview, and one more unread for the side that did not write it.
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn touch_conversation(
    txn: &impl ConnectionTrait,
    message: &messages::Model,
) -> Result<(), DbErr> {
    let preview: String = message.text.chars().take(PREVIEW_CHARS).collect();
    let mut update = conversations::Entity::update_many()
        .col_expr(
            conversations::Column::LastMessageAt,
            Expr::value(message.updated_at),
        )
        .col_expr(
            conversations::Column::LastMessagePreview,
            Expr::value(preview),
        )
        .col_expr(
            conversations::Column::UpdatedAt,
            Expr::value(message.updated_at),
        );
    let role = MessageRole::parse(&message.role);
    update = if role == MessageRole::Visitor {
        update.col_expr(
            conversations::Column::OperatorUnread,
            Expr::col(conversations::Column::OperatorUnread).add(1),
        )
    } else {
        update.col_expr(
            conversations::Column::VisitorUnread,
            Expr::col(conversations::Column::VisitorUnread).add(1),
        )
    };
    if role == MessageRole::Operator {
        // The first human answer is kept for the statistics.
        update = update.col_expr(
            conversations::Column::FirstHumanReplyAt,
            Func::coalesce([
                Expr::col(conversations::Column::FirstHumanReplyAt),
                Expr::value(message.created_at),
            ])
            .into(),
        );
    }
    update
        .filter(conversations::Column::Id.eq(message.conversation_id))
        .exec(txn)
        .await?;
    Ok(())
}
