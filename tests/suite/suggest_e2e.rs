//! End to end: `/share`'s `id` autocompletes recent jobs and TensorBoards, through the real
//! bot binary, the local Discord server (autocomplete interactions, answers validated against
//! Discord's limits), the verifying PAI-DLC stand-in and its catalogue, and PostgreSQL.

use std::time::Duration;

use crate::support;
use support::bot::{ALLOWED_ROLE, BotHarness, OTHER_ROLE, REPLY_TIMEOUT};
use support::discord::{CommandInteraction, MANAGE_GUILD};
use support::pai_dlc::{Behavior, HOSTILE_JOB_ID, Operation, generated_jobs};

const ADMIN: u64 = 1_180_000_000_000_000_900;
const ELSEWHERE: u64 = 1_180_000_000_000_007_777;

/// A member with the allowed role typing `typed` into `/share <sub>`'s id.
fn typing(sub: &str, typed: &str) -> CommandInteraction {
    CommandInteraction::share(sub)
        .option_str("id", typed)
        .roles([ALLOWED_ROLE])
        .autocomplete("id")
}

/// The choices answered, as `(name, value)`.
async fn choices(h: &BotHarness, typed: CommandInteraction) -> Vec<(String, String)> {
    let id = h.discord.send_interaction(typed.build()).await;
    let reply = h
        .discord
        .wait_for_reply(&id, REPLY_TIMEOUT)
        .await
        .unwrap_or_else(|| panic!("autocomplete unanswered; log:\n{}", h.logs()));
    reply
        .choices()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Choices once the first listing is in: on a loaded machine it may outlast the 2 s a first
/// answer waits. Asking again lists nothing more (the refresh interval has not passed).
async fn listed(h: &BotHarness, typed: CommandInteraction) -> Vec<(String, String)> {
    for _ in 0..40 {
        let got = choices(h, typed.clone()).await;
        if !got.is_empty() {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("never any choices; log:\n{}", h.logs());
}

fn values(choices: &[(String, String)]) -> Vec<&str> {
    choices.iter().map(|(_, v)| v.as_str()).collect()
}

fn admin(group: Option<&str>, sub: &str) -> CommandInteraction {
    CommandInteraction::admin(group, sub)
        .permissions(MANAGE_GUILD)
        .user(ADMIN, "admin")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_may_share_gets_recent_jobs_and_tensorboards_by_name_or_id() {
    let h = BotHarness::start("e2e_suggest_member", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;

    let bert = listed(&h, typing("job", "BERT")).await;
    assert_eq!(
        bert,
        [(
            "bert-large finetune · Running · dlc-nlp-bert".to_owned(),
            "dlc-nlp-bert".to_owned()
        )]
    );
    // By id, newest first; the month-old job is beyond the 7 days ListJobs covers.
    let vision = choices(&h, typing("job", "dlc-vision")).await;
    assert_eq!(values(&vision), ["dlc-vision-resnet", "dlc-vision-vit"]);
    let all = choices(&h, typing("job", "")).await;
    assert_eq!(
        values(&all),
        [
            "dlc-secret-llm",
            "dlc-vision-resnet",
            "dlc-nlp-bert",
            HOSTILE_JOB_ID,
            "dlc-vision-vit"
        ]
    );
    assert_eq!(
        h.pai_dlc.calls(Operation::ListJobs),
        1,
        "one listing for all"
    );

    // The hostile name: whole id, nothing hidden, within Discord's 100 characters (the
    // stand-in refuses answers beyond Discord's limits).
    let (label, _) = all.iter().find(|(_, v)| v == HOSTILE_JOB_ID).unwrap();
    assert_eq!(label.chars().count(), 100, "{label}");
    assert!(label.ends_with("… · Failed · dlc-nlp-hostile"), "{label}");
    assert!(
        !label.contains('\u{202E}') && !label.contains('\u{202C}'),
        "{label}"
    );
    assert!(
        label.starts_with("**@everyone**"),
        "plain text, as typed: {label}"
    );

    let boards = listed(&h, typing("tensorboard", "curves")).await;
    assert_eq!(
        values(&boards),
        ["tb-vision-resnet", "tb-nlp-bert", "tb-secret"]
    );
    assert_eq!(boards[0].0, "resnet50 curves · Running · tb-vision-resnet");
    assert_eq!(h.pai_dlc.calls(Operation::ListTensorboards), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_who_could_not_share_there_get_nothing_and_cause_no_listing() {
    let h = BotHarness::start("e2e_suggest_refused", &[]).await;
    // No role allowed yet: nobody may share, so nobody sees a name.
    assert!(choices(&h, typing("job", "")).await.is_empty());
    h.allow_role(ALLOWED_ROLE).await;
    let outsider = CommandInteraction::share("job")
        .option_str("id", "")
        .roles([OTHER_ROLE])
        .autocomplete("id");
    assert!(choices(&h, outsider).await.is_empty());
    // `/share` only works elsewhere: not here either.
    h.ask(
        admin(Some("channels"), "add")
            .option_channel("channel", ELSEWHERE)
            .build(),
    )
    .await;
    assert!(choices(&h, typing("job", "")).await.is_empty());
    assert!(choices(&h, typing("tensorboard", "")).await.is_empty());
    assert_eq!(h.pai_dlc.calls(Operation::ListJobs), 0);
    assert_eq!(h.pai_dlc.calls(Operation::ListTensorboards), 0);
    // There, the same member gets them.
    let there = listed(&h, typing("job", "resnet").channel(ELSEWHERE)).await;
    assert_eq!(values(&there), ["dlc-vision-resnet"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_workspaces_the_rule_in_force_allows_are_listed_and_shown() {
    let h = BotHarness::start(
        "e2e_suggest_workspaces",
        &[
            ("DLCSHARE_ALIYUN__LOOKUP", "true"),
            ("DLCSHARE_ALIYUN__WORKSPACES", "[\"ws-vision\", \"ws-nlp\"]"),
        ],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;
    let all = listed(&h, typing("job", "")).await;
    assert_eq!(
        values(&all),
        [
            "dlc-vision-resnet",
            "dlc-nlp-bert",
            HOSTILE_JOB_ID,
            "dlc-vision-vit"
        ],
        "nothing from ws-secret"
    );
    let listed_workspaces: Vec<String> = h
        .pai_dlc
        .seen()
        .iter()
        .filter(|s| s.operation == Some(Operation::ListJobs))
        .map(|s| s.query["WorkspaceId"].clone())
        .collect();
    assert_eq!(listed_workspaces, ["ws-vision", "ws-nlp"]);
    assert!(choices(&h, typing("job", "llm")).await.is_empty());

    // The admins narrow it: the very next answer follows, before any new listing.
    let before = h.pai_dlc.calls(Operation::ListJobs);
    h.ask(
        admin(Some("workspaces"), "add")
            .option_str("workspace", "ws-vision")
            .build(),
    )
    .await;
    let narrowed = choices(&h, typing("job", "")).await;
    assert_eq!(values(&narrowed), ["dlc-vision-resnet", "dlc-vision-vit"]);
    assert!(h.pai_dlc.calls(Operation::ListJobs) <= before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_or_refused_listing_never_fails_the_answer() {
    let h = BotHarness::start(
        "e2e_suggest_slow",
        &[
            ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "10s"),
            ("DLCSHARE_ALIYUN__DEADLINE", "12s"),
        ],
    )
    .await;
    h.allow_role(ALLOWED_ROLE).await;
    h.pai_dlc
        .set_default_for(Operation::ListJobs, Behavior::Slow(Duration::from_secs(5)));
    // Answered (after 2 s at most), with what there is: nothing yet.
    assert!(choices(&h, typing("job", "resnet")).await.is_empty());
    // Once the listing is in, its jobs are offered.
    let later = listed(&h, typing("job", "resnet")).await;
    assert_eq!(values(&later), ["dlc-vision-resnet"]);
    assert_eq!(h.pai_dlc.calls(Operation::ListJobs), 1);

    // Refused by RAM: answered all the same, logged and counted, and not asked again at
    // every keystroke.
    h.pai_dlc.deny(Operation::ListTensorboards);
    for _ in 0..5 {
        assert!(choices(&h, typing("tensorboard", "")).await.is_empty());
    }
    assert!(
        support::bot::wait_until(|| h.logs().contains("listing suggestions failed")).await,
        "{}",
        h.logs()
    );
    assert_eq!(h.pai_dlc.calls(Operation::ListTensorboards), 1);
    let (_, metrics) = h.ops_get("/metrics").await;
    let counted = metrics.lines().find(|l| {
        l.starts_with("dlcshare_suggest_refresh_failures_total{")
            && l.contains("operation=\"ListTensorboards\"")
            && l.contains("code=\"Forbidden.RAM\"")
    });
    assert_eq!(
        counted.and_then(|l| l.rsplit(' ').next()),
        Some("1"),
        "{metrics}"
    );
    assert!(h.logs().contains("paidlc:ListTensorboards"), "{}", h.logs());
    assert!(!h.logs().contains(support::pai_dlc::AK_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_off_list_nothing() {
    let h = BotHarness::start("e2e_suggest_off", &[("DLCSHARE_ALIYUN__SUGGEST", "false")]).await;
    h.allow_role(ALLOWED_ROLE).await;
    assert!(choices(&h, typing("job", "")).await.is_empty());
    assert_eq!(h.pai_dlc.calls(Operation::ListJobs), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_over_http_is_answered_inline() {
    let h = BotHarness::start_http("e2e_suggest_http", &[]).await;
    h.allow_role(ALLOWED_ROLE).await;
    let mut offered = Vec::new();
    for _ in 0..40 {
        let (status, body) = h.deliver(typing("job", "bert").build()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["type"], 8, "{body}");
        offered = body["data"]["choices"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !offered.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert_eq!(offered[0]["value"], "dlc-nlp-bert");
}

/// The figure in docs/performance.md: 30 members typing 100 keystrokes in all, against a
/// workspace of 10,000 jobs. The refresh interval is long here so that the count does not
/// depend on how fast the machine is; with the default 30 s it is the same for keystrokes
/// within 30 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_members_typing_list_once_in_pages() {
    let h = BotHarness::start(
        "e2e_suggest_busy",
        &[("DLCSHARE_ALIYUN__SUGGEST_REFRESH", "1h")],
    )
    .await;
    h.pai_dlc.add_jobs(generated_jobs("ws-busy", 10_000));
    h.allow_role(ALLOWED_ROLE).await;
    let keystrokes = (0..100u64).map(|k| {
        let member = 1_180_000_000_000_020_000 + k % 30;
        let typed = "busy job 1"
            .chars()
            .take(1 + (k as usize) % 10)
            .collect::<String>();
        typing("job", &typed).user(member, "member")
    });
    let discord = &h.discord;
    let ids = futures::future::join_all(
        keystrokes.map(|k| async move { discord.send_interaction(k.build()).await }),
    )
    .await;
    for id in &ids {
        let reply = h.discord.wait_for_reply(id, REPLY_TIMEOUT).await;
        assert!(reply.is_some(), "keystroke {id} unanswered");
    }
    let calls = h.pai_dlc.calls(Operation::ListJobs);
    eprintln!("ListJobs calls for 100 keystrokes by 30 members: {calls}");
    assert_eq!(calls, 10, "one listing: 500 most recent jobs, pages of 50");
    let page_sizes: Vec<String> = h
        .pai_dlc
        .seen()
        .iter()
        .filter(|s| s.operation == Some(Operation::ListJobs))
        .map(|s| s.query["PageSize"].clone())
        .collect();
    assert!(page_sizes.iter().all(|p| p == "50"), "{page_sizes:?}");

    let newest = listed(&h, typing("job", "busy job 1")).await;
    assert_eq!(newest.len(), 25);
    assert_eq!(newest[0].1, "dlc-busy-1");
    assert_eq!(newest[1].1, "dlc-busy-10");
    assert_eq!(h.pai_dlc.calls(Operation::ListJobs), 10);
}
