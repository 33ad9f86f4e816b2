//! The dashboard session on the wire: which token a request carries (Bearer
//! or the session cookie), the Origin check of cookie-authenticated writes,
//! the cookie itself, and the client's IP. Used by the v1 extractors and by
//! the server functions alike.

use crate::services::sessions::invalid_token;
use crate::state::Settings;
use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use contract::AppError;
use std::net::{IpAddr, SocketAddr};

/// The cookie of a dashboard session. Browsers accept the `__Host-` prefix
/// only with `Secure`, which they allow on https and on localhost.
pub const SESSION_COOKIE: &str = "__Host-aiw_session";
/// The same cookie where `Secure` is impossible (plain http on another host);
/// never accepted when `PUBLIC_URL` is https.
pub const PLAIN_SESSION_COOKIE: &str = "aiw_session";

/// The session token of a request: a Bearer token (API clients), else the
/// session cookie, which on writes must come with `Origin` equal to `PUBLIC_URL`.
///
/// # Errors
/// `401 invalid_token` without one; `403 origin_mismatch` for a cookie write
/// from another origin.
pub fn token(parts: &Parts, settings: &Settings) -> Result<String, AppError> {
    if let Some(token) = bearer_token(&parts.headers) {
        return Ok(token.to_owned());
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let token = accepted_cookies(settings)
        .iter()
        .find_map(|name| jar.get(name))
        .map(|cookie| cookie.value().to_owned())
        .ok_or_else(invalid_token)?;
    if !parts.method.is_safe() {
        require_public_origin(&parts.headers, settings)?;
    }
    Ok(token)
}

/// The token of an `Authorization: Bearer <token>` header, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
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
///
/// # Errors
/// `403 origin_mismatch`.
pub fn require_public_origin(headers: &HeaderMap, settings: &Settings) -> Result<(), AppError> {
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
/// where browsers allow it. A browser-session cookie: the token inside
/// expires on its own, and closing the browser ends the session sooner.
#[must_use]
pub fn cookie(settings: &Settings, token: String) -> Cookie<'static> {
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

/// The `Set-Cookie`s that remove a session: one per name it may have. A
/// browser ignores a `__Host-` cookie without `Secure`, its removal included.
#[must_use]
pub fn removals() -> [Cookie<'static>; 2] {
    [SESSION_COOKIE, PLAIN_SESSION_COOKIE].map(|name| {
        let mut cookie = Cookie::build((name, ""))
            .path("/")
            .secure(name == SESSION_COOKIE)
            .build();
        cookie.make_removal();
        cookie
    })
}

/// Removes the session cookie(s).
pub fn clear(jar: CookieJar) -> CookieJar {
    removals().into_iter().fold(jar, CookieJar::add)
}

fn secure_cookies(settings: &Settings) -> bool {
    let Ok(url) = url::Url::parse(&settings.public_url) else {
        return false;
    };
    url.scheme() == "https" || matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

/// The cookie names a session may arrive under. On https only the `__Host-`
/// one: a browser takes it only from this very host over https, whereas an
/// unprefixed cookie can be planted by a sibling subdomain or a plain http
/// page (session fixation). On plain http the unprefixed one is the session.
fn accepted_cookies(settings: &Settings) -> &'static [&'static str] {
    let https = url::Url::parse(&settings.public_url).is_ok_and(|url| url.scheme() == "https");
    if https {
        &[SESSION_COOKIE]
    } else {
        &[SESSION_COOKIE, PLAIN_SESSION_COOKIE]
    }
}

/// The client's address: the peer, or the address nginx on the same host
/// reports in `X-Forwarded-For` (its last entry: the one nginx added).
///
/// IPv4-mapped IPv6 addresses come back as IPv4 (`to_canonical`): on a
/// dual-stack listener (`[::]:3000`) the local nginx is `::ffff:127.0.0.1`.
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical())?;
    if !peer.is_loopback() {
        return Some(peer);
    }
    let forwarded = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical());
    Some(forwarded.unwrap_or(peer))
}

#[cfg(test)]
mod client_ip_tests;
