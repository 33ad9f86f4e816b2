//! The AI relay: a visitor's message answered by the project's own AI,
//! streamed word by word, in both API styles, with sources, cancellation and
//! replay.

use crate::helpers::{eventually, spawn_app};
use crate::widget_client::{Widget, answer, project, streamed};
use fake_openai::FakeOpenAi;
use serde_json::{Value, json};
use std::time::Duration;

fn ai_answers(session: &Value) -> Vec<&Value> {
    session["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|message| message["role"] == "ai")
        .collect()
}

/// The answer streams as deltas between a `streaming` and a `complete`
/// message, after a "typing" event, and the provider got the Responses call
/// `docs/architecture.md` describes ("The AI call").
#[tokio::test]
async fn a_message_is_answered_word_by_word_on_the_event_stream() {
    // Arrange
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Добрый день! Доставка занимает два дня.");
    // Slow enough that the stream shows the answer's creation before the second word.
    fake.set_delta_delay(Duration::from_millis(100));
    let id = project(&app, &fake, json!({"model": "gpt-4.1-mini"})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;

    // Act
    let (status, sent) = widget.send("Сколько идёт доставка?").await;

    // Assert
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["message"]["role"], "visitor");
    let frames = events.until_answer().await;
    let kinds: Vec<&str> = frames.iter().map(|f| f.event.as_str()).collect();
    assert_eq!(
        kinds[0], "message",
        "the visitor's message first: {kinds:?}"
    );
    assert_eq!(frames[0].data["text"], "Сколько идёт доставка?");
    assert_eq!(kinds[1], "typing");
    assert_eq!(frames[1].data["role"], "ai");
    assert_eq!(frames[1].data["active"], true);
    assert_eq!(frames[2].data["status"], "streaming");
    assert!(
        frames.iter().filter(|f| f.event == "delta").count() >= 5,
        "word by word"
    );
    assert_eq!(streamed(&frames), "Добрый день! Доставка занимает два дня.");
    let last = answer(&frames);
    assert_eq!(last["status"], "complete");
    assert_eq!(last["text"], "Добрый день! Доставка занимает два дня.");
    let ids: Vec<i64> = frames.iter().filter_map(|f| f.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "increasing ids: {ids:?}"
    );
    assert!(
        frames
            .iter()
            .filter(|f| f.event != "delta")
            .all(|f| f.id.is_some())
    );

    let request = fake.requests().pop().expect("called");
    assert_eq!(request.path, "/v1/responses");
    let body = request.body.expect("a JSON body");
    assert_eq!(body["stream"], true);
    assert_eq!(body["store"], false);
    assert_eq!(body["model"], "gpt-4.1-mini");
    assert_eq!(body["instructions"], "You are the shop's assistant.");
    assert_eq!(
        body["input"],
        json!([{"role": "user", "content": "Сколько идёт доставка?"}])
    );
    assert_eq!(
        body["tools"],
        json!([{
            "type": "function",
            "name": "handoff_to_human",
            "description": engine::llm::HANDOFF_TOOL_DESCRIPTION,
            "parameters": engine::llm::handoff_parameters(),
            "strict": true,
        }]),
        "no vector stores: no file_search; the project allows the AI to hand off"
    );
}

/// With vector stores the call carries `file_search`, and the citations
/// come back as the message's sources.
#[tokio::test]
async fn file_search_citations_are_stored_as_sources() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_citations(&[("file-faq", "faq.pdf"), ("file-prices", "prices.xlsx")]);
    let id = project(&app, &fake, json!({"vector_store_ids": ["vs_faq"]})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    widget.send("Какие цены?").await;
    let frames = events.until_answer().await;
    let answer = answer(&frames);
    assert_eq!(
        answer["sources"],
        json!([
            {"file_id": "file-faq", "filename": "faq.pdf", "url": null, "title": null},
            {"file_id": "file-prices", "filename": "prices.xlsx", "url": null, "title": null}
        ]),
        "files not added through aiwidget keep the provider's name, with no link"
    );
    let body = fake.requests().pop().expect("called").body.expect("body");
    assert_eq!(
        body["tools"][0],
        json!({"type": "file_search", "vector_store_ids": ["vs_faq"]})
    );
    let again = Widget::open_with(&app, &id, json!({"visitor_token": widget.token})).await;
    assert_eq!(ai_answers(&again.session)[0]["sources"], answer["sources"]);
}

/// A `chat_completions` project is answered through `/chat/completions`,
/// with the instructions as a system message; a provider that refuses
/// `stream_options` is asked again without it.
#[tokio::test]
async fn chat_completions_projects_stream_too() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Hello there, friend.");
    // Slow enough that the stream sees the answer while it is being written.
    fake.set_delta_delay(Duration::from_millis(100));
    fake.set_reject_stream_options(true);
    let id = project(&app, &fake, json!({"api_style": "chat_completions"})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    widget.send("Hi").await;
    let frames = events.until_answer().await;
    assert_eq!(streamed(&frames), "Hello there, friend.");
    assert_eq!(answer(&frames)["status"], "complete");
    let requests = fake.requests();
    let last = requests.last().expect("called");
    assert_eq!(last.path, "/v1/chat/completions");
    let body = last.body.clone().expect("body");
    assert!(body.get("stream_options").is_none(), "the retry drops it");
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "You are the shop's assistant."},
            {"role": "user", "content": "Hi"}
        ])
    );
}

/// Three quick messages get one answer: each new message cancels the reply
/// in flight (the upstream request is dropped) and the last call carries all three.
#[tokio::test]
async fn three_quick_messages_get_one_answer() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_delta_delay(Duration::from_millis(150));
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    let mut streaming: Vec<Value> = Vec::new();
    for (sent, text) in ["Привет", "у вас есть доставка", "в Казань?"]
        .into_iter()
        .enumerate()
    {
        let (status, _) = widget.send(text).await;
        assert_eq!(status, 202);
        if sent < 2 {
            // The next message comes while this one's answer streams: its
            // first word (a delta of an answer not seen before) is on the stream.
            let frames = events
                .until(|f| f.event == "delta" && !streaming.contains(&f.data["message_id"]))
                .await;
            streaming.push(frames.last().expect("delta").data["message_id"].clone());
        }
    }
    events
        .until(|f| f.event == "message" && f.data["role"] == "ai" && f.data["status"] == "complete")
        .await;
    let session = Widget::open_with(&app, &id, json!({"visitor_token": widget.token})).await;
    let complete: Vec<_> = ai_answers(&session.session)
        .into_iter()
        .filter(|m| m["status"] == "complete")
        .collect();
    assert_eq!(
        complete.len(),
        1,
        "one answer: {}",
        session.session["messages"]
    );
    let last = fake.requests().pop().expect("called").body.expect("body");
    let input: Vec<&str> = last["input"]
        .as_array()
        .expect("input")
        .iter()
        .filter(|turn| turn["role"] == "user")
        .filter_map(|turn| turn["content"].as_str())
        .collect();
    assert_eq!(input, ["Привет", "у вас есть доставка", "в Казань?"]);
    assert!(
        eventually(|| fake.cancelled_streams() == 2).await,
        "both replies in flight were dropped upstream"
    );
}

/// A retried send with the same `client_message_id` is stored once and answered once.
#[tokio::test]
async fn a_retried_send_is_stored_once() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    let body = json!({"text": "Заказ 42", "client_message_id": "c-1"});
    let (first_status, first) = widget.send_body(&body).await;
    events.until_answer().await;
    let after = widget.last_event_id().await;
    let (second_status, second) = widget.send_body(&body).await;
    widget.unanswered_since(after).await;
    assert_eq!((first_status, second_status), (202, 202));
    assert_eq!(first["message"]["id"], second["message"]["id"]);
    let session = Widget::open_with(&app, &id, json!({"visitor_token": widget.token})).await;
    let visitor: Vec<_> = session.session["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["role"] == "visitor")
        .collect();
    assert_eq!(visitor.len(), 1);
    assert_eq!(fake.requests().len(), 1, "answered once");
}

/// A stream that reconnects with `?after=` or `Last-Event-ID` gets what it
/// missed from the table, in order, with the final text of the answer.
#[tokio::test]
async fn a_reconnecting_stream_replays_what_it_missed() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("One two three.");
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let after = widget.session["last_event_id"]
        .as_i64()
        .expect("last_event_id");
    let mut live = widget.events(None).await;
    widget.send("Раз").await;
    let seen = live.until_answer().await;
    drop(live);

    let mut replay = widget.events(Some(after)).await;
    let replayed = replay.until_answer().await;
    let stored: Vec<i64> = seen.iter().filter_map(|f| f.id).collect();
    let replayed_ids: Vec<i64> = replayed.iter().filter_map(|f| f.id).collect();
    assert_eq!(
        replayed_ids, stored,
        "the same events, in order: {replayed:?}"
    );
    assert_eq!(replayed[0].data["text"], "Раз");
    assert_eq!(replayed[2].data["role"], "ai");
    assert_eq!(
        replayed[2].data["text"], "One two three.",
        "the message as it is now"
    );
    assert!(replayed.iter().all(|f| f.event != "delta"));

    let first_id = replayed[0].id.expect("id");
    let response = app
        .client
        .get(format!(
            "{}/api/v1/widget/events?token={}",
            app.address, widget.token
        ))
        .header("origin", crate::widget_client::ORIGIN)
        .header("last-event-id", first_id.to_string())
        .send()
        .await
        .expect("stream");
    assert_eq!(response.headers()["x-accel-buffering"], "no");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut resumed = crate::widget_client::Events::from_response(response);
    let next = resumed.next().await;
    assert!(
        next.id.expect("id") > first_id,
        "resumes after Last-Event-ID"
    );
}

/// Asking for a human stops the reply in flight (its text so far is kept,
/// interrupted) and the AI stays silent afterwards.
#[tokio::test]
async fn asking_for_a_human_stops_the_ai() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("This answer is long enough to be interrupted in the middle of it.");
    fake.set_delta_delay(Duration::from_millis(100));
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    widget.send("Позовите человека").await;
    events.until(|f| f.event == "delta").await;

    let (status, state) = widget.action("handoff").await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["status"], "waiting_human");
    let frames = events
        .until(|f| f.event == "message" && f.data["status"] == "interrupted")
        .await;
    assert!(
        frames
            .iter()
            .any(|f| f.event == "status" && f.data["status"] == "waiting_human")
    );
    let interrupted = &frames.last().expect("interrupted").data;
    assert!(
        !interrupted["text"].as_str().expect("text").is_empty(),
        "partial text kept"
    );
    assert!(
        eventually(|| fake.cancelled_streams() == 1).await,
        "the upstream request was dropped"
    );

    let (again, _) = widget.action("handoff").await;
    assert_eq!(again, 200, "a second request is a no-op");
    let after = widget.last_event_id().await;
    widget.send("Жду").await;
    let since = widget.unanswered_since(after).await;
    assert!(
        since
            .iter()
            .any(|f| f.event == "message" && f.data["text"] == "Жду"),
        "the message was stored: {since:?}"
    );
    assert_eq!(
        crate::widget_client::answer_requests(&fake).len(),
        1,
        "no AI answer while waiting for a human (only the handoff's summary)"
    );
}

/// The visitor's typing reaches the stream as a `typing` event.
#[tokio::test]
async fn visitor_typing_is_an_event() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let mut events = widget.events(None).await;
    let (status, _) = widget.action("typing").await;
    assert_eq!(status, 200);
    let frame = events.next().await;
    assert_eq!(frame.event, "typing");
    assert_eq!(frame.data["role"], "visitor");
}
