//! What a project may hold: each bad field named with its reason, the
//! sunset of assistant ids, unknown fields, origins normalised, and the
//! warning for vector stores the API style cannot use.

use super::{created, patch};
use crate::helpers::{json, spawn_app};
use reqwest::Method;
use serde_json::json;

/// Each bad field is named with its reason; nothing is saved.
#[tokio::test]
async fn invalid_fields_are_refused_with_a_reason_per_field() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let cases = [
        (json!({"name": "  "}), "name"),
        (json!({}), "name"),
        (
            json!({"name": "A", "allowed_origins": ["https://ok.com", "example.com/shop"]}),
            "allowed_origins[1]",
        ),
        (
            json!({"name": "A", "allowed_origins": ["https://a.com/path"]}),
            "allowed_origins[0]",
        ),
        (
            json!({"name": "A", "widget": {"color": "blue"}}),
            "widget.color",
        ),
        (
            json!({"name": "A", "widget": {"locale": "de"}}),
            "widget.locale",
        ),
        (
            json!({"name": "A", "widget": {"title": ""}}),
            "widget.title",
        ),
        (
            json!({"name": "A", "limits": {"messages_per_minute": 0}}),
            "limits.messages_per_minute",
        ),
        (
            json!({"name": "A", "limits": {"daily_ai_tokens": -1}}),
            "limits.daily_ai_tokens",
        ),
        (
            json!({"name": "A", "handoff": {"timeout_minutes": 0}}),
            "handoff.timeout_minutes",
        ),
        (json!({"name": "A", "retention_days": 0}), "retention_days"),
        (
            json!({"name": "A", "vector_store_ids": ["vs_ok", "file_123"]}),
            "vector_store_ids[1]",
        ),
        (
            json!({"name": "A", "openai_base_url": "ftp://example.com"}),
            "openai_base_url",
        ),
        (
            json!({"name": "A", "openai_api_key": "sk with spaces"}),
            "openai_api_key",
        ),
        (
            json!({"name": "A", "assistant_id": "asst_abc123"}),
            "assistant_id",
        ),
        (
            json!({"name": "A", "assistant_id": "pmpt_abc123"}),
            "assistant_id",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = app.create_project(&token, body.clone()).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["error"], "validation_failed", "{body}");
        assert!(
            error["fields"][field]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "{field} not named for {body}: {error}"
        );
    }
    let (_, list) = json(
        app.authed(Method::GET, "/api/v1/admin/projects", &token)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(list["items"], json!([]), "nothing was saved");
}

/// The sunset message says what to fill in instead.
#[tokio::test]
async fn assistant_ids_get_the_sunset_message() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let (_, error) = app
        .create_project(&token, json!({"name": "A", "assistant_id": "asst_x"}))
        .await;
    let reason = error["fields"]["assistant_id"].as_str().expect("reason");
    for words in ["2026-08-26", "model", "instructions", "vector stores"] {
        assert!(reason.contains(words), "{words} missing: {reason}");
    }
}

/// Unknown fields are refused rather than silently dropped.
#[tokio::test]
async fn unknown_fields_are_refused() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let (status, error) = app
        .create_project(&token, json!({"name": "A", "colour": "#fff"}))
        .await;
    assert_eq!(
        (status, error["error"].as_str()),
        (400, Some("invalid_json"))
    );
}

/// Origins are normalised and deduplicated.
#[tokio::test]
async fn allowed_origins_are_normalised() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let origins = [
        "HTTPS://Shop.Example.com:443/",
        "https://shop.example.com",
        "https://пример.рф",
        "https://*.example.com",
    ];
    let project = created(
        &app,
        &token,
        json!({"name": "A", "allowed_origins": origins}),
    )
    .await;
    assert_eq!(
        project["allowed_origins"],
        json!([
            "https://shop.example.com",
            "https://xn--e1afmkfd.xn--p1ai",
            "https://*.example.com"
        ])
    );
}

/// file_search exists only in the responses style: the API says so, and
/// that a chat_completions knowledge base needs an embedding model.
#[tokio::test]
async fn vector_stores_with_chat_completions_carry_a_warning() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let project = created(
        &app,
        &token,
        json!({"name": "A", "vector_store_ids": ["vs_abc"], "api_style": "chat_completions",
               "embedding_model": "text-embedding-3-small"}),
    )
    .await;
    let warnings = project["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{project}");
    assert!(
        warnings[0]
            .as_str()
            .expect("text")
            .contains("vector stores")
    );
    let id = project["id"].as_str().expect("id");
    let (_, without) = patch(&app, &token, id, json!({"embedding_model": null})).await;
    assert_eq!(without["embedding_model"], serde_json::Value::Null);
    let warnings = without["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 2, "{without}");
    assert!(
        warnings[1]
            .as_str()
            .expect("text")
            .contains("embedding model")
    );
    let (_, fixed) = patch(&app, &token, id, json!({"api_style": "responses"})).await;
    assert_eq!(fixed["warnings"], json!([]));
}
