//! `waiting_human` and `closed`: the visitor's messages wait for a human,
//! conversations close and reopen, and the "nobody came" deadline resumes
//! the AI or asks for a contact.

use crate::helpers::{TestApp, json as read_json, spawn_app};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, answer, post, project, shop};
use engine::db::entities::conversations;
use fake_openai::FakeOpenAi;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

/// `waiting_human`: the visitor's messages are stored (and alert the
/// operators' stream) without an AI answer; a second handoff is a no-op; an
/// operator takes over; `closed` from any state; `closed` + visitor message
/// opens a new conversation in `ai`; actions on a closed one are refused.
#[tokio::test]
async fn waiting_closing_and_reopening() {
    let (app, fake, id) = shop(json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    let operator = Operator::member_of(&app, &[&id]).await;
    let mut inbox = operator.events(None).await;

    widget.send("Привет").await;
    // From the start: the answer may end before a live-only stream opens.
    widget.events(Some(0)).await.until_answer().await;
    let (status, _) = widget.action("handoff").await;
    assert_eq!(status, 200);
    let alert = inbox
        .until(|f| f.event == "conversation" && f.data["status"] == "waiting_human")
        .await;
    assert_eq!(
        alert.last().expect("summary").data["handoff_reason"],
        "the visitor asked for a human"
    );
    let (status, again) = widget.action("handoff").await;
    assert_eq!(
        (status, again["status"].as_str()),
        (200, Some("waiting_human"))
    );
    // The handoff's summary is asked for in the background: left out.
    let requests = crate::widget_client::answer_requests(&fake).len();
    let after = widget.last_event_id().await;
    widget.send("Жду человека").await;
    let message = inbox
        .until(|f| f.event == "message" && f.data["text"] == "Жду человека")
        .await;
    assert_eq!(message.last().expect("message").data["role"], "visitor");
    widget.unanswered_since(after).await;
    assert_eq!(
        crate::widget_client::answer_requests(&fake).len(),
        requests,
        "no AI answer while waiting"
    );

    let (status, taken) = operator.action(&conversation, "takeover").await;
    assert_eq!((status, taken["status"].as_str()), (200, Some("human")));
    let (status, closed) = operator.action(&conversation, "close").await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
    let (status, again) = operator.action(&conversation, "close").await;
    assert_eq!(
        (status, again["status"].as_str()),
        (200, Some("closed")),
        "no-op"
    );
    for action in ["takeover", "release"] {
        let (status, refused) = operator.action(&conversation, action).await;
        assert_eq!(status, 409, "{action}");
        assert_eq!(refused["error"], "conversation_closed");
    }
    let (status, refused) = operator.send(&conversation, "Ещё тут?").await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (409, Some("conversation_closed"))
    );

    let (status, sent) = widget.send("Ещё вопрос").await;
    assert_eq!(status, 202);
    let reopened = sent["message"]["conversation_id"].as_str().expect("id");
    assert_ne!(reopened, conversation, "a new conversation");
    let (_, fresh) = operator.conversation(reopened).await;
    assert_eq!(fresh["conversation"]["status"], "ai");

    // An AI conversation closes directly too.
    let other = Widget::open(&app, &id).await;
    other.send("Привет").await;
    let (status, closed) = operator.action(&other.conversation_id(), "close").await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
}

/// Moves every handoff deadline into the past: the state a conversation is
/// in once the project's "nobody came" minutes have passed, which no
/// service makes sooner (the sweep then acts on it within 100 ms).
pub(crate) async fn expire_deadlines(app: &TestApp) {
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::HandoffDeadlineAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(conversations::Column::HandoffDeadlineAt.is_not_null())
        .exec(&app.db)
        .await
        .expect("deadline moved");
}

/// `waiting_human` + nobody came (project: the AI resumes): back to `ai`
/// with a notice, and the AI answers the visitor's waiting message.
#[tokio::test]
async fn when_nobody_comes_the_ai_resumes() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Отвечу я.");
    let settings = json!({"handoff": {"timeout_minutes": 5, "timeout_action": "ai"}});
    let id = project(&app, &fake, settings).await;
    let widget = Widget::open(&app, &id).await;
    widget.action("handoff").await;
    widget.send("Есть кто?").await;
    let mut events = widget.events(None).await;
    expire_deadlines(&app).await;
    let frames = events.until_answer().await;
    assert!(
        frames
            .iter()
            .any(|f| f.event == "status" && f.data["status"] == "ai")
    );
    assert!(
        frames
            .iter()
            .any(|f| f.event == "message" && f.data["error_kind"] == "handoff_timeout")
    );
    assert_eq!(answer(&frames)["text"], "Отвечу я.");
}

/// `waiting_human` + nobody came (project: leave a contact): the visitor is
/// asked for a contact, which is stored on the visitor, searchable, and
/// shown to the operators.
#[tokio::test]
async fn when_nobody_comes_the_visitor_leaves_a_contact() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let settings = json!({"handoff": {"timeout_minutes": 5, "timeout_action": "contact"}});
    let id = project(&app, &fake, settings).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    widget.send("Нужна консультация").await;
    // From the start: the answer may end before a live-only stream opens.
    widget.events(Some(0)).await.until_answer().await;
    let mut events = widget.events(None).await;
    widget.action("handoff").await;
    expire_deadlines(&app).await;
    let frames = events
        .until(|f| f.event == "message" && f.data["role"] == "system")
        .await;
    assert_eq!(
        frames.last().expect("notice").data["error_kind"],
        "contact_requested"
    );

    let token = widget.token.clone();
    let bad = json!({"name": "Иван"});
    let (status, refused) =
        read_json(post(&app, "/api/v1/widget/contact", Some(&token), &bad).await).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["fields"]["email"].is_string());
    let contact = json!({"name": "Иван Петров", "email": "ivan@example.ru", "text": "Перезвоните"});
    let (status, state) =
        read_json(post(&app, "/api/v1/widget/contact", Some(&token), &contact).await).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["status"], "waiting_human");

    let operator = Operator::admin(&app).await;
    let (_, detail) = operator.conversation(&conversation).await;
    assert_eq!(detail["visitor"]["contact_email"], "ivan@example.ru");
    assert_eq!(detail["conversation"]["visitor_label"], "Иван Петров");
    let (_, found) = operator.inbox("q=ПЕТРОВ").await;
    assert_eq!(found["items"][0]["id"], conversation.as_str());
}
