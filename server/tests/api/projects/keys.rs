//! The project's OpenAI key: write-only, encrypted at rest, never readable
//! back; a key that no longer decrypts; a new base URL needs the key again;
//! production refuses upstreams on private addresses.

use super::{created, patch, read};
use crate::helpers::{TestApp, spawn_app, spawn_production_app};
use engine::db::entities::projects;
use engine::services::api_keys::Keyring;
use reqwest::Method;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;

/// The keyring of the test servers.
const V1: Keyring<'static> = Keyring {
    version: 1,
    current: &[7; 32],
    previous: None,
};

/// Stores `api_key` on project `id` encrypted with a key the server does not
/// have: what a lost or wrongly rotated `ENCRYPTION_KEY` leaves behind. No
/// service writes a key it cannot read, so the test changes the row.
async fn encrypt_with_another_key(app: &TestApp, id: uuid::Uuid, api_key: &str) {
    let mut row = projects::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .into_active_model();
    let other = Keyring {
        current: &[9; 32],
        ..V1
    };
    let ciphertext = engine::services::api_keys::encrypt(other, id, api_key);
    row.openai_api_key_ciphertext = Set(Some(ciphertext));
    row.update(&app.db).await.expect("update");
}

/// The key is write-only, encrypted at rest, shown only as a hint.
#[tokio::test]
async fn the_openai_key_is_write_only_and_encrypted_at_rest() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let key = "sk-proj-very-secret-value-9fQa";
    let project = created(&app, &token, json!({"name": "A", "openai_api_key": key})).await;
    assert_eq!(project["openai_api_key_set"], true);
    assert_eq!(project["openai_api_key_hint"], "sk-…9fQa");
    assert_eq!(project["openai_api_key_unreadable"], false);
    let id: uuid::Uuid = project["id"].as_str().expect("id").parse().expect("uuid");
    let list = app
        .authed(Method::GET, "/api/v1/admin/projects", &token)
        .send()
        .await;
    let list = list.expect("sent").text().await.expect("body");
    assert!(
        !list.contains("very-secret"),
        "the key leaked into the list"
    );

    let row = projects::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row");
    let stored = row.openai_api_key_ciphertext.expect("stored");
    assert!(!stored.contains("very-secret"));
    let decrypted = engine::services::api_keys::decrypt(V1, id, &stored).expect("decrypts");
    assert_eq!(decrypted, key);
}

/// A key that no longer decrypts says "re-enter", never a 500.
#[tokio::test]
async fn an_unreadable_key_is_reported_not_a_500() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let project = created(
        &app,
        &token,
        json!({"name": "A", "openai_api_key": "sk-abcdefghijkl"}),
    )
    .await;
    let id: uuid::Uuid = project["id"].as_str().expect("id").parse().expect("uuid");
    encrypt_with_another_key(&app, id, "sk-abcdefghijkl").await;

    let (status, project) = read(&app, &token, &id.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(project["openai_api_key_set"], true);
    assert_eq!(project["openai_api_key_unreadable"], true);
}

/// A new base URL needs the key again, or the stored key could be sent anywhere.
#[tokio::test]
async fn changing_the_base_url_requires_the_key_again() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let project = created(
        &app,
        &token,
        json!({"name": "A", "openai_api_key": "sk-first-key-1111"}),
    )
    .await;
    let id = project["id"].as_str().expect("id");

    let (status, error) = patch(
        &app,
        &token,
        id,
        json!({"openai_base_url": "https://proxy.example.com/v1"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(error["fields"]["openai_api_key"].is_string(), "{error}");
    let (_, unchanged) = read(&app, &token, id).await;
    assert_eq!(unchanged["openai_base_url"], "https://api.openai.com/v1");

    let body = json!({"openai_base_url": "https://proxy.example.com/v1/", "openai_api_key": "sk-second-key-2222"});
    let (status, changed) = patch(&app, &token, id, body).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["openai_base_url"], "https://proxy.example.com/v1");
    assert_eq!(changed["openai_api_key_hint"], "sk-…2222");
}

/// In production, upstreams on private addresses are refused.
#[tokio::test]
async fn production_refuses_private_base_urls() {
    let app = spawn_production_app().await;
    let token = app.admin_token().await;
    for url in [
        "http://127.0.0.1:8080/v1",
        "http://localhost/v1",
        "http://10.0.0.5/v1",
        "http://169.254.169.254/v1",
        "http://[::1]/v1",
    ] {
        let (status, error) = app
            .create_project(&token, json!({"name": "A", "openai_base_url": url}))
            .await;
        assert_eq!(status, 400, "{url}");
        assert!(
            error["fields"]["openai_base_url"].is_string(),
            "{url}: {error}"
        );
    }
    let project = created(
        &app,
        &token,
        json!({"name": "A", "openai_base_url": "https://proxy.example.com/v1"}),
    )
    .await;
    assert_eq!(project["openai_base_url"], "https://proxy.example.com/v1");
}
