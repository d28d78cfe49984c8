//! Human durations (`90s`, `1h30m`, `7d`, `3600`) and the bounded share expiry.

use std::fmt;
use std::time::Duration;

use crate::safe_text::echo;

/// GetToken accepts up to 7 days; no configuration may go beyond it.
pub const HARD_MAX_EXPIRY_SECS: u32 = 604_800;
/// Shorter links expire before anyone can open them.
pub const MIN_EXPIRY_SECS: u32 = 60;

/// Errors echo the input cut to [`crate::safe_text::ECHO_MAX_CHARS`]: a member may type
/// thousands of characters, and the reply must still fit Discord's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationParseError {
    #[error("the duration is empty")]
    Empty,
    #[error("`{input}` is not a duration: {reason} (examples: 90s, 30m, 12h, 7d, 1w, 1h30m, 3600)")]
    Malformed {
        input: String,
        reason: MalformedDuration,
    },
    #[error("`{0}` is too large")]
    Overflow(String),
}

/// What is wrong with a malformed duration; the Discord adapter words it per language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedDuration {
    #[error("expected a number")]
    ExpectedNumber,
    #[error("a number needs a unit")]
    NeedsUnit,
    #[error("units are s, m, h, d, w (or 秒, 分, 小时, 天, 周)")]
    UnknownUnit,
    #[error("units must go from largest to smallest, each once")]
    UnitOrder,
}

/// Units and their length in seconds, accepted in every locale: Latin letters (any case) and
/// the Chinese and Japanese words, with their traditional spellings. Longer words first, so
/// `分钟` is not read as `分` followed by garbage.
const UNITS: [(&str, u64); 17] = [
    ("分钟", 60),
    ("分鐘", 60),
    ("小时", 3_600),
    ("小時", 3_600),
    ("時間", 3_600),
    ("週間", 604_800),
    ("s", 1),
    ("m", 60),
    ("h", 3_600),
    ("d", 86_400),
    ("w", 604_800),
    ("秒", 1),
    ("分", 60),
    ("天", 86_400),
    ("日", 86_400),
    ("周", 604_800),
    ("週", 604_800),
];

/// The unit at the start of `rest` and its length in bytes.
fn unit_at(rest: &str) -> Option<(u64, usize)> {
    UNITS.iter().find_map(|(word, secs)| {
        let head = rest.get(..word.len())?;
        head.eq_ignore_ascii_case(word)
            .then_some((*secs, word.len()))
    })
}

/// Parses `90s`, `30m`, `12h`, `7d`, `1w`, combinations such as `1h30m` or `1d 12h`, plain
/// seconds (`3600`), and the same with Chinese or Japanese units (`1小时30分`, `2時間`, `3天`,
/// `1週`). Units may repeat only in decreasing order so that `30m1h` is rejected as a likely
/// typo rather than silently summed.
pub fn parse_duration(input: &str) -> Result<Duration, DurationParseError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DurationParseError::Empty);
    }
    let malformed = |reason| DurationParseError::Malformed {
        input: echo(s),
        reason,
    };
    let overflow = || DurationParseError::Overflow(echo(s));
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| overflow());
    }

    let mut total: u64 = 0;
    let mut last_unit_secs = u64::MAX;
    let mut rest = s;
    while !rest.is_empty() {
        let digits_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits_len == 0 {
            return Err(malformed(MalformedDuration::ExpectedNumber));
        }
        let (digits, after) = rest.split_at(digits_len);
        if after.is_empty() {
            return Err(malformed(MalformedDuration::NeedsUnit));
        }
        let (unit_secs, unit_len) =
            unit_at(after).ok_or_else(|| malformed(MalformedDuration::UnknownUnit))?;
        if unit_secs >= last_unit_secs {
            return Err(malformed(MalformedDuration::UnitOrder));
        }
        last_unit_secs = unit_secs;
        let n: u64 = digits.parse().map_err(|_| overflow())?;
        total = n
            .checked_mul(unit_secs)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(overflow)?;
        rest = after[unit_len..].trim_start();
    }
    Ok(Duration::from_secs(total))
}

/// Compact human form, the inverse of [`parse_duration`]: `5400` → `1h30m`.
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// A share lifetime already checked against the 60 s floor and a ceiling of at most 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expiry(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    #[error(transparent)]
    Parse(#[from] DurationParseError),
    #[error("{} is too short: the minimum is {}", format_duration(*.0), format_duration(Duration::from_secs(MIN_EXPIRY_SECS.into())))]
    TooShort(Duration),
    #[error("{} is too long: the maximum here is {}", format_duration(*.requested), format_duration(.max.as_duration()))]
    TooLong { requested: Duration, max: Expiry },
}

impl Expiry {
    pub const MIN: Expiry = Expiry(MIN_EXPIRY_SECS);
    pub const HARD_MAX: Expiry = Expiry(HARD_MAX_EXPIRY_SECS);

    /// Checks `d` against `[MIN, max]`; `max` itself is capped at [`Expiry::HARD_MAX`].
    pub fn bounded(d: Duration, max: Expiry) -> Result<Expiry, ExpiryError> {
        let max = max.min(Expiry::HARD_MAX);
        if d < Expiry::MIN.as_duration() {
            return Err(ExpiryError::TooShort(d));
        }
        if d > max.as_duration() {
            return Err(ExpiryError::TooLong { requested: d, max });
        }
        Ok(Expiry(d.as_secs() as u32))
    }

    /// Parses user input and bounds it by `max`.
    pub fn parse(input: &str, max: Expiry) -> Result<Expiry, ExpiryError> {
        Expiry::bounded(parse_duration(input)?, max)
    }

    pub fn from_secs(secs: u32, max: Expiry) -> Result<Expiry, ExpiryError> {
        Expiry::bounded(Duration::from_secs(secs.into()), max)
    }

    pub fn as_secs(self) -> u32 {
        self.0
    }

    pub fn as_duration(self) -> Duration {
        Duration::from_secs(self.0.into())
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.as_duration()))
    }
}

impl std::str::FromStr for Expiry {
    type Err = ExpiryError;

    /// Bounded by the hard ceiling only; callers with a tighter policy use [`Expiry::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Expiry::parse(s, Expiry::HARD_MAX)
    }
}

/// Values offered by autocomplete, filtered to what the guild allows.
const COMMON_EXPIRIES: [&str; 8] = ["15m", "1h", "6h", "12h", "1d", "3d", "7d", "30m"];

/// One autocomplete choice: the value sent back when picked, and the expiry it means (the
/// adapter writes the label in the member's language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub value: String,
    pub expiry: Expiry,
    /// The value is what the member typed (shown with its meaning), not a common value.
    pub typed: bool,
}

/// Autocomplete choices for what a member has typed so far: the typed value first when it is
/// already valid, then the common values within `max` that start with it.
pub fn suggest_expiries(typed: &str, max: Expiry) -> Vec<Suggestion> {
    let typed = typed.trim();
    let mut out = Vec::new();
    // Discord refuses the whole answer if one choice is longer than 100 characters.
    if typed.chars().count() <= 40
        && let Ok(expiry) = Expiry::parse(typed, max)
    {
        out.push(Suggestion {
            value: typed.to_owned(),
            expiry,
            typed: true,
        });
    }
    let mut common: Vec<Expiry> = COMMON_EXPIRIES
        .iter()
        .filter(|c| c.starts_with(typed) || typed.is_empty())
        .filter_map(|c| Expiry::parse(c, max).ok())
        .collect();
    common.sort();
    for expiry in common {
        let value = expiry.to_string();
        if !out.iter().any(|s| s.value == value) {
            out.push(Suggestion {
                value,
                expiry,
                typed: false,
            });
        }
    }
    out.truncate(25); // Discord's limit on choices
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &str) -> u64 {
        parse_duration(s).unwrap().as_secs()
    }

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(secs("90s"), 90);
        assert_eq!(secs("30m"), 1_800);
        assert_eq!(secs("12h"), 43_200);
        assert_eq!(secs("7d"), 604_800);
        assert_eq!(secs("1w"), 604_800);
        assert_eq!(secs("1h30m"), 5_400);
        assert_eq!(secs("1d 12h"), 129_600);
        assert_eq!(secs("3600"), 3_600);
        assert_eq!(secs(" 2H "), 7_200);
    }

    #[test]
    fn chinese_and_japanese_units_alone_and_combined() {
        let cases: [(&str, u64); 16] = [
            ("90秒", 90),
            ("30分", 1_800),
            ("30分钟", 1_800),
            ("30分鐘", 1_800),
            ("12小时", 43_200),
            ("12小時", 43_200),
            ("2時間", 7_200),
            ("3天", 259_200),
            ("3日", 259_200),
            ("1周", 604_800),
            ("1週", 604_800),
            ("1週間", 604_800),
            ("1小时30分", 5_400),
            ("1天 12小时", 129_600),
            ("1時間30分", 5_400),
            ("1d 2小时 30m", 95_400),
        ];
        for (input, expected) in cases {
            assert_eq!(secs(input), expected, "{input}");
        }
        for bad in [
            "30分1小时",
            "1小时1小时",
            "小时",
            "1时",
            "1小",
            "1分钟钟",
            "１小时",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should not parse");
        }
        assert_eq!(
            Expiry::parse("7天", Expiry::HARD_MAX).unwrap(),
            Expiry::HARD_MAX,
            "the same bounds in every unit"
        );
        assert!(Expiry::parse("59秒", Expiry::HARD_MAX).is_err());
        assert!(Expiry::parse("8天", Expiry::HARD_MAX).is_err());
    }

    proptest::proptest! {
        /// No input panics; whatever parses is what its parts add up to, below overflow.
        #[test]
        fn no_input_panics(input in "\\PC{0,40}") {
            let _ = parse_duration(&input);
        }

        #[test]
        fn unit_sums_parse_to_their_total(
            w in 0u64..10, d in 0u64..10, h in 0u64..30, m in 0u64..100, s in 0u64..100,
            chinese in proptest::bool::ANY,
        ) {
            let units = if chinese { ["周", "天", "小时", "分钟", "秒"] } else { ["w", "d", "h", "m", "s"] };
            let text: String = [w, d, h, m, s]
                .iter()
                .zip(units)
                .map(|(n, u)| format!("{n}{u}"))
                .collect();
            let expected = w * 604_800 + d * 86_400 + h * 3_600 + m * 60 + s;
            proptest::prop_assert_eq!(parse_duration(&text).unwrap().as_secs(), expected);
        }
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        for bad in [
            "", "abc", "1x", "h", "1h30", "30m1h", "1h1h", "-5m", "1.5h", "5 m m",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should not parse");
        }
        assert!(matches!(
            parse_duration("99999999999999999999"),
            Err(DurationParseError::Overflow(_))
        ));
        assert!(matches!(
            parse_duration("99999999999999999w"),
            Err(DurationParseError::Overflow(_))
        ));
        let msg = parse_duration("1x").unwrap_err().to_string();
        assert!(msg.contains("1x") && msg.contains("1h30m"), "{msg}");
    }

    #[test]
    fn errors_echo_at_most_a_hundred_characters_of_the_input() {
        let typed = format!("1h{}", "x".repeat(3998));
        let digits = "9".repeat(4000);
        for (input, err) in [
            (&typed, parse_duration(&typed).unwrap_err()),
            (&digits, parse_duration(&digits).unwrap_err()),
        ] {
            let echoed = match &err {
                DurationParseError::Malformed { input, .. }
                | DurationParseError::Overflow(input) => input,
                DurationParseError::Empty => panic!("{input} is not empty"),
            };
            assert_eq!(echoed.chars().count(), crate::safe_text::ECHO_MAX_CHARS);
            assert!(input.starts_with(echoed.trim_end_matches('…')));
            assert!(err.to_string().chars().count() < 300, "{err}");
        }
    }

    #[test]
    fn formats_back() {
        for s in ["1h30m", "1w", "6d23h59m59s", "90s"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_secs(86_400)), "1d");
    }

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(Expiry::parse("60", Expiry::HARD_MAX).unwrap().as_secs(), 60);
        assert_eq!(
            Expiry::parse("7d", Expiry::HARD_MAX).unwrap().as_secs(),
            604_800
        );
        assert!(matches!(
            Expiry::parse("59s", Expiry::HARD_MAX),
            Err(ExpiryError::TooShort(_))
        ));
        assert!(matches!(
            Expiry::parse("7d1s", Expiry::HARD_MAX),
            Err(ExpiryError::TooLong { .. })
        ));
        let day = Expiry::parse("1d", Expiry::HARD_MAX).unwrap();
        let err = Expiry::parse("2d", day).unwrap_err();
        assert_eq!(err.to_string(), "2d is too long: the maximum here is 1d");
    }

    #[test]
    fn suggestions_respect_the_maximum_and_the_typed_prefix() {
        let day = Expiry::parse("1d", Expiry::HARD_MAX).unwrap();
        let values: Vec<String> = suggest_expiries("", day)
            .into_iter()
            .map(|s| s.value)
            .collect();
        assert_eq!(values, ["15m", "30m", "1h", "6h", "12h", "1d"]);
        let typed = suggest_expiries("2h", Expiry::HARD_MAX);
        assert_eq!(
            typed[0],
            Suggestion {
                value: "2h".to_owned(),
                expiry: Expiry::parse("2h", Expiry::HARD_MAX).unwrap(),
                typed: true
            }
        );
        assert!(typed[1..].iter().all(|s| !s.typed));
        let prefixed: Vec<String> = suggest_expiries("1", Expiry::HARD_MAX)
            .into_iter()
            .map(|s| s.value)
            .collect();
        assert_eq!(
            prefixed,
            ["15m", "1h", "12h", "1d"],
            "`1` alone is too short to offer"
        );
        assert!(suggest_expiries("nonsense", Expiry::HARD_MAX).is_empty());
        assert!(suggest_expiries("8d", Expiry::HARD_MAX).is_empty());
    }

    #[test]
    fn a_policy_max_cannot_exceed_the_hard_ceiling() {
        let too_big = Expiry(HARD_MAX_EXPIRY_SECS * 2);
        assert!(Expiry::parse("8d", too_big).is_err());
    }
}
