//! `/share-admin` answers: each [`AdminOutcome`] of the core in words. Nothing is decided here.

use serenity::all::EditInteractionResponse;

use crate::safe_text::{ECHO_MAX_CHARS, shorten, visible};
use crate::share::{
    AccessDecision, AdminOutcome, ChannelDecision, ExpiryVerdict, Explanation, PolicySetting,
    PolicyView, Refusal, UserId,
};

use crate::share::ports::RoleChange;

use super::replies::{self, GUILD_NOT_ENABLED, channel_list, code, escape, lifetime, timestamps};

/// Discord messages stop at 2,000 characters; the audit listing stops a little before.
const LISTING_MAX_CHARS: usize = 1_900;

/// The ephemeral reply, mentioning nobody (role and channel mentions render without pinging).
pub fn reply(outcome: &AdminOutcome, role_name: Option<&str>) -> EditInteractionResponse {
    replies::text(render(outcome, role_name))
}

/// The reply text. `role_name` is the display name Discord resolved for a `role` option.
pub fn render(outcome: &AdminOutcome, role_name: Option<&str>) -> String {
    match outcome {
        AdminOutcome::GuildNotEnabled => GUILD_NOT_ENABLED.into(),
        AdminOutcome::NotAdmin => "Only server admins (Manage Server or Administrator, or a configured admin role) can use `/share-admin`.".into(),
        AdminOutcome::RoleAdded { role, change, cap } => {
            let name = role_label(role.role.get(), role_name);
            let limit = match role.max_expiry {
                Some(own) if own == *cap => format!("for up to **{cap}**"),
                Some(own) => format!("for up to **{cap}** (its own cap of {own} is above the server's maximum)"),
                None => format!("for up to the server's maximum, now **{cap}**"),
            };
            match change {
                RoleChange::Added => format!("{name} may now share links with `/share`, {limit}."),
                RoleChange::CapChanged { previous } => {
                    let before = previous.map_or_else(|| "the server's maximum".to_owned(), |p| p.to_string());
                    format!("{name} was allowed already; its cap changed from {before}: it may now share {limit}.")
                }
                RoleChange::Unchanged => format!("{name} was already allowed {limit}; nothing changed."),
            }
        }
        AdminOutcome::RoleRemoved {
            role,
            changed,
            none_left,
        } => {
            let name = role_label(role.get(), role_name);
            let mut reply = if *changed {
                format!("{name} may no longer share links.")
            } else {
                format!("{name} was not on the allowlist; nothing changed.")
            };
            if *none_left {
                reply.push_str(" No role is allowed now, so nobody can share until one is added.");
            }
            reply
        }
        AdminOutcome::Roles(roles) if roles.is_empty() => {
            "No role may share yet. Add one with `/share-admin roles add`.".into()
        }
        AdminOutcome::Roles(roles) => {
            let mut out = String::from("Roles allowed to share, with the longest expiry each may ask for:");
            for (role, cap) in roles {
                let note = match role.max_expiry {
                    Some(own) if own != *cap => format!(" (own cap {own}, limited by the server's maximum)"),
                    Some(_) => String::new(),
                    None => " (the server's maximum)".into(),
                };
                out.push_str(&format!("\n• <@&{}>: **{cap}**{note}", role.role));
            }
            out
        }
        AdminOutcome::ChannelAdded { channel, changed: true } => format!(
            "<#{channel}> is listed: `/share` now works only in the listed channels (and their threads)."
        ),
        AdminOutcome::ChannelAdded { channel, changed: false } => {
            format!("<#{channel}> was listed already; nothing changed.")
        }
        AdminOutcome::ChannelRemoved { channel, changed, none_left } => {
            let mut reply = if *changed {
                format!("<#{channel}> is no longer listed.")
            } else {
                format!("<#{channel}> was not listed; nothing changed.")
            };
            if *none_left {
                reply.push_str(" No channel is listed now, so `/share` works in every channel.");
            }
            reply
        }
        AdminOutcome::Channels(channels) if channels.is_empty() => {
            "No channel is listed: `/share` works in every channel. Restrict it with `/share-admin channels add`.".into()
        }
        AdminOutcome::Channels(channels) => format!(
            "`/share` works only in: {} (threads count as their channel).",
            channel_list(channels)
        ),
        AdminOutcome::Policy(view) => format!("This server's settings:\n{}", policy_lines(view)),
        AdminOutcome::PolicyUpdated(view) => format!("Settings updated:\n{}", policy_lines(view)),
        AdminOutcome::PolicyCleared { setting, view } => format!(
            "`{}` is back to the bot's default:\n{}",
            setting.as_str(),
            policy_lines(view)
        ),
        AdminOutcome::Refused(refusal) => {
            format!("Nothing was changed: {}.", escape(&refusal.to_string()))
        }
        AdminOutcome::StorageUnavailable => "The bot cannot reach its database right now; nothing was changed. Please try again shortly.".into(),
        AdminOutcome::Audit(rows) if rows.is_empty() => "No share attempts recorded yet.".into(),
        AdminOutcome::Audit(rows) => {
            let mut out = format!("Last {} share attempt(s), newest first:\n", rows.len());
            for r in rows {
                let expiry = r
                    .expire_seconds
                    .map(|s| format!(" for {}", lifetime(s)))
                    .unwrap_or_default();
                let why = r
                    .error_code
                    .as_deref()
                    .map(|c| format!(" ({})", code(c)))
                    .unwrap_or_default();
                // Rows hold what members typed: an invalid target id can be anything.
                let line = format!(
                    "• {} <@{}> {} {}{expiry} → **{}**{why}\n",
                    timestamps(r.created_at.timestamp()),
                    escape(&r.user_id),
                    visible(&r.target_type),
                    code(&shorten(&r.target_id, ECHO_MAX_CHARS)),
                    visible(&r.outcome),
                );
                if out.len() + line.len() > LISTING_MAX_CHARS {
                    out.push('…');
                    break;
                }
                out.push_str(&line);
            }
            out
        }
        AdminOutcome::Explained { user, explanation } => explanation_text(*user, explanation),
    }
}

/// Every setting of SPEC §9, each saying whether it is this server's own or the default.
fn policy_lines(view: &PolicyView) -> String {
    let source = |own: bool| if own { "set here" } else { "the bot's default" };
    let s = &view.stored;
    let audit = s
        .audit_channel
        .map_or_else(|| "none".to_owned(), |c| format!("<#{c}>"));
    [
        format!(
            "• `{}`: **{}** ({})",
            PolicySetting::DefaultExpiry.as_str(),
            view.effective.default_expiry(),
            match s.default_expiry {
                Some(_) => source(true).to_owned(),
                None if view.effective.default_expiry() != view.configured.default_expiry() => {
                    format!("the bot's default of {}, lowered to the maximum", view.configured.default_expiry())
                }
                None => source(false).to_owned(),
            }
        ),
        format!(
            "• `{}`: **{}** ({})",
            PolicySetting::MaxExpiry.as_str(),
            view.effective.max_expiry(),
            source(s.max_expiry.is_some())
        ),
        format!(
            "• `{}`: **{}**",
            PolicySetting::RequireReason.as_str(),
            if s.require_reason { "yes" } else { "no" }
        ),
        format!("• `{}`: {audit}", PolicySetting::AuditChannel.as_str()),
        format!(
            "• `{}`: {}",
            PolicySetting::ApprovalsChannel.as_str(),
            s.approvals_channel.map_or_else(
                || "none (requests above a member's cap are refused)".to_owned(),
                |c| format!("<#{c}>")
            )
        ),
        format!(
            "• `{}`: {}",
            PolicySetting::ApproverRole.as_str(),
            s.approver_role.map_or_else(
                || "none (server admins approve)".to_owned(),
                |r| format!("<@&{r}> and server admins")
            )
        ),
        format!(
            "The bot's defaults: default expiry {}, maximum {}. Roles and channels: `/share-admin roles list`, `/share-admin channels list`.",
            view.configured.default_expiry(),
            view.configured.max_expiry()
        ),
    ]
    .join("\n")
}

fn explanation_text(user: UserId, e: &Explanation) -> String {
    let who = format!("<@{user}>");
    let here = e
        .place
        .map_or_else(|| "here".to_owned(), |p| format!("in <#{}>", p.channel));
    let headline = if e.would_share() {
        format!("✅ {who} could share {here} right now.")
    } else if e.sent_for_approval()
        && matches!(e.verdict, Err(Refusal::AboveCap { .. }))
        && e.remaining.is_some_and(|r| r.requests() > 0)
    {
        format!("⏳ {who} could ask {here}; it would need approval.")
    } else {
        format!("⛔ {who} could not share {here} right now.")
    };
    let channel = match &e.channel {
        ChannelDecision::Anywhere => {
            "Channel: no channel is listed, so every channel works.".to_owned()
        }
        ChannelDecision::Listed => {
            "Channel: allowed (it, or the thread's parent, is listed).".to_owned()
        }
        ChannelDecision::NotAllowed { allowed } => {
            format!(
                "Channel: not allowed; `/share` works only in {}.",
                channel_list(allowed)
            )
        }
    };
    let roles = match (&e.access, &e.member) {
        (AccessDecision::EmptyAllowlist, _) => {
            "Roles: no role is allowed in this server yet.".to_owned()
        }
        (_, Some(m)) => {
            let list: Vec<String> = m
                .roles
                .iter()
                .map(|(r, cap)| format!("<@&{r}> (up to {cap})"))
                .collect();
            format!(
                "Roles: allowed through {}. Their cap: **{}**; their default: **{}**.",
                list.join(", "),
                m.cap,
                m.default
            )
        }
        _ => "Roles: none of their roles is allowed.".to_owned(),
    };
    let policy = format!(
        "Server: default {}, maximum {}; a reason is {}.",
        e.policy.default_expiry(),
        e.policy.max_expiry(),
        if e.require_reason {
            "required"
        } else {
            "optional"
        }
    );
    let expiry = match &e.expiry {
        None => None,
        Some(ExpiryVerdict::Granted(x)) if e.member.is_some() => {
            Some(format!("Expiry {x}: would be granted."))
        }
        Some(ExpiryVerdict::Granted(x)) => Some(format!(
            "Expiry {x}: within the server's bounds, but their roles do not allow sharing."
        )),
        Some(ExpiryVerdict::AboveCap { cap }) => Some(format!(
            "Expiry: would be refused, above their cap of {cap}."
        )),
        Some(ExpiryVerdict::Invalid(err)) => Some(format!(
            "Expiry: would be refused: {}.",
            escape(&err.to_string())
        )),
    };
    let verdict = match &e.verdict {
        Ok(x) if e.expiry.is_none() => Some(format!("Without an expiry they would get {x}.")),
        Ok(_) => None,
        Err(Refusal::AboveCap { .. }) => None,
        Err(r) => Some(format!("First refusal: {}.", code(r.code()))),
    };
    let limit = match e.remaining {
        Some(r) => format!(
            "Rate limit: {} more request(s) right now ({} of their own, {} for the server).",
            r.requests(),
            r.user,
            r.guild
        ),
        None => "Rate limit: cannot be read right now (a /share would be refused until it can)."
            .to_owned(),
    };
    [
        Some(headline),
        Some(channel),
        Some(roles),
        Some(policy),
        expiry,
        verdict,
        Some(limit),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n")
}

fn role_label(id: u64, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("<@&{id}> ({})", escape(&shorten(n, ECHO_MAX_CHARS))),
        None => format!("<@&{id}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::ports::AuditEntry;
    use crate::share::{
        AdminRefusal, AllowedRole, ChannelId, ChannelPlace, Expiry, GuildPolicy, MemberCap,
        PolicyError, PolicySettings, Remaining, RoleId,
    };

    fn exp(s: &str) -> Expiry {
        s.parse().unwrap()
    }

    #[test]
    fn role_names_are_escaped_and_cut() {
        let text = render(
            &AdminOutcome::RoleAdded {
                role: AllowedRole::new(RoleId(5)),
                change: RoleChange::Added,
                cap: exp("7d"),
            },
            Some(&format!("**ml**{}", "x".repeat(300))),
        );
        assert!(text.starts_with("<@&5> (\\*\\*ml\\*\\*"), "{text}");
        assert!(text.chars().count() < 250, "{text}");
    }

    #[test]
    fn role_caps_are_named_when_set_changed_and_listed() {
        let capped = AllowedRole {
            role: RoleId(5),
            max_expiry: Some(exp("12h")),
        };
        let changed = render(
            &AdminOutcome::RoleAdded {
                role: capped,
                change: RoleChange::CapChanged { previous: None },
                cap: exp("12h"),
            },
            None,
        );
        assert!(
            changed.contains("from the server's maximum") && changed.contains("up to **12h**"),
            "{changed}"
        );
        let listed = render(
            &AdminOutcome::Roles(vec![
                (capped, exp("12h")),
                (AllowedRole::new(RoleId(6)), exp("7d")),
                (
                    AllowedRole {
                        role: RoleId(7),
                        max_expiry: Some(exp("7d")),
                    },
                    exp("1d"),
                ),
            ]),
            None,
        );
        assert!(listed.contains("<@&5>: **12h**\n"), "{listed}");
        assert!(
            listed.contains("<@&6>: **7d** (the server's maximum)"),
            "{listed}"
        );
        assert!(
            listed.contains("<@&7>: **1d** (own cap 7d, limited"),
            "{listed}"
        );
    }

    #[test]
    fn channels_and_policy_settings_are_listed() {
        let text = render(
            &AdminOutcome::Channels(vec![ChannelId(1), ChannelId(2)]),
            None,
        );
        assert!(text.contains("<#1>, <#2>"), "{text}");
        let view = PolicyView {
            effective: GuildPolicy::new(exp("1h"), exp("7d")).unwrap(),
            stored: PolicySettings {
                default_expiry: Some(exp("1h")),
                require_reason: true,
                audit_channel: Some(ChannelId(9)),
                ..PolicySettings::default()
            },
            configured: GuildPolicy::new(exp("1d"), exp("7d")).unwrap(),
        };
        let shown = render(&AdminOutcome::Policy(view), None);
        for expected in [
            "`default_expiry`: **1h** (set here)",
            "`max_expiry`: **7d** (the bot's default)",
            "`require_reason`: **yes**",
            "`audit_channel`: <#9>",
        ] {
            assert!(shown.contains(expected), "{expected} in {shown}");
        }
    }

    #[test]
    fn an_explanation_says_yes_or_no_and_why() {
        let policy = GuildPolicy::new(exp("1d"), exp("7d")).unwrap();
        let settings = crate::share::ports::GuildSettings {
            allowed_roles: vec![AllowedRole {
                role: RoleId(5),
                max_expiry: Some(exp("1h")),
            }],
            allowed_channels: vec![ChannelId(3)],
            ..Default::default()
        };
        let at = Some(ChannelPlace {
            channel: ChannelId(3),
            parent: None,
        });
        let remaining = Some(Remaining { user: 2, guild: 9 });
        let over =
            crate::share::explain(&settings, policy, &[RoleId(5)], at, Some("2h"), remaining);
        let text = render(
            &AdminOutcome::Explained {
                user: UserId(42),
                explanation: Box::new(over),
            },
            None,
        );
        assert!(
            text.starts_with("⛔ <@42> could not share in <#3>"),
            "{text}"
        );
        assert!(text.contains("above their cap of 1h"), "{text}");
        assert!(text.contains("2 more request(s)"), "{text}");
        let fine = crate::share::explain(&settings, policy, &[RoleId(5)], at, None, remaining);
        assert_eq!(
            fine.member,
            MemberCap::of(policy, &settings.allowed_roles, &[RoleId(5)])
        );
        let text = render(
            &AdminOutcome::Explained {
                user: UserId(42),
                explanation: Box::new(fine),
            },
            None,
        );
        assert!(text.starts_with("✅"), "{text}");
        assert!(
            text.contains("Without an expiry they would get 1h."),
            "{text}"
        );
        let elsewhere = crate::share::explain(
            &settings,
            policy,
            &[RoleId(6)],
            Some(ChannelPlace {
                channel: ChannelId(4),
                parent: None,
            }),
            None,
            remaining,
        );
        let text = render(
            &AdminOutcome::Explained {
                user: UserId(42),
                explanation: Box::new(elsewhere),
            },
            None,
        );
        assert!(text.contains("works only in <#3>"), "{text}");
        assert!(text.contains("none of their roles"), "{text}");
        assert!(text.contains("`channel_not_allowed`"), "{text}");
    }

    #[test]
    fn removing_the_last_role_says_nobody_can_share() {
        let text = render(
            &AdminOutcome::RoleRemoved {
                role: RoleId(5),
                changed: true,
                none_left: true,
            },
            None,
        );
        assert!(text.contains("nobody can share"), "{text}");
    }

    #[test]
    fn refusals_say_nothing_changed_and_why() {
        let max = Expiry::parse("1d", Expiry::HARD_MAX).unwrap();
        let default = Expiry::parse("2d", Expiry::HARD_MAX).unwrap();
        let text = render(
            &AdminOutcome::Refused(AdminRefusal::Policy(PolicyError::DefaultAboveMax {
                default,
                max,
            })),
            None,
        );
        assert!(
            text.starts_with("Nothing was changed:") && text.contains("longer than the maximum"),
            "{text}"
        );
        let shown = render(
            &AdminOutcome::Refused(AdminRefusal::UnknownSetting("**x**".into())),
            None,
        );
        assert!(shown.contains("\\*\\*x\\*\\*"), "{shown}");
    }

    #[test]
    fn the_audit_listing_fits_a_message_and_defuses_what_members_typed() {
        let entry = AuditEntry {
            created_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            user_id: "42".into(),
            target_type: "job".into(),
            target_id: format!("dlc\u{202e}{}", "y".repeat(500)),
            expire_seconds: Some(5_400),
            outcome: "invalid_input".into(),
            error_code: Some("invalid_id".into()),
        };
        let text = render(&AdminOutcome::Audit(vec![entry; 25]), None);
        assert!(text.chars().count() <= 2_000, "{}", text.chars().count());
        assert!(!text.contains('\u{202e}'));
        assert!(
            text.contains("for 1h30m") && text.contains("`invalid_id`"),
            "{text}"
        );
        assert!(text.ends_with('…'));
    }
}
