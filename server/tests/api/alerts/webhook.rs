//! `TELEGRAM_WEBHOOK=true`: the server sets its webhook with a secret, takes
//! updates there (never by long poll) and refuses calls without the secret.

use super::link;
use crate::helpers::{TestDb, spawn_configured, wait_until};
use crate::operator_client::Operator;
use engine::services::telegram::TelegramSettings;
use fake_telegram::{FakeTelegram, TgUser};
use secrecy::SecretString;
use serde_json::json;

#[tokio::test]
async fn the_webhook_takes_updates_with_its_secret_only() {
    // Arrange: a known port, so that the fake can call the webhook over http.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let fake = FakeTelegram::start().await;
    let api_url = fake.api_url.clone();
    let app = spawn_configured(TestDb::new().await, crate::helpers::ADMIN_PASSWORD, |s| {
        s.listen_addr = format!("127.0.0.1:{port}").parse().expect("address");
        s.public_url = format!("http://127.0.0.1:{port}");
        s.telegram = Some(TelegramSettings {
            token: SecretString::from(fake_telegram::TOKEN.to_owned()),
            api_url,
            webhook: true,
        });
    })
    .await;
    let url = format!("http://127.0.0.1:{port}/api/v1/telegram/webhook");
    wait_until("setWebhook", || async {
        fake.webhook()
            .is_some_and(|(set, secret)| set == url && secret.is_some())
    })
    .await;
    // Act: linking goes through the webhook.
    let admin = Operator::admin(&app).await;
    let ivan = TgUser::new(7_201, "Ivan");
    link(&app, &fake, &admin.token, &ivan).await;
    // Assert: the delivery is recorded when the server has answered it,
    // which is after the bot's reply that `link` waited for.
    wait_until("the delivery is answered", || async {
        !fake.deliveries().is_empty()
    })
    .await;
    let deliveries = fake.deliveries();
    assert!(
        deliveries
            .iter()
            .all(|delivery| delivery.status == Some(200)),
        "{deliveries:?}"
    );
    assert!(
        fake.requests()
            .iter()
            .all(|request| request.method != "getUpdates"),
        "no long poll in webhook mode"
    );
    let update = json!({"update_id": 1, "message": {"message_id": 1, "date": 0,
        "chat": {"id": 1, "type": "private"}, "from": {"id": 1, "is_bot": false, "first_name": "M"},
        "text": "/start stolen"}});
    for secret in [None, Some("wrong")] {
        let mut request = app.client.post(&url).json(&update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        let response = request.send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 401);
    }
}
