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
    let mut message = json!({
        "id": id,
        "channel_id": channel_id,
        "author": bot_user(),
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
        "type": 20,
        "flags": flags,
        "application_id": APPLICATION_ID.to_string(),
        "webhook_id": APPLICATION_ID.to_string(),
    });
    apply_edit(&mut message, body);
    message
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
    pub const USER: u8 = 6;
    pub const ROLE: u8 = 8;
}

#[derive(Clone, Debug)]
struct LeafOption {
    name: String,
    kind: u8,
    value: Value,
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
    guild_id: Option<u64>,
    channel_id: u64,
    user_id: u64,
    username: String,
    roles: Vec<u64>,
    permissions: u64,
    locale: String,
    resolved_roles: Vec<(u64, String)>,
    resolved_users: Vec<(u64, String)>,
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
            guild_id: Some(GUILD_ID),
            channel_id: CHANNEL_ID,
            user_id: USER_ID,
            username: "tester".to_owned(),
            roles: Vec::new(),
            permissions: MEMBER_PERMISSIONS,
            locale: "en-US".to_owned(),
            resolved_roles: Vec::new(),
            resolved_users: Vec::new(),
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

    /// A user option with `resolved.users` and `resolved.members` entries.
    pub fn option_user(mut self, name: &str, user_id: u64, username: &str) -> Self {
        self.resolved_users.retain(|(id, _)| *id != user_id);
        self.resolved_users.push((user_id, username.to_owned()));
        self.set_option(name, option_type::USER, json!(user_id.to_string()))
    }

    /// Role ids of the invoking member.
    pub fn roles(mut self, roles: impl IntoIterator<Item = u64>) -> Self {
        self.roles = roles.into_iter().collect();
        self
    }

    /// Permission bits of the invoking member in the channel (e.g. [`MANAGE_GUILD`]).
    pub fn permissions(mut self, bits: u64) -> Self {
        self.permissions = bits;
        self
    }

    pub fn user(mut self, user_id: u64, username: &str) -> Self {
        self.user_id = user_id;
        self.username = username.to_owned();
        self
    }

    pub fn guild(mut self, guild_id: u64) -> Self {
        self.guild_id = Some(guild_id);
        self
    }

    /// Invoked in a DM with the bot: no guild, no member, `user` at the top level.
    pub fn in_dm(mut self) -> Self {
        self.guild_id = None;
        self
    }

    pub fn locale(mut self, locale: &str) -> Self {
        self.locale = locale.to_owned();
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
                .map(|(id, name)| (id.to_string(), user(*id, name)))
                .collect();
            resolved.insert("users".into(), Value::Object(users));
            if self.guild_id.is_some() {
                // Resolved members carry no `user` (it is in `users`), nor deaf/mute.
                let members: Map<String, Value> = self
                    .resolved_users
                    .iter()
                    .map(|(id, _)| {
                        let member = json!({
                            "roles": [], "joined_at": timestamp_now(), "nick": null,
                            "avatar": null, "premium_since": null, "pending": false,
                            "permissions": MEMBER_PERMISSIONS.to_string(),
                            "communication_disabled_until": null, "flags": 0,
                        });
                        (id.to_string(), member)
                    })
                    .collect();
                resolved.insert("members".into(), Value::Object(members));
            }
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
        let invoker = user(self.user_id, &self.username);

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

        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": APPLICATION_ID.to_string(),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": self.channel_id.to_string(),
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
                    "id": guild_id.to_string(), "locale": "en-US", "features": [],
                });
                interaction["guild_locale"] = json!("en-US");
                interaction["channel"] = json!({
                    "id": self.channel_id.to_string(), "type": 0, "name": "general",
                    "guild_id": guild_id.to_string(), "permissions": self.permissions.to_string(),
                });
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
                interaction["channel"] = json!({
                    "id": self.channel_id.to_string(), "type": 1,
                });
                interaction["authorizing_integration_owners"] = json!({"0": "0"});
                interaction["context"] = json!(1);
            }
        }
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
