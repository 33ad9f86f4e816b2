//! The fake's own tests: real HTTP against a started fake.

use crate::{FakeOpenAi, Fault, VALID_KEY};
use serde_json::{Value, json};
use std::time::Duration;

/// POSTs `body` to `path` under the fake's base URL with the valid key.
async fn post(fake: &FakeOpenAi, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}{path}", fake.base_url))
        .bearer_auth(VALID_KEY)
        .json(&body)
        .send()
        .await
        .expect("request sent")
}

/// The `(event, data)` pairs of a whole SSE body.
async fn frames(response: reqwest::Response) -> Vec<(Option<String>, String)> {
    let text = response.text().await.expect("body read");
    text.split("\n\n")
        .filter(|frame| !frame.is_empty())
        .map(|frame| {
            let field = |name: &str| {
                frame
                    .lines()
                    .find_map(|line| line.strip_prefix(name).map(str::to_owned))
            };
            (field("event: "), field("data: ").expect("a data line"))
        })
        .collect()
}

/// The parsed data of each Responses event, checking `type` and numbering.
async fn events(response: reqwest::Response) -> Vec<Value> {
    let events: Vec<Value> = frames(response)
        .await
        .into_iter()
        .map(|(name, data)| {
            let data: Value = serde_json::from_str(&data).expect("JSON data");
            assert_eq!(name.as_deref(), data["type"].as_str(), "{data}");
            data
        })
        .collect();
    for (expected, event) in events.iter().enumerate() {
        assert_eq!(event["sequence_number"], json!(expected), "{event}");
    }
    events
}

fn deltas(events: &[Value]) -> String {
    events
        .iter()
        .filter(|event| event["type"] == "response.output_text.delta")
        .filter_map(|event| event["delta"].as_str())
        .collect()
}

/// A Responses stream spells the reply word by word and ends with usage.
#[tokio::test]
async fn responses_stream_spells_the_reply_and_completes_with_usage() {
    // Arrange
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Bonjour,  comment ça va ?");
    let request = json!({"model": "gpt-4.1-mini", "input": "say hi", "stream": true});

    // Act
    let response = post(&fake, "/responses", request.clone()).await;

    // Assert
    assert_eq!(response.status(), 200);
    let events = events(response).await;
    assert_eq!(deltas(&events), "Bonjour,  comment ça va ?");
    let last = events.last().expect("events");
    assert_eq!(last["type"], "response.completed");
    assert_eq!(last["response"]["usage"]["input_tokens"], 2);
    assert_eq!(last["response"]["usage"]["output_tokens"], 5);
    assert_eq!(last["response"]["usage"]["total_tokens"], 7);
    let recorded = fake.wait_for_requests(1, Duration::from_secs(1)).await;
    assert_eq!(recorded[0].body, Some(request));
    assert_eq!(fake.completed_streams(), 1);
}

/// A request whose instructions (Responses) or system message (chat)
/// contain a task's phrase gets that task's reply; other requests get the
/// general one.
#[tokio::test]
async fn a_task_is_answered_by_its_own_reply_in_both_styles() {
    // Arrange
    let fake = FakeOpenAi::start().await;
    fake.set_reply("general");
    fake.set_task_reply("Draft the operator's reply", "drafted");
    let responses = json!({"model": "gpt-4.1-mini", "stream": true, "input": "hi",
        "instructions": "Be kind.\n\nDraft the operator's\nreply now."});
    let chat = json!({"model": "gpt-4.1-mini", "stream": true, "messages": [
        {"role": "system", "content": "Draft the operator's reply, please."},
        {"role": "user", "content": "hi"}]});
    let other = json!({"model": "gpt-4.1-mini", "stream": true, "input": [
        {"role": "user", "content": "Draft the operator's reply"}]});

    // Act
    let by_responses = deltas(&events(post(&fake, "/responses", responses).await).await);
    let by_chat = post(&fake, "/chat/completions", chat)
        .await
        .text()
        .await
        .expect("body");
    let untouched = deltas(&events(post(&fake, "/responses", other).await).await);

    // Assert
    assert_eq!(by_responses, "drafted");
    assert!(by_chat.contains("drafted"), "{by_chat}");
    assert!(!by_chat.contains("general"), "{by_chat}");
    assert_eq!(
        untouched, "general",
        "a visitor's words are not instructions"
    );
}

/// A `file_search` request shows the search and cites the scripted files.
#[tokio::test]
async fn responses_cite_the_scripted_files_when_searching() {
    let fake = FakeOpenAi::start().await;
    fake.set_citations(&[("file-1", "faq.pdf")]);
    let tools = json!([{"type": "file_search", "vector_store_ids": ["vs_faq"]}]);
    let request = json!({"model": "gpt-4.1", "input": "prices?", "tools": tools, "stream": true});

    let events = events(post(&fake, "/responses", request).await).await;

    assert_eq!(events[2]["item"]["type"], "file_search_call");
    let cited: Vec<&Value> = events
        .iter()
        .filter(|event| event["type"] == "response.output_text.annotation.added")
        .collect();
    assert_eq!(cited.len(), 1);
    assert_eq!(cited[0]["annotation"]["filename"], "faq.pdf");
}

/// A chat stream asked for usage sends a usage chunk, then `[DONE]`.
#[tokio::test]
async fn chat_stream_ends_with_usage_and_done() {
    let fake = FakeOpenAi::start().await;
    let request = json!({
        "model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "hello there"}]
    });

    let frames = frames(post(&fake, "/chat/completions", request).await).await;

    let data: Vec<&str> = frames.iter().map(|(_, data)| data.as_str()).collect();
    assert_eq!(data.last(), Some(&"[DONE]"));
    let chunks: Vec<Value> = data[..data.len() - 1]
        .iter()
        .map(|data| serde_json::from_str(data).expect("JSON chunk"))
        .collect();
    let text: String = chunks
        .iter()
        .filter_map(|chunk| chunk["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Hello! How can I help you today?");
    let usage = &chunks.last().expect("chunks")["usage"];
    assert_eq!(
        *usage,
        json!({
            "prompt_tokens": 2, "completion_tokens": 7, "total_tokens": 9,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0}
        })
    );
}

/// Unknown models and vector stores are refused as OpenAI refuses them.
#[tokio::test]
async fn unknown_models_and_stores_are_refused() {
    let fake = FakeOpenAi::start().await;
    let cases = [
        (
            "/chat/completions",
            json!({"model": "gpt-9", "messages": []}),
            400,
            "model_not_found",
        ),
        (
            "/responses",
            json!({"model": "gpt-9", "input": "hi"}),
            400,
            "model_not_found",
        ),
        (
            "/responses",
            json!({
                "model": "gpt-4.1", "input": "hi",
                "tools": [{"type": "file_search", "vector_store_ids": ["vs_x"]}]
            }),
            404,
            "Vector store with id 'vs_x' not found.",
        ),
    ];
    for (path, body, status, expected) in cases {
        let response = post(&fake, path, body).await;
        assert_eq!(response.status(), status, "{path} {expected}");
        let error: Value = response.json().await.expect("JSON error");
        let error = &error["error"];
        assert!(
            error["code"] == expected || error["message"] == expected,
            "{error}"
        );
    }
}

/// `StreamCut` ends the body after its deltas, with no completion.
#[tokio::test]
async fn a_cut_stream_ends_without_completion() {
    let fake = FakeOpenAi::start().await;
    fake.fail_next(Fault::StreamCut { after_deltas: 2 });
    let request = json!({"model": "gpt-4.1-mini", "input": "hi", "stream": true});

    let events = events(post(&fake, "/responses", request).await).await;

    assert_eq!(deltas(&events), "Hello! How ");
    assert_eq!(
        events.last().expect("events")["type"],
        "response.output_text.delta"
    );
}

/// A client that drops a stream midway is counted as a cancellation.
#[tokio::test]
async fn a_dropped_stream_counts_as_cancelled() {
    let fake = FakeOpenAi::start().await;
    fake.set_reply(&"word ".repeat(200));
    fake.set_delta_delay(Duration::from_millis(10));
    let request = json!({"model": "gpt-4.1-mini", "messages": [], "stream": true});

    let mut response = post(&fake, "/chat/completions", request).await;
    response.chunk().await.expect("first chunk read");
    drop(response);

    for _ in 0..300 {
        if fake.cancelled_streams() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fake.cancelled_streams(), 1);
    assert_eq!(fake.completed_streams(), 0);
}

/// `POST /embeddings`: one vector per input in order, of the model's
/// dimensions (or fewer when asked), the same text giving the same vector
/// and texts sharing words closer than unrelated ones; OpenAI's refusals
/// (an unknown model, an empty input) and a provider without the route.
#[tokio::test]
async fn embeddings_are_predictable_and_refused_like_openai() {
    let fake = FakeOpenAi::start().await;
    let input = json!([
        "kettle warranty",
        "kettle warranty lasts two years",
        "delivery by courier"
    ]);
    let answer: Value = post(
        &fake,
        "/embeddings",
        json!({"model": "text-embedding-3-small", "input": input, "encoding_format": "float"}),
    )
    .await
    .json()
    .await
    .expect("JSON");
    let vectors: Vec<Vec<f64>> = answer["data"]
        .as_array()
        .expect("data")
        .iter()
        .enumerate()
        .map(|(n, item)| {
            assert_eq!(item["index"], n);
            serde_json::from_value(item["embedding"].clone()).expect("floats")
        })
        .collect();
    assert_eq!(vectors.len(), 3);
    assert!(vectors.iter().all(|vector| vector.len() == 1_536));
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    assert!(
        dot(&vectors[0], &vectors[1]) > 0.5,
        "shared words are close"
    );
    assert!(dot(&vectors[0], &vectors[2]).abs() < 0.2, "others are not");
    assert!(
        answer["usage"]["prompt_tokens"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    let again = crate::embedding("text-embedding-3-small", "kettle warranty", 1_536);
    assert!(
        again
            .iter()
            .zip(&vectors[0])
            .all(|(a, b)| (f64::from(*a) - b).abs() < 1e-6)
    );
    let large: Value = post(
        &fake,
        "/embeddings",
        json!({"model": "text-embedding-3-large", "input": "x"}),
    )
    .await
    .json()
    .await
    .expect("JSON");
    assert_eq!(
        large["data"][0]["embedding"].as_array().map(Vec::len),
        Some(3_072)
    );
    let short: Value = post(
        &fake,
        "/embeddings",
        json!({"model": "text-embedding-3-large", "input": "x", "dimensions": 256}),
    )
    .await
    .json()
    .await
    .expect("JSON");
    assert_eq!(
        short["data"][0]["embedding"].as_array().map(Vec::len),
        Some(256)
    );

    let unknown = post(&fake, "/embeddings", json!({"model": "nope", "input": "x"})).await;
    assert_eq!(
        unknown.status(),
        400,
        "as the fake's other routes refuse it"
    );
    let body: Value = unknown.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "model_not_found");
    let empty = post(
        &fake,
        "/embeddings",
        json!({"model": "text-embedding-3-small", "input": [""]}),
    )
    .await;
    assert_eq!(empty.status(), 400);
    fake.fail_next(Fault::ServerError);
    let failed = post(
        &fake,
        "/embeddings",
        json!({"model": "text-embedding-3-small", "input": "x"}),
    )
    .await;
    assert_eq!(failed.status(), 500);
    fake.set_embeddings(false);
    let missing = post(
        &fake,
        "/embeddings",
        json!({"model": "text-embedding-3-small", "input": "x"}),
    )
    .await;
    assert_eq!(missing.status(), 404);
}
