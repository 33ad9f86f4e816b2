//! How a call fails instead of hanging: time-outs before the first event and
//! between events, a body that ends early, nothing listening, and a stream
//! dropped by the caller.

use super::upstream::{Reply, Upstream};
use super::{call, call_with, delta_event, failed, policy, provider, request, tight_policy};
use crate::llm::openai::{ApiStyle, LlmErrorKind, LlmEvent, LlmProvider, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// No headers in time, or headers but no event in time: a time-out, not a hang.
#[tokio::test]
async fn first_byte_timeout_covers_headers_and_the_first_event() {
    let replies: [fn() -> Reply; 2] = [
        || Reply::LateHeaders(Duration::from_secs(5)),
        || Reply::Stall(": keep-alive comment, not an event\n\n".into()),
    ];
    for reply in replies {
        // Arrange
        let (upstream, base_url) = Upstream::start(move |_| reply()).await;
        let started = Instant::now();

        // Act
        let events = call_with(tight_policy(), request(&base_url, ApiStyle::Responses)).await;

        // Assert
        assert_eq!(events, failed(LlmErrorKind::Timeout));
        assert!(started.elapsed() < Duration::from_secs(2), "no hang");
        assert_eq!(upstream.requests().len(), 1, "time-outs are not retried");
    }
}

/// A stream that stops sending after a token ends with a time-out after the delta.
#[tokio::test]
async fn idle_timeout_after_a_token() {
    // Arrange
    let (_upstream, base_url) = Upstream::start(|_| Reply::Stall(delta_event("Nine"))).await;

    // Act
    let events = call_with(tight_policy(), request(&base_url, ApiStyle::Responses)).await;

    // Assert
    assert_eq!(
        events,
        vec![
            Ok(LlmEvent::Delta("Nine".into())),
            Err(LlmErrorKind::Timeout.into())
        ]
    );
}

/// A body that ends before `response.completed` is a cut stream.
#[tokio::test]
async fn body_ending_early_is_a_cut_stream() {
    // Arrange
    let (_upstream, base_url) = Upstream::start(|_| Reply::Sse(delta_event("Nine"))).await;

    // Act
    let events = call(request(&base_url, ApiStyle::Responses)).await;

    // Assert
    assert_eq!(
        events,
        vec![
            Ok(LlmEvent::Delta("Nine".into())),
            Err(LlmErrorKind::StreamCut.into())
        ]
    );
}

/// Nothing listening: unreachable, at once.
#[tokio::test]
async fn closed_port_is_unreachable() {
    // Arrange
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let address = listener.local_addr().expect("a local address");
    drop(listener);

    // Act
    let events = call(request(
        &format!("http://{address}/v1"),
        ApiStyle::Responses,
    ))
    .await;

    // Assert
    assert_eq!(events, failed(LlmErrorKind::Unreachable));
}

/// Dropping the stream mid-answer closes the upstream connection.
#[tokio::test]
async fn dropping_the_stream_closes_the_upstream_connection() {
    // Arrange
    let dropped = Arc::new(Notify::new());
    let server_side = Arc::clone(&dropped);
    let (_upstream, base_url) = Upstream::start(move |_| Reply::Pinging {
        first: delta_event("Nine"),
        dropped: Arc::clone(&server_side),
    })
    .await;
    let mut stream = provider(policy()).stream(request(&base_url, ApiStyle::Responses));
    let first = stream.next().await;
    assert_eq!(first, Some(Ok(LlmEvent::Delta("Nine".into()))));

    // Act
    drop(stream);

    // Assert
    tokio::time::timeout(Duration::from_secs(3), dropped.notified())
        .await
        .expect("the upstream saw the connection close");
}
