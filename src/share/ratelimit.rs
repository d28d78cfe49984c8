//! Per-user and per-guild GCRA limits (governor), with periodic eviction of idle keys; and
//! [`LayeredLimits`], governor in front of the limiter shared by replicas (SPEC §11).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, QuantaClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::ports::{Limiter, StorageError};
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

    /// GCRA's emission interval T: one request's share of a minute.
    pub fn emission_interval(self) -> Duration {
        Duration::from_secs(60) / self.per_minute.get()
    }

    /// GCRA's tolerance τ = T × (burst − 1): how far ahead of now the cell may run, so that
    /// `burst` requests pass at once.
    pub fn tolerance(self) -> Duration {
        self.emission_interval() * (self.burst.get() - 1)
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

/// The memory backend: limits per process.
impl<C> Limiter for RateLimits<C>
where
    C: Clock + Clone + Send + Sync,
    C::Instant: Send + Sync,
{
    async fn check(&self, guild: GuildId, user: UserId) -> Result<RateDecision, StorageError> {
        Ok(RateLimits::check(self, guild, user))
    }
}

/// The limiter the bot runs: this process's governor, then (with `ratelimit.backend =
/// "postgres"`) the limiter shared by every replica, with the same quotas. A request governor
/// refuses never reaches the shared one, so a flood stays in the process; one it allows is
/// decided by the shared one. Both check the user before the guild.
pub struct LayeredLimits<S> {
    pub local: Arc<RateLimits>,
    /// `None`: limits are per process (`ratelimit.backend = "memory"`).
    pub shared: Option<S>,
}

impl<S: Limiter> Limiter for LayeredLimits<S> {
    async fn check(&self, guild: GuildId, user: UserId) -> Result<RateDecision, StorageError> {
        // The inherent, synchronous check (`Arc<RateLimits>` is a `Limiter` itself).
        let local = RateLimits::check(&self.local, guild, user);
        match (&self.shared, local) {
            (Some(shared), RateDecision::Allowed) => shared.check(guild, user).await,
            _ => Ok(local),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::share::fakes::FakeLimiter;
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

    #[test]
    fn the_gcra_parameters_follow_the_spec() {
        assert_eq!(spec(5, 3).emission_interval(), Duration::from_secs(12));
        assert_eq!(spec(5, 3).tolerance(), Duration::from_secs(24));
        assert_eq!(spec(60, 1).tolerance(), Duration::ZERO);
        assert_eq!(spec(7, 2).emission_interval(), Duration::from_secs(60) / 7);
    }

    #[tokio::test]
    async fn governor_refuses_before_the_shared_limiter_is_asked() {
        let layered = LayeredLimits {
            local: Arc::new(RateLimits::new(spec(1, 1), spec(100, 100))),
            shared: Some(FakeLimiter::default()),
        };
        let (g, u) = (GuildId(1), UserId(7));
        assert_eq!(layered.check(g, u).await.unwrap(), RateDecision::Allowed);
        let refused = layered.check(g, u).await.unwrap();
        assert!(
            matches!(
                refused,
                RateDecision::Limited {
                    scope: LimitScope::User,
                    ..
                }
            ),
            "{refused:?}"
        );
        let shared = layered.shared.as_ref().unwrap();
        assert_eq!(
            shared.calls.load(Ordering::SeqCst),
            1,
            "only the allowed one"
        );

        // What governor allows, the shared limiter decides, errors included.
        let refusal = RateDecision::Limited {
            scope: LimitScope::Guild,
            retry_after: Duration::from_secs(3),
        };
        *shared.answer.lock().unwrap() = refusal;
        assert_eq!(layered.check(g, UserId(8)).await.unwrap(), refusal);
        shared.fail.store(true, Ordering::SeqCst);
        assert!(layered.check(g, UserId(9)).await.is_err());
        assert_eq!(shared.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn without_a_shared_limiter_governor_decides_alone() {
        let layered: LayeredLimits<FakeLimiter> = LayeredLimits {
            local: Arc::new(RateLimits::new(spec(1, 1), spec(100, 100))),
            shared: None,
        };
        let (g, u) = (GuildId(1), UserId(7));
        assert_eq!(layered.check(g, u).await.unwrap(), RateDecision::Allowed);
        assert!(matches!(
            layered.check(g, u).await.unwrap(),
            RateDecision::Limited { .. }
        ));
    }
}
