//! Projects: create, read, update, delete, scoped to who asks.
//!
//! Admins see and change every project; operators see the projects they are
//! members of (read-only), and a project they cannot see answers `404`, as if
//! it did not exist.

pub mod validate;

use crate::db::entities::projects::{self, Model as Project};
use crate::services::auth::CurrentUser;
use crate::services::{api_keys, knowledge, upstream};
use crate::state::AppState;
use contract::AppError;
use contract::projects::{
    ApiStyle, HandoffSettings, HandoffTimeoutAction, Limits, ProjectInput, ProjectView,
    RatingAfter, WidgetPosition, WidgetSettings,
};
use contract::projects::{ModelInfo, ModelsProbe, VectorStoreInfo};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, SqlErr,
};
use uuid::Uuid;

/// Every project the user may see, by name.
///
/// # Errors
/// [`AppError::Internal`] on a database failure.
#[tracing::instrument(name = "projects::list", skip_all, fields(user_id = %user.id))]
pub async fn list(state: &AppState, user: &CurrentUser) -> Result<Vec<ProjectView>, AppError> {
    let mut query = projects::Entity::find().order_by_asc(projects::Column::Name);
    if !user.is_admin() {
        query = query.filter(projects::Column::Id.is_in(user.project_ids.clone()));
    }
    let rows = query.all(&state.db).await?;
    Ok(rows.iter().map(|row| view(state, row, false)).collect())
}

/// One project, with whether its stored key still decrypts.
///
/// # Errors
/// `404 project_not_found` when it does not exist or the user cannot see it.
#[tracing::instrument(name = "projects::get", skip_all, fields(project_id = %id, user_id = %user.id))]
pub async fn get(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<ProjectView, AppError> {
    let row = find_visible(state, user, id).await?;
    Ok(view(state, &row, true))
}

/// Creates a project from `input` (admins only); `name` is required.
///
/// # Errors
/// `400 validation_failed` with the reason per field; `409 project_exists`
/// when the given id is taken; `403 admin_only` for operators.
#[tracing::instrument(name = "projects::create", skip_all, fields(user_id = %user.id))]
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    input: &ProjectInput,
) -> Result<ProjectView, AppError> {
    user.require_admin()?;
    let mut project = defaults(input.id.unwrap_or_else(Uuid::new_v4));
    if input.name.is_none() {
        return Err(validation([(
            "name",
            "a name of 1 to 200 characters is required",
        )]));
    }
    validate::apply(&mut project, input, &context(state)).map_err(validation_errors)?;
    let saved = project
        .into_active_model()
        .reset_all()
        .insert(&state.db)
        .await
        .map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
                code: "project_exists".into(),
                message: "a project with this id exists already".into(),
            },
            _ => err.into(),
        })?;
    state.origin_cache.invalidate();
    Ok(view(state, &saved, true))
}

/// Changes a project (admins only): absent fields keep, `null` clears.
///
/// # Errors
/// As [`create`], and `404 project_not_found`.
#[tracing::instrument(name = "projects::update", skip_all, fields(project_id = %id, user_id = %user.id))]
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    input: &ProjectInput,
) -> Result<ProjectView, AppError> {
    user.require_admin()?;
    if input.id.is_some_and(|given| given != id) {
        return Err(validation([("id", "the id of a project cannot change")]));
    }
    let mut project = find_visible(state, user, id).await?;
    let before = project.clone();
    // The own vector store has its own column: a list sent back with it is
    // read without it (and so validated), and the column is never written
    // from a form (a store made while the form was open stays).
    let mut input = input.clone();
    if let (Some(own), Some(ids)) = (&before.own_vector_store_id, input.vector_store_ids.as_mut()) {
        ids.retain(|id| id != own);
    }
    validate::apply(&mut project, &input, &context(state)).map_err(validation_errors)?;
    project.updated_at = chrono::Utc::now();
    let moved = knowledge::moved_account(state, &before, &project);
    let txn = crate::db::begin_write(&state.db).await?;
    if moved {
        // Another key or provider: what the knowledge base put at the old one
        // is deleted there, and goes up again to the new one.
        knowledge::leave_account(&txn, &before).await?;
    }
    let mut active = project.into_active_model().reset_all();
    active.own_vector_store_id = if moved {
        sea_orm::ActiveValue::Set(None)
    } else {
        sea_orm::ActiveValue::NotSet
    };
    // Written by the embedding jobs only: a form saved meanwhile keeps theirs.
    active.embeddings_in_use = sea_orm::ActiveValue::NotSet;
    active.embeddings_version = sea_orm::ActiveValue::NotSet;
    let saved = active.update(&txn).await?;
    txn.commit().await?;
    if moved {
        knowledge::jobs::wake(state);
    }
    // A changed model or style re-embeds; the model saved again on a
    // chat_completions project retries the files held up by a refusal.
    let saved_model = input.embedding_model.is_some() && knowledge::embed::by_aiwidget(&saved);
    if saved_model
        || moved
        || before.embedding_model != saved.embedding_model
        || before.api_style != saved.api_style
    {
        let new_account = moved && saved.openai_api_key_ciphertext.is_some();
        knowledge::embed::project_changed(state, &saved, new_account).await?;
    }
    state.origin_cache.invalidate();
    Ok(view(state, &saved, true))
}

/// Deletes a project and everything of it (admins only).
///
/// # Errors
/// `404 project_not_found`; `403 admin_only` for operators.
#[tracing::instrument(name = "projects::delete", skip_all, fields(project_id = %id, user_id = %user.id))]
pub async fn delete(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<(), AppError> {
    user.require_admin()?;
    let txn = crate::db::begin_write(&state.db).await?;
    let project = projects::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    // What the knowledge base put at the provider is deleted after the project.
    crate::services::knowledge::deletions::queue_project(&txn, &project).await?;
    projects::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    state.origin_cache.invalidate();
    crate::services::knowledge::jobs::wake(state);
    Ok(())
}

/// The chat models the project's saved key can use (admins only).
///
/// # Errors
/// `409 api_key_missing` / `409 api_key_unreadable`; `502 upstream_*`.
#[tracing::instrument(name = "projects::models", skip_all, fields(project_id = %id, user_id = %user.id))]
pub async fn models(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Vec<ModelInfo>, AppError> {
    user.require_admin()?;
    let (base_url, key) = saved_key(state, user, id).await?;
    list_models(state, &base_url, &key).await
}

/// The vector stores of the project's saved key (admins only).
///
/// # Errors
/// As [`models`].
#[tracing::instrument(name = "projects::vector_stores", skip_all, fields(project_id = %id, user_id = %user.id))]
pub async fn vector_stores(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Vec<VectorStoreInfo>, AppError> {
    user.require_admin()?;
    let (base_url, key) = saved_key(state, user, id).await?;
    state
        .llm
        .list_vector_stores(&base_url, &key)
        .await
        .map_err(|err| upstream::error(err.kind))
}

/// The chat models of a key that is not saved yet (the project form, before saving).
///
/// # Errors
/// `400 validation_failed` for a bad key or base URL; `502 upstream_*`.
#[tracing::instrument(name = "projects::probe_models", skip_all, fields(user_id = %user.id))]
pub async fn probe_models(
    state: &AppState,
    user: &CurrentUser,
    probe: &ModelsProbe,
) -> Result<Vec<ModelInfo>, AppError> {
    user.require_admin()?;
    let base = probe
        .openai_base_url
        .as_deref()
        .unwrap_or(validate::DEFAULT_BASE_URL);
    let base_url = validate::normalize_base_url(base, context(state).allow_private_upstreams)
        .map_err(|reason| validation([("openai_base_url", reason)]))?;
    let key = probe.openai_api_key.trim();
    if key.len() < 8 || key.contains(char::is_whitespace) {
        return Err(validation([(
            "openai_api_key",
            "an API key is 8 to 500 characters without spaces",
        )]));
    }
    list_models(state, &base_url, key).await
}

/// The chat models of `api_key` at `base_url`, through the project's provider.
async fn list_models(
    state: &AppState,
    base_url: &str,
    api_key: &str,
) -> Result<Vec<ModelInfo>, AppError> {
    let ids = state
        .llm
        .list_models(base_url, api_key)
        .await
        .map_err(|err| upstream::error(err.kind))?;
    Ok(ids.into_iter().map(|id| ModelInfo { id }).collect())
}

/// The base URL and the decrypted key of a project.
async fn saved_key(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(String, String), AppError> {
    let row = find_visible(state, user, id).await?;
    let stored = row
        .openai_api_key_ciphertext
        .ok_or_else(|| AppError::Conflict {
            code: "api_key_missing".into(),
            message: "this project has no API key: enter one first".into(),
        })?;
    let key = api_keys::decrypt(state.settings.keyring(), row.id, &stored).map_err(|_| {
        AppError::Conflict {
            code: "api_key_unreadable".into(),
            message: "the stored key does not decrypt with this ENCRYPTION_KEY: re-enter the key"
                .into(),
        }
    })?;
    Ok((row.openai_base_url, key))
}

/// The project `id` when `user` may see it.
///
/// # Errors
/// `404 project_not_found`; a database failure.
pub(crate) async fn find_visible(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Project, AppError> {
    if !user.can_see(id) {
        return Err(not_found());
    }
    projects::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)
}

fn not_found() -> AppError {
    AppError::not_found("project_not_found", "no such project")
}

fn context(state: &AppState) -> validate::Context<'_> {
    validate::Context {
        keyring: state.settings.keyring(),
        allow_private_upstreams: state.settings.allows_private_upstreams(),
    }
}

fn validation<const N: usize>(fields: [(&str, &str); N]) -> AppError {
    validation_errors(
        fields
            .into_iter()
            .map(|(field, reason)| (field.to_owned(), reason.to_owned()))
            .collect(),
    )
}

fn validation_errors(fields: validate::FieldErrors) -> AppError {
    AppError::Validation {
        message: "some fields are not valid: see `fields`".into(),
        fields,
    }
}

/// A new project with the defaults of a small site.
pub(crate) fn defaults(id: Uuid) -> Project {
    let now = chrono::Utc::now();
    Project {
        id,
        name: String::new(),
        openai_api_key_ciphertext: None,
        openai_api_key_hint: None,
        openai_base_url: validate::DEFAULT_BASE_URL.into(),
        api_style: validate::style_name(ApiStyle::Responses).into(),
        model: validate::DEFAULT_MODEL.into(),
        vector_store_ids: serde_json::json!([]),
        instructions: String::new(),
        allowed_origins: serde_json::json!([]),
        widget_title: "Chat".into(),
        widget_greeting: String::new(),
        widget_color: "#2563eb".into(),
        widget_position: "right".into(),
        widget_locale: None,
        privacy_notice: None,
        widget_rating_after: RatingAfter::default().as_str().into(),
        limit_message_chars: 2000,
        limit_messages_per_minute: 10,
        limit_conversations_per_hour: 20,
        limit_daily_ai_messages: 1000,
        limit_daily_ai_tokens: 2_000_000,
        limit_messages_per_ip_per_minute: contract::projects::default_messages_per_ip_per_minute(),
        limit_max_output_tokens: contract::projects::default_max_output_tokens(),
        handoff_ai_allowed: true,
        handoff_timeout_minutes: Some(5),
        handoff_timeout_action: "ai".into(),
        retention_days: None,
        own_vector_store_id: None,
        time_zone: "UTC".into(),
        embedding_model: None,
        embeddings_in_use: None,
        embeddings_version: 0,
        created_at: now,
        updated_at: now,
    }
}

/// How the widget of `row` looks and what it may say, as the project stores it.
#[must_use]
pub fn widget_settings(row: &projects::Model) -> WidgetSettings {
    WidgetSettings {
        title: row.widget_title.clone(),
        greeting: row.widget_greeting.clone(),
        color: row.widget_color.clone(),
        position: WidgetPosition::parse(&row.widget_position),
        locale: row.widget_locale.clone(),
        privacy_notice: row.privacy_notice.clone(),
        rating_after: RatingAfter::parse(&row.widget_rating_after),
    }
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// The API's view of a row; `check_key` decrypts to tell whether the key is readable.
fn view(state: &AppState, row: &Project, check_key: bool) -> ProjectView {
    let api_style = ApiStyle::parse(&row.api_style);
    let vector_store_ids = crate::services::knowledge::store_ids(row);
    let mut warnings = Vec::new();
    let chosen_stores = vector_store_ids
        .iter()
        .any(|id| row.own_vector_store_id.as_ref() != Some(id));
    if api_style == ApiStyle::ChatCompletions && chosen_stores {
        warnings.push(
            "file_search exists only in the responses style: with chat_completions the vector \
             stores chosen by id are not used (aiwidget searches this project's own knowledge \
             base itself)"
                .to_owned(),
        );
    }
    if api_style == ApiStyle::ChatCompletions && row.embedding_model.is_none() {
        warnings.push(
            "with chat_completions the knowledge base is searched only with an embedding model: \
             choose one"
                .to_owned(),
        );
    }
    let unreadable = check_key
        && row
            .openai_api_key_ciphertext
            .as_deref()
            .is_some_and(|stored| {
                api_keys::decrypt(state.settings.keyring(), row.id, stored).is_err()
            });
    let widget = widget_settings(row);
    ProjectView {
        embed_snippet: embed_snippet(&state.settings.public_url, row, widget.position),
        id: row.id,
        name: row.name.clone(),
        openai_api_key_set: row.openai_api_key_ciphertext.is_some(),
        openai_api_key_hint: row.openai_api_key_hint.clone(),
        openai_api_key_unreadable: unreadable,
        openai_base_url: row.openai_base_url.clone(),
        api_style,
        model: row.model.clone(),
        vector_store_ids,
        instructions: row.instructions.clone(),
        allowed_origins: strings(&row.allowed_origins),
        widget,
        limits: Limits {
            message_chars: row.limit_message_chars,
            messages_per_minute: row.limit_messages_per_minute,
            conversations_per_hour: row.limit_conversations_per_hour,
            daily_ai_messages: row.limit_daily_ai_messages,
            daily_ai_tokens: row.limit_daily_ai_tokens,
            messages_per_ip_per_minute: row.limit_messages_per_ip_per_minute,
            max_output_tokens: row.limit_max_output_tokens,
        },
        handoff: HandoffSettings {
            ai_allowed: row.handoff_ai_allowed,
            timeout_minutes: row.handoff_timeout_minutes,
            timeout_action: HandoffTimeoutAction::parse(&row.handoff_timeout_action),
        },
        retention_days: row.retention_days,
        time_zone: row.time_zone.clone(),
        embedding_model: row.embedding_model.clone(),
        embeddings_in_use: row.embeddings_in_use.clone(),
        warnings,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The `<script>` tag a site owner pastes, with the title escaped for an attribute.
#[must_use]
pub fn embed_snippet(public_url: &str, row: &Project, position: WidgetPosition) -> String {
    let position = match position {
        WidgetPosition::Right => "right",
        WidgetPosition::Left => "left",
    };
    format!(
        r#"<script src="{public_url}/widget/widget.js" data-project-id="{}" data-title="{}" data-position="{position}"></script>"#,
        row.id,
        escape_attribute(&row.widget_title)
    )
}

fn escape_attribute(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}
