//! A failing Telegram never holds a visitor up: the alert waits in the
//! queue and arrives once Telegram answers again; its `retry_after` is kept.

use super::{alert, app_with_bot, link};
use crate::helpers::wait_until;
use crate::operator_client::Operator;
use crate::widget_client::{Widget, project};
use engine::db::entities::alerts;
use fake_openai::FakeOpenAi;
use fake_telegram::{FakeTelegram, Fault, TgUser};
use sea_orm::EntityTrait;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_alert_queued_while_telegram_is_down_arrives_when_it_is_back() {
    // Arrange
    let fake = FakeTelegram::start().await;
    let app = app_with_bot(&fake).await;
    let ai = FakeOpenAi::start().await;
    let project_id = project(&app, &ai, json!({})).await;
    let admin = Operator::admin(&app).await;
    let ivan = TgUser::new(7_101, "Ivan");
    link(&app, &fake, &admin.token, &ivan).await;
    fake.set_down(true);
    // Act: the visitor's flow goes on while Telegram is down.
    let visitor = Widget::open(&app, &project_id).await;
    let (status, _) = visitor.send("Help me").await;
    assert_eq!(status, 202);
    let (status, handoff) = visitor.action("handoff").await;
    assert_eq!(status, 200, "{handoff}");
    assert_eq!(handoff["status"], "waiting_human");
    wait_until("a failed try of the alert", || async {
        alerts::Entity::find()
            .all(&app.db)
            .await
            .expect("alerts")
            .iter()
            .any(|row| row.status == "pending" && row.attempts >= 1)
    })
    .await;
    fake.set_down(false);
    // Assert: it arrives once Telegram is back (the backoff is seconds).
    let alerted = fake
        .wait_sent(
            |sent| sent.chat_id == ivan.id && sent.reply_markup.is_some(),
            Duration::from_secs(30),
        )
        .await;
    assert!(
        alerted.text.contains("waiting for a human"),
        "{}",
        alerted.text
    );
}

#[tokio::test]
async fn telegrams_retry_after_is_waited_out() {
    // Arrange
    let fake = FakeTelegram::start().await;
    let app = app_with_bot(&fake).await;
    let ai = FakeOpenAi::start().await;
    let project_id = project(&app, &ai, json!({})).await;
    let admin = Operator::admin(&app).await;
    let ivan = TgUser::new(7_102, "Ivan");
    link(&app, &fake, &admin.token, &ivan).await;
    fake.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 5 }, 1);
    let visitor = Widget::open(&app, &project_id).await;
    visitor.send("Help me").await;
    // Act
    let asked = Instant::now();
    visitor.action("handoff").await;
    alert(&fake, ivan.id, "waiting for a human").await;
    // Assert: refused once, sent on the next try, not before Telegram's
    // time (without it the next try comes after 2 s).
    assert!(
        asked.elapsed() >= Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    let sends = fake
        .requests()
        .into_iter()
        .filter(|request| request.method == "sendMessage" && request.body["chat_id"] == ivan.id)
        .count();
    // The link's confirmation, the refused alert, the alert.
    assert_eq!(sends, 3);
}
