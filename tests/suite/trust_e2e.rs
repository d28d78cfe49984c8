//! Trust end to end, through the real bot: every interaction is acted on at most
//! once whatever is replayed, and in HTTP mode nothing the member must see is done before
//! Discord has shown the deferral.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support;
use support::bot::{ALLOWED_ROLE, BotHarness, assert_says};
use support::discord::{CommandInteraction, GUILD_ID, MANAGE_GUILD};

const ADMIN: u64 = 1_180_000_000_000_000_900;

fn admin(group: Option<&str>, sub: &str) -> CommandInteraction {
    CommandInteraction::admin(group, sub)
        .permissions(MANAGE_GUILD)
        .user(ADMIN, "admin")
}

fn share(id: &str, roles: &[u64]) -> Value {
    CommandInteraction::share("job")
        .option_str("id", id)
        .roles(roles.iter().copied())
        .build()
}

async fn admin_changes(h: &BotHarness) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM admin_changes")
        .fetch_one(&h.pool)
        .await
        .expect("count admin_changes")
}

/// A signed admin command replayed within Discord's five-minute window is not executed again:
/// `roles add @everyone`, undone by the admin, stays undone, and a member with no role gets no
/// link. Replays of an answered `/share` use up nothing of the member's rate limit and never
/// touch the answer the member has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_http_deliveries_change_nothing() {
    let env = [
        ("DLCSHARE_RATELIMIT__USER_BURST", "2"),
        ("DLCSHARE_RATELIMIT__USER_PER_MINUTE", "1"),
    ];
    let h = BotHarness::start_http("trust_replays", &env).await;
    // `@everyone`'s role id is the guild's.
    let everyone = admin(Some("roles"), "add")
        .option_role("role", GUILD_ID)
        .build();
    let (_, _, added) = h.ask_http(everyone.clone()).await;
    assert_says(&added, "may now share");
    let (_, _, removed) = h
        .ask_http(
            admin(Some("roles"), "remove")
                .option_role("role", GUILD_ID)
                .build(),
        )
        .await;
    assert_says(&removed, "may no longer share");
    let changes = admin_changes(&h).await;

    // The attacker replays the signed `roles add` (the response goes to them, not Discord).
    for _ in 0..3 {
        let (status, _) = h.discord.deliver_lost(h.endpoint(), everyone.clone()).await;
        assert_eq!(status, 200);
    }
    let (_, _, nobody) = h.ask_http(share("dlc-nobody", &[])).await;
    assert_says(&nobody, "Nothing was shared");
    assert_eq!(h.pai_dlc.arrivals(), 0, "a member with no role got no link");
    assert_eq!(
        admin_changes(&h).await,
        changes,
        "the replays changed nothing"
    );

    // A member's share, replayed: the member's limit (burst 2) is still there afterwards.
    h.allow_role(ALLOWED_ROLE).await;
    let first = share("dlc-first", &[ALLOWED_ROLE]);
    let first_id = first["id"].as_str().unwrap().to_owned();
    let (_, _, answered) = h.ask_http(first.clone()).await;
    assert_says(&answered, "dlc-first");
    let edits = h.discord.replies(&first_id).edits.len();
    for _ in 0..4 {
        let (status, _) = h.discord.deliver_lost(h.endpoint(), first.clone()).await;
        assert_eq!(status, 200);
    }
    let (_, _, second) = h.ask_http(share("dlc-second", &[ALLOWED_ROLE])).await;
    assert_says(&second, "dlc-second");
    assert_eq!(
        h.pai_dlc.issued_tokens().len(),
        2,
        "one token each, none for a replay"
    );
    assert_eq!(
        h.discord.replies(&first_id).edits.len(),
        edits,
        "a replay never edits the member's answer"
    );
    let (_, metrics) = h.ops_get("/metrics").await;
    assert!(metrics.contains(r#"outcome="replayed""#), "{metrics}");
}

/// Over the gateway, Discord delivering an admin command twice runs it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_command_delivered_twice_runs_once() {
    let h = BotHarness::start("trust_gateway_twice", &[]).await;
    let add = admin(Some("roles"), "add")
        .option_role("role", ALLOWED_ROLE)
        .build();
    h.ask(add.clone()).await;
    let changes = admin_changes(&h).await;
    h.ask(
        admin(Some("roles"), "remove")
            .option_role("role", ALLOWED_ROLE)
            .build(),
    )
    .await;
    h.discord.send_interaction(add).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        admin_changes(&h).await,
        changes + 1,
        "only the remove was added"
    );
    let roles: i64 = sqlx::query_scalar("SELECT count(*) FROM guild_allowed_roles")
        .fetch_one(&h.pool)
        .await
        .unwrap();
    assert_eq!(roles, 0);
}

/// The deferral answered in the HTTP response never reaches Discord: the bot calls nothing
/// upstream and audits `internal_error` / `unacknowledged`; the member saw nothing, and the
/// row says so instead of `issued`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_inline_deferral_issues_nothing() {
    let h = BotHarness::start_http("trust_lost_ack", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    let lost = share("dlc-lost", &[ALLOWED_ROLE]);
    let id = lost["id"].as_str().unwrap().to_owned();
    let (status, body) = h.discord.deliver_lost(h.endpoint(), lost).await;
    assert_eq!(
        (status, body),
        (200, json!({"type": 5, "data": {"flags": 64}}))
    );
    assert_eq!(
        h.wait_for_audit(&id).await,
        ("internal_error".into(), Some("unacknowledged".into()))
    );
    assert_eq!(h.pai_dlc.arrivals(), 0, "GetToken was not called");
    assert!(h.discord.replies(&id).edits.is_empty());

    // The next request, acknowledged, is served as usual.
    let (_, _, served) = h.ask_http(share("dlc-found", &[ALLOWED_ROLE])).await;
    assert_says(&served, "dlc-found");
}
