//! The job step of a knowledge file on a project whose provider has no
//! `file_search` (`api_style: chat_completions`, issue 18): its kept text is
//! split into chunks (`knowledge::chunk`), embedded with the project's
//! `embedding_model` in batches (`POST /embeddings`), and stored with the
//! vectors in `knowledge_chunks`, replacing the file's chunks of that model
//! in one transaction. The tokens count in the project's daily token budget.
//!
//! The same step re-embeds a `ready` file when the project's embedding model
//! changed: the file stays `ready`, answers keep searching the model in use
//! (`projects.embeddings_in_use`), and that switches to the new model once
//! every file has it ([`switch_when_complete`]); the old chunks go then.
//!
//! Faults: transient ones are retried with backoff as the provider steps
//! are; a refusal fails a file that was never ready, and leaves a `ready`
//! file searchable with the reason kept and another try in 6 hours.

use super::ingest::{MAX_ATTEMPTS, handed_back, transient};
use super::{FAILED, PROCESSING, READY};
use crate::db::entities::{knowledge_chunks, knowledge_files, projects};
use crate::knowledge::chunk::{self, Chunk};
use crate::knowledge::vectors;
use crate::llm::{Account, LlmErrorKind};
use crate::services::{limits, upstream};
use crate::state::AppState;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

/// Inputs per embeddings request.
pub const BATCH_INPUTS: usize = 64;

/// The source of a question/answer pair's file: embedded as one chunk.
const QA_SOURCE: &str = "qa";

/// Whether `project` retrieves with aiwidget's own search (its provider is
/// called in the `chat_completions` style, which has no `file_search`).
#[must_use]
pub fn by_aiwidget(project: &projects::Model) -> bool {
    project.api_style == "chat_completions"
}

/// The chunks of `row`'s text.
#[must_use]
pub fn chunks_of(row: &knowledge_files::Model) -> Vec<Chunk> {
    if row.source == QA_SOURCE {
        chunk::whole(&row.text)
    } else {
        chunk::split(&row.text)
    }
}

/// Brings `row` (claimed by this instance) to its chunks of the project's
/// embedding model, and gives its lease back.
///
/// # Errors
/// The [`DbErr`] of a read or a write.
pub async fn step(
    state: &AppState,
    project: &projects::Model,
    account: Account<'_>,
    row: &knowledge_files::Model,
) -> Result<(), DbErr> {
    let Some(model) = project.embedding_model.clone() else {
        let reason = "choose an embedding model on the project page: a chat_completions \
                      provider has no file_search, so aiwidget searches the knowledge base itself";
        return later(state, row, reason, chrono::Duration::days(1)).await;
    };
    let chunks = chunks_of(row);
    let estimate: i64 = chunks
        .iter()
        .map(|chunk| i64::try_from(chunk.tokens).unwrap_or(i64::MAX))
        .sum();
    if estimate > project.limit_daily_ai_tokens {
        let reason = format!(
            "this file needs about {estimate} tokens to embed, more than the project's daily AI \
             token limit ({}): raise the limit or split the file",
            project.limit_daily_ai_tokens
        );
        return too_large(state, row, &reason).await;
    }
    let Some(reservation) = limits::reserve_ai_tokens(&state.db, project, estimate).await? else {
        let reason = "today's AI token budget is spent: the embedding goes on tomorrow, or \
                      when the project's daily token limit is raised";
        return later(state, row, reason, chrono::Duration::hours(1)).await;
    };
    let mut vectors = Vec::with_capacity(chunks.len());
    let mut used = 0_i64;
    for batch in chunks.chunks(BATCH_INPUTS) {
        let inputs: Vec<String> = batch.iter().map(|chunk| chunk.text.clone()).collect();
        match state.llm.embed(account, &model, &inputs).await {
            Ok(embedded) => {
                used += embedded.tokens.unwrap_or_else(|| {
                    batch
                        .iter()
                        .map(|chunk| i64::try_from(chunk.tokens).unwrap_or(i64::MAX))
                        .sum()
                });
                vectors.extend(embedded.vectors);
            }
            Err(err) => {
                limits::settle_ai_tokens(&state.db, &reservation, used).await?;
                return fault(state, row, &model, err.kind).await;
            }
        }
    }
    limits::settle_ai_tokens(&state.db, &reservation, used).await?;
    // Only chunks of the model searched (or of the first) change what answers find.
    let searched = project
        .embeddings_in_use
        .as_ref()
        .is_none_or(|in_use| *in_use == model);
    if store(state, row, &model, &chunks, &vectors, searched).await? {
        switch_when_complete(state, project.id, &model).await?;
    }
    Ok(())
}

/// Replaces the file's chunks of `model` and marks it `ready` with it, in
/// one transaction, unless the row changed meanwhile (false then).
async fn store(
    state: &AppState,
    row: &knowledge_files::Model,
    model: &str,
    chunks: &[Chunk],
    vectors: &[Vec<f32>],
    searched: bool,
) -> Result<bool, DbErr> {
    let txn = state.db.begin().await?;
    let done = handed_back(state, row)
        .col_expr(knowledge_files::Column::Status, Expr::value(READY))
        .col_expr(
            knowledge_files::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .col_expr(knowledge_files::Column::Attempts, Expr::value(0))
        .col_expr(knowledge_files::Column::EmbeddedWith, Expr::value(model))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(false);
    }
    knowledge_chunks::Entity::delete_many()
        .filter(knowledge_chunks::Column::FileId.eq(row.id))
        .filter(knowledge_chunks::Column::Model.eq(model))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    let rows: Vec<knowledge_chunks::ActiveModel> = chunks
        .iter()
        .zip(vectors)
        .enumerate()
        .map(
            |(position, (chunk, vector))| knowledge_chunks::ActiveModel {
                id: Set(Uuid::new_v4()),
                project_id: Set(row.project_id),
                file_id: Set(row.id),
                model: Set(model.to_owned()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                text: Set(chunk.text.clone()),
                tokens: Set(i32::try_from(chunk.tokens).unwrap_or(i32::MAX)),
                vector: Set(vectors::encode(vector)),
                created_at: Set(now),
            },
        )
        .collect();
    // Bounded statements: SQLite takes at most 32,766 parameters.
    for part in rows.chunks(500) {
        knowledge_chunks::Entity::insert_many(part.to_vec())
            .exec(&txn)
            .await?;
    }
    if searched {
        bump_version(&txn, row.project_id).await?;
    }
    txn.commit().await?;
    Ok(true)
}

/// Tells every instance that the project's chunks changed.
async fn bump_version(db: &impl sea_orm::ConnectionTrait, project_id: Uuid) -> Result<(), DbErr> {
    projects::Entity::update_many()
        .col_expr(
            projects::Column::EmbeddingsVersion,
            Expr::col(projects::Column::EmbeddingsVersion).add(1),
        )
        .filter(projects::Column::Id.eq(project_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Makes `model` the one answers search once no file that can be searched
/// (not `failed`) lacks it, or, when none is in use yet, once a file has
/// it; then the chunks of other models go.
///
/// # Errors
/// The [`DbErr`] of a read or a write.
pub async fn switch_when_complete(
    state: &AppState,
    project_id: Uuid,
    model: &str,
) -> Result<(), DbErr> {
    let Some(project) = projects::Entity::find_by_id(project_id)
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    if project.embedding_model.as_deref() != Some(model)
        || project.embeddings_in_use.as_deref() == Some(model)
    {
        return Ok(());
    }
    let ready = if project.embeddings_in_use.is_some() {
        missing(state, project_id, model).await? == 0
    } else {
        // Nothing searched yet: the first file embedded is worth searching.
        knowledge_chunks::Entity::find()
            .filter(knowledge_chunks::Column::ProjectId.eq(project_id))
            .filter(knowledge_chunks::Column::Model.eq(model))
            .count(&state.db)
            .await?
            > 0
    };
    if !ready {
        return Ok(());
    }
    let txn = state.db.begin().await?;
    let switched = projects::Entity::update_many()
        .col_expr(projects::Column::EmbeddingsInUse, Expr::value(model))
        .col_expr(
            projects::Column::EmbeddingsVersion,
            Expr::col(projects::Column::EmbeddingsVersion).add(1),
        )
        .filter(projects::Column::Id.eq(project_id))
        .filter(projects::Column::EmbeddingModel.eq(model))
        .exec(&txn)
        .await?;
    if switched.rows_affected == 1 {
        knowledge_chunks::Entity::delete_many()
            .filter(knowledge_chunks::Column::ProjectId.eq(project_id))
            .filter(knowledge_chunks::Column::Model.ne(model))
            .exec(&txn)
            .await?;
        tracing::info!(%project_id, model, "the knowledge base now searches a new embedding model");
    }
    txn.commit().await
}

/// The project's files that can be searched and are not embedded with `model` yet.
///
/// # Errors
/// The [`DbErr`] of the count.
pub async fn missing(state: &AppState, project_id: Uuid, model: &str) -> Result<u64, DbErr> {
    knowledge_files::Entity::find()
        .filter(knowledge_files::Column::ProjectId.eq(project_id))
        .filter(knowledge_files::Column::Status.ne(FAILED))
        .filter(
            sea_orm::Condition::any()
                .add(knowledge_files::Column::EmbeddedWith.is_null())
                .add(knowledge_files::Column::EmbeddedWith.ne(model))
                .add(knowledge_files::Column::Status.eq(PROCESSING)),
        )
        .count(&state.db)
        .await
}

/// The embedding failed with `kind`: tried again when it is transient, else
/// a file never ready fails and a ready one keeps its vectors.
async fn fault(
    state: &AppState,
    row: &knowledge_files::Model,
    model: &str,
    kind: LlmErrorKind,
) -> Result<(), DbErr> {
    let words = match kind {
        LlmErrorKind::NotFound => "the provider has no embeddings endpoint (POST /embeddings): \
                                   a knowledge base on chat_completions needs one; choose a \
                                   provider that has it, or use the responses style"
            .to_owned(),
        LlmErrorKind::ModelNotFound => {
            format!("the provider does not know the embedding model \"{model}\"")
        }
        kind => upstream::error(kind).to_string(),
    };
    let attempts = row.attempts + 1;
    if transient(kind) && attempts < MAX_ATTEMPTS {
        tracing::warn!(file_id = %row.id, error = kind.code(), attempts, "an embedding failed: retried later");
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
        return Ok(());
    }
    if row.status == READY {
        return later(state, row, &words, chrono::Duration::hours(6)).await;
    }
    handed_back(state, row)
        .col_expr(knowledge_files::Column::Status, Expr::value(FAILED))
        .col_expr(knowledge_files::Column::Error, Expr::value(Some(words)))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Fails `row` with `reason` (a file too large for the daily budget: no
/// retry can embed it), so that it holds no model switch up.
async fn too_large(
    state: &AppState,
    row: &knowledge_files::Model,
    reason: &str,
) -> Result<(), DbErr> {
    handed_back(state, row)
        .col_expr(knowledge_files::Column::Status, Expr::value(FAILED))
        .col_expr(
            knowledge_files::Column::Error,
            Expr::value(Some(reason.to_owned())),
        )
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Keeps `row` as it stands with `reason`, to try again after `wait`.
pub(super) async fn later(
    state: &AppState,
    row: &knowledge_files::Model,
    reason: &str,
    wait: chrono::Duration,
) -> Result<(), DbErr> {
    handed_back(state, row)
        .col_expr(
            knowledge_files::Column::Error,
            Expr::value(Some(reason.to_owned())),
        )
        .col_expr(knowledge_files::Column::Attempts, Expr::value(0))
        .col_expr(
            knowledge_files::Column::RetryAt,
            Expr::value(Utc::now() + wait),
        )
        .exec(&state.db)
        .await?;
    Ok(())
}

/// After a project's embedding model, style or account changed: its files
/// are due now (the job embeds what lacks the model), chunks of models
/// neither in use nor chosen go, and:
/// - with `moved` (another key or base URL), every file is embedded again
///   and the old vectors go at once: the new account's may not match them
///   (the knowledge base is searched again from the first file embedded);
/// - on a project now searched by `file_search`, the files embedded here
///   (never uploaded) go up to the provider's vector store.
///
/// # Errors
/// The [`DbErr`] of a write.
pub async fn project_changed(
    state: &AppState,
    project: &projects::Model,
    moved: bool,
) -> Result<(), DbErr> {
    let mut due = knowledge_files::Entity::update_many()
        .col_expr(knowledge_files::Column::RetryAt, Expr::value(Utc::now()))
        .col_expr(knowledge_files::Column::Attempts, Expr::value(0));
    if moved && by_aiwidget(project) {
        due = due.col_expr(
            knowledge_files::Column::EmbeddedWith,
            Expr::value(Option::<String>::None),
        );
        // Another account's vectors are not mixed with the old ones: the
        // knowledge base is searched again once a file has new ones.
        knowledge_chunks::Entity::delete_many()
            .filter(knowledge_chunks::Column::ProjectId.eq(project.id))
            .exec(&state.db)
            .await?;
        projects::Entity::update_many()
            .col_expr(
                projects::Column::EmbeddingsInUse,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                projects::Column::EmbeddingsVersion,
                Expr::col(projects::Column::EmbeddingsVersion).add(1),
            )
            .filter(projects::Column::Id.eq(project.id))
            .exec(&state.db)
            .await?;
    }
    due.filter(knowledge_files::Column::ProjectId.eq(project.id))
        .filter(knowledge_files::Column::Status.is_in([PROCESSING, READY]))
        .exec(&state.db)
        .await?;
    if !by_aiwidget(project) {
        knowledge_files::Entity::update_many()
            .col_expr(knowledge_files::Column::Status, Expr::value(PROCESSING))
            .col_expr(
                knowledge_files::Column::Error,
                Expr::value(Option::<String>::None),
            )
            .filter(knowledge_files::Column::ProjectId.eq(project.id))
            .filter(knowledge_files::Column::Status.eq(READY))
            .filter(knowledge_files::Column::ProviderFileId.is_null())
            .exec(&state.db)
            .await?;
    }
    let keep: Vec<String> = [&project.embeddings_in_use, &project.embedding_model]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    knowledge_chunks::Entity::delete_many()
        .filter(knowledge_chunks::Column::ProjectId.eq(project.id))
        .filter(knowledge_chunks::Column::Model.is_not_in(keep))
        .exec(&state.db)
        .await?;
    if let Some(model) = &project.embedding_model {
        switch_when_complete(state, project.id, model).await?;
    }
    super::jobs::wake(state);
    Ok(())
}
