//! What is still to delete at a provider: a file of the knowledge base that
//! was removed or replaced, the project's own vector store when the project
//! goes. Queued in the same transaction that removes the rows (nothing is
//! forgotten by a crash or an unreachable provider), deleted by the worker,
//! retried with backoff; what the provider no longer has counts as deleted.

use crate::db::entities::{projects, provider_deletions};
use crate::llm::{Account, LlmErrorKind, Stored};
use crate::services::api_keys;
use crate::state::AppState;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::time::Duration;
use uuid::Uuid;

/// Attempts before a deletion is given up (logged): about two days of backoff.
const MAX_ATTEMPTS: i32 = 30;

/// Deletions handled per tick.
const BATCH: u64 = 50;

/// Queues the deletion of `what` at the provider of `project`, with the
/// base URL and the key's ciphertext as they are now (the project may be
/// deleted, or its key changed, before the deletion runs).
///
/// # Errors
/// The [`DbErr`] of the insert.
pub async fn queue(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    what: Stored<'_>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    provider_deletions::Model {
        id: Uuid::new_v4(),
        project_id: project.id,
        base_url: project.openai_base_url.clone(),
        api_key_ciphertext: project.openai_api_key_ciphertext.clone(),
        path: what.path(),
        attempts: 0,
        retry_at: now,
        created_at: now,
    }
    .into_active_model()
    .reset_all()
    .insert(db)
    .await?;
    Ok(())
}

/// Queues everything `project` put at its provider (its files and its own
/// vector store), before the project is deleted in the same transaction.
///
/// # Errors
/// The [`DbErr`] of a read or an insert.
pub async fn queue_project(
    db: &impl ConnectionTrait,
    project: &projects::Model,
) -> Result<(), DbErr> {
    use crate::db::entities::knowledge_files;
    let files = knowledge_files::Entity::find()
        .filter(knowledge_files::Column::ProjectId.eq(project.id))
        .filter(knowledge_files::Column::ProviderFileId.is_not_null())
        .all(db)
        .await?;
    for file in &files {
        if let Some(file_id) = &file.provider_file_id {
            queue(db, project, Stored::File(file_id)).await?;
        }
    }
    if let Some(store_id) = &project.own_vector_store_id {
        queue(db, project, Stored::VectorStore(store_id)).await?;
    }
    Ok(())
}

/// Carries out the deletions that are due; returns how many were tried.
///
/// # Errors
/// The [`DbErr`] of a read or a write.
pub async fn run_due(state: &AppState) -> Result<usize, DbErr> {
    let due = provider_deletions::Entity::find()
        .filter(provider_deletions::Column::RetryAt.lte(Utc::now()))
        .order_by_asc(provider_deletions::Column::CreatedAt)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    let tried = due.len();
    for deletion in due {
        match delete(state, &deletion).await {
            Ok(()) => {
                provider_deletions::Entity::delete_by_id(deletion.id)
                    .exec(&state.db)
                    .await?;
            }
            Err(reason) if deletion.attempts + 1 >= MAX_ATTEMPTS => {
                tracing::error!(project_id = %deletion.project_id, path = %deletion.path, %reason,
                    "gave up deleting at the provider: delete it in the provider's console");
                provider_deletions::Entity::delete_by_id(deletion.id)
                    .exec(&state.db)
                    .await?;
            }
            Err(reason) => {
                tracing::warn!(project_id = %deletion.project_id, path = %deletion.path, %reason,
                    "a deletion at the provider failed: retried later");
                let attempts = deletion.attempts + 1;
                let mut row = deletion.into_active_model();
                row.attempts = sea_orm::Set(attempts);
                row.retry_at = sea_orm::Set(Utc::now() + backoff(attempts));
                row.update(&state.db).await?;
            }
        }
    }
    Ok(tried)
}

/// Doubling from 10 s, at most 2 hours.
fn backoff(attempts: i32) -> chrono::Duration {
    let seconds = 10_u64.saturating_mul(1 << attempts.clamp(0, 10));
    chrono::Duration::from_std(Duration::from_secs(seconds.min(7200)))
        .unwrap_or(chrono::Duration::hours(2))
}

async fn delete(state: &AppState, deletion: &provider_deletions::Model) -> Result<(), String> {
    let Some(what) = Stored::parse(&deletion.path) else {
        return Err("not a path aiwidget deletes".to_owned());
    };
    let keyring = state.settings.keyring();
    let kept = deletion
        .api_key_ciphertext
        .as_deref()
        .and_then(|stored| api_keys::decrypt(keyring, deletion.project_id, stored).ok());
    let api_key = match kept {
        Some(key) => key,
        // Kept under a key since rotated away: the project's key now, if it still has one.
        None => projects::Entity::find_by_id(deletion.project_id)
            .one(&state.db)
            .await
            .map_err(|err| err.to_string())?
            .and_then(|project| project.openai_api_key_ciphertext)
            .and_then(|stored| api_keys::decrypt(keyring, deletion.project_id, &stored).ok())
            .ok_or_else(|| "no key that decrypts to delete with".to_owned())?,
    };
    let account = Account {
        base_url: &deletion.base_url,
        api_key: &api_key,
    };
    state
        .llm
        .delete(account, what)
        .await
        .map_err(|err| describe(err.kind))
}

fn describe(kind: LlmErrorKind) -> String {
    kind.code().to_owned()
}
