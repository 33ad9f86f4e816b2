//! A project's knowledge base, fed from the dashboard (`docs/knowledge.md`):
//! files uploaded, websites imported page by page, question/answer pairs.
//! Each is a row of `knowledge_files` with its text kept; a job uploads it to
//! the provider, attaches it to the project's own vector store (made once, on
//! the project's key and base URL) and follows its processing there.
//! Removing anything queues the deletes at the provider, which bills storage
//! by the day.
//!
//! # Layout
//! - this file: the project as the knowledge base needs it (admins change,
//!   operators who see the project read), the `GET …/knowledge` view, and
//!   the vector stores of an AI call ([`store_ids`]).
//! - [`own_store`]: the project's own vector store, created once under a lock.
//! - [`files`]: uploads, and the rows every source shares.
//! - [`qa`]: question/answer pairs.
//! - [`sites`]: websites, imported by a crawl job on a schedule.
//! - [`ingest`]: the job that brings a file to `ready` at the provider.
//! - [`embed`]: that job on a project without `file_search`: chunks and
//!   vectors kept here (issue 18), re-embedded when the model changes.
//! - [`retrieval`]: the search of those vectors for a question, and the
//!   excerpts given to the model.
//! - [`deletions`]: what is still to delete at a provider, retried.
//! - [`jobs`]: the worker that runs them, one instance per job (leases).
//! - [`playground`]: an admin asks the AI as a visitor would, streamed, on the budget.
//! - [`check`]: the project check (key, model, each vector store).

pub mod check;
pub mod deletions;
pub mod embed;
pub mod files;
pub mod ingest;
pub mod jobs;
pub mod own_store;
pub mod playground;
pub mod qa;
pub mod retrieval;
pub mod sites;

use crate::db::entities::{knowledge_files, knowledge_qa, knowledge_sites, projects};
use crate::services::api_keys;
use crate::services::auth::CurrentUser;
use crate::state::AppState;
use contract::AppError;
use contract::chat::Source;
use contract::knowledge::{
    KnowledgeFile, KnowledgeQa, KnowledgeSite, KnowledgeSource, KnowledgeStatus, KnowledgeView,
    MAX_UPLOAD_BYTES, PageFailure, RetrievalStatus, SiteProgress, SiteStatus, SyncSchedule,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// A file being uploaded or processed by the provider.
pub const PROCESSING: &str = "processing";
/// A file the AI can search.
pub const READY: &str = "ready";
/// A file the provider refused, with the reason in `error`.
pub const FAILED: &str = "failed";

/// The vector stores an AI call of `project` searches: its own first, then
/// those chosen by id, each once.
#[must_use]
pub fn store_ids(project: &projects::Model) -> Vec<String> {
    let chosen: Vec<String> =
        serde_json::from_value(project.vector_store_ids.clone()).unwrap_or_default();
    project
        .own_vector_store_id
        .iter()
        .cloned()
        .chain(
            chosen
                .into_iter()
                .filter(|id| project.own_vector_store_id.as_ref() != Some(id)),
        )
        .collect()
}

/// `sources` as the visitor sees them: a file of this project's knowledge
/// base by its name, a page with its title and address (the provider knows
/// only its own file ids and names).
///
/// # Errors
/// The [`DbErr`] of the read.
pub async fn cite(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    sources: Vec<Source>,
) -> Result<Vec<Source>, DbErr> {
    if sources.is_empty() {
        return Ok(sources);
    }
    let ids: Vec<String> = sources
        .iter()
        .map(|source| source.file_id.clone())
        .collect();
    let known: HashMap<String, FileSummary> = FileSummary::select()
        .filter(knowledge_files::Column::ProjectId.eq(project_id))
        .filter(knowledge_files::Column::ProviderFileId.is_in(ids))
        .into_model::<FileSummary>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| row.provider_file_id.clone().map(|id| (id, row)))
        .collect();
    Ok(sources
        .into_iter()
        .map(|source| match known.get(&source.file_id) {
            Some(row) => Source {
                file_id: source.file_id,
                filename: Some(row.name.clone()),
                url: row.url.clone(),
                title: row.title.clone(),
            },
            None => source,
        })
        .collect())
}

/// Whether `after` talks to another account than `before`: another base
/// URL, or another key (compared decrypted: the same key saved again is
/// another ciphertext), or a key added or removed.
#[must_use]
pub fn moved_account(state: &AppState, before: &projects::Model, after: &projects::Model) -> bool {
    if before.openai_base_url != after.openai_base_url {
        return true;
    }
    match (
        &before.openai_api_key_ciphertext,
        &after.openai_api_key_ciphertext,
    ) {
        (None, None) => false,
        (Some(old), Some(new)) if old == new => false,
        (Some(old), Some(new)) => {
            let keyring = state.settings.keyring();
            let old = api_keys::decrypt(keyring, before.id, old);
            let new = api_keys::decrypt(keyring, after.id, new);
            !matches!((old, new), (Ok(old), Ok(new)) if old == new)
        }
        _ => true,
    }
}

/// The knowledge base of `before` leaves its account (the project's key or
/// base URL changed), in the caller's write transaction: its files and its
/// own store are queued for deletion there (with the old key), and every
/// file goes up again to the new account; an original kept only at the old
/// provider (a PDF read by it) has to be uploaded again.
///
/// # Errors
/// The [`DbErr`] of a read or a write.
pub async fn leave_account(
    db: &impl ConnectionTrait,
    before: &projects::Model,
) -> Result<(), DbErr> {
    if before.own_vector_store_id.is_none() {
        return Ok(());
    }
    deletions::queue_project(db, before).await?;
    let original = files::content_hash(None, "");
    detached(before.id)
        .col_expr(knowledge_files::Column::Status, Expr::value(PROCESSING))
        .col_expr(
            knowledge_files::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .col_expr(knowledge_files::Column::Attempts, Expr::value(0))
        .col_expr(
            knowledge_files::Column::RetryAt,
            Expr::value(chrono::Utc::now()),
        )
        .filter(knowledge_files::Column::ContentHash.ne(original.clone()))
        .exec(db)
        .await?;
    detached(before.id)
        .col_expr(knowledge_files::Column::Status, Expr::value(FAILED))
        .col_expr(
            knowledge_files::Column::Error,
            Expr::value(Some(
                "the project's key or provider changed: upload this file again".to_owned(),
            )),
        )
        .filter(knowledge_files::Column::ContentHash.eq(original))
        .exec(db)
        .await?;
    Ok(())
}

/// The files of project `project_id` cut from their provider files and
/// store (and from any job's lease); the caller sets their new status.
fn detached(project_id: Uuid) -> sea_orm::UpdateMany<knowledge_files::Entity> {
    let none = Option::<String>::None;
    knowledge_files::Entity::update_many()
        .col_expr(
            knowledge_files::Column::ProviderFileId,
            Expr::value(none.clone()),
        )
        .col_expr(
            knowledge_files::Column::VectorStoreId,
            Expr::value(none.clone()),
        )
        .col_expr(knowledge_files::Column::LeaseOwner, Expr::value(none))
        .filter(knowledge_files::Column::ProjectId.eq(project_id))
}

/// A project and its decrypted key, for a change of its knowledge base.
pub(crate) struct Keyed {
    pub(crate) project: projects::Model,
    pub(crate) api_key: String,
}

impl Keyed {
    pub(crate) fn account(&self) -> crate::llm::Account<'_> {
        crate::llm::Account {
            base_url: &self.project.openai_base_url,
            api_key: &self.api_key,
        }
    }
}

/// The project `id` for an admin's change, with its key.
///
/// # Errors
/// `403 admin_only`; `404 project_not_found`; `409 no_api_key` without a key;
/// `409 api_key_unreadable` when it does not decrypt.
pub(crate) async fn keyed(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Keyed, AppError> {
    user.require_admin()?;
    let project = visible(state, user, id).await?;
    let api_key = decrypt_key(state, &project)?;
    Ok(Keyed { project, api_key })
}

/// The decrypted key of `project`.
///
/// # Errors
/// `409 no_api_key` without a key; `409 api_key_unreadable` when it does not decrypt.
pub(crate) fn decrypt_key(state: &AppState, project: &projects::Model) -> Result<String, AppError> {
    let stored = project
        .openai_api_key_ciphertext
        .as_deref()
        .ok_or_else(|| AppError::Conflict {
            code: "no_api_key".into(),
            message: "this project has no API key: enter one on the project page first".into(),
        })?;
    api_keys::decrypt(state.settings.keyring(), project.id, stored).map_err(|_| {
        AppError::Conflict {
            code: "api_key_unreadable".into(),
            message: "the stored key does not decrypt with this ENCRYPTION_KEY: re-enter the key"
                .into(),
        }
    })
}

/// The project `id` if `user` may see it.
///
/// # Errors
/// `404 project_not_found` otherwise.
pub(crate) async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<projects::Model, AppError> {
    if !user.can_see(id) {
        return Err(project_not_found());
    }
    projects::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(project_not_found)
}

fn project_not_found() -> AppError {
    AppError::not_found("project_not_found", "no such project")
}

/// The knowledge base of project `id`: files (uploads and pages, newest
/// first), websites with their progress, Q&A pairs.
///
/// # Errors
/// `404 project_not_found` when the user cannot see it.
#[tracing::instrument(name = "knowledge::view", skip_all, fields(project_id = %id))]
pub async fn view(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<KnowledgeView, AppError> {
    let project = visible(state, user, id).await?;
    let rows = FileSummary::select()
        .filter(knowledge_files::Column::ProjectId.eq(id))
        .order_by_desc(knowledge_files::Column::UpdatedAt)
        .into_model::<FileSummary>()
        .all(&state.db)
        .await?;
    let qa_files: HashMap<Uuid, &FileSummary> = rows
        .iter()
        .filter_map(|row| row.qa_id.map(|qa_id| (qa_id, row)))
        .collect();
    let pairs = knowledge_qa::Entity::find()
        .filter(knowledge_qa::Column::ProjectId.eq(id))
        .order_by_asc(knowledge_qa::Column::CreatedAt)
        .all(&state.db)
        .await?;
    let qa = pairs
        .into_iter()
        .map(|pair| {
            let file = qa_files.get(&pair.id);
            KnowledgeQa {
                id: pair.id,
                question: pair.question,
                answer: pair.answer,
                status: file.map_or(KnowledgeStatus::Processing, |file| status(&file.status)),
                error: file.and_then(|file| file.error.clone()),
                updated_at: pair.updated_at,
            }
        })
        .collect();
    let mut sites = Vec::new();
    for site in knowledge_sites::Entity::find()
        .filter(knowledge_sites::Column::ProjectId.eq(id))
        .order_by_asc(knowledge_sites::Column::CreatedAt)
        .all(&state.db)
        .await?
    {
        let pages = knowledge_files::Entity::find()
            .filter(knowledge_files::Column::SiteId.eq(site.id))
            .count(&state.db)
            .await?;
        sites.push(site_view(site, pages));
    }
    let retrieval = embed::by_aiwidget(&project).then(|| retrieval_status(&project, &rows));
    Ok(KnowledgeView {
        files: rows.iter().map(file_view).collect(),
        sites,
        qa,
        vector_store_id: project.own_vector_store_id,
        max_upload_bytes: MAX_UPLOAD_BYTES,
        retrieval,
    })
}

/// How far the files of `project` are embedded with its chosen model.
fn retrieval_status(project: &projects::Model, rows: &[FileSummary]) -> RetrievalStatus {
    let searchable: Vec<&FileSummary> = rows.iter().filter(|row| row.status != FAILED).collect();
    let embedded = searchable
        .iter()
        .filter(|row| row.status == READY && row.embedded_with == project.embedding_model)
        .count();
    // A failed file's reason too: a provider without embeddings fails them all.
    let error = rows
        .iter()
        .filter(|row| row.embedded_with != project.embedding_model)
        .find_map(|row| row.error.clone());
    RetrievalStatus {
        embedding_model: project.embedding_model.clone(),
        in_use: project.embeddings_in_use.clone(),
        files: searchable.len() as u64,
        embedded: embedded as u64,
        error,
    }
}

/// A row of `knowledge_files` without its text (which may be megabytes):
/// what lists and citations read. The columns are those of the table
/// (described by its migration).
#[allow(
    missing_docs,
    reason = "the table's columns, described by the migration"
)]
#[derive(Debug, Clone, FromQueryResult)]
pub struct FileSummary {
    pub id: Uuid,
    pub source: String,
    pub site_id: Option<Uuid>,
    pub qa_id: Option<Uuid>,
    pub name: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub bytes: i64,
    pub content_hash: String,
    pub provider_file_id: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub embedded_with: Option<String>,
}

impl FileSummary {
    /// `knowledge_files` with the columns of a summary only.
    fn select() -> sea_orm::Select<knowledge_files::Entity> {
        use knowledge_files::Column as C;
        knowledge_files::Entity::find().select_only().columns([
            C::Id,
            C::Source,
            C::SiteId,
            C::QaId,
            C::Name,
            C::Url,
            C::Title,
            C::Bytes,
            C::ContentHash,
            C::ProviderFileId,
            C::Status,
            C::Error,
            C::UpdatedAt,
            C::EmbeddedWith,
        ])
    }
}

impl From<&knowledge_files::Model> for FileSummary {
    fn from(row: &knowledge_files::Model) -> Self {
        Self {
            id: row.id,
            source: row.source.clone(),
            site_id: row.site_id,
            qa_id: row.qa_id,
            name: row.name.clone(),
            url: row.url.clone(),
            title: row.title.clone(),
            bytes: row.bytes,
            content_hash: row.content_hash.clone(),
            provider_file_id: row.provider_file_id.clone(),
            status: row.status.clone(),
            error: row.error.clone(),
            updated_at: row.updated_at,
            embedded_with: row.embedded_with.clone(),
        }
    }
}

/// The API's view of a file.
#[must_use]
pub fn file_view(row: &FileSummary) -> KnowledgeFile {
    KnowledgeFile {
        id: row.id,
        name: row.name.clone(),
        source: match row.source.as_str() {
            "site" => KnowledgeSource::Site,
            "qa" => KnowledgeSource::Qa,
            _ => KnowledgeSource::Upload,
        },
        url: row.url.clone(),
        title: row.title.clone(),
        bytes: row.bytes,
        status: status(&row.status),
        error: row.error.clone(),
        // Only an original the provider reads itself has no text of ours.
        extracted: row.content_hash != files::content_hash(None, ""),
        site_id: row.site_id,
        updated_at: row.updated_at,
    }
}

fn status(stored: &str) -> KnowledgeStatus {
    match stored {
        READY => KnowledgeStatus::Ready,
        FAILED => KnowledgeStatus::Failed,
        _ => KnowledgeStatus::Processing,
    }
}

/// The API's view of a site row with its number of pages.
#[must_use]
pub fn site_view(row: knowledge_sites::Model, pages: u64) -> KnowledgeSite {
    KnowledgeSite {
        id: row.id,
        url: row.url,
        max_pages: row.max_pages,
        schedule: SyncSchedule::parse(&row.schedule),
        pages: i64::try_from(pages).unwrap_or(i64::MAX),
        last_sync_at: row.last_sync_at,
        next_sync_at: row.next_sync_at,
        status: match row.status.as_str() {
            "queued" => SiteStatus::Queued,
            "syncing" => SiteStatus::Syncing,
            "failed" => SiteStatus::Failed,
            _ => SiteStatus::Ready,
        },
        progress: SiteProgress {
            found: row.found,
            fetched: row.fetched,
            uploaded: row.uploaded,
            unchanged: row.unchanged,
            removed: row.removed,
            failed: row.failed,
        },
        failures: serde_json::from_value::<Vec<PageFailure>>(row.failures).unwrap_or_default(),
        error: row.error,
    }
}
