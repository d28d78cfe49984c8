//! Per-user and per-guild GCRA limits (governor), with periodic eviction of idle keys; and
//! [`LayeredLimits`], governor in front of the limiter shared by replicas.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock, QuantaClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::{Quota, RateLimiter};

use super::ports::{Limiter, StorageError};
use super::{GuildId, UserId};

/// governor's own DashMap store, shared with [`KeyedCells::remaining`]: governor has no way to
/// read a cell without using it up, and `/share-admin explain` must not use up anything.
/// Every call is delegated unchanged.
struct PeekableStore<K: Hash + Eq + Clone>(Arc<DashMapStateStore<K>>);

impl<K: Hash + Eq + Clone> StateStore for PeekableStore<K> {
    type Key = K;

    fn measure_and_replace<T, F, E>(&self, key: &K, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        self.0.measure_and_replace(key, f)
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<K> for PeekableStore<K> {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&*self.0, drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&*self.0);
    }

    fn len(&self) -> usize {
        ShrinkableKeyedStateStore::len(&*self.0)
    }

    fn is_empty(&self) -> bool {
        ShrinkableKeyedStateStore::is_empty(&*self.0)
    }
}

/// One keyed governor limiter, and what it takes to read its cells.
struct KeyedCells<K: Hash + Eq + Clone, C: Clock> {
    limiter: RateLimiter<K, PeekableStore<K>, C, NoOpMiddleware<C::Instant>>,
    store: Arc<DashMapStateStore<K>>,
    spec: RateSpec,
    /// Taken just after governor took its own start, so "now" measured from here is never
    /// ahead of governor's: a count read at a boundary errs on the low side.
    start: C::Instant,
}

impl<K: Hash + Eq + Clone, C: Clock> KeyedCells<K, C> {
    fn new(spec: RateSpec, clock: C) -> Self {
        let store = Arc::new(DashMapStateStore::default());
        let limiter = RateLimiter::new(spec.quota(), PeekableStore(Arc::clone(&store)), clock);
        let start = limiter.clock().now();
        KeyedCells {
            limiter,
            store,
            spec,
            start,
        }
    }

    /// The cell's theoretical arrival time, read without changing it.
    fn remaining(&self, key: &K) -> u32 {
        // Reading an absent key through the store would insert it.
        if !self.store.contains_key(key) {
            return self.spec.burst.get();
        }
        let read: Result<(), Option<Nanos>> = self.store.measure_and_replace(key, Err);
        let tat = read.err().flatten();
        let now = self.limiter.clock().now().duration_since(self.start);
        let ahead = tat.map_or(Duration::ZERO, |tat| {
            Duration::from(tat.saturating_sub(now))
        });
        self.spec.remaining_at(ahead)
    }
}

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

    /// Requests a cell allows right now when its theoretical arrival time is `ahead` of now:
    /// each passes while the cell stays within τ, and each moves it T further ahead.
    pub fn remaining_at(self, ahead: Duration) -> u32 {
        let (t, tau) = (self.emission_interval(), self.tolerance());
        if ahead > tau {
            return 0;
        }
        let room = (tau - ahead).as_nanos() / t.as_nanos().max(1);
        (room + 1).min(u128::from(self.burst.get())) as u32
    }
}

/// What a member's limits would still allow right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remaining {
    pub user: u32,
    pub guild: u32,
}

impl Remaining {
    /// Requests the member can make before one of the limits refuses.
    pub fn requests(self) -> u32 {
        self.user.min(self.guild)
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
    /// Keyed by user alone: the limit is on a person, however many guilds they share from.
    user: KeyedCells<UserId, C>,
    guild: KeyedCells<GuildId, C>,
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
            user: KeyedCells::new(user, clock.clone()),
            guild: KeyedCells::new(guild, clock.clone()),
            clock,
        }
    }

    /// Checks the user first, then the guild, so one noisy member exhausts only their own cell
    /// and never the guild's shared budget.
    pub fn check(&self, guild: GuildId, user: UserId) -> RateDecision {
        if let Err(not_until) = self.user.limiter.check_key(&user) {
            return RateDecision::Limited {
                scope: LimitScope::User,
                retry_after: not_until.wait_time_from(self.clock.now()),
            };
        }
        if let Err(not_until) = self.guild.limiter.check_key(&guild) {
            return RateDecision::Limited {
                scope: LimitScope::Guild,
                retry_after: not_until.wait_time_from(self.clock.now()),
            };
        }
        RateDecision::Allowed
    }

    /// Drops keys whose cells are back to full capacity, so memory tracks active users only.
    pub fn evict_idle(&self) {
        self.user.limiter.retain_recent();
        self.user.limiter.shrink_to_fit();
        self.guild.limiter.retain_recent();
        self.guild.limiter.shrink_to_fit();
    }

    /// Tracked keys (users + guilds), for metrics and eviction tests.
    pub fn tracked_keys(&self) -> usize {
        self.user.limiter.len() + self.guild.limiter.len()
    }

    /// What the member's cells would allow right now; uses up nothing.
    pub fn remaining(&self, guild: GuildId, user: UserId) -> Remaining {
        Remaining {
            user: self.user.remaining(&user),
            guild: self.guild.remaining(&guild),
        }
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

    async fn remaining(&self, guild: GuildId, user: UserId) -> Result<Remaining, StorageError> {
        Ok(RateLimits::remaining(self, guild, user))
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

    /// The tighter of the two: a request must pass both.
    async fn remaining(&self, guild: GuildId, user: UserId) -> Result<Remaining, StorageError> {
        let local = RateLimits::remaining(&self.local, guild, user);
        let Some(shared) = &self.shared else {
            return Ok(local);
        };
        let shared = shared.remaining(guild, user).await?;
        Ok(Remaining {
            user: local.user.min(shared.user),
            guild: local.guild.min(shared.guild),
        })
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
        assert!(!limits.user.limiter.is_empty() && !limits.guild.limiter.is_empty());
        clock.advance(Duration::from_secs(120));
        limits.evict_idle();
        assert_eq!(limits.tracked_keys(), 0);
        assert!(
            limits.user.limiter.is_empty() && limits.guild.limiter.is_empty(),
            "the peekable store answers for governor's own"
        );
    }

    #[test]
    fn remaining_counts_down_and_back_up_without_using_anything() {
        let clock = FakeRelativeClock::default();
        let limits = RateLimits::with_clock(spec(5, 3), spec(60, 2), clock.clone());
        let (g, u) = (GuildId(1), UserId(7));
        let left = |limits: &RateLimits<_>| limits.remaining(g, u);
        assert_eq!(left(&limits), Remaining { user: 3, guild: 2 });
        assert_eq!(
            left(&limits),
            Remaining { user: 3, guild: 2 },
            "reading uses nothing"
        );
        assert_eq!(limits.check(g, u), RateDecision::Allowed);
        assert_eq!(left(&limits), Remaining { user: 2, guild: 1 });
        assert_eq!(left(&limits).requests(), 1);
        assert_eq!(limits.check(g, u), RateDecision::Allowed);
        assert_eq!(left(&limits), Remaining { user: 1, guild: 0 });
        // The guild refuses after the user's cell took its place, as governor always does.
        assert!(matches!(
            limits.check(g, u),
            RateDecision::Limited {
                scope: LimitScope::Guild,
                ..
            }
        ));
        assert_eq!(left(&limits), Remaining { user: 0, guild: 0 });
        // One emission interval of the user's limit (12 s) gives one back.
        clock.advance(Duration::from_secs(12));
        assert_eq!(left(&limits).user, 1);
        clock.advance(Duration::from_secs(60));
        assert_eq!(left(&limits), Remaining { user: 3, guild: 2 });
        assert_eq!(
            limits.remaining(GuildId(2), UserId(8)),
            Remaining { user: 3, guild: 2 }
        );
        assert_eq!(limits.tracked_keys(), 2, "reading adds no key of its own");
    }

    #[test]
    fn remaining_follows_the_gcra_bounds() {
        let s = spec(5, 3);
        assert_eq!(s.remaining_at(Duration::ZERO), 3);
        assert_eq!(s.remaining_at(Duration::from_secs(12)), 2);
        assert_eq!(s.remaining_at(Duration::from_millis(12_001)), 1);
        assert_eq!(s.remaining_at(Duration::from_secs(24)), 1);
        assert_eq!(s.remaining_at(Duration::from_millis(24_001)), 0);
        assert_eq!(s.remaining_at(Duration::from_secs(36)), 0);
        assert_eq!(spec(60, 1).remaining_at(Duration::ZERO), 1);
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
    async fn the_tighter_of_both_limiters_is_what_remains() {
        let layered = LayeredLimits {
            local: Arc::new(RateLimits::new(spec(5, 3), spec(100, 100))),
            shared: Some(FakeLimiter::default()),
        };
        let (g, u) = (GuildId(1), UserId(7));
        let shared = layered.shared.as_ref().unwrap();
        *shared.remaining.lock().unwrap() = Remaining { user: 1, guild: 50 };
        assert_eq!(
            layered.remaining(g, u).await.unwrap(),
            Remaining { user: 1, guild: 50 }
        );
        *shared.remaining.lock().unwrap() = Remaining {
            user: 9,
            guild: 200,
        };
        assert_eq!(
            layered.remaining(g, u).await.unwrap(),
            Remaining {
                user: 3,
                guild: 100
            }
        );
        assert_eq!(
            shared.calls.load(Ordering::SeqCst),
            0,
            "nothing was checked"
        );
        shared.fail.store(true, Ordering::SeqCst);
        assert!(layered.remaining(g, u).await.is_err());
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
