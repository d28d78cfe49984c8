//! Load harness (not a test): drives interactions through the local Discord-compatible server
//! into the real bot binary, against the local GetToken endpoint and a real PostgreSQL, and
//! reports sustained throughput, dispatch→final-reply latency, the bot's peak RSS and the
//! bot's CPU time per interaction (user + system, from `/proc/<pid>/stat`, summed over the
//! replicas in HTTP mode, counted from the end of the warm-up to the last answer).
//!
//!     scripts/with-postgres.sh cargo bench --bench load
//!
//! Knobs: LOAD_RATE (interactions/s, default 400), LOAD_SECONDS (default 10), LOAD_MODE
//! (`gateway`, default, or `http`: two replicas on one database, deliveries alternating between
//! them), LOAD_GETTOKEN_MS (GetToken answers after this long; default instant) and
//! LOAD_MAX_IN_FLIGHT (`share.max_in_flight`; default the shipped 256) for a shedding run, and
//! LOAD_RUNTIME (`runtime.flavor` of the bot: `multi_thread`, the shipped default, or
//! `current_thread`), LOAD_BOT_BINARY (gateway mode: another build of the bot in its place,
//! e.g. an earlier release, for before/after figures), LOAD_FLOOR_BINARY (gateway mode:
//! `examples/stack_floor.rs`, the stack's floor, which checks no role) and LOAD_LOOKUP=1 (the
//! bot looks every job up with GetJob before sharing it, as shipped; every share then names a
//! job of the stand-in's catalogue, since an unknown id is refused).

use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use dlc_share_stand_ins::bot::{ALLOWED_ROLE, BotHarness};
use dlc_share_stand_ins::discord::CommandInteraction;
use dlc_share_stand_ins::pai_dlc::{Behavior, Operation};

/// The bot as Cargo built it for this bench.
const BOT: &str = env!("CARGO_BIN_EXE_dlc-share-bot");

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// VmHWM: the bot process's peak resident set size, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// utime + stime of a process, in seconds (`/proc/<pid>/stat` fields 14 and 15, in clock
/// ticks of `sysconf(_SC_CLK_TCK)`).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_ascii_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    Some((utime + stime) as f64 / ticks.max(1) as f64)
}

/// CPU seconds of all the bot processes together.
fn bot_cpu_seconds(pids: &[u32]) -> Option<f64> {
    pids.iter().map(|p| cpu_seconds(*p)).sum()
}

/// Delivers `count` shares at `rate`: over the gateway, or (with `endpoints`) by signed HTTP
/// POSTs alternating between the endpoints, each POST in its own task as Discord sends them.
async fn drive(
    h: &BotHarness,
    endpoints: &[String],
    rate: u64,
    count: u64,
    user_base: u64,
    job: Option<&str>,
) -> (Vec<String>, Instant) {
    let mut ids = Vec::with_capacity(count as usize);
    let mut posts = FuturesUnordered::new();
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    for n in 0..count {
        // Keep the POSTs in flight moving while waiting for the next tick.
        loop {
            tokio::select! {
                _ = tick.tick() => break,
                Some(_) = posts.next(), if !posts.is_empty() => {}
            }
        }
        let interaction = CommandInteraction::share("job")
            .option_str(
                "id",
                &job.map_or_else(|| format!("dlc-load-{n}"), str::to_owned),
            )
            .option_str("expiry", "1h")
            .roles([ALLOWED_ROLE])
            .user(user_base + n, &format!("member{n}"))
            .build();
        if endpoints.is_empty() {
            ids.push(h.discord.send_interaction(interaction).await);
        } else {
            ids.push(interaction["id"].as_str().expect("id").to_owned());
            let endpoint = endpoints[n as usize % endpoints.len()].as_str();
            posts.push(h.discord.deliver(endpoint, interaction));
        }
    }
    while posts.next().await.is_some() {}
    (ids, started)
}

/// `(acknowledged, answered)` latencies of the interactions answered within `bound`.
async fn wait_all(h: &BotHarness, ids: &[String], bound: Duration) -> Vec<(Duration, Duration)> {
    let deadline = Instant::now() + bound;
    loop {
        let done = h.discord.answer_latencies(ids);
        if done.len() == ids.len() || Instant::now() > deadline {
            return done;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn main() {
    if std::env::var_os("DATABASE_URL").is_none() {
        println!(
            "load: DATABASE_URL is not set; run `scripts/with-postgres.sh cargo bench --bench load`"
        );
        return;
    }
    let rate = env_num("LOAD_RATE", 400).max(1);
    let seconds = env_num("LOAD_SECONDS", 10).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let http = std::env::var("LOAD_MODE").is_ok_and(|m| m == "http");
        let max_in_flight = env_num("LOAD_MAX_IN_FLIGHT", 256).to_string();
        let flavor = std::env::var("LOAD_RUNTIME").unwrap_or_else(|_| "multi_thread".into());
        let lookup = std::env::var("LOAD_LOOKUP").is_ok_and(|l| l == "1");
        let job = lookup.then_some("dlc-vision-resnet");
        let env = [
            ("DLCSHARE_ALIYUN__LOOKUP", if lookup { "true" } else { "false" }),
            ("RUST_LOG", "warn"),
            ("DLCSHARE_RUNTIME__FLAVOR", flavor.as_str()),
            ("DLCSHARE_RATELIMIT__GUILD_PER_MINUTE", "1000000"),
            ("DLCSHARE_RATELIMIT__GUILD_BURST", "100000"),
            ("DLCSHARE_SHARE__MAX_IN_FLIGHT", max_in_flight.as_str()),
        ];
        // Absolute: the bot runs in a directory of its own.
        let floor = std::env::var_os("LOAD_FLOOR_BINARY").is_some();
        let binary = std::env::var_os("LOAD_FLOOR_BINARY")
            .or_else(|| std::env::var_os("LOAD_BOT_BINARY"))
            .map(|b| std::fs::canonicalize(b).expect("LOAD_BOT_BINARY or LOAD_FLOOR_BINARY"));
        if let Some(b) = &binary {
            println!("load: {} in the bot's place", b.display());
        }
        let mut h = match (http, binary) {
            (true, None) => BotHarness::start_http(Path::new(BOT), "load", &env).await,
            (false, None) => BotHarness::start(Path::new(BOT), "load", &env).await,
            (false, Some(binary)) => BotHarness::start(&binary, "load", &env).await,
            (true, Some(_)) => panic!("LOAD_BOT_BINARY and LOAD_FLOOR_BINARY are for gateway mode"),
        };
        let endpoints = if http {
            let second = h.add_replica(&env).await;
            vec![h.endpoint().to_owned(), second]
        } else {
            Vec::new()
        };
        // The floor checks no role, and has no `/share-admin` to be told of one.
        if !floor {
            h.allow_role(ALLOWED_ROLE).await;
        }

        let (warm, _) = drive(&h, &endpoints, 200, 200, 1_000_000, job).await;
        let warmed = wait_all(&h, &warm, Duration::from_secs(30)).await;
        assert_eq!(warmed.len(), warm.len(), "warm-up answered");

        let slow_ms = env_num("LOAD_GETTOKEN_MS", 0);
        if slow_ms > 0 {
            h.pai_dlc.set_default(Behavior::Slow(Duration::from_millis(slow_ms)));
        }
        let count = rate * seconds;
        let mut pids = vec![h.pid()];
        pids.extend(h.replica_pids());
        let cpu_before = bot_cpu_seconds(&pids);
        let (ids, started) = drive(&h, &endpoints, rate, count, 2_000_000, job).await;
        let sent_in = started.elapsed();
        let both = wait_all(&h, &ids, Duration::from_secs(60)).await;
        let total = started.elapsed();
        let cpu_after = bot_cpu_seconds(&pids);
        let answered = both.len();
        let mut acks: Vec<Duration> = both.iter().map(|(a, _)| *a).collect();
        let mut latencies: Vec<Duration> = both.iter().map(|(_, f)| *f).collect();
        acks.sort();
        latencies.sort();
        let rows: (i64,) = sqlx::query_as("SELECT count(*) FROM audit_log WHERE outcome = 'issued'")
            .fetch_one(&h.pool)
            .await
            .expect("count audit rows");
        let shed: (i64,) = sqlx::query_as(
            "SELECT count(*) FROM audit_log WHERE outcome = 'rate_limited' AND error_code = 'overloaded'",
        )
        .fetch_one(&h.pool)
        .await
        .expect("count shed rows");
        let rss = peak_rss_kib(h.pid());
        let replica_rss: Vec<Option<u64>> = h.replica_pids().into_iter().map(peak_rss_kib).collect();

        let mode = if http { "http, 2 replicas" } else { "gateway" };
        println!("load: mode {mode}; runtime {flavor}; look-up {}; GetToken delay {slow_ms} ms; share.max_in_flight {max_in_flight}", if lookup { "on" } else { "off" });
        println!("load: offered {count} interactions at {rate}/s over {:.2}s", sent_in.as_secs_f64());
        println!("load: answered busy (audited rate_limited/overloaded): {}", shed.0);
        println!(
            "load: upstream calls: GetJob {}, GetToken {}",
            h.pai_dlc.calls(Operation::GetJob),
            h.pai_dlc.calls(Operation::GetToken)
        );
        println!("load: answered {answered}/{count}; audited as issued: {} (incl. {} warm-up)", rows.0, warm.len());
        // Conservative: `total` runs until the poll that saw the last answer.
        println!(
            "load: sustained throughput {:.0} interactions/s ({answered} answered in {:.2}s from the first dispatch)",
            answered as f64 / total.as_secs_f64(),
            total.as_secs_f64()
        );
        if !latencies.is_empty() {
            println!(
                "load: dispatch→deferral p50 {:.1} ms, p99 {:.1} ms",
                percentile(&acks, 0.50).as_secs_f64() * 1e3,
                percentile(&acks, 0.99).as_secs_f64() * 1e3,
            );
            println!(
                "load: dispatch→final reply p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                percentile(&latencies, 0.50).as_secs_f64() * 1e3,
                percentile(&latencies, 0.99).as_secs_f64() * 1e3,
                latencies.last().unwrap().as_secs_f64() * 1e3
            );
        }
        if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
            let cpu = after - before;
            println!(
                "load: bot CPU {:.2} s (user+system) for {answered} answered: {:.3} ms per interaction",
                cpu,
                cpu * 1e3 / answered.max(1) as f64
            );
        }
        let logs = h.logs();
        let warnings: Vec<&str> = logs.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).collect();
        println!("load: bot logged {} warnings/errors", warnings.len());
        for w in warnings.iter().take(3) {
            println!("load:   {w}");
        }
        match rss {
            Some(kib) => println!("load: bot peak RSS {:.1} MiB", kib as f64 / 1024.0),
            None => println!("load: bot peak RSS unavailable (no /proc)"),
        }
        for (i, kib) in replica_rss.iter().enumerate() {
            if let Some(kib) = kib {
                println!("load: replica {} peak RSS {:.1} MiB", i + 2, *kib as f64 / 1024.0);
            }
        }
    });
}
