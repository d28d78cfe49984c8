//! A member's roles as Discord knows them now, for re-checking an approval when the click does
//! not carry them (an approver's click, or a claim from a direct message). Asking for one
//! member needs no privileged intent.

use std::sync::Arc;

use serenity::all::Http;
use serenity::http::HttpError;

use crate::share::ports::{MemberRoles, StorageError};
use crate::share::{GuildId, RoleId, UserId};

/// Discord's "Unknown Member": the user is not (or no longer) in the guild.
const UNKNOWN_MEMBER: isize = 10007;

/// Reads members over the bot's REST client.
#[derive(Clone)]
pub struct DiscordMembers {
    pub http: Arc<Http>,
}

impl MemberRoles for DiscordMembers {
    async fn member_roles(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<Vec<RoleId>>, StorageError> {
        let found = self
            .http
            .get_member(
                serenity::all::GuildId::new(guild.get()),
                serenity::all::UserId::new(user.get()),
            )
            .await;
        match found {
            Ok(member) => {
                let mut roles: Vec<RoleId> = member.roles.iter().map(|r| RoleId(r.get())).collect();
                // `@everyone`, whose id is the guild's, is left out of `roles` by Discord.
                roles.push(RoleId(guild.get()));
                Ok(Some(roles))
            }
            Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e)))
                if e.error.code == UNKNOWN_MEMBER =>
            {
                Ok(None)
            }
            Err(e) => Err(StorageError::msg(format!(
                "Discord could not tell the member's roles: {e}"
            ))),
        }
    }
}
