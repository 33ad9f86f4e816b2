//! The visitor's rating (`docs/copilot.md`, "Ratings"): the widget's "End
//! chat" (`POST /api/v1/widget/close`), `POST /api/v1/widget/rating` for the
//! visitor's latest closed conversation when the project's
//! `widget.rating_after` asks after it, and the rating as operators see it
//! (the conversation, the inbox row, their stream, the visitor's export).

use crate::helpers::{TestApp, json};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, post, shop};
use reqwest::Method;
use serde_json::{Value, json};

/// `POST /api/v1/widget/rating` as `widget`.
async fn rate(widget: &Widget<'_>, body: &Value) -> (u16, Value) {
    json(
        post(
            widget.app,
            "/api/v1/widget/rating",
            Some(&widget.token),
            body,
        )
        .await,
    )
    .await
}

/// The visitor's export, as an admin downloads it.
async fn export(app: &TestApp, admin: &Operator<'_>, conversation: &str) -> Value {
    let (_, detail) = admin.conversation(conversation).await;
    let visitor_id = detail["visitor"]["id"].as_str().expect("visitor id");
    let (status, export) = json(
        app.authed(
            Method::GET,
            &format!("/api/v1/admin/visitors/{visitor_id}/export"),
            &admin.token,
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(status, 200, "{export}");
    export
}

/// The visitor ends the chat and rates it: operators see the rating in the
/// conversation, the inbox row, their stream and the export; a second
/// rating replaces the first; the visitor's stream never carries it.
#[tokio::test]
async fn a_visitor_ends_the_chat_and_rates_it() {
    // Arrange
    let (app, _fake, id) = shop(json!({"widget": {"rating_after": "both"}})).await;
    let admin = Operator::admin(&app).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    let mut visitor_events = widget.events(None).await;
    widget.send("Есть ли доставка в Казань?").await;
    visitor_events.until_answer().await;
    let mut operator_events = admin.events(None).await;

    // Act
    let (closed, state) = widget.action("close").await;
    let (first, rated) = rate(
        &widget,
        &json!({"score": 4, "comment": "  Быстро ответили  "}),
    )
    .await;
    let (second, _) = rate(&widget, &json!({"score": 2})).await;

    // Assert
    assert_eq!(closed, 200, "{state}");
    assert_eq!(state["status"], "closed");
    visitor_events
        .until(|frame| frame.event == "status" && frame.data["status"] == "closed")
        .await;
    assert_eq!(first, 201, "{rated}");
    assert_eq!(rated["conversation_id"], json!(conversation));
    assert_eq!(rated["rating"]["score"], 4);
    assert_eq!(rated["rating"]["comment"], "Быстро ответили");
    assert_eq!(second, 201);
    let (_, detail) = admin.conversation(&conversation).await;
    assert_eq!(detail["conversation"]["status"], "closed");
    assert_eq!(detail["conversation"]["rating"]["score"], 2, "{detail}");
    assert!(
        detail["conversation"]["rating"]["comment"].is_null(),
        "replaced: {detail}"
    );
    assert!(detail["conversation"]["rating"]["created_at"].is_string());
    let (_, inbox) = admin.inbox("").await;
    assert_eq!(inbox["items"][0]["rating"]["score"], 2, "{inbox}");
    operator_events
        .until(|frame| frame.event == "conversation" && frame.data["rating"]["score"] == 2)
        .await;
    let export = export(&app, &admin, &conversation).await;
    assert_eq!(export["conversations"][0]["rating"]["score"], 2, "{export}");
    let replay = widget.events_since(0).await;
    assert!(
        replay
            .iter()
            .all(|frame| frame.event != "summary" && frame.data.get("rating").is_none()),
        "the visitor's stream carries no rating: {replay:?}"
    );
}

/// `widget.rating_after` decides which closed conversations take a rating:
/// `human` (the default) those an operator wrote in, `ai` those the AI alone
/// answered, `never` none.
#[tokio::test]
async fn the_project_decides_after_which_conversations_it_asks() {
    // Arrange
    let (app, _fake, id) = shop(json!({})).await;
    let admin = Operator::admin(&app).await;
    let (_, project) = json(
        app.authed(
            Method::GET,
            &format!("/api/v1/admin/projects/{id}"),
            &admin.token,
        )
        .send()
        .await
        .expect("sent"),
    )
    .await;
    let (_, config) = json(
        app.client
            .get(format!(
                "{}/api/v1/widget/config?project_id={id}",
                app.address
            ))
            .header("origin", crate::widget_client::ORIGIN)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let ai_only = Widget::open(&app, &id).await;
    let mut events = ai_only.events(None).await;
    ai_only.send("Привет").await;
    events.until_answer().await;
    ai_only.action("close").await;
    let helped = Widget::open(&app, &id).await;
    helped.send("Позовите человека").await;
    let conversation = helped.conversation_id();
    admin.action(&conversation, "takeover").await;
    admin.send(&conversation, "Здравствуйте, я Анна.").await;
    admin.action(&conversation, "close").await;

    // Act
    let (ai_status, ai_body) = rate(&ai_only, &json!({"score": 5})).await;
    let (human_status, _) = rate(&helped, &json!({"score": 5})).await;
    let patch = |after: &str| {
        app.authed(
            Method::PATCH,
            &format!("/api/v1/admin/projects/{id}"),
            &admin.token,
        )
        .json(&json!({"widget": {"rating_after": after}}))
        .send()
    };
    assert_eq!(patch("ai").await.expect("sent").status(), 200);
    let (ai_now, _) = rate(&ai_only, &json!({"score": 3})).await;
    let (human_now, _) = rate(&helped, &json!({"score": 3})).await;
    assert_eq!(patch("never").await.expect("sent").status(), 200);
    let (never, _) = rate(&ai_only, &json!({"score": 3})).await;
    let bad = patch("sometimes").await.expect("sent").status();

    // Assert
    assert_eq!(project["widget"]["rating_after"], "human", "{project}");
    assert_eq!(config["rating_after"], "human", "{config}");
    assert_eq!(ai_status, 409);
    assert_eq!(ai_body["error"], "nothing_to_rate");
    assert_eq!(human_status, 201);
    assert_eq!((ai_now, human_now), (201, 409));
    assert_eq!(never, 409);
    assert_eq!(bad, 400);
}

/// A rating needs a closed conversation and a score of 1 to 5; "End chat"
/// needs an open one.
#[tokio::test]
async fn ratings_are_validated_and_need_a_closed_conversation() {
    // Arrange
    let (app, _fake, id) = shop(json!({"widget": {"rating_after": "both"}})).await;
    let widget = Widget::open(&app, &id).await;
    let (early, early_body) = rate(&widget, &json!({"score": 5})).await;
    widget.send("Вопрос").await;
    widget.action("close").await;

    // Act
    let (again, again_body) = widget.action("close").await;
    let (low, low_body) = rate(&widget, &json!({"score": 0})).await;
    let (high, _) = rate(&widget, &json!({"score": 6})).await;
    let long = "д".repeat(engine::services::widget::COMMENT_MAX_CHARS + 1);
    let (wordy, wordy_body) = rate(&widget, &json!({"score": 3, "comment": long})).await;
    let (fine, _) = rate(&widget, &json!({"score": 3, "comment": "ok"})).await;

    // Assert
    assert_eq!(early, 409, "{early_body}");
    assert_eq!(early_body["error"], "nothing_to_rate");
    assert_eq!(again, 409);
    assert_eq!(again_body["error"], "no_conversation");
    assert_eq!(low, 400);
    assert_eq!(low_body["error"], "validation_failed");
    assert!(low_body["fields"]["score"].is_string(), "{low_body}");
    assert_eq!(high, 400);
    assert_eq!(wordy, 400);
    assert!(wordy_body["fields"]["comment"].is_string(), "{wordy_body}");
    assert_eq!(fine, 201);
}
