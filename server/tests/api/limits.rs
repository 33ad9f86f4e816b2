//! The project's limits, from the first release: message length, messages
//! per visitor per minute, conversations per IP per hour, the daily AI
//! budget, and the request body size.

use crate::helpers::{json as read_json, spawn_app};
use crate::widget_client::{Widget, answer, post, project};
use fake_openai::FakeOpenAi;
use serde_json::json;

/// Empty and too long messages are refused with the reason on `text`.
#[tokio::test]
async fn messages_over_the_length_limit_are_refused() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({"limits": {"message_chars": 10}})).await;
    let widget = Widget::open(&app, &id).await;
    let cases = [
        (json!({"text": "   "}), "text", "empty"),
        (
            json!({"text": "Привет, как дела?"}),
            "text",
            "17 characters",
        ),
        (
            json!({"text": "ok", "client_message_id": "x".repeat(65)}),
            "client_message_id",
            "a long id",
        ),
    ];
    for (body, field, why) in cases {
        let (status, answer) = widget.send_body(&body).await;
        assert_eq!(status, 400, "{why}: {answer}");
        assert_eq!(answer["error"], "validation_failed", "{why}");
        assert!(answer["fields"][field].is_string(), "{why}: {answer}");
    }
    let (status, _) = widget.send("Привет!").await;
    assert_eq!(status, 202, "ten characters or fewer pass");
}

/// Past the per-minute limit a visitor gets `429 rate_limited` with `Retry-After`.
#[tokio::test]
async fn a_visitor_over_the_message_rate_gets_429() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({"limits": {"messages_per_minute": 2}})).await;
    let widget = Widget::open(&app, &id).await;
    for text in ["one", "two"] {
        assert_eq!(widget.send(text).await.0, 202);
    }
    let response = post(
        &app,
        "/api/v1/widget/messages",
        Some(&widget.token),
        &json!({"text": "three"}),
    )
    .await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    let (status, body) = read_json(response).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited"))
    );
    assert!((1..=60).contains(&retry_after), "{retry_after}");
}

/// New visitors from one address past the hourly conversation limit get 429.
#[tokio::test]
async fn new_conversations_from_one_address_are_limited() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(
        &app,
        &fake,
        json!({"limits": {"conversations_per_hour": 2}}),
    )
    .await;
    for _ in 0..2 {
        Widget::open(&app, &id).await;
    }
    let response = post(
        &app,
        "/api/v1/widget/session",
        None,
        &json!({"project_id": id}),
    )
    .await;
    assert!(response.headers().contains_key("retry-after"));
    let (status, body) = read_json(response).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("rate_limited"))
    );
}

/// Once today's AI messages are spent the visitor is told so, politely and
/// once, the provider is not called, and a human can still be asked for.
#[tokio::test]
async fn a_spent_daily_budget_gets_a_polite_notice_and_humans_still_answer() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({"limits": {"daily_ai_messages": 1}})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    widget.send("Первый").await;
    events.until_answer().await;
    widget.send("Второй").await;
    let frames = events.until_answer().await;
    let notice = answer(&frames);
    assert_eq!(notice["role"], "system");
    assert_eq!(notice["error_kind"], "budget_exhausted");
    assert!(notice["text"].as_str().expect("text").contains("оператора"));
    widget.send("Третий").await;
    events
        .until(|f| f.event == "typing" && f.data["active"] == false)
        .await;
    assert_eq!(fake.requests().len(), 1, "the provider was called once");
    let session = Widget::open_with(&app, &id, json!({"visitor_token": widget.token})).await;
    let notices = session.session["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["error_kind"] == "budget_exhausted")
        .count();
    assert_eq!(notices, 1, "told once");
    let (status, state) = widget.action("handoff").await;
    assert_eq!(
        (status, state["status"].as_str()),
        (200, Some("waiting_human"))
    );
}

/// The daily token budget counts what the provider reported, and each call
/// first reserves its estimated input plus the answer's cap: the first
/// question (about 23 tokens estimated + 16) fits 50 tokens, the second (the
/// first turn's reported tokens counted, a longer history reserved) does not.
#[tokio::test]
async fn a_spent_token_budget_stops_the_ai() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(
        &app,
        &fake,
        json!({"limits": {"daily_ai_tokens": 50, "max_output_tokens": 16}}),
    )
    .await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    widget.send("Расскажите о доставке подробно").await;
    let first = events.until_answer().await;
    assert_eq!(answer(&first)["status"], "complete");
    widget.send("И ещё").await;
    let second = events.until_answer().await;
    assert_eq!(answer(&second)["error_kind"], "budget_exhausted");
}

/// A body over the limit is refused before anything is stored.
#[tokio::test]
async fn an_oversized_body_is_refused() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let (status, body) = widget.send(&"я".repeat(40_000)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("payload_too_large"))
    );
}
