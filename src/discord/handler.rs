//! Interaction routing: read the interaction once, defer at once, hand it to the core, and
//! always answer — one error path catches whatever fails inside. Nothing is decided here.

use crate::telemetry::metric;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::FutureExt;
use serenity::all::{
    CommandInteraction, ComponentInteraction, ConnectionStage, Context, CreateAutocompleteResponse,
    CreateInteractionResponse, EditInteractionResponse, EventHandler, Interaction, Ready,
    ResumedEvent, ShardStageUpdateEvent,
};
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::GatewayStatus;
use super::approvals::{self, ApprovalPoster};
use super::audit_channel::AuditChannel;
use super::commands::{self, Invocation, Suggest, UnknownCommand};
use super::dispatch::Ack;
use super::i18n::{Lang, tr};
use super::inflight::Inflight;
use super::members::DiscordMembers;
use super::responder::{Answerable, Delivered, Responder};
use super::{admin, replies};
use crate::aliyun::PaiDlcClient;
use crate::app::{Admin, Share};
use crate::share::ports::{Actor, Deliveries, GuildDirectory};
use crate::share::{
    AdminCaller, AdminPermissions, Approval, ApprovalAction, AuditNotice, Card, Choice,
    ClickOutcome, DecisionNotice, ErrorCode, GuildId, RequesterReply, RoleId, ShareOutcome,
    ShareRequest, UserId, choose, suggest_expiries, suggestion_rule,
};
use crate::suggestions::SuggestionCache;

/// How long finding autocomplete choices may take: Discord drops an answer after 3 s, and the
/// reply itself needs a round trip. The suggestion cache's own first wait is shorter.
const AUTOCOMPLETE_DEADLINE: std::time::Duration = std::time::Duration::from_millis(2_500);

/// Everything an interaction needs, shared by all of them.
pub struct Bot {
    pub share: Share,
    pub admin: Admin,
    /// Where commands are registered on READY: a guild, or global.
    pub register_in: Option<GuildId>,
    pub inflight: Arc<Inflight>,
    /// Shard connection state, read by `/readyz`.
    pub gateway: GatewayStatus,
    /// Acknowledges and answers interactions, with Discord's retries.
    pub responder: Responder,
    /// Shares this process may work on at once (`share.max_in_flight`): one permit each.
    pub share_slots: Arc<Semaphore>,
    /// Where guilds' audit-channel posts go out.
    pub audit_channel: AuditChannel,
    /// Approval cards and the requesters' notices.
    pub approvals: ApprovalPoster,
    /// Requesters' roles now, for re-checking an approval.
    members: DiscordMembers,
    /// Recent jobs and TensorBoards for `/share`'s `id`; `None` with `aliyun.suggest = false`.
    suggestions: Option<SuggestionCache<PaiDlcClient>>,
    registered: AtomicBool,
}

/// What the database says of an interaction's id.
enum Delivery {
    /// Never acted on: go ahead.
    First,
    /// Acted on already, here or by another replica: do nothing more.
    Replay,
    /// The database cannot tell: refuse (it could be a replay).
    Unknown,
}

/// A command interaction read once: what every step below needs from it.
struct Incoming<'a> {
    cmd: &'a CommandInteraction,
    /// `share job`, for logs and metrics.
    path: String,
    /// `None` in a DM.
    guild: Option<GuildId>,
    /// The member's roles, `@everyone` included.
    roles: Vec<RoleId>,
    invocation: Result<Invocation, UnknownCommand>,
    /// The member's language: replies are written in it.
    lang: Lang,
    /// The server's language: audit-channel posts and approval cards are written in it.
    guild_lang: Lang,
}

impl<'a> Incoming<'a> {
    fn read(cmd: &'a CommandInteraction) -> Self {
        let guild = cmd.guild_id.map(|g| GuildId(g.get()));
        Incoming {
            cmd,
            path: commands::command_path(cmd),
            guild,
            roles: guild.map(|g| member_roles(cmd, g)).unwrap_or_default(),
            invocation: commands::parse(cmd),
            lang: Lang::from_discord(Some(&cmd.locale)),
            guild_lang: Lang::from_discord(cmd.guild_locale.as_deref()),
        }
    }

    /// The core's view of a `/share` in a guild; `None` for anything else.
    fn share_request(&self) -> Option<ShareRequest> {
        let Ok(Invocation::Share {
            target_type,
            id,
            expiry,
            reason,
        }) = &self.invocation
        else {
            return None;
        };
        Some(ShareRequest {
            interaction_id: self.cmd.id.to_string(),
            guild_id: self.guild?,
            place: commands::invoked_in(self.cmd),
            user_id: UserId(self.cmd.user.id.get()),
            user_name: self.cmd.user.name.clone(),
            member_roles: self.roles.clone(),
            target_type: *target_type,
            raw_id: id.clone(),
            raw_expiry: expiry.clone(),
            raw_reason: reason.clone(),
        })
    }

    fn admin_caller(&self) -> AdminCaller {
        let perms = self
            .cmd
            .member
            .as_ref()
            .and_then(|m| m.permissions)
            .unwrap_or_default();
        AdminCaller {
            actor: Actor::new(self.cmd.user.id.to_string(), self.cmd.user.name.clone()),
            permissions: AdminPermissions {
                administrator: perms.administrator(),
                manage_guild: perms.manage_guild(),
            },
            roles: self.roles.clone(),
        }
    }
}

impl Bot {
    #[allow(clippy::too_many_arguments)] // one call site (Application::build), each a distinct part
    pub fn new(
        share: Share,
        admin: Admin,
        register_in: Option<GuildId>,
        gateway: GatewayStatus,
        responder: Responder,
        audit_channel: AuditChannel,
        approvals: ApprovalPoster,
        max_in_flight: usize,
        suggestions: Option<SuggestionCache<PaiDlcClient>>,
    ) -> Self {
        Bot {
            share,
            admin,
            register_in,
            inflight: Arc::new(Inflight::default()),
            gateway,
            responder,
            share_slots: Arc::new(Semaphore::new(max_in_flight)),
            audit_channel,
            members: DiscordMembers {
                http: approvals.http.clone(),
            },
            approvals,
            suggestions,
            registered: AtomicBool::new(false),
        }
    }

    /// Handles a command; its first answer goes where `ack` says (REST or the HTTP response).
    pub async fn on_command(&self, cmd: CommandInteraction, ack: Ack) {
        let incoming = Incoming::read(&cmd);
        let span = tracing::info_span!(
            "interaction",
            interaction_id = %cmd.id,
            guild_id = %incoming.guild.map(|g| g.to_string()).unwrap_or_default(),
            user_id = %cmd.user.id,
            command = %incoming.path,
        );
        async {
            let Some(_guard) = self.inflight.enter() else {
                let msg = tr!(incoming.lang, "restarting");
                if let Err(e) = ack.respond(&self.responder, &cmd, &replies::immediate(msg)).await {
                    tracing::warn!(error = %e, "could not answer during shutdown");
                }
                // Unserved, yet still one audit row per /share attempt.
                if let Some(request) = incoming.share_request() {
                    self.share.record_unserved(&request, ErrorCode::ShuttingDown).await;
                }
                return;
            };
            // Load shedding: beyond `share.max_in_flight` a /share is answered "busy" at once,
            // before any work piles up, and still audited.
            let request = incoming.share_request();
            let _slot = match &request {
                Some(request) => match Arc::clone(&self.share_slots).try_acquire_owned() {
                    Ok(slot) => Some(slot),
                    Err(_) => {
                        self.shed(&incoming, request, ack).await;
                        return;
                    }
                },
                None => None,
            };
            // Defer before any database or network work: Discord's window is 3 seconds.
            if let Err(e) = ack.defer(&self.responder, &cmd).await {
                tracing::warn!(error = %e, "could not acknowledge the interaction; it cannot be answered");
                metrics::counter!(metric::INTERACTIONS_TOTAL, "command" => incoming.path.clone(), "outcome" => "unanswered").increment(1);
                // Unanswerable, yet still one audit row per /share attempt, issuing nothing.
                if let Some(request) = &request {
                    self.share.record_unserved(request, ErrorCode::Unacknowledged).await;
                }
                return;
            }
            match self.delivery(&cmd, &incoming.path).await {
                Delivery::First => {}
                Delivery::Replay => return,
                Delivery::Unknown => {
                    // Fail closed: nothing is done that could not be told apart from a replay.
                    let reply = match &request {
                        Some(request) => {
                            self.share.record_unserved(request, ErrorCode::StorageUnavailable).await;
                            replies::share(incoming.lang, &ShareOutcome::AuditUnavailable)
                        }
                        None => replies::text(tr!(incoming.lang, "storage-unavailable-nothing-changed")),
                    };
                    if let Err(e) = self.responder.finish(&cmd, &reply).await {
                        tracing::warn!(error = %e, "could not deliver the answer");
                    }
                    return;
                }
            }
            let (reply, outcome, notice) = match AssertUnwindSafe(self.respond(&incoming)).catch_unwind().await {
                Ok(answer) => answer,
                Err(_) => {
                    tracing::error!("handling the interaction panicked");
                    (replies::internal_error(incoming.lang), "internal_error", None)
                }
            };
            tracing::info!(outcome, "interaction answered");
            metrics::counter!(metric::INTERACTIONS_TOTAL, "command" => incoming.path.clone(), "outcome" => outcome).increment(1);
            match self.responder.finish(&cmd, &reply).await {
                Ok(Delivered::Edited) => {}
                Ok(Delivered::FollowUp) => tracing::info!("answer sent as a follow-up message"),
                // The audit row keeps its outcome: what was decided stands, only the telling failed.
                Err(e) => tracing::error!(error = %e, "could not deliver the answer"),
            }
            // After the member has their answer, so a slow or failing post cannot delay it;
            // still inside the in-flight guard, so shutdown waits for it.
            if let Some(notice) = notice {
                self.audit_channel.post(incoming.guild_lang, &notice).await;
            }
        }
        .instrument(span)
        .await
    }

    /// Whether this is the first delivery of the interaction, across replicas: a replay (a
    /// duplicate delivery, a replayed signed request) is acted on no further and its member's
    /// answer is left as it is.
    async fn delivery(&self, interaction: &impl Answerable, path: &str) -> Delivery {
        match self
            .share
            .audit
            .first_delivery(&interaction.interaction_id())
            .await
        {
            Ok(true) => Delivery::First,
            Ok(false) => {
                tracing::info!("interaction delivered again; acted on once already, ignoring it");
                metrics::counter!(metric::INTERACTIONS_TOTAL, "command" => path.to_owned(), "outcome" => "replayed").increment(1);
                Delivery::Replay
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot tell whether the interaction was handled before; refusing");
                metrics::counter!(metric::INTERACTIONS_TOTAL, "command" => path.to_owned(), "outcome" => "internal_error").increment(1);
                Delivery::Unknown
            }
        }
    }

    /// Answers a `/share` beyond the in-flight cap at once, then records it.
    async fn shed(&self, incoming: &Incoming<'_>, request: &ShareRequest, ack: Ack) {
        // Counted (dlcshare_shed_total) and alerted on; a line per request would flood the log.
        tracing::debug!("at share.max_in_flight: answering busy");
        if let Err(e) = ack
            .respond(
                &self.responder,
                incoming.cmd,
                &replies::immediate(tr!(incoming.lang, "busy")),
            )
            .await
        {
            tracing::warn!(error = %e, "could not answer a shed request");
        }
        let report = self.share.record_overloaded(request).await;
        crate::http::record::share(&report);
        // The busy answer stands even if the row could not be written; the failure is counted.
        let outcome = match report.outcome {
            crate::share::ShareOutcome::Replayed => "replayed",
            _ => crate::share::ShareOutcome::Overloaded.label(),
        };
        metrics::counter!(metric::INTERACTIONS_TOTAL, "command" => incoming.path.clone(), "outcome" => outcome).increment(1);
    }

    /// The reply, the outcome label for metrics, and what the audit channel is to be told.
    async fn respond(
        &self,
        incoming: &Incoming<'_>,
    ) -> (EditInteractionResponse, &'static str, Option<AuditNotice>) {
        let Some(guild) = incoming.guild else {
            return (
                replies::text(tr!(incoming.lang, "only-in-servers")),
                "invalid_input",
                None,
            );
        };
        match &incoming.invocation {
            Err(e) => {
                tracing::warn!(error = %e, "unknown command");
                (
                    replies::text(tr!(incoming.lang, "unknown-command")),
                    "invalid_input",
                    None,
                )
            }
            Ok(Invocation::Share { .. }) => {
                let request = incoming
                    .share_request()
                    .expect("a guild /share reads as a request");
                let report = self.share.share(request).await;
                crate::http::record::share(&report);
                let label = report.outcome.label();
                let reply = match &report.outcome {
                    ShareOutcome::PendingApproval {
                        approval,
                        channel,
                        approver_role,
                        cap,
                    } => {
                        let posted = self
                            .approvals
                            .post_card(
                                approval,
                                *cap,
                                *channel,
                                *approver_role,
                                incoming.cmd.guild_locale.as_deref(),
                            )
                            .await;
                        let posted = self.card_posted(approval, posted, incoming.cmd).await;
                        approvals::sent_for_approval(
                            incoming.lang,
                            approval,
                            *cap,
                            *channel,
                            posted,
                        )
                    }
                    outcome => replies::share(incoming.lang, outcome),
                };
                (reply, label, report.notice)
            }
            Ok(Invocation::Admin { command, role_name }) => {
                let outcome = self
                    .admin
                    .run(guild, &incoming.admin_caller(), command)
                    .await;
                let reply = admin::reply(incoming.lang, &outcome, role_name.as_deref());
                (reply, outcome.label(), None)
            }
        }
    }

    /// Records where an approval's card went, with the requester's reply; or, when it could
    /// not be posted, ends the approval. Whether it was posted.
    async fn card_posted(
        &self,
        approval: &Approval,
        card: Option<Card>,
        requester: &CommandInteraction,
    ) -> bool {
        let Some(card) = card else {
            if let Err(e) = self.share.card_not_posted(approval.id).await {
                tracing::error!(error = %e, approval = %approval.id, "could not end an approval without a card");
            }
            return false;
        };
        let reply = RequesterReply {
            token: requester.token.clone().into(),
            locale: Some(requester.locale.clone()),
        };
        if let Err(e) = self.share.card_posted(approval.id, &card, &reply).await {
            // The card is up and its buttons work; only the reply edit is lost.
            tracing::warn!(error = %e, approval = %approval.id, "could not remember the card");
        }
        true
    }

    /// Tells a decision: the card, and the requester.
    async fn tell_decision(&self, approval: &Approval, application_id: &str) {
        let notice = self
            .share
            .decision_notice(approval.id)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, approval = %approval.id, "could not read the card");
                DecisionNotice::default()
            });
        self.approvals
            .tell_decision(approval, notice, &self.responder, application_id)
            .await;
    }

    /// Edits the cards of approvals that ended without a decision told to anyone (expired, or
    /// refused at the requester's claim).
    async fn show_ended(&self, ended: &[Approval]) {
        for a in ended {
            match self.share.card(a.id).await {
                Ok(Some(card)) => self.approvals.edit_card(card, a).await,
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, approval = %a.id, "could not read the card"),
            }
        }
    }

    /// A button click: approve, deny or claim. Deferred ephemerally at once; the
    /// clicker's answer is always ephemeral, and a card or requester is told over REST.
    pub async fn on_component(&self, click: ComponentInteraction, ack: Ack) {
        let span = tracing::info_span!(
            "click",
            interaction_id = %click.id,
            user_id = %click.user.id,
            custom_id = %click.data.custom_id,
        );
        async {
            let lang = Lang::from_discord(Some(&click.locale));
            let Some(_guard) = self.inflight.enter() else {
                let msg = tr!(lang, "restarting");
                if let Err(e) = ack.respond(&self.responder, &click, &replies::immediate(msg)).await {
                    tracing::warn!(error = %e, "could not answer during shutdown");
                }
                return;
            };
            let Some((action, id)) = approvals::parse_custom_id(&click.data.custom_id) else {
                let msg = tr!(lang, "unknown-button");
                if let Err(e) = ack.respond(&self.responder, &click, &replies::immediate(msg)).await {
                    tracing::warn!(error = %e, "could not answer an unknown button");
                }
                return;
            };
            if let Err(e) = ack.defer(&self.responder, &click).await {
                // Unacknowledged: Discord shows the click as failed; nothing was decided.
                tracing::warn!(error = %e, "could not acknowledge the click");
                return;
            }
            let path = format!("button {}", action.as_str());
            match self.delivery(&click, &path).await {
                Delivery::First => {}
                Delivery::Replay => return,
                Delivery::Unknown => {
                    let reply = replies::text(tr!(lang, "storage-unavailable-nothing-changed"));
                    if let Err(e) = self.responder.finish(&click, &reply).await {
                        tracing::warn!(error = %e, "could not deliver the answer to a click");
                    }
                    return;
                }
            }
            let outcome = self
                .share
                .click(id, action, &approvals::clicker(&click), &self.members)
                .await;
            tracing::info!(outcome = outcome.label(), "click answered");
            metrics::counter!(metric::INTERACTIONS_TOTAL, "command" => path, "outcome" => outcome.label()).increment(1);
            if let ClickOutcome::Claimed { report, .. } = &outcome {
                crate::http::record::share(report);
            }
            if let Err(e) = self.responder.finish(&click, &approvals::click_reply(lang, &outcome)).await {
                tracing::error!(error = %e, "could not deliver the answer to a click");
            }
            match &outcome {
                ClickOutcome::Decided(approval) => {
                    self.tell_decision(approval, &click.application_id.to_string()).await;
                }
                // Ended at its approval: the requester hears of it as of a decision.
                ClickOutcome::NoLongerAllowed { approval, .. } if action == ApprovalAction::Approve => {
                    self.tell_decision(approval, &click.application_id.to_string()).await;
                }
                // Ended at the requester's own claim: they have their answer; the card shows it.
                ClickOutcome::Expired(approval) | ClickOutcome::NoLongerAllowed { approval, .. } => {
                    self.show_ended(std::slice::from_ref(approval)).await;
                }
                _ => {}
            }
        }
        .instrument(span)
        .await
    }

    /// Ends approvals past their time and edits their cards (every replica may run it: each
    /// approval is expired by exactly one).
    pub async fn sweep_approvals(&self) {
        match self.share.expire_due().await {
            Ok(expired) if expired.is_empty() => {}
            Ok(expired) => {
                tracing::info!(count = expired.len(), "approvals expired");
                self.show_ended(&expired).await;
            }
            Err(e) => tracing::warn!(error = %e, "could not expire approvals; retrying later"),
        }
    }

    /// Answers autocomplete with choices, where `ack` says. Every autocomplete gets an answer,
    /// empty when there is nothing to offer or finding it takes longer than
    /// [`AUTOCOMPLETE_DEADLINE`]: Discord shows a missing or late answer as an error.
    pub async fn on_autocomplete(&self, cmd: CommandInteraction, ack: Ack) {
        let choices = tokio::time::timeout(AUTOCOMPLETE_DEADLINE, self.choices(&cmd))
            .await
            .unwrap_or_else(|_| {
                tracing::debug!("autocomplete took too long; answered with no choices");
                Vec::new()
            });
        let choices = choices
            .into_iter()
            .fold(CreateAutocompleteResponse::new(), |r, (label, value)| {
                r.add_string_choice(label, value)
            });
        if let Err(e) = ack
            .respond(
                &self.responder,
                &cmd,
                &CreateInteractionResponse::Autocomplete(choices),
            )
            .await
        {
            tracing::debug!(error = %e, "autocomplete answer failed");
        }
    }

    /// What the focused option offers, as (label, value) pairs.
    async fn choices(&self, cmd: &CommandInteraction) -> Vec<(String, String)> {
        let Some((option, typed)) = commands::focused(cmd) else {
            return Vec::new();
        };
        let guild = cmd.guild_id.map(|g| GuildId(g.get()));
        // Nothing, not even suggestions or a policy read, for guilds this bot does not serve.
        let operator = &self.share.operator;
        if guild.is_some_and(|g| !operator.serves(g)) {
            return Vec::new();
        }
        // The table says what each option offers; an option that offers nothing gets no choices.
        let lang = Lang::from_discord(Some(&cmd.locale));
        let expiries = |max| {
            suggest_expiries(typed, max)
                .into_iter()
                .map(|s| (replies::suggestion(lang, &s), s.value))
                .collect()
        };
        match (commands::suggestions_for(cmd, option), guild) {
            (Some(Suggest::Targets), Some(g)) => self
                .target_choices(cmd, g, typed)
                .await
                .into_iter()
                .map(|c| (c.label, c.value))
                .collect(),
            (Some(Suggest::Targets), None) | (None, _) => Vec::new(),
            (Some(Suggest::ExpiryInGuild), Some(g)) => {
                expiries(self.admin.guild_max_expiry(g).await)
            }
            (Some(_), _) => expiries(operator.policy.max_expiry()),
        }
    }

    /// Recent jobs or TensorBoards for `/share`'s `id`, for a member who could share where
    /// they type; nothing when suggestions are off, the settings cannot be read, or the member
    /// could not share here. Settings are read now, as `/share` reads them, so a role removed
    /// a moment ago shows nothing more.
    async fn target_choices(
        &self,
        cmd: &CommandInteraction,
        guild: GuildId,
        typed: &str,
    ) -> Vec<Choice> {
        let Some(cache) = &self.suggestions else {
            return Vec::new();
        };
        let Ok(Invocation::Share { target_type, .. }) = commands::parse(cmd) else {
            return Vec::new();
        };
        let settings = match self.share.guilds.settings(guild).await {
            Ok(settings) => settings,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read guild settings; no suggestions");
                return Vec::new();
            }
        };
        let roles = member_roles(cmd, guild);
        let place = commands::invoked_in(cmd);
        let operator = &self.share.operator;
        let Some(rule) = suggestion_rule(operator, guild, &settings, place, &roles) else {
            return Vec::new();
        };
        let candidates = cache.candidates(guild, target_type, &rule).await;
        choose(&candidates, typed, &rule)
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
            Interaction::Command(cmd) => self.0.on_command(cmd, Ack::Rest).await,
            Interaction::Autocomplete(cmd) => self.0.on_autocomplete(cmd, Ack::Rest).await,
            Interaction::Component(click) => self.0.on_component(click, Ack::Rest).await,
            other => tracing::debug!(kind = ?other.kind(), "ignoring interaction"),
        }
    }
}
