//! The SSE framing both event streams share: `id:` on every stored event,
//! the cursor from `Last-Event-ID` (a browser's reconnect) or `?after=` (a
//! page reload), a `retry:` hint, a keep-alive comment every 15 s, and
//! `X-Accel-Buffering: no` so that nginx passes frames through at once.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use engine::services::streams::Outgoing;
use futures_util::{Stream, StreamExt as _, stream};
use std::convert::Infallible;
use std::time::Duration;

/// How often an idle stream sends a comment (proxies close silent connections).
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a browser waits before reconnecting.
const RETRY: Duration = Duration::from_secs(3);

/// Where the client's stream resumes: `Last-Event-ID` wins over `?after=`.
#[must_use]
pub fn cursor(headers: &HeaderMap, after: Option<i64>) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok())
        .or(after)
}

/// The response streaming `items`.
pub fn respond(items: impl Stream<Item = Outgoing> + Send + 'static) -> Response {
    let hint = stream::once(async { Ok::<_, Infallible>(Event::default().retry(RETRY)) });
    let frames = items.map(|item| Ok(frame(item)));
    let sse = Sse::new(hint.chain(frames)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE));
    let mut response = sse.into_response();
    response.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}

/// An event of an enum tagged `{"event", "data"}` (the playground's, the
/// suggestion's) as an unnumbered frame named `name`, its `data` as payload.
pub fn tagged(name: &str, event: &impl serde::Serialize) -> Outgoing {
    let data = serde_json::to_value(event)
        .map(|mut tagged| tagged["data"].take())
        .unwrap_or_default();
    Outgoing {
        id: None,
        event: name.to_owned(),
        data,
    }
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
