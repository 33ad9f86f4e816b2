//! `/api/v1/admin/projects/{id}/knowledge`: the knowledge base of a project
//! (files, websites, Q&A pairs), `docs/knowledge.md`. Admins change it;
//! operators who see the project read it.

use super::errors::{ApiJson, ApiPath};
use super::session::AuthUser;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::routing::{delete as delete_route, get, patch, post};
use contract::AppError;
use contract::error::ErrorBody;
use contract::knowledge::{
    KnowledgeFile, KnowledgeQa, KnowledgeSite, KnowledgeView, MAX_UPLOAD_BYTES, QaInput, SiteInput,
    SitePatch,
};
use engine::services::knowledge::{self, files, qa, sites};
use engine::state::AppState;
use uuid::Uuid;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    let upload_limit = usize::try_from(MAX_UPLOAD_BYTES).unwrap_or(usize::MAX) + 64 * 1024;
    Router::new()
        .route("/api/v1/admin/projects/{id}/knowledge", get(read))
        .route(
            "/api/v1/admin/projects/{id}/knowledge/files",
            post(upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/api/v1/admin/projects/{id}/knowledge/files/{file_id}",
            delete_route(delete_file),
        )
        .route(
            "/api/v1/admin/projects/{id}/knowledge/sites",
            post(add_site),
        )
        .route(
            "/api/v1/admin/projects/{id}/knowledge/sites/{site_id}",
            patch(update_site).delete(delete_site),
        )
        .route(
            "/api/v1/admin/projects/{id}/knowledge/sites/{site_id}/sync",
            post(sync_site),
        )
        .route("/api/v1/admin/projects/{id}/knowledge/qa", post(add_qa))
        .route(
            "/api/v1/admin/projects/{id}/knowledge/qa/{qa_id}",
            patch(update_qa).delete(delete_qa),
        )
}

/// The knowledge base: files and pages, websites with their progress, Q&A pairs.
#[utoipa::path(
    get,
    path = "/api/v1/admin/projects/{id}/knowledge",
    tag = "knowledge",
    params(("id" = Uuid, Path, description = "The project id")),
    responses(
        (status = 200, description = "The knowledge base", body = KnowledgeView),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn read(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<KnowledgeView>, AppError> {
    knowledge::view(&state, &user, id).await.map(ApiJson)
}

/// The multipart form of an upload.
#[derive(Debug, utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "describes the multipart form in the OpenAPI document"
)]
pub struct UploadForm {
    /// The file: PDF, DOCX, TXT, Markdown, HTML or CSV, up to 20 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads a file (multipart, field `file`): its text is extracted and
/// kept, and it goes to the project's own vector store (made at the first
/// upload); its status moves from `processing` to `ready` or `failed`.
#[utoipa::path(
    post,
    path = "/api/v1/admin/projects/{id}/knowledge/files",
    tag = "knowledge",
    params(("id" = Uuid, Path, description = "The project id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Added, `processing`", body = KnowledgeFile),
        (status = 400, description = "`unsupported_type`, `file_too_large`, `unreadable`, `no_text`, `invalid_file_name`, `invalid_form` (no `file` field)", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key` or `api_key_unreadable`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 502, description = "`upstream_*`: the provider refused a file it was to read itself", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn upload(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    mut form: Multipart,
) -> Result<(StatusCode, ApiJson<KnowledgeFile>), AppError> {
    while let Some(field) = form.next_field().await.map_err(|err| invalid_form(&err))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|err| invalid_form(&err))?;
        let file = files::upload(&state, &user, id, &name, bytes.to_vec()).await?;
        return Ok((StatusCode::CREATED, ApiJson(file)));
    }
    Err(AppError::bad_request(
        "invalid_form",
        "a multipart form with the file in a field named `file` is required",
    ))
}

fn invalid_form(err: &axum::extract::multipart::MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::PayloadTooLarge;
    }
    AppError::bad_request("invalid_form", err.body_text())
}

/// Removes an uploaded file, and deletes it at the provider.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/projects/{id}/knowledge/files/{file_id}",
    tag = "knowledge",
    params(
        ("id" = Uuid, Path, description = "The project id"),
        ("file_id" = Uuid, Path, description = "The file id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found` or `file_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete_file(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, file_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, AppError> {
    files::delete(&state, &user, id, file_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a website (a sitemap or a start page) and queues its import.
#[utoipa::path(
    post,
    path = "/api/v1/admin/projects/{id}/knowledge/sites",
    tag = "knowledge",
    params(("id" = Uuid, Path, description = "The project id")),
    request_body = SiteInput,
    responses(
        (status = 202, description = "Added; the import is queued", body = KnowledgeSite),
        (status = 400, description = "`validation_failed` (`url`, `max_pages`)", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key` or `api_key_unreadable`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn add_site(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<SiteInput>,
) -> Result<(StatusCode, ApiJson<KnowledgeSite>), AppError> {
    let site = sites::create(&state, &user, id, &input).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(site)))
}

/// Changes a website's schedule or page limit.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/projects/{id}/knowledge/sites/{site_id}",
    tag = "knowledge",
    params(
        ("id" = Uuid, Path, description = "The project id"),
        ("site_id" = Uuid, Path, description = "The website id"),
    ),
    request_body = SitePatch,
    responses(
        (status = 200, description = "Changed", body = KnowledgeSite),
        (status = 400, description = "`validation_failed` (`max_pages`)", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found` or `site_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn update_site(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, site_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(patch): ApiJson<SitePatch>,
) -> Result<ApiJson<KnowledgeSite>, AppError> {
    sites::update(&state, &user, id, site_id, &patch)
        .await
        .map(ApiJson)
}

/// Imports a website again now: changed pages are replaced, removed pages
/// removed, unchanged ones left.
#[utoipa::path(
    post,
    path = "/api/v1/admin/projects/{id}/knowledge/sites/{site_id}/sync",
    tag = "knowledge",
    params(
        ("id" = Uuid, Path, description = "The project id"),
        ("site_id" = Uuid, Path, description = "The website id"),
    ),
    responses(
        (status = 202, description = "Queued (a running import goes on)", body = KnowledgeSite),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found` or `site_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key` or `api_key_unreadable`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn sync_site(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, site_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<(StatusCode, ApiJson<KnowledgeSite>), AppError> {
    let site = sites::sync(&state, &user, id, site_id).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(site)))
}

/// Removes a website with its pages (deleted at the provider too).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/projects/{id}/knowledge/sites/{site_id}",
    tag = "knowledge",
    params(
        ("id" = Uuid, Path, description = "The project id"),
        ("site_id" = Uuid, Path, description = "The website id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found` or `site_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete_site(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, site_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, AppError> {
    sites::delete(&state, &user, id, site_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a question/answer pair.
#[utoipa::path(
    post,
    path = "/api/v1/admin/projects/{id}/knowledge/qa",
    tag = "knowledge",
    params(("id" = Uuid, Path, description = "The project id")),
    request_body = QaInput,
    responses(
        (status = 201, description = "Added, `processing`", body = KnowledgeQa),
        (status = 400, description = "`validation_failed` (`question`, `answer`)", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key` or `api_key_unreadable`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn add_qa(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<QaInput>,
) -> Result<(StatusCode, ApiJson<KnowledgeQa>), AppError> {
    let pair = qa::create(&state, &user, id, &input).await?;
    Ok((StatusCode::CREATED, ApiJson(pair)))
}

/// Changes a question/answer pair (absent fields keep their value).
#[utoipa::path(
    patch,
    path = "/api/v1/admin/projects/{id}/knowledge/qa/{qa_id}",
    tag = "knowledge",
    params(
        ("id" = Uuid, Path, description = "The project id"),
        ("qa_id" = Uuid, Path, description = "The pair's id"),
    ),
    request_body = QaInput,
    responses(
        (status = 200, description = "Changed", body = KnowledgeQa),
        (status = 400, description = "`validation_failed`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found` or `qa_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key` or `api_key_unreadable`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn update_qa(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, qa_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(input): ApiJson<QaInput>,
) -> Result<ApiJson<KnowledgeQa>, AppError> {
    qa::update(&state, &user, id, qa_id, &input)
        .await
        .map(ApiJson)
}

/// Removes a question/answer pair.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/projects/{id}/knowledge/qa/{qa_id}",
    tag = "knowledge",
    params(
        ("id" = Uuid, Path, description = "The project id"),
        ("qa_id" = Uuid, Path, description = "The pair's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found` or `qa_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete_qa(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, qa_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, AppError> {
    qa::delete(&state, &user, id, qa_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
