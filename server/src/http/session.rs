//! Who is calling the admin API: [`AuthUser`] from a Bearer token (API
//! clients) or the dashboard's session cookie, with the Origin check that
//! cookie-authenticated writes need.

use app::AppError;
use app::services::auth::{self, CurrentUser};
use app::state::{AppState, Settings};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use std::net::{IpAddr, SocketAddr};

/// The cookie of a dashboard session. Browsers accept the `__Host-` prefix
/// only with `Secure`, which they allow on https and on localhost.
pub const SESSION_COOKIE: &str = "__Host-aiw_session";
/// The same cookie where `Secure` is impossible (plain http on another host).
pub const PLAIN_SESSION_COOKIE: &str = "aiw_session";

/// The user behind the request's Bearer token or session cookie.
#[derive(Debug, Clone)]
pub struct AuthUser(pub CurrentUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(token) = bearer_token(&parts.headers) {
            return auth::authenticate(state, token).await.map(AuthUser);
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let token = [SESSION_COOKIE, PLAIN_SESSION_COOKIE]
            .iter()
            .find_map(|name| jar.get(name))
            .map(|cookie| cookie.value().to_owned())
            .ok_or_else(app::services::sessions::invalid_token)?;
        if !parts.method.is_safe() {
            require_public_origin(&parts.headers, &state.settings)?;
        }
        auth::authenticate(state, &token).await.map(AuthUser)
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

/// Cookie-authenticated writes must come from the dashboard's own origin: a
/// page elsewhere cannot make the browser send the cookie with its requests.
fn require_public_origin(headers: &HeaderMap, settings: &Settings) -> Result<(), AppError> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|value| value.to_str().ok());
    if origin == Some(settings.public_url.as_str()) {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            code: "origin_mismatch".into(),
            message: "a write with the session cookie must come from the dashboard's origin".into(),
        })
    }
}

/// The session cookie carrying `token`: HttpOnly, `SameSite=Lax`, `Secure`
/// where browsers allow it. A browser-session cookie: the token inside expires
/// on its own, and closing the browser ends the session sooner.
pub fn session_cookie(settings: &Settings, token: String) -> Cookie<'static> {
    let secure = secure_cookies(settings);
    let name = if secure {
        SESSION_COOKIE
    } else {
        PLAIN_SESSION_COOKIE
    };
    Cookie::build((name, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build()
}

/// Removes the session cookie(s).
pub fn clear_session(jar: CookieJar) -> CookieJar {
    jar.remove(Cookie::build(SESSION_COOKIE).path("/"))
        .remove(Cookie::build(PLAIN_SESSION_COOKIE).path("/"))
}

fn secure_cookies(settings: &Settings) -> bool {
    let Ok(url) = url::Url::parse(&settings.public_url) else {
        return false;
    };
    url.scheme() == "https" || matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

/// The client's address: the peer, or the address nginx on the same host
/// reports in `X-Forwarded-For` (its last entry: the one nginx added).
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())?;
    if !peer.is_loopback() {
        return Some(peer);
    }
    let forwarded = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok());
    Some(forwarded.unwrap_or(peer))
}

/// The client's IP as an extractor (see [`client_ip`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}
