//! Rows for the tests of the schema and of start-up, made the way the server
//! makes them: projects and users by the engine's services (as an admin),
//! visitors and their conversations by the widget API, messages and events
//! by the services that write them. Nothing here spells out a row by hand.

use crate::helpers::TestApp;
use crate::widget_client::{ORIGIN, Widget};
use contract::auth::{Role, UserInput};
use contract::chat::MessageRole;
use contract::projects::ProjectInput;
use engine::services::{conversations, events, people, projects};
use uuid::Uuid;

/// A project (no AI key) whose widget may be used from [`ORIGIN`], made by
/// the service behind `POST /api/v1/admin/projects`.
pub(crate) async fn project(app: &TestApp) -> Uuid {
    let input = ProjectInput {
        name: Some("Test site".to_owned()),
        allowed_origins: Some(vec![ORIGIN.to_owned()]),
        ..ProjectInput::default()
    };
    projects::create(app.state(), &app.admin().await, &input)
        .await
        .expect("project created")
        .id
}

/// A new visitor's conversation in `project_id`, opened by the widget's
/// session call.
pub(crate) async fn conversation(app: &TestApp, project_id: Uuid) -> Uuid {
    let widget = Widget::open(app, &project_id.to_string()).await;
    widget.session["conversation_id"]
        .as_str()
        .expect("conversation id")
        .parse()
        .expect("a uuid")
}

/// An event of `conversation_id` (the visitor typing), written by the
/// events service in a write transaction as the server writes it; its id.
pub(crate) async fn event(app: &TestApp, conversation_id: Uuid) -> i64 {
    let conversation = conversations::find(&app.db, conversation_id)
        .await
        .expect("query")
        .expect("the conversation");
    let txn = engine::db::begin_write(&app.db).await.expect("transaction");
    let event = events::typing(&txn, &conversation, MessageRole::Visitor, true)
        .await
        .expect("event written");
    txn.commit().await.expect("committed");
    event.id
}

/// An operator (of no project), made by the service behind
/// `POST /api/v1/admin/users`; their id.
pub(crate) async fn operator(app: &TestApp) -> Uuid {
    let input = UserInput {
        username: Some(format!("op-{}", &Uuid::new_v4().simple().to_string()[..8])),
        display_name: Some("Operator".to_owned()),
        password: Some("operator password".to_owned()),
        role: Some(Role::Operator),
        project_ids: None,
        ..UserInput::default()
    };
    people::create(app.state(), &app.admin().await, &input)
        .await
        .expect("operator created")
        .id
}
