//! The project's limits, counted in the database so that they hold across
//! restarts and instances: messages per visitor and per IP address per
//! minute, conversations per IP per hour, and the daily AI budget (messages
//! and tokens in `usage_daily`).
//!
//! They hold under concurrency: a visitor's checks run under the lock of
//! their conversation, the per-IP ones under a lock of the project and the
//! address (a transaction-scoped advisory lock on PostgreSQL; SQLite's write
//! transactions run one at a time), and an AI call reserves its tokens
//! (estimated input plus the answer's cap) before it is made, settled with
//! the provider's count after. An IP address is its keyed hash, by /64 for
//! IPv6 ([`visitors::ip_hash`](crate::services::visitors::ip_hash)).

use crate::db::entities::{conversations, messages, projects, usage_daily, visitors};
use chrono::{DateTime, Duration, Utc};
use contract::AppError;
use contract::chat::MessageRole;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set, Statement,
};
use sha2::{Digest as _, Sha256};
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
    lock_ip(db, project, ip_hash).await?;
    let window = Duration::hours(1);
    let (count, oldest): (i64, Option<DateTime<Utc>>) = conversations::Entity::find()
        .select_only()
        .column_as(conversations::Column::Id.count(), "count")
        .column_as(conversations::Column::CreatedAt.min(), "oldest")
        .filter(conversations::Column::ProjectId.eq(project.id))
        .filter(conversations::Column::CreatedAt.gt(Utc::now() - window))
        .filter(conversations::Column::VisitorId.in_subquery(visitors_at(project, ip_hash)))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    over(count, project.limit_conversations_per_hour, oldest, window)
}

/// Refuses a visitor message from an IP address over
/// `limit_messages_per_ip_per_minute`, counting the messages of every visitor
/// of the project behind it. Visitors whose address is unknown are not counted.
///
/// # Errors
/// `429 rate_limited` with the seconds until the oldest counted message leaves the window.
pub async fn check_ip_messages(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    ip_hash: Option<&str>,
) -> Result<(), AppError> {
    let Some(ip_hash) = ip_hash else {
        return Ok(());
    };
    lock_ip(db, project, ip_hash).await?;
    let window = Duration::minutes(1);
    let conversations_of_ip = Query::select()
        .column(conversations::Column::Id)
        .from(conversations::Entity)
        .and_where(conversations::Column::ProjectId.eq(project.id))
        .and_where(conversations::Column::VisitorId.in_subquery(visitors_at(project, ip_hash)))
        .to_owned();
    let (count, oldest): (i64, Option<DateTime<Utc>>) = messages::Entity::find()
        .select_only()
        .column_as(messages::Column::Id.count(), "count")
        .column_as(messages::Column::CreatedAt.min(), "oldest")
        .filter(messages::Column::Role.eq(MessageRole::Visitor.as_str()))
        .filter(messages::Column::CreatedAt.gt(Utc::now() - window))
        .filter(messages::Column::ConversationId.in_subquery(conversations_of_ip))
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    over(
        count,
        project.limit_messages_per_ip_per_minute,
        oldest,
        window,
    )
}

/// The ids of the project's visitors at the address `ip_hash`, as a subquery.
fn visitors_at(project: &projects::Model, ip_hash: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(visitors::Column::Id)
        .from(visitors::Entity)
        .and_where(visitors::Column::ProjectId.eq(project.id))
        .and_where(visitors::Column::IpHash.eq(ip_hash))
        .to_owned()
}

/// Makes the per-IP checks of `ip_hash` in `project` wait for each other
/// until the transaction ends, so that concurrent sessions or messages of
/// one address cannot all pass a count taken before any of them is stored.
/// On PostgreSQL a transaction-scoped advisory lock (taken again in the same
/// transaction, it is already held); on SQLite nothing to do: a write
/// transaction holds the database's only write lock from its start.
async fn lock_ip(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    ip_hash: &str,
) -> Result<(), DbErr> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)",
        [ip_lock_key(project.id, ip_hash).into()],
    ))
    .await?;
    Ok(())
}

/// The advisory lock's key of an address in a project: 64 bits of a hash,
/// apart from the keys of other locks (`aiwidget:ip-limit:` prefix).
fn ip_lock_key(project_id: Uuid, ip_hash: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(b"aiwidget:ip-limit:")
        .chain_update(project_id.as_bytes())
        .chain_update(ip_hash.as_bytes())
        .finalize();
    let mut bytes = [0; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Today's key in `usage_daily` (UTC).
fn today() -> String {
    Utc::now().format("%Y-%m-%d").to_string()
}

/// Makes sure `usage_daily` has the row of `project_id` on `day`.
async fn today_row(db: &impl ConnectionTrait, project_id: Uuid, day: &str) -> Result<(), DbErr> {
    usage_daily::Entity::insert(usage_daily::ActiveModel {
        project_id: Set(project_id),
        day: Set(day.to_owned()),
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
    Ok(())
}

/// What an AI call took from a day's budget: one answer and `tokens`, on `day`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The project whose budget it is.
    pub project_id: Uuid,
    /// The UTC day of `usage_daily` it was taken from (settled on that day
    /// even when the call ends after midnight).
    pub day: String,
    /// The tokens reserved: the estimated input plus the answer's cap.
    pub tokens: i64,
}

/// Takes one AI answer and `tokens` from today's budget, atomically: `None`
/// when the budget has no room (the answers are spent, or the tokens already
/// counted and reserved plus these would pass the limit).
///
/// # Errors
/// The [`DbErr`] of the upsert or the update.
pub async fn reserve_ai_answer(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    tokens: i64,
) -> Result<Option<Reservation>, DbErr> {
    let day = today();
    let tokens = Ord::max(tokens, 0);
    today_row(db, project.id, &day).await?;
    let room = project.limit_daily_ai_tokens.saturating_sub(tokens);
    let result = usage_daily::Entity::update_many()
        .col_expr(
            usage_daily::Column::AiMessages,
            Expr::col(usage_daily::Column::AiMessages).add(1),
        )
        .col_expr(
            usage_daily::Column::AiTokens,
            Expr::col(usage_daily::Column::AiTokens).add(tokens),
        )
        .filter(usage_daily::Column::ProjectId.eq(project.id))
        .filter(usage_daily::Column::Day.eq(day.clone()))
        .filter(usage_daily::Column::AiMessages.lt(project.limit_daily_ai_messages))
        .filter(usage_daily::Column::AiTokens.lte(room))
        .exec(db)
        .await?;
    Ok((result.rows_affected == 1).then_some(Reservation {
        project_id: project.id,
        day,
        tokens,
    }))
}

/// Takes `tokens` from today's token budget without an answer (the
/// knowledge base's embeddings), atomically: `None` when the tokens already
/// counted and reserved plus these would pass the limit. Settled with
/// [`settle_ai_tokens`] like an answer's.
///
/// # Errors
/// The [`DbErr`] of the upsert or the update.
pub async fn reserve_ai_tokens(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    tokens: i64,
) -> Result<Option<Reservation>, DbErr> {
    let day = today();
    let tokens = Ord::max(tokens, 0);
    today_row(db, project.id, &day).await?;
    let result = usage_daily::Entity::update_many()
        .col_expr(
            usage_daily::Column::AiTokens,
            Expr::col(usage_daily::Column::AiTokens).add(tokens),
        )
        .filter(usage_daily::Column::ProjectId.eq(project.id))
        .filter(usage_daily::Column::Day.eq(day.clone()))
        .filter(
            usage_daily::Column::AiTokens.lte(project.limit_daily_ai_tokens.saturating_sub(tokens)),
        )
        .exec(db)
        .await?;
    Ok((result.rows_affected == 1).then_some(Reservation {
        project_id: project.id,
        day,
        tokens,
    }))
}

/// The tokens of an AI answer in `reservation` become the `used` ones (the
/// provider's count, or an estimate when it gave none): the difference is
/// given back, or added when the provider used more.
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn settle_ai_tokens(
    db: &impl ConnectionTrait,
    reservation: &Reservation,
    used: i64,
) -> Result<(), DbErr> {
    let change = Ord::max(used, 0) - reservation.tokens;
    if change == 0 {
        return Ok(());
    }
    usage_daily::Entity::update_many()
        .col_expr(
            usage_daily::Column::AiTokens,
            Expr::col(usage_daily::Column::AiTokens).add(change),
        )
        .filter(usage_daily::Column::ProjectId.eq(reservation.project_id))
        .filter(usage_daily::Column::Day.eq(reservation.day.clone()))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives back the answer of `reservation` that produced nothing, with
/// `tokens` of its reserved tokens (all of them when the provider was never
/// paid; [`settle_ai_tokens`] first when part of them were used).
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn refund_ai_answer(
    db: &impl ConnectionTrait,
    reservation: &Reservation,
    tokens: i64,
) -> Result<(), DbErr> {
    usage_daily::Entity::update_many()
        .col_expr(
            usage_daily::Column::AiMessages,
            Expr::col(usage_daily::Column::AiMessages).sub(1),
        )
        .col_expr(
            usage_daily::Column::AiTokens,
            Expr::col(usage_daily::Column::AiTokens).sub(Ord::max(tokens, 0)),
        )
        .filter(usage_daily::Column::ProjectId.eq(reservation.project_id))
        .filter(usage_daily::Column::Day.eq(reservation.day.clone()))
        .filter(usage_daily::Column::AiMessages.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// True when today's budget of `project` has no room for another answer:
/// its answers are spent, or the tokens counted today plus one answer's cap
/// pass the limit (no reservation could be made). A sweep does not restart
/// the project's conversations then.
///
/// # Errors
/// The [`DbErr`] of the read.
pub async fn budget_spent(
    db: &impl ConnectionTrait,
    project: &projects::Model,
) -> Result<bool, DbErr> {
    let usage = usage_daily::Entity::find_by_id((project.id, today()))
        .one(db)
        .await?;
    let (answers, tokens) = usage.map_or((0, 0), |usage| (usage.ai_messages, usage.ai_tokens));
    Ok(answers >= project.limit_daily_ai_messages
        || tokens.saturating_add(i64::from(project.limit_max_output_tokens))
            > project.limit_daily_ai_tokens)
}
