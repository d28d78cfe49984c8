//! Who may share and for how long: the allowlist, the admin check, the guild's expiry policy
//! and the settings its admins store.

use std::time::Duration;

use super::{ChannelId, ErrorCode, Expiry, ExpiryError, RoleId};

/// A guild's effective expiry policy; both values are already within
/// `[Expiry::MIN, Expiry::HARD_MAX]` and the default never exceeds the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuildPolicy {
    default_expiry: Expiry,
    max_expiry: Expiry,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the default expiry ({default}) is longer than the maximum ({max})")]
    DefaultAboveMax { default: Expiry, max: Expiry },
}

impl GuildPolicy {
    pub fn new(default_expiry: Expiry, max_expiry: Expiry) -> Result<Self, PolicyError> {
        if default_expiry > max_expiry {
            return Err(PolicyError::DefaultAboveMax {
                default: default_expiry,
                max: max_expiry,
            });
        }
        Ok(GuildPolicy {
            default_expiry,
            max_expiry,
        })
    }

    pub fn default_expiry(&self) -> Expiry {
        self.default_expiry
    }

    pub fn max_expiry(&self) -> Expiry {
        self.max_expiry
    }

    /// A typed expiry checked against `[Expiry::MIN, max_expiry]`; `None` when none was typed
    /// (the member's default applies, see [`super::MemberCap`]).
    pub fn bound(&self, requested: Option<Duration>) -> Result<Option<Expiry>, ExpiryError> {
        requested
            .map(|d| Expiry::bounded(d, self.max_expiry))
            .transpose()
    }
}

/// An allowed role and its own cap; `None` means the guild's maximum caps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedRole {
    pub role: RoleId,
    pub max_expiry: Option<Expiry>,
}

impl AllowedRole {
    pub fn new(role: RoleId) -> Self {
        AllowedRole {
            role,
            max_expiry: None,
        }
    }

    /// The cap in force: the role's own, never above the guild's maximum (a cap set before the
    /// maximum was lowered is lowered with it).
    pub fn cap(&self, policy: GuildPolicy) -> Expiry {
        self.max_expiry
            .map_or(policy.max_expiry(), |c| c.min(policy.max_expiry()))
    }
}

/// What a guild's admins have set, each value `None`/`false` until they set it. The operator's
/// configuration fills what is unset (see [`super::Operator::effective_policy`]), so a change
/// of `share.default_expiry` still reaches every guild that never chose its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySettings {
    pub default_expiry: Option<Expiry>,
    pub max_expiry: Option<Expiry>,
    /// `/share` needs a `reason`.
    pub require_reason: bool,
    /// Where one message per `/share` attempt is posted.
    pub audit_channel: Option<ChannelId>,
    /// Where requests above a member's cap go for approval; `None`: refused.
    pub approvals_channel: Option<ChannelId>,
    /// Who may decide besides the guild's admins.
    pub approver_role: Option<RoleId>,
}

/// An admin's `policy set`: only what was given changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyChange {
    pub default_expiry: Option<Expiry>,
    pub max_expiry: Option<Expiry>,
    pub require_reason: Option<bool>,
    pub audit_channel: Option<ChannelId>,
    pub approvals_channel: Option<ChannelId>,
    pub approver_role: Option<RoleId>,
}

impl PolicyChange {
    pub fn is_empty(&self) -> bool {
        *self == PolicyChange::default()
    }
}

/// The settings `policy clear` resets, by the names admins type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicySetting {
    DefaultExpiry,
    MaxExpiry,
    RequireReason,
    AuditChannel,
    ApprovalsChannel,
    ApproverRole,
}

impl PolicySetting {
    pub const ALL: [PolicySetting; 6] = [
        PolicySetting::DefaultExpiry,
        PolicySetting::MaxExpiry,
        PolicySetting::RequireReason,
        PolicySetting::AuditChannel,
        PolicySetting::ApprovalsChannel,
        PolicySetting::ApproverRole,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicySetting::DefaultExpiry => "default_expiry",
            PolicySetting::MaxExpiry => "max_expiry",
            PolicySetting::RequireReason => "require_reason",
            PolicySetting::AuditChannel => "audit_channel",
            PolicySetting::ApprovalsChannel => "approvals_channel",
            PolicySetting::ApproverRole => "approver_role",
        }
    }

    pub fn parse(name: &str) -> Option<PolicySetting> {
        PolicySetting::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl PolicySettings {
    /// Applies an admin's partial update. `ceiling` is the maximum in force when none is stored
    /// (the operator's). Lowering the maximum below a stored default drags that default down
    /// with it, unless the admin named a default in the same command: then a default above
    /// the maximum is refused.
    pub fn updated(&self, change: &PolicyChange, ceiling: Expiry) -> Result<Self, PolicyError> {
        let max_expiry = change.max_expiry.or(self.max_expiry);
        let max_in_force = max_expiry.unwrap_or(ceiling).min(ceiling);
        let default_expiry = match change.default_expiry {
            Some(d) if d > max_in_force => {
                return Err(PolicyError::DefaultAboveMax {
                    default: d,
                    max: max_in_force,
                });
            }
            Some(d) => Some(d),
            None => self.default_expiry.map(|d| d.min(max_in_force)),
        };
        Ok(PolicySettings {
            default_expiry,
            max_expiry,
            require_reason: change.require_reason.unwrap_or(self.require_reason),
            audit_channel: change.audit_channel.or(self.audit_channel),
            approvals_channel: change.approvals_channel.or(self.approvals_channel),
            approver_role: change.approver_role.or(self.approver_role),
        })
    }

    /// This policy with one setting back to its default.
    pub fn cleared(&self, setting: PolicySetting) -> Self {
        let mut next = self.clone();
        match setting {
            PolicySetting::DefaultExpiry => next.default_expiry = None,
            PolicySetting::MaxExpiry => next.max_expiry = None,
            PolicySetting::RequireReason => next.require_reason = false,
            PolicySetting::AuditChannel => next.audit_channel = None,
            PolicySetting::ApprovalsChannel => next.approvals_channel = None,
            PolicySetting::ApproverRole => next.approver_role = None,
        }
        next
    }
}

/// Why a member may not share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The guild has allowed no role at all: deny by default.
    EmptyAllowlist,
    /// Roles are allowed, but the member holds none of them.
    MissingRole,
    /// The guild is not one this deployment serves (`discord.guilds`), whatever its roles.
    GuildNotEnabled,
}

impl Denial {
    /// The audit row's `error_code`.
    pub fn code(self) -> ErrorCode {
        match self {
            Denial::EmptyAllowlist => ErrorCode::EmptyAllowlist,
            Denial::MissingRole => ErrorCode::MissingRole,
            Denial::GuildNotEnabled => ErrorCode::GuildNotEnabled,
        }
    }
}

/// Deny by default: a member is allowed only when one of their roles is on the allowlist.
pub fn decide_access(allowed: &[AllowedRole], member_roles: &[RoleId]) -> Result<(), Denial> {
    if allowed.is_empty() {
        Err(Denial::EmptyAllowlist)
    } else if allowed.iter().any(|a| member_roles.contains(&a.role)) {
        Ok(())
    } else {
        Err(Denial::MissingRole)
    }
}

/// The two Discord permissions that make a guild admin for this bot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdminPermissions {
    pub administrator: bool,
    pub manage_guild: bool,
}

/// Re-checked on every admin command because guilds can override Discord's command permissions.
pub fn is_admin(perms: AdminPermissions, member_roles: &[RoleId], admin_roles: &[RoleId]) -> bool {
    perms.administrator
        || perms.manage_guild
        || member_roles.iter().any(|r| admin_roles.contains(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(s: &str) -> Expiry {
        s.parse().unwrap()
    }

    fn allowed(ids: &[u64]) -> Vec<AllowedRole> {
        ids.iter().map(|&r| AllowedRole::new(RoleId(r))).collect()
    }

    #[test]
    fn allowlist_denies_by_default() {
        assert_eq!(
            decide_access(&[], &[RoleId(1)]),
            Err(Denial::EmptyAllowlist)
        );
        assert_eq!(
            decide_access(&allowed(&[2]), &[RoleId(1)]),
            Err(Denial::MissingRole)
        );
        assert_eq!(decide_access(&allowed(&[2]), &[]), Err(Denial::MissingRole));
        assert_eq!(
            decide_access(&allowed(&[2, 3]), &[RoleId(1), RoleId(3)]),
            Ok(())
        );
    }

    #[test]
    fn admin_by_permission_or_configured_role() {
        let none = AdminPermissions::default();
        assert!(!is_admin(none, &[RoleId(1)], &[]));
        assert!(is_admin(
            AdminPermissions {
                administrator: true,
                ..none
            },
            &[],
            &[]
        ));
        assert!(is_admin(
            AdminPermissions {
                manage_guild: true,
                ..none
            },
            &[],
            &[]
        ));
        assert!(is_admin(none, &[RoleId(9)], &[RoleId(9)]));
    }

    #[test]
    fn a_typed_expiry_is_bounded_by_the_policy() {
        let p = GuildPolicy::new(exp("1d"), exp("2d")).unwrap();
        assert_eq!(p.bound(None).unwrap(), None);
        assert_eq!(
            p.bound(Some(Duration::from_secs(7200))).unwrap(),
            Some(exp("2h"))
        );
        assert_eq!(
            p.bound(Some(Duration::from_secs(172_800))).unwrap(),
            Some(exp("2d")),
            "the maximum itself is allowed"
        );
        assert!(p.bound(Some(Duration::from_secs(172_801))).is_err());
        assert!(p.bound(Some(Duration::from_secs(59))).is_err());
        assert!(GuildPolicy::new(exp("3d"), exp("2d")).is_err());
    }

    #[test]
    fn a_role_cap_never_exceeds_the_guild_maximum() {
        let p = GuildPolicy::new(exp("1h"), exp("1d")).unwrap();
        let uncapped = AllowedRole::new(RoleId(1));
        assert_eq!(uncapped.cap(p), exp("1d"));
        let own = AllowedRole {
            max_expiry: Some(exp("2h")),
            ..uncapped
        };
        assert_eq!(own.cap(p), exp("2h"));
        let above = AllowedRole {
            max_expiry: Some(exp("3d")),
            ..uncapped
        };
        assert_eq!(
            above.cap(p),
            exp("1d"),
            "set before the maximum was lowered"
        );
    }

    fn change() -> PolicyChange {
        PolicyChange::default()
    }

    #[test]
    fn policy_updates_keep_the_default_within_the_maximum() {
        let ceiling = exp("7d");
        let stored = PolicySettings {
            default_expiry: Some(exp("1d")),
            max_expiry: Some(exp("7d")),
            ..PolicySettings::default()
        };
        let lowered = stored
            .updated(
                &PolicyChange {
                    max_expiry: Some(exp("12h")),
                    ..change()
                },
                ceiling,
            )
            .unwrap();
        assert_eq!(lowered.default_expiry, Some(exp("12h")), "dragged down");
        assert_eq!(lowered.max_expiry, Some(exp("12h")));
        let named_above = PolicyChange {
            default_expiry: Some(exp("2d")),
            max_expiry: Some(exp("1d")),
            ..change()
        };
        assert_eq!(
            stored.updated(&named_above, ceiling),
            Err(PolicyError::DefaultAboveMax {
                default: exp("2d"),
                max: exp("1d")
            })
        );
        let raised = stored
            .updated(
                &PolicyChange {
                    default_expiry: Some(exp("3d")),
                    ..change()
                },
                ceiling,
            )
            .unwrap();
        assert_eq!(raised.default_expiry, Some(exp("3d")));
        let at_the_max = stored
            .updated(
                &PolicyChange {
                    default_expiry: Some(exp("1d")),
                    max_expiry: Some(exp("1d")),
                    ..change()
                },
                ceiling,
            )
            .unwrap();
        assert_eq!(
            (at_the_max.default_expiry, at_the_max.max_expiry),
            (Some(exp("1d")), Some(exp("1d"))),
            "a default equal to the maximum is allowed"
        );
        // No stored maximum: the ceiling in force bounds a named default.
        assert!(
            PolicySettings::default()
                .updated(
                    &PolicyChange {
                        default_expiry: Some(exp("2d")),
                        ..change()
                    },
                    exp("1d")
                )
                .is_err()
        );
        // An unset default stays unset: the operator's keeps applying.
        let only_max = PolicySettings::default()
            .updated(
                &PolicyChange {
                    max_expiry: Some(exp("1h")),
                    ..change()
                },
                ceiling,
            )
            .unwrap();
        assert_eq!(only_max.default_expiry, None);
    }

    #[test]
    fn policy_updates_change_only_what_was_given() {
        let stored = PolicySettings {
            default_expiry: Some(exp("1h")),
            max_expiry: None,
            require_reason: true,
            audit_channel: Some(ChannelId(5)),
            approvals_channel: None,
            approver_role: Some(RoleId(3)),
        };
        let same = stored.updated(&change(), exp("7d")).unwrap();
        assert_eq!(same, stored);
        let next = stored
            .updated(
                &PolicyChange {
                    require_reason: Some(false),
                    audit_channel: Some(ChannelId(6)),
                    approvals_channel: Some(ChannelId(8)),
                    ..change()
                },
                exp("7d"),
            )
            .unwrap();
        assert!(!next.require_reason);
        assert_eq!(next.audit_channel, Some(ChannelId(6)));
        assert_eq!(next.approvals_channel, Some(ChannelId(8)));
        assert_eq!(next.approver_role, Some(RoleId(3)), "kept");
        assert_eq!(next.default_expiry, Some(exp("1h")));
    }

    #[test]
    fn each_setting_clears_alone_and_is_named_as_in_the_spec() {
        let full = PolicySettings {
            default_expiry: Some(exp("1h")),
            max_expiry: Some(exp("2h")),
            require_reason: true,
            audit_channel: Some(ChannelId(5)),
            approvals_channel: Some(ChannelId(6)),
            approver_role: Some(RoleId(7)),
        };
        for setting in PolicySetting::ALL {
            let cleared = full.cleared(setting);
            assert_eq!(PolicySetting::parse(setting.as_str()), Some(setting));
            let differs = [
                cleared.default_expiry != full.default_expiry,
                cleared.max_expiry != full.max_expiry,
                cleared.require_reason != full.require_reason,
                cleared.audit_channel != full.audit_channel,
                cleared.approvals_channel != full.approvals_channel,
                cleared.approver_role != full.approver_role,
            ];
            assert_eq!(differs.iter().filter(|d| **d).count(), 1, "{setting:?}");
        }
        assert_eq!(full.cleared(PolicySetting::MaxExpiry).max_expiry, None);
        assert!(!full.cleared(PolicySetting::RequireReason).require_reason);
        assert_eq!(PolicySetting::parse("approvals"), None);
        let names: Vec<&str> = PolicySetting::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "default_expiry",
                "max_expiry",
                "require_reason",
                "audit_channel",
                "approvals_channel",
                "approver_role"
            ]
        );
    }
}
