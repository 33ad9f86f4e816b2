//! Who is calling the admin API ([`AuthUser`]) and from where ([`ClientIp`]),
//! over the session rules of `engine::session`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use contract::AppError;
use engine::services::auth::{self, CurrentUser};
use engine::state::AppState;
use std::net::IpAddr;

/// The user behind the request's Bearer token or session cookie.
#[derive(Debug, Clone)]
pub struct AuthUser(pub CurrentUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = engine::session::token(parts, &state.settings)?;
        auth::authenticate(state, &token).await.map(AuthUser)
    }
}

/// The client's IP (see `engine::session::client_ip`).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(engine::session::client_ip(parts)))
    }
}
