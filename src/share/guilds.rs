//! Which guilds the bot serves at all. Whoever adds the bot to a server is not
//! thereby trusted with the operator's Alibaba Cloud account, so this is decided before any
//! guild setting is even read.

use std::collections::BTreeSet;

use super::GuildId;

/// The guilds this deployment serves: the operator's explicit list, or every guild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuildScope {
    /// Only these guilds (never empty when built by [`GuildScope::from_config`]).
    Listed(BTreeSet<GuildId>),
    /// `discord.guilds = ["*"]`: set explicitly by the operator.
    Every,
}

/// Why the configured guild keys do not describe a scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuildScopeError {
    #[error(
        "no guild is configured: set discord.guilds (DLCSHARE_DISCORD__GUILDS) to the server ids \
         this bot serves, or to [\"*\"] to serve every server it is added to, and/or \
         discord.guild_id (DLCSHARE_DISCORD__GUILD_ID)"
    )]
    NoneConfigured,
    #[error("discord.guilds: `{0}` is neither a server id nor \"*\"")]
    NotAnId(String),
    #[error("discord.guilds: \"*\" (every server) cannot be combined with server ids")]
    WildcardWithIds,
}

impl GuildScope {
    /// Builds the scope from `discord.guilds` (ids or a lone `"*"`) plus `discord.guild_id`.
    pub fn from_config(guilds: &[String], guild_id: Option<u64>) -> Result<Self, GuildScopeError> {
        let wildcard = guilds.iter().any(|g| g.trim() == "*");
        let mut ids = BTreeSet::new();
        for raw in guilds.iter().map(|g| g.trim()).filter(|g| *g != "*") {
            let id = raw
                .parse::<u64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| GuildScopeError::NotAnId(raw.to_owned()))?;
            ids.insert(GuildId(id));
        }
        if wildcard {
            return if ids.is_empty() {
                Ok(GuildScope::Every)
            } else {
                Err(GuildScopeError::WildcardWithIds)
            };
        }
        ids.extend(guild_id.map(GuildId));
        if ids.is_empty() {
            return Err(GuildScopeError::NoneConfigured);
        }
        Ok(GuildScope::Listed(ids))
    }

    pub fn serves(&self, guild: GuildId) -> bool {
        match self {
            GuildScope::Every => true,
            GuildScope::Listed(ids) => ids.contains(&guild),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(guilds: &[&str], guild_id: Option<u64>) -> Result<GuildScope, GuildScopeError> {
        let guilds: Vec<String> = guilds.iter().map(|g| g.to_string()).collect();
        GuildScope::from_config(&guilds, guild_id)
    }

    #[test]
    fn nothing_configured_serves_nothing_and_says_which_keys() {
        let e = scope(&[], None).unwrap_err();
        assert_eq!(e, GuildScopeError::NoneConfigured);
        let msg = e.to_string();
        assert!(msg.contains("discord.guilds") && msg.contains("discord.guild_id"));
    }

    #[test]
    fn listed_ids_and_the_registration_guild_are_served_and_nothing_else() {
        let s = scope(&["11", " 12 "], Some(13)).unwrap();
        for served in [11, 12, 13] {
            assert!(s.serves(GuildId(served)), "{served}");
        }
        assert!(!s.serves(GuildId(14)));
        let only_registration = scope(&[], Some(13)).unwrap();
        assert!(only_registration.serves(GuildId(13)));
        assert!(!only_registration.serves(GuildId(11)));
    }

    #[test]
    fn the_wildcard_is_explicit_and_alone() {
        let every = scope(&["*"], Some(13)).unwrap();
        assert_eq!(every, GuildScope::Every);
        assert!(every.serves(GuildId(987_654_321)));
        assert_eq!(
            scope(&["*", "11"], None),
            Err(GuildScopeError::WildcardWithIds)
        );
    }

    #[test]
    fn junk_is_refused_naming_the_entry() {
        for bad in ["abc", "", "0", "-1", "12x"] {
            assert_eq!(
                scope(&[bad], None),
                Err(GuildScopeError::NotAnId(bad.trim().to_owned())),
                "{bad:?}"
            );
        }
    }
}
