//! `/api/v1/admin/projects`: the projects of the admin API.

use super::errors::{ApiJson, ApiPath};
use super::session::AuthUser;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use contract::AppError;
use contract::error::ErrorBody;
use contract::list::Page;
use contract::projects::{ModelInfo, ModelsProbe, ProjectInput, ProjectView, VectorStoreInfo};
use engine::services::projects;
use engine::state::AppState;
use tower::{Layer, ServiceExt};
use uuid::Uuid;

/// The largest body a project's create or update takes: its instructions
/// alone may be 32,000 characters of up to 4 bytes each, with the privacy
/// notice, the welcome texts and the JSON around them. Every other route keeps
/// [`super::BODY_LIMIT_BYTES`]; beyond it: `413 payload_too_large`.
pub const PROJECT_BODY_LIMIT_BYTES: usize = 256 * 1024;

/// The dashboard's server function that saves a project (`app::api::save_project`).
const SAVE_PROJECT_FN: &str = "/admin/fn/save_project";

/// Middleware for the dashboard's routes: its project form gets the body
/// limit of the project routes ([`PROJECT_BODY_LIMIT_BYTES`]); every other
/// server function keeps the server's own.
pub async fn dashboard_form_limit(request: Request, next: Next) -> Response {
    if request.uri().path() != SAVE_PROJECT_FN {
        return next.run(request).await;
    }
    match DefaultBodyLimit::max(PROJECT_BODY_LIMIT_BYTES)
        .layer(next)
        .oneshot(request)
        .await
    {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    let project_body = || DefaultBodyLimit::max(PROJECT_BODY_LIMIT_BYTES);
    Router::new()
        .route(
            "/api/v1/admin/projects",
            get(list).post(create.layer(project_body())),
        )
        .route(
            "/api/v1/admin/projects/{id}",
            get(read).patch(update.layer(project_body())).delete(delete),
        )
        .route("/api/v1/admin/projects/{id}/models", get(models))
        .route(
            "/api/v1/admin/projects/{id}/vector_stores",
            get(vector_stores),
        )
        .route("/api/v1/admin/models", axum::routing::post(probe_models))
}

/// The projects the caller may see (all for admins, their own for operators).
#[utoipa::path(
    get,
    path = "/api/v1/admin/projects",
    tag = "projects",
    responses(
        (status = 200, description = "The projects, by name", body = Page<ProjectView>),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<ApiJson<Page<ProjectView>>, AppError> {
    let items = projects::list(&state, &user).await?;
    Ok(ApiJson(Page::all(items)))
}

/// Creates a project (admins).
#[utoipa::path(
    post,
    path = "/api/v1/admin/projects",
    tag = "projects",
    request_body = ProjectInput,
    responses(
        (status = 201, description = "Created", body = ProjectView),
        (status = 400, description = "`validation_failed` with the reason per field", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 409, description = "`project_exists`: the given id is taken", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(input): ApiJson<ProjectInput>,
) -> Result<(StatusCode, ApiJson<ProjectView>), AppError> {
    let project = projects::create(&state, &user, &input).await?;
    Ok((StatusCode::CREATED, ApiJson(project)))
}

/// One project.
#[utoipa::path(
    get,
    path = "/api/v1/admin/projects/{id}",
    tag = "projects",
    params(("id" = Uuid, Path, description = "The project id")),
    responses(
        (status = 200, description = "The project", body = ProjectView),
        (status = 404, description = "`project_not_found` (also for projects the caller cannot see)", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn read(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ProjectView>, AppError> {
    projects::get(&state, &user, id).await.map(ApiJson)
}

/// Changes a project (admins): absent keeps, `null` clears.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/projects/{id}",
    tag = "projects",
    params(("id" = Uuid, Path, description = "The project id")),
    request_body = ProjectInput,
    responses(
        (status = 200, description = "The changed project", body = ProjectView),
        (status = 400, description = "`validation_failed` with the reason per field", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ProjectInput>,
) -> Result<ApiJson<ProjectView>, AppError> {
    projects::update(&state, &user, id, &input)
        .await
        .map(ApiJson)
}

/// Deletes a project with its visitors, conversations and messages (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/projects/{id}",
    tag = "projects",
    params(("id" = Uuid, Path, description = "The project id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, AppError> {
    projects::delete(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The chat models the project's saved key can use, to suggest in the model field.
#[utoipa::path(
    get,
    path = "/api/v1/admin/projects/{id}/models",
    tag = "projects",
    params(("id" = Uuid, Path, description = "The project id")),
    responses(
        (status = 200, description = "Chat models, by id", body = Page<ModelInfo>),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`api_key_missing` or `api_key_unreadable` (re-enter the key)", body = ErrorBody),
        (status = 502, description = "`upstream_invalid_key`, `upstream_region_refused`, `upstream_rate_limited`, `upstream_unavailable`, `upstream_unreachable`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn models(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<Page<ModelInfo>>, AppError> {
    let items = projects::models(&state, &user, id).await?;
    Ok(ApiJson(Page::all(items)))
}

/// The vector stores of the project's saved key, to pick the knowledge base from.
#[utoipa::path(
    get,
    path = "/api/v1/admin/projects/{id}/vector_stores",
    tag = "projects",
    params(("id" = Uuid, Path, description = "The project id")),
    responses(
        (status = 200, description = "Vector stores", body = Page<VectorStoreInfo>),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`api_key_missing` or `api_key_unreadable`", body = ErrorBody),
        (status = 502, description = "`upstream_*`: the provider refused or failed", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn vector_stores(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<Page<VectorStoreInfo>>, AppError> {
    let items = projects::vector_stores(&state, &user, id).await?;
    Ok(ApiJson(Page::all(items)))
}

/// The chat models of a key that is not saved yet.
#[utoipa::path(
    post,
    path = "/api/v1/admin/models",
    tag = "projects",
    request_body = ModelsProbe,
    responses(
        (status = 200, description = "Chat models, by id", body = Page<ModelInfo>),
        (status = 400, description = "`validation_failed`", body = ErrorBody),
        (status = 502, description = "`upstream_*`: the provider refused or failed", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn probe_models(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(probe): ApiJson<ModelsProbe>,
) -> Result<ApiJson<Page<ModelInfo>>, AppError> {
    let items = projects::probe_models(&state, &user, &probe).await?;
    Ok(ApiJson(Page::all(items)))
}
