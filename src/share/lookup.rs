//! Looking a target up before sharing it: does it exist in the operator's account and region,
//! what is it called, and which workspace holds it. The core asks through [`TargetLookup`];
//! the PAI-DLC adapter answers with GetJob / GetTensorboard.

use std::fmt;
use std::future::Future;

use super::ports::IssueFailure;
use super::{TargetId, TargetType};

/// Longest display name the bot shows or stores: names are chosen by whoever created the job,
/// so they are data of unbounded length, never trusted to fit a reply.
pub const TARGET_NAME_MAX_CHARS: usize = 100;

/// Longest workspace id accepted; PAI's are short numeric strings.
pub const WORKSPACE_ID_MAX_LEN: usize = 64;

/// A PAI workspace id, as the operator configures it and PAI-DLC reports it: a distinct type
/// so that it is never confused with a target id or a name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkspaceId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceIdError {
    #[error("a workspace id cannot be empty")]
    Empty,
    #[error("a workspace id has at most {WORKSPACE_ID_MAX_LEN} characters")]
    TooLong,
    #[error("a workspace id has only letters, digits, '-' and '_'")]
    BadCharacter,
}

impl WorkspaceId {
    pub fn parse(raw: &str) -> Result<Self, WorkspaceIdError> {
        let id = raw.trim();
        if id.is_empty() {
            return Err(WorkspaceIdError::Empty);
        }
        if id.len() > WORKSPACE_ID_MAX_LEN {
            return Err(WorkspaceIdError::TooLong);
        }
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(WorkspaceIdError::BadCharacter);
        }
        Ok(WorkspaceId(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What PAI-DLC says about a target that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDetails {
    /// The display name, already cut to [`TARGET_NAME_MAX_CHARS`] (not escaped: every adapter
    /// escapes for its own medium).
    pub name: String,
    /// `None` when not known now: an approval's claim has only what its request recorded.
    pub status: Option<String>,
    pub workspace_id: WorkspaceId,
    /// Absent when PAI-DLC does not report it.
    pub workspace_name: Option<String>,
}

impl TargetDetails {
    /// Details as upstream reported them, with the name and workspace name cut to length.
    pub fn new(
        name: &str,
        status: &str,
        workspace_id: WorkspaceId,
        workspace_name: Option<&str>,
    ) -> Self {
        TargetDetails {
            name: cut_name(name),
            status: Some(cut_name(status)),
            workspace_id,
            workspace_name: workspace_name.map(cut_name),
        }
    }

    /// What an approval recorded when it was requested: the name and the workspace. The
    /// status is not recorded, and may have changed since, so it is not claimed.
    pub fn recorded(name: &str, workspace_id: WorkspaceId) -> Self {
        TargetDetails {
            name: cut_name(name),
            status: None,
            workspace_id,
            workspace_name: None,
        }
    }
}

/// A name cut to [`TARGET_NAME_MAX_CHARS`] (the last one `…` when cut), with NUL replaced
/// (PostgreSQL `text` cannot hold it, and the name goes into the audit row).
pub fn cut_name(raw: &str) -> String {
    crate::safe_text::shorten(raw, TARGET_NAME_MAX_CHARS)
        .chars()
        .map(|c| {
            if c == '\0' {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

/// Why a look-up gave no details.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// No such target in the bot's account and region.
    #[error("no such target")]
    NotFound,
    /// Anything else (throttled, 5xx after retries, `Forbidden.RAM`, a timeout, an answer that
    /// does not decode): the target may well exist, so this is never read as "not found".
    #[error("look-up failed: {}", .0.code)]
    Failed(IssueFailure),
}

/// GetJob / GetTensorboard, as the core needs them.
pub trait TargetLookup: Send + Sync {
    fn look_up(
        &self,
        target_type: TargetType,
        target_id: &TargetId,
    ) -> impl Future<Output = Result<TargetDetails, LookupError>> + Send;
}

/// The operator's rule for targets: whether to look them up at all, and which workspaces the
/// whole bot may share from (empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetRule {
    pub lookup: bool,
    pub workspaces: Vec<WorkspaceId>,
}

impl TargetRule {
    /// Look up every target, any workspace: the default.
    pub fn look_up_any() -> Self {
        TargetRule {
            lookup: true,
            workspaces: Vec::new(),
        }
    }

    /// Whether a workspace rule applies: then a target whose workspace is unknown is refused.
    pub fn restricts(&self) -> bool {
        !self.workspaces.is_empty()
    }

    /// Whether a target in `workspace` may be shared.
    pub fn allows(&self, workspace: &WorkspaceId) -> bool {
        self.workspaces.is_empty() || self.workspaces.contains(workspace)
    }
}

/// The workspace rule for one guild: the operator's list narrowed by the guild's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceRule {
    /// Neither the operator nor the guild listed any.
    Any,
    /// Only these; possibly none at all (the guild's list and the operator's do not meet),
    /// which refuses every target rather than falling back to "any".
    Only(Vec<WorkspaceId>),
    /// A list applies, but the operator turned the look-up off: no target's workspace can be
    /// known, so every target is refused. A guild list stored while the look-up was on is
    /// never read as "any".
    Unchecked,
}

impl WorkspaceRule {
    /// Whether a rule applies: then a target whose workspace is unknown is refused.
    pub fn restricts(&self) -> bool {
        !matches!(self, WorkspaceRule::Any)
    }

    pub fn allows(&self, workspace: &WorkspaceId) -> bool {
        match self {
            WorkspaceRule::Any => true,
            WorkspaceRule::Only(list) => list.contains(workspace),
            WorkspaceRule::Unchecked => false,
        }
    }

    /// The allowed workspaces, for a refusal; empty for `Any`, and for `Unchecked`, which
    /// allows none.
    pub fn allowed(&self) -> Vec<WorkspaceId> {
        match self {
            WorkspaceRule::Any | WorkspaceRule::Unchecked => Vec::new(),
            WorkspaceRule::Only(list) => list.clone(),
        }
    }
}

impl TargetRule {
    /// The rule in force in a guild whose admins listed `guild` (empty = none): both lists
    /// when both are set (their intersection), else whichever is set, else any workspace.
    /// With the look-up off, any list makes the rule [`WorkspaceRule::Unchecked`].
    pub fn for_guild(&self, guild: &[WorkspaceId]) -> WorkspaceRule {
        if !self.lookup && (self.restricts() || !guild.is_empty()) {
            return WorkspaceRule::Unchecked;
        }
        match (self.workspaces.is_empty(), guild.is_empty()) {
            (true, true) => WorkspaceRule::Any,
            (false, true) => WorkspaceRule::Only(self.workspaces.clone()),
            (true, false) => WorkspaceRule::Only(guild.to_vec()),
            (false, false) => WorkspaceRule::Only(
                guild
                    .iter()
                    .filter(|w| self.workspaces.contains(w))
                    .cloned()
                    .collect(),
            ),
        }
    }
}

/// What the look-up and the workspace rule make of one target. `/share` acts on it and
/// `explain` reports it, so the two can never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetVerdict {
    /// It may be shared: with its details, or without them when nothing was looked up or the
    /// look-up failed where no workspace rule applies (`failure` says which).
    Share {
        details: Option<TargetDetails>,
        failure: Option<IssueFailure>,
    },
    /// No such target in the bot's account and region.
    NotFound,
    /// Its workspace is outside the rule. Only the workspace is kept: the name and status of
    /// a target nobody here may share are shown to nobody, and never stored. `workspace` is
    /// `None` when nothing was looked up ([`WorkspaceRule::Unchecked`]).
    OutsideRule {
        workspace: Option<WorkspaceId>,
        allowed: Vec<WorkspaceId>,
    },
    /// The look-up failed while a rule applies: the target could be in any workspace.
    Unknown(IssueFailure),
}

/// Judges a target by the rule in force, given what the look-up said (`None`: nothing was
/// looked up because the operator turned the look-up off).
pub fn judge(
    rule: &WorkspaceRule,
    looked: Option<Result<TargetDetails, LookupError>>,
) -> TargetVerdict {
    match looked {
        None if rule.restricts() => TargetVerdict::OutsideRule {
            workspace: None,
            allowed: rule.allowed(),
        },
        None => TargetVerdict::Share {
            details: None,
            failure: None,
        },
        Some(Ok(details)) if rule.allows(&details.workspace_id) => TargetVerdict::Share {
            details: Some(details),
            failure: None,
        },
        Some(Ok(details)) => TargetVerdict::OutsideRule {
            workspace: Some(details.workspace_id),
            allowed: rule.allowed(),
        },
        Some(Err(LookupError::NotFound)) => TargetVerdict::NotFound,
        Some(Err(LookupError::Failed(failure))) if rule.restricts() => {
            TargetVerdict::Unknown(failure)
        }
        Some(Err(LookupError::Failed(failure))) => TargetVerdict::Share {
            details: None,
            failure: Some(failure),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_ids_are_short_plain_tokens() {
        assert_eq!(WorkspaceId::parse(" 1234 ").unwrap().as_str(), "1234");
        assert_eq!(WorkspaceId::parse(""), Err(WorkspaceIdError::Empty));
        assert!(
            WorkspaceId::parse(&"1".repeat(64)).is_ok(),
            "64 is the longest"
        );
        assert_eq!(
            WorkspaceId::parse(&"1".repeat(65)),
            Err(WorkspaceIdError::TooLong)
        );
        assert_eq!(
            WorkspaceId::parse("12 34"),
            Err(WorkspaceIdError::BadCharacter)
        );
        assert_eq!(
            WorkspaceId::parse("<@&1>"),
            Err(WorkspaceIdError::BadCharacter)
        );
    }

    #[test]
    fn names_are_cut_to_a_hundred_characters_without_nul() {
        let details = TargetDetails::new(
            &"é".repeat(5_000),
            "Running",
            WorkspaceId::parse("1").unwrap(),
            Some("a\0b"),
        );
        assert_eq!(details.name.chars().count(), TARGET_NAME_MAX_CHARS);
        assert!(details.name.ends_with('…'), "{}", details.name);
        assert_eq!(details.workspace_name.as_deref(), Some("a\u{FFFD}b"));
    }

    #[test]
    fn the_guilds_list_narrows_the_operators_and_never_widens_it() {
        let ws = |ids: &[&str]| -> Vec<WorkspaceId> {
            ids.iter().map(|w| WorkspaceId::parse(w).unwrap()).collect()
        };
        let operator = |ids: &[&str]| TargetRule {
            lookup: true,
            workspaces: ws(ids),
        };
        let cases: [(&[&str], &[&str], WorkspaceRule); 5] = [
            (&[], &[], WorkspaceRule::Any),
            (&["a", "b"], &[], WorkspaceRule::Only(ws(&["a", "b"]))),
            (&[], &["c"], WorkspaceRule::Only(ws(&["c"]))),
            (&["a", "b"], &["b", "c"], WorkspaceRule::Only(ws(&["b"]))),
            // Lists that do not meet allow nothing, never "any".
            (&["a"], &["c"], WorkspaceRule::Only(vec![])),
        ];
        for (op, guild, expected) in cases {
            let rule = operator(op).for_guild(&ws(guild));
            assert_eq!(rule, expected, "{op:?} ∩ {guild:?}");
        }
        let none = WorkspaceRule::Only(vec![]);
        assert!(none.restricts() && !none.allows(&ws(&["a"])[0]));

        // The look-up off: no list can be checked, so any list allows nothing.
        let off = |ids: &[&str]| TargetRule {
            lookup: false,
            workspaces: ws(ids),
        };
        assert_eq!(off(&[]).for_guild(&[]), WorkspaceRule::Any);
        assert_eq!(off(&[]).for_guild(&ws(&["a"])), WorkspaceRule::Unchecked);
        assert_eq!(off(&["a"]).for_guild(&[]), WorkspaceRule::Unchecked);
        let unchecked = WorkspaceRule::Unchecked;
        assert!(unchecked.restricts() && !unchecked.allows(&ws(&["a"])[0]));
        assert!(unchecked.allowed().is_empty());
    }

    #[test]
    fn the_verdict_follows_the_look_up_and_the_rule_in_force() {
        use super::super::ports::IssueFailureKind;
        let a = WorkspaceId::parse("a").unwrap();
        let b = WorkspaceId::parse("b").unwrap();
        let in_ws = |w: &WorkspaceId| TargetDetails::new("train", "Running", w.clone(), None);
        let failure = IssueFailure {
            kind: IssueFailureKind::Unauthorized,
            code: "Forbidden.RAM".into(),
            message: "denied".into(),
            request_id: Some("req".into()),
        };
        let any = WorkspaceRule::Any;
        let only_a = WorkspaceRule::Only(vec![a.clone()]);
        let none = WorkspaceRule::Only(vec![]);
        let unchecked = WorkspaceRule::Unchecked;
        let share = |details: Option<TargetDetails>, failure: Option<IssueFailure>| {
            TargetVerdict::Share { details, failure }
        };
        let outside =
            |details: Option<TargetDetails>, allowed: &[&WorkspaceId]| TargetVerdict::OutsideRule {
                workspace: details.map(|d| d.workspace_id),
                allowed: allowed.iter().map(|w| (*w).clone()).collect(),
            };
        let failed = || Some(Err(LookupError::Failed(failure.clone())));
        type Looked = Option<Result<TargetDetails, LookupError>>;
        let cases: Vec<(&str, &WorkspaceRule, Looked, TargetVerdict)> = vec![
            ("look-up off, no rule", &any, None, share(None, None)),
            (
                "look-up off, a guild list left",
                &unchecked,
                None,
                outside(None, &[]),
            ),
            (
                "look-up off, lists that do not meet",
                &none,
                None,
                outside(None, &[]),
            ),
            (
                "found, no rule",
                &any,
                Some(Ok(in_ws(&b))),
                share(Some(in_ws(&b)), None),
            ),
            (
                "found inside",
                &only_a,
                Some(Ok(in_ws(&a))),
                share(Some(in_ws(&a)), None),
            ),
            (
                "found outside",
                &only_a,
                Some(Ok(in_ws(&b))),
                outside(Some(in_ws(&b)), &[&a]),
            ),
            (
                "found, nothing allowed",
                &none,
                Some(Ok(in_ws(&a))),
                outside(Some(in_ws(&a)), &[]),
            ),
            (
                "not found, no rule",
                &any,
                Some(Err(LookupError::NotFound)),
                TargetVerdict::NotFound,
            ),
            (
                "not found, a rule",
                &only_a,
                Some(Err(LookupError::NotFound)),
                TargetVerdict::NotFound,
            ),
            (
                "failed, no rule: shared without details",
                &any,
                failed(),
                share(None, Some(failure.clone())),
            ),
            (
                "failed under a rule: fails closed",
                &only_a,
                failed(),
                TargetVerdict::Unknown(failure.clone()),
            ),
            (
                "failed, nothing allowed",
                &none,
                failed(),
                TargetVerdict::Unknown(failure.clone()),
            ),
        ];
        for (case, rule, looked, expected) in cases {
            assert_eq!(judge(rule, looked), expected, "{case}");
        }
    }

    #[test]
    fn an_empty_rule_allows_any_workspace_and_a_listed_one_only_its_own() {
        let one = WorkspaceId::parse("1").unwrap();
        let two = WorkspaceId::parse("2").unwrap();
        let any = TargetRule::look_up_any();
        assert!(!any.restricts() && any.allows(&one));
        let only_one = TargetRule {
            lookup: true,
            workspaces: vec![one.clone()],
        };
        assert!(only_one.restricts());
        assert!(only_one.allows(&one) && !only_one.allows(&two));
    }
}
