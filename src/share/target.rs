//! What can be shared: the target type and a validated target id.

use std::fmt;
use std::str::FromStr;

/// The kind of PAI-DLC resource a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetType {
    Job,
    Tensorboard,
}

impl TargetType {
    pub const ALL: [TargetType; 2] = [TargetType::Job, TargetType::Tensorboard];

    /// The spelling GetToken's `TargetType` parameter and the slash commands use.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Job => "job",
            TargetType::Tensorboard => "tensorboard",
        }
    }

    /// Human label for replies.
    pub fn label(self) -> &'static str {
        match self {
            TargetType::Job => "DLC job",
            TargetType::Tensorboard => "TensorBoard",
        }
    }
}

impl fmt::Display for TargetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown target type `{0}`: expected `job` or `tensorboard`")]
pub struct UnknownTargetType(pub String);

impl FromStr for TargetType {
    type Err = UnknownTargetType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "job" => Ok(TargetType::Job),
            "tensorboard" => Ok(TargetType::Tensorboard),
            _ => Err(UnknownTargetType(s.to_owned())),
        }
    }
}

/// A PAI-DLC job or TensorBoard id: 1–128 characters of `[A-Za-z0-9_.-]`, at least one of
/// them a letter or a digit (`.` and `..` would name another path in a GetJob address).
///
/// Holding one proves the id is safe to put in a query string, a URL and a chat message
/// without further escaping, and that it never reached the upstream API unvalidated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetId(String);

pub const TARGET_ID_MAX_LEN: usize = 128;

/// Messages never repeat the id: at most one offending character, `Debug`-escaped, so a NUL,
/// U+202E or a 4,000-character paste cannot reach the reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetIdError {
    #[error("the id is empty")]
    Empty,
    #[error("the id is {0} characters long; at most {TARGET_ID_MAX_LEN} are allowed")]
    TooLong(usize),
    #[error("the id contains {0:?}; only letters, digits, `_`, `.` and `-` are allowed")]
    InvalidChar(char),
    #[error("the id has no letter or digit")]
    NoLetterOrDigit,
}

impl TargetId {
    pub fn parse(raw: &str) -> Result<Self, TargetIdError> {
        let id = raw.trim();
        if id.is_empty() {
            return Err(TargetIdError::Empty);
        }
        let len = id.chars().count();
        if len > TARGET_ID_MAX_LEN {
            return Err(TargetIdError::TooLong(len));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        {
            return Err(TargetIdError::InvalidChar(bad));
        }
        if !id.chars().any(|c| c.is_ascii_alphanumeric()) {
            return Err(TargetIdError::NoLetterOrDigit);
        }
        Ok(TargetId(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TargetId {
    type Err = TargetIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TargetId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_type_round_trips() {
        for t in TargetType::ALL {
            assert_eq!(t.as_str().parse::<TargetType>().unwrap(), t);
        }
        assert_eq!("JOB".parse::<TargetType>().unwrap(), TargetType::Job);
        assert!("notebook".parse::<TargetType>().is_err());
    }

    #[test]
    fn types_and_ids_display_as_the_api_spells_them() {
        assert_eq!(TargetType::Job.to_string(), "job");
        assert_eq!(TargetType::Tensorboard.to_string(), "tensorboard");
        assert_eq!(TargetType::Job.label(), "DLC job");
        assert_eq!(TargetType::Tensorboard.label(), "TensorBoard");
        assert_eq!(TargetId::parse(" dlc-1 ").unwrap().to_string(), "dlc-1");
    }

    #[test]
    fn accepts_the_documented_alphabet() {
        for ok in ["dlc123", "a", "dlc-1_2.3", &"x".repeat(128)] {
            assert_eq!(TargetId::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(TargetId::parse("  dlc1  ").unwrap().as_str(), "dlc1");
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!(TargetId::parse(""), Err(TargetIdError::Empty));
        assert_eq!(TargetId::parse("   "), Err(TargetIdError::Empty));
        assert_eq!(
            TargetId::parse(&"x".repeat(129)),
            Err(TargetIdError::TooLong(129))
        );
        assert_eq!(TargetId::parse("a b"), Err(TargetIdError::InvalidChar(' ')));
        assert_eq!(
            TargetId::parse("dlc/../x"),
            Err(TargetIdError::InvalidChar('/'))
        );
        assert_eq!(
            TargetId::parse("dlc<@123>"),
            Err(TargetIdError::InvalidChar('<'))
        );
        assert_eq!(TargetId::parse("é"), Err(TargetIdError::InvalidChar('é')));
        for dots in [".", "..", "_-.", "..."] {
            assert_eq!(TargetId::parse(dots), Err(TargetIdError::NoLetterOrDigit));
        }
    }

    #[test]
    fn errors_show_no_invisible_character_and_no_long_echo() {
        for (raw, shown) in [
            ("dlc\u{202e}gpj.exe", "'\\u{202e}'"),
            ("dlc\u{200b}1", "'\\u{200b}'"),
            ("dlc\0", "'\\0'"),
        ] {
            let msg = TargetId::parse(raw).unwrap_err().to_string();
            assert!(msg.contains(shown), "{msg}");
            assert!(!msg.chars().any(crate::safe_text::is_hidden), "{msg:?}");
        }
        let msg = TargetId::parse(&"é".repeat(4000)).unwrap_err().to_string();
        assert!(msg.chars().count() < 100, "{msg}");
    }
}
