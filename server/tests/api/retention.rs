//! Retention, swept in the background: conversations past their project's
//! `retention_days` go with their messages, events and visitors; events past
//! the replay horizon go for everyone, and a stream resuming from a pruned
//! cursor gets the current state instead of a silent gap.

use crate::fixtures;
use crate::helpers::{TestApp, spawn_app};
use crate::operator_client::Operator;
use crate::privacy::{conversations_of, visitor_with_data};
use engine::db::entities::{
    conversations, events, messages, projects, visitor_deletions, visitors,
};
use engine::services::events::pruned_through;
use engine::services::retention::EVENTS_KEPT;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::time::Duration;
use uuid::Uuid;

/// Row counts of the tables a visitor's data lives in.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    visitors: u64,
    conversations: u64,
    messages: u64,
    events: u64,
}

/// The rows of `visitor_id` in each table.
async fn counts(app: &TestApp, visitor_id: Uuid) -> Counts {
    let ids = conversations_of(app, visitor_id).await;
    Counts {
        visitors: visitors::Entity::find_by_id(visitor_id)
            .count(&app.db)
            .await
            .expect("count"),
        conversations: ids.len() as u64,
        messages: messages::Entity::find()
            .filter(messages::Column::ConversationId.is_in(ids.clone()))
            .count(&app.db)
            .await
            .expect("count"),
        events: events::Entity::find()
            .filter(events::Column::ConversationId.is_in(ids))
            .count(&app.db)
            .await
            .expect("count"),
    }
}

/// Makes `visitor_id` and their conversations look idle for `days`.
async fn age_visitor(app: &TestApp, visitor_id: Uuid, days: i64) {
    let then = chrono::Utc::now() - chrono::Duration::days(days);
    conversations::Entity::update_many()
        .col_expr(conversations::Column::LastMessageAt, Expr::value(then))
        .col_expr(conversations::Column::UpdatedAt, Expr::value(then))
        .filter(conversations::Column::VisitorId.eq(visitor_id))
        .exec(&app.db)
        .await
        .expect("aged conversations");
    visitors::Entity::update_many()
        .col_expr(visitors::Column::LastSeenAt, Expr::value(then))
        .filter(visitors::Column::Id.eq(visitor_id))
        .exec(&app.db)
        .await
        .expect("aged visitor");
}

/// Makes every stored event older than the replay horizon.
async fn age_events(app: &TestApp) {
    let then = chrono::Utc::now() - EVENTS_KEPT - chrono::Duration::hours(1);
    events::Entity::update_many()
        .col_expr(events::Column::CreatedAt, Expr::value(then))
        .exec(&app.db)
        .await
        .expect("aged events");
}

/// Sets the project's retention in days, as the dashboard stores it.
async fn keep_for(app: &TestApp, project_id: Uuid, days: Option<i32>) {
    projects::Entity::update_many()
        .col_expr(projects::Column::RetentionDays, Expr::value(days))
        .filter(projects::Column::Id.eq(project_id))
        .exec(&app.db)
        .await
        .expect("retention set");
}

/// Waits (up to 15 s) until `visitor_id` has no row left in any table.
async fn until_gone(app: &TestApp, visitor_id: Uuid) -> Counts {
    let none = Counts {
        visitors: 0,
        conversations: 0,
        messages: 0,
        events: 0,
    };
    for _ in 0..150 {
        let now = counts(app, visitor_id).await;
        if now == none {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    counts(app, visitor_id).await
}

/// The background sweep deletes a conversation idle for longer than its
/// project keeps them, with its messages, events and visitor (recorded as a
/// `retention` deletion); a recent visitor of that project and an old one
/// of a project that keeps everything stay whole.
#[tokio::test]
async fn retention_deletes_old_conversations_and_keeps_recent_ones() {
    // Arrange
    let app = spawn_app().await;
    let kept_30_days = fixtures::project(&app).await;
    let kept_forever = fixtures::project(&app).await;
    keep_for(&app, kept_30_days, Some(30)).await;
    let (_old, old) = visitor_with_data(&app, kept_30_days, "Old 1", "old@example.org").await;
    let (_new, recent) = visitor_with_data(&app, kept_30_days, "New 2", "new@example.org").await;
    let (_f, forever) = visitor_with_data(&app, kept_forever, "Kept 3", "kept@example.org").await;
    let old_before = counts(&app, old).await;
    let recent_before = counts(&app, recent).await;
    let forever_before = counts(&app, forever).await;
    // The sweep runs in the background: it may act as soon as these land.
    age_visitor(&app, old, 31).await;
    age_visitor(&app, forever, 400).await;
    // Unseen for long, but with a recent conversation: the visitor stays.
    visitors::Entity::update_many()
        .col_expr(
            visitors::Column::LastSeenAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(90)),
        )
        .filter(visitors::Column::Id.eq(recent))
        .exec(&app.db)
        .await
        .expect("aged visitor");
    assert!(
        old_before.messages >= 2 && old_before.events >= 2,
        "{old_before:?}"
    );
    // Act: the sweep runs in the background.
    let old_after = until_gone(&app, old).await;
    // Assert
    assert_eq!(
        old_after.visitors + old_after.conversations + old_after.messages + old_after.events,
        0,
        "{old_after:?}"
    );
    assert_eq!(
        counts(&app, recent).await,
        recent_before,
        "the recent visitor stays"
    );
    assert_eq!(
        counts(&app, forever).await,
        forever_before,
        "NULL keeps forever"
    );
    let records = visitor_deletions::Entity::find()
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        (records[0].visitor_id, records[0].reason.as_str()),
        (old, "retention")
    );
    assert_eq!(records[0].deleted_by, None);
}

/// Events older than the horizon are pruned for everyone and the watermark
/// is the highest pruned id; newer events stay.
#[tokio::test]
async fn old_events_are_pruned_and_the_watermark_kept() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let (widget, _) = visitor_with_data(&app, project, "Hello", "a@example.org").await;
    let newest_old = events::Entity::find()
        .all(&app.db)
        .await
        .expect("events")
        .iter()
        .map(|row| row.id)
        .max()
        .expect("events were written");
    age_events(&app).await;
    // Act: the background sweep prunes.
    let mut watermark = 0;
    for _ in 0..150 {
        watermark = pruned_through(&app.db).await.expect("watermark");
        if watermark >= newest_old {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Assert
    assert_eq!(watermark, newest_old);
    assert_eq!(
        events::Entity::find().count(&app.db).await.expect("count"),
        0
    );
    let (status, _) = widget.send("Still here").await;
    assert_eq!(status, 202);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kept = events::Entity::find().all(&app.db).await.expect("events");
    assert!(
        !kept.is_empty() && kept.iter().all(|row| row.id > watermark),
        "{kept:?}"
    );
    assert!(
        widget.last_event_id().await >= watermark,
        "a session's cursor is never older than the watermark"
    );
}

/// Waits until every event up to now is pruned; the watermark.
async fn prune_all(app: &TestApp) -> i64 {
    age_events(app).await;
    for _ in 0..150 {
        if events::Entity::find().count(&app.db).await.expect("count") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pruned_through(&app.db).await.expect("watermark")
}

/// A visitor's stream resuming from a pruned cursor gets the current state
/// (the conversation's status and its messages), the last frame carrying a
/// cursor past the gap; a stream from that cursor replays nothing old.
#[tokio::test]
async fn a_visitor_stream_from_a_pruned_cursor_gets_the_current_state() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let (widget, _) = visitor_with_data(&app, project, "My question", "q@example.org").await;
    let watermark = prune_all(&app).await;
    assert!(watermark > 1, "events were pruned");
    // Act
    let mut stream = widget.events(Some(1)).await;
    let frames = stream.until(|frame| frame.id.is_some()).await;
    // Assert
    assert_eq!(frames[0].event, "status", "{frames:?}");
    assert_eq!(frames[0].data["status"], "ai");
    let texts: Vec<&str> = frames
        .iter()
        .filter(|frame| frame.event == "message")
        .filter_map(|frame| frame.data["text"].as_str())
        .collect();
    assert!(texts.contains(&"My question"), "{frames:?}");
    let cursor = frames.last().and_then(|frame| frame.id).expect("a cursor");
    assert!(cursor >= watermark, "{cursor} < {watermark}");
    // From the new cursor: only what happens next.
    let mut resumed = widget.events(Some(cursor)).await;
    let (status, _) = widget.send("Next one").await;
    assert_eq!(status, 202);
    let next = resumed.next().await;
    assert_eq!(
        (next.event.as_str(), &next.data["text"]),
        ("message", &serde_json::json!("Next one"))
    );
}

/// An operator's stream resuming from a pruned cursor gets the
/// conversations as the inbox lists them.
#[tokio::test]
async fn an_operator_stream_from_a_pruned_cursor_gets_the_conversations() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let (_widget, visitor) = visitor_with_data(&app, project, "Anyone?", "o@example.org").await;
    let conversation = conversations_of(&app, visitor).await[0];
    prune_all(&app).await;
    let admin = Operator::admin(&app).await;
    // Act
    let mut stream = admin.events(Some(1)).await;
    let frame = stream.next().await;
    // Assert
    assert_eq!(frame.event, "conversation", "{frame:?}");
    assert_eq!(frame.data["id"], conversation.to_string());
    assert!(frame.id.is_some(), "the cursor moves past the gap");
}
