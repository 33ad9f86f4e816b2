//! The job that brings a file of the knowledge base to `ready`: one step per
//! turn, each stored before the next, so that a restart goes on where it
//! stopped:
//! 1. upload its text (as Markdown) to the provider, unless the original was
//!    uploaded already;
//! 2. attach it to the project's own vector store (made at the first one),
//!    with attributes: the page's URL and title, the source;
//! 3. read its status until the provider has processed it (`ready`) or
//!    refused it (`failed`, with the provider's reason in words).
//!
//! Transient faults (unreachable, rate limited, 5xx) are retried with
//! backoff; refusals fail the file at once.
//!
//! On a project whose provider has no `file_search` (`chat_completions`),
//! the step is [`embed::step`] instead: chunks and vectors kept here.

use super::own_store::{self, StoreError};
use super::{FAILED, PROCESSING, READY, deletions, embed};
use crate::db::entities::{knowledge_files, projects};
use crate::llm::{Account, LlmErrorKind, StoreFileStatus, Stored};
use crate::services::upstream;
use crate::state::AppState;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, UpdateMany};
use serde_json::{Map, Value};

/// Transient faults in a row before the file fails.
pub(super) const MAX_ATTEMPTS: i32 = 8;

/// Advances `row` (claimed by this instance) by one step or more, and gives
/// its lease back.
///
/// # Errors
/// The [`DbErr`] of a read or a write.
pub async fn step(state: &AppState, row: knowledge_files::Model) -> Result<(), DbErr> {
    let Some(project) = projects::Entity::find_by_id(row.project_id)
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    let api_key = match super::decrypt_key(state, &project) {
        Ok(key) => key,
        // A ready file (embedded again) keeps what it has.
        Err(err) if row.status == READY => {
            return embed::later(state, &row, &err.to_string(), chrono::Duration::hours(6)).await;
        }
        Err(err) => return give_up(state, &row, &err.to_string()).await,
    };
    let account = Account {
        base_url: &project.openai_base_url,
        api_key: &api_key,
    };
    if embed::by_aiwidget(&project) {
        return embed::step(state, &project, account, &row).await;
    }
    match advance(state, &project, account, &row).await {
        Ok(Outcome::Gone) => Ok(()),
        Ok(Outcome::Status(status)) => settle(state, &row, status).await,
        Err(Fault::Db(err)) => Err(err),
        Err(Fault::Provider(kind)) => retry_or_fail(state, &row, kind).await,
    }
}

/// `row` as this step took it: the same text (a changed page resets it) and
/// still leased by this instance. Every write of the job is filtered on it,
/// so that a step that lost its row never overwrites a newer state.
fn unchanged(state: &AppState, row: &knowledge_files::Model) -> Condition {
    Condition::all()
        .add(knowledge_files::Column::Id.eq(row.id))
        .add(knowledge_files::Column::ContentHash.eq(row.content_hash.clone()))
        .add(knowledge_files::Column::LeaseOwner.eq(state.bus.instance()))
}

enum Outcome {
    /// The row was removed meanwhile (what was made for it is queued for deletion).
    Gone,
    /// Where the file stands at the provider.
    Status(StoreFileStatus),
}

enum Fault {
    Db(DbErr),
    Provider(LlmErrorKind),
}

impl From<DbErr> for Fault {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
    }
}

async fn advance(
    state: &AppState,
    project: &projects::Model,
    account: Account<'_>,
    row: &knowledge_files::Model,
) -> Result<Outcome, Fault> {
    let file_id = if let Some(id) = &row.provider_file_id {
        id.clone()
    } else {
        let id = state
            .llm
            .upload_file(
                account,
                &provider_name(&row.name),
                row.text.clone().into_bytes(),
            )
            .await
            .map_err(|err| Fault::Provider(err.kind))?;
        let saved = knowledge_files::Entity::update_many()
            .col_expr(
                knowledge_files::Column::ProviderFileId,
                Expr::value(id.clone()),
            )
            .filter(unchanged(state, row))
            .filter(knowledge_files::Column::ProviderFileId.is_null())
            .exec(&state.db)
            .await?;
        if saved.rows_affected == 0 {
            deletions::queue(&state.db, project, Stored::File(&id)).await?;
            return Ok(Outcome::Gone);
        }
        id
    };
    if let Some(store_id) = &row.vector_store_id {
        let status = state
            .llm
            .store_file_status(account, store_id, &file_id)
            .await
            .map_err(|err| Fault::Provider(err.kind))?;
        return Ok(Outcome::Status(status));
    }
    let store_id = match own_store::ensure(state, project.id, account).await {
        Ok(id) => id,
        Err(StoreError::Db(err)) => return Err(Fault::Db(err)),
        Err(StoreError::Provider(kind)) => return Err(Fault::Provider(kind)),
        Err(StoreError::Gone) => return Ok(Outcome::Gone),
    };
    let status = state
        .llm
        .attach_file(account, &store_id, &file_id, &attributes(row))
        .await
        .map_err(|err| Fault::Provider(err.kind))?;
    let saved = knowledge_files::Entity::update_many()
        .col_expr(
            knowledge_files::Column::VectorStoreId,
            Expr::value(store_id.clone()),
        )
        .filter(unchanged(state, row))
        .filter(knowledge_files::Column::ProviderFileId.eq(file_id.clone()))
        .exec(&state.db)
        .await?;
    if saved.rows_affected == 0 {
        deletions::queue(&state.db, project, Stored::File(&file_id)).await?;
        return Ok(Outcome::Gone);
    }
    Ok(Outcome::Status(status))
}

/// The name the provider sees: the file's, as Markdown (its text is), without folders.
fn provider_name(name: &str) -> String {
    let flat: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':') {
                '_'
            } else {
                c
            }
        })
        .collect();
    // The text is Markdown whatever the original was: the provider picks its
    // parser by the extension.
    if flat.to_ascii_lowercase().ends_with(".md") {
        flat
    } else {
        format!("{flat}.md")
    }
}

/// The attributes a citation is traced back with (at most 512 characters each).
fn attributes(row: &knowledge_files::Model) -> Map<String, Value> {
    let mut attributes = Map::new();
    attributes.insert("aiwidget_file_id".into(), row.id.to_string().into());
    attributes.insert("source".into(), row.source.clone().into());
    if let Some(url) = row.url.as_ref().filter(|url| url.len() <= 512) {
        attributes.insert("url".into(), url.clone().into());
    }
    if let Some(title) = &row.title {
        attributes.insert(
            "title".into(),
            title.chars().take(300).collect::<String>().into(),
        );
    }
    attributes
}

/// Stores where the file stands: ready, failed with the reason, or still
/// processing (read again soon, then less often).
async fn settle(
    state: &AppState,
    row: &knowledge_files::Model,
    status: StoreFileStatus,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let (status, error, retry_at) = match status {
        StoreFileStatus::Completed => (READY, None, now),
        StoreFileStatus::Failed { code, message } => {
            let words = if message.is_empty() { code } else { message };
            (
                FAILED,
                Some(format!("the provider could not process the file: {words}")),
                now,
            )
        }
        StoreFileStatus::Cancelled => (
            FAILED,
            Some("the provider cancelled the processing of the file".to_owned()),
            now,
        ),
        StoreFileStatus::InProgress => (PROCESSING, None, now + poll_delay(row)),
    };
    handed_back(state, row)
        .col_expr(knowledge_files::Column::Status, Expr::value(status))
        .col_expr(knowledge_files::Column::Error, Expr::value(error))
        .col_expr(knowledge_files::Column::Attempts, Expr::value(0))
        .col_expr(knowledge_files::Column::RetryAt, Expr::value(retry_at))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Read again after 1 s while the file is new, 5 s in its first two
/// minutes, then every 30 s.
fn poll_delay(row: &knowledge_files::Model) -> chrono::Duration {
    let age = Utc::now() - row.updated_at;
    if age < chrono::Duration::seconds(10) {
        chrono::Duration::seconds(1)
    } else if age < chrono::Duration::minutes(2) {
        chrono::Duration::seconds(5)
    } else {
        chrono::Duration::seconds(30)
    }
}

async fn retry_or_fail(
    state: &AppState,
    row: &knowledge_files::Model,
    kind: LlmErrorKind,
) -> Result<(), DbErr> {
    let words = upstream::error(kind).to_string();
    let attempts = row.attempts + 1;
    if !transient(kind) || attempts >= MAX_ATTEMPTS {
        return give_up(state, row, &words).await;
    }
    tracing::warn!(file_id = %row.id, error = kind.code(), attempts, "a knowledge file step failed: retried later");
    let delay = chrono::Duration::seconds(5_i64.saturating_mul(1 << attempts.clamp(0, 8)));
    handed_back(state, row)
        .col_expr(knowledge_files::Column::Attempts, Expr::value(attempts))
        .col_expr(
            knowledge_files::Column::RetryAt,
            Expr::value(Utc::now() + delay),
        )
        .col_expr(knowledge_files::Column::Error, Expr::value(Some(words)))
        .exec(&state.db)
        .await?;
    Ok(())
}

pub(super) fn transient(kind: LlmErrorKind) -> bool {
    matches!(
        kind,
        LlmErrorKind::Unreachable
            | LlmErrorKind::Timeout
            | LlmErrorKind::RateLimited
            | LlmErrorKind::Unavailable
            | LlmErrorKind::StreamCut
            | LlmErrorKind::BadResponse
            | LlmErrorKind::UpstreamError
    )
}

/// Fails `row` with `reason`, unless it changed meanwhile.
async fn give_up(
    state: &AppState,
    row: &knowledge_files::Model,
    reason: &str,
) -> Result<(), DbErr> {
    handed_back(state, row)
        .col_expr(knowledge_files::Column::Status, Expr::value(FAILED))
        .col_expr(
            knowledge_files::Column::Error,
            Expr::value(Some(reason.chars().take(500).collect::<String>())),
        )
        .exec(&state.db)
        .await?;
    Ok(())
}

/// The update that ends a step: the lease given back, on `row` as the step
/// took it (see [`unchanged`]); the caller sets what the step found.
pub(super) fn handed_back(
    state: &AppState,
    row: &knowledge_files::Model,
) -> UpdateMany<knowledge_files::Entity> {
    knowledge_files::Entity::update_many()
        .col_expr(
            knowledge_files::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            knowledge_files::Column::LeaseExpiresAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(unchanged(state, row))
}
