//! Discord's message markup, as far as the bot uses it: mentions (`<@user>`, `<@&role>`,
//! `<#channel>`), timestamps (`<t:1700000000:R>`), `**bold**`, `` `code` ``, bare and masked
//! links (`[label](url)`) and backslash escapes (`\-`).
//! The transcript and the page render the same pieces, each in its own way.

use chrono::{DateTime, Datelike, Utc};

use crate::cast;

/// One piece of a line of markup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// `**` opens or closes bold text.
    Bold,
    Code(String),
    Link(String),
    /// `[label](url)`.
    MaskedLink(String, String),
    User(u64),
    Role(u64),
    Channel(u64),
    /// `<t:seconds:style>`; the style is `f` when none is given, as on Discord.
    Time(i64, char),
}

/// Splits markup into pieces.
pub fn parse(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(escaped) = escape(rest) {
            plain.push(escaped);
            rest = &rest[2..];
        } else if let Some((piece, len)) = special(rest) {
            if !plain.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut plain)));
            }
            pieces.push(piece);
            rest = &rest[len..];
        } else {
            plain.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !plain.is_empty() {
        pieces.push(Piece::Text(plain));
    }
    pieces
}

/// The character a backslash escape at the start of `text` stands for (`\-` is `-`).
fn escape(text: &str) -> Option<char> {
    let escaped = text.strip_prefix('\\')?.chars().next()?;
    escaped.is_ascii_punctuation().then_some(escaped)
}

/// The markup piece `text` starts with, and its length in bytes.
fn special(text: &str) -> Option<(Piece, usize)> {
    if text.starts_with("**") {
        return Some((Piece::Bold, 2));
    }
    if let Some(masked) = text.strip_prefix('[') {
        let (label, rest) = masked.split_once("](")?;
        let end = rest.find(')')?;
        let url = &rest[..end];
        if label.contains(']') || !url.starts_with("http") {
            return None;
        }
        let len = 1 + label.len() + 2 + end + 1;
        return Some((Piece::MaskedLink(label.to_owned(), url.to_owned()), len));
    }
    if let Some(code) = text.strip_prefix('`') {
        let end = code.find('`')?;
        return Some((Piece::Code(code[..end].to_owned()), end + 2));
    }
    if text.starts_with("https://") || text.starts_with("http://") {
        let end = text
            .find(|c: char| c.is_whitespace() || c == '>' || c == ')')
            .unwrap_or(text.len());
        return Some((Piece::Link(text[..end].to_owned()), end));
    }
    let inner = text.strip_prefix('<')?;
    let end = inner.find('>')?;
    let tag = &inner[..end];
    let piece = if let Some(id) = tag.strip_prefix("@&") {
        Piece::Role(id.parse().ok()?)
    } else if let Some(id) = tag.strip_prefix("@!").or_else(|| tag.strip_prefix('@')) {
        Piece::User(id.parse().ok()?)
    } else if let Some(id) = tag.strip_prefix('#') {
        Piece::Channel(id.parse().ok()?)
    } else if let Some(time) = tag.strip_prefix("t:") {
        let (seconds, style) = match time.split_once(':') {
            Some((seconds, style)) => (seconds, style.chars().next()?),
            None => (time, 'f'),
        };
        Piece::Time(seconds.parse().ok()?, style)
    } else {
        return None;
    };
    Some((piece, end + 2))
}

/// A mention as Discord shows it: `@name`, `@role`, `#channel`.
pub fn mention(piece: &Piece) -> Option<String> {
    match piece {
        Piece::User(id) => Some(format!("@{}", cast::user_name(*id))),
        Piece::Role(id) => Some(format!("@{}", cast::role_name(*id))),
        Piece::Channel(id) => Some(format!("#{}", cast::channel_name(*id))),
        _ => None,
    }
}

/// A timestamp as Discord renders it for a reader at `now` (in UTC).
pub fn time(seconds: i64, style: char, now: DateTime<Utc>) -> String {
    let Some(at) = DateTime::<Utc>::from_timestamp(seconds, 0) else {
        return format!("<t:{seconds}:{style}>");
    };
    match style {
        't' => at.format("%H:%M").to_string(),
        'T' => at.format("%H:%M:%S").to_string(),
        'd' => at.format("%d/%m/%Y").to_string(),
        'D' => format!("{} {}", at.day(), at.format("%B %Y")),
        'F' => format!(
            "{}, {} {}",
            at.format("%A"),
            at.day(),
            at.format("%B %Y %H:%M")
        ),
        'R' => relative(seconds - now.timestamp()),
        _ => format!("{} {}", at.day(), at.format("%B %Y %H:%M")),
    }
}

/// Discord's relative time: "in 2 hours", "5 minutes ago", with its roundings.
fn relative(delta: i64) -> String {
    let seconds = delta.unsigned_abs();
    let minutes = (seconds + 30) / 60;
    let hours = (seconds + 1800) / 3600;
    let days = (seconds + 43_200) / 86_400;
    let span = match seconds {
        0..45 => "a few seconds".to_owned(),
        45..90 => "a minute".to_owned(),
        90..2_700 => format!("{minutes} minutes"),
        2_700..5_400 => "an hour".to_owned(),
        5_400..79_200 => format!("{hours} hours"),
        79_200..129_600 => "a day".to_owned(),
        129_600..2_246_400 => format!("{days} days"),
        _ => format!("{} months", (days + 15) / 30),
    };
    if delta > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_mentions_times_bold_code_and_links() {
        let pieces =
            parse("**Hi** <@12> in <#34> for <@&56> `dlc-1` <t:100:R> https://x.test/a?b=c ok");
        assert_eq!(
            pieces,
            [
                Piece::Bold,
                Piece::Text("Hi".into()),
                Piece::Bold,
                Piece::Text(" ".into()),
                Piece::User(12),
                Piece::Text(" in ".into()),
                Piece::Channel(34),
                Piece::Text(" for ".into()),
                Piece::Role(56),
                Piece::Text(" ".into()),
                Piece::Code("dlc-1".into()),
                Piece::Text(" ".into()),
                Piece::Time(100, 'R'),
                Piece::Text(" ".into()),
                Piece::Link("https://x.test/a?b=c".into()),
                Piece::Text(" ok".into()),
            ]
        );
    }

    #[test]
    fn reads_escapes_and_masked_links() {
        assert_eq!(
            parse(r"dlc\-1 [Open](https://x.test/?t=a%2B)."),
            [
                Piece::Text("dlc-1 ".into()),
                Piece::MaskedLink("Open".into(), "https://x.test/?t=a%2B".into()),
                Piece::Text(".".into()),
            ]
        );
    }

    #[test]
    fn leaves_what_is_not_markup_alone() {
        assert_eq!(
            parse("a < b <@x> `open"),
            [Piece::Text("a < b <@x> `open".into())]
        );
    }

    #[test]
    fn renders_relative_times_as_discord_does() {
        let now = DateTime::<Utc>::from_timestamp(1_000_000, 0).unwrap();
        let at = |delta: i64| time(1_000_000 + delta, 'R', now);
        assert_eq!(at(10), "in a few seconds");
        assert_eq!(at(-600), "10 minutes ago");
        assert_eq!(at(3_600), "in an hour");
        assert_eq!(at(30 * 60 + 3_600 * 3), "in 4 hours");
        assert_eq!(at(86_400), "in a day");
        assert_eq!(at(7 * 86_400), "in 7 days");
    }
}
