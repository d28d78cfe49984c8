//! Approvals in Discord (SPEC §10): the card in the approvals channel, the buttons and their
//! `custom_id`s, what each click is told, and the requester's notice. Decisions are the
//! core's (`share::ShareService::click`); this module posts, edits and words them.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ButtonStyle, ComponentInteraction, CreateActionRow, CreateAllowedMentions, CreateButton,
    CreateEmbed, CreateMessage, EditInteractionResponse, EditMessage, Http, MessageId, RoleId,
};

use super::replies::{self, code, escape, timestamps};
use crate::safe_text::{ECHO_MAX_CHARS, shorten};
use crate::share::ports::Actor;
use crate::share::{
    AdminPermissions, Approval, ApprovalAction, ApprovalId, ApprovalStatus, ChannelId,
    ClickOutcome, ClickRefusal, Clicker, Expiry, GuildId, UserId,
};
use crate::store::{Card, PgStore};

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

fn describe(a: &Approval) -> String {
    let reason = a
        .reason
        .as_deref()
        .map(|r| format!("\nReason: {}", escape(r)))
        .unwrap_or_default();
    format!(
        "<@{}> asks to share {} {} for **{}**.{reason}",
        a.requester,
        a.target_type.label(),
        code(&shorten(a.target_id.as_str(), ECHO_MAX_CHARS)),
        a.expiry,
    )
}

/// The card: the member (a mention that pings nobody), target, expiry, reason, and the two
/// buttons. It may ping the approver role and nobody else.
pub fn card(
    a: &Approval,
    cap: Expiry,
    approver_role: Option<crate::share::RoleId>,
) -> CreateMessage {
    let embed = CreateEmbed::new()
        .color(COLOR_PENDING)
        .title("Share request awaiting approval")
        .description(format!(
            "{}\nTheir roles allow up to {cap}. Decide before {}.",
            describe(a),
            timestamps(a.expires_at.timestamp())
        ));
    let buttons = CreateActionRow::Buttons(vec![
        CreateButton::new(custom_id(ApprovalAction::Approve, a.id))
            .label("Approve")
            .style(ButtonStyle::Success),
        CreateButton::new(custom_id(ApprovalAction::Deny, a.id))
            .label("Deny")
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
pub fn ended_card(a: &Approval) -> EditMessage {
    let (title, color, by) = match (a.status, a.decided_by) {
        (ApprovalStatus::Approved | ApprovalStatus::Claimed, Some(by)) => {
            ("Approved", COLOR_APPROVED, format!("Approved by <@{by}>."))
        }
        (ApprovalStatus::Denied, Some(by)) => {
            ("Denied", COLOR_ENDED, format!("Denied by <@{by}>."))
        }
        (ApprovalStatus::Expired, Some(by)) => (
            "Expired",
            COLOR_ENDED,
            format!("Approved by <@{by}>, but not claimed in time."),
        ),
        _ => ("Expired", COLOR_ENDED, "Nobody decided in time.".to_owned()),
    };
    EditMessage::new()
        .content("")
        .embed(
            CreateEmbed::new()
                .color(color)
                .title(format!("Share request: {title}"))
                .description(format!("{}\n{by}", describe(a))),
        )
        .components(vec![])
        .allowed_mentions(CreateAllowedMentions::new())
}

/// What the requester is told of the decision: the text, and on approval the claim button.
fn requester_text(a: &Approval) -> (String, Option<CreateActionRow>) {
    let what = format!(
        "{} {} for {}",
        a.target_type.label(),
        code(&shorten(a.target_id.as_str(), ECHO_MAX_CHARS)),
        a.expiry
    );
    match (a.status, a.decided_by) {
        (ApprovalStatus::Approved, Some(by)) => (
            format!(
                "Your request to share {what} was approved by <@{by}>. Press **Claim link** before {} to get it; only you will see it, and its lifetime starts then.",
                timestamps(a.expires_at.timestamp())
            ),
            Some(CreateActionRow::Buttons(vec![
                CreateButton::new(custom_id(ApprovalAction::Claim, a.id))
                    .label("Claim link")
                    .style(ButtonStyle::Primary),
            ])),
        ),
        (_, Some(by)) => (
            format!("Your request to share {what} was denied by <@{by}>. Nothing was shared."),
            None,
        ),
        _ => (
            format!("Your request to share {what} expired. Nothing was shared."),
            None,
        ),
    }
}

/// The requester's earlier ephemeral reply, edited.
pub fn requester_edit(a: &Approval) -> EditInteractionResponse {
    let (text, button) = requester_text(a);
    let reply = replies::text(text);
    match button {
        Some(row) => reply.components(vec![row]),
        None => reply.components(vec![]),
    }
}

/// The direct message to the requester.
pub fn requester_dm(a: &Approval) -> CreateMessage {
    let (text, button) = requester_text(a);
    let message = CreateMessage::new()
        .content(text)
        .allowed_mentions(CreateAllowedMentions::new());
    match button {
        Some(row) => message.components(vec![row]),
        None => message,
    }
}

/// The ephemeral answer to a click.
pub fn click_reply(outcome: &ClickOutcome) -> EditInteractionResponse {
    let text = match outcome {
        ClickOutcome::NotFound => "This request no longer exists.".to_owned(),
        ClickOutcome::Refused(ClickRefusal::NotApprover) => {
            "Only server admins and holders of the approver role can decide share requests. Nothing changed.".to_owned()
        }
        ClickOutcome::Refused(ClickRefusal::OwnRequest) => {
            "You cannot approve or deny your own request, even as an admin. Nothing changed.".to_owned()
        }
        ClickOutcome::Refused(ClickRefusal::NotRequester) => {
            "Only the member who asked can claim this link. Nothing was shared.".to_owned()
        }
        ClickOutcome::Decided(a) if a.status == ApprovalStatus::Approved => format!(
            "You approved it. <@{}> has been told and can claim the link until {}.",
            a.requester,
            timestamps(a.expires_at.timestamp())
        ),
        ClickOutcome::Decided(a) => format!("You denied it. <@{}> has been told.", a.requester),
        ClickOutcome::AlreadyDecided(a) => match a.status {
            ApprovalStatus::Pending => "It has not been approved yet.".to_owned(),
            ApprovalStatus::Claimed => "This link was claimed already; no second link is issued.".to_owned(),
            status => format!(
                "This request was already {}{}. Nothing changed.",
                status.as_str(),
                a.decided_by.map(|by| format!(" by <@{by}>")).unwrap_or_default()
            ),
        },
        ClickOutcome::Expired(_) => "This request expired; its buttons do nothing now. Nothing was shared.".to_owned(),
        ClickOutcome::StorageUnavailable => "The bot cannot reach its database right now; nothing changed. Please try again shortly.".to_owned(),
        ClickOutcome::Claimed { report, .. } => return replies::share(&report.outcome),
    };
    replies::text(text)
}

/// The reply to a `/share` sent for approval (or that could not be).
pub fn sent_for_approval(
    a: &Approval,
    cap: Expiry,
    channel: ChannelId,
    posted: bool,
) -> EditInteractionResponse {
    if !posted {
        return replies::text(format!(
            "Your roles allow up to {cap}, so this needs approval, but the bot could not post the request in <#{channel}>. Nothing was shared; please tell a server admin."
        ));
    }
    replies::text(format!(
        "Your roles allow up to {cap}, so your request for {} was sent for approval in <#{channel}>. You will be told here and by direct message; nothing is shared until you claim it.",
        a.expiry
    ))
}

/// Posts cards and tells requesters, over the bot's REST client.
#[derive(Clone)]
pub struct ApprovalPoster {
    pub http: Arc<Http>,
    pub store: PgStore,
}

impl ApprovalPoster {
    /// Posts the card and remembers where, with the requester's interaction token. `false`
    /// when it could not be posted: the approval is ended at once.
    pub async fn post_card(
        &self,
        a: &Approval,
        cap: Expiry,
        channel: ChannelId,
        approver_role: Option<crate::share::RoleId>,
        requester_token: &str,
    ) -> bool {
        let target = serenity::all::ChannelId::new(channel.get());
        match target
            .send_message(&self.http, card(a, cap, approver_role))
            .await
        {
            Ok(message) => {
                let posted = Card {
                    channel,
                    message: message.id.get(),
                };
                let token = secrecy::SecretString::from(requester_token.to_owned());
                if let Err(e) = self.store.attach_card(a.id, posted, &token).await {
                    // The card is up and its buttons work; only the reply edit is lost.
                    tracing::warn!(error = %e, approval = %a.id, "could not remember the card");
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, approval = %a.id, channel_id = %channel, "could not post the approval card");
                if let Err(e) = self.store.abandon_approval(a.id).await {
                    tracing::error!(error = %e, approval = %a.id, "could not end an approval without a card");
                }
                false
            }
        }
    }

    /// After a decision: the card shows it, and the requester hears of it in their reply
    /// (while Discord still honours its token) and by DM (best effort).
    pub async fn tell_decision(
        &self,
        a: &Approval,
        responder: &super::responder::Responder,
        application_id: &str,
    ) {
        let (card, token) = match self.store.take_card_and_token(a.id).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, approval = %a.id, "could not read the card");
                (None, None)
            }
        };
        if let Some(card) = card {
            self.edit_card(card, a).await;
        }
        if let Some(token) = token
            && let Err(e) = responder
                .edit_earlier_reply(application_id, &token, &requester_edit(a))
                .await
        {
            tracing::info!(error = %e, approval = %a.id, "the requester's reply could not be edited; the DM remains");
        }
        let user = serenity::all::UserId::new(a.requester.get());
        let dm = async {
            let channel = user.create_dm_channel(&self.http).await?;
            channel.id.send_message(&self.http, requester_dm(a)).await
        };
        if let Err(e) = dm.await {
            tracing::info!(error = %e, approval = %a.id, "could not DM the requester");
        }
    }

    /// Edits a card to show how its approval ended.
    pub async fn edit_card(&self, card: Card, a: &Approval) {
        let channel = serenity::all::ChannelId::new(card.channel.get());
        if let Err(e) = channel
            .edit_message(&self.http, MessageId::new(card.message), ended_card(a))
            .await
        {
            tracing::warn!(error = %e, approval = %a.id, "could not edit the approval card");
        }
    }

    /// Ends approvals past their time and edits their cards; the sweeper calls it.
    pub async fn show_expired(&self, expired: &[Approval]) {
        for a in expired {
            match self.store.card(a.id).await {
                Ok(Some(card)) => self.edit_card(card, a).await,
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, approval = %a.id, "could not read the card"),
            }
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
            description.contains("<@42> asks to share DLC job `dlc1` for **2d**"),
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
        let quiet = serde_json::to_value(card(&a, "1h".parse().unwrap(), None)).unwrap();
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
            let json = serde_json::to_value(ended_card(&approval(status, by))).unwrap();
            assert_eq!(json["components"], serde_json::json!([]), "{status:?}");
            let text = json["embeds"][0]["description"].as_str().unwrap();
            assert!(text.contains(says), "{status:?}: {text}");
        }
    }

    #[test]
    fn the_requester_gets_a_claim_button_only_on_approval() {
        let approved =
            serde_json::to_value(requester_dm(&approval(ApprovalStatus::Approved, Some(7))))
                .unwrap();
        assert_eq!(
            approved["components"][0]["components"][0]["custom_id"],
            "share-claim:12"
        );
        assert_eq!(approved["allowed_mentions"]["parse"], serde_json::json!([]));
        let denied =
            serde_json::to_value(requester_edit(&approval(ApprovalStatus::Denied, Some(7))))
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
