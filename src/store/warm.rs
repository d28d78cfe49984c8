//! Connections the `/share` path keeps checked out between its statements.
//!
//! sqlx sends a round trip (`Sync`, then waits for `ReadyForQuery`) every time a connection
//! goes back to its pool, from a task it spawns for that, and it cannot be turned off
//! (sqlx-core 0.9, `Floating::return_to_pool`). On the share path that doubled the database
//! round trips: each of its statements paid for one more exchange than it needed, and the
//! profile put those pings at a tenth of the bot's CPU per interaction. So a connection
//! whose statement *completed* is parked here instead, still checked out of the sqlx pool,
//! and the next statement takes it back without either exchange.
//!
//! Nothing else changes hands: connections are opened, counted (`database.max_connections`),
//! pinged when idle and closed by the sqlx pool as before. A connection whose statement
//! failed or was abandoned (a timeout) is never parked: it goes back through sqlx's own
//! release, whose ping is exactly the check such a connection needs. A parked connection
//! unused for [`PARKED_FOR`] goes back the same way when next seen, so one that died while
//! the bot was quiet never reaches a statement, and at most half of the pool is ever parked,
//! so the other users of the pool (admin commands, approvals, retention) still get connections.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool, Postgres};

/// How long a parked connection is trusted without use.
pub(crate) const PARKED_FOR: Duration = Duration::from_secs(1);

/// How long a connection stays out of the pool, however busy: then it goes back once, so the
/// pool's own upkeep (`max_lifetime`, its idle checks) still reaches every connection.
pub(crate) const OUT_OF_POOL_FOR: Duration = Duration::from_secs(5 * 60);

/// Connections parked between statements, newest last.
pub(crate) struct WarmConnections {
    state: Mutex<Parked>,
    cap: usize,
}

struct Parked {
    /// Each with when it left the pool and when it was parked.
    connections: Vec<(PoolConnection<Postgres>, Instant, Instant)>,
    /// Set by [`WarmConnections::release_all`]: the pool is closing, and waits for every
    /// checked-out connection, so nothing may be parked any more.
    closed: bool,
}

impl WarmConnections {
    /// Parks at most half of a pool of `max_connections`; none for a pool of one.
    pub(crate) fn new(max_connections: u32) -> Self {
        WarmConnections {
            state: Mutex::new(Parked {
                connections: Vec::new(),
                closed: false,
            }),
            cap: (max_connections / 2) as usize,
        }
    }

    /// A parked connection used within [`PARKED_FOR`], or one from the pool.
    pub(crate) async fn take(&self, pool: &PgPool) -> Result<WarmConnection<'_>, sqlx::Error> {
        let (fresh, stale) = {
            let mut state = self.lock();
            let now = Instant::now();
            // Newest last: the stale ones are at the front.
            let keep_from = state
                .connections
                .iter()
                .position(|(_, _, parked)| now.duration_since(*parked) < PARKED_FOR)
                .unwrap_or(state.connections.len());
            let stale: Vec<_> = state.connections.drain(..keep_from).collect();
            (state.connections.pop(), stale)
        };
        // Back to sqlx, outside the lock: their release pings them.
        drop(stale);
        let (connection, out_since) = match fresh {
            Some((connection, out_since, _)) => (connection, out_since),
            // Boxed: sqlx's acquire future is some 29 KB, and every future awaiting this one
            // (the share flow's, the handler's) would carry that much, copied as it moves.
            None => (Box::pin(pool.acquire()).await?, Instant::now()),
        };
        Ok(WarmConnection {
            connection: Some(connection),
            out_since,
            home: self,
        })
    }

    /// Returns every parked connection to the pool, and parks none from now on: before the
    /// pool is closed, which waits for all of them.
    pub(crate) fn release_all(&self) {
        let parked = {
            let mut state = self.lock();
            state.closed = true;
            std::mem::take(&mut state.connections)
        };
        drop(parked);
    }

    /// How many connections are parked (the pool counts them as in use).
    pub(crate) fn parked(&self) -> usize {
        self.lock().connections.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Parked> {
        // Nothing can panic while the lock is held; recover the list if something did.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn park(&self, connection: PoolConnection<Postgres>, out_since: Instant) {
        let mut state = self.lock();
        if state.closed
            || state.connections.len() >= self.cap
            || out_since.elapsed() >= OUT_OF_POOL_FOR
        {
            drop(state);
            drop(connection);
            return;
        }
        state
            .connections
            .push((connection, out_since, Instant::now()));
    }
}

/// A connection taken for one statement. Dropped, it goes back to the sqlx pool (with its
/// ping); [`WarmConnection::park`] keeps it for the next statement instead.
pub(crate) struct WarmConnection<'a> {
    connection: Option<PoolConnection<Postgres>>,
    out_since: Instant,
    home: &'a WarmConnections,
}

impl WarmConnection<'_> {
    /// Only after a statement that ran to completion: the connection is then waiting for
    /// the next one, with nothing unread.
    pub(crate) fn park(mut self) {
        if let Some(connection) = self.connection.take() {
            self.home.park(connection, self.out_since);
        }
    }
}

impl std::ops::Deref for WarmConnection<'_> {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        self.connection.as_ref().expect("taken until parked")
    }
}

impl std::ops::DerefMut for WarmConnection<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.connection.as_mut().expect("taken until parked")
    }
}
