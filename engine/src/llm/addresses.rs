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

/// True for loopback, private, link-local, shared (100.64/10), unspecified
/// and broadcast addresses, unique-local IPv6, and IPv4-mapped forms of them.
#[must_use]
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(ip) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private_ip(IpAddr::V4(v4)))
        }
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
        ] {
            assert!(is_private_ip(ip(private)), "{private}");
        }
        for public in ["8.8.8.8", "203.0.113.7", "2001:4860:4860::8888"] {
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
