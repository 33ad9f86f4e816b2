//! Server-sent events: the frames, the delta loop with its pauses and faults,
//! and the streamed body that counts how it ended.

use crate::faults::Fault;
use crate::request::Turn;
use crate::script::{StreamGuard, StreamStats};
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// One thing the body does: send bytes, or wait.
#[derive(Debug)]
pub(crate) enum Step {
    Frame(Bytes),
    Pause(Duration),
}

/// `event: <name>\ndata: <json>\n\n` (the Responses API).
pub(crate) fn event(name: &str, data: &Value) -> Step {
    Step::Frame(Bytes::from(format!("event: {name}\ndata: {data}\n\n")))
}

/// `data: <json>\n\n` (Chat Completions).
pub(crate) fn data(data: &Value) -> Step {
    Step::Frame(Bytes::from(format!("data: {data}\n\n")))
}

/// Chat Completions' last frame.
pub(crate) fn done() -> Step {
    Step::Frame(Bytes::from_static(b"data: [DONE]\n\n"))
}

/// The reply cut into deltas: each word with the whitespace after it, so
/// that the deltas concatenate back to the text exactly.
pub(crate) fn words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    let mut after_space = false;
    for (at, c) in text.char_indices() {
        if after_space && !c.is_whitespace() {
            words.push(&text[start..at]);
            start = at;
        }
        after_space = c.is_whitespace();
    }
    if start < text.len() {
        words.push(&text[start..]);
    }
    words
}

/// How a stream stops early because of its fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interruption {
    /// The body just ends.
    Cut,
    /// An error event, then the end.
    Error,
    /// `response.failed` (chat: as `Error`), then the end.
    Failed,
}

/// Pushes one delta per word with the turn's pacing and stall; stops where
/// the turn's fault interrupts the stream and says how.
pub(crate) fn push_deltas(
    steps: &mut Vec<Step>,
    turn: &Turn,
    words: &[&str],
    mut delta: impl FnMut(&str) -> Step,
) -> Option<Interruption> {
    let fault_at = turn
        .fault
        .as_ref()
        .and_then(Fault::after_deltas)
        .map(|after| after.min(words.len()));
    for index in 0..=words.len() {
        if fault_at == Some(index) {
            match turn.fault {
                Some(Fault::StreamCut { .. }) => return Some(Interruption::Cut),
                Some(Fault::StreamError { .. }) => return Some(Interruption::Error),
                Some(Fault::ResponseFailed { .. }) => return Some(Interruption::Failed),
                Some(Fault::Stall { duration, .. }) => steps.push(Step::Pause(duration)),
                _ => {}
            }
        }
        let Some(word) = words.get(index) else {
            break;
        };
        if index > 0 && !turn.delay.is_zero() {
            steps.push(Step::Pause(turn.delay));
        }
        steps.push(delta(word));
    }
    None
}

/// A `text/event-stream` answer that plays the steps; the stream counts as
/// completed when it plays its last step, as cancelled if dropped before.
pub(crate) fn stream(steps: Vec<Step>, stats: Arc<StreamStats>) -> Response {
    let state = (steps.into_iter(), StreamGuard::new(stats));
    let body = futures_util::stream::unfold(state, |(mut steps, mut guard)| async move {
        loop {
            match steps.next() {
                Some(Step::Pause(duration)) => tokio::time::sleep(duration).await,
                Some(Step::Frame(bytes)) => {
                    return Some((Ok::<_, Infallible>(bytes), (steps, guard)));
                }
                None => {
                    guard.finish();
                    return None;
                }
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// A JSON answer to a request without streaming, with the turn's fault:
/// `500` for an error, a body cut halfway, or a late answer for a stall.
pub(crate) async fn json(turn: &Turn, body: Value) -> Response {
    match turn.fault {
        Some(Fault::StreamError { .. } | Fault::ResponseFailed { .. }) => {
            crate::errors::server_error()
        }
        Some(Fault::StreamCut { .. }) => {
            let mut text = body.to_string().into_bytes();
            text.truncate(text.len() / 2);
            ([(header::CONTENT_TYPE, "application/json")], text).into_response()
        }
        Some(Fault::Stall { duration, .. }) => {
            tokio::time::sleep(duration).await;
            axum::Json(body).into_response()
        }
        _ => axum::Json(body).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    /// Deltas keep their spaces, so joining them gives the text back.
    #[test]
    fn words_concatenate_back_to_the_text() {
        for text in ["Hello! How can I help?", "  two  spaces ", "", "один"] {
            assert_eq!(words(text).concat(), text, "{text:?}");
        }
        assert_eq!(words("a b  c"), ["a ", "b  ", "c"]);
    }
}
