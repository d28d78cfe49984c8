//! GetJob, ListJobs and the TensorBoard operations through the real client, against the local
//! PAI-DLC endpoint that verifies every request's signature independently.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use crate::support;
use dlc_share_bot::aliyun::{
    Action, AliyunError, Credentials, ListJobs, ListTensorboards, PaiDlcClient,
};
use dlc_share_bot::config::{AliyunSettings, Settings, SignatureVersion};
use dlc_share_bot::share::{Expiry, TargetId};
use secrecy::ExposeSecret;
use support::pai_dlc::{
    AK_ID, AK_SECRET, Behavior, HOSTILE_JOB_ID, HOSTILE_TENSORBOARD_ID, OLD_JOB_ID, Operation,
    PaiDlcServer, STS_TOKEN, hostile_display_name,
};

const VERSIONS: [SignatureVersion; 2] = [SignatureVersion::V1, SignatureVersion::V3];

fn settings(server: &PaiDlcServer, version: SignatureVersion) -> AliyunSettings {
    let mut s = Settings::default().aliyun;
    s.endpoint = Some(server.url());
    s.signature_version = version;
    s.connect_timeout = Duration::from_secs(1);
    s.request_timeout = Duration::from_millis(800);
    s.deadline = Duration::from_secs(3);
    s.max_retries = 3;
    s
}

fn client(server: &PaiDlcServer, version: SignatureVersion, sts: bool) -> PaiDlcClient {
    let creds = Credentials::new(
        AK_ID,
        AK_SECRET.to_owned().into(),
        sts.then(|| STS_TOKEN.to_owned().into()),
        "test",
    );
    PaiDlcClient::new(&settings(server, version), creds).unwrap()
}

fn id(s: &str) -> TargetId {
    TargetId::parse(s).unwrap()
}

fn list_jobs(workspace: Option<&str>, name: Option<&str>, size: u32, page: u32) -> ListJobs {
    ListJobs {
        workspace_id: workspace.map(Into::into),
        display_name: name.map(Into::into),
        page_size: size,
        page_number: page,
    }
}

#[test]
fn the_local_endpoint_accepts_the_independently_computed_vectors() {
    #[derive(serde::Deserialize)]
    struct Fixture {
        vectors: Vec<serde_json::Value>,
    }
    let fixture: Fixture =
        serde_json::from_str(include_str!("../fixtures/operation-signatures.json")).unwrap();
    for v in fixture.vectors {
        let mut headers: BTreeMap<String, String> =
            serde_json::from_value(v["headers"].clone()).unwrap();
        headers.insert(
            "authorization".into(),
            v["authorization"].as_str().unwrap().into(),
        );
        let path = v["path"].as_str().unwrap();
        let query = support::pai_dlc::decode_query(v["wire_query"].as_str().unwrap());
        let secrets = [(
            v["access_key_id"].as_str().unwrap().to_owned(),
            v["access_key_secret"].as_str().unwrap().to_owned(),
        )]
        .into();
        let sts = v["security_token"].as_str();
        let verify = |path: &str, query: &BTreeMap<String, String>| {
            support::pai_dlc::verify("GET", path, query, &headers, b"", &secrets, sts)
        };
        assert_eq!(verify(path, &query), Ok(()), "{}", v["name"]);
        let mut tampered = query.clone();
        tampered.insert("PageSize".into(), "100".into());
        assert!(
            verify(path, &tampered)
                .unwrap_err()
                .contains("SignatureDoesNotMatch"),
            "{}",
            v["name"]
        );
        // Signed for one operation, sent to another's path: refused.
        let elsewhere = path.replace("/jobs", "/tensorboards");
        assert!(
            verify(&elsewhere, &query)
                .unwrap_err()
                .contains("x-acs-action"),
            "{}",
            v["name"]
        );
    }
}

#[tokio::test]
async fn every_operation_is_signed_v1_and_v3_with_and_without_sts() {
    for sts in [false, true] {
        let server = PaiDlcServer::start(sts).await;
        for version in VERSIONS {
            let client = client(&server, version, sts);
            let job = client.get_job(&id("dlc-vision-resnet")).await.unwrap();
            assert_eq!(
                (job.display_name.as_str(), job.workspace_id.as_str()),
                ("resnet50 baseline", "ws-vision")
            );
            let page = client
                .list_jobs(&list_jobs(Some("ws-vision"), None, 10, 1))
                .await
                .unwrap();
            assert!(page.jobs.iter().all(|j| j.workspace_id == "ws-vision"));
            let tb = client.get_tensorboard(&id("tb-nlp-bert")).await.unwrap();
            assert_eq!(tb.job_id.as_deref(), Some("dlc-nlp-bert"));
            let tbs = client
                .list_tensorboards(&ListTensorboards {
                    workspace_id: Some("ws-nlp".into()),
                    page_size: 10,
                    page_number: 1,
                })
                .await
                .unwrap();
            assert_eq!(tbs.total_count, 2);
            let expire = Expiry::from_secs(3_600, Expiry::HARD_MAX).unwrap();
            let shared = client
                .get_tensorboard_shared_url(&id("tb-nlp-bert"), expire)
                .await
                .unwrap();
            assert!(shared.request_id.starts_with("REQ-"));
            assert_eq!(
                server.shared_urls().last().map(String::as_str),
                Some(shared.url.expose_secret())
            );
        }
        let seen = server.seen();
        assert_eq!(seen.len(), 10);
        for s in &seen {
            assert_eq!(s.verdict, Ok(()), "{:?} {}", s.operation, s.path);
            assert_eq!(s.headers.contains_key("x-acs-security-token"), sts);
            let op = s.operation.expect("a known route");
            assert_eq!(s.headers["x-acs-action"], op.name());
        }
        assert!(seen[0].headers.contains_key("date"));
        assert!(seen[5].headers.contains_key("x-acs-date"));
        assert_eq!(seen[0].query["NeedDetail"], "false");
        assert_eq!(seen[1].query["SortBy"], "GmtCreateTime");
        assert_eq!(seen[1].query["Order"], "desc");
        assert_eq!(seen[4].query["ExpireTimeSeconds"], "3600");
        for op in [
            Operation::GetJob,
            Operation::ListJobs,
            Operation::GetTensorboard,
            Operation::ListTensorboards,
            Operation::GetTensorboardSharedUrl,
        ] {
            assert_eq!(server.calls(op), 2, "{op:?}");
        }
        assert_eq!(server.calls(Operation::GetToken), 0);
    }
}

#[tokio::test]
async fn display_names_arrive_exactly_as_upstream_has_them() {
    let server = PaiDlcServer::start(false).await;
    let client = client(&server, SignatureVersion::V3, false);
    let hostile = client.get_job(&id(HOSTILE_JOB_ID)).await.unwrap();
    assert_eq!(hostile.display_name, hostile_display_name());
    assert_eq!(hostile.display_name.chars().count(), 5_000);
    assert!(hostile.display_name.contains('\u{202E}'));
    assert_eq!(hostile.workspace_name.as_deref(), Some("NLP"));
    let tb = client
        .get_tensorboard(&id(HOSTILE_TENSORBOARD_ID))
        .await
        .unwrap();
    assert_eq!(tb.display_name, hostile_display_name());
    assert_eq!(tb.job_id, None);
    let nameless = client.get_job(&id("dlc-secret-llm")).await.unwrap();
    assert_eq!(nameless.workspace_name, None, "WorkspaceName may be absent");
}

#[tokio::test]
async fn list_jobs_filters_sorts_and_pages_as_asked() {
    let server = PaiDlcServer::start(false).await;
    let client = client(&server, SignatureVersion::V1, false);
    let all = client
        .list_jobs(&list_jobs(None, None, 100, 1))
        .await
        .unwrap();
    let ids: Vec<&str> = all.jobs.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "dlc-secret-llm",
            "dlc-vision-resnet",
            "dlc-nlp-bert",
            HOSTILE_JOB_ID,
            "dlc-vision-vit"
        ],
        "newest first, and nothing older than 7 days"
    );
    assert_eq!(all.total_count, 5);
    assert!(
        client.get_job(&id(OLD_JOB_ID)).await.is_ok(),
        "GetJob still finds a job ListJobs no longer lists"
    );
    let found = client
        .list_jobs(&list_jobs(None, Some("BERT"), 10, 1))
        .await
        .unwrap();
    assert_eq!(found.jobs.len(), 1);
    assert_eq!(found.jobs[0].job_id, "dlc-nlp-bert");
    let second = client
        .list_jobs(&list_jobs(None, None, 2, 2))
        .await
        .unwrap();
    let ids: Vec<&str> = second.jobs.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(
        (ids.as_slice(), second.total_count),
        (&["dlc-nlp-bert", HOSTILE_JOB_ID][..], 5)
    );
    let none = client
        .list_jobs(&list_jobs(Some("ws-elsewhere"), None, 10, 1))
        .await
        .unwrap();
    assert_eq!((none.jobs.len(), none.total_count), (0, 0));
}

#[tokio::test]
async fn a_missing_target_is_not_found_at_once() {
    let server = PaiDlcServer::start(false).await;
    let client = client(&server, SignatureVersion::V3, false);
    let e = client.get_job(&id("dlc-missing")).await.unwrap_err();
    assert!(
        matches!(
            e,
            AliyunError::NotFound {
                action: Action::GetJob,
                status: 404,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.code(), "JobNotExist");
    assert!(e.request_id().is_some());
    let e = client.get_tensorboard(&id("tb-missing")).await.unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let expire = Expiry::from_secs(600, Expiry::HARD_MAX).unwrap();
    let e = client
        .get_tensorboard_shared_url(&id("tb-missing"), expire)
        .await
        .err()
        .unwrap();
    assert!(e.is_not_found(), "{e:?}");
    assert_eq!(
        server.calls(Operation::GetJob),
        1,
        "not found is not retried"
    );
    assert_eq!(server.calls(Operation::GetTensorboard), 1);
    assert_eq!(server.calls(Operation::GetTensorboardSharedUrl), 1);
}

#[tokio::test]
async fn a_ram_policy_without_the_action_is_named_and_not_retried() {
    let server = PaiDlcServer::start(false).await;
    server.deny(Operation::ListJobs);
    let client = client(&server, SignatureVersion::V1, false);
    let e = client
        .list_jobs(&list_jobs(None, None, 10, 1))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "Forbidden.RAM");
    assert_eq!(e.missing_ram_action(), Some("paidlc:ListJobs"));
    assert!(!e.is_not_found());
    assert_eq!(server.calls(Operation::ListJobs), 1);
    // Only that operation: the policy allows the others.
    client.get_job(&id("dlc-nlp-bert")).await.unwrap();
    server.deny(Operation::GetJob);
    let e = client.get_job(&id("dlc-missing")).await.unwrap_err();
    assert_eq!(e.missing_ram_action(), Some("paidlc:GetJob"));
    assert!(!e.is_not_found(), "denied before anything is looked up");
}

#[tokio::test]
async fn failures_worth_retrying_are_retried_each_with_a_fresh_nonce() {
    for version in VERSIONS {
        let server = PaiDlcServer::start(false).await;
        server.script_for(
            Operation::ListJobs,
            [
                Behavior::Error {
                    status: 503,
                    code: "ServiceUnavailable",
                },
                Behavior::Error {
                    status: 400,
                    code: "Throttling.User",
                },
                Behavior::RetryAfter { seconds: 0 },
                Behavior::Token,
            ],
        );
        // A GetToken script is GetToken's alone.
        server.script([Behavior::Error {
            status: 500,
            code: "InternalError",
        }]);
        let client = client(&server, version, false);
        let page = client
            .list_jobs(&list_jobs(Some("ws-nlp"), None, 10, 1))
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e}"));
        assert_eq!(page.total_count, 2);
        assert_eq!(server.calls(Operation::ListJobs), 4);
        let seen = server.seen();
        assert!(seen.iter().all(|s| s.verdict.is_ok()));
        let nonces: HashSet<_> = seen
            .iter()
            .map(|s| s.headers["x-acs-signature-nonce"].clone())
            .collect();
        assert_eq!(nonces.len(), 4, "every attempt is signed afresh");

        server.set_default_for(
            Operation::GetJob,
            Behavior::Error {
                status: 500,
                code: "InternalError",
            },
        );
        let e = client.get_job(&id("dlc-nlp-bert")).await.unwrap_err();
        assert!(
            matches!(e, AliyunError::Exhausted { attempts: 4, .. }),
            "{e}"
        );
        assert_eq!(e.code(), "InternalError");
        assert!(
            e.to_string().starts_with("GetJob refused: InternalError"),
            "{e}"
        );
        assert_eq!(
            server.calls(Operation::GetJob),
            4,
            "one attempt plus 3 retries"
        );
    }
}

#[tokio::test]
async fn the_deadline_holds_against_a_slow_list_jobs() {
    let server = PaiDlcServer::start(false).await;
    server.set_default_for(Operation::ListJobs, Behavior::Slow(Duration::from_secs(5)));
    let mut s = settings(&server, SignatureVersion::V3);
    s.request_timeout = Duration::from_millis(400);
    s.deadline = Duration::from_millis(1_500);
    s.max_retries = 10;
    let creds = Credentials::new(AK_ID, AK_SECRET.to_owned().into(), None, "test");
    let client = PaiDlcClient::new(&s, creds).unwrap();
    let started = Instant::now();
    let e = client
        .list_jobs(&list_jobs(None, None, 25, 1))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.code(), "Timeout");
    assert!(e.to_string().contains("ListJobs timed out"), "{e}");
    assert!(
        took < Duration::from_millis(2_500),
        "deadline overrun: {took:?}"
    );
    let calls = server.calls(Operation::ListJobs);
    assert!(
        (2..=4).contains(&calls),
        "timeouts are retried within the deadline, and only so often: {calls}"
    );
    // Only ListJobs is slow.
    let started = Instant::now();
    client.get_job(&id("dlc-nlp-bert")).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(400));
}

#[tokio::test]
async fn unreadable_answers_are_decode_errors_not_retried() {
    let server = PaiDlcServer::start(false).await;
    let client = client(&server, SignatureVersion::V1, false);
    server.script_for(Operation::GetJob, [Behavior::NotJson, Behavior::NoToken]);
    let e = client.get_job(&id("dlc-nlp-bert")).await.unwrap_err();
    assert!(
        matches!(e, AliyunError::InvalidResponse { status: 200, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("not JSON"), "{e}");
    let e = client.get_job(&id("dlc-nlp-bert")).await.unwrap_err();
    assert!(e.to_string().contains("no JobId in the response"), "{e}");
    assert!(e.request_id().is_some(), "{e}");
    server.script_for(Operation::GetTensorboardSharedUrl, [Behavior::NoToken]);
    let e = client
        .get_tensorboard_shared_url(&id("tb-nlp-bert"), Expiry::HARD_MAX)
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("no TensorboardSharedUrl"), "{e}");
    assert_eq!(server.calls(Operation::GetJob), 2);
    assert_eq!(server.calls(Operation::GetTensorboardSharedUrl), 1);
}
