//! `GET /api/v1/openapi.json`.

use crate::helpers::{json, spawn_app};

/// The document lists what exists and the shape of every error.
#[tokio::test]
async fn openapi_document_describes_every_route_and_the_error_shape() {
    let app = spawn_app().await;
    let (status, doc) = json(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{doc}"
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    for path in ["/health", "/api/v1/openapi.json"] {
        assert!(doc["paths"][path]["get"].is_object(), "missing {path}");
    }
    let health = &doc["paths"]["/health"]["get"]["responses"];
    assert!(
        health["200"].is_object() && health["503"].is_object(),
        "{health}"
    );
    let error = &doc["components"]["schemas"]["ErrorBody"]["properties"];
    assert!(
        error["error"].is_object() && error["message"].is_object(),
        "{error}"
    );
}
