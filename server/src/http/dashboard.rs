//! The dashboard at `/admin/`: server-rendered Leptos routes and the server
//! functions under `/admin/fn/`, all with [`AppState`] in context.

use app::{App, shell};
use axum::Router;
use axum::http::request::Parts;
use engine::state::AppState;
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};

/// The dashboard's pages and server functions. The Leptos options stay here,
/// in the web layer; the server functions get the [`AppState`] as context.
pub fn routes(state: &AppState, options: LeptosOptions) -> Router<AppState> {
    let state = state.clone();
    let shell_options = options.clone();
    Router::<LeptosOptions>::new()
        .leptos_routes_with_context(
            &options,
            generate_route_list(App),
            move || {
                provide_context(state.clone());
                provide_policy_nonce();
            },
            move || shell(shell_options.clone()),
        )
        .with_state(options)
}

/// Hands Leptos the nonce that [`super::security`] put into this request's
/// Content-Security-Policy, in place of the one `leptos_axum` made itself:
/// the hydration script and every other inline script then carry it.
fn provide_policy_nonce() {
    let nonce = use_context::<Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}
