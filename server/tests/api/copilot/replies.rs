//! `GET, POST /api/v1/admin/projects/{id}/replies` and `PATCH, DELETE
//! …/replies/{reply_id}`: admins write a project's canned replies,
//! operators who see the project read them, nobody else sees them.

use crate::helpers::{TestApp, json, spawn_app};
use crate::operator_client::Operator;
use reqwest::Method;
use serde_json::{Value, json};

/// A project made by the admin; its id.
async fn project(app: &TestApp, name: &str) -> String {
    let token = app.admin_token().await;
    let (status, project) = app.create_project(&token, json!({"name": name})).await;
    assert_eq!(status, 201, "{project}");
    project["id"].as_str().expect("id").to_owned()
}

/// `method` on `path` as `token` with an optional JSON body.
async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.authed(method, path, token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.expect("sent")).await
}

/// Admins add, list (by shortcut), change and remove replies; the shortcut
/// is stored lower-case without its `/`, and a change keeps absent fields.
#[tokio::test]
async fn admins_manage_replies_and_shortcuts_are_normalised() {
    // Arrange
    let app = spawn_app().await;
    let id = project(&app, "Shop").await;
    let admin = app.admin_token().await;
    let path = format!("/api/v1/admin/projects/{id}/replies");

    // Act
    let (added, hello) = call(&app, &admin, Method::POST, &path, Some(json!({
        "title": "Greeting", "shortcut": "/Hello", "text": "Hi {visitor_name}, this is {operator_name}."
    }))).await;
    let (_, _) = call(
        &app,
        &admin,
        Method::POST,
        &path,
        Some(json!({
            "title": "Доставка", "shortcut": "доставка", "text": "Доставим за два дня."
        })),
    )
    .await;
    let reply_path = format!("{path}/{}", hello["id"].as_str().expect("id"));
    let (changed, renamed) = call(
        &app,
        &admin,
        Method::PATCH,
        &reply_path,
        Some(json!({"title": "Hello"})),
    )
    .await;
    let (_, listed) = call(&app, &admin, Method::GET, &path, None).await;
    let (removed, _) = call(&app, &admin, Method::DELETE, &reply_path, None).await;
    let (_, after) = call(&app, &admin, Method::GET, &path, None).await;
    let (again, _) = call(&app, &admin, Method::DELETE, &reply_path, None).await;

    // Assert
    assert_eq!(added, 201, "{hello}");
    assert_eq!(hello["shortcut"], "hello");
    assert_eq!(changed, 200, "{renamed}");
    assert_eq!(renamed["title"], "Hello");
    assert_eq!(renamed["shortcut"], "hello", "absent fields are kept");
    assert_eq!(
        renamed["text"],
        "Hi {visitor_name}, this is {operator_name}."
    );
    let shortcuts: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|reply| reply["shortcut"].as_str().expect("shortcut"))
        .collect();
    assert_eq!(shortcuts, ["hello", "доставка"]);
    assert_eq!(removed, 204);
    assert_eq!(after.as_array().expect("a list").len(), 1);
    assert_eq!(again, 404);
}

/// Every field is checked with a clear error per field, and a shortcut is
/// unique in its project (but may repeat in another project).
#[tokio::test]
async fn bad_fields_and_taken_shortcuts_are_refused() {
    // Arrange
    let app = spawn_app().await;
    let shop = project(&app, "Shop").await;
    let other = project(&app, "Other").await;
    let admin = app.admin_token().await;
    let path = format!("/api/v1/admin/projects/{shop}/replies");
    let reply = json!({"title": "Price", "shortcut": "price", "text": "It costs 10 €."});

    // Act
    let (empty, invalid) = call(
        &app,
        &admin,
        Method::POST,
        &path,
        Some(json!({
            "title": " ", "shortcut": "two words", "text": "x".repeat(4_001)
        })),
    )
    .await;
    let (missing, missing_body) = call(&app, &admin, Method::POST, &path, Some(json!({}))).await;
    let (first, _) = call(&app, &admin, Method::POST, &path, Some(reply.clone())).await;
    let (twice, taken) = call(
        &app,
        &admin,
        Method::POST,
        &path,
        Some(json!({
            "title": "Other price", "shortcut": "/PRICE", "text": "Other."
        })),
    )
    .await;
    let (elsewhere, _) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v1/admin/projects/{other}/replies"),
        Some(reply),
    )
    .await;

    // Assert
    assert_eq!(empty, 400, "{invalid}");
    assert_eq!(invalid["error"], "validation_failed");
    for field in ["title", "shortcut", "text"] {
        assert!(invalid["fields"][field].is_string(), "{field}: {invalid}");
        assert!(
            missing_body["fields"][field].is_string(),
            "{field}: {missing_body}"
        );
    }
    assert_eq!(missing, 400);
    assert_eq!(first, 201);
    assert_eq!(twice, 409, "{taken}");
    assert_eq!(taken["error"], "shortcut_taken");
    assert_eq!(elsewhere, 201, "shortcuts are per project");
}

/// An operator reads the replies of their projects but changes none, and
/// gets `404` for a project they do not see; a removed project takes its
/// replies with it.
#[tokio::test]
async fn operators_read_their_projects_replies_only() {
    // Arrange
    let app = spawn_app().await;
    let mine = project(&app, "Mine").await;
    let theirs = project(&app, "Theirs").await;
    let admin = app.admin_token().await;
    let path = format!("/api/v1/admin/projects/{mine}/replies");
    let (_, reply) = call(
        &app,
        &admin,
        Method::POST,
        &path,
        Some(json!({
            "title": "Hello", "shortcut": "hi", "text": "Hello!"
        })),
    )
    .await;
    let operator = Operator::member_of(&app, &[&mine]).await;

    // Act
    let (read, listed) = call(&app, &operator.token, Method::GET, &path, None).await;
    let (write, refused) = call(
        &app,
        &operator.token,
        Method::POST,
        &path,
        Some(json!({
            "title": "Mine", "shortcut": "mine", "text": "Mine."
        })),
    )
    .await;
    let reply_path = format!("{path}/{}", reply["id"].as_str().expect("id"));
    let (change, _) = call(
        &app,
        &operator.token,
        Method::PATCH,
        &reply_path,
        Some(json!({"text": "Changed"})),
    )
    .await;
    let (remove, _) = call(&app, &operator.token, Method::DELETE, &reply_path, None).await;
    let (hidden, not_found) = call(
        &app,
        &operator.token,
        Method::GET,
        &format!("/api/v1/admin/projects/{theirs}/replies"),
        None,
    )
    .await;
    let (deleted, _) = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/v1/admin/projects/{mine}"),
        None,
    )
    .await;
    let (gone, _) = call(&app, &admin, Method::GET, &path, None).await;

    // Assert
    assert_eq!(read, 200);
    assert_eq!(listed[0]["text"], "Hello!");
    assert_eq!(write, 403, "{refused}");
    assert_eq!(refused["error"], "admin_only");
    assert_eq!(change, 403);
    assert_eq!(remove, 403);
    assert_eq!(hidden, 404);
    assert_eq!(not_found["error"], "project_not_found");
    assert_eq!(deleted, 204);
    assert_eq!(gone, 404);
    let left = <engine::db::entities::canned_replies::Entity as sea_orm::EntityTrait>::find()
        .all(&app.db)
        .await
        .expect("query");
    assert!(
        left.is_empty(),
        "the project's replies went with it: {left:?}"
    );
}
