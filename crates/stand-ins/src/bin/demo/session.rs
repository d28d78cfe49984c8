//! The scripted session: each scene drives the real bot through the Discord stand-in as the
//! members would, records what the bot showed them, and checks it is what the scene is about.
//! A scene that does not see what it expects ends the session with an error.

use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use chrono::Utc;
use serde_json::Value;

use dlc_share_stand_ins::bot::{ALLOWED_ROLE, BotHarness, REPLY_TIMEOUT, wait_until};
use dlc_share_stand_ins::discord::{
    CommandInteraction, ComponentInteraction, MANAGE_GUILD, Reply, visible_text,
};
use dlc_share_stand_ins::pai_dlc::PaiDlcServer;

use crate::cast::{
    self, ADMIN, APPROVALS_CHANNEL, APPROVER_ROLE, INTERN, LEAD, Member, RESEARCHER,
};
use crate::record::{Entry, Place, Scene, Shown, button_label, describe_command};

/// The job every member asks about.
/// A job of the PAI-DLC stand-in's catalogue: the bot looks it up before sharing it.
const JOB: &str = "dlc-vision-resnet";

/// How long the whole session may take once the bot serves; far more than it needs.
pub const SESSION_LIMIT: Duration = Duration::from_secs(60);

pub struct Session<'h> {
    h: &'h BotHarness,
    /// What was seen so far, complete or not.
    pub scenes: Vec<Scene>,
}

impl<'h> Session<'h> {
    pub fn new(h: &'h BotHarness) -> Self {
        Self {
            h,
            scenes: Vec::new(),
        }
    }

    pub async fn play(&mut self) -> Result<()> {
        self.admin_allows_a_role().await?;
        self.member_with_the_role_shares().await?;
        self.member_without_it_is_refused().await?;
        self.request_above_the_cap_is_approved_and_claimed().await?;
        self.admin_lists_the_audit().await?;
        let refused = self.h.discord.unexpected_requests();
        ensure!(
            refused.is_empty(),
            "Discord would have refused some of the bot's requests: {refused:?}"
        );
        Ok(())
    }

    /// (a) The admin allows a role, capped at 1h, and names where approvals happen.
    async fn admin_allows_a_role(&mut self) -> Result<()> {
        self.scene("An admin allows a role to share (up to 1h) and sets up approvals");
        let allow = admin(Some("roles"), "add")
            .option_role_named("role", ALLOWED_ROLE, &cast::role_name(ALLOWED_ROLE))
            .option_str("max_expiry", "1h")
            .build();
        let reply = self.command(&ADMIN, allow).await?;
        says(&reply, "may now share links")?;
        let policy = admin(Some("policy"), "set")
            .option_channel("approvals_channel", APPROVALS_CHANNEL)
            .option_role_named(
                "approver_role",
                APPROVER_ROLE,
                &cast::role_name(APPROVER_ROLE),
            )
            .build();
        let reply = self.command(&ADMIN, policy).await?;
        says(&reply, "Settings updated")?;
        says(&reply, &format!("<#{APPROVALS_CHANNEL}>"))?;
        Ok(())
    }

    /// (b) A member with the role finds the job among the suggestions, shares it and
    /// gets a link with a token GetToken issued.
    async fn member_with_the_role_shares(&mut self) -> Result<()> {
        self.scene("A member with the role picks a job from the suggestions and gets the link");
        let choices = self.suggestions(&RESEARCHER, "vision").await?;
        ensure!(
            choices.iter().any(|c| c.ends_with(JOB)),
            "{JOB} is not among the suggestions for \"vision\": {choices:?}"
        );
        let share = share(&RESEARCHER, "30m", None);
        let reply = self.command(&RESEARCHER, share).await?;
        says(&reply, "Here is your share link")?;
        ensure!(reply.is_ephemeral(), "the link is not ephemeral");
        self.holds_the_latest_token(&reply)
    }

    /// (c) A member without an allowed role is refused, and nothing is asked of GetToken.
    async fn member_without_it_is_refused(&mut self) -> Result<()> {
        self.scene("A member without the role is refused");
        let before = self.h.pai_dlc.arrivals();
        let reply = self.command(&INTERN, share(&INTERN, "30m", None)).await?;
        says(&reply, "None of your roles")?;
        ensure!(
            !reply.final_content().contains("http"),
            "the refusal carries a link"
        );
        ensure!(
            self.h.pai_dlc.arrivals() == before,
            "GetToken was called for a refused member"
        );
        Ok(())
    }

    /// (d) Above the role's cap: a card goes to the approvals channel, a lead approves, the
    /// requester is told by DM and claims the link there.
    async fn request_above_the_cap_is_approved_and_claimed(&mut self) -> Result<()> {
        self.scene("A request above the cap goes to approval, is approved, and claimed");
        let ask = share(&RESEARCHER, "1d", Some("weekend evaluation run"));
        let request = ask["id"].as_str().context("interaction id")?.to_owned();
        let asked_in = Place::of(&ask);
        let reply = self.command(&RESEARCHER, ask).await?;
        says(&reply, "sent for approval")?;
        let before = self.h.pai_dlc.arrivals();

        let cards = self
            .h
            .discord
            .wait_for_channel_messages(APPROVALS_CHANNEL, 1, REPLY_TIMEOUT)
            .await;
        let [card] = cards.as_slice() else {
            bail!("expected one approval card, found {}", cards.len());
        };
        self.show_channel_message(card, false);
        let approve = button(card, "share-approve:")?;
        let click = ComponentInteraction::button(&approve, card)
            .user(LEAD.id, LEAD.name)
            .roles(LEAD.roles.iter().copied())
            .build();
        let reply = self.click(&LEAD, click, card).await?;
        says(&reply, "You approved it")?;

        let decided = wait_until(|| {
            self.h.discord.channel_messages(APPROVALS_CHANNEL)[0]["components"]
                .as_array()
                .is_some_and(Vec::is_empty)
        })
        .await;
        ensure!(decided, "the card kept its buttons after the approval");
        let card = self.h.discord.channel_messages(APPROVALS_CHANNEL)[0].clone();
        ensure!(
            visible_text(&card).contains(&format!("Approved by <@{}>", LEAD.id)),
            "the card does not say who approved: {}",
            visible_text(&card)
        );
        self.show_channel_message(&card, true);

        ensure!(
            wait_until(|| self.h.discord.replies(&request).edits.len() == 2).await,
            "the requester's reply was not updated"
        );
        let told = self.h.discord.replies(&request);
        ensure!(
            button(told.final_message().unwrap_or_default(), "share-claim:").is_ok(),
            "the requester's updated reply has no claim button"
        );
        self.show_reply_edit(&RESEARCHER, &told, asked_in);
        ensure!(
            wait_until(|| !self.h.discord.dm_messages(RESEARCHER.id).is_empty()).await,
            "no DM to the requester"
        );
        let dm = self.h.discord.dm_messages(RESEARCHER.id)[0].clone();
        ensure!(
            visible_text(&dm).contains("was approved by"),
            "the DM does not say the request was approved: {}",
            visible_text(&dm)
        );
        ensure!(
            self.h.pai_dlc.arrivals() == before,
            "a token was issued before the claim"
        );
        self.show(Shown {
            place: Place::Dm(RESEARCHER.name.to_owned()),
            only_for: None,
            edited: false,
            at: Utc::now(),
            message: dm.clone(),
        });

        let claim = button(&dm, "share-claim:")?;
        let click = ComponentInteraction::button(&claim, &dm)
            .user(RESEARCHER.id, RESEARCHER.name)
            .in_dm()
            .build();
        let reply = self.click(&RESEARCHER, click, &dm).await?;
        says(&reply, "Here is your share link")?;
        self.holds_the_latest_token(&reply)?;
        let asked = self.h.pai_dlc.seen();
        let expiry = asked
            .last()
            .and_then(|s| s.query.get("ExpireTime").cloned());
        ensure!(
            expiry.as_deref() == Some("86400"),
            "the link is not for the approved day: ExpireTime {expiry:?}"
        );
        Ok(())
    }

    /// (e) The admin lists the audit log: every attempt above is there.
    async fn admin_lists_the_audit(&mut self) -> Result<()> {
        self.scene("The admin lists the audit log");
        let reply = self.command(&ADMIN, admin(None, "audit").build()).await?;
        says(&reply, "share attempts")?;
        for outcome in ["issued", "denied_role"] {
            says(&reply, outcome)?;
        }
        let listed = reply.final_content().matches(JOB).count();
        ensure!(
            listed >= 3,
            "the audit lists {listed} attempts on {JOB}, expected the 3 of this session"
        );
        Ok(())
    }

    fn scene(&mut self, title: &str) {
        self.scenes.push(Scene {
            title: title.to_owned(),
            entries: Vec::new(),
        });
    }

    fn entry(&mut self, entry: Entry) {
        self.scenes
            .last_mut()
            .expect("a scene began")
            .entries
            .push(entry);
    }

    fn show(&mut self, shown: Shown) {
        self.entry(Entry::Message(shown));
    }

    /// Runs a slash command as `member` and records it with the bot's answer.
    async fn command(&mut self, member: &Member, interaction: Value) -> Result<Reply> {
        self.entry(Entry::Command {
            member: member.name.to_owned(),
            place: Place::of(&interaction),
            command: describe_command(&interaction),
        });
        self.answer(member, interaction).await
    }

    /// What the bot suggests while `member` types `typed` into `/share job`'s id, recorded.
    /// The first answer for a server waits at most 2 s for the bot's first listing of its
    /// jobs; on a slow machine that listing may take longer, so an empty answer is asked again.
    async fn suggestions(&mut self, member: &Member, typed: &str) -> Result<Vec<String>> {
        let typing = CommandInteraction::share("job")
            .option_str("id", typed)
            .user(member.id, member.name)
            .roles(member.roles.iter().copied())
            .autocomplete("id");
        let first = typing.build();
        let place = Place::of(&first);
        let described = describe_command(&first);
        for _ in 0..20 {
            // A new interaction each time, as each keystroke is.
            let id = self.h.discord.send_interaction(typing.build()).await;
            let reply = self
                .h
                .discord
                .wait_for_reply(&id, REPLY_TIMEOUT)
                .await
                .context("no suggestions answered")?;
            let choices: Vec<String> = reply
                .choices()
                .iter()
                .filter_map(|c| c["name"].as_str().map(str::to_owned))
                .collect();
            if !choices.is_empty() {
                self.entry(Entry::Suggested {
                    member: member.name.to_owned(),
                    place,
                    typing: described,
                    choices: choices.clone(),
                });
                return Ok(choices);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        bail!("the bot never suggested anything for \"{typed}\"")
    }

    /// Clicks a button of `message` as `member` and records it with the bot's answer.
    async fn click(
        &mut self,
        member: &Member,
        interaction: Value,
        message: &Value,
    ) -> Result<Reply> {
        let custom_id = interaction["data"]["custom_id"]
            .as_str()
            .unwrap_or_default();
        self.entry(Entry::Click {
            member: member.name.to_owned(),
            place: Place::of(&interaction),
            label: button_label(message, custom_id).unwrap_or_else(|| custom_id.to_owned()),
        });
        self.answer(member, interaction).await
    }

    /// Delivers an interaction, waits for its final answer and records it.
    async fn answer(&mut self, member: &Member, interaction: Value) -> Result<Reply> {
        let place = Place::of(&interaction);
        let id = self.h.discord.send_interaction(interaction).await;
        let reply = self
            .h
            .discord
            .wait_for_reply(&id, REPLY_TIMEOUT)
            .await
            .with_context(|| format!("no answer within {REPLY_TIMEOUT:?}"))?;
        ensure!(
            reply.rejected.is_empty(),
            "Discord refused the answer: {:?}",
            reply.rejected
        );
        let message = reply
            .final_message()
            .context("an answer without a message")?;
        self.show(Shown {
            place,
            only_for: reply.is_ephemeral().then(|| member.name.to_owned()),
            edited: false,
            at: Utc::now(),
            message: message.clone(),
        });
        Ok(reply)
    }

    /// A message the bot posted in a channel, as it is now.
    fn show_channel_message(&mut self, message: &Value, edited: bool) {
        let channel = message["channel_id"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .unwrap_or_default();
        self.show(Shown {
            place: Place::Channel(channel),
            only_for: None,
            edited,
            at: Utc::now(),
            message: message.clone(),
        });
    }

    /// The latest edit of the answer to a member's interaction in `place`.
    fn show_reply_edit(&mut self, member: &Member, reply: &Reply, place: Place) {
        if let Some(message) = reply.final_message() {
            self.show(Shown {
                place,
                only_for: reply.is_ephemeral().then(|| member.name.to_owned()),
                edited: true,
                at: Utc::now(),
                message: message.clone(),
            });
        }
    }

    /// The reply's link carries the token GetToken issued last, signed as Alibaba Cloud checks.
    fn holds_the_latest_token(&self, reply: &Reply) -> Result<()> {
        let seen = self.h.pai_dlc.seen();
        let last = seen.last().context("GetToken was never called")?;
        if let Err(why) = &last.verdict {
            bail!("GetToken refused the bot's request: {why}");
        }
        let token = last.answered_token.as_deref().context("no token issued")?;
        ensure!(
            reply
                .final_content()
                .contains(&PaiDlcServer::in_link(token)),
            "the reply does not carry the issued token:\n{}",
            reply.final_content()
        );
        Ok(())
    }
}

fn admin(group: Option<&str>, sub: &str) -> CommandInteraction {
    CommandInteraction::admin(group, sub)
        .permissions(MANAGE_GUILD)
        .user(ADMIN.id, ADMIN.name)
}

fn share(member: &Member, expiry: &str, reason: Option<&str>) -> Value {
    let share = CommandInteraction::share("job")
        .option_str("id", JOB)
        .option_str("expiry", expiry)
        .user(member.id, member.name)
        .roles(member.roles.iter().copied());
    match reason {
        Some(reason) => share.option_str("reason", reason),
        None => share,
    }
    .build()
}

/// The `custom_id` of the button on `message` whose id starts with `prefix`.
fn button(message: &Value, prefix: &str) -> Result<String> {
    crate::record::buttons(message)
        .filter_map(|b| b["custom_id"].as_str())
        .find(|id| id.starts_with(prefix))
        .map(str::to_owned)
        .with_context(|| format!("no {prefix}… button on {message}"))
}

/// The member sees `needle` in the answer.
fn says(reply: &Reply, needle: &str) -> Result<()> {
    let text = reply.final_content();
    ensure!(
        text.contains(needle),
        "expected {needle:?} in the answer:\n{text}"
    );
    Ok(())
}
