//! Retries: a 429 is waited for when its `retry-after` fits the policy, 5xx
//! answers are retried a bounded number of times, a refused key is not.

use super::upstream::{Reply, Upstream};
use super::{call, failed, request, responses_answer};
use crate::llm::openai::{ApiStyle, LlmErrorKind, LlmEvent};
use std::time::Duration;
use tokio::time::Instant;

/// A 429 with `retry-after: 1` is waited for and tried again.
#[tokio::test]
async fn rate_limit_with_retry_after_is_retried_then_succeeds() {
    // Arrange
    let (upstream, base_url) = Upstream::start(|index| match index {
        0 => Reply::Status(
            429,
            vec![("retry-after", "1")],
            r#"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#,
        ),
        _ => Reply::Sse(responses_answer()),
    })
    .await;
    let started = Instant::now();

    // Act
    let events = call(request(&base_url, ApiStyle::Responses)).await;

    // Assert
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for retry-after"
    );
    assert_eq!(upstream.requests().len(), 2);
    assert!(
        matches!(events.last(), Some(Ok(LlmEvent::Completed { .. }))),
        "{events:?}"
    );
}

/// A refused key fails at once: retrying cannot help.
#[tokio::test]
async fn invalid_key_fails_without_retry() {
    // Arrange
    let (upstream, base_url) = Upstream::start(|_| {
        Reply::Status(401, vec![], r#"{"error":{"message":"Incorrect API key provided: sk-te***st","code":"invalid_api_key"}}"#)
    })
    .await;

    // Act
    let events = call(request(&base_url, ApiStyle::Responses)).await;

    // Assert
    assert_eq!(events, failed(LlmErrorKind::InvalidKey));
    assert_eq!(upstream.requests().len(), 1);
}

/// A `retry-after` beyond the policy's longest wait fails at once as rate limited.
#[tokio::test]
async fn long_retry_after_gives_up_at_once() {
    // Arrange
    let (upstream, base_url) =
        Upstream::start(|_| Reply::Status(429, vec![("retry-after", "30")], "slow down")).await;
    let started = Instant::now();

    // Act
    let events = call(request(&base_url, ApiStyle::Responses)).await;

    // Assert
    assert_eq!(events, failed(LlmErrorKind::RateLimited));
    assert_eq!(upstream.requests().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// 5xx answers are retried `max_retries` times, then the call is unavailable.
#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    // Arrange
    let (upstream, base_url) = Upstream::start(|_| Reply::Status(503, vec![], "busy")).await;

    // Act
    let events = call(request(&base_url, ApiStyle::ChatCompletions)).await;

    // Assert
    assert_eq!(events, failed(LlmErrorKind::Unavailable));
    assert_eq!(upstream.requests().len(), 3, "one try and two retries");
}
