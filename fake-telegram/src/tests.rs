//! The fake's own tests: real HTTP against a started fake.

use crate::{FakeTelegram, Fault, SECRET_HEADER, TgUser};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Calls `method` with a JSON body; returns the status and the parsed answer.
pub(crate) async fn call(fake: &FakeTelegram, method: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/bot{}/{method}", fake.api_url, fake.token))
        .json(&body)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

pub(crate) fn alice() -> TgUser {
    TgUser {
        id: 4242,
        first_name: "Alice".to_owned(),
        username: Some("alice".to_owned()),
        language_code: Some("en".to_owned()),
    }
}

/// A long poll waits until a user writes, and an offset confirms the update.
#[tokio::test]
async fn long_poll_wakes_on_a_new_update_and_offset_confirms() {
    // Arrange
    let fake = FakeTelegram::start().await;
    let poller = fake.clone();
    let started = Instant::now();
    let poll = tokio::spawn(async move {
        call(
            &poller,
            "getUpdates",
            json!({"timeout": 10, "allowed_updates": ["message"]}),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Act
    fake.text(&alice(), "hello");
    let (status, answer) = poll.await.expect("poll ended");

    // Assert
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woken, not timed out"
    );
    let updates = answer["result"].as_array().expect("an array");
    assert_eq!(updates.len(), 1);
    let message = &updates[0]["message"];
    assert_eq!(message["text"], "hello");
    assert_eq!(message["from"]["username"], "alice");
    assert_eq!(
        message["chat"],
        json!({"id": 4242, "type": "private", "first_name": "Alice", "username": "alice"})
    );
    let next = updates[0]["update_id"].as_i64().expect("an id") + 1;
    let (_, again) = call(&fake, "getUpdates", json!({"offset": next})).await;
    assert_eq!(again, json!({"ok": true, "result": []}));
    assert_eq!(fake.pending_updates(), 0);
}

/// A 429 fault answers as Telegram's flood control does, once.
#[tokio::test]
async fn too_many_requests_fault_has_telegram_shape() {
    // Arrange
    let fake = FakeTelegram::start().await;
    fake.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 5 }, 1);
    let body = json!({"chat_id": 4242, "text": "hi"});

    // Act
    let (status, answer) = call(&fake, "sendMessage", body.clone()).await;
    let (second, _) = call(&fake, "sendMessage", body).await;

    // Assert
    assert_eq!(status, 429);
    assert_eq!(
        answer,
        json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}})
    );
    assert_eq!(second, 200);
}

/// While a webhook is set, updates are POSTed with the secret (retried after
/// a failure) and getUpdates is a 409 conflict.
#[tokio::test]
async fn webhook_delivery_carries_the_secret_and_get_updates_conflicts() {
    // Arrange: a receiver that fails its first delivery.
    let seen: Arc<Mutex<Vec<(Option<String>, Value)>>> = Arc::default();
    let receiver_seen = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::Json<Value>| {
                let seen = receiver_seen.clone();
                async move {
                    let secret = headers
                        .get(SECRET_HEADER)
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_owned);
                    let mut seen = seen.lock().expect("lock");
                    seen.push((secret, body.0));
                    if seen.len() == 1 {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::OK
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let fake = FakeTelegram::start().await;

    // Act
    let (status, set) = call(&fake, "setWebhook", json!({"url": url, "secret_token": "s3cret_-X", "allowed_updates": ["message", "callback_query"]})).await;
    fake.text(&alice(), "via webhook");
    let (conflict, answer) = call(&fake, "getUpdates", json!({})).await;

    // Assert
    assert_eq!((status, set["result"].clone()), (200, json!(true)));
    assert_eq!(conflict, 409);
    assert_eq!(
        answer["description"],
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while fake.deliveries().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deliveries = fake.deliveries();
    assert_eq!(
        deliveries
            .iter()
            .map(|d| (d.status, d.attempt))
            .collect::<Vec<_>>(),
        [(Some(500), 1), (Some(200), 2)]
    );
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen[1].0.as_deref(), Some("s3cret_-X"));
    assert_eq!(seen[1].1["message"]["text"], "via webhook");
    assert_eq!(fake.webhook(), Some((url, Some("s3cret_-X".to_owned()))));
    let (_, bad_secret) = call(
        &fake,
        "setWebhook",
        json!({"url": "https://example.com/x", "secret_token": "no spaces"}),
    )
    .await;
    assert_eq!(bad_secret["error_code"], 400);
    let (_, deleted) = call(&fake, "deleteWebhook", json!({})).await;
    assert_eq!(deleted["result"], true);
    assert_eq!(call(&fake, "getUpdates", json!({})).await.0, 200);
}

/// A pressed button's query can be answered once, a reply quotes the bot's message.
#[tokio::test]
async fn callback_press_is_answered_once_and_reply_quotes_the_message() {
    // Arrange
    let fake = FakeTelegram::start().await;
    let (_, sent) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": 4242, "text": "New chat", "reply_markup": {"inline_keyboard": [[{"text": "Take", "callback_data": "take:9"}]]}}),
    )
    .await;
    let message_id = sent["result"]["message_id"].as_i64().expect("id");

    // Act
    let query = fake.press(&alice(), message_id, "take:9");
    fake.reply(&alice(), message_id, "on it");
    let first = call(
        &fake,
        "answerCallbackQuery",
        json!({"callback_query_id": query, "text": "Taken"}),
    )
    .await;
    let second = call(
        &fake,
        "answerCallbackQuery",
        json!({"callback_query_id": query}),
    )
    .await;

    // Assert
    assert_eq!(first, (200, json!({"ok": true, "result": true})));
    assert_eq!(second.0, 400);
    assert_eq!(
        second.1["description"],
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    );
    assert_eq!(fake.callback_answers()[0].text.as_deref(), Some("Taken"));
    let (_, updates) = call(&fake, "getUpdates", json!({})).await;
    let press = &updates["result"][0]["callback_query"];
    assert_eq!(press["data"], "take:9");
    assert_eq!(press["message"]["message_id"], message_id);
    let reply = &updates["result"][1]["message"];
    assert_eq!(reply["reply_to_message"]["text"], "New chat");
    assert_eq!(reply["reply_to_message"]["from"]["is_bot"], true);
}

/// Down means 502 for every call, at once for long polls; control routes work.
#[tokio::test]
async fn down_fails_every_call_and_control_routes_drive_users() {
    let fake = FakeTelegram::start().await;
    let client = reqwest::Client::new();
    client
        .post(format!("{}/_fake/down", fake.api_url))
        .json(&json!({"down": true}))
        .send()
        .await
        .expect("sent");
    let started = Instant::now();
    let (status, _) = call_raw(&fake, "getUpdates", json!({"timeout": 10})).await;
    assert_eq!(status, 502);
    assert!(started.elapsed() < Duration::from_secs(2));
    fake.set_down(false);
    let written: Value = client
        .post(format!("{}/_fake/text", fake.api_url))
        .json(&json!({"from": {"id": 77, "first_name": "Bob"}, "text": "/start"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(written["message_id"], 1);
    let (_, updates) = call(&fake, "getUpdates", json!({})).await;
    assert_eq!(
        updates["result"][0]["message"]["entities"][0]["type"],
        "bot_command"
    );
    call(
        &fake,
        "sendMessage",
        json!({"chat_id": 77, "text": "hi Bob"}),
    )
    .await;
    let sent: Value = client
        .get(format!("{}/_fake/sent", fake.api_url))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(sent[0]["text"], "hi Bob");
    assert_eq!(sent[0]["message_id"], 2);
}

/// Like `call`, for answers that are not JSON.
async fn call_raw(fake: &FakeTelegram, method: &str, body: Value) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(format!("{}/bot{}/{method}", fake.api_url, fake.token))
        .json(&body)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}
