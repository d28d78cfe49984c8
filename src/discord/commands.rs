//! The slash commands of SPEC §3: their definitions for registration, and the parse of an
//! incoming interaction into a typed [`Invocation`]. Names and option names live only here;
//! descriptions, in every language, in `locales/*/commands.ftl`.

use serenity::all::{
    ChannelType, CommandDataOption, CommandDataOptionValue, CommandInteraction, CommandOptionType,
    CreateCommand, CreateCommandOption, InteractionContext, PartialChannel, Permissions,
};

use super::i18n::{Lang, tr};
use crate::share::{
    AUDIT_MAX_LIMIT, AdminCommand, ChannelId, ChannelPlace, ExplainTarget, PolicySetting,
    REASON_MAX_CHARS, RoleId, TargetType, UserId,
};

pub const SHARE: &str = "share";
pub const SHARE_ADMIN: &str = "share-admin";
pub const OPT_ID: &str = "id";
pub const OPT_EXPIRY: &str = "expiry";
pub const OPT_REASON: &str = "reason";

/// Channels `/share` can be typed in (threads count as their parent, SPEC §9).
const SHARE_CHANNEL_TYPES: [ChannelType; 5] = [
    ChannelType::Text,
    ChannelType::News,
    ChannelType::Forum,
    ChannelType::Voice,
    ChannelType::Stage,
];
/// Channels the bot can post audit messages in.
const POST_CHANNEL_TYPES: [ChannelType; 2] = [ChannelType::Text, ChannelType::News];

/// Default number of rows `/share-admin audit` shows (the core caps it at `AUDIT_MAX_LIMIT`).
pub const AUDIT_DEFAULT_LIMIT: i64 = 10;

/// Everything registered at start-up (or by `register-commands`).
pub fn definitions() -> Vec<CreateCommand> {
    vec![share_command(), admin_command()]
}

/// An option whose description is the message `about`, in English and with a
/// `description_localizations` entry for every translated language.
fn option(kind: CommandOptionType, name: &str, about: &str) -> CreateCommandOption {
    Lang::TRANSLATED.into_iter().fold(
        CreateCommandOption::new(kind, name, described(Lang::En, about)),
        |o, lang| o.description_localized(lang.code(), described(lang, about)),
    )
}

fn command(name: &str, about: &str) -> CreateCommand {
    Lang::TRANSLATED.into_iter().fold(
        CreateCommand::new(name).description(described(Lang::En, about)),
        |c, lang| c.description_localized(lang.code(), described(lang, about)),
    )
}

/// A description's text, as the catalogue says it. `about` is always one of the literal ids
/// below; the catalogue test checks each against the `.ftl` files.
fn described(lang: Lang, about: &str) -> String {
    super::i18n::message(lang, about, Vec::new())
}

fn share_command() -> CreateCommand {
    let target = |t: TargetType, about: &str, id_about: &str| {
        option(CommandOptionType::SubCommand, t.as_str(), about)
            .add_sub_option(option(CommandOptionType::String, OPT_ID, id_about).required(true))
            .add_sub_option(
                option(CommandOptionType::String, OPT_EXPIRY, "opt-expiry").set_autocomplete(true),
            )
            .add_sub_option(
                option(CommandOptionType::String, OPT_REASON, "opt-reason")
                    .min_length(1)
                    .max_length(REASON_MAX_CHARS as u16),
            )
    };
    command(SHARE, "cmd-share")
        .contexts(vec![InteractionContext::Guild])
        .add_option(target(TargetType::Job, "cmd-share-job", "opt-id-job"))
        .add_option(target(
            TargetType::Tensorboard,
            "cmd-share-tensorboard",
            "opt-id-tensorboard",
        ))
}

/// The label of a `policy clear setting` choice, by setting.
fn setting_label(lang: Lang, s: PolicySetting) -> String {
    match s {
        PolicySetting::DefaultExpiry => tr!(lang, "setting-default_expiry"),
        PolicySetting::MaxExpiry => tr!(lang, "setting-max_expiry"),
        PolicySetting::RequireReason => tr!(lang, "setting-require_reason"),
        PolicySetting::AuditChannel => tr!(lang, "setting-audit_channel"),
        PolicySetting::ApprovalsChannel => tr!(lang, "setting-approvals_channel"),
        PolicySetting::ApproverRole => tr!(lang, "setting-approver_role"),
    }
}

fn admin_command() -> CreateCommand {
    let sub = |name: &str, about: &str| option(CommandOptionType::SubCommand, name, about);
    let group = |name: &str, about: &str| option(CommandOptionType::SubCommandGroup, name, about);
    let role = || option(CommandOptionType::Role, "role", "opt-role").required(true);
    let channel = || {
        option(CommandOptionType::Channel, "channel", "opt-channel")
            .required(true)
            .channel_types(SHARE_CHANNEL_TYPES.to_vec())
    };
    let expiry = |name: &str, about: &str| {
        option(CommandOptionType::String, name, about).set_autocomplete(true)
    };
    let setting = PolicySetting::ALL.iter().fold(
        option(CommandOptionType::String, "setting", "opt-setting").required(true),
        |option, s| {
            let localized = Lang::TRANSLATED.map(|lang| (lang.code(), setting_label(lang, *s)));
            option.add_string_choice_localized(setting_label(Lang::En, *s), s.as_str(), localized)
        },
    );
    command(SHARE_ADMIN, "cmd-admin")
        .contexts(vec![InteractionContext::Guild])
        .default_member_permissions(Permissions::MANAGE_GUILD)
        .add_option(
            group("roles", "grp-roles")
                .add_sub_option(
                    sub("add", "cmd-roles-add")
                        .add_sub_option(role())
                        .add_sub_option(expiry("max_expiry", "opt-role-max-expiry")),
                )
                .add_sub_option(sub("remove", "cmd-roles-remove").add_sub_option(role()))
                .add_sub_option(sub("list", "cmd-roles-list")),
        )
        .add_option(
            group("channels", "grp-channels")
                .add_sub_option(sub("add", "cmd-channels-add").add_sub_option(channel()))
                .add_sub_option(sub("remove", "cmd-channels-remove").add_sub_option(channel()))
                .add_sub_option(sub("list", "cmd-channels-list")),
        )
        .add_option(
            group("policy", "grp-policy")
                .add_sub_option(sub("show", "cmd-policy-show"))
                .add_sub_option(
                    sub("set", "cmd-policy-set")
                        .add_sub_option(expiry("default_expiry", "opt-default-expiry"))
                        .add_sub_option(expiry("max_expiry", "opt-max-expiry"))
                        .add_sub_option(option(
                            CommandOptionType::Boolean,
                            "require_reason",
                            "opt-require-reason",
                        ))
                        .add_sub_option(
                            option(
                                CommandOptionType::Channel,
                                "audit_channel",
                                "opt-audit-channel",
                            )
                            .channel_types(POST_CHANNEL_TYPES.to_vec()),
                        )
                        .add_sub_option(
                            option(
                                CommandOptionType::Channel,
                                "approvals_channel",
                                "opt-approvals-channel",
                            )
                            .channel_types(POST_CHANNEL_TYPES.to_vec()),
                        )
                        .add_sub_option(option(
                            CommandOptionType::Role,
                            "approver_role",
                            "opt-approver-role",
                        )),
                )
                .add_sub_option(sub("clear", "cmd-policy-clear").add_sub_option(setting)),
        )
        .add_option(
            sub("audit", "cmd-audit")
                .add_sub_option(option(CommandOptionType::User, "user", "opt-audit-user"))
                .add_sub_option(
                    option(CommandOptionType::Integer, "limit", "opt-audit-limit")
                        .min_int_value(1)
                        .max_int_value(AUDIT_MAX_LIMIT as u64),
                ),
        )
        .add_option(
            sub("explain", "cmd-explain")
                .add_sub_option(
                    option(CommandOptionType::User, "user", "opt-explain-user").required(true),
                )
                .add_sub_option(expiry(OPT_EXPIRY, "opt-explain-expiry"))
                .add_sub_option(
                    option(CommandOptionType::Channel, "channel", "opt-explain-channel")
                        .channel_types(SHARE_CHANNEL_TYPES.to_vec()),
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
        reason: Option<String>,
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
                // Kept as typed, even blank: the core refuses a blank reason rather than
                // treating it as none.
                reason: string(leaf, OPT_REASON),
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
                AdminCommand::RolesAdd {
                    role,
                    max_expiry: string(leaf, "max_expiry"),
                }
            } else {
                AdminCommand::RolesRemove { role }
            };
            Ok(Invocation::Admin { command, role_name })
        }
        (SHARE_ADMIN, ["roles", "list"]) => Ok(admin(AdminCommand::RolesList)),
        (SHARE_ADMIN, ["channels", action @ ("add" | "remove")]) => {
            let channel = channel_option(leaf, "channel").ok_or_else(unknown)?;
            Ok(admin(if *action == "add" {
                AdminCommand::ChannelsAdd { channel }
            } else {
                AdminCommand::ChannelsRemove { channel }
            }))
        }
        (SHARE_ADMIN, ["channels", "list"]) => Ok(admin(AdminCommand::ChannelsList)),
        (SHARE_ADMIN, ["policy", "show"]) => Ok(admin(AdminCommand::PolicyShow)),
        (SHARE_ADMIN, ["policy", "set"]) => Ok(admin(AdminCommand::PolicySet {
            default_expiry: string(leaf, "default_expiry"),
            max_expiry: string(leaf, "max_expiry"),
            require_reason: leaf
                .iter()
                .find(|o| o.name == "require_reason")
                .and_then(|o| o.value.as_bool()),
            audit_channel: channel_option(leaf, "audit_channel"),
            approvals_channel: channel_option(leaf, "approvals_channel"),
            approver_role: leaf
                .iter()
                .find(|o| o.name == "approver_role")
                .and_then(|o| o.value.as_role_id())
                .map(|r| RoleId(r.get())),
        })),
        (SHARE_ADMIN, ["policy", "clear"]) => Ok(admin(AdminCommand::PolicyClear {
            setting: string(leaf, "setting").unwrap_or_default(),
        })),
        (SHARE_ADMIN, ["explain"]) => {
            let user = leaf
                .iter()
                .find(|o| o.name == "user")
                .and_then(|o| o.value.as_user_id())
                .ok_or_else(unknown)?;
            let guild = cmd.guild_id.map(|g| RoleId(g.get()));
            // Discord resolves a member only for someone in the guild; their roles leave out
            // `@everyone` (the guild's id), which an admin may have allowed.
            let roles = cmd.data.resolved.members.get(&user).map(|m| {
                m.roles
                    .iter()
                    .map(|r| RoleId(r.get()))
                    .chain(guild)
                    .collect()
            });
            let place =
                match leaf.iter().find(|o| o.name == "channel") {
                    Some(o) => o.value.as_channel_id().map(|id| {
                        match cmd.data.resolved.channels.get(&id) {
                            Some(c) => place_of(c),
                            None => ChannelPlace {
                                channel: ChannelId(id.get()),
                                parent: None,
                            },
                        }
                    }),
                    None => invoked_in(cmd),
                };
            Ok(admin(AdminCommand::Explain {
                target: ExplainTarget {
                    user: UserId(user.get()),
                    roles,
                    place,
                },
                expiry: string(leaf, OPT_EXPIRY).filter(|s| !s.trim().is_empty()),
            }))
        }
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

/// Where an interaction was typed: its channel, with the parent when it is a thread.
pub fn invoked_in(cmd: &CommandInteraction) -> Option<ChannelPlace> {
    match &cmd.channel {
        Some(c) => Some(place_of(c)),
        None => Some(ChannelPlace {
            channel: ChannelId(cmd.channel_id.get()),
            parent: None,
        }),
    }
}

/// A thread counts as its parent channel (SPEC §9); other channels stand for themselves.
fn place_of(c: &PartialChannel) -> ChannelPlace {
    let thread = matches!(
        c.kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    );
    ChannelPlace {
        channel: ChannelId(c.id.get()),
        parent: c.parent_id.filter(|_| thread).map(|p| ChannelId(p.get())),
    }
}

fn channel_option(options: &[CommandDataOption], name: &str) -> Option<ChannelId> {
    options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| o.value.as_channel_id())
        .map(|c| ChannelId(c.get()))
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
    use serde_json::Value;

    use super::*;

    fn names(options: &Value) -> Vec<&str> {
        options
            .as_array()
            .map(|a| a.iter().map(|o| o["name"].as_str().unwrap()).collect())
            .unwrap_or_default()
    }

    /// The option at `path` (names of nested options) under a command.
    fn at<'a>(command: &'a Value, path: &[&str]) -> &'a Value {
        path.iter().fold(command, |node, name| {
            node["options"]
                .as_array()
                .and_then(|a| a.iter().find(|o| o["name"] == *name))
                .unwrap_or_else(|| panic!("no option {name} in {node}"))
        })
    }

    /// Every node of a definition: the command, its groups, subcommands and options.
    fn nodes<'a>(node: &'a Value, out: &mut Vec<&'a Value>) {
        out.push(node);
        for o in node["options"].as_array().into_iter().flatten() {
            nodes(o, out);
        }
    }

    #[test]
    fn every_description_and_choice_is_localized_within_discords_limits() {
        let defs: Vec<Value> = definitions()
            .iter()
            .map(|c| serde_json::to_value(c).unwrap())
            .collect();
        let mut all = Vec::new();
        defs.iter().for_each(|d| nodes(d, &mut all));
        assert!(all.len() > 40, "{} nodes", all.len());
        let chars = |v: &Value| v.as_str().unwrap().chars().count();
        for node in &all {
            let english = node["description"].as_str().unwrap();
            assert!(
                (1..=100).contains(&chars(&node["description"])),
                "{english}"
            );
            let localized = node["description_localizations"].as_object().unwrap();
            let codes: Vec<&str> = localized.keys().map(String::as_str).collect();
            assert_eq!(codes.len(), 3, "{english}: {codes:?}");
            for lang in Lang::TRANSLATED {
                let text = &localized[lang.code()];
                assert!((1..=100).contains(&chars(text)), "{}: {text}", lang.code());
                assert_ne!(
                    text.as_str().unwrap(),
                    english,
                    "{}: untranslated",
                    lang.code()
                );
                assert!(!text.as_str().unwrap().starts_with("cmd-"), "{text}");
            }
            // Names stay as SPEC §3 gives them: people type them, and the docs use them.
            assert!(
                node["name_localizations"]
                    .as_object()
                    .is_none_or(|m| m.is_empty()),
                "{node}"
            );
            for choice in node["choices"].as_array().into_iter().flatten() {
                let names = choice["name_localizations"].as_object().unwrap();
                assert_eq!(names.len(), 3, "{choice}");
                for name in names.values() {
                    assert!((1..=100).contains(&chars(name)), "{name}");
                }
            }
        }
        let share = &defs[0];
        assert_eq!(
            share["description_localizations"]["zh-CN"],
            "通过限时链接分享 PAI-DLC 任务或 TensorBoard"
        );
        let clear = at(&defs[1], &["policy", "clear", "setting"]);
        assert_eq!(clear["choices"][0]["value"], "default_expiry");
        assert_eq!(clear["choices"][0]["name"], "default_expiry");
    }

    #[test]
    fn definitions_follow_the_spec() {
        let json = serde_json::to_value(definitions()).unwrap();
        let share = &json[0];
        assert_eq!(share["name"], "share");
        assert_eq!(names(&share["options"]), ["job", "tensorboard"]);
        for sub in share["options"].as_array().unwrap() {
            assert_eq!(names(&sub["options"]), ["id", "expiry", "reason"]);
            let opts = sub["options"].as_array().unwrap();
            assert_eq!(opts[0]["required"], true);
            assert_eq!(opts[1]["autocomplete"], true);
            assert_eq!(
                (
                    opts[2]["min_length"].as_u64(),
                    opts[2]["max_length"].as_u64()
                ),
                (Some(1), Some(200))
            );
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
        assert_eq!(
            groups,
            [
                ("roles", 2),
                ("channels", 2),
                ("policy", 2),
                ("audit", 1),
                ("explain", 1)
            ]
        );
        let cases: [(&[&str], &[&str]); 10] = [
            (&["roles", "add"], &["role", "max_expiry"]),
            (&["roles", "remove"], &["role"]),
            (&["roles", "list"], &[]),
            (&["channels", "add"], &["channel"]),
            (&["channels", "remove"], &["channel"]),
            (&["channels", "list"], &[]),
            (&["policy", "show"], &[]),
            (
                &["policy", "set"],
                &[
                    "default_expiry",
                    "max_expiry",
                    "require_reason",
                    "audit_channel",
                    "approvals_channel",
                    "approver_role",
                ],
            ),
            (&["policy", "clear"], &["setting"]),
            (&["explain"], &["user", "expiry", "channel"]),
        ];
        for (path, options) in cases {
            assert_eq!(names(&at(admin, path)["options"]), options, "{path:?}");
        }
        assert_eq!(names(&at(admin, &["audit"])["options"]), ["user", "limit"]);
        let choices: Vec<&str> = at(admin, &["policy", "clear", "setting"])["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_str().unwrap())
            .collect();
        assert_eq!(
            choices,
            [
                "default_expiry",
                "max_expiry",
                "require_reason",
                "audit_channel",
                "approvals_channel",
                "approver_role"
            ]
        );
        assert_eq!(at(admin, &["policy", "set", "require_reason"])["type"], 5);
        assert_eq!(at(admin, &["policy", "set", "audit_channel"])["type"], 7);
        assert_eq!(at(admin, &["explain", "user"])["required"], true);
    }
}
