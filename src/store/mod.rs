//! The PostgreSQL store: the write-ahead audit log, guild allowlists and policies,
//! the audit of admin changes, and the rate limits shared by replicas, behind the
//! `share::ports` traits.
//!
//! Queries are runtime-checked (`sqlx::query` / `query_as`), so building needs no database.
//! The schema lives in `migrations/`, embedded into the binary at compile time.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::Connection;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::config::{ConfigError, DatabaseSettings, secret_from_env};
use crate::share::ports::StorageError;

mod approvals;
mod audit;
mod deliveries;
mod guilds;
mod ratelimit;

pub use approvals::REQUESTER_TOKEN_LIFETIME;
pub use audit::{
    AUDIT_COLUMNS, AuditFilter, AuditRow, COMPLETE_PENDING, INSERT_PENDING, PRUNE_BATCH_ROWS,
    RetentionReport, STALE_PENDING_AFTER, format_timestamp, retention,
};
pub use guilds::{Actor, AdminChange};
pub use ratelimit::PgRateLimits;

/// The migrations this binary knows, from `migrations/`.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The environment variable (or `<NAME>_FILE`) holding the connection URL.
pub const DATABASE_URL_VAR: &str = "DATABASE_URL";

/// Added to `database.statement_timeout` for the bot's own bound, so that a live server's
/// cancellation (which keeps the connection usable) normally comes first, and the bot's only
/// when the server has gone silent.
const CLIENT_TIMEOUT_GRACE: Duration = Duration::from_millis(250);

/// Used by [`PgStore::from_pool`] (tests, benchmarks): the shipped `database.statement_timeout`.
const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// Shown in `pg_stat_activity`, so a DBA can tell the bot's sessions apart.
const APPLICATION_NAME: &str = "dlc-share-bot";

/// Every way the store can fail. Messages never contain the connection URL: it carries a
/// password. Causes are kept as `source` so `{:#}` prints the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "DATABASE_URL is not a valid PostgreSQL URL ({reason}); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    InvalidUrl { reason: String },

    #[error(
        "DATABASE_URL is not set (nor DATABASE_URL_FILE); this needs the PostgreSQL database, e.g. DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE"
    )]
    NotConfigured,

    #[error(transparent)]
    Secret(#[from] ConfigError),

    /// Connection refused, timed out, DNS or TLS failure: nothing answered as PostgreSQL.
    #[error("cannot reach PostgreSQL at {target}")]
    Unreachable {
        target: String,
        #[source]
        source: sqlx::Error,
    },

    /// The server answered but refused us: bad credentials, unknown database, too many clients.
    #[error("PostgreSQL at {target} refused the connection")]
    Refused {
        target: String,
        #[source]
        source: sqlx::Error,
    },

    #[error(
        "the database is at migration {found}, newer than this binary knows (latest {known}); \
         run a dlc-share-bot release that includes it, or point DATABASE_URL at another database"
    )]
    DatabaseNewer { found: i64, known: i64 },

    /// Commands that only read or append do not change the schema; `migrate` does.
    #[error(
        "the database schema is behind this binary (pending migrations: {0:?}); \
         run `dlc-share-bot migrate` first"
    )]
    SchemaBehind(Vec<i64>),

    /// Each migration runs in its own transaction, so the failing one left nothing behind.
    #[error("database migration failed")]
    Migration(#[source] MigrateError),

    /// `complete` found no pending row: the id is unknown, or the row was already completed
    /// (by an earlier completion, or by the job that closes abandoned pending rows).
    #[error("no pending audit row for interaction {0} (unknown, or already completed)")]
    NotPending(String),

    /// The bot's own bound on a database call ran out: the server accepted the connection
    /// but did not answer (a hung server, a silent network path).
    #[error("the database did not answer within {} ms", .0.as_millis())]
    TimedOut(Duration),

    /// Stored data that violates an invariant the schema cannot express.
    #[error("unexpected data in the database: {0}")]
    Corrupt(String),

    #[error("database error")]
    Query(#[from] sqlx::Error),
}

impl From<StoreError> for StorageError {
    /// The core only logs this and fails closed, so keep the whole cause chain in the message.
    fn from(e: StoreError) -> Self {
        StorageError::msg(error_chain(&e))
    }
}

/// `outer: inner: innermost`, like anyhow's `{:#}`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// A handle on the database; cheap to clone (the pool is shared).
///
/// Every operation is bounded by the bot itself ([`PgStore::bounded`]): PostgreSQL's own
/// `statement_timeout` cannot fire when the server, or the path to it, has gone silent.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    statement_timeout: Duration,
}

impl fmt::Debug for PgStore {
    /// No connect options here: they hold the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("connections", &self.pool.size())
            .field("idle", &self.pool.num_idle())
            .field("statement_timeout", &self.statement_timeout)
            .finish()
    }
}

/// Parses the URL without ever echoing it: parse errors name the problem, not the input.
pub fn parse_database_url(url: &SecretString) -> Result<PgConnectOptions, StoreError> {
    let raw = url.expose_secret();
    let parsed = url::Url::parse(raw).map_err(|e| StoreError::InvalidUrl {
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Err(StoreError::InvalidUrl {
            reason: format!("the scheme is `{}`, not postgres", parsed.scheme()),
        });
    }
    PgConnectOptions::from_str(raw)
        .map(|o| o.application_name(APPLICATION_NAME))
        .map_err(|e| StoreError::InvalidUrl {
            reason: e.to_string(),
        })
}

/// `host:port/database`, safe for messages.
fn describe_target(options: &PgConnectOptions) -> String {
    let db = options.get_database().unwrap_or("(default database)");
    match options.get_socket() {
        Some(socket) => format!("{}/{db}", socket.display()),
        None => format!("{}:{}/{db}", options.get_host(), options.get_port()),
    }
}

fn classify_connect_error(source: sqlx::Error, target: String) -> StoreError {
    match source {
        sqlx::Error::Database(_) => StoreError::Refused { target, source },
        _ => StoreError::Unreachable { target, source },
    }
}

/// The pool the bot uses. The acquire timeout bounds every wait for a connection, so an
/// unreachable server fails an audit write within it instead of hanging the request.
///
/// sqlx already pings every connection when it returns to the pool, so pinging again on
/// every acquire (its default)
/// would only add a round trip to each statement. Only a connection idle for a while, which
/// may have died with a server restart since, is pinged before use.
pub fn pool_options(db: &DatabaseSettings) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(db.max_connections.max(1))
        .acquire_timeout(db.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IF_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// See [`pool_options`].
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(5);

/// Runs `op`, again on another connection while it fails because its pooled connection was
/// already dead (a server restart or a terminated session since its last use, which the pool
/// only notices by using it). A dead connection never delivered the statement, so retrying is
/// safe; in the rare case where a connection dies after a commit, a write shows up as a
/// replay or a completion that finds nothing pending, which fails closed and can never issue a
/// second token. Bounded by the pool size: each failure discards one dead connection.
pub(crate) async fn retry_on_dead_connection<T, Fut>(
    pool: &PgPool,
    mut op: impl FnMut() -> Fut,
) -> Result<T, sqlx::Error>
where
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let mut left = pool.options().get_max_connections();
    loop {
        match op().await {
            Err(e) if left > 0 && is_dead_connection(&e) => {
                tracing::debug!(error = %e, "pooled connection was dead; retrying on another");
                left -= 1;
            }
            other => return other,
        }
    }
}

/// I/O and protocol failures, and the server's "terminating connection" class (57P).
fn is_dead_connection(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| c.starts_with("57P")),
        _ => false,
    }
}

/// Connects and proves the server answers, within the acquire timeout.
pub async fn connect(url: &SecretString, db: &DatabaseSettings) -> Result<PgStore, StoreError> {
    // A stuck statement (a lock, a hung disk) must not hold a share forever: the server
    // cancels it and the request fails closed.
    let options = parse_database_url(url)?.options([(
        "statement_timeout",
        format!("{}ms", db.statement_timeout.as_millis()),
    )]);
    let target = describe_target(&options);
    let pool = pool_options(db)
        .connect_with(options)
        .await
        .map_err(|e| classify_connect_error(e, target))?;
    tracing::debug!("connected to PostgreSQL");
    Ok(PgStore::from_pool(pool).with_statement_timeout(db.statement_timeout))
}

/// Connects with `DATABASE_URL` (or `DATABASE_URL_FILE`); `None` when neither is set.
pub async fn connect_from_env(db: &DatabaseSettings) -> Result<Option<PgStore>, StoreError> {
    match secret_from_env(DATABASE_URL_VAR)? {
        Some(url) => connect(&url, db).await.map(Some),
        None => Ok(None),
    }
}

/// Like [`connect_from_env`], for commands that cannot work without the database.
pub async fn connect_required(db: &DatabaseSettings) -> Result<PgStore, StoreError> {
    connect_from_env(db).await?.ok_or(StoreError::NotConfigured)
}

impl PgStore {
    /// Wraps an existing pool (tests, benchmarks), with the shipped statement timeout.
    pub fn from_pool(pool: PgPool) -> Self {
        PgStore {
            pool,
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
        }
    }

    /// The same store with another client-side bound per operation.
    pub fn with_statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// Runs one store operation within `statement_timeout` (plus a little): past it the
    /// operation is abandoned and fails with [`StoreError::TimedOut`], so the caller fails
    /// closed instead of waiting on a silent server. An abandoned connection is not reused.
    ///
    /// The operation is boxed here, once for every port call: sqlx's acquire future is large,
    /// and unboxed it would be part of every future that awaits a port (the share flow's and
    /// the handler's) and copied each time they move.
    pub(crate) fn bounded<'a, T, E: Into<StoreError>>(
        &self,
        op: impl std::future::Future<Output = Result<T, E>> + Send + 'a,
    ) -> impl std::future::Future<Output = Result<T, StoreError>> + Send + 'a {
        let op = Box::pin(op);
        let statement_timeout = self.statement_timeout;
        async move {
            match tokio::time::timeout(statement_timeout + CLIENT_TIMEOUT_GRACE, op).await {
                Ok(result) => result.map_err(Into::into),
                Err(_) => Err(StoreError::TimedOut(statement_timeout)),
            }
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection; pending acquires fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Readiness: one round trip, bounded by the acquire timeout.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.bounded(sqlx::query("SELECT 1").execute(&self.pool))
            .await?;
        Ok(())
    }

    /// Applies pending migrations and returns the versions it applied (empty when the schema
    /// was current). A database migrated by a newer binary is refused before anything runs.
    /// Each migration runs in its own transaction under sqlx's advisory lock, so a failure
    /// leaves nothing half-applied and two instances starting together do not collide.
    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        let pending = self.pending_migrations().await?;
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            MigrateError::VersionMissing(found) => StoreError::DatabaseNewer {
                found,
                known: latest_known_version(),
            },
            other => StoreError::Migration(other),
        })?;
        if !pending.is_empty() {
            tracing::info!(versions = ?pending, "applied database migrations");
        }
        Ok(pending)
    }

    /// Refuses a schema that is behind (or ahead of) this binary, without changing it.
    pub async fn ensure_schema_current(&self) -> Result<(), StoreError> {
        let pending = self.pending_migrations().await?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(StoreError::SchemaBehind(pending))
        }
    }

    /// Versions this binary knows that the database has not applied yet, oldest first.
    /// Errs with [`StoreError::DatabaseNewer`] when the database has one this binary lacks.
    pub async fn pending_migrations(&self) -> Result<Vec<i64>, StoreError> {
        let applied = self.bounded(self.applied_migrations()).await?;
        let known = known_versions();
        if let Some(&found) = applied.iter().rev().find(|v| !known.contains(v)) {
            return Err(StoreError::DatabaseNewer {
                found,
                known: latest_known_version(),
            });
        }
        Ok(known.difference(&applied).copied().collect())
    }

    /// Versions recorded in `_sqlx_migrations`; empty for a fresh database.
    async fn applied_migrations(&self) -> Result<BTreeSet<i64>, StoreError> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&self.pool)
            .await?;
        if !exists {
            return Ok(BTreeSet::new());
        }
        let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
            .fetch_all(&self.pool)
            .await?;
        Ok(versions.into_iter().collect())
    }
}

fn known_versions() -> BTreeSet<i64> {
    MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .collect()
}

/// The newest migration embedded in this binary.
pub fn latest_known_version() -> i64 {
    known_versions().last().copied().unwrap_or(0)
}

/// The ports' contract (`share::contract`), the same cases the core's fakes pass.
#[cfg(test)]
#[sqlx::test(migrations = "./migrations")]
async fn postgresql_keeps_the_contract(pool: PgPool) {
    use crate::share::contract::{approvals_contract, audit_contract, settings_contract};
    let store = PgStore::from_pool(pool);
    settings_contract(&store).await;
    audit_contract(&store).await;
    approvals_contract(&store).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        s.to_owned().into()
    }

    #[test]
    fn malformed_urls_are_refused_without_echoing_them() {
        for bad in [
            "not a url",
            "mysql://user:hunter2@localhost/db",
            "postgres://user:hunter2@localhost:99999/db",
            "postgres://user:hunter2@local host/db",
        ] {
            let err = parse_database_url(&secret(bad)).unwrap_err();
            let msg = error_chain(&err);
            assert!(matches!(err, StoreError::InvalidUrl { .. }), "{bad}: {msg}");
            assert!(
                msg.starts_with("DATABASE_URL is not a valid PostgreSQL URL"),
                "{msg}"
            );
            assert!(!msg.contains("hunter2"), "{msg}");
        }
    }

    #[test]
    fn targets_are_described_without_credentials() {
        let o =
            parse_database_url(&secret("postgresql://u:hunter2@db.internal:6432/audit")).unwrap();
        assert_eq!(describe_target(&o), "db.internal:6432/audit");
        assert_eq!(o.get_application_name(), Some(APPLICATION_NAME));
    }

    #[test]
    fn the_embedded_migrations_are_numbered() {
        let known = known_versions();
        assert!(known.contains(&1), "{known:?}");
        assert_eq!(latest_known_version(), *known.last().unwrap());
    }

    /// `bounded` boxes every operation: a port call's future stays a few hundred bytes
    /// whatever its operation holds (sqlx's acquire future is large), so the share flow's and
    /// the handler's futures, which hold these, stay small too.
    #[tokio::test]
    async fn port_call_futures_stay_small() {
        use crate::share::ports::{
            AuditAttempt, AuditCompletion, AuditLog, AuditOutcome, GuildDirectory,
        };
        use crate::share::{ApprovalStore, Expiry, GuildId, NewApproval, TargetId, TargetType};
        const MAX: usize = 1024;
        let store = PgStore::from_pool(
            PgPoolOptions::new().connect_lazy_with(PgConnectOptions::new().database("unused")),
        );
        let attempt = AuditAttempt {
            interaction_id: "1".into(),
            guild_id: Some(GuildId(1)),
            channel_id: None,
            user_id: "2".into(),
            user_name: "member".into(),
            target_type: TargetType::Job,
            target_id: "dlc1".into(),
            requested_expire_seconds: None,
            expire_seconds: None,
            reason: None,
            target_name: None,
            workspace_id: None,
        };
        let completion = AuditCompletion {
            outcome: AuditOutcome::InternalError,
            error_code: None,
            request_id: None,
            latency_ms: 0,
            token_sha256: None,
            expire_seconds: None,
        };
        let approval = NewApproval {
            target_id: TargetId::parse("dlc1").unwrap(),
            expiry: Expiry::HARD_MAX,
            timeout: Duration::from_secs(60),
        };
        // Built, never polled: no database is needed.
        let sizes = [
            (
                "settings",
                std::mem::size_of_val(&store.settings(GuildId(1))),
            ),
            ("begin", std::mem::size_of_val(&store.begin(&attempt))),
            (
                "complete",
                std::mem::size_of_val(&store.complete("1", &completion)),
            ),
            (
                "record",
                std::mem::size_of_val(&store.record(&attempt, &completion)),
            ),
            (
                "open_approval",
                std::mem::size_of_val(&store.open_approval(&attempt, &approval)),
            ),
        ];
        let large: Vec<_> = sizes.iter().filter(|(_, size)| *size > MAX).collect();
        assert!(large.is_empty(), "over {MAX} bytes: {large:?}");
    }

    #[test]
    fn storage_errors_keep_the_cause_chain() {
        let e = StoreError::Unreachable {
            target: "127.0.0.1:1/x".into(),
            source: sqlx::Error::PoolTimedOut,
        };
        let s = StorageError::from(e).to_string();
        assert!(
            s.contains("cannot reach PostgreSQL at 127.0.0.1:1/x: pool timed out"),
            "{s}"
        );
    }
}
