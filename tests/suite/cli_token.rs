//! `dlc-share-bot token` as an operator runs it: the real binary against the local GetToken
//! endpoint that judges signatures with Alibaba's algorithm.

use crate::support;
use support::pai_dlc::{AK_ID, AK_SECRET, Behavior, PaiDlcServer, STS_TOKEN};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `dlc-share-bot token` isolated (see `support::cli`) as operator `ops-alice`.
async fn token(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["token"];
    all.extend_from_slice(args);
    bin(&all, env).await
}

/// Runs the binary with `args` the same way.
async fn bin(args: &[&str], env: &[(&str, &str)]) -> Run {
    let env = env.iter().copied().chain([("USER", "ops-alice")]);
    let out = support::cli::run_binary(args, env).await;
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The endpoint and credentials, with the look-up off: these tests share ids the stand-in's
/// catalogue does not hold (the look-up has its own test below).
fn creds<'a>(server: &'a str, version: &'a str, sts: bool) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("DLCSHARE_ALIYUN__LOOKUP", "false"),
        ("DLCSHARE_ALIYUN__ENDPOINT", server),
        ("DLCSHARE_ALIYUN__SIGNATURE_VERSION", version),
        ("DLCSHARE_ALIYUN__DEADLINE", "3s"),
        ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "1s"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", AK_ID),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", AK_SECRET),
    ];
    if sts {
        env.push(("ALIBABA_CLOUD_SECURITY_TOKEN", STS_TOKEN));
    }
    env
}

fn assert_no_secrets(run: &Run) {
    for secret in [AK_SECRET, STS_TOKEN] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a secret leaked"
        );
    }
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("backtrace"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_share_with_v1_and_v3_with_and_without_sts() {
    for sts in [false, true] {
        let server = PaiDlcServer::start(sts).await;
        let url = server.url();
        for version in ["v1", "v3"] {
            let args = [
                "--type", "job", "--id", "dlc123", "--expire", "1h", "--json",
            ];
            let run = token(&args, &creds(&url, version, sts)).await;
            assert_eq!(run.code, 0, "{version} sts={sts}: {}", run.stderr);
            assert_no_secrets(&run);
            let lines: Vec<&str> = run.stdout.lines().collect();
            assert_eq!(lines.len(), 1, "one JSON object: {}", run.stdout);
            let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
            assert_eq!(v["target_type"], "job");
            assert_eq!(v["target_id"], "dlc123");
            assert_eq!(v["expire_seconds"], 3600);
            let token = v["token"].as_str().unwrap();
            assert!(token.starts_with("tok-dlc123-"));
            assert!(v["request_id"].as_str().unwrap().starts_with("REQ-"));
            let link = v["link"].as_str().unwrap();
            assert!(
                link.contains("dlc123") && link.contains(&PaiDlcServer::in_link(token)),
                "{link}"
            );
            let expires =
                chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
            let ahead = expires
                .signed_duration_since(chrono::Utc::now())
                .num_seconds();
            assert!((3590..=3600).contains(&ahead), "{ahead}");
        }
        assert!(server.seen().iter().all(|s| s.verdict.is_ok()));
        assert_eq!(server.issued_tokens().len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_output_is_the_link_and_defaults_apply() {
    let server = PaiDlcServer::start(false).await;
    let url = server.url();
    let mut env = creds(&url, "v1", false);
    env.push(("DLCSHARE_SHARE__TENSORBOARD_LINK", "token"));
    let run = token(&["--type", "tensorboard", "--id", "tb-7"], &env).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.trim().starts_with("https://"), "{}", run.stdout);
    assert!(run.stdout.contains("tensorboards/tb-7"), "{}", run.stdout);
    let seen = server.seen();
    assert_eq!(seen[0].query["TargetType"], "tensorboard");
    assert_eq!(
        seen[0].query["ExpireTime"], "86400",
        "default expiry is one day"
    );
}

/// A TensorBoard's shared URL (the default) is the link as it is; `--json` has no token of
/// its own to show, so `token` is `null` rather than something picked out of the URL.
#[tokio::test(flavor = "multi_thread")]
async fn a_tensorboards_shared_url_is_the_link_and_its_token_is_null() {
    let server = PaiDlcServer::start(false).await;
    let url = server.url();
    let run = token(
        &[
            "--type",
            "tensorboard",
            "--id",
            "tb-vision-resnet",
            "--expire",
            "2h",
            "--json",
        ],
        &creds(&url, "v1", false),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_no_secrets(&run);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let shared = server.shared_urls();
    assert_eq!(shared.len(), 1);
    assert_eq!(v["link"], shared[0].as_str());
    assert_eq!(v["token"], serde_json::Value::Null);
    assert_eq!(v["expire_seconds"], 7_200);
    assert!(server.issued_tokens().is_empty(), "no GetToken");
    let seen = server.seen();
    assert_eq!(
        seen[0].operation,
        Some(support::pai_dlc::Operation::GetTensorboardSharedUrl)
    );
    assert_eq!(seen[0].query["ExpireTimeSeconds"], "7200");
    assert!(seen[0].verdict.is_ok(), "{:?}", seen[0].verdict);
    assert!(
        !run.stderr.contains(shared[0].as_str()),
        "the URL goes to stdout only: {}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_never_reaches_the_network() {
    let server = PaiDlcServer::start(false).await;
    let url = server.url();
    let env = creds(&url, "v1", false);
    let cases: &[(&[&str], &str)] = &[
        (&["--type", "notebook", "--id", "x"], "notebook"),
        (&["--type", "job", "--id", "bad id!"], "--id"),
        (&["--type", "job", "--id", ""], "empty"),
        (
            &["--type", "job", "--id", "x", "--expire", "soon"],
            "--expire",
        ),
        (
            &["--type", "job", "--id", "x", "--expire", "30s"],
            "too short",
        ),
        (
            &["--type", "job", "--id", "x", "--expire", "8d"],
            "too long",
        ),
    ];
    for (args, needle) in cases {
        let run = token(args, &env).await;
        assert_ne!(run.code, 0, "{args:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        assert_no_secrets(&run);
    }
    assert_eq!(server.arrivals(), 0, "invalid input must not reach the API");
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_one_clear_line() {
    let server = PaiDlcServer::start(false).await;
    let url = server.url();

    // No credentials anywhere.
    let run = token(
        &["--type", "job", "--id", "x"],
        &[("DLCSHARE_ALIYUN__ENDPOINT", url.as_str())],
    )
    .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    // Upstream refusal: Code and RequestId, no retry.
    server.script([Behavior::Error {
        status: 403,
        code: "Forbidden.RAM",
    }]);
    let run = token(&["--type", "job", "--id", "x"], &creds(&url, "v3", false)).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("Forbidden.RAM") && run.stderr.contains("REQ-000001"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_no_secrets(&run);

    // An upstream code that would clear the terminal and reverse the line is shown defused.
    server.script([Behavior::Error {
        status: 400,
        code: "Bad\u{1b}[2J\u{202e}Code",
    }]);
    let run = token(&["--type", "job", "--id", "x"], &creds(&url, "v3", false)).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("Bad?[2J?Code"), "{}", run.stderr);
    assert!(
        !run.stderr.contains(['\u{1b}', '\u{202e}']),
        "{}",
        run.stderr
    );

    // Unreachable endpoint.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = token(&["--type", "job", "--id", "x"], &creds(&dead, "v1", false)).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("cannot reach"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);

    // Wrong secret.
    let mut env = creds(&url, "v1", false);
    env.retain(|(k, _)| *k != "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    env.push(("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret"));
    let run = token(&["--type", "job", "--id", "x"], &env).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("SignatureDoesNotMatch"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not-the-secret"));
}

#[tokio::test(flavor = "multi_thread")]
async fn audited_when_a_database_is_configured_and_fails_closed_without_it() {
    let server = PaiDlcServer::start(false).await;
    let db = support::postgres::TestDatabase::create("cli_token").await;
    let url = server.url();
    let mut env = creds(&url, "v1", false);
    env.push(("DATABASE_URL", &db.url));

    let args = [
        "--type",
        "job",
        "--id",
        "dlc-audited",
        "--expire",
        "2h",
        "--json",
    ];
    // `token` never changes the schema: before `migrate`, it refuses without calling GetToken.
    let run = token(&args, &env).await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("dlc-share-bot migrate"),
        "{}",
        run.stderr
    );
    assert_eq!(server.arrivals(), 0);
    let migrated = bin(&["migrate"], &env).await;
    assert_eq!(migrated.code, 0, "{}", migrated.stderr);
    assert!(
        migrated.stdout.contains("applied migration"),
        "{}",
        migrated.stdout
    );
    let run = token(&args, &env).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let issued: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let token_text = issued["token"].as_str().unwrap();

    let pool = db.pool().await;
    let row: (String, String, String, i64, Option<i64>, String, String) = sqlx::query_as(
        "SELECT user_id, user_name, outcome, expire_seconds, requested_expire_seconds, \
         request_id, token_sha256 FROM audit_log",
    )
    .fetch_one(&pool)
    .await
    .expect("exactly one audit row");
    assert_eq!((row.0.as_str(), row.1.as_str()), ("ops-alice", "ops-alice"));
    assert_eq!(row.2, "issued");
    assert_eq!((row.3, row.4), (7200, Some(7200)));
    assert_eq!(row.5, issued["request_id"].as_str().unwrap());
    use sha2::Digest;
    assert_eq!(
        row.6,
        hex::encode(sha2::Sha256::digest(token_text.as_bytes()))
    );
    let everything: (String,) =
        sqlx::query_as("SELECT string_agg(to_jsonb(a)::text, '') FROM audit_log a")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        !everything.0.contains(token_text),
        "no token text in the database"
    );

    // `audit` lists what `token` issued.
    let listed = bin(&["audit", "--format", "json", "--user", "ops-alice"], &env).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let lines: Vec<serde_json::Value> = listed
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{}", listed.stdout);
    assert_eq!(lines[0]["target_id"], "dlc-audited");
    assert_eq!(lines[0]["outcome"], "issued");

    // Database gone: no row can be written, so no token is requested.
    db.take_offline().await;
    let before = server.arrivals();
    let run = token(&args, &env).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("audit database"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert_eq!(server.arrivals(), before, "GetToken was not called");
    db.bring_online().await;
}

/// With the look-up on (the default), `token` looks the target up as `/share` does: the name
/// is shown and recorded, an id that does not exist and a workspace outside `aliyun.workspaces`
/// are refused and audited, and no token is requested for them.
#[tokio::test(flavor = "multi_thread")]
async fn the_target_is_looked_up_and_its_name_shown() {
    use support::pai_dlc::{HOSTILE_JOB_ID, Operation};
    let server = PaiDlcServer::start(false).await;
    let db = support::postgres::TestDatabase::create("cli_token_lookup").await;
    let url = server.url();
    let mut env = creds(&url, "v1", false);
    env.retain(|(k, _)| *k != "DLCSHARE_ALIYUN__LOOKUP");
    env.push(("DATABASE_URL", &db.url));
    env.push(("DLCSHARE_ALIYUN__WORKSPACES", "[\"ws-vision\", \"ws-nlp\"]"));
    let migrated = bin(&["migrate"], &env).await;
    assert_eq!(migrated.code, 0, "{}", migrated.stderr);

    let run = token(&["--type", "job", "--id", "dlc-vision-resnet"], &env).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "DLC job dlc-vision-resnet \"resnet50 baseline\" (Running, workspace ws-vision)"
        ),
        "{}",
        run.stderr
    );
    let json = token(
        &["--type", "job", "--id", "dlc-vision-resnet", "--json"],
        &env,
    )
    .await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let issued: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(issued["target_name"], "resnet50 baseline");
    assert_eq!(issued["target_status"], "Running");
    assert_eq!(issued["workspace_id"], "ws-vision");

    // A hostile name reaches the terminal without the characters that rewrite it.
    let hostile = token(&["--type", "job", "--id", HOSTILE_JOB_ID], &env).await;
    assert_eq!(hostile.code, 0, "{}", hostile.stderr);
    assert!(!hostile.stderr.contains('\u{202E}'), "{}", hostile.stderr);
    assert!(
        hostile.stderr.contains("workspace ws-nlp"),
        "{}",
        hostile.stderr
    );

    let missing = token(&["--type", "job", "--id", "dlc-nowhere"], &env).await;
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("no DLC job `dlc-nowhere` exists"),
        "{}",
        missing.stderr
    );
    let outside = token(&["--type", "job", "--id", "dlc-secret-llm"], &env).await;
    assert_ne!(outside.code, 0);
    assert!(
        outside
            .stderr
            .contains("outside aliyun.workspaces (ws-vision, ws-nlp)"),
        "{}",
        outside.stderr
    );
    assert_eq!(
        server.calls(Operation::GetToken),
        3,
        "none for the refused two"
    );

    let pool = db.pool().await;
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT target_id, outcome, error_code, target_name, workspace_id FROM audit_log \
             ORDER BY created_at, target_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let row = |id: &str| rows.iter().find(|r| r.0 == id && r.1 != "issued").cloned();
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert!(
        rows.iter().any(|r| r.0 == "dlc-vision-resnet"
            && r.1 == "issued"
            && r.3.as_deref() == Some("resnet50 baseline")
            && r.4.as_deref() == Some("ws-vision")),
        "{rows:?}"
    );
    let missing = row("dlc-nowhere").expect("the refusal is audited");
    assert_eq!(
        (missing.1.as_str(), missing.2.as_deref()),
        ("invalid_input", Some("target_not_found"))
    );
    let outside = row("dlc-secret-llm").expect("the refusal is audited");
    assert_eq!(
        (
            outside.1.as_str(),
            outside.2.as_deref(),
            outside.4.as_deref()
        ),
        (
            "denied_workspace",
            Some("workspace_not_allowed"),
            Some("ws-secret")
        )
    );
    assert_eq!(
        outside.3, None,
        "no name kept for a target nobody may share"
    );
}
