//! Rate limits shared by every replica (`ratelimit.backend = "postgres"`): the per-user and
//! per-guild GCRA limits, their state in `rate_limits`, decided by the database clock.
//!
//! Each cell (a user, a guild) is decided by ONE statement, an `INSERT … ON CONFLICT DO UPDATE
//! … RETURNING` that takes the row lock, computes the new theoretical arrival time only when the
//! request is allowed, and returns the decision and the retry time. Concurrent checks of a cell
//! serialise on its row, so however many replicas ask at once, exactly the burst passes.
//!
//! A request is two such statements, the user's cell then the guild's, each committed on its
//! own, like the in-process limiter ([`crate::share::RateLimits::check`]):
//! - user first, so a noisy member exhausts only their own cell and never touches the guild's
//!   (a refused user costs one round trip and no lock on the guild's hot row);
//! - a user allowed and then refused by the guild has used one place of their own cell, exactly
//!   as governor does; no more. Undoing it would need both cells locked in one transaction
//!   across round trips, holding the busiest row (the guild's) longer for every member;
//! - no transaction spans the two, so no lock is held across a round trip and no two checks
//!   can deadlock.
//!
//! The clock is the database's `now()`, shared by every replica; the application clocks never
//! enter. `now()` is the statement's start (each statement is its own transaction): a check
//! that waited for the row lock decides with a slightly earlier `now`, which can only make it
//! stricter, never let more through.

use std::time::Duration;

use super::{PgStore, StoreError, retry_on_dead_connection};
use crate::share::ports::{Limiter, StorageError};
use crate::share::{GuildId, LimitScope, RateDecision, RateSpec, Remaining, UserId};

/// GCRA on one cell. `$3` = emission interval T, `$4` = tolerance τ = T × (burst − 1).
/// With tat = max(stored tat, now): allowed iff now ≥ tat − τ, then tat' = tat + T; refused
/// leaves the row's tat as it was and returns (tat − τ) − now. A new key is allowed (burst ≥ 1)
/// with tat' = now + T. `SET` reads the old row; `RETURNING` the new one.
const CHECK_CELL: &str = "\
INSERT INTO rate_limits AS r (scope, key, tat, last_allowed) \
VALUES ($1, $2, now() + $3::interval, true) \
ON CONFLICT (scope, key) DO UPDATE SET \
    last_allowed = r.tat - $4::interval <= now(), \
    tat = CASE WHEN r.tat - $4::interval <= now() \
               THEN greatest(r.tat, now()) + $3::interval ELSE r.tat END \
RETURNING last_allowed, \
    CASE WHEN last_allowed THEN 0::float8 \
         ELSE extract(epoch FROM tat - $4::interval - now())::float8 END";

/// How far each of a member's two cells is ahead of the database clock, in seconds (0 for a
/// cell that is absent or already back to full capacity). Reads only.
const PEEK_CELLS: &str = "\
SELECT coalesce((SELECT extract(epoch FROM greatest(tat - now(), '0'::interval))::float8 \
                 FROM rate_limits WHERE scope = 'user' AND key = $1), 0), \
       coalesce((SELECT extract(epoch FROM greatest(tat - now(), '0'::interval))::float8 \
                 FROM rate_limits WHERE scope = 'guild' AND key = $2), 0)";

/// The `rate_limits.scope` of a cell.
fn scope_name(scope: LimitScope) -> &'static str {
    match scope {
        LimitScope::User => "user",
        LimitScope::Guild => "guild",
    }
}

/// T and τ in whole microseconds, PostgreSQL's `interval` precision (sqlx refuses to round):
/// T rounded down, τ = that T × (burst − 1), so the two stay consistent.
fn gcra_intervals(spec: RateSpec) -> (Duration, Duration) {
    let micros = spec.emission_interval().as_micros();
    let emission = Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX));
    (emission, emission * (spec.burst.get() - 1))
}

/// The shared limiter: both quotas over one [`PgStore`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PgRateLimits {
    store: PgStore,
    user: RateSpec,
    guild: RateSpec,
}

impl PgStore {
    /// The limiter shared by every process on this database, with these quotas.
    pub fn rate_limits(&self, user: RateSpec, guild: RateSpec) -> PgRateLimits {
        PgRateLimits {
            store: self.clone(),
            user,
            guild,
        }
    }

    /// One GCRA check of one cell, in one statement: `None` when allowed, else the retry time.
    async fn check_cell(
        &self,
        scope: LimitScope,
        key: String,
        spec: RateSpec,
    ) -> Result<Option<Duration>, StoreError> {
        let (emission, tolerance) = gcra_intervals(spec);
        let (allowed, retry_secs): (bool, f64) = self
            .bounded(retry_on_dead_connection(&self.pool, || {
                sqlx::query_as(CHECK_CELL)
                    .bind(scope_name(scope))
                    .bind(key.clone())
                    .bind(emission)
                    .bind(tolerance)
                    .fetch_one(&self.pool)
            }))
            .await?;
        if allowed {
            return Ok(None);
        }
        // Never negative; a refused cell is ahead of now by more than τ.
        Ok(Some(Duration::from_secs_f64(retry_secs.max(0.0))))
    }

    /// What a member's two cells allow right now, from one read on the database clock.
    async fn peek_cells(
        &self,
        guild: GuildId,
        user: UserId,
        specs: (RateSpec, RateSpec),
    ) -> Result<Remaining, StoreError> {
        let (user_ahead, guild_ahead): (f64, f64) = self
            .bounded(retry_on_dead_connection(&self.pool, || {
                sqlx::query_as(PEEK_CELLS)
                    .bind(user.to_string())
                    .bind(guild.to_string())
                    .fetch_one(&self.pool)
            }))
            .await?;
        let ahead = |secs: f64| Duration::from_secs_f64(secs.max(0.0));
        Ok(Remaining {
            user: specs.0.remaining_at(ahead(user_ahead)),
            guild: specs.1.remaining_at(ahead(guild_ahead)),
        })
    }

    /// Deletes cells back to full capacity (`tat` passed): the same as no row. Returns how
    /// many went. A check racing with it either sees its update kept (the row is re-checked
    /// under its lock) or inserts a fresh row, which is equivalent.
    pub async fn prune_rate_limits(&self) -> Result<u64, StoreError> {
        let done = self
            .bounded(sqlx::query("DELETE FROM rate_limits WHERE tat < now()").execute(&self.pool))
            .await?;
        Ok(done.rows_affected())
    }
}

impl Limiter for PgRateLimits {
    async fn check(&self, guild: GuildId, user: UserId) -> Result<RateDecision, StorageError> {
        let cells = [
            (LimitScope::User, user.to_string(), self.user),
            (LimitScope::Guild, guild.to_string(), self.guild),
        ];
        for (scope, key, spec) in cells {
            if let Some(retry_after) = self.store.check_cell(scope, key, spec).await? {
                return Ok(RateDecision::Limited { scope, retry_after });
            }
        }
        Ok(RateDecision::Allowed)
    }

    async fn remaining(&self, guild: GuildId, user: UserId) -> Result<Remaining, StorageError> {
        Ok(self
            .store
            .peek_cells(guild, user, (self.user, self.guild))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    fn spec(per_minute: u32, burst: u32) -> RateSpec {
        RateSpec {
            per_minute: NonZeroU32::new(per_minute).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        }
    }

    #[test]
    fn intervals_are_whole_microseconds() {
        assert_eq!(
            gcra_intervals(spec(5, 3)),
            (Duration::from_secs(12), Duration::from_secs(24))
        );
        let (t, tau) = gcra_intervals(spec(7, 3));
        assert_eq!(t, Duration::from_micros(8_571_428));
        assert_eq!(tau, Duration::from_micros(17_142_856));
        assert_eq!(gcra_intervals(spec(60, 1)).1, Duration::ZERO);
    }
}
