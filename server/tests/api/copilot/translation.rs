//! Two-way translation (`docs/copilot.md`, "Translation"): an operator who
//! turns it on reads the visitor's messages translated into their language
//! (`POST …/conversations/{id}/translate`) and sends theirs translated
//! (`"translate": true`); translations never reach the visitor, and a
//! failed one sends nothing.

use crate::helpers::{TestApp, json};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, shop};
use engine::services::copilot::translate::TRANSLATION_TASK;
use fake_openai::{FakeOpenAi, Fault};
use reqwest::Method;
use serde_json::{Value, json};

const QUESTION: &str = "Здравствуйте! Подскажите, пожалуйста, когда привезут мой заказ номер 512?";
const QUESTION_IN_ENGLISH: &str = "Hello! Could you tell me when my order 512 will arrive?";
const ANSWER: &str = "Your order arrives tomorrow between 10 and 18.";
const ANSWER_IN_RUSSIAN: &str = "Ваш заказ приедет завтра с 10 до 18.";

/// `POST …/{conversation}/{path}` as `operator`, with `body` when given.
async fn post(
    app: &TestApp,
    operator: &Operator<'_>,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.authed(Method::POST, path, &operator.token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.expect("sent")).await
}

/// The translation calls `fake` got, by their target language.
fn translations_into(fake: &FakeOpenAi, language: &str) -> usize {
    let task = format!("{TRANSLATION_TASK} {language}.");
    fake.requests()
        .into_iter()
        .filter_map(|request| request.body)
        .filter(|body| body.to_string().contains(&task))
        .count()
}

/// A Russian-speaking visitor who asked [`QUESTION`] and got the AI's
/// answer, and the admin (English) with translation on.
async fn conversation(app: &TestApp) -> (Operator<'_>, Widget<'_>, String) {
    let admin = Operator::admin(app).await;
    let (status, settings) = json(
        app.authed(
            Method::PATCH,
            "/api/v1/admin/me/notifications",
            &admin.token,
        )
        .json(&json!({"translate": true}))
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["translate"], true);
    assert_eq!(settings["locale"], "en");
    let widget = Widget::open(app, &widget_project(app).await).await;
    let id = widget.session["conversation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut events = widget.events(None).await;
    widget
        .send_body(&json!({"text": QUESTION, "client_message_id": "q-1"}))
        .await;
    events.until_answer().await;
    (admin, widget, id)
}

/// The id of the project `shop` made (the only one).
async fn widget_project(app: &TestApp) -> String {
    let token = app.admin_token().await;
    let (_, projects) = json(
        app.authed(Method::GET, "/api/v1/admin/projects", &token)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    projects["items"][0]["id"].as_str().expect("id").to_owned()
}

/// The operator reads the visitor's message translated into English; a
/// second request calls nothing; the visitor's session and stream never
/// carry the translation.
#[tokio::test]
async fn an_operator_reads_the_visitor_in_their_own_language() {
    // Arrange
    let (app, fake, _) = shop(json!({})).await;
    fake.set_task_reply(TRANSLATION_TASK, QUESTION_IN_ENGLISH);
    let (admin, widget, id) = conversation(&app).await;
    let path = format!("/api/v1/admin/conversations/{id}/translate");

    // Act
    let (status, detail) = post(&app, &admin, &path, None).await;
    let calls = translations_into(&fake, "English");
    let (again, _) = post(&app, &admin, &path, None).await;
    let (retried_status, retried) = widget
        .send_body(&json!({"text": QUESTION, "client_message_id": "q-1"}))
        .await;

    // Assert
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["visitor_language"], "ru", "{detail}");
    let question = &detail["messages"][0];
    assert_eq!(question["text"], QUESTION);
    assert_eq!(question["translation"], QUESTION_IN_ENGLISH, "{detail}");
    assert!(
        detail["messages"][1]["translation"].is_null(),
        "only the visitor's: {detail}"
    );
    assert_eq!(calls, 1);
    assert_eq!(again, 200);
    assert_eq!(
        translations_into(&fake, "English"),
        1,
        "stored, not asked again"
    );
    let (_, read) = admin.conversation(&id).await;
    assert_eq!(read["messages"][0]["translation"], QUESTION_IN_ENGLISH);
    assert_eq!(retried_status, 202, "{retried}");
    assert_eq!(
        retried["message"]["id"], question["id"],
        "a retry answers the stored message"
    );
    assert!(
        retried["message"].get("translation").is_none(),
        "the retry's answer carries no translation: {retried}"
    );
    let session = Widget::open_with(
        &app,
        &widget_project(&app).await,
        json!({"visitor_token": widget.token}),
    )
    .await;
    assert!(
        !session.session.to_string().contains(QUESTION_IN_ENGLISH),
        "the visitor's session carries no translation: {}",
        session.session
    );
    let replay = widget.events_since(0).await;
    assert!(
        replay
            .iter()
            .all(|frame| frame.data.get("translation").is_none()
                && !frame.data.to_string().contains(QUESTION_IN_ENGLISH)),
        "the visitor's stream carries no translation: {replay:?}"
    );
}

/// The operator writes English and sends it translated: the visitor reads
/// Russian, the operator keeps what they wrote.
#[tokio::test]
async fn an_operator_sends_in_the_visitors_language() {
    // Arrange
    let (app, fake, _) = shop(json!({})).await;
    fake.set_task_reply(TRANSLATION_TASK, ANSWER_IN_RUSSIAN);
    let (admin, widget, id) = conversation(&app).await;
    let mut visitor_events = widget.events(None).await;

    // Act
    let (status, sent) = admin
        .send_body(&id, &json!({"text": ANSWER, "translate": true}))
        .await;

    // Assert
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["message"]["text"], ANSWER_IN_RUSSIAN);
    assert_eq!(sent["message"]["translation"], ANSWER);
    assert_eq!(translations_into(&fake, "Russian"), 1);
    let frames = visitor_events
        .until(|frame| frame.event == "message" && frame.data["role"] == "operator")
        .await;
    let received = frames.last().expect("the operator's message");
    assert_eq!(received.data["text"], ANSWER_IN_RUSSIAN);
    assert!(received.data.get("translation").is_none(), "{received:?}");
    let (_, detail) = admin.conversation(&id).await;
    let stored = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|message| message["role"] == "operator")
        .expect("stored");
    assert_eq!(stored["translation"], ANSWER, "both versions are stored");
}

/// A translation that fails answers `502` and sends nothing.
#[tokio::test]
async fn a_failed_translation_sends_nothing() {
    // Arrange
    let (app, fake, _) = shop(json!({})).await;
    let (admin, _widget, id) = conversation(&app).await;
    let (_, before) = admin.conversation(&id).await;
    for _ in 0..4 {
        fake.fail_next(Fault::ServerError);
    }

    // Act
    let (status, error) = admin
        .send_body(&id, &json!({"text": ANSWER, "translate": true}))
        .await;

    // Assert
    assert_eq!(status, 502, "{error}");
    assert!(
        error["error"]
            .as_str()
            .expect("code")
            .starts_with("upstream_"),
        "{error}"
    );
    let (_, after) = admin.conversation(&id).await;
    assert_eq!(after["messages"], before["messages"], "nothing was sent");
    assert_eq!(
        after["conversation"]["status"],
        before["conversation"]["status"]
    );
}
