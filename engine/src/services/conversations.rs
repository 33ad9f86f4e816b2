//! Conversations: opening one, finding a visitor's current one, and changing
//! its state with the `status` event that tells the streams.

use crate::db::entities::{conversations, projects, visitors};
use crate::services::alerts::AlertKind;
use crate::services::events::{self, Kind, Pending};
use contract::chat::{ConversationStatus, StatusEvent};
use contract::inbox::OperatorRef;
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

/// Where a conversation started.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// Without its query string.
    pub page_url: Option<String>,
    /// Without its query string.
    pub referrer: Option<String>,
}

/// The visitor's newest conversation, whatever its state.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn latest_of_visitor(
    db: &impl ConnectionTrait,
    visitor_id: Uuid,
) -> Result<Option<conversations::Model>, DbErr> {
    conversations::Entity::find()
        .filter(conversations::Column::VisitorId.eq(visitor_id))
        .order_by_desc(conversations::Column::CreatedAt)
        .one(db)
        .await
}

/// The visitor's newest conversation, locked for the rest of the transaction
/// on PostgreSQL (on SQLite the write transaction holds the lock already).
///
/// `FOR NO KEY UPDATE`, not `FOR UPDATE`: a transaction that inserts an event
/// or a message of the conversation takes a key-share lock on it (the
/// foreign key); with `FOR UPDATE` it would wait for us while we wait for
/// its event lock.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn latest_of_visitor_for_update(
    txn: &impl ConnectionTrait,
    visitor_id: Uuid,
) -> Result<Option<conversations::Model>, DbErr> {
    conversations::Entity::find()
        .filter(conversations::Column::VisitorId.eq(visitor_id))
        .order_by_desc(conversations::Column::CreatedAt)
        .lock(LockType::NoKeyUpdate)
        .one(txn)
        .await
}

/// One conversation by id.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<conversations::Model>, DbErr> {
    conversations::Entity::find_by_id(id).one(db).await
}

/// One conversation, locked for the rest of the transaction on PostgreSQL
/// (on SQLite the write transaction holds the lock already).
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn find_for_update(
    txn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<conversations::Model>, DbErr> {
    conversations::Entity::find_by_id(id)
        .lock(LockType::NoKeyUpdate)
        .one(txn)
        .await
}

/// Moves `conversation` to `status`: `human` is held by `operator`, the
/// other states by nobody; only `waiting_human` keeps a deadline; `closed`
/// records when. The `status` event is returned to publish after the commit.
///
/// # Errors
/// The [`DbErr`] of the update or the event.
pub async fn set_status(
    txn: &impl ConnectionTrait,
    conversation: conversations::Model,
    status: ConversationStatus,
    operator: Option<OperatorRef>,
) -> Result<(conversations::Model, Pending), DbErr> {
    let now = chrono::Utc::now();
    let mut active = conversation.into_active_model();
    active.status = Set(status.as_str().to_owned());
    match status {
        ConversationStatus::Human => {
            active.assigned_user_id = Set(operator.as_ref().map(|operator| operator.id));
        }
        ConversationStatus::Closed => active.closed_at = Set(Some(now)),
        ConversationStatus::Ai | ConversationStatus::WaitingHuman => {
            active.assigned_user_id = Set(None);
        }
    }
    if status != ConversationStatus::WaitingHuman {
        active.handoff_deadline_at = Set(None);
    }
    active.updated_at = Set(now);
    let conversation = active.update(txn).await?;
    let event = StatusEvent {
        conversation_id: conversation.id,
        status,
        reason: None,
        operator,
    };
    let pending = events::emit(txn, &conversation, Kind::Status, &event).await?;
    Ok((conversation, pending))
}

/// Opens a conversation of `visitor`, answered by the AI.
///
/// # Errors
/// The [`DbErr`] of the insert.
pub async fn open(
    txn: &impl ConnectionTrait,
    project: &projects::Model,
    visitor: &visitors::Model,
    origin: &Origin,
) -> Result<conversations::Model, DbErr> {
    let now = chrono::Utc::now();
    conversations::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(project.id),
        visitor_id: Set(visitor.id),
        status: Set(ConversationStatus::Ai.as_str().to_owned()),
        assigned_user_id: Set(None),
        page_url: Set(origin.page_url.clone()),
        referrer: Set(origin.referrer.clone()),
        last_message_at: Set(now),
        last_message_preview: Set(None),
        operator_unread: Set(0),
        visitor_unread: Set(0),
        handoff_reason: Set(None),
        handoff_deadline_at: Set(None),
        ai_lease_owner: Set(None),
        ai_lease_expires_at: Set(None),
        closed_at: Set(None),
        summary: Set(None),
        summary_at: Set(None),
        rating_score: Set(None),
        rating_comment: Set(None),
        rated_at: Set(None),
        handoff_at: Set(None),
        handoff_by: Set(None),
        handoff_timed_out_at: Set(None),
        first_human_reply_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
}

/// Who asked for a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskedBy {
    /// The visitor pressed "talk to a human".
    Visitor,
    /// The AI called `handoff_to_human`.
    Ai,
    /// Nobody asked: the operator who held it was removed.
    OperatorRemoved,
}

impl AskedBy {
    /// The `reason` of the `status` event (the visitor's stream shows who
    /// asked, never the AI's own words, which are for the operator).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Ai => "ai",
            Self::OperatorRemoved => "operator_removed",
        }
    }
}

/// Moves `conversation` to `waiting_human`, asked by `by` with `reason`
/// (kept for the operator), setting the deadline of the project's "nobody
/// came" rule, and raises the operators' alerts; the `status` event is
/// returned to publish after the commit.
///
/// # Errors
/// The [`DbErr`] of the update or the event.
pub async fn wait_for_human(
    txn: &(impl ConnectionTrait + TransactionTrait),
    project: &projects::Model,
    conversation: conversations::Model,
    by: AskedBy,
    reason: &str,
) -> Result<(conversations::Model, Pending), DbErr> {
    let now = chrono::Utc::now();
    let deadline = project
        .handoff_timeout_minutes
        .map(|minutes| now + chrono::Duration::minutes(i64::from(minutes)));
    let first_handoff = conversation.handoff_at.is_none();
    let mut active = conversation.into_active_model();
    if first_handoff {
        // Kept for the statistics: the wait for a human is counted from here.
        active.handoff_at = Set(Some(now));
        active.handoff_by = Set(Some(by.as_str().to_owned()));
    }
    active.status = Set(ConversationStatus::WaitingHuman.as_str().to_owned());
    active.handoff_reason = Set(Some(reason.to_owned()));
    active.handoff_deadline_at = Set(deadline);
    active.assigned_user_id = Set(None);
    active.updated_at = Set(now);
    let conversation = active.update(txn).await?;
    let event = StatusEvent {
        conversation_id: conversation.id,
        status: ConversationStatus::WaitingHuman,
        reason: Some(by.as_str().to_owned()),
        operator: None,
    };
    let pending = events::emit(txn, &conversation, Kind::Status, &event).await?;
    crate::services::alerts::raise(txn, &conversation, AlertKind::WaitingHuman, None).await?;
    Ok((conversation, pending))
}
