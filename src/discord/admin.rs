//! `/share-admin` answers: each [`AdminOutcome`] of the core in the admin's words (the
//! messages are in `locales/*/admin.ftl`). Nothing is decided here.

use serenity::all::EditInteractionResponse;

use super::i18n::{Lang, sentences, tr};
use super::replies::{self, channel_list, code, escape, timestamps};
use crate::safe_text::{ECHO_MAX_CHARS, shorten, visible};
use crate::share::ports::{AuditEntry, RoleChange};
use crate::share::{
    AdminOutcome, AdminRefusal, ChannelDecision, Denial, Expiry, ExpiryVerdict, Explanation,
    PolicyError, PolicySetting, PolicyView, Refusal, TargetCheck, TargetDetails, TargetType,
    TargetVerdict, UserId, WorkspaceRule,
};

/// Discord messages stop at 2,000 characters; the audit listing stops a little before.
const LISTING_MAX_CHARS: usize = 1_900;

/// The ephemeral reply in the admin's language, mentioning nobody (role and channel mentions
/// render without pinging).
pub fn reply(
    lang: Lang,
    outcome: &AdminOutcome,
    role_name: Option<&str>,
) -> EditInteractionResponse {
    replies::text(render(lang, outcome, role_name))
}

/// The reply text. `role_name` is the display name Discord resolved for a `role` option.
pub fn render(lang: Lang, outcome: &AdminOutcome, role_name: Option<&str>) -> String {
    let exp = |e: Expiry| replies::expiry(lang, e);
    match outcome {
        AdminOutcome::GuildNotEnabled => tr!(lang, "guild-not-enabled"),
        AdminOutcome::NotAdmin => tr!(lang, "not-admin"),
        AdminOutcome::RoleAdded { role, change, cap } => {
            let name = role_label(lang, role.role.get(), role_name);
            let limit = match role.max_expiry {
                Some(own) if own == *cap => tr!(lang, "role-limit-own", cap = exp(*cap)),
                Some(own) => tr!(
                    lang,
                    "role-limit-own-above-max",
                    cap = exp(*cap),
                    own = exp(own)
                ),
                None => tr!(lang, "role-limit-server-max", cap = exp(*cap)),
            };
            match change {
                RoleChange::Added => tr!(lang, "role-added", role = name, limit = limit),
                RoleChange::CapChanged { previous } => {
                    let before =
                        previous.map_or_else(|| tr!(lang, "role-cap-before-server-max"), &exp);
                    tr!(
                        lang,
                        "role-cap-changed",
                        role = name,
                        before = before,
                        limit = limit
                    )
                }
                RoleChange::Unchanged => tr!(lang, "role-unchanged", role = name, limit = limit),
            }
        }
        AdminOutcome::RoleRemoved {
            role,
            changed,
            none_left,
        } => {
            let name = role_label(lang, role.get(), role_name);
            let mut reply = vec![if *changed {
                tr!(lang, "role-removed", role = name)
            } else {
                tr!(lang, "role-not-listed", role = name)
            }];
            if *none_left {
                reply.push(tr!(lang, "roles-none-left"));
            }
            sentences(lang, &reply)
        }
        AdminOutcome::Roles(roles) if roles.is_empty() => tr!(lang, "roles-empty"),
        AdminOutcome::Roles(roles) => {
            let mut out = vec![tr!(lang, "roles-heading")];
            for (role, cap) in roles {
                let mention = format!("<@&{}>", role.role);
                out.push(match role.max_expiry {
                    Some(own) if own != *cap => tr!(
                        lang,
                        "roles-line-limited",
                        role = mention,
                        cap = exp(*cap),
                        own = exp(own)
                    ),
                    Some(_) => tr!(lang, "roles-line", role = mention, cap = exp(*cap)),
                    None => tr!(
                        lang,
                        "roles-line-server-max",
                        role = mention,
                        cap = exp(*cap)
                    ),
                });
            }
            out.join("\n")
        }
        AdminOutcome::ChannelAdded {
            channel,
            changed: true,
        } => tr!(lang, "channel-added", channel = format!("<#{channel}>")),
        AdminOutcome::ChannelAdded {
            channel,
            changed: false,
        } => tr!(
            lang,
            "channel-already-listed",
            channel = format!("<#{channel}>")
        ),
        AdminOutcome::ChannelRemoved {
            channel,
            changed,
            none_left,
        } => {
            let channel = format!("<#{channel}>");
            let mut reply = vec![if *changed {
                tr!(lang, "channel-removed", channel = channel)
            } else {
                tr!(lang, "channel-not-listed", channel = channel)
            }];
            if *none_left {
                reply.push(tr!(lang, "channels-none-left"));
            }
            sentences(lang, &reply)
        }
        AdminOutcome::WorkspaceAdded {
            workspace,
            changed: true,
        } => tr!(
            lang,
            "workspace-added",
            workspace = code(workspace.as_str())
        ),
        AdminOutcome::WorkspaceAdded {
            workspace,
            changed: false,
        } => tr!(
            lang,
            "workspace-already-listed",
            workspace = code(workspace.as_str())
        ),
        AdminOutcome::WorkspaceRemoved {
            workspace,
            changed,
            none_left,
        } => {
            let workspace = code(workspace.as_str());
            let mut reply = vec![if *changed {
                tr!(lang, "workspace-removed", workspace = workspace)
            } else {
                tr!(lang, "workspace-not-listed", workspace = workspace)
            }];
            if *none_left {
                reply.push(tr!(lang, "workspaces-none-left"));
            }
            reply.join("\n")
        }
        AdminOutcome::Workspaces { listed, rule } => {
            let listed = if listed.is_empty() {
                tr!(lang, "workspaces-empty")
            } else {
                tr!(
                    lang,
                    "workspaces-list",
                    workspaces = replies::workspace_list(lang, listed)
                )
            };
            let in_force = match rule {
                WorkspaceRule::Any => tr!(lang, "workspaces-rule-any"),
                WorkspaceRule::Only(allowed) if allowed.is_empty() => {
                    tr!(lang, "workspaces-rule-none")
                }
                WorkspaceRule::Only(allowed) => tr!(
                    lang,
                    "workspaces-rule-only",
                    workspaces = replies::workspace_list(lang, allowed)
                ),
                WorkspaceRule::Unchecked => tr!(lang, "workspaces-rule-unchecked"),
            };
            format!("{listed}\n{in_force}")
        }
        AdminOutcome::Channels(channels) if channels.is_empty() => tr!(lang, "channels-empty"),
        AdminOutcome::Channels(channels) => tr!(
            lang,
            "channels-list",
            channels = channel_list(lang, channels)
        ),
        AdminOutcome::Policy(view) => {
            format!(
                "{}\n{}",
                tr!(lang, "policy-heading"),
                policy_lines(lang, view)
            )
        }
        AdminOutcome::PolicyUpdated(view) => format!(
            "{}\n{}",
            tr!(lang, "policy-updated-heading"),
            policy_lines(lang, view)
        ),
        AdminOutcome::PolicyCleared { setting, view } => format!(
            "{}\n{}",
            tr!(lang, "policy-cleared-heading", setting = setting.as_str()),
            policy_lines(lang, view)
        ),
        AdminOutcome::Refused(refusal) => tr!(lang, "refused", why = refusal_text(lang, refusal)),
        AdminOutcome::StorageUnavailable => tr!(lang, "storage-unavailable"),
        AdminOutcome::Audit(rows) if rows.is_empty() => tr!(lang, "audit-empty"),
        AdminOutcome::Audit(rows) => {
            let mut out = tr!(lang, "audit-heading", count = rows.len());
            out.push('\n');
            for r in rows {
                let line = audit_line(lang, r);
                if out.len() + line.len() + 1 > LISTING_MAX_CHARS {
                    out.push('…');
                    break;
                }
                out.push_str(&line);
                out.push('\n');
            }
            out
        }
        AdminOutcome::Explained { user, explanation } => explanation_text(lang, *user, explanation),
    }
}

/// One row of `/share-admin audit`. Rows hold what members typed: an invalid target id can be
/// anything, so it is cut and shown as inline code.
fn audit_line(lang: Lang, r: &AuditEntry) -> String {
    let target = match r.target_type.parse::<TargetType>() {
        Ok(t) => replies::target(lang, t),
        Err(_) => visible(&r.target_type).into_owned(),
    };
    let what = tr!(
        lang,
        "audit-line-what",
        when = timestamps(lang, r.created_at.timestamp()),
        user = format!("<@{}>", escape(&r.user_id)),
        target = target,
        id = replies::target_with_name(&r.target_id, r.target_name.as_deref())
    );
    let what = match &r.workspace_id {
        Some(w) => {
            let workspace = code(&shorten(w, ECHO_MAX_CHARS));
            format!(
                "{what} {}",
                tr!(lang, "audit-line-workspace", workspace = workspace)
            )
        }
        None => what,
    };
    replies::attempt(
        lang,
        what,
        r.expire_seconds,
        &r.outcome,
        r.error_code.as_deref(),
    )
}

/// Why an admin's change was refused, as the middle of "Nothing was changed: …".
fn refusal_text(lang: Lang, refusal: &AdminRefusal) -> String {
    match refusal {
        AdminRefusal::NothingToSet => tr!(lang, "refusal-nothing-to-set"),
        AdminRefusal::Expiry { option, source } => tr!(
            lang,
            "refusal-expiry",
            option = *option,
            error = replies::expiry_error(lang, source)
        ),
        AdminRefusal::Policy(PolicyError::DefaultAboveMax { default, max }) => tr!(
            lang,
            "refusal-default-above-max",
            default = replies::expiry(lang, *default),
            max = replies::expiry(lang, *max)
        ),
        AdminRefusal::UnknownSetting(setting) => tr!(
            lang,
            "refusal-unknown-setting",
            setting = code(&shorten(setting, ECHO_MAX_CHARS))
        ),
        AdminRefusal::NotAMember => tr!(lang, "refusal-not-a-member"),
        AdminRefusal::TargetId { raw, error } => tr!(
            lang,
            "refusal-target-id",
            id = code(&shorten(raw, ECHO_MAX_CHARS)),
            error = replies::id_error(lang, error)
        ),
        AdminRefusal::Workspace { raw, .. } => tr!(
            lang,
            "refusal-workspace-id",
            workspace = code(&shorten(raw, ECHO_MAX_CHARS))
        ),
        AdminRefusal::WorkspaceOutside { workspace, allowed } => tr!(
            lang,
            "refusal-workspace-outside",
            workspace = code(workspace.as_str()),
            workspaces = replies::workspace_list(lang, allowed)
        ),
        AdminRefusal::LookupOff => tr!(lang, "refusal-lookup-off"),
    }
}

/// Every guild setting, each saying whether it is this server's own or the default.
/// Which workspaces links can come from, as `policy show` states it.
fn workspaces_line(lang: Lang, lookup: bool, rule: &WorkspaceRule) -> String {
    match rule {
        WorkspaceRule::Any if !lookup => tr!(lang, "policy-lookup-off"),
        WorkspaceRule::Any => tr!(lang, "policy-workspaces-any"),
        WorkspaceRule::Unchecked => tr!(lang, "policy-workspaces-unchecked"),
        WorkspaceRule::Only(allowed) if allowed.is_empty() => tr!(lang, "workspaces-rule-none"),
        WorkspaceRule::Only(allowed) => tr!(
            lang,
            "policy-workspaces-only",
            workspaces = replies::workspace_list(lang, allowed)
        ),
    }
}

fn policy_lines(lang: Lang, view: &PolicyView) -> String {
    let exp = |e: Expiry| replies::expiry(lang, e);
    let source = |own: bool| {
        if own {
            tr!(lang, "policy-source-here")
        } else {
            tr!(lang, "policy-source-default")
        }
    };
    let s = &view.stored;
    let line = |setting: PolicySetting, value: String, source: String| {
        tr!(
            lang,
            "policy-line",
            setting = setting.as_str(),
            value = value,
            source = source
        )
    };
    let plain = |setting: PolicySetting, value: String| {
        tr!(
            lang,
            "policy-line-plain",
            setting = setting.as_str(),
            value = value
        )
    };
    let default_source = match s.default_expiry {
        Some(_) => source(true),
        None if view.effective.default_expiry() != view.configured.default_expiry() => tr!(
            lang,
            "policy-source-default-lowered",
            configured = exp(view.configured.default_expiry())
        ),
        None => source(false),
    };
    let yes_no = if s.require_reason {
        tr!(lang, "policy-yes")
    } else {
        tr!(lang, "policy-no")
    };
    [
        line(
            PolicySetting::DefaultExpiry,
            exp(view.effective.default_expiry()),
            default_source,
        ),
        line(
            PolicySetting::MaxExpiry,
            exp(view.effective.max_expiry()),
            source(s.max_expiry.is_some()),
        ),
        plain(PolicySetting::RequireReason, format!("**{yes_no}**")),
        plain(
            PolicySetting::AuditChannel,
            s.audit_channel
                .map_or_else(|| tr!(lang, "policy-none"), |c| format!("<#{c}>")),
        ),
        plain(
            PolicySetting::ApprovalsChannel,
            s.approvals_channel
                .map_or_else(|| tr!(lang, "policy-approvals-none"), |c| format!("<#{c}>")),
        ),
        plain(
            PolicySetting::ApproverRole,
            s.approver_role.map_or_else(
                || tr!(lang, "policy-approver-none"),
                |r| tr!(lang, "policy-approver-role", role = format!("<@&{r}>")),
            ),
        ),
        workspaces_line(lang, view.lookup, &view.workspaces),
        tr!(
            lang,
            "policy-defaults",
            default = exp(view.configured.default_expiry()),
            max = exp(view.configured.max_expiry())
        ),
    ]
    .join("\n")
}

fn explanation_text(lang: Lang, user: UserId, e: &Explanation) -> String {
    let exp = |x: Expiry| replies::expiry(lang, x);
    let who = format!("<@{user}>");
    let here = e.place.map_or_else(
        || tr!(lang, "explain-here"),
        |p| tr!(lang, "explain-in", channel = format!("<#{}>", p.channel)),
    );
    let headline = if e.would_share() {
        tr!(lang, "explain-would-share", user = who, place = here)
    } else if e.sent_for_approval()
        && matches!(e.verdict, Err(Refusal::AboveCap { .. }))
        && e.remaining.is_some_and(|r| r.requests() > 0)
    {
        tr!(lang, "explain-needs-approval", user = who, place = here)
    } else {
        tr!(lang, "explain-would-not", user = who, place = here)
    };
    let channel = match &e.channel {
        ChannelDecision::Anywhere => tr!(lang, "explain-channel-anywhere"),
        ChannelDecision::Listed => tr!(lang, "explain-channel-listed"),
        ChannelDecision::NotAllowed { allowed } => tr!(
            lang,
            "explain-channel-not-allowed",
            channels = channel_list(lang, allowed)
        ),
    };
    let roles = match (&e.access, &e.member) {
        (Err(Denial::EmptyAllowlist), _) => tr!(lang, "explain-roles-empty"),
        (_, Some(m)) => {
            let list: Vec<String> = m
                .roles
                .iter()
                .map(|(r, cap)| {
                    tr!(
                        lang,
                        "explain-role-cap",
                        role = format!("<@&{r}>"),
                        cap = exp(*cap)
                    )
                })
                .collect();
            tr!(
                lang,
                "explain-roles",
                roles = list.join(&tr!(lang, "list-joiner")),
                cap = exp(m.cap),
                default = exp(m.default)
            )
        }
        _ => tr!(lang, "explain-roles-none"),
    };
    let (default, max) = (exp(e.policy.default_expiry()), exp(e.policy.max_expiry()));
    let policy = if e.require_reason {
        tr!(
            lang,
            "explain-server-reason-required",
            default = default,
            max = max
        )
    } else {
        tr!(
            lang,
            "explain-server-reason-optional",
            default = default,
            max = max
        )
    };
    let expiry = match &e.expiry {
        None => None,
        Some(ExpiryVerdict::Granted(x)) if e.member.is_some() => {
            Some(tr!(lang, "explain-expiry-granted", expiry = exp(*x)))
        }
        Some(ExpiryVerdict::Granted(x)) => {
            Some(tr!(lang, "explain-expiry-no-role", expiry = exp(*x)))
        }
        Some(ExpiryVerdict::AboveCap { cap }) => {
            Some(tr!(lang, "explain-expiry-above-cap", cap = exp(*cap)))
        }
        Some(ExpiryVerdict::Invalid(err)) => Some(tr!(
            lang,
            "explain-expiry-invalid",
            error = replies::expiry_error(lang, err)
        )),
    };
    let verdict = match &e.verdict {
        Ok(x) if e.expiry.is_none() => Some(tr!(lang, "explain-default", expiry = exp(*x))),
        Ok(_) => None,
        Err(Refusal::AboveCap { .. }) => None,
        Err(r) => Some(tr!(
            lang,
            "explain-first-refusal",
            code = code(r.code().as_str())
        )),
    };
    let limit = match e.remaining {
        Some(r) => tr!(
            lang,
            "explain-rate-limit",
            requests = r.requests(),
            user = r.user,
            guild = r.guild
        ),
        None => tr!(lang, "explain-rate-limit-unknown"),
    };
    let workspaces = e
        .workspaces
        .as_ref()
        .map(|(lookup, rule)| workspaces_line(lang, *lookup, rule));
    let target = e.target.as_ref().map(|t| target_line(lang, t));
    [
        Some(headline),
        Some(channel),
        Some(roles),
        Some(policy),
        workspaces,
        target,
        expiry,
        verdict,
        Some(limit),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n")
}

/// What `/share` would make of the target an admin asked about.
fn target_line(lang: Lang, t: &TargetCheck) -> String {
    let id = code(t.id.as_str());
    let kind = |looked_up_as: Option<TargetType>| match looked_up_as {
        Some(TargetType::Tensorboard) => tr!(lang, "explain-target-tensorboard"),
        _ => tr!(lang, "explain-target-job"),
    };
    let found = |d: &TargetDetails| {
        tr!(
            lang,
            "explain-target-found",
            kind = kind(t.looked_up_as),
            name = escape(&d.name),
            // A fresh look-up's details always carry a status.
            status = d.status.as_deref().map(code).unwrap_or_default(),
            workspace = code(d.workspace_id.as_str())
        )
    };
    match &t.verdict {
        TargetVerdict::Share {
            details: Some(d), ..
        } => tr!(lang, "explain-target-shared", id = id, found = found(d)),
        TargetVerdict::Share {
            details: None,
            failure: None,
        } => tr!(lang, "explain-target-not-looked-up", id = id),
        TargetVerdict::Share {
            details: None,
            failure: Some(f),
        } => tr!(
            lang,
            "explain-target-lookup-failed-shared",
            id = id,
            code = code(&f.code)
        ),
        TargetVerdict::NotFound => tr!(lang, "explain-target-not-found", id = id),
        // Its name is not shown: nobody here may share it.
        TargetVerdict::OutsideRule {
            workspace: Some(w),
            allowed,
        } => tr!(
            lang,
            "explain-target-outside",
            id = id,
            kind = kind(t.looked_up_as),
            workspace = code(w.as_str()),
            workspaces = replies::workspace_list(lang, allowed)
        ),
        TargetVerdict::OutsideRule {
            workspace: None, ..
        } => {
            tr!(lang, "explain-target-unchecked", id = id)
        }
        TargetVerdict::Unknown(f) => tr!(
            lang,
            "explain-target-lookup-failed-refused",
            id = id,
            code = code(&f.code)
        ),
    }
}

fn role_label(lang: Lang, id: u64, name: Option<&str>) -> String {
    let role = format!("<@&{id}>");
    match name {
        Some(n) => tr!(
            lang,
            "role-with-name",
            role = role,
            name = escape(&shorten(n, ECHO_MAX_CHARS))
        ),
        None => role,
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
            Lang::En,
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
            Lang::En,
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
            Lang::En,
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
            Lang::En,
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
            lookup: true,
            workspaces: WorkspaceRule::Only(vec![
                crate::share::WorkspaceId::parse("ws-vision").unwrap(),
            ]),
        };
        let shown = render(Lang::En, &AdminOutcome::Policy(view.clone()), None);
        for expected in [
            "`default_expiry`: **1h** (set here)",
            "`max_expiry`: **7d** (the bot's default)",
            "`require_reason`: **yes**",
            "`audit_channel`: <#9>",
            "Workspaces: only `ws-vision`",
        ] {
            assert!(shown.contains(expected), "{expected} in {shown}");
        }
        for (lookup, workspaces, expected) in [
            (true, WorkspaceRule::Any, "Workspaces: any"),
            (true, WorkspaceRule::Only(vec![]), "nothing can be shared"),
            (false, WorkspaceRule::Any, "not looked up"),
            (false, WorkspaceRule::Unchecked, "Workspaces: none"),
        ] {
            let view = PolicyView {
                lookup,
                workspaces,
                ..view.clone()
            };
            let shown = render(Lang::En, &AdminOutcome::Policy(view), None);
            assert!(shown.contains(expected), "{expected} in {shown}");
        }
    }

    #[test]
    fn workspace_rules_and_refusals_name_the_workspaces() {
        let ws = |w: &str| crate::share::WorkspaceId::parse(w).unwrap();
        let none = render(
            Lang::En,
            &AdminOutcome::Workspaces {
                listed: vec![ws("ws-a")],
                rule: WorkspaceRule::Only(vec![]),
            },
            None,
        );
        assert!(none.contains("This server lists: `ws-a`"), "{none}");
        assert!(none.contains("nothing can be shared"), "{none}");
        let unchecked = render(
            Lang::En,
            &AdminOutcome::Workspaces {
                listed: vec![ws("ws-a")],
                rule: WorkspaceRule::Unchecked,
            },
            None,
        );
        assert!(
            unchecked.contains("turned the look-up off") && unchecked.contains("workspaces remove"),
            "{unchecked}"
        );
        let outside = render(
            Lang::En,
            &AdminOutcome::Refused(AdminRefusal::WorkspaceOutside {
                workspace: ws("ws-c"),
                allowed: vec![ws("ws-a"), ws("ws-b")],
            }),
            None,
        );
        assert!(outside.contains("Nothing was changed"), "{outside}");
        assert!(
            outside.contains("`ws-c`") && outside.contains("`ws-a`, `ws-b`"),
            "{outside}"
        );
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
        let mut over =
            crate::share::explain(&settings, policy, &[RoleId(5)], at, Some("2h"), remaining);
        over.workspaces = Some((
            true,
            WorkspaceRule::Only(vec![crate::share::WorkspaceId::parse("ws-a").unwrap()]),
        ));
        let text = render(
            Lang::En,
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
        assert!(text.contains("Workspaces: only `ws-a`"), "{text}");
        assert!(text.contains("2 more requests right now"), "{text}");
        let fine = crate::share::explain(&settings, policy, &[RoleId(5)], at, None, remaining);
        assert_eq!(
            fine.member,
            MemberCap::of(policy, &settings.allowed_roles, &[RoleId(5)])
        );
        let text = render(
            Lang::En,
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
            Lang::En,
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
    fn an_explanation_with_an_id_says_what_becomes_of_the_target() {
        use crate::share::ports::{IssueFailure, IssueFailureKind};
        use crate::share::{TargetId, WorkspaceId};
        let ws = |w: &str| WorkspaceId::parse(w).unwrap();
        let hostile = TargetDetails::new(
            &format!("**bold** @everyone \u{202E}{}", "n".repeat(5_000)),
            "Running",
            ws("1001"),
            None,
        );
        let failure = IssueFailure {
            kind: IssueFailureKind::Throttled,
            code: "Throttling.User".into(),
            message: "slow down".into(),
            request_id: None,
        };
        let cases = [
            (
                Some(TargetType::Job),
                TargetVerdict::Share {
                    details: Some(hostile.clone()),
                    failure: None,
                },
                "it would be shared",
            ),
            (
                None,
                TargetVerdict::Share {
                    details: None,
                    failure: None,
                },
                "not looked up",
            ),
            (
                Some(TargetType::Job),
                TargetVerdict::Share {
                    details: None,
                    failure: Some(failure.clone()),
                },
                "shared without its details",
            ),
            (
                None,
                TargetVerdict::NotFound,
                "no job or TensorBoard has this id",
            ),
            (
                Some(TargetType::Tensorboard),
                TargetVerdict::OutsideRule {
                    workspace: Some(ws("1001")),
                    allowed: vec![ws("1002")],
                },
                "a TensorBoard in workspace `1001`, outside the workspaces allowed here (`1002`)",
            ),
            (
                None,
                TargetVerdict::OutsideRule {
                    workspace: None,
                    allowed: vec![],
                },
                "does not look targets up",
            ),
            (
                Some(TargetType::Job),
                TargetVerdict::Unknown(failure.clone()),
                "`Throttling.User`) and a workspace rule applies",
            ),
        ];
        let policy = GuildPolicy::new(exp("1d"), exp("7d")).unwrap();
        let settings = crate::share::ports::GuildSettings::default();
        for (looked_up_as, verdict, says) in cases {
            let mut e = crate::share::explain(&settings, policy, &[RoleId(5)], None, None, None);
            e.target = Some(TargetCheck {
                id: TargetId::parse("dlc1").unwrap(),
                looked_up_as,
                verdict: verdict.clone(),
            });
            let text = render(
                Lang::En,
                &AdminOutcome::Explained {
                    user: UserId(42),
                    explanation: Box::new(e),
                },
                None,
            );
            assert!(text.contains("Target `dlc1`: "), "{text}");
            assert!(text.contains(says), "{verdict:?}: {text}");
            assert!(
                !text.contains("**bold**") && !text.contains('\u{202E}'),
                "{text}"
            );
            assert!(!text.contains(" @everyone"), "mentions are defused: {text}");
            assert!(!text.contains(&"n".repeat(100)), "the name is cut: {text}");
        }
    }

    #[test]
    fn removing_the_last_role_says_nobody_can_share() {
        let text = render(
            Lang::En,
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
            Lang::En,
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
            Lang::En,
            &AdminOutcome::Refused(AdminRefusal::UnknownSetting("**x**".into())),
            None,
        );
        assert!(shown.contains("`**x**` is not a setting"), "{shown}");
    }

    #[test]
    fn the_audit_listing_fits_a_message_and_defuses_what_members_typed() {
        let entry = AuditEntry {
            created_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            user_id: "42".into(),
            target_type: "job".into(),
            target_id: format!("dlc\u{202e}{}", "y".repeat(500)),
            target_name: Some(format!("<@&1> **{}**", "n".repeat(5_000))),
            workspace_id: Some(format!("ws`{}", "w".repeat(500))),
            expire_seconds: Some(5_400),
            outcome: "invalid_input".into(),
            error_code: Some("invalid_id".into()),
        };
        let text = render(
            Lang::En,
            &AdminOutcome::Audit(vec![entry.clone(); 25]),
            None,
        );
        assert!(text.chars().count() <= 2_000, "{}", text.chars().count());
        assert!(!text.contains('\u{202e}'));
        assert!(
            text.contains("for 1h30m") && text.contains("`invalid_id`"),
            "{text}"
        );
        assert!(text.ends_with('…'));

        // A row refused for its workspace has no name, only the workspace.
        let refused = AuditEntry {
            target_id: "dlc-secret".into(),
            target_name: None,
            workspace_id: Some("ws-secret".into()),
            outcome: "denied_workspace".into(),
            error_code: Some("workspace_not_allowed".into()),
            ..entry
        };
        let text = render(Lang::En, &AdminOutcome::Audit(vec![refused]), None);
        assert!(
            text.contains("`dlc-secret` in workspace `ws-secret`"),
            "{text}"
        );
    }
}
