//! `dlc-share-bot register-commands`: the slash commands, in one guild or globally, through
//! the local Discord-compatible server.

use crate::support;
use support::discord::{CommandScope, DiscordServer, GUILD_ID};

const TOKEN: &str = "MTE4MDAwMDAwMDAwMDAwMDAwMg.register.test-token";

async fn register(server: &DiscordServer, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["register-commands"];
    args.extend_from_slice(extra);
    let api_base = server.base_url();
    let env = [
        ("DISCORD_TOKEN", TOKEN),
        ("DLCSHARE_DISCORD__API_BASE", api_base.as_str()),
    ];
    support::cli::run_binary(&args, env).await
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
