//! `/share-admin explain`: what `/share` would decide for one member in one channel,
//! as data, from the same [`evaluate`] the real flow calls. Nothing is issued or recorded.

use std::time::Duration;

use super::lookup::{TargetVerdict, WorkspaceRule};

use super::guardrails::{
    ChannelDecision, ChannelPlace, MemberCap, Refusal, decide_channel, evaluate,
};
use super::ports::GuildSettings;
use super::{
    Denial, Expiry, ExpiryError, GuildPolicy, Remaining, RoleId, TargetId, TargetType,
    decide_access, parse_duration,
};

/// What would happen to the expiry an admin asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpiryVerdict {
    Granted(Expiry),
    /// Within the guild's maximum, above the member's cap.
    AboveCap {
        cap: Expiry,
    },
    /// Not a duration, or outside the guild's bounds.
    Invalid(ExpiryError),
}

/// The target an admin asked about, and what `/share` would make of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetCheck {
    pub id: TargetId,
    /// The look-up that gave the verdict (`explain` names no type: a job is tried first, then a
    /// TensorBoard); `None` when nothing was looked up or neither exists.
    pub looked_up_as: Option<TargetType>,
    pub verdict: TargetVerdict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The channel asked about (the admin's own when none was given).
    pub place: Option<ChannelPlace>,
    pub channel: ChannelDecision,
    pub access: Result<(), Denial>,
    /// The member's allowed roles with their caps, their cap and default; `None` when they
    /// hold no allowed role.
    pub member: Option<MemberCap>,
    pub policy: GuildPolicy,
    pub require_reason: bool,
    /// Requests above a member's cap go to an approvals channel rather than being refused.
    pub approvals: bool,
    /// The expiry asked about, if any.
    pub expiry: Option<ExpiryVerdict>,
    /// `/share` here, with that expiry (or the member's default), before rate limits: the
    /// expiry granted, or the first rule that refuses.
    pub verdict: Result<Expiry, Refusal>,
    /// Requests the member's limits allow right now; `None` if the limiter could not say.
    pub remaining: Option<Remaining>,
    /// Whether targets are looked up, and the workspace rule in force: filled in by the admin
    /// service, which knows the operator's rule; `None` says nothing about workspaces.
    pub workspaces: Option<(bool, WorkspaceRule)>,
    /// The target asked about, if any: filled in by the admin service, which looks it up.
    pub target: Option<TargetCheck>,
}

impl Explanation {
    /// Whether the expiry asked about would be sent for approval instead of refused.
    pub fn sent_for_approval(&self) -> bool {
        self.approvals && matches!(self.expiry, Some(ExpiryVerdict::AboveCap { .. }))
    }

    /// Whether the member's `/share` would go through right now (given a reason if one is
    /// required).
    pub fn would_share(&self) -> bool {
        self.verdict.is_ok()
            && !matches!(self.expiry, Some(ExpiryVerdict::Invalid(_)))
            && self.remaining.is_some_and(|r| r.requests() > 0)
            && self.target_allowed()
    }

    /// Whether the target asked about (if any) would pass the look-up and the workspace rule.
    pub fn target_allowed(&self) -> bool {
        self.target
            .as_ref()
            .is_none_or(|t| matches!(t.verdict, TargetVerdict::Share { .. }))
    }
}

/// The dry run itself: pure, over the guild's settings and the member as Discord resolved them.
pub fn explain(
    settings: &GuildSettings,
    policy: GuildPolicy,
    member_roles: &[RoleId],
    place: Option<ChannelPlace>,
    raw_expiry: Option<&str>,
    remaining: Option<Remaining>,
) -> Explanation {
    let member = MemberCap::of(policy, &settings.allowed_roles, member_roles);
    let requested: Option<Result<Expiry, ExpiryError>> = raw_expiry.map(|raw| {
        let d: Duration = parse_duration(raw)?;
        Expiry::bounded(d, policy.max_expiry())
    });
    let valid = requested.as_ref().and_then(|r| r.as_ref().ok().copied());
    let expiry = requested.map(|r| match r {
        Err(e) => ExpiryVerdict::Invalid(e),
        Ok(e) => match member.as_ref().map(|m| m.grant(Some(e))) {
            Some(Err(Refusal::AboveCap { cap })) => ExpiryVerdict::AboveCap { cap },
            _ => ExpiryVerdict::Granted(e),
        },
    });
    Explanation {
        place,
        channel: decide_channel(&settings.allowed_channels, place),
        access: decide_access(&settings.allowed_roles, member_roles),
        member,
        policy,
        require_reason: settings.policy.require_reason,
        approvals: settings.policy.approvals_channel.is_some(),
        expiry,
        verdict: evaluate(settings, policy, place, member_roles, valid),
        remaining,
        workspaces: None,
        target: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::{AllowedRole, ChannelId, PolicySettings};

    fn exp(s: &str) -> Expiry {
        s.parse().unwrap()
    }

    const ROLE: RoleId = RoleId(1);
    const CAPPED: RoleId = RoleId(2);
    const ROOM: ChannelId = ChannelId(7);

    fn settings() -> GuildSettings {
        GuildSettings {
            allowed_roles: vec![
                AllowedRole::new(ROLE),
                AllowedRole {
                    role: CAPPED,
                    max_expiry: Some(exp("1h")),
                },
            ],
            allowed_channels: vec![ROOM],
            allowed_workspaces: vec![],
            policy: PolicySettings {
                require_reason: true,
                ..PolicySettings::default()
            },
        }
    }

    fn policy() -> GuildPolicy {
        GuildPolicy::new(exp("1d"), exp("3d")).unwrap()
    }

    fn at(channel: ChannelId) -> Option<ChannelPlace> {
        Some(ChannelPlace {
            channel,
            parent: None,
        })
    }

    const PLENTY: Option<Remaining> = Some(Remaining { user: 3, guild: 60 });

    #[test]
    fn an_allowed_member_in_an_allowed_channel() {
        let e = explain(&settings(), policy(), &[ROLE], at(ROOM), Some("2d"), PLENTY);
        assert_eq!(e.channel, ChannelDecision::Listed);
        assert_eq!(e.access, Ok(()));
        let member = e.member.clone().unwrap();
        assert_eq!((member.cap, member.default), (exp("3d"), exp("1d")));
        assert_eq!(e.expiry, Some(ExpiryVerdict::Granted(exp("2d"))));
        assert_eq!(e.verdict, Ok(exp("2d")));
        assert!(e.require_reason);
        assert!(e.would_share());
    }

    #[test]
    fn above_the_members_cap() {
        let e = explain(
            &settings(),
            policy(),
            &[CAPPED],
            at(ROOM),
            Some("2h"),
            PLENTY,
        );
        assert_eq!(e.expiry, Some(ExpiryVerdict::AboveCap { cap: exp("1h") }));
        assert_eq!(e.verdict, Err(Refusal::AboveCap { cap: exp("1h") }));
        assert!(!e.would_share());
        let default = explain(&settings(), policy(), &[CAPPED], at(ROOM), None, PLENTY);
        assert_eq!(default.verdict, Ok(exp("1h")), "their default is their cap");
        assert_eq!(default.expiry, None);
    }

    #[test]
    fn above_the_cap_with_approvals_set_up_it_goes_for_approval() {
        let mut with_approvals = settings();
        with_approvals.policy.approvals_channel = Some(ChannelId(99));
        let e = explain(
            &with_approvals,
            policy(),
            &[CAPPED],
            at(ROOM),
            Some("2h"),
            PLENTY,
        );
        assert!(e.sent_for_approval());
        assert!(!e.would_share(), "not at once");
        let without = explain(
            &settings(),
            policy(),
            &[CAPPED],
            at(ROOM),
            Some("2h"),
            PLENTY,
        );
        assert!(!without.sent_for_approval());
        let within = explain(
            &with_approvals,
            policy(),
            &[CAPPED],
            at(ROOM),
            Some("1h"),
            PLENTY,
        );
        assert!(!within.sent_for_approval() && within.would_share());
    }

    #[test]
    fn not_allowed_for_each_reason() {
        let elsewhere = explain(
            &settings(),
            policy(),
            &[ROLE],
            at(ChannelId(8)),
            None,
            PLENTY,
        );
        assert_eq!(
            elsewhere.channel,
            ChannelDecision::NotAllowed {
                allowed: vec![ROOM]
            }
        );
        assert!(matches!(elsewhere.verdict, Err(Refusal::Channel { .. })));
        assert!(!elsewhere.would_share());

        let no_role = explain(
            &settings(),
            policy(),
            &[RoleId(9)],
            at(ROOM),
            Some("1h"),
            PLENTY,
        );
        assert_eq!(no_role.access, Err(Denial::MissingRole));
        assert_eq!(no_role.member, None);
        assert_eq!(
            no_role.expiry,
            Some(ExpiryVerdict::Granted(exp("1h"))),
            "no cap to compare with: the role check is what refuses"
        );
        assert_eq!(no_role.verdict, Err(Refusal::Access(Denial::MissingRole)));

        let bad = explain(&settings(), policy(), &[ROLE], at(ROOM), Some("5d"), PLENTY);
        assert!(matches!(
            bad.expiry,
            Some(ExpiryVerdict::Invalid(ExpiryError::TooLong { .. }))
        ));
        assert_eq!(
            bad.verdict,
            Ok(exp("1d")),
            "the rules alone would grant the default"
        );
        assert!(!bad.would_share());

        let exhausted = explain(
            &settings(),
            policy(),
            &[ROLE],
            at(ROOM),
            None,
            Some(Remaining { user: 0, guild: 5 }),
        );
        assert!(exhausted.verdict.is_ok());
        assert!(!exhausted.would_share(), "the rate limit refuses");
        let unknown = explain(&settings(), policy(), &[ROLE], at(ROOM), None, None);
        assert!(!unknown.would_share(), "an unknown limit fails closed");
    }
}
