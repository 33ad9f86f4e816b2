//! Canned replies: per project, a title, a `/shortcut` and a text with
//! variables (`contract::copilot::fill`). Operators who see the project read
//! them (the reply box's `/` menu); admins write them.

use crate::db::begin_write;
use crate::db::entities::{canned_replies, projects};
use crate::services::auth::CurrentUser;
use crate::services::knowledge::visible;
use crate::state::AppState;
use chrono::Utc;
use contract::AppError;
use contract::copilot::{
    CannedReply, MAX_REPLIES, MAX_REPLY_CHARS, MAX_TITLE_CHARS, ReplyInput, normalise_shortcut,
};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The project's canned replies, by shortcut.
///
/// # Errors
/// `404 project_not_found` when the user cannot see it.
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
) -> Result<Vec<CannedReply>, AppError> {
    visible(state, user, project_id).await?;
    let rows = canned_replies::Entity::find()
        .filter(canned_replies::Column::ProjectId.eq(project_id))
        .order_by_asc(canned_replies::Column::Shortcut)
        .all(&state.db)
        .await?;
    Ok(rows.into_iter().map(view).collect())
}

/// Adds a reply; every field is required.
///
/// # Errors
/// `400 validation_failed`; `403 admin_only`; `404 project_not_found`;
/// `409 shortcut_taken`; `409 too_many_replies` past [`MAX_REPLIES`].
#[tracing::instrument(name = "copilot::add_reply", skip_all, fields(project_id = %project_id))]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    input: &ReplyInput,
) -> Result<CannedReply, AppError> {
    user.require_admin()?;
    visible(state, user, project_id).await?;
    let (title, shortcut, text) = validate(input, None)?;
    // The project's row locked: two admins adding at once count in turn.
    let txn = begin_write(&state.db).await?;
    projects::Entity::find_by_id(project_id)
        .lock(LockType::Update)
        .one(&txn)
        .await?;
    let count = canned_replies::Entity::find()
        .filter(canned_replies::Column::ProjectId.eq(project_id))
        .count(&txn)
        .await?;
    if count >= MAX_REPLIES {
        return Err(AppError::Conflict {
            code: "too_many_replies".into(),
            message: format!("a project keeps at most {MAX_REPLIES} canned replies"),
        });
    }
    let now = Utc::now();
    let row = canned_replies::Model {
        id: Uuid::new_v4(),
        project_id,
        title,
        shortcut,
        text,
        created_at: now,
        updated_at: now,
    };
    let row = row
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await
        .map_err(taken)?;
    txn.commit().await?;
    Ok(view(row))
}

/// Changes a reply (absent fields keep their value).
///
/// # Errors
/// `400 validation_failed`; `403 admin_only`; `404 project_not_found` or
/// `reply_not_found`; `409 shortcut_taken`.
#[tracing::instrument(name = "copilot::update_reply", skip_all, fields(project_id = %project_id, reply_id = %reply_id))]
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    reply_id: Uuid,
    input: &ReplyInput,
) -> Result<CannedReply, AppError> {
    user.require_admin()?;
    visible(state, user, project_id).await?;
    let row = find(state, project_id, reply_id).await?;
    let (title, shortcut, text) = validate(input, Some(&row))?;
    let mut active = row.into_active_model();
    active.title = Set(title);
    active.shortcut = Set(shortcut);
    active.text = Set(text);
    active.updated_at = Set(Utc::now());
    let row = active.update(&state.db).await.map_err(taken)?;
    Ok(view(row))
}

/// Removes a reply.
///
/// # Errors
/// `403 admin_only`; `404 project_not_found` or `reply_not_found`.
#[tracing::instrument(name = "copilot::delete_reply", skip_all, fields(project_id = %project_id, reply_id = %reply_id))]
pub async fn delete(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    reply_id: Uuid,
) -> Result<(), AppError> {
    user.require_admin()?;
    visible(state, user, project_id).await?;
    let row = find(state, project_id, reply_id).await?;
    canned_replies::Entity::delete_by_id(row.id)
        .exec(&state.db)
        .await?;
    Ok(())
}

async fn find(
    state: &AppState,
    project_id: Uuid,
    reply_id: Uuid,
) -> Result<canned_replies::Model, AppError> {
    canned_replies::Entity::find_by_id(reply_id)
        .filter(canned_replies::Column::ProjectId.eq(project_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("reply_not_found", "no such canned reply"))
}

/// The title, shortcut and text after `input` (over `current` for a change).
fn validate(
    input: &ReplyInput,
    current: Option<&canned_replies::Model>,
) -> Result<(String, String, String), AppError> {
    let mut fields = BTreeMap::new();
    let title = match input.title.as_deref() {
        Some(given) => bounded(given, MAX_TITLE_CHARS),
        None => current.map(|row| row.title.clone()),
    };
    let shortcut = match input.shortcut.as_deref() {
        Some(given) => normalise_shortcut(given),
        None => current.map(|row| row.shortcut.clone()),
    };
    let text = match input.text.as_deref() {
        Some(given) => bounded(given, MAX_REPLY_CHARS),
        None => current.map(|row| row.text.clone()),
    };
    if title.is_none() {
        fields.insert(
            "title".to_owned(),
            format!("a title of 1 to {MAX_TITLE_CHARS} characters is required"),
        );
    }
    if shortcut.is_none() {
        fields.insert(
            "shortcut".to_owned(),
            "a shortcut of 1 to 32 letters, digits, `-` or `_` is required".to_owned(),
        );
    }
    if text.is_none() {
        fields.insert(
            "text".to_owned(),
            format!("a text of 1 to {MAX_REPLY_CHARS} characters is required"),
        );
    }
    match (title, shortcut, text) {
        (Some(title), Some(shortcut), Some(text)) => Ok((title, shortcut, text)),
        _ => Err(AppError::Validation {
            message: "some fields are not valid: see `fields`".into(),
            fields,
        }),
    }
}

/// `given` trimmed when it has 1 to `max` characters.
fn bounded(given: &str, max: usize) -> Option<String> {
    let text = given.trim();
    let count = text.chars().count();
    (count > 0 && count <= max).then(|| text.to_owned())
}

fn taken(err: sea_orm::DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            code: "shortcut_taken".into(),
            message: "another canned reply of this project has this shortcut".into(),
        },
        _ => err.into(),
    }
}

fn view(row: canned_replies::Model) -> CannedReply {
    CannedReply {
        id: row.id,
        title: row.title,
        shortcut: row.shortcut,
        text: row.text,
        updated_at: row.updated_at,
    }
}
