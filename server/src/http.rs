//! The HTTP surface: every route, the layers around them, and JSON errors for
//! whatever no route serves.
//!
//! # Layout
//! - [`health`]: `GET /health`.
//! - [`admin_auth`]: login, logout and `me` of the admin API.
//! - [`admin_projects`]: projects of the admin API.
//! - [`admin_users`]: operators and admins.
//! - [`admin_conversations`]: the inbox, takeover, operator messages, the operators' stream.
//! - [`session`]: who is calling (Bearer or session cookie), and the client IP.
//! - [`openapi`]: `GET /api/v1/openapi.json`, the document of the v1 API.
//! - [`dashboard`]: `/admin/` pages and server functions (Leptos).
//! - [`assets`]: `/widget/*` and `/pkg/*` built files.
//! - [`errors`]: JSON extractors and fallbacks (404, 405, panics).
//! - [`widget`], [`widget_events`]: the widget's v1 API and its event stream.
//! - [`sse`]: the framing both event streams share.
//! - [`cors`]: CORS of the widget's API.

pub mod admin_auth;
pub mod admin_conversations;
pub mod admin_projects;
pub mod admin_users;
pub mod assets;
pub mod cors;
pub mod dashboard;
pub mod errors;
pub mod health;
pub mod openapi;
pub mod session;
pub mod sse;
pub mod widget;
pub mod widget_events;

use app::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Request, header};
use axum::response::Redirect;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The largest request body accepted anywhere: chat messages and project
/// settings are small; anything larger is refused with `413 payload_too_large`.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Every route of the server, with its layers, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .route("/", get(|| async { Redirect::temporary("/admin/") }))
        .merge(admin_auth::routes())
        .merge(admin_projects::routes())
        .merge(admin_users::routes())
        .merge(admin_conversations::routes())
        .merge(widget::routes(&state))
        .merge(dashboard::routes(&state))
        .merge(assets::routes(&state.settings.site_dir))
        .fallback(errors::not_found)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(CatchPanicLayer::custom(errors::panicked))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(
            TraceLayer::new_for_http()
                // The path only: query strings carry tokens (the events URL).
                .make_span_with(|request: &Request<_>| {
                    tracing::info_span!("http", method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
