//! Built files: the visitor widget under `/widget/` (any origin may load it)
//! and the dashboard's wasm, glue and CSS under `/pkg/`, both from `SITE_DIR`,
//! each sent as its build-time `.br` or `.gz` copy when the browser takes one.

use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, header};
use engine::state::AppState;
use std::path::Path;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// How long browsers may keep the widget files: the loader's URL is fixed and
/// pasted into sites, so a release must reach them within minutes.
const WIDGET_CACHE: &str = "public, max-age=300";

/// `/widget/*` and `/pkg/*` from `site_dir`; a missing file is a JSON 404.
pub fn routes(site_dir: &Path) -> Router<AppState> {
    // The build writes `.br` and `.gz` beside the widget's files (tools/compress.mjs).
    let widget = ServeDir::new(site_dir.join("widget"))
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(super::errors::not_found.into_service());
    // The same for the dashboard's wasm, glue and CSS (scripts run compress.mjs
    // on `pkg/` after each `cargo leptos build`): operators on phones get the
    // brotli copy, about a quarter of the wasm's size.
    let pkg = ServeDir::new(site_dir.join("pkg"))
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(super::errors::not_found.into_service());
    Router::new()
        .nest_service(
            "/widget",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(WIDGET_CACHE),
                ))
                .service(widget),
        )
        .nest_service("/pkg", pkg)
}
