//! Load harness for the write-ahead audit path: N pairs of `begin` (insert pending) and
//! `complete` (update to issued) through the pool at concurrency C, against a live PostgreSQL.
//! Not criterion: the unit of work is a round trip to a server, measured under concurrency.
//!
//!     scripts/with-postgres.sh cargo bench --bench audit_pairs
//!
//! Tunables: AUDIT_PAIRS (default 20000), AUDIT_PAIRS_CONCURRENCY (16), AUDIT_PAIRS_SECONDS
//! (time bound, 120). Without `--bench` (e.g. `cargo test --benches`) it runs a 200-pair smoke
//! test. The run uses a schema of its own, dropped afterwards, so it never touches real rows.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dlc_share_bot::config::DatabaseSettings;
use dlc_share_bot::share::ports::{
    AuditAttempt, AuditBegin, AuditCompletion, AuditLog, AuditOutcome,
};
use dlc_share_bot::share::{ChannelId, GuildId, TargetType};
use dlc_share_bot::store::{self, PgStore};
use secrecy::SecretString;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The target on the 2-core machine.
const TARGET_PAIRS_PER_SEC: f64 = 2_000.0;

struct Plan {
    /// `bench` for a measured run, `smoke` for the quick check under `cargo test`.
    mode: &'static str,
    pairs: usize,
    concurrency: usize,
    time_bound: Duration,
}

impl Plan {
    fn from_env(full: bool) -> Plan {
        let var = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|&n| n > 0)
                .unwrap_or(default)
        };
        if full {
            Plan {
                mode: "bench",
                pairs: var("AUDIT_PAIRS", 20_000),
                concurrency: var("AUDIT_PAIRS_CONCURRENCY", 16),
                time_bound: Duration::from_secs(var("AUDIT_PAIRS_SECONDS", 120) as u64),
            }
        } else {
            Plan {
                mode: "smoke",
                pairs: 200,
                concurrency: 4,
                time_bound: Duration::from_secs(30),
            }
        }
    }
}

fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        println!(
            "audit_pairs: DATABASE_URL is not set; skipped \
             (run: scripts/with-postgres.sh cargo bench --bench audit_pairs)"
        );
        return ExitCode::SUCCESS;
    };
    let plan = Plan::from_env(std::env::args().any(|a| a == "--bench"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(SecretString::from(url), plan)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("audit_pairs: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: SecretString, plan: Plan) -> anyhow::Result<()> {
    let options = store::parse_database_url(&url)?;
    let schema = format!("audit_pairs_{}", std::process::id());
    let mut admin = PgConnection::connect_with(&options).await?;
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await?;
    let result = measure(&options, &schema, &plan).await;
    sqlx::raw_sql(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await?;
    result
}

async fn measure(
    options: &sqlx::postgres::PgConnectOptions,
    schema: &str,
    plan: &Plan,
) -> anyhow::Result<()> {
    // The bot's own pool settings, sized to the concurrency.
    let db = DatabaseSettings {
        max_connections: plan.concurrency as u32,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(5),
    };
    let pool = store::pool_options(&db)
        .min_connections(plan.concurrency as u32)
        .connect_with(options.clone().options([("search_path", schema)]))
        .await?;
    let store = PgStore::from_pool(pool);
    store.migrate().await?;

    // Warm every connection's statement cache before the clock starts.
    let warmup = plan.concurrency * 8;
    drive(&store, "warm", warmup, plan.concurrency, plan.time_bound).await?;

    let started = Instant::now();
    let mut latencies = drive(&store, "run", plan.pairs, plan.concurrency, plan.time_bound).await?;
    let elapsed = started.elapsed();

    let issued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE outcome = 'issued' AND interaction_id LIKE 'run-%'",
    )
    .fetch_one(store.pool())
    .await?;
    anyhow::ensure!(
        issued as usize == latencies.len(),
        "{issued} rows issued for {} pairs",
        latencies.len()
    );
    store.close().await;

    latencies.sort_unstable();
    let done = latencies.len();
    let rate = done as f64 / elapsed.as_secs_f64();
    println!(
        "audit_pairs ({}): {done} write-ahead pairs (of {}) at concurrency {} in {:.2} s: \
         {rate:.0} pairs/s (target >= {TARGET_PAIRS_PER_SEC:.0}); pair latency p50 {}, p99 {}, max {}",
        plan.mode,
        plan.pairs,
        plan.concurrency,
        elapsed.as_secs_f64(),
        fmt_latency(percentile(&latencies, 0.50)),
        fmt_latency(percentile(&latencies, 0.99)),
        fmt_latency(latencies.last().copied().unwrap_or_default()),
    );
    if done < plan.pairs {
        println!(
            "audit_pairs: stopped at the {:?} time bound",
            plan.time_bound
        );
    }
    Ok(())
}

/// Runs up to `pairs` begin+complete pairs on `concurrency` tasks, stopping early at
/// `time_bound`; returns each pair's latency in microseconds.
async fn drive(
    store: &PgStore,
    prefix: &'static str,
    pairs: usize,
    concurrency: usize,
    time_bound: Duration,
) -> anyhow::Result<Vec<u32>> {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + time_bound;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let store = store.clone();
            let next = next.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(pairs / concurrency + 1);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= pairs || Instant::now() >= deadline {
                        return Ok::<_, anyhow::Error>(latencies);
                    }
                    let t0 = Instant::now();
                    one_pair(&store, &format!("{prefix}-{i}")).await?;
                    latencies.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(pairs);
    for w in workers {
        all.extend(w.await??);
    }
    Ok(all)
}

async fn one_pair(store: &PgStore, interaction_id: &str) -> anyhow::Result<()> {
    let attempt = AuditAttempt {
        interaction_id: interaction_id.to_owned(),
        guild_id: Some(GuildId(1_100_000_000_000_000_001)),
        channel_id: Some(ChannelId(1_100_000_000_000_000_002)),
        user_id: "1100000000000000003".into(),
        user_name: "bench user".into(),
        target_type: TargetType::Job,
        target_id: "dlc-bench-0123456789".into(),
        requested_expire_seconds: Some(3_600),
        expire_seconds: Some(3_600),
        reason: Some("bench".into()),
        target_name: Some("bench job".into()),
        workspace_id: Some("1001".into()),
    };
    anyhow::ensure!(
        store.begin(&attempt).await? == AuditBegin::Started,
        "{interaction_id} replayed"
    );
    let completion = AuditCompletion {
        outcome: AuditOutcome::Issued,
        error_code: None,
        request_id: Some("3F0E1D2C-BENCH".into()),
        latency_ms: 120,
        token_sha256: Some("0".repeat(64)),
        expire_seconds: None,
    };
    store.complete(interaction_id, &completion).await?;
    Ok(())
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn fmt_latency(micros: u32) -> String {
    format!("{:.2} ms", f64::from(micros) / 1_000.0)
}
