//! The session as plain text, for a terminal: each scene, who did what, and what the bot
//! showed, with mentions and timestamps rendered as Discord renders them.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::cast::BOT_NAME;
use crate::markup::{self, Piece};
use crate::record::{Entry, Scene, Shown, buttons};

pub fn render(scenes: &[Scene], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    for (n, scene) in scenes.iter().enumerate() {
        let letter = char::from(b'a' + n as u8);
        let _ = writeln!(out, "\n── ({letter}) {} ──", scene.title);
        for entry in &scene.entries {
            match entry {
                Entry::Command {
                    member,
                    place,
                    command,
                } => {
                    let _ = writeln!(out, "\n[{}] {member} used {command}", place.label());
                }
                Entry::Click {
                    member,
                    place,
                    label,
                } => {
                    let _ = writeln!(out, "\n[{}] {member} clicked [{label}]", place.label());
                }
                Entry::Suggested {
                    member,
                    place,
                    typing,
                    choices,
                } => {
                    let _ = writeln!(
                        out,
                        "\n[{}] {member} types {typing} · {BOT_NAME} suggests:",
                        place.label()
                    );
                    for choice in choices {
                        let _ = writeln!(out, "  › {choice}");
                    }
                }
                Entry::Message(shown) => message(&mut out, shown, now),
            }
        }
    }
    out
}

fn message(out: &mut String, shown: &Shown, now: DateTime<Utc>) {
    let mut header = format!("[{}] {BOT_NAME}", shown.place.label());
    if shown.edited {
        header.push_str(" (edited)");
    }
    if let Some(member) = &shown.only_for {
        let _ = write!(header, " · only {member} can see this");
    }
    let _ = writeln!(out, "{header}");
    let m = &shown.message;
    lines(out, "  ", &m["content"], now);
    for embed in m["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            lines(out, "  ┃ ", &embed[key], now);
        }
        for field in embed["fields"].as_array().into_iter().flatten() {
            lines(out, "  ┃ ", &field["name"], now);
            lines(out, "  ┃   ", &field["value"], now);
        }
        lines(out, "  ┃ ", &embed["footer"]["text"], now);
    }
    let labels: Vec<String> = buttons(m)
        .map(|b| match b["url"].as_str() {
            Some(url) => format!("[{} ↗ {url}]", b["label"].as_str().unwrap_or("")),
            None => format!("[{}]", b["label"].as_str().unwrap_or("")),
        })
        .collect();
    if !labels.is_empty() {
        let _ = writeln!(out, "  {}", labels.join(" "));
    }
}

/// Each line of a markup string, indented.
fn lines(out: &mut String, indent: &str, text: &Value, now: DateTime<Utc>) {
    let Some(text) = text.as_str().filter(|t| !t.is_empty()) else {
        return;
    };
    for line in text.lines() {
        let _ = writeln!(out, "{indent}{}", plain(line, now));
    }
}

/// A line of markup as the text a reader sees.
pub fn plain(line: &str, now: DateTime<Utc>) -> String {
    markup::parse(line)
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) | Piece::Code(text) | Piece::Link(text) => text.clone(),
            Piece::MaskedLink(label, url) => format!("{label} <{url}>"),
            Piece::Bold => String::new(),
            Piece::Time(seconds, style) => markup::time(*seconds, *style, now),
            mention => markup::mention(mention).unwrap_or_default(),
        })
        .collect()
}
