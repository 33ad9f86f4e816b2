//! `/api/v1/admin/users`: operators and admins (admins only).

use super::errors::{ApiJson, ApiPath};
use super::session::AuthUser;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use contract::AppError;
use contract::auth::{UserInput, UserView};
use contract::error::ErrorBody;
use contract::list::Page;
use engine::services::people;
use engine::state::AppState;
use uuid::Uuid;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(list).post(create))
        .route("/api/v1/admin/users/{id}", patch(update).delete(delete))
}

/// Every user.
#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    tag = "users",
    responses(
        (status = 200, description = "The users, by username", body = Page<UserView>),
        (status = 403, description = "`admin_only`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<ApiJson<Page<UserView>>, AppError> {
    let items = people::list(&state, &me).await?;
    Ok(ApiJson(Page::all(items)))
}

/// Adds an operator or an admin.
#[utoipa::path(
    post,
    path = "/api/v1/admin/users",
    tag = "users",
    request_body = UserInput,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 400, description = "`validation_failed` with the reason per field", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 409, description = "`username_taken`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiJson(input): ApiJson<UserInput>,
) -> Result<(StatusCode, ApiJson<UserView>), AppError> {
    let user = people::create(&state, &me, &input).await?;
    Ok((StatusCode::CREATED, ApiJson(user)))
}

/// Changes a user; a new password ends their sessions.
#[utoipa::path(
    patch,
    path = "/api/v1/admin/users/{id}",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user id")),
    request_body = UserInput,
    responses(
        (status = 200, description = "The changed user", body = UserView),
        (status = 400, description = "`validation_failed`", body = ErrorBody),
        (status = 404, description = "`user_not_found`", body = ErrorBody),
        (status = 409, description = "`username_taken` or `last_admin`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<UserInput>,
) -> Result<ApiJson<UserView>, AppError> {
    people::update(&state, &me, id, &input).await.map(ApiJson)
}

/// Removes a user; their messages stay.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/users/{id}",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "`user_not_found`", body = ErrorBody),
        (status = 409, description = "`cannot_remove_self` or `last_admin`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, AppError> {
    people::delete(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
