//! Discord's documented limits for command definitions and messages. The fake server answers a
//! violation with 400 "Invalid Form Body" (code 50035), as Discord does — otherwise a bot that
//! works against the fake could still be rejected in production.
//!
//! Each check returns the first violation as `path: reason`, e.g.
//! `embeds.0.fields.3.value: must be 1..=1024 characters, got 1500`.

use std::collections::HashSet;

use serde_json::Value;

type Check = Result<(), String>;

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

fn length(value: &Value, path: &str, min: usize, max: usize) -> Check {
    let len = chars(value);
    if value.is_null() && min == 0 {
        return Ok(());
    }
    if !value.is_string() && !value.is_null() {
        return Err(format!("{path}: must be a string"));
    }
    if (min..=max).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "{path}: must be {min}..={max} characters, got {len}"
        ))
    }
}

fn array<'a>(value: &'a Value, path: &str, max: usize) -> Result<&'a [Value], String> {
    match value {
        Value::Null => Ok(&[]),
        Value::Array(items) if items.len() <= max => Ok(items),
        Value::Array(items) => Err(format!(
            "{path}: must have at most {max} items, got {}",
            items.len()
        )),
        _ => Err(format!("{path}: must be an array")),
    }
}

/// Names of chat-input commands and options: 1–32 characters, letters (lowercase where a case
/// exists), digits, `-`, `_`, `'`.
fn command_name(value: &Value, path: &str) -> Check {
    length(value, path, 1, 32)?;
    let name = value.as_str().unwrap_or_default();
    match name
        .chars()
        .find(|c| c.is_uppercase() || !(c.is_alphanumeric() || matches!(c, '-' | '_' | '\'')))
    {
        Some(bad) => Err(format!(
            "{path}: {name:?} contains {bad:?}; must match ^[-_'\\p{{Ll}}\\p{{N}}]{{1,32}}$"
        )),
        None => Ok(()),
    }
}

const SUB_COMMAND: u64 = 1;
const SUB_COMMAND_GROUP: u64 = 2;

#[derive(Clone, Copy, PartialEq)]
enum Level {
    Command,
    Group,
    SubCommand,
}

/// One application command definition (a `POST`/`PUT` body item).
pub fn command(body: &Value) -> Check {
    let kind = body["type"].as_u64().unwrap_or(1);
    if !(1..=4).contains(&kind) {
        return Err(format!("type: unknown command type {kind}"));
    }
    if kind == 1 {
        command_name(&body["name"], "name")?;
        length(&body["description"], "description", 1, 100)?;
        let mut budget = chars(&body["name"]) + chars(&body["description"]);
        options(&body["options"], "options", Level::Command, &mut budget)?;
        if budget > 4000 {
            return Err(format!(
                "command {}: names, descriptions and choices total {budget} characters, more than 4000",
                body["name"]
            ));
        }
    } else {
        length(&body["name"], "name", 1, 32)?;
        if !array(&body["options"], "options", 0)?.is_empty() {
            return Err("options: only chat-input commands take options".into());
        }
    }
    match &body["default_member_permissions"] {
        Value::Null => Ok(()),
        Value::String(bits) if bits.parse::<u64>().is_ok() => Ok(()),
        other => Err(format!(
            "default_member_permissions: must be a string of decimal permission bits, got {other}"
        )),
    }
}

fn options(value: &Value, path: &str, level: Level, budget: &mut usize) -> Check {
    let items = array(value, path, 25)?;
    let mut names = HashSet::new();
    let mut seen_optional = false;
    let is_sub = |o: &Value| {
        matches!(
            o["type"].as_u64(),
            Some(SUB_COMMAND) | Some(SUB_COMMAND_GROUP)
        )
    };
    if level == Level::Command && items.iter().any(is_sub) && !items.iter().all(is_sub) {
        return Err(format!(
            "{path}: subcommands and groups cannot be mixed with other options"
        ));
    }
    for (i, option) in items.iter().enumerate() {
        let here = format!("{path}.{i}");
        let kind = option["type"].as_u64().unwrap_or_default();
        command_name(&option["name"], &format!("{here}.name"))?;
        length(
            &option["description"],
            &format!("{here}.description"),
            1,
            100,
        )?;
        *budget += chars(&option["name"]) + chars(&option["description"]);
        if !names.insert(option["name"].as_str().unwrap_or_default()) {
            return Err(format!(
                "{here}.name: duplicate option name {}",
                option["name"]
            ));
        }
        if !(1..=11).contains(&kind) {
            return Err(format!("{here}.type: unknown option type {kind}"));
        }
        match (level, kind) {
            (Level::Group, k) if k != SUB_COMMAND => {
                return Err(format!("{here}.type: a group may only contain subcommands"));
            }
            (Level::SubCommand, SUB_COMMAND | SUB_COMMAND_GROUP) => {
                return Err(format!(
                    "{here}.type: subcommands cannot be nested this deep"
                ));
            }
            _ => {}
        }
        match kind {
            SUB_COMMAND_GROUP => {
                options(
                    &option["options"],
                    &format!("{here}.options"),
                    Level::Group,
                    budget,
                )?;
            }
            SUB_COMMAND => {
                let inner = format!("{here}.options");
                options(&option["options"], &inner, Level::SubCommand, budget)?;
            }
            _ => {
                let required = option["required"].as_bool().unwrap_or(false);
                if required && seen_optional {
                    return Err(format!(
                        "{here}.required: required options must be placed before optional ones"
                    ));
                }
                seen_optional |= !required;
                option_details(option, &here, kind, budget)?;
            }
        }
    }
    Ok(())
}

fn option_details(option: &Value, here: &str, kind: u64, budget: &mut usize) -> Check {
    let choices = array(&option["choices"], &format!("{here}.choices"), 25)?;
    if !choices.is_empty() {
        if !matches!(kind, 3 | 4 | 10) {
            return Err(format!(
                "{here}.choices: only string, integer and number options have choices"
            ));
        }
        if option["autocomplete"].as_bool() == Some(true) {
            return Err(format!(
                "{here}.autocomplete: cannot be combined with choices"
            ));
        }
    }
    for (j, choice) in choices.iter().enumerate() {
        length(&choice["name"], &format!("{here}.choices.{j}.name"), 1, 100)?;
        if choice["value"].is_string() {
            length(
                &choice["value"],
                &format!("{here}.choices.{j}.value"),
                1,
                100,
            )?;
        }
        *budget += chars(&choice["name"]) + chars(&choice["value"]);
    }
    for key in ["min_length", "max_length"] {
        if let Some(n) = option[key].as_u64().filter(|n| *n > 6000) {
            return Err(format!("{here}.{key}: must be at most 6000, got {n}"));
        }
    }
    if option["autocomplete"].as_bool() == Some(true) && !matches!(kind, 3 | 4 | 10) {
        return Err(format!(
            "{here}.autocomplete: only string, integer and number options autocomplete"
        ));
    }
    Ok(())
}

/// A bulk-overwrite list: valid commands, at most 100 chat-input commands, unique names per type.
pub fn command_list(bodies: &[Value]) -> Check {
    let mut names = HashSet::new();
    for (i, body) in bodies.iter().enumerate() {
        command(body).map_err(|e| format!("{i}.{e}"))?;
        let key = (body["type"].as_u64().unwrap_or(1), body["name"].to_string());
        if !names.insert(key) {
            return Err(format!("{i}.name: duplicate command name {}", body["name"]));
        }
    }
    let chat_input = bodies
        .iter()
        .filter(|b| b["type"].as_u64().unwrap_or(1) == 1)
        .count();
    if chat_input > 100 {
        return Err(format!("at most 100 chat-input commands, got {chat_input}"));
    }
    Ok(())
}

/// A message create/edit body (interaction callback data, original-response edit, follow-up).
/// `must_have_body`: creating a message needs content, an embed, a component or a file.
pub fn message(body: &Value, must_have_body: bool) -> Check {
    length(&body["content"], "content", 0, 2000)?;
    let embeds = array(&body["embeds"], "embeds", 10)?;
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        let here = format!("embeds.{i}");
        for (key, max) in [("title", 256), ("description", 4096)] {
            length(&embed[key], &format!("{here}.{key}"), 0, max)?;
            total += chars(&embed[key]);
        }
        length(
            &embed["author"]["name"],
            &format!("{here}.author.name"),
            0,
            256,
        )?;
        length(
            &embed["footer"]["text"],
            &format!("{here}.footer.text"),
            0,
            2048,
        )?;
        total += chars(&embed["author"]["name"]) + chars(&embed["footer"]["text"]);
        let fields = array(&embed["fields"], &format!("{here}.fields"), 25)?;
        for (j, field) in fields.iter().enumerate() {
            length(&field["name"], &format!("{here}.fields.{j}.name"), 1, 256)?;
            length(
                &field["value"],
                &format!("{here}.fields.{j}.value"),
                1,
                1024,
            )?;
            total += chars(&field["name"]) + chars(&field["value"]);
        }
        if let Some(url) = embed["url"].as_str() {
            url_scheme(url, &format!("{here}.url"))?;
        }
    }
    if total > 6000 {
        return Err(format!(
            "embeds: text of all embeds totals {total} characters, more than 6000"
        ));
    }
    let rows = array(&body["components"], "components", 5)?;
    for (i, row) in rows.iter().enumerate() {
        action_row(row, &format!("components.{i}"))?;
    }
    if must_have_body {
        let present = |key: &str| match &body[key] {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        };
        if ![
            "content",
            "embeds",
            "components",
            "attachments",
            "poll",
            "sticker_ids",
        ]
        .into_iter()
        .any(present)
        {
            return Err("Cannot send an empty message (code 50006)".into());
        }
    }
    if let Some(parse) = body["allowed_mentions"]["parse"].as_array() {
        for entry in parse {
            if !matches!(entry.as_str(), Some("users" | "roles" | "everyone")) {
                return Err(format!("allowed_mentions.parse: unknown value {entry}"));
            }
        }
    }
    Ok(())
}

fn url_scheme(url: &str, path: &str) -> Check {
    let ok = ["http://", "https://", "discord://"]
        .iter()
        .any(|scheme| url.starts_with(scheme));
    if ok && url.len() <= 512 {
        Ok(())
    } else {
        Err(format!(
            "{path}: {url:?} must be an http(s) or discord:// URL of at most 512 characters"
        ))
    }
}

fn action_row(row: &Value, here: &str) -> Check {
    if row["type"].as_u64() != Some(1) {
        return Err(format!(
            "{here}.type: top-level components must be action rows (1)"
        ));
    }
    let components = array(&row["components"], &format!("{here}.components"), 5)?;
    if components.is_empty() {
        return Err(format!(
            "{here}.components: an action row needs 1..=5 components"
        ));
    }
    for (j, component) in components.iter().enumerate() {
        let here = format!("{here}.components.{j}");
        if component["type"].as_u64() != Some(2) {
            // Select menus and text inputs are not used by this bot; accept them unchecked.
            continue;
        }
        length(&component["label"], &format!("{here}.label"), 0, 80)?;
        match component["style"].as_u64() {
            Some(5) => {
                let url = component["url"]
                    .as_str()
                    .ok_or_else(|| format!("{here}.url: link buttons need a url"))?;
                url_scheme(url, &format!("{here}.url"))?;
                if !component["custom_id"].is_null() {
                    return Err(format!("{here}.custom_id: link buttons cannot have one"));
                }
            }
            Some(1..=4) => length(
                &component["custom_id"],
                &format!("{here}.custom_id"),
                1,
                100,
            )?,
            Some(6) => {}
            other => return Err(format!("{here}.style: unknown button style {other:?}")),
        }
    }
    Ok(())
}

/// An autocomplete answer's `data` (callback type 8).
pub fn autocomplete_choices(data: &Value) -> Check {
    let choices = match &data["choices"] {
        Value::Array(_) => array(&data["choices"], "choices", 25)?,
        _ => return Err("choices: required".into()),
    };
    for (i, choice) in choices.iter().enumerate() {
        length(&choice["name"], &format!("choices.{i}.name"), 1, 100)?;
        match &choice["value"] {
            value @ Value::String(_) => length(value, &format!("choices.{i}.value"), 0, 100)?,
            Value::Number(_) => {}
            _ => return Err(format!("choices.{i}.value: must be a string or a number")),
        }
    }
    Ok(())
}
