//! One instance runs the AI of a conversation, under a lease with an expiry
//! (`ai_lease_owner`, `ai_lease_expires_at`): the instance that runs it
//! renews it, and gives it back when the run ends. A lease left by an
//! instance that died is given back as soon as it is seen dead
//! ([`release_dead`], at start-up and with every sweep), and expires anyway.

use crate::db::INSTANCE_APPLICATION_NAME;
use crate::db::entities::conversations;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter,
    Statement,
};
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
    cleared()
        .filter(conversations::Column::Id.eq(conversation_id))
        .filter(conversations::Column::AiLeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives back the leases held by instances that are gone, so that their
/// conversations are answered at once rather than after [`LEASE`]: on
/// SQLite, which one instance serves, every lease that is not `me`'s (a
/// kill and a fast restart leave the previous run's); on PostgreSQL, those
/// of instances with no connection left (each instance's connections carry
/// its id in `application_name`, [`INSTANCE_APPLICATION_NAME`]), and only
/// while this instance sees its own name there: behind a pooler that does
/// not pass names on, every instance would look dead and nothing is
/// released (leases expire as before). Leases of the knowledge base's jobs
/// likewise ([`LEASED`]). Returns how many.
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn release_dead(db: &impl ConnectionTrait, me: &str) -> Result<u64, DbErr> {
    let mut released = 0;
    for (table, owner, expires) in LEASED {
        released += match db.get_database_backend() {
            DatabaseBackend::Postgres => db
                .execute_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    format!(
                        "UPDATE {table} SET {owner} = NULL, {expires} = NULL \
                         WHERE {owner} IS NOT NULL AND {owner} <> $1 \
                         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity \
                           WHERE application_name = $2 || {table}.{owner}) \
                         AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $2 || $1)"
                    ),
                    [me.into(), INSTANCE_APPLICATION_NAME.into()],
                ))
                .await?
                .rows_affected(),
            backend => db
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    format!(
                        "UPDATE {table} SET {owner} = NULL, {expires} = NULL \
                         WHERE {owner} IS NOT NULL AND {owner} <> ?"
                    ),
                    [me.into()],
                ))
                .await?
                .rows_affected(),
        };
    }
    Ok(released)
}

/// The rows that carry an instance's lease: the AI of a conversation, the
/// knowledge base's jobs (`services::knowledge::jobs`), the alert queue
/// (`services::alerts::dispatch`) and the Telegram long poll
/// (`services::telegram::poll`): table, owner column, expiry column.
const LEASED: [(&str, &str, &str); 5] = [
    ("conversations", "ai_lease_owner", "ai_lease_expires_at"),
    ("knowledge_files", "lease_owner", "lease_expires_at"),
    ("knowledge_sites", "lease_owner", "lease_expires_at"),
    ("alerts", "lease_owner", "lease_expires_at"),
    ("worker_leases", "lease_owner", "lease_expires_at"),
];

/// An update that gives leases back (to be filtered to the ones meant).
fn cleared() -> sea_orm::UpdateMany<conversations::Entity> {
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::AiLeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            conversations::Column::AiLeaseExpiresAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
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
