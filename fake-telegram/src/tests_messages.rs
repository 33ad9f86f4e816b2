//! The fake's checks of outgoing messages, tokens, methods and encodings.

use crate::tests::call;
use crate::{FakeTelegram, TOKEN};
use serde_json::{Value, json};

/// The HTML check accepts escaped text and refuses what Telegram refuses.
#[tokio::test]
async fn html_check_accepts_escaped_text_and_refuses_unsupported_markup() {
    let fake = FakeTelegram::start().await;
    let accepted = call(
        &fake,
        "sendMessage",
        json!({"chat_id": 1, "parse_mode": "HTML", "text": "<b>New chat</b>\n&lt;script&gt; &amp; &quot;x&quot; &#128512; <a href=\"https://example.com/?a=1&amp;b=2\">open</a>"}),
    )
    .await;
    assert_eq!(accepted.0, 200, "{}", accepted.1);
    assert_eq!(
        accepted.1["result"]["text"],
        "New chat\n<script> & \"x\" 😀 open"
    );
    let cases = [
        (
            "<script>alert(1)</script>",
            "Unsupported start tag \"script\"",
        ),
        ("Tom & Jerry", "Can't find end of the entity"),
        ("a < b", "Unclosed start tag"),
        (
            "<b>bold",
            "Can't find end tag corresponding to start tag \"b\"",
        ),
        ("&nbsp;", "Unsupported HTML entity"),
    ];
    for (text, reason) in cases {
        let (status, answer) = call(
            &fake,
            "sendMessage",
            json!({"chat_id": 1, "parse_mode": "HTML", "text": text}),
        )
        .await;
        assert_eq!(status, 400, "{text}");
        let description = answer["description"].as_str().expect("a description");
        assert!(
            description.starts_with("Bad Request: can't parse entities: ")
                && description.contains(reason),
            "{text}: {description}"
        );
    }
    let (_, empty) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": 1, "parse_mode": "HTML", "text": "<b> </b>"}),
    )
    .await;
    assert_eq!(empty["description"], "Bad Request: message text is empty");
    let (_, long) = call(
        &fake,
        "sendMessage",
        json!({"chat_id": 1, "text": "я".repeat(4097)}),
    )
    .await;
    assert_eq!(long["description"], "Bad Request: message is too long");
}

/// Keyboards, blocked chats and edits are checked as Telegram does.
#[tokio::test]
async fn keyboards_blocked_chats_and_edits_are_checked() {
    let fake = FakeTelegram::start().await;
    let button = |field: &str, value: &str| json!({"chat_id": 7, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "b", field: value}]]}});
    let (_, long_data) = call(
        &fake,
        "sendMessage",
        button("callback_data", &"d".repeat(65)),
    )
    .await;
    assert_eq!(long_data["description"], "Bad Request: BUTTON_DATA_INVALID");
    let (_, local) = call(
        &fake,
        "sendMessage",
        button("url", "http://localhost:3000/c/1"),
    )
    .await;
    assert_eq!(
        local["description"],
        "Bad Request: inline keyboard button URL 'http://localhost:3000/c/1' is invalid: Wrong HTTP URL"
    );
    let (status, sent) = call(&fake, "sendMessage", button("callback_data", "take:1")).await;
    assert_eq!(status, 200);
    assert_eq!(sent["result"]["from"]["username"], crate::BOT_USERNAME);
    assert_eq!(
        sent["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "take:1"
    );
    let message_id = sent["result"]["message_id"].clone();
    let edit = json!({"chat_id": 7, "message_id": message_id, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "b", "callback_data": "take:1"}]]}});
    let (_, same) = call(&fake, "editMessageText", edit).await;
    assert!(
        same["description"]
            .as_str()
            .expect("text")
            .starts_with("Bad Request: message is not modified")
    );
    let (status, edited) = call(
        &fake,
        "editMessageText",
        json!({"chat_id": 7, "message_id": message_id, "text": "taken"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(edited["result"]["text"], "taken");
    assert!(edited["result"].get("reply_markup").is_none());
    assert_eq!(fake.sent()[0].current_text, "taken");
    assert_eq!(fake.edits().len(), 1);
    fake.block_chat(7);
    let (status, blocked) = call(&fake, "sendMessage", json!({"chat_id": 7, "text": "x"})).await;
    assert_eq!(status, 403);
    assert_eq!(
        blocked["description"],
        "Forbidden: bot was blocked by the user"
    );
}

/// A wrong token is 401, an unknown method 404; form and query calls work.
#[tokio::test]
async fn token_method_and_encodings_are_handled() {
    let fake = FakeTelegram::start().await;
    let client = reqwest::Client::new();
    let wrong = client
        .post(format!("{}/bot1:wrong/getMe", fake.api_url))
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.json::<Value>().await.expect("json"),
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );
    let (status, unknown) = call(&fake, "sendTelepathy", json!({})).await;
    assert_eq!(
        (status, unknown["description"].clone()),
        (404, json!("Not Found"))
    );
    let me: Value = client
        .get(format!("{}/bot{TOKEN}/getMe", fake.api_url))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(me["result"]["id"], 123_456_789);
    assert_eq!(me["result"]["is_bot"], true);
    let form: Value = client
        .post(format!("{}/bot{TOKEN}/sendMessage", fake.api_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("chat_id=5&text=hi%20there&disable_notification=true")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(form["result"]["text"], "hi there");
    assert!(fake.sent()[0].disable_notification);
}
