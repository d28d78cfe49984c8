//! The running bot as operators see it: graceful shutdown with a share in flight, and logs at
//! TRACE that never contain a secret or a token.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::support;
use support::bot::{ALLOWED_ROLE, BotHarness, DISCORD_TOKEN, assert_says};
use support::discord::CommandInteraction;
use support::pai_dlc::{AK_SECRET, Behavior, STS_TOKEN};

fn share(id: &str) -> CommandInteraction {
    CommandInteraction::share("job")
        .option_str("id", id)
        .roles([ALLOWED_ROLE])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_share_in_flight_then_exits_zero() {
    let mut h = BotHarness::start(
        "life_sigterm",
        &[
            ("DLCSHARE_ALIYUN__DEADLINE", "10s"),
            ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "5s"),
        ],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;
    h.pai_dlc
        .set_default(Behavior::Slow(Duration::from_millis(3_000)));

    let in_flight = h
        .discord
        .send_interaction(share("dlc-inflight").build())
        .await;
    h.pai_dlc.wait_for_a_request().await;
    h.sigterm_acknowledged().await;
    assert!(h.pai_dlc.issued_tokens().is_empty(), "still in flight");

    // New work is turned away politely while the in-flight share finishes.
    let late = h.discord.send_interaction(share("dlc-late").build()).await;
    let late_reply = h
        .discord
        .wait_for_reply(&late, Duration::from_secs(10))
        .await
        .expect("answered");
    assert!(late_reply.is_ephemeral());
    assert_says(&late_reply, "restarting");

    let reply = h
        .discord
        .wait_for_reply(&in_flight, Duration::from_secs(10))
        .await
        .expect("answered");
    assert_says(&reply, "Here is your share link");

    let status = tokio::task::block_in_place(|| h.terminate_wait());
    assert_eq!(status.code(), Some(0), "log:\n{}", h.logs());
    assert_eq!(h.audit_row(&in_flight).await["outcome"], "issued");
    // The turned-away request is audited too, and never reached GetToken.
    assert_eq!(h.audit_outcomes().await.len(), 2);
    let row = h.audit_row(&late).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("internal_error"), Some("shutting_down"))
    );
    assert_eq!(h.pai_dlc.arrivals(), 1);
    assert_eq!(h.sessions_left_after_exit().await, 0, "the pool was closed");
}

/// Discord unreachable (the gateway drops every connection, the bot keeps reconnecting):
/// SIGTERM still ends the process, with exit 0, within the drain bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_exits_zero_while_the_gateway_cannot_connect() {
    let mut h = BotHarness::start("life_no_gateway", &[]).await;
    let identified = h.discord.identify_count();
    h.discord.refuse_gateway().await;
    // Until serenity has given up on its shard and queued it for a restart: then no shard
    // runs, and serenity's own shutdown does nothing.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !h.logs().contains("Err starting shard") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the shard was never restarted; log:\n{}",
            h.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let bound = dlc_share_bot::app::DRAIN_BOUND + Duration::from_secs(5);
    let status = h.terminate_within(bound).await;
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "still running {bound:?} after SIGTERM, or a failure exit; log:\n{}",
        h.logs()
    );
    assert_eq!(
        h.discord.identify_count(),
        identified,
        "it never got back in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_never_contain_secrets_or_tokens() {
    logs_never_contain_secrets_or_tokens("life_logs", "trace").await;
}

/// Per-target directives are more specific than the caps; they must not lift them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_target_trace_directives_do_not_lift_the_secret_caps() {
    logs_never_contain_secrets_or_tokens(
        "life_logs_targets",
        "debug,serenity::http=trace,serenity::gateway=trace,tungstenite::protocol=trace",
    )
    .await;
}

/// Runs shares that succeed, fail upstream and fail on the database under `rust_log`, then
/// looks for every secret and token, also as byte lists and hex, in the logs.
async fn logs_never_contain_secrets_or_tokens(name: &str, rust_log: &str) {
    let env = [
        ("RUST_LOG", rust_log),
        ("DLCSHARE_LOG__FORMAT", "json"),
        ("DLCSHARE_DATABASE__ACQUIRE_TIMEOUT", "1s"),
        ("DLCSHARE_RATELIMIT__USER_BURST", "10"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN),
    ];
    let h = BotHarness::start(name, &env).await;
    h.allow_role(ALLOWED_ROLE).await;

    let interactions = [
        share("dlc-log-ok").build(),
        share("dlc-log-403").build(),
        share("dlc-log-db").build(),
    ];
    let interaction_tokens: Vec<String> = interactions
        .iter()
        .map(|i| i["token"].as_str().unwrap().to_owned())
        .collect();
    let [ok_share, forbidden_share, db_share] = interactions;
    let (ok, reply) = h.ask(ok_share).await;
    assert_says(&reply, "Here is your share link");
    h.pai_dlc.script([Behavior::Error {
        status: 403,
        code: "Forbidden.RAM",
    }]);
    let (_, reply) = h.ask(forbidden_share).await;
    assert_says(&reply, "Forbidden.RAM");
    h.db.take_offline().await;
    let (_, reply) = h.ask(db_share).await;
    assert_says(&reply, "cannot write to its audit log");
    h.db.bring_online().await;

    let logs = h.logs();
    let json_lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(json_lines.len() > 50, "RUST_LOG={rust_log} produced logs");
    let answered = json_lines
        .iter()
        .find(|l| {
            l["message"] == "interaction answered" && l["span"]["interaction_id"] == ok.as_str()
        })
        .unwrap_or_else(|| panic!("no span-carrying line for {ok}"));
    assert_eq!(answered["span"]["command"], "share job", "{answered}");
    assert!(
        answered["span"]["user_id"].is_string() && answered["span"]["guild_id"].is_string(),
        "{answered}"
    );
    let tokens = h.pai_dlc.issued_tokens();
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        h.pai_dlc.seen()[0]
            .headers
            .get("x-acs-security-token")
            .map(String::as_str),
        Some(STS_TOKEN),
        "the STS token was in use"
    );
    let mut secrets = vec![
        ("issued token", tokens[0].as_str()),
        ("AccessKey secret", AK_SECRET),
        ("STS token", STS_TOKEN),
        ("Discord token", DISCORD_TOKEN),
        (
            "Discord token body",
            DISCORD_TOKEN.split('.').next_back().unwrap(),
        ),
    ];
    secrets.extend(
        interaction_tokens
            .iter()
            .map(|t| ("interaction token", t.as_str())),
    );
    for (what, secret) in secrets {
        // Also as the byte lists and hex that `Debug` of raw buffers would print.
        let bytes = secret
            .bytes()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        for form in [secret.to_owned(), bytes, hex::encode(secret)] {
            if let Some(line) = logs.lines().find(|l| l.contains(&form)) {
                panic!("the {what} leaked into the logs as {form:?}: {line}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_endpoints_follow_the_running_bot() {
    let h = BotHarness::start("life_ops", &[("DLCSHARE_DATABASE__ACQUIRE_TIMEOUT", "1s")]).await;
    assert_eq!(h.ops_get("/healthz").await.0, 200);
    let (status, body) = h.ops_get("/readyz").await;
    assert_eq!(status, 200, "{body}");

    h.allow_role(ALLOWED_ROLE).await;
    let (_, reply) = h.ask(share("dlc-metrics").build()).await;
    assert_says(&reply, "Here is your share link");
    let (_, metrics) = h.ops_get("/metrics").await;
    assert!(
        metrics.contains(r#"dlcshare_interactions_total{command="share job",outcome="issued"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("dlcshare_gettoken_seconds_bucket"),
        "{metrics}"
    );

    h.db.take_offline().await;
    let (status, body) = h.ops_get("/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("database"), "{body}");
    assert!(!body.contains(&h.db.url), "no connection URL in {body}");
    h.db.bring_online().await;
}

/// Under `ulimit -n 1024`, a pile of half-sent requests neither exhausts the bot's
/// descriptors nor silences `/healthz`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_under_a_low_fd_limit_with_half_open_connections_piled_up() {
    const NOFILE: u64 = 1024;
    const PILED: usize = 1_100;
    // Open connections the bot may hold besides the capped operations ones (gateway, pool,
    // GetToken, log, epoll, ...).
    const OTHER_FDS: usize = 100;
    support::rlimit::raise_own_nofile(PILED as u64 + 256);
    let h = BotHarness::start_limited(
        "life_fds",
        &[("DLCSHARE_DATABASE__ACQUIRE_TIMEOUT", "2s")],
        NOFILE,
    )
    .await;
    let addr: SocketAddr = h.http_addr.parse().expect("the ops address");
    assert!(addr.ip().is_loopback(), "{addr}");

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut piled = Vec::with_capacity(PILED);
    for i in 0..PILED {
        assert!(Instant::now() < deadline, "only {i} connections in 60 s");
        let mut stream = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .unwrap_or_else(|_| panic!("connection {i} not accepted within 5 s"))
            .expect("connect");
        // The server may already have closed an old one; only the pile matters.
        let _ = stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await;
        piled.push(stream);
    }

    let answered = tokio::time::timeout(Duration::from_secs(5), h.ops_get("/healthz")).await;
    assert_eq!(
        answered.expect("/healthz within 5 s").0,
        200,
        "log:\n{}",
        h.logs()
    );
    let fds = std::fs::read_dir(format!("/proc/{}/fd", h.pid()))
        .expect("the bot's /proc/<pid>/fd")
        .count();
    assert!(
        fds <= dlc_share_bot::http::MAX_CONNECTIONS + OTHER_FDS,
        "the bot holds {fds} descriptors"
    );
    // The rest of the bot still has descriptors to work with.
    let (status, body) = h.ops_get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    drop(piled);
}
