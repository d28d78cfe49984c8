//! End to end: approvals through the real bot binary, the local Discord server
//! (cards in a channel, button clicks, DMs), the verifying GetToken endpoint and PostgreSQL.

use crate::support;
use serde_json::Value;
use support::bot::{ALLOWED_ROLE, BotHarness, REPLY_TIMEOUT, assert_says, wait_until};
use support::discord::{CommandInteraction, ComponentInteraction, MANAGE_GUILD, Reply, USER_ID};

const ADMIN: u64 = 1_180_000_000_000_000_900;
const APPROVER: u64 = 1_180_000_000_000_000_901;
const OTHER_APPROVER: u64 = 1_180_000_000_000_000_902;
const BYSTANDER: u64 = 1_180_000_000_000_000_903;
const APPROVER_ROLE: u64 = 1_180_000_000_000_000_601;
const APPROVALS_ROOM: u64 = 1_180_000_000_000_008_001;

fn admin(group: Option<&str>, sub: &str) -> CommandInteraction {
    CommandInteraction::admin(group, sub)
        .permissions(MANAGE_GUILD)
        .user(ADMIN, "admin")
}

/// `ALLOWED_ROLE` capped at 1 h, approvals in `APPROVALS_ROOM` by `APPROVER_ROLE`.
fn setup() -> Vec<Value> {
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

fn share_for(expiry: &str) -> Value {
    CommandInteraction::share("job")
        .option_str("id", "dlc-weekend")
        .option_str("expiry", expiry)
        .option_str("reason", "weekend run")
        .roles([ALLOWED_ROLE])
        .build()
}

fn click(custom_id: &str, message: &Value, user: u64, roles: &[u64]) -> ComponentInteraction {
    ComponentInteraction::button(custom_id, message)
        .user(user, &format!("user-{user}"))
        .roles(roles.iter().copied())
}

/// The one card in the approvals channel, and its approval id.
async fn the_card(h: &BotHarness) -> (Value, u64) {
    let cards = h
        .discord
        .wait_for_channel_messages(APPROVALS_ROOM, 1, REPLY_TIMEOUT)
        .await;
    assert_eq!(cards.len(), 1, "one card: {cards:?}\n{}", h.logs());
    let card = cards[0].clone();
    let approve = card["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("an approve button")
        .to_owned();
    let id = approve
        .strip_prefix("share-approve:")
        .expect("the share-approve prefix")
        .parse()
        .unwrap();
    (card, id)
}

/// The card as it is now.
fn card_now(h: &BotHarness) -> Value {
    h.discord.channel_messages(APPROVALS_ROOM)[0].clone()
}

async fn outcome(h: &BotHarness, id: &str) -> (String, Option<String>, Option<String>) {
    let row = h.audit_row(id).await;
    (
        row["outcome"].as_str().unwrap().to_owned(),
        row["error_code"].as_str().map(str::to_owned),
        row["approved_by"].as_str().map(str::to_owned),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_then_the_requester_claims_one_link() {
    let h = BotHarness::start("e2e_approve", &[]).await;
    for command in setup() {
        h.ask(command).await;
    }
    let (share_id, r) = h.ask(share_for("1d")).await;
    assert_says(&r, &format!("sent for approval in <#{APPROVALS_ROOM}>"));
    assert_eq!(outcome(&h, &share_id).await.0, "pending_approval");
    assert_eq!(h.pai_dlc.arrivals(), 0);

    let (card, approval) = the_card(&h).await;
    let posted = &h.discord.channel_message_bodies(APPROVALS_ROOM)[0];
    assert_eq!(posted["content"], format!("<@&{APPROVER_ROLE}>"));
    assert_eq!(posted["allowed_mentions"]["parse"], serde_json::json!([]));
    assert_eq!(
        posted["allowed_mentions"]["roles"],
        serde_json::json!([APPROVER_ROLE.to_string()]),
        "it may ping the approver role, nobody else"
    );
    let description = card["embeds"][0]["description"].as_str().unwrap();
    assert!(
        description.contains(&format!(
            "<@{USER_ID}> asks to share DLC job `dlc-weekend` for **1d**"
        )) && description.contains("weekend run"),
        "{description}"
    );

    // The requester, even as an admin with the approver role, cannot approve.
    let approve = format!("share-approve:{approval}");
    let (_, mine) = h
        .ask(
            click(&approve, &card, USER_ID, &[ALLOWED_ROLE, APPROVER_ROLE])
                .permissions(MANAGE_GUILD)
                .build(),
        )
        .await;
    assert_says(&mine, "cannot approve or deny your own request");
    let (_, nobody) = h
        .ask(click(&approve, &card, BYSTANDER, &[ALLOWED_ROLE]).build())
        .await;
    assert_says(
        &nobody,
        "Only server admins and holders of the approver role",
    );
    assert_eq!(outcome(&h, &share_id).await.0, "pending_approval");

    let (_, approved) = h
        .ask(click(&approve, &card, APPROVER, &[APPROVER_ROLE]).build())
        .await;
    assert_says(&approved, "You approved it");
    assert!(
        wait_until(|| card_now(&h)["components"] == serde_json::json!([])).await,
        "the card loses its buttons: {}",
        card_now(&h)
    );
    let decided = card_now(&h)["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        decided.contains(&format!("Approved by <@{APPROVER}>")),
        "{decided}"
    );
    let (row_outcome, _, approved_by) = outcome(&h, &share_id).await;
    assert_eq!(row_outcome, "pending_approval", "approved, not yet claimed");
    assert_eq!(approved_by, Some(APPROVER.to_string()));

    // Told in their original reply and by DM, both with the claim button.
    assert!(
        wait_until(|| !h.discord.dm_messages(USER_ID).is_empty()).await,
        "a DM"
    );
    let dm = h.discord.dm_messages(USER_ID)[0].clone();
    let claim = format!("share-claim:{approval}");
    assert_eq!(
        dm["components"][0]["components"][0]["custom_id"],
        claim.as_str()
    );
    assert!(
        dm["content"].as_str().unwrap().contains("was approved by"),
        "{dm}"
    );
    let edits = h.discord.replies(&share_id).edits;
    assert_eq!(edits.len(), 2, "the reply was edited again: {edits:?}");
    assert_eq!(
        edits[1]["components"][0]["components"][0]["custom_id"],
        claim.as_str()
    );
    for text in [dm.to_string(), edits[1].to_string()] {
        assert!(!text.contains("http"), "no link before the claim: {text}");
    }

    // Someone else's claim issues nothing; the requester's does, once.
    let (_, theirs) = h
        .ask(
            ComponentInteraction::button(&claim, &dm)
                .user(BYSTANDER, "bystander")
                .in_dm()
                .build(),
        )
        .await;
    assert_says(&theirs, "Only the member who asked can claim");
    let (_, link) = h
        .ask(
            ComponentInteraction::button(&claim, &dm)
                .user(USER_ID, "tester")
                .in_dm()
                .build(),
        )
        .await;
    assert_says(&link, "Here is your share link");
    assert!(link.is_ephemeral(), "the link is ephemeral");
    assert_eq!(h.pai_dlc.arrivals(), 1);
    assert_eq!(
        h.pai_dlc.seen()[0].query["ExpireTime"],
        "86400",
        "the approved expiry"
    );
    let (row_outcome, _, approved_by) = outcome(&h, &share_id).await;
    assert_eq!(row_outcome, "issued");
    assert_eq!(approved_by, Some(APPROVER.to_string()));
    let row = h.audit_row(&share_id).await;
    assert!(row["token_sha256"].as_str().is_some());

    let (_, again) = h
        .ask(
            ComponentInteraction::button(&claim, &dm)
                .user(USER_ID, "tester")
                .in_dm()
                .build(),
        )
        .await;
    assert_says(&again, "claimed already");
    assert_eq!(h.pai_dlc.arrivals(), 1, "a second claim issues nothing");

    let events: Vec<(String, String)> =
        sqlx::query_as("SELECT action, result FROM approval_events ORDER BY id")
            .fetch_all(&h.pool)
            .await
            .unwrap();
    let events: Vec<(&str, &str)> = events
        .iter()
        .map(|(a, r)| (a.as_str(), r.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("approve", "own_request"),
            ("approve", "not_approver"),
            ("approve", "approved"),
            ("claim", "not_requester"),
            ("claim", "issued"),
            ("claim", "already_decided")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_tells_the_requester_and_two_approvers_at_once_make_one_decision() {
    let h = BotHarness::start("e2e_deny", &[]).await;
    for command in setup() {
        h.ask(command).await;
    }
    let (share_id, _) = h.ask(share_for("2h")).await;
    let (card, approval) = the_card(&h).await;
    // Two approvers click at the same moment: one decides, the other is told.
    let approve = click(
        &format!("share-approve:{approval}"),
        &card,
        APPROVER,
        &[APPROVER_ROLE],
    )
    .build();
    let deny = click(
        &format!("share-deny:{approval}"),
        &card,
        OTHER_APPROVER,
        &[],
    )
    .permissions(MANAGE_GUILD)
    .build();
    let (a, b) = tokio::join!(
        h.discord.send_interaction(approve),
        h.discord.send_interaction(deny)
    );
    let replies: Vec<Reply> = futures::future::join_all(
        [a, b]
            .iter()
            .map(|id| h.discord.wait_for_reply(id, REPLY_TIMEOUT)),
    )
    .await
    .into_iter()
    .map(|r| r.expect("both clicks answered"))
    .collect();
    let texts: Vec<String> = replies.iter().map(Reply::final_content).collect();
    let decided = texts
        .iter()
        .filter(|t| t.starts_with("You approved it") || t.starts_with("You denied it"))
        .count();
    let told = texts.iter().filter(|t| t.contains("already")).count();
    assert_eq!((decided, told), (1, 1), "{texts:?}");
    let (row_outcome, _, decider) = outcome(&h, &share_id).await;
    assert!(
        ["pending_approval", "denied_approval"].contains(&row_outcome.as_str()),
        "{row_outcome}"
    );
    assert!(decider.is_some());

    // A fresh request, denied: the requester is told, the row says who.
    let (second, _) = h.ask(share_for("3h")).await;
    let cards = h
        .discord
        .wait_for_channel_messages(APPROVALS_ROOM, 2, REPLY_TIMEOUT)
        .await;
    let card = cards[1].clone();
    let id = card["components"][0]["components"][1]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("share-deny:"), "{id}");
    let (_, r) = h
        .ask(click(&id, &card, APPROVER, &[APPROVER_ROLE]).build())
        .await;
    assert_says(&r, "You denied it");
    let (row_outcome, code, by) = outcome(&h, &second).await;
    assert_eq!(
        (row_outcome.as_str(), code.as_deref(), by),
        (
            "denied_approval",
            Some("denied"),
            Some(APPROVER.to_string())
        )
    );
    assert!(
        wait_until(
            || h.discord.dm_messages(USER_ID).iter().any(|m| m["content"]
                .as_str()
                .unwrap_or_default()
                .contains("was denied by"))
        )
        .await
    );
    // Its buttons do nothing now.
    let approve_late = id.replace("share-deny:", "share-approve:");
    let (_, late) = h
        .ask(click(&approve_late, &card, APPROVER, &[APPROVER_ROLE]).build())
        .await;
    assert_says(&late, "already denied");
    assert_eq!(h.pai_dlc.arrivals(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecided_requests_expire_and_their_cards_say_so() {
    let h = BotHarness::start(
        "e2e_approval_timeout",
        &[("DLCSHARE_SHARE__APPROVAL_TIMEOUT", "2s")],
    )
    .await;
    for command in setup() {
        h.ask(command).await;
    }
    let (share_id, _) = h.ask(share_for("1d")).await;
    let (card, approval) = the_card(&h).await;
    assert!(
        wait_until(|| card_now(&h)["embeds"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("Expired")))
        .await,
        "the sweeper edits the card: {}",
        card_now(&h)
    );
    assert_eq!(card_now(&h)["components"], serde_json::json!([]));
    let (row_outcome, code, _) = outcome(&h, &share_id).await;
    assert_eq!(
        (row_outcome.as_str(), code.as_deref()),
        ("approval_expired", Some("not_decided"))
    );
    let (_, r) = h
        .ask(
            click(
                &format!("share-approve:{approval}"),
                &card,
                APPROVER,
                &[APPROVER_ROLE],
            )
            .build(),
        )
        .await;
    assert_says(&r, "expired");
    assert_eq!(h.pai_dlc.arrivals(), 0);
}

/// HTTP mode: the card is posted by one process, which then stops; the approval and the
/// claim are clicked on another. Pending approvals live in PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_work_on_another_replica_after_a_restart() {
    let mut h = BotHarness::start_http("e2e_approval_replica", &[]).await;
    for command in setup() {
        h.ask_http(command).await;
    }
    let (share_id, _, r) = h.ask_http(share_for("1d")).await;
    assert_says(&r, "sent for approval");
    let (card, approval) = the_card(&h).await;
    let other = h.add_replica(&[]).await;
    assert!(h.terminate().success(), "the first process stops cleanly");

    let approve = click(
        &format!("share-approve:{approval}"),
        &card,
        APPROVER,
        &[APPROVER_ROLE],
    );
    let (status, _) = h.discord.deliver(&other, approve.build()).await;
    assert_eq!(status, 200);
    assert!(
        wait_until(|| !h.discord.dm_messages(USER_ID).is_empty()).await,
        "the requester is told by the other replica"
    );
    let dm = h.discord.dm_messages(USER_ID)[0].clone();
    let claim = ComponentInteraction::button(&format!("share-claim:{approval}"), &dm)
        .user(USER_ID, "tester")
        .in_dm()
        .build();
    let claim_id = claim["id"].as_str().unwrap().to_owned();
    let (status, _) = h.discord.deliver(&other, claim).await;
    assert_eq!(status, 200);
    let reply = h
        .discord
        .wait_for_reply(&claim_id, REPLY_TIMEOUT)
        .await
        .expect("the claim is answered");
    assert_says(&reply, "Here is your share link");
    assert_eq!(outcome(&h, &share_id).await.0, "issued");
    assert_eq!(h.pai_dlc.arrivals(), 1);
}

/// An approvals channel the bot may not post in: the member is told at once, nobody waits for
/// a card nobody can see, and the row says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_that_cannot_be_posted_ends_the_request_at_once() {
    let h = BotHarness::start("e2e_approval_no_card", &[]).await;
    for command in setup() {
        h.ask(command).await;
    }
    h.discord.forbid_channel(APPROVALS_ROOM);
    let (share_id, r) = h.ask(share_for("1d")).await;
    assert_says(&r, "could not post the request");
    assert_says(&r, "Nothing was shared");
    let (row_outcome, code, _) = outcome(&h, &share_id).await;
    assert_eq!(
        (row_outcome.as_str(), code.as_deref()),
        ("approval_expired", Some("card_not_posted"))
    );
    assert_eq!(h.discord.refused_channel_posts().len(), 1);
    assert!(h.discord.channel_messages(APPROVALS_ROOM).is_empty());
    assert_eq!(h.pai_dlc.arrivals(), 0);
}

/// The requester's DM telling them of the approval, and its claim button's `custom_id`.
async fn claim_in_dm(h: &BotHarness) -> (Value, String) {
    assert!(
        wait_until(|| !h.discord.dm_messages(USER_ID).is_empty()).await,
        "the requester's DM"
    );
    let dm = h.discord.dm_messages(USER_ID)[0].clone();
    let claim = dm["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (dm, claim)
}

fn approve_click(approval: u64, card: &Value) -> Value {
    click(
        &format!("share-approve:{approval}"),
        card,
        APPROVER,
        &[APPROVER_ROLE],
    )
    .build()
}

/// A member whose allowed role was taken away after the approval presses the claim button in
/// their DM (so the bot asks Discord for their roles): refused, audited, nothing issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_after_the_requesters_role_was_taken_is_refused() {
    let h = BotHarness::start("e2e_recheck_claim", &[]).await;
    for command in setup() {
        h.ask(command).await;
    }
    let (share_id, _) = h.ask(share_for("2d")).await;
    let (card, approval) = the_card(&h).await;
    let (_, approved) = h.ask(approve_click(approval, &card)).await;
    assert_says(&approved, "You approved it");
    let (dm, claim) = claim_in_dm(&h).await;
    h.discord
        .set_member_roles(support::discord::GUILD_ID, USER_ID, &[]);
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
        outcome(&h, &share_id).await,
        (
            "denied_role".into(),
            Some("missing_role".into()),
            Some(APPROVER.to_string())
        )
    );
    assert_eq!(h.pai_dlc.arrivals(), 0, "nothing issued");
}

/// The guild's maximum is lowered to 1d while a 2d request waits: approving it ends it, the
/// card says so, and nothing is issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_after_the_maximum_was_lowered_ends_the_request() {
    let h = BotHarness::start("e2e_recheck_approve", &[]).await;
    for command in setup() {
        h.ask(command).await;
    }
    let (share_id, _) = h.ask(share_for("2d")).await;
    let (card, approval) = the_card(&h).await;
    h.ask(
        admin(Some("policy"), "set")
            .option_str("max_expiry", "1d")
            .build(),
    )
    .await;
    let (_, ended) = h.ask(approve_click(approval, &card)).await;
    assert_says(&ended, "maximum is now 1d");
    assert_eq!(
        outcome(&h, &share_id).await,
        (
            "invalid_input".into(),
            Some("invalid_expiry".into()),
            Some(APPROVER.to_string())
        )
    );
    assert!(
        wait_until(|| card_now(&h)["components"] == serde_json::json!([])).await,
        "the card loses its buttons"
    );
    assert!(support::discord::visible_text(&card_now(&h)).contains("No longer allowed"));
    assert_eq!(h.pai_dlc.arrivals(), 0);
}

/// HTTP mode: a claim whose inline deferral never reached Discord decides nothing; the
/// approval stays claimable and the next claim issues the link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_whose_deferral_was_lost_stays_claimable() {
    let h = BotHarness::start_http("e2e_lost_claim", &[]).await;
    for command in setup() {
        h.ask_http(command).await;
    }
    let (share_id, _, _) = h.ask_http(share_for("2d")).await;
    let (card, approval) = the_card(&h).await;
    h.ask_http(approve_click(approval, &card)).await;
    let (dm, claim) = claim_in_dm(&h).await;
    let claim_click = || {
        ComponentInteraction::button(&claim, &dm)
            .user(USER_ID, "tester")
            .roles([ALLOWED_ROLE])
            .build()
    };
    let (status, _) = h.discord.deliver_lost(h.endpoint(), claim_click()).await;
    assert_eq!(status, 200);
    // Past the bot's look for the deferral: it has given up on that click by now.
    tokio::time::sleep(
        dlc_share_bot::discord::responder::CONFIRM_WINDOW + std::time::Duration::from_millis(500),
    )
    .await;
    assert_eq!(h.pai_dlc.arrivals(), 0);
    assert_eq!(outcome(&h, &share_id).await.0, "pending_approval");
    let (_, _, link) = h.ask_http(claim_click()).await;
    assert_says(&link, "Here is your share link");
    assert_eq!(outcome(&h, &share_id).await.0, "issued");
}
