//! The slash commands of SPEC §3: their definitions for registration, and the parse of an
//! incoming interaction into a typed [`Invocation`]. Names and option names live only here.

use serenity::all::{
    CommandDataOption, CommandDataOptionValue, CommandInteraction, CommandOptionType,
    CreateCommand, CreateCommandOption, InteractionContext, Permissions,
};

use crate::share::{AUDIT_MAX_LIMIT, AdminCommand, RoleId, TargetType, UserId};

pub const SHARE: &str = "share";
pub const SHARE_ADMIN: &str = "share-admin";
pub const OPT_ID: &str = "id";
pub const OPT_EXPIRY: &str = "expiry";

/// Default number of rows `/share-admin audit` shows (the core caps it at `AUDIT_MAX_LIMIT`).
pub const AUDIT_DEFAULT_LIMIT: i64 = 10;

/// Everything registered at start-up (or by `register-commands`).
pub fn definitions() -> Vec<CreateCommand> {
    vec![share_command(), admin_command()]
}

fn share_command() -> CreateCommand {
    let target = |t: TargetType, about: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, t.as_str(), about)
            .add_sub_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    OPT_ID,
                    format!("{} id, e.g. dlc1a2b3c4d5e6f", t.label()),
                )
                .required(true),
            )
            .add_sub_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    OPT_EXPIRY,
                    "How long the link works: 90s, 30m, 12h, 7d, 1h30m (default: the guild's)",
                )
                .set_autocomplete(true),
            )
    };
    CreateCommand::new(SHARE)
        .description("Share a PAI-DLC job or TensorBoard with a time-limited link")
        .contexts(vec![InteractionContext::Guild])
        .add_option(target(TargetType::Job, "Share a DLC training job"))
        .add_option(target(TargetType::Tensorboard, "Share a TensorBoard"))
}

fn admin_command() -> CreateCommand {
    let sub = |name: &str, about: &str| {
        CreateCommandOption::new(CommandOptionType::SubCommand, name, about)
    };
    let role =
        || CreateCommandOption::new(CommandOptionType::Role, "role", "The role").required(true);
    let expiry = |name: &str, about: &str| {
        CreateCommandOption::new(CommandOptionType::String, name, about).set_autocomplete(true)
    };
    CreateCommand::new(SHARE_ADMIN)
        .description("Manage who may share, and for how long")
        .contexts(vec![InteractionContext::Guild])
        .default_member_permissions(Permissions::MANAGE_GUILD)
        .add_option(
            CreateCommandOption::new(CommandOptionType::SubCommandGroup, "roles", "Allowed roles")
                .add_sub_option(sub("add", "Allow a role to share").add_sub_option(role()))
                .add_sub_option(sub("remove", "Stop allowing a role").add_sub_option(role()))
                .add_sub_option(sub("list", "List the allowed roles")),
        )
        .add_option(
            CreateCommandOption::new(CommandOptionType::SubCommandGroup, "policy", "Share policy")
                .add_sub_option(sub("show", "Show the guild's policy"))
                .add_sub_option(
                    sub("set", "Change the default and/or maximum expiry")
                        .add_sub_option(expiry("default_expiry", "Used when /share has no expiry"))
                        .add_sub_option(expiry(
                            "max_expiry",
                            "The longest expiry members may ask for",
                        )),
                ),
        )
        .add_option(
            sub("audit", "Recent share attempts")
                .add_sub_option(CreateCommandOption::new(
                    CommandOptionType::User,
                    "user",
                    "Only this member",
                ))
                .add_sub_option(
                    CreateCommandOption::new(
                        CommandOptionType::Integer,
                        "limit",
                        "How many rows (1–25)",
                    )
                    .min_int_value(1)
                    .max_int_value(AUDIT_MAX_LIMIT as u64),
                ),
        )
}

/// A parsed command invocation: option values are still raw text where the core validates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    Share {
        target_type: TargetType,
        id: String,
        expiry: Option<String>,
    },
    Admin {
        command: AdminCommand,
        /// The display name Discord resolved for a `role` option, for the reply.
        role_name: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown command `{0}`")]
pub struct UnknownCommand(pub String);

/// Walks the option tree of an interaction. Works on the raw option data so the same code
/// serves commands and autocompletes.
pub fn parse(cmd: &CommandInteraction) -> Result<Invocation, UnknownCommand> {
    let unknown = || UnknownCommand(command_path(cmd));
    let (path, leaf) = flatten(&cmd.data.options);
    match (cmd.data.name.as_str(), path.as_slice()) {
        (SHARE, [sub]) => {
            let target_type = sub.parse::<TargetType>().map_err(|_| unknown())?;
            Ok(Invocation::Share {
                target_type,
                id: string(leaf, OPT_ID).unwrap_or_default(),
                expiry: string(leaf, OPT_EXPIRY).filter(|s| !s.trim().is_empty()),
            })
        }
        (SHARE_ADMIN, ["roles", action @ ("add" | "remove")]) => {
            let role = leaf
                .iter()
                .find(|o| o.name == "role")
                .and_then(|o| o.value.as_role_id())
                .ok_or_else(unknown)?;
            let role_name = cmd.data.resolved.roles.get(&role).map(|r| r.name.clone());
            let role = RoleId(role.get());
            let command = if *action == "add" {
                AdminCommand::RolesAdd { role }
            } else {
                AdminCommand::RolesRemove { role }
            };
            Ok(Invocation::Admin { command, role_name })
        }
        (SHARE_ADMIN, ["roles", "list"]) => Ok(admin(AdminCommand::RolesList)),
        (SHARE_ADMIN, ["policy", "show"]) => Ok(admin(AdminCommand::PolicyShow)),
        (SHARE_ADMIN, ["policy", "set"]) => Ok(admin(AdminCommand::PolicySet {
            default_expiry: string(leaf, "default_expiry"),
            max_expiry: string(leaf, "max_expiry"),
        })),
        (SHARE_ADMIN, ["audit"]) => Ok(admin(AdminCommand::Audit {
            user: leaf
                .iter()
                .find(|o| o.name == "user")
                .and_then(|o| o.value.as_user_id())
                .map(|u| UserId(u.get())),
            limit: leaf
                .iter()
                .find(|o| o.name == "limit")
                .and_then(|o| o.value.as_i64())
                .unwrap_or(AUDIT_DEFAULT_LIMIT),
        })),
        _ => Err(unknown()),
    }
}

fn admin(command: AdminCommand) -> Invocation {
    Invocation::Admin {
        command,
        role_name: None,
    }
}

/// The focused option of an autocomplete interaction and what has been typed so far.
pub fn focused(cmd: &CommandInteraction) -> Option<(&str, &str)> {
    let (_, leaf) = flatten(&cmd.data.options);
    leaf.iter().find_map(|o| match &o.value {
        CommandDataOptionValue::Autocomplete { value, .. } => {
            Some((o.name.as_str(), value.as_str()))
        }
        _ => None,
    })
}

/// `share job` for logs, whatever the interaction carried.
pub fn command_path(cmd: &CommandInteraction) -> String {
    let (path, _) = flatten(&cmd.data.options);
    std::iter::once(cmd.data.name.as_str())
        .chain(path)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Descends through subcommand groups and subcommands: their names, and the leaf options.
fn flatten(options: &[CommandDataOption]) -> (Vec<&str>, &[CommandDataOption]) {
    let mut path = Vec::new();
    let mut current = options;
    while let [only] = current {
        match &only.value {
            CommandDataOptionValue::SubCommandGroup(inner)
            | CommandDataOptionValue::SubCommand(inner) => {
                path.push(only.name.as_str());
                current = inner;
            }
            _ => break,
        }
    }
    (path, current)
}

fn string(options: &[CommandDataOption], name: &str) -> Option<String> {
    options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| match &o.value {
            CommandDataOptionValue::String(s) => Some(s.clone()),
            CommandDataOptionValue::Autocomplete { value, .. } => Some(value.clone()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_follow_the_spec() {
        let json = serde_json::to_value(definitions()).unwrap();
        let share = &json[0];
        assert_eq!(share["name"], "share");
        let subs: Vec<&str> = share["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(subs, ["job", "tensorboard"]);
        for sub in share["options"].as_array().unwrap() {
            let opts = sub["options"].as_array().unwrap();
            assert_eq!(opts[0]["name"], "id");
            assert_eq!(opts[0]["required"], true);
            assert_eq!(opts[1]["name"], "expiry");
            assert_eq!(opts[1]["autocomplete"], true);
        }
        let admin = &json[1];
        assert_eq!(admin["name"], "share-admin");
        assert_eq!(
            admin["default_member_permissions"],
            Permissions::MANAGE_GUILD.bits().to_string()
        );
        let groups: Vec<(&str, u64)> = admin["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o["name"].as_str().unwrap(), o["type"].as_u64().unwrap()))
            .collect();
        assert_eq!(groups, [("roles", 2), ("policy", 2), ("audit", 1)]);
        let set = &admin["options"][1]["options"][1];
        assert_eq!(set["name"], "set");
        let names: Vec<&str> = set["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["default_expiry", "max_expiry"]);
        let audit: Vec<&str> = admin["options"][2]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(audit, ["user", "limit"]);
    }
}
