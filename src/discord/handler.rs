//! Interaction routing: defer at once, turn options into core requests, run them, and always
//! answer — one error path catches whatever fails inside.

use crate::telemetry::metric;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::FutureExt;
use serenity::all::{
    CommandInteraction, ConnectionStage, Context, CreateAutocompleteResponse,
    CreateInteractionResponse, EditInteractionResponse, EventHandler, Interaction, Ready,
    ResumedEvent, ShardStageUpdateEvent,
};
use tracing::Instrument;

use super::commands::{self, Invocation};
use super::inflight::Inflight;
use super::responder::{Delivered, Responder};
use super::{admin, replies};
use crate::aliyun::GetTokenClient;
use crate::http::GatewayStatus;
use crate::share::{
    AdminPermissions, ChannelId, GuildId, GuildPolicy, RoleId, ShareRequest, ShareService, UserId,
    is_admin, suggest_expiries,
};
use crate::store::{Actor, PgStore};

/// Everything an interaction needs, shared by all of them.
pub struct Bot {
    pub service: ShareService<PgStore, PgStore, GetTokenClient>,
    pub store: PgStore,
    pub admin_roles: Vec<RoleId>,
    pub default_policy: GuildPolicy,
    /// Where commands are registered on READY: a guild, or global.
    pub register_in: Option<GuildId>,
    pub inflight: Arc<Inflight>,
    /// Shard connection state, read by `/readyz`.
    pub gateway: GatewayStatus,
    /// Acknowledges and answers interactions, with Discord's retries.
    pub responder: Responder,
    registered: AtomicBool,
}

impl Bot {
    pub fn new(
        service: ShareService<PgStore, PgStore, GetTokenClient>,
        store: PgStore,
        admin_roles: Vec<RoleId>,
        default_policy: GuildPolicy,
        register_in: Option<GuildId>,
        gateway: GatewayStatus,
        responder: Responder,
    ) -> Self {
        Bot {
            service,
            store,
            admin_roles,
            default_policy,
            register_in,
            inflight: Arc::new(Inflight::default()),
            gateway,
            responder,
            registered: AtomicBool::new(false),
        }
    }

    async fn on_command(&self, cmd: CommandInteraction) {
        let span = tracing::info_span!(
            "interaction",
            interaction_id = %cmd.id,
            guild_id = %cmd.guild_id.map(|g| g.to_string()).unwrap_or_default(),
            user_id = %cmd.user.id,
            command = %commands::command_path(&cmd),
        );
        async {
            let Some(_guard) = self.inflight.enter() else {
                let msg = "The bot is restarting and not taking requests; please try again in a moment.";
                if let Err(e) = self.responder.respond_now(&cmd, &replies::immediate(msg)).await {
                    tracing::warn!(error = %e, "could not answer during shutdown");
                }
                // Unserved, yet still one audit row per /share attempt.
                if let Some(request) = share_request(&cmd) {
                    self.service.record_unserved(&request, "shutting_down").await;
                }
                return;
            };
            // Defer before any database or network work: Discord's window is 3 seconds.
            if let Err(e) = self.responder.defer(&cmd).await {
                tracing::warn!(error = %e, "could not acknowledge the interaction; it cannot be answered");
                metrics::counter!(metric::INTERACTIONS_TOTAL, "command" => commands::command_path(&cmd), "outcome" => "unanswered").increment(1);
                // Unanswerable, yet still one audit row per /share attempt, issuing nothing.
                if let Some(request) = share_request(&cmd) {
                    self.service.record_unserved(&request, "unacknowledged").await;
                }
                return;
            }
            let (reply, outcome) = match AssertUnwindSafe(self.respond(&cmd)).catch_unwind().await {
                Ok(answer) => answer,
                Err(_) => {
                    tracing::error!("handling the interaction panicked");
                    (replies::internal_error(), "internal_error")
                }
            };
            tracing::info!(outcome, "interaction answered");
            metrics::counter!(metric::INTERACTIONS_TOTAL, "command" => commands::command_path(&cmd), "outcome" => outcome).increment(1);
            match self.responder.finish(&cmd, &reply).await {
                Ok(Delivered::Edited) => {}
                Ok(Delivered::FollowUp) => tracing::info!("answer sent as a follow-up message"),
                // The audit row keeps its outcome: what was decided stands, only the telling failed.
                Err(e) => tracing::error!(error = %e, "could not deliver the answer"),
            }
        }
        .instrument(span)
        .await
    }

    /// The reply and the outcome label for metrics.
    async fn respond(&self, cmd: &CommandInteraction) -> (EditInteractionResponse, &'static str) {
        let Some(guild) = cmd.guild_id else {
            return (
                replies::text("These commands only work inside a server."),
                "invalid_input",
            );
        };
        let guild = GuildId(guild.get());
        // `/share` refuses (and audits) foreign guilds in the core; admin commands here.
        let foreign = !self.service.served.serves(guild);
        let invocation = match commands::parse(cmd) {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(error = %e, "unknown command");
                return (
                    replies::text("This command is not known to this version of the bot."),
                    "invalid_input",
                );
            }
        };
        let member_roles = member_roles(cmd, guild);
        match invocation {
            Invocation::Share { .. } => {
                let request = share_request(cmd).expect("a guild /share parses to a request");
                let report = self.service.share(request).await;
                crate::http::record::share(&report);
                (replies::share(&report.outcome), report.outcome.label())
            }
            Invocation::Admin(_) if foreign => {
                tracing::warn!("admin command from a guild this bot does not serve");
                (replies::text(replies::GUILD_NOT_ENABLED), "denied_role")
            }
            Invocation::Admin(admin) => {
                let perms = cmd
                    .member
                    .as_ref()
                    .and_then(|m| m.permissions)
                    .unwrap_or_default();
                let perms = AdminPermissions {
                    administrator: perms.administrator(),
                    manage_guild: perms.manage_guild(),
                };
                if !is_admin(perms, &member_roles, &self.admin_roles) {
                    tracing::warn!("non-admin called an admin command");
                    return (
                        replies::text(
                            "Only server admins (Manage Server or Administrator, or a configured admin role) can use `/share-admin`.",
                        ),
                        "denied_role",
                    );
                }
                let actor = Actor::new(cmd.user.id.to_string(), cmd.user.name.clone());
                match admin::run(&self.store, guild, &actor, self.default_policy, &admin).await {
                    Ok(text) => (replies::text(text), "ok"),
                    Err(e) => {
                        tracing::warn!(error = %e, "admin command failed");
                        (replies::text(e.user_message()), "error")
                    }
                }
            }
        }
    }

    async fn on_autocomplete(&self, cmd: CommandInteraction) {
        let Some((option, typed)) = commands::focused(&cmd) else {
            return;
        };
        // Nothing, not even suggestions or a policy read, for guilds this bot does not serve.
        if cmd
            .guild_id
            .is_some_and(|g| !self.service.served.serves(GuildId(g.get())))
        {
            let none = CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new());
            if let Err(e) = self.responder.respond_now(&cmd, &none).await {
                tracing::debug!(error = %e, "autocomplete answer failed");
            }
            return;
        }
        let ceiling = self.default_policy.max_expiry();
        let max = match (option == commands::OPT_EXPIRY, cmd.guild_id) {
            (true, Some(g)) => self
                .store
                .policy(GuildId(g.get()))
                .await
                .ok()
                .flatten()
                .map_or(self.default_policy, |p| p.capped(ceiling))
                .max_expiry(),
            // The admin's policy options, or a /share outside a guild.
            _ => ceiling,
        };
        let choices = suggest_expiries(typed, max)
            .into_iter()
            .fold(CreateAutocompleteResponse::new(), |r, (label, value)| {
                r.add_string_choice(label, value)
            });
        if let Err(e) = self
            .responder
            .respond_now(&cmd, &CreateInteractionResponse::Autocomplete(choices))
            .await
        {
            tracing::debug!(error = %e, "autocomplete answer failed");
        }
    }
}

/// The member's roles, plus `@everyone` (whose id is the guild's): Discord leaves it out of
/// `member.roles`, yet an admin may allow it to mean "every member".
fn member_roles(cmd: &CommandInteraction, guild: GuildId) -> Vec<RoleId> {
    let mut roles: Vec<RoleId> = cmd
        .member
        .as_ref()
        .map(|m| m.roles.iter().map(|r| RoleId(r.get())).collect())
        .unwrap_or_default();
    roles.push(RoleId(guild.get()));
    roles
}

/// The core's view of a `/share` in a guild; `None` for anything else.
fn share_request(cmd: &CommandInteraction) -> Option<ShareRequest> {
    let guild = GuildId(cmd.guild_id?.get());
    let Ok(Invocation::Share {
        target_type,
        id,
        expiry,
    }) = commands::parse(cmd)
    else {
        return None;
    };
    Some(ShareRequest {
        interaction_id: cmd.id.to_string(),
        guild_id: guild,
        channel_id: Some(ChannelId(cmd.channel_id.get())),
        user_id: UserId(cmd.user.id.get()),
        user_name: cmd.user.name.clone(),
        member_roles: member_roles(cmd, guild),
        target_type,
        raw_id: id,
        raw_expiry: expiry,
    })
}

/// serenity's event handler: a thin shim over [`Bot`].
pub struct Handler(pub Arc<Bot>);

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        self.0.gateway.shard_connected(ctx.shard_id.0);
        if self.0.registered.load(Ordering::Acquire) {
            // A READY after the first is a new session: the old one could not be resumed.
            metrics::counter!(metric::GATEWAY_RECONNECTS_TOTAL).increment(1);
        }
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "gateway ready");
        if !self.0.registered.swap(true, Ordering::AcqRel)
            && let Err(e) = super::register_commands(&ctx.http, self.0.register_in).await
        {
            self.0.registered.store(false, Ordering::Release);
            tracing::error!(error = %e, "command registration failed; retrying on the next READY");
        }
    }

    async fn resume(&self, ctx: Context, _: ResumedEvent) {
        self.0.gateway.shard_connected(ctx.shard_id.0);
        metrics::counter!(metric::GATEWAY_RECONNECTS_TOTAL).increment(1);
        tracing::info!("gateway session resumed");
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        if event.new == ConnectionStage::Connected {
            self.0.gateway.shard_connected(event.shard_id.0);
        } else {
            if event.old == ConnectionStage::Connected {
                tracing::warn!(stage = ?event.new, "gateway connection lost; reconnecting");
            }
            self.0.gateway.shard_disconnected(event.shard_id.0);
        }
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(cmd) => self.0.on_command(cmd).await,
            Interaction::Autocomplete(cmd) => self.0.on_autocomplete(cmd).await,
            other => tracing::debug!(kind = ?other.kind(), "ignoring interaction"),
        }
    }
}
