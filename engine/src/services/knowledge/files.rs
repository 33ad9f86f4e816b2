//! Files of the knowledge base: uploads from the dashboard, and the rows
//! every source (upload, page, Q&A pair) shares: added with their text as
//! `processing` (a job for [`super::ingest`]), removed with the deletes at
//! the provider queued in the same transaction.

use super::{FAILED, Keyed, PROCESSING, deletions, file_view, keyed};
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
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter,
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
    knowledge_files::Model {
        id: Uuid::new_v4(),
        project_id,
        source: new.source.to_owned(),
        site_id: new.site_id,
        qa_id: new.qa_id,
        name: new.name,
        url: new.url,
        title: new.title,
        content_hash: content_hash(&new.text),
        text: new.text,
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
    }
    .into_active_model()
    .reset_all()
    .insert(db)
    .await
}

/// The SHA-256 of a text, in hex: an unchanged page keeps its file.
#[must_use]
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Deletes `rows` of `project` and queues the deletion of their provider
/// files, in the caller's transaction.
///
/// # Errors
/// The [`DbErr`] of a write.
pub async fn remove(
    db: &impl ConnectionTrait,
    project: &projects::Model,
    rows: &[knowledge_files::Model],
) -> Result<(), DbErr> {
    for row in rows {
        if let Some(file_id) = &row.provider_file_id {
            deletions::queue(db, project, Stored::File(file_id), false).await?;
        }
        knowledge_files::Entity::delete_by_id(row.id)
            .exec(db)
            .await?;
    }
    Ok(())
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
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
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
            let file_id = upload_original(state, &keyed, &name, bytes).await?;
            NewFile {
                source: "upload",
                site_id: None,
                qa_id: None,
                name,
                url: None,
                title: None,
                text: String::new(),
                bytes: size,
                provider_file_id: Some(file_id),
            }
        }
        Err(err) => return Err(refused(&err)),
    };
    let row = insert(&state.db, project_id, new).await?;
    super::jobs::wake(state);
    Ok(file_view(&row))
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

async fn upload_original(
    state: &AppState,
    keyed: &Keyed,
    name: &str,
    bytes: Vec<u8>,
) -> Result<String, AppError> {
    state
        .llm
        .upload_file(keyed.account(), name, bytes)
        .await
        .map_err(|err| upstream::error(err.kind))
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
    remove(&txn, &project, &[row]).await?;
    txn.commit().await?;
    super::jobs::wake(state);
    Ok(())
}

/// Marks `row` failed with `reason` (nothing more is tried for it).
///
/// # Errors
/// The [`DbErr`] of the update.
pub async fn fail(
    db: &impl ConnectionTrait,
    row: &knowledge_files::Model,
    reason: &str,
) -> Result<(), DbErr> {
    let mut active = row.clone().into_active_model();
    active.status = sea_orm::Set(FAILED.to_owned());
    active.error = sea_orm::Set(Some(reason.chars().take(500).collect()));
    active.lease_owner = sea_orm::Set(None);
    active.lease_expires_at = sea_orm::Set(None);
    active.update(db).await?;
    Ok(())
}
