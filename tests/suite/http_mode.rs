//! HTTP interactions mode: the real bot binary with `discord.mode = "http"`,
//! interactions signed and POSTed by the Discord test server, the first answer in the HTTP
//! response, the final answer over REST.

use std::time::Duration;

use serde_json::json;

use crate::support;
use support::bot::{ALLOWED_ROLE, BotHarness, assert_says};
use support::discord::{CommandInteraction, EPHEMERAL, MANAGE_GUILD, Probe};
use support::pai_dlc::{Behavior, PaiDlcServer};

/// Takes the `focused` mark off every option of an interaction's payload.
fn unfocus(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("focused");
            map.values_mut().for_each(unfocus);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(unfocus),
        _ => {}
    }
}

fn share(id: &str) -> CommandInteraction {
    CommandInteraction::share("job")
        .option_str("id", id)
        .roles([ALLOWED_ROLE])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_signed_fresh_small_requests_are_taken_and_nothing_else_leaves_a_trace() {
    let h = BotHarness::start_http("http_probes", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    let before = h.audit_outcomes().await;
    let endpoint = h.endpoint();

    let (status, body) = h
        .discord
        .deliver(
            endpoint,
            json!({"type": 1, "id": "1180000000000000111", "application_id": "1", "token": "t", "version": 1}),
        )
        .await;
    assert_eq!((status, body), (200, json!({"type": 1})));
    assert_eq!(h.discord.probe(endpoint, Probe::Ping).await, 200);

    for (probe, expected) in [
        (Probe::BadSignature, 401),
        (Probe::Timestamp(-360), 401),
        (Probe::Timestamp(360), 401),
        (Probe::TamperedBody, 401),
        (Probe::MissingHeaders, 401),
        (Probe::Oversized, 413),
        (Probe::UnknownType, 400),
    ] {
        assert_eq!(
            h.discord.probe(endpoint, probe).await,
            expected,
            "{probe:?}"
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.audit_outcomes().await, before, "no probe was audited");
    assert_eq!(h.pai_dlc.arrivals(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_is_deferred_inline_and_answered_by_a_rest_edit() {
    let h = BotHarness::start_http("http_share", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;

    let (id, response, reply) = h.ask_http(share("dlc1a2b3c4d5e6f").build()).await;
    assert_eq!(response, json!({"type": 5, "data": {"flags": EPHEMERAL}}));
    assert_eq!(
        reply.callbacks.len(),
        1,
        "the HTTP response was the only acknowledgement"
    );
    assert!(
        !h.discord.requests().iter().any(|r| r.contains("/callback")),
        "no REST callback in HTTP mode: {:?}",
        h.discord.requests()
    );
    let tokens = h.pai_dlc.issued_tokens();
    assert_eq!(tokens.len(), 1);
    assert_says(&reply, &PaiDlcServer::in_link(&tokens[0]));
    assert_says(&reply, "dlc1a2b3c4d5e6f");
    assert_eq!(h.audit_row(&id).await["outcome"], "issued");

    // Each member is answered in their language here too.
    let (_, _, ja) = h
        .ask_http(
            share("dlc-ja")
                .option_str("expiry", "2時間")
                .locale("ja")
                .build(),
        )
        .await;
    assert_says(&ja, "共有リンクはこちらです");
    assert_says(&ja, "2 時間");
    let (_, _, refused) = h
        .ask_http(
            CommandInteraction::share("job")
                .option_str("id", "dlc-tw")
                .locale("zh-TW")
                .build(),
        )
        .await;
    assert_says(&refused, "您的身分組都未獲准分享");

    // Autocomplete is answered inline too, with choices.
    let typing = CommandInteraction::share("job")
        .option_str("id", "dlc-x")
        .roles([ALLOWED_ROLE])
        .autocomplete("expiry")
        .build();
    let typing_id = typing["id"].as_str().unwrap().to_owned();
    let (status, body) = h.deliver(typing).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], 8, "{body}");
    let choices = body["data"]["choices"].as_array().expect("choices");
    assert!(!choices.is_empty(), "{body}");
    assert_eq!(h.discord.replies(&typing_id).choices().len(), choices.len());

    // One that marks no option as focused (Discord always marks one) still gets an answer:
    // no choices, rather than an error the member would see.
    let mut unfocused = CommandInteraction::share("job")
        .option_str("id", "dlc-x")
        .roles([ALLOWED_ROLE])
        .autocomplete("expiry")
        .build();
    unfocus(&mut unfocused);
    let (status, body) = h.deliver(unfocused).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], 8, "{body}");
    assert_eq!(body["data"]["choices"], serde_json::json!([]), "{body}");

    // An admin command.
    let (_, _, listed) = h
        .ask_http(
            CommandInteraction::admin(Some("roles"), "list")
                .permissions(MANAGE_GUILD)
                .build(),
        )
        .await;
    assert_says(&listed, &ALLOWED_ROLE.to_string());
    assert!(
        h.discord.unexpected_requests().is_empty(),
        "{:?}",
        h.discord.unexpected_requests()
    );
    let (status, ready) = h.ops_get("/readyz").await;
    assert_eq!((status, ready.trim()), (200, "ready"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_key_is_the_applications_unless_configured_and_a_wrong_one_refuses_all() {
    // Unset: read from GET /applications/@me (verify_key) — the deliveries above and here verify.
    let h = BotHarness::start_http("http_key_default", &[]).await;
    assert!(
        h.discord
            .requests()
            .iter()
            .any(|r| r == "GET /api/v10/applications/@me"
                || r.starts_with("GET /api/v10/oauth2/applications/@me")),
        "{:?}",
        h.discord.requests()
    );
    assert_eq!(h.discord.probe(h.endpoint(), Probe::Ping).await, 200);
    let right = h.discord.public_key_hex();
    drop(h);

    // The right key configured explicitly works the same.
    let h = BotHarness::start_http(
        "http_key_right",
        &[("DLCSHARE_DISCORD__PUBLIC_KEY", right.as_str())],
    )
    .await;
    assert_eq!(h.discord.probe(h.endpoint(), Probe::Ping).await, 200);
    drop(h);

    // Another application's key: every delivery is refused, nothing is done.
    let wrong = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let h =
        BotHarness::start_http("http_key_wrong", &[("DLCSHARE_DISCORD__PUBLIC_KEY", wrong)]).await;
    assert_eq!(h.discord.probe(h.endpoint(), Probe::Ping).await, 401);
    let (status, _) = h.deliver(share("dlc-abc").build()).await;
    assert_eq!(status, 401);
    assert!(h.audit_outcomes().await.is_empty());
    assert_eq!(h.pai_dlc.arrivals(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_user_limit_holds_across_replicas_with_the_postgres_backend() {
    let env = [
        ("DLCSHARE_RATELIMIT__BACKEND", "postgres"),
        ("DLCSHARE_RATELIMIT__USER_BURST", "2"),
        ("DLCSHARE_RATELIMIT__USER_PER_MINUTE", "2"),
    ];
    let mut h = BotHarness::start_http("http_shared_limit", &env).await;
    let second = h.add_replica(&env).await;
    h.allow_role(ALLOWED_ROLE).await;
    let first = h.endpoint().to_owned();
    // One member, alternating replicas: each replica alone would allow a burst of 2.
    let mut outcomes = Vec::new();
    for (n, endpoint) in [&first, &second, &first, &second].into_iter().enumerate() {
        let interaction = share(&format!("dlc-limit-{n}")).build();
        let id = interaction["id"].as_str().unwrap().to_owned();
        let (status, _) = h.discord.deliver(endpoint, interaction).await;
        assert_eq!(status, 200);
        let reply = h
            .discord
            .wait_for_reply(&id, support::bot::REPLY_TIMEOUT)
            .await
            .expect("answered");
        outcomes.push((
            h.audit_row(&id).await["outcome"].clone(),
            reply.final_content(),
        ));
    }
    let labels: Vec<&str> = outcomes.iter().map(|(o, _)| o.as_str().unwrap()).collect();
    assert_eq!(
        labels,
        ["issued", "issued", "rate_limited", "rate_limited"],
        "{outcomes:?}"
    );
    assert!(outcomes[3].1.contains("Try again"), "{}", outcomes[3].1);
    assert_eq!(h.pai_dlc.issued_tokens().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_max_in_flight_the_http_response_itself_says_busy() {
    let h = BotHarness::start_http(
        "http_shed",
        &[
            ("DLCSHARE_SHARE__MAX_IN_FLIGHT", "1"),
            // The slow GetToken holds the slot for all of its 3 s, not one attempt's.
            ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "10s"),
            ("DLCSHARE_ALIYUN__DEADLINE", "12s"),
        ],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;
    // Slow enough that the second delivery is handled while the first waits, on a loaded
    // machine too.
    h.pai_dlc.script([Behavior::Slow(Duration::from_secs(3))]);
    let slow = share("dlc-slow").build();
    let slow_id = slow["id"].as_str().unwrap().to_owned();
    let (status, body) = h.deliver(slow).await;
    assert_eq!((status, body["type"].as_u64()), (200, Some(5)), "{body}");
    h.pai_dlc.wait_for_a_request().await;
    let busy = share("dlc-busy").build();
    let busy_id = busy["id"].as_str().unwrap().to_owned();
    let (status, body) = h.deliver(busy).await;
    assert_eq!(status, 200);
    assert_eq!(body["type"], 4, "answered at once, not deferred: {body}");
    assert_eq!(
        body["data"]["flags"].as_u64().unwrap_or_default() & EPHEMERAL,
        EPHEMERAL
    );
    assert!(
        body["data"]["content"]
            .as_str()
            .unwrap_or_default()
            .contains("busy right now"),
        "{body}"
    );
    assert_eq!(
        h.wait_for_audit(&busy_id).await,
        ("rate_limited".to_owned(), Some("overloaded".to_owned()))
    );
    let reply = h
        .discord
        .wait_for_reply(&slow_id, support::bot::REPLY_TIMEOUT)
        .await
        .expect("answered");
    assert_says(&reply, "Here is your share link");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_database_issue_at_most_one_token() {
    let mut h = BotHarness::start_http("http_replicas", &[]).await;
    let second = h.add_replica(&[]).await;
    h.allow_role(ALLOWED_ROLE).await;

    // Either replica serves what the load balancer sends it.
    let (status, body) = h.discord.deliver(&second, share("dlc-on-b").build()).await;
    assert_eq!((status, body["type"].as_u64()), (200, Some(5)), "{body}");

    // The same interaction delivered to both: one token, one audit row.
    let twice = share("dlc-twice").build();
    let (id, _, first) = h.ask_http(twice.clone()).await;
    assert_says(&first, "Here is your share link");
    let (status, _) = h.discord.deliver_lost(&second, twice).await;
    assert_eq!(status, 200);
    // The second replica acts on nothing and leaves the member's answer as it is.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        h.discord.replies(&id).edits.len(),
        1,
        "{:?}",
        h.discord.replies(&id)
    );
    let rows: Vec<_> = h
        .audit_outcomes()
        .await
        .into_iter()
        .filter(|(i, _)| *i == id)
        .collect();
    assert_eq!(rows, vec![(id.clone(), "issued".to_owned())]);
    // dlc-on-b and dlc-twice: two tokens, not three.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while h.audit_outcomes().await.len() < 2 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(h.pai_dlc.issued_tokens().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_the_share_in_flight_in_http_mode() {
    let mut h = BotHarness::start_http(
        "http_sigterm",
        &[
            ("DLCSHARE_ALIYUN__DEADLINE", "10s"),
            ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "5s"),
        ],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;
    h.pai_dlc
        .set_default(Behavior::Slow(Duration::from_millis(2_000)));

    let in_flight = share("dlc-inflight").build();
    let id = in_flight["id"].as_str().unwrap().to_owned();
    let (status, body) = h.deliver(in_flight).await;
    assert_eq!(
        (status, body),
        (200, json!({"type": 5, "data": {"flags": EPHEMERAL}})),
        "the deferral came back before the work was done"
    );
    h.pai_dlc.wait_for_a_request().await;
    h.sigterm_acknowledged().await;
    let (status, body) = h.ops_get("/readyz").await;
    assert_eq!(
        (status, body.trim()),
        (503, "interactions listener: not serving")
    );

    let reply = h
        .discord
        .wait_for_reply(&id, Duration::from_secs(10))
        .await
        .expect("answered");
    assert_says(&reply, "Here is your share link");
    let status = tokio::task::block_in_place(|| h.terminate_wait());
    assert_eq!(status.code(), Some(0), "log:\n{}", h.logs());
    assert_eq!(h.audit_row(&id).await["outcome"], "issued");
    assert_eq!(h.sessions_left_after_exit().await, 0, "the pool was closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_interactions_port_is_a_configuration_error_naming_the_key() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = support::cli::run_binary(
        &["run"],
        [
            ("DISCORD_TOKEN", "x.y.z"),
            ("DATABASE_URL", "postgres://u:p@127.0.0.1:1/db"),
            ("DLCSHARE_HTTP__LISTEN", "127.0.0.1:0"),
            ("DLCSHARE_DISCORD__GUILDS", "[\"*\"]"),
            ("DLCSHARE_DISCORD__MODE", "http"),
            ("DLCSHARE_DISCORD__INTERACTIONS_LISTEN", addr.as_str()),
            // Everything else `run` needs before it binds, so the port is what fails.
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIexample"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret"),
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("discord.interactions_listen"),
        "{stderr}"
    );
    let out = support::cli::run_binary(
        &["run"],
        [
            ("DISCORD_TOKEN", "x.y.z"),
            ("DATABASE_URL", "postgres://u:p@127.0.0.1:1/db"),
            ("DLCSHARE_DISCORD__GUILDS", "[\"*\"]"),
            ("DLCSHARE_DISCORD__PUBLIC_KEY", "not-a-key"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIexample"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret"),
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("discord.public_key"),
        "{stderr}"
    );
    drop(taken);
}

/// Slow clients cannot take a replica off Discord: 300 connections that sent a head and then
/// trickle (or withhold) their body are evicted for a real delivery, and an announced body over
/// 1 MiB is refused before any of it is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_do_not_keep_signed_deliveries_out() {
    use crate::http_endpoints::{read_to_close, trickling_body};
    use tokio::io::AsyncWriteExt;

    const PILED: usize = 300;
    support::rlimit::raise_own_nofile(PILED as u64 + 512);
    let h = BotHarness::start_http("http_slow_bodies", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    let addr: std::net::SocketAddr = h
        .endpoint()
        .trim_start_matches("http://")
        .trim_end_matches("/interactions")
        .parse()
        .expect("the endpoint's address");
    let mut piled = Vec::with_capacity(PILED);
    for _ in 0..PILED {
        piled.push(trickling_body(addr, "/interactions").await);
    }
    // Each is one connection attempt: at the cap it gets in only by evicting a piled one.
    assert_eq!(h.discord.probe(h.endpoint(), Probe::Ping).await, 200);
    let (_, _, reply) = h.ask_http(share("dlc-through-the-pile").build()).await;
    assert_says(&reply, "dlc-through-the-pile");
    let (_, metrics) = h.ops_get("/metrics").await;
    assert!(
        metrics.contains(
            r#"dlcshare_ops_connections_closed_total{listener="interactions",reason="evicted"}"#
        ),
        "{metrics}"
    );

    let mut huge = tokio::net::TcpStream::connect(addr).await.expect("connect");
    huge.write_all(b"POST /interactions HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000000\r\n\r\n")
        .await
        .expect("send the head alone");
    let answer = read_to_close(&mut huge, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    drop(piled);
}
