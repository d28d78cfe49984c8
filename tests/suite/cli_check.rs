//! `dlc-share-bot check` and `dlc-share-bot healthcheck` as an operator runs them: the real
//! binary against a real PostgreSQL (`DATABASE_URL`; run under `scripts/with-postgres.sh`), the
//! local GetToken endpoint that judges signatures like Alibaba Cloud, and the local
//! Discord-compatible server.

use std::net::SocketAddr;

use crate::support;
use dlc_share_bot::http::{self, OpsState, Readiness};
use support::discord::DiscordServer;
use support::pai_dlc::{AK_ID, AK_SECRET, Behavior, Operation, PaiDlcServer};

const DISCORD_TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GcheckT.test-discord-token_value";
const BOT_NAME: &str = support::discord::payloads::BOT_USERNAME;

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must be set: run under scripts/with-postgres.sh")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The report line for one check.
    fn line(&self, name: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l[l.char_indices().nth(2).map_or(0, |(i, _)| i)..].starts_with(name))
            .unwrap_or_else(|| panic!("no `{name}` line in:\n{}", self.stdout))
    }

    fn assert_passed(&self, name: &str) {
        let line = self.line(name);
        assert!(
            line.starts_with("✓ "),
            "{name} should pass:\n{}",
            self.stdout
        );
    }

    fn assert_failed(&self, name: &str) {
        let line = self.line(name);
        assert!(
            line.starts_with("✗ "),
            "{name} should fail:\n{}",
            self.stdout
        );
    }
}

/// Runs the binary isolated (see `support::cli`) with only `env`.
async fn run_bin(args: &[&str], env: &[(&str, String)]) -> Run {
    let out = support::cli::run_binary(args, env.iter().map(|(k, v)| (*k, v.as_str()))).await;
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    for secret in [AK_SECRET, DISCORD_TOKEN, DB_PASSWORD] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a secret leaked:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

const DB_PASSWORD: &str = "db-password-never-shown";

/// Everything pointing at working stand-ins; tests change one thing each.
fn good_env(gettoken: &PaiDlcServer, discord: &DiscordServer) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", database_url()),
        ("DISCORD_TOKEN", DISCORD_TOKEN.into()),
        ("DLCSHARE_DISCORD__API_BASE", discord.base_url()),
        ("DLCSHARE_ALIYUN__ENDPOINT", gettoken.url()),
        ("DLCSHARE_ALIYUN__DEADLINE", "3s".into()),
        ("DLCSHARE_ALIYUN__REQUEST_TIMEOUT", "1s".into()),
        ("DLCSHARE_DISCORD__GUILD_ID", "1180000000000000100".into()),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", AK_ID.into()),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", AK_SECRET.into()),
    ]
}

fn set(env: &mut Vec<(&'static str, String)>, key: &'static str, value: impl Into<String>) {
    env.retain(|(k, _)| *k != key);
    env.push((key, value.into()));
}

fn unset(env: &mut Vec<(&'static str, String)>, key: &str) {
    env.retain(|(k, _)| *k != key);
}

#[tokio::test(flavor = "multi_thread")]
async fn everything_good_passes_every_check() {
    let gettoken = PaiDlcServer::start(false).await;
    let discord = DiscordServer::start(DISCORD_TOKEN).await;
    let run = run_bin(&["check"], &good_env(&gettoken, &discord)).await;

    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.lines().count(), 6, "{}", run.stdout);
    for name in [
        "configuration",
        "database",
        "Discord token",
        "Alibaba Cloud credentials",
        "PAI-DLC look-up",
        "PAI-DLC suggestions",
    ] {
        run.assert_passed(name);
    }
    assert!(
        run.line("configuration").contains("DLCSHARE_")
            && run.line("configuration").contains("serving 1 server(s)"),
        "{}",
        run.stdout
    );
    assert!(
        run.line("database").contains("PostgreSQL at 127.0.0.1:"),
        "{}",
        run.stdout
    );
    let discord_line = run.line("Discord token");
    assert!(
        discord_line.contains(BOT_NAME)
            && discord_line.contains(&DiscordServer::BOT_USER_ID.to_string()),
        "{discord_line}"
    );
    let alibaba = run.line("Alibaba Cloud credentials");
    assert!(alibaba.contains("LTAI…eyId"), "{alibaba}");
    assert!(!alibaba.contains(AK_ID), "the key id is masked: {alibaba}");

    // The probes were the harmless requests for a target that cannot exist, correctly signed:
    // GetToken for the credentials, GetJob for the look-up (not found passes), one entry of
    // ListJobs and of ListTensorboards for the suggestions.
    let seen = gettoken.seen();
    assert_eq!(seen.len(), 4, "{seen:?}");
    let probe = |op: Operation| {
        seen.iter()
            .find(|s| s.operation == Some(op))
            .unwrap_or_else(|| panic!("no {op:?} probe: {seen:?}"))
    };
    let token = probe(Operation::GetToken);
    assert_eq!(token.verdict, Ok(()));
    assert_eq!(token.query["TargetId"], "dlc-share-bot-check");
    assert_eq!(token.query["ExpireTime"], "60");
    let job = probe(Operation::GetJob);
    assert_eq!(job.verdict, Ok(()));
    assert_eq!(job.path, "/api/v1/jobs/dlc-share-bot-check");
    for listing in [Operation::ListJobs, Operation::ListTensorboards] {
        let list = probe(listing);
        assert_eq!(list.verdict, Ok(()));
        assert_eq!(list.query["PageSize"], "1", "{listing:?}");
    }
    assert!(
        run.line("PAI-DLC look-up").contains("not found"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn not_found_and_invalid_parameter_answers_prove_the_credentials() {
    let discord = DiscordServer::start(DISCORD_TOKEN).await;
    for code in ["InvalidParameter", "JobNotFound"] {
        let gettoken = PaiDlcServer::start(false).await;
        gettoken.set_default(Behavior::Error { status: 400, code });
        let mut env = good_env(&gettoken, &discord);
        set(&mut env, "DLCSHARE_ALIYUN__SIGNATURE_VERSION", "v3");
        let run = run_bin(&["check"], &env).await;
        assert_eq!(run.code, 0, "{code}: {}\n{}", run.stdout, run.stderr);
        let line = run.line("Alibaba Cloud credentials");
        assert!(line.starts_with("✓ ") && line.contains(code), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_access_key_secret_fails() {
    let gettoken = PaiDlcServer::start(false).await;
    let discord = DiscordServer::start(DISCORD_TOKEN).await;
    let mut env = good_env(&gettoken, &discord);
    set(
        &mut env,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "not-the-secret",
    );
    let run = run_bin(&["check"], &env).await;

    assert_ne!(run.code, 0, "{}", run.stdout);
    run.assert_failed("Alibaba Cloud credentials");
    assert!(
        run.line("Alibaba Cloud credentials")
            .contains("SignatureDoesNotMatch"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("not-the-secret"), "{}", run.stdout);
    // The other checks still ran and passed.
    run.assert_passed("database");
    run.assert_passed("Discord token");
    assert!(
        // The look-up's GetJob and the suggestions' listings are refused with the same
        // signature.
        run.stderr.contains("3 of 6 checks failed"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_or_wrong_discord_token_fails_naming_it() {
    let gettoken = PaiDlcServer::start(false).await;
    let discord = DiscordServer::start(DISCORD_TOKEN).await;

    let mut env = good_env(&gettoken, &discord);
    unset(&mut env, "DISCORD_TOKEN");
    let run = run_bin(&["check"], &env).await;
    assert_ne!(run.code, 0);
    run.assert_failed("Discord token");
    assert!(
        run.line("Discord token").contains("DISCORD_TOKEN"),
        "{}",
        run.stdout
    );
    run.assert_passed("Alibaba Cloud credentials");

    let mut env = good_env(&gettoken, &discord);
    set(&mut env, "DISCORD_TOKEN", "wrong-token");
    let run = run_bin(&["check"], &env).await;
    assert_ne!(run.code, 0);
    run.assert_failed("Discord token");
    assert!(run.line("Discord token").contains("401"), "{}", run.stdout);
    assert!(!run.stdout.contains("wrong-token"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_or_missing_database_fails() {
    let gettoken = PaiDlcServer::start(false).await;
    let discord = DiscordServer::start(DISCORD_TOKEN).await;

    let mut env = good_env(&gettoken, &discord);
    set(
        &mut env,
        "DATABASE_URL",
        format!(
            "postgres://dlcshare:{DB_PASSWORD}@127.0.0.1:{}/dlcshare",
            closed_port()
        ),
    );
    set(&mut env, "DLCSHARE_DATABASE__ACQUIRE_TIMEOUT", "1s");
    let run = run_bin(&["check"], &env).await;
    assert_ne!(run.code, 0);
    run.assert_failed("database");
    assert!(
        run.line("database")
            .contains("cannot reach PostgreSQL at 127.0.0.1:"),
        "{}",
        run.stdout
    );
    run.assert_passed("Discord token");

    let mut env = good_env(&gettoken, &discord);
    unset(&mut env, "DATABASE_URL");
    let run = run_bin(&["check"], &env).await;
    assert_ne!(run.code, 0);
    run.assert_failed("database");
    assert!(
        run.line("database").contains("DATABASE_URL"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_alibaba_endpoint_and_missing_credentials_fail() {
    let gettoken = PaiDlcServer::start(false).await;
    let discord = DiscordServer::start(DISCORD_TOKEN).await;

    let mut env = good_env(&gettoken, &discord);
    set(
        &mut env,
        "DLCSHARE_ALIYUN__ENDPOINT",
        format!("http://127.0.0.1:{}", closed_port()),
    );
    set(&mut env, "DLCSHARE_ALIYUN__MAX_RETRIES", "0");
    let run = run_bin(&["check"], &env).await;
    assert_ne!(run.code, 0);
    run.assert_failed("Alibaba Cloud credentials");

    let mut env = good_env(&gettoken, &discord);
    unset(&mut env, "ALIBABA_CLOUD_ACCESS_KEY_ID");
    unset(&mut env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    let run = run_bin(&["check"], &env).await;
    assert_ne!(run.code, 0);
    run.assert_failed("Alibaba Cloud credentials");
    assert!(
        run.line("Alibaba Cloud credentials")
            .contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{}",
        run.stdout
    );
}

struct AlwaysReady;

impl Readiness for AlwaysReady {
    fn gateway_connected(&self) -> bool {
        true
    }

    async fn database(&self) -> Result<(), String> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn healthcheck_follows_the_running_server() {
    let listener = http::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(http::serve(
        listener,
        OpsState::new(AlwaysReady, http::install_metrics_recorder()),
        async {
            let _ = stopped.await;
        },
    ));

    let run = run_bin(
        &["healthcheck"],
        &[("DLCSHARE_HTTP__LISTEN", format!("127.0.0.1:{port}"))],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // As in the container: listening on every address, reached through loopback.
    let run = run_bin(
        &["healthcheck"],
        &[("DLCSHARE_HTTP__LISTEN", format!("0.0.0.0:{port}"))],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    let _ = stop.send(());
    server.await.unwrap().unwrap();

    let closed: SocketAddr = format!("127.0.0.1:{}", closed_port()).parse().unwrap();
    let run = run_bin(
        &["healthcheck"],
        &[("DLCSHARE_HTTP__LISTEN", closed.to_string())],
    )
    .await;
    assert_ne!(run.code, 0);
    let reason: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(reason.len(), 1, "one line: {}", run.stderr);
    assert!(
        reason[0].contains(&closed.to_string()) && reason[0].contains("refused"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_guild_configured_fails_the_configuration_check() {
    let gettoken = PaiDlcServer::start(false).await;
    let discord = DiscordServer::start(DISCORD_TOKEN).await;
    let mut env = good_env(&gettoken, &discord);
    unset(&mut env, "DLCSHARE_DISCORD__GUILD_ID");
    let run = run_bin(&["check"], &env).await;
    assert_ne!(run.code, 0);
    run.assert_failed("configuration");
    let line = run.line("configuration");
    assert!(
        line.contains("discord.guilds") && line.contains("discord.guild_id"),
        "{line}"
    );
    set(&mut env, "DLCSHARE_DISCORD__GUILDS", "[\"*\"]");
    let run = run_bin(&["check"], &env).await;
    run.assert_passed("configuration");
    assert!(
        run.line("configuration").contains("every server"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_without_get_job_fails_the_look_up_check_naming_the_action() {
    let pai_dlc = PaiDlcServer::start(false).await;
    pai_dlc.deny(Operation::GetJob);
    let discord = DiscordServer::start(DISCORD_TOKEN).await;
    let mut env = good_env(&pai_dlc, &discord);
    let run = run_bin(&["check"], &env).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    run.assert_passed("Alibaba Cloud credentials");
    run.assert_failed("PAI-DLC look-up");
    let line = run.line("PAI-DLC look-up");
    assert!(line.contains("paidlc:GetJob"), "{line}");
    assert!(line.contains("Forbidden.RAM"), "{line}");

    // With the look-up off, GetJob is not needed.
    set(&mut env, "DLCSHARE_ALIYUN__LOOKUP", "false");
    let run = run_bin(&["check"], &env).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.assert_passed("PAI-DLC look-up");

    // A workspace rule needs the look-up: refused before any check, naming both keys.
    set(&mut env, "DLCSHARE_ALIYUN__WORKSPACES", "[\"ws-vision\"]");
    let run = run_bin(&["check"], &env).await;
    assert_ne!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("aliyun.lookup"), "{}", run.stderr);
    assert!(run.stderr.contains("aliyun.workspaces"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_without_list_jobs_fails_the_suggestions_check_naming_the_action() {
    let pai_dlc = PaiDlcServer::start(false).await;
    pai_dlc.deny(Operation::ListJobs);
    let discord = DiscordServer::start(DISCORD_TOKEN).await;
    let mut env = good_env(&pai_dlc, &discord);
    let run = run_bin(&["check"], &env).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    run.assert_passed("PAI-DLC look-up");
    run.assert_failed("PAI-DLC suggestions");
    let line = run.line("PAI-DLC suggestions");
    assert!(line.contains("paidlc:ListJobs"), "{line}");
    assert!(line.contains("Forbidden.RAM"), "{line}");
    assert!(
        !line.contains("paidlc:ListTensorboards"),
        "that one is allowed: {line}"
    );

    // With suggestions off, neither listing is needed nor made.
    let before = pai_dlc.calls(Operation::ListJobs);
    set(&mut env, "DLCSHARE_ALIYUN__SUGGEST", "false");
    let run = run_bin(&["check"], &env).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.assert_passed("PAI-DLC suggestions");
    assert!(
        run.line("PAI-DLC suggestions").contains("off"),
        "{}",
        run.stdout
    );
    assert_eq!(pai_dlc.calls(Operation::ListJobs), before);
}
