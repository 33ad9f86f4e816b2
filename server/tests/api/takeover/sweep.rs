//! What the sweep repairs after an instance died: a visitor's message no
//! instance answers, and an answer left streaming.

use crate::helpers::{TestApp, spawn_app};
use crate::widget_client::{Widget, answer, project, shop};
use contract::chat::{MessageRole, MessageStatus};
use engine::db::entities::conversations;
use engine::services::messages::{self, NewMessage};
use fake_openai::FakeOpenAi;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

/// Stores a visitor's message with the services the widget uses, but
/// starts no AI run for it, and dates the conversation's activity 45 s
/// back: a turn whose run was lost with its instance. No service leaves
/// that state on purpose, so the test makes it.
async fn lose_a_turn(app: &TestApp, conversation: &str, text: &str) {
    let id: uuid::Uuid = conversation.parse().expect("uuid");
    let lost = NewMessage::new(id, MessageRole::Visitor, text);
    let row = messages::insert(&app.db, lost)
        .await
        .expect("message stored");
    messages::touch_conversation(&app.db, &row)
        .await
        .expect("touched");
    conversations::Entity::update_many()
        .col_expr(
            conversations::Column::LastMessageAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(45)),
        )
        .filter(conversations::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .expect("backdated");
}

/// Stores an AI answer as the relay starts one (`streaming`), with no run
/// and no lease behind it: what an instance that died mid-answer leaves,
/// which no service leaves on purpose. Returns its id.
async fn orphan_an_answer(app: &TestApp, conversation: &str, text: &str) -> uuid::Uuid {
    let mut orphan = NewMessage::new(conversation.parse().expect("uuid"), MessageRole::Ai, text);
    orphan.status = MessageStatus::Streaming;
    messages::insert(&app.db, orphan)
        .await
        .expect("message stored")
        .id
}

/// A visitor message that no instance answers (its run was lost with an
/// instance, no lease is held) is picked up by the sweep and answered.
#[tokio::test]
async fn a_lost_turn_is_answered_by_the_sweep() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_reply("Отвечаю.");
    let id = project(&app, &fake, json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    let mut events = widget.events(None).await;
    lose_a_turn(&app, &conversation, "Вы тут?").await;
    let frames = events.until_answer().await;
    assert_eq!(answer(&frames)["text"], "Отвечаю.");
}

/// An answer left streaming by an instance that died (no live lease) is
/// marked interrupted by the sweep, and the visitor's stream is told.
#[tokio::test]
async fn an_orphaned_answer_is_repaired_and_shown() {
    let (app, _fake, id) = shop(json!({})).await;
    let widget = Widget::open(&app, &id).await;
    let conversation = widget.conversation_id();
    let mut events = widget.events(None).await;
    let orphan = orphan_an_answer(&app, &conversation, "Половина отв").await;
    let frames = events
        .until(|f| f.event == "message" && f.data["status"] == "interrupted")
        .await;
    let repaired = &frames.last().expect("message").data;
    assert_eq!(repaired["id"], orphan.to_string());
    assert_eq!(repaired["text"], "Половина отв", "the partial text is kept");
    events.until_answer().await;
}
