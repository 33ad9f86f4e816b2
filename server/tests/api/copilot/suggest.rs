//! `POST /api/v1/admin/conversations/{id}/suggest`: the project's AI drafts
//! the operator's next reply from the whole conversation; the draft streams
//! to the operator only, nothing is stored, and it counts in the budget.

use crate::helpers::{TestApp, json};
use crate::operator_client::Operator;
use crate::widget_client::{Frame, Widget, post_stream_frames, shop};
use engine::db::entities::{events, messages, usage_daily};
use engine::services::copilot::suggest::SUGGESTION_TASK;
use fake_openai::Fault;
use reqwest::Method;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

/// `POST …/suggest` as `token`.
async fn suggest(app: &TestApp, conversation: &str, token: &str) -> reqwest::Response {
    app.authed(
        Method::POST,
        &format!("/api/v1/admin/conversations/{conversation}/suggest"),
        token,
    )
    .send()
    .await
    .expect("sent")
}

/// The frames of a suggestion up to its `suggestion` or `error`.
async fn frames(response: reqwest::Response) -> Vec<Frame> {
    post_stream_frames(response, "suggestion").await
}

/// The text of the `delta` frames.
fn streamed(frames: &[Frame]) -> String {
    frames
        .iter()
        .filter(|frame| frame.event == "delta")
        .map(|frame| frame.data["text"].as_str().expect("text"))
        .collect()
}

/// How many messages and events are stored, and today's AI answers counted.
async fn stored(app: &TestApp) -> (u64, u64, i32) {
    let messages = messages::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    let events = events::Entity::find().count(&app.db).await.expect("count");
    let answers = usage_daily::Entity::find()
        .all(&app.db)
        .await
        .expect("query")
        .iter()
        .map(|row| row.ai_messages)
        .sum();
    (messages, events, answers)
}

/// A conversation where the visitor asked, the AI answered, and the admin
/// took over and wrote: its id.
async fn conversation_with_an_operator(app: &TestApp, project_id: &str) -> String {
    let widget = Widget::open(app, project_id).await;
    let conversation = widget.session["conversation_id"]
        .as_str()
        .expect("conversation id")
        .to_owned();
    let mut events = widget.events(None).await;
    widget.send("Сколько стоит доставка в Казань?").await;
    events.until_answer().await;
    let admin = Operator::admin(app).await;
    let (status, sent) = admin.send(&conversation, "Сейчас уточню.").await;
    assert_eq!(status, 201, "{sent}");
    conversation
}

/// The draft streams as `delta`s and ends with the whole `suggestion`; the
/// AI was asked with the project's instructions and the task, the knowledge
/// base, and every turn (the operator's marked as a human's), without the
/// handoff tool; nothing is stored or sent to the visitor; one answer is
/// counted in today's budget.
#[tokio::test]
async fn a_suggestion_streams_to_the_operator_and_stores_nothing() {
    // Arrange
    let (app, fake, id) =
        shop(json!({"vector_store_ids": ["vs_prices"], "handoff": {"ai_allowed": true}})).await;
    let conversation = conversation_with_an_operator(&app, &id).await;
    fake.set_task_reply(SUGGESTION_TASK, "Доставка в Казань стоит 300 ₽.");
    let operator = Operator::member_of(&app, &[&id]).await;
    let before = stored(&app).await;

    // Act
    let frames = frames(suggest(&app, &conversation, &operator.token).await).await;

    // Assert
    assert_eq!(streamed(&frames), "Доставка в Казань стоит 300 ₽.");
    let last = frames.last().expect("a frame");
    assert_eq!(last.event, "suggestion", "{frames:?}");
    assert_eq!(last.data, json!({"text": "Доставка в Казань стоит 300 ₽."}));
    let request = fake
        .requests()
        .into_iter()
        .rfind(|request| request.path == "/v1/responses")
        .and_then(|request| request.body)
        .expect("the AI was asked");
    let instructions = request["instructions"].as_str().expect("instructions");
    assert!(
        instructions.starts_with("You are the shop's assistant."),
        "{instructions}"
    );
    assert!(instructions.contains(SUGGESTION_TASK), "{instructions}");
    let input = request["input"].to_string();
    assert!(
        input.contains("Сколько стоит доставка в Казань?"),
        "{input}"
    );
    assert!(
        input.contains("[Written by a human operator, Administrator]: Сейчас уточню."),
        "{input}"
    );
    let tools = request["tools"].to_string();
    assert!(
        tools.contains("vs_prices"),
        "the knowledge base is searched: {tools}"
    );
    assert!(!tools.contains("handoff_to_human"), "{tools}");
    let after = stored(&app).await;
    assert_eq!(
        (after.0, after.1),
        (before.0, before.1),
        "no message, no event"
    );
    assert_eq!(after.2, before.2 + 1, "one AI answer counted");
}

/// A project on Chat Completions gets its suggestion the same way.
#[tokio::test]
async fn a_chat_completions_project_suggests_too() {
    // Arrange
    let (app, fake, id) = shop(json!({"api_style": "chat_completions"})).await;
    let conversation = conversation_with_an_operator(&app, &id).await;
    fake.set_task_reply(SUGGESTION_TASK, "300 ₽.");
    let admin = Operator::admin(&app).await;

    // Act
    let frames = frames(suggest(&app, &conversation, &admin.token).await).await;

    // Assert
    assert_eq!(
        frames.last().expect("a frame").data,
        json!({"text": "300 ₽."})
    );
    let request = fake
        .requests()
        .pop()
        .and_then(|request| request.body)
        .expect("asked");
    assert_eq!(request["messages"][0]["role"], "system");
    assert!(
        request["messages"][0]["content"]
            .as_str()
            .expect("text")
            .contains(SUGGESTION_TASK)
    );
}

/// A provider failing mid-draft is an `error` event and stores nothing; the
/// part that streamed was paid for, so the call counts in the budget.
#[tokio::test]
async fn a_failed_suggestion_is_an_error_event_and_changes_nothing() {
    // Arrange
    let (app, fake, id) = shop(json!({})).await;
    let conversation = conversation_with_an_operator(&app, &id).await;
    fake.set_task_reply(SUGGESTION_TASK, "one two three four five");
    let admin = Operator::admin(&app).await;
    let before = stored(&app).await;
    fake.fail_next(Fault::StreamError { after_deltas: 2 });

    // Act
    let frames = frames(suggest(&app, &conversation, &admin.token).await).await;

    // Assert
    assert_eq!(streamed(&frames), "one two ");
    let last = frames.last().expect("a frame");
    assert_eq!(last.event, "error", "{frames:?}");
    assert!(
        last.data["error"]
            .as_str()
            .expect("code")
            .starts_with("upstream_"),
        "{last:?}"
    );
    assert!(
        last.data["message"]
            .as_str()
            .is_some_and(|text| !text.is_empty())
    );
    let after = stored(&app).await;
    assert_eq!(
        (after.0, after.1),
        (before.0, before.1),
        "no message, no event"
    );
    assert_eq!(after.2, before.2 + 1, "the part streamed counts");
}

/// Refused before anything streams: a conversation the operator does not
/// see, a project without a key, a spent budget.
#[tokio::test]
async fn suggestions_are_refused_without_access_a_key_or_a_budget() {
    // Arrange
    let (app, fake, id) = shop(json!({"limits": {"daily_ai_messages": 1}})).await;
    let conversation = conversation_with_an_operator(&app, &id).await;
    let token = app.admin_token().await;
    let (_, other) = app.create_project(&token, json!({"name": "Other"})).await;
    let stranger = Operator::member_of(&app, &[other["id"].as_str().expect("id")]).await;
    let admin = Operator::admin(&app).await;

    // Act
    let (hidden, not_found) = json(suggest(&app, &conversation, &stranger.token).await).await;
    let (spent, budget) = json(suggest(&app, &conversation, &admin.token).await).await;
    let (status, _) = json(
        app.authed(
            Method::PATCH,
            &format!("/api/v1/admin/projects/{id}"),
            &token,
        )
        .json(&json!({"openai_api_key": null}))
        .send()
        .await
        .expect("sent"),
    )
    .await;
    let (keyless, no_key) = json(suggest(&app, &conversation, &admin.token).await).await;

    // Assert
    assert_eq!(hidden, 404);
    assert_eq!(not_found["error"], "conversation_not_found");
    assert_eq!(
        (spent, budget["error"].as_str()),
        (409, Some("ai_budget_spent")),
        "{budget}"
    );
    assert_eq!(status, 200, "the key was removed");
    assert_eq!(
        (keyless, no_key["error"].as_str()),
        (409, Some("no_api_key")),
        "{no_key}"
    );
    let asked = fake
        .requests()
        .iter()
        .filter(|request| {
            request
                .body
                .as_ref()
                .is_some_and(|body: &Value| body.to_string().contains(SUGGESTION_TASK))
        })
        .count();
    assert_eq!(asked, 0, "no refused suggestion reached the provider");
}
