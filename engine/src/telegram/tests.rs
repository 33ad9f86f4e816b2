//! The client against the fake Bot API (`fake-telegram`).

use super::{
    Bot, EditMessageText, Error, InlineKeyboardButton, InlineKeyboardMarkup, ParseMode,
    ReplyParameters, SendMessage, escape_html,
};
use fake_telegram::{FakeTelegram, Fault, TOKEN, TgUser};
use secrecy::SecretString;
use std::time::{Duration, Instant};

fn bot(fake: &FakeTelegram) -> Bot {
    Bot::new(
        &fake.api_url,
        &SecretString::from(fake.token.clone()),
        reqwest::Client::new(),
    )
}

fn operator() -> TgUser {
    TgUser {
        id: 5001,
        first_name: "Оля".to_owned(),
        username: Some("olya".to_owned()),
        language_code: Some("ru".to_owned()),
    }
}

fn take_button() -> InlineKeyboardMarkup {
    InlineKeyboardMarkup {
        inline_keyboard: vec![vec![
            InlineKeyboardButton::callback("Take", "take:42"),
            InlineKeyboardButton::link("Open", "https://example.com/c/42"),
        ]],
    }
}

/// getMe reads the bot; a wrong token is a permanent refusal.
#[tokio::test]
async fn get_me_reads_the_bot_and_a_wrong_token_is_refused() {
    let fake = FakeTelegram::start().await;
    let me = bot(&fake).get_me().await.expect("getMe");
    assert!(me.is_bot);
    assert_eq!(me.username.as_deref(), Some(fake_telegram::BOT_USERNAME));
    let wrong = Bot::new(
        &fake.api_url,
        &SecretString::from("1:nope"),
        reqwest::Client::new(),
    );
    assert_eq!(
        wrong.get_me().await,
        Err(Error::Refused {
            code: 401,
            description: "Unauthorized".to_owned()
        })
    );
}

/// A message with buttons and a reply goes out as sent; the fake sees it.
#[tokio::test]
async fn send_message_with_buttons_and_reply() {
    // Arrange
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let asked = fake.text(&operator(), "/start");
    let mut message = SendMessage::html(5001, "<b>New chat</b> from &lt;guest&gt;".to_owned());
    message.reply_markup = Some(take_button());
    message.disable_notification = true;
    message.reply_parameters = Some(ReplyParameters {
        message_id: asked,
        allow_sending_without_reply: false,
    });

    // Act
    let sent = bot.send_message(&message).await.expect("sent");

    // Assert
    assert_eq!(sent.text.as_deref(), Some("New chat from <guest>"));
    assert_eq!(sent.chat.id, 5001);
    assert_eq!(sent.chat.kind, "private");
    assert_eq!(
        sent.reply_to_message.expect("a reply").text.as_deref(),
        Some("/start")
    );
    let seen = &fake.sent()[0];
    assert_eq!(seen.message_id, sent.message_id);
    assert_eq!(seen.parse_mode.as_deref(), Some("HTML"));
    assert!(seen.disable_notification);
    assert_eq!(seen.reply_to_message_id, Some(asked));
    let requests = fake.requests();
    let body = &requests.last().expect("a request").body;
    assert_eq!(body["link_preview_options"]["is_disabled"], true);
    assert_eq!(
        body["reply_markup"]["inline_keyboard"][0][1]["url"],
        "https://example.com/c/42"
    );
}

/// Edits apply; an edit that changes nothing is still a success.
#[tokio::test]
async fn edit_message_text_treats_not_modified_as_done() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let sent = bot
        .send_message(&SendMessage::html(5001, "waiting".to_owned()))
        .await
        .expect("sent");
    let edit = EditMessageText {
        chat_id: 5001,
        message_id: sent.message_id,
        text: "<i>taken by Оля</i>".to_owned(),
        parse_mode: Some(ParseMode::Html),
        reply_markup: None,
        link_preview_options: None,
    };
    bot.edit_message_text(&edit).await.expect("edited");
    bot.edit_message_text(&edit)
        .await
        .expect("not modified is fine");
    assert_eq!(fake.edits().len(), 1);
    assert_eq!(fake.sent()[0].current_text, "<i>taken by Оля</i>");
}

/// A pressed button is read from the long poll and answered once.
#[tokio::test]
async fn callback_query_is_read_and_answered() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let mut message = SendMessage::html(5001, "New chat".to_owned());
    message.reply_markup = Some(take_button());
    let sent = bot.send_message(&message).await.expect("sent");
    fake.press(&operator(), sent.message_id, "take:42");
    let updates = bot.get_updates(0, Duration::ZERO).await.expect("updates");
    let query = updates[0]
        .update
        .as_ref()
        .and_then(|update| update.callback_query.clone())
        .expect("a press");
    assert_eq!(query.data.as_deref(), Some("take:42"));
    assert_eq!(query.from.first_name, "Оля");
    assert_eq!(
        query.message.expect("the message").message_id,
        sent.message_id
    );
    bot.answer_callback_query(&query.id, Some("Taken"))
        .await
        .expect("answered");
    let again = bot.answer_callback_query(&query.id, None).await;
    assert!(
        matches!(again, Err(Error::Refused { code: 400, .. })),
        "{again:?}"
    );
    assert_eq!(fake.callback_answers()[0].text.as_deref(), Some("Taken"));
}

/// A long poll returns an update pushed while it waits; the offset confirms it.
#[tokio::test]
async fn long_poll_returns_an_update_pushed_meanwhile() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let pusher = fake.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        pusher.text(&operator(), "hello");
    });
    let started = Instant::now();
    let updates = bot
        .get_updates(0, Duration::from_secs(10))
        .await
        .expect("updates");
    assert!(started.elapsed() < Duration::from_secs(5));
    let message = updates[0]
        .update
        .as_ref()
        .and_then(|update| update.message.clone())
        .expect("a message");
    assert_eq!(message.text.as_deref(), Some("hello"));
    assert_eq!(
        message.from.expect("a sender").language_code.as_deref(),
        Some("ru")
    );
    let next = updates[0].update_id + 1;
    assert!(
        bot.get_updates(next, Duration::ZERO)
            .await
            .expect("updates")
            .is_empty()
    );
}

/// Webhooks are set and deleted; getUpdates meanwhile is a 409 refusal.
#[tokio::test]
async fn webhook_set_and_delete() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    bot.set_webhook("https://example.com/telegram/hook", "s3cret_token-1")
        .await
        .expect("set");
    assert_eq!(
        fake.webhook(),
        Some((
            "https://example.com/telegram/hook".to_owned(),
            Some("s3cret_token-1".to_owned())
        ))
    );
    let conflict = bot.get_updates(0, Duration::ZERO).await;
    assert!(
        matches!(conflict, Err(Error::Refused { code: 409, .. })),
        "{conflict:?}"
    );
    bot.delete_webhook().await.expect("deleted");
    assert_eq!(fake.webhook(), None);
}

/// Flood control, outages and blocked users map to what the caller should do.
#[tokio::test]
async fn errors_are_sorted_by_what_to_do() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let message = SendMessage::html(5001, "hi".to_owned());
    fake.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 5 }, 1);
    assert_eq!(
        bot.send_message(&message).await,
        Err(Error::RetryAfter(Duration::from_secs(5)))
    );
    fake.fail_next("sendMessage", Fault::Server(502), 1);
    assert!(matches!(
        bot.send_message(&message).await,
        Err(Error::Unavailable(_))
    ));
    fake.block_chat(5001);
    assert_eq!(
        bot.send_message(&message).await,
        Err(Error::Refused {
            code: 403,
            description: "Forbidden: bot was blocked by the user".to_owned()
        })
    );
}

/// Escaped arbitrary text passes Telegram's HTML check and reads back as written.
#[tokio::test]
async fn escaped_text_is_accepted_by_the_html_check() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    let text = "<script>alert(\"x\")</script> &amp; Tom & Jerry <b 😀 Привет, мир! a<b>c";
    let html = format!("<b>{}</b>", escape_html(text));
    let sent = bot
        .send_message(&SendMessage::html(5001, html))
        .await
        .expect("accepted");
    assert_eq!(sent.text.as_deref(), Some(text));
    let raw = bot
        .send_message(&SendMessage::html(5001, text.to_owned()))
        .await;
    assert!(raw.is_err_and(|error| error.is_refused_with("can't parse entities")));
}

/// Neither errors nor the bot's Debug show the token.
#[tokio::test]
async fn the_token_never_shows() {
    let fake = FakeTelegram::start().await;
    let bot = bot(&fake);
    assert!(!format!("{bot:?}").contains(TOKEN));
    let secret = TOKEN.split(':').nth(1).expect("a secret part");
    fake.set_down(true);
    let down = bot.get_me().await.expect_err("down");
    let closed = Bot::new(
        "http://127.0.0.1:9",
        &SecretString::from(TOKEN),
        reqwest::Client::new(),
    );
    let refused = closed.get_me().await.expect_err("nothing listens");
    for error in [down, refused] {
        assert!(matches!(error, Error::Unavailable(_)), "{error:?}");
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
