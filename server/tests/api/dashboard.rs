//! The dashboard shell at `/admin/` and its server functions.

use crate::helpers::{json, spawn_app};

/// The server renders the dashboard and points the browser at its wasm.
#[tokio::test]
async fn the_dashboard_is_rendered_by_the_server() {
    let app = spawn_app().await;
    for path in ["/admin/", "/admin"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/html")
        );
        let html = response.text().await.expect("body");
        assert!(html.contains("<title>aiwidget</title>"), "{path}: {html}");
        assert!(
            html.contains("/pkg/aiwidget.js"),
            "{path}: hydration script missing"
        );
        assert!(
            html.contains("/pkg/aiwidget.css"),
            "{path}: stylesheet missing"
        );
    }
}

/// The root sends people to the dashboard.
#[tokio::test]
async fn the_root_redirects_to_the_dashboard() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 307);
    assert_eq!(response.headers()["location"], "/admin/");
}

/// The dashboard's server function answers from the same service as /health.
#[tokio::test]
async fn the_health_server_function_uses_the_health_service() {
    let app = spawn_app().await;
    let response = app.call_server_fn("/admin/fn/health").await;
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["db"], "ok");

    app.close_database().await;
    let response = app.call_server_fn("/admin/fn/health").await;
    let (_, body) = json(response).await;
    assert_eq!(body["db"], "unreachable");
}
