//! Login throttling: attempts are limited per username and per client IP, in
//! memory (one instance; a restart forgets, which only ever helps a user).

use contract::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Attempts allowed in a burst for one username, then one every 6 s.
const PER_USER_BURST: u32 = 10;
const PER_USER_PERIOD: Duration = Duration::from_secs(6);
/// Attempts allowed in a burst from one IP, then one every 2 s.
const PER_IP_BURST: u32 = 30;
const PER_IP_PERIOD: Duration = Duration::from_secs(2);

/// The two keyed limiters of the login endpoint.
#[derive(Debug)]
pub struct LoginThrottle {
    by_user: DefaultKeyedRateLimiter<String>,
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            by_user: RateLimiter::keyed(quota(PER_USER_PERIOD, PER_USER_BURST)),
            by_ip: RateLimiter::keyed(quota(PER_IP_PERIOD, PER_IP_BURST)),
        }
    }
}

fn quota(period: Duration, burst: u32) -> Quota {
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

impl LoginThrottle {
    /// Counts one attempt for `username` from `ip`.
    ///
    /// # Errors
    /// `429 rate_limited` with the seconds to wait, when either limit is spent.
    pub fn check(&self, username: &str, ip: Option<IpAddr>) -> Result<(), AppError> {
        let clock = DefaultClock::default();
        let limited = |not_until: governor::NotUntil<_>| AppError::RateLimited {
            retry_after_secs: not_until.wait_time_from(clock.now()).as_secs().max(1),
        };
        if let Some(ip) = ip {
            self.by_ip.check_key(&ip).map_err(limited)?;
        }
        self.by_user
            .check_key(&username.to_lowercase())
            .map_err(limited)?;
        self.forget_idle();
        Ok(())
    }

    fn forget_idle(&self) {
        self.by_user.retain_recent();
        self.by_ip.retain_recent();
    }
}
