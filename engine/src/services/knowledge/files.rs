//! Files of the knowledge base: uploads from the dashboard, and the rows
//! every source (upload, page, Q&A pair) shares: added with their text as
//! `processing` (a job for [`super::ingest`]), removed with the deletes at
//! the provider queued in the same transaction.

use super::{Keyed, PROCESSING, deletions, file_view, keyed};
use crate::db::begin_write;
use crate::db::entities::{knowledge_files, projects};
use crate::knowledge::extract::{self, ExtractError, Format};
use crate::llm::Stored;
use crate::services::auth::CurrentUser;
use crate::services::upstream;
use crate::state::AppState;
use chrono::Utc;
use contract::AppError;
use contract::knowledge::{KnowledgeFile, MAX_UPLOAD_BYTES};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

/// What a new row of the knowledge base holds.
#[derive(Debug, Clone)]
pub struct NewFile {
    /// `upload`, `site` or `qa`.
    pub source: &'static str,
    /// The website, for a page.
    pub site_id: Option<Uuid>,
    /// The pair, for a Q&A pair.
    pub qa_id: Option<Uuid>,
    /// The name shown (and given to the provider).
    pub name: String,
    /// The page's address.
    pub url: Option<String>,
    /// The page's title.
    pub title: Option<String>,
    /// The text, as Markdown (empty when the provider reads the original).
    pub text: String,
    /// The size of what is sent to the provider.
    pub bytes: i64,
    /// The provider's file, when the original was uploaded at once.
    pub provider_file_id: Option<String>,
}

/// Stores `new` in `project_id` as `processing`, due now.
///
/// # Errors
/// The [`DbErr`] of the insert.
pub async fn insert(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    new: NewFile,
) -> Result<knowledge_files::Model, DbErr> {
    let now = Utc::now();
    // PostgreSQL cannot store a NUL in text (a PDF's text layer may hold one).
    let text = new.text.replace('\0', "");
    let content_hash = content_hash(new.title.as_deref(), &text);
    knowledge_files::Model {
        id: Uuid::new_v4(),
        project_id,
        source: new.source.to_owned(),
        site_id: new.site_id,
        qa_id: new.qa_id,
        name: new.name,
        url: new.url,
        title: new.title,
        content_hash,
        text,
        bytes: new.bytes,
        provider_file_id: new.provider_file_id,
        vector_store_id: None,
        status: PROCESSING.to_owned(),
        error: None,
        attempts: 0,
        retry_at: now,
        lease_owner: None,
        lease_expires_at: None,
        created_at: now,
        updated_at: now,
        embedded_with: None,
    }
    .into_active_model()
    .reset_all()
    .insert(db)
    .await
}

/// The SHA-256 of a title and a text, in hex: an unchanged page keeps its
/// file, and a job's writes are filtered on it (a changed row is a new job).
#[must_use]
pub fn content_hash(title: Option<&str>, text: &str) -> String {
    hex::encode(
        Sha256::new()
            .chain_update(title.unwrap_or_default().as_bytes())
            .chain_update([0])
            .chain_update(text.as_bytes())
            .finalize(),
    )
}

/// Deletes the rows `ids` of `project` and queues the deletion of their
/// provider files, in the caller's write transaction. Each row is read
/// again there (locked on PostgreSQL): a job may have just recorded a
/// provider file that an earlier read did not show.
///
/// # Errors
/// The [`DbErr`] of a read or a write.
pub async fn remove(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    ids: &[Uuid],
) -> Result<(), DbErr> {
    for id in ids {
        let Some(row) = locked(db, *id).await? else {
            continue;
        };
        if let Some(file_id) = &row.provider_file_id {
            deletions::queue(db, project, Stored::File(file_id)).await?;
        }
        knowledge_files::Entity::delete_by_id(row.id)
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The row `id` as it is now, locked for the transaction on PostgreSQL
/// (SQLite's write transactions already run one at a time).
///
/// # Errors
/// The [`DbErr`] of the read.
pub async fn locked(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<knowledge_files::Model>, DbErr> {
    let mut select = knowledge_files::Entity::find_by_id(id);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        select = select.lock(LockType::Update);
    }
    select.one(db).await
}

/// Adds an uploaded file to the knowledge base of project `project_id`: its
/// text is extracted and kept, and uploaded to the provider by the job. A
/// PDF or DOCX whose text cannot be read here (a scan, say) is uploaded as
/// it is, now, for the provider to read.
///
/// # Errors
/// `409 no_api_key`; `400` with the reason per refused file
/// (`unsupported_type`, `file_too_large`, `unreadable`, `no_text`, …);
/// `502 upstream_*` when the provider refuses an original upload.
#[tracing::instrument(name = "knowledge::upload", skip_all, fields(project_id = %project_id))]
pub async fn upload(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    filename: &str,
    bytes: Vec<u8>,
) -> Result<KnowledgeFile, AppError> {
    let keyed = keyed(state, user, project_id).await?;
    let name = clean_name(filename)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_UPLOAD_BYTES {
        return Err(refused(&ExtractError::TooLarge {
            limit_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        }));
    }
    let Some(format) = Format::from_name(&name) else {
        return Err(refused(&ExtractError::Unsupported));
    };
    let new = match extract::file_async(name.clone(), bytes.clone()).await {
        Ok(extracted) => NewFile {
            source: "upload",
            site_id: None,
            qa_id: None,
            bytes: i64::try_from(extracted.markdown.len()).unwrap_or(i64::MAX),
            name,
            url: None,
            title: extracted.title,
            text: extracted.markdown,
            provider_file_id: None,
        },
        Err(err) if provider_reads(format, &err) => {
            // In a task of its own: a request dropped mid-way (the admin
            // left the page) must not leave the provider's file unrecorded.
            let task = tokio::spawn(upload_original(state.clone(), keyed, name, bytes));
            let row = task.await.map_err(|err| {
                tracing::error!(error = %err, "the upload task failed");
                AppError::Internal
            })??;
            super::jobs::wake(state);
            return Ok(file_view(&(&row).into()));
        }
        Err(err) => return Err(refused(&err)),
    };
    let row = insert(&state.db, project_id, new).await?;
    super::jobs::wake(state);
    Ok(file_view(&(&row).into()))
}

/// OpenAI reads PDF and DOCX itself: one that cannot be read here for its
/// content (not for its size or type) goes to the provider as it is.
fn provider_reads(format: Format, err: &ExtractError) -> bool {
    matches!(format, Format::Pdf | Format::Docx)
        && matches!(
            err,
            ExtractError::NoText
                | ExtractError::Unreadable(_)
                | ExtractError::TimedOut
                | ExtractError::Failed(_)
        )
}

/// Uploads an original as it is and records it; a file the provider took
/// but that could not be recorded is queued for deletion there.
async fn upload_original(
    state: AppState,
    keyed: Keyed,
    name: String,
    bytes: Vec<u8>,
) -> Result<knowledge_files::Model, AppError> {
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let file_id = state
        .llm
        .upload_file(keyed.account(), &name, bytes)
        .await
        .map_err(|err| upstream::error(err.kind))?;
    let new = NewFile {
        source: "upload",
        site_id: None,
        qa_id: None,
        name,
        url: None,
        title: None,
        text: String::new(),
        bytes: size,
        provider_file_id: Some(file_id.clone()),
    };
    match insert(&state.db, keyed.project.id, new).await {
        Ok(row) => Ok(row),
        Err(err) => {
            deletions::queue(&state.db, &keyed.project, Stored::File(&file_id)).await?;
            Err(err.into())
        }
    }
}

/// A refused upload as `400`, with the extraction's code and words.
fn refused(err: &ExtractError) -> AppError {
    let code = match err {
        ExtractError::TooLarge { .. } => "file_too_large",
        other => other.code(),
    };
    AppError::bad_request(code, err.to_string())
}

/// The file's own name (no folders), 1 to 255 characters, no control characters.
fn clean_name(filename: &str) -> Result<String, AppError> {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect::<String>()
        .trim()
        .to_owned();
    if name.is_empty() || name.starts_with('.') && !name[1..].contains('.') {
        return Err(AppError::bad_request(
            "invalid_file_name",
            "the file needs a name with an extension (PDF, DOCX, TXT, Markdown, HTML or CSV)",
        ));
    }
    Ok(name)
}

/// Removes an uploaded file (a page goes with its site, a pair with itself).
///
/// # Errors
/// `403 admin_only`; `404 project_not_found` or `file_not_found`.
#[tracing::instrument(name = "knowledge::delete_file", skip_all, fields(project_id = %project_id, file_id = %file_id))]
pub async fn delete(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    file_id: Uuid,
) -> Result<(), AppError> {
    user.require_admin()?;
    let project = super::visible(state, user, project_id).await?;
    let txn = begin_write(&state.db).await?;
    let row = knowledge_files::Entity::find_by_id(file_id)
        .filter(knowledge_files::Column::ProjectId.eq(project_id))
        .filter(knowledge_files::Column::QaId.is_null())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("file_not_found", "no such file"))?;
    remove(&txn, &project, &[row.id]).await?;
    txn.commit().await?;
    super::jobs::wake(state);
    Ok(())
}
