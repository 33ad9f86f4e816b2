//! `/api/v1/admin/stats` and `/api/v1/admin/conversations/export.csv`: the
//! owner's numbers of a period, and its conversations for a spreadsheet
//! (`docs/analytics.md`).

use super::errors::{ApiJson, ApiQuery};
use super::session::AuthUser;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use contract::AppError;
use contract::error::ErrorBody;
use contract::stats::{Stats, StatsQuery};
use engine::services::stats;
use engine::state::AppState;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/stats", get(read))
        .route("/api/v1/admin/conversations/export.csv", get(export))
}

/// The figures of a period of days, per day and in all, of one project or
/// of every project the caller may see.
#[utoipa::path(
    get,
    path = "/api/v1/admin/stats",
    tag = "stats",
    params(StatsQuery),
    responses(
        (status = 200, description = "The period's figures", body = Stats),
        (status = 400, description = "`validation_failed` (`from`, `to`)", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn read(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> Result<ApiJson<Stats>, AppError> {
    stats::of_period(&state, &user, &query).await.map(ApiJson)
}

/// The conversations that started in a period, one CSV row each (admins:
/// it holds the visitors' contacts).
#[utoipa::path(
    get,
    path = "/api/v1/admin/conversations/export.csv",
    tag = "stats",
    params(StatsQuery),
    responses(
        (status = 200, description = "`text/csv`, UTF-8, a header row first", content_type = "text/csv", body = String),
        (status = 400, description = "`validation_failed` (`from`, `to`)", body = ErrorBody),
        (status = 401, description = "`invalid_token`", body = ErrorBody),
        (status = 403, description = "`admin_only`", body = ErrorBody),
        (status = 404, description = "`project_not_found`", body = ErrorBody),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> Result<Response, AppError> {
    let (name, body) = stats::export::conversations_csv(&state, &user, &query).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
