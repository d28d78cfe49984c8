//! Cost of one shared rate-limit check (`ratelimit.backend = "postgres"`) against a
//! live PostgreSQL, one at a time on one connection: an allowed request (two statements, the
//! user's cell then the guild's) and one refused by its user cell (one statement). Not
//! criterion: the unit of work is a round trip to a server.
//!
//!     scripts/with-postgres.sh cargo bench --bench ratelimit_check
//!
//! RATELIMIT_CHECKS (default 5000) per kind. Without `--bench` it runs 100 as a smoke test.
//! The run uses a schema of its own, dropped afterwards.

use std::num::NonZeroU32;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use dlc_share_bot::config::DatabaseSettings;
use dlc_share_bot::share::ports::Limiter;
use dlc_share_bot::share::{GuildId, RateDecision, RateSpec, UserId};
use dlc_share_bot::store::{self, PgStore};
use secrecy::SecretString;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        println!(
            "ratelimit_check: DATABASE_URL is not set; skipped \
             (run: scripts/with-postgres.sh cargo bench --bench ratelimit_check)"
        );
        return ExitCode::SUCCESS;
    };
    let n = if std::env::args().any(|a| a == "--bench") {
        std::env::var("RATELIMIT_CHECKS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n: &u64| n > 0)
            .unwrap_or(5_000)
    } else {
        100
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(SecretString::from(url), n)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ratelimit_check: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: SecretString, n: u64) -> anyhow::Result<()> {
    let options = store::parse_database_url(&url)?;
    let schema = format!("ratelimit_check_{}", std::process::id());
    let mut admin = PgConnection::connect_with(&options).await?;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await?;
    let result = measure(&options, &schema, n).await;
    sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await?;
    result
}

fn spec(per_minute: u32, burst: u32) -> RateSpec {
    RateSpec {
        per_minute: NonZeroU32::new(per_minute).expect("non-zero"),
        burst: NonZeroU32::new(burst).expect("non-zero"),
    }
}

async fn measure(
    options: &sqlx::postgres::PgConnectOptions,
    schema: &str,
    n: u64,
) -> anyhow::Result<()> {
    let db = DatabaseSettings {
        max_connections: 1,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(5),
    };
    let pool = store::pool_options(&db)
        .connect_with(options.clone().options([("search_path", schema)]))
        .await?;
    let store = PgStore::from_pool(pool);
    store.migrate().await?;
    // Users get one place an hour; the guild never runs out.
    let limits = store.rate_limits(spec(1, 1), spec(u32::MAX / 2, 1_000_000));
    let guild = GuildId(1_100_000_000_000_000_001);

    // Warm the connection's statement cache.
    for u in 0..20 {
        limits.check(guild, UserId(u)).await?;
    }
    let timed = |label: &'static str, expect_allowed: bool| {
        let limits = limits.clone();
        async move {
            let started = Instant::now();
            for u in 0..n {
                let d = limits.check(guild, UserId(1_000 + u)).await?;
                anyhow::ensure!(
                    (d == RateDecision::Allowed) == expect_allowed,
                    "{label}: unexpected {d:?}"
                );
            }
            let per = started.elapsed().as_secs_f64() * 1e6 / n as f64;
            println!("ratelimit_check: {label}: {n} checks, {per:.0} µs per check");
            Ok::<_, anyhow::Error>(())
        }
    };
    timed("allowed (user + guild statements)", true).await?;
    timed("refused by the user cell (one statement)", false).await?;
    store.close().await;
    Ok(())
}
