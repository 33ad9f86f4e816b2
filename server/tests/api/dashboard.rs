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

/// The dashboard's login server function checks credentials like the API
/// does, refuses other origins, and sets the session cookie.
#[tokio::test]
async fn the_login_server_function_sets_the_session_cookie() {
    let app = spawn_app().await;
    let login = |password: &'static str, origin: &'static str| {
        app.client
            .post(format!("{}/admin/fn/login", app.address))
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "username=admin&password={}",
                password.replace(' ', "+")
            ))
            .send()
    };
    let wrong = login("wrong password", "http://127.0.0.1")
        .await
        .expect("sent");
    assert_eq!(wrong.status(), 401);
    let elsewhere = login(crate::helpers::ADMIN_PASSWORD, "https://evil.example")
        .await
        .expect("sent");
    assert_eq!(elsewhere.status(), 403);

    let response = login(crate::helpers::ADMIN_PASSWORD, "http://127.0.0.1")
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        cookie.starts_with("__Host-aiw_session=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().expect("pair").to_owned();

    let me = app
        .client
        .post(format!("{}/admin/fn/me", app.address))
        .header("cookie", &cookie)
        .header("origin", "http://127.0.0.1")
        .send()
        .await
        .expect("sent");
    let (status, body) = json(me).await;
    assert_eq!((status, body["username"].as_str()), (200, Some("admin")));
}

/// Saving a project through the dashboard answers field errors like the API.
#[tokio::test]
async fn the_save_project_server_function_reports_field_errors() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let save = |input: serde_json::Value| {
        app.client
            .post(format!("{}/admin/fn/save_project", app.address))
            .bearer_auth(&token)
            .json(&serde_json::json!({"id": null, "input": input}))
            .send()
    };
    let response = save(serde_json::json!({"name": "A", "allowed_origins": ["nope"]}))
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    let body = response.text().await.expect("body");
    assert!(body.contains("allowed_origins[0]"), "{body}");

    let (status, project) = json(save(serde_json::json!({"name": "A"})).await.expect("sent")).await;
    assert_eq!(status, 200, "{project}");
    assert_eq!(project["name"], "A");
}
