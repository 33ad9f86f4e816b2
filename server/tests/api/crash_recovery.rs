//! Faults of the server itself: the process killed with SIGKILL while
//! answers stream (no shutdown of any kind), and started again at once on
//! the same database. Every visitor message acknowledged before the kill is
//! still there, no answer is left "streaming" for ever, and the
//! conversations go on.

use crate::helpers::TestDb;
use crate::served::Served;
use crate::widget_client::{Widget, answer, project};
use engine::db::entities::messages;
use fake_openai::FakeOpenAi;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::time::Duration;

/// Five visitors, each with an answer half-streamed, when the server is
/// killed: after the restart their messages are all stored, the cut answers
/// are `interrupted` (their text kept), and a new message in one of those
/// conversations is answered at once: the dead instance's lease is released
/// at start-up (it used to hold the conversation for a minute).
#[tokio::test]
async fn a_killed_server_loses_no_visitor_message_and_answers_again() {
    // Arrange
    let test_db = TestDb::new().await;
    let fake = FakeOpenAi::start().await;
    fake.set_delta_delay(Duration::from_millis(400));
    let mut served = Served::start(&test_db).await;
    let id = project(&served.app, &fake, json!({})).await;
    let mut visitors = Vec::new();
    for n in 0..5 {
        let widget = Widget::open(&served.app, &id).await;
        let text = format!("Вопрос номер {n}: когда вы работаете?");
        let (status, _) = widget.send(&text).await;
        assert_eq!(status, 202);
        visitors.push((widget.token.clone(), text));
    }
    fake.wait_for_requests(5, Duration::from_secs(10)).await;

    // Act
    served.kill_and_restart().await;

    // Assert: nothing the visitors wrote is lost, nothing streams for ever
    let stored = messages::Entity::find()
        .filter(messages::Column::Role.eq("visitor"))
        .all(&served.app.db)
        .await
        .expect("messages");
    for (_, text) in &visitors {
        assert!(
            stored.iter().any(|message| &message.text == text),
            "{text} was acknowledged and must be stored"
        );
    }
    let streaming = messages::Entity::find()
        .filter(messages::Column::Status.eq("streaming"))
        .all(&served.app.db)
        .await
        .expect("messages");
    assert!(streaming.is_empty(), "left streaming: {streaming:?}");

    // And the conversation goes on.
    fake.set_delta_delay(Duration::ZERO);
    let (token, _) = &visitors[0];
    let widget = Widget::open_with(&served.app, &id, json!({"visitor_token": token})).await;
    let mut events = widget.events(None).await;
    let (status, _) = widget.send("Вы ещё здесь?").await;
    assert_eq!(status, 202);
    // Within the stream's wait (10 s), well before the dead run's lease
    // (60 s) would have expired.
    let frames = events.until_answer().await;
    assert_eq!(answer(&frames)["status"], "complete", "{frames:?}");
}
