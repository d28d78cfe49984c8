//! The slash commands (`docs/commands.md`) as ONE table: each subcommand's name, description,
//! options (names, types, constraints, what autocomplete suggests) and how it parses into the
//! core's request. Registration, parsing and autocomplete routing all read the table, so an
//! option's name is written once. Descriptions, in every language, are in `locales/*/share.ftl` and
//! `locales/*/admin.ftl`, beside the replies.
//!
//! To add a `/share-admin` subcommand: an entry in [`TABLE`], its `AdminCommand` and decision
//! in the core, its reply in `discord::admin`, and its words (description and replies) in the
//! four `admin.ftl` files.

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

/// Option names, each written once.
pub mod opt {
    pub const ID: &str = "id";
    pub const EXPIRY: &str = "expiry";
    pub const REASON: &str = "reason";
    pub const ROLE: &str = "role";
    pub const MAX_EXPIRY: &str = "max_expiry";
    pub const DEFAULT_EXPIRY: &str = "default_expiry";
    pub const REQUIRE_REASON: &str = "require_reason";
    pub const AUDIT_CHANNEL: &str = "audit_channel";
    pub const APPROVALS_CHANNEL: &str = "approvals_channel";
    pub const APPROVER_ROLE: &str = "approver_role";
    pub const CHANNEL: &str = "channel";
    pub const SETTING: &str = "setting";
    pub const USER: &str = "user";
    pub const LIMIT: &str = "limit";
    pub const WORKSPACE: &str = "workspace";
}

/// Channels `/share` can be typed in (threads count as their parent channel).
const SHARE_CHANNEL_TYPES: &[ChannelType] = &[
    ChannelType::Text,
    ChannelType::News,
    ChannelType::Forum,
    ChannelType::Voice,
    ChannelType::Stage,
];
/// Channels the bot can post audit messages in.
const POST_CHANNEL_TYPES: &[ChannelType] = &[ChannelType::Text, ChannelType::News];

/// Default number of rows `/share-admin audit` shows (the core caps it at `AUDIT_MAX_LIMIT`).
pub const AUDIT_DEFAULT_LIMIT: i64 = 10;

/// What an autocompleted option offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suggest {
    /// Expiries up to the guild's maximum (a `/share`, explain, a role's cap).
    ExpiryInGuild,
    /// Expiries up to the operator's ceiling (the guild's own policy).
    ExpiryToCeiling,
    /// Recent jobs or TensorBoards (the subcommand says which), for `/share`'s `id`.
    Targets,
}

/// An option's type and constraints.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text {
        max_chars: Option<u16>,
    },
    /// A job or TensorBoard id, autocompleted with recent ones; the core validates it.
    TargetId,
    Expiry(Suggest),
    Count {
        max: u64,
    },
    Yes,
    User,
    Role,
    Channel(&'static [ChannelType]),
    /// One of the policy's settings, offered as choices.
    Setting,
}

/// One option of a subcommand.
#[derive(Debug, Clone, Copy)]
struct Opt {
    name: &'static str,
    /// The description's message id.
    about: &'static str,
    kind: Kind,
    required: bool,
}

const fn opt(name: &'static str, about: &'static str, kind: Kind) -> Opt {
    Opt {
        name,
        about,
        kind,
        required: false,
    }
}

const fn required(name: &'static str, about: &'static str, kind: Kind) -> Opt {
    Opt {
        name,
        about,
        kind,
        required: true,
    }
}

/// One subcommand: where it sits, what it says, its options, and how it parses.
pub struct Sub {
    command: &'static str,
    /// The subcommand group and its description id, if any.
    group: Option<(&'static str, &'static str)>,
    name: &'static str,
    about: &'static str,
    options: &'static [Opt],
    /// `None` when a required option is missing (Discord never sends that).
    parse: fn(&Args<'_>) -> Option<Invocation>,
}

const ROLES: Option<(&str, &str)> = Some(("roles", "grp-roles"));
const CHANNELS: Option<(&str, &str)> = Some(("channels", "grp-channels"));
const POLICY: Option<(&str, &str)> = Some(("policy", "grp-policy"));
const WORKSPACES: Option<(&str, &str)> = Some(("workspaces", "grp-workspaces"));

const SHARE_OPTIONS_JOB: &[Opt] = &[
    required(opt::ID, "opt-id-job", Kind::TargetId),
    opt(
        opt::EXPIRY,
        "opt-expiry",
        Kind::Expiry(Suggest::ExpiryInGuild),
    ),
    opt(
        opt::REASON,
        "opt-reason",
        Kind::Text {
            max_chars: Some(REASON_MAX_CHARS as u16),
        },
    ),
];
const SHARE_OPTIONS_TENSORBOARD: &[Opt] = &[
    required(opt::ID, "opt-id-tensorboard", Kind::TargetId),
    SHARE_OPTIONS_JOB[1],
    SHARE_OPTIONS_JOB[2],
];
const ROLE: Opt = required(opt::ROLE, "opt-role", Kind::Role);
/// A PAI workspace id, as typed; the core checks it.
const WORKSPACE: Opt = required(
    opt::WORKSPACE,
    "opt-workspace",
    Kind::Text {
        max_chars: Some(64),
    },
);

const CHANNEL: Opt = required(
    opt::CHANNEL,
    "opt-channel",
    Kind::Channel(SHARE_CHANNEL_TYPES),
);

/// Every command and subcommand the bot has, in the order Discord lists them.
pub static TABLE: &[Sub] = &[
    Sub {
        command: SHARE,
        group: None,
        name: "job",
        about: "cmd-share-job",
        options: SHARE_OPTIONS_JOB,
        parse: share,
    },
    Sub {
        command: SHARE,
        group: None,
        name: "tensorboard",
        about: "cmd-share-tensorboard",
        options: SHARE_OPTIONS_TENSORBOARD,
        parse: share,
    },
    Sub {
        command: SHARE_ADMIN,
        group: ROLES,
        name: "add",
        about: "cmd-roles-add",
        options: &[
            ROLE,
            opt(
                opt::MAX_EXPIRY,
                "opt-role-max-expiry",
                Kind::Expiry(Suggest::ExpiryInGuild),
            ),
        ],
        parse: |a| {
            let (role, role_name) = a.role(opt::ROLE)?;
            Some(Invocation::Admin {
                command: AdminCommand::RolesAdd {
                    role,
                    max_expiry: a.string(opt::MAX_EXPIRY),
                },
                role_name,
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: ROLES,
        name: "remove",
        about: "cmd-roles-remove",
        options: &[ROLE],
        parse: |a| {
            let (role, role_name) = a.role(opt::ROLE)?;
            Some(Invocation::Admin {
                command: AdminCommand::RolesRemove { role },
                role_name,
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: ROLES,
        name: "list",
        about: "cmd-roles-list",
        options: &[],
        parse: |_| admin(AdminCommand::RolesList),
    },
    Sub {
        command: SHARE_ADMIN,
        group: CHANNELS,
        name: "add",
        about: "cmd-channels-add",
        options: &[CHANNEL],
        parse: |a| {
            admin(AdminCommand::ChannelsAdd {
                channel: a.channel(opt::CHANNEL)?,
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: CHANNELS,
        name: "remove",
        about: "cmd-channels-remove",
        options: &[CHANNEL],
        parse: |a| {
            admin(AdminCommand::ChannelsRemove {
                channel: a.channel(opt::CHANNEL)?,
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: CHANNELS,
        name: "list",
        about: "cmd-channels-list",
        options: &[],
        parse: |_| admin(AdminCommand::ChannelsList),
    },
    Sub {
        command: SHARE_ADMIN,
        group: WORKSPACES,
        name: "add",
        about: "cmd-workspaces-add",
        options: &[WORKSPACE],
        parse: |a| {
            admin(AdminCommand::WorkspacesAdd {
                workspace: a.string(opt::WORKSPACE).unwrap_or_default(),
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: WORKSPACES,
        name: "remove",
        about: "cmd-workspaces-remove",
        options: &[WORKSPACE],
        parse: |a| {
            admin(AdminCommand::WorkspacesRemove {
                workspace: a.string(opt::WORKSPACE).unwrap_or_default(),
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: WORKSPACES,
        name: "list",
        about: "cmd-workspaces-list",
        options: &[],
        parse: |_| admin(AdminCommand::WorkspacesList),
    },
    Sub {
        command: SHARE_ADMIN,
        group: POLICY,
        name: "show",
        about: "cmd-policy-show",
        options: &[],
        parse: |_| admin(AdminCommand::PolicyShow),
    },
    Sub {
        command: SHARE_ADMIN,
        group: POLICY,
        name: "set",
        about: "cmd-policy-set",
        options: &[
            opt(
                opt::DEFAULT_EXPIRY,
                "opt-default-expiry",
                Kind::Expiry(Suggest::ExpiryToCeiling),
            ),
            opt(
                opt::MAX_EXPIRY,
                "opt-max-expiry",
                Kind::Expiry(Suggest::ExpiryToCeiling),
            ),
            opt(opt::REQUIRE_REASON, "opt-require-reason", Kind::Yes),
            opt(
                opt::AUDIT_CHANNEL,
                "opt-audit-channel",
                Kind::Channel(POST_CHANNEL_TYPES),
            ),
            opt(
                opt::APPROVALS_CHANNEL,
                "opt-approvals-channel",
                Kind::Channel(POST_CHANNEL_TYPES),
            ),
            opt(opt::APPROVER_ROLE, "opt-approver-role", Kind::Role),
        ],
        parse: |a| {
            admin(AdminCommand::PolicySet {
                default_expiry: a.string(opt::DEFAULT_EXPIRY),
                max_expiry: a.string(opt::MAX_EXPIRY),
                require_reason: a.boolean(opt::REQUIRE_REASON),
                audit_channel: a.channel(opt::AUDIT_CHANNEL),
                approvals_channel: a.channel(opt::APPROVALS_CHANNEL),
                approver_role: a.role(opt::APPROVER_ROLE).map(|(role, _)| role),
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: POLICY,
        name: "clear",
        about: "cmd-policy-clear",
        options: &[required(opt::SETTING, "opt-setting", Kind::Setting)],
        parse: |a| {
            admin(AdminCommand::PolicyClear {
                setting: a.string(opt::SETTING).unwrap_or_default(),
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: None,
        name: "audit",
        about: "cmd-audit",
        options: &[
            opt(opt::USER, "opt-audit-user", Kind::User),
            opt(
                opt::LIMIT,
                "opt-audit-limit",
                Kind::Count {
                    max: AUDIT_MAX_LIMIT as u64,
                },
            ),
        ],
        parse: |a| {
            admin(AdminCommand::Audit {
                user: a.user(opt::USER),
                limit: a.integer(opt::LIMIT).unwrap_or(AUDIT_DEFAULT_LIMIT),
            })
        },
    },
    Sub {
        command: SHARE_ADMIN,
        group: None,
        name: "explain",
        about: "cmd-explain",
        options: &[
            required(opt::USER, "opt-explain-user", Kind::User),
            opt(
                opt::EXPIRY,
                "opt-explain-expiry",
                Kind::Expiry(Suggest::ExpiryInGuild),
            ),
            opt(
                opt::CHANNEL,
                "opt-explain-channel",
                Kind::Channel(SHARE_CHANNEL_TYPES),
            ),
            opt(opt::ID, "opt-explain-id", Kind::Text { max_chars: None }),
        ],
        parse: explain,
    },
];

/// The commands themselves: name, description id, and whether only admins see it.
const COMMANDS: [(&str, &str, bool); 2] = [
    (SHARE, "cmd-share", false),
    (SHARE_ADMIN, "cmd-admin", true),
];

/// Everything registered at start-up (or by `register-commands`), built from [`TABLE`].
pub fn definitions() -> Vec<CreateCommand> {
    COMMANDS
        .iter()
        .map(|&(name, about, admin_only)| {
            let mut command = command(name, about).contexts(vec![InteractionContext::Guild]);
            if admin_only {
                command = command.default_member_permissions(Permissions::MANAGE_GUILD);
            }
            // Groups in the order of their first subcommand.
            let mut groups: Vec<(&str, &str, Vec<CreateCommandOption>)> = Vec::new();
            let mut top: Vec<(Option<usize>, CreateCommandOption)> = Vec::new();
            for sub in TABLE.iter().filter(|s| s.command == name) {
                let built = sub.options.iter().fold(
                    option(CommandOptionType::SubCommand, sub.name, sub.about),
                    |o, x| o.add_sub_option(build_option(x)),
                );
                match sub.group {
                    None => top.push((None, built)),
                    Some((group, group_about)) => {
                        match groups.iter_mut().position(|(g, ..)| *g == group) {
                            Some(i) => groups[i].2.push(built),
                            None => {
                                top.push((
                                    Some(groups.len()),
                                    option(CommandOptionType::SubCommandGroup, group, group_about),
                                ));
                                groups.push((group, group_about, vec![built]));
                            }
                        }
                    }
                }
            }
            let mut groups: Vec<Option<Vec<CreateCommandOption>>> =
                groups.into_iter().map(|(_, _, subs)| Some(subs)).collect();
            top.into_iter()
                .fold(command, |command, (group, option)| match group {
                    None => command.add_option(option),
                    Some(i) => command.add_option(
                        groups[i]
                            .take()
                            .unwrap_or_default()
                            .into_iter()
                            .fold(option, CreateCommandOption::add_sub_option),
                    ),
                })
        })
        .collect()
}

fn build_option(o: &Opt) -> CreateCommandOption {
    let built = match o.kind {
        Kind::Text { max_chars } => {
            let text = option(CommandOptionType::String, o.name, o.about);
            match max_chars {
                Some(max) => text.min_length(1).max_length(max),
                None => text,
            }
        }
        Kind::Expiry(_) | Kind::TargetId => {
            option(CommandOptionType::String, o.name, o.about).set_autocomplete(true)
        }
        Kind::Count { max } => option(CommandOptionType::Integer, o.name, o.about)
            .min_int_value(1)
            .max_int_value(max),
        Kind::Yes => option(CommandOptionType::Boolean, o.name, o.about),
        Kind::User => option(CommandOptionType::User, o.name, o.about),
        Kind::Role => option(CommandOptionType::Role, o.name, o.about),
        Kind::Channel(types) => {
            option(CommandOptionType::Channel, o.name, o.about).channel_types(types.to_vec())
        }
        Kind::Setting => PolicySetting::ALL.iter().fold(
            option(CommandOptionType::String, o.name, o.about),
            |option, s| {
                let localized = Lang::TRANSLATED.map(|lang| (lang.code(), setting_label(lang, *s)));
                option.add_string_choice_localized(
                    setting_label(Lang::En, *s),
                    s.as_str(),
                    localized,
                )
            },
        ),
    };
    built.required(o.required)
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
/// in the table; the catalogue test checks each against the `.ftl` files.
fn described(lang: Lang, about: &str) -> String {
    super::i18n::message(lang, about, Vec::new())
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

/// The table's entry for a command and its path (`["roles", "add"]`).
fn find(command: &str, path: &[&str]) -> Option<&'static Sub> {
    TABLE.iter().find(|s| {
        s.command == command
            && match (s.group, path) {
                (None, [name]) => *name == s.name,
                (Some((group, _)), [g, name]) => *g == group && *name == s.name,
                _ => false,
            }
    })
}

/// The table's entry for an interaction, and its options.
fn sub_of(cmd: &CommandInteraction) -> Option<(&'static Sub, &[CommandDataOption])> {
    let (path, leaf) = flatten(&cmd.data.options);
    Some((find(&cmd.data.name, &path)?, leaf))
}

/// Reads an interaction into its [`Invocation`] with its table entry's parser. Works on the
/// raw option data, so commands and autocompletes read alike.
pub fn parse(cmd: &CommandInteraction) -> Result<Invocation, UnknownCommand> {
    let unknown = || UnknownCommand(command_path(cmd));
    let (sub, leaf) = sub_of(cmd).ok_or_else(unknown)?;
    (sub.parse)(&Args { cmd, sub, leaf }).ok_or_else(unknown)
}

/// What autocomplete offers for the option being typed, as its table entry says.
pub fn suggestions_for(cmd: &CommandInteraction, option: &str) -> Option<Suggest> {
    sub_of(cmd)?.0.suggests(option)
}

impl Sub {
    fn suggests(&self, option: &str) -> Option<Suggest> {
        self.options
            .iter()
            .find(|o| o.name == option)
            .and_then(|o| match o.kind {
                Kind::Expiry(suggest) => Some(suggest),
                Kind::TargetId => Some(Suggest::Targets),
                _ => None,
            })
    }
}

/// One interaction's options, read by name.
pub struct Args<'a> {
    cmd: &'a CommandInteraction,
    sub: &'static Sub,
    leaf: &'a [CommandDataOption],
}

impl Args<'_> {
    fn value(&self, name: &str) -> Option<&CommandDataOptionValue> {
        self.leaf.iter().find(|o| o.name == name).map(|o| &o.value)
    }

    fn string(&self, name: &str) -> Option<String> {
        match self.value(name)? {
            CommandDataOptionValue::String(s) => Some(s.clone()),
            CommandDataOptionValue::Autocomplete { value, .. } => Some(value.clone()),
            _ => None,
        }
    }

    /// The role, and the name Discord resolved for it.
    fn role(&self, name: &str) -> Option<(RoleId, Option<String>)> {
        let role = self.value(name)?.as_role_id()?;
        let role_name = self
            .cmd
            .data
            .resolved
            .roles
            .get(&role)
            .map(|r| r.name.clone());
        Some((RoleId(role.get()), role_name))
    }

    fn channel(&self, name: &str) -> Option<ChannelId> {
        self.value(name)?
            .as_channel_id()
            .map(|c| ChannelId(c.get()))
    }

    fn user(&self, name: &str) -> Option<UserId> {
        self.value(name)?.as_user_id().map(|u| UserId(u.get()))
    }

    fn boolean(&self, name: &str) -> Option<bool> {
        self.value(name)?.as_bool()
    }

    fn integer(&self, name: &str) -> Option<i64> {
        self.value(name)?.as_i64()
    }
}

fn admin(command: AdminCommand) -> Option<Invocation> {
    Some(Invocation::Admin {
        command,
        role_name: None,
    })
}

/// `/share job|tensorboard`: the subcommand's name is the target type.
fn share(a: &Args<'_>) -> Option<Invocation> {
    Some(Invocation::Share {
        target_type: a.sub.name.parse().ok()?,
        id: a.string(opt::ID).unwrap_or_default(),
        expiry: a.string(opt::EXPIRY).filter(|s| !s.trim().is_empty()),
        // Kept as typed, even blank: the core refuses a blank reason rather than treating it
        // as none.
        reason: a.string(opt::REASON),
    })
}

/// `/share-admin explain`: the member's roles and the channel come from Discord's resolved
/// data, as the dry run needs them.
fn explain(a: &Args<'_>) -> Option<Invocation> {
    let user = a.value(opt::USER)?.as_user_id()?;
    let guild = a.cmd.guild_id.map(|g| RoleId(g.get()));
    // Discord resolves a member only for someone in the guild; their roles leave out
    // `@everyone` (the guild's id), which an admin may have allowed.
    let roles = a.cmd.data.resolved.members.get(&user).map(|m| {
        m.roles
            .iter()
            .map(|r| RoleId(r.get()))
            .chain(guild)
            .collect()
    });
    let place = match a.value(opt::CHANNEL) {
        Some(value) => {
            value
                .as_channel_id()
                .map(|id| match a.cmd.data.resolved.channels.get(&id) {
                    Some(c) => place_of(c),
                    None => ChannelPlace {
                        channel: ChannelId(id.get()),
                        parent: None,
                    },
                })
        }
        None => invoked_in(a.cmd),
    };
    admin(AdminCommand::Explain {
        target: ExplainTarget {
            user: UserId(user.get()),
            roles,
            place,
        },
        expiry: a.string(opt::EXPIRY).filter(|s| !s.trim().is_empty()),
        id: a.string(opt::ID),
    })
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

/// For the channel allowlist a thread is its parent channel; other channels stand for themselves.
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
            // Command and option names are not localized: people type them, and the docs use them.
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
    fn the_table_routes_each_path_once_and_autocomplete_by_its_options() {
        for sub in TABLE {
            let path: Vec<&str> = sub
                .group
                .map(|(g, _)| g)
                .into_iter()
                .chain([sub.name])
                .collect();
            assert!(
                std::ptr::eq(find(sub.command, &path).unwrap(), sub),
                "{} {path:?} is routed to another entry",
                sub.command
            );
            let mut names: Vec<&str> = sub.options.iter().map(|o| o.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), sub.options.len(), "{path:?}: an option twice");
        }
        let suggests = |command: &str, path: &[&str], option: &str| {
            find(command, path).unwrap().suggests(option)
        };
        let in_guild = Some(Suggest::ExpiryInGuild);
        let to_ceiling = Some(Suggest::ExpiryToCeiling);
        assert_eq!(suggests(SHARE, &["job"], opt::EXPIRY), in_guild);
        assert_eq!(suggests(SHARE, &["tensorboard"], opt::EXPIRY), in_guild);
        assert_eq!(suggests(SHARE_ADMIN, &["explain"], opt::EXPIRY), in_guild);
        assert_eq!(
            suggests(SHARE_ADMIN, &["roles", "add"], opt::MAX_EXPIRY),
            in_guild
        );
        assert_eq!(
            suggests(SHARE_ADMIN, &["policy", "set"], opt::MAX_EXPIRY),
            to_ceiling
        );
        assert_eq!(
            suggests(SHARE_ADMIN, &["policy", "set"], opt::DEFAULT_EXPIRY),
            to_ceiling
        );
        assert_eq!(suggests(SHARE, &["job"], opt::ID), Some(Suggest::Targets));
        assert_eq!(
            suggests(SHARE, &["tensorboard"], opt::ID),
            Some(Suggest::Targets)
        );
        assert_eq!(suggests(SHARE, &["job"], opt::REASON), None);
        assert!(find(SHARE_ADMIN, &["roles"]).is_none());
        assert!(find(SHARE_ADMIN, &["policy", "add"]).is_none());
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
            assert_eq!(opts[0]["autocomplete"], true, "recent targets");
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
                ("workspaces", 2),
                ("policy", 2),
                ("audit", 1),
                ("explain", 1)
            ]
        );
        let cases: [(&[&str], &[&str]); 13] = [
            (&["roles", "add"], &["role", "max_expiry"]),
            (&["roles", "remove"], &["role"]),
            (&["roles", "list"], &[]),
            (&["channels", "add"], &["channel"]),
            (&["channels", "remove"], &["channel"]),
            (&["channels", "list"], &[]),
            (&["workspaces", "add"], &["workspace"]),
            (&["workspaces", "remove"], &["workspace"]),
            (&["workspaces", "list"], &[]),
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
            (&["explain"], &["user", "expiry", "channel", "id"]),
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
