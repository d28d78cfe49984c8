//! Per-user and per-guild GCRA limits (governor), with periodic eviction of idle keys.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, QuantaClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::{GuildId, UserId};

type Keyed<K, C> =
    RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Limits as configured: a sustained rate per minute and a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSpec {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

impl RateSpec {
    fn quota(self) -> Quota {
        Quota::per_minute(self.per_minute).allow_burst(self.burst)
    }
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    User,
    Guild,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed,
    Limited {
        scope: LimitScope,
        retry_after: Duration,
    },
}

/// Both limiters; cheap to share behind an `Arc`.
pub struct RateLimits<C: Clock = DefaultClock> {
    /// Keyed by user alone: SPEC §4 limits a person, however many guilds they share from.
    user: Keyed<UserId, C>,
    guild: Keyed<GuildId, C>,
    clock: C,
}

impl RateLimits<QuantaClock> {
    pub fn new(user: RateSpec, guild: RateSpec) -> Self {
        Self::with_clock(user, guild, QuantaClock::default())
    }
}

impl<C: Clock + Clone> RateLimits<C> {
    /// The clock is injectable so tests can step time instead of sleeping.
    pub fn with_clock(user: RateSpec, guild: RateSpec, clock: C) -> Self {
        RateLimits {
            user: RateLimiter::dashmap_with_clock(user.quota(), clock.clone()),
            guild: RateLimiter::dashmap_with_clock(guild.quota(), clock.clone()),
            clock,
        }
    }

    /// Checks the user first, then the guild, so one noisy member exhausts only their own cell
    /// and never the guild's shared budget.
    pub fn check(&self, guild: GuildId, user: UserId) -> RateDecision {
        if let Err(not_until) = self.user.check_key(&user) {
            return RateDecision::Limited {
                scope: LimitScope::User,
                retry_after: not_until.wait_time_from(self.clock.now()),
            };
        }
        if let Err(not_until) = self.guild.check_key(&guild) {
            return RateDecision::Limited {
                scope: LimitScope::Guild,
                retry_after: not_until.wait_time_from(self.clock.now()),
            };
        }
        RateDecision::Allowed
    }

    /// Drops keys whose cells are back to full capacity, so memory tracks active users only.
    pub fn evict_idle(&self) {
        self.user.retain_recent();
        self.user.shrink_to_fit();
        self.guild.retain_recent();
        self.guild.shrink_to_fit();
    }

    /// Tracked keys (users + guilds), for metrics and eviction tests.
    pub fn tracked_keys(&self) -> usize {
        self.user.len() + self.guild.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn spec(per_minute: u32, burst: u32) -> RateSpec {
        RateSpec {
            per_minute: NonZeroU32::new(per_minute).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        }
    }

    #[test]
    fn user_burst_then_refusal_with_retry_time() {
        let clock = FakeRelativeClock::default();
        let limits = RateLimits::with_clock(spec(5, 3), spec(60, 60), clock.clone());
        let (g, u) = (GuildId(1), UserId(7));
        for _ in 0..3 {
            assert_eq!(limits.check(g, u), RateDecision::Allowed);
        }
        match limits.check(g, u) {
            RateDecision::Limited { scope, retry_after } => {
                assert_eq!(scope, LimitScope::User);
                assert_eq!(retry_after, Duration::from_secs(12));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Another member is unaffected; the same member elsewhere is not.
        assert_eq!(limits.check(g, UserId(8)), RateDecision::Allowed);
        assert!(matches!(
            limits.check(GuildId(2), u),
            RateDecision::Limited {
                scope: LimitScope::User,
                ..
            }
        ));
        clock.advance(Duration::from_secs(12));
        assert_eq!(limits.check(g, u), RateDecision::Allowed);
    }

    #[test]
    fn guild_budget_is_shared() {
        let clock = FakeRelativeClock::default();
        let limits = RateLimits::with_clock(spec(60, 60), spec(60, 2), clock);
        let g = GuildId(1);
        assert_eq!(limits.check(g, UserId(1)), RateDecision::Allowed);
        assert_eq!(limits.check(g, UserId(2)), RateDecision::Allowed);
        assert!(matches!(
            limits.check(g, UserId(3)),
            RateDecision::Limited {
                scope: LimitScope::Guild,
                ..
            }
        ));
        assert_eq!(limits.check(GuildId(2), UserId(3)), RateDecision::Allowed);
    }

    #[test]
    fn idle_keys_are_evicted() {
        let clock = FakeRelativeClock::default();
        let limits = RateLimits::with_clock(spec(5, 3), spec(60, 60), clock.clone());
        for u in 0..1_000 {
            limits.check(GuildId(1), UserId(u));
        }
        assert_eq!(limits.tracked_keys(), 1_001);
        limits.evict_idle();
        assert_eq!(
            limits.tracked_keys(),
            1_001,
            "cells not yet replenished stay"
        );
        clock.advance(Duration::from_secs(120));
        limits.evict_idle();
        assert_eq!(limits.tracked_keys(), 0);
    }
}
