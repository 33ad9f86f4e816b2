//! The body each API style sends and the answer it streams back, and the
//! fallback for a provider that refuses `stream_options`.

use super::upstream::{Reply, Upstream};
use super::{call, chat_answer, request, responses_answer};
use crate::llm::Usage;
use crate::llm::openai::{ApiStyle, LlmEvent, LlmRequest, Source};
use serde_json::json;

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
            url: None,
            title: None,
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
