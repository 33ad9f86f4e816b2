//! A cheap guard in front of the database: the widget's API answers at most
//! a burst of [`BURST`] requests from one client, then [`PER_SECOND`] a
//! second, counted in memory per IP address (per /64 for IPv6,
//! [`network_of`]). Beyond it a request is refused with `429 rate_limited`
//! before it reads or writes anything; the project's own limits (messages,
//! conversations, the AI budget) are counted in the database behind it.
//!
//! It is generous for people (a widget makes a few requests when it opens,
//! then one per message and a typing ping every few seconds; an office
//! behind one address has room for dozens of visitors) and cuts off a
//! client that floods. Each instance counts its own clients.

use crate::services::throttle::network_of;
use contract::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

/// Requests one client may make at once.
pub const BURST: u32 = 120;

/// Requests a second one client may make after its burst.
pub const PER_SECOND: u32 = 20;

/// How many checks between two clean-ups of the clients that went quiet.
const FORGET_EVERY: u32 = 4096;

/// The per-client request limiter of the widget's API.
#[derive(Debug)]
pub struct FloodGuard {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU32,
}

impl Default for FloodGuard {
    fn default() -> Self {
        Self::new(BURST, PER_SECOND)
    }
}

impl FloodGuard {
    /// A guard allowing `burst` requests at once, then `per_second`.
    #[must_use]
    pub fn new(burst: u32, per_second: u32) -> Self {
        let quota = Quota::per_second(NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            by_ip: RateLimiter::keyed(quota),
            checks: AtomicU32::new(0),
        }
    }

    /// Counts one request of the client at `ip` (a request whose address is
    /// unknown is not counted).
    ///
    /// # Errors
    /// `429 rate_limited`, with the seconds to wait, beyond the client's allowance.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), AppError> {
        let Some(ip) = ip else {
            return Ok(());
        };
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(FORGET_EVERY)
        {
            self.by_ip.retain_recent();
        }
        self.by_ip.check_key(&network_of(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }

    /// How many clients are remembered (bounded: quiet ones are forgotten).
    #[must_use]
    pub fn clients(&self) -> usize {
        self.by_ip.len()
    }
}

#[cfg(test)]
mod tests {
    use super::FloodGuard;
    use std::net::IpAddr;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("an IP"))
    }

    /// A client gets its burst, then 429; another client is unaffected.
    #[test]
    fn a_flooding_client_is_cut_off_and_others_are_not() {
        let guard = FloodGuard::new(5, 1);
        for _ in 0..5 {
            guard.check(ip("203.0.113.7")).expect("within the burst");
        }
        assert!(guard.check(ip("203.0.113.7")).is_err());
        guard.check(ip("198.51.100.1")).expect("another client");
    }

    /// Addresses of one IPv6 /64 are one client.
    #[test]
    fn an_ipv6_network_is_one_client() {
        let guard = FloodGuard::new(2, 1);
        guard.check(ip("2001:db8::1")).expect("first");
        guard.check(ip("2001:db8::2")).expect("second");
        assert!(guard.check(ip("2001:db8::ffff")).is_err());
        guard.check(ip("2001:db8:0:1::1")).expect("another /64");
    }

    /// Requests without a known address are not counted.
    #[test]
    fn unknown_addresses_pass() {
        let guard = FloodGuard::new(1, 1);
        for _ in 0..10 {
            guard.check(None).expect("not counted");
        }
        assert_eq!(guard.clients(), 0);
    }
}
