//! `GET /health`.

use crate::helpers::{json, spawn_app};

/// A healthy server says so, with its version.
#[tokio::test]
async fn health_reports_the_database_and_the_version() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let (status, body) = json(app.get("/health").await).await;
    // Assert
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["db"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

/// A load balancer must see a server without its database as down.
#[tokio::test]
async fn health_answers_503_when_the_database_is_unreachable() {
    // Arrange
    let app = spawn_app().await;
    app.close_database().await;
    // Act
    let (status, body) = json(app.get("/health").await).await;
    // Assert
    assert_eq!(status, 503);
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["db"], "unreachable");
}

/// Every answer names its request (`x-request-id`, a fresh UUID each time,
/// whatever the client sent), so that a report from a user finds the log
/// lines of that request.
#[tokio::test]
async fn every_answer_carries_its_own_request_id() {
    // Arrange
    let app = spawn_app().await;
    let request_id = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .expect("an x-request-id header")
    };
    // Act
    let first = request_id(&app.get("/health").await);
    let second = request_id(&app.get("/no/such/path").await);
    let chosen = app
        .client
        .get(format!("{}/health", app.address))
        .header("x-request-id", "chosen-by-the-client")
        .send()
        .await
        .expect("request sent");
    let third = request_id(&chosen);
    // Assert
    for id in [&first, &second, &third] {
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
    assert_ne!(first, second);
}
