//! Alerts for operators away from the dashboard, in Telegram and by email
//! (`docs/alerts.md`).
//!
//! An alert is raised inside the transaction of what caused it ([`raise`]):
//! one `alerts` row per operator and channel, naming the conversation and
//! the message, never its text. It commits with the change or not at all, so
//! no alert is lost to a crash and a failing Telegram or mail server never
//! holds a visitor or an operator up. [`dispatch`] sends the queued rows
//! (reading the text then), retried with backoff.
//!
//! - `settings`: each operator's choices (channels, kinds, quiet hours, language).
//! - `dispatch`: the queue's loops (one per channel): claim rows under a
//!   lease, send (`send`), settle.
//! - `render`: the alert's text, for Telegram (HTML) and email, in en/ru.

pub mod dispatch;
pub mod render;
mod send;
pub mod settings;

use crate::db::entities::{alerts, conversations, project_members, users};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use settings::Choices;
use uuid::Uuid;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// A visitor asked for a human, or the AI handed over.
    WaitingHuman,
    /// A visitor left a contact.
    Contact,
    /// A visitor wrote in a conversation an operator holds (to that operator).
    Message,
    /// A visitor's first message of a conversation.
    NewConversation,
}

impl AlertKind {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WaitingHuman => "waiting_human",
            Self::Contact => "contact",
            Self::Message => "message",
            Self::NewConversation => "new_conversation",
        }
    }

    /// Parses a stored name (unknown names read as `waiting_human`).
    #[must_use]
    pub fn parse(value: &str) -> Self {
        match value {
            "contact" => Self::Contact,
            "message" => Self::Message,
            "new_conversation" => Self::NewConversation,
            _ => Self::WaitingHuman,
        }
    }

    /// Whether `choices` (one channel's) want this alert of `project_id`.
    fn wanted(self, choices: &contract::alerts::AlertChoices, project_id: Uuid) -> bool {
        match self {
            Self::WaitingHuman => choices.waiting_human,
            Self::Contact => choices.contact,
            Self::Message => choices.my_conversations,
            Self::NewConversation => choices.new_conversation.contains(&project_id),
        }
    }
}

/// The two channels.
pub const TELEGRAM: &str = "telegram";
/// Email.
pub const EMAIL: &str = "email";

/// Queues the alerts of `kind` about `conversation` (in the caller's
/// transaction): to every user who may see its project and wants this kind
/// on a channel they have (a linked Telegram chat, an email address);
/// a [`AlertKind::Message`] only to the operator who holds the conversation.
/// Returns how many rows were queued.
///
/// It runs in a savepoint: an alert that cannot be queued is logged and
/// dropped, never failing what raised it (a visitor's message).
///
/// # Errors
/// The [`DbErr`] of opening or closing the savepoint.
pub async fn raise(
    txn: &(impl ConnectionTrait + TransactionTrait),
    conversation: &conversations::Model,
    kind: AlertKind,
    message_id: Option<Uuid>,
) -> Result<usize, DbErr> {
    let savepoint = txn.begin().await?;
    match queue(&savepoint, conversation, kind, message_id).await {
        Ok(queued) => {
            savepoint.commit().await?;
            Ok(queued)
        }
        Err(err) => {
            tracing::warn!(error = %err, conversation_id = %conversation.id, kind = kind.as_str(), "alerts could not be queued; dropped");
            savepoint.rollback().await?;
            Ok(0)
        }
    }
}

async fn queue(
    txn: &impl ConnectionTrait,
    conversation: &conversations::Model,
    kind: AlertKind,
    message_id: Option<Uuid>,
) -> Result<usize, DbErr> {
    let project_id = conversation.project_id;
    let mut reachable = Condition::any()
        .add(users::Column::TelegramChatId.is_not_null())
        .add(users::Column::Email.is_not_null());
    if kind == AlertKind::Message {
        let Some(holder) = conversation.assigned_user_id else {
            return Ok(0);
        };
        reachable = Condition::all()
            .add(reachable)
            .add(users::Column::Id.eq(holder));
    }
    let candidates = users::Entity::find().filter(reachable).all(txn).await?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let members: Vec<Uuid> = project_members::Entity::find()
        .filter(project_members::Column::ProjectId.eq(project_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|member| member.user_id)
        .collect();
    let now = chrono::Utc::now();
    let mut rows = Vec::new();
    for user in candidates {
        let sees = user.role == contract::auth::Role::Admin.as_str() || members.contains(&user.id);
        if !sees {
            continue;
        }
        let choices = Choices::of(&user);
        let channels = [
            (TELEGRAM, user.telegram_chat_id.is_some(), &choices.telegram),
            (EMAIL, user.email.is_some(), &choices.email),
        ];
        for (channel, reachable, wanted) in channels {
            if reachable && kind.wanted(wanted, project_id) {
                rows.push(alerts::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    user_id: Set(user.id),
                    project_id: Set(project_id),
                    conversation_id: Set(conversation.id),
                    message_id: Set(message_id),
                    channel: Set(channel.into()),
                    kind: Set(kind.as_str().into()),
                    status: Set(dispatch::PENDING.into()),
                    attempts: Set(0),
                    retry_at: Set(now),
                    created_at: Set(now),
                    ..Default::default()
                });
            }
        }
    }
    let queued = rows.len();
    if queued > 0 {
        alerts::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(queued)
}

/// Deletes the alerts and the bot's messages about `conversation_ids` (the
/// conversations are being deleted in the caller's transaction).
///
/// # Errors
/// The [`DbErr`] of a delete.
pub async fn forget_conversations(
    txn: &impl ConnectionTrait,
    conversation_ids: &[Uuid],
) -> Result<(), DbErr> {
    alerts::Entity::delete_many()
        .filter(alerts::Column::ConversationId.is_in(conversation_ids.to_vec()))
        .exec(txn)
        .await?;
    crate::db::entities::telegram_messages::Entity::delete_many()
        .filter(
            crate::db::entities::telegram_messages::Column::ConversationId
                .is_in(conversation_ids.to_vec()),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes the alerts of `user_id` (being removed in the caller's transaction).
///
/// # Errors
/// The [`DbErr`] of the delete.
pub async fn forget_user(txn: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbErr> {
    alerts::Entity::delete_many()
        .filter(alerts::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Cancels the queued alerts of `user_id` on `channel` (the chat was
/// unlinked or the address removed).
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn cancel_pending(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    channel: &str,
) -> Result<(), DbErr> {
    alerts::Entity::update_many()
        .col_expr(alerts::Column::Status, Expr::value(dispatch::SKIPPED))
        .filter(alerts::Column::UserId.eq(user_id))
        .filter(alerts::Column::Channel.eq(channel))
        .filter(alerts::Column::Status.eq(dispatch::PENDING))
        .exec(db)
        .await?;
    Ok(())
}
