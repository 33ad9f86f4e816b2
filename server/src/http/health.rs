//! `GET /health`: `200` with the database reachable, `503` without.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use contract::health::Health;
use engine::state::AppState;

/// Is the server up and its database reachable.
#[utoipa::path(
    get,
    path = "/health",
    tag = "system",
    responses(
        (status = 200, description = "Server and database are up", body = Health),
        (status = 503, description = "The database is unreachable", body = Health),
    )
)]
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let health = engine::services::health::check(&state.db).await;
    let status = if health.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(health))
}
