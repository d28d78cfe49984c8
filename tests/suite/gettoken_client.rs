//! The GetToken client against a local endpoint that verifies signatures independently.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support;
use chrono::{DateTime, Utc};
use dlc_share_bot::aliyun::client::SigningEnv;
use dlc_share_bot::aliyun::{AliyunError, Credentials, GetTokenRequest, PaiDlcClient};
use dlc_share_bot::config::{AliyunSettings, Settings, SignatureVersion};
use dlc_share_bot::share::TargetType;
use secrecy::ExposeSecret;
use support::pai_dlc::{AK_ID, AK_SECRET, Behavior, PaiDlcServer, STS_TOKEN};

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

fn creds(sts: bool) -> Credentials {
    Credentials::new(
        AK_ID,
        AK_SECRET.to_owned().into(),
        sts.then(|| STS_TOKEN.to_owned().into()),
        "test",
    )
}

fn request(id: &str) -> GetTokenRequest {
    GetTokenRequest {
        target_type: TargetType::Job,
        target_id: id.into(),
        expire_seconds: 3600,
    }
}

#[test]
fn the_local_endpoint_accepts_what_the_official_sdk_sent() {
    // Guards the verifier itself: the SDK's captured requests must pass it.
    #[derive(serde::Deserialize)]
    struct Fixture {
        vectors: Vec<serde_json::Value>,
    }
    let fixture: Fixture =
        serde_json::from_str(include_str!("../fixtures/gettoken-signatures.json")).unwrap();
    for v in fixture.vectors {
        let mut headers: std::collections::BTreeMap<String, String> =
            serde_json::from_value(v["headers"].clone()).unwrap();
        headers.insert(
            "authorization".into(),
            v["authorization"].as_str().unwrap().into(),
        );
        let query = support::pai_dlc::decode_query(v["wire_query"].as_str().unwrap());
        let secrets = [(
            v["access_key_id"].as_str().unwrap().to_owned(),
            v["access_key_secret"].as_str().unwrap().to_owned(),
        )]
        .into();
        let sts = v["security_token"].as_str();
        let verdict = support::pai_dlc::verify(
            "GET",
            "/api/v1/tokens",
            &query,
            &headers,
            b"",
            &secrets,
            sts,
        );
        assert_eq!(verdict, Ok(()), "{}", v["name"]);
        // And a single flipped character is caught.
        let mut tampered = query.clone();
        tampered.insert("ExpireTime".into(), "604801".into());
        let verdict = support::pai_dlc::verify(
            "GET",
            "/api/v1/tokens",
            &tampered,
            &headers,
            b"",
            &secrets,
            sts,
        );
        assert!(
            verdict.unwrap_err().contains("SignatureDoesNotMatch"),
            "{}",
            v["name"]
        );
    }
}

#[tokio::test]
async fn signs_v1_and_v3_with_and_without_sts() {
    for sts in [false, true] {
        let server = PaiDlcServer::start(sts).await;
        for version in [SignatureVersion::V1, SignatureVersion::V3] {
            let client = PaiDlcClient::new(&settings(&server, version), creds(sts)).unwrap();
            let r = client
                .get_token(&request("dlc123"))
                .await
                .unwrap_or_else(|e| panic!("{version:?} sts={sts}: {e}"));
            assert!(r.token.expose_secret().starts_with("tok-dlc123-"));
            assert!(r.request_id.starts_with("REQ-"));
        }
        let seen = server.seen();
        assert_eq!(seen.len(), 2);
        for s in &seen {
            assert_eq!(s.verdict, Ok(()));
            assert_eq!(s.query["TargetType"], "job");
            assert_eq!(s.query["ExpireTime"], "3600");
            assert_eq!(s.headers.contains_key("x-acs-security-token"), sts);
        }
        assert!(seen[0].headers.contains_key("date"));
        assert!(seen[1].headers.contains_key("x-acs-date"));
    }
}

#[tokio::test]
async fn wrong_secret_is_refused_and_not_retried() {
    let server = PaiDlcServer::start(false).await;
    let bad = Credentials::new(AK_ID, "wrong".to_owned().into(), None, "test");
    let client = PaiDlcClient::new(&settings(&server, SignatureVersion::V1), bad).unwrap();
    let e = client.get_token(&request("dlc1")).await.err().unwrap();
    assert_eq!(e.code(), "SignatureDoesNotMatch");
    assert!(e.is_credential_error());
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn only_retryable_failures_are_retried_each_with_a_fresh_nonce() {
    let server = PaiDlcServer::start(false).await;
    server.script([
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
    ]);
    let client = PaiDlcClient::new(&settings(&server, SignatureVersion::V3), creds(false)).unwrap();
    let r = client.get_token(&request("dlc-retry")).await.unwrap();
    assert_eq!(r.request_id, "REQ-000004");
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    let nonces: std::collections::HashSet<_> = seen
        .iter()
        .map(|s| s.headers["x-acs-signature-nonce"].clone())
        .collect();
    assert_eq!(nonces.len(), 4, "every attempt is signed afresh");
    assert!(seen.iter().all(|s| s.verdict.is_ok()));

    // A 403 is final at once.
    server.script([Behavior::Error {
        status: 403,
        code: "Forbidden.RAM",
    }]);
    let e = client
        .get_token(&request("dlc-denied"))
        .await
        .err()
        .unwrap();
    assert_eq!(e.code(), "Forbidden.RAM");
    assert!(matches!(e, AliyunError::Api { status: 403, .. }), "{e}");
    assert_eq!(e.request_id(), Some("REQ-000005"));
    assert_eq!(server.seen().len(), 5);
}

#[tokio::test]
async fn retries_stop_at_the_bound() {
    let server = PaiDlcServer::start(false).await;
    server.set_default(Behavior::Error {
        status: 500,
        code: "InternalError",
    });
    let client = PaiDlcClient::new(&settings(&server, SignatureVersion::V1), creds(false)).unwrap();
    let e = client.get_token(&request("dlc-500")).await.err().unwrap();
    assert!(
        matches!(e, AliyunError::Exhausted { attempts: 4, .. }),
        "{e}"
    );
    assert_eq!(e.code(), "InternalError");
    assert_eq!(server.seen().len(), 4, "one attempt plus max_retries = 3");
}

#[tokio::test]
async fn the_overall_deadline_holds_against_a_slow_upstream() {
    let server = PaiDlcServer::start(false).await;
    server.set_default(Behavior::Slow(Duration::from_secs(5)));
    let mut s = settings(&server, SignatureVersion::V1);
    s.request_timeout = Duration::from_millis(400);
    s.deadline = Duration::from_millis(1_500);
    s.max_retries = 10;
    let client = PaiDlcClient::new(&s, creds(false)).unwrap();
    let started = Instant::now();
    let e = client.get_token(&request("dlc-slow")).await.err().unwrap();
    let took = started.elapsed();
    assert_eq!(e.code(), "Timeout");
    assert!(
        took < Duration::from_millis(2_500),
        "deadline overrun: {took:?}"
    );
    assert!(
        server.arrivals() >= 2,
        "timeouts are retried within the deadline"
    );
}

#[tokio::test]
async fn unreadable_answers_are_clear_errors() {
    let server = PaiDlcServer::start(false).await;
    let client = PaiDlcClient::new(&settings(&server, SignatureVersion::V1), creds(false)).unwrap();
    server.script([Behavior::NotJson]);
    let e = client.get_token(&request("dlc-html")).await.err().unwrap();
    assert!(e.to_string().contains("not JSON"), "{e}");
    server.script([Behavior::NoToken]);
    let e = client.get_token(&request("dlc-empty")).await.err().unwrap();
    assert!(e.to_string().contains("no Token"), "{e}");
    assert_eq!(
        server.seen().len(),
        2,
        "a 200 without a token is not retried"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut s = Settings::default().aliyun;
    s.endpoint = Some(format!("http://127.0.0.1:{port}"));
    s.deadline = Duration::from_secs(1);
    s.request_timeout = Duration::from_millis(500);
    let client = PaiDlcClient::new(&s, creds(false)).unwrap();
    let e = client.get_token(&request("dlc-x")).await.err().unwrap();
    assert_eq!(e.code(), "NetworkError", "{e}");
}

/// Signing clock in the past: the endpoint's freshness check must catch it.
struct StaleClock;

impl SigningEnv for StaleClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() - chrono::Duration::hours(1)
    }
    fn nonce(&self) -> String {
        "fixed-nonce".into()
    }
}

/// A fixed nonce on a fresh clock: the second request is a replay.
struct FixedNonce;

impl SigningEnv for FixedNonce {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn nonce(&self) -> String {
        "0123456789abcdef0123456789abcdef".into()
    }
}

#[tokio::test]
async fn stale_dates_and_reused_nonces_are_rejected() {
    let server = PaiDlcServer::start(false).await;
    let s = settings(&server, SignatureVersion::V1);
    let stale = PaiDlcClient::with_env(&s, creds(false), Arc::new(StaleClock)).unwrap();
    let e = stale.get_token(&request("dlc-old")).await.err().unwrap();
    assert_eq!(e.code(), "InvalidTimeStamp.Expired");

    let fixed = PaiDlcClient::with_env(&s, creds(false), Arc::new(FixedNonce)).unwrap();
    fixed.get_token(&request("dlc-a")).await.unwrap();
    let e = fixed.get_token(&request("dlc-b")).await.err().unwrap();
    assert_eq!(e.code(), "SignatureNonceUsed");
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let server = PaiDlcServer::start(false).await;
    server.script([Behavior::RetryAfter { seconds: 1 }, Behavior::Token]);
    let client = PaiDlcClient::new(&settings(&server, SignatureVersion::V1), creds(false)).unwrap();
    client.get_token(&request("dlc-later")).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    let waited = seen[1].arrived_at - seen[0].arrived_at;
    assert!(
        waited >= Duration::from_millis(990),
        "retried after {waited:?}, before upstream asked"
    );
}
