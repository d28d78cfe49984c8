//! End to end: the links the bot hands out, through the real bot binary, the local Discord
//! server, the verifying PAI-DLC stand-in and its catalogue, and a real PostgreSQL database.
//! A TensorBoard's link is the URL GetTensorboardSharedUrl answers (the shipped default), and
//! a job's link opens the job in the workspace the look-up found.

use sha2::{Digest, Sha256};

use crate::support;
use support::bot::{ALLOWED_ROLE, BotHarness};
use support::pai_dlc::Operation;
use support::{has, share};

const LOOKUP_ON: (&str, &str) = ("DLCSHARE_ALIYUN__LOOKUP", "true");

/// The value of the series of `name` that has every one of `labels`.
fn metric(metrics: &str, name: &str, labels: &[&str]) -> Option<String> {
    metrics
        .lines()
        .find(|l| l.starts_with(&format!("{name}{{")) && labels.iter().all(|x| l.contains(x)))
        .and_then(|l| l.rsplit(' ').next())
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tensorboard_is_shared_as_its_own_url_which_no_log_or_row_holds() {
    let h = BotHarness::start("e2e_links_tensorboard", &[LOOKUP_ON, ("RUST_LOG", "trace")]).await;
    h.allow_role(ALLOWED_ROLE).await;

    let (id, reply) = share(&h, "tensorboard", "tb-vision-resnet").await;
    has(&reply, "Here is your share link");
    has(&reply, "resnet50 curves");
    let urls = h.pai_dlc.shared_urls();
    assert_eq!(urls.len(), 1);
    let url = &urls[0];
    has(&reply, url);
    assert_eq!(h.pai_dlc.calls(Operation::GetToken), 0, "no token asked");
    let asked = h
        .pai_dlc
        .seen()
        .into_iter()
        .find(|s| s.operation == Some(Operation::GetTensorboardSharedUrl))
        .expect("the shared URL was asked for");
    assert_eq!(
        asked.query["ExpireTimeSeconds"], "86400",
        "the granted expiry: the guild default, 1 day"
    );
    assert!(
        asked.verdict.is_ok(),
        "signature verified: {:?}",
        asked.verdict
    );

    let row = h.audit_row(&id).await;
    assert_eq!(row["outcome"], "issued");
    assert_eq!(
        row["token_sha256"],
        hex::encode(Sha256::digest(url.as_bytes()))
    );
    assert_eq!(row["expire_seconds"], 86_400);
    assert_eq!(row["workspace_id"], "ws-vision");
    let token_inside = url
        .split("token=")
        .nth(1)
        .expect("the stand-in's URL carries a token");
    assert!(
        !row.to_string().contains(token_inside),
        "the URL is never stored: {row}"
    );

    // Refused upstream: audited with the code, nothing issued.
    h.pai_dlc.deny(Operation::GetTensorboardSharedUrl);
    let (refused, reply) = share(&h, "tensorboard", "tb-nlp-bert").await;
    has(&reply, "Forbidden.RAM");
    assert_eq!(
        h.wait_for_audit(&refused).await,
        ("upstream_error".into(), Some("Forbidden.RAM".into()))
    );
    assert_eq!(h.pai_dlc.shared_urls().len(), 1, "nothing more issued");

    // Counted as what was called, not as GetToken.
    let (_, metrics) = h.ops_get("/metrics").await;
    assert_eq!(
        metric(
            &metrics,
            "dlcshare_gettoken_seconds_count",
            &["operation=\"GetTensorboardSharedUrl\""]
        )
        .as_deref(),
        Some("2"),
        "{metrics}"
    );
    assert_eq!(
        metric(
            &metrics,
            "dlcshare_gettoken_errors_total",
            &[
                "operation=\"GetTensorboardSharedUrl\"",
                "code=\"Forbidden.RAM\""
            ]
        )
        .as_deref(),
        Some("1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("operation=\"GetToken\""),
        "GetToken was never called: {metrics}"
    );

    let logs = h.logs();
    assert!(logs.lines().count() > 50, "RUST_LOG=trace produced logs");
    for form in [
        url.to_owned(),
        token_inside.to_owned(),
        hex::encode(token_inside),
    ] {
        if let Some(line) = logs.lines().find(|l| l.contains(&form)) {
            panic!("the shared URL leaked into the logs as {form:?}: {line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_link_opens_the_job_in_the_workspace_the_look_up_found() {
    let h = BotHarness::start("e2e_links_job", &[LOOKUP_ON]).await;
    h.allow_role(ALLOWED_ROLE).await;
    let (id, reply) = share(&h, "job", "dlc-nlp-bert").await;
    has(&reply, "Here is your share link");
    let token = h.pai_dlc.issued_tokens().pop().expect("one token issued");
    has(
        &reply,
        &format!(
            "https://pai.console.aliyun.com/?regionId=cn-hangzhou&workspaceId=ws-nlp&token={}#/dlc/jobs/dlc-nlp-bert/overview",
            support::pai_dlc::PaiDlcServer::in_link(&token)
        ),
    );
    assert_eq!(h.wait_for_audit(&id).await.0, "issued");
}
