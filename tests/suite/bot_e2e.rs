//! End to end: the real bot binary, the real serenity client, a Discord-compatible server,
//! a signature-verifying GetToken endpoint and a real PostgreSQL database.

use std::collections::HashSet;
use std::time::Duration;

use crate::support;
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::bot::{ALLOWED_ROLE, BotHarness, OTHER_ROLE, assert_says, assert_well_formed};
use support::discord::{CommandInteraction, MANAGE_GUILD};
use support::pai_dlc::{Behavior, PaiDlcServer};

fn share(sub: &str, id: &str, expiry: Option<&str>) -> CommandInteraction {
    let mut i = CommandInteraction::share(sub)
        .option_str("id", id)
        .roles([ALLOWED_ROLE]);
    if let Some(e) = expiry {
        i = i.option_str("expiry", e);
    }
    i
}

// ---------------------------------------------------------------- trust boundaries

/// A server the operator did not name, whose admin allowed every role.
const FOREIGN_GUILD: u64 = 1_180_000_000_000_000_777;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guild_that_is_not_configured_gets_nothing() {
    let h = BotHarness::start("e2e_foreign", &[]).await;
    let (_, reply) = h
        .ask(
            CommandInteraction::admin(Some("roles"), "add")
                .option_role("role", FOREIGN_GUILD) // @everyone of that guild
                .permissions(MANAGE_GUILD)
                .guild(FOREIGN_GUILD)
                .build(),
        )
        .await;
    assert_says(&reply, "does not share links in this server");
    let roles: i64 = sqlx::query_scalar("SELECT count(*) FROM guild_allowed_roles")
        .fetch_one(&h.pool)
        .await
        .unwrap();
    assert_eq!(roles, 0, "the foreign admin changed nothing");

    let (id, reply) = h
        .ask(
            share("job", "dlc-stolen", Some("7d"))
                .roles([FOREIGN_GUILD])
                .guild(FOREIGN_GUILD)
                .build(),
        )
        .await;
    assert_says(&reply, "does not share links in this server");
    let text = reply.final_content();
    assert!(
        !text.contains("discord.guilds") && !text.contains("DLCSHARE"),
        "names no internals: {text}"
    );
    let row = h.audit_row(&id).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("denied_role"), Some("guild_not_enabled"))
    );
    assert_eq!(row["guild_id"], FOREIGN_GUILD.to_string());
    assert_eq!(h.pai_dlc.arrivals(), 0, "no upstream call");

    // Autocomplete there suggests nothing (and reads nothing).
    let auto = CommandInteraction::share("job")
        .option_str("id", "x")
        .option_str("expiry", "1")
        .guild(FOREIGN_GUILD)
        .autocomplete("expiry")
        .build();
    let id = h.discord.send_interaction(auto).await;
    let reply = h
        .discord
        .wait_for_reply(&id, support::bot::REPLY_TIMEOUT)
        .await
        .expect("autocomplete answered");
    assert!(reply.choices().is_empty(), "{:?}", reply.choices());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_refuses_to_start_without_a_guild_and_names_the_keys() {
    let out = support::cli::run_binary(
        &["run"],
        [
            ("DISCORD_TOKEN", "x.y.z"),
            ("DATABASE_URL", "postgres://u:p@127.0.0.1:1/db"),
            ("DLCSHARE_HTTP__LISTEN", "127.0.0.1:0"),
        ],
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("discord.guilds") && stderr.contains("discord.guild_id"),
        "{stderr}"
    );
    // Everything missing is named at once, with the way to a full report.
    assert!(
        stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_ID") && stderr.contains("dlc-share-bot check"),
        "{stderr}"
    );
    let out = support::cli::run_binary(&["run"], [("DLCSHARE_HTTP__LISTEN", "127.0.0.1:0")]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for named in [
        "discord.guild_id",
        "DISCORD_TOKEN",
        "DATABASE_URL",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "dlc-share-bot check",
    ] {
        assert!(stderr.contains(named), "{named} not in: {stderr}");
    }
    // The explicit wildcard is accepted (the run then fails later, on the database).
    let out = support::cli::run_binary(
        &["run"],
        [
            ("DISCORD_TOKEN", "x.y.z"),
            ("DATABASE_URL", "postgres://u:p@127.0.0.1:1/db"),
            ("DLCSHARE_HTTP__LISTEN", "127.0.0.1:0"),
            ("DLCSHARE_DISCORD__GUILDS", "[\"*\"]"),
            ("DLCSHARE_DATABASE__ACQUIRE_TIMEOUT", "1s"),
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && !stderr.contains("discord.guilds"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_final_edit_is_retried_then_sent_as_a_follow_up() {
    use support::discord::{Fault, Route};
    let h = BotHarness::start("e2e_edit_retry", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;

    // 503, then a 429: retried, the second retry no sooner than Discord said.
    h.discord.inject(
        Route::EditOriginal,
        [
            Fault::Status(503),
            Fault::RateLimited {
                retry_after: Duration::from_millis(1_500),
            },
        ],
    );
    let (id, reply) = h.ask(share("job", "dlc-retry", None).build()).await;
    assert_says(&reply, "Here is your share link");
    let limited = reply.faulted_on(Route::EditOriginal);
    assert_eq!(limited.len(), 2, "{:?}", reply.faulted);
    assert!(
        reply.edit_times[0] >= limited[1].retry_not_before(),
        "the edit waited for retry_after"
    );
    assert_eq!(h.audit_row(&id).await["outcome"], "issued");

    // Told to come back after the 30 s window: the answer goes out as a follow-up at once.
    h.discord.inject(
        Route::EditOriginal,
        [Fault::RateLimited {
            retry_after: Duration::from_secs(60),
        }],
    );
    let id = h
        .discord
        .send_interaction(share("job", "dlc-followup", None).build())
        .await;
    let reply = h
        .discord
        .wait_for_reply(&id, support::bot::REPLY_TIMEOUT)
        .await
        .unwrap_or_else(|| panic!("no answer; log:\n{}", h.logs()));
    assert!(reply.edits.is_empty(), "{:?}", reply.edits);
    let followup = reply.final_followup().expect("a follow-up message");
    assert_eq!(
        followup["flags"].as_u64().unwrap_or_default() & 64,
        64,
        "ephemeral"
    );
    assert_eq!(followup["allowed_mentions"]["parse"], serde_json::json!([]));
    assert_says(&reply, "Here is your share link");
    assert!(reply.rejected.is_empty(), "{:?}", reply.rejected);
    assert_eq!(
        h.audit_row(&id).await["outcome"],
        "issued",
        "the outcome stands"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_deferral_is_retried_and_an_unacknowledged_share_is_audited() {
    use support::discord::{Fault, Route};
    let h = BotHarness::start("e2e_defer_retry", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;

    h.discord.inject(
        Route::Callback,
        [
            Fault::Status(500),
            Fault::RateLimited {
                retry_after: Duration::from_millis(300),
            },
        ],
    );
    let (id, reply) = h.ask(share("job", "dlc-defer", None).build()).await;
    assert_says(&reply, "Here is your share link");
    assert_eq!(reply.faulted_on(Route::Callback).len(), 2);
    assert_eq!(h.audit_row(&id).await["outcome"], "issued");

    // Discord keeps failing for the whole 3-second window: nothing can be answered, and
    // nothing is issued, but the attempt has its row.
    h.discord
        .inject(Route::Callback, (0..100).map(|_| Fault::Status(503)));
    let id = h
        .discord
        .send_interaction(share("job", "dlc-unacked", None).build())
        .await;
    let row = h.wait_for_audit(&id).await;
    assert_eq!(
        (row.0.as_str(), row.1.as_deref()),
        ("internal_error", Some("unacknowledged"))
    );
    assert_eq!(
        h.pai_dlc.arrivals(),
        1,
        "only the first share reached GetToken"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_database_fails_closed_and_does_not_hold_shutdown() {
    let mut h = BotHarness::start_via_proxy("e2e_frozen_db", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    h.db_proxy().freeze();
    let started = std::time::Instant::now();
    let (id, reply) = h.ask(share("job", "dlc-frozen", None).build()).await;
    let waited = started.elapsed();
    assert_says(&reply, "Cannot record requests right now");
    assert!(
        waited < Duration::from_secs(15),
        "failed closed after {waited:?}"
    );
    assert_eq!(h.pai_dlc.arrivals(), 0, "nothing requested without a row");

    let started = std::time::Instant::now();
    let status = h.terminate();
    assert!(status.success(), "{status:?}\n{}", h.logs());
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(20),
        "shutdown waited {waited:?} on the silent database"
    );
    let _ = id;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_max_in_flight_a_share_is_answered_busy_at_once_and_audited() {
    let h = BotHarness::start(
        "e2e_shed",
        &[
            ("DLCSHARE_SHARE__MAX_IN_FLIGHT", "1"),
            // The slow GetToken holds the slot for all of its 3 s, not one attempt's.
            ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "10s"),
            ("DLCSHARE_ALIYUN__DEADLINE", "12s"),
        ],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;
    // Slow enough that the second share is handled while the first waits, on a loaded
    // machine too.
    h.pai_dlc.script([Behavior::Slow(Duration::from_secs(3))]);
    let slow = h
        .discord
        .send_interaction(share("job", "dlc-slow", None).build())
        .await;
    // Wait until the first share is at GetToken, holding the only slot.
    h.pai_dlc.wait_for_a_request().await;
    let busy = h
        .discord
        .send_interaction(share("job", "dlc-busy", None).build())
        .await;
    let reply = h
        .discord
        .wait_for_reply(&busy, support::bot::REPLY_TIMEOUT)
        .await
        .expect("answered");
    assert!(reply.is_ephemeral(), "{:?}", reply.callbacks);
    assert_eq!(
        reply.callbacks[0]["type"], 4,
        "answered at once, not deferred"
    );
    assert_says(&reply, "busy right now");
    assert!(
        h.discord.replies(&slow).edits.is_empty(),
        "the first was still in work"
    );
    let slow_reply = h
        .discord
        .wait_for_reply(&slow, support::bot::REPLY_TIMEOUT)
        .await
        .expect("answered");
    assert_says(&slow_reply, "Here is your share link");
    let row = h.wait_for_audit(&busy).await;
    assert_eq!(
        (row.0.as_str(), row.1.as_deref()),
        ("rate_limited", Some("overloaded"))
    );
    assert!(
        h.pai_dlc
            .seen()
            .iter()
            .all(|s| s.query.get("TargetId").map(String::as_str) == Some("dlc-slow")),
        "the shed share never reached GetToken"
    );
    let (_, metrics) = h.ops_get("/metrics").await;
    assert!(metrics.contains("dlcshare_shed_total 1"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_silent_during_gettoken_gets_no_link_shown() {
    let h = BotHarness::start_via_proxy("e2e_silent_mid", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    h.pai_dlc
        .script([Behavior::Slow(Duration::from_millis(700))]);
    let id = h
        .discord
        .send_interaction(share("job", "dlc-mid", None).build())
        .await;
    // The write-ahead row is in once GetToken is called; then the database goes silent.
    h.pai_dlc.wait_for_a_request().await;
    h.db_proxy().freeze();
    let started = std::time::Instant::now();
    let reply = h
        .discord
        .wait_for_reply(&id, support::bot::REPLY_TIMEOUT)
        .await
        .unwrap_or_else(|| panic!("no answer; log:\n{}", h.logs()));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_says(&reply, "Cannot record requests right now");
    let token = &h.pai_dlc.issued_tokens()[0];
    assert!(
        !reply
            .final_content()
            .contains(&PaiDlcServer::in_link(token)),
        "no link without a complete row"
    );
    // Read directly, before the proxy lets anything through again.
    let row = h.audit_row(&id).await;
    assert_eq!(
        row["outcome"], "pending",
        "left for the retention job: {row}"
    );
    h.db_proxy().thaw();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reply_and_the_row_carry_the_tokens_own_expiry() {
    let h = BotHarness::start("e2e_jwt", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    h.pai_dlc.script([Behavior::Jwt {
        lifetime: Duration::from_secs(3_600),
    }]);
    let (id, reply) = h.ask(share("job", "dlc-jwt", Some("2d")).build()).await;
    let text = reply.final_content();
    let expected = chrono::Utc::now().timestamp() + 3_600;
    let shown: i64 = text
        .split("<t:")
        .nth(1)
        .and_then(|t| t.split(':').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no timestamp in {text}"));
    assert!(
        (expected - 5..=expected).contains(&shown),
        "{shown} vs {expected}: {text}"
    );
    let fields = &reply.final_message().unwrap()["embeds"][0]["fields"];
    let valid_for = fields
        .as_array()
        .and_then(|f| f.iter().find(|f| f["name"] == "Valid for"))
        .unwrap_or_else(|| panic!("no validity field: {fields}"));
    assert_eq!(valid_for["value"], "1h", "{fields}");
    let row = h.audit_row(&id).await;
    assert_eq!(row["requested_expire_seconds"], 172_800);
    let recorded = row["expire_seconds"].as_i64().unwrap();
    assert!((3_595..=3_600).contains(&recorded), "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_with_nul_is_refused_and_audited() {
    let h = BotHarness::start("e2e_nul", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    let (id, reply) = h.ask(share("job", "dlc\u{0}x", None).build()).await;
    assert_says(&reply, "That id is not valid");
    let row = h.audit_row(&id).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("invalid_input"), Some("invalid_id"))
    );
    assert_eq!(row["target_id"], "dlc\u{fffd}x");
    assert_eq!(h.pai_dlc.arrivals(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shares_a_job_and_a_tensorboard() {
    // GetToken for both; a TensorBoard's shared URL, the default, is links_e2e's.
    let h = BotHarness::start(
        "e2e_success",
        &[("DLCSHARE_SHARE__TENSORBOARD_LINK", "token")],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;

    let (id, reply) = h
        .ask(share("job", "dlc1a2b3c4d5e6f", Some("2h")).build())
        .await;
    let text = reply.final_content();
    let tokens = h.pai_dlc.issued_tokens();
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    let encoded = PaiDlcServer::in_link(token);
    assert!(
        text.contains(&encoded),
        "the link carries the percent-encoded token: {text}"
    );
    assert!(
        text.contains("dlc1a2b3c4d5e6f") && text.contains("2h"),
        "{text}"
    );
    let expires = chrono::Utc::now().timestamp() + 7200;
    let shown: i64 = text
        .split("<t:")
        .nth(1)
        .and_then(|t| t.split(':').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no timestamp in {text}"));
    assert!(
        (expires - 5..=expires).contains(&shown),
        "expiry {shown} vs {expires}"
    );
    assert!(
        text.contains(&format!("<t:{shown}:f>")) && text.contains(&format!("<t:{shown}:R>")),
        "expiry as absolute and relative timestamps: {text}"
    );
    let msg = reply.final_message().unwrap();
    let button = &msg["components"][0]["components"][0];
    assert_eq!(button["style"], 5, "a link button");
    assert!(button["url"].as_str().unwrap().contains(&encoded));

    let row = h.audit_row(&id).await;
    assert_eq!(row["outcome"], "issued");
    assert_eq!(row["target_type"], "job");
    assert_eq!(row["target_id"], "dlc1a2b3c4d5e6f");
    assert_eq!(row["requested_expire_seconds"], 7200);
    assert_eq!(row["expire_seconds"], 7200);
    assert_eq!(row["user_name"], "tester");
    assert!(row["request_id"].as_str().unwrap().starts_with("REQ-"));
    assert_eq!(
        row["token_sha256"],
        hex::encode(Sha256::digest(token.as_bytes()))
    );
    assert!(
        !row.to_string().contains(token.as_str()),
        "the token is never stored"
    );

    let (id, reply) = h.ask(share("tensorboard", "tb-0123", None).build()).await;
    assert_says(&reply, "TensorBoard");
    let seen = h.pai_dlc.seen();
    assert_eq!(seen[1].query["TargetType"], "tensorboard");
    assert_eq!(
        seen[1].query["ExpireTime"], "86400",
        "the guild default, 1 day"
    );
    assert!(
        seen.iter().all(|s| s.verdict.is_ok()),
        "signatures verified"
    );
    assert_eq!(h.audit_row(&id).await["outcome"], "issued");
    assert!(
        h.discord.unexpected_requests().is_empty(),
        "{:?}",
        h.discord.unexpected_requests()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_explained_and_audited() {
    let h = BotHarness::start("e2e_refusals", &[]).await;

    // Empty allowlist: deny by default, and say what an admin must do.
    let (empty, reply) = h.ask(share("job", "dlc1", None).build()).await;
    assert_says(&reply, "/share-admin roles add");

    // A non-admin cannot change the allowlist, even if Discord let the command through.
    let (_, reply) = h
        .ask(
            CommandInteraction::admin(Some("roles"), "add")
                .option_role("role", OTHER_ROLE)
                .build(),
        )
        .await;
    assert_says(&reply, "Only server admins");
    let roles: Vec<(String,)> = sqlx::query_as("SELECT role_id::text FROM guild_allowed_roles")
        .fetch_all(&h.pool)
        .await
        .unwrap();
    assert!(roles.is_empty(), "nothing was added: {roles:?}");

    h.allow_role(ALLOWED_ROLE).await;

    // A member without an allowed role.
    let (missing, reply) = h
        .ask(share("job", "dlc1", None).roles([OTHER_ROLE]).build())
        .await;
    assert_says(&reply, "None of your roles");

    // Invalid id and expiry: clear errors, never sent upstream.
    let (bad_id, reply) = h.ask(share("job", "dlc 1; DROP TABLE", None).build()).await;
    assert_says(&reply, "That id is not valid");
    let (bad_exp, reply) = h.ask(share("job", "dlc1", Some("soon")).build()).await;
    assert_says(&reply, "That expiry is not valid");
    let (long_exp, reply) = h.ask(share("job", "dlc1", Some("8d")).build()).await;
    assert_says(&reply, "too long");
    let (short_exp, reply) = h.ask(share("job", "dlc1", Some("10s")).build()).await;
    assert_says(&reply, "too short");
    assert_eq!(
        h.pai_dlc.arrivals(),
        0,
        "no refused request reached GetToken"
    );

    let outcome = |id: &str| {
        let id = id.to_owned();
        let h = &h;
        async move { h.audit_row(&id).await }
    };
    let row = outcome(&empty).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("denied_role"), Some("empty_allowlist"))
    );
    let row = outcome(&missing).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("denied_role"), Some("missing_role"))
    );
    let row = outcome(&bad_id).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("invalid_input"), Some("invalid_id"))
    );
    assert_eq!(
        row["target_id"], "dlc 1; DROP TABLE",
        "invalid input is audited as typed"
    );
    for id in [&bad_exp, &long_exp, &short_exp] {
        let row = outcome(id).await;
        assert_eq!(
            (row["outcome"].as_str(), row["error_code"].as_str()),
            (Some("invalid_input"), Some("invalid_expiry"))
        );
    }
    assert_eq!(
        h.audit_outcomes().await.len(),
        6,
        "exactly one row per /share attempt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_say_when_to_retry() {
    let env = [
        ("DLCSHARE_RATELIMIT__USER_PER_MINUTE", "1"),
        ("DLCSHARE_RATELIMIT__USER_BURST", "2"),
    ];
    let h = BotHarness::start("e2e_ratelimit", &env).await;
    h.allow_role(ALLOWED_ROLE).await;
    for _ in 0..2 {
        let (_, reply) = h.ask(share("job", "dlc-rl", None).build()).await;
        assert_says(&reply, "Here is your share link");
    }
    let (id, reply) = h.ask(share("job", "dlc-rl", None).build()).await;
    let text = reply.final_content();
    assert!(
        text.contains("Try again <t:") && text.contains(":R>"),
        "{text}"
    );
    assert_eq!(h.audit_row(&id).await["outcome"], "rate_limited");
    assert_eq!(h.pai_dlc.arrivals(), 2);
    // Another member is not affected.
    let (_, reply) = h
        .ask(share("job", "dlc-rl", None).user(77, "other").build())
        .await;
    assert_says(&reply, "Here is your share link");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_failures_are_plain_words_with_the_request_id() {
    let h = BotHarness::start("e2e_upstream", &[("DLCSHARE_RATELIMIT__USER_BURST", "10")]).await;
    h.allow_role(ALLOWED_ROLE).await;

    h.pai_dlc.script([Behavior::Error {
        status: 403,
        code: "Forbidden.RAM",
    }]);
    let (forbidden, reply) = h.ask(share("job", "dlc-403", None).build()).await;
    let text = reply.final_content();
    assert!(
        text.contains("credentials or permissions")
            && text.contains("Forbidden.RAM")
            && text.contains("REQ-000001"),
        "{text}"
    );

    h.pai_dlc.set_default(Behavior::Error {
        status: 400,
        code: "Throttling.User",
    });
    let (throttled, reply) = h.ask(share("job", "dlc-429", None).build()).await;
    let text = reply.final_content();
    assert!(
        text.contains("throttling") && text.contains("Throttling.User"),
        "{text}"
    );

    h.pai_dlc
        .set_default(Behavior::Slow(Duration::from_secs(10)));
    let (slow, reply) = h.ask(share("job", "dlc-slow", None).build()).await;
    let text = reply.final_content();
    assert!(
        text.contains("did not answer in time") && text.contains("Timeout"),
        "{text}"
    );

    for (id, code) in [
        (&forbidden, "Forbidden.RAM"),
        (&throttled, "Throttling.User"),
        (&slow, "Timeout"),
    ] {
        let row = h.audit_row(id).await;
        assert_eq!(row["outcome"], "upstream_error", "{row}");
        assert_eq!(row["error_code"], code, "{row}");
        assert!(row["token_sha256"].is_null());
    }
    assert_eq!(h.audit_row(&forbidden).await["request_id"], "REQ-000001");
    let logs = h.logs();
    assert!(
        !logs.contains(support::pai_dlc::AK_SECRET) && !logs.contains(support::bot::DISCORD_TOKEN)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_closed_when_the_database_is_down() {
    let h = BotHarness::start(
        "e2e_dbdown",
        &[("DLCSHARE_DATABASE__ACQUIRE_TIMEOUT", "1s")],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;
    h.db.take_offline().await;
    let (_, reply) = h.ask(share("job", "dlc-db", None).build()).await;
    assert_says(&reply, "cannot write to its audit log");
    assert_eq!(h.pai_dlc.arrivals(), 0, "no token without an audit row");

    h.db.bring_online().await;
    let (id, reply) = h.ask(share("job", "dlc-db", None).build()).await;
    assert_says(&reply, "Here is your share link");
    assert_eq!(h.audit_row(&id).await["outcome"], "issued");
    assert_eq!(h.pai_dlc.arrivals(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_a_gateway_disconnect() {
    let h = BotHarness::start("e2e_reconnect", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    h.discord.drop_connections().await;
    // Sent while the bot is away: Discord replays it on RESUME.
    let during = h
        .discord
        .send_interaction(share("job", "dlc-during", None).build())
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while h.discord.resume_count() + h.discord.identify_count() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no reconnect; log:\n{}",
            h.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(h.discord.wait_until_ready(Duration::from_secs(15)).await);
    let reply = h
        .discord
        .wait_for_reply(&during, support::bot::REPLY_TIMEOUT)
        .await
        .expect("the interaction sent during the outage is answered");
    assert_well_formed(&reply);
    assert_says(&reply, "Here is your share link");
    let (_, reply) = h.ask(share("job", "dlc-after", None).build()).await;
    assert_says(&reply, "Here is your share link");
    let (status, body) = h.ops_get("/readyz").await;
    assert_eq!(status, 200, "ready again: {body}");
    let (_, metrics) = h.ops_get("/metrics").await;
    assert!(
        metrics.contains("dlcshare_gateway_reconnects_total 1"),
        "one reconnect counted: {}",
        metrics
            .lines()
            .filter(|l| l.contains("reconnect"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_interactions_are_all_answered_and_audited_once() {
    let h = BotHarness::start(
        "e2e_concurrent",
        &[
            ("DLCSHARE_RATELIMIT__GUILD_BURST", "100"),
            ("DLCSHARE_RATELIMIT__GUILD_PER_MINUTE", "600"),
        ],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;
    let mut tasks = Vec::new();
    for n in 0..50u64 {
        let interaction = share("job", &format!("dlc-c{n}"), Some("1h"))
            .user(10_000 + n, &format!("member{n}"))
            .build();
        let id = h.discord.send_interaction(interaction).await;
        tasks.push(id);
    }
    let mut answered = HashSet::new();
    for id in &tasks {
        let reply = h
            .discord
            .wait_for_reply(id, support::bot::REPLY_TIMEOUT)
            .await
            .expect("answered");
        assert_well_formed(&reply);
        assert_says(&reply, "Here is your share link");
        answered.insert(id.clone());
    }
    assert_eq!(answered.len(), 50);
    let rows = h.audit_outcomes().await;
    let ids: HashSet<String> = rows.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(rows.len(), 50, "exactly one row each");
    assert_eq!(ids, answered);
    assert!(rows.iter().all(|(_, o)| o == "issued"));
    assert_eq!(h.pai_dlc.issued_tokens().len(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_roles_and_policy() {
    let h = BotHarness::start("e2e_admin", &[]).await;
    let admin = |group: Option<&str>, sub: &str| {
        CommandInteraction::admin(group, sub)
            .permissions(MANAGE_GUILD)
            .user(900, "boss")
    };
    let (_, r) = h.ask(admin(Some("roles"), "list").build()).await;
    assert_says(&r, "No role may share yet");
    let (_, r) = h
        .ask(
            admin(Some("roles"), "add")
                .option_role_named("role", ALLOWED_ROLE, "ml-team")
                .build(),
        )
        .await;
    assert!(
        r.final_content().contains("ml\\-team"),
        "names are escaped: {}",
        r.final_content()
    );
    let (_, r) = h.ask(admin(Some("roles"), "list").build()).await;
    assert_says(&r, &format!("<@&{ALLOWED_ROLE}>"));

    let (_, r) = h.ask(admin(Some("policy"), "show").build()).await;
    assert!(
        r.final_content().contains("**1d**") && r.final_content().contains("**7d**"),
        "{}",
        r.final_content()
    );
    let (_, r) = h
        .ask(
            admin(Some("policy"), "set")
                .option_str("max_expiry", "12h")
                .build(),
        )
        .await;
    assert_says(&r, "`max_expiry`: **12h** (set here)");
    assert_says(
        &r,
        "`default_expiry`: **12h** (the bot's default of 1d, lowered",
    );
    let (_, r) = h
        .ask(
            admin(Some("policy"), "set")
                .option_str("default_expiry", "1d")
                .build(),
        )
        .await;
    assert_says(&r, "Nothing was changed");

    // The new policy applies: the default is clamped to 12h, 1d is now too long.
    let (_, r) = h.ask(share("job", "dlc-p", None).build()).await;
    assert_says(&r, "Here is your share link");
    assert_eq!(h.pai_dlc.seen()[0].query["ExpireTime"], "43200");
    let (_, r) = h.ask(share("job", "dlc-p", Some("1d")).build()).await;
    assert_says(&r, "the maximum here is 12h");

    // Autocomplete offers only values within the policy.
    let id = h
        .discord
        .send_interaction(share("job", "dlc-p", None).autocomplete("expiry").build())
        .await;
    let r = h
        .discord
        .wait_for_reply(&id, support::bot::REPLY_TIMEOUT)
        .await
        .unwrap();
    let values: Vec<String> = r
        .choices()
        .iter()
        .map(|c| c["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(values, ["15m", "30m", "1h", "6h", "12h"]);

    let (_, r) = h
        .ask(admin(None, "audit").option_int("limit", 5).build())
        .await;
    let text = r.final_content();
    assert!(
        text.contains("issued") && text.contains("invalid_input"),
        "{text}"
    );

    let (_, r) = h
        .ask(
            admin(Some("roles"), "remove")
                .option_role("role", ALLOWED_ROLE)
                .build(),
        )
        .await;
    assert_says(&r, "may no longer share");

    let changes: Vec<(String, String)> =
        sqlx::query_as("SELECT action::text, actor_id FROM admin_changes ORDER BY id")
            .fetch_all(&h.pool)
            .await
            .unwrap();
    let actions: Vec<&str> = changes.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["role_add", "policy_set", "role_remove"],
        "{changes:?}"
    );
    assert!(changes.iter().all(|(_, actor)| actor == "900"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_the_spec_commands_in_the_configured_guild() {
    let h = BotHarness::start("e2e_register", &[]).await;
    let cmds = h.discord.commands(support::discord::CommandScope::Guild(
        support::discord::GUILD_ID,
    ));
    let names: Vec<&str> = cmds.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["share", "share-admin"]);
    let admin: &Value = &cmds[1];
    assert_eq!(admin["default_member_permissions"], "32", "MANAGE_GUILD");
    let intents = h.discord.identify_payloads()[0]["intents"]
        .as_u64()
        .unwrap();
    assert_eq!(
        intents & ((1 << 1) | (1 << 8) | (1 << 15)),
        0,
        "no privileged intents"
    );
}

/// What people see: echoes are cut to 100 characters, every reply fits Discord's
/// limits, and control and format characters never reach a reply or the audit listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_members_typed_comes_back_short_and_without_hidden_characters() {
    let h = BotHarness::start("e2e_echo", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;

    // 4,000 characters of expiry: `ask` also checks Discord accepted the edit.
    let pasted = format!("1h{}", "x".repeat(3_998));
    let (long, reply) = h.ask(share("job", "dlc-x", Some(&pasted)).build()).await;
    assert_says(&reply, "That expiry is not valid");
    let text = reply.final_content();
    assert!(
        text.contains(&format!("1h{}…", "x".repeat(97))) && !text.contains(&"x".repeat(98)),
        "the echo is the first 100 characters: {text}"
    );
    let row = h.audit_row(&long).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("invalid_input"), Some("invalid_expiry"))
    );

    // U+202E would show the rest of the line reversed.
    let reversed = "dlc\u{202e}gpj.exe";
    let (rlo, reply) = h.ask(share("job", reversed, None).build()).await;
    assert_says(&reply, "That id is not valid");
    let message = reply.final_message().unwrap().to_string();
    assert!(!message.contains('\u{202e}'), "{message}");
    assert_eq!(
        h.audit_row(&rlo).await["target_id"],
        reversed,
        "audited as typed"
    );

    let (_, r) = h
        .ask(
            CommandInteraction::admin(None, "audit")
                .permissions(MANAGE_GUILD)
                .build(),
        )
        .await;
    let listing = r.final_message().unwrap().to_string();
    assert!(!listing.contains('\u{202e}'), "{listing}");
    assert_says(&r, "dlc?gpj.exe");
    assert_eq!(h.pai_dlc.arrivals(), 0);
}
