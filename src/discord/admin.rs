//! `/share-admin` answers: each [`AdminOutcome`] of the core in words. Nothing is decided here.

use std::time::Duration;

use crate::safe_text::{ECHO_MAX_CHARS, shorten, visible};
use crate::share::{AdminOutcome, format_duration};

use super::replies::{GUILD_NOT_ENABLED, code, escape, timestamps};

/// Discord messages stop at 2,000 characters; the audit listing stops a little before.
const LISTING_MAX_CHARS: usize = 1_900;

/// The reply text. `role_name` is the display name Discord resolved for a `role` option.
pub fn render(outcome: &AdminOutcome, role_name: Option<&str>) -> String {
    match outcome {
        AdminOutcome::GuildNotEnabled => GUILD_NOT_ENABLED.into(),
        AdminOutcome::NotAdmin => "Only server admins (Manage Server or Administrator, or a configured admin role) can use `/share-admin`.".into(),
        AdminOutcome::RoleAdded { role, changed } => {
            let name = role_label(role.get(), role_name);
            if *changed {
                format!("{name} may now share links with `/share`.")
            } else {
                format!("{name} was already allowed; nothing changed.")
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
            let list: Vec<String> = roles.iter().map(|r| format!("<@&{r}>")).collect();
            format!("Roles allowed to share: {}", list.join(", "))
        }
        AdminOutcome::Policy { policy, own } => {
            let source = if *own {
                "set by an admin of this server"
            } else {
                "the bot's configured defaults"
            };
            format!(
                "Default expiry: **{}**. Maximum expiry: **{}** ({source}).",
                policy.default_expiry(),
                policy.max_expiry()
            )
        }
        AdminOutcome::PolicyUpdated(policy) => format!(
            "Policy updated. Default expiry: **{}**. Maximum expiry: **{}**.",
            policy.default_expiry(),
            policy.max_expiry()
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
                    .map(|s| format!(" for {}", format_duration(Duration::from_secs(s.max(0).unsigned_abs()))))
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
    }
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
    use crate::share::{AdminRefusal, Expiry, GuildPolicy, PolicyError, RoleId};

    #[test]
    fn role_names_are_escaped_and_cut() {
        let text = render(
            &AdminOutcome::RoleAdded {
                role: RoleId(5),
                changed: true,
            },
            Some(&format!("**ml**{}", "x".repeat(300))),
        );
        assert!(text.starts_with("<@&5> (\\*\\*ml\\*\\*"), "{text}");
        assert!(text.chars().count() < 200, "{text}");
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
            &AdminOutcome::Policy {
                policy: GuildPolicy::new(max, max).unwrap(),
                own: false,
            },
            None,
        );
        assert!(shown.contains("configured defaults"), "{shown}");
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
