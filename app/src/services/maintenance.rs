//! Repairs of what a crash left behind: at start-up, before the server takes
//! requests, and again with every deadline sweep (an instance that died
//! leaves its streaming answers behind its expired AI leases).

use crate::db::entities::messages;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

/// Marks messages left `streaming` by a crash or a kill as `interrupted`, so no
/// visitor or operator waits for text that will never come: those of
/// conversations whose AI lease is gone or expired (a live lease means an
/// instance is still writing them). Their partial text is kept. Returns how
/// many were marked.
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn interrupt_orphaned_streams(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let now = chrono::Utc::now();
    let result = messages::Entity::update_many()
        .col_expr(messages::Column::Status, Expr::value("interrupted"))
        .col_expr(messages::Column::UpdatedAt, Expr::value(now))
        .filter(messages::Column::Status.eq("streaming"))
        .filter(
            messages::Column::ConversationId.not_in_subquery(crate::services::lease::live_leases()),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
