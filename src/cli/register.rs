//! `dlc-share-bot register-commands`: (re)register the slash commands without running the bot.

use anyhow::{Context, anyhow};

use crate::config::{Settings, secret_from_env};
use crate::discord;
use crate::share::GuildId;

pub async fn run(settings: &Settings, guild: Option<u64>) -> anyhow::Result<()> {
    let token = secret_from_env("DISCORD_TOKEN")?
        .ok_or_else(|| anyhow!("DISCORD_TOKEN is not set (or DISCORD_TOKEN_FILE)"))?;
    let http = discord::http_client(&token, &settings.discord.api_base);
    let app = http
        .get_current_application_info()
        .await
        .context("cannot read the application (is DISCORD_TOKEN right?)")?;
    http.set_application_id(app.id);
    let scope = guild.or(settings.discord.guild_id).map(GuildId);
    let count = discord::register_commands(&http, scope)
        .await
        .context("command registration")?;
    match scope {
        Some(g) => println!("registered {count} commands in guild {g}"),
        None => {
            println!("registered {count} global commands (they may take up to an hour to appear)")
        }
    }
    Ok(())
}
