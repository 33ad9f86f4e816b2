//! `/api/v1/admin/projects`: creating, reading, changing and deleting a
//! project, its embed snippet, and tenancy (an operator of A cannot see or
//! change B). Validation is in [`validation`]; the key and where it may be
//! sent are in [`keys`].

mod keys;
mod validation;

use crate::helpers::{TestApp, json, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

async fn created(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, project) = app.create_project(token, body).await;
    assert_eq!(status, 201, "{project}");
    project
}

async fn patch(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/admin/projects/{id}");
    json(
        app.authed(Method::PATCH, &path, token)
            .json(&body)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

async fn read(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    let path = format!("/api/v1/admin/projects/{id}");
    json(
        app.authed(Method::GET, &path, token)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

/// A new project has sensible defaults and its embed snippet.
#[tokio::test]
async fn an_admin_creates_a_project_with_defaults_and_a_snippet() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let project = created(&app, &token, json!({"name": "Магазин"})).await;
    let id = project["id"].as_str().expect("id");
    assert_eq!(project["name"], "Магазин");
    assert_eq!(project["openai_api_key_set"], false);
    assert_eq!(project["openai_base_url"], "https://api.openai.com/v1");
    assert_eq!(project["api_style"], "responses");
    assert_eq!(project["widget"]["position"], "right");
    assert_eq!(project["allowed_origins"], json!([]));
    assert_eq!(
        project["embed_snippet"],
        format!(
            r#"<script src="http://127.0.0.1/widget/widget.js" data-project-id="{id}" data-title="Chat" data-position="right"></script>"#
        )
    );
    let (status, again) = read(&app, &token, id).await;
    assert_eq!((status, &again), (200, &project));
}

/// Moving from the Node.js version keeps the pasted snippet's id.
#[tokio::test]
async fn a_project_keeps_a_given_id_once() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let id = "8f0e4a52-3b7c-4d9e-a1f2-6c5b4a392817";
    let project = created(&app, &token, json!({"id": id, "name": "Old site"})).await;
    assert_eq!(project["id"], id);
    let (status, body) = app
        .create_project(&token, json!({"id": id, "name": "Again"}))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("project_exists"))
    );
}

/// PATCH: absent keeps, null clears.
#[tokio::test]
async fn patch_keeps_absent_fields_and_clears_nulls() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let project = created(
        &app,
        &token,
        json!({
            "name": "A",
            "openai_api_key": "sk-abcdefghijkl",
            "instructions": "Be brief.",
            "widget": {"privacy_notice": "Мы храним переписку 30 дней.", "locale": "ru"},
        }),
    )
    .await;
    let id = project["id"].as_str().expect("id");

    let (status, changed) = patch(&app, &token, id, json!({"name": "B"})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "B");
    assert_eq!(changed["instructions"], "Be brief.");
    assert_eq!(changed["openai_api_key_set"], true);
    assert_eq!(
        changed["widget"]["privacy_notice"],
        "Мы храним переписку 30 дней."
    );

    let body = json!({"openai_api_key": null, "widget": {"privacy_notice": null, "locale": null}});
    let (status, cleared) = patch(&app, &token, id, body).await;
    assert_eq!(status, 200, "{cleared}");
    assert_eq!(cleared["openai_api_key_set"], false);
    assert_eq!(cleared["openai_api_key_hint"], Value::Null);
    assert_eq!(cleared["widget"]["privacy_notice"], Value::Null);
    assert_eq!(cleared["widget"]["locale"], Value::Null);
    assert_eq!(cleared["name"], "B");
}

/// The snippet escapes the title: it is pasted into other people's pages.
#[tokio::test]
async fn the_embed_snippet_escapes_the_title() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let project = created(
        &app,
        &token,
        json!({"name": "A", "widget": {"title": "\"><img src=x onerror=alert(1)>"}}),
    )
    .await;
    let snippet = project["embed_snippet"].as_str().expect("snippet");
    assert!(!snippet.contains("<img"), "{snippet}");
    assert!(
        snippet.contains("data-title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""),
        "{snippet}"
    );
}

/// Deleting answers 204, then the project is gone.
#[tokio::test]
async fn a_deleted_project_is_gone() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let id = created(&app, &token, json!({"name": "A"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/api/v1/admin/projects/{id}");
    let response = app
        .authed(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    let (status, error) = read(&app, &token, &id).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (404, Some("project_not_found"))
    );
    let response = app
        .authed(Method::DELETE, &path, &token)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 404);
}

/// An operator of project A sees A only, cannot see B, and changes nothing.
#[tokio::test]
async fn an_operator_of_a_cannot_see_or_change_b() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let a = created(&app, &admin, json!({"name": "A"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let b = created(&app, &admin, json!({"name": "B"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let operator = app
        .user_token("operator", &[a.parse().expect("uuid")])
        .await;
    // Act and assert: the list
    let (status, list) = json(
        app.authed(Method::GET, "/api/v1/admin/projects", &operator)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 200);
    let names: Vec<_> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("A")]);
    // Reading
    assert_eq!(read(&app, &operator, &a).await.0, 200);
    assert_eq!(
        read(&app, &operator, &b).await,
        (
            404,
            json!({"error": "project_not_found", "message": "no such project"})
        )
    );
    // Changing
    for (method, id) in [
        (Method::PATCH, &a),
        (Method::PATCH, &b),
        (Method::DELETE, &a),
        (Method::DELETE, &b),
    ] {
        let path = format!("/api/v1/admin/projects/{id}");
        let response = app
            .authed(method.clone(), &path, &operator)
            .json(&json!({"name": "X"}))
            .send()
            .await
            .expect("sent");
        let (status, error) = json(response).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (403, Some("admin_only")),
            "{method} {id}"
        );
    }
    let (status, error) = app.create_project(&operator, json!({"name": "C"})).await;
    assert_eq!((status, error["error"].as_str()), (403, Some("admin_only")));
    let (_, b_after) = read(&app, &admin, &b).await;
    assert_eq!(b_after["name"], "B");
}

/// Without a session every project endpoint answers 401.
#[tokio::test]
async fn project_endpoints_need_a_session() {
    let app = spawn_app().await;
    let id = uuid::Uuid::new_v4();
    for (method, path) in [
        (Method::GET, "/api/v1/admin/projects".to_owned()),
        (Method::POST, "/api/v1/admin/projects".to_owned()),
        (Method::GET, format!("/api/v1/admin/projects/{id}")),
        (Method::PATCH, format!("/api/v1/admin/projects/{id}")),
        (Method::DELETE, format!("/api/v1/admin/projects/{id}")),
    ] {
        let response = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .json(&json!({}))
            .send()
            .await
            .expect("sent");
        let (status, error) = json(response).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (401, Some("invalid_token")),
            "{method} {path}"
        );
    }
}
