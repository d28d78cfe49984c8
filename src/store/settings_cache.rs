//! Guild settings kept between shares, for as long as the database says they are current.
//!
//! Reading a guild's settings was one of the three statements of every `/share` (0.1 ms of
//! CPU per interaction at 200/s, README "Performance"). Replicas change each other's settings
//! (SPEC §11), so a copy is only trusted while the database tells this process of every
//! change: migration 0006 makes every write to the settings tables `NOTIFY` the guild's id on
//! [`CHANNEL`], and [`spawn_settings_listener`] listens on a connection of its own.
//!
//! It fails towards the database, never towards a stale copy:
//! - nothing is cached until the listener is listening, and everything is dropped, and
//!   nothing cached, from the moment it stops (a lost connection, a failed ping, shutdown);
//! - the listener pings its connection every [`PING_EVERY`], so a connection that died
//!   without a word (a firewall dropping idle sessions) is found within that and
//!   [`PING_TIMEOUT`]; the ping also checks that the triggers are there and enabled;
//! - a read that was under way when any change arrived is not cached (a generation count);
//! - this process's own admin commands drop their guild at once, before the notice comes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::task::JoinHandle;

use super::PgStore;
use crate::share::GuildId;
use crate::share::ports::GuildSettings;

/// The channel migration 0006's triggers notify, with the guild id (or `*`) as payload.
pub const CHANNEL: &str = "dlcshare_guild_settings";

/// How often the listener proves its connection alive, and how long it waits for the answer.
pub(crate) const PING_EVERY: Duration = Duration::from_secs(5);
pub(crate) const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Migration 0006's triggers: the cache is only trusted while all of them are there and enabled.
const TRIGGERS: [&str; 6] = [
    "guild_allowed_roles_notify",
    "guild_allowed_roles_notify_truncate",
    "guild_allowed_channels_notify",
    "guild_allowed_channels_notify_truncate",
    "guild_policies_notify",
    "guild_policies_notify_truncate",
];

/// The smallest pool that gets a listener: one connection for it, two for the rest.
pub const MIN_POOL: u32 = 3;

/// Pause before listening again after the listener lost its connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// Guilds kept at most (`discord.guilds = ["*"]` has no bound of its own); past it the cache
/// starts again empty.
const MAX_GUILDS: usize = 10_000;

#[derive(Default)]
pub(crate) struct SettingsCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// True only while the listener is listening.
    live: bool,
    /// Bumped by every change heard of, and whenever `live` changes.
    generation: u64,
    guilds: HashMap<GuildId, GuildSettings>,
}

/// What [`SettingsCache::get`] found.
pub(crate) enum Lookup {
    Hit(GuildSettings),
    /// Read it from the database, then offer it with [`SettingsCache::fill`] and this.
    Miss(u64),
}

impl SettingsCache {
    pub(crate) fn get(&self, guild: GuildId) -> Lookup {
        let state = self.lock();
        match state.guilds.get(&guild) {
            Some(settings) if state.live => Lookup::Hit(settings.clone()),
            _ => Lookup::Miss(state.generation),
        }
    }

    /// Keeps `settings`, read after [`SettingsCache::get`] returned `generation`, unless
    /// anything changed since, or nothing is listening.
    pub(crate) fn fill(&self, guild: GuildId, settings: &GuildSettings, generation: u64) {
        let mut state = self.lock();
        if !state.live || state.generation != generation {
            return;
        }
        if state.guilds.len() >= MAX_GUILDS {
            state.guilds.clear();
        }
        state.guilds.insert(guild, settings.clone());
    }

    /// A change to `guild`, or to every guild (`None`).
    pub(crate) fn forget(&self, guild: Option<GuildId>) {
        let mut state = self.lock();
        state.generation += 1;
        match guild {
            Some(guild) => {
                state.guilds.remove(&guild);
            }
            None => state.guilds.clear(),
        }
    }

    /// The listener started (`true`) or stopped listening: either way nothing kept so far
    /// can be trusted.
    fn set_live(&self, live: bool) {
        let mut state = self.lock();
        state.live = live;
        state.generation += 1;
        state.guilds.clear();
    }

    pub(crate) fn is_live(&self) -> bool {
        self.lock().live
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing can panic while the lock is held; recover the map if something did.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a notification's payload names.
fn changed_guild(payload: &str) -> Option<GuildId> {
    // Anything but one guild's id (the `*` of a TRUNCATE) drops every guild.
    payload.parse().ok()
}

/// Turns the cache off when the listener ends, however it ends (an abort at shutdown too).
struct Deaf<'a>(&'a SettingsCache);

impl Drop for Deaf<'_> {
    fn drop(&mut self) {
        self.0.set_live(false);
    }
}

/// Listens for settings changes for as long as the returned task runs; the store caches
/// guild settings only while it listens. The listener holds one of the pool's connections, so
/// a pool of fewer than [`MIN_POOL`] gets no listener (and no cache): the share path's
/// statements and everything else need the rest.
pub fn spawn_settings_listener(store: PgStore) -> Option<JoinHandle<()>> {
    if store.pool().options().get_max_connections() < MIN_POOL {
        tracing::info!(
            "database.max_connections is below {MIN_POOL}: guild settings are read from the database for every share"
        );
        return None;
    }
    Some(tokio::spawn(async move {
        let cache = &store.settings;
        let _deaf = Deaf(cache);
        while !store.pool().is_closed() {
            let Err(e) = listen(&store).await;
            cache.set_live(false);
            if store.pool().is_closed() {
                break;
            }
            tracing::warn!(
                error = %super::error_chain(&e),
                "guild settings listener lost its connection; reading settings from the database until it is back"
            );
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    }))
}

/// One connection's worth of listening; returns, with why, once it is no longer trustworthy.
async fn listen(store: &PgStore) -> Result<std::convert::Infallible, sqlx::Error> {
    let cache = &store.settings;
    // Closing the pool ends the wait (`PoolClosed`), so shutdown does not wait on it.
    let mut listener = PgListener::connect_with(store.pool()).await?;
    // Bounded like every database call (SPEC §13); the ping below is too.
    let started = async {
        listener.listen(CHANNEL).await?;
        check_triggers(&mut listener).await
    };
    match tokio::time::timeout(PING_TIMEOUT, started).await {
        Ok(started) => started?,
        Err(_) => return Err(silent()),
    }
    cache.set_live(true);
    tracing::debug!("listening for guild settings changes");
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.tick().await;
    loop {
        tokio::select! {
            heard = listener.try_recv() => match heard? {
                Some(notice) => cache.forget(changed_guild(notice.payload())),
                // sqlx has connected again, but what was said meanwhile is lost: start over.
                None => return Err(sqlx::Error::Protocol("the listener's connection closed".into())),
            },
            _ = ping.tick() => {
                match tokio::time::timeout(PING_TIMEOUT, check_triggers(&mut listener)).await {
                    Ok(checked) => checked?,
                    Err(_) => return Err(silent()),
                }
            }
        }
    }
}

fn silent() -> sqlx::Error {
    sqlx::Error::Protocol(format!(
        "the listener's connection did not answer within {} ms",
        PING_TIMEOUT.as_millis()
    ))
}

/// The ping: one round trip that also proves the triggers still announce every change (a
/// schema restored without them, or someone disabling them, turns the cache off).
async fn check_triggers(listener: &mut PgListener) -> Result<(), sqlx::Error> {
    let enabled: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_trigger WHERE tgname = ANY($1) AND tgenabled <> 'D'",
    )
    .bind(&TRIGGERS[..])
    .fetch_one(&mut *listener)
    .await?;
    if enabled != TRIGGERS.len() as i64 {
        return Err(sqlx::Error::Protocol(format!(
            "{enabled} of the {} guild settings triggers (migration 0006) are in place and enabled",
            TRIGGERS.len()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::{AllowedRole, RoleId};

    fn guild(id: u64) -> GuildId {
        GuildId(id)
    }

    fn with_role(role: u64) -> GuildSettings {
        GuildSettings {
            allowed_roles: vec![AllowedRole {
                role: RoleId(role),
                max_expiry: None,
            }],
            ..GuildSettings::default()
        }
    }

    fn hit(cache: &SettingsCache, g: GuildId) -> Option<GuildSettings> {
        match cache.get(g) {
            Lookup::Hit(s) => Some(s),
            Lookup::Miss(_) => None,
        }
    }

    fn miss(cache: &SettingsCache, g: GuildId) -> u64 {
        match cache.get(g) {
            Lookup::Hit(s) => panic!("unexpected hit {s:?}"),
            Lookup::Miss(generation) => generation,
        }
    }

    #[test]
    fn nothing_is_kept_unless_the_listener_listens() {
        let cache = SettingsCache::default();
        let generation = miss(&cache, guild(1));
        cache.fill(guild(1), &with_role(5), generation);
        assert_eq!(hit(&cache, guild(1)), None);

        cache.set_live(true);
        let generation = miss(&cache, guild(1));
        cache.fill(guild(1), &with_role(5), generation);
        assert_eq!(hit(&cache, guild(1)), Some(with_role(5)));

        // Deaf again: everything goes, and stays out.
        cache.set_live(false);
        let generation = miss(&cache, guild(1));
        cache.fill(guild(1), &with_role(5), generation);
        assert_eq!(hit(&cache, guild(1)), None);
        // Listening again does not bring back what was read while deaf.
        cache.set_live(true);
        cache.fill(guild(1), &with_role(5), generation);
        assert_eq!(hit(&cache, guild(1)), None);
    }

    #[test]
    fn a_change_drops_its_guild_or_all_of_them() {
        let cache = SettingsCache::default();
        cache.set_live(true);
        for g in [1, 2] {
            let generation = miss(&cache, guild(g));
            cache.fill(guild(g), &with_role(g), generation);
        }
        cache.forget(Some(guild(1)));
        assert_eq!(hit(&cache, guild(1)), None);
        assert_eq!(hit(&cache, guild(2)), Some(with_role(2)));
        cache.forget(None);
        assert_eq!(hit(&cache, guild(2)), None);
    }

    #[test]
    fn a_read_overtaken_by_a_change_is_not_kept() {
        let cache = SettingsCache::default();
        cache.set_live(true);
        let generation = miss(&cache, guild(1));
        // A change to another guild arrives while the read is under way: the read may
        // still be older than some change, so it is used once and not kept.
        cache.forget(Some(guild(2)));
        cache.fill(guild(1), &with_role(5), generation);
        assert_eq!(hit(&cache, guild(1)), None);
    }

    #[test]
    fn payloads_name_one_guild_or_every_guild() {
        assert_eq!(changed_guild("123"), Some(guild(123)));
        assert_eq!(changed_guild("*"), None);
        assert_eq!(changed_guild(""), None);
        assert_eq!(changed_guild("x1"), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = SettingsCache::default();
        cache.set_live(true);
        for g in 1..=(MAX_GUILDS as u64 + 1) {
            let generation = miss(&cache, guild(g));
            cache.fill(guild(g), &GuildSettings::default(), generation);
        }
        assert!(cache.lock().guilds.len() <= MAX_GUILDS);
        assert!(hit(&cache, guild(MAX_GUILDS as u64 + 1)).is_some());
    }
}
