//! Text someone else wrote (a member's input, a database row, an upstream code) made safe to
//! show people: in Discord replies and in the terminal table. One place, so every surface
//! defuses the same characters and cuts echoes the same way.

use std::borrow::Cow;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Longest stretch of a member's input the bot repeats back, ellipsis included.
pub const ECHO_MAX_CHARS: usize = 100;

/// Shown where a control or format character was.
pub const REPLACEMENT: char = '?';

/// Control (Cc) and format (Cf) characters. Controls move the cursor or recolour a terminal;
/// format characters are invisible yet change what is read: U+202E reverses the text after
/// it, U+2066..U+2069 isolate it, U+200B, U+FEFF and U+00AD hide inside a name or an id.
pub fn is_hidden(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control | GeneralCategory::Format
    )
}

/// `text` with line breaks and tabs as spaces and every other Cc/Cf character as
/// [`REPLACEMENT`], so that what is seen is what is there.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\n' | '\r' | '\t' => ' ',
                c if is_hidden(c) => REPLACEMENT,
                c => c,
            })
            .collect(),
    )
}

/// `text` cut to at most `max_chars` characters, the last one `…` when something was cut.
pub fn shorten(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some(_) if max_chars == 0 => Cow::Borrowed(""),
        Some(_) => {
            let (end, _) = text
                .char_indices()
                .nth(max_chars - 1)
                .expect("longer than max_chars");
            Cow::Owned(format!("{}…", &text[..end]))
        }
    }
}

/// What a member typed, cut to [`ECHO_MAX_CHARS`] for repeating it back.
pub fn echo(input: &str) -> String {
    shorten(input, ECHO_MAX_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_format_characters_are_hidden() {
        for c in [
            '\0',
            '\u{1b}',
            '\n',
            '\u{7f}',
            '\u{85}',
            '\u{202e}',
            '\u{200b}',
            '\u{2066}',
            '\u{2069}',
            '\u{feff}',
            '\u{ad}',
            '\u{e0001}',
        ] {
            assert!(is_hidden(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '日', '😀', '\u{301}'] {
            assert!(!is_hidden(c), "{c:?}");
        }
    }

    #[test]
    fn visible_marks_what_was_hidden() {
        assert_eq!(visible("dlc\u{202e}cod.exe"), "dlc?cod.exe");
        assert_eq!(visible("a\nb\tc\u{1b}[31m"), "a b c?[31m");
        assert!(matches!(visible("plain é"), Cow::Borrowed("plain é")));
    }

    #[test]
    fn shorten_counts_characters_and_marks_the_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "ab…");
        assert_eq!(shorten("ééééé", 4), "ééé…");
        assert_eq!(shorten("abc", 0), "");
        let long = "x".repeat(4000);
        let cut = echo(&long);
        assert_eq!(cut.chars().count(), ECHO_MAX_CHARS);
        assert!(cut.ends_with('…'));
    }
}
