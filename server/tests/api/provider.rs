//! What the project's key can use: models and vector stores, from the fake
//! OpenAI server, with the provider's faults mapped to `502 upstream_*`.

use crate::helpers::{TestApp, json, spawn_app};
use fake_openai::{FakeOpenAi, Fault, VALID_KEY};
use reqwest::Method;
use serde_json::{Value, json};

async fn project_on(app: &TestApp, token: &str, fake: &FakeOpenAi, key: Option<&str>) -> String {
    let mut body = json!({"name": "A", "openai_base_url": fake.base_url});
    if let Some(key) = key {
        body["openai_api_key"] = json!(key);
    }
    let (status, project) = app.create_project(token, body).await;
    assert_eq!(status, 201, "{project}");
    project["id"].as_str().expect("id").to_owned()
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json(
        app.authed(Method::GET, path, token)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

/// The model field's suggestions come from the saved key.
#[tokio::test]
async fn the_saved_key_lists_its_models() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    fake.set_models(&["gpt-4.1-mini", "deepseek-chat", "gpt-4o"]);
    let token = app.admin_token().await;
    let id = project_on(&app, &token, &fake, Some(VALID_KEY)).await;

    let (status, models) = get(&app, &token, &format!("/api/v1/admin/projects/{id}/models")).await;
    assert_eq!(status, 200, "{models}");
    assert_eq!(
        models["items"],
        json!([{"id": "deepseek-chat"}, {"id": "gpt-4.1-mini"}, {"id": "gpt-4o"}])
    );
    let request = fake.requests().pop().expect("the fake was called");
    assert_eq!(request.path, "/v1/models");
    assert_eq!(request.authorization, Some(format!("Bearer {VALID_KEY}")));
}

/// The knowledge base is picked from the key's vector stores.
#[tokio::test]
async fn the_saved_key_lists_its_vector_stores() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let token = app.admin_token().await;
    let id = project_on(&app, &token, &fake, Some(VALID_KEY)).await;
    let (status, stores) = get(
        &app,
        &token,
        &format!("/api/v1/admin/projects/{id}/vector_stores"),
    )
    .await;
    assert_eq!(status, 200, "{stores}");
    assert_eq!(
        stores["items"][0],
        json!({"id": "vs_faq", "name": "FAQ", "file_count": 3, "status": "completed"})
    );
    assert_eq!(stores["items"][1]["name"], "Прайс-лист");
}

/// Before saving, the form can ask which models a typed key can use.
#[tokio::test]
async fn an_unsaved_key_can_be_probed() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let token = app.admin_token().await;
    let probe = |key: &str| {
        app.authed(Method::POST, "/api/v1/admin/models", &token)
            .json(&json!({"openai_api_key": key, "openai_base_url": fake.base_url}))
            .send()
    };
    let (status, models) = json(probe(VALID_KEY).await.expect("sent")).await;
    assert_eq!(status, 200, "{models}");
    assert!(
        models["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
    );

    let (status, error) = json(probe("sk-wrong-key-1234").await.expect("sent")).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (502, Some("upstream_invalid_key"))
    );
    assert!(
        !error["message"]
            .as_str()
            .unwrap_or("")
            .contains("platform.openai.com"),
        "raw body leaked: {error}"
    );
}

/// Each provider fault has its own code, and none is a 500.
#[tokio::test]
async fn provider_faults_map_to_upstream_codes() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let token = app.admin_token().await;
    let id = project_on(&app, &token, &fake, Some(VALID_KEY)).await;
    let path = format!("/api/v1/admin/projects/{id}/models");
    let cases = [
        (Fault::InvalidKey, "upstream_invalid_key"),
        (Fault::RegionRefused, "upstream_region_refused"),
        (
            Fault::RateLimited {
                retry_after_secs: 7,
            },
            "upstream_rate_limited",
        ),
        (Fault::ServerError, "upstream_unavailable"),
    ];
    for (fault, code) in cases {
        fake.fail_next(fault.clone());
        let (status, error) = get(&app, &token, &path).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (502, Some(code)),
            "{fault:?}"
        );
    }
    let (status, _) = get(&app, &token, &path).await;
    assert_eq!(status, 200, "faults are one-shot");
}

/// A base URL where nothing listens is reported as unreachable.
#[tokio::test]
async fn an_unreachable_provider_is_reported() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!(
        "http://127.0.0.1:{}/v1",
        closed.local_addr().expect("addr").port()
    );
    drop(closed);
    let body = json!({"name": "A", "openai_base_url": base, "openai_api_key": VALID_KEY});
    let (_, project) = app.create_project(&token, body).await;
    let id = project["id"].as_str().expect("id");
    let (status, error) = get(&app, &token, &format!("/api/v1/admin/projects/{id}/models")).await;
    assert_eq!(
        (status, error["error"].as_str()),
        (502, Some("upstream_unreachable"))
    );
}

/// Without a saved key there is nothing to ask.
#[tokio::test]
async fn listing_needs_a_saved_key() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let token = app.admin_token().await;
    let id = project_on(&app, &token, &fake, None).await;
    for what in ["models", "vector_stores"] {
        let (status, error) =
            get(&app, &token, &format!("/api/v1/admin/projects/{id}/{what}")).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (409, Some("api_key_missing")),
            "{what}"
        );
    }
    assert!(fake.requests().is_empty(), "nothing was sent upstream");
}

/// Operators cannot use a project's key, not even of their own project.
#[tokio::test]
async fn operators_cannot_use_the_key() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let admin = app.admin_token().await;
    let id = project_on(&app, &admin, &fake, Some(VALID_KEY)).await;
    let operator = app
        .user_token("operator", &[id.parse().expect("uuid")])
        .await;
    for what in ["models", "vector_stores"] {
        let (status, error) = get(
            &app,
            &operator,
            &format!("/api/v1/admin/projects/{id}/{what}"),
        )
        .await;
        assert_eq!(
            (status, error["error"].as_str()),
            (403, Some("admin_only")),
            "{what}"
        );
    }
    assert!(fake.requests().is_empty());
}

/// A base URL that answers but is not an OpenAI-compatible API (404 on the
/// listings) is reported as such, not as the provider failing.
#[tokio::test]
async fn a_base_url_that_is_not_an_api_is_reported() {
    let app = spawn_app().await;
    let fake = FakeOpenAi::start().await;
    let token = app.admin_token().await;
    let base = format!("{}/not-an-api", fake.base_url);
    let body = json!({"name": "A", "openai_base_url": base, "openai_api_key": VALID_KEY});
    let (_, project) = app.create_project(&token, body).await;
    let id = project["id"].as_str().expect("id");
    for what in ["models", "vector_stores"] {
        let (status, error) =
            get(&app, &token, &format!("/api/v1/admin/projects/{id}/{what}")).await;
        assert_eq!(
            (status, error["error"].as_str()),
            (502, Some("upstream_not_found")),
            "{what}"
        );
    }
}
