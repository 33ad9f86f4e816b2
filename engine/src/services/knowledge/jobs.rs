//! The knowledge base's worker: files in `processing` ([`super::ingest`])
//! and `ready` files to embed again with a project's new embedding model
//! ([`super::embed`]),
//! deletions due at a provider ([`super::deletions`]) and website imports
//! ([`super::sites`]). Every instance runs it; each job is taken under a
//! lease with an expiry (the pattern of the AI's lease, `lease.rs`), so one
//! instance at a time runs it, and a job left by an instance that stopped is
//! taken again when its lease expires (at once by the same instance after a
//! restart: it owns the lease). Jobs are rows: they survive restarts.
//!
//! Imports run in a loop of their own, so that a long crawl never holds up
//! the uploads.

use super::{PROCESSING, READY, deletions, ingest, sites};
use crate::db::entities::knowledge_files;
use crate::state::AppState;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::future::Future;
use std::time::Duration;
use tokio::sync::Notify;

/// How long a job's lease lasts unless renewed: longer than its longest
/// step (an upload may take 5 minutes, a sitemap index many reads between
/// two progress saves). A lease of an instance that stopped is released at
/// once anyway (`lease::release_dead`).
pub const LEASE: Duration = Duration::from_secs(20 * 60);

/// Files advanced per turn of the loop.
const BATCH: u64 = 20;

/// Wakes the loops of this instance when work is added here (the others
/// find it at their next sweep).
#[derive(Debug, Default)]
pub struct Wake {
    files: Notify,
    sites: Notify,
}

/// Tells this instance's loops that work was added.
pub fn wake(state: &AppState) {
    state.knowledge_wake.files.notify_one();
    state.knowledge_wake.sites.notify_one();
}

/// Starts the two loops (each ends at shutdown).
pub fn start(state: &AppState) {
    spawn_loop(
        state.clone(),
        |state| &state.knowledge_wake.files,
        files_turn,
    );
    spawn_loop(
        state.clone(),
        |state| &state.knowledge_wake.sites,
        sites::run_due,
    );
}

fn spawn_loop<Turn, Done>(state: AppState, notify: fn(&AppState) -> &Notify, turn: Turn)
where
    Turn: Fn(AppState) -> Done + Send + 'static,
    Done: Future<Output = Result<usize, DbErr>> + Send,
{
    tokio::spawn(async move {
        let mut every = tokio::time::interval(state.settings.sweep_every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = state.shutdown.cancelled() => break,
                () = notify(&state).notified() => {}
                _ = every.tick() => {}
            }
            // Keep going while there is work, then wait for more.
            loop {
                match turn(state.clone()).await {
                    Ok(0) => break,
                    Ok(_) if state.shutdown.is_cancelled() => break,
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(error = %err, "a knowledge job failed on the database");
                        break;
                    }
                }
            }
        }
    });
}

/// Advances the files that are due and runs the due deletions; how many were handled.
async fn files_turn(state: AppState) -> Result<usize, DbErr> {
    let mut handled = 0;
    for row in due_files(&state).await? {
        // Each is taken just before its step, so that a long batch never
        // outlives the lease of its last rows.
        if claim(&state, &row).await? {
            ingest::step(&state, row).await?;
            handled += 1;
        }
    }
    handled += deletions::run_due(&state).await?;
    Ok(handled)
}

/// The files due now that no other instance holds.
async fn due_files(state: &AppState) -> Result<Vec<knowledge_files::Model>, DbErr> {
    let now = Utc::now();
    knowledge_files::Entity::find()
        .filter(
            Condition::any()
                .add(knowledge_files::Column::Status.eq(PROCESSING))
                .add(to_embed_again()),
        )
        .filter(knowledge_files::Column::RetryAt.lte(now))
        .filter(free(state, now))
        .order_by_asc(knowledge_files::Column::RetryAt)
        .limit(BATCH)
        .all(&state.db)
        .await
}

/// Takes the lease of `row` for this instance, if it is still due and free.
async fn claim(state: &AppState, row: &knowledge_files::Model) -> Result<bool, DbErr> {
    let now = Utc::now();
    let taken = knowledge_files::Entity::update_many()
        .col_expr(
            knowledge_files::Column::LeaseOwner,
            Expr::value(state.bus.instance()),
        )
        .col_expr(
            knowledge_files::Column::LeaseExpiresAt,
            Expr::value(now + lease()),
        )
        .filter(knowledge_files::Column::Id.eq(row.id))
        .filter(knowledge_files::Column::Status.eq(row.status.clone()))
        .filter(knowledge_files::Column::ContentHash.eq(row.content_hash.clone()))
        .filter(knowledge_files::Column::RetryAt.lte(now))
        .filter(free(state, now))
        .exec(&state.db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// A `ready` file of a project searched by aiwidget (`chat_completions`)
/// that lacks the project's chosen embedding model.
fn to_embed_again() -> Condition {
    Condition::all()
        .add(knowledge_files::Column::Status.eq(READY))
        .add(Expr::cust(
            "knowledge_files.project_id IN (SELECT p.id FROM projects p \
             WHERE p.api_style = 'chat_completions' AND p.embedding_model IS NOT NULL \
             AND (knowledge_files.embedded_with IS NULL \
             OR knowledge_files.embedded_with <> p.embedding_model))",
        ))
}

/// A file no other instance holds a live lease on.
fn free(state: &AppState, now: chrono::DateTime<Utc>) -> Condition {
    Condition::any()
        .add(knowledge_files::Column::LeaseOwner.is_null())
        .add(knowledge_files::Column::LeaseOwner.eq(state.bus.instance()))
        .add(knowledge_files::Column::LeaseExpiresAt.lt(now))
}

/// [`LEASE`] as a chrono duration.
#[must_use]
pub fn lease() -> chrono::Duration {
    chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::minutes(2))
}
