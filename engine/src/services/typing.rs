//! How often a `typing` event is stored: at most one per conversation (and
//! side) every [`TYPING_EVERY`], with a memory that stays bounded however many
//! conversations ever typed.
//!
//! A keyed rate limiter keeps one entry per key it has seen; entries whose
//! window has passed are no different from absent ones, so they are dropped
//! whenever the map grows past twice what it held after the last pruning (at
//! least [`PRUNE_ABOVE`]). The map then holds the keys of the last window, and
//! pruning costs O(1) per check, amortised.

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// One stored `typing` event per key this often.
pub const TYPING_EVERY: Duration = Duration::from_secs(2);

/// Below this many keys the map is never pruned.
pub const PRUNE_ABOVE: usize = 1024;

type Limiter<C> =
    RateLimiter<Uuid, DashMapStateStore<Uuid>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A check came too soon after the last one of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooSoon;

/// The throttle of stored `typing` events, keyed by conversation (or
/// conversation and side).
pub struct TypingThrottle<C: Clock = DefaultClock> {
    limiter: Limiter<C>,
    /// The size past which the next check prunes the map.
    prune_at: AtomicUsize,
}

impl<C: Clock> std::fmt::Debug for TypingThrottle<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypingThrottle")
            .field("keys", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for TypingThrottle {
    fn default() -> Self {
        Self::with_clock(DefaultClock::default())
    }
}

impl<C: Clock> TypingThrottle<C> {
    /// A throttle reading the time from `clock` (tests pass a fake one).
    pub fn with_clock(clock: C) -> Self {
        let quota = Quota::with_period(TYPING_EVERY)
            .unwrap_or_else(|| Quota::per_second(std::num::NonZeroU32::MIN));
        Self {
            limiter: RateLimiter::dashmap_with_clock(quota, clock),
            prune_at: AtomicUsize::new(PRUNE_ABOVE),
        }
    }

    /// `Ok` when `key` may store a `typing` event now (and counts it).
    ///
    /// # Errors
    /// [`TooSoon`] within [`TYPING_EVERY`] of the last one allowed.
    pub fn check_key(&self, key: &Uuid) -> Result<(), TooSoon> {
        let outcome = self.limiter.check_key(key).map_err(|_| TooSoon);
        if self.limiter.len() > self.prune_at.load(Ordering::Relaxed) {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
            let kept = self.limiter.len();
            self.prune_at
                .store(PRUNE_ABOVE.max(kept.saturating_mul(2)), Ordering::Relaxed);
        }
        outcome
    }

    /// How many keys the throttle remembers now.
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    /// True when it remembers none.
    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    /// Many conversations over a long time: the map never holds more than
    /// the bound, as each window's keys are forgotten once it has passed.
    #[test]
    fn the_map_stays_bounded() {
        // Arrange
        let clock = FakeRelativeClock::default();
        let throttle = TypingThrottle::with_clock(clock.clone());
        // Act
        for round in 0..20 {
            for _ in 0..PRUNE_ABOVE / 2 {
                assert_eq!(throttle.check_key(&Uuid::new_v4()), Ok(()), "{round}");
            }
            clock.advance(TYPING_EVERY * 2);
            // Assert
            assert!(throttle.len() <= PRUNE_ABOVE + 1, "{}", throttle.len());
        }
    }

    /// A burst of keys all within one window is kept (each is still
    /// throttled), with the threshold doubling so pruning stays cheap.
    #[test]
    fn keys_of_the_current_window_are_kept() {
        let throttle = TypingThrottle::with_clock(FakeRelativeClock::default());
        let keys: Vec<Uuid> = (0..PRUNE_ABOVE * 3).map(|_| Uuid::new_v4()).collect();
        for key in &keys {
            assert_eq!(throttle.check_key(key), Ok(()));
        }
        assert_eq!(throttle.len(), keys.len());
        assert!(
            keys.iter()
                .all(|key| throttle.check_key(key) == Err(TooSoon))
        );
    }

    /// The throttle still de-duplicates: a second event within the window is
    /// refused, one after it allowed, after prunings too.
    #[test]
    fn recent_keys_are_still_throttled() {
        let clock = FakeRelativeClock::default();
        let throttle = TypingThrottle::with_clock(clock.clone());
        for _ in 0..PRUNE_ABOVE * 4 {
            throttle.check_key(&Uuid::new_v4()).ok();
            clock.advance(Duration::from_millis(10));
        }
        let key = Uuid::new_v4();
        assert_eq!(throttle.check_key(&key), Ok(()));
        for _ in 0..PRUNE_ABOVE * 2 {
            throttle.check_key(&Uuid::new_v4()).ok();
        }
        assert_eq!(throttle.check_key(&key), Err(TooSoon), "throttled");
        clock.advance(TYPING_EVERY);
        assert_eq!(throttle.check_key(&key), Ok(()), "allowed again");
    }
}
