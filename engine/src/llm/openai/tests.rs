//! End-to-end tests of [`OpenAiProvider`] against a tiny scripted upstream on
//! 127.0.0.1:0: request shapes, retries, refusals, time-outs, the
//! `stream_options` fallback and dropping the stream.

mod upstream;

use super::*;
use crate::llm::{Turn, TurnRole, Usage};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;
use upstream::{Reply, Upstream};

/// Roomy time-outs (a busy test machine must not fail the other tests), short retry waits.
fn policy() -> CallPolicy {
    CallPolicy {
        first_byte: Duration::from_secs(10),
        idle: Duration::from_secs(10),
        max_retries: 2,
        max_retry_wait: Duration::from_secs(2),
    }
}

/// Tiny time-outs, for the time-out tests.
fn tight_policy() -> CallPolicy {
    CallPolicy {
        first_byte: Duration::from_millis(200),
        idle: Duration::from_millis(200),
        ..policy()
    }
}

fn provider(policy: CallPolicy) -> OpenAiProvider {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client");
    OpenAiProvider::new(http, policy)
}

fn request(base_url: &str, style: ApiStyle) -> LlmRequest {
    LlmRequest {
        handoff_tool: false,
        base_url: base_url.to_owned(),
        api_key: "sk-test".into(),
        style,
        model: "gpt-test".into(),
        instructions: "Be brief.".into(),
        turns: vec![
            Turn {
                role: TurnRole::User,
                text: "Hi".into(),
            },
            Turn {
                role: TurnRole::Assistant,
                text: "Hello!".into(),
            },
            Turn {
                role: TurnRole::User,
                text: "Hours?".into(),
            },
        ],
        vector_store_ids: vec!["vs_1".into()],
    }
}

fn event(data: Value) -> String {
    let name = data["type"].as_str().unwrap_or_default().to_owned();
    format!("event: {name}\ndata: {data}\n\n")
}

fn delta_event(text: &str) -> String {
    event(json!({"type": "response.output_text.delta", "delta": text}))
}

/// A whole `responses` answer: "Nine to five." citing file-A.
fn responses_answer() -> String {
    [
        event(json!({"type": "response.created", "response": {"status": "in_progress"}})),
        delta_event("Nine to "),
        delta_event("five."),
        event(json!({"type": "response.output_text.annotation.added",
            "annotation": {"type": "file_citation", "file_id": "file-A", "filename": "hours.pdf"}})),
        event(json!({"type": "response.completed", "response": {"status": "completed", "output": [],
            "usage": {"input_tokens": 50, "output_tokens": 4}}})),
    ]
    .concat()
}

/// A whole `chat_completions` answer: "Hi there", with or without a usage chunk.
fn chat_answer(with_usage: bool) -> String {
    let chunk = |content: &str, finish: Value| {
        let data = json!({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]});
        format!("data: {data}\n\n")
    };
    let mut text = [
        chunk("Hi ", Value::Null),
        chunk("there", Value::Null),
        chunk("", json!("stop")),
    ]
    .concat();
    if with_usage {
        text.push_str(
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":2}}\n\n",
        );
    }
    text.push_str("data: [DONE]\n\n");
    text
}

async fn call(request: LlmRequest) -> Vec<Result<LlmEvent, LlmError>> {
    call_with(policy(), request).await
}

async fn call_with(policy: CallPolicy, request: LlmRequest) -> Vec<Result<LlmEvent, LlmError>> {
    provider(policy).stream(request).collect().await
}

fn failed(kind: LlmErrorKind) -> Vec<Result<LlmEvent, LlmError>> {
    vec![Err(kind.into())]
}

/// The `responses` request carries store:false, the instructions, the turns and
/// the file_search tool; the answer streams as deltas then one Completed.
#[tokio::test]
async fn responses_call_sends_the_documented_body_and_streams_the_answer() {
    // Arrange
    let (upstream, base_url) = Upstream::start(|_| Reply::Sse(responses_answer())).await;

    // Act
    let events = call(request(&base_url, ApiStyle::Responses)).await;
    let bare = LlmRequest {
        instructions: String::new(),
        vector_store_ids: vec![],
        ..request(&base_url, ApiStyle::Responses)
    };
    call(bare).await;

    // Assert
    let completed = LlmEvent::Completed {
        handoff: None,
        text: "Nine to five.".into(),
        sources: vec![Source {
            file_id: "file-A".into(),
            filename: Some("hours.pdf".into()),
        }],
        usage: Usage {
            input_tokens: 50,
            output_tokens: 4,
            estimated: false,
        },
    };
    assert_eq!(
        events,
        vec![
            Ok(LlmEvent::Delta("Nine to ".into())),
            Ok(LlmEvent::Delta("five.".into())),
            Ok(completed)
        ]
    );
    let requests = upstream.requests();
    assert_eq!(requests[0].path, "/v1/responses");
    assert_eq!(requests[0].authorization.as_deref(), Some("Bearer sk-test"));
    assert_eq!(
        requests[0].body,
        json!({
            "model": "gpt-test",
            "stream": true,
            "store": false,
            "instructions": "Be brief.",
            "input": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Hours?"}
            ],
            "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]
        })
    );
    assert!(
        requests[1].body.get("tools").is_none(),
        "no tools without vector stores"
    );
    assert!(
        requests[1].body.get("instructions").is_none(),
        "no empty instructions"
    );
}

/// The `chat_completions` request has the system message and stream_options,
/// never the vector stores; the usage chunk gives the counts.
#[tokio::test]
async fn chat_call_sends_the_documented_body_and_streams_the_answer() {
    // Arrange
    let (upstream, base_url) = Upstream::start(|_| Reply::Sse(chat_answer(true))).await;

    // Act
    let events = call(request(&base_url, ApiStyle::ChatCompletions)).await;

    // Assert
    let usage = Usage {
        input_tokens: 20,
        output_tokens: 2,
        estimated: false,
    };
    assert_eq!(
        events,
        vec![
            Ok(LlmEvent::Delta("Hi ".into())),
            Ok(LlmEvent::Delta("there".into())),
            Ok(LlmEvent::Completed {
                handoff: None,
                text: "Hi there".into(),
                sources: vec![],
                usage
            })
        ]
    );
    let requests = upstream.requests();
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert_eq!(requests[0].authorization.as_deref(), Some("Bearer sk-test"));
    assert_eq!(
        requests[0].body,
        json!({
            "model": "gpt-test",
            "stream": true,
            "stream_options": {"include_usage": true},
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Hours?"}
            ]
        })
    );
}

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

/// A provider that refuses `stream_options` gets the request once more without
/// it, and the usage is then estimated.
#[tokio::test]
async fn stream_options_refusal_falls_back_without_them() {
    // Arrange
    let (upstream, base_url) = Upstream::start(|index| match index {
        0 => Reply::Status(
            400,
            vec![],
            r#"{"error":{"message":"Unrecognized request argument supplied: stream_options","type":"invalid_request_error","param":null}}"#,
        ),
        _ => Reply::Sse(chat_answer(false)),
    })
    .await;

    // Act
    let events = call(request(&base_url, ApiStyle::ChatCompletions)).await;

    // Assert
    let requests = upstream.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].body.get("stream_options").is_some());
    assert!(requests[1].body.get("stream_options").is_none());
    // "Be brief." + "Hi" + "Hello!" + "Hours?" = 23 chars → 6; "Hi there" = 8 chars → 2.
    let usage = Usage {
        input_tokens: 6,
        output_tokens: 2,
        estimated: true,
    };
    assert_eq!(
        events.last(),
        Some(&Ok(LlmEvent::Completed {
            handoff: None,
            text: "Hi there".into(),
            sources: vec![],
            usage
        }))
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
