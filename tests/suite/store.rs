//! The PostgreSQL store against a real server: a fresh database per test (`#[sqlx::test]`
//! reads `DATABASE_URL`). Run with `scripts/with-postgres.sh cargo test --test suite store::`.
//! Also checks the test support's freezable TCP proxy, which makes PostgreSQL go silent.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support;
use dlc_share_bot::cli::AuditFormat;
use dlc_share_bot::cli::audit::export_to;
use dlc_share_bot::config::DatabaseSettings;
use dlc_share_bot::share::ports::{
    AuditAttempt, AuditBegin, AuditCompletion, AuditLog, AuditOutcome, Deliveries, GuildDirectory,
    Limiter, PolicyAction, RoleChange, SettingsStore, StorageError,
};
use dlc_share_bot::share::{
    AllowedRole, ChannelId, ChannelPlace, ErrorCode, Expiry, GuildId, GuildPolicy, LimitScope,
    PolicySettings, RateDecision, RoleId, TargetType, UserId, token_fingerprint,
};
use dlc_share_bot::store::{
    self, AUDIT_COLUMNS, Actor, AuditFilter, AuditRow, PgStore, STALE_PENDING_AFTER, StoreError,
};
use secrecy::SecretString;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use support::proxy::{FreezableProxy, upstream_of};

const GUILD: GuildId = GuildId(100);
const OTHER_GUILD: GuildId = GuildId(999);

fn attempt(id: &str) -> AuditAttempt {
    AuditAttempt {
        interaction_id: id.to_owned(),
        guild_id: Some(GUILD),
        channel_id: Some(ChannelId(200)),
        user_id: "300".into(),
        user_name: "alice".into(),
        target_type: TargetType::Job,
        target_id: "dlc-1".into(),
        requested_expire_seconds: Some(3600),
        expire_seconds: Some(3600),
        reason: None,
        target_name: None,
        workspace_id: None,
    }
}

/// Allows `role` without a cap of its own; `true` when it was not allowed before.
async fn allow(store: &PgStore, guild: GuildId, role: u64, actor: &Actor) -> bool {
    store
        .set_allowed_role(guild, AllowedRole::new(RoleId(role)), actor)
        .await
        .unwrap()
        == RoleChange::Added
}

fn role_ids(roles: Vec<AllowedRole>) -> Vec<RoleId> {
    roles.into_iter().map(|r| r.role).collect()
}

fn fingerprint(token: &str) -> String {
    token_fingerprint(&SecretString::from(token.to_owned()))
}

fn issued(token: &str) -> AuditCompletion {
    AuditCompletion {
        outcome: AuditOutcome::Issued,
        error_code: None,
        request_id: Some("RID-1".into()),
        latency_ms: 42,
        token_sha256: Some(fingerprint(token)),
        expire_seconds: None,
    }
}

fn refused(outcome: AuditOutcome, code: &str) -> AuditCompletion {
    AuditCompletion {
        outcome,
        error_code: Some(code.into()),
        request_id: None,
        latency_ms: 1,
        token_sha256: None,
        expire_seconds: None,
    }
}

async fn fetch_row(pool: &PgPool, id: &str) -> AuditRow {
    sqlx::query_as(
        "SELECT interaction_id, created_at, guild_id, channel_id, user_id, user_name, \
         target_type, target_id, target_name, workspace_id, requested_expire_seconds, \
         expire_seconds, outcome, error_code, request_id, latency_ms, token_sha256, reason, \
         approved_by, completed_at \
         FROM audit_log WHERE interaction_id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn age_rows(pool: &PgPool, id_like: &str, by: &str) {
    sqlx::query(
        "UPDATE audit_log SET created_at = now() - $2::interval WHERE interaction_id LIKE $1",
    )
    .bind(id_like)
    .bind(by)
    .execute(pool)
    .await
    .unwrap();
}

fn db_settings(acquire_timeout: Duration) -> DatabaseSettings {
    DatabaseSettings {
        max_connections: 4,
        acquire_timeout,
        statement_timeout: Duration::from_secs(5),
    }
}

/// A port nothing listens on: bound, then released.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// `DATABASE_URL` with its database swapped for the per-test one.
fn test_database_url(pool: &PgPool) -> String {
    let db = pool.connect_options().get_database().unwrap().to_owned();
    let mut url = url::Url::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
    url.set_path(&format!("/{db}"));
    url.to_string()
}

// ---------------------------------------------------------------- migrations

#[sqlx::test(migrations = false)]
async fn migrations_apply_from_scratch_and_twice_is_a_no_op(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let latest = store::latest_known_version();
    assert_eq!(
        store.pending_migrations().await.unwrap().last(),
        Some(&latest)
    );

    let applied = store.migrate().await.unwrap();
    assert_eq!(applied.last(), Some(&latest));
    assert!(store.pending_migrations().await.unwrap().is_empty());
    for table in [
        "audit_log",
        "guild_allowed_roles",
        "guild_policies",
        "admin_changes",
        "rate_limits",
    ] {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(table)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(exists, "{table}");
    }
    let recorded = count(&pool, "SELECT count(*) FROM _sqlx_migrations").await;

    assert_eq!(store.migrate().await.unwrap(), Vec::<i64>::new());
    assert_eq!(
        count(&pool, "SELECT count(*) FROM _sqlx_migrations").await,
        recorded
    );
    store.ping().await.unwrap();
}

#[sqlx::test(migrations = false)]
async fn a_failed_migration_leaves_nothing_behind(pool: PgPool) {
    // An object in the way makes the first migration fail halfway through its script.
    sqlx::query("CREATE TABLE admin_changes (x int)")
        .execute(&pool)
        .await
        .unwrap();
    let store = PgStore::from_pool(pool.clone());
    let err = store.migrate().await.unwrap_err();
    assert!(matches!(err, StoreError::Migration(_)), "{err:?}");
    let chain = format!("{:#}", anyhow::Error::from(err));
    assert!(chain.starts_with("database migration failed: "), "{chain}");
    assert!(chain.contains("admin_changes"), "{chain}");
    let audit_log: bool = sqlx::query_scalar("SELECT to_regclass('audit_log') IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        !audit_log,
        "the failed migration's earlier statements were rolled back"
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM _sqlx_migrations").await,
        0
    );
}

#[sqlx::test(migrations = false)]
async fn the_migrate_command_reports_what_it_did(pool: PgPool) {
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_dlc-share-bot"))
            .arg("migrate")
            .env("DATABASE_URL", test_database_url(&pool))
            .env("DLCSHARE_AUDIT__RETENTION_DAYS", "30")
            .output()
            .unwrap()
    };
    let latest = store::latest_known_version();
    let store = PgStore::from_pool(pool.clone());
    let pending = store.pending_migrations().await.unwrap();
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        String::from_utf8(first.stdout).unwrap(),
        format!(
            "applied migration(s) {}; database schema now at migration {latest}\n\
             pruned 0 audit row(s) older than 30 days\n",
            pending
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    );

    store.record(&attempt("12001"), &issued("t")).await.unwrap();
    store.record(&attempt("12002"), &issued("t")).await.unwrap();
    age_rows(&pool, "12001", "31 days").await;
    let second = run();
    assert!(second.status.success());
    assert_eq!(
        String::from_utf8(second.stdout).unwrap(),
        format!(
            "database schema already current (migration {latest})\n\
             pruned 1 audit row(s) older than 30 days\n"
        )
    );
}

#[sqlx::test(migrations = false)]
async fn a_database_from_a_newer_binary_is_refused(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    store.migrate().await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', true, '\\x00'::bytea, 0)",
    )
    .execute(&pool)
    .await
    .unwrap();

    let err = store.migrate().await.unwrap_err();
    assert!(
        matches!(err, StoreError::DatabaseNewer { found: 99990101000000, known } if known == store::latest_known_version()),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("newer than this binary") && msg.contains("99990101000000"),
        "{msg}"
    );
    assert!(matches!(
        store.pending_migrations().await,
        Err(StoreError::DatabaseNewer { .. })
    ));
}

// ---------------------------------------------------------------- write-ahead audit

#[sqlx::test(migrations = "./migrations")]
async fn write_ahead_begin_then_complete(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    assert_eq!(
        store.begin(&attempt("1001")).await.unwrap(),
        AuditBegin::Started
    );

    let pending = fetch_row(&pool, "1001").await;
    assert_eq!(pending.outcome, "pending");
    assert_eq!(pending.completed_at, None);
    assert_eq!(pending.guild_id.as_deref(), Some("100"));
    assert_eq!(pending.channel_id.as_deref(), Some("200"));
    assert_eq!(pending.user_id, "300");
    assert_eq!(pending.user_name, "alice");
    assert_eq!(pending.target_type, "job");
    assert_eq!(pending.target_id, "dlc-1");
    assert_eq!(pending.requested_expire_seconds, Some(3600));
    assert_eq!(pending.expire_seconds, Some(3600));
    assert_eq!(pending.token_sha256, None);
    assert_eq!(pending.latency_ms, None);

    store.complete("1001", &issued("tok-a")).await.unwrap();
    let done = fetch_row(&pool, "1001").await;
    assert_eq!(done.outcome, "issued");
    assert_eq!(done.request_id.as_deref(), Some("RID-1"));
    assert_eq!(done.latency_ms, Some(42));
    assert_eq!(done.token_sha256, Some(fingerprint("tok-a")));
    assert_eq!(done.error_code, None);
    assert!(done.completed_at.unwrap() >= done.created_at);
    assert_eq!(done.created_at, pending.created_at);
}

#[sqlx::test(migrations = "./migrations")]
async fn a_replayed_interaction_never_gets_a_second_row(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    assert_eq!(
        store.begin(&attempt("2001")).await.unwrap(),
        AuditBegin::Started
    );

    let mut replay = attempt("2001");
    replay.user_name = "mallory".into();
    assert_eq!(store.begin(&replay).await.unwrap(), AuditBegin::Replayed);
    assert_eq!(
        store
            .record(&replay, &refused(AuditOutcome::DeniedRole, "missing_role"))
            .await
            .unwrap(),
        AuditBegin::Replayed
    );
    store.complete("2001", &issued("tok")).await.unwrap();
    assert_eq!(store.begin(&replay).await.unwrap(), AuditBegin::Replayed);

    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log").await, 1);
    let row = fetch_row(&pool, "2001").await;
    assert_eq!(
        row.user_name, "alice",
        "a replay must not overwrite the original"
    );
    assert_eq!(row.outcome, "issued");
}

#[sqlx::test(migrations = "./migrations")]
async fn complete_only_touches_pending_rows(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    store.begin(&attempt("3001")).await.unwrap();
    store.complete("3001", &issued("tok")).await.unwrap();

    let again = store
        .complete("3001", &refused(AuditOutcome::UpstreamError, "Throttling"))
        .await
        .unwrap_err();
    assert!(
        again
            .to_string()
            .contains("no pending audit row for interaction 3001"),
        "{again}"
    );
    let row = fetch_row(&pool, "3001").await;
    assert_eq!(row.outcome, "issued");
    assert_eq!(row.error_code, None);
    assert_eq!(row.token_sha256, Some(fingerprint("tok")));

    assert!(store.complete("no-such-id", &issued("tok")).await.is_err());
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log").await, 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn refusals_are_recorded_in_one_write(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let mut a = attempt("4001");
    a.guild_id = None;
    a.channel_id = None;
    a.user_id = "operator".into();
    a.target_type = TargetType::Tensorboard;
    a.target_id = "bad id with spaces".into();
    a.requested_expire_seconds = None;
    a.expire_seconds = None;
    let c = refused(AuditOutcome::InvalidInput, "invalid_id");
    assert_eq!(store.record(&a, &c).await.unwrap(), AuditBegin::Started);

    let row = fetch_row(&pool, "4001").await;
    assert_eq!(row.outcome, "invalid_input");
    assert_eq!(row.error_code.as_deref(), Some("invalid_id"));
    assert_eq!(row.guild_id, None);
    assert_eq!(row.user_id, "operator");
    assert_eq!(row.target_type, "tensorboard");
    assert_eq!(row.target_id, "bad id with spaces");
    assert_eq!(row.latency_ms, Some(1));
    assert!(row.completed_at.is_some());
}

#[sqlx::test(migrations = "./migrations")]
async fn each_outcome_round_trips(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    for (i, outcome) in AuditOutcome::ALL.into_iter().enumerate() {
        let id = format!("5{i:03}");
        let mut c = refused(outcome, "code");
        if outcome == AuditOutcome::Issued {
            c = issued("tok");
        }
        store.begin(&attempt(&id)).await.unwrap();
        store.complete(&id, &c).await.unwrap();
        assert_eq!(fetch_row(&pool, &id).await.outcome, outcome.as_str());
    }
}

// ---------------------------------------------------------------- fail closed

#[tokio::test]
async fn an_unreachable_server_fails_fast_without_leaking_the_url() {
    let port = closed_port();
    let url = SecretString::from(format!("postgres://bot:hunter2@127.0.0.1:{port}/audit"));
    let started = Instant::now();
    let err = store::connect(&url, &db_settings(Duration::from_millis(800)))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err:?}");
    let chain = format!("{:#}", anyhow::Error::from(err));
    assert!(
        chain.starts_with(&format!(
            "cannot reach PostgreSQL at 127.0.0.1:{port}/audit"
        )),
        "{chain}"
    );
    assert!(!chain.contains("hunter2"), "{chain}");

    let bad = store::connect(
        &SecretString::from("postgres://bot:hunter2@[::1/x".to_owned()),
        &db_settings(Duration::from_secs(1)),
    )
    .await
    .unwrap_err();
    assert!(matches!(bad, StoreError::InvalidUrl { .. }), "{bad:?}");
    assert!(!format!("{bad:#?}").contains("hunter2"));

    // A pool whose server is gone: every write errs within the acquire timeout.
    let options = store::parse_database_url(&url).unwrap();
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy_with(options);
    let store = PgStore::from_pool(pool);
    let started = Instant::now();
    assert!(store.begin(&attempt("6001")).await.is_err());
    assert!(store.record(&attempt("6002"), &issued("t")).await.is_err());
    assert!(store.settings(GUILD).await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A pool of `max` connections on the test database, named `name` in `pg_stat_activity`,
/// that gives up on a connection after 1 s.
async fn small_pool(connect: &PgConnectOptions, max: u32, name: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(1))
        .connect_with(connect.clone().application_name(name))
        .await
        .unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn writes_fail_closed_when_the_database_goes_away(
    _pool_opts: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let db = connect.get_database().unwrap().to_owned();
    let store = PgStore::from_pool(small_pool(&connect, 2, "fail-closed-test").await);
    assert_eq!(
        store.begin(&attempt("7001")).await.unwrap(),
        AuditBegin::Started
    );

    // Take the database away under the pool: refuse new sessions, kill the open ones.
    let mut admin = PgConnection::connect(&std::env::var("DATABASE_URL").unwrap())
        .await
        .unwrap();
    let set_allow = |allow: bool| {
        format!(
            "ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS {}",
            if allow { "true" } else { "false" }
        )
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(set_allow(false)))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&db)
        .execute(&mut admin)
        .await
        .unwrap();

    let started = Instant::now();
    assert!(store.begin(&attempt("7002")).await.is_err());
    assert!(store.begin(&attempt("7003")).await.is_err());
    assert!(store.ping().await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );

    // Back again: the same pool recovers, and nothing was written while it was gone.
    sqlx::raw_sql(sqlx::AssertSqlSafe(set_allow(true)))
        .execute(&mut admin)
        .await
        .unwrap();
    assert_eq!(
        store.begin(&attempt("7004")).await.unwrap(),
        AuditBegin::Started
    );
    let ids: Vec<String> = sqlx::query_scalar("SELECT interaction_id FROM audit_log ORDER BY 1")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(ids, ["7001", "7004"]);
    store.close().await;
}

/// A pooled connection the server killed since its last use is never an error: the share
/// path's statements move to a live connection.
#[sqlx::test(migrations = "./migrations")]
async fn a_killed_session_is_replaced_not_reported(
    _pool_opts: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let db = connect.get_database().unwrap().to_owned();
    let pool = small_pool(&connect, 2, "killed-test").await;
    let store = PgStore::from_pool(pool.clone());
    assert_eq!(
        store.begin(&attempt("7101")).await.unwrap(),
        AuditBegin::Started
    );
    store.complete("7101", &issued("tok-w")).await.unwrap();

    let mut admin = PgConnection::connect(&std::env::var("DATABASE_URL").unwrap())
        .await
        .unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND application_name = 'killed-test' AND state = 'idle'",
    )
    .bind(&db)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!killed.is_empty());
    assert_eq!(
        store.begin(&attempt("7102")).await.unwrap(),
        AuditBegin::Started
    );
    store
        .record(
            &attempt("7103"),
            &refused(AuditOutcome::DeniedRole, "missing_role"),
        )
        .await
        .unwrap();
    assert_eq!(fetch_row(&pool, "7101").await.outcome, "issued");
    assert_eq!(fetch_row(&pool, "7102").await.outcome, "pending");
    assert_eq!(fetch_row(&pool, "7103").await.outcome, "denied_role");
    tokio::time::timeout(Duration::from_secs(5), store.close())
        .await
        .expect("close returns");
    assert!(pool.is_closed());
}

/// Each interaction id is acted on once, whichever of two replicas sees it; records older than
/// a day are pruned, newer ones kept.
#[sqlx::test(migrations = "./migrations")]
async fn an_interaction_is_first_delivered_once_across_replicas(pool: PgPool) {
    let a = PgStore::from_pool(pool.clone());
    let b = PgStore::from_pool(pool.clone());
    let (first, second) = tokio::join!(a.first_delivery("8001"), b.first_delivery("8001"));
    assert_ne!(
        first.unwrap(),
        second.unwrap(),
        "exactly one of two at once"
    );
    assert!(!a.first_delivery("8001").await.unwrap());
    assert!(b.first_delivery("8002").await.unwrap());
    sqlx::query("UPDATE interactions_seen SET seen_at = now() - interval '25 hours' WHERE interaction_id = '8001'")
        .execute(&pool)
        .await
        .unwrap();
    let report = a.retention_pass(400).await.unwrap();
    assert_eq!(report.deliveries_pruned, 1);
    assert!(!a.first_delivery("8002").await.unwrap(), "kept for a day");
}

async fn settings_roles(store: &PgStore) -> Vec<RoleId> {
    role_ids(
        GuildDirectory::settings(store, GUILD)
            .await
            .unwrap()
            .allowed_roles,
    )
}

/// Settings are read where they are decided: a change made by another replica, by hand in SQL,
/// or in a session that fires no trigger (as a replication apply does) applies to the very
/// next read, with nothing to wait for.
#[sqlx::test(migrations = "./migrations")]
async fn every_settings_read_sees_the_latest_change_however_it_was_made(
    _pool_opts: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let a = PgStore::from_pool(small_pool(&connect, 4, "replica-a").await);
    let b = PgStore::from_pool(small_pool(&connect, 4, "replica-b").await);
    let actor = Actor::new("1", "admin");
    assert!(settings_roles(&a).await.is_empty());
    allow(&b, GUILD, 11, &actor).await;
    assert_eq!(settings_roles(&a).await, [RoleId(11)]);
    sqlx::raw_sql(
        "BEGIN; SET LOCAL session_replication_role = replica; \
         UPDATE guild_allowed_roles SET role_id = '12'; COMMIT",
    )
    .execute(b.pool())
    .await
    .unwrap();
    assert_eq!(settings_roles(&a).await, [RoleId(12)]);
    sqlx::query("DELETE FROM guild_allowed_roles")
        .execute(b.pool())
        .await
        .unwrap();
    assert!(settings_roles(&a).await.is_empty());
    // Migration 0007 took the notification triggers away: nothing fires on a change.
    let triggers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'guild_%_notify%'")
            .fetch_one(a.pool())
            .await
            .unwrap();
    assert_eq!(triggers, 0);
}

// ---------------------------------------------------------------- a silent database

/// `SELECT n` on `conn`, or `Err` if no answer came within `within`.
async fn select_within(
    conn: &mut PgConnection,
    n: i32,
    within: Duration,
) -> Result<i32, tokio::time::error::Elapsed> {
    let query = sqlx::query_scalar::<_, i32>(sqlx::AssertSqlSafe(format!("SELECT {n}")));
    tokio::time::timeout(within, query.fetch_one(conn))
        .await
        .map(|r| r.expect("SELECT succeeds"))
}

/// The test proxy (`support::proxy`) that "PostgreSQL reachable but silent" tests rely on:
/// frozen, an open connection and a new one both hang without being closed; thawed, what was
/// held flows and new connections work.
#[sqlx::test(migrations = false)]
async fn a_frozen_proxy_makes_the_database_silent_without_closing_anything(pool: PgPool) {
    const SILENT: Duration = Duration::from_secs(2);
    const BOUND: Duration = Duration::from_secs(10);
    let url = test_database_url(&pool);
    let proxy = FreezableProxy::start(upstream_of(&url)).await;
    let via = proxy.url_for(&url);
    assert!(
        via.contains(&format!("127.0.0.1:{}", proxy.addr().port())),
        "{via}"
    );
    assert_ne!(proxy.addr(), proxy.upstream());

    let mut open = tokio::time::timeout(BOUND, PgConnection::connect(&via))
        .await
        .expect("connects in time")
        .expect("connects through the proxy");
    assert_eq!(
        select_within(&mut open, 1, SILENT).await.expect("in time"),
        1
    );
    assert_eq!(proxy.connection_count(), 1);

    proxy.freeze();
    assert!(proxy.is_frozen());
    let started = Instant::now();
    assert!(
        select_within(&mut open, 1, SILENT).await.is_err(),
        "a frozen connection answered"
    );
    assert!(started.elapsed() >= SILENT);
    let new = tokio::time::timeout(SILENT, PgConnection::connect(&via)).await;
    assert!(new.is_err(), "connected through a frozen proxy");
    // The new connection was accepted and held; nothing was closed.
    assert_eq!(proxy.connection_count(), 2);
    assert_eq!(proxy.open_connections(), 2);
    // Only the proxied path is silent.
    let direct: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(direct, 1);

    proxy.thaw();
    let mut fresh = tokio::time::timeout(BOUND, PgConnection::connect(&via))
        .await
        .expect("connects in time once thawed")
        .expect("connects through the thawed proxy");
    assert_eq!(
        select_within(&mut fresh, 1, BOUND).await.expect("in time"),
        1
    );
    // The held query went through once thawed: the old connection is usable again.
    let again = select_within(&mut open, 2, BOUND).await;
    assert_eq!(again.expect("the old connection answers once thawed"), 2);
    // The attempt abandoned while frozen is closed once its bytes can flow.
    let deadline = Instant::now() + BOUND;
    while proxy.open_connections() != 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(proxy.open_connections(), 2);
    assert_eq!(proxy.connection_count(), 3);
    fresh.close().await.unwrap();
    open.close().await.unwrap();
    drop(proxy);
}

// ---------------------------------------------------------------- retention

#[sqlx::test(migrations = "./migrations")]
async fn retention_prunes_old_rows_in_batches(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    // More than two batches of old rows.
    sqlx::query(
        "INSERT INTO audit_log (interaction_id, created_at, completed_at, user_id, user_name, \
         target_type, target_id, outcome) \
         SELECT 'old-' || i, now() - interval '401 days', now(), 'u', 'n', 'job', 't', 'issued' \
         FROM generate_series(1, 12003) AS i",
    )
    .execute(&pool)
    .await
    .unwrap();
    for id in ["new-1", "new-2", "edge-1"] {
        store.record(&attempt(id), &issued("tok")).await.unwrap();
    }
    age_rows(&pool, "edge-%", "399 days").await;

    assert_eq!(store.prune(400).await.unwrap(), 12_003);
    let left: Vec<String> = sqlx::query_scalar("SELECT interaction_id FROM audit_log ORDER BY 1")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(left, ["edge-1", "new-1", "new-2"]);
    assert_eq!(store.prune(400).await.unwrap(), 0);

    // 0 days means keep forever, never "delete everything".
    age_rows(&pool, "%", "10000 days").await;
    assert_eq!(store.prune(0).await.unwrap(), 0);
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log").await, 3);
    assert_eq!(store.prune(1).await.unwrap(), 3);
}

#[sqlx::test(migrations = "./migrations")]
async fn abandoned_pending_rows_are_closed_as_incomplete(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    store.begin(&attempt("8001")).await.unwrap();
    store.begin(&attempt("8002")).await.unwrap();
    age_rows(&pool, "8001", "20 minutes").await;

    let report = store.retention_pass(400).await.unwrap();
    assert_eq!(report.closed_stale, 1);
    assert_eq!(report.pruned, 0);
    let dead = fetch_row(&pool, "8001").await;
    assert_eq!(dead.outcome, "internal_error");
    assert_eq!(dead.error_code.as_deref(), Some("incomplete"));
    assert!(dead.completed_at.is_some());
    assert_eq!(fetch_row(&pool, "8002").await.outcome, "pending");
    assert!(store.complete("8001", &issued("late")).await.is_err());
    assert_eq!(
        store
            .close_stale_pending(STALE_PENDING_AFTER)
            .await
            .unwrap(),
        0
    );
}

#[sqlx::test(migrations = "./migrations")]
async fn the_periodic_job_runs_by_itself(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    store.record(&attempt("9001"), &issued("t")).await.unwrap();
    store.begin(&attempt("9002")).await.unwrap();
    age_rows(&pool, "9001", "500 days").await;
    age_rows(&pool, "9002", "1 hour").await;

    let job = tokio::spawn(store::retention(
        store.clone(),
        400,
        Duration::from_secs(3600),
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let pending = count(
            &pool,
            "SELECT count(*) FROM audit_log WHERE outcome = 'pending'",
        )
        .await;
        let total = count(&pool, "SELECT count(*) FROM audit_log").await;
        if pending == 0 && total == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the first pass did not run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    job.abort();
}

// ---------------------------------------------------------------- export

/// Three rows in two guilds and one from two days ago, with a hostile user name.
async fn seed_export_rows(store: &PgStore, pool: &PgPool) {
    let mut doe = attempt("10001");
    doe.user_name = "Doe, \"JD\" Jr.".into();
    store.record(&doe, &issued("tok-doe")).await.unwrap();
    let mut bob = attempt("10002");
    bob.user_id = "301".into();
    bob.user_name = "bob".into();
    store
        .record(&bob, &refused(AuditOutcome::DeniedRole, "missing_role"))
        .await
        .unwrap();
    let mut elsewhere = attempt("10003");
    elsewhere.guild_id = Some(OTHER_GUILD);
    store
        .record(
            &elsewhere,
            &refused(AuditOutcome::RateLimited, "user_limit"),
        )
        .await
        .unwrap();
    let old = attempt("10000");
    store.record(&old, &issued("tok-old")).await.unwrap();
    age_rows(pool, "10000", "2 days").await;
}

async fn export_text(store: &PgStore, filter: &AuditFilter, format: AuditFormat) -> String {
    let mut buf = Vec::new();
    export_to(store, filter, format, &mut buf).await.unwrap();
    String::from_utf8(buf).unwrap()
}

#[sqlx::test(migrations = "./migrations")]
async fn export_csv_quotes_and_filters(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    seed_export_rows(&store, &pool).await;
    let filter = AuditFilter {
        since: Some(chrono::Utc::now() - chrono::Duration::days(1)),
        guild: Some(GUILD),
        user: None,
    };
    let text = export_text(&store, &filter, AuditFormat::Csv).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], AUDIT_COLUMNS.join(","));

    let doe = fetch_row(&pool, "10001").await;
    let expected = format!(
        "10001,{},100,200,300,\"Doe, \"\"JD\"\" Jr.\",job,dlc-1,,,3600,3600,issued,,RID-1,42,{},,,{}",
        store::format_timestamp(&doe.created_at),
        fingerprint("tok-doe"),
        store::format_timestamp(&doe.completed_at.unwrap()),
    );
    assert_eq!(lines[1], expected);
    assert!(
        lines[2].starts_with("10002,")
            && lines[2].contains(",bob,")
            && lines[2].contains(",denied_role,missing_role,"),
        "{}",
        lines[2]
    );
}

#[sqlx::test(migrations = "./migrations")]
async fn export_json_lines_carry_the_spec_fields(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    seed_export_rows(&store, &pool).await;
    let filter = AuditFilter {
        user: Some("300".into()),
        ..AuditFilter::default()
    };
    let text = export_text(&store, &filter, AuditFormat::Json).await;
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = rows
        .iter()
        .map(|r| r["interaction_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["10000", "10001", "10003"],
        "oldest first, user 300 only"
    );
    for r in &rows {
        // The audit log's fields, `reason` and `approved_by` included.
        for key in &AUDIT_COLUMNS[..19] {
            assert!(r.get(*key).is_some(), "{key} missing in {r}");
        }
        let t = r["created_at"].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(t).unwrap();
    }
    assert_eq!(rows[1]["user_name"], "Doe, \"JD\" Jr.");
    assert_eq!(rows[1]["token_sha256"], fingerprint("tok-doe"));
    assert_eq!(rows[1]["expire_seconds"], 3600);
    assert_eq!(rows[1]["guild_id"], "100");
    assert_eq!(rows[2]["outcome"], "rate_limited");
    assert_eq!(rows[2]["token_sha256"], serde_json::Value::Null);
    assert_eq!(rows[2]["guild_id"], "999");
}

#[sqlx::test(migrations = "./migrations")]
async fn export_table_is_aligned(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    seed_export_rows(&store, &pool).await;
    let text = export_text(&store, &AuditFilter::default(), AuditFormat::Table).await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("TIME (UTC)"));
    let target_col = lines[0].find("TARGET").unwrap();
    for line in &lines[1..] {
        let at = line.find("job/dlc-1").unwrap();
        assert_eq!(line[..at].chars().count(), target_col, "{line}");
    }
    assert!(lines[2].contains("Doe, \"JD\" Jr."));
    assert!(lines[2].contains("issued") && lines[2].contains("RID-1"));
}

#[sqlx::test(migrations = "./migrations")]
async fn the_audit_command_streams_and_stops_quietly_at_a_closed_pipe(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    seed_export_rows(&store, &pool).await;
    let url = test_database_url(&pool);
    let bin = env!("CARGO_BIN_EXE_dlc-share-bot");

    let out = Command::new(bin)
        .args(["audit", "--format", "csv", "--guild", "100"])
        .env("DATABASE_URL", &url)
        .env_remove("DATABASE_URL_FILE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut buf = Vec::new();
    let filter = AuditFilter {
        guild: Some(GUILD),
        ..AuditFilter::default()
    };
    export_to(&store, &filter, AuditFormat::Csv, &mut buf)
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(buf).unwrap()
    );

    // Far more than the output buffer, then a reader that leaves after one line (`| head -1`).
    sqlx::query(
        "INSERT INTO audit_log (interaction_id, completed_at, guild_id, user_id, user_name, \
         target_type, target_id, outcome) \
         SELECT 'bulk-' || i, now(), '100', 'u', 'n', 'job', 't', 'issued' \
         FROM generate_series(1, 30000) AS i",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut child = Command::new(bin)
        .args(["audit", "--format", "json"])
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        first.starts_with("{\"interaction_id\":\"10000\""),
        "{first}"
    );
    assert!(out.status.success(), "{:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );

    let out = Command::new(bin)
        .args(["audit"])
        .env_remove("DATABASE_URL")
        .env_remove("DATABASE_URL_FILE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL is not set"));
}

#[sqlx::test(migrations = "./migrations")]
async fn recent_lists_a_guild_newest_first(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    seed_export_rows(&store, &pool).await;
    let ids = |rows: Vec<AuditRow>| {
        rows.into_iter()
            .map(|r| r.interaction_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.recent(GUILD, None, 10).await.unwrap()),
        ["10002", "10001", "10000"]
    );
    assert_eq!(
        ids(store.recent(GUILD, None, 2).await.unwrap()),
        ["10002", "10001"]
    );
    assert_eq!(
        ids(store.recent(GUILD, Some(UserId(300)), 10).await.unwrap()),
        ["10001", "10000"]
    );
    assert_eq!(
        ids(store.recent(OTHER_GUILD, None, 0).await.unwrap()),
        ["10003"]
    );
}

// ---------------------------------------------------------------- guilds

#[sqlx::test(migrations = "./migrations")]
async fn allowlist_changes_are_audited(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let admin = Actor::new("555", "Admin, \"Boss\"");
    assert!(store.allowed_roles(GUILD).await.unwrap().is_empty());
    assert!(allow(&store, GUILD, 11, &admin).await);
    assert!(allow(&store, GUILD, 12, &admin).await);
    assert!(!allow(&store, GUILD, 11, &admin).await);
    assert!(allow(&store, OTHER_GUILD, 13, &admin).await);
    assert_eq!(
        role_ids(store.allowed_roles(GUILD).await.unwrap()),
        [RoleId(11), RoleId(12)]
    );

    assert!(
        store
            .remove_allowed_role(GUILD, RoleId(11), &admin)
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_allowed_role(GUILD, RoleId(11), &admin)
            .await
            .unwrap()
    );
    assert_eq!(
        role_ids(store.allowed_roles(GUILD).await.unwrap()),
        [RoleId(12)]
    );
    assert_eq!(
        role_ids(store.settings(GUILD).await.unwrap().allowed_roles),
        [RoleId(12)]
    );
    assert_eq!(
        role_ids(store.settings(OTHER_GUILD).await.unwrap().allowed_roles),
        [RoleId(13)]
    );

    let changes = store.admin_changes(GUILD, 10).await.unwrap();
    let summary: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c.action.as_str(), c.detail["role_id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("role_remove", "11"),
            ("role_add", "12"),
            ("role_add", "11")
        ]
    );
    assert!(
        changes.iter().all(|c| c.actor_id == "555"
            && c.actor_name == "Admin, \"Boss\""
            && c.guild_id == "100")
    );
    assert_eq!(store.admin_changes(GUILD, 1).await.unwrap().len(), 1);
}

#[sqlx::test(migrations = "./migrations")]
async fn policy_changes_are_audited_and_bounded(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let admin = Actor::new("555", "admin");
    let exp = |s: &str| s.parse::<Expiry>().unwrap();
    assert_eq!(
        store.policy(GUILD).await.unwrap(),
        PolicySettings::default()
    );
    assert_eq!(
        store.settings(GUILD).await.unwrap().policy,
        PolicySettings::default()
    );

    let first = PolicySettings {
        default_expiry: Some(exp("2h")),
        max_expiry: Some(exp("1d")),
        ..PolicySettings::default()
    };
    // The update sees what is stored.
    let set = |expected: PolicySettings, to: PolicySettings| {
        move |stored: PolicySettings| {
            assert_eq!(stored, expected, "the update is handed the stored settings");
            Ok(to)
        }
    };
    let new = store
        .update_policy(
            GUILD,
            &admin,
            PolicyAction::Set,
            set(PolicySettings::default(), first.clone()),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new, first);
    // Every setting, unset values included, round-trips.
    let second = PolicySettings {
        default_expiry: None,
        max_expiry: Some(exp("7d")),
        require_reason: true,
        audit_channel: Some(ChannelId(4242)),
        approvals_channel: Some(ChannelId(4343)),
        approver_role: Some(RoleId(4444)),
    };
    store
        .update_policy(
            GUILD,
            &admin,
            PolicyAction::Set,
            set(first.clone(), second.clone()),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.policy(GUILD).await.unwrap(), second);
    assert_eq!(
        store.policy(OTHER_GUILD).await.unwrap(),
        PolicySettings::default()
    );
    // A change to the same values records nothing.
    store
        .update_policy(
            GUILD,
            &admin,
            PolicyAction::Set,
            set(second.clone(), second.clone()),
        )
        .await
        .unwrap()
        .unwrap();
    let cleared = PolicySettings {
        audit_channel: None,
        ..second.clone()
    };
    store
        .update_policy(
            GUILD,
            &admin,
            PolicyAction::Clear,
            set(second.clone(), cleared.clone()),
        )
        .await
        .unwrap()
        .unwrap();

    assert!(allow(&store, GUILD, 11, &admin).await);
    let settings = store.settings(GUILD).await.unwrap();
    assert_eq!(role_ids(settings.allowed_roles), [RoleId(11)]);
    assert_eq!(settings.policy, cleared);

    let changes = store.admin_changes(GUILD, 10).await.unwrap();
    let policy_changes: Vec<(&str, &serde_json::Value)> = changes
        .iter()
        .filter(|c| c.action.starts_with("policy_"))
        .map(|c| (c.action.as_str(), &c.detail))
        .collect();
    assert_eq!(policy_changes.len(), 3, "{policy_changes:?}");
    assert_eq!(policy_changes[0].0, "policy_clear");
    assert_eq!(
        policy_changes[0].1["audit_channel_id"],
        serde_json::Value::Null
    );
    assert_eq!(policy_changes[0].1["previous"]["audit_channel_id"], "4242");
    assert_eq!(
        *policy_changes[1].1,
        serde_json::json!({
            "default_expire_seconds": null, "max_expire_seconds": 604800,
            "require_reason": true, "audit_channel_id": "4242",
            "approvals_channel_id": "4343", "approver_role_id": "4444",
            "previous": {
                "default_expire_seconds": 7200, "max_expire_seconds": 86400,
                "require_reason": false, "audit_channel_id": null,
                "approvals_channel_id": null, "approver_role_id": null,
            },
        })
    );
    assert_eq!(policy_changes[2].0, "policy_set");

    // The table holds the same bounds as the domain type, against direct SQL.
    for (default, max) in [
        (Some(30), Some(3600)),
        (Some(3600), Some(700_000)),
        (Some(7200), Some(3600)),
        (None, Some(30)),
    ] {
        let r = sqlx::query(
            "INSERT INTO guild_policies (guild_id, default_expire_seconds, max_expire_seconds, updated_by) \
             VALUES ('1', $1, $2, 'sql')",
        )
        .bind(default)
        .bind(max)
        .execute(&pool)
        .await;
        assert!(r.is_err(), "{default:?}/{max:?} should be refused");
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn role_caps_and_channels_are_stored_and_audited(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let admin = Actor::new("555", "admin");
    let exp = |s: &str| s.parse::<Expiry>().unwrap();
    let capped = |cap: Option<&str>| AllowedRole {
        role: RoleId(11),
        max_expiry: cap.map(exp),
    };
    let mut changes = Vec::new();
    for cap in [Some("12h"), Some("12h"), Some("2d"), None] {
        changes.push(
            store
                .set_allowed_role(GUILD, capped(cap), &admin)
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        changes,
        [
            RoleChange::Added,
            RoleChange::Unchanged,
            RoleChange::CapChanged {
                previous: Some(exp("12h"))
            },
            RoleChange::CapChanged {
                previous: Some(exp("2d"))
            },
        ]
    );
    store
        .set_allowed_role(
            GUILD,
            AllowedRole {
                role: RoleId(12),
                max_expiry: Some(exp("1h")),
            },
            &admin,
        )
        .await
        .unwrap();
    let expected = [
        capped(None),
        AllowedRole {
            role: RoleId(12),
            max_expiry: Some(exp("1h")),
        },
    ];
    assert_eq!(store.allowed_roles(GUILD).await.unwrap(), expected);

    assert!(
        store
            .add_allowed_channel(GUILD, ChannelId(7), &admin)
            .await
            .unwrap()
    );
    assert!(
        !store
            .add_allowed_channel(GUILD, ChannelId(7), &admin)
            .await
            .unwrap()
    );
    assert!(
        store
            .add_allowed_channel(GUILD, ChannelId(8), &admin)
            .await
            .unwrap()
    );
    assert!(
        store
            .add_allowed_channel(OTHER_GUILD, ChannelId(9), &admin)
            .await
            .unwrap()
    );
    assert!(
        store
            .remove_allowed_channel(GUILD, ChannelId(7), &admin)
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_allowed_channel(GUILD, ChannelId(7), &admin)
            .await
            .unwrap()
    );
    assert_eq!(store.allowed_channels(GUILD).await.unwrap(), [ChannelId(8)]);

    // The one read before every /share sees all of it.
    let settings = store.settings(GUILD).await.unwrap();
    assert_eq!(settings.allowed_roles, expected);
    assert_eq!(settings.allowed_channels, [ChannelId(8)]);

    let recorded: Vec<(String, serde_json::Value)> = store
        .admin_changes(GUILD, 20)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|c| (c.action, c.detail))
        .collect();
    let actions: Vec<&str> = recorded.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "role_add",
            "role_cap",
            "role_cap",
            "role_add",
            "channel_add",
            "channel_add",
            "channel_remove"
        ]
    );
    assert_eq!(
        recorded[0].1,
        serde_json::json!({"role_id": "11", "max_expire_seconds": 43200})
    );
    assert_eq!(
        recorded[2].1,
        serde_json::json!({"role_id": "11", "max_expire_seconds": null, "previous_max_expire_seconds": 172800})
    );
    assert_eq!(recorded[6].1, serde_json::json!({"channel_id": "7"}));

    // The schema bounds a cap like the domain type does.
    let r = sqlx::query("UPDATE guild_allowed_roles SET max_expire_seconds = 59")
        .execute(&pool)
        .await;
    assert!(r.is_err());
}

#[sqlx::test(migrations = "./migrations")]
async fn reasons_are_stored_and_exported(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let mut with_reason = attempt("12001");
    with_reason.reason = Some("=HYPERLINK(\"x\") loss spike".into());
    store.begin(&with_reason).await.unwrap();
    store.complete("12001", &issued("tok")).await.unwrap();
    let mut refused_one = attempt("12002");
    refused_one.reason = Some("why not".into());
    store
        .record(
            &refused_one,
            &refused(AuditOutcome::DeniedChannel, "channel_not_allowed"),
        )
        .await
        .unwrap();
    let row = fetch_row(&pool, "12001").await;
    assert_eq!(row.reason.as_deref(), Some("=HYPERLINK(\"x\") loss spike"));
    assert_eq!(row.approved_by, None);
    let row = fetch_row(&pool, "12002").await;
    assert_eq!(
        (row.outcome.as_str(), row.reason.as_deref()),
        ("denied_channel", Some("why not"))
    );
}

#[sqlx::test(migrations = "./migrations")]
async fn seeding_from_configuration_respects_admin_history(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let admin = Actor::new("555", "admin");
    assert_eq!(
        store
            .seed_allowed_roles(GUILD, &[RoleId(1), RoleId(2), RoleId(2)])
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        role_ids(store.allowed_roles(GUILD).await.unwrap()),
        [RoleId(1), RoleId(2)]
    );

    // A restart seeds nothing new; an admin's removal survives the next restart.
    assert_eq!(
        store
            .seed_allowed_roles(GUILD, &[RoleId(1), RoleId(2)])
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .remove_allowed_role(GUILD, RoleId(1), &admin)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .seed_allowed_roles(GUILD, &[RoleId(1), RoleId(2), RoleId(3)])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        role_ids(store.allowed_roles(GUILD).await.unwrap()),
        [RoleId(2), RoleId(3)]
    );

    // An admin-added role that configuration also lists is not recorded twice.
    assert!(allow(&store, OTHER_GUILD, 4, &admin).await);
    assert_eq!(
        store
            .seed_allowed_roles(OTHER_GUILD, &[RoleId(4), RoleId(5)])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        role_ids(store.allowed_roles(OTHER_GUILD).await.unwrap()),
        [RoleId(4), RoleId(5)]
    );

    let seeds = store.admin_changes(GUILD, 100).await.unwrap();
    let seeded: Vec<&str> = seeds
        .iter()
        .filter(|c| c.action == "role_seed")
        .map(|c| c.detail["role_id"].as_str().unwrap())
        .collect();
    assert_eq!(seeded, ["3", "2", "1"]);
    assert!(
        seeds
            .iter()
            .filter(|c| c.action == "role_seed")
            .all(|c| c.actor_id == "config")
    );
    assert_eq!(store.seed_allowed_roles(GUILD, &[]).await.unwrap(), 0);
}

// ---------------------------------------------------------------- concurrency and secrets

#[sqlx::test(migrations = "./migrations")]
async fn concurrent_attempts_get_exactly_one_row_each(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let id = format!("c-{i}");
                let begun = store.begin(&attempt(&id)).await.unwrap();
                store
                    .complete(&id, &issued(&format!("tok-{i}")))
                    .await
                    .unwrap();
                begun
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), AuditBegin::Started);
    }
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM audit_log WHERE outcome = 'issued'"
        )
        .await,
        200
    );
    assert_eq!(
        count(&pool, "SELECT count(DISTINCT token_sha256) FROM audit_log").await,
        200
    );

    // 200 racing deliveries of one interaction: one wins, the rest are replays.
    let racers: Vec<_> = (0..200)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.begin(&attempt("same")).await.unwrap() })
        })
        .collect();
    let mut started = 0;
    for r in racers {
        if r.await.unwrap() == AuditBegin::Started {
            started += 1;
        }
    }
    assert_eq!(started, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM audit_log").await, 201);
}

#[sqlx::test(migrations = "./migrations")]
async fn no_token_text_reaches_the_database(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let token = "tok-SECRET-5f2c9e";
    store.begin(&attempt("11001")).await.unwrap();
    store.complete("11001", &issued(token)).await.unwrap();
    allow(&store, GUILD, 1, &Actor::new("1", "a")).await;

    // The fingerprint is SHA-256 of the token, as PostgreSQL computes it too.
    let db_hash: String = sqlx::query_scalar("SELECT encode(sha256($1::bytea), 'hex')")
        .bind(token.as_bytes())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(fetch_row(&pool, "11001").await.token_sha256, Some(db_hash));

    // Passing the token itself where the fingerprint goes is refused by the schema.
    store.begin(&attempt("11002")).await.unwrap();
    let mut leaky = issued(token);
    leaky.token_sha256 = Some(token.to_owned());
    assert!(store.complete("11002", &leaky).await.is_err());
    assert_eq!(fetch_row(&pool, "11002").await.outcome, "pending");

    for sql in [
        "SELECT count(*) FROM audit_log t WHERE to_jsonb(t)::text LIKE '%SECRET%'",
        "SELECT count(*) FROM admin_changes t WHERE to_jsonb(t)::text LIKE '%SECRET%'",
        "SELECT count(*) FROM guild_allowed_roles t WHERE to_jsonb(t)::text LIKE '%SECRET%'",
        "SELECT count(*) FROM guild_policies t WHERE to_jsonb(t)::text LIKE '%SECRET%'",
    ] {
        assert_eq!(count(&pool, sql).await, 0, "{sql}");
    }
}

// ---------------------------------------------------------------- trust boundaries and failures

/// The admin service's look-up, for tests that never ask `explain` about a target.
struct NothingToLookUp;

impl dlc_share_bot::share::TargetLookup for NothingToLookUp {
    async fn look_up(
        &self,
        _: dlc_share_bot::share::TargetType,
        _: &dlc_share_bot::share::TargetId,
    ) -> Result<dlc_share_bot::share::TargetDetails, dlc_share_bot::share::LookupError> {
        Err(dlc_share_bot::share::LookupError::NotFound)
    }
}

/// Two admins changing different settings at the same moment, through the real admin service
/// on the real store: every trial ends in one of the two serial outcomes, and a lowered
/// maximum is never lost.
#[sqlx::test(migrations = "./migrations")]
async fn concurrent_partial_policy_updates_are_serialised(pool: PgPool) {
    use dlc_share_bot::share::{
        AdminCaller, AdminCommand, AdminOutcome, AdminPermissions, AdminRefusal, AdminService,
        GuildScope, Operator, PolicyError, RateLimits, RateSpec,
    };
    use std::num::NonZeroU32;

    let operator = GuildPolicy::new(
        Expiry::parse("1d", Expiry::HARD_MAX).unwrap(),
        Expiry::HARD_MAX,
    )
    .unwrap();
    let spec = RateSpec {
        per_minute: NonZeroU32::new(10).unwrap(),
        burst: NonZeroU32::new(10).unwrap(),
    };
    let admin = AdminService {
        store: PgStore::from_pool(pool.clone()),
        operator: std::sync::Arc::new(Operator {
            served: GuildScope::Every,
            policy: operator,
            admin_roles: vec![],
            approval_timeout: std::time::Duration::from_secs(3_600),
            targets: dlc_share_bot::share::TargetRule::look_up_any(),
        }),
        limits: RateLimits::new(spec, spec),
        lookup: NothingToLookUp,
    };
    let set_default = AdminCommand::PolicySet {
        default_expiry: Some("6d".into()),
        max_expiry: None,
        require_reason: None,
        audit_channel: None,
        approvals_channel: None,
        approver_role: None,
    };
    let lower_max = AdminCommand::PolicySet {
        default_expiry: None,
        max_expiry: Some("1d".into()),
        require_reason: None,
        audit_channel: None,
        approvals_channel: None,
        approver_role: None,
    };
    let caller = |id: &str| AdminCaller {
        actor: Actor::new(id, format!("admin-{id}")),
        permissions: AdminPermissions {
            administrator: false,
            manage_guild: true,
        },
        roles: vec![],
    };
    let (a, b) = (caller("1"), caller("2"));
    let one_day = Expiry::parse("1d", Expiry::HARD_MAX).unwrap();
    let six_days = Expiry::parse("6d", Expiry::HARD_MAX).unwrap();
    for trial in 0..30 {
        let guild = GuildId(10_000 + trial);
        let (ra, rb) = tokio::join!(
            admin.run(guild, &a, &set_default),
            admin.run(guild, &b, &lower_max),
        );
        // Whatever the order, the lowered ceiling holds and B was told the truth.
        let stored = admin.store.policy(guild).await.unwrap();
        let effective = admin.operator.effective_policy(&stored);
        assert_eq!(
            (effective.default_expiry(), effective.max_expiry()),
            (one_day, one_day),
            "trial {trial}: {ra:?} / {rb:?}"
        );
        assert_eq!(stored.max_expiry, Some(one_day), "trial {trial}");
        // A's default, if it landed, was dragged down with the maximum.
        assert!(
            stored.default_expiry.is_none_or(|d| d == one_day),
            "trial {trial}: {stored:?}"
        );
        let AdminOutcome::PolicyUpdated(view) = &rb else {
            panic!("trial {trial}: lowering the maximum always applies: {rb:?}")
        };
        assert_eq!(view.effective, GuildPolicy::new(one_day, one_day).unwrap());
        // A either landed first (and was then capped by B) or was refused after B.
        match ra {
            AdminOutcome::PolicyUpdated(v) => {
                assert_eq!(v.effective.default_expiry(), six_days)
            }
            AdminOutcome::Refused(AdminRefusal::Policy(PolicyError::DefaultAboveMax {
                ..
            })) => {}
            other => panic!("trial {trial}: {other:?}"),
        }
        let changes = admin.store.admin_changes(guild, 10).await.unwrap();
        assert!(
            (1..=2).contains(&changes.len()),
            "one audited change per applied command: {changes:?}"
        );
    }
}

/// The look-up of a service whose look-up is off (`aliyun.lookup = false`): never asked.
struct LookupThatIsOff;

impl dlc_share_bot::share::TargetLookup for LookupThatIsOff {
    async fn look_up(
        &self,
        _target_type: TargetType,
        _target_id: &dlc_share_bot::share::TargetId,
    ) -> Result<dlc_share_bot::share::TargetDetails, dlc_share_bot::share::LookupError> {
        panic!("the look-up is off; nothing may ask it")
    }
}

/// The issuer that takes the database away while GetToken is in flight: the write-ahead row
/// is in, the completion cannot be.
struct IssuerThatLosesTheDatabase {
    database: String,
}

impl dlc_share_bot::share::ports::TokenIssuer for IssuerThatLosesTheDatabase {
    async fn get_token(
        &self,
        _: TargetType,
        _: &dlc_share_bot::share::TargetId,
        _: Expiry,
    ) -> Result<dlc_share_bot::share::ports::IssuedToken, dlc_share_bot::share::ports::IssueFailure>
    {
        set_database_online(&self.database, false).await;
        Ok(dlc_share_bot::share::ports::IssuedToken {
            token: SecretString::from("tok-never-shown".to_owned()),
            request_id: "REQ-LOST".into(),
        })
    }

    async fn get_tensorboard_shared_url(
        &self,
        _: &dlc_share_bot::share::TargetId,
        _: Expiry,
    ) -> Result<dlc_share_bot::share::ports::SharedUrl, dlc_share_bot::share::ports::IssueFailure>
    {
        unreachable!("these tests share jobs only")
    }

    fn region(&self) -> &str {
        "cn-test"
    }
}

async fn set_database_online(db: &str, online: bool) {
    let mut admin = PgConnection::connect(&std::env::var("DATABASE_URL").unwrap())
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS {online}"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    if !online {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(db)
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

/// Issue item 2: PostgreSQL gone between the write-ahead insert and the completion. The
/// member gets no link, and the row ends as `internal_error` / `incomplete`.
#[sqlx::test(migrations = "./migrations")]
async fn no_link_is_shown_when_its_row_cannot_be_completed(
    _pool_opts: PgPoolOptions,
    connect: PgConnectOptions,
) {
    use dlc_share_bot::share::{
        GuildScope, LinkTemplate, LinkTemplates, Operator, RateLimits, RateSpec, ShareOutcome,
        ShareRequest, ShareService,
    };
    use std::num::NonZeroU32;

    let db = connect.get_database().unwrap().to_owned();
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(1))
        .connect_with(connect)
        .await
        .unwrap();
    let store = PgStore::from_pool(pool);
    allow(&store, GUILD, 7, &Actor::new("1", "admin")).await;
    let spec = RateSpec {
        per_minute: NonZeroU32::new(10).unwrap(),
        burst: NonZeroU32::new(10).unwrap(),
    };
    let template = LinkTemplate::parse("https://pai.example/{target_id}?t={token}").unwrap();
    let service = ShareService {
        audit: store.clone(),
        guilds: store.clone(),
        issuer: IssuerThatLosesTheDatabase {
            database: db.clone(),
        },
        lookup: LookupThatIsOff,
        limits: std::sync::Arc::new(RateLimits::new(spec, spec)),
        links: LinkTemplates {
            job: template.clone(),
            tensorboard: dlc_share_bot::share::TensorboardLink::Token(template),
        },
        operator: std::sync::Arc::new(Operator {
            served: GuildScope::Listed([GUILD].into()),
            policy: GuildPolicy::new(Expiry::MIN, Expiry::HARD_MAX).unwrap(),
            admin_roles: vec![],
            approval_timeout: std::time::Duration::from_secs(3_600),
            targets: dlc_share_bot::share::TargetRule::default(),
        }),
        clock: std::sync::Arc::new(dlc_share_bot::clock::SystemClock),
    };
    let outcome = service
        .share(ShareRequest {
            interaction_id: "8001".into(),
            guild_id: GUILD,
            place: Some(ChannelPlace {
                channel: ChannelId(200),
                parent: None,
            }),
            user_id: UserId(300),
            user_name: "alice".into(),
            member_roles: vec![RoleId(7)],
            target_type: TargetType::Job,
            raw_id: "dlc-lost".into(),
            raw_expiry: None,
            raw_reason: None,
        })
        .await;
    assert!(
        matches!(outcome.outcome, ShareOutcome::AuditIncomplete),
        "no link without a complete row: {outcome:?}"
    );

    set_database_online(&db, true).await;
    let row = fetch_row(store.pool(), "8001").await;
    assert_eq!(row.outcome, "pending", "{row:?}");
    assert_eq!(store.close_stale_pending(Duration::ZERO).await.unwrap(), 1);
    let row = fetch_row(store.pool(), "8001").await;
    assert_eq!(
        (
            row.outcome.as_str(),
            row.error_code.as_deref(),
            row.token_sha256
        ),
        ("internal_error", Some("incomplete"), None)
    );
    store.close().await;
}

/// Issue item 10 at the store: the completion replaces the granted expiry with the token's.
#[sqlx::test(migrations = "./migrations")]
async fn completion_records_the_tokens_real_lifetime(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    store.begin(&attempt("8101")).await.unwrap();
    let mut done = issued("tok");
    done.expire_seconds = Some(1_800);
    store.complete("8101", &done).await.unwrap();
    assert_eq!(fetch_row(&pool, "8101").await.expire_seconds, Some(1_800));
    store.begin(&attempt("8102")).await.unwrap();
    store.complete("8102", &issued("tok2")).await.unwrap();
    assert_eq!(
        fetch_row(&pool, "8102").await.expire_seconds,
        Some(3_600),
        "unknown lifetime keeps the granted expiry"
    );
}

/// Issue item 4 at the store: PostgreSQL reachable but silent. Every call the share flow makes
/// fails within the client-side bound instead of hanging, with pooled and new connections alike.
#[sqlx::test(migrations = "./migrations")]
async fn a_silent_database_fails_every_call_within_the_statement_timeout(pool: PgPool) {
    const STATEMENT_TIMEOUT: Duration = Duration::from_secs(1);
    let url = test_database_url(&pool);
    let proxy = FreezableProxy::start(upstream_of(&url)).await;
    let settings = DatabaseSettings {
        max_connections: 2,
        acquire_timeout: Duration::from_secs(2),
        statement_timeout: STATEMENT_TIMEOUT,
    };
    let store = store::connect(&SecretString::from(proxy.url_for(&url)), &settings)
        .await
        .unwrap();
    store.begin(&attempt("9001")).await.unwrap();
    store.settings(GUILD).await.unwrap();

    proxy.freeze();
    let bound = settings.acquire_timeout + STATEMENT_TIMEOUT + Duration::from_secs(2);
    let started = Instant::now();
    let begin = store.begin(&attempt("9002")).await;
    assert!(begin.is_err(), "{begin:?}");
    assert!(store.complete("9001", &issued("tok")).await.is_err());
    assert!(
        store
            .record(&attempt("9003"), &refused(AuditOutcome::DeniedRole, "x"))
            .await
            .is_err()
    );
    assert!(store.settings(GUILD).await.is_err());
    assert!(store.ping().await.is_err());
    assert!(store.policy(GUILD).await.is_err());
    let waited = started.elapsed();
    assert!(waited < bound * 6, "six calls took {waited:?}");
    let e = StorageError::from(StoreError::TimedOut(STATEMENT_TIMEOUT)).to_string();
    assert!(e.contains("did not answer within 1000 ms"), "{e}");

    // Thawed, the same store recovers.
    proxy.thaw();
    store.begin(&attempt("9004")).await.unwrap();
}

// ---------------------------------------------------------------- shared rate limits

fn rate(per_minute: u32, burst: u32) -> dlc_share_bot::share::RateSpec {
    dlc_share_bot::share::RateSpec {
        per_minute: std::num::NonZeroU32::new(per_minute).unwrap(),
        burst: std::num::NonZeroU32::new(burst).unwrap(),
    }
}

/// A generous limit, for the scope a test does not exercise.
fn roomy() -> dlc_share_bot::share::RateSpec {
    rate(6_000, 1_000)
}

async fn check(limits: &store::PgRateLimits, guild: u64, user: u64) -> RateDecision {
    limits.check(GuildId(guild), UserId(user)).await.unwrap()
}

fn refused_in(decision: RateDecision) -> Option<(LimitScope, Duration)> {
    match decision {
        RateDecision::Allowed => None,
        RateDecision::Limited { scope, retry_after } => Some((scope, retry_after)),
    }
}

/// Moves every cell's theoretical arrival time back, as if `secs` had passed on the database.
async fn rewind_cells(pool: &PgPool, secs: f64) {
    sqlx::query("UPDATE rate_limits SET tat = tat - make_interval(secs => $1)")
        .bind(secs)
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrations = "./migrations")]
async fn shared_limits_allow_the_burst_then_say_when_to_retry(pool: PgPool) {
    let limits = PgStore::from_pool(pool.clone()).rate_limits(rate(5, 3), roomy());
    for _ in 0..3 {
        assert_eq!(check(&limits, 1, 7).await, RateDecision::Allowed);
    }
    let (scope, retry) = refused_in(check(&limits, 1, 7).await).expect("over the burst");
    assert_eq!(scope, LimitScope::User);
    // T = 12 s: the fourth place frees 12 s after the first check, less the time since.
    assert!(
        retry > Duration::from_secs(11) && retry <= Duration::from_secs(12),
        "{retry:?}"
    );
    // Another member is unaffected; the same member in another guild is not.
    assert_eq!(check(&limits, 1, 8).await, RateDecision::Allowed);
    assert_eq!(
        refused_in(check(&limits, 2, 7).await).map(|r| r.0),
        Some(LimitScope::User)
    );
    // Twelve seconds later on the database's clock, one more place.
    rewind_cells(&pool, 12.0).await;
    assert_eq!(check(&limits, 1, 7).await, RateDecision::Allowed);
    assert!(refused_in(check(&limits, 1, 7).await).is_some());
}

#[sqlx::test(migrations = "./migrations")]
async fn a_guilds_shared_budget_refuses_every_member(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let limits = store.rate_limits(roomy(), rate(1, 2));
    assert_eq!(check(&limits, 1, 1).await, RateDecision::Allowed);
    assert_eq!(check(&limits, 1, 2).await, RateDecision::Allowed);
    let (scope, retry) = refused_in(check(&limits, 1, 3).await).expect("guild exhausted");
    assert_eq!(scope, LimitScope::Guild);
    assert!(retry > Duration::from_secs(59), "{retry:?}");
    assert_eq!(check(&limits, 2, 3).await, RateDecision::Allowed);
    // The refused member's own cell was used once, as governor does: no more.
    let user3: i64 =
        sqlx::query_scalar("SELECT count(*) FROM rate_limits WHERE scope = 'user' AND key = '3'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(user3, 1);
    let guild1_tat_ahead: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM tat - now())::float8 FROM rate_limits \
         WHERE scope = 'guild' AND key = '1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        guild1_tat_ahead <= 120.0,
        "a refusal does not push the guild's cell further: {guild1_tat_ahead}"
    );
}

/// Two processes (two pools) on one database share one limit.
#[sqlx::test(migrations = "./migrations")]
async fn replicas_share_one_limit(_pool_opts: PgPoolOptions, connect: PgConnectOptions) {
    let replica = || async {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(connect.clone())
            .await
            .unwrap();
        PgStore::from_pool(pool).rate_limits(rate(1, 3), roomy())
    };
    let (a, b) = (replica().await, replica().await);
    assert_eq!(check(&a, 1, 7).await, RateDecision::Allowed);
    assert_eq!(check(&a, 1, 7).await, RateDecision::Allowed);
    assert_eq!(check(&b, 1, 7).await, RateDecision::Allowed);
    assert!(
        refused_in(check(&b, 1, 7).await).is_some(),
        "B sees A's two"
    );
    assert!(
        refused_in(check(&a, 1, 7).await).is_some(),
        "A sees B's one"
    );
}

#[sqlx::test(migrations = "./migrations")]
async fn concurrent_checks_admit_exactly_the_burst(
    _pool_opts: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect_with(connect.clone())
            .await
            .unwrap();
        replicas.push(PgStore::from_pool(pool).rate_limits(rate(1, 5), roomy()));
    }
    let checks = (0..20).map(|i| {
        let limits = replicas[i % 2].clone();
        tokio::spawn(async move { limits.check(GuildId(1), UserId(7)).await.unwrap() })
    });
    let decisions = futures::future::join_all(checks).await;
    let allowed = decisions
        .into_iter()
        .filter(|d| *d.as_ref().unwrap() == RateDecision::Allowed)
        .count();
    assert_eq!(allowed, 5);
}

#[sqlx::test(migrations = "./migrations")]
async fn the_retention_pass_drops_cells_back_to_full_capacity(pool: PgPool) {
    let store = PgStore::from_pool(pool.clone());
    let limits = store.rate_limits(rate(60, 3), rate(6, 60));
    check(&limits, 1, 7).await;
    check(&limits, 1, 8).await;
    // 7 and 8 each used one place (tat = now + 1 s), the guild two (now + 20 s).
    rewind_cells(&pool, 1.5).await;
    let report = store.retention_pass(400).await.unwrap();
    assert_eq!(report.rate_limits_pruned, 2, "both users, not the guild");
    let left: Vec<String> = sqlx::query_scalar("SELECT scope || ':' || key FROM rate_limits")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(left, ["guild:1"]);
    // A dropped cell is a full one.
    for _ in 0..3 {
        assert_eq!(check(&limits, 1, 7).await, RateDecision::Allowed);
    }
    assert_eq!(
        store.retention_pass(400).await.unwrap().rate_limits_pruned,
        0
    );
}

#[sqlx::test(migrations = "./migrations")]
async fn an_unreachable_shared_limiter_is_an_error_not_a_pass(pool: PgPool) {
    let store = PgStore::from_pool(pool);
    let limits = store.rate_limits(roomy(), roomy());
    store.close().await;
    let result = limits.check(GuildId(1), UserId(7)).await;
    assert!(result.is_err(), "{result:?}");
}

// ---------------------------------------------------------------- approvals

mod approvals {
    use super::*;
    use dlc_share_bot::share::{
        ApprovalId, ApprovalStatus, ApprovalStore, NewApproval, Opened, TargetId, Transition,
    };
    use dlc_share_bot::share::{Card, RequesterReply};

    const REQUESTER: u64 = 300;

    async fn open(store: &PgStore, id: &str, timeout: Duration) -> ApprovalId {
        let mut a = attempt(id);
        a.reason = Some("weekend run".into());
        let new = NewApproval {
            target_id: TargetId::parse("dlc-1").unwrap(),
            expiry: "2d".parse().unwrap(),
            timeout,
        };
        match store.open_approval(&a, &new).await.unwrap() {
            Opened::Started(approval) => {
                assert_eq!(approval.status, ApprovalStatus::Pending);
                assert_eq!(approval.requester, UserId(REQUESTER));
                approval.id
            }
            Opened::Replayed => panic!("replayed"),
        }
    }

    fn approver(n: u64) -> Actor {
        Actor::new((1_000 + n).to_string(), format!("approver-{n}"))
    }

    #[sqlx::test(migrations = "./migrations")]
    async fn a_request_and_its_row_open_together_once(pool: PgPool) {
        let store = PgStore::from_pool(pool.clone());
        open(&store, "13001", Duration::from_secs(3_600)).await;
        let row = fetch_row(&pool, "13001").await;
        assert_eq!(row.outcome, "pending_approval");
        assert_eq!(
            row.requested_expire_seconds,
            Some(3_600),
            "as the attempt said"
        );
        assert_eq!(row.reason.as_deref(), Some("weekend run"));
        let replay = store
            .open_approval(
                &attempt("13001"),
                &NewApproval {
                    target_id: TargetId::parse("dlc-1").unwrap(),
                    expiry: "2d".parse().unwrap(),
                    timeout: Duration::from_secs(60),
                },
            )
            .await
            .unwrap();
        assert_eq!(replay, Opened::Replayed);
        assert_eq!(count(&pool, "SELECT count(*) FROM approvals").await, 1);
    }

    /// Twenty approvers and deniers at once, over separate connections: one decision.
    #[sqlx::test(migrations = "./migrations")]
    async fn concurrent_decisions_make_exactly_one(pool: PgPool) {
        let store = PgStore::from_pool(pool.clone());
        for trial in 0..10 {
            let id = open(&store, &format!("1310{trial}"), Duration::from_secs(3_600)).await;
            let clicks = (0..20u64).map(|n| {
                let store = store.clone();
                async move {
                    store
                        .decide(id, n % 2 == 0, &approver(n), Duration::from_secs(3_600))
                        .await
                        .unwrap()
                }
            });
            let results = futures::future::join_all(clicks).await;
            let won: Vec<&Transition> = results
                .iter()
                .filter(|t| matches!(t, Transition::Won(_)))
                .collect();
            assert_eq!(won.len(), 1, "trial {trial}: {results:?}");
            assert!(
                results
                    .iter()
                    .all(|t| matches!(t, Transition::Won(_) | Transition::Lost(_)))
            );
            let Transition::Won(decided) = won[0] else {
                unreachable!()
            };
            let row = fetch_row(&pool, &format!("1310{trial}")).await;
            let expected = if decided.status == ApprovalStatus::Approved {
                "pending_approval"
            } else {
                "denied_approval"
            };
            assert_eq!(row.outcome, expected, "trial {trial}");
            assert_eq!(row.approved_by, decided.decided_by.map(|u| u.to_string()));
        }
    }

    /// Ten claims of one approved request at once: one wins, and only its row goes back to
    /// `pending` for GetToken.
    #[sqlx::test(migrations = "./migrations")]
    async fn concurrent_claims_let_one_through(pool: PgPool) {
        let store = PgStore::from_pool(pool.clone());
        let id = open(&store, "13201", Duration::from_secs(3_600)).await;
        assert!(
            matches!(
                store.claim(id, UserId(REQUESTER)).await.unwrap(),
                Transition::Lost(_)
            ),
            "not approved yet"
        );
        store
            .decide(id, true, &approver(1), Duration::from_secs(3_600))
            .await
            .unwrap();
        assert!(
            matches!(
                store.claim(id, UserId(999)).await.unwrap(),
                Transition::Lost(_)
            ),
            "someone else"
        );
        let claims = (0..10).map(|_| {
            let store = store.clone();
            async move { store.claim(id, UserId(REQUESTER)).await.unwrap() }
        });
        let results = futures::future::join_all(claims).await;
        let won = results
            .iter()
            .filter(|t| matches!(t, Transition::Won(_)))
            .count();
        assert_eq!(won, 1, "{results:?}");
        let row = fetch_row(&pool, "13201").await;
        assert_eq!((row.outcome.as_str(), row.completed_at), ("pending", None));
        assert_eq!(row.approved_by.as_deref(), Some("1001"));
        store
            .complete("13201", &issued("tok-claimed"))
            .await
            .unwrap();
        assert_eq!(fetch_row(&pool, "13201").await.outcome, "issued");
    }

    #[sqlx::test(migrations = "./migrations")]
    async fn approvals_expire_on_the_database_clock_once(pool: PgPool) {
        let store = PgStore::from_pool(pool.clone());
        let undecided = open(&store, "13301", Duration::from_secs(1)).await;
        let unclaimed = open(&store, "13302", Duration::from_secs(3_600)).await;
        let open_one = open(&store, "13303", Duration::from_secs(3_600)).await;
        store
            .decide(unclaimed, true, &approver(1), Duration::from_secs(1))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let late = store
            .decide(undecided, true, &approver(2), Duration::from_secs(60))
            .await
            .unwrap();
        assert!(matches!(late, Transition::Expired(_)), "{late:?}");
        let swept = store.expire_due().await.unwrap();
        assert_eq!(swept.iter().map(|a| a.id).collect::<Vec<_>>(), [unclaimed]);
        assert!(store.expire_due().await.unwrap().is_empty(), "once");
        let row = |id: &'static str| fetch_row(&pool, id);
        let (a, b, c) = (row("13301").await, row("13302").await, row("13303").await);
        assert_eq!(
            (a.outcome.as_str(), a.error_code.as_deref()),
            ("approval_expired", Some("not_decided"))
        );
        assert_eq!(
            (b.outcome.as_str(), b.error_code.as_deref()),
            ("approval_expired", Some("not_claimed"))
        );
        assert_eq!(c.outcome, "pending_approval");
        assert!(matches!(
            store.claim(unclaimed, UserId(REQUESTER)).await.unwrap(),
            Transition::Expired(_)
        ));
        let events = store.approval_events(unclaimed).await.unwrap();
        assert_eq!(events.last().unwrap().0, "expire");
        assert_eq!(
            store.approval(open_one).await.unwrap().unwrap().status,
            ApprovalStatus::Pending
        );
    }

    #[sqlx::test(migrations = "./migrations")]
    async fn the_requester_token_is_handed_out_once_and_a_cardless_request_ends(pool: PgPool) {
        let store = PgStore::from_pool(pool.clone());
        let id = open(&store, "13401", Duration::from_secs(3_600)).await;
        let card = Card {
            channel: ChannelId(77),
            message: 88,
            locale: Some("ja".to_owned()),
        };
        store
            .attach_card(
                id,
                &card,
                &RequesterReply {
                    token: SecretString::from("interaction-token-secret"),
                    locale: Some("zh-TW".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(store.card(id).await.unwrap(), Some(card.clone()));
        let found = store.take_decision_notice(id).await.unwrap();
        assert_eq!(found.card, Some(card));
        assert_eq!(found.requester_locale.as_deref(), Some("zh-TW"));
        assert_eq!(
            found
                .requester_token
                .map(|t| secrecy::ExposeSecret::expose_secret(&t).to_owned()),
            Some("interaction-token-secret".to_owned())
        );
        let again = store.take_decision_notice(id).await.unwrap();
        assert!(again.requester_token.is_none(), "cleared on first use");
        assert_eq!(
            again.requester_locale.as_deref(),
            Some("zh-TW"),
            "the language stays for the sweeper's edits"
        );

        let lost = open(&store, "13402", Duration::from_secs(3_600)).await;
        store.abandon(lost).await.unwrap();
        let row = fetch_row(&pool, "13402").await;
        assert_eq!(
            (row.outcome.as_str(), row.error_code.as_deref()),
            ("approval_expired", Some("card_not_posted"))
        );
    }

    /// Discord honours an interaction token for 15 minutes: past that the requester's is
    /// neither handed out nor kept.
    #[sqlx::test(migrations = "./migrations")]
    async fn the_requester_token_is_kept_only_while_discord_honours_it(pool: PgPool) {
        let store = PgStore::from_pool(pool.clone());
        let card = Card {
            channel: ChannelId(77),
            message: 88,
            locale: None,
        };
        let reply = RequesterReply {
            token: SecretString::from("interaction-token-secret"),
            locale: None,
        };
        let old = open(&store, "13501", Duration::from_secs(3_600)).await;
        let swept = open(&store, "13502", Duration::from_secs(3_600)).await;
        let fresh = open(&store, "13503", Duration::from_secs(3_600)).await;
        for id in [old, swept, fresh] {
            store.attach_card(id, &card, &reply).await.unwrap();
        }
        sqlx::query(
            "UPDATE approvals SET created_at = now() - interval '16 minutes' WHERE id = ANY($1)",
        )
        .bind(vec![old.0, swept.0])
        .execute(&pool)
        .await
        .unwrap();
        let found = store.take_decision_notice(old).await.unwrap();
        assert!(found.requester_token.is_none(), "too old to hand out");
        assert_eq!(found.card, Some(card));
        store.expire_due().await.unwrap();
        let kept: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM approvals WHERE requester_token IS NOT NULL ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(kept, [fresh.0], "the sweeper forgot the stale one");
    }

    /// An approval that no longer passes the guild's rules ends as `refused`, once, with its
    /// audit row closed as the refusal says and the first decider kept.
    #[sqlx::test(migrations = "./migrations")]
    async fn a_refusal_at_approval_or_claim_ends_the_approval_and_its_row(pool: PgPool) {
        let store = PgStore::from_pool(pool.clone());
        let approver = Actor::new("41", "approver");
        let at_approval = open(&store, "13601", Duration::from_secs(3_600)).await;
        let refused = store
            .refuse(
                at_approval,
                ApprovalStatus::Pending,
                &approver,
                AuditOutcome::InvalidInput,
                ErrorCode::InvalidExpiry,
            )
            .await
            .unwrap();
        assert!(
            matches!(&refused, Transition::Won(a) if a.status == ApprovalStatus::Refused && a.decided_by == Some(UserId(41))),
            "{refused:?}"
        );
        let row = fetch_row(&pool, "13601").await;
        assert_eq!(
            (row.outcome.as_str(), row.error_code.as_deref()),
            ("invalid_input", Some("invalid_expiry"))
        );
        let again = store
            .refuse(
                at_approval,
                ApprovalStatus::Pending,
                &approver,
                AuditOutcome::DeniedRole,
                ErrorCode::MissingRole,
            )
            .await
            .unwrap();
        assert!(matches!(again, Transition::Lost(_)), "{again:?}");

        let at_claim = open(&store, "13602", Duration::from_secs(3_600)).await;
        store
            .decide(at_claim, true, &approver, Duration::from_secs(3_600))
            .await
            .unwrap();
        let requester = Actor::new(REQUESTER.to_string(), "requester");
        let refused = store
            .refuse(
                at_claim,
                ApprovalStatus::Approved,
                &requester,
                AuditOutcome::DeniedRole,
                ErrorCode::MissingRole,
            )
            .await
            .unwrap();
        assert!(
            matches!(&refused, Transition::Won(a) if a.decided_by == Some(UserId(41))),
            "the approver stays the decider: {refused:?}"
        );
        let row = fetch_row(&pool, "13602").await;
        assert_eq!(
            (row.outcome.as_str(), row.error_code.as_deref()),
            ("denied_role", Some("missing_role"))
        );
        assert_eq!(row.approved_by.as_deref(), Some("41"));
        assert!(matches!(
            store.claim(at_claim, UserId(REQUESTER)).await.unwrap(),
            Transition::Lost(_)
        ));
    }
}
