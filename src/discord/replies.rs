//! What the bot says: every outcome rendered, in the member's language, as an ephemeral edit
//! of the deferred response, mentioning nobody, with user-supplied text escaped, and cut to fit
//! Discord's limits. The words are in `locales/` (see [`super::i18n`]).

use std::time::Duration;

use chrono::Utc;
use secrecy::ExposeSecret;
use serenity::all::{
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseMessage, EditInteractionResponse, Embed,
};

use super::i18n::{Lang, duration, tr};
use crate::safe_text::{shorten, visible};
use crate::share::ports::{AuditOutcome, IssueFailureKind};
use crate::share::{
    ChannelId, Denial, DurationParseError, Expiry, ExpiryError, InvalidInput, IssuedShare,
    LimitScope, MalformedDuration, REASON_MAX_CHARS, ReasonError, ShareOutcome, Suggestion,
    TARGET_ID_MAX_LEN, TargetIdError, TargetType, WorkspaceId,
};

/// Discord refuses link buttons whose URL is longer than this.
const BUTTON_URL_MAX: usize = 512;
const COLOR_OK: u32 = 0x2e_cc_71;
const COLOR_REFUSED: u32 = 0xe6_7e_22;
const COLOR_ERROR: u32 = 0xe7_4c_3c;

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
    let Some(raw) = json.get("embeds").and_then(|e| e.as_array()) else {
        return reply;
    };
    // Nearly every reply is within the limits: measured on the JSON, it is left as it is
    // without reading the embeds back into builders.
    if !embeds_over_limits(raw) {
        return reply;
    }
    let raw = &json["embeds"];
    let mut embeds: Vec<Embed> =
        serde_json::from_value(raw.clone()).expect("our embeds read back as embeds");
    let before = embeds.clone();
    fit_embeds(&mut embeds);
    if embeds != before {
        reply = reply.embeds(embeds.into_iter().map(CreateEmbed::from).collect());
    }
    reply
}

/// Whether any embed part, or all of them together, is over Discord's limits.
fn embeds_over_limits(embeds: &[serde_json::Value]) -> bool {
    let len = |v: &serde_json::Value| v.as_str().map_or(0, |s| s.chars().count());
    let mut total = 0;
    for e in embeds {
        let parts = [
            (len(&e["title"]), EMBED_TITLE_MAX),
            (len(&e["description"]), EMBED_DESCRIPTION_MAX),
            (len(&e["footer"]["text"]), FOOTER_MAX),
            (len(&e["author"]["name"]), AUTHOR_NAME_MAX),
        ];
        let fields = e["fields"].as_array().map_or(&[][..], Vec::as_slice);
        let fields = fields.iter().flat_map(|f| {
            [
                (len(&f["name"]), FIELD_NAME_MAX),
                (len(&f["value"]), FIELD_VALUE_MAX),
            ]
        });
        for (chars, max) in parts.into_iter().chain(fields) {
            if chars > max {
                return true;
            }
            total += chars;
        }
    }
    total > EMBED_TOTAL_MAX
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

/// A stored lifetime in seconds (`expire_seconds`) in the reader's words; a negative one as
/// zero.
pub fn lifetime(lang: Lang, secs: i64) -> String {
    duration(lang, Duration::from_secs(secs.max(0).unsigned_abs()))
}

/// An expiry in the reader's words.
pub fn expiry(lang: Lang, e: Expiry) -> String {
    duration(lang, e.as_duration())
}

/// `<t:UNIX:f>` (absolute, in the reader's time zone) and `<t:UNIX:R>` (relative); Discord
/// writes both in the reader's language.
pub fn timestamps(lang: Lang, unix: i64) -> String {
    tr!(
        lang,
        "timestamps",
        absolute = format!("<t:{unix}:f>"),
        relative = format!("<t:{unix}:R>")
    )
}

/// "DLC job" / "TensorBoard", in the reader's language.
pub fn target(lang: Lang, t: TargetType) -> String {
    match t {
        TargetType::Job => tr!(lang, "target-job"),
        TargetType::Tensorboard => tr!(lang, "target-tensorboard"),
    }
}

/// An audit outcome as the reader's language names it; a value this version does not know
/// (a newer replica's) is shown as stored.
pub fn outcome(lang: Lang, stored: &str) -> String {
    let known = AuditOutcome::ALL.into_iter().find(|o| o.as_str() == stored);
    match known {
        Some(AuditOutcome::Issued) => tr!(lang, "outcome-issued"),
        Some(AuditOutcome::DeniedRole) => tr!(lang, "outcome-denied_role"),
        Some(AuditOutcome::DeniedChannel) => tr!(lang, "outcome-denied_channel"),
        Some(AuditOutcome::DeniedWorkspace) => tr!(lang, "outcome-denied_workspace"),
        Some(AuditOutcome::InvalidInput) => tr!(lang, "outcome-invalid_input"),
        Some(AuditOutcome::RateLimited) => tr!(lang, "outcome-rate_limited"),
        Some(AuditOutcome::UpstreamError) => tr!(lang, "outcome-upstream_error"),
        Some(AuditOutcome::InternalError) => tr!(lang, "outcome-internal_error"),
        Some(AuditOutcome::PendingApproval) => tr!(lang, "outcome-pending_approval"),
        Some(AuditOutcome::DeniedApproval) => tr!(lang, "outcome-denied_approval"),
        Some(AuditOutcome::ApprovalExpired) => tr!(lang, "outcome-approval_expired"),
        None => visible(stored).into_owned(),
    }
}

/// An autocomplete label: the expiry in the member's words, after what they typed if the
/// choice is theirs. Choices are plain text, so nothing is escaped.
pub fn suggestion(lang: Lang, s: &Suggestion) -> String {
    let meaning = expiry(lang, s.expiry);
    if s.typed {
        tr!(
            lang,
            "suggestion-typed",
            typed = s.value.as_str(),
            duration = meaning
        )
    } else {
        meaning
    }
}

/// One recorded attempt, as the audit listing and the audit channel show it: `what` (who asked
/// for which target), then the lifetime, the outcome and the error code when there are any.
pub fn attempt(
    lang: Lang,
    what: String,
    expire_seconds: Option<i64>,
    stored_outcome: &str,
    error_code: Option<&str>,
) -> String {
    let outcome = outcome(lang, stored_outcome);
    match (expire_seconds, error_code) {
        (None, None) => tr!(lang, "attempt", what = what, outcome = outcome),
        (Some(s), None) => tr!(
            lang,
            "attempt-expiry",
            what = what,
            expiry = lifetime(lang, s),
            outcome = outcome
        ),
        (None, Some(c)) => tr!(
            lang,
            "attempt-code",
            what = what,
            outcome = outcome,
            code = code(c)
        ),
        (Some(s), Some(c)) => tr!(
            lang,
            "attempt-expiry-code",
            what = what,
            expiry = lifetime(lang, s),
            outcome = outcome,
            code = code(c)
        ),
    }
}

/// What is wrong with a duration, echoing the member's input as inline code.
pub fn duration_error(lang: Lang, e: &DurationParseError) -> String {
    match e {
        DurationParseError::Empty => tr!(lang, "error-duration-empty"),
        DurationParseError::Malformed { input, reason } => {
            let reason = match reason {
                MalformedDuration::ExpectedNumber => tr!(lang, "error-duration-expected-number"),
                MalformedDuration::NeedsUnit => tr!(lang, "error-duration-needs-unit"),
                MalformedDuration::UnknownUnit => tr!(lang, "error-duration-unknown-unit"),
                MalformedDuration::UnitOrder => tr!(lang, "error-duration-unit-order"),
            };
            tr!(
                lang,
                "error-duration-malformed",
                input = code(input),
                reason = reason
            )
        }
        DurationParseError::Overflow(input) => {
            tr!(lang, "error-duration-overflow", input = code(input))
        }
    }
}

/// What is wrong with an expiry: unreadable, below the floor or above the maximum.
pub fn expiry_error(lang: Lang, e: &ExpiryError) -> String {
    match e {
        ExpiryError::Parse(e) => duration_error(lang, e),
        ExpiryError::TooShort(requested) => tr!(
            lang,
            "error-expiry-too-short",
            requested = duration(lang, *requested),
            min = expiry(lang, Expiry::MIN)
        ),
        ExpiryError::TooLong { requested, max } => tr!(
            lang,
            "error-expiry-too-long",
            requested = duration(lang, *requested),
            max = expiry(lang, *max)
        ),
    }
}

pub fn id_error(lang: Lang, e: &TargetIdError) -> String {
    match e {
        TargetIdError::Empty => tr!(lang, "error-id-empty"),
        TargetIdError::NoLetterOrDigit => tr!(lang, "error-id-no-letter-or-digit"),
        TargetIdError::TooLong(length) => tr!(
            lang,
            "error-id-too-long",
            length = *length,
            max = TARGET_ID_MAX_LEN
        ),
        // `Debug` quotes and escapes it: a NUL or U+202E shows as `'\0'`, `'\u{202e}'`.
        TargetIdError::InvalidChar(c) => {
            tr!(
                lang,
                "error-id-invalid-char",
                char = escape(&format!("{c:?}"))
            )
        }
    }
}

fn reason_error(lang: Lang, e: &ReasonError) -> String {
    match e {
        ReasonError::Empty => tr!(lang, "error-reason-empty"),
        ReasonError::TooLong(length) => tr!(
            lang,
            "error-reason-too-long",
            length = *length,
            max = REASON_MAX_CHARS
        ),
    }
}

/// The reply for a `/share` outcome in the member's language, within Discord's limits.
pub fn share(lang: Lang, outcome: &ShareOutcome) -> EditInteractionResponse {
    fit(render(lang, outcome))
}

fn render(lang: Lang, outcome: &ShareOutcome) -> EditInteractionResponse {
    match outcome {
        ShareOutcome::Issued(s) => issued(lang, s),
        ShareOutcome::Invalid(InvalidInput::Id(e)) => embed(
            COLOR_REFUSED,
            tr!(lang, "invalid-id-title"),
            tr!(lang, "invalid-id", error = id_error(lang, e)),
        ),
        ShareOutcome::Invalid(InvalidInput::Expiry(e)) => embed(
            COLOR_REFUSED,
            tr!(lang, "invalid-expiry-title"),
            tr!(lang, "invalid-expiry", error = expiry_error(lang, e)),
        ),
        ShareOutcome::Invalid(InvalidInput::Reason(e)) => embed(
            COLOR_REFUSED,
            tr!(lang, "invalid-reason-title"),
            tr!(
                lang,
                "invalid-reason",
                error = reason_error(lang, e),
                max = REASON_MAX_CHARS
            ),
        ),
        ShareOutcome::Invalid(InvalidInput::ReasonRequired) => embed(
            COLOR_REFUSED,
            tr!(lang, "reason-required-title"),
            tr!(lang, "reason-required"),
        ),
        ShareOutcome::Invalid(InvalidInput::AboveRoleCap { cap }) => embed(
            COLOR_REFUSED,
            tr!(lang, "above-role-cap-title"),
            tr!(lang, "above-role-cap", cap = expiry(lang, *cap)),
        ),
        ShareOutcome::Invalid(InvalidInput::TargetNotFound) => embed(
            COLOR_REFUSED,
            tr!(lang, "target-not-found-title"),
            tr!(lang, "target-not-found"),
        ),
        ShareOutcome::WorkspaceNotAllowed { allowed } if allowed.is_empty() => embed(
            COLOR_REFUSED,
            tr!(lang, "workspace-not-allowed-title"),
            tr!(lang, "workspace-none-allowed"),
        ),
        ShareOutcome::WorkspaceNotAllowed { allowed } => embed(
            COLOR_REFUSED,
            tr!(lang, "workspace-not-allowed-title"),
            tr!(
                lang,
                "workspace-not-allowed",
                workspaces = workspace_list(lang, allowed)
            ),
        ),
        ShareOutcome::ChannelNotAllowed { allowed } => embed(
            COLOR_REFUSED,
            tr!(lang, "channel-not-allowed-title"),
            tr!(
                lang,
                "channel-not-allowed",
                channels = channel_list(lang, allowed)
            ),
        ),
        ShareOutcome::Denied(Denial::GuildNotEnabled) => embed(
            COLOR_REFUSED,
            tr!(lang, "guild-not-enabled-title"),
            tr!(lang, "guild-not-enabled"),
        ),
        ShareOutcome::Denied(Denial::EmptyAllowlist) => embed(
            COLOR_REFUSED,
            tr!(lang, "empty-allowlist-title"),
            tr!(lang, "empty-allowlist"),
        ),
        ShareOutcome::Denied(_) => embed(
            COLOR_REFUSED,
            tr!(lang, "missing-role-title"),
            tr!(lang, "missing-role"),
        ),
        ShareOutcome::RateLimited { scope, retry_after } => {
            rate_limited(lang, *scope, *retry_after)
        }
        ShareOutcome::Upstream(f) => {
            let what = match f.kind {
                IssueFailureKind::Rejected => tr!(lang, "upstream-rejected"),
                IssueFailureKind::Unauthorized => tr!(lang, "upstream-unauthorized"),
                IssueFailureKind::Throttled => tr!(lang, "upstream-throttled"),
                IssueFailureKind::Unavailable => tr!(lang, "upstream-unavailable"),
                IssueFailureKind::BadResponse => tr!(lang, "upstream-bad-response"),
            };
            let support = match &f.request_id {
                Some(id) => tr!(
                    lang,
                    "upstream-support-request",
                    code = code(&f.code),
                    request_id = code(id)
                ),
                None => tr!(lang, "upstream-support", code = code(&f.code)),
            };
            embed(
                COLOR_ERROR,
                tr!(lang, "upstream-title"),
                format!("{what}\n{support}"),
            )
        }
        ShareOutcome::AuditUnavailable => embed(
            COLOR_ERROR,
            tr!(lang, "audit-unavailable-title"),
            tr!(lang, "audit-unavailable"),
        ),
        ShareOutcome::AuditIncomplete => embed(
            COLOR_ERROR,
            tr!(lang, "audit-unavailable-title"),
            tr!(lang, "audit-incomplete"),
        ),
        ShareOutcome::PendingApproval {
            approval,
            channel,
            cap,
            ..
        } => super::approvals::sent_for_approval(lang, approval, *cap, *channel, true),
        ShareOutcome::Replayed => text(tr!(lang, "replayed")),
        ShareOutcome::Overloaded => text(tr!(lang, "busy")),
    }
}

/// A target as audit lines show it: the id as inline code, then the looked-up name in
/// parentheses when there is one. Both are someone else's text: cut, and escaped or coded.
pub fn target_with_name(id: &str, name: Option<&str>) -> String {
    let id = code(&shorten(id, crate::safe_text::ECHO_MAX_CHARS));
    match name {
        Some(name) => format!(
            "{id} ({})",
            escape(&shorten(name, crate::share::TARGET_NAME_MAX_CHARS))
        ),
        None => id,
    }
}

/// Workspace ids as inline code, cut to a readable number.
pub fn workspace_list(lang: Lang, workspaces: &[WorkspaceId]) -> String {
    const SHOWN: usize = 20;
    let mut list: Vec<String> = workspaces
        .iter()
        .take(SHOWN)
        .map(|w| code(w.as_str()))
        .collect();
    if workspaces.len() > SHOWN {
        list.push(tr!(lang, "list-more", count = workspaces.len() - SHOWN));
    }
    list.join(&tr!(lang, "list-joiner"))
}

/// Channel mentions (they ping nobody), cut to a readable number.
pub fn channel_list(lang: Lang, channels: &[ChannelId]) -> String {
    const SHOWN: usize = 20;
    let mut list: Vec<String> = channels
        .iter()
        .take(SHOWN)
        .map(|c| format!("<#{c}>"))
        .collect();
    if channels.len() > SHOWN {
        list.push(tr!(lang, "list-more", count = channels.len() - SHOWN));
    }
    list.join(&tr!(lang, "list-joiner"))
}

fn issued(lang: Lang, s: &IssuedShare) -> EditInteractionResponse {
    let link = s.link.expose_secret();
    let unix = s.expires_at.timestamp();
    let what = target(lang, s.target_type);
    let mut embed = CreateEmbed::new()
        .color(COLOR_OK)
        .title(tr!(
            lang,
            "issued-title",
            target = what.as_str(),
            id = escape(s.target_id.as_str())
        ))
        .description(format!(
            "{}\n{link}",
            tr!(lang, "issued-open", target = what.as_str(), link = link)
        ))
        .field(
            tr!(lang, "issued-field-target"),
            format!("{what} `{}`", s.target_id),
            true,
        )
        .field(
            tr!(lang, "issued-field-valid-for"),
            duration(lang, s.lifetime),
            true,
        )
        .field(
            tr!(lang, "issued-field-expires"),
            timestamps(lang, unix),
            false,
        )
        .field(
            tr!(lang, "issued-field-request-id"),
            code(&s.request_id),
            false,
        );
    if let Some(details) = &s.details {
        // The name is whatever the job's creator typed: escaped, and already cut by the core.
        let workspace = match &details.workspace_name {
            Some(name) => format!("{} {}", escape(name), code(details.workspace_id.as_str())),
            None => code(details.workspace_id.as_str()),
        };
        embed = embed.field(tr!(lang, "issued-field-name"), escape(&details.name), false);
        if let Some(status) = &details.status {
            embed = embed.field(tr!(lang, "issued-field-status"), code(status), true);
        }
        embed = embed.field(tr!(lang, "issued-field-workspace"), workspace, true);
    }
    let mut reply = EditInteractionResponse::new()
        .content(tr!(lang, "issued-content"))
        .embed(embed)
        .allowed_mentions(CreateAllowedMentions::new());
    if link.len() <= BUTTON_URL_MAX {
        reply = reply.components(vec![CreateActionRow::Buttons(vec![
            CreateButton::new_link(link).label(tr!(lang, "issued-button", target = what)),
        ])]);
    }
    reply
}

fn rate_limited(lang: Lang, scope: LimitScope, retry_after: Duration) -> EditInteractionResponse {
    // Round up so "retry at" is never a moment too early.
    let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let at = format!("<t:{}:R>", Utc::now().timestamp() + secs as i64);
    let wait = duration(lang, Duration::from_secs(secs.max(1)));
    let text = match scope {
        LimitScope::User => tr!(lang, "rate-limited-user", at = at, wait = wait),
        LimitScope::Guild => tr!(lang, "rate-limited-guild", at = at, wait = wait),
    };
    embed(COLOR_REFUSED, tr!(lang, "rate-limited-title"), text)
}

/// Shown when something inside the bot failed; says nothing of internals.
pub fn internal_error(lang: Lang) -> EditInteractionResponse {
    embed(
        COLOR_ERROR,
        tr!(lang, "internal-error-title"),
        tr!(lang, "internal-error"),
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
    fn fit_cuts_embeds_whose_parts_fit_but_whose_total_does_not() {
        let mut embed = CreateEmbed::new().title("t");
        for i in 0..6 {
            embed = embed.field(format!("f{i}"), "v".repeat(1_024), false);
        }
        let reply = EditInteractionResponse::new().embed(embed);
        let before = json(&reply);
        let v = json(&fit(reply));
        assert_ne!(v, before, "6,144 characters in all");
        assert_within_discord_limits(&v);
    }

    #[test]
    fn fit_leaves_replies_within_limits_alone() {
        let reply = share(Lang::En, &ShareOutcome::Denied(Denial::MissingRole));
        assert_eq!(json(&fit(reply.clone())), json(&reply));
    }

    #[test]
    fn oversized_refusals_and_texts_still_fit() {
        // An error carrying a whole paste, as no parser of ours builds it.
        let pasted = crate::share::DurationParseError::Malformed {
            input: "<@1>*".repeat(2_000),
            reason: MalformedDuration::ExpectedNumber,
        };
        let v = json(&share(
            Lang::En,
            &ShareOutcome::Invalid(InvalidInput::Expiry(pasted.into())),
        ));
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
            ShareOutcome::Denied(Denial::EmptyAllowlist),
            ShareOutcome::Denied(Denial::MissingRole),
            ShareOutcome::AuditUnavailable,
            ShareOutcome::Replayed,
            ShareOutcome::RateLimited {
                scope: LimitScope::User,
                retry_after: Duration::from_millis(11_500),
            },
        ];
        for o in &outcomes {
            assert_eq!(
                json(&share(Lang::En, o))["allowed_mentions"]["parse"],
                serde_json::json!([]),
                "{o:?}"
            );
        }
    }

    #[test]
    fn a_workspace_refusal_names_the_workspaces_or_says_none_is_allowed() {
        let ws = |w: &str| crate::share::WorkspaceId::parse(w).unwrap();
        let text = |allowed| {
            let v = json(&share(
                Lang::En,
                &ShareOutcome::WorkspaceNotAllowed { allowed },
            ));
            v["embeds"][0]["description"].as_str().unwrap().to_owned()
        };
        let some = text(vec![ws("ws-a"), ws("ws-b")]);
        assert!(some.contains("`ws-a`, `ws-b`"), "{some}");
        let none = text(vec![]);
        assert!(
            none.contains("no job or TensorBoard can be shared") && none.contains("policy show"),
            "{none}"
        );
        assert!(none.contains("Nothing was shared"), "{none}");
    }

    #[test]
    fn empty_allowlist_names_the_admin_command() {
        let v = json(&share(
            Lang::En,
            &ShareOutcome::Denied(Denial::EmptyAllowlist),
        ));
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
            Lang::En,
            LimitScope::User,
            Duration::from_millis(11_500),
        ));
        let d = v["embeds"][0]["description"].as_str().unwrap();
        assert!(
            d.contains("<t:") && d.contains(":R>") && d.contains("in 12s"),
            "{d}"
        );
    }

    /// The five replies members see most, in Chinese and Japanese: each in the reader's
    /// words, durations included, with the values the code filled in.
    #[test]
    fn the_most_common_replies_read_in_the_members_language() {
        let issued = ShareOutcome::Issued(IssuedShare {
            target_type: TargetType::Job,
            target_id: crate::share::TargetId::parse("dlc1a2b3").unwrap(),
            link: "https://pai.example/share?token=t".to_owned().into(),
            token: Some("t".to_owned().into()),
            expiry: "1h30m".parse().unwrap(),
            expires_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            lifetime: Duration::from_secs(5_400),
            request_id: "REQ-1".into(),
            details: None,
        });
        let bad_expiry = ShareOutcome::Invalid(InvalidInput::Expiry(
            crate::share::Expiry::parse("5年", Expiry::HARD_MAX).unwrap_err(),
        ));
        let cases: [(&ShareOutcome, [&str; 2], [&str; 2]); 5] = [
            (
                &issued,
                ["这是您的分享链接", "1 小时 30 分钟"],
                ["共有リンクはこちらです", "1 時間 30 分"],
            ),
            (
                &ShareOutcome::Denied(Denial::MissingRole),
                ["您无法在此分享链接", "/share-admin roles add"],
                [
                    "ここでは共有リンクを作成できません",
                    "/share-admin roles add",
                ],
            ),
            (
                &bad_expiry,
                ["`5年`", "未分享任何内容"],
                ["`5年`", "何も共有されていません"],
            ),
            (
                &ShareOutcome::RateLimited {
                    scope: LimitScope::User,
                    retry_after: Duration::from_secs(90),
                },
                ["1 分钟 30 秒", "未分享任何内容"],
                ["1 分 30 秒", "何も共有されていません"],
            ),
            (
                &ShareOutcome::Invalid(InvalidInput::AboveRoleCap {
                    cap: "12h".parse().unwrap(),
                }),
                ["**12 小时**", "未分享任何内容"],
                ["**12 時間**", "何も共有されていません"],
            ),
        ];
        let visible = |v: &serde_json::Value| {
            let e = &v["embeds"][0];
            let fields = e["fields"].as_array().into_iter().flatten();
            [&v["content"], &e["title"], &e["description"]]
                .into_iter()
                .chain(fields.flat_map(|f| [&f["name"], &f["value"]]))
                .filter_map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        };
        for (outcome, zh, ja) in cases {
            for (lang, needles) in [(Lang::ZhCn, zh), (Lang::Ja, ja)] {
                let text = visible(&json(&share(lang, outcome)));
                println!("--- {} {outcome:?}\n{text}", lang.code());
                for needle in needles {
                    assert!(
                        text.contains(needle),
                        "{}: {needle:?} in {text}",
                        lang.code()
                    );
                }
                assert!(!text.contains("Nothing"), "{text}");
            }
        }
    }

    #[test]
    fn a_link_shows_the_status_only_when_it_is_known() {
        use crate::share::{TargetDetails, WorkspaceId};
        let issued = |details: TargetDetails| {
            ShareOutcome::Issued(IssuedShare {
                target_type: TargetType::Job,
                target_id: crate::share::TargetId::parse("dlc1").unwrap(),
                link: "https://pai.example/share?token=t".to_owned().into(),
                token: None,
                expiry: "1h".parse().unwrap(),
                expires_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                lifetime: Duration::from_secs(3_600),
                request_id: "REQ-1".into(),
                details: Some(details),
            })
        };
        let field_names = |outcome: &ShareOutcome| -> Vec<String> {
            json(&share(Lang::En, outcome))["embeds"][0]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let workspace = WorkspaceId::parse("1001").unwrap();
        let looked_up = field_names(&issued(TargetDetails::new(
            "train",
            "Running",
            workspace.clone(),
            None,
        )));
        assert!(
            ["Name", "Status", "Workspace"]
                .iter()
                .all(|f| looked_up.iter().any(|n| n == f)),
            "{looked_up:?}"
        );
        let recorded = field_names(&issued(TargetDetails::recorded("train", workspace)));
        assert!(
            recorded.iter().any(|n| n == "Name") && recorded.iter().any(|n| n == "Workspace"),
            "{recorded:?}"
        );
        assert!(!recorded.iter().any(|n| n == "Status"), "{recorded:?}");
    }

    #[test]
    fn upstream_errors_carry_code_and_request_id() {
        let f = IssueFailure {
            kind: IssueFailureKind::Unauthorized,
            code: "Forbidden.RAM".into(),
            message: "secret internals".into(),
            request_id: Some("REQ-1".into()),
        };
        let v = json(&share(Lang::En, &ShareOutcome::Upstream(f)));
        let d = v["embeds"][0]["description"].as_str().unwrap();
        assert!(
            d.contains("`Forbidden.RAM`") && d.contains("`REQ-1`"),
            "{d}"
        );
        assert!(!d.contains("secret internals"));
    }
}
