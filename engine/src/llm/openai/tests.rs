//! End-to-end tests of [`OpenAiProvider`] against a tiny scripted upstream on
//! 127.0.0.1:0: request shapes, retries, refusals, time-outs, the
//! `stream_options` fallback and dropping the stream.
//!
//! # Layout
//! - this file: the requests, the scripted answers and the calls the tests share.
//! - `upstream`: the scripted upstream server.
//! - `requests`: the body of each API style, and the `stream_options` fallback.
//! - `retries`: what is retried (429, 5xx) and what fails at once.
//! - `failures`: time-outs, a cut stream, a closed port, dropping the stream.

mod failures;
mod requests;
mod retries;
mod upstream;

use super::*;
use crate::llm::{Turn, TurnRole};
use serde_json::{Value, json};
use std::time::Duration;

/// Roomy time-outs (a busy test machine must not fail the other tests), short retry waits.
fn policy() -> CallPolicy {
    CallPolicy {
        first_byte: Duration::from_secs(10),
        idle: Duration::from_secs(10),
        max_retries: 2,
        max_retry_wait: Duration::from_secs(2),
        allow_private: true,
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
        max_output_tokens: None,
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

fn event(data: &Value) -> String {
    let name = data["type"].as_str().unwrap_or_default().to_owned();
    format!("event: {name}\ndata: {data}\n\n")
}

fn delta_event(text: &str) -> String {
    event(&json!({"type": "response.output_text.delta", "delta": text}))
}

/// A whole `responses` answer: "Nine to five." citing file-A.
fn responses_answer() -> String {
    [
        event(&json!({"type": "response.created", "response": {"status": "in_progress"}})),
        delta_event("Nine to "),
        delta_event("five."),
        event(&json!({"type": "response.output_text.annotation.added",
            "annotation": {"type": "file_citation", "file_id": "file-A", "filename": "hours.pdf"}})),
        event(&json!({"type": "response.completed", "response": {"status": "completed", "output": [],
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
