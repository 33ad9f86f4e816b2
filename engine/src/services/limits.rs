//! The project's limits, counted in the database so that they hold across
//! restarts and instances: messages per visitor per minute, conversations per
//! IP per hour, and the daily AI budget (messages and tokens, one atomic
//! update per AI call in `usage_daily`).

use crate::db::entities::{conversations, messages, projects, usage_daily, visitors};
use chrono::{DateTime, Duration, Utc};
use contract::AppError;
use contract::chat::MessageRole;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

/// `429 rate_limited` once `count` of `limit` are spent in a window of
/// `window` that began with the oldest counted at `oldest`.
fn over(
    count: i64,
    limit: i32,
    oldest: Option<DateTime<Utc>>,
    window: Duration,
) -> Result<(), AppError> {
    if count < i64::from(limit) {
        return Ok(());
    }
    let frees_at = oldest.unwrap_or_else(Utc::now) + window;
    let wait = Ord::max((frees_at - Utc::now()).num_seconds(), 1);
    Err(AppError::RateLimited {
        retry_after_secs: u64::try_from(wait).unwrap_or(1),
    })
}

/// Refuses a visitor's message over `limit_messages_per_minute`.
///
/// # Errors
/// `429 rate_limited` with the seconds until the oldest counted message leaves the window.
pub async fn check_visitor_messages(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    visitor_id: Uuid,
) -> Result<(), AppError> {
    let window = Duration::minutes(1);
    let (count, oldest): (i64, Option<DateTime<Utc>>) = messages::Entity::find()
        .select_only()
        .column_as(messages::Column::Id.count(), "count")
        .column_as(messages::Column::CreatedAt.min(), "oldest")
        .filter(messages::Column::Role.eq(MessageRole::Visitor.as_str()))
        .filter(messages::Column::CreatedAt.gt(Utc::now() - window))
        .filter(
            messages::Column::ConversationId
                .in_subquery(crate::services::visitors::ids_of_visitor(visitor_id)),
        )
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    over(count, project.limit_messages_per_minute, oldest, window)
}

/// Refuses a new conversation from an IP over `limit_conversations_per_hour`.
/// Visitors whose address is unknown are not counted.
///
/// # Errors
/// `429 rate_limited` with the seconds until the oldest counted conversation leaves the window.
pub async fn check_ip_conversations(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    ip_hash: Option<&str>,
) -> Result<(), AppError> {
    let Some(ip_hash) = ip_hash else {
        return Ok(());
    };
    let window = Duration::hours(1);
    let (count, oldest): (i64, Option<DateTime<Utc>>) = conversations::Entity::find()
        .select_only()
        .column_as(conversations::Column::Id.count(), "count")
        .column_as(conversations::Column::CreatedAt.min(), "oldest")
        .filter(conversations::Column::ProjectId.eq(project.id))
        .filter(conversations::Column::CreatedAt.gt(Utc::now() - window))
        .filter(
            conversations::Column::VisitorId.in_subquery(
                Query::select()
                    .column(visitors::Column::Id)
                    .from(visitors::Entity)
                    .and_where(visitors::Column::ProjectId.eq(project.id))
                    .and_where(visitors::Column::IpHash.eq(ip_hash))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    over(count, project.limit_conversations_per_hour, oldest, window)
}

/// Today's key in `usage_daily` (UTC).
fn today() -> String {
    Utc::now().format("%Y-%m-%d").to_string()
}

/// Takes one AI message from today's budget, atomically: true when the
/// budget had room (messages under the limit and tokens under theirs).
///
/// # Errors
/// The [`DbErr`] of the upsert or the update.
pub async fn reserve_ai_message(
    db: &impl ConnectionTrait,
    project: &projects::Model,
) -> Result<bool, DbErr> {
    let day = today();
    usage_daily::Entity::insert(usage_daily::ActiveModel {
        project_id: Set(project.id),
        day: Set(day.clone()),
        ai_messages: Set(0),
        ai_tokens: Set(0),
    })
    .on_conflict(
        OnConflict::columns([usage_daily::Column::ProjectId, usage_daily::Column::Day])
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec(db)
    .await?;
    let result = usage_daily::Entity::update_many()
        .col_expr(
            usage_daily::Column::AiMessages,
            Expr::col(usage_daily::Column::AiMessages).add(1),
        )
        .filter(usage_daily::Column::ProjectId.eq(project.id))
        .filter(usage_daily::Column::Day.eq(day))
        .filter(usage_daily::Column::AiMessages.lt(project.limit_daily_ai_messages))
        .filter(usage_daily::Column::AiTokens.lt(project.limit_daily_ai_tokens))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives back a reserved AI message that produced no answer.
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn refund_ai_message(db: &impl ConnectionTrait, project_id: Uuid) -> Result<(), DbErr> {
    usage_daily::Entity::update_many()
        .col_expr(
            usage_daily::Column::AiMessages,
            Expr::col(usage_daily::Column::AiMessages).sub(1),
        )
        .filter(usage_daily::Column::ProjectId.eq(project_id))
        .filter(usage_daily::Column::Day.eq(today()))
        .filter(usage_daily::Column::AiMessages.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Adds the tokens of a finished AI call to today's count.
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn add_ai_tokens(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    tokens: i64,
) -> Result<(), DbErr> {
    usage_daily::Entity::update_many()
        .col_expr(
            usage_daily::Column::AiTokens,
            Expr::col(usage_daily::Column::AiTokens).add(Ord::max(tokens, 0)),
        )
        .filter(usage_daily::Column::ProjectId.eq(project_id))
        .filter(usage_daily::Column::Day.eq(today()))
        .exec(db)
        .await?;
    Ok(())
}
