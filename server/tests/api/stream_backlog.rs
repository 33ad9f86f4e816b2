//! An operator stream opened on a long backlog sends it page by page: each
//! page's events, then the summaries of the conversations that page changed,
//! so no query names more than a page of conversations and the backlog is
//! never held whole.

use crate::helpers::spawn_app;
use crate::operator_client::Operator;
use crate::widget_client::{Frame, Widget, project};
use engine::db::entities::{projects, visitors};
use engine::services::conversations::{self, Origin};
use engine::services::events::{self, Kind, PAGE};
use fake_openai::FakeOpenAi;
use sea_orm::EntityTrait;
use serde_json::json;
use std::collections::HashSet;

/// More conversations than one page of events: all are summarised, and the
/// first summaries come before the second page's events.
#[tokio::test]
async fn a_backlog_longer_than_a_page_is_sent_page_by_page() {
    // Arrange: one event in each of PAGE + 50 conversations.
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({})).await;
    Widget::open(&app, &id).await;
    let project = projects::Entity::find_by_id(id.parse::<uuid::Uuid>().expect("uuid"))
        .one(&app.db)
        .await
        .expect("read")
        .expect("project");
    let visitor = visitors::Entity::find()
        .one(&app.db)
        .await
        .expect("read")
        .expect("visitor");
    let count = usize::try_from(PAGE).expect("page") + 50;
    let origin = Origin {
        page_url: None,
        referrer: None,
    };
    let txn = engine::db::begin_write(&app.db).await.expect("txn");
    let mut ids = HashSet::new();
    for _ in 0..count {
        let conversation = conversations::open(&txn, &project, &visitor, &origin)
            .await
            .expect("opened");
        let payload = json!({"conversation_id": conversation.id, "role": "operator"});
        events::emit(&txn, &conversation, Kind::Read, &payload)
            .await
            .expect("event");
        ids.insert(conversation.id.to_string());
    }
    txn.commit().await.expect("commit");
    let operator = Operator::admin(&app).await;
    // Act
    let mut stream = operator.events(Some(0)).await;
    let mut summarised = HashSet::new();
    let mut frames: Vec<Frame> = Vec::new();
    while !ids.is_subset(&summarised) {
        let frame = stream.next().await;
        if frame.event == "conversation" {
            summarised.insert(frame.data["id"].as_str().expect("id").to_owned());
        }
        frames.push(frame);
    }
    // Assert
    let first_summary = frames
        .iter()
        .position(|f| f.event == "conversation")
        .expect("a summary");
    let last_event = frames
        .iter()
        .rposition(|f| f.event == "read")
        .expect("the events");
    assert!(
        first_summary < last_event,
        "the first page's summaries come before the next page's events"
    );
    let reads = frames.iter().filter(|f| f.event == "read").count();
    assert_eq!(reads, count, "every event once");
}
