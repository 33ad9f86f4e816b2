//! Login throttling: attempts are limited per username and per client IP, in
//! memory (one instance; a restart forgets, which only ever helps a user), and
//! the argon2 checks behind them run through one bounded [`HashGate`].

use crate::services::auth::normalised_username;
use crate::services::passwords::HashGate;
use contract::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

/// Attempts allowed in a burst for one username, then one every 6 s.
const PER_USER_BURST: u32 = 10;
const PER_USER_PERIOD: Duration = Duration::from_secs(6);
/// Attempts allowed in a burst from one IP, then one every 2 s.
const PER_IP_BURST: u32 = 30;
const PER_IP_PERIOD: Duration = Duration::from_secs(2);

/// The two keyed limiters of the login endpoint and its argon2 gate.
#[derive(Debug)]
pub struct LoginThrottle {
    by_user: DefaultKeyedRateLimiter<String>,
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    hashes: HashGate,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::with_gate(HashGate::default())
    }
}

fn quota(period: Duration, burst: u32) -> Quota {
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

impl LoginThrottle {
    /// The usual limits, with `hashes` bounding the argon2 checks (tests pass
    /// a gate of one slot).
    #[must_use]
    pub fn with_gate(hashes: HashGate) -> Self {
        Self {
            by_user: RateLimiter::keyed(quota(PER_USER_PERIOD, PER_USER_BURST)),
            by_ip: RateLimiter::keyed(quota(PER_IP_PERIOD, PER_IP_BURST)),
            hashes,
        }
    }

    /// Counts one attempt for `username` from `ip`. The name is counted as
    /// the lookup reads it ([`normalised_username`]): `" Admin\t"` is `admin`.
    ///
    /// # Errors
    /// `429 rate_limited` with the seconds to wait, when either limit is spent.
    pub fn check(&self, username: &str, ip: Option<IpAddr>) -> Result<(), AppError> {
        let clock = DefaultClock::default();
        let limited = |not_until: governor::NotUntil<_>| AppError::RateLimited {
            retry_after_secs: not_until.wait_time_from(clock.now()).as_secs().max(1),
        };
        if let Some(ip) = ip {
            self.by_ip.check_key(&network_of(ip)).map_err(limited)?;
        }
        self.by_user
            .check_key(&normalised_username(username))
            .map_err(limited)?;
        self.forget_idle();
        Ok(())
    }

    /// The gate every password check of a login goes through.
    #[must_use]
    pub fn hashes(&self) -> &HashGate {
        &self.hashes
    }

    fn forget_idle(&self) {
        self.by_user.retain_recent();
        self.by_ip.retain_recent();
    }
}

/// The key one client is counted under: an IPv4 address (an IPv4-mapped IPv6
/// one included) as it is, an IPv6 address by its /64, which one subscriber
/// usually holds whole and can pick addresses from at will.
#[must_use]
pub fn network_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from_bits(prefix))
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::{LoginThrottle, PER_IP_BURST, PER_USER_BURST, network_of};
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an IP")
    }

    /// Addresses of one /64 share one allowance; another /64 has its own.
    #[test]
    fn ipv6_clients_are_counted_per_64() {
        // Arrange: spend the allowance of 2001:db8:1:1::/64 from one address,
        // each attempt for another user so only the per-IP limit counts.
        let throttle = LoginThrottle::default();
        for attempt in 0..PER_IP_BURST {
            throttle
                .check(&format!("user{attempt}"), Some(ip("2001:db8:1:1::1")))
                .expect("within the burst");
        }
        // Act
        let same_64 = throttle.check("other", Some(ip("2001:db8:1:1:ffff::2")));
        let next_64 = throttle.check("another", Some(ip("2001:db8:1:2::1")));
        // Assert
        assert_eq!(same_64.expect_err("one /64").code(), "rate_limited");
        assert!(next_64.is_ok(), "{next_64:?}");
    }

    /// Padded and capitalised spellings of a name find the same user, so they
    /// share its allowance.
    #[test]
    fn spellings_of_one_name_share_its_allowance() {
        // Arrange
        let throttle = LoginThrottle::default();
        let spellings = [" admin", "admin\t", "ADMIN", "\nAdmin ", "admin"];
        for name in spellings.iter().cycle().take(PER_USER_BURST as usize) {
            throttle.check(name, None).expect("within the burst");
        }
        // Act / Assert
        for name in spellings {
            let refused = throttle
                .check(name, None)
                .expect_err("the allowance is spent");
            assert_eq!(refused.code(), "rate_limited", "{name:?}");
        }
        assert!(throttle.check("operator", None).is_ok());
    }

    /// IPv4 is counted per address, an IPv4-mapped IPv6 address as its IPv4.
    #[test]
    fn ipv4_clients_are_counted_per_address() {
        assert_eq!(network_of(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(network_of(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(network_of(ip("2001:db8::1:2:3:4")), ip("2001:db8::"));
    }
}
