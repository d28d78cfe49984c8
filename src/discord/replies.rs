//! What the bot says: every outcome rendered as an ephemeral edit of the deferred response,
//! mentioning nobody, with user-supplied text escaped, and cut to fit Discord's limits.

use std::time::Duration;

use chrono::Utc;
use secrecy::ExposeSecret;
use serenity::all::{
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage, EditInteractionResponse, Embed,
};

use crate::safe_text::{shorten, visible};
use crate::share::ports::IssueFailureKind;
use crate::share::{
    AccessDecision, ChannelId, InvalidInput, IssuedShare, LimitScope, REASON_MAX_CHARS,
    ShareOutcome, format_duration,
};

/// Discord refuses link buttons whose URL is longer than this.
const BUTTON_URL_MAX: usize = 512;
const COLOR_OK: u32 = 0x2e_cc_71;
const COLOR_REFUSED: u32 = 0xe6_7e_22;
const COLOR_ERROR: u32 = 0xe7_4c_3c;

/// The refusal for any interaction from a guild this deployment does not serve: it names no
/// internals (no configuration key, no operator).
pub const GUILD_NOT_ENABLED: &str =
    "This bot does not share links in this server. Nothing was shared.";

/// The immediate answer to a `/share` beyond `share.max_in_flight`.
pub const BUSY: &str =
    "The bot is busy right now and did not share anything; please try again in a few seconds.";

/// Discord's limits, in characters: beyond them it refuses the whole edit and the member is
/// left on "thinking".
const CONTENT_MAX: usize = 2_000;
const EMBED_TITLE_MAX: usize = 256;
const EMBED_DESCRIPTION_MAX: usize = 4_096;
const FIELD_NAME_MAX: usize = 256;
const FIELD_VALUE_MAX: usize = 1_024;
const FOOTER_MAX: usize = 2_048;
const AUTHOR_NAME_MAX: usize = 256;
/// Title, description, field names and values, footer and author of all embeds together.
const EMBED_TOTAL_MAX: usize = 6_000;

/// Escapes Discord markdown and neutralises mentions in user-supplied text; control and
/// format characters (U+202E and kin) are shown as `?` (see [`visible`]).
pub fn escape(text: &str) -> String {
    let text = visible(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '-' | '[' | ']' | '(' | ')' | '<'
            | ':' | '@' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Inline code for values we did not write (request ids, codes): backticks cannot break out,
/// control and format characters show as `?`.
pub fn code(text: &str) -> String {
    format!("`{}`", visible(text).replace('`', "'"))
}

/// A text-only ephemeral edit that pings no one.
pub fn text(content: impl Into<String>) -> EditInteractionResponse {
    let content: String = content.into();
    EditInteractionResponse::new()
        .content(shorten(&content, CONTENT_MAX))
        .allowed_mentions(CreateAllowedMentions::new())
}

/// The last step before a reply leaves: cuts the content and every embed part that is still
/// over Discord's limits (each part, then the embeds' total, taken from the description and
/// then the field values), so no reply can be refused for its size. Link buttons keep their
/// fixed labels; oversized link URLs are never made into buttons (see [`BUTTON_URL_MAX`]).
pub fn fit(reply: EditInteractionResponse) -> EditInteractionResponse {
    let json = serde_json::to_value(&reply).expect("a reply serialises");
    let mut reply = reply;
    if let Some(content) = json["content"].as_str()
        && content.chars().count() > CONTENT_MAX
    {
        reply = reply.content(shorten(content, CONTENT_MAX));
    }
    let Some(raw) = json.get("embeds").filter(|e| e.is_array()) else {
        return reply;
    };
    let mut embeds: Vec<Embed> =
        serde_json::from_value(raw.clone()).expect("our embeds read back as embeds");
    let before = embeds.clone();
    fit_embeds(&mut embeds);
    if embeds != before {
        reply = reply.embeds(embeds.into_iter().map(CreateEmbed::from).collect());
    }
    reply
}

fn fit_embeds(embeds: &mut [Embed]) {
    fn cut(text: &mut String, max: usize) {
        if text.chars().count() > max {
            *text = shorten(text, max).into_owned();
        }
    }
    for e in embeds.iter_mut() {
        if let Some(t) = e.title.as_mut() {
            cut(t, EMBED_TITLE_MAX);
        }
        if let Some(d) = e.description.as_mut() {
            cut(d, EMBED_DESCRIPTION_MAX);
        }
        for f in &mut e.fields {
            cut(&mut f.name, FIELD_NAME_MAX);
            cut(&mut f.value, FIELD_VALUE_MAX);
        }
        if let Some(f) = e.footer.as_mut() {
            cut(&mut f.text, FOOTER_MAX);
        }
        if let Some(a) = e.author.as_mut() {
            cut(&mut a.name, AUTHOR_NAME_MAX);
        }
    }
    let chars = |s: &str| s.chars().count();
    let embed_total = |e: &Embed| {
        e.title.as_deref().map_or(0, chars)
            + e.description.as_deref().map_or(0, chars)
            + e.fields
                .iter()
                .map(|f| chars(&f.name) + chars(&f.value))
                .sum::<usize>()
            + e.footer.as_ref().map_or(0, |f| chars(&f.text))
            + e.author.as_ref().map_or(0, |a| chars(&a.name))
    };
    let mut excess = embeds
        .iter()
        .map(embed_total)
        .sum::<usize>()
        .saturating_sub(EMBED_TOTAL_MAX);
    // The long parts give way first, the last embed first; titles and names stay.
    for e in embeds.iter_mut().rev() {
        let parts = e
            .description
            .iter_mut()
            .chain(e.fields.iter_mut().rev().map(|f| &mut f.value));
        for part in parts {
            if excess == 0 {
                return;
            }
            let len = chars(part);
            let keep = len.saturating_sub(excess).max(1);
            if keep < len {
                excess -= len - keep;
                *part = shorten(part, keep).into_owned();
            }
        }
    }
}

fn embed(
    color: u32,
    title: impl Into<String>,
    description: impl Into<String>,
) -> EditInteractionResponse {
    EditInteractionResponse::new()
        .content("")
        .embed(
            CreateEmbed::new()
                .color(color)
                .title(title)
                .description(description),
        )
        .allowed_mentions(CreateAllowedMentions::new())
}

/// An immediate ephemeral answer, for when deferring is not possible or not needed.
pub fn immediate(content: impl Into<String>) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content(shorten(&content.into(), CONTENT_MAX))
            .ephemeral(true)
            .allowed_mentions(CreateAllowedMentions::new()),
    )
}

/// A stored lifetime in seconds (`expire_seconds`), as `1h30m`; a negative one as `0s`.
pub fn lifetime(secs: i64) -> String {
    format_duration(Duration::from_secs(secs.max(0).unsigned_abs()))
}

/// `<t:UNIX:f>` (absolute, in the reader's time zone) and `<t:UNIX:R>` (relative).
pub fn timestamps(unix: i64) -> String {
    format!("<t:{unix}:f> (<t:{unix}:R>)")
}

/// The reply for a `/share` outcome, within Discord's limits.
pub fn share(outcome: &ShareOutcome) -> EditInteractionResponse {
    fit(render(outcome))
}

fn render(outcome: &ShareOutcome) -> EditInteractionResponse {
    match outcome {
        ShareOutcome::Issued(s) => issued(s),
        ShareOutcome::Invalid(InvalidInput::Id(e)) => embed(
            COLOR_REFUSED,
            "That id is not valid",
            format!(
                "{}. Ids are 1–128 characters of letters, digits, `_`, `.` and `-`, e.g. `dlc1a2b3c4d5e6f`. Nothing was shared.",
                escape(&e.to_string())
            ),
        ),
        ShareOutcome::Invalid(InvalidInput::Expiry(e)) => embed(
            COLOR_REFUSED,
            "That expiry is not valid",
            format!(
                "{}. Use a duration such as `90s`, `30m`, `12h`, `7d` or `1h30m` (at least 1 minute), or leave it out for the server's default. Nothing was shared.",
                escape(&e.to_string()),
            ),
        ),
        ShareOutcome::Invalid(InvalidInput::Reason(e)) => embed(
            COLOR_REFUSED,
            "That reason is not valid",
            format!(
                "{}. Give a reason of 1–{REASON_MAX_CHARS} characters, or leave it out. Nothing was shared.",
                escape(&e.to_string())
            ),
        ),
        ShareOutcome::Invalid(InvalidInput::ReasonRequired) => embed(
            COLOR_REFUSED,
            "A reason is required",
            "This server asks for a reason with every share. Run the command again with `reason:` (for example `reason: debugging the loss spike`). Nothing was shared.",
        ),
        ShareOutcome::Invalid(InvalidInput::AboveRoleCap { cap }) => embed(
            COLOR_REFUSED,
            "That expiry is longer than your roles allow",
            format!(
                "Your roles let you share for at most **{cap}**. Ask for {cap} or less, or leave the expiry out. Nothing was shared."
            ),
        ),
        ShareOutcome::ChannelNotAllowed { allowed } => embed(
            COLOR_REFUSED,
            "Not in this channel",
            format!(
                "In this server, `/share` works only in {}. Nothing was shared.",
                channel_list(allowed)
            ),
        ),
        ShareOutcome::Denied(AccessDecision::GuildNotEnabled) => embed(
            COLOR_REFUSED,
            "Not available in this server",
            GUILD_NOT_ENABLED,
        ),
        ShareOutcome::Denied(AccessDecision::EmptyAllowlist) => embed(
            COLOR_REFUSED,
            "Sharing is not set up in this server",
            "No role is allowed to share links yet. An admin must run `/share-admin roles add` first.",
        ),
        ShareOutcome::Denied(_) => embed(
            COLOR_REFUSED,
            "You cannot share links here",
            "None of your roles is allowed to share. Ask a server admin to allow one of your roles with `/share-admin roles add`.",
        ),
        ShareOutcome::RateLimited { scope, retry_after } => rate_limited(*scope, *retry_after),
        ShareOutcome::Upstream(f) => {
            let what = match f.kind {
                IssueFailureKind::Rejected => {
                    "Alibaba Cloud refused the request. Check that the id exists in this region and that you typed it correctly."
                }
                IssueFailureKind::Unauthorized => {
                    "Alibaba Cloud refused the bot's credentials or permissions. Please tell a server admin; retrying will not help."
                }
                IssueFailureKind::Throttled => {
                    "Alibaba Cloud is throttling requests right now. Please try again in a minute."
                }
                IssueFailureKind::Unavailable => {
                    "Alibaba Cloud could not be reached or did not answer in time. Please try again shortly."
                }
                IssueFailureKind::BadResponse => {
                    "Alibaba Cloud sent an answer the bot could not read. Please try again shortly."
                }
            };
            let support = match &f.request_id {
                Some(id) => format!(
                    "\nError {}, RequestId {} (for support).",
                    code(&f.code),
                    code(id)
                ),
                None => format!("\nError {}.", code(&f.code)),
            };
            embed(
                COLOR_ERROR,
                "Could not create the link",
                format!("{what}{support}"),
            )
        }
        ShareOutcome::AuditUnavailable => embed(
            COLOR_ERROR,
            "Cannot record requests right now",
            "The bot cannot write to its audit log at the moment, so no link was created. Please try again in a few minutes.",
        ),
        ShareOutcome::AuditIncomplete => embed(
            COLOR_ERROR,
            "Cannot record requests right now",
            "The bot could not finish recording this request in its audit log, so it will not show the link. Please try again in a few minutes.",
        ),
        ShareOutcome::PendingApproval {
            approval,
            channel,
            cap,
            ..
        } => super::approvals::sent_for_approval(approval, *cap, *channel, true),
        ShareOutcome::Replayed => {
            text("This request was already handled; no second link was created.")
        }
        ShareOutcome::Overloaded => text(BUSY),
    }
}

/// Channel mentions (they ping nobody), cut to a readable number.
pub fn channel_list(channels: &[ChannelId]) -> String {
    const SHOWN: usize = 20;
    let mut list: Vec<String> = channels
        .iter()
        .take(SHOWN)
        .map(|c| format!("<#{c}>"))
        .collect();
    if channels.len() > SHOWN {
        list.push(format!("and {} more", channels.len() - SHOWN));
    }
    list.join(", ")
}

fn issued(s: &IssuedShare) -> EditInteractionResponse {
    let link = s.link.expose_secret();
    let unix = s.expires_at.timestamp();
    let embed = CreateEmbed::new()
        .color(COLOR_OK)
        .title(format!(
            "{} {} shared",
            s.target_type.label(),
            escape(s.target_id.as_str())
        ))
        .description(format!(
            "[Open the {}]({link})\n{link}",
            s.target_type.label()
        ))
        .field(
            "Target",
            format!("{} `{}`", s.target_type.label(), s.target_id),
            true,
        )
        .field("Valid for", format_duration(s.lifetime), true)
        .field("Expires", timestamps(unix), false)
        .field("RequestId", code(&s.request_id), false);
    let mut reply = EditInteractionResponse::new()
        .content("Here is your share link. Only you can see this message.")
        .embed(embed)
        .allowed_mentions(CreateAllowedMentions::new());
    if link.len() <= BUTTON_URL_MAX {
        reply = reply.components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new_link(link).label(format!("Open {}", s.target_type.label())),
        ])]);
    }
    reply
}

fn rate_limited(scope: LimitScope, retry_after: Duration) -> EditInteractionResponse {
    // Round up so "retry at" is never a moment too early.
    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let at = Utc::now().timestamp() + secs as i64;
    let who = match scope {
        LimitScope::User => "You are sharing links faster than allowed.",
        LimitScope::Guild => "This server is sharing links faster than allowed.",
    };
    embed(
        COLOR_REFUSED,
        "Slow down",
        format!(
            "{who} Try again <t:{at}:R> (in {}). Nothing was shared.",
            format_duration(Duration::from_secs(secs.max(1)))
        ),
    )
}

/// Shown when something inside the bot failed; says nothing of internals.
pub fn internal_error() -> EditInteractionResponse {
    embed(
        COLOR_ERROR,
        "Something went wrong",
        "The bot hit an internal error and nothing was shared. Please try again; if it keeps happening, tell a server admin.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::ports::IssueFailure;

    fn json(r: &EditInteractionResponse) -> serde_json::Value {
        serde_json::to_value(r).unwrap()
    }

    #[test]
    fn escapes_markdown_and_mentions() {
        assert_eq!(
            escape("**bold** @everyone <@123>"),
            "\\*\\*bold\\*\\* \\@everyone \\<\\@123\\>"
        );
        assert_eq!(escape("a\nb"), "a b");
    }

    #[test]
    fn escape_and_code_show_no_control_or_format_character() {
        let sneaky = "dlc\u{202e}exe.\u{200b}\u{2066}x\u{2069}\u{feff}\u{ad}\0\u{1b}[2J`";
        for shown in [escape(sneaky), code(sneaky)] {
            assert!(!shown.chars().any(crate::safe_text::is_hidden), "{shown:?}");
            assert!(shown.contains("dlc?exe"), "{shown}");
        }
    }

    /// Every limit Discord enforces on what `fit` touches, in characters.
    fn assert_within_discord_limits(v: &serde_json::Value) {
        let len = |v: &serde_json::Value| v.as_str().map_or(0, |s| s.chars().count());
        assert!(len(&v["content"]) <= 2_000, "content");
        let mut total = 0;
        for e in v["embeds"].as_array().into_iter().flatten() {
            let (title, description) = (len(&e["title"]), len(&e["description"]));
            let (footer, author) = (len(&e["footer"]["text"]), len(&e["author"]["name"]));
            assert!(
                title <= 256 && description <= 4_096,
                "{title} {description}"
            );
            assert!(footer <= 2_048 && author <= 256, "{footer} {author}");
            total += title + description + footer + author;
            for f in e["fields"].as_array().into_iter().flatten() {
                let (name, value) = (len(&f["name"]), len(&f["value"]));
                assert!(name <= 256 && value <= 1_024, "{name} {value}");
                total += name + value;
            }
        }
        assert!(total <= 6_000, "embed total {total}");
    }

    #[test]
    fn fit_cuts_every_oversized_part() {
        let big = |n: usize| "é".repeat(n);
        let mut embed = CreateEmbed::new()
            .title(big(1_000))
            .description(big(10_000))
            .footer(serenity::all::CreateEmbedFooter::new(big(3_000)))
            .author(serenity::all::CreateEmbedAuthor::new(big(300)));
        for _ in 0..5 {
            embed = embed.field(big(300), big(2_000), false);
        }
        let reply = EditInteractionResponse::new()
            .content(big(5_000))
            .embed(embed)
            .allowed_mentions(CreateAllowedMentions::new());
        let v = json(&fit(reply));
        assert_within_discord_limits(&v);
        let e = &v["embeds"][0];
        assert!(e["title"].as_str().unwrap().ends_with('…'));
        assert_eq!(e["fields"].as_array().unwrap().len(), 5, "nothing dropped");
        assert_eq!(e["color"], serde_json::Value::Null, "nothing added");
        assert_eq!(v["allowed_mentions"]["parse"], serde_json::json!([]));
    }

    #[test]
    fn fit_leaves_replies_within_limits_alone() {
        let reply = share(&ShareOutcome::Denied(AccessDecision::MissingRole));
        assert_eq!(json(&fit(reply.clone())), json(&reply));
    }

    #[test]
    fn oversized_refusals_and_texts_still_fit() {
        // An error carrying a whole paste, as no parser of ours builds it.
        let pasted = crate::share::DurationParseError::Malformed {
            input: "<@1>*".repeat(2_000),
            reason: "expected a number",
        };
        let v = json(&share(&ShareOutcome::Invalid(InvalidInput::Expiry(
            pasted.into(),
        ))));
        assert_within_discord_limits(&v);
        assert!(
            v["embeds"][0]["description"]
                .as_str()
                .unwrap()
                .ends_with('…')
        );
        assert_within_discord_limits(&json(&text("x".repeat(2_001))));
        let immediate = serde_json::to_value(immediate("x".repeat(2_001))).unwrap();
        assert_within_discord_limits(&immediate["data"]);
    }

    #[test]
    fn every_reply_mentions_nobody() {
        let outcomes = [
            ShareOutcome::Denied(AccessDecision::EmptyAllowlist),
            ShareOutcome::Denied(AccessDecision::MissingRole),
            ShareOutcome::AuditUnavailable,
            ShareOutcome::Replayed,
            ShareOutcome::RateLimited {
                scope: LimitScope::User,
                retry_after: Duration::from_millis(11_500),
            },
        ];
        for o in &outcomes {
            assert_eq!(
                json(&share(o))["allowed_mentions"]["parse"],
                serde_json::json!([]),
                "{o:?}"
            );
        }
    }

    #[test]
    fn empty_allowlist_names_the_admin_command() {
        let v = json(&share(&ShareOutcome::Denied(
            AccessDecision::EmptyAllowlist,
        )));
        assert!(
            v["embeds"][0]["description"]
                .as_str()
                .unwrap()
                .contains("/share-admin roles add")
        );
    }

    #[test]
    fn rate_limit_says_when_to_retry() {
        let v = json(&rate_limited(
            LimitScope::User,
            Duration::from_millis(11_500),
        ));
        let d = v["embeds"][0]["description"].as_str().unwrap();
        assert!(
            d.contains("<t:") && d.contains(":R>") && d.contains("in 12s"),
            "{d}"
        );
    }

    #[test]
    fn upstream_errors_carry_code_and_request_id() {
        let f = IssueFailure {
            kind: IssueFailureKind::Unauthorized,
            code: "Forbidden.RAM".into(),
            message: "secret internals".into(),
            request_id: Some("REQ-1".into()),
        };
        let v = json(&share(&ShareOutcome::Upstream(f)));
        let d = v["embeds"][0]["description"].as_str().unwrap();
        assert!(
            d.contains("`Forbidden.RAM`") && d.contains("`REQ-1`"),
            "{d}"
        );
        assert!(!d.contains("secret internals"));
    }
}
