//! Trust, round 3, end to end through the real bot: every interaction is acted on at most
//! once whatever is replayed, and in HTTP mode nothing the member must see is done before
//! Discord has shown the deferral.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support;
use support::bot::{ALLOWED_ROLE, BotHarness, assert_says};
use support::discord::{CommandInteraction, ComponentInteraction, GUILD_ID, MANAGE_GUILD, USER_ID};

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
    assert_eq!(
        h.gettoken.arrivals(),
        0,
        "a member with no role got no link"
    );
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
        h.gettoken.issued_tokens().len(),
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
    assert_eq!(h.gettoken.arrivals(), 0, "GetToken was not called");
    assert!(h.discord.replies(&id).edits.is_empty());

    // The next request, acknowledged, is served as usual.
    let (_, _, served) = h.ask_http(share("dlc-found", &[ALLOWED_ROLE])).await;
    assert_says(&served, "dlc-found");
}

const APPROVER: u64 = 1_180_000_000_000_000_901;
const APPROVER_ROLE: u64 = 1_180_000_000_000_000_601;
const APPROVALS_ROOM: u64 = 1_180_000_000_000_008_001;

/// `ALLOWED_ROLE` capped at 1 h, approvals in `APPROVALS_ROOM` by `APPROVER_ROLE`.
fn approvals_setup() -> Vec<Value> {
    vec![
        admin(Some("roles"), "add")
            .option_role("role", ALLOWED_ROLE)
            .option_str("max_expiry", "1h")
            .build(),
        admin(Some("policy"), "set")
            .option_channel("approvals_channel", APPROVALS_ROOM)
            .option_role("approver_role", APPROVER_ROLE)
            .build(),
    ]
}

fn share_for(id: &str, expiry: &str) -> Value {
    CommandInteraction::share("job")
        .option_str("id", id)
        .option_str("expiry", expiry)
        .roles([ALLOWED_ROLE])
        .build()
}

/// The newest card in the approvals channel, waiting for `count` cards in all.
async fn card(h: &BotHarness, count: usize) -> (Value, String) {
    let cards = h
        .discord
        .wait_for_channel_messages(APPROVALS_ROOM, count, support::bot::REPLY_TIMEOUT)
        .await;
    let card = cards.last().expect("a card").clone();
    let approve = card["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("an approve button")
        .to_owned();
    (card, approve)
}

fn approve_click(custom_id: &str, card: &Value) -> Value {
    ComponentInteraction::button(custom_id, card)
        .user(APPROVER, "approver")
        .roles([APPROVER_ROLE])
        .build()
}

async fn row(h: &BotHarness, id: &str) -> (String, Option<String>, Option<String>) {
    let row = h.audit_row(id).await;
    (
        row["outcome"].as_str().unwrap().to_owned(),
        row["error_code"].as_str().map(str::to_owned),
        row["approved_by"].as_str().map(str::to_owned),
    )
}

/// A member whose allowed role was taken away after the approval presses their claim button
/// (in their DM, so the bot asks Discord for their roles): refused, audited, nothing issued.
/// A request approved after the guild's maximum was lowered below it ends at the approval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_and_claims_recheck_the_rules_in_force() {
    let h = BotHarness::start("trust_recheck", &[]).await;
    for command in approvals_setup() {
        h.ask(command).await;
    }

    // 1. Approved, then the role goes; the claim from the DM is refused.
    let (share_id, _) = h.ask(share_for("dlc-role-gone", "2d")).await;
    let (card1, approve) = card(&h, 1).await;
    let (_, approved) = h.ask(approve_click(&approve, &card1)).await;
    assert_says(&approved, "You approved it");
    assert!(
        support::bot::wait_until(|| !h.discord.dm_messages(USER_ID).is_empty()).await,
        "the requester's DM"
    );
    let dm = h.discord.dm_messages(USER_ID)[0].clone();
    let claim = dm["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.discord.set_member_roles(GUILD_ID, USER_ID, &[]);
    let (_, refused) = h
        .ask(
            ComponentInteraction::button(&claim, &dm)
                .user(USER_ID, "tester")
                .in_dm()
                .build(),
        )
        .await;
    assert_says(&refused, "no longer holds a role allowed to share");
    assert_eq!(
        row(&h, &share_id).await,
        (
            "denied_role".into(),
            Some("missing_role".into()),
            Some(APPROVER.to_string())
        )
    );
    assert_eq!(h.gettoken.arrivals(), 0, "nothing issued");

    // 2. The guild's maximum is lowered to 1d while a 6d request waits: approving ends it.
    h.discord
        .set_member_roles(GUILD_ID, USER_ID, &[ALLOWED_ROLE]);
    let (share_id, _) = h.ask(share_for("dlc-max-lowered", "6d")).await;
    let (card2, approve) = card(&h, 2).await;
    h.ask(
        admin(Some("policy"), "set")
            .option_str("max_expiry", "1d")
            .build(),
    )
    .await;
    let (_, ended) = h.ask(approve_click(&approve, &card2)).await;
    assert_says(&ended, "maximum is now 1d");
    assert_eq!(
        row(&h, &share_id).await,
        (
            "invalid_input".into(),
            Some("invalid_expiry".into()),
            Some(APPROVER.to_string())
        )
    );
    assert!(
        support::bot::wait_until(|| {
            let cards = h.discord.channel_messages(APPROVALS_ROOM);
            cards.len() == 2 && cards[1]["components"] == json!([])
        })
        .await,
        "the card loses its buttons"
    );
    assert!(
        support::discord::visible_text(&h.discord.channel_messages(APPROVALS_ROOM)[1])
            .contains("No longer allowed")
    );
    assert_eq!(h.gettoken.arrivals(), 0);
}

/// HTTP mode: a claim whose inline deferral never reached Discord decides nothing; the
/// approval stays claimable and the next claim issues the link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_whose_deferral_was_lost_stays_claimable() {
    let h = BotHarness::start_http("trust_lost_claim", &[]).await;
    for command in approvals_setup() {
        h.ask_http(command).await;
    }
    let (share_id, _, _) = h.ask_http(share_for("dlc-claim-later", "2d")).await;
    let (card1, approve) = card(&h, 1).await;
    h.ask_http(approve_click(&approve, &card1)).await;
    assert!(
        support::bot::wait_until(|| !h.discord.dm_messages(USER_ID).is_empty()).await,
        "the requester's DM"
    );
    let dm = h.discord.dm_messages(USER_ID)[0].clone();
    let claim = dm["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let click = || {
        ComponentInteraction::button(&claim, &dm)
            .user(USER_ID, "tester")
            .roles([ALLOWED_ROLE])
            .build()
    };
    let (status, _) = h.discord.deliver_lost(h.endpoint(), click()).await;
    assert_eq!(status, 200);
    // Past the bot's look for the deferral: it has given up on that click by now.
    tokio::time::sleep(
        dlc_share_bot::discord::responder::CONFIRM_WINDOW + Duration::from_millis(500),
    )
    .await;
    assert_eq!(h.gettoken.arrivals(), 0);
    assert_eq!(row(&h, &share_id).await.0, "pending_approval");
    let (_, _, link) = h.ask_http(click()).await;
    assert_says(&link, "Here is your share link");
    assert_eq!(row(&h, &share_id).await.0, "issued");
}
