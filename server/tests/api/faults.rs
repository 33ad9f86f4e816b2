//! The fault matrix: whatever the provider does wrong, the visitor gets a
//! short notice in their language (its kind only `ai_unavailable`), the
//! conversation carries the mapped error kind for operators, and nothing the
//! visitor wrote is lost.

use crate::helpers::spawn_app;
use crate::operator_client::Operator;
use crate::widget_client::{Widget, answer, project};
use fake_openai::{FakeOpenAi, Fault};
use serde_json::json;
use std::time::Duration;

/// Every fault of `docs/architecture.md` ("The AI call"), each in a fresh conversation.
#[tokio::test]
async fn every_provider_fault_ends_in_a_notice_and_a_mapped_kind() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({})).await;
    let server_errors = vec![Fault::ServerError, Fault::ServerError, Fault::ServerError];
    let cases: Vec<(Vec<Fault>, &str, &str)> = vec![
        (vec![Fault::InvalidKey], "invalid_api_key", "a refused key"),
        (
            vec![Fault::RegionRefused],
            "region_refused",
            "a region refusal",
        ),
        (
            vec![Fault::RateLimited {
                retry_after_secs: 60,
            }],
            "rate_limited",
            "a 429 longer than we wait",
        ),
        (
            server_errors,
            "upstream_unavailable",
            "5xx after the retries",
        ),
        (
            vec![Fault::Hang(Duration::from_secs(5))],
            "timeout",
            "no first byte in time",
        ),
        (
            vec![Fault::Stall {
                after_deltas: 1,
                duration: Duration::from_secs(5),
            }],
            "timeout",
            "silence between chunks",
        ),
        (
            vec![Fault::StreamCut { after_deltas: 2 }],
            "stream_cut",
            "a cut stream",
        ),
        (
            vec![Fault::StreamError { after_deltas: 1 }],
            "upstream_error",
            "an error event",
        ),
        (
            vec![Fault::ResponseFailed { after_deltas: 0 }],
            "upstream_error",
            "response.failed",
        ),
    ];
    for (faults, kind, why) in cases {
        // Arrange
        for fault in faults {
            fake.fail_next(fault);
        }
        let widget = Widget::open(&app, &id).await;
        let mut events = widget.events(None).await;
        // Act
        let (status, _) = widget.send("Вопрос").await;
        // Assert
        assert_eq!(status, 202, "{why}");
        let frames = events
            .until(|f| f.event == "message" && f.data["role"] == "system")
            .await;
        let notice = &frames.last().expect("notice").data;
        assert_eq!(notice["error_kind"], "ai_unavailable", "{why}");
        assert_eq!(operator_kind(&app, &widget).await, kind, "{why}");
        assert!(
            notice["text"]
                .as_str()
                .expect("text")
                .starts_with("Извините"),
            "{why}: in the visitor's language"
        );
        let stopped = events
            .until(|f| f.event == "typing" && f.data["active"] == false)
            .await;
        assert!(!stopped.is_empty(), "{why}: the AI stops typing");
        let session = Widget::open_with(&app, &id, json!({"visitor_token": widget.token})).await;
        assert_eq!(
            session.session["messages"][0]["text"], "Вопрос",
            "{why}: the visitor's message is kept"
        );
        assert!(
            session.session["messages"]
                .as_array()
                .expect("messages")
                .iter()
                .all(|m| m["error_kind"] != kind),
            "{why}: the session does not name the fault"
        );
    }
}

/// The `error_kind` of the newest system notice of the widget's
/// conversation, as operators read it.
async fn operator_kind(app: &crate::helpers::TestApp, widget: &Widget<'_>) -> String {
    let conversation = widget.session["conversation_id"]
        .as_str()
        .expect("conversation id");
    let (status, detail) = Operator::admin(app).await.conversation(conversation).await;
    assert_eq!(status, 200, "{detail}");
    detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .rev()
        .find(|m| m["role"] == "system")
        .and_then(|m| m["error_kind"].as_str())
        .expect("a notice with a kind")
        .to_owned()
}

/// A stream cut after two words keeps those words on the failed answer.
#[tokio::test]
async fn a_cut_stream_keeps_the_text_it_had() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Alpha beta gamma delta.");
    fake.set_delta_delay(Duration::from_millis(30));
    fake.fail_next(Fault::StreamCut { after_deltas: 2 });
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open_with(&app, &id, json!({"locale": "en-GB"})).await;
    let mut events = widget.events(None).await;
    widget.send("Go").await;
    let frames = events
        .until(|f| f.event == "message" && f.data["role"] == "system")
        .await;
    let failed = frames
        .iter()
        .rev()
        .find(|f| f.event == "message" && f.data["role"] == "ai")
        .expect("the answer");
    assert_eq!(failed.data["status"], "failed");
    assert_eq!(failed.data["text"], "Alpha beta ");
    assert_eq!(failed.data["error_kind"], "ai_unavailable");
    assert_eq!(operator_kind(&app, &widget).await, "stream_cut");
    let notice = &frames.last().expect("notice").data;
    assert!(
        notice["text"].as_str().expect("text").starts_with("Sorry"),
        "English"
    );
}

/// A 429 with a short `retry-after`, before the first token, is retried and answered.
#[tokio::test]
async fn a_short_rate_limit_is_retried() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.fail_next(Fault::RateLimited {
        retry_after_secs: 1,
    });
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    widget.send("Привет").await;
    let frames = events.until_answer().await;
    assert_eq!(answer(&frames)["status"], "complete");
    assert_eq!(fake.requests().len(), 2, "one retry");
}

/// A model or vector store the key does not have is named as such.
#[tokio::test]
async fn unknown_models_and_vector_stores_are_named() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let cases = [
        (json!({"model": "gpt-nonexistent"}), "model_not_found"),
        (
            json!({"vector_store_ids": ["vs_gone"]}),
            "vector_store_not_found",
        ),
    ];
    for (settings, kind) in cases {
        let id = project(&app, &fake, settings).await;
        let widget = Widget::open(&app, &id).await;
        let mut events = widget.events(None).await;
        widget.send("?").await;
        events
            .until(|f| f.event == "message" && f.data["role"] == "system")
            .await;
        assert_eq!(operator_kind(&app, &widget).await, kind);
    }
}
