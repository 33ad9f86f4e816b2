//! What every server function needs on the server: the state, the request's
//! parts, the session user, cookies, and an error's status on the response.

use axum::http::request::Parts;
use contract::AppError;
use engine::services::auth::{self, CurrentUser};
use engine::state::AppState;

/// The [`AppState`] the server provides to every server function.
///
/// # Errors
/// [`AppError::Internal`] when called outside a request that leptos_axum
/// handles with the state in context (a wiring mistake, logged).
pub(super) fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function's context");
        AppError::Internal
    })
}

/// The request's parts, as leptos_axum provides them.
pub(super) async fn parts() -> Result<Parts, AppError> {
    leptos_axum::extract::<Parts>().await.map_err(|err| {
        tracing::error!(error = %err, "request parts missing in a server function");
        AppError::Internal
    })
}

/// The state and the user of the request's session.
pub(super) async fn session_user() -> Result<(AppState, CurrentUser), AppError> {
    let state = app_state()?;
    let token = engine::session::token(&parts().await?, &state.settings)?;
    let user = auth::authenticate(&state, &token).await?;
    Ok((state, user))
}

/// Adds a `Set-Cookie` header to the server function's response.
pub(super) fn set_cookie(cookie: &axum_extra::extract::cookie::Cookie<'_>) {
    let response = expect_response_options();
    if let Ok(value) = axum::http::HeaderValue::from_str(&cookie.to_string()) {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
}

/// Answers a failed server function call with its error's status (not 500
/// for all). Calls made while rendering a page leave the page's status alone.
pub(super) fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    let over_http = leptos::prelude::use_context::<Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/admin/fn/"));
    if let Err(err) = &result
        && over_http
        && let Ok(status) = axum::http::StatusCode::from_u16(err.status())
    {
        expect_response_options().set_status(status);
    }
    result
}

fn expect_response_options() -> leptos_axum::ResponseOptions {
    leptos::prelude::use_context::<leptos_axum::ResponseOptions>().unwrap_or_default()
}
