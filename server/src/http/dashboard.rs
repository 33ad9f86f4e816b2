//! The dashboard at `/admin/`: server-rendered Leptos routes and the server
//! functions under `/admin/fn/`, all with [`AppState`] in context.

use app::dashboard::{App, shell};
use app::state::AppState;
use axum::Router;
use leptos_axum::{LeptosRoutes, generate_route_list};

/// The dashboard's pages and server functions.
pub fn routes(state: &AppState) -> Router<AppState> {
    let options = state.leptos_options.clone();
    Router::new().leptos_routes(state, generate_route_list(App), move || {
        shell(options.clone())
    })
}
