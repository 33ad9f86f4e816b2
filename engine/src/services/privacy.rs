//! One visitor's data, for admins: exported whole, or deleted whole
//! (`docs/privacy.md`). Deleting keeps only a row of `visitor_deletions`
//! (that a deletion happened, when, and which admin asked); usage counters
//! are per project and stay.
//!
//! A visitor of a project the caller may not see answers `404`, as if it did
//! not exist; an operator who may see it gets `403 admin_only`.

use crate::db::begin_write;
use crate::db::entities::{conversations, visitors};
use crate::services::auth::CurrentUser;
use crate::services::{events, messages, retention};
use crate::state::AppState;
use contract::AppError;
use contract::chat::ConversationStatus;
use contract::privacy::{DeletionReason, ExportedConversation, ExportedVisitor, VisitorExport};
use sea_orm::sea_query::LockType;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Everything stored about visitor `id`: the visitor and their
/// conversations, oldest first, each with its messages.
///
/// # Errors
/// `404 visitor_not_found`; `403 admin_only` for operators.
#[tracing::instrument(name = "privacy::export", skip_all, fields(visitor_id = %id, user_id = %user.id))]
pub async fn export(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<VisitorExport, AppError> {
    let visitor = allowed(&state.db, user, id, false).await?;
    let rows = conversations::Entity::find()
        .filter(conversations::Column::VisitorId.eq(id))
        .order_by_asc(conversations::Column::CreatedAt)
        .order_by_asc(conversations::Column::Id)
        .all(&state.db)
        .await?;
    let mut exported = Vec::with_capacity(rows.len());
    for row in rows {
        let messages = messages::of_conversation(&state.db, row.id)
            .await?
            .iter()
            .map(|message| messages::view(message, &state.hub))
            .collect();
        let rating = crate::services::inbox::rating_of(&row);
        exported.push(ExportedConversation {
            id: row.id,
            status: ConversationStatus::parse(&row.status),
            page_url: row.page_url,
            referrer: row.referrer,
            handoff_reason: row.handoff_reason,
            handoff_at: row.handoff_at,
            handoff_by: row.handoff_by,
            created_at: row.created_at,
            last_message_at: row.last_message_at,
            closed_at: row.closed_at,
            rating,
            summary: row.summary,
            messages,
        });
    }
    Ok(VisitorExport {
        visitor: ExportedVisitor {
            id: visitor.id,
            project_id: visitor.project_id,
            first_seen_at: visitor.first_seen_at,
            last_seen_at: visitor.last_seen_at,
            locale: visitor.locale,
            user_agent: visitor.user_agent,
            ip_hash: visitor.ip_hash,
            contact_name: visitor.contact_name,
            contact_email: visitor.contact_email,
            contact_phone: visitor.contact_phone,
            consent_version: visitor.consent_version,
            consent_at: visitor.consent_at,
        },
        conversations: exported,
    })
}

/// Deletes visitor `id` with their conversations, messages and events,
/// recording the deletion (reason `request`, by `user`); the operators'
/// inbox drops the conversations (`conversation_removed`).
///
/// # Errors
/// `404 visitor_not_found`; `403 admin_only` for operators.
#[tracing::instrument(name = "privacy::delete", skip_all, fields(visitor_id = %id, user_id = %user.id))]
pub async fn delete(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<(), AppError> {
    let txn = begin_write(&state.db).await?;
    let visitor = allowed(&txn, user, id, true).await?;
    let rows = conversations::Entity::find()
        .filter(conversations::Column::VisitorId.eq(id))
        .lock(LockType::Update)
        .all(&txn)
        .await?;
    let pending = retention::delete_conversations(&txn, &rows, DeletionReason::Request).await?;
    visitors::Entity::delete_by_id(id).exec(&txn).await?;
    retention::record_deletions(
        &txn,
        visitor.project_id,
        &[id],
        DeletionReason::Request,
        Some(user.id),
    )
    .await?;
    txn.commit().await?;
    // A reply the AI was writing for them has nowhere to go.
    for row in rows.iter().filter(|row| row.ai_lease_owner.is_some()) {
        state.relay.cancel(state, row.id);
    }
    events::publish(&state.hub, pending);
    Ok(())
}

/// Visitor `id` when `user` may see its project (else `404`) and is an
/// admin (else `403`); locked when `for_update`.
async fn allowed(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
    for_update: bool,
) -> Result<visitors::Model, AppError> {
    let mut select = visitors::Entity::find_by_id(id);
    if for_update {
        select = select.lock(LockType::Update);
    }
    let visitor = select
        .one(db)
        .await?
        .filter(|visitor| user.can_see(visitor.project_id))
        .ok_or_else(|| AppError::not_found("visitor_not_found", "no such visitor"))?;
    user.require_admin()?;
    Ok(visitor)
}
