//! Approvals in Discord: the card in the approvals channel, the buttons and their
//! `custom_id`s, what each click is told, and the requester's notice. Decisions are the
//! core's (`share::ShareService::click`); this module posts, edits and words them.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ButtonStyle, ComponentInteraction, CreateActionRow, CreateAllowedMentions, CreateButton,
    CreateEmbed, CreateMessage, EditInteractionResponse, EditMessage, Http, MessageId, RoleId,
};

use super::i18n::{Lang, tr};
use super::replies::{self, code, escape, timestamps};
use crate::safe_text::{ECHO_MAX_CHARS, shorten};
use crate::share::ports::Actor;
use crate::share::{
    AdminPermissions, Approval, ApprovalAction, ApprovalId, ApprovalStatus, Card, ChannelId,
    ClickOutcome, ClickRefusal, Clicker, DecisionNotice, Denial, Expiry, GuildId, NoLongerAllowed,
    UserId,
};

pub const APPROVE: &str = "share-approve:";
pub const DENY: &str = "share-deny:";
pub const CLAIM: &str = "share-claim:";

const COLOR_PENDING: u32 = 0x34_98_db;
const COLOR_APPROVED: u32 = 0x2e_cc_71;
const COLOR_ENDED: u32 = 0x95_a5_a6;

pub fn custom_id(action: ApprovalAction, id: ApprovalId) -> String {
    let prefix = match action {
        ApprovalAction::Approve => APPROVE,
        ApprovalAction::Deny => DENY,
        ApprovalAction::Claim => CLAIM,
    };
    format!("{prefix}{id}")
}

/// The action and approval a button's `custom_id` names; `None` for anything else.
pub fn parse_custom_id(raw: &str) -> Option<(ApprovalAction, ApprovalId)> {
    [
        (APPROVE, ApprovalAction::Approve),
        (DENY, ApprovalAction::Deny),
        (CLAIM, ApprovalAction::Claim),
    ]
    .into_iter()
    .find_map(|(prefix, action)| {
        let id = raw.strip_prefix(prefix)?.parse().ok()?;
        Some((action, id))
    })
}

/// Who clicked, from the interaction: in a guild, the member's permissions and roles
/// (`@everyone` included); in a DM, only the user.
pub fn clicker(click: &ComponentInteraction) -> Clicker {
    let guild = click.guild_id.map(|g| GuildId(g.get()));
    let member = click.member.as_ref();
    let perms = member.and_then(|m| m.permissions).unwrap_or_default();
    let mut roles: Vec<crate::share::RoleId> = member
        .map(|m| {
            m.roles
                .iter()
                .map(|r| crate::share::RoleId(r.get()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(g) = guild {
        roles.push(crate::share::RoleId(g.get()));
    }
    Clicker {
        actor: Actor::new(click.user.id.to_string(), click.user.name.clone()),
        user: UserId(click.user.id.get()),
        guild,
        permissions: AdminPermissions {
            administrator: perms.administrator(),
            manage_guild: perms.manage_guild(),
        },
        roles,
    }
}

fn describe(lang: Lang, a: &Approval) -> String {
    let asks = tr!(
        lang,
        "approval-asks",
        requester = format!("<@{}>", a.requester),
        target = replies::target(lang, a.target_type),
        id = replies::target_with_name(a.target_id.as_str(), a.target_name.as_deref()),
        expiry = replies::expiry(lang, a.expiry)
    );
    match a.reason.as_deref() {
        Some(r) => format!("{asks}\n{}", tr!(lang, "reason-line", reason = escape(r))),
        None => asks,
    }
}

/// The card, in the server's language: the member (a mention that pings nobody), target,
/// expiry, reason, and the two buttons. It may ping the approver role and nobody else.
pub fn card(
    lang: Lang,
    a: &Approval,
    cap: Expiry,
    approver_role: Option<crate::share::RoleId>,
) -> CreateMessage {
    let embed = CreateEmbed::new()
        .color(COLOR_PENDING)
        .title(tr!(lang, "approval-card-title"))
        .description(format!(
            "{}\n{}",
            describe(lang, a),
            tr!(
                lang,
                "approval-card-decide",
                cap = replies::expiry(lang, cap),
                deadline = timestamps(lang, a.expires_at.timestamp())
            )
        ));
    let buttons = CreateActionRow::Buttons(vec![
        CreateButton::new(custom_id(ApprovalAction::Approve, a.id))
            .label(tr!(lang, "approval-approve"))
            .style(ButtonStyle::Success),
        CreateButton::new(custom_id(ApprovalAction::Deny, a.id))
            .label(tr!(lang, "approval-deny"))
            .style(ButtonStyle::Danger),
    ]);
    let mut mentions = CreateAllowedMentions::new();
    let mut message = CreateMessage::new().embed(embed).components(vec![buttons]);
    if let Some(role) = approver_role {
        mentions = mentions.roles(vec![RoleId::new(role.get())]);
        message = message.content(format!("<@&{role}>"));
    }
    message.allowed_mentions(mentions)
}

/// The card once it has ended: the decision and who made it, no buttons.
pub fn ended_card(lang: Lang, a: &Approval) -> EditMessage {
    let (title, color, by) = match (a.status, a.decided_by) {
        (ApprovalStatus::Approved | ApprovalStatus::Claimed, Some(by)) => (
            tr!(lang, "approval-ended-approved"),
            COLOR_APPROVED,
            tr!(lang, "approval-approved-by", by = format!("<@{by}>")),
        ),
        (ApprovalStatus::Denied, Some(by)) => (
            tr!(lang, "approval-ended-denied"),
            COLOR_ENDED,
            tr!(lang, "approval-denied-by", by = format!("<@{by}>")),
        ),
        (ApprovalStatus::Refused, _) => (
            tr!(lang, "approval-ended-refused"),
            COLOR_ENDED,
            tr!(lang, "approval-refused"),
        ),
        (ApprovalStatus::Expired, Some(by)) => (
            tr!(lang, "approval-ended-expired"),
            COLOR_ENDED,
            tr!(
                lang,
                "approval-approved-not-claimed",
                by = format!("<@{by}>")
            ),
        ),
        _ => (
            tr!(lang, "approval-ended-expired"),
            COLOR_ENDED,
            tr!(lang, "approval-nobody-decided"),
        ),
    };
    EditMessage::new()
        .content("")
        .embed(
            CreateEmbed::new()
                .color(color)
                .title(tr!(lang, "approval-ended-title", status = title))
                .description(format!("{}\n{by}", describe(lang, a))),
        )
        .components(vec![])
        .allowed_mentions(CreateAllowedMentions::new())
}

/// What the requester is told of the decision, in their language: the text, and on approval
/// the claim button.
fn requester_text(lang: Lang, a: &Approval) -> (String, Option<CreateActionRow>) {
    let what = tr!(
        lang,
        "approval-what",
        target = replies::target(lang, a.target_type),
        id = code(&shorten(a.target_id.as_str(), ECHO_MAX_CHARS)),
        expiry = replies::expiry(lang, a.expiry)
    );
    match (a.status, a.decided_by) {
        (ApprovalStatus::Refused, _) => (tr!(lang, "approval-told-refused", what = what), None),
        (ApprovalStatus::Approved, Some(by)) => (
            tr!(
                lang,
                "approval-told-approved",
                what = what,
                by = format!("<@{by}>"),
                deadline = timestamps(lang, a.expires_at.timestamp())
            ),
            Some(CreateActionRow::Buttons(vec![
                CreateButton::new(custom_id(ApprovalAction::Claim, a.id))
                    .label(tr!(lang, "approval-claim-button"))
                    .style(ButtonStyle::Primary),
            ])),
        ),
        (_, Some(by)) => (
            tr!(
                lang,
                "approval-told-denied",
                what = what,
                by = format!("<@{by}>")
            ),
            None,
        ),
        _ => (tr!(lang, "approval-told-expired", what = what), None),
    }
}

/// The requester's earlier ephemeral reply, edited.
pub fn requester_edit(lang: Lang, a: &Approval) -> EditInteractionResponse {
    let (text, button) = requester_text(lang, a);
    let reply = replies::text(text);
    match button {
        Some(row) => reply.components(vec![row]),
        None => reply.components(vec![]),
    }
}

/// The direct message to the requester.
pub fn requester_dm(lang: Lang, a: &Approval) -> CreateMessage {
    let (text, button) = requester_text(lang, a);
    let message = CreateMessage::new()
        .content(text)
        .allowed_mentions(CreateAllowedMentions::new());
    match button {
        Some(row) => message.components(vec![row]),
        None => message,
    }
}

/// The ephemeral answer to a click, in the clicker's language.
pub fn click_reply(lang: Lang, outcome: &ClickOutcome) -> EditInteractionResponse {
    let text = match outcome {
        ClickOutcome::NotFound => tr!(lang, "click-not-found"),
        ClickOutcome::Refused(ClickRefusal::NotApprover) => tr!(lang, "click-not-approver"),
        ClickOutcome::Refused(ClickRefusal::OwnRequest) => tr!(lang, "click-own-request"),
        ClickOutcome::Refused(ClickRefusal::NotRequester) => tr!(lang, "click-not-requester"),
        ClickOutcome::Decided(a) if a.status == ApprovalStatus::Approved => tr!(
            lang,
            "click-approved",
            requester = format!("<@{}>", a.requester),
            deadline = timestamps(lang, a.expires_at.timestamp())
        ),
        ClickOutcome::Decided(a) => tr!(
            lang,
            "click-denied",
            requester = format!("<@{}>", a.requester)
        ),
        ClickOutcome::AlreadyDecided(a) => {
            let by = a.decided_by.map(|by| format!("<@{by}>"));
            match (a.status, by) {
                (ApprovalStatus::Pending, _) => tr!(lang, "click-not-approved-yet"),
                (ApprovalStatus::Claimed, _) => tr!(lang, "click-claimed-already"),
                (ApprovalStatus::Approved, Some(by)) => {
                    tr!(lang, "click-already-approved-by", by = by)
                }
                (ApprovalStatus::Approved, None) => tr!(lang, "click-already-approved"),
                (ApprovalStatus::Denied, Some(by)) => {
                    tr!(lang, "click-already-denied-by", by = by)
                }
                (ApprovalStatus::Denied, None) => tr!(lang, "click-already-denied"),
                (ApprovalStatus::Expired, _) => tr!(lang, "click-already-expired"),
                (ApprovalStatus::Refused, _) => tr!(lang, "click-already-refused"),
            }
        }
        ClickOutcome::Expired(_) => tr!(lang, "click-expired"),
        ClickOutcome::StorageUnavailable => tr!(lang, "storage-unavailable-nothing-changed"),
        ClickOutcome::MemberUnknown => tr!(lang, "click-member-unknown"),
        ClickOutcome::NoLongerAllowed { approval, why } => tr!(
            lang,
            "click-no-longer-allowed",
            why = no_longer_allowed(lang, approval, why)
        ),
        ClickOutcome::Claimed { report, .. } => return replies::share(lang, &report.outcome),
    };
    replies::text(text)
}

/// Why an approval could not go ahead at its approval or claim, as the clicker is told.
fn no_longer_allowed(lang: Lang, a: &Approval, why: &NoLongerAllowed) -> String {
    let requester = format!("<@{}>", a.requester);
    let expiry = replies::expiry(lang, a.expiry);
    match why {
        NoLongerAllowed::Access(Denial::GuildNotEnabled) => {
            tr!(lang, "why-guild-not-enabled")
        }
        NoLongerAllowed::Access(Denial::EmptyAllowlist) => {
            tr!(lang, "why-empty-allowlist")
        }
        NoLongerAllowed::Access(_) => tr!(lang, "why-missing-role", requester = requester),
        NoLongerAllowed::AboveMax { max } => tr!(
            lang,
            "why-above-max",
            max = replies::expiry(lang, *max),
            expiry = expiry
        ),
        NoLongerAllowed::AboveCap { cap } => tr!(
            lang,
            "why-above-cap",
            requester = requester,
            cap = replies::expiry(lang, *cap),
            expiry = expiry
        ),
        NoLongerAllowed::Workspace { allowed, .. } if allowed.is_empty() => {
            tr!(lang, "why-workspace-none")
        }
        NoLongerAllowed::Workspace { workspace, allowed } => tr!(
            lang,
            "why-workspace",
            workspace = code(workspace.as_deref().unwrap_or("?")),
            workspaces = replies::workspace_list(lang, allowed)
        ),
    }
}

/// The reply to a `/share` sent for approval (or that could not be).
pub fn sent_for_approval(
    lang: Lang,
    a: &Approval,
    cap: Expiry,
    channel: ChannelId,
    posted: bool,
) -> EditInteractionResponse {
    let cap = replies::expiry(lang, cap);
    let channel = format!("<#{channel}>");
    if !posted {
        return replies::text(tr!(
            lang,
            "approval-not-posted",
            cap = cap,
            channel = channel
        ));
    }
    replies::text(tr!(
        lang,
        "sent-for-approval",
        cap = cap,
        expiry = replies::expiry(lang, a.expiry),
        channel = channel
    ))
}

/// Posts cards and tells requesters, over the bot's REST client. What the approval's record
/// says (where its card is, the requester's reply) is the core's to keep.
#[derive(Clone)]
pub struct ApprovalPoster {
    pub http: Arc<Http>,
}

impl ApprovalPoster {
    /// Posts the card in the server's language (`guild_locale`); where it went, or `None`
    /// when it could not be posted.
    pub async fn post_card(
        &self,
        a: &Approval,
        cap: Expiry,
        channel: ChannelId,
        approver_role: Option<crate::share::RoleId>,
        guild_locale: Option<&str>,
    ) -> Option<Card> {
        let target = serenity::all::ChannelId::new(channel.get());
        let lang = Lang::from_discord(guild_locale);
        match target
            .send_message(&self.http, card(lang, a, cap, approver_role))
            .await
        {
            Ok(message) => Some(Card {
                channel,
                message: message.id.get(),
                locale: guild_locale.map(str::to_owned),
            }),
            Err(e) => {
                tracing::warn!(error = %e, approval = %a.id, channel_id = %channel, "could not post the approval card");
                None
            }
        }
    }

    /// After a decision: the card shows it (in the server's language), and the requester
    /// hears of it (in theirs) in their reply while Discord still honours its token, and by DM
    /// (best effort).
    pub async fn tell_decision(
        &self,
        a: &Approval,
        notice: DecisionNotice,
        responder: &super::responder::Responder,
        application_id: &str,
    ) {
        if let Some(card) = notice.card {
            self.edit_card(card, a).await;
        }
        let lang = Lang::from_discord(notice.requester_locale.as_deref());
        if let Some(token) = notice.requester_token
            && let Err(e) = responder
                .edit_earlier_reply(application_id, &token, &requester_edit(lang, a))
                .await
        {
            tracing::info!(error = %e, approval = %a.id, "the requester's reply could not be edited; the DM remains");
        }
        let user = serenity::all::UserId::new(a.requester.get());
        let dm = async {
            let channel = user.create_dm_channel(&self.http).await?;
            channel
                .id
                .send_message(&self.http, requester_dm(lang, a))
                .await
        };
        if let Err(e) = dm.await {
            tracing::info!(error = %e, approval = %a.id, "could not DM the requester");
        }
    }

    /// Edits a card, in the language it was posted in, to show how its approval ended.
    pub async fn edit_card(&self, card: Card, a: &Approval) {
        let channel = serenity::all::ChannelId::new(card.channel.get());
        let lang = Lang::from_discord(card.locale.as_deref());
        if let Err(e) = channel
            .edit_message(
                &self.http,
                MessageId::new(card.message),
                ended_card(lang, a),
            )
            .await
        {
            tracing::warn!(error = %e, approval = %a.id, "could not edit the approval card");
        }
    }
}

/// How often the sweeper looks for approvals past their time: a quarter of the timeout, from
/// once a second to every 15 s, so a card says "expired" soon after it is.
pub fn sweep_every(approval_timeout: Duration) -> Duration {
    (approval_timeout / 4).clamp(Duration::from_secs(1), Duration::from_secs(15))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::{TargetId, TargetType};

    fn approval(status: ApprovalStatus, decided_by: Option<u64>) -> Approval {
        Approval {
            id: ApprovalId(12),
            interaction_id: "i".into(),
            guild: GuildId(1),
            requester: UserId(42),
            target_type: TargetType::Job,
            target_id: TargetId::parse("dlc1").unwrap(),
            expiry: "2d".parse().unwrap(),
            reason: Some("@everyone *now*".into()),
            status,
            decided_by: decided_by.map(UserId),
            expires_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            target_name: Some("<@&1> **resnet**".into()),
            workspace_id: Some("ws-vision".into()),
        }
    }

    #[test]
    fn the_sweeper_runs_often_enough_for_the_timeout() {
        assert_eq!(
            sweep_every(Duration::from_secs(3_600)),
            Duration::from_secs(15)
        );
        assert_eq!(sweep_every(Duration::from_secs(8)), Duration::from_secs(2));
        assert_eq!(sweep_every(Duration::from_secs(1)), Duration::from_secs(1));
    }

    #[test]
    fn custom_ids_round_trip_and_nothing_else_parses() {
        for action in [
            ApprovalAction::Approve,
            ApprovalAction::Deny,
            ApprovalAction::Claim,
        ] {
            let id = custom_id(action, ApprovalId(77));
            assert!(id.len() <= 100);
            assert_eq!(parse_custom_id(&id), Some((action, ApprovalId(77))));
        }
        assert_eq!(
            custom_id(ApprovalAction::Approve, ApprovalId(5)),
            "share-approve:5"
        );
        for junk in [
            "share-approve:",
            "share-approve:x",
            "share-steal:5",
            "5",
            "",
        ] {
            assert_eq!(parse_custom_id(junk), None, "{junk}");
        }
    }

    #[test]
    fn the_card_pings_only_the_approver_role() {
        let a = approval(ApprovalStatus::Pending, None);
        let json = serde_json::to_value(card(
            Lang::En,
            &a,
            "1h".parse().unwrap(),
            Some(crate::share::RoleId(9)),
        ))
        .unwrap();
        assert_eq!(json["content"], "<@&9>");
        assert_eq!(json["allowed_mentions"]["parse"], serde_json::json!([]));
        assert_eq!(json["allowed_mentions"]["roles"], serde_json::json!(["9"]));
        assert!(
            json["allowed_mentions"]
                .get("users")
                .is_none_or(|u| u == &serde_json::json!([]))
        );
        let description = json["embeds"][0]["description"].as_str().unwrap();
        assert!(
            description.contains(
                "<@42> asks to share DLC job `dlc1` (\\<\\@&1\\> \\*\\*resnet\\*\\*) for **2d**"
            ),
            "{description}"
        );
        assert!(
            description.contains("\\@everyone \\*now\\*"),
            "{description}"
        );
        let ids: Vec<&str> = json["components"][0]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["custom_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["share-approve:12", "share-deny:12"]);
        let quiet = serde_json::to_value(card(Lang::En, &a, "1h".parse().unwrap(), None)).unwrap();
        assert!(quiet.get("content").is_none(), "{quiet}");
        assert_eq!(quiet["allowed_mentions"]["parse"], serde_json::json!([]));
    }

    #[test]
    fn an_ended_card_names_the_decision_and_has_no_buttons() {
        for (status, by, says) in [
            (ApprovalStatus::Approved, Some(7), "Approved by <@7>."),
            (ApprovalStatus::Denied, Some(7), "Denied by <@7>."),
            (ApprovalStatus::Expired, None, "Nobody decided in time."),
            (ApprovalStatus::Expired, Some(7), "not claimed in time"),
        ] {
            let json = serde_json::to_value(ended_card(Lang::En, &approval(status, by))).unwrap();
            assert_eq!(json["components"], serde_json::json!([]), "{status:?}");
            let text = json["embeds"][0]["description"].as_str().unwrap();
            assert!(text.contains(says), "{status:?}: {text}");
        }
    }

    #[test]
    fn a_claim_outside_the_workspaces_says_which_or_that_none_is_allowed() {
        let a = approval(ApprovalStatus::Approved, Some(7));
        let ws = |w: &str| crate::share::WorkspaceId::parse(w).unwrap();
        let why = |allowed| {
            no_longer_allowed(
                Lang::En,
                &a,
                &NoLongerAllowed::Workspace {
                    workspace: Some("ws-vision".into()),
                    allowed,
                },
            )
        };
        let some = why(vec![ws("ws-a")]);
        assert!(
            some.contains("`ws-vision`") && some.contains("`ws-a`"),
            "{some}"
        );
        let none = why(vec![]);
        assert!(none.contains("no workspace is allowed here now"), "{none}");
    }

    #[test]
    fn the_requester_gets_a_claim_button_only_on_approval() {
        let approved = serde_json::to_value(requester_dm(
            Lang::En,
            &approval(ApprovalStatus::Approved, Some(7)),
        ))
        .unwrap();
        assert_eq!(
            approved["components"][0]["components"][0]["custom_id"],
            "share-claim:12"
        );
        assert_eq!(approved["allowed_mentions"]["parse"], serde_json::json!([]));
        let denied = serde_json::to_value(requester_edit(
            Lang::En,
            &approval(ApprovalStatus::Denied, Some(7)),
        ))
        .unwrap();
        assert_eq!(denied["components"], serde_json::json!([]));
        assert!(
            denied["content"]
                .as_str()
                .unwrap()
                .contains("denied by <@7>")
        );
    }
}
