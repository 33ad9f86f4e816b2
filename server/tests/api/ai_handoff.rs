//! The AI hands off by itself: offered a `handoff_to_human` function tool
//! when the project allows it, in both API styles; the conversation then
//! waits for a human with the AI's reason for the operator; after a release
//! the AI's earlier handoff is not replayed to it.

use crate::helpers::spawn_app;
use crate::operator_client::Operator;
use crate::widget_client::{Widget, project};
use fake_openai::FakeOpenAi;
use serde_json::{Value, json};
use std::time::Duration;

fn offers_handoff(body: &Value) -> bool {
    body["tools"].as_array().is_some_and(|tools| {
        tools.iter().any(|tool| {
            tool["name"] == "handoff_to_human" || tool["function"]["name"] == "handoff_to_human"
        })
    })
}

async fn hands_off_in(style: &str, reply: &str) {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply(reply);
    fake.set_handoff(Some("возврат денег: нужен человек"));
    let id = project(&app, &fake, json!({"api_style": style})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.session["conversation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut events = widget.events(None).await;
    widget
        .send("Верните деньги, хочу поговорить с человеком")
        .await;
    let frames = events
        .until(|f| f.event == "status" && f.data["status"] == "waiting_human")
        .await;
    assert_eq!(
        frames.last().expect("status").data["reason"],
        "ai",
        "who asked, not why"
    );
    // A message may be sent twice (a replay sends it as it is by then): one per id.
    let mut texts: Vec<(&str, &str)> = frames
        .iter()
        .filter(|f| {
            f.event == "message" && f.data["role"] == "ai" && f.data["status"] == "complete"
        })
        .map(|f| {
            let field = |name: &str| f.data[name].as_str().unwrap_or_default();
            (field("id"), field("text"))
        })
        .collect();
    texts.dedup();
    let texts: Vec<&str> = texts.into_iter().map(|(_, text)| text).collect();
    let expected: Vec<&str> = if reply.is_empty() {
        vec![]
    } else {
        vec![reply]
    };
    assert_eq!(texts, expected);
    let first = fake.wait_for_requests(1, Duration::from_secs(5)).await;
    assert!(
        offers_handoff(first[0].body.as_ref().expect("body")),
        "{style}: tool offered"
    );

    let operator = Operator::admin(&app).await;
    let (_, detail) = operator.conversation(&conversation).await;
    assert_eq!(detail["conversation"]["status"], "waiting_human");
    assert_eq!(
        detail["conversation"]["handoff_reason"],
        "возврат денег: нужен человек"
    );

    // An operator answers and hands back; the AI then answers without
    // seeing its own earlier handoff, and does not hand off again.
    operator.send(&conversation, "Оформил возврат.").await;
    operator.action(&conversation, "release").await;
    fake.set_handoff(None);
    fake.set_reply("Рад помочь!");
    widget.send("Спасибо").await;
    let frames = events.until_answer().await;
    assert_eq!(crate::widget_client::answer(&frames)["text"], "Рад помочь!");
    fake.wait_for_requests(3, Duration::from_secs(5)).await;
    let requests = crate::widget_client::answer_requests(&fake);
    assert_eq!(requests.len(), 2, "two answers (and the handoff's summary)");
    let second = serde_json::to_string(&requests[1].body).expect("body");
    assert!(
        second.contains("Оформил возврат."),
        "the operator's turn is replayed"
    );
    assert!(!second.contains("function_call") && !second.contains("tool_calls"));
    let (_, after) = operator.conversation(&conversation).await;
    assert_eq!(after["conversation"]["status"], "ai");
}

/// Responses: text, then the function call.
#[tokio::test]
async fn the_ai_hands_off_with_the_responses_api() {
    hands_off_in("responses", "Сейчас позову оператора.").await;
}

/// Chat Completions: a tool call alone, no text.
#[tokio::test]
async fn the_ai_hands_off_with_chat_completions() {
    hands_off_in("chat_completions", "").await;
}

/// A project that does not allow it offers no tool, and the AI keeps the conversation.
#[tokio::test]
async fn no_tool_when_the_project_does_not_allow_it() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_handoff(Some("would hand off"));
    let id = project(&app, &fake, json!({"handoff": {"ai_allowed": false}})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    widget.send("Позовите человека").await;
    let frames = events.until_answer().await;
    assert!(frames.iter().all(|f| f.event != "status"));
    let requests = fake.wait_for_requests(1, Duration::from_secs(5)).await;
    assert!(!offers_handoff(requests[0].body.as_ref().expect("body")));
}
