//! `/api/v1/admin/projects/{id}/playground` and `…/check`: an admin asks
//! the project's AI as a visitor would, and checks its key, model and
//! vector stores (`docs/knowledge.md`). Both spend the project's money: admins only.

use super::errors::{ApiJson, ApiPath};
use super::session::AuthUser;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use contract::AppError;
use contract::error::ErrorBody;
use contract::knowledge::{PlaygroundEvent, PlaygroundInput, ProjectCheck};
use engine::services::knowledge::{check, playground};
use engine::state::AppState;
use futures_util::StreamExt as _;
use uuid::Uuid;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/projects/{id}/playground", post(ask))
        .route("/api/v1/admin/projects/{id}/check", get(check_project))
}

/// Asks the project's AI `text` as a visitor's first message (same
/// instructions, model, vector stores and answer cap), without storing a
/// conversation; the call counts in today's AI budget.
#[utoipa::path(
    post,
    path = "/api/v1/admin/projects/{id}/playground",
    tag = "knowledge",
    params(("id" = Uuid, Path, description = "The project id")),
    request_body = PlaygroundInput,
    responses(
        (status = 200, description = "`text/event-stream`: `instructions` \
            (`{\"instructions\",\"model\",\"vector_store_ids\"}`) first, on a \
            `chat_completions` project then `retrieved` (`{\"chunks\"}`: the chunks aiwidget's \
            own search found, best first, with their scores), then `delta`s \
            (`{\"text\"}`), then one `message` (`{\"text\",\"sources\",\"handoff\"}`, sources \
            with the page's `url` and `title`), or one `error` (`{\"error\",\"message\"}`: \
            `upstream_*`, `internal`)", body = PlaygroundEvent, content_type = "text/event-stream"),
        (status = 400, description = "`validation_failed` (`text`: empty or over the project's message limit)", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key`, `api_key_unreadable`, or `ai_budget_spent` (today's AI budget has no room)", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn ask(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<PlaygroundInput>,
) -> Result<Response, AppError> {
    let events = playground::ask(&state, &user, id, &input).await?;
    Ok(super::sse::respond(
        events.map(|event| super::sse::tagged(event.name(), &event)),
    ))
}

/// Checks the project: the key (a listing of models), the model (a tiny
/// call, its tokens counted in today's budget), and each vector store (read
/// with this key). A failing key skips the rest (`code` `skipped`).
#[utoipa::path(
    get,
    path = "/api/v1/admin/projects/{id}/check",
    tag = "knowledge",
    params(("id" = Uuid, Path, description = "The project id")),
    responses(
        (status = 200, description = "The findings; a failed one has `code` \
            (`upstream_invalid_key`, `upstream_model_not_found`, `upstream_vector_store_not_found`, \
            `skipped`, `ai_budget_spent`, …) and `reason` in words", body = ProjectCheck),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
        (status = 409, description = "`no_api_key` or `api_key_unreadable`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn check_project(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<ProjectCheck>, AppError> {
    check::run(&state, &user, id).await.map(ApiJson)
}
