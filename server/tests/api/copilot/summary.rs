//! The conversation's summary: made by the project's AI when a conversation
//! starts waiting for a human (the visitor asked, the AI handed off) and on
//! an operator's request (`POST …/conversations/{id}/summary`); shown to
//! operators (the conversation, the inbox row, their stream, the visitor's
//! export), never to the visitor.

use crate::helpers::{TestApp, json, wait_until};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, shop};
use engine::db::entities::usage_daily;
use engine::services::copilot::summary::SUMMARY_TASK;
use fake_openai::Fault;
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

const SUMMARY: &str = "Хочет знать срок доставки в Казань; ИИ ответил про два дня.";

/// The summary of `conversation` as an operator reads it.
async fn summary_of(operator: &Operator<'_>, conversation: &str) -> Value {
    let (status, detail) = operator.conversation(conversation).await;
    assert_eq!(status, 200, "{detail}");
    detail["conversation"]["summary"].clone()
}

/// `POST …/summary` as `token`.
async fn summarise(app: &TestApp, conversation: &str, token: &str) -> (u16, Value) {
    json(
        app.authed(
            Method::POST,
            &format!("/api/v1/admin/conversations/{conversation}/summary"),
            token,
        )
        .send()
        .await
        .expect("sent"),
    )
    .await
}

/// Today's AI answers counted for every project.
async fn answers(app: &TestApp) -> i32 {
    usage_daily::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .iter()
        .map(|row| row.ai_messages)
        .sum()
}

/// The visitor asks for a human: the summary is made from the whole
/// conversation with the summary task, and operators see it in the
/// conversation, the inbox row, their stream and the visitor's export; the
/// visitor's stream never carries it.
#[tokio::test]
async fn a_handoff_makes_a_summary_for_operators_only() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    fake.set_task_reply(SUMMARY_TASK, SUMMARY);
    let admin = Operator::admin(&app).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.session["conversation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut visitor_events = widget.events(None).await;
    widget.send("Сколько ехать посылке в Казань?").await;
    visitor_events.until_answer().await;
    let mut operator_events = admin.events(None).await;

    // Act
    let (status, _) = widget.action("handoff").await;
    wait_until("the summary is made", || async {
        summary_of(&admin, &conversation).await == json!(SUMMARY)
    })
    .await;

    // Assert
    assert_eq!(status, 200);
    let seen = operator_events
        .until(|frame| frame.event == "conversation" && frame.data["summary"] == json!(SUMMARY))
        .await;
    assert!(
        seen.iter().all(|frame| frame.event != "summary"),
        "{seen:?}"
    );
    let (_, inbox) = admin.inbox("").await;
    assert_eq!(inbox["items"][0]["summary"], json!(SUMMARY), "{inbox}");
    let request = fake
        .requests()
        .into_iter()
        .filter_map(|request| request.body)
        .find(|body| {
            body["instructions"]
                .as_str()
                .is_some_and(|text| text.contains(SUMMARY_TASK))
        })
        .expect("the summary was asked for");
    let input = request["input"].to_string();
    assert!(
        input.contains("Visitor: Сколько ехать посылке в Казань?"),
        "{input}"
    );
    assert!(request["tools"].is_null(), "no tools: {request}");
    let (_, detail) = admin.conversation(&conversation).await;
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
    assert_eq!(export["conversations"][0]["summary"], json!(SUMMARY));
    let replay = widget.events_since(0).await;
    assert!(!replay.is_empty());
    assert!(
        replay.iter().all(|frame| frame.event != "summary" && !frame.data.to_string().contains("Казань; ИИ")),
        "the visitor's stream carries no summary: {replay:?}"
    );
}

/// The AI hands off: a summary is made as when the visitor asks.
#[tokio::test]
async fn an_ai_handoff_makes_a_summary_too() {
    // Arrange
    let (app, fake, id) = shop(json!({"handoff": {"ai_allowed": true}})).await;
    fake.set_task_reply(SUMMARY_TASK, SUMMARY);
    fake.set_handoff(Some("wants a refund"));
    let admin = Operator::admin(&app).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.session["conversation_id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Act
    widget.send("Верните деньги").await;

    // Assert
    wait_until("the summary is made", || async {
        summary_of(&admin, &conversation).await == json!(SUMMARY)
    })
    .await;
    let (_, detail) = admin.conversation(&conversation).await;
    assert_eq!(detail["conversation"]["status"], "waiting_human");
}

/// An operator makes a summary on demand (counted in the budget); when the
/// provider fails, `502` and the summary before stays; refusals by name.
#[tokio::test]
async fn a_summary_on_demand_replaces_the_one_before_only_when_made() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.session["conversation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut events = widget.events(None).await;
    widget.send("Где мой заказ?").await;
    events.until_answer().await;
    let operator = Operator::member_of(&app, &[&id]).await;
    let token = app.admin_token().await;
    let (_, other) = app.create_project(&token, json!({"name": "Other"})).await;
    let stranger = Operator::member_of(&app, &[other["id"].as_str().expect("id")]).await;
    fake.set_task_reply(SUMMARY_TASK, "Первая сводка.");
    let before = answers(&app).await;

    // Act
    let (made, first) = summarise(&app, &conversation, &operator.token).await;
    let counted = answers(&app).await;
    fake.fail_next(Fault::ServerError);
    fake.fail_next(Fault::ServerError);
    fake.fail_next(Fault::ServerError);
    fake.fail_next(Fault::ServerError);
    let (failed, error) = summarise(&app, &conversation, &operator.token).await;
    fake.set_task_reply(SUMMARY_TASK, "");
    let (empty, nothing) = summarise(&app, &conversation, &operator.token).await;
    let (hidden, _) = summarise(&app, &conversation, &stranger.token).await;

    // Assert
    assert_eq!(made, 200, "{first}");
    assert_eq!(first["summary"], "Первая сводка.");
    assert_eq!(first["id"], json!(conversation));
    assert_eq!(counted, before + 1, "the call counts in the budget");
    assert_eq!(failed, 502, "{error}");
    assert!(
        error["error"]
            .as_str()
            .expect("code")
            .starts_with("upstream_"),
        "{error}"
    );
    assert_eq!(
        (empty, nothing["error"].as_str()),
        (502, Some("upstream_empty_answer")),
        "{nothing}"
    );
    assert_eq!(
        summary_of(&operator, &conversation).await,
        json!("Первая сводка.")
    );
    assert_eq!(hidden, 404);
}
