//! Who may share and for how long: the allowlist, the admin check and the guild's expiry policy.

use std::time::Duration;

use super::{Expiry, ExpiryError, RoleId};

/// A guild's expiry policy; both values are already within `[Expiry::MIN, Expiry::HARD_MAX]`.
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

    /// This policy bounded by an operator's ceiling: the maximum drops to `ceiling` if above
    /// it, and the default with it.
    pub fn capped(self, ceiling: Expiry) -> Self {
        let max_expiry = self.max_expiry.min(ceiling);
        GuildPolicy {
            default_expiry: self.default_expiry.min(max_expiry),
            max_expiry,
        }
    }

    /// The expiry for a request: the guild default when none was typed, else the typed value
    /// bounded by the guild maximum.
    pub fn resolve_expiry(&self, requested: Option<Duration>) -> Result<Expiry, ExpiryError> {
        match requested {
            None => Ok(self.default_expiry),
            Some(d) => Expiry::bounded(d, self.max_expiry),
        }
    }

    /// Applies an admin's partial update; lowering the max below the default drags the
    /// default down with it only when the admin did not name a default explicitly.
    pub fn updated(
        &self,
        default_expiry: Option<Expiry>,
        max_expiry: Option<Expiry>,
    ) -> Result<Self, PolicyError> {
        let max = max_expiry.unwrap_or(self.max_expiry);
        let default = match default_expiry {
            Some(d) => d,
            None => self.default_expiry.min(max),
        };
        GuildPolicy::new(default, max)
    }
}

/// Why a member may or may not share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessDecision {
    Allowed,
    /// The guild has allowed no role at all: deny by default.
    EmptyAllowlist,
    /// Roles are allowed, but the member holds none of them.
    MissingRole,
    /// The guild is not one this deployment serves (`discord.guilds`), whatever its roles.
    GuildNotEnabled,
}

/// Deny by default: a member is allowed only when one of their roles is on the allowlist.
pub fn decide_access(allowed: &[RoleId], member_roles: &[RoleId]) -> AccessDecision {
    if allowed.is_empty() {
        AccessDecision::EmptyAllowlist
    } else if member_roles.iter().any(|r| allowed.contains(r)) {
        AccessDecision::Allowed
    } else {
        AccessDecision::MissingRole
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

    #[test]
    fn allowlist_denies_by_default() {
        assert_eq!(
            decide_access(&[], &[RoleId(1)]),
            AccessDecision::EmptyAllowlist
        );
        assert_eq!(
            decide_access(&[RoleId(2)], &[RoleId(1)]),
            AccessDecision::MissingRole
        );
        assert_eq!(
            decide_access(&[RoleId(2)], &[]),
            AccessDecision::MissingRole
        );
        assert_eq!(
            decide_access(&[RoleId(2), RoleId(3)], &[RoleId(1), RoleId(3)]),
            AccessDecision::Allowed
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
    fn policy_resolves_default_and_bounds() {
        let p = GuildPolicy::new(exp("1d"), exp("2d")).unwrap();
        assert_eq!(p.resolve_expiry(None).unwrap(), exp("1d"));
        assert_eq!(
            p.resolve_expiry(Some(Duration::from_secs(7200))).unwrap(),
            exp("2h")
        );
        assert!(
            p.resolve_expiry(Some(Duration::from_secs(3 * 86_400)))
                .is_err()
        );
        assert!(p.resolve_expiry(Some(Duration::from_secs(10))).is_err());
        assert!(GuildPolicy::new(exp("3d"), exp("2d")).is_err());
    }

    #[test]
    fn an_operator_ceiling_caps_a_guild_policy() {
        let p = GuildPolicy::new(exp("3d"), exp("7d")).unwrap();
        let capped = p.capped(exp("1d"));
        assert_eq!(
            (capped.default_expiry(), capped.max_expiry()),
            (exp("1d"), exp("1d"))
        );
        assert_eq!(p.capped(exp("7d")), p);
    }

    #[test]
    fn policy_updates_keep_default_within_max() {
        let p = GuildPolicy::new(exp("1d"), exp("7d")).unwrap();
        let lowered = p.updated(None, Some(exp("12h"))).unwrap();
        assert_eq!(lowered.default_expiry(), exp("12h"));
        assert_eq!(lowered.max_expiry(), exp("12h"));
        assert!(p.updated(Some(exp("2d")), Some(exp("1d"))).is_err());
        let raised = p.updated(Some(exp("3d")), None).unwrap();
        assert_eq!(raised.default_expiry(), exp("3d"));
    }
}
