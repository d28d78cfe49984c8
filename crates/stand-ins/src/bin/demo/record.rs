//! What happened in the demo as the members saw it: who did what, and every message the bot
//! showed, each taken from what the Discord stand-in received from the bot.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::cast;

/// One part of the session, e.g. "an admin allows a role".
#[derive(Debug)]
pub struct Scene {
    pub title: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug)]
pub enum Entry {
    /// A member ran a slash command, shown as Discord shows it above the answer.
    Command {
        member: String,
        place: Place,
        command: String,
    },
    /// A member clicked a button on one of the bot's messages.
    Click {
        member: String,
        place: Place,
        label: String,
    },
    /// A member typed into an option and the bot suggested these choices (their labels).
    Suggested {
        member: String,
        place: Place,
        /// The command as typed so far, e.g. `/share job id:resnet`.
        typing: String,
        choices: Vec<String>,
    },
    /// A message of the bot.
    Message(Shown),
}

/// Where something was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Channel(u64),
    /// The member's DM channel with the bot.
    Dm(String),
}

impl Place {
    /// Where an interaction happened: its channel, or a DM (no guild).
    pub fn of(interaction: &Value) -> Place {
        if interaction["guild_id"].is_string() {
            let channel = interaction["channel_id"]
                .as_str()
                .and_then(|c| c.parse().ok())
                .unwrap_or_default();
            Place::Channel(channel)
        } else {
            let name = interaction["user"]["username"]
                .as_str()
                .unwrap_or("someone");
            Place::Dm(name.to_owned())
        }
    }

    pub fn label(&self) -> String {
        match self {
            Place::Channel(id) => format!("#{}", cast::channel_name(*id)),
            Place::Dm(member) => format!("DM with {member}"),
        }
    }
}

/// A message of the bot as Discord would display it.
#[derive(Debug)]
pub struct Shown {
    pub place: Place,
    /// The only member who can see it (an ephemeral reply).
    pub only_for: Option<String>,
    /// Whether this is a later state of a message shown before.
    pub edited: bool,
    /// When the demo saw it (the page shows it as the message time).
    pub at: DateTime<Utc>,
    /// The message as the bot sent it (content, embeds, components).
    pub message: Value,
}

/// A slash command as Discord shows it: `/share job id:dlc-1 expiry:1h`, role, channel and
/// user options by name.
pub fn describe_command(interaction: &Value) -> String {
    let data = &interaction["data"];
    let mut words = vec![format!("/{}", data["name"].as_str().unwrap_or("?"))];
    let mut options = data["options"].as_array().cloned().unwrap_or_default();
    // Subcommand groups (2) and subcommands (1) hold the options of the leaf.
    while let [only] = options.as_slice() {
        if !matches!(only["type"].as_u64(), Some(1 | 2)) {
            break;
        }
        words.push(only["name"].as_str().unwrap_or("?").to_owned());
        options = only["options"].as_array().cloned().unwrap_or_default();
    }
    for option in &options {
        let name = option["name"].as_str().unwrap_or("?");
        let raw = &option["value"];
        let id = || {
            raw.as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or_default()
        };
        let value = match option["type"].as_u64() {
            Some(6) => format!("@{}", cast::user_name(id())),
            Some(7) => format!("#{}", cast::channel_name(id())),
            Some(8) => format!("@{}", cast::role_name(id())),
            _ => raw.as_str().map_or_else(|| raw.to_string(), str::to_owned),
        };
        words.push(format!("{name}:{value}"));
    }
    words.join(" ")
}

/// The label of the button `custom_id` on `message`.
pub fn button_label(message: &Value, custom_id: &str) -> Option<String> {
    buttons(message)
        .find(|b| b["custom_id"] == custom_id)
        .and_then(|b| b["label"].as_str().map(str::to_owned))
}

/// The buttons of a message, row by row.
pub fn buttons(message: &Value) -> impl Iterator<Item = &Value> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().into_iter().flatten())
        .filter(|c| c["type"] == 2)
}
