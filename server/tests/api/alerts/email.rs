//! Email alerts: sent through SMTP in the operator's language, with a link
//! to the conversation, at most one per conversation in five minutes (a
//! later alert of it waits for the end of those five minutes).

use super::ARRIVES;
use crate::helpers::{TestDb, call, spawn_configured, wait_until};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, post, project};
use engine::db::entities::alerts;
use engine::mail::MailSettings;
use fake_openai::FakeOpenAi;
use fake_smtp::FakeSmtp;
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::json;

#[tokio::test]
async fn an_email_alert_of_a_conversation_waits_five_minutes_after_the_last() {
    // Arrange
    let smtp = FakeSmtp::start().await;
    let settings = MailSettings::parse(&smtp.url(), "aiwidget <alerts@example.com>")
        .expect("the sink's settings");
    let app = spawn_configured(TestDb::new().await, crate::helpers::ADMIN_PASSWORD, |s| {
        s.mail = Some(settings);
    })
    .await;
    let ai = FakeOpenAi::start().await;
    let project_id = project(&app, &ai, json!({"name": "Магазин"})).await;
    let admin = Operator::admin(&app).await;
    let choices = json!({"email": "ops@example.com", "locale": "ru"});
    let (status, body) = call(
        &app,
        &admin.token,
        Method::PATCH,
        "/api/v1/admin/me/notifications",
        Some(choices),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["email_enabled"], true);
    let visitor = Widget::open(&app, &project_id).await;
    visitor.send("Где мой заказ?").await;
    // Act
    let (_, handoff) = visitor.action("handoff").await;
    let conversation_id = handoff["conversation_id"].as_str().expect("id").to_owned();
    // Assert
    let sent = smtp.wait_messages(1, ARRIVES).await;
    assert_eq!(sent[0].to, ["ops@example.com"]);
    let subject = sent[0].subject().expect("a subject");
    assert!(subject.contains("Посетитель ждёт оператора"), "{subject}");
    assert!(subject.contains("Магазин"), "{subject}");
    let body = sent[0].text_body().expect("a text body");
    assert!(body.contains("Где мой заказ?"), "{body}");
    assert!(
        body.contains(&format!("/admin/inbox?conversation={conversation_id}")),
        "{body}"
    );
    // A contact left a minute later is not another email.
    let contact = json!({"email": "visitor@example.com", "text": "Перезвоните"});
    let response = post(
        &app,
        "/api/v1/widget/contact",
        Some(&visitor.token),
        &contact,
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    wait_until("the contact's alert is put off", || async {
        alerts::Entity::find()
            .all(&app.db)
            .await
            .expect("alerts")
            .iter()
            .any(|row| row.kind == "contact" && row.error.is_some())
    })
    .await;
    let rows = alerts::Entity::find().all(&app.db).await.expect("alerts");
    let later = rows
        .iter()
        .find(|row| row.kind == "contact")
        .expect("the contact's alert");
    let first = rows
        .iter()
        .find(|row| row.kind == "waiting_human")
        .expect("the first alert");
    assert_eq!(later.status, "pending", "{later:?}");
    let sent_at = first.sent_at.expect("the first was sent");
    assert_eq!(
        later.retry_at,
        sent_at + chrono::Duration::minutes(5),
        "{later:?}"
    );
    assert_eq!(smtp.messages().len(), 1, "one email for the conversation");
}
