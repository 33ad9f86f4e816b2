//! `/api/v1/admin/visitors/{id}`: one visitor's data, exported or deleted
//! (admins only; a visitor of a project the caller may not see is `404`).

use super::errors::{ApiJson, ApiPath};
use super::session::AuthUser;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete as delete_route, get};
use contract::AppError;
use contract::error::ErrorBody;
use contract::privacy::VisitorExport;
use engine::services::privacy;
use engine::state::AppState;
use uuid::Uuid;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/visitors/{id}/export", get(export))
        .route("/api/v1/admin/visitors/{id}", delete_route(delete))
}

/// Everything stored about a visitor: the visitor (contact and consent
/// included) and their conversations with every message.
#[utoipa::path(
    get,
    path = "/api/v1/admin/visitors/{id}/export",
    tag = "privacy",
    params(("id" = Uuid, Path, description = "The visitor id")),
    responses(
        (status = 200, description = "The visitor's data", body = VisitorExport),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`visitor_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<ApiJson<VisitorExport>, AppError> {
    privacy::export(&state, &me, id).await.map(ApiJson)
}

/// Deletes a visitor with their conversations, messages and events; only
/// the record that a deletion happened (when, by whom) is kept.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/visitors/{id}",
    tag = "privacy",
    params(("id" = Uuid, Path, description = "The visitor id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`visitor_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, AppError> {
    privacy::delete(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
