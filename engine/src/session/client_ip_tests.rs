//! [`super::client_ip`]: the peer, or `X-Forwarded-For` from the local proxy.

use super::client_ip;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

fn parts(peer: &str, forwarded_for: Option<&str>) -> Parts {
    let mut request = Request::builder().uri("/api/v1/admin/login");
    if let Some(value) = forwarded_for {
        request = request.header("x-forwarded-for", value);
    }
    let (mut parts, ()) = request.body(()).expect("a request").into_parts();
    let peer: SocketAddr = peer.parse().expect("a socket address");
    parts.extensions.insert(ConnectInfo(peer));
    parts
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an IP")
}

/// nginx on the same host, seen over IPv4 or as IPv4-mapped IPv6 on a
/// dual-stack listener, or over IPv6: its `X-Forwarded-For` is the client.
#[test]
fn the_local_proxy_is_trusted_on_every_loopback_form() {
    for peer in ["127.0.0.1:40000", "[::ffff:127.0.0.1]:40000", "[::1]:40000"] {
        let parts = parts(peer, Some("198.51.100.1, 203.0.113.9"));
        assert_eq!(client_ip(&parts), Some(ip("203.0.113.9")), "{peer}");
    }
}

/// Another peer's `X-Forwarded-For` is ignored; mapped addresses read as IPv4.
#[test]
fn other_peers_are_the_client_whatever_they_forward() {
    let direct = parts("[::ffff:198.51.100.7]:40000", Some("203.0.113.9"));
    assert_eq!(client_ip(&direct), Some(ip("198.51.100.7")));
    let proxied = parts("[::ffff:127.0.0.1]:40000", Some("::ffff:203.0.113.9"));
    assert_eq!(client_ip(&proxied), Some(ip("203.0.113.9")));
    let alone = parts("[::ffff:127.0.0.1]:40000", None);
    assert_eq!(client_ip(&alone), Some(ip("127.0.0.1")));
}
