//! JSON payloads shaped the way Discord sends them and serenity 0.12.5 parses them.
//!
//! serenity's models are strict and its gateway turns an unparsable event into
//! `Event::Unknown` without a warning, so fields that look optional are often not:
//! an interaction needs `entitlements`, `locale`, `version`, `attachment_size_limit`; a member
//! needs `deaf`, `mute`, `flags`; a role needs `colors.primary_color`, `hoist`, `managed`,
//! `position`, `permissions`; a (sub)command option of type 1/2 needs `options` even when empty;
//! a focused autocomplete option's `value` must be a string whatever the option type.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// Snowflakes of the fake world. The bot user and the application have different ids on purpose,
/// so code that mixes them up fails here.
pub const APPLICATION_ID: u64 = 1_180_000_000_000_000_001;
pub const BOT_USER_ID: u64 = 1_180_000_000_000_000_002;
pub const GUILD_ID: u64 = 1_180_000_000_000_000_100;
pub const CHANNEL_ID: u64 = 1_180_000_000_000_000_200;
/// Default invoking user.
pub const USER_ID: u64 = 1_180_000_000_000_000_300;
pub const BOT_USERNAME: &str = "dlc-share-bot";

/// Permission bits (Discord's `permissions` strings).
pub const ADMINISTRATOR: u64 = 1 << 3;
pub const MANAGE_GUILD: u64 = 1 << 5;
/// What an ordinary member has in a channel: view, send, embed links, read history, use
/// application commands.
pub const MEMBER_PERMISSIONS: u64 = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 31);

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// A fresh, time-ordered snowflake (so `id.created_at()` is "now").
pub fn snowflake() -> u64 {
    static INCREMENT: AtomicU64 = AtomicU64::new(0);
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("system clock after 1970")
        .as_millis() as u64;
    ((now_ms - DISCORD_EPOCH_MS) << 22) | (INCREMENT.fetch_add(1, Ordering::Relaxed) & 0x3f_ffff)
}

/// An ISO 8601 timestamp as Discord writes them.
pub fn timestamp_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// A random-looking opaque token (interaction tokens, session ids).
pub fn opaque_token(prefix: &str) -> String {
    format!("{prefix}{:x}{:x}", snowflake(), snowflake().rotate_left(17))
}

pub fn user(id: u64, username: &str) -> Value {
    json!({
        "id": id.to_string(),
        "username": username,
        "discriminator": "0",
        "global_name": username,
        "avatar": null,
        "public_flags": 0,
    })
}

/// The bot's own user, as `GET /users/@me` and READY return it.
pub fn bot_user() -> Value {
    json!({
        "id": BOT_USER_ID.to_string(),
        "username": BOT_USERNAME,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": true,
        "verified": true,
        "mfa_enabled": false,
        "flags": 0,
        "public_flags": 0,
        "email": null,
        "locale": "en-US",
        "premium_type": 0,
    })
}

/// `GET /applications/@me` (and the older `/oauth2/applications/@me`).
/// Seed of the application's Ed25519 key pair. Fixed, so that [`application`] can publish the
/// public half as `verify_key` and the server can sign what it delivers over HTTP.
const SIGNING_SEED: [u8; 32] = *b"dlc-share-bot test application!!";

/// The key Discord signs HTTP interactions with (its public half is the `verify_key`).
pub fn signing_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&SIGNING_SEED)
}

/// The application's public key in hex, as the Developer Portal shows it.
pub fn public_key_hex() -> String {
    hex::encode(signing_key().verifying_key().to_bytes())
}

pub fn application() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(),
        "name": BOT_USERNAME,
        "icon": null,
        "description": "",
        "rpc_origins": [],
        "bot_public": false,
        "bot_require_code_grant": false,
        "bot": bot_user(),
        "owner": user(USER_ID, "owner"),
        "verify_key": public_key_hex(),
        "team": null,
        "flags": 0,
        "approximate_guild_count": 1,
        "redirect_uris": [],
        "interactions_endpoint_url": null,
    })
}

pub fn gateway(url: &str) -> Value {
    json!({ "url": url })
}

pub fn gateway_bot(url: &str) -> Value {
    json!({
        "url": url,
        "shards": 1,
        "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1,
        },
    })
}

pub fn hello(heartbeat_interval_ms: u64) -> Value {
    json!({ "op": 10, "d": { "heartbeat_interval": heartbeat_interval_ms } })
}

/// READY's `d`. `shard` echoes IDENTIFY's `[id, count]`.
pub fn ready(session_id: &str, resume_gateway_url: &str, guilds: &[u64], shard: &Value) -> Value {
    let guilds: Vec<Value> = guilds
        .iter()
        .map(|id| json!({"id": id.to_string(), "unavailable": true}))
        .collect();
    json!({
        "v": 10,
        "user": bot_user(),
        "guilds": guilds,
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "shard": shard,
        "application": { "id": APPLICATION_ID.to_string(), "flags": 0 },
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
    })
}

/// A guild role with every field serenity 0.12.5 requires (notably `colors`).
pub fn role(id: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": 1,
        "permissions": "0",
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

/// A message as Discord returns it for an interaction response, built from the request `body`.
/// Fields a request cannot set (id, author, timestamps) come from the arguments.
pub fn message(id: &str, channel_id: &Value, flags: u64, body: &Value) -> Value {
    let mut message = message_shell(id, channel_id, flags);
    // CHAT_INPUT_COMMAND, sent through the application's interaction webhook.
    message["type"] = json!(20);
    message["application_id"] = json!(APPLICATION_ID.to_string());
    message["webhook_id"] = json!(APPLICATION_ID.to_string());
    apply_edit(&mut message, body);
    message
}

/// Message flags a bot may set when creating a channel message: SUPPRESS_EMBEDS,
/// SUPPRESS_NOTIFICATIONS, IS_VOICE_MESSAGE, IS_COMPONENTS_V2. EPHEMERAL exists only for
/// interaction responses.
pub const CREATE_MESSAGE_FLAGS: u64 = (1 << 2) | (1 << 12) | (1 << 13) | (1 << 15);

/// A message the bot posted with `POST /channels/{id}/messages` (type 0 DEFAULT, authored by the
/// bot user, no webhook), as Discord answers it.
pub fn channel_message(id: &str, channel_id: u64, body: &Value) -> Value {
    let mut message = message_shell(id, &json!(channel_id.to_string()), 0);
    message["type"] = json!(0);
    if let Some(nonce) = body.get("nonce").filter(|n| !n.is_null()) {
        message["nonce"] = nonce.clone();
    }
    apply_edit(&mut message, body);
    message
}

/// What every message object carries, whatever sent it.
fn message_shell(id: &str, channel_id: &Value, flags: u64) -> Value {
    json!({
        "id": id,
        "channel_id": channel_id,
        "author": message_author(),
        "content": "",
        "timestamp": timestamp_now(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": flags,
    })
}

/// The bot user as a message `author`: a public user object, without the private fields of
/// `GET /users/@me`.
fn message_author() -> Value {
    let mut author = user(BOT_USER_ID, BOT_USERNAME);
    author["global_name"] = Value::Null;
    author["bot"] = json!(true);
    author
}

/// A DM channel (type 1) with `recipient`, as `POST /users/@me/channels` answers it. The
/// recipient is named `user-<id>`: the bot asked by id only.
pub fn dm_channel(channel_id: u64, recipient: u64) -> Value {
    json!({
        "id": channel_id.to_string(),
        "type": channel_type::DM,
        "last_message_id": null,
        "flags": 0,
        "recipients": [user(recipient, &format!("user-{recipient}"))],
    })
}

/// Applies a message create/edit body to a message object, as Discord does: only the fields the
/// body carries change, embeds are reported as `rich`.
pub fn apply_edit(message: &mut Value, body: &Value) {
    for key in ["content", "components", "tts"] {
        if let Some(value) = body.get(key).filter(|v| !v.is_null()) {
            message[key] = value.clone();
        }
    }
    if let Some(embeds) = body.get("embeds").and_then(Value::as_array) {
        let embeds: Vec<Value> = embeds
            .iter()
            .cloned()
            .map(|mut embed| {
                if let Some(embed) = embed.as_object_mut() {
                    embed.entry("type").or_insert_with(|| json!("rich"));
                }
                embed
            })
            .collect();
        message["embeds"] = Value::Array(embeds);
    }
    if let Some(flags) = body.get("flags").and_then(Value::as_u64) {
        // The ephemeral bit (and LOADING) are fixed once sent; other flags follow the body.
        let fixed = message["flags"].as_u64().unwrap_or_default() & (super::EPHEMERAL | 1 << 7);
        message["flags"] = json!(fixed | flags);
    }
}

/// A registered application command as Discord returns it: the request body plus what Discord
/// fills in. `id` is kept when a command with the same name existed before, like Discord.
pub fn registered_command(body: &Value, id: u64, guild_id: Option<u64>) -> Value {
    let mut command = json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "version": snowflake().to_string(),
        "type": 1,
        "description": "",
        "default_member_permissions": null,
        "dm_permission": true,
        "nsfw": false,
        "integration_types": [0],
        "contexts": null,
        "options": [],
    });
    if let Some(guild) = guild_id {
        command["guild_id"] = json!(guild.to_string());
    }
    for (key, value) in body.as_object().into_iter().flatten() {
        if !value.is_null() && !matches!(key.as_str(), "id" | "application_id" | "version") {
            command[key] = value.clone();
        }
    }
    command
}

/// A Discord-style JSON error body.
pub fn error(code: u64, message: &str) -> Value {
    json!({ "code": code, "message": message })
}

/// Option types, as in Discord's `ApplicationCommandOptionType`.
mod option_type {
    pub const SUB_COMMAND: u8 = 1;
    pub const SUB_COMMAND_GROUP: u8 = 2;
    pub const STRING: u8 = 3;
    pub const INTEGER: u8 = 4;
    pub const BOOLEAN: u8 = 5;
    pub const USER: u8 = 6;
    pub const CHANNEL: u8 = 7;
    pub const ROLE: u8 = 8;
}

/// Channel types, as in Discord's `ChannelType`.
mod channel_type {
    pub const GUILD_TEXT: u8 = 0;
    pub const DM: u8 = 1;
    pub const PUBLIC_THREAD: u8 = 11;
}

/// A thread's `thread_metadata`: open, unlocked, archiving after a day of inactivity.
fn thread_metadata() -> Value {
    json!({
        "archived": false,
        "auto_archive_duration": 1440,
        "archive_timestamp": timestamp_now(),
        "locked": false,
        "create_timestamp": timestamp_now(),
    })
}

/// A channel as Discord resolves it for a CHANNEL option: only `id`, `name`, `type` and the
/// invoking member's `permissions` there, plus `parent_id` and `thread_metadata` for a thread.
fn resolved_channel(id: u64, parent: Option<u64>, permissions: u64) -> Value {
    let mut channel = json!({
        "id": id.to_string(),
        "name": format!("channel-{id}"),
        "type": channel_type::GUILD_TEXT,
        "permissions": permissions.to_string(),
    });
    if let Some(parent) = parent {
        channel["name"] = json!(format!("thread-{id}"));
        channel["type"] = json!(channel_type::PUBLIC_THREAD);
        channel["parent_id"] = json!(parent.to_string());
        channel["thread_metadata"] = thread_metadata();
    }
    channel
}

/// Where and by whom an interaction was triggered: the part of the payload a command and a
/// component interaction share.
#[derive(Clone, Debug)]
struct Invoker {
    guild_id: Option<u64>,
    channel_id: u64,
    /// The parent channel when `channel_id` is a public thread.
    thread_parent: Option<u64>,
    user_id: u64,
    username: String,
    roles: Vec<u64>,
    permissions: u64,
    locale: String,
    /// The server's language (`guild_locale` and `guild.locale`).
    guild_locale: String,
}

impl Invoker {
    fn new(channel_id: u64) -> Self {
        Self {
            guild_id: Some(GUILD_ID),
            channel_id,
            thread_parent: None,
            user_id: USER_ID,
            username: "tester".to_owned(),
            roles: Vec::new(),
            permissions: MEMBER_PERMISSIONS,
            locale: "en-US".to_owned(),
            guild_locale: "en-US".to_owned(),
        }
    }

    /// The interaction `channel` object: a text channel or public thread in a guild, else the
    /// DM with the bot.
    fn channel(&self) -> Value {
        let Some(guild_id) = self.guild_id else {
            return json!({"id": self.channel_id.to_string(), "type": channel_type::DM});
        };
        // As Discord sends it: a text channel's own fields, and the member's permissions there.
        let mut channel = json!({
            "id": self.channel_id.to_string(), "type": channel_type::GUILD_TEXT,
            "name": "general", "guild_id": guild_id.to_string(),
            "permissions": self.permissions.to_string(),
            "position": 0, "parent_id": null, "topic": null, "nsfw": false, "flags": 0,
            "rate_limit_per_user": 0, "last_message_id": null,
        });
        if let Some(parent) = self.thread_parent {
            let thread = json!({
                "type": channel_type::PUBLIC_THREAD,
                "name": format!("thread-{}", self.channel_id),
                "parent_id": parent.to_string(),
                "owner_id": self.user_id.to_string(),
                "thread_metadata": thread_metadata(),
                "flags": 0, "last_message_id": null, "rate_limit_per_user": 0,
                "message_count": 0, "member_count": 1, "total_message_sent": 0,
            });
            for (key, value) in thread.as_object().into_iter().flatten() {
                channel[key] = value.clone();
            }
        }
        channel
    }

    /// The INTERACTION_CREATE `d` payload around `data` (and, for components, `message`).
    fn interaction(&self, kind: u8, id: u64, token: &str, data: Value) -> Value {
        let invoker = user(self.user_id, &self.username);
        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": APPLICATION_ID.to_string(),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": self.channel_id.to_string(),
            "channel": self.channel(),
            "locale": self.locale,
            "entitlements": [],
            "attachment_size_limit": 10_485_760,
            // What the bot itself may do in the channel: send messages and embed links.
            "app_permissions": ((1u64 << 10) | (1 << 11) | (1 << 14)).to_string(),
        });
        match self.guild_id {
            Some(guild_id) => {
                interaction["guild_id"] = json!(guild_id.to_string());
                interaction["guild"] = json!({
                    "id": guild_id.to_string(), "locale": self.guild_locale, "features": [],
                });
                interaction["guild_locale"] = json!(self.guild_locale);
                interaction["member"] = json!({
                    "user": invoker,
                    "roles": self.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
                    "joined_at": "2024-01-01T00:00:00.000000+00:00",
                    "premium_since": null,
                    "deaf": false,
                    "mute": false,
                    "flags": 0,
                    "pending": false,
                    "nick": null,
                    "avatar": null,
                    "communication_disabled_until": null,
                    "permissions": self.permissions.to_string(),
                });
                interaction["authorizing_integration_owners"] = json!({"0": guild_id.to_string()});
                interaction["context"] = json!(0);
            }
            None => {
                interaction["user"] = invoker;
                interaction["authorizing_integration_owners"] = json!({"0": "0"});
                interaction["context"] = json!(1);
            }
        }
        interaction
    }
}

#[derive(Clone, Debug)]
struct LeafOption {
    name: String,
    kind: u8,
    value: Value,
}

/// A user an option resolves to, with the role ids of their guild membership.
#[derive(Clone, Debug)]
struct ResolvedUser {
    id: u64,
    username: String,
    roles: Vec<u64>,
}

/// Builder for slash-command (type 2) and autocomplete (type 4) interaction payloads that
/// serenity 0.12.5 accepts. Defaults: guild [`GUILD_ID`], channel [`CHANNEL_ID`], user
/// [`USER_ID`] named `tester` with no roles and [`MEMBER_PERMISSIONS`].
#[derive(Clone, Debug)]
#[must_use]
pub struct CommandInteraction {
    id: Option<u64>,
    token: Option<String>,
    command: String,
    /// Subcommand group and/or subcommand, outermost first.
    path: Vec<String>,
    options: Vec<LeafOption>,
    focused: Option<String>,
    invoker: Invoker,
    resolved_roles: Vec<(u64, String)>,
    resolved_users: Vec<ResolvedUser>,
    /// Channel id and, for a thread, its parent.
    resolved_channels: Vec<(u64, Option<u64>)>,
}

impl CommandInteraction {
    /// `/<command> <path...>`; `path` is empty for a command without subcommands.
    pub fn new(command: &str, path: &[&str]) -> Self {
        Self {
            id: None,
            token: None,
            command: command.to_owned(),
            path: path.iter().map(|p| (*p).to_owned()).collect(),
            options: Vec::new(),
            focused: None,
            invoker: Invoker::new(CHANNEL_ID),
            resolved_roles: Vec::new(),
            resolved_users: Vec::new(),
            resolved_channels: Vec::new(),
        }
    }

    /// `/share <sub>` (`job`, `tensorboard`).
    pub fn share(sub: &str) -> Self {
        Self::new("share", &[sub])
    }

    /// `/share-admin [group] <sub>`: `admin(Some("roles"), "add")`, `admin(None, "audit")`.
    pub fn admin(group: Option<&str>, sub: &str) -> Self {
        let path: Vec<&str> = group.into_iter().chain([sub]).collect();
        Self::new("share-admin", &path)
    }

    fn set_option(mut self, name: &str, kind: u8, value: Value) -> Self {
        self.options.retain(|o| o.name != name);
        self.options.push(LeafOption {
            name: name.to_owned(),
            kind,
            value,
        });
        self
    }

    pub fn option_str(self, name: &str, value: &str) -> Self {
        self.set_option(name, option_type::STRING, json!(value))
    }

    pub fn option_int(self, name: &str, value: i64) -> Self {
        self.set_option(name, option_type::INTEGER, json!(value))
    }

    pub fn option_bool(self, name: &str, value: bool) -> Self {
        self.set_option(name, option_type::BOOLEAN, json!(value))
    }

    /// A role option; the resolved role is named `role-<id>`.
    pub fn option_role(self, name: &str, role_id: u64) -> Self {
        self.option_role_named(name, role_id, &format!("role-{role_id}"))
    }

    /// A role option with `resolved.roles` carrying a role of that name.
    pub fn option_role_named(mut self, name: &str, role_id: u64, role_name: &str) -> Self {
        self.resolved_roles.retain(|(id, _)| *id != role_id);
        self.resolved_roles.push((role_id, role_name.to_owned()));
        self.set_option(name, option_type::ROLE, json!(role_id.to_string()))
    }

    /// A user option with `resolved.users` and `resolved.members` entries; the member holds no
    /// roles.
    pub fn option_user(self, name: &str, user_id: u64, username: &str) -> Self {
        self.option_member(name, user_id, username, [])
    }

    /// A user option whose `resolved.members` entry holds these role ids, as Discord sends it
    /// for a member of the guild (what `/share-admin explain` reads the member's roles from).
    pub fn option_member(
        mut self,
        name: &str,
        user_id: u64,
        username: &str,
        roles: impl IntoIterator<Item = u64>,
    ) -> Self {
        self.resolved_users.retain(|u| u.id != user_id);
        self.resolved_users.push(ResolvedUser {
            id: user_id,
            username: username.to_owned(),
            roles: roles.into_iter().collect(),
        });
        self.set_option(name, option_type::USER, json!(user_id.to_string()))
    }

    /// A channel option on a guild text channel, with its `resolved.channels` entry (named
    /// `channel-<id>`).
    pub fn option_channel(mut self, name: &str, channel_id: u64) -> Self {
        self.resolved_channels.retain(|(id, _)| *id != channel_id);
        self.resolved_channels.push((channel_id, None));
        self.set_option(name, option_type::CHANNEL, json!(channel_id.to_string()))
    }

    /// A channel option on a public thread of `parent_id`: its `resolved.channels` entry has
    /// type 11, `parent_id` and `thread_metadata`.
    pub fn option_thread(mut self, name: &str, thread_id: u64, parent_id: u64) -> Self {
        self.resolved_channels.retain(|(id, _)| *id != thread_id);
        self.resolved_channels.push((thread_id, Some(parent_id)));
        self.set_option(name, option_type::CHANNEL, json!(thread_id.to_string()))
    }

    /// Role ids of the invoking member.
    pub fn roles(mut self, roles: impl IntoIterator<Item = u64>) -> Self {
        self.invoker.roles = roles.into_iter().collect();
        self
    }

    /// Permission bits of the invoking member in the channel (e.g. [`MANAGE_GUILD`]).
    pub fn permissions(mut self, bits: u64) -> Self {
        self.invoker.permissions = bits;
        self
    }

    pub fn user(mut self, user_id: u64, username: &str) -> Self {
        self.invoker.user_id = user_id;
        self.invoker.username = username.to_owned();
        self
    }

    pub fn guild(mut self, guild_id: u64) -> Self {
        self.invoker.guild_id = Some(guild_id);
        self
    }

    /// Invoked in this guild text channel (default [`CHANNEL_ID`]).
    pub fn channel(mut self, channel_id: u64) -> Self {
        self.invoker.channel_id = channel_id;
        self.invoker.thread_parent = None;
        self
    }

    /// Invoked in a public thread (type 11) of `parent_id`: `channel_id` is the thread, and the
    /// interaction's `channel` object carries `parent_id` (a thread counts as its parent in
    /// the bot's channel allowlist).
    pub fn in_thread(mut self, thread_id: u64, parent_id: u64) -> Self {
        self.invoker.channel_id = thread_id;
        self.invoker.thread_parent = Some(parent_id);
        self
    }

    /// Invoked in a DM with the bot: no guild, no member, `user` at the top level.
    pub fn in_dm(mut self) -> Self {
        self.invoker.guild_id = None;
        self
    }

    pub fn locale(mut self, locale: &str) -> Self {
        self.invoker.locale = locale.to_owned();
        self
    }

    /// The server's language, as Discord sends it in `guild_locale`.
    pub fn guild_locale(mut self, locale: &str) -> Self {
        self.invoker.guild_locale = locale.to_owned();
        self
    }

    /// Fixed interaction id (otherwise each `build` gets a fresh one).
    pub fn id(mut self, id: u64) -> Self {
        self.id = Some(id);
        self
    }

    /// Fixed interaction token (otherwise each `build` gets a fresh one).
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// Makes this an autocomplete interaction (type 4) focused on option `focused`. Its value is
    /// sent as the string typed so far (empty if the option was not set), as Discord does.
    pub fn autocomplete(mut self, focused: &str) -> Self {
        if !self.options.iter().any(|o| o.name == focused) {
            self = self.option_str(focused, "");
        }
        self.focused = Some(focused.to_owned());
        self
    }

    fn leaf_options(&self) -> Vec<Value> {
        self.options
            .iter()
            .map(|option| {
                let mut raw = json!({"name": option.name, "type": option.kind});
                if self.focused.as_deref() == Some(option.name.as_str()) {
                    let typed = match &option.value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    raw["value"] = json!(typed);
                    raw["focused"] = json!(true);
                } else {
                    raw["value"] = option.value.clone();
                }
                raw
            })
            .collect()
    }

    /// Nests the leaf options under the subcommand path: a group (type 2) holds one subcommand
    /// (type 1), which holds the options.
    fn data_options(&self) -> Vec<Value> {
        let mut options = self.leaf_options();
        for (depth, name) in self.path.iter().enumerate().rev() {
            let kind = if depth + 1 == self.path.len() {
                option_type::SUB_COMMAND
            } else {
                option_type::SUB_COMMAND_GROUP
            };
            options = vec![json!({"name": name, "type": kind, "options": options})];
        }
        options
    }

    fn resolved(&self) -> Option<Value> {
        let mut resolved = Map::new();
        if !self.resolved_roles.is_empty() {
            let roles: Map<String, Value> = self
                .resolved_roles
                .iter()
                .map(|(id, name)| (id.to_string(), role(*id, name)))
                .collect();
            resolved.insert("roles".into(), Value::Object(roles));
        }
        if !self.resolved_users.is_empty() {
            let users: Map<String, Value> = self
                .resolved_users
                .iter()
                .map(|u| (u.id.to_string(), user(u.id, &u.username)))
                .collect();
            resolved.insert("users".into(), Value::Object(users));
            if self.invoker.guild_id.is_some() {
                // Resolved members carry no `user` (it is in `users`), nor deaf/mute.
                let members: Map<String, Value> = self
                    .resolved_users
                    .iter()
                    .map(|u| {
                        let roles: Vec<String> = u.roles.iter().map(u64::to_string).collect();
                        let member = json!({
                            "roles": roles, "joined_at": timestamp_now(), "nick": null,
                            "avatar": null, "premium_since": null, "pending": false,
                            "permissions": MEMBER_PERMISSIONS.to_string(),
                            "communication_disabled_until": null, "flags": 0,
                        });
                        (u.id.to_string(), member)
                    })
                    .collect();
                resolved.insert("members".into(), Value::Object(members));
            }
        }
        if !self.resolved_channels.is_empty() {
            let channels: Map<String, Value> = self
                .resolved_channels
                .iter()
                .map(|(id, parent)| {
                    let channel = resolved_channel(*id, *parent, self.invoker.permissions);
                    (id.to_string(), channel)
                })
                .collect();
            resolved.insert("channels".into(), Value::Object(channels));
        }
        (!resolved.is_empty()).then_some(Value::Object(resolved))
    }

    /// The INTERACTION_CREATE `d` payload.
    pub fn build(&self) -> Value {
        let id = self.id.unwrap_or_else(snowflake);
        let token = self
            .token
            .clone()
            .unwrap_or_else(|| opaque_token("aW50ZXJhY3Rpb24"));
        let kind = if self.focused.is_some() { 4 } else { 2 };
        let mut data = json!({
            // Replaced by the registered id in `DiscordServer::send_interaction`.
            "id": command_id_placeholder(&self.command).to_string(),
            "name": self.command,
            "type": 1,
            "options": self.data_options(),
        });
        if let Some(resolved) = self.resolved() {
            data["resolved"] = resolved;
        }
        self.invoker.interaction(kind, id, &token, data)
    }
}

/// Builder for a button click (a message component interaction, type 3) that serenity 0.12.5
/// parses as `Interaction::Component`. The click happens in the channel of the message the
/// button is on; the other defaults are [`CommandInteraction`]'s.
#[derive(Clone, Debug)]
#[must_use]
pub struct ComponentInteraction {
    id: Option<u64>,
    token: Option<String>,
    custom_id: String,
    message: Value,
    invoker: Invoker,
}

impl ComponentInteraction {
    /// A click on the button `custom_id` of `message` (a message object, e.g. from
    /// `DiscordServer::channel_messages`), which Discord sends along whole.
    ///
    /// # Panics
    /// If `message` has no channel id or no button with that `custom_id`: Discord only
    /// reports clicks on buttons that exist.
    pub fn button(custom_id: &str, message: &Value) -> Self {
        let channel_id = message["channel_id"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("message without a channel_id: {message}"));
        let has_button = message["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().into_iter().flatten())
            .any(|c| c["type"] == 2 && c["custom_id"] == custom_id);
        assert!(
            has_button,
            "no button with custom_id {custom_id:?} on message {message}"
        );
        Self {
            id: None,
            token: None,
            custom_id: custom_id.to_owned(),
            message: message.clone(),
            invoker: Invoker::new(channel_id),
        }
    }

    pub fn user(mut self, user_id: u64, username: &str) -> Self {
        self.invoker.user_id = user_id;
        self.invoker.username = username.to_owned();
        self
    }

    /// Role ids of the clicking member.
    pub fn roles(mut self, roles: impl IntoIterator<Item = u64>) -> Self {
        self.invoker.roles = roles.into_iter().collect();
        self
    }

    /// Permission bits of the clicking member in the channel.
    pub fn permissions(mut self, bits: u64) -> Self {
        self.invoker.permissions = bits;
        self
    }

    pub fn guild(mut self, guild_id: u64) -> Self {
        self.invoker.guild_id = Some(guild_id);
        self
    }

    /// A button on a message in a DM with the bot: no guild, no member, `user` at the top level.
    pub fn in_dm(mut self) -> Self {
        self.invoker.guild_id = None;
        self
    }

    /// The clicker's language (`locale`).
    pub fn locale(mut self, locale: &str) -> Self {
        self.invoker.locale = locale.to_owned();
        self
    }

    /// The server's language (`guild_locale`).
    pub fn guild_locale(mut self, locale: &str) -> Self {
        self.invoker.guild_locale = locale.to_owned();
        self
    }

    /// Fixed interaction id (otherwise each `build` gets a fresh one).
    pub fn id(mut self, id: u64) -> Self {
        self.id = Some(id);
        self
    }

    /// Fixed interaction token (otherwise each `build` gets a fresh one).
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    /// The INTERACTION_CREATE `d` payload.
    pub fn build(&self) -> Value {
        let id = self.id.unwrap_or_else(snowflake);
        let token = self
            .token
            .clone()
            .unwrap_or_else(|| opaque_token("Y29tcG9uZW50"));
        let data = json!({"custom_id": self.custom_id, "component_type": 2});
        let mut interaction = self.invoker.interaction(3, id, &token, data);
        interaction["message"] = self.message.clone();
        interaction
    }
}

/// A stable stand-in command id for payloads sent before any registration.
fn command_id_placeholder(name: &str) -> u64 {
    // FNV-1a: deterministic across runs, unlike `DefaultHasher`'s contract.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash >> 2) | 1
}
