//! The guardrails admins set in chat, as decisions: where `/share` works, how
//! long a member may share for, and whether a reason is needed. One function, [`evaluate`],
//! decides a request after its input was read; `/share` and `/share-admin explain` both call
//! it, so a dry run cannot disagree with the real thing.

use super::lookup::{WorkspaceId, WorkspaceRule};
use super::{
    AllowedRole, ChannelId, Denial, ErrorCode, Expiry, GuildPolicy, RoleId, decide_access,
};
use crate::share::ports::{AuditOutcome, GuildSettings};

/// Longest reason kept, in characters.
pub const REASON_MAX_CHARS: usize = 200;

/// Where a request was made: the channel, and its parent when the channel is a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelPlace {
    pub channel: ChannelId,
    pub parent: Option<ChannelId>,
}

/// The channel allowlist's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelDecision {
    /// No channel is listed: `/share` works everywhere.
    Anywhere,
    /// The channel (or the thread's parent) is listed.
    Listed,
    /// Elsewhere: these are the channels where `/share` works.
    NotAllowed { allowed: Vec<ChannelId> },
}

/// With channels listed, only those work; a thread counts as its parent channel. An unknown
/// place (no channel in the interaction) is refused when any channel is listed.
pub fn decide_channel(allowed: &[ChannelId], place: Option<ChannelPlace>) -> ChannelDecision {
    if allowed.is_empty() {
        return ChannelDecision::Anywhere;
    }
    let listed = place.is_some_and(|p| {
        allowed.contains(&p.channel) || p.parent.is_some_and(|parent| allowed.contains(&parent))
    });
    if listed {
        ChannelDecision::Listed
    } else {
        ChannelDecision::NotAllowed {
            allowed: allowed.to_vec(),
        }
    }
}

/// How long one member may share for: the largest cap among their allowed roles, and their
/// default (the guild's, lowered to their cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberCap {
    /// The member's allowed roles, each with the cap in force.
    pub roles: Vec<(RoleId, Expiry)>,
    pub cap: Expiry,
    pub default: Expiry,
}

impl MemberCap {
    /// `None` when the member holds no allowed role.
    pub fn of(
        policy: GuildPolicy,
        allowed: &[AllowedRole],
        member_roles: &[RoleId],
    ) -> Option<MemberCap> {
        let roles: Vec<(RoleId, Expiry)> = allowed
            .iter()
            .filter(|a| member_roles.contains(&a.role))
            .map(|a| (a.role, a.cap(policy)))
            .collect();
        let cap = roles.iter().map(|(_, cap)| *cap).max()?;
        Some(MemberCap {
            roles,
            cap,
            default: policy.default_expiry().min(cap),
        })
    }

    /// The expiry granted for what the member asked (already within the guild's bounds).
    pub fn grant(&self, requested: Option<Expiry>) -> Result<Expiry, Refusal> {
        match requested {
            None => Ok(self.default),
            Some(e) if e > self.cap => Err(Refusal::AboveCap { cap: self.cap }),
            Some(e) => Ok(e),
        }
    }
}

/// A member's reason: 1–200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    #[error("the reason is empty")]
    Empty,
    #[error("the reason is {0} characters long; the most is {REASON_MAX_CHARS}")]
    TooLong(usize),
}

impl Reason {
    pub fn parse(raw: &str) -> Result<Reason, ReasonError> {
        let trimmed = raw.trim();
        match trimmed.chars().count() {
            0 => Err(ReasonError::Empty),
            n if n > REASON_MAX_CHARS => Err(ReasonError::TooLong(n)),
            _ => Ok(Reason(trimmed.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why the guardrails refuse a request whose input was fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Channel { allowed: Vec<ChannelId> },
    Access(Denial),
    AboveCap { cap: Expiry },
}

impl Refusal {
    /// The audit row's `error_code`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Refusal::Channel { .. } => ErrorCode::ChannelNotAllowed,
            Refusal::Access(denied) => denied.code(),
            Refusal::AboveCap { .. } => ErrorCode::ExpiryAboveRoleMax,
        }
    }
}

/// After the input, in order: channel → allowlist → expiry against the member's cap.
/// Returns the expiry to grant.
pub fn evaluate(
    settings: &GuildSettings,
    policy: GuildPolicy,
    place: Option<ChannelPlace>,
    member_roles: &[RoleId],
    requested: Option<Expiry>,
) -> Result<Expiry, Refusal> {
    if let ChannelDecision::NotAllowed { allowed } =
        decide_channel(&settings.allowed_channels, place)
    {
        return Err(Refusal::Channel { allowed });
    }
    decide_access(&settings.allowed_roles, member_roles).map_err(Refusal::Access)?;
    let cap = MemberCap::of(policy, &settings.allowed_roles, member_roles)
        .expect("an allowed member holds an allowed role");
    cap.grant(requested)
}

/// Why an approved request may no longer go ahead: settings change, and roles are taken away,
/// between a request and its approval or claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoLongerAllowed {
    /// The guild is no longer served, allows no role, or the requester holds no allowed role
    /// (or left the guild).
    Access(Denial),
    /// The guild's maximum was lowered below the expiry asked for.
    AboveMax { max: Expiry },
    /// Approvals are no longer set up, and the expiry is above the requester's cap.
    AboveCap { cap: Expiry },
    /// The target's workspace, recorded when the request was made, is outside the workspace
    /// rule in force now (or was never known while a rule applies).
    Workspace {
        workspace: Option<String>,
        allowed: Vec<WorkspaceId>,
    },
}

impl NoLongerAllowed {
    /// The audit row's outcome and `error_code`: the same as a `/share` refused for it.
    pub fn audit(&self) -> (AuditOutcome, ErrorCode) {
        match self {
            NoLongerAllowed::Access(denied) => (AuditOutcome::DeniedRole, denied.code()),
            NoLongerAllowed::AboveMax { .. } => {
                (AuditOutcome::InvalidInput, ErrorCode::InvalidExpiry)
            }
            NoLongerAllowed::AboveCap { .. } => {
                (AuditOutcome::InvalidInput, ErrorCode::ExpiryAboveRoleMax)
            }
            NoLongerAllowed::Workspace { .. } => (
                AuditOutcome::DeniedWorkspace,
                ErrorCode::WorkspaceNotAllowed,
            ),
        }
    }
}

/// An approval's recorded workspace against the target rule in force at its approval or
/// claim. A rule that applies and a workspace nobody recorded (the look-up was off or failed)
/// is refused: the target could be anywhere.
pub fn recheck_workspace(
    rule: &WorkspaceRule,
    workspace: Option<&str>,
) -> Result<(), NoLongerAllowed> {
    if !rule.restricts() {
        return Ok(());
    }
    let inside = workspace
        .and_then(|w| WorkspaceId::parse(w).ok())
        .is_some_and(|w| rule.allows(&w));
    if inside {
        Ok(())
    } else {
        Err(NoLongerAllowed::Workspace {
            workspace: workspace.map(str::to_owned),
            allowed: rule.allowed(),
        })
    }
}

/// An approval at the moment it is approved or claimed, against the settings in force then:
/// the guild is served, the requester (`member_roles`; `None` when they left the guild) holds
/// an allowed role, and the expiry is within the guild's maximum and within their cap, unless
/// approvals are still set up (the approval is what lets it past the cap).
pub fn recheck(
    served: bool,
    settings: &GuildSettings,
    policy: GuildPolicy,
    member_roles: Option<&[RoleId]>,
    expiry: Expiry,
) -> Result<(), NoLongerAllowed> {
    if !served {
        return Err(NoLongerAllowed::Access(Denial::GuildNotEnabled));
    }
    let roles = member_roles.unwrap_or_default();
    decide_access(&settings.allowed_roles, roles).map_err(NoLongerAllowed::Access)?;
    if expiry > policy.max_expiry() {
        return Err(NoLongerAllowed::AboveMax {
            max: policy.max_expiry(),
        });
    }
    let cap = MemberCap::of(policy, &settings.allowed_roles, roles)
        .expect("an allowed member holds an allowed role")
        .cap;
    if expiry > cap && settings.policy.approvals_channel.is_none() {
        return Err(NoLongerAllowed::AboveCap { cap });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(s: &str) -> Expiry {
        s.parse().unwrap()
    }

    fn role(id: u64, cap: Option<&str>) -> AllowedRole {
        AllowedRole {
            role: RoleId(id),
            max_expiry: cap.map(exp),
        }
    }

    fn policy(default: &str, max: &str) -> GuildPolicy {
        GuildPolicy::new(exp(default), exp(max)).unwrap()
    }

    fn place(channel: u64, parent: Option<u64>) -> Option<ChannelPlace> {
        Some(ChannelPlace {
            channel: ChannelId(channel),
            parent: parent.map(ChannelId),
        })
    }

    #[test]
    fn channels_listed_or_not() {
        let listed = [ChannelId(1), ChannelId(2)];
        let cases = [
            ("nothing listed", &[][..], place(9, None), true),
            ("nothing listed, no channel", &[][..], None, true),
            ("listed", &listed[..], place(2, None), true),
            ("not listed", &listed[..], place(3, None), false),
            (
                "thread in a listed channel",
                &listed[..],
                place(50, Some(1)),
                true,
            ),
            ("thread elsewhere", &listed[..], place(50, Some(3)), false),
            ("no channel at all", &listed[..], None, false),
        ];
        for (name, allowed, at, ok) in cases {
            let decision = decide_channel(allowed, at);
            assert_eq!(
                decision
                    != ChannelDecision::NotAllowed {
                        allowed: allowed.to_vec()
                    },
                ok,
                "{name}"
            );
            if allowed.is_empty() {
                assert_eq!(decision, ChannelDecision::Anywhere, "{name}");
            }
        }
    }

    #[test]
    fn a_members_cap_is_the_largest_of_their_allowed_roles() {
        let p = policy("1d", "7d");
        let allowed = [role(1, Some("2h")), role(2, Some("3d")), role(3, None)];
        type Case<'a> = (&'a str, &'a [u64], Option<(&'a str, &'a str)>);
        let cases: [Case; 6] = [
            ("one capped role", &[1], Some(("2h", "2h"))),
            (
                "two capped roles: the larger wins",
                &[1, 2],
                Some(("3d", "1d")),
            ),
            (
                "an uncapped role: the guild maximum",
                &[1, 3],
                Some(("7d", "1d")),
            ),
            (
                "roles not on the list do not count",
                &[1, 99],
                Some(("2h", "2h")),
            ),
            ("no allowed role", &[99], None),
            ("no roles", &[], None),
        ];
        for (name, member, expected) in cases {
            let roles: Vec<RoleId> = member.iter().map(|&r| RoleId(r)).collect();
            let got = MemberCap::of(p, &allowed, &roles)
                .map(|c| (c.cap.to_string(), c.default.to_string()));
            let expected = expected.map(|(c, d)| (c.to_owned(), d.to_owned()));
            assert_eq!(got, expected, "{name}");
        }
        let two = MemberCap::of(p, &allowed, &[RoleId(1), RoleId(2)]).unwrap();
        assert_eq!(two.roles, [(RoleId(1), exp("2h")), (RoleId(2), exp("3d"))]);
    }

    #[test]
    fn a_cap_above_a_lowered_guild_maximum_is_lowered_with_it() {
        let cap = MemberCap::of(policy("1h", "1d"), &[role(1, Some("3d"))], &[RoleId(1)]).unwrap();
        assert_eq!(cap.cap, exp("1d"));
        assert_eq!(cap.default, exp("1h"));
    }

    #[test]
    fn the_cap_bounds_what_is_granted() {
        let cap = MemberCap::of(policy("1d", "7d"), &[role(1, Some("12h"))], &[RoleId(1)]).unwrap();
        assert_eq!(
            cap.grant(None),
            Ok(exp("12h")),
            "default lowered to the cap"
        );
        assert_eq!(
            cap.grant(Some(exp("12h"))),
            Ok(exp("12h")),
            "the cap itself"
        );
        assert_eq!(cap.grant(Some(exp("1h"))), Ok(exp("1h")));
        assert_eq!(
            cap.grant(Some(exp("13h"))),
            Err(Refusal::AboveCap { cap: exp("12h") })
        );
    }

    #[test]
    fn reasons_are_one_to_two_hundred_characters() {
        assert_eq!(
            Reason::parse("  debugging  ").unwrap().as_str(),
            "debugging"
        );
        assert_eq!(Reason::parse("   "), Err(ReasonError::Empty));
        assert!(Reason::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            Reason::parse(&"é".repeat(201)),
            Err(ReasonError::TooLong(201))
        );
    }

    #[test]
    fn the_order_is_channel_then_allowlist_then_cap() {
        let settings = GuildSettings {
            allowed_roles: vec![role(1, Some("1h"))],
            allowed_channels: vec![ChannelId(7)],
            ..GuildSettings::default()
        };
        let p = policy("1d", "7d");
        let long = Some(exp("2h"));
        // Wrong channel, wrong role and above the cap: the channel is named first.
        assert_eq!(
            evaluate(&settings, p, place(8, None), &[RoleId(2)], long),
            Err(Refusal::Channel {
                allowed: vec![ChannelId(7)]
            })
        );
        assert_eq!(
            evaluate(&settings, p, place(7, None), &[RoleId(2)], long),
            Err(Refusal::Access(Denial::MissingRole))
        );
        assert_eq!(
            evaluate(&settings, p, place(7, None), &[RoleId(1)], long),
            Err(Refusal::AboveCap { cap: exp("1h") })
        );
        assert_eq!(
            evaluate(&settings, p, place(7, None), &[RoleId(1)], None),
            Ok(exp("1h"))
        );
        let empty = GuildSettings::default();
        assert_eq!(
            evaluate(&empty, p, place(7, None), &[RoleId(1)], None),
            Err(Refusal::Access(Denial::EmptyAllowlist))
        );
    }

    #[test]
    fn refusal_codes_follow_the_spec() {
        let codes = [
            (Refusal::Channel { allowed: vec![] }, "channel_not_allowed"),
            (Refusal::Access(Denial::EmptyAllowlist), "empty_allowlist"),
            (Refusal::Access(Denial::MissingRole), "missing_role"),
            (
                Refusal::Access(Denial::GuildNotEnabled),
                "guild_not_enabled",
            ),
            (
                Refusal::AboveCap { cap: Expiry::MIN },
                "expiry_above_role_max",
            ),
        ];
        for (refusal, code) in codes {
            assert_eq!(refusal.code().as_str(), code, "{refusal:?}");
        }
    }

    #[test]
    fn recheck_holds_an_approval_to_the_rules_in_force() {
        let settings = |approvals: bool| {
            let mut s = GuildSettings {
                allowed_roles: vec![role(1, Some("1h")), role(2, None)],
                ..GuildSettings::default()
            };
            s.policy.approvals_channel = approvals.then_some(ChannelId(9));
            s
        };
        let p = policy("1h", "2d");
        let capped = [RoleId(1)];
        let uncapped = [RoleId(2)];
        let none: [RoleId; 0] = [];
        type Case<'a> = (
            &'a str,
            bool,
            bool,
            Option<&'a [RoleId]>,
            &'a str,
            Result<(), NoLongerAllowed>,
        );
        let cases: [Case; 8] = [
            (
                "within the maximum, approvals on",
                true,
                true,
                Some(&capped),
                "2d",
                Ok(()),
            ),
            (
                "at the cap, approvals off",
                true,
                false,
                Some(&capped),
                "1h",
                Ok(()),
            ),
            (
                "above the cap, approvals off",
                true,
                false,
                Some(&capped),
                "2h",
                Err(NoLongerAllowed::AboveCap { cap: exp("1h") }),
            ),
            (
                "uncapped role, approvals off",
                true,
                false,
                Some(&uncapped),
                "2d",
                Ok(()),
            ),
            (
                "above the maximum",
                true,
                true,
                Some(&uncapped),
                "3d",
                Err(NoLongerAllowed::AboveMax { max: exp("2d") }),
            ),
            (
                "no allowed role",
                true,
                true,
                Some(&none),
                "1h",
                Err(NoLongerAllowed::Access(Denial::MissingRole)),
            ),
            (
                "not a member",
                true,
                true,
                None,
                "1h",
                Err(NoLongerAllowed::Access(Denial::MissingRole)),
            ),
            (
                "guild not served",
                false,
                true,
                Some(&uncapped),
                "1h",
                Err(NoLongerAllowed::Access(Denial::GuildNotEnabled)),
            ),
        ];
        for (what, served, approvals, roles, expiry, expected) in cases {
            assert_eq!(
                recheck(served, &settings(approvals), p, roles, exp(expiry)),
                expected,
                "{what}"
            );
        }
        let empty = GuildSettings::default();
        assert_eq!(
            recheck(true, &empty, p, Some(&uncapped), exp("1h")),
            Err(NoLongerAllowed::Access(Denial::EmptyAllowlist))
        );
    }

    #[test]
    fn an_approvals_recorded_workspace_is_checked_against_the_rule_in_force() {
        let rule = |workspaces: &[&str]| {
            WorkspaceRule::Only(
                workspaces
                    .iter()
                    .map(|w| WorkspaceId::parse(w).unwrap())
                    .collect(),
            )
        };
        assert_eq!(
            recheck_workspace(&WorkspaceRule::Any, None),
            Ok(()),
            "no rule"
        );
        assert_eq!(recheck_workspace(&WorkspaceRule::Any, Some("ws-a")), Ok(()));
        assert_eq!(recheck_workspace(&rule(&["ws-a"]), Some("ws-a")), Ok(()));
        for recorded in [Some("ws-b"), None, Some("not a workspace")] {
            let refused = recheck_workspace(&rule(&["ws-a"]), recorded).unwrap_err();
            assert_eq!(
                refused.audit(),
                (
                    AuditOutcome::DeniedWorkspace,
                    ErrorCode::WorkspaceNotAllowed
                ),
                "{recorded:?}"
            );
        }
    }
}
