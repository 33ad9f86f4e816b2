//! Durable events: every change a stream must show (a message created or
//! completed, a status change, typing) is a row of `events` with an
//! increasing id, written in the same transaction as the change itself, and
//! published to the [`Hub`](super::hub::Hub) after the commit.
//!
//! Ids are committed in order, so that "after id N" never skips a row that
//! commits late: on SQLite writers are serialised by `BEGIN IMMEDIATE`; on
//! PostgreSQL every event-writing transaction takes one advisory lock
//! (released at commit) before it takes its id.
//!
//! Old events are pruned ([`crate::services::retention`]); the highest
//! pruned id is kept ([`pruned_through`]), so that a stream resuming from a
//! cursor older than that sends the current state instead of a silent gap.

use crate::db::entities::{app_settings, conversations, events};
use crate::services::bus;
use crate::services::hub::{Hub, Signal};
use crate::services::messages;
use contract::chat::{MessageRole, MessageView, TypingEvent};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

/// The advisory lock that orders event ids on PostgreSQL ("aiwevent").
const EVENT_ORDER_LOCK: i64 = 0x6169_7765_7665_6e74;

/// How many events one read returns; a stream reads again until it has all.
pub const PAGE: u64 = 200;

/// The kinds of events, as named on the SSE streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A message was created or changed (completed, interrupted, failed).
    Message,
    /// The conversation's state changed.
    Status,
    /// Someone started or stopped writing.
    Typing,
    /// One side read the other's messages.
    Read,
    /// The conversation was deleted (its own events went with it): the
    /// operators' inbox drops it. Stored without a conversation.
    Removed,
    /// What only the operators see of a conversation changed: the AI's
    /// summary, or the visitor's rating (named `summary` since the summary
    /// came first). Stored without a conversation (like `Removed`), so a
    /// visitor's stream never reads it; the operators' streams send the
    /// `conversation` it names (which carries both) instead of the event
    /// itself.
    Summary,
}

impl Kind {
    /// The stored name, also the SSE `event:` name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Status => "status",
            Self::Typing => "typing",
            Self::Read => "read",
            Self::Removed => "conversation_removed",
            Self::Summary => "summary",
        }
    }
}

/// An event written in a transaction, to publish once it commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    /// The event's id in the `events` table.
    pub id: i64,
    /// Its project.
    pub project_id: Uuid,
    /// Its conversation.
    pub conversation_id: Uuid,
    /// The conversation's visitor (whose streams follow it).
    pub visitor_id: Uuid,
}

impl Pending {
    /// Tells the streams (call after the commit).
    pub fn publish(self, hub: &Hub) {
        hub.publish(
            self.visitor_id,
            Signal::Event {
                id: self.id,
                project_id: self.project_id,
                conversation_id: Some(self.conversation_id),
            },
        );
    }
}

/// Writes an event of `conversation` inside the caller's transaction.
///
/// # Errors
/// The [`DbErr`] of the lock or the insert.
pub async fn emit(
    txn: &impl ConnectionTrait,
    conversation: &conversations::Model,
    kind: Kind,
    payload: &impl Serialize,
) -> Result<Pending, DbErr> {
    insert(txn, conversation, Some(conversation.id), kind, payload).await
}

/// Writes the `conversation_removed` event of `conversation`, deleted in
/// the caller's transaction (`reason`: `request` or `retention`). The row
/// names no conversation (the conversation's own events go with it), only
/// its project: the operators' streams carry it, the visitor's do not.
///
/// # Errors
/// As [`emit`].
pub async fn emit_removed(
    txn: &impl ConnectionTrait,
    conversation: &conversations::Model,
    reason: contract::privacy::DeletionReason,
) -> Result<Pending, DbErr> {
    let payload = contract::privacy::ConversationRemovedEvent {
        conversation_id: conversation.id,
        reason: reason.as_str().to_owned(),
    };
    insert(txn, conversation, None, Kind::Removed, &payload).await
}

/// Writes the `summary` event of `conversation`, whose summary or rating
/// changed in the caller's transaction: named in its payload, not in its row.
///
/// # Errors
/// As [`emit`].
pub async fn emit_operators_view(
    txn: &impl ConnectionTrait,
    conversation: &conversations::Model,
) -> Result<Pending, DbErr> {
    let payload = SummaryChanged {
        conversation_id: conversation.id,
    };
    insert(txn, conversation, None, Kind::Summary, &payload).await
}

/// The payload of a `summary` event.
#[derive(Debug, Serialize)]
struct SummaryChanged {
    conversation_id: Uuid,
}

/// The conversation an event concerns: its row's, or for the events stored
/// without one, the one their payload names.
#[must_use]
pub fn conversation_of(event: &events::Model) -> Option<Uuid> {
    event.conversation_id.or_else(|| {
        event.payload["conversation_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
    })
}

async fn insert(
    txn: &impl ConnectionTrait,
    conversation: &conversations::Model,
    stored_conversation: Option<Uuid>,
    kind: Kind,
    payload: &impl Serialize,
) -> Result<Pending, DbErr> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({EVENT_ORDER_LOCK})"))
            .await?;
    }
    let payload = serde_json::to_value(payload).map_err(|err| DbErr::Json(err.to_string()))?;
    let row = events::ActiveModel {
        project_id: Set(conversation.project_id),
        conversation_id: Set(stored_conversation),
        kind: Set(kind.as_str().to_owned()),
        payload: Set(payload),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        // The other instances learn of it when it commits (ids only).
        let note = bus::Note::Event {
            id: row.id,
            p: conversation.project_id,
            c: conversation.id,
            v: conversation.visitor_id,
        };
        bus::notify_in(txn, &note).await?;
    }
    Ok(Pending {
        id: row.id,
        project_id: conversation.project_id,
        conversation_id: conversation.id,
        visitor_id: conversation.visitor_id,
    })
}

/// The payload of a `message` event: which message (the stream sends it as it is then).
#[derive(Debug, Serialize)]
pub struct MessageRef {
    /// The message.
    pub message_id: Uuid,
}

/// Writes the `message` event of `message_id` (created or changed) in the caller's transaction.
///
/// # Errors
/// As [`emit`].
pub async fn emit_message(
    txn: &impl ConnectionTrait,
    conversation: &conversations::Model,
    message_id: Uuid,
) -> Result<Pending, DbErr> {
    emit(txn, conversation, Kind::Message, &MessageRef { message_id }).await
}

/// Whose events a stream shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// All conversations of one visitor.
    Visitor(Uuid),
    /// One conversation.
    Conversation(Uuid),
    /// All conversations of these projects (`None`: of every project, for admins).
    Projects(Option<Vec<Uuid>>),
}

impl Scope {
    /// The events of this scope, as a filter.
    fn condition(&self) -> sea_orm::sea_query::SimpleExpr {
        match self {
            Self::Visitor(visitor_id) => events::Column::ConversationId
                .in_subquery(crate::services::visitors::ids_of_visitor(*visitor_id)),
            Self::Conversation(id) => events::Column::ConversationId.eq(*id),
            Self::Projects(None) => sea_orm::sea_query::Expr::value(true),
            Self::Projects(Some(ids)) => events::Column::ProjectId.is_in(ids.clone()),
        }
    }

    /// True when a live signal of `project_id` may belong to this scope (a
    /// visitor's feed carries their own signals only; stored events are
    /// filtered again when read).
    #[must_use]
    pub fn covers(&self, project_id: Uuid) -> bool {
        match self {
            Self::Visitor(_) | Self::Conversation(_) | Self::Projects(None) => true,
            Self::Projects(Some(ids)) => ids.contains(&project_id),
        }
    }
}

/// Up to [`PAGE`] events of `scope` after `after`, oldest first.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn after(
    db: &impl ConnectionTrait,
    scope: &Scope,
    after: i64,
) -> Result<Vec<events::Model>, DbErr> {
    events::Entity::find()
        .filter(scope.condition())
        .filter(events::Column::Id.gt(after))
        .order_by_asc(events::Column::Id)
        .limit(PAGE)
        .all(db)
        .await
}

/// Where a stream of `scope` resumes to follow the current state: the
/// newest event id of `scope`, or the pruning watermark when that is newer
/// (the scope's older events may be pruned; nothing of it after the
/// watermark is), 0 when there is neither. Read it before the state it
/// stands for, so that a change in between is replayed, not missed.
///
/// # Errors
/// The [`DbErr`] of the queries.
pub async fn last_id(db: &impl ConnectionTrait, scope: &Scope) -> Result<i64, DbErr> {
    let id: Option<Option<i64>> = events::Entity::find()
        .select_only()
        .column_as(events::Column::Id.max(), "max_id")
        .filter(scope.condition())
        .into_tuple()
        .one(db)
        .await?;
    Ok(id.flatten().unwrap_or(0).max(pruned_through(db).await?))
}

/// The `app_settings` key of the highest pruned event id.
pub const PRUNED_THROUGH_KEY: &str = "events_pruned_through";

/// The highest event id pruned so far (0 before the first pruning): a
/// cursor older than it may have missed events that are gone.
///
/// # Errors
/// The [`DbErr`] of the query.
pub async fn pruned_through(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    Ok(app_settings::Entity::find_by_id(PRUNED_THROUGH_KEY)
        .one(db)
        .await?
        .and_then(|row| row.value.parse().ok())
        .unwrap_or(0))
}

/// What a stream sends for each of `rows`: its kind and JSON data. A
/// `message` event sends the message as it is now (with the text streamed so
/// far when it is still streaming); `None` when the message is gone. The
/// messages of a page are read in one query.
///
/// # Errors
/// The [`DbErr`] of loading the messages.
pub async fn render_all(
    db: &impl ConnectionTrait,
    hub: &Hub,
    rows: &[events::Model],
) -> Result<Vec<Option<Rendered>>, DbErr> {
    let message_of = |event: &events::Model| {
        (event.kind == Kind::Message.as_str())
            .then(|| event.payload["message_id"].as_str()?.parse::<Uuid>().ok())
            .flatten()
    };
    let ids: Vec<Uuid> = rows.iter().filter_map(message_of).collect();
    let found: std::collections::HashMap<Uuid, MessageView> = if ids.is_empty() {
        std::collections::HashMap::new()
    } else {
        messages::find_all(db, ids)
            .await?
            .iter()
            .map(|row| (row.id, messages::view(row, hub)))
            .collect()
    };
    Ok(rows
        .iter()
        .map(|event| {
            if event.kind != Kind::Message.as_str() {
                return Some(Rendered::Other {
                    kind: event.kind.clone(),
                    data: event.payload.clone(),
                });
            }
            message_of(event)
                .and_then(|id| found.get(&id).cloned())
                .map(Rendered::Message)
        })
        .collect())
}

/// A stored event, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    /// A `message` event: the message as it is now (its row is read at send time).
    Message(MessageView),
    /// Any other event: its name and its stored payload.
    Other {
        /// The event's name (`status`, `typing`, `read`, …).
        kind: String,
        /// Its payload as stored.
        data: serde_json::Value,
    },
}

/// Writes a `typing` event of `role`.
///
/// # Errors
/// The database error of the event.
pub async fn typing(
    txn: &impl sea_orm::ConnectionTrait,
    conversation: &conversations::Model,
    role: MessageRole,
    active: bool,
) -> Result<Pending, sea_orm::DbErr> {
    let event = TypingEvent {
        conversation_id: conversation.id,
        role,
        active,
    };
    emit(txn, conversation, Kind::Typing, &event).await
}

/// Tells the streams about committed events, in order.
pub fn publish(hub: &Hub, pending: Vec<Pending>) {
    for event in pending {
        event.publish(hub);
    }
}
