//! The operators' inbox: what it lists (scoped, filtered, searched, paged)
//! and their event stream (live, replayed, scoped), and operators' presence.

use crate::helpers::spawn_app;
use crate::operator_client::Operator;
use crate::widget_client::{ORIGIN, Widget, project};
use fake_openai::FakeOpenAi;
use serde_json::{Value, json};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Newest activity first, a page at a time; conversations nobody wrote in
/// are not listed; filters by project and status; bad filters are 400.
#[tokio::test]
async fn the_inbox_pages_filters_and_hides_empty_conversations() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let shop = project(&app, &fake, json!({})).await;
    let blog = project(&app, &fake, json!({"name": "Blog"})).await;
    let mut written = Vec::new();
    for (index, project_id) in [&shop, &shop, &blog, &shop, &blog].into_iter().enumerate() {
        let widget = Widget::open(&app, project_id).await;
        let mut events = widget.events(None).await;
        widget.send(&format!("Вопрос {index}")).await;
        events.until_answer().await;
        written.push(
            widget.session["conversation_id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let _silent = Widget::open(&app, &shop).await;
    let admin = Operator::admin(&app).await;

    let (status, first) = admin.inbox("limit=2").await;
    assert_eq!(status, 200, "{first}");
    let mut seen = ids(&first);
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    while let Some(next) = cursor {
        let (status, page) = admin
            .inbox(&format!("limit=2&cursor={}", urlencode(&next)))
            .await;
        assert_eq!(status, 200, "{page}");
        seen.extend(ids(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    let newest_first: Vec<String> = written.iter().rev().cloned().collect();
    assert_eq!(
        seen, newest_first,
        "every written conversation once, newest first"
    );

    let (_, blog_only) = admin.inbox(&format!("project_id={blog}")).await;
    assert_eq!(ids(&blog_only), [written[4].clone(), written[2].clone()]);
    let (_, waiting) = admin.inbox("status=waiting_human").await;
    assert!(ids(&waiting).is_empty());
    let (status, bad) = admin.inbox("status=open").await;
    assert_eq!(
        (status, bad["error"].as_str()),
        (400, Some("validation_failed"))
    );
    let (status, bad) = admin.inbox("cursor=yesterday").await;
    assert_eq!(status, 400, "{bad}");
}

/// Search finds words in messages whatever their case, Cyrillic included,
/// and takes `%` and `_` literally.
#[tokio::test]
async fn search_is_case_insensitive_in_russian() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let shop = project(&app, &fake, json!({})).await;
    let delivery = Widget::open(&app, &shop).await;
    delivery.send("Сколько стоит ДОСТАВКА в Казань?").await;
    let discount = Widget::open(&app, &shop).await;
    discount.send("Скидка 100% на всё?").await;
    let admin = Operator::admin(&app).await;

    let (_, found) = admin
        .inbox(&format!("q={}", urlencode("доставка в казань")))
        .await;
    assert_eq!(
        ids(&found),
        [delivery.session["conversation_id"].as_str().expect("id")]
    );
    let (_, percent) = admin.inbox(&format!("q={}", urlencode("100%"))).await;
    assert_eq!(
        ids(&percent),
        [discount.session["conversation_id"].as_str().expect("id")]
    );
    let (_, wildcard) = admin.inbox(&format!("q={}", urlencode("%"))).await;
    assert_eq!(
        ids(&wildcard).len(),
        1,
        "`%` is a character, not a wildcard"
    );
    let (_, none) = admin.inbox("q=zzz").await;
    assert!(ids(&none).is_empty());
}

/// An operator sees the conversations of their projects only: in the list,
/// by id (404 otherwise), in actions, and on their stream.
#[tokio::test]
async fn operators_see_their_projects_only() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let shop = project(&app, &fake, json!({})).await;
    let blog = project(&app, &fake, json!({"name": "Blog"})).await;
    let operator = Operator::member_of(&app, &[&shop]).await;
    let mut stream = operator.events(None).await;
    let theirs = Widget::open(&app, &shop).await;
    let other = Widget::open(&app, &blog).await;
    other.send("Чужой вопрос").await;
    theirs.send("Свой вопрос").await;

    let first = stream.until(|f| f.event == "message").await;
    assert!(
        first.iter().all(|f| f
            .data
            .to_string()
            .contains(theirs.session["conversation_id"].as_str().expect("id"))),
        "nothing of the other project: {first:?}"
    );
    let (_, listed) = operator.inbox("").await;
    assert_eq!(
        ids(&listed),
        [theirs.session["conversation_id"].as_str().expect("id")]
    );
    let hidden = other.session["conversation_id"].as_str().expect("id");
    let (status, body) = operator.conversation(hidden).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("conversation_not_found"))
    );
    let (status, _) = operator.action(hidden, "takeover").await;
    assert_eq!(status, 404);
    let (status, _) = operator.send(hidden, "Привет").await;
    assert_eq!(status, 404);
}

/// The stream shows a visitor's message and the AI's answer live (deltas
/// included), each change followed by the conversation's summary; a
/// reconnect with `?after=` or `Last-Event-ID` replays what was missed.
#[tokio::test]
async fn the_operators_stream_is_live_and_replays() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Доставка будет завтра до обеда.");
    fake.set_delta_delay(std::time::Duration::from_millis(50));
    let shop = project(&app, &fake, json!({})).await;
    let admin = Operator::admin(&app).await;
    let mut live = admin.events(None).await;
    let widget = Widget::open(&app, &shop).await;
    widget.send("Когда доставка?").await;
    let frames = live
        .until(|f| f.event == "message" && f.data["status"] == "complete" && f.data["role"] == "ai")
        .await;
    assert!(
        frames.iter().any(|f| f.event == "delta"),
        "the answer streams"
    );
    let summary = live.until(|f| f.event == "conversation").await;
    let summary = &summary.last().expect("summary").data;
    assert_eq!(
        summary["last_message_preview"],
        "Доставка будет завтра до обеда."
    );
    assert_eq!(summary["status"], "ai");

    let visitor_message = frames
        .iter()
        .find(|f| f.event == "message" && f.data["role"] == "visitor")
        .expect("the visitor's message");
    let before = visitor_message.id.expect("id") - 1;
    let mut replay = admin.events(Some(before)).await;
    let replayed = replay
        .until(|f| f.event == "message" && f.data["status"] == "complete" && f.data["role"] == "ai")
        .await;
    assert_eq!(replayed[0].data["text"], "Когда доставка?");
    assert!(
        replayed.iter().all(|f| f.event != "delta"),
        "a replay sends messages, not deltas"
    );

    let response = app
        .authed(reqwest::Method::GET, "/api/v1/admin/events", &admin.token)
        .header("last-event-id", before.to_string())
        .send()
        .await
        .expect("stream");
    assert_eq!(response.headers()["x-accel-buffering"], "no");
    let mut resumed = crate::widget_client::Events::from_response(response);
    let first = resumed.next().await;
    assert_eq!(first.id, visitor_message.id, "resumes after Last-Event-ID");

    let anonymous = app.get("/api/v1/admin/events").await;
    assert_eq!(anonymous.status(), 401);
}

/// `humans_online` in the widget's config is true while an operator of the
/// project has the dashboard (its stream) open.
#[tokio::test]
async fn humans_are_online_while_an_operator_watches() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let shop = project(&app, &fake, json!({})).await;
    let blog = project(&app, &fake, json!({"name": "Blog"})).await;
    let online = |id: String| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(format!(
                    "{}/api/v1/widget/config?project_id={id}",
                    app.address
                ))
                .header("origin", ORIGIN)
                .send()
                .await
                .expect("config");
            response.json::<Value>().await.expect("json")["humans_online"].clone()
        }
    };
    assert_eq!(online(shop.clone()).await, false);
    let operator = Operator::member_of(&app, &[&shop]).await;
    let stream = operator.events(None).await;
    assert_eq!(online(shop.clone()).await, true);
    assert_eq!(online(blog.clone()).await, false, "not their project");
    drop(stream);
    let mut gone = false;
    for _ in 0..50 {
        if online(shop.clone()).await == false {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(gone, "offline once the stream closed");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// A visitor typing shows on the operators' stream, and an operator typing on the visitor's.
#[tokio::test]
async fn typing_shows_both_ways() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let shop = project(&app, &fake, json!({})).await;
    let admin = Operator::admin(&app).await;
    let widget = Widget::open(&app, &shop).await;
    let conversation = widget.session["conversation_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut desk = admin.events(None).await;
    let mut visitor = widget.events(None).await;
    let (status, _) = widget.action("typing").await;
    assert_eq!(status, 200);
    let typing = desk
        .until(|f| f.event == "typing" && f.data["role"] == "visitor")
        .await;
    assert_eq!(typing.last().expect("typing").data["active"], true);
    let (status, _) = admin.action(&conversation, "typing").await;
    assert_eq!(status, 204);
    let typing = visitor
        .until(|f| f.event == "typing" && f.data["role"] == "operator")
        .await;
    assert_eq!(typing.last().expect("typing").data["active"], true);
}

/// An operator removed from a project loses its conversations on their open
/// stream too: the stream ends (the dashboard reconnects with the new scope).
#[tokio::test]
async fn a_removed_operators_stream_ends() {
    use engine::db::entities::project_members;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let shop = project(&app, &fake, json!({})).await;
    let operator = Operator::member_of(&app, &[&shop]).await;
    let response = app
        .authed(
            reqwest::Method::GET,
            "/api/v1/admin/events",
            &operator.token,
        )
        .send()
        .await
        .expect("stream");
    let shop_id: uuid::Uuid = shop.parse().expect("uuid");
    project_members::Entity::delete_many()
        .filter(project_members::Column::ProjectId.eq(shop_id))
        .exec(&app.db)
        .await
        .expect("membership removed");
    let body = tokio::time::timeout(std::time::Duration::from_secs(10), response.text())
        .await
        .expect("the stream ends")
        .expect("its body");
    assert!(body.starts_with("retry:"), "{body}");
}
