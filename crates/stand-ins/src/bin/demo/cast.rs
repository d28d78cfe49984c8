//! The demo's server: who takes part, and the names Discord shows for the ids the bot writes
//! (`<@user>`, `<@&role>`, `<#channel>`). Discord resolves those names itself; the demo holds
//! them here because the stand-in knows only ids.

use dlc_share_stand_ins::bot::{ALLOWED_ROLE, OTHER_ROLE};
use dlc_share_stand_ins::discord::{BOT_USER_ID, CHANNEL_ID};

/// A member of the demo server.
#[derive(Clone, Copy, Debug)]
pub struct Member {
    pub id: u64,
    pub name: &'static str,
    pub roles: &'static [u64],
}

pub const APPROVER_ROLE: u64 = 1_180_000_000_000_000_601;
pub const APPROVALS_CHANNEL: u64 = 1_180_000_000_000_008_001;

/// Has Manage Server: configures the bot.
pub const ADMIN: Member = Member {
    id: 1_180_000_000_000_000_900,
    name: "ada",
    roles: &[],
};
/// Holds the role the admin allows.
pub const RESEARCHER: Member = Member {
    id: 1_180_000_000_000_000_910,
    name: "sam",
    roles: &[ALLOWED_ROLE],
};
/// Holds only a role that is not allowed.
pub const INTERN: Member = Member {
    id: 1_180_000_000_000_000_911,
    name: "max",
    roles: &[OTHER_ROLE],
};
/// Holds the approver role.
pub const LEAD: Member = Member {
    id: 1_180_000_000_000_000_912,
    name: "olu",
    roles: &[APPROVER_ROLE],
};

const MEMBERS: [Member; 4] = [ADMIN, RESEARCHER, INTERN, LEAD];

/// The bot's display name in the demo server.
pub const BOT_NAME: &str = "DLC Share";

pub const SERVER_NAME: &str = "ml-lab";

/// What Discord would show for a user mention.
pub fn user_name(id: u64) -> String {
    if id == BOT_USER_ID {
        return BOT_NAME.to_owned();
    }
    MEMBERS
        .iter()
        .find(|m| m.id == id)
        .map_or_else(|| format!("user-{id}"), |m| m.name.to_owned())
}

/// What Discord would show for a role mention.
pub fn role_name(id: u64) -> String {
    match id {
        ALLOWED_ROLE => "researchers".to_owned(),
        OTHER_ROLE => "interns".to_owned(),
        APPROVER_ROLE => "leads".to_owned(),
        _ => format!("role-{id}"),
    }
}

/// What Discord would show for a channel mention.
pub fn channel_name(id: u64) -> String {
    match id {
        CHANNEL_ID => "general".to_owned(),
        APPROVALS_CHANNEL => "approvals".to_owned(),
        _ => format!("channel-{id}"),
    }
}
