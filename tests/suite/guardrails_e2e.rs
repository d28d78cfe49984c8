//! End to end: the guardrails admins set in chat, through the real bot binary, the
//! real serenity client, the local Discord server, the verifying GetToken endpoint and a real
//! PostgreSQL database.

use std::time::Duration;

use crate::support;
use serde_json::Value;
use support::bot::{ALLOWED_ROLE, BotHarness, OTHER_ROLE, REPLY_TIMEOUT, assert_says};
use support::discord::{CHANNEL_ID, CommandInteraction, MANAGE_GUILD, USER_ID};
use support::has;
use support::pai_dlc::PaiDlcServer;

const ADMIN: u64 = 1_180_000_000_000_000_900;
/// The channel admins list for `/share`.
const SHARE_ROOM: u64 = 1_180_000_000_000_007_001;
/// A thread inside it.
const ROOM_THREAD: u64 = 1_180_000_000_000_007_002;
/// Where the bot posts one line per attempt.
const AUDIT_ROOM: u64 = 1_180_000_000_000_007_003;

fn admin(group: Option<&str>, sub: &str) -> CommandInteraction {
    CommandInteraction::admin(group, sub)
        .permissions(MANAGE_GUILD)
        .user(ADMIN, "admin")
}

fn share(id: &str) -> CommandInteraction {
    CommandInteraction::share("job")
        .option_str("id", id)
        .roles([ALLOWED_ROLE])
}

/// Runs an admin command and returns what the admin read.
async fn run(h: &BotHarness, command: CommandInteraction) -> String {
    h.ask(command.build()).await.1.final_content()
}

async fn admin_actions(h: &BotHarness) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM admin_changes ORDER BY id")
        .fetch_all(&h.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_set_every_guardrail_in_chat() {
    let h = BotHarness::start("e2e_guard_admin", &[]).await;
    let capped = run(
        &h,
        admin(Some("roles"), "add")
            .option_role("role", ALLOWED_ROLE)
            .option_str("max_expiry", "2h"),
    )
    .await;
    has(
        &capped,
        "may now share links with `/share`, for up to **2h**",
    );
    let uncapped = run(
        &h,
        admin(Some("roles"), "add").option_role("role", OTHER_ROLE),
    )
    .await;
    has(&uncapped, "for up to the server's maximum, now **7d**");
    let above = run(
        &h,
        admin(Some("roles"), "add")
            .option_role("role", ALLOWED_ROLE)
            .option_str("max_expiry", "8d"),
    )
    .await;
    has(&above, "Nothing was changed");
    has(&above, "the maximum here is 7d");
    let raised = run(
        &h,
        admin(Some("roles"), "add")
            .option_role("role", ALLOWED_ROLE)
            .option_str("max_expiry", "6h"),
    )
    .await;
    has(&raised, "its cap changed from 2h");
    let listed = run(&h, admin(Some("roles"), "list")).await;
    has(&listed, &format!("<@&{ALLOWED_ROLE}>: **6h**"));
    has(
        &listed,
        &format!("<@&{OTHER_ROLE}>: **7d** (the server's maximum)"),
    );

    has(
        &run(&h, admin(Some("channels"), "list")).await,
        "`/share` works in every channel",
    );
    let added = run(
        &h,
        admin(Some("channels"), "add").option_channel("channel", SHARE_ROOM),
    )
    .await;
    has(&added, &format!("<#{SHARE_ROOM}> is listed"));
    has(
        &run(&h, admin(Some("channels"), "list")).await,
        &format!("works only in: <#{SHARE_ROOM}>"),
    );

    let set = run(
        &h,
        admin(Some("policy"), "set")
            .option_bool("require_reason", true)
            .option_channel("audit_channel", AUDIT_ROOM)
            .option_str("default_expiry", "3h"),
    )
    .await;
    for needle in [
        "`default_expiry`: **3h** (set here)",
        "`max_expiry`: **7d** (the bot's default)",
        "`require_reason`: **yes**",
        &format!("`audit_channel`: <#{AUDIT_ROOM}>"),
    ] {
        has(&set, needle);
    }
    let shown = run(&h, admin(Some("policy"), "show")).await;
    has(&shown, "`require_reason`: **yes**");
    has(&shown, "`default_expiry`: **3h** (set here)");
    let cleared = run(
        &h,
        admin(Some("policy"), "clear").option_str("setting", "require_reason"),
    )
    .await;
    has(&cleared, "`require_reason` is back to the bot's default");
    has(&cleared, "`require_reason`: **no**");
    has(&cleared, &format!("`audit_channel`: <#{AUDIT_ROOM}>"));
    let cleared = run(
        &h,
        admin(Some("policy"), "clear").option_str("setting", "default_expiry"),
    )
    .await;
    has(&cleared, "`default_expiry`: **1d** (the bot's default)");

    let removed = run(
        &h,
        admin(Some("channels"), "remove").option_channel("channel", SHARE_ROOM),
    )
    .await;
    has(&removed, "`/share` works in every channel");

    // A member who is not an admin changes nothing.
    let refused = run(
        &h,
        CommandInteraction::admin(Some("channels"), "add").option_channel("channel", 5),
    )
    .await;
    has(&refused, "Only server admins");

    assert_eq!(
        admin_actions(&h).await,
        [
            "role_add",
            "role_add",
            "role_cap",
            "channel_add",
            "policy_set",
            "policy_clear",
            "policy_clear",
            "channel_remove"
        ],
        "every change recorded, refusals and repeats not"
    );
    let actors: Vec<String> = sqlx::query_scalar("SELECT DISTINCT actor_id FROM admin_changes")
        .fetch_all(&h.pool)
        .await
        .unwrap();
    assert_eq!(actors, [ADMIN.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shares_follow_the_channel_rule_the_role_caps_and_the_reason_rule() {
    let h = BotHarness::start("e2e_guard_share", &[]).await;
    for (role, cap) in [(ALLOWED_ROLE, "2h"), (OTHER_ROLE, "6h")] {
        run(
            &h,
            admin(Some("roles"), "add")
                .option_role("role", role)
                .option_str("max_expiry", cap),
        )
        .await;
    }
    run(
        &h,
        admin(Some("channels"), "add").option_channel("channel", SHARE_ROOM),
    )
    .await;
    run(
        &h,
        admin(Some("policy"), "set").option_bool("require_reason", true),
    )
    .await;

    // Elsewhere: refused, naming where it works; nothing upstream.
    let (id, r) = h
        .ask(share("dlc-a").option_str("reason", "why").build())
        .await;
    assert_says(&r, &format!("works only in <#{SHARE_ROOM}>"));
    let row = h.audit_row(&id).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("denied_channel"), Some("channel_not_allowed"))
    );
    assert_eq!(row["channel_id"], CHANNEL_ID.to_string());

    // In the listed channel without a reason: refused.
    let (id, r) = h.ask(share("dlc-a").channel(SHARE_ROOM).build()).await;
    assert_says(&r, "A reason is required");
    assert_eq!(
        h.audit_row(&id).await["error_code"].as_str(),
        Some("reason_required")
    );

    // Above the one role's cap: refused, naming the cap.
    let (id, r) = h
        .ask(
            share("dlc-a")
                .channel(SHARE_ROOM)
                .option_str("expiry", "3h")
                .option_str("reason", "debugging")
                .build(),
        )
        .await;
    assert_says(&r, "at most **2h**");
    let row = h.audit_row(&id).await;
    assert_eq!(
        (row["outcome"].as_str(), row["error_code"].as_str()),
        (Some("invalid_input"), Some("expiry_above_role_max"))
    );
    assert_eq!(row["requested_expire_seconds"], 10_800);
    assert_eq!(h.pai_dlc.arrivals(), 0, "no refusal reached GetToken");

    // In a thread of the listed channel, with a reason and no expiry: the default (1d)
    // lowered to the member's cap.
    let (id, r) = h
        .ask(
            share("dlc-a")
                .in_thread(ROOM_THREAD, SHARE_ROOM)
                .option_str("reason", "  loss spike at step 4k ")
                .build(),
        )
        .await;
    assert_says(&r, "Here is your share link");
    assert_eq!(h.pai_dlc.seen()[0].query["ExpireTime"], "7200");
    let row = h.audit_row(&id).await;
    assert_eq!(row["outcome"], "issued");
    assert_eq!(row["reason"], "loss spike at step 4k");
    assert_eq!(row["channel_id"], ROOM_THREAD.to_string());

    // Two roles: the larger cap.
    let (_, r) = h
        .ask(
            share("dlc-b")
                .roles([ALLOWED_ROLE, OTHER_ROLE])
                .channel(SHARE_ROOM)
                .option_str("expiry", "5h")
                .option_str("reason", "review")
                .build(),
        )
        .await;
    assert_says(&r, "Here is your share link");
    assert_eq!(h.pai_dlc.seen()[1].query["ExpireTime"], "18000");

    // The export carries the reason (and the approver column, empty here).
    let out = support::cli::run_binary(
        &["audit", "--format", "csv"],
        [("DATABASE_URL", h.db.url.as_str())],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert!(
        header.contains(&"reason") && header.contains(&"approved_by"),
        "{header:?}"
    );
    assert!(csv.contains(",loss spike at step 4k,"), "{csv}");
    let json = support::cli::run_binary(
        &["audit", "--format", "json"],
        [("DATABASE_URL", h.db.url.as_str())],
    )
    .await;
    let rows: Vec<Value> = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter()
            .all(|r| r.get("approved_by") == Some(&Value::Null))
    );
    assert_eq!(rows[3]["reason"], "loss spike at step 4k");
}

/// The bodies the bot POSTed to the audit channel, once `n` have arrived.
async fn audit_posts(h: &BotHarness, n: usize) -> Vec<Value> {
    let posted = h
        .discord
        .wait_for_channel_messages(AUDIT_ROOM, n, REPLY_TIMEOUT)
        .await;
    assert_eq!(posted.len(), n, "audit posts: {posted:?}\n{}", h.logs());
    h.discord.channel_message_bodies(AUDIT_ROOM)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_channel_gets_one_line_per_attempt_and_never_the_link() {
    let h = BotHarness::start("e2e_guard_audit_channel", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    run(
        &h,
        admin(Some("policy"), "set").option_channel("audit_channel", AUDIT_ROOM),
    )
    .await;

    let (_, issued) = h
        .ask(
            share("dlc-posted")
                .option_str("expiry", "90m")
                .option_str("reason", "@everyone look **now**")
                .build(),
        )
        .await;
    assert_says(&issued, "Here is your share link");
    let (_, refused) = h.ask(share("bad id").build()).await;
    assert_says(&refused, "not valid");
    let (_, denied) = h
        .ask(
            CommandInteraction::share("tensorboard")
                .option_str("id", "tb-1")
                .roles([OTHER_ROLE])
                .build(),
        )
        .await;
    assert_says(&denied, "None of your roles");

    let bodies = audit_posts(&h, 3).await;
    let token = h.pai_dlc.issued_tokens().pop().expect("one token issued");
    for body in &bodies {
        assert_eq!(
            body["allowed_mentions"]["parse"],
            serde_json::json!([]),
            "{body}"
        );
        let text = body.to_string();
        assert!(
            !text.contains(&token) && !text.contains(&PaiDlcServer::in_link(&token)),
            "no token: {text}"
        );
        assert!(!text.contains("http"), "no link: {text}");
        assert!(
            body["content"]
                .as_str()
                .unwrap()
                .starts_with(&format!("<@{USER_ID}>")),
            "{body}"
        );
    }
    let content = |i: usize| bodies[i]["content"].as_str().unwrap().to_owned();
    has(
        &content(0),
        "`/share job` `dlc-posted` for 1h30m → **issued**",
    );
    has(&content(0), "Reason: \\@everyone look \\*\\*now\\*\\*");
    has(&content(1), "→ **invalid_input** (`invalid_id`)");
    has(&content(2), "`/share tensorboard` `tb-1`");
    has(&content(2), "→ **denied_role** (`missing_role`)");

    // A channel the bot may not post in: the member still gets the link; the failure is
    // logged and counted.
    h.discord.forbid_channel(AUDIT_ROOM);
    let (id, r) = h.ask(share("dlc-after").build()).await;
    assert_says(&r, "Here is your share link");
    assert_eq!(h.audit_row(&id).await["outcome"], "issued");
    let deadline = std::time::Instant::now() + REPLY_TIMEOUT;
    while h.discord.refused_channel_posts().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refused = h.discord.refused_channel_posts();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("403"), "{refused:?}");
    let (_, metrics) = h.ops_get("/metrics").await;
    has(
        &metrics,
        "dlcshare_audit_channel_posts_total{result=\"failed\"} 1",
    );
    has(
        &metrics,
        "dlcshare_audit_channel_posts_total{result=\"ok\"} 3",
    );
    // The log line is written just after the count; give it a moment to reach the file.
    let deadline = std::time::Instant::now() + REPLY_TIMEOUT;
    while !h.logs().contains("could not post to the audit channel")
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    has(&h.logs(), "could not post to the audit channel");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_is_a_dry_run_from_the_members_resolved_roles() {
    let h = BotHarness::start("e2e_guard_explain", &[]).await;
    run(
        &h,
        admin(Some("roles"), "add")
            .option_role("role", ALLOWED_ROLE)
            .option_str("max_expiry", "1h"),
    )
    .await;
    run(
        &h,
        admin(Some("channels"), "add").option_channel("channel", SHARE_ROOM),
    )
    .await;
    // One real share uses one of the member's three.
    let (_, r) = h.ask(share("dlc-x").channel(SHARE_ROOM).build()).await;
    assert_says(&r, "Here is your share link");
    let rows_before = h.audit_outcomes().await.len();

    let explain =
        |roles: Vec<u64>| admin(None, "explain").option_member("user", USER_ID, "tester", roles);
    let over = run(
        &h,
        explain(vec![ALLOWED_ROLE])
            .option_channel("channel", SHARE_ROOM)
            .option_str("expiry", "2h"),
    )
    .await;
    has(
        &over,
        &format!("⛔ <@{USER_ID}> could not share in <#{SHARE_ROOM}>"),
    );
    has(&over, "above their cap of 1h");
    has(&over, "2 more requests right now (2 of their own");

    let fine = run(
        &h,
        explain(vec![ALLOWED_ROLE]).option_thread("channel", ROOM_THREAD, SHARE_ROOM),
    )
    .await;
    has(
        &fine,
        &format!("✅ <@{USER_ID}> could share in <#{ROOM_THREAD}>"),
    );
    has(&fine, "Channel: allowed");
    has(&fine, "Their cap: **1h**; their default: **1h**");
    has(&fine, "Without an expiry they would get 1h.");

    // Without a channel option: the admin's own channel, which is not listed.
    let here = run(&h, explain(vec![ALLOWED_ROLE])).await;
    has(&here, &format!("could not share in <#{CHANNEL_ID}>"));
    has(&here, &format!("works only in <#{SHARE_ROOM}>"));

    let no_role = run(
        &h,
        explain(vec![OTHER_ROLE]).option_channel("channel", SHARE_ROOM),
    )
    .await;
    has(&no_role, "none of their roles is allowed");

    // Nothing recorded, nothing issued, nothing used up.
    assert_eq!(h.audit_outcomes().await.len(), rows_before);
    assert_eq!(h.pai_dlc.arrivals(), 1);
    let again = run(
        &h,
        explain(vec![ALLOWED_ROLE]).option_channel("channel", SHARE_ROOM),
    )
    .await;
    has(&again, "2 more requests");

    // A role's cap is offered only up to the guild's maximum.
    run(
        &h,
        admin(Some("policy"), "set").option_str("max_expiry", "1d"),
    )
    .await;
    let auto = admin(Some("roles"), "add")
        .option_role("role", OTHER_ROLE)
        .autocomplete("max_expiry")
        .build();
    let id = h.discord.send_interaction(auto).await;
    let offered: Vec<String> = h
        .discord
        .wait_for_reply(&id, REPLY_TIMEOUT)
        .await
        .expect("autocomplete answered")
        .choices()
        .iter()
        .map(|c| c["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(offered, ["15m", "30m", "1h", "6h", "12h", "1d"]);
}
