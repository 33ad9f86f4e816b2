//! `GET /api/v1/admin/projects/{id}/check`: the key, the model and each
//! vector store, each with its reason in words when it fails.

use crate::helpers::{TestApp, json};
use crate::widget_client::shop;
use engine::db::entities::usage_daily;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// `GET …/check` as the admin; the status and body.
async fn check(app: &TestApp, id: &str) -> (u16, Value) {
    let token = app.admin_token().await;
    check_as(app, id, &token).await
}

async fn check_as(app: &TestApp, id: &str, token: &str) -> (u16, Value) {
    let response = app
        .authed(
            reqwest::Method::GET,
            &format!("/api/v1/admin/projects/{id}/check"),
            token,
        )
        .send()
        .await
        .expect("sent");
    json(response).await
}

/// A working project passes every check; the model's few tokens count in
/// today's budget, but not as an answer.
#[tokio::test]
async fn a_working_project_passes_every_check() {
    // Arrange
    let (app, fake, id) = shop(json!({"vector_store_ids": ["vs_faq"]})).await;

    // Act
    let (status, body) = check(&app, &id).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let ok = json!({"ok": true, "code": null, "reason": null});
    assert_eq!(body["key"], ok);
    assert_eq!(body["model"], ok);
    assert_eq!(
        body["vector_stores"],
        json!([{"id": "vs_faq", "own": false, "ok": true, "code": null, "reason": null}])
    );
    let model_call = fake
        .requests()
        .into_iter()
        .find(|request| request.path == "/v1/responses")
        .and_then(|request| request.body)
        .expect("the model was asked");
    assert_eq!(model_call["max_output_tokens"], 16);
    let usage = usage_daily::Entity::find()
        .filter(usage_daily::Column::ProjectId.eq(Uuid::parse_str(&id).expect("uuid")))
        .one(&app.db)
        .await
        .expect("query")
        .expect("a usage row");
    assert_eq!(usage.ai_messages, 0, "a check is not an answer");
    assert!(usage.ai_tokens > 0, "its tokens count: {}", usage.ai_tokens);
}

/// A key the provider refuses fails with its code and words, and the other
/// checks are skipped.
#[tokio::test]
async fn a_refused_key_fails_and_skips_the_other_checks() {
    // Arrange
    let (app, _fake, id) = shop(json!({
        "openai_api_key": "sk-test-someone-else-key",
        "vector_store_ids": ["vs_faq"],
    }))
    .await;

    // Act
    let (status, body) = check(&app, &id).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["key"]["ok"], false);
    assert_eq!(body["key"]["code"], "upstream_invalid_key");
    assert!(
        body["key"]["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("key")),
        "{body}"
    );
    let skipped =
        json!({"ok": false, "code": "skipped", "reason": "skipped: the key does not work"});
    assert_eq!(body["model"], skipped);
    assert_eq!(body["vector_stores"][0]["code"], "skipped");
}

/// A vector store this key cannot read is named, with the reason that the
/// key must belong to the organisation and project that own it.
#[tokio::test]
async fn a_vector_store_the_key_cannot_read_names_the_organisation() {
    // Arrange
    let (app, _fake, id) = shop(json!({"vector_store_ids": ["vs_faq", "vs_elsewhere"]})).await;

    // Act
    let (status, body) = check(&app, &id).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    let stores = body["vector_stores"].as_array().expect("stores");
    assert_eq!(stores[0]["ok"], true, "{body}");
    assert_eq!(stores[1]["id"], "vs_elsewhere");
    assert_eq!(stores[1]["ok"], false);
    assert_eq!(stores[1]["code"], "upstream_vector_store_not_found");
    let reason = stores[1]["reason"].as_str().expect("a reason");
    assert!(reason.contains("organisation"), "{reason}");
}

/// A model the key cannot use is named in the model check.
#[tokio::test]
async fn a_model_the_key_cannot_use_is_named() {
    // Arrange
    let (app, _fake, id) = shop(json!({"model": "gpt-imaginary"})).await;

    // Act
    let (status, body) = check(&app, &id).await;

    // Assert
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["key"]["ok"], true);
    assert_eq!(body["model"]["ok"], false);
    assert_eq!(body["model"]["code"], "upstream_model_not_found");
    let reason = body["model"]["reason"].as_str().expect("a reason");
    assert!(reason.contains("gpt-imaginary"), "{reason}");
}

/// The check is for admins, and needs a key.
#[tokio::test]
async fn the_check_refuses_operators_and_projects_without_a_key() {
    // Arrange
    let (app, _fake, id) = shop(json!({})).await;
    let token = app.admin_token().await;
    let (status, keyless) = app.create_project(&token, json!({"name": "No key"})).await;
    assert_eq!(status, 201, "{keyless}");
    let operator = app
        .user_token("operator", &[Uuid::parse_str(&id).expect("uuid")])
        .await;

    // Act
    let (operator_status, operator_body) = check_as(&app, &id, &operator).await;
    let (keyless_status, keyless_body) =
        check_as(&app, keyless["id"].as_str().expect("id"), &token).await;

    // Assert
    assert_eq!(
        (operator_status, operator_body["error"].as_str()),
        (403, Some("admin_only"))
    );
    assert_eq!(
        (keyless_status, keyless_body["error"].as_str()),
        (409, Some("no_api_key"))
    );
}
