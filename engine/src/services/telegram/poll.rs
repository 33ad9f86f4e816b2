//! The long poll (`getUpdates`): it works behind NAT, and one instance at a
//! time runs it, under the lease of the `worker_leases` row
//! [`POLL_LEASE`] (taken when free or expired, renewed with every poll, given
//! back as the leases of a dead instance are: `lease::release_dead`). The
//! row's `position` is the next update id: it moves past an update once the
//! update is handled, so a crash repeats at most the update in hand (and a
//! repeated reply is stored once). An update that keeps failing is left
//! behind after a few tries, and one that cannot be read is skipped, so that
//! no update can stop the bot.

use super::{Telegram, updates};
use crate::db::entities::worker_leases;
use crate::state::AppState;
use crate::telegram::{Error, Polled};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use std::sync::Arc;
use std::time::Duration;

/// The `worker_leases` row of the long poll.
pub const POLL_LEASE: &str = "telegram_poll";
/// How long `getUpdates` waits for an update.
pub const POLL_TIMEOUT: Duration = Duration::from_secs(25);
/// How long the lease lasts unless renewed (more than one poll).
const LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// How many times an update that fails on the database is tried before it
/// is logged and left behind (so that one update cannot stop the bot).
const TRIES: u32 = 5;

/// Starts the loop (it ends at shutdown).
pub fn start(state: &AppState) {
    let Some(telegram) = state.telegram.clone() else {
        return;
    };
    let state = state.clone();
    tokio::spawn(async move {
        let mut poller = Poller::default();
        let mut wait = Duration::from_secs(1);
        while !state.shutdown.is_cancelled() {
            let pause = match poller.turn(&state, &telegram).await {
                Ok(Turn::Polled) => {
                    wait = Duration::from_secs(1);
                    Duration::ZERO
                }
                Ok(Turn::NotOurs) => state.settings.sweep_every.max(Duration::from_millis(100)),
                Ok(Turn::Wait(asked)) => asked,
                Ok(Turn::Failed) => {
                    wait = (wait * 2).min(Duration::from_secs(30));
                    wait
                }
                Err(err) => {
                    tracing::warn!(error = %err, "the Telegram poll failed on the database");
                    wait = (wait * 2).min(Duration::from_secs(30));
                    wait
                }
            };
            if !pause.is_zero() {
                tokio::select! {
                    () = state.shutdown.cancelled() => break,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    });
}

enum Turn {
    Polled,
    NotOurs,
    Wait(Duration),
    Failed,
}

/// What one instance's poll remembers between turns.
#[derive(Default)]
struct Poller {
    webhook_removed: bool,
    /// The update that failed last, and how many times.
    failing: Option<(i64, u32)>,
}

impl Poller {
    async fn turn(&mut self, state: &AppState, telegram: &Arc<Telegram>) -> Result<Turn, DbErr> {
        let owner = state.bus.instance();
        let Some(position) = acquire(&state.db, owner).await? else {
            return Ok(Turn::NotOurs);
        };
        if !self.webhook_removed {
            // getUpdates is refused while a webhook is set (e.g. an earlier
            // TELEGRAM_WEBHOOK=true); pending updates are kept.
            match telegram.bot.delete_webhook().await {
                Ok(()) => self.webhook_removed = true,
                Err(err) => {
                    tracing::warn!(error = %err, "deleteWebhook failed");
                    return Ok(Turn::Failed);
                }
            }
        }
        let polled = tokio::select! {
            () = state.shutdown.cancelled() => return Ok(Turn::Polled),
            polled = telegram.bot.get_updates(position, POLL_TIMEOUT) => polled,
        };
        match polled {
            Ok(batch) => self.handle(state, telegram, batch).await,
            Err(Error::RetryAfter(after)) => Ok(Turn::Wait(after)),
            Err(err @ Error::Refused { code: 409, .. }) => {
                tracing::warn!(error = %err, "getUpdates conflicts with a webhook; removing it");
                self.webhook_removed = false;
                Ok(Turn::Failed)
            }
            Err(err) => {
                tracing::warn!(error = %err, "getUpdates failed");
                Ok(Turn::Failed)
            }
        }
    }

    /// Handles a batch in order, moving the position past each update
    /// (which renews the lease); stops when the lease was lost.
    async fn handle(
        &mut self,
        state: &AppState,
        telegram: &Telegram,
        batch: Vec<Polled>,
    ) -> Result<Turn, DbErr> {
        let owner = state.bus.instance();
        for polled in batch {
            let Some(update) = &polled.update else {
                tracing::warn!(
                    update_id = polled.update_id,
                    "a Telegram update could not be read; skipped"
                );
                if !advance(&state.db, owner, polled.update_id + 1).await? {
                    return Ok(Turn::NotOurs);
                }
                continue;
            };
            if let Err(err) = updates::handle(state, telegram, update).await {
                let tries = match self.failing {
                    Some((id, tries)) if id == polled.update_id => tries + 1,
                    _ => 1,
                };
                self.failing = Some((polled.update_id, tries));
                if tries < TRIES {
                    tracing::warn!(error = %err, update_id = polled.update_id, tries, "a Telegram update failed; it is tried again");
                    return Ok(Turn::Failed);
                }
                tracing::error!(error = %err, update_id = polled.update_id, "a Telegram update failed {TRIES} times; skipped");
            }
            if !advance(&state.db, owner, polled.update_id + 1).await? {
                return Ok(Turn::NotOurs);
            }
        }
        Ok(Turn::Polled)
    }
}

/// Takes or renews the poll's lease for `owner`; the next update id to ask
/// for, or `None` while another instance holds it.
async fn acquire(db: &impl ConnectionTrait, owner: &str) -> Result<Option<i64>, DbErr> {
    let now = Utc::now();
    worker_leases::Entity::insert(worker_leases::ActiveModel {
        name: Set(POLL_LEASE.into()),
        lease_owner: Set(None),
        lease_expires_at: Set(None),
        position: Set(None),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([worker_leases::Column::Name])
    .exec(db)
    .await?;
    let taken = worker_leases::Entity::update_many()
        .col_expr(worker_leases::Column::LeaseOwner, Expr::value(owner))
        .col_expr(
            worker_leases::Column::LeaseExpiresAt,
            Expr::value(now + LEASE),
        )
        .col_expr(worker_leases::Column::UpdatedAt, Expr::value(now))
        .filter(worker_leases::Column::Name.eq(POLL_LEASE))
        .filter(
            Condition::any()
                .add(worker_leases::Column::LeaseOwner.is_null())
                .add(worker_leases::Column::LeaseOwner.eq(owner))
                .add(worker_leases::Column::LeaseExpiresAt.lt(now)),
        )
        .exec(db)
        .await?;
    if taken.rows_affected == 0 {
        return Ok(None);
    }
    Ok(worker_leases::Entity::find_by_id(POLL_LEASE)
        .one(db)
        .await?
        .map(|row| row.position.unwrap_or(0)))
}

/// Moves the position past a handled update and renews the lease, if the
/// lease is still ours; false when it was lost (another instance polls now).
async fn advance(db: &impl ConnectionTrait, owner: &str, position: i64) -> Result<bool, DbErr> {
    let now = Utc::now();
    let moved = worker_leases::Entity::update_many()
        .col_expr(worker_leases::Column::Position, Expr::value(position))
        .col_expr(
            worker_leases::Column::LeaseExpiresAt,
            Expr::value(now + LEASE),
        )
        .col_expr(worker_leases::Column::UpdatedAt, Expr::value(now))
        .filter(worker_leases::Column::Name.eq(POLL_LEASE))
        .filter(worker_leases::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(moved.rows_affected == 1)
}
