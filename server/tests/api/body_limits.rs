//! Body limits sized per route: a project may carry the longest instructions
//! its own validation allows, while the widget's calls stay small.

use crate::helpers::{json, spawn_app};
use crate::widget_client::{Widget, project};
use fake_openai::FakeOpenAi;
use reqwest::Method;
use serde_json::json;

/// Instructions of 32,000 Cyrillic characters (64,000 bytes, more than 64 KiB
/// with the JSON around them) are valid: the project is created, read back
/// whole, and updated with them.
#[tokio::test]
async fn a_project_with_the_longest_cyrillic_instructions_is_stored() {
    // Arrange
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let instructions = "ж".repeat(32_000);
    let body = json!({
        "name": "Магазин",
        "allowed_origins": ["https://shop.example"],
        "instructions": instructions,
        "widget": {"privacy_notice": "п".repeat(2000)},
    });
    assert!(body.to_string().len() > 64 * 1024, "over the default limit");
    // Act
    let (created, project) = app.create_project(&token, body).await;
    // Assert
    assert_eq!(created, 201, "{project}");
    let id = project["id"].as_str().expect("id");
    let path = format!("/api/v1/admin/projects/{id}");
    let (status, read) = json(
        app.authed(Method::GET, &path, &token)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(read["instructions"].as_str(), Some(instructions.as_str()));
    let changed = "ё".repeat(32_000);
    let (status, updated) = json(
        app.authed(Method::PATCH, &path, &token)
            .json(&json!({"instructions": changed}))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["instructions"].as_str(), Some(changed.as_str()));
}

/// A project body past its own, larger limit is still refused as JSON.
#[tokio::test]
async fn a_project_body_past_its_limit_is_refused() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let (status, body) = app
        .create_project(
            &token,
            json!({"name": "Big", "instructions": "ж".repeat(140_000)}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("payload_too_large"))
    );
}

/// The longest message a project allows (10,000 characters of 4 bytes) is
/// taken; a widget body past the widget's limit, though under the server's
/// default, gets `413 payload_too_large` as JSON.
#[tokio::test]
async fn widget_bodies_keep_a_small_limit() {
    // Arrange
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let id = project(&app, &fake, json!({"limits": {"message_chars": 10_000}})).await;
    let widget = Widget::open(&app, &id).await;
    // Act
    let (longest, stored) = widget.send(&"😀".repeat(10_000)).await;
    let (status, body) = widget.send(&"я".repeat(26_000)).await;
    // Assert
    assert_eq!(longest, 202, "{stored}");
    assert_eq!(
        (status, body["error"].as_str()),
        (413, Some("payload_too_large"))
    );
}

/// The dashboard's project form takes the same long instructions as the API.
#[tokio::test]
async fn the_dashboard_saves_the_longest_cyrillic_instructions() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let instructions = "ж".repeat(32_000);
    let response = app
        .client
        .post(format!("{}/admin/fn/save_project", app.address))
        .bearer_auth(&token)
        .json(&json!({"id": null, "input": {
            "name": "Магазин",
            "instructions": instructions,
            "widget": {"privacy_notice": "п".repeat(2000)},
        }}))
        .send()
        .await
        .expect("sent");
    let (status, project) = json(response).await;
    assert_eq!(status, 200, "{project}");
    assert_eq!(
        project["instructions"].as_str(),
        Some(instructions.as_str())
    );
}
