//! `GET /api/v1/widget/events`: the visitor's event stream (SSE), with `id:`
//! on every stored event, replay after `Last-Event-ID` or `?after=`, a
//! keep-alive comment every 15 s and a `retry:` hint.

use super::errors::ApiQuery;
use super::widget::WidgetVisitor;
use app::AppError;
use app::error::ErrorBody;
use app::services::events::{self, Scope};
use app::services::streams::{self, Outgoing};
use app::state::AppState;
use app::widget::EventsQuery;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt as _, stream};
use std::convert::Infallible;
use std::time::Duration;

/// How often an idle stream sends a comment (proxies close silent connections).
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting.
const RETRY: Duration = Duration::from_secs(3);

/// The visitor's events.
#[utoipa::path(
    get,
    path = "/api/v1/widget/events",
    tag = "widget",
    params(EventsQuery),
    responses(
        (status = 200, description = "`text/event-stream`: `message` (a message, at creation and when it ends), `delta` (`{\"message_id\",\"text\"}`), `status`, `typing`", content_type = "text/event-stream"),
        (status = 401, description = "`invalid_visitor_token`", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
    ),
    security(("visitor" = []))
)]
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    WidgetVisitor(visitor): WidgetVisitor,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> Result<Response, AppError> {
    let scope = Scope::Visitor(visitor.visitor.id);
    let after = match last_event_id(&headers).or(query.after) {
        Some(after) => after,
        None => events::last_id(&state.db, &scope).await?,
    };
    let hint = stream::once(async { Ok::<_, Infallible>(Event::default().retry(RETRY)) });
    let frames = streams::visitor(state, visitor.visitor.id, after).map(|item| Ok(frame(item)));
    let sse = Sse::new(hint.chain(frames)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE));
    let mut response = sse.into_response();
    response.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    Ok(response)
}

fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("last-event-id")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn frame(item: Outgoing) -> Event {
    let event = Event::default()
        .event(item.event)
        .data(item.data.to_string());
    match item.id {
        Some(id) => event.id(id.to_string()),
        None => event,
    }
}
