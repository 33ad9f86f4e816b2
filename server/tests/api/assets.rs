//! Built files under `/widget/` and `/pkg/`.

use crate::helpers::{TestApp, spawn_app};

/// Host pages on any origin load the loader and the wasm.
#[tokio::test]
async fn widget_files_are_served_to_any_origin_with_their_types() {
    let app = spawn_app().await;
    let loader = app.get("/widget/widget.js").await;
    assert_eq!(loader.status(), 200);
    assert_eq!(loader.headers()["access-control-allow-origin"], "*");
    assert!(
        loader.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .contains("javascript")
    );
    assert_eq!(loader.headers()["cache-control"], "public, max-age=300");
    assert_eq!(loader.text().await.expect("body"), "console.log('loader');");

    let wasm = app.get("/widget/aiwidget-widget_bg.wasm").await;
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
}

/// A browser that accepts brotli gets the build's `.br` copy of the wasm,
/// still typed `application/wasm`; one that does not gets the file itself.
#[tokio::test]
async fn widget_files_go_precompressed_to_browsers_that_accept_it() {
    let app = spawn_app().await;
    let url = assert_served_as_brotli(&app, "widget").await;

    let plain = app.client.get(&url).send().await.expect("sent");
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(
        plain.bytes().await.expect("body").as_ref(),
        b"\0asm\x01\0\0\0plain"
    );
}

/// The dashboard's assets come from SITE_DIR/pkg.
#[tokio::test]
async fn dashboard_assets_are_served_from_the_site_dir() {
    let app = spawn_app().await;
    std::fs::write(app.site_dir.join("pkg/new.css"), "a{}").expect("write");
    let css = app.get("/pkg/new.css").await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/css")
    );
    assert_eq!(css.text().await.expect("body"), "a{}");
}

/// Paths cannot climb out of the site folder.
#[tokio::test]
async fn asset_paths_cannot_escape_the_site_dir() {
    let app = spawn_app().await;
    let response = app.get("/widget/..%2F..%2Fetc%2Fpasswd").await;
    assert_eq!(response.status(), 404);
}

/// The dashboard's wasm goes as its build-time brotli copy to a browser that
/// takes it (an operator's phone downloads about a quarter of the bytes).
#[tokio::test]
async fn dashboard_assets_go_precompressed_to_browsers_that_accept_it() {
    let app = spawn_app().await;
    assert_served_as_brotli(&app, "pkg").await;
}

/// Writes a wasm file and its `.br` copy into `folder` of the site, asks for
/// it as a browser that accepts brotli, checks that the copy came (typed
/// `application/wasm`), and returns the file's URL.
async fn assert_served_as_brotli(app: &TestApp, folder: &str) -> String {
    let dir = app.site_dir.join(folder);
    std::fs::write(dir.join("board_bg.wasm"), b"\0asm\x01\0\0\0plain").expect("wasm");
    std::fs::write(dir.join("board_bg.wasm.br"), b"brotli bytes").expect("br");
    let url = format!("{}/{folder}/board_bg.wasm", app.address);
    let compressed = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("sent");
    assert_eq!(compressed.headers()["content-encoding"], "br");
    assert_eq!(compressed.headers()["content-type"], "application/wasm");
    assert_eq!(
        compressed.bytes().await.expect("body").as_ref(),
        b"brotli bytes"
    );
    url
}

/// JSON (and the dashboard's HTML) is compressed for a browser that accepts
/// it, and left as it is for one that does not.
#[tokio::test]
async fn answers_are_compressed_when_the_client_accepts_it() {
    let app = spawn_app().await;
    let url = format!("{}/api/v1/openapi.json", app.address);
    let gzip = app
        .client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("sent");
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let body = gzip.bytes().await.expect("body");
    assert_eq!(&body[..2], &[0x1f, 0x8b], "a gzip stream");

    let plain = app.get("/api/v1/openapi.json").await;
    assert!(plain.headers().get("content-encoding").is_none());
    let json: serde_json::Value = plain.json().await.expect("plain JSON");
    assert!(json["paths"].is_object());
}

/// An event stream is never compressed: an event must not wait in a
/// compressor's buffer, whatever the client accepts.
#[tokio::test]
async fn event_streams_are_never_compressed() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let stream = app
        .client
        .get(format!("{}/api/v1/admin/events", app.address))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("sent");
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/event-stream")
    );
    assert!(stream.headers().get("content-encoding").is_none());
}
