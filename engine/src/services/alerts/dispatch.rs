//! The alert queue's loop: every instance looks for due alerts each second,
//! takes each under a lease (so that two instances never send one twice),
//! reads what it is about, sends it and settles it: `sent` (a Telegram alert
//! keeps its message id, so that replies reach the conversation), `skipped`
//! (the chat unlinked or the address removed meanwhile), delayed (email in
//! quiet hours, or less than [`EMAIL_GAP`] after the last email of that
//! conversation; queued emails of a conversation are folded into the one
//! sent), retried with backoff (Telegram or the
//! mail server unreachable; Telegram's `retry_after` honoured) or `failed`
//! (refused, or still unsent after [`GIVE_UP_AFTER`]).

use super::send::{Outcome, send};
use super::{EMAIL, TELEGRAM};
use crate::db::entities::{alerts, telegram_messages};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use std::time::Duration;
use uuid::Uuid;

/// Queued, not sent yet.
pub const PENDING: &str = "pending";
/// Sent.
pub const SENT: &str = "sent";
/// Not sent, on purpose (see the module's docs); `error` says why.
pub const SKIPPED: &str = "skipped";
/// Not sent: refused, or given up on; `error` says why.
pub const FAILED: &str = "failed";

/// At most one email per conversation and operator in this time.
pub const EMAIL_GAP: chrono::Duration = chrono::Duration::minutes(5);
/// How often an email held by quiet hours looks again.
pub(super) const QUIET_RECHECK: chrono::Duration = chrono::Duration::minutes(10);
/// An alert still unsent after this is given up.
pub const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// How long an instance holds an alert while sending it: more than the
/// slowest send (an SMTP conversation of 20 s steps).
const LEASE: chrono::Duration = chrono::Duration::minutes(10);
/// How many alerts one turn takes.
const BATCH: u64 = 20;
/// Settled alerts are kept this long (the dashboard never shows them; they
/// explain what was sent), then deleted.
const KEEP_SETTLED: chrono::Duration = chrono::Duration::days(30);

/// Starts one loop per channel, so that a slow mail server never holds
/// Telegram alerts up, nor the other way round (each ends at shutdown).
pub fn start(state: &AppState) {
    for channel in [TELEGRAM, EMAIL] {
        let state = state.clone();
        tokio::spawn(async move {
            let period = state.settings.sweep_every.min(Duration::from_secs(1));
            let mut every = tokio::time::interval(period);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut ticks = 0u32;
            loop {
                tokio::select! {
                    () = state.shutdown.cancelled() => break,
                    _ = every.tick() => {}
                }
                if let Err(err) = turn(&state, channel).await {
                    tracing::warn!(error = %err, channel, "the alert queue failed on the database");
                }
                ticks = ticks.wrapping_add(1);
                if channel == EMAIL
                    && ticks % 600 == 1
                    && let Err(err) = prune(&state).await
                {
                    tracing::warn!(error = %err, "old alerts could not be deleted");
                }
            }
        });
    }
}

/// Sends the alerts of `channel` due now; how many were handled. A channel
/// found unreachable ends the turn (the next tries it again).
///
/// # Errors
/// The [`sea_orm::DbErr`] of a read or an update.
pub async fn turn(state: &AppState, channel: &str) -> Result<usize, sea_orm::DbErr> {
    let now = Utc::now();
    let due = alerts::Entity::find()
        .filter(alerts::Column::Channel.eq(channel))
        .filter(alerts::Column::Status.eq(PENDING))
        .filter(alerts::Column::RetryAt.lte(now))
        .filter(free(state, now))
        .order_by_asc(alerts::Column::RetryAt)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    let mut handled = 0;
    for row in due {
        let paused = channel == TELEGRAM
            && state
                .telegram
                .as_ref()
                .is_some_and(|telegram| telegram.paused());
        if state.shutdown.is_cancelled() || paused {
            break;
        }
        if claim(state, &row).await? {
            let outcome = send(state, &row).await?;
            let unreachable = matches!(outcome, Outcome::Retry { counts: true, .. });
            settle(state, &row, outcome).await?;
            handled += 1;
            if unreachable {
                break;
            }
        }
    }
    Ok(handled)
}

/// Deletes the alerts settled longer ago than [`KEEP_SETTLED`].
async fn prune(state: &AppState) -> Result<(), sea_orm::DbErr> {
    alerts::Entity::delete_many()
        .filter(alerts::Column::Status.ne(PENDING))
        .filter(alerts::Column::CreatedAt.lt(Utc::now() - KEEP_SETTLED))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// The other queued emails of the same user and conversation, raised before
/// this one was sent: the email quoted the latest messages, so they are
/// folded into it.
async fn fold_into(state: &AppState, row: &alerts::Model) -> Result<(), sea_orm::DbErr> {
    alerts::Entity::update_many()
        .col_expr(alerts::Column::Status, Expr::value(SKIPPED))
        .col_expr(
            alerts::Column::Error,
            Expr::value("included in an email sent about this conversation"),
        )
        .filter(alerts::Column::Id.ne(row.id))
        .filter(alerts::Column::UserId.eq(row.user_id))
        .filter(alerts::Column::ConversationId.eq(row.conversation_id))
        .filter(alerts::Column::Channel.eq(EMAIL))
        .filter(alerts::Column::Status.eq(PENDING))
        .filter(alerts::Column::CreatedAt.lte(Utc::now()))
        .filter(free(state, Utc::now()))
        .exec(&state.db)
        .await?;
    Ok(())
}

async fn settle(
    state: &AppState,
    row: &alerts::Model,
    outcome: Outcome,
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let mut active: alerts::ActiveModel = row.clone().into();
    active.lease_owner = Set(None);
    active.lease_expires_at = Set(None);
    match outcome {
        Outcome::Sent {
            chat_id,
            message_id,
        } => {
            active.status = Set(SENT.into());
            active.sent_at = Set(Some(now));
            active.error = Set(None);
            active.telegram_chat_id = Set(chat_id);
            active.telegram_message_id = Set(message_id);
            if let (Some(chat_id), Some(message_id)) = (chat_id, message_id) {
                remember_message(state, chat_id, message_id, row.conversation_id).await?;
            }
            if row.channel == EMAIL {
                fold_into(state, row).await?;
            }
        }
        Outcome::Delay { until, reason } => {
            active.retry_at = Set(until);
            active.error = Set(Some(reason));
        }
        Outcome::Skipped(reason) => {
            active.status = Set(SKIPPED.into());
            active.error = Set(Some(reason));
        }
        Outcome::Failed(reason) => {
            tracing::warn!(alert_id = %row.id, channel = %row.channel, error = %reason, "an alert was refused");
            active.status = Set(FAILED.into());
            active.error = Set(Some(reason));
        }
        Outcome::Retry {
            after,
            error,
            counts,
        } => {
            let attempts = row.attempts + i32::from(counts);
            if now - row.created_at > GIVE_UP_AFTER {
                tracing::warn!(alert_id = %row.id, channel = %row.channel, error = %error, "an alert was given up");
                active.status = Set(FAILED.into());
            } else {
                active.retry_at = Set(now + retry_in(attempts, after));
            }
            active.attempts = Set(attempts);
            active.error = Set(Some(error));
        }
    }
    // Only if the lease is still ours (a stalled send may have lost it).
    alerts::Entity::update_many()
        .set(active)
        .filter(alerts::Column::Id.eq(row.id))
        .filter(alerts::Column::LeaseOwner.eq(state.bus.instance()))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Records a message the bot sent about `conversation_id`: a reply to it
/// reaches that conversation.
///
/// # Errors
/// The [`sea_orm::DbErr`] of the insert.
pub async fn remember_message(
    state: &AppState,
    chat_id: i64,
    message_id: i64,
    conversation_id: Uuid,
) -> Result<(), sea_orm::DbErr> {
    let row = telegram_messages::ActiveModel {
        chat_id: Set(chat_id),
        message_id: Set(message_id),
        conversation_id: Set(conversation_id),
        created_at: Set(Utc::now()),
    };
    match row.insert(&state.db).await {
        Ok(_) => Ok(()),
        // The conversation was deleted meanwhile: nothing to reply to.
        Err(err) if err.sql_err().is_some() => Ok(()),
        Err(err) => Err(err),
    }
}

/// The wait before the next try: Telegram's own, else 2 s doubled per
/// attempt, at most 10 minutes.
fn retry_in(attempts: i32, asked: Duration) -> chrono::Duration {
    let backoff = Duration::from_secs(2u64 << attempts.clamp(0, 9).unsigned_abs())
        .min(Duration::from_secs(600));
    chrono::Duration::from_std(asked.max(if asked.is_zero() {
        backoff
    } else {
        Duration::ZERO
    }))
    .unwrap_or(chrono::Duration::minutes(10))
}

async fn claim(state: &AppState, row: &alerts::Model) -> Result<bool, sea_orm::DbErr> {
    let now = Utc::now();
    let taken = alerts::Entity::update_many()
        .col_expr(
            alerts::Column::LeaseOwner,
            Expr::value(state.bus.instance()),
        )
        .col_expr(alerts::Column::LeaseExpiresAt, Expr::value(now + LEASE))
        .filter(alerts::Column::Id.eq(row.id))
        .filter(alerts::Column::Status.eq(PENDING))
        .filter(alerts::Column::RetryAt.lte(now))
        .filter(free(state, now))
        .exec(&state.db)
        .await?;
    Ok(taken.rows_affected == 1)
}

fn free(state: &AppState, now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(alerts::Column::LeaseOwner.is_null())
        .add(alerts::Column::LeaseOwner.eq(state.bus.instance()))
        .add(alerts::Column::LeaseExpiresAt.lt(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_telegrams_wait_wins() {
        assert_eq!(retry_in(1, Duration::ZERO).num_seconds(), 4);
        assert_eq!(retry_in(3, Duration::ZERO).num_seconds(), 16);
        assert_eq!(retry_in(20, Duration::ZERO).num_seconds(), 600);
        assert_eq!(retry_in(5, Duration::from_secs(7)).num_seconds(), 7);
    }
}
