//! What is kept, and for how long (`docs/privacy.md`):
//!
//! - a project with `retention_days` loses the conversations whose last
//!   activity (newest message, last change) is older than that, with their
//!   messages and events, and then the visitors left without conversations
//!   (each recorded in `visitor_deletions` with reason `retention`);
//! - the `events` table keeps [`EVENTS_KEPT`] for everyone: older events
//!   are needed by no replay (a reconnect resumes within seconds, a page
//!   load starts from the session's `last_event_id`), and a stream resuming
//!   from a pruned cursor gets the current state
//!   ([`crate::services::streams`]). The highest pruned id is the watermark
//!   in `app_settings` ([`events::pruned_through`]).
//!
//! A background task sweeps it all in bounded batches, on every instance
//! (each batch is its own write transaction, so instances do not collide).

use crate::db::begin_write;
use crate::db::entities::{
    app_settings, conversations, events as event_rows, messages, projects, visitor_deletions,
    visitors,
};
use crate::services::events::{self, Pending};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use contract::privacy::DeletionReason;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::LockType,
};
use uuid::Uuid;

/// How long events are kept for replays.
pub const EVENTS_KEPT: chrono::Duration = chrono::Duration::days(3);

/// How many rows one batch deletes (the next sweep takes the rest).
pub const BATCH: u64 = 200;

/// The advisory lock that lets one instance at a time move the watermark ("aiwprune").
const PRUNE_LOCK: i64 = 0x6169_7770_7275_6e65;

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Conversations past their project's retention.
    pub conversations: usize,
    /// Visitors left without conversations.
    pub visitors: usize,
    /// Events past [`EVENTS_KEPT`].
    pub events: usize,
}

/// One tick of the retention sweep (run by `workers` every `sweep_every`);
/// a failure is logged and tried again at the next tick.
pub async fn on_tick(state: AppState) {
    match sweep(&state).await {
        Ok(swept) if swept != Swept::default() => {
            tracing::info!(
                conversations = swept.conversations,
                visitors = swept.visitors,
                events = swept.events,
                "deleted what is past its retention"
            );
        }
        Ok(_) => {}
        Err(err) => {
            tracing::warn!(error = %err, "the retention sweep failed; retrying later");
        }
    }
}

/// One batch of each: conversations and visitors of every project with a
/// retention, then events past [`EVENTS_KEPT`].
///
/// # Errors
/// The [`DbErr`] of a query.
#[tracing::instrument(name = "retention::sweep", skip_all)]
pub async fn sweep(state: &AppState) -> Result<Swept, DbErr> {
    let now = Utc::now();
    let kept: Vec<(Uuid, Option<i32>)> = projects::Entity::find()
        .select_only()
        .column(projects::Column::Id)
        .column(projects::Column::RetentionDays)
        .filter(projects::Column::RetentionDays.is_not_null())
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut swept = Swept::default();
    for (project_id, days) in kept {
        let Some(days) = days.filter(|days| *days > 0) else {
            continue;
        };
        let cutoff = now - chrono::Duration::days(i64::from(days));
        swept.conversations += purge_conversations(state, project_id, cutoff).await?;
        swept.visitors += purge_visitors(state, project_id, cutoff).await?;
    }
    swept.events = prune_events(state, now - EVENTS_KEPT).await?;
    Ok(swept)
}

/// Deletes up to [`BATCH`] conversations of `project_id` idle since before
/// `cutoff`, with their messages and events; the inbox is told.
async fn purge_conversations(
    state: &AppState,
    project_id: Uuid,
    cutoff: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let idle = || {
        conversations::Entity::find()
            .filter(conversations::Column::ProjectId.eq(project_id))
            .filter(conversations::Column::LastMessageAt.lt(cutoff))
            .filter(conversations::Column::UpdatedAt.lt(cutoff))
    };
    // A read first: the write lock is taken only when there is work.
    if idle().one(&state.db).await?.is_none() {
        return Ok(0);
    }
    let txn = begin_write(&state.db).await?;
    let stale: Vec<conversations::Model> =
        idle().limit(BATCH).lock(LockType::Update).all(&txn).await?;
    if stale.is_empty() {
        return Ok(0);
    }
    let pending = delete_conversations(&txn, &stale, DeletionReason::Retention).await?;
    txn.commit().await?;
    events::publish(&state.hub, pending);
    Ok(stale.len())
}

/// Deletes `rows` (locked by the caller's transaction) with their messages,
/// events and alerts, and writes a `conversation_removed` event for each one the
/// inbox lists; the events to publish after the commit.
///
/// # Errors
/// The [`DbErr`] of a statement.
pub async fn delete_conversations(
    txn: &impl ConnectionTrait,
    rows: &[conversations::Model],
    reason: DeletionReason,
) -> Result<Vec<Pending>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    crate::services::alerts::forget_conversations(txn, &ids).await?;
    event_rows::Entity::delete_many()
        .filter(event_rows::Column::ConversationId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    messages::Entity::delete_many()
        .filter(messages::Column::ConversationId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    conversations::Entity::delete_many()
        .filter(conversations::Column::Id.is_in(ids))
        .exec(txn)
        .await?;
    let mut pending = Vec::new();
    for row in rows.iter().filter(|row| row.last_message_preview.is_some()) {
        pending.push(events::emit_removed(txn, row, reason).await?);
    }
    Ok(pending)
}

/// Deletes up to [`BATCH`] visitors of `project_id` unseen since `cutoff`
/// and left without conversations, recording each deletion.
async fn purge_visitors(
    state: &AppState,
    project_id: Uuid,
    cutoff: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let left_alone = || {
        // `NOT EXISTS` on the visitor index of conversations, row by row.
        let has_conversations = Query::select()
            .expr(Expr::val(1))
            .from(conversations::Entity)
            .and_where(
                Expr::col((conversations::Entity, conversations::Column::VisitorId))
                    .equals((visitors::Entity, visitors::Column::Id)),
            )
            .to_owned();
        visitors::Entity::find()
            .select_only()
            .column(visitors::Column::Id)
            .filter(visitors::Column::ProjectId.eq(project_id))
            .filter(visitors::Column::LastSeenAt.lt(cutoff))
            .filter(Expr::exists(has_conversations).not())
    };
    let any: Option<Uuid> = left_alone().into_tuple().one(&state.db).await?;
    if any.is_none() {
        return Ok(0);
    }
    let txn = begin_write(&state.db).await?;
    let gone: Vec<Uuid> = left_alone()
        .limit(BATCH)
        .lock(LockType::Update)
        .into_tuple()
        .all(&txn)
        .await?;
    if gone.is_empty() {
        return Ok(0);
    }
    visitors::Entity::delete_many()
        .filter(visitors::Column::Id.is_in(gone.clone()))
        .exec(&txn)
        .await?;
    record_deletions(&txn, project_id, &gone, DeletionReason::Retention, None).await?;
    txn.commit().await?;
    Ok(gone.len())
}

/// Records that the data of `visitor_ids` was deleted, why, and by whom.
///
/// # Errors
/// The [`DbErr`] of the insert.
pub async fn record_deletions(
    txn: &impl ConnectionTrait,
    project_id: Uuid,
    visitor_ids: &[Uuid],
    reason: DeletionReason,
    deleted_by: Option<Uuid>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows = visitor_ids
        .iter()
        .map(|visitor_id| visitor_deletions::ActiveModel {
            id: Set(Uuid::new_v4()),
            project_id: Set(project_id),
            visitor_id: Set(*visitor_id),
            reason: Set(reason.as_str().to_owned()),
            deleted_by: Set(deleted_by),
            deleted_at: Set(now),
        });
    visitor_deletions::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Deletes up to [`BATCH`] of the oldest events written before `cutoff`,
/// moving the watermark to the highest deleted id in the same transaction
/// (a stream that misses a deleted row sees the new watermark).
async fn prune_events(state: &AppState, cutoff: DateTime<Utc>) -> Result<usize, DbErr> {
    // A read first: the write lock is taken only when there is work.
    let oldest: Option<DateTime<Utc>> = event_rows::Entity::find()
        .select_only()
        .column(event_rows::Column::CreatedAt)
        .filter(event_rows::Column::Id.gt(events::pruned_through(&state.db).await?))
        .order_by_asc(event_rows::Column::Id)
        .into_tuple()
        .one(&state.db)
        .await?;
    if oldest.is_none_or(|at| at >= cutoff) {
        return Ok(0);
    }
    let txn = begin_write(&state.db).await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({PRUNE_LOCK})"))
            .await?;
    }
    let watermark = events::pruned_through(&txn).await?;
    // Ids follow time: the oldest rows above the watermark, up to the first
    // one young enough to keep.
    let oldest: Vec<(i64, DateTime<Utc>)> = event_rows::Entity::find()
        .select_only()
        .column(event_rows::Column::Id)
        .column(event_rows::Column::CreatedAt)
        .filter(event_rows::Column::Id.gt(watermark))
        .order_by_asc(event_rows::Column::Id)
        .limit(BATCH)
        .into_tuple()
        .all(&txn)
        .await?;
    let Some(through) = oldest
        .iter()
        .take_while(|(_, at)| *at < cutoff)
        .map(|(id, _)| *id)
        .last()
    else {
        return Ok(0);
    };
    let deleted = event_rows::Entity::delete_many()
        .filter(event_rows::Column::Id.lte(through))
        .exec(&txn)
        .await?
        .rows_affected;
    app_settings::Entity::insert(app_settings::ActiveModel {
        key: Set(events::PRUNED_THROUGH_KEY.to_owned()),
        value: Set(through.to_string()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(app_settings::Column::Key)
            .update_columns([app_settings::Column::Value, app_settings::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
}
