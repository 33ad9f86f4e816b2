//! Consent before storage: with a privacy notice set, nothing about a visitor
//! is stored until they accept its current version, and the consent (version,
//! time) is stored with them. Without a notice, sessions are as before.

use crate::helpers::{TestApp, json};
use crate::widget_client::{Widget, post, shop};
use engine::db::entities::{conversations, events, messages, visitors};
use reqwest::Method;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const NOTICE: &str = "Мы храним переписку {retention} и обрабатываем данные по 152-ФЗ.";

/// Rows in every table a session or a message writes: visitors,
/// conversations, messages, events.
async fn rows(app: &TestApp) -> [u64; 4] {
    let db = &app.db;
    [
        visitors::Entity::find().count(db).await.expect("count"),
        conversations::Entity::find()
            .count(db)
            .await
            .expect("count"),
        messages::Entity::find().count(db).await.expect("count"),
        events::Entity::find().count(db).await.expect("count"),
    ]
}

/// `GET /api/v1/widget/config` from the allowed origin.
async fn config(app: &TestApp, id: &str) -> Value {
    let response = app
        .client
        .get(format!(
            "{}/api/v1/widget/config?project_id={id}",
            app.address
        ))
        .header("origin", crate::widget_client::ORIGIN)
        .send()
        .await
        .expect("sent");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// `POST /api/v1/widget/session` with `body` merged into the project id.
async fn session(app: &TestApp, id: &str, body: Value) -> (u16, Value) {
    let mut request =
        json!({"project_id": id, "locale": "ru-RU", "page_url": "https://shop.example/cart"});
    if let (Some(request), Some(body)) = (request.as_object_mut(), body.as_object()) {
        request.extend(body.clone());
    }
    json(post(app, "/api/v1/widget/session", None, &request).await).await
}

async fn set_notice(app: &TestApp, id: &str, changes: Value) {
    let token = app.admin_token().await;
    let (status, body) = json(
        app.authed(
            Method::PATCH,
            &format!("/api/v1/admin/projects/{id}"),
            &token,
        )
        .json(&changes)
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The config carries the notice as the visitor reads it (the retention
/// placeholder replaced, in the notice's language) and a version of that
/// text; a project without a notice has `null` for both.
#[tokio::test]
async fn config_shows_the_notice_with_its_retention_and_version() {
    // Arrange
    let (app, _fake, id) =
        shop(json!({"retention_days": 30, "widget": {"privacy_notice": NOTICE}})).await;
    let plain_fake = fake_openai::FakeOpenAi::start().await;
    let plain = crate::widget_client::project(&app, &plain_fake, json!({})).await;

    // Act
    let with = config(&app, &id).await;
    let without = config(&app, &plain).await;

    // Assert
    assert_eq!(
        with["privacy_notice"],
        "Мы храним переписку 30 дней и обрабатываем данные по 152-ФЗ."
    );
    let version = with["privacy_notice_version"].as_str().expect("a version");
    assert_eq!(version.len(), 16, "{version}");
    assert_eq!(
        config(&app, &id).await["privacy_notice_version"],
        version,
        "stable"
    );
    assert_eq!(without["privacy_notice"], Value::Null);
    assert_eq!(without["privacy_notice_version"], Value::Null);

    // Unlimited retention reads as words, in English for an English notice,
    // and makes another version.
    set_notice(
        &app,
        &id,
        json!({"retention_days": null, "widget": {"privacy_notice": "Conversations are kept {retention}."}}),
    )
    .await;
    let english = config(&app, &id).await;
    assert_eq!(
        english["privacy_notice"],
        "Conversations are kept until deleted on request."
    );
    assert_ne!(english["privacy_notice_version"], version);
}

/// With a notice, a session without consent (none, or a wrong version) is
/// `409 consent_required` and stores nothing: no visitor, no conversation,
/// no message, no event.
#[tokio::test]
async fn a_session_without_consent_stores_nothing() {
    // Arrange
    let (app, _fake, id) = shop(json!({"widget": {"privacy_notice": NOTICE}})).await;
    let before = rows(&app).await;

    for (body, why) in [
        (json!({}), "no consent"),
        (json!({"consent_version": null}), "a null consent"),
        (
            json!({"consent_version": "0123456789abcdef"}),
            "another version",
        ),
        (json!({"consent_version": ""}), "an empty version"),
    ] {
        // Act
        let (status, answer) = session(&app, &id, body).await;

        // Assert
        assert_eq!(status, 409, "{why}: {answer}");
        assert_eq!(answer["error"], "consent_required", "{why}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(rows(&app).await, before, "{why}: nothing stored");
    }
    assert_eq!(before, [0, 0, 0, 0]);
}

/// The current version as `consent_version` opens the session and stores
/// the consent (version and time) with the visitor; the returning visitor
/// needs no consent in the request, and their consent keeps its time.
#[tokio::test]
async fn a_session_with_consent_stores_it_with_the_visitor() {
    // Arrange
    let (app, _fake, id) = shop(json!({"widget": {"privacy_notice": NOTICE}})).await;
    let version = config(&app, &id).await["privacy_notice_version"]
        .as_str()
        .expect("version")
        .to_owned();

    // Act
    let (status, opened) = session(&app, &id, json!({"consent_version": version})).await;

    // Assert
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["config"]["privacy_notice_version"], version.as_str());
    let visitor = only_visitor(&app).await;
    assert_eq!(visitor.consent_version.as_deref(), Some(version.as_str()));
    let consented_at = visitor.consent_at.expect("consent time");
    assert!((chrono::Utc::now() - consented_at).num_seconds() < 60);

    // The returning visitor: their token is enough, and the consent keeps its time.
    let token = opened["visitor_token"].as_str().expect("token");
    let (status, again) = session(&app, &id, json!({"visitor_token": token})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["conversation_id"], opened["conversation_id"]);
    let (status, repeated) = session(
        &app,
        &id,
        json!({"visitor_token": token, "consent_version": version}),
    )
    .await;
    assert_eq!(status, 200, "{repeated}");
    assert_eq!(only_visitor(&app).await.consent_at, Some(consented_at));

    // They can write.
    let widget = Widget {
        app: &app,
        token: token.to_owned(),
        session: opened.clone(),
    };
    let (status, sent) = widget.send("Здравствуйте").await;
    assert_eq!(status, 202, "{sent}");
}

/// A changed notice asks again: the returning visitor's session, and their
/// messages, are `409 consent_required` and nothing of theirs changes until
/// they accept the new version, which is then stored with its time.
#[tokio::test]
async fn a_changed_notice_asks_the_returning_visitor_again() {
    // Arrange: a visitor who accepted the first text and wrote once.
    let (app, _fake, id) = shop(json!({"widget": {"privacy_notice": NOTICE}})).await;
    let first = config(&app, &id).await["privacy_notice_version"].clone();
    let (status, opened) = session(&app, &id, json!({"consent_version": first})).await;
    assert_eq!(status, 200, "{opened}");
    let token = opened["visitor_token"].as_str().expect("token").to_owned();
    let widget = Widget {
        app: &app,
        token: token.clone(),
        session: opened.clone(),
    };
    let mut stream = widget.events(None).await;
    let (status, sent) = widget.send("Первый вопрос").await;
    assert_eq!(status, 202, "{sent}");
    // The answer ends before anything is counted: its events are no change of ours.
    stream.until_answer().await;
    let visitor = only_visitor(&app).await;

    // Act: the site owner changes the text (here: the retention it shows).
    set_notice(&app, &id, json!({"retention_days": 90})).await;
    let second = config(&app, &id).await["privacy_notice_version"].clone();
    assert_ne!(second, first, "a changed text is a new version");
    let before = rows(&app).await;

    // Assert: asked again, with the old consent or none; nothing stored meanwhile.
    for body in [
        json!({"visitor_token": token}),
        json!({"visitor_token": token, "consent_version": first}),
    ] {
        let (status, answer) = session(&app, &id, body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (409, Some("consent_required")),
            "{answer}"
        );
    }
    let (status, refused) = widget.send("Второй вопрос").await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (409, Some("consent_required")),
        "{refused}"
    );
    assert_eq!(widget.action("handoff").await.0, 409);
    assert_eq!(rows(&app).await, before, "nothing stored meanwhile");
    assert_eq!(
        only_visitor(&app).await,
        visitor,
        "the visitor row is untouched"
    );

    // Accepting the new text resumes the same conversation.
    let (status, resumed) = session(
        &app,
        &id,
        json!({"visitor_token": token, "consent_version": second}),
    )
    .await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["conversation_id"], opened["conversation_id"]);
    let now = only_visitor(&app).await;
    assert_eq!(now.consent_version.as_deref(), second.as_str());
    assert!(now.consent_at > visitor.consent_at);
    let (status, sent) = widget.send("Второй вопрос").await;
    assert_eq!(status, 202, "{sent}");
}

/// Without a notice, sessions are as they were: no consent needed, none
/// stored, and a `consent_version` sent anyway is ignored.
#[tokio::test]
async fn without_a_notice_sessions_need_no_consent() {
    // Arrange
    let (app, _fake, id) = shop(json!({})).await;

    // Act
    let (plain, _) = session(&app, &id, json!({})).await;
    let (stray, _) = session(&app, &id, json!({"consent_version": "0123456789abcdef"})).await;

    // Assert
    assert_eq!((plain, stray), (200, 200));
    let stored = visitors::Entity::find()
        .all(&app.db)
        .await
        .expect("visitors");
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|v| v.consent_version.is_none() && v.consent_at.is_none())
    );

    // A notice removed later stops asking.
    set_notice(&app, &id, json!({"widget": {"privacy_notice": NOTICE}})).await;
    assert_eq!(session(&app, &id, json!({})).await.0, 409);
    set_notice(&app, &id, json!({"widget": {"privacy_notice": null}})).await;
    assert_eq!(session(&app, &id, json!({})).await.0, 200);
}

async fn only_visitor(app: &TestApp) -> visitors::Model {
    let mut all = visitors::Entity::find()
        .all(&app.db)
        .await
        .expect("visitors");
    assert_eq!(all.len(), 1, "one visitor");
    all.remove(0)
}
