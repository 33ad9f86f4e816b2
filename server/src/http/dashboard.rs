//! The dashboard at `/admin/`: server-rendered Leptos routes and the server
//! functions under `/admin/fn/`, all with [`AppState`] in context.

use app::{App, shell};
use axum::Router;
use engine::state::AppState;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
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
            move || provide_context(state.clone()),
            move || shell(shell_options.clone()),
        )
        .with_state(options)
}
