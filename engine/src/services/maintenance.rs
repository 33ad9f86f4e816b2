//! Repairs of what a crash left behind: at start-up, before the server takes
//! requests, and again with every deadline sweep (an instance that died
//! leaves its streaming answers behind its expired AI leases).

use crate::db::begin_write;
use crate::db::entities::messages;
use crate::services::events::{self, Pending};
use crate::services::{conversations, lease};
use contract::chat::{MessageRole, MessageStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Marks messages left `streaming` by a crash or a kill as `interrupted`, so no
/// visitor or operator waits for text that will never come: those of
/// conversations whose AI lease is gone or expired (a live lease means an
/// instance is still writing them). Their partial text is kept; each gets a
/// `message` event, and its conversation "the AI stopped typing". Returns
/// how many were marked and the events to publish.
///
/// # Errors
/// The [`DbErr`] of a query.
#[tracing::instrument(name = "maintenance::interrupt_orphaned_streams", skip_all)]
pub async fn interrupt_orphaned_streams(
    db: &DatabaseConnection,
) -> Result<(u64, Vec<Pending>), DbErr> {
    let orphans: Vec<(Uuid, Uuid)> = messages::Entity::find()
        .select_only()
        .column(messages::Column::Id)
        .column(messages::Column::ConversationId)
        .filter(messages::Column::Status.eq(MessageStatus::Streaming.as_str()))
        .filter(messages::Column::ConversationId.not_in_subquery(lease::live_leases()))
        .into_tuple()
        .all(db)
        .await?;
    let mut by_conversation: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (message_id, conversation_id) in orphans {
        by_conversation
            .entry(conversation_id)
            .or_default()
            .push(message_id);
    }
    let mut marked = 0;
    let mut pending = Vec::new();
    for (conversation_id, ids) in by_conversation {
        let txn = begin_write(db).await?;
        let Some(conversation) = conversations::find_for_update(&txn, conversation_id).await?
        else {
            continue;
        };
        let leased = conversation
            .ai_lease_expires_at
            .is_some_and(|expires| expires >= chrono::Utc::now());
        if leased {
            // Taken by an instance since the read: its run goes on.
            continue;
        }
        let result = messages::Entity::update_many()
            .col_expr(
                messages::Column::Status,
                Expr::value(MessageStatus::Interrupted.as_str()),
            )
            .col_expr(messages::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
            .filter(messages::Column::Id.is_in(ids.clone()))
            .filter(messages::Column::Status.eq(MessageStatus::Streaming.as_str()))
            .exec(&txn)
            .await?;
        marked += result.rows_affected;
        for id in ids {
            pending.push(events::emit_message(&txn, &conversation, id).await?);
        }
        pending.push(events::typing(&txn, &conversation, MessageRole::Ai, false).await?);
        txn.commit().await?;
    }
    Ok((marked, pending))
}
