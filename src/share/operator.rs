//! The operator's rules, which bound every guild: which guilds are served at all, the policy
//! where a guild's admins set none (and the ceiling where they did), and which roles count as
//! admins. Held once and shared by the share and admin services.

use std::time::Duration;

use super::{GuildId, GuildPolicy, GuildScope, PolicySettings, RoleId, TargetRule};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Guilds served at all; every other guild is refused before its settings are read.
    pub served: GuildScope,
    /// `share.default_expiry` / `share.max_expiry`.
    pub policy: GuildPolicy,
    /// Roles whose members count as admins besides ADMINISTRATOR / MANAGE_GUILD.
    pub admin_roles: Vec<RoleId>,
    /// `share.approval_timeout`: how long a request waits for a decision, and an approved one
    /// for its claim.
    pub approval_timeout: Duration,
    /// `aliyun.lookup` and `aliyun.workspaces`: whether targets are looked up before sharing,
    /// and the workspaces the whole bot may share from.
    pub targets: TargetRule,
}

impl Operator {
    pub fn serves(&self, guild: GuildId) -> bool {
        self.served.serves(guild)
    }

    /// A guild's effective policy: its admins' choice within the operator's, the operator's
    /// where they chose nothing. It never exceeds the operator's ceiling, even with values set
    /// before the operator lowered `share.max_expiry`, and the default never exceeds the
    /// maximum.
    pub fn effective_policy(&self, stored: &PolicySettings) -> GuildPolicy {
        let ceiling = self.policy.max_expiry();
        let max = stored.max_expiry.map_or(ceiling, |m| m.min(ceiling));
        let default = stored
            .default_expiry
            .unwrap_or(self.policy.default_expiry())
            .min(max);
        GuildPolicy::new(default, max).expect("the default is bounded by the maximum")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::Expiry;

    fn expiry(s: &str) -> Expiry {
        Expiry::parse(s, Expiry::HARD_MAX).unwrap()
    }

    #[test]
    fn the_effective_policy_is_the_guilds_within_the_operators() {
        let operator = Operator {
            served: GuildScope::Every,
            policy: GuildPolicy::new(expiry("1d"), expiry("3d")).unwrap(),
            admin_roles: vec![],
            approval_timeout: Duration::from_secs(3_600),
            targets: crate::share::TargetRule::look_up_any(),
        };
        let of = |default: Option<&str>, max: Option<&str>| {
            let p = operator.effective_policy(&PolicySettings {
                default_expiry: default.map(expiry),
                max_expiry: max.map(expiry),
                ..PolicySettings::default()
            });
            (p.default_expiry().to_string(), p.max_expiry().to_string())
        };
        let pair = |d: &str, m: &str| (d.to_owned(), m.to_owned());
        assert_eq!(of(None, None), pair("1d", "3d"), "the operator's");
        assert_eq!(
            of(Some("2h"), Some("1d")),
            pair("2h", "1d"),
            "the guild's own"
        );
        assert_eq!(
            of(Some("5d"), Some("7d")),
            pair("3d", "3d"),
            "under the ceiling"
        );
        assert_eq!(
            of(None, Some("2h")),
            pair("2h", "2h"),
            "operator default, lower max"
        );
        assert_eq!(
            of(Some("2d"), None),
            pair("2d", "3d"),
            "own default, operator max"
        );
    }
}
