//! The HTTP surface: every route, the layers around them, and JSON errors for
//! whatever no route serves.
//!
//! # Layout
//! - [`health`]: `GET /health`.
//! - [`metrics`]: `GET /metrics` (Prometheus), for this host or `METRICS_TOKEN`.
//! - [`admin_auth`]: login, logout and `me` of the admin API.
//! - [`admin_projects`]: projects of the admin API.
//! - [`admin_copilot`]: canned replies and the suggested reply.
//! - [`admin_knowledge`]: a project's knowledge base (files, websites, Q&A).
//! - [`admin_playground`]: the playground and the project check.
//! - [`admin_users`]: operators and admins.
//! - [`admin_alerts`]: an operator's Telegram link and alert choices; Telegram's webhook.
//! - [`admin_conversations`]: the inbox, takeover, operator messages, the operators' stream.
//! - [`admin_visitors`]: one visitor's data exported or deleted (privacy).
//! - [`admin_stats`]: the owner's numbers and the conversations' CSV export.
//! - [`session`]: who is calling (Bearer or session cookie), and the client IP.
//! - [`security`]: the dashboard's frame and script policy, HSTS, `Referrer-Policy`.
//! - [`openapi`]: `GET /api/v1/openapi.json`, the document of the v1 API.
//! - [`dashboard`]: `/admin/` pages and server functions (Leptos).
//! - [`assets`]: `/widget/*` and `/pkg/*` built files.
//! - [`errors`]: JSON extractors and fallbacks (404, 405, panics).
//! - [`widget`], [`widget_events`]: the widget's v1 API and its event stream.
//! - [`sse`]: the framing both event streams share.
//! - [`cors`]: CORS of the widget's API.

pub mod admin_alerts;
pub mod admin_auth;
pub mod admin_conversations;
pub mod admin_copilot;
pub mod admin_knowledge;
pub mod admin_playground;
pub mod admin_projects;
pub mod admin_stats;
pub mod admin_users;
pub mod admin_visitors;
pub mod assets;
pub mod cors;
pub mod dashboard;
pub mod errors;
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod security;
pub mod session;
pub mod sse;
pub mod widget;
pub mod widget_events;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{HeaderValue, Request, header};
use axum::response::Redirect;
use axum::routing::get;
use engine::state::AppState;
use leptos::config::LeptosOptions;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The largest request body of a route that sets no limit of its own (the
/// project routes take more, [`admin_projects::PROJECT_BODY_LIMIT_BYTES`]; the
/// widget's less, [`widget::WIDGET_BODY_LIMIT_BYTES`]); anything larger is
/// refused with `413 payload_too_large`.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Every route of the server, with its layers, ready to serve.
pub fn router(state: AppState, leptos_options: LeptosOptions) -> Router {
    // The recorder exists before the first request is counted.
    crate::metrics::handle();
    Router::new()
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/openapi.json", get(openapi::openapi_json))
        .route("/", get(|| async { Redirect::temporary("/admin/") }))
        .merge(admin_auth::routes())
        .merge(admin_projects::routes())
        .merge(admin_copilot::routes())
        .merge(admin_knowledge::routes())
        .merge(admin_playground::routes())
        .merge(admin_users::routes())
        .merge(admin_alerts::routes())
        .merge(admin_conversations::routes())
        .merge(admin_visitors::routes())
        .merge(admin_stats::routes())
        .merge(widget::routes(&state))
        .merge(
            dashboard::routes(&state, leptos_options).layer(axum::middleware::from_fn(
                admin_projects::dashboard_form_limit,
            )),
        )
        .merge(assets::routes(&state.settings.site_dir))
        .fallback(errors::not_found)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        // HTML and JSON go compressed to browsers that accept it (the dashboard
        // on a phone). The default predicate leaves out `text/event-stream`
        // (an event must not wait in a compressor), images and tiny bodies;
        // the built files already carry their `.br`/`.gz` encoding.
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(errors::panicked))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // The dashboard's CSP (its nonce reaches the page through the request)
        // and the headers of every answer; the widget's stay frameable.
        .layer(axum::middleware::from_fn_with_state(
            security::SecurityHeaders::new(
                &state.settings.public_url,
                std::env::var_os("LEPTOS_WATCH").is_some(),
            ),
            security::add,
        ))
        // Counted by matched route, with the status the client gets (a panic's 500 too).
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Outermost: every request gets an id before its span opens, and the
        // answer carries it back (`x-request-id`), so a user's report finds its log lines.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // A client's own `x-request-id` is dropped: ids are ours, unique and short.
        .layer(axum::middleware::map_request(drop_request_id))
        .with_state(state)
}

/// The span of one request: its method, its route (the matched pattern, e.g.
/// `/api/v1/admin/projects/{id}`: never the query string, which carries tokens
/// on the events URL, nor ids) and its request id. Every log line of the
/// request is inside it.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("http", method = %request.method(), route, request_id)
}

/// Removes a request id the client sent (it could repeat one, or fill the
/// logs with text of its choosing), so that [`SetRequestIdLayer`] makes one.
async fn drop_request_id<B>(mut request: Request<B>) -> Request<B> {
    request.headers_mut().remove("x-request-id");
    request
}
