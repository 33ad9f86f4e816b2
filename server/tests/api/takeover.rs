//! `docs/api.md`, "Conversation states", cell by cell: what takeovers,
//! operators' messages, releases and reads do in each state, including two
//! operators racing for one conversation. `waiting_human`, closing and the
//! "nobody came" deadline are in [`waiting`]; what the sweep repairs is in
//! [`sweep`].

mod sweep;
pub(crate) mod waiting;

use crate::helpers::{eventually, spawn_app};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, project, shop};
use fake_openai::FakeOpenAi;
use serde_json::{Value, json};
use std::time::Duration;

/// `ai` + operator takes over: the reply in flight stops at once (its text so
/// far kept, interrupted; the upstream request dropped), the visitor sees the
/// operator join, and the AI stays silent afterwards.
#[tokio::test]
async fn taking_over_stops_the_ai_and_keeps_it_silent() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("This answer is long enough to be interrupted in the middle of it.");
    fake.set_delta_delay(Duration::from_millis(100));
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    let operator = Operator::admin(&app).await;
    let mut events = widget.events(None).await;
    widget.send("Сколько стоит доставка?").await;
    events.until(|f| f.event == "delta").await;

    let (status, taken) = operator.action(&conversation, "takeover").await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["status"], "human");
    assert_eq!(taken["assigned"]["display_name"], "Administrator");

    let frames = events
        .until(|f| f.event == "message" && f.data["status"] == "interrupted")
        .await;
    let joined = frames
        .iter()
        .find(|f| f.event == "status")
        .expect("a status event");
    assert_eq!(joined.data["status"], "human");
    assert_eq!(joined.data["operator"]["display_name"], "Administrator");
    let partial = &frames.last().expect("interrupted").data;
    assert!(!partial["text"].as_str().expect("text").is_empty());
    assert!(
        eventually(|| fake.cancelled_streams() == 1).await,
        "the upstream request was dropped"
    );

    let after = widget.last_event_id().await;
    widget.send("Алло?").await;
    let since = widget.unanswered_since(after).await;
    assert!(
        since
            .iter()
            .any(|f| f.event == "message" && f.data["text"] == "Алло?"),
        "the message was stored: {since:?}"
    );
    assert_eq!(
        fake.requests().len(),
        1,
        "no AI call while a human holds it"
    );
    let (_, detail) = operator.conversation(&conversation).await;
    let roles: Vec<&str> = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["role"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(roles, ["visitor", "ai", "visitor"]);
}

/// `human` + operator messages: the visitor gets them on their stream (with
/// the operator's name), a retried `client_message_id` is stored once, and
/// operator typing reaches the visitor too.
#[tokio::test]
async fn operator_messages_and_typing_reach_the_visitor() {
    let (app, fake, id) = shop(json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    let operator = Operator::admin(&app).await;
    let mut events = widget.events(None).await;

    let after = widget.last_event_id().await;
    let (status, _) = operator.action(&conversation, "typing").await;
    assert_eq!(status, 204);
    let typing = events.until(|f| f.event == "typing").await;
    assert_eq!(typing.last().expect("typing").data["role"], "operator");

    let body = json!({"text": "Здравствуйте! Я **Анна**.", "client_message_id": "op-1"});
    let (status, sent) = operator.send_body(&conversation, &body).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["message"]["role"], "operator");
    let (again, retried) = operator.send_body(&conversation, &body).await;
    assert_eq!(again, 201);
    assert_eq!(
        retried["message"]["id"], sent["message"]["id"],
        "stored once"
    );

    let frames = events
        .until(|f| f.event == "message" && f.data["role"] == "operator")
        .await;
    assert!(
        frames
            .iter()
            .any(|f| f.event == "status" && f.data["status"] == "human"),
        "writing took the conversation over"
    );
    let message = &frames.last().expect("message").data;
    assert_eq!(message["author_name"], "Administrator");
    assert_eq!(message["text"], "Здравствуйте! Я **Анна**.");
    widget.unanswered_since(after).await;
    assert!(fake.requests().is_empty(), "the AI never answered");
}

/// `ai` + release: 409 `not_taken`. `human` + release by the holder: back to
/// `ai`, and a visitor message left unanswered gets the AI's answer, with the
/// whole history (the operator's turn marked as human).
#[tokio::test]
async fn releasing_hands_back_to_the_ai_with_the_history() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Доставка бесплатная.");
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    let operator = Operator::admin(&app).await;

    let (status, body) = operator.action(&conversation, "release").await;
    assert_eq!((status, body["error"].as_str()), (409, Some("not_taken")));

    operator.send(&conversation, "Секунду, уточню.").await;
    widget.send("А доставка?").await;
    let mut events = widget.events(None).await;
    let (status, released) = operator.action(&conversation, "release").await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(released["status"], "ai");
    assert_eq!(released["assigned"], Value::Null);
    let frames = events.until_answer().await;
    assert!(
        frames
            .iter()
            .any(|f| f.event == "message" && f.data["text"] == "Доставка бесплатная.")
    );
    let request = fake.wait_for_requests(1, Duration::from_secs(5)).await;
    let sent = serde_json::to_string(&request[0].body).expect("body");
    assert!(
        sent.contains("Секунду, уточню."),
        "the operator's turn is in the history"
    );
    assert!(sent.contains("А доставка?"));
}

/// `human` (by X): Y's takeover and release get `409 already_taken` naming
/// X; X's takeover is a no-op; an admin may release; the visitor's handoff
/// is a no-op; the visitor's messages are stored without an AI answer.
#[tokio::test]
async fn a_conversation_held_by_one_operator_is_theirs() {
    let (app, fake, id) = shop(json!({})).await;
    let widget = Widget::open(&app, &id).await;
    widget.send("Привет").await;
    let conversation = widget.conversation_id();
    let x = Operator::member_of(&app, &[&id]).await;
    let y = Operator::member_of(&app, &[&id]).await;
    let admin = Operator::admin(&app).await;

    let (status, taken) = x.action(&conversation, "takeover").await;
    assert_eq!(status, 200, "{taken}");
    let holder = taken["assigned"].clone();
    let (status, again) = x.action(&conversation, "takeover").await;
    assert_eq!((status, &again["assigned"]), (200, &holder), "no-op by X");

    for action in ["takeover", "release"] {
        let (status, refused) = y.action(&conversation, action).await;
        assert_eq!(status, 409, "{action}: {refused}");
        assert_eq!(refused["error"], "already_taken");
        assert_eq!(refused["operator"], holder, "says who has it");
    }
    let (status, writes) = y.send(&conversation, "Я тоже тут").await;
    assert_eq!(
        (status, writes["error"].as_str()),
        (409, Some("already_taken"))
    );

    let (status, state) = widget.action("handoff").await;
    assert_eq!((status, state["status"].as_str()), (200, Some("human")));
    let before = fake.requests().len();
    let after = widget.last_event_id().await;
    widget.send("Вы тут?").await;
    let since = widget.unanswered_since(after).await;
    assert!(
        since
            .iter()
            .any(|f| f.event == "message" && f.data["text"] == "Вы тут?"),
        "the message was stored: {since:?}"
    );
    assert_eq!(fake.requests().len(), before, "no AI answer in `human`");
    let (_, listed) = x.conversation(&conversation).await;
    assert_eq!(listed["conversation"]["operator_unread"], 2);

    let (status, released) = admin.action(&conversation, "release").await;
    assert_eq!((status, released["status"].as_str()), (200, Some("ai")));
}

/// Two operators take over at once: exactly one wins, the other is told who.
#[tokio::test]
async fn two_operators_racing_for_a_conversation_one_wins() {
    let (app, _fake, id) = shop(json!({})).await;
    let widget = Widget::open(&app, &id).await;
    widget.send("Привет").await;
    let conversation = widget.conversation_id();
    for _ in 0..5 {
        let x = Operator::member_of(&app, &[&id]).await;
        let y = Operator::member_of(&app, &[&id]).await;
        let (first, second) = tokio::join!(
            x.action(&conversation, "takeover"),
            y.action(&conversation, "takeover")
        );
        let mut statuses = [first.0, second.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{first:?} {second:?}");
        let (winner, loser) = if first.0 == 200 {
            (first, second)
        } else {
            (second, first)
        };
        assert_eq!(loser.1["error"], "already_taken");
        assert_eq!(loser.1["operator"], winner.1["assigned"]);
        let admin = Operator::admin(&app).await;
        let (status, _) = admin.action(&conversation, "release").await;
        assert_eq!(status, 200);
    }
}

/// Reading clears the unread count and tells the visitor.
#[tokio::test]
async fn reading_tells_the_visitor() {
    let (app, _fake, id) = shop(json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    widget.action("handoff").await;
    widget.send("Первое").await;
    widget.send("Второе").await;
    let operator = Operator::admin(&app).await;
    let (_, listed) = operator.inbox("").await;
    assert_eq!(listed["items"][0]["operator_unread"], 2);
    let mut events = widget.events(None).await;
    let (status, read) = operator.action(&conversation, "read").await;
    assert_eq!((status, read["operator_unread"].as_i64()), (200, Some(0)));
    let frame = events.next().await;
    assert_eq!(frame.event, "read");
    assert_eq!(frame.data["role"], "operator");
}
