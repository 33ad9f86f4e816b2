//! `GET /metrics`: the Prometheus text of [`crate::metrics`], for the
//! server's own host or a scraper holding `METRICS_TOKEN`. To anyone else
//! it answers `404 not_found` as an unknown path does, so it is not
//! advertised (and it is not in the OpenAPI document of the public API).

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use contract::AppError;
use engine::state::AppState;
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};
use std::net::SocketAddr;

/// The content type of the Prometheus text format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Headers a reverse proxy adds: a request that carries one came through it,
/// so its loopback peer says nothing about the client.
const PROXY_HEADERS: [&str; 3] = ["x-forwarded-for", "x-real-ip", "forwarded"];

/// The metrics, or `404` to a caller that may not read them.
pub async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    if !allowed(state.settings.metrics_token.as_ref(), &request) {
        return AppError::not_found("not_found", "nothing is served at /metrics").into_response();
    }
    let body = crate::metrics::render(&state.db);
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        body,
    )
        .into_response()
}

/// True for a request from this host that did not come through a proxy, or
/// one with `Authorization: Bearer <METRICS_TOKEN>` (when it is set).
fn allowed(token: Option<&SecretString>, request: &Request) -> bool {
    let headers = request.headers();
    if let Some(token) = token
        && bearer(headers).is_some_and(|given| same_secret(given, token.expose_secret()))
    {
        return true;
    }
    let from_this_host = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        // `to_canonical`: on a dual-stack listener (`[::]:3000`) 127.0.0.1 is `::ffff:127.0.0.1`.
        .is_some_and(|ConnectInfo(peer)| peer.ip().to_canonical().is_loopback());
    from_this_host && !PROXY_HEADERS.iter().any(|name| headers.contains_key(*name))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Compares in constant time: the digests of both (so the length of the
/// token does not show either), every byte looked at.
fn same_secret(given: &str, expected: &str) -> bool {
    let given = Sha256::digest(given.as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |differ, (a, b)| differ | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(peer: &str, headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::get("/metrics");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.body(Body::empty()).expect("request");
        let peer: SocketAddr = peer.parse().expect("address");
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    }

    /// Who may read the metrics, case by case.
    #[test]
    fn only_this_host_or_the_token_holder_reads_metrics() {
        let token = SecretString::from("scrape-token".to_owned());
        let right = [("authorization", "Bearer scrape-token")];
        let wrong = [("authorization", "Bearer scrape-tokeN")];
        let proxied = [("x-forwarded-for", "203.0.113.9")];
        let cases: [(&str, &[(&str, &str)], Option<&SecretString>, bool, &str); 10] = [
            ("127.0.0.1:5000", &[], None, true, "loopback, direct"),
            ("[::1]:5000", &[], None, true, "IPv6 loopback, direct"),
            (
                "[::ffff:127.0.0.1]:5000",
                &[],
                None,
                true,
                "loopback on a dual-stack listener",
            ),
            (
                "[::ffff:203.0.113.9]:5000",
                &[],
                None,
                false,
                "another host on a dual-stack listener",
            ),
            (
                "127.0.0.1:5000",
                &proxied,
                None,
                false,
                "loopback through nginx",
            ),
            (
                "127.0.0.1:5000",
                &[("x-real-ip", "203.0.113.9")],
                None,
                false,
                "x-real-ip",
            ),
            ("203.0.113.9:5000", &[], None, false, "another host"),
            (
                "203.0.113.9:5000",
                &right,
                Some(&token),
                true,
                "another host with the token",
            ),
            (
                "203.0.113.9:5000",
                &wrong,
                Some(&token),
                false,
                "a wrong token",
            ),
            (
                "203.0.113.9:5000",
                &right,
                None,
                false,
                "a token while none is set",
            ),
        ];
        for (peer, headers, token, expected, case) in cases {
            assert_eq!(allowed(token, &request(peer, headers)), expected, "{case}");
        }
    }

    /// Without the connection's address (a service called without one), only the token opens.
    #[test]
    fn no_peer_address_is_not_this_host() {
        let request = Request::get("/metrics")
            .body(Body::empty())
            .expect("request");
        assert!(!allowed(None, &request));
    }
}
