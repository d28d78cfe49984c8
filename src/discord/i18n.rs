//! The words the bot says, by locale. Every user-facing sentence is a message in
//! `locales/<lang>/*.ftl` (Project Fluent), compiled into the binary; code only picks the
//! message and fills its placeables with values it has already escaped. Replies follow the
//! interaction's `locale`, channel posts the `guild_locale`; anything else is English.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        // Fluent wraps each placeable in U+2068/U+2069 by default; Discord would then not
        // read `<@id>` as a mention, and our own output filter shows them as `?`.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN_US: LanguageIdentifier = langid!("en-US");
static ZH_CN: LanguageIdentifier = langid!("zh-CN");
static ZH_TW: LanguageIdentifier = langid!("zh-TW");
static JA: LanguageIdentifier = langid!("ja");

/// A language the bot speaks. Discord's locale codes for them are exactly these tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
    ZhTw,
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::ZhCn, Lang::ZhTw, Lang::Ja];
    /// The languages commands carry localizations for (English is the default text).
    pub const TRANSLATED: [Lang; 3] = [Lang::ZhCn, Lang::ZhTw, Lang::Ja];

    /// Discord's `locale` / `guild_locale` value. `zh-CN`, `zh-TW` and `ja` select their
    /// translation; anything else, or nothing, is English.
    pub fn from_discord(locale: Option<&str>) -> Lang {
        match locale {
            Some("zh-CN") => Lang::ZhCn,
            Some("zh-TW") => Lang::ZhTw,
            Some("ja") => Lang::Ja,
            _ => Lang::En,
        }
    }

    /// The tag, as Discord writes it and as the `locales/` folders are named.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en-US",
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::Ja => "ja",
        }
    }

    fn langid(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN_US,
            Lang::ZhCn => &ZH_CN,
            Lang::ZhTw => &ZH_TW,
            Lang::Ja => &JA,
        }
    }
}

/// A placeable's value: text (already escaped by the caller) or a number Fluent may select a
/// plural form on.
pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(s.clone())
    }
}
impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}
macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_args!(i64, u64, u32, usize);

/// The message `id` in `lang`, its placeables filled from `args`.
///
/// A message missing in a translation falls back to English, and one missing everywhere shows
/// its id; the catalogue tests make both impossible in a build that passed CI.
pub fn message(lang: Lang, id: &str, args: Vec<(&'static str, Arg)>) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue<'static>> = args
        .into_iter()
        .map(|(name, value)| {
            let value = match value {
                Arg::Text(s) => FluentValue::from(s),
                Arg::Number(n) => FluentValue::from(n),
            };
            (Cow::Borrowed(name), value)
        })
        .collect();
    // Straight to the language's own bundle: every `Lang` has one, and `try_lookup_*` would
    // negotiate the language again (collecting and comparing every locale) on each message.
    let args = Some(&args);
    LOCALES
        .lookup_single_language(lang.langid(), id, args)
        .or_else(|_| LOCALES.lookup_single_language(Lang::En.langid(), id, args))
        .unwrap_or_else(|e| {
            tracing::error!(message_id = id, lang = lang.code(), error = %e, "no such message");
            id.to_owned()
        })
}

/// `tr!(lang, "message-id", name = value, …)`: the one way code says something to a person.
/// The catalogue test reads every `tr!` in `src/` to check each id and placeable against the
/// `.ftl` files, so ids must be literals.
macro_rules! tr {
    ($lang:expr, $id:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::discord::i18n::message(
            $lang,
            $id,
            vec![$((stringify!($name), $crate::discord::i18n::Arg::from($value))),*],
        )
    };
}
pub(crate) use tr;

/// A duration in the reader's words: `1h30m` in English (as members type it), `1 小时 30 分钟`,
/// `1 小時 30 分鐘`, `1 時間 30 分`. Zero reads as zero seconds.
pub fn duration(lang: Lang, d: Duration) -> String {
    let mut secs = d.as_secs();
    let mut parts = Vec::with_capacity(4);
    for size in [86_400, 3_600, 60, 1] {
        let n = secs / size;
        secs %= size;
        if n == 0 {
            continue;
        }
        parts.push(match size {
            86_400 => tr!(lang, "duration-days", n = n),
            3_600 => tr!(lang, "duration-hours", n = n),
            60 => tr!(lang, "duration-minutes", n = n),
            _ => tr!(lang, "duration-seconds", n = n),
        });
    }
    if parts.is_empty() {
        return tr!(lang, "duration-seconds", n = 0u64);
    }
    parts.join(&tr!(lang, "duration-joiner"))
}

/// Sentences one after another: a space in English, nothing in Chinese and Japanese.
pub fn sentences(lang: Lang, parts: &[String]) -> String {
    parts.join(&tr!(lang, "sentence-joiner"))
}

#[cfg(test)]
mod tests;
