//! `dlc-share-bot token`: one share link from the shell, audited like a chat request when a
//! database is configured.

use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use secrecy::ExposeSecret;

use super::TokenArgs;
use crate::aliyun::{PaiDlcClient, credentials, signer};
use crate::clock::SystemClock;
use crate::config::Settings;
use crate::safe_text::visible;
use crate::share::ports::AuditAttempt;
use crate::share::{
    Expiry, Grant, IssuedShare, ShareOutcome, TargetId, TargetType, share_from_shell,
};
use crate::store::{self, PgStore};

pub async fn run(settings: &Settings, args: TokenArgs) -> anyhow::Result<()> {
    // Input first: invalid input never reaches the network or the database.
    let target_type = TargetType::from(args.target_type);
    let target_id = TargetId::parse(&args.id).map_err(|e| anyhow!("--id `{}`: {e}", args.id))?;
    let policy = settings.default_policy()?;
    let expiry = match &args.expire {
        Some(raw) => {
            Expiry::parse(raw, policy.max_expiry()).map_err(|e| anyhow!("--expire: {e}"))?
        }
        None => policy.default_expiry(),
    };
    let links = settings
        .link_templates()
        .map_err(|(key, e)| anyhow!("{key}: {e}"))?;
    let operator_rule = settings
        .target_rule()
        .map_err(|e| anyhow!("aliyun.workspaces: {e}"))?;
    let credentials = credentials::load()?;
    let client = PaiDlcClient::new(&settings.aliyun, credentials)?;

    let store = store::connect_from_env(&settings.database)
        .await
        .context("the audit database (DATABASE_URL)")?;
    if let Some(store) = &store {
        // An operator tool does not change the schema; `migrate` (or the bot) does.
        store
            .ensure_schema_current()
            .await
            .context("the audit database (DATABASE_URL)")?;
    }
    let operator = local_operator();
    let attempt = AuditAttempt {
        interaction_id: format!("cli-{}", signer::random_nonce()),
        guild_id: None,
        channel_id: None,
        user_id: operator.clone(),
        user_name: operator,
        target_type,
        target_id: target_id.to_string(),
        requested_expire_seconds: args.expire.as_ref().map(|_| expiry.as_secs().into()),
        expire_seconds: Some(expiry.as_secs().into()),
        reason: None,
        target_name: None,
        workspace_id: None,
    };
    let report = share_from_shell::<PgStore, _, _>(
        store.as_ref(),
        &client,
        &client,
        &operator_rule,
        &links,
        &SystemClock,
        Grant {
            attempt,
            target_id,
            expiry,
            started: Instant::now(),
            details: None,
        },
    )
    .await;
    if let Some(store) = store {
        store.close().await;
    }
    crate::http::record::share(&report);
    if let Some(failed) = &report.lookup_failure {
        eprintln!(
            "warning: the {} could not be looked up ({}); sharing it without its name",
            target_type.label(),
            visible(&failed.code)
        );
    }
    match report.outcome {
        ShareOutcome::Issued(share) => {
            print_share(&share, args.json);
            Ok(())
        }
        // Upstream's words, shown without what could move the terminal's cursor.
        ShareOutcome::Upstream(failure) => bail!("{}", visible(&failure.message)),
        ShareOutcome::Invalid(crate::share::InvalidInput::TargetNotFound) => bail!(
            "no {} `{}` exists in region {} of this account; nothing was shared",
            target_type.label(),
            args.id,
            settings.aliyun.region
        ),
        ShareOutcome::WorkspaceNotAllowed { allowed } => bail!(
            "{} `{}` is outside aliyun.workspaces ({}); nothing was shared",
            target_type.label(),
            args.id,
            allowed
                .iter()
                .map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ShareOutcome::AuditUnavailable => {
            bail!("cannot write the audit row, so no token was requested (fail closed)")
        }
        ShareOutcome::AuditIncomplete => bail!(
            "a token was issued but its audit row could not be completed, so it is not shown \
             (its fingerprint is in the log at ERROR)"
        ),
        other => bail!("unexpected outcome `{}`", other.label()),
    }
}

/// `$USER` (or `$USERNAME`), the name the audit log records for command-line requests.
fn local_operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "unknown-operator".into())
}

fn print_share(share: &IssuedShare, json: bool) {
    if json {
        let details = share.details.as_ref();
        let obj = serde_json::json!({
            "target_type": share.target_type.as_str(),
            "target_id": share.target_id.as_str(),
            "target_name": details.map(|d| d.name.as_str()),
            "target_status": details.and_then(|d| d.status.as_deref()),
            "workspace_id": details.map(|d| d.workspace_id.as_str()),
            // A TensorBoard's shared URL carries its own token, which is not ours to pick
            // out: `null`, and the link is the whole credential.
            "token": share.token.as_ref().map(|t| t.expose_secret()),
            "link": share.link.expose_secret(),
            "expire_seconds": share.lifetime.as_secs(),
            "expires_at": share.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "request_id": share.request_id,
        });
        println!("{obj}");
    } else {
        println!("{}", share.link.expose_secret());
        // The name is upstream's data: shown without the characters that move a terminal's
        // cursor or reverse its text.
        let described = share.details.as_ref().map_or_else(String::new, |d| {
            let status = d
                .status
                .as_deref()
                .map(|s| format!("{}, ", visible(s)))
                .unwrap_or_default();
            format!(
                " \"{}\" ({status}workspace {})",
                visible(&d.name),
                d.workspace_id
            )
        });
        eprintln!(
            "{} {}{described} shared for {}, until {} (RequestId {})",
            share.target_type.label(),
            share.target_id,
            crate::share::format_duration(share.lifetime),
            share
                .expires_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            visible(&share.request_id)
        );
    }
}
