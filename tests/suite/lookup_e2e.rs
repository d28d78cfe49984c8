//! End to end: the look-up before a share (GetJob) and the operator's workspace rule, through
//! the real bot binary, the local Discord server, the verifying PAI-DLC stand-in and its
//! catalogue, and a real PostgreSQL database. The harness turns the look-up off by default;
//! these tests turn it on and share ids the stand-in's catalogue holds.

use crate::support;
use std::time::Duration;
use support::bot::{ALLOWED_ROLE, BotHarness, Env};
use support::discord::CommandInteraction;
use support::pai_dlc::{Behavior, HOSTILE_JOB_ID, Operation};
use support::{has, share};

const LOOKUP_ON: (&str, &str) = ("DLCSHARE_ALIYUN__LOOKUP", "true");

async fn started(name: &str, env: Env<'_>) -> BotHarness {
    let h = BotHarness::start(name, env).await;
    h.allow_role(ALLOWED_ROLE).await;
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_does_not_exist_is_refused_without_a_token() {
    let h = started("e2e_lookup_missing", &[LOOKUP_ON]).await;
    let (id, reply) = share(&h, "job", "dlc-nowhere").await;
    has(&reply, "There is no job or TensorBoard with that id");
    has(&reply, "Nothing was shared");
    assert_eq!(
        h.wait_for_audit(&id).await,
        ("invalid_input".into(), Some("target_not_found".into()))
    );
    assert_eq!(h.pai_dlc.calls(Operation::GetJob), 1);
    assert_eq!(
        h.pai_dlc.calls(Operation::GetToken),
        0,
        "no token requested"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_found_job_is_shared_with_its_escaped_name_and_recorded_with_it() {
    let h = started("e2e_lookup_found", &[LOOKUP_ON]).await;
    let (id, reply) = share(&h, "job", "dlc-vision-resnet").await;
    has(&reply, "Here is your share link");
    has(&reply, "resnet50 baseline");
    has(&reply, "Running");
    has(&reply, "`ws-vision`");
    let row = h.audit_row(&id).await;
    assert_eq!(row["outcome"], "issued");
    assert_eq!(row["target_name"], "resnet50 baseline");
    assert_eq!(row["workspace_id"], "ws-vision");

    // A hostile name is data: escaped, without its bidi override, cut to 100 characters.
    let (id, reply) = share(&h, "job", HOSTILE_JOB_ID).await;
    has(&reply, "Here is your share link");
    has(&reply, "\\*\\*\\@everyone\\*\\*");
    assert!(!reply.contains("<@123456789012345678>"), "{reply}");
    assert!(!reply.contains('\u{202E}'), "{reply}");
    assert!(!reply.contains(&"~".repeat(100)), "not cut: {reply}");
    let row = h.audit_row(&id).await;
    let stored = row["target_name"].as_str().unwrap();
    assert_eq!(stored.chars().count(), 100, "{stored}");
    assert!(
        stored.starts_with("**@everyone**"),
        "stored as data: {stored}"
    );
    assert_eq!(row["workspace_id"], "ws-nlp");

    // The admins' audit listing shows the names too, escaped.
    let audit = CommandInteraction::admin(None, "audit")
        .permissions(support::discord::MANAGE_GUILD)
        .user(1_180_000_000_000_000_900, "admin");
    let listing = h.ask(audit.build()).await.1.final_content();
    has(&listing, "`dlc-vision-resnet` (resnet50 baseline)");
    has(&listing, "\\*\\*\\@everyone\\*\\*");
    assert!(!listing.contains("<@123456789012345678>"), "{listing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_outside_the_operators_workspaces_is_refused() {
    let h = started(
        "e2e_lookup_workspace",
        &[
            LOOKUP_ON,
            ("DLCSHARE_ALIYUN__WORKSPACES", "[\"ws-vision\"]"),
        ],
    )
    .await;
    let (id, reply) = share(&h, "job", "dlc-nlp-bert").await;
    has(&reply, "`ws-vision`");
    has(&reply, "Nothing was shared");
    let row = h.audit_row(&id).await;
    assert_eq!(row["outcome"], "denied_workspace");
    assert_eq!(row["error_code"], "workspace_not_allowed");
    assert_eq!(row["workspace_id"], "ws-nlp", "where the refused target is");
    assert_eq!(
        row["target_name"],
        serde_json::Value::Null,
        "but not its name"
    );
    assert_eq!(h.pai_dlc.calls(Operation::GetToken), 0);

    let (id, reply) = share(&h, "job", "dlc-vision-vit").await;
    has(&reply, "Here is your share link");
    assert_eq!(h.wait_for_audit(&id).await.0, "issued");
    assert_eq!(h.pai_dlc.calls(Operation::GetToken), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_job_refused_by_ram_fails_closed_only_under_a_workspace_rule() {
    // No rule: shared without the details, and counted.
    let h = started("e2e_lookup_ram_open", &[LOOKUP_ON]).await;
    h.pai_dlc.deny(Operation::GetJob);
    let (id, reply) = share(&h, "job", "dlc-vision-resnet").await;
    has(&reply, "Here is your share link");
    assert!(!reply.contains("resnet50 baseline"), "{reply}");
    let row = h.audit_row(&id).await;
    assert_eq!(row["outcome"], "issued");
    assert_eq!(row["target_name"], serde_json::Value::Null);
    let (_, metrics) = h.ops_get("/metrics").await;
    let counted = metrics.lines().find(|l| {
        l.starts_with("dlcshare_lookup_failures_total{")
            && l.contains("operation=\"GetJob\"")
            && l.contains("code=\"Forbidden.RAM\"")
    });
    assert_eq!(
        counted.and_then(|l| l.rsplit(' ').next()),
        Some("1"),
        "{metrics}"
    );
    has(&h.logs(), "target look-up failed");
    drop(h);

    // A rule: nothing is shared from a workspace nobody could check.
    let h = started(
        "e2e_lookup_ram_rule",
        &[
            LOOKUP_ON,
            ("DLCSHARE_ALIYUN__WORKSPACES", "[\"ws-vision\"]"),
        ],
    )
    .await;
    h.pai_dlc.deny(Operation::GetJob);
    let (id, reply) = share(&h, "job", "dlc-vision-resnet").await;
    has(&reply, "Forbidden.RAM");
    assert_eq!(
        h.wait_for_audit(&id).await,
        ("upstream_error".into(), Some("Forbidden.RAM".into()))
    );
    assert_eq!(h.pai_dlc.calls(Operation::GetToken), 0);
    let (_, metrics) = h.ops_get("/metrics").await;
    assert!(
        !metrics.contains("dlcshare_gettoken_errors_total{"),
        "GetToken was never called: {metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_failing_or_slow_get_job_fails_closed_only_under_a_workspace_rule() {
    // Short timeouts, so that the slow look-up gives up within the test.
    let quick = [
        LOOKUP_ON,
        ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "1s"),
        ("DLCSHARE_ALIYUN__DEADLINE", "2s"),
    ];
    let ruled = [
        quick.as_slice(),
        &[("DLCSHARE_ALIYUN__WORKSPACES", "[\"ws-vision\"]")],
    ]
    .concat();
    for (name, env, rule) in [
        ("e2e_lookup_flaky_open", quick.as_slice(), false),
        ("e2e_lookup_flaky_rule", ruled.as_slice(), true),
    ] {
        let h = started(name, env).await;
        for (answer, code) in [
            (
                Behavior::Error {
                    status: 400,
                    code: "Throttling.User",
                },
                "Throttling.User",
            ),
            (
                Behavior::Error {
                    status: 503,
                    code: "ServiceUnavailable",
                },
                "ServiceUnavailable",
            ),
            (Behavior::Slow(Duration::from_secs(5)), "Timeout"),
        ] {
            h.pai_dlc.set_default_for(Operation::GetJob, answer);
            let (id, reply) = share(&h, "job", "dlc-vision-resnet").await;
            let row = h.wait_for_audit(&id).await;
            if rule {
                has(&reply, code);
                assert_eq!(row, ("upstream_error".into(), Some(code.into())), "{name}");
            } else {
                has(&reply, "Here is your share link");
                assert!(!reply.contains("resnet50 baseline"), "{reply}");
                assert_eq!(row, ("issued".into(), None), "{name}");
            }
        }
        let tokens = h.pai_dlc.calls(Operation::GetToken);
        assert_eq!(tokens, if rule { 0 } else { 3 }, "{name}: GetToken calls");
        let (_, metrics) = h.ops_get("/metrics").await;
        for code in ["Throttling.User", "ServiceUnavailable", "Timeout"] {
            assert!(
                metrics
                    .lines()
                    .any(|l| l.starts_with("dlcshare_lookup_failures_total{")
                        && l.contains(&format!("code=\"{code}\""))),
                "{name}: {code} counted: {metrics}"
            );
        }
    }
}

const ADMIN: u64 = 1_180_000_000_000_000_900;
const APPROVER: u64 = 1_180_000_000_000_000_901;
const APPROVER_ROLE: u64 = 1_180_000_000_000_000_601;
const APPROVALS_ROOM: u64 = 1_180_000_000_000_008_001;

fn admin(group: Option<&str>, sub: &str) -> CommandInteraction {
    CommandInteraction::admin(group, sub)
        .permissions(support::discord::MANAGE_GUILD)
        .user(ADMIN, "admin")
}

async fn run(h: &BotHarness, command: CommandInteraction) -> String {
    h.ask(command.build()).await.1.final_content()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_narrow_the_workspaces_and_a_claim_is_rechecked_against_them() {
    let h = BotHarness::start("e2e_lookup_guild_ws", &[LOOKUP_ON]).await;
    run(
        &h,
        admin(Some("roles"), "add")
            .option_role("role", ALLOWED_ROLE)
            .option_str("max_expiry", "1h"),
    )
    .await;
    run(
        &h,
        admin(Some("policy"), "set")
            .option_channel("approvals_channel", APPROVALS_ROOM)
            .option_role("approver_role", APPROVER_ROLE),
    )
    .await;
    let added = run(
        &h,
        admin(Some("workspaces"), "add").option_str("workspace", "ws-vision"),
    )
    .await;
    has(&added, "Workspace `ws-vision` is listed");
    let listed = run(&h, admin(Some("workspaces"), "list")).await;
    has(&listed, "This server lists: `ws-vision`");
    has(&listed, "only `ws-vision`");

    // Outside the guild's workspaces: refused, nothing issued.
    let (id, reply) = share(&h, "job", "dlc-nlp-bert").await;
    has(&reply, "`ws-vision`");
    assert_eq!(
        h.wait_for_audit(&id).await,
        (
            "denied_workspace".into(),
            Some("workspace_not_allowed".into())
        )
    );
    assert_eq!(h.pai_dlc.calls(Operation::GetToken), 0);

    // Inside, above the cap: looked up, sent for approval with the name on the card, approved.
    let ask = CommandInteraction::share("job")
        .option_str("id", "dlc-vision-resnet")
        .option_str("expiry", "1d")
        .roles([ALLOWED_ROLE]);
    let (share_id, reply) = h.ask(ask.build()).await;
    has(&reply.final_content(), "sent for approval");
    let cards = h
        .discord
        .wait_for_channel_messages(APPROVALS_ROOM, 1, support::bot::REPLY_TIMEOUT)
        .await;
    let card = cards[0].clone();
    let description = card["embeds"][0]["description"].as_str().unwrap();
    has(description, "`dlc-vision-resnet` (resnet50 baseline)");
    let approve = card["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let approval = approve.strip_prefix("share-approve:").unwrap().to_owned();
    let click = support::discord::ComponentInteraction::button(&approve, &card)
        .user(APPROVER, "approver")
        .roles([APPROVER_ROLE]);
    has(
        &h.ask(click.build()).await.1.final_content(),
        "You approved it",
    );

    // The admins move the guild to another workspace before the claim.
    let removed = run(
        &h,
        admin(Some("workspaces"), "remove").option_str("workspace", "ws-vision"),
    )
    .await;
    has(&removed, "is no longer listed");
    run(
        &h,
        admin(Some("workspaces"), "add").option_str("workspace", "ws-nlp"),
    )
    .await;
    assert!(
        support::bot::wait_until(|| !h.discord.dm_messages(support::discord::USER_ID).is_empty())
            .await,
        "a DM with the claim button"
    );
    let dm = h.discord.dm_messages(support::discord::USER_ID)[0].clone();
    let claim =
        support::discord::ComponentInteraction::button(&format!("share-claim:{approval}"), &dm)
            .user(support::discord::USER_ID, "member")
            .roles([ALLOWED_ROLE]);
    let refused = h.ask(claim.build()).await.1.final_content();
    has(&refused, "`ws-vision`");
    assert!(!refused.contains("http"), "no link: {refused}");
    let row = h.audit_row(&share_id).await;
    assert_eq!(row["outcome"], "denied_workspace");
    assert_eq!(row["error_code"], "workspace_not_allowed");
    assert_eq!(
        row["approved_by"],
        APPROVER.to_string(),
        "the approver is kept"
    );
    assert_eq!(h.pai_dlc.calls(Operation::GetToken), 0, "nothing issued");

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM admin_changes WHERE action LIKE 'workspace%' ORDER BY id",
    )
    .fetch_all(&h.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["workspace_add", "workspace_remove", "workspace_add"]
    );
}

/// `explain` with an `id` looks the target up and judges it as `/share` would, under the
/// workspace rule in force, without issuing or recording anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_with_an_id_judges_the_target_without_sharing_it() {
    let h = started(
        "e2e_lookup_explain",
        &[
            LOOKUP_ON,
            ("DLCSHARE_ALIYUN__WORKSPACES", "[\"ws-vision\", \"ws-nlp\"]"),
        ],
    )
    .await;
    let explain = |id: &str| {
        admin(None, "explain")
            .option_member(
                "user",
                support::discord::USER_ID,
                "tester",
                vec![ALLOWED_ROLE],
            )
            .option_str("id", id)
    };

    let inside = run(&h, explain("dlc-vision-resnet")).await;
    has(&inside, "could share");
    has(
        &inside,
        "Target `dlc-vision-resnet`: the job **resnet50 baseline**",
    );
    has(&inside, "it would be shared");

    // No job has this id: the TensorBoard of that id is found instead.
    let board = run(&h, explain("tb-nlp-bert")).await;
    has(&board, "the TensorBoard **bert curves**");
    has(&board, "it would be shared");

    let missing = run(&h, explain("dlc-nowhere")).await;
    has(&missing, "could not share");
    has(&missing, "no job or TensorBoard has this id");

    let outside = run(&h, explain("dlc-secret-llm")).await;
    has(&outside, "could not share");
    has(&outside, "a job in workspace `ws-secret`");
    has(&outside, "it would be refused");
    assert!(!outside.contains("llm pretrain"), "{outside}");

    // The server narrows the rule: what was inside is judged by the rule now in force.
    run(
        &h,
        admin(Some("workspaces"), "add").option_str("workspace", "ws-nlp"),
    )
    .await;
    let narrowed = run(&h, explain("dlc-vision-resnet")).await;
    has(&narrowed, "outside the workspaces allowed here (`ws-nlp`)");

    let invalid = run(&h, explain("a b")).await;
    has(&invalid, "is not a job or TensorBoard id");

    assert_eq!(h.pai_dlc.calls(Operation::GetToken), 0, "nothing issued");
    assert!(h.audit_outcomes().await.is_empty(), "nothing recorded");
}
