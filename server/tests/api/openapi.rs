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
    for (method, path) in [
        ("get", "/health"),
        ("get", "/api/v1/openapi.json"),
        ("post", "/api/v1/admin/login"),
        ("post", "/api/v1/admin/logout"),
        ("get", "/api/v1/admin/me"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "missing {method} {path}"
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer", "{schemes}");
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
