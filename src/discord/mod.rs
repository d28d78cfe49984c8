//! The Discord adapter: serenity client set-up, command registration, interaction handling
//! and replies. The decisions live in `share`; this module only translates.

pub mod admin;
pub mod approvals;
pub mod audit_channel;
pub mod commands;
pub mod dispatch;
pub mod endpoint;
mod gateway_status;
pub mod handler;
pub mod i18n;
pub mod inflight;
pub mod members;
pub mod replies;
pub mod responder;

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serenity::all::{Client, Command, GatewayIntents, Http, HttpBuilder};

pub use gateway_status::GatewayStatus;
pub use handler::{Bot, Handler};

use crate::share::GuildId;

/// Discord's own base: the one address where serenity's built-in rate limiter is used.
pub const DISCORD_BASE: &str = "https://discord.com";

/// REST client for `api_base`. Any other base (a REST rate-limit proxy, a local test server)
/// goes through serenity's proxy support, which works only with its ratelimiter disabled.
pub fn http_client(token: &SecretString, api_base: &str) -> Http {
    let base = api_base.trim_end_matches('/');
    let builder = HttpBuilder::new(token.expose_secret());
    if base == DISCORD_BASE {
        builder.build()
    } else {
        builder.proxy(base).ratelimiter_disabled(true).build()
    }
}

/// No privileged intents: interactions arrive whatever the intents, GUILDS keeps READY useful.
pub const INTENTS: GatewayIntents = GatewayIntents::GUILDS;

/// A gateway client wired to the bot; `start()` it to connect.
pub async fn client(
    token: &SecretString,
    api_base: &str,
    bot: Arc<Bot>,
) -> serenity::Result<Client> {
    serenity::all::ClientBuilder::new_with_http(http_client(token, api_base), INTENTS)
        .event_handler(Handler(bot))
        .await
}

/// HTTP mode's start-up over REST (no gateway READY to wait for): reads the application (its
/// id, and its `verify_key` unless `public_key` is configured), registers the commands, and
/// returns the verifier for `POST /interactions`.
pub async fn start_http_mode(
    token: &SecretString,
    api_base: &str,
    public_key: Option<&str>,
    register_in: Option<GuildId>,
) -> anyhow::Result<serenity::interactions_endpoint::Verifier> {
    use anyhow::Context as _;
    let http = http_client(token, api_base);
    let app = http
        .get_current_application_info()
        .await
        .context("cannot read the Discord application (is DISCORD_TOKEN right?)")?;
    http.set_application_id(app.id);
    let verifier = match public_key {
        Some(key) => {
            endpoint::verifier(key).map_err(|e| anyhow::anyhow!("discord.public_key: {e}"))?
        }
        None => endpoint::verifier(&app.verify_key).map_err(|e| {
            anyhow::anyhow!("the application's verify_key {e}; set discord.public_key")
        })?,
    };
    register_commands(&http, register_in)
        .await
        .context("registering the slash commands")?;
    Ok(verifier)
}

/// Bulk-overwrites the bot's slash commands, in one guild or globally.
pub async fn register_commands(http: &Http, guild: Option<GuildId>) -> serenity::Result<usize> {
    let definitions = commands::definitions();
    let registered = match guild {
        Some(g) => {
            serenity::all::GuildId::new(g.get())
                .set_commands(http, definitions)
                .await?
        }
        None => Command::set_global_commands(http, definitions).await?,
    };
    tracing::info!(count = registered.len(), scope = ?guild, "slash commands registered");
    Ok(registered.len())
}
