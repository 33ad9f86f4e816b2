//! `/api/v1/admin/users`: admins manage operators; operators see only their
//! projects; a removed operator's conversations wait for a human again.

use crate::helpers::{ADMIN_PASSWORD, TestApp, call, json, spawn_app};
use crate::operator_client::Operator;
use crate::widget_client::Widget;
use reqwest::Method;
use serde_json::{Value, json};

async fn project(app: &TestApp, token: &str, name: &str) -> String {
    let (status, project) = app.create_project(token, json!({"name": name})).await;
    assert_eq!(status, 201);
    project["id"].as_str().expect("id").to_owned()
}

/// An operator added by the admin logs in and sees only their projects.
#[tokio::test]
async fn an_added_operator_logs_in_and_sees_only_their_projects() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = project(&app, &admin, "A").await;
    project(&app, &admin, "B").await;
    // Act
    let body = json!({"username": "Olga", "display_name": "Ольга", "password": "long enough password", "project_ids": [a]});
    let (status, user) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/users",
        Some(body),
    )
    .await;
    // Assert
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["username"], "olga");
    assert_eq!(user["role"], "operator");
    assert_eq!(user["project_ids"], json!([a]));
    let (status, login) = json(app.login("olga", "long enough password").await).await;
    assert_eq!(status, 200);
    let operator = login["token"].as_str().expect("token");
    let (_, projects) = call(&app, operator, Method::GET, "/api/v1/admin/projects", None).await;
    let names: Vec<_> = projects["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("A")]);
    let (_, me) = call(&app, operator, Method::GET, "/api/v1/admin/me", None).await;
    assert_eq!(me["display_name"], "Ольга");
}

/// Operators cannot manage users at all.
#[tokio::test]
async fn operators_cannot_manage_users() {
    let app = spawn_app().await;
    let operator = app.user_token("operator", &[]).await;
    let someone = uuid::Uuid::new_v4();
    for (method, path) in [
        (Method::GET, "/api/v1/admin/users".to_owned()),
        (Method::POST, "/api/v1/admin/users".to_owned()),
        (Method::PATCH, format!("/api/v1/admin/users/{someone}")),
        (Method::DELETE, format!("/api/v1/admin/users/{someone}")),
    ] {
        let body =
            (method != Method::GET && method != Method::DELETE).then(|| json!({"role": "admin"}));
        let (status, error) = call(&app, &operator, method.clone(), &path, body).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (403, Some("admin_only")),
            "{method} {path}"
        );
    }
}

/// Bad fields are named; a taken username is a conflict.
#[tokio::test]
async fn user_fields_are_validated() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        (json!({"password": "long enough password"}), "username"),
        (
            json!({"username": "ab", "password": "long enough password"}),
            "username",
        ),
        (
            json!({"username": "with space", "password": "long enough password"}),
            "username",
        ),
        (json!({"username": "valid"}), "password"),
        (
            json!({"username": "valid", "password": "short"}),
            "password",
        ),
        (
            json!({"username": "valid", "password": "long enough password", "project_ids": [uuid::Uuid::new_v4()]}),
            "project_ids",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = call(
            &app,
            &admin,
            Method::POST,
            "/api/v1/admin/users",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}: {error}");
        assert!(
            error["fields"][field].is_string(),
            "{field} for {body}: {error}"
        );
    }
    let (status, error) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "ADMIN", "password": "long enough password"})),
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (409, Some("username_taken"))
    );
}

/// A new password ends the user's sessions; the new one works.
#[tokio::test]
async fn a_new_password_ends_the_users_sessions() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"username": "ivan", "password": "first password 1"});
    let (_, user) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/users",
        Some(body),
    )
    .await;
    let id = user["id"].as_str().expect("id");
    let old = json(app.login("ivan", "first password 1").await).await.1["token"]
        .as_str()
        .expect("token")
        .to_owned();

    let path = format!("/api/v1/admin/users/{id}");
    let (status, _) = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"password": "second password 2"})),
    )
    .await;
    assert_eq!(status, 200);

    let (status, _) = call(&app, &old, Method::GET, "/api/v1/admin/me", None).await;
    assert_eq!(status, 401);
    assert_eq!(
        json(app.login("ivan", "second password 2").await).await.0,
        200
    );
}

/// Project membership is replaced by a PATCH.
#[tokio::test]
async fn patching_project_ids_replaces_the_membership() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = project(&app, &admin, "A").await;
    let b = project(&app, &admin, "B").await;
    let body = json!({"username": "petr", "password": "long enough password", "project_ids": [a]});
    let (_, user) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/users",
        Some(body),
    )
    .await;
    let path = format!("/api/v1/admin/users/{}", user["id"].as_str().expect("id"));
    let (status, changed) = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"project_ids": [b]})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(changed["project_ids"], json!([b]));
    let (_, list) = call(&app, &admin, Method::GET, "/api/v1/admin/users", None).await;
    let petr = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["username"] == "petr")
        .cloned()
        .expect("listed");
    assert_eq!(petr["project_ids"], json!([b]));
}

/// A removed user's sessions stop working; nobody removes themselves or the last admin.
#[tokio::test]
async fn removal_rules_hold() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let me = json(app.login("admin", ADMIN_PASSWORD).await).await.1["user"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let (status, error) = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/v1/admin/users/{me}"),
        None,
    )
    .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (409, Some("cannot_remove_self"))
    );
    let (status, error) = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/v1/admin/users/{me}"),
        Some(json!({"role": "operator"})),
    )
    .await;
    assert_eq!((status, error["error"].as_str()), (409, Some("last_admin")));

    let body = json!({"username": "gone", "password": "long enough password"});
    let (_, user) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v1/admin/users",
        Some(body),
    )
    .await;
    let token = json(app.login("gone", "long enough password").await)
        .await
        .1["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let path = format!("/api/v1/admin/users/{}", user["id"].as_str().expect("id"));
    let (status, _) = call(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    assert_eq!(
        call(&app, &token, Method::GET, "/api/v1/admin/me", None)
            .await
            .0,
        401
    );
    let (status, error) = call(&app, &admin, Method::DELETE, &path, None).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (404, Some("user_not_found"))
    );
}

/// Removing an operator who holds a conversation puts it back to waiting for
/// a human: live dashboards are told, with the reason the inbox shows, and
/// another operator takes it over.
#[tokio::test]
async fn removing_an_operator_returns_their_conversations_to_waiting() {
    // Arrange: `leaving` holds a conversation with an unanswered visitor.
    let app = spawn_app().await;
    let admin = Operator::admin(&app).await;
    let project = crate::fixtures::project(&app).await.to_string();
    let widget = Widget::open(&app, &project).await;
    assert_eq!(widget.send("Есть кто живой?").await.0, 202);
    let conversation = widget.session["conversation_id"].as_str().expect("id");
    let body = json!({"username": "leaving", "password": "long enough password", "project_ids": [project]});
    let (status, leaving) = call(
        &app,
        &admin.token,
        Method::POST,
        "/api/v1/admin/users",
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{leaving}");
    let (_, login) = json(app.login("leaving", "long enough password").await).await;
    let holder = Operator {
        app: &app,
        token: login["token"].as_str().expect("token").to_owned(),
    };
    let (status, taken) = holder.action(conversation, "takeover").await;
    assert_eq!((status, taken["status"].as_str()), (200, Some("human")));
    let other = Operator::member_of(&app, &[&project]).await;
    let mut live = admin.events(None).await;
    // Act
    let path = format!(
        "/api/v1/admin/users/{}",
        leaving["id"].as_str().expect("id")
    );
    let (status, _) = call(&app, &admin.token, Method::DELETE, &path, None).await;
    // Assert
    assert_eq!(status, 204);
    let frames = live
        .until(|f| f.event == "conversation" && f.data["status"] == "waiting_human")
        .await;
    let summary = &frames.last().expect("the conversation frame").data;
    assert_eq!(summary["handoff_reason"], REMOVED);
    assert_eq!(summary["assigned"], Value::Null);
    let (_, detail) = other.conversation(conversation).await;
    assert_eq!(detail["conversation"]["status"], "waiting_human");
    assert_eq!(detail["conversation"]["handoff_reason"], REMOVED);
    let (status, taken) = other.action(conversation, "takeover").await;
    assert_eq!(
        (status, taken["status"].as_str()),
        (200, Some("human")),
        "{taken}"
    );
}

/// The reason a conversation waits again after its operator was removed.
const REMOVED: &str = "the operator who held it was removed";
