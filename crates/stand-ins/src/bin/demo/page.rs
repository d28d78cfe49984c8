//! The session as one HTML page in Discord's dark theme: each scene's messages as Discord
//! would show them (ephemeral notes, embeds with their colour bar and fields, buttons,
//! mentions and timestamps by name and as text), for a newcomer to see the bot at work.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::cast::{BOT_NAME, SERVER_NAME};
use crate::markup::{self, Piece};
use crate::record::{Entry, Place, Scene, Shown, buttons};

const STYLE: &str = include_str!("page.css");

pub fn render(scenes: &[Scene], now: DateTime<Utc>) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>dlc-share-bot demo</title><style>{STYLE}</style></head><body>\
         <header><h1>dlc-share-bot — a session in <span class=\"server\">{server}</span></h1>\
         <p>Every message of the bot below is what the real <code>dlc-share-bot</code> sent to the \
         project's Discord stand-in on {when} UTC, rendered as Discord would; the links carry tokens \
         from the PAI-DLC stand-in. Only the members' actions are scripted.</p></header><main>",
        server = escape(SERVER_NAME),
        when = now.format("%Y-%m-%d %H:%M"),
    );
    for (n, scene) in scenes.iter().enumerate() {
        let letter = char::from(b'a' + n as u8);
        let _ = write!(
            html,
            "<section><h2><span class=\"letter\">{letter}</span>{}</h2><div class=\"chat\">",
            escape(&scene.title)
        );
        render_scene(&mut html, scene, now);
        html.push_str("</div></section>");
    }
    html.push_str("</main></body></html>\n");
    html
}

fn render_scene(html: &mut String, scene: &Scene, now: DateTime<Utc>) {
    let mut place: Option<&Place> = None;
    let mut context: Option<String> = None;
    for entry in &scene.entries {
        let here = match entry {
            Entry::Command { place, .. }
            | Entry::Click { place, .. }
            | Entry::Suggested { place, .. } => place,
            Entry::Message(shown) => &shown.place,
        };
        if place != Some(here) {
            channel_bar(html, here);
            place = Some(here);
        }
        match entry {
            Entry::Command {
                member, command, ..
            } => {
                context = Some(format!(
                    "{} <b>{}</b> used <span class=\"command\">{}</span>",
                    avatar(member, "mini"),
                    escape(member),
                    escape(command)
                ));
            }
            Entry::Click { member, label, .. } => {
                context = Some(format!(
                    "{} <b>{}</b> clicked <span class=\"command\">{}</span>",
                    avatar(member, "mini"),
                    escape(member),
                    escape(label)
                ));
            }
            Entry::Suggested {
                member,
                typing,
                choices,
                ..
            } => suggested(html, member, typing, choices),
            Entry::Message(shown) => message(html, shown, context.take(), now),
        }
    }
}

/// Discord's autocomplete list above the message box: what the member typed, and the choices.
fn suggested(html: &mut String, member: &str, typing: &str, choices: &[String]) {
    let _ = write!(
        html,
        "<div class=\"suggest\"><div class=\"context\">{} <b>{}</b> is typing \
         <span class=\"command\">{}</span></div><ul class=\"choices\">",
        avatar(member, "mini"),
        escape(member),
        escape(typing)
    );
    for choice in choices {
        let _ = write!(html, "<li>{}</li>", escape(choice));
    }
    html.push_str("</ul></div>");
}

fn channel_bar(html: &mut String, place: &Place) {
    let (sigil, name) = match place {
        Place::Channel(id) => ("#", crate::cast::channel_name(*id)),
        Place::Dm(member) => ("@", member.clone()),
    };
    let _ = write!(
        html,
        "<div class=\"channel\"><span class=\"sigil\">{sigil}</span>{}</div>",
        escape(&name)
    );
}

fn message(html: &mut String, shown: &Shown, context: Option<String>, now: DateTime<Utc>) {
    let class = if shown.only_for.is_some() {
        "message ephemeral"
    } else {
        "message"
    };
    let _ = write!(html, "<div class=\"{class}\">");
    if let Some(context) = context {
        let _ = write!(html, "<div class=\"context\">{context}</div>");
    }
    let _ = write!(
        html,
        "<div class=\"row\">{}<div class=\"body\"><div class=\"head\"><span class=\"name\">{}</span>\
         <span class=\"app\">APP</span><span class=\"time\">Today at {}</span></div>",
        avatar(BOT_NAME, "bot"),
        escape(BOT_NAME),
        shown.at.format("%H:%M"),
    );
    let m = &shown.message;
    if let Some(content) = m["content"].as_str().filter(|c| !c.is_empty()) {
        let _ = write!(html, "<div class=\"content\">{}", markup_html(content, now));
        if shown.edited {
            html.push_str(" <span class=\"edited\">(edited)</span>");
        }
        html.push_str("</div>");
    } else if shown.edited {
        html.push_str("<div class=\"content\"><span class=\"edited\">(edited)</span></div>");
    }
    for embed in m["embeds"].as_array().into_iter().flatten() {
        render_embed(html, embed, now);
    }
    render_buttons(html, m);
    if let Some(member) = &shown.only_for {
        let _ = write!(
            html,
            "<div class=\"only\"><span class=\"eye\">👁</span> Only you can see this · \
             <span class=\"dismiss\">Dismiss message</span> \
             <span class=\"seen-by\">(shown to {})</span></div>",
            escape(member)
        );
    }
    html.push_str("</div></div></div>");
}

fn render_embed(html: &mut String, embed: &Value, now: DateTime<Utc>) {
    let colour = embed["color"].as_u64().map_or_else(
        || "#1e1f22".to_owned(),
        |c| format!("#{:06x}", c & 0xff_ffff),
    );
    let _ = write!(
        html,
        "<div class=\"embed\" style=\"border-left-color:{colour}\">"
    );
    if let Some(author) = embed["author"]["name"].as_str() {
        let _ = write!(html, "<div class=\"author\">{}</div>", escape(author));
    }
    if let Some(title) = embed["title"].as_str() {
        let title = markup_html(title, now);
        match embed["url"].as_str() {
            Some(url) => {
                let _ = write!(
                    html,
                    "<div class=\"title\"><a href=\"{}\">{title}</a></div>",
                    escape(url)
                );
            }
            None => {
                let _ = write!(html, "<div class=\"title\">{title}</div>");
            }
        }
    }
    if let Some(description) = embed["description"].as_str() {
        let _ = write!(
            html,
            "<div class=\"description\">{}</div>",
            markup_html(description, now)
        );
    }
    let fields = embed["fields"].as_array().cloned().unwrap_or_default();
    if !fields.is_empty() {
        html.push_str("<div class=\"fields\">");
        for field in &fields {
            let class = if field["inline"] == true {
                "field inline"
            } else {
                "field"
            };
            let _ = write!(
                html,
                "<div class=\"{class}\"><div class=\"field-name\">{}</div>\
                 <div class=\"field-value\">{}</div></div>",
                markup_html(field["name"].as_str().unwrap_or(""), now),
                markup_html(field["value"].as_str().unwrap_or(""), now)
            );
        }
        html.push_str("</div>");
    }
    if let Some(footer) = embed["footer"]["text"].as_str() {
        let _ = write!(html, "<div class=\"footer\">{}</div>", escape(footer));
    }
    html.push_str("</div>");
}

fn render_buttons(html: &mut String, message: &Value) {
    let mut any = false;
    for button in buttons(message) {
        if !any {
            html.push_str("<div class=\"buttons\">");
            any = true;
        }
        let label = escape(button["label"].as_str().unwrap_or(""));
        let disabled = if button["disabled"] == true {
            " disabled"
        } else {
            ""
        };
        match button["url"].as_str() {
            Some(url) => {
                let _ = write!(
                    html,
                    "<a class=\"button secondary{disabled}\" href=\"{}\">{label} \
                     <span class=\"external\">↗</span></a>",
                    escape(url)
                );
            }
            None => {
                let style = match button["style"].as_u64() {
                    Some(1) => "primary",
                    Some(3) => "success",
                    Some(4) => "danger",
                    _ => "secondary",
                };
                let _ = write!(
                    html,
                    "<span class=\"button {style}{disabled}\">{label}</span>"
                );
            }
        }
    }
    if any {
        html.push_str("</div>");
    }
}

/// Markup (several lines) as HTML.
fn markup_html(text: &str, now: DateTime<Utc>) -> String {
    let lines: Vec<String> = text.lines().map(|line| line_html(line, now)).collect();
    lines.join("<br>")
}

fn line_html(line: &str, now: DateTime<Utc>) -> String {
    let mut html = String::new();
    let mut bold = false;
    for piece in markup::parse(line) {
        match &piece {
            Piece::Text(text) => html.push_str(&escape(text)),
            Piece::Bold => {
                html.push_str(if bold { "</strong>" } else { "<strong>" });
                bold = !bold;
            }
            Piece::Code(code) => {
                let _ = write!(html, "<code>{}</code>", escape(code));
            }
            Piece::Link(url) => {
                let _ = write!(html, "<a href=\"{0}\">{0}</a>", escape(url));
            }
            Piece::MaskedLink(label, url) => {
                let _ = write!(html, "<a href=\"{}\">{}</a>", escape(url), escape(label));
            }
            Piece::Time(seconds, style) => {
                let _ = write!(
                    html,
                    "<span class=\"timestamp\">{}</span>",
                    escape(&markup::time(*seconds, *style, now))
                );
            }
            mention => {
                let name = markup::mention(mention).unwrap_or_default();
                let _ = write!(html, "<span class=\"mention\">{}</span>", escape(&name));
            }
        }
    }
    if bold {
        html.push_str("</strong>");
    }
    html
}

/// A round avatar with the name's initial, coloured by name.
fn avatar(name: &str, class: &str) -> String {
    const COLOURS: [&str; 5] = ["#5865f2", "#3ba55c", "#faa61a", "#ed4245", "#eb459e"];
    let hue = name.bytes().map(usize::from).sum::<usize>() % COLOURS.len();
    let colour = if class == "bot" {
        COLOURS[0]
    } else {
        COLOURS[hue]
    };
    let initial: String = name.chars().take(1).flat_map(char::to_uppercase).collect();
    format!(
        "<span class=\"avatar {class}\" style=\"background:{colour}\">{}</span>",
        escape(&initial)
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
