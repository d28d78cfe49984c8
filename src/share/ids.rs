//! Discord snowflakes as distinct types, so a role id can never be passed where a guild id goes.

use std::fmt;
use std::str::FromStr;

macro_rules! snowflake {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }
    };
}

snowflake!(
    /// A Discord guild (server).
    GuildId
);
snowflake!(
    /// A Discord role.
    RoleId
);
snowflake!(
    /// A Discord user.
    UserId
);
snowflake!(
    /// A Discord channel.
    ChannelId
);
