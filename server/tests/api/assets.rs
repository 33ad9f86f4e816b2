//! Built files under `/widget/` and `/pkg/`.

use crate::helpers::spawn_app;

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
