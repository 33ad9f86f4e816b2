//! `/api/v1/admin/projects`: every field of `docs/api.md` ("Projects"), validation, the key
//! rules, and tenancy (an operator of A cannot see or change B).

use crate::helpers::{TestApp, json, spawn_app, spawn_production_app};
use engine::db::entities::projects;
use engine::services::api_keys::Keyring;
use reqwest::Method;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

/// The keyring of the test servers.
const V1: Keyring<'static> = Keyring {
    version: 1,
    current: &[7; 32],
    previous: None,
};

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
    let mut row = projects::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("row")
        .into_active_model();
    let other_key = engine::services::api_keys::encrypt(
        Keyring {
            current: &[9; 32],
            ..V1
        },
        id,
        "sk-abcdefghijkl",
    );
    row.openai_api_key_ciphertext = Set(Some(other_key));
    row.update(&app.db).await.expect("update");

    let (status, project) = read(&app, &token, &id.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(project["openai_api_key_set"], true);
    assert_eq!(project["openai_api_key_unreadable"], true);
}

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

/// file_search exists only in the responses style: the API says so.
#[tokio::test]
async fn vector_stores_with_chat_completions_carry_a_warning() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let project = created(
        &app,
        &token,
        json!({"name": "A", "vector_store_ids": ["vs_abc"], "api_style": "chat_completions"}),
    )
    .await;
    assert_eq!(
        project["warnings"].as_array().map(Vec::len),
        Some(1),
        "{project}"
    );
    let id = project["id"].as_str().expect("id");
    let (_, fixed) = patch(&app, &token, id, json!({"api_style": "responses"})).await;
    assert_eq!(fixed["warnings"], json!([]));
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
