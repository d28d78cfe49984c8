//! The operator's rules, which bound every guild: which guilds are served at all, the policy
//! where a guild's admins set none (and the ceiling where they did), and which roles count as
//! admins. Held once and shared by the share and admin services.

use super::{GuildId, GuildPolicy, GuildScope, RoleId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Guilds served at all; every other guild is refused before its settings are read.
    pub served: GuildScope,
    /// `share.default_expiry` / `share.max_expiry`.
    pub policy: GuildPolicy,
    /// Roles whose members count as admins besides ADMINISTRATOR / MANAGE_GUILD.
    pub admin_roles: Vec<RoleId>,
}

impl Operator {
    pub fn serves(&self, guild: GuildId) -> bool {
        self.served.serves(guild)
    }

    /// A guild's effective policy: its admins' choice within the operator's, or the
    /// operator's where they chose nothing. An admin's policy never exceeds the operator's
    /// ceiling, even one set before the operator lowered `share.max_expiry`.
    pub fn effective_policy(&self, stored: Option<GuildPolicy>) -> GuildPolicy {
        stored.map_or(self.policy, |p| p.capped(self.policy.max_expiry()))
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
        };
        assert_eq!(operator.effective_policy(None), operator.policy);
        let own = GuildPolicy::new(expiry("2h"), expiry("1d")).unwrap();
        assert_eq!(operator.effective_policy(Some(own)), own);
        let above = GuildPolicy::new(expiry("5d"), expiry("7d")).unwrap();
        let capped = operator.effective_policy(Some(above));
        assert_eq!(
            (capped.default_expiry(), capped.max_expiry()),
            (expiry("3d"), expiry("3d"))
        );
    }
}
