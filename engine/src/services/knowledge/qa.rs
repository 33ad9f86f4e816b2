//! Question/answer pairs: the answers that must be exact (prices, delivery
//! terms), written in the dashboard. Each pair is one small Markdown file of
//! the knowledge base (the question as a heading, the answer under it); a
//! changed pair replaces its file.

use super::files::{self, NewFile};
use super::{keyed, visible};
use crate::db::begin_write;
use crate::db::entities::{knowledge_files, knowledge_qa};
use crate::services::auth::CurrentUser;
use crate::state::AppState;
use chrono::Utc;
use contract::AppError;
use contract::knowledge::{KnowledgeQa, KnowledgeStatus, QaInput};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 1_000;
/// The longest answer, in characters.
pub const MAX_ANSWER_CHARS: usize = 10_000;

/// Adds a pair; both fields are required.
///
/// # Errors
/// `400 validation_failed`; `409 no_api_key`; `403 admin_only`; `404 project_not_found`.
#[tracing::instrument(name = "knowledge::add_qa", skip_all, fields(project_id = %project_id))]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    input: &QaInput,
) -> Result<KnowledgeQa, AppError> {
    keyed(state, user, project_id).await?;
    let (question, answer) = validate(input, None)?;
    let now = Utc::now();
    let pair = knowledge_qa::Model {
        id: Uuid::new_v4(),
        project_id,
        question,
        answer,
        created_at: now,
        updated_at: now,
    };
    let txn = begin_write(&state.db).await?;
    let pair = pair.into_active_model().reset_all().insert(&txn).await?;
    files::insert(&txn, project_id, file_of(&pair)).await?;
    txn.commit().await?;
    super::jobs::wake(state);
    Ok(view(pair))
}

/// Changes a pair (absent fields keep their value); its file is replaced.
///
/// # Errors
/// `400 validation_failed`; `404 qa_not_found`; `409 no_api_key`.
#[tracing::instrument(name = "knowledge::update_qa", skip_all, fields(project_id = %project_id, qa_id = %qa_id))]
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    qa_id: Uuid,
    input: &QaInput,
) -> Result<KnowledgeQa, AppError> {
    let keyed = keyed(state, user, project_id).await?;
    let txn = begin_write(&state.db).await?;
    let pair = find(&txn, project_id, qa_id).await?;
    let (question, answer) = validate(input, Some(&pair))?;
    let old_files = files_of(&txn, qa_id).await?;
    let failed = old_files.iter().any(|file| file.status == super::FAILED);
    if question == pair.question && answer == pair.answer && !failed {
        txn.commit().await?;
        return Ok(view_with(pair, old_files.first()));
    }
    // Saved again after a failure: its file is made anew.
    let old_files: Vec<Uuid> = old_files.iter().map(|file| file.id).collect();
    files::remove(&txn, &keyed.project, &old_files).await?;
    let mut active = pair.into_active_model();
    active.question = sea_orm::Set(question);
    active.answer = sea_orm::Set(answer);
    active.updated_at = sea_orm::Set(Utc::now());
    let pair = active.update(&txn).await?;
    files::insert(&txn, project_id, file_of(&pair)).await?;
    txn.commit().await?;
    super::jobs::wake(state);
    Ok(view(pair))
}

/// Removes a pair and its file (deleted at the provider too).
///
/// # Errors
/// `404 qa_not_found`; `403 admin_only`.
#[tracing::instrument(name = "knowledge::delete_qa", skip_all, fields(project_id = %project_id, qa_id = %qa_id))]
pub async fn delete(
    state: &AppState,
    user: &CurrentUser,
    project_id: Uuid,
    qa_id: Uuid,
) -> Result<(), AppError> {
    user.require_admin()?;
    let project = visible(state, user, project_id).await?;
    let txn = begin_write(&state.db).await?;
    let pair = find(&txn, project_id, qa_id).await?;
    let old_files: Vec<Uuid> = files_of(&txn, qa_id)
        .await?
        .iter()
        .map(|file| file.id)
        .collect();
    files::remove(&txn, &project, &old_files).await?;
    knowledge_qa::Entity::delete_by_id(pair.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    super::jobs::wake(state);
    Ok(())
}

async fn find(
    db: &impl ConnectionTrait,
    project_id: Uuid,
    qa_id: Uuid,
) -> Result<knowledge_qa::Model, AppError> {
    knowledge_qa::Entity::find_by_id(qa_id)
        .filter(knowledge_qa::Column::ProjectId.eq(project_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("qa_not_found", "no such question"))
}

async fn files_of(
    db: &impl ConnectionTrait,
    qa_id: Uuid,
) -> Result<Vec<knowledge_files::Model>, AppError> {
    Ok(knowledge_files::Entity::find()
        .filter(knowledge_files::Column::QaId.eq(qa_id))
        .all(db)
        .await?)
}

/// The question and the answer after `input` (over `current` for a change).
fn validate(
    input: &QaInput,
    current: Option<&knowledge_qa::Model>,
) -> Result<(String, String), AppError> {
    let mut fields = BTreeMap::new();
    let question = field(
        input.question.as_deref(),
        current.map(|pair| pair.question.as_str()),
        MAX_QUESTION_CHARS,
    );
    let answer = field(
        input.answer.as_deref(),
        current.map(|pair| pair.answer.as_str()),
        MAX_ANSWER_CHARS,
    );
    if question.is_none() {
        fields.insert(
            "question".to_owned(),
            format!("a question of 1 to {MAX_QUESTION_CHARS} characters is required"),
        );
    }
    if answer.is_none() {
        fields.insert(
            "answer".to_owned(),
            format!("an answer of 1 to {MAX_ANSWER_CHARS} characters is required"),
        );
    }
    match (question, answer) {
        (Some(question), Some(answer)) => Ok((question, answer)),
        _ => Err(AppError::Validation {
            message: "some fields are not valid: see `fields`".into(),
            fields,
        }),
    }
}

/// The given text (trimmed, 1 to `max` characters), else the current one.
fn field(given: Option<&str>, current: Option<&str>, max: usize) -> Option<String> {
    match given {
        Some(text) => {
            let text = text.trim();
            let count = text.chars().count();
            (count > 0 && count <= max).then(|| text.to_owned())
        }
        None => current.map(str::to_owned),
    }
}

/// The file of a pair: the question as a heading, the answer under it.
fn file_of(pair: &knowledge_qa::Model) -> NewFile {
    let text = format!("# {}\n\n{}\n", pair.question, pair.answer);
    NewFile {
        source: "qa",
        site_id: None,
        qa_id: Some(pair.id),
        name: format!("qa-{}.md", pair.id.simple()),
        url: None,
        title: Some(pair.question.chars().take(200).collect()),
        bytes: i64::try_from(text.len()).unwrap_or(i64::MAX),
        text,
        provider_file_id: None,
    }
}

/// A pair just written: its new file is processing.
fn view(pair: knowledge_qa::Model) -> KnowledgeQa {
    view_with(pair, None)
}

/// A pair with the status of its file (`processing` when it has none yet).
fn view_with(pair: knowledge_qa::Model, file: Option<&knowledge_files::Model>) -> KnowledgeQa {
    KnowledgeQa {
        id: pair.id,
        question: pair.question,
        answer: pair.answer,
        status: file.map_or(KnowledgeStatus::Processing, |file| {
            super::status(&file.status)
        }),
        error: file.and_then(|file| file.error.clone()),
        updated_at: pair.updated_at,
    }
}
