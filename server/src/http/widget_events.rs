//! `GET /api/v1/widget/events`: the visitor's event stream (SSE; framing in
//! [`super::sse`]).

use super::errors::ApiQuery;
use super::widget::WidgetVisitor;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use contract::AppError;
use contract::error::ErrorBody;
use contract::widget::EventsQuery;
use engine::services::events::{self, Scope};
use engine::services::streams;
use engine::state::AppState;

/// The visitor's events.
#[utoipa::path(
    get,
    path = "/api/v1/widget/events",
    tag = "widget",
    params(EventsQuery),
    responses(
        (status = 200, description = "`text/event-stream`: `message` (a message, at creation and when it ends), `delta` (`{\"message_id\",\"text\"}`), `status`, `typing`, `read`", content_type = "text/event-stream"),
        (status = 401, description = "`invalid_visitor_token`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 409, description = "`consent_required`: the project's privacy notice changed since the visitor accepted it", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many requests from this address", body = ErrorBody),
    ),
    security(("visitor" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    WidgetVisitor(visitor): WidgetVisitor,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Response, AppError> {
    let after = match super::sse::cursor(&headers, query.after) {
        Some(after) => after,
        None => events::last_id(&state.db, &Scope::Visitor(visitor.visitor.id)).await?,
    };
    Ok(super::sse::respond(streams::visitor(
        state,
        visitor.visitor.id,
        after,
    )))
}
