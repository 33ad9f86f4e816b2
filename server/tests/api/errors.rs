//! Axum's own answers, turned into `{"error","message"}` JSON.

use crate::helpers::{json, spawn_app};
use reqwest::Method;

/// Unknown paths answer 404 in JSON, under the API and elsewhere.
#[tokio::test]
async fn unknown_paths_answer_json_404() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/nothing",
        "/nothing",
        "/api/v2/health",
        "/widget/missing.js",
    ] {
        let (status, body) = json(app.get(path).await).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "not_found", "{path}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(path)),
            "{path}: {body}"
        );
    }
}

/// A known path asked with the wrong method answers 405 in JSON.
#[tokio::test]
async fn wrong_methods_answer_json_405() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::POST, "/health"),
        (Method::DELETE, "/health"),
        (Method::PUT, "/api/v1/openapi.json"),
    ] {
        let response = app.request(method.clone(), path).await;
        assert!(response.headers().contains_key("allow"), "{method} {path}");
        let (status, body) = json(response).await;
        assert_eq!(status, 405, "{method} {path}");
        assert_eq!(body["error"], "method_not_allowed", "{method} {path}");
    }
}

/// A trailing slash reaches the same route.
#[tokio::test]
async fn a_trailing_slash_reaches_the_same_route() {
    let app = spawn_app().await;
    let (status, body) = json(app.get("/health/").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

/// Every response tells browsers not to sniff content types.
#[tokio::test]
async fn responses_forbid_content_type_sniffing() {
    let app = spawn_app().await;
    for path in ["/health", "/nothing", "/admin/"] {
        let response = app.get(path).await;
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
}
