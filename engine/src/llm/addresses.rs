//! Which addresses a project's provider may be reached at. A project's base
//! URL is written by its admin, and every call sends the project's key and
//! conversation there: in production it must not reach the server's own
//! loopback or private network (the database, the metrics, other services)
//! unless `ALLOW_PRIVATE_UPSTREAMS=true` (a local model).
//!
//! Checked twice: when a base URL is saved (a readable error for the admin),
//! and at connection time on the addresses a name resolves to ([`PublicOnly`],
//! the upstream client's resolver), so that a name pointing at 127.0.0.1, a
//! name re-pointed after it was saved, or a URL saved while private
//! addresses were allowed is refused too. A refused address fails like an
//! unreachable one, before any connection: the error cannot tell whether a
//! port is open.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};

/// True for every address that is not plainly on the public internet:
/// loopback, private, link-local, shared (100.64/10), "this network"
/// (0/8), IETF protocol assignments (192.0.0/24), benchmarking
/// (198.18/15), reserved (240/4) and broadcast IPv4; loopback, unspecified,
/// unique-local, link-local and site-local IPv6; and IPv6 forms that carry
/// an IPv4 address (mapped, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4
/// `2002::/16`) when that address is one of these.
#[must_use]
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, c, _] = ip.octets();
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_broadcast()
                || a == 0
                || (a == 100 && (b & 0xc0) == 64)
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b & 0xfe) == 18)
                || a >= 240
        }
        IpAddr::V6(ip) => {
            let segments = ip.segments();
            ip.is_loopback()
                || ip.is_unspecified()
                || (segments[0] & 0xfe00) == 0xfc00
                || (segments[0] & 0xffc0) == 0xfe80
                || (segments[0] & 0xffc0) == 0xfec0
                || embedded_ipv4(ip).is_some_and(|v4| is_private_ip(IpAddr::V4(v4)))
        }
    }
}

/// The IPv4 address an IPv6 one carries: IPv4-mapped, NAT64 (the well-known
/// and the local-use prefix: its last 32 bits) or 6to4 (bits 16 to 47).
fn embedded_ipv4(ip: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let segments = ip.segments();
    let last = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        std::net::Ipv4Addr::new(a, b, c, d)
    };
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || segments[..3] == [0x64, 0xff9b, 1] {
        Some(last(segments[6], segments[7]))
    } else if segments[0] == 0x2002 {
        Some(last(segments[1], segments[2]))
    } else {
        None
    }
}

/// True when `url` names a private place by itself: a private IP literal,
/// `localhost`, a `.localhost` or `.local` name, or no host.
#[must_use]
pub fn is_private_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            domain == "localhost" || domain.ends_with(".localhost") || domain.ends_with(".local")
        }
        Some(url::Host::Ipv4(ip)) => is_private_ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_private_ip(IpAddr::V6(ip)),
        None => true,
    }
}

/// True when the base URL's host is an IP literal on a private address (a
/// literal is never resolved, so [`PublicOnly`] does not see it), or the URL
/// does not parse.
#[must_use]
pub fn names_private_literal(base_url: &str) -> bool {
    let Ok(url) = url::Url::parse(base_url) else {
        return true;
    };
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_private_ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_private_ip(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => false,
        None => true,
    }
}

/// The upstream client's resolver in production: the system's answer for
/// a name, without its private addresses; a name with only private ones
/// fails to resolve.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| !is_private_ip(address.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an IP")
    }

    #[test]
    fn private_and_public_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.1.2.3",
            "192.0.0.8",
            "198.18.0.1",
            "240.0.0.1",
            "fec0::1",
            "64:ff9b::a00:1",
            "64:ff9b:1::7f00:1",
            "2002:7f00:1::",
        ] {
            assert!(is_private_ip(ip(private)), "{private}");
        }
        for public in [
            "8.8.8.8",
            "203.0.113.7",
            "2001:4860:4860::8888",
            "64:ff9b::808:808",
            "2002:808:808::",
        ] {
            assert!(!is_private_ip(ip(public)), "{public}");
        }
    }

    #[test]
    fn literals_are_judged_names_are_left_to_the_resolver() {
        assert!(names_private_literal("http://127.0.0.1:9/v1"));
        assert!(names_private_literal("http://[::1]/v1"));
        assert!(!names_private_literal("https://203.0.113.7/v1"));
        assert!(!names_private_literal("https://api.openai.com/v1"));
        assert!(names_private_literal("not a url"));
    }

    /// `localhost` resolves to loopback only: refused, whatever the port.
    #[tokio::test]
    async fn a_name_of_loopback_does_not_resolve() {
        let name: Name = "localhost".parse().expect("a name");
        assert!(PublicOnly.resolve(name).await.is_err());
    }
}
