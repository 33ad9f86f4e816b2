//! One visitor's data: `GET /api/v1/admin/visitors/{id}/export` gives all
//! of it, `DELETE /api/v1/admin/visitors/{id}` leaves nothing of it but the
//! record of the deletion; admins only, scoped to what the caller may see.

use crate::fixtures;
use crate::helpers::{TestApp, json, spawn_app};
use crate::operator_client::Operator;
use crate::widget_client::{Widget, post};
use engine::db::entities::{
    alerts, app_settings, conversations, events, messages, project_members, projects,
    telegram_messages, usage_daily, users, visitor_deletions, visitors,
};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// A visitor of `project_id` who wrote a message (`text`) and left a
/// contact (`email`); their widget and visitor id.
pub(crate) async fn visitor_with_data<'a>(
    app: &'a TestApp,
    project_id: Uuid,
    text: &str,
    email: &str,
) -> (Widget<'a>, Uuid) {
    let widget = Widget::open(app, &project_id.to_string()).await;
    let (status, body) = widget.send(text).await;
    assert_eq!(status, 202, "{body}");
    let contact = json!({"name": "Анна", "email": email, "phone": "+7 900 000-00-00"});
    let response = post(app, "/api/v1/widget/contact", Some(&widget.token), &contact).await;
    assert!(
        response.status().is_success(),
        "contact: {}",
        response.status()
    );
    let conversation_id: Uuid = widget.session["conversation_id"]
        .as_str()
        .expect("conversation id")
        .parse()
        .expect("uuid");
    let visitor_id = conversations::Entity::find_by_id(conversation_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("the conversation")
        .visitor_id;
    (widget, visitor_id)
}

/// Every row of every table, as JSON text, table by table.
pub(crate) async fn every_row(app: &TestApp) -> Vec<(&'static str, String)> {
    let db = &app.db;
    let dump = |rows: Vec<Value>| Value::Array(rows).to_string();
    vec![
        (
            "users",
            dump(
                users::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("users"),
            ),
        ),
        (
            "projects",
            dump(
                projects::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("projects"),
            ),
        ),
        (
            "project_members",
            dump(
                project_members::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("members"),
            ),
        ),
        (
            "visitors",
            dump(
                visitors::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("visitors"),
            ),
        ),
        (
            "conversations",
            dump(
                conversations::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("conversations"),
            ),
        ),
        (
            "messages",
            dump(
                messages::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("messages"),
            ),
        ),
        (
            "events",
            dump(
                events::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("events"),
            ),
        ),
        (
            "usage_daily",
            dump(
                usage_daily::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("usage"),
            ),
        ),
        (
            "app_settings",
            dump(
                app_settings::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("settings"),
            ),
        ),
        (
            "alerts",
            dump(
                alerts::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("alerts"),
            ),
        ),
        (
            "telegram_messages",
            dump(
                telegram_messages::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("telegram messages"),
            ),
        ),
        (
            "visitor_deletions",
            dump(
                visitor_deletions::Entity::find()
                    .into_json()
                    .all(db)
                    .await
                    .expect("deletions"),
            ),
        ),
    ]
}

/// The ids of the conversations of `visitor_id`.
pub(crate) async fn conversations_of(app: &TestApp, visitor_id: Uuid) -> Vec<Uuid> {
    conversations::Entity::find()
        .filter(conversations::Column::VisitorId.eq(visitor_id))
        .all(&app.db)
        .await
        .expect("query")
        .into_iter()
        .map(|row| row.id)
        .collect()
}

async fn export(operator: &Operator<'_>, visitor_id: Uuid) -> (u16, Value) {
    let path = format!("/api/v1/admin/visitors/{visitor_id}/export");
    let response = operator
        .app
        .authed(Method::GET, &path, &operator.token)
        .send()
        .await
        .expect("sent");
    json(response).await
}

async fn delete(operator: &Operator<'_>, visitor_id: Uuid) -> (u16, Value) {
    let path = format!("/api/v1/admin/visitors/{visitor_id}");
    let response = operator
        .app
        .authed(Method::DELETE, &path, &operator.token)
        .send()
        .await
        .expect("sent");
    json(response).await
}

/// The export has the visitor (contact and consent fields included) and
/// every conversation with every message.
#[tokio::test]
async fn the_export_has_the_visitor_their_contact_and_every_message() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let (_widget, visitor_id) =
        visitor_with_data(&app, project, "Where is my order 4471?", "anna@example.org").await;
    let admin = Operator::admin(&app).await;
    // Act
    let (status, body) = export(&admin, visitor_id).await;
    // Assert
    assert_eq!(status, 200, "{body}");
    let visitor = &body["visitor"];
    assert_eq!(visitor["id"], visitor_id.to_string());
    assert_eq!(visitor["project_id"], project.to_string());
    assert_eq!(visitor["contact_name"], "Анна");
    assert_eq!(visitor["contact_email"], "anna@example.org");
    assert_eq!(visitor["contact_phone"], "+7 900 000-00-00");
    assert_eq!(visitor["locale"], "ru-RU");
    for field in [
        "consent_version",
        "consent_at",
        "first_seen_at",
        "last_seen_at",
    ] {
        assert!(
            visitor.get(field).is_some(),
            "{field} is exported: {visitor}"
        );
    }
    let conversations = body["conversations"].as_array().expect("conversations");
    assert_eq!(conversations.len(), 1, "{body}");
    let texts: Vec<&str> = conversations[0]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|message| message["text"].as_str())
        .collect();
    assert!(texts.contains(&"Where is my order 4471?"), "{texts:?}");
    assert!(
        texts.iter().any(|text| text.contains("anna@example.org")),
        "{texts:?}"
    );
    assert_eq!(
        conversations[0]["id"],
        body["conversations"][0]["messages"][0]["conversation_id"]
    );
}

/// After the deletion no table holds anything of the visitor (their id,
/// contact, messages, conversations, events) but `visitor_deletions`, which
/// says who deleted and when; another visitor of the project is untouched.
#[tokio::test]
async fn the_deletion_leaves_nothing_of_the_visitor_but_the_record() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let (_gone, visitor_id) = visitor_with_data(
        &app,
        project,
        "Secret 9137, please forget",
        "gone@example.org",
    )
    .await;
    let (_kept, other_id) =
        visitor_with_data(&app, project, "I stay 5521", "stays@example.org").await;
    let conversation_ids = conversations_of(&app, visitor_id).await;
    let admin = Operator::admin(&app).await;
    let admin_id = app.admin().await.id;
    // Act
    let (status, body) = delete(&admin, visitor_id).await;
    // Assert
    assert_eq!(status, 204, "{body}");
    let forgotten = [
        visitor_id.to_string(),
        "gone@example.org".to_owned(),
        "Secret 9137".to_owned(),
    ];
    for (table, rows) in every_row(&app).await {
        if table == "visitor_deletions" {
            continue;
        }
        for trace in &forgotten {
            assert!(
                !rows.contains(trace.as_str()),
                "{table} still holds {trace}: {rows}"
            );
        }
        for id in &conversation_ids {
            let id = id.to_string();
            let left = if table == "events" {
                only_removals(&rows, &id)
            } else {
                !rows.contains(&id)
            };
            assert!(left, "{table} still holds conversation {id}: {rows}");
        }
    }
    let records = visitor_deletions::Entity::find()
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].visitor_id, visitor_id);
    assert_eq!(records[0].project_id, project);
    assert_eq!(records[0].reason, "request");
    assert_eq!(records[0].deleted_by, Some(admin_id));
    assert!(chrono::Utc::now() - records[0].deleted_at < chrono::Duration::minutes(1));
    assert_eq!(
        export(&admin, visitor_id).await.0,
        404,
        "the visitor is gone"
    );
    assert_eq!(
        delete(&admin, visitor_id).await.0,
        404,
        "deleting again finds nothing"
    );
    let (status, other) = export(&admin, other_id).await;
    assert_eq!(status, 200, "{other}");
    assert_eq!(other["visitor"]["contact_email"], "stays@example.org");
    assert_eq!(
        other["conversations"][0]["messages"][0]["text"],
        "I stay 5521"
    );
}

/// True when every event row that mentions `conversation_id` is the
/// `conversation_removed` event the inbox needs (it names no conversation
/// row, only the id that is gone).
fn only_removals(rows: &str, conversation_id: &str) -> bool {
    let rows: Vec<Value> = serde_json::from_str(rows).expect("rows");
    rows.iter()
        .filter(|row| row.to_string().contains(conversation_id))
        .all(|row| row["kind"] == "conversation_removed" && row["conversation_id"].is_null())
}

/// Operators get `403 admin_only` for a visitor of their own project (and
/// nothing is deleted); a visitor of a project they cannot see, and an
/// unknown visitor, are `404`.
#[tokio::test]
async fn operators_are_refused_and_other_projects_visitors_do_not_exist() {
    // Arrange
    let app = spawn_app().await;
    let mine = fixtures::project(&app).await;
    let theirs = fixtures::project(&app).await;
    let (_a, my_visitor) = visitor_with_data(&app, mine, "Mine", "mine@example.org").await;
    let (_b, their_visitor) = visitor_with_data(&app, theirs, "Theirs", "theirs@example.org").await;
    let operator = Operator::member_of(&app, &[&mine.to_string()]).await;
    let admin = Operator::admin(&app).await;
    // Act + Assert
    for (visitor, expected) in [
        (my_visitor, 403),
        (their_visitor, 404),
        (Uuid::new_v4(), 404),
    ] {
        let (status, body) = export(&operator, visitor).await;
        assert_eq!(status, expected, "export {visitor}: {body}");
        let (status, body) = delete(&operator, visitor).await;
        assert_eq!(status, expected, "delete {visitor}: {body}");
        let code = if expected == 403 {
            "admin_only"
        } else {
            "visitor_not_found"
        };
        assert_eq!(body["error"], code, "{body}");
    }
    assert_eq!(
        export(&admin, Uuid::new_v4()).await.0,
        404,
        "unknown to admins too"
    );
    assert_eq!(delete(&admin, Uuid::new_v4()).await.0, 404);
    for visitor in [my_visitor, their_visitor] {
        assert_eq!(export(&admin, visitor).await.0, 200, "nothing was deleted");
    }
    assert!(
        visitor_deletions::Entity::find()
            .all(&app.db)
            .await
            .expect("query")
            .is_empty()
    );
}

/// The operators' stream says the deleted visitor's conversation is gone
/// (`conversation_removed`), so the inbox drops it.
#[tokio::test]
async fn the_inbox_stream_is_told_the_conversation_is_gone() {
    // Arrange
    let app = spawn_app().await;
    let project = fixtures::project(&app).await;
    let (_widget, visitor_id) = visitor_with_data(&app, project, "Bye", "bye@example.org").await;
    let conversation_id = conversations_of(&app, visitor_id).await[0];
    let admin = Operator::admin(&app).await;
    let mut stream = admin.events(None).await;
    // Act
    assert_eq!(delete(&admin, visitor_id).await.0, 204);
    // Assert
    let frames = stream
        .until(|frame| frame.event == "conversation_removed")
        .await;
    let removed = frames.last().expect("the frame");
    assert_eq!(removed.data["conversation_id"], conversation_id.to_string());
    assert_eq!(removed.data["reason"], "request");
    let (status, _) = admin.conversation(&conversation_id.to_string()).await;
    assert_eq!(status, 404);
}
