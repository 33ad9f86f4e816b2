//! Alerts to operators away from the dashboard (issue 15, `docs/alerts.md`):
//! linking Telegram, alerts with buttons, replies from Telegram, access,
//! Telegram down, the webhook, email with its per-conversation gap, choices.

mod email;
mod telegram_down;
mod webhook;

use crate::helpers::{TestApp, TestDb, call, spawn_configured};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, project};
use engine::db::entities::{alerts, telegram_messages};
use engine::services::telegram::TelegramSettings;
use fake_openai::FakeOpenAi;
use fake_telegram::{FakeTelegram, SentMessage, TgUser};
use reqwest::Method;
use sea_orm::EntityTrait;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;

/// How long an alert may take to arrive (the queue looks every 100 ms here).
pub(crate) const ARRIVES: Duration = Duration::from_secs(10);

/// A server whose bot talks to `fake` (long poll unless `webhook`).
pub(crate) async fn app_with_bot(fake: &FakeTelegram) -> TestApp {
    let api_url = fake.api_url.clone();
    spawn_configured(
        TestDb::new().await,
        crate::helpers::ADMIN_PASSWORD,
        |settings| {
            settings.telegram = Some(TelegramSettings {
                token: SecretString::from(fake_telegram::TOKEN.to_owned()),
                api_url,
                webhook: false,
            });
        },
    )
    .await
}

/// Links `user`'s Telegram chat to the holder of `token`, as an operator does
/// (the link from the dashboard, then Start in Telegram).
pub(crate) async fn link(app: &TestApp, fake: &FakeTelegram, token: &str, user: &TgUser) {
    let (status, link) = call(app, token, Method::POST, "/api/v1/admin/me/telegram", None).await;
    assert_eq!(status, 201, "{link}");
    let code = link["code"].as_str().expect("code").to_owned();
    fake.text(user, &format!("/start {code}"));
    fake.wait_sent(
        |sent| sent.chat_id == user.id && sent.text.contains(&linked_words(user)),
        ARRIVES,
    )
    .await;
}

fn linked_words(user: &TgUser) -> String {
    if user.language_code.as_deref() == Some("ru") {
        "Готово".into()
    } else {
        "Done".into()
    }
}

/// The first alert in `chat_id` whose text has `words`.
pub(crate) async fn alert(fake: &FakeTelegram, chat_id: i64, words: &str) -> SentMessage {
    fake.wait_sent(
        |sent| sent.chat_id == chat_id && sent.reply_markup.is_some() && sent.text.contains(words),
        ARRIVES,
    )
    .await
}

/// `user` presses the button `data` under `message_id`; returns once the
/// bot has answered the press (after the action is stored).
async fn press(fake: &FakeTelegram, user: &TgUser, message_id: i64, data: &str) {
    let query = fake.press(user, message_id, data);
    crate::helpers::wait_until("the button answered", || async {
        fake.callback_answers()
            .iter()
            .any(|answer| answer.callback_query_id == query)
    })
    .await;
}

/// The callback data of the button labelled `label` in `message`.
fn button(message: &SentMessage, label: &str) -> String {
    let keyboard = message.reply_markup.as_ref().expect("a keyboard");
    keyboard["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .find(|button| button["text"] == label)
        .and_then(|button| button["callback_data"].as_str())
        .unwrap_or_else(|| panic!("no button {label} in {keyboard}"))
        .to_owned()
}

async fn status_of(operator: &Operator<'_>, conversation_id: &str) -> Value {
    let (status, detail) = operator.conversation(conversation_id).await;
    assert_eq!(status, 200, "{detail}");
    detail
}

#[tokio::test]
async fn a_link_is_single_use_and_unlinking_ends_it() {
    // Arrange
    let fake = FakeTelegram::start().await;
    let app = app_with_bot(&fake).await;
    let token = app.admin_token().await;
    let anna = TgUser {
        language_code: Some("ru".into()),
        username: Some("anna_ops".into()),
        ..TgUser::new(5_001, "Анна")
    };
    // Act
    let (status, link) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/admin/me/telegram",
        None,
    )
    .await;
    // Assert
    assert_eq!(status, 201, "{link}");
    let code = link["code"].as_str().expect("code");
    assert!(
        (1..=64).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
        "{code}"
    );
    assert_eq!(
        link["link"],
        format!("https://t.me/{}?start={code}", fake_telegram::BOT_USERNAME)
    );
    fake.text(&anna, &format!("/start {code}"));
    fake.wait_sent(
        |sent| sent.chat_id == anna.id && sent.text.contains("Готово"),
        ARRIVES,
    )
    .await;
    let (_, me) = call(&app, &token, Method::GET, "/api/v1/admin/me", None).await;
    assert_eq!(me["telegram_linked"], true, "{me}");
    assert_eq!(
        me["locale"], "ru",
        "the chat's language became the alerts' language"
    );
    let (_, choices) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/admin/me/notifications",
        None,
    )
    .await;
    assert_eq!(choices["telegram_username"], "anna_ops", "{choices}");
    // The same code again, from another chat: refused, nothing moves.
    let mallory = TgUser::new(6_666, "Mallory");
    fake.text(&mallory, &format!("/start {code}"));
    fake.wait_sent(
        |sent| sent.chat_id == mallory.id && sent.text.contains("invalid"),
        ARRIVES,
    )
    .await;
    let (_, users) = call(&app, &token, Method::GET, "/api/v1/admin/users", None).await;
    assert_eq!(users["items"][0]["telegram_linked"], true, "{users}");
    let (status, _) = call(
        &app,
        &token,
        Method::DELETE,
        "/api/v1/admin/me/telegram",
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, me) = call(&app, &token, Method::GET, "/api/v1/admin/me", None).await;
    assert_eq!(me["telegram_linked"], false, "{me}");
}

#[tokio::test]
async fn without_a_bot_linking_is_refused_by_name() {
    let app = crate::helpers::spawn_app().await;
    let token = app.admin_token().await;
    let (status, body) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/admin/me/telegram",
        None,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "telegram_disabled");
    let (_, choices) = call(
        &app,
        &token,
        Method::GET,
        "/api/v1/admin/me/notifications",
        None,
    )
    .await;
    assert_eq!(choices["telegram_enabled"], false, "{choices}");
    assert_eq!(choices["email_enabled"], false, "{choices}");
}

#[tokio::test]
async fn an_operator_takes_over_answers_and_releases_from_telegram() {
    // Arrange
    let fake = FakeTelegram::start().await;
    let app = app_with_bot(&fake).await;
    let ai = FakeOpenAi::start().await;
    ai.set_reply("The AI is back.");
    ai.set_task_reply(
        engine::services::copilot::summary::SUMMARY_TASK,
        "Asks where the <order> is.",
    );
    let project_id = project(&app, &ai, json!({"name": "Shop <b>&"})).await;
    let admin = Operator::admin(&app).await;
    let ivan = TgUser::new(7_001, "Ivan");
    link(&app, &fake, &admin.token, &ivan).await;
    let visitor = Widget::open(&app, &project_id).await;
    let (status, _) = visitor.send("Where is my <order> & parcel?").await;
    assert_eq!(status, 202);
    // Act: the visitor asks for a human.
    let (status, handoff) = visitor.action("handoff").await;
    assert_eq!(status, 200, "{handoff}");
    let conversation_id = handoff["conversation_id"].as_str().expect("id").to_owned();
    // Assert: the alert names the project and quotes the visitor, escaped.
    let alerted = alert(&fake, ivan.id, "waiting for a human").await;
    assert_eq!(alerted.parse_mode.as_deref(), Some("HTML"));
    assert!(
        alerted.text.contains("Shop &lt;b&gt;&amp;"),
        "{}",
        alerted.text
    );
    assert!(
        alerted.text.contains("&lt;order&gt; &amp; parcel"),
        "{}",
        alerted.text
    );
    assert!(
        alerted
            .text
            .contains("<b>Summary:</b> Asks where the &lt;order&gt; is."),
        "the alert waited for the summary: {}",
        alerted.text
    );
    assert!(!alerted.disable_notification);
    // Take over from Telegram.
    let take = button(&alerted, "Take over");
    press(&fake, &ivan, alerted.message_id, &take).await;
    let detail = status_of(&admin, &conversation_id).await;
    assert_eq!(detail["conversation"]["status"], "human", "{detail}");
    // Reply from Telegram: the visitor gets it as the admin's message.
    fake.reply(&ivan, alerted.message_id, "Your parcel left today.");
    fake.wait_sent(
        |sent| sent.chat_id == ivan.id && sent.text.contains("Sent to the visitor"),
        ARRIVES,
    )
    .await;
    let detail = status_of(&admin, &conversation_id).await;
    let operator_message = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|message| message["role"] == "operator")
        .cloned()
        .expect("the reply is stored");
    assert_eq!(operator_message["text"], "Your parcel left today.");
    assert_eq!(operator_message["author_name"], "Administrator");
    // Release to the AI: it answers the visitor's next message.
    let release = button(&alerted, "Release to AI");
    fake.press(&ivan, alerted.message_id, &release);
    crate::helpers::wait_until("released", || async {
        status_of(&admin, &conversation_id).await["conversation"]["status"] == "ai"
    })
    .await;
    // Released, the AI may first answer the question left waiting (its
    // answer can still be streaming now): what matters is that it answers
    // the visitor's next message, read from the stored conversation.
    let (status, _) = visitor.send("Thanks! And returns?").await;
    assert_eq!(status, 202);
    crate::helpers::wait_until("the AI answers the next message", || async {
        let detail = status_of(&admin, &conversation_id).await;
        let messages = detail["messages"].as_array().cloned().unwrap_or_default();
        messages
            .iter()
            .position(|message| message["text"] == "Thanks! And returns?")
            .is_some_and(|asked| {
                messages[asked + 1..].iter().any(|message| {
                    message["role"] == "ai"
                        && message["status"] == "complete"
                        && message["text"] == "The AI is back."
                })
            })
    })
    .await;
    // Deleting the visitor deletes the alerts and the bot's messages about them.
    assert!(
        !alerts::Entity::find()
            .all(&app.db)
            .await
            .expect("alerts")
            .is_empty()
    );
    let visitor_id = detail["visitor"]["id"].as_str().expect("visitor id");
    let (status, _) = call(
        &app,
        &admin.token,
        Method::DELETE,
        &format!("/api/v1/admin/visitors/{visitor_id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(
        alerts::Entity::find()
            .all(&app.db)
            .await
            .expect("alerts")
            .is_empty()
    );
    assert!(
        telegram_messages::Entity::find()
            .all(&app.db)
            .await
            .expect("telegram messages")
            .is_empty()
    );
}

#[tokio::test]
async fn an_operator_sees_alerts_of_their_projects_only() {
    // Arrange: two projects; the operator is a member of one.
    let fake = FakeTelegram::start().await;
    let app = app_with_bot(&fake).await;
    let ai = FakeOpenAi::start().await;
    let mine = project(&app, &ai, json!({"name": "Mine"})).await;
    let other = project(&app, &ai, json!({"name": "Other"})).await;
    let operator = Operator::member_of(&app, &[&mine]).await;
    let admin = Operator::admin(&app).await;
    let olga = TgUser::new(8_001, "Olga");
    let boss = TgUser::new(8_002, "Boss");
    link(&app, &fake, &operator.token, &olga).await;
    link(&app, &fake, &admin.token, &boss).await;
    // Act: a visitor of the other project asks for a human, then one of hers.
    let stranger = Widget::open(&app, &other).await;
    stranger.send("hello").await;
    stranger.action("handoff").await;
    alert(&fake, boss.id, "Other").await;
    let visitor = Widget::open(&app, &mine).await;
    visitor.send("hello").await;
    visitor.action("handoff").await;
    // Assert: she hears of hers only (the admin of both).
    alert(&fake, olga.id, "Mine").await;
    alert(&fake, boss.id, "Mine").await;
    let hers: Vec<String> = fake
        .sent()
        .into_iter()
        .filter(|sent| sent.chat_id == olga.id && sent.reply_markup.is_some())
        .map(|sent| sent.text)
        .collect();
    assert_eq!(hers.len(), 1, "{hers:?}");
    assert!(!hers[0].contains("Other"), "{hers:?}");
    // A button on a conversation she may not see does nothing.
    let (_, inbox) = admin.inbox("status=waiting_human").await;
    let foreign = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["project_id"] == other.as_str())
        .and_then(|item| item["id"].as_str())
        .expect("the other conversation")
        .to_owned();
    let hers = alert(&fake, olga.id, "Mine").await;
    press(&fake, &olga, hers.message_id, &format!("take:{foreign}")).await;
    assert_eq!(
        status_of(&admin, &foreign).await["conversation"]["status"],
        "waiting_human"
    );
}

#[tokio::test]
async fn choices_are_validated_and_quiet_hours_send_silently() {
    // Arrange
    let fake = FakeTelegram::start().await;
    let app = app_with_bot(&fake).await;
    let ai = FakeOpenAi::start().await;
    let project_id = project(&app, &ai, json!({})).await;
    let admin = Operator::admin(&app).await;
    let night_owl = TgUser::new(9_001, "Owl");
    link(&app, &fake, &admin.token, &night_owl).await;
    let path = "/api/v1/admin/me/notifications";
    // Act: bad fields are named.
    let bad = json!({"email": "nope", "quiet_hours": {"from": "25:00", "to": "08:00", "time_zone": "Mars/Base"}});
    let (status, body) = call(&app, &admin.token, Method::PATCH, path, Some(bad)).await;
    assert_eq!(status, 400, "{body}");
    for field in ["email", "quiet_hours.from", "quiet_hours.time_zone"] {
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }
    // Quiet now, and every new conversation of the project announced.
    // Quiet from an hour ago to an hour from now (UTC).
    let now = chrono::Utc::now();
    let clock = |at: chrono::DateTime<chrono::Utc>| at.format("%H:%M").to_string();
    let quiet = json!({
        "quiet_hours": {
            "from": clock(now - chrono::Duration::hours(1)),
            "to": clock(now + chrono::Duration::hours(1)),
            "time_zone": "UTC",
        },
        "telegram": {"waiting_human": true, "contact": true, "my_conversations": true, "new_conversation": [project_id]},
        "locale": "en",
    });
    let (status, body) = call(&app, &admin.token, Method::PATCH, path, Some(quiet)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["telegram"]["new_conversation"][0], project_id.as_str());
    let visitor = Widget::open(&app, &project_id).await;
    visitor.send("Hi there").await;
    // Assert
    let announced = alert(&fake, night_owl.id, "New conversation").await;
    assert!(announced.disable_notification, "quiet hours send silently");
    let (_, again) = call(&app, &admin.token, Method::GET, path, None).await;
    assert_eq!(again["quiet_hours"]["time_zone"], "UTC", "{again}");
}
