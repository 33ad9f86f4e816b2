//! One instance runs the AI of a conversation, under a lease with an expiry
//! (`ai_lease_owner`, `ai_lease_expires_at`): the instance that runs it
//! renews it, and gives it back when the run ends. A lease left by an
//! instance that died expires, and any instance may take it then.

use crate::db::entities::conversations;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::time::Duration;
use uuid::Uuid;

/// How long a lease lasts unless renewed.
pub const LEASE: Duration = Duration::from_secs(60);

/// How often a running AI renews its lease.
pub const RENEW_EVERY: Duration = Duration::from_secs(20);

/// Who may run the AI of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// This instance (it took or renewed the lease).
    Ours,
    /// Another instance, until its lease expires.
    HeldBy(String),
    /// The conversation is gone.
    Gone,
}

/// Takes (or renews) the lease of `conversation_id` for `owner`, unless
/// another instance holds one that has not expired.
///
/// # Errors
/// The [`DbErr`] of the update or the read.
pub async fn acquire(
    db: &impl ConnectionTrait,
    conversation_id: Uuid,
    owner: &str,
) -> Result<Lease, DbErr> {
    // A lease given back between the update and the read is tried again.
    for _ in 0..3 {
        let now = chrono::Utc::now();
        let taken = conversations::Entity::update_many()
            .col_expr(conversations::Column::AiLeaseOwner, Expr::value(owner))
            .col_expr(
                conversations::Column::AiLeaseExpiresAt,
                Expr::value(now + LEASE),
            )
            .filter(conversations::Column::Id.eq(conversation_id))
            .filter(
                Condition::any()
                    .add(conversations::Column::AiLeaseOwner.is_null())
                    .add(conversations::Column::AiLeaseOwner.eq(owner))
                    .add(conversations::Column::AiLeaseExpiresAt.lt(now)),
            )
            .exec(db)
            .await?;
        if taken.rows_affected > 0 {
            return Ok(Lease::Ours);
        }
        let Some(conversation) = conversations::Entity::find_by_id(conversation_id)
            .one(db)
            .await?
        else {
            return Ok(Lease::Gone);
        };
        if let (Some(holder), Some(expires)) = (
            conversation.ai_lease_owner,
            conversation.ai_lease_expires_at,
        ) && expires >= chrono::Utc::now()
        {
            return Ok(Lease::HeldBy(holder));
        }
    }
    Ok(Lease::Gone)
}

/// Gives the lease back, if `owner` still holds it.
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn release(
    db: &impl ConnectionTrait,
    conversation_id: Uuid,
    owner: &str,
) -> Result<(), DbErr> {
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::AiLeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            conversations::Column::AiLeaseExpiresAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(conversations::Column::Id.eq(conversation_id))
        .filter(conversations::Column::AiLeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

/// The ids of conversations whose lease is held and has not expired, as a
/// subquery: only messages of these conversations may still be streaming.
#[must_use]
pub fn live_leases() -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(conversations::Column::Id)
        .from(conversations::Entity)
        .and_where(conversations::Column::AiLeaseOwner.is_not_null())
        .and_where(conversations::Column::AiLeaseExpiresAt.gte(chrono::Utc::now()))
        .to_owned()
}
