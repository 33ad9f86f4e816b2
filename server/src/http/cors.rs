//! CORS for `/api/v1/widget/*`: the widget calls from the client's site.
//!
//! A preflight passes when its Origin is allowed by any project or is the
//! dashboard's own (a cached list); each real request is then checked against
//! its own project (`403 origin_not_allowed`). No credentials are ever allowed:
//! the widget authenticates with its visitor token.

use axum::http::{HeaderValue, Method, header};
use contract::origins;
use engine::state::AppState;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long browsers may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// The CORS layer of the widget's routes.
pub fn widget_layer(state: &AppState) -> CorsLayer {
    let state = state.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::async_predicate(
            move |origin: HeaderValue, _parts| async move { allowed(&state, &origin).await },
        ))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER])
        .max_age(PREFLIGHT_MAX_AGE)
}

async fn allowed(state: &AppState, origin: &HeaderValue) -> bool {
    let Some(origin) = origin
        .to_str()
        .ok()
        .and_then(origins::normalize_request_origin)
    else {
        return false;
    };
    if engine::services::widget::is_dashboard_origin(state, &origin) {
        return true;
    }
    state
        .origin_cache
        .allows(&state.db, &origin)
        .await
        .unwrap_or_else(|err| {
            tracing::error!(error = %err, "cannot load the allowed origins");
            false
        })
}
