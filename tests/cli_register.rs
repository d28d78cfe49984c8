//! `dlc-share-bot register-commands`: the SPEC §3 commands, in one guild or globally, through
//! the local Discord-compatible server.

mod support;

use std::time::Duration;

use support::discord::{CommandScope, DiscordServer, GUILD_ID};

const TOKEN: &str = "MTE4MDAwMDAwMDAwMDAwMDAwMg.register.test-token";

async fn register(server: &DiscordServer, extra: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_dlc-share-bot"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .current_dir(home.path())
        .env("DISCORD_TOKEN", TOKEN)
        .env("DLCSHARE_DISCORD__API_BASE", server.base_url())
        .arg("register-commands")
        .args(extra);
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("finishes")
        .expect("runs")
}

fn names(commands: &[serde_json::Value]) -> Vec<&str> {
    commands
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn registers_in_a_guild_or_globally() {
    let server = DiscordServer::start(TOKEN).await;
    let out = register(&server, &["--guild", &GUILD_ID.to_string()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("registered 2 commands in guild"),
        "{stdout}"
    );
    assert_eq!(
        names(&server.commands(CommandScope::Guild(GUILD_ID))),
        ["share", "share-admin"]
    );
    assert!(server.commands(CommandScope::Global).is_empty());

    let out = register(&server, &[]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        names(&server.commands(CommandScope::Global)),
        ["share", "share-admin"]
    );
    assert!(
        server.unexpected_requests().is_empty(),
        "{:?}",
        server.unexpected_requests()
    );
}

#[tokio::test]
async fn a_wrong_token_is_one_clear_line() {
    let server = DiscordServer::start("another-token").await;
    let out = register(&server, &[]).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DISCORD_TOKEN"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains(TOKEN));
}
