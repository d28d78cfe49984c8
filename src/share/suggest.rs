//! Suggestions for the `id` option of `/share job|tensorboard`: who may see them, and which
//! recent jobs or TensorBoards to offer for what was typed. Decisions only: the cache that
//! holds the candidates (`src/suggestions.rs`) and the ListJobs / ListTensorboards calls that
//! fill it (the PAI-DLC adapter, `src/aliyun/listing.rs`) live outside the core.

use std::future::Future;

use chrono::{DateTime, Utc};

use super::guardrails::{ChannelDecision, decide_channel};
use super::lookup::{WorkspaceId, WorkspaceRule, cut_name};
use super::ports::{GuildSettings, IssueFailure};
use super::{ChannelPlace, GuildId, Operator, RoleId, TargetId, TargetType, decide_access};
use crate::safe_text::{shorten, visible};

/// Discord shows at most 25 choices.
pub const MAX_CHOICES: usize = 25;

/// Discord's limit, in characters, for a choice's name and for its string value.
pub const CHOICE_MAX_CHARS: usize = 100;

/// A status kept in a label. PAI-DLC's are single words (`EnvPreparing`, the longest, has
/// 12 characters); an odd one longer than this would only crowd the name out of the label,
/// and cost memory in every cached candidate.
const STATUS_MAX_CHARS: usize = 32;

/// Between the parts of a label: `name · status · id`.
const SEPARATOR: &str = " · ";

/// One job or TensorBoard that may be offered. A cache holds hundreds per guild, so the
/// fields are boxed strings, already checked and cut when the candidate is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// A valid [`TargetId`] of at most [`CHOICE_MAX_CHARS`]: it becomes the choice's value.
    id: Box<str>,
    /// Cut to 100 characters, as every other surface shows it; not yet made visible.
    name: Box<str>,
    /// Cut to [`STATUS_MAX_CHARS`].
    status: Box<str>,
    workspace: WorkspaceId,
    /// For putting several pages and workspaces in one order; TensorBoards have none.
    created: Option<DateTime<Utc>>,
}

impl Candidate {
    /// `None` for an id `/share` would refuse or Discord could not carry as a value, and for
    /// a workspace id that is not one: such an entry can be neither shared nor ruled on.
    pub fn new(
        id: &str,
        name: &str,
        status: &str,
        workspace: &str,
        created: Option<DateTime<Utc>>,
    ) -> Option<Candidate> {
        let id = TargetId::parse(id).ok()?;
        if id.as_str().chars().count() > CHOICE_MAX_CHARS {
            return None;
        }
        Some(Candidate {
            id: id.as_str().into(),
            name: cut_name(name).into(),
            status: shorten(&cut_name(status), STATUS_MAX_CHARS).into(),
            workspace: WorkspaceId::parse(workspace).ok()?,
            created,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn workspace(&self) -> &WorkspaceId {
        &self.workspace
    }

    pub fn created(&self) -> Option<DateTime<Utc>> {
        self.created
    }

    /// Whether what was typed (already lower-cased) is in the id or the name.
    fn matches(&self, typed: &str) -> bool {
        typed.is_empty()
            || self.id.to_lowercase().contains(typed)
            || self.name.to_lowercase().contains(typed)
    }

    /// `name · status · id` in at most [`CHOICE_MAX_CHARS`] characters, nothing hidden in it.
    /// The name gives way first, so the id (what tells two jobs apart) stays whole. Choices
    /// are plain text in Discord (no markdown, no mentions), so nothing is escaped; control and
    /// format characters, which could reorder what is read, are shown as `?`.
    fn label(&self) -> String {
        let name = visible(&self.name);
        let status = visible(&self.status);
        let tail: String = [status.as_ref(), self.id.as_ref()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(SEPARATOR);
        if name.trim().is_empty() {
            return shorten(&tail, CHOICE_MAX_CHARS).into_owned();
        }
        let room =
            CHOICE_MAX_CHARS.saturating_sub(tail.chars().count() + SEPARATOR.chars().count());
        let label = format!("{}{SEPARATOR}{tail}", shorten(&name, room.max(1)));
        shorten(&label, CHOICE_MAX_CHARS).into_owned()
    }
}

/// One autocomplete choice: what is shown, and the id that is filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub value: String,
}

/// The workspace rule a member's suggestions are filtered by, or `None` when they get no
/// suggestions at all: the guild is not served, or `/share` itself would refuse them for the
/// channel or the allowlist. The very functions `/share` decides with, so that nobody sees
/// names they could not share.
pub fn suggestion_rule(
    operator: &Operator,
    guild: GuildId,
    settings: &GuildSettings,
    place: Option<ChannelPlace>,
    member_roles: &[RoleId],
) -> Option<WorkspaceRule> {
    if !operator.serves(guild) {
        return None;
    }
    if let ChannelDecision::NotAllowed { .. } = decide_channel(&settings.allowed_channels, place) {
        return None;
    }
    decide_access(&settings.allowed_roles, member_roles).ok()?;
    Some(operator.targets.for_guild(&settings.allowed_workspaces))
}

/// Up to [`MAX_CHOICES`] of `candidates` (most recent first) whose id or name contains
/// `typed` (ignoring case), from the workspaces `rule` allows. The rule is the one in force
/// now, not the one the candidates were listed under: a cache filled before a workspace was
/// removed never shows its names.
pub fn choose(candidates: &[Candidate], typed: &str, rule: &WorkspaceRule) -> Vec<Choice> {
    let typed = typed.trim().to_lowercase();
    candidates
        .iter()
        .filter(|c| rule.allows(&c.workspace))
        .filter(|c| c.matches(&typed))
        .take(MAX_CHOICES)
        .map(|c| Choice {
            label: c.label(),
            value: c.id.to_string(),
        })
        .collect()
}

/// One page of ListJobs or ListTensorboards, as candidates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListedPage {
    /// The entries that can be candidates (see [`Candidate::new`]), in upstream's order.
    pub candidates: Vec<Candidate>,
    /// How many entries upstream sent on this page, candidates or not: a short page is the last.
    pub received: usize,
    /// All matching entries upstream has, not only this page's.
    pub total: u64,
}

/// ListJobs / ListTensorboards, one page at a time, as the suggestion cache needs them.
pub trait ListTargets: Send + Sync + 'static {
    /// Page `page` (from 1) of `page_size` entries, the most recent first; `workspace = None`
    /// lists every workspace the bot's credentials may list.
    fn list_page(
        &self,
        target_type: TargetType,
        workspace: Option<&WorkspaceId>,
        page: u32,
        page_size: u32,
    ) -> impl Future<Output = Result<ListedPage, IssueFailure>> + Send;
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::share::{AllowedRole, ChannelId, Expiry, GuildPolicy, GuildScope, TargetRule};

    fn ws(id: &str) -> WorkspaceId {
        WorkspaceId::parse(id).unwrap()
    }

    fn job(id: &str, name: &str, workspace: &str) -> Candidate {
        Candidate::new(id, name, "Running", workspace, None).unwrap()
    }

    fn operator(served: GuildScope, workspaces: &[&str]) -> Operator {
        Operator {
            served,
            policy: GuildPolicy::new(Expiry::HARD_MAX, Expiry::HARD_MAX).unwrap(),
            admin_roles: vec![],
            approval_timeout: Duration::from_secs(3_600),
            targets: TargetRule {
                lookup: true,
                workspaces: workspaces.iter().map(|w| ws(w)).collect(),
            },
        }
    }

    const GUILD: GuildId = GuildId(1);
    const ROLE: RoleId = RoleId(10);
    const HERE: ChannelPlace = ChannelPlace {
        channel: ChannelId(100),
        parent: None,
    };

    fn settings(roles: &[RoleId], channels: &[u64], workspaces: &[&str]) -> GuildSettings {
        GuildSettings {
            allowed_roles: roles.iter().map(|r| AllowedRole::new(*r)).collect(),
            allowed_channels: channels.iter().map(|c| ChannelId(*c)).collect(),
            allowed_workspaces: workspaces.iter().map(|w| ws(w)).collect(),
            ..GuildSettings::default()
        }
    }

    #[test]
    fn only_members_who_could_share_here_get_suggestions() {
        let every = operator(GuildScope::Every, &[]);
        let any = Some(WorkspaceRule::Any);
        let place = Some(HERE);
        // (operator, settings, place, member roles, expected)
        let cases: [(&Operator, GuildSettings, Option<ChannelPlace>, &[RoleId], _); 7] = [
            (
                &every,
                settings(&[ROLE], &[], &[]),
                place,
                &[ROLE],
                any.clone(),
            ),
            (
                &every,
                settings(&[ROLE], &[], &[]),
                place,
                &[RoleId(11)],
                None,
            ),
            (&every, settings(&[], &[], &[]), place, &[ROLE], None),
            (
                &every,
                settings(&[ROLE], &[100], &[]),
                place,
                &[ROLE],
                any.clone(),
            ),
            (&every, settings(&[ROLE], &[200], &[]), place, &[ROLE], None),
            (&every, settings(&[ROLE], &[200], &[]), None, &[ROLE], None),
            (
                &every,
                settings(&[ROLE], &[], &["ws-a"]),
                place,
                &[ROLE],
                Some(WorkspaceRule::Only(vec![ws("ws-a")])),
            ),
        ];
        for (i, (op, s, place, roles, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                suggestion_rule(op, GUILD, &s, place, roles),
                expected,
                "case {i}"
            );
        }
        let elsewhere = operator(GuildScope::Listed([GuildId(2)].into()), &[]);
        let open = settings(&[ROLE], &[], &[]);
        assert_eq!(
            suggestion_rule(&elsewhere, GUILD, &open, Some(HERE), &[ROLE]),
            None,
            "a guild not served gets nothing"
        );
        let narrowed = operator(GuildScope::Every, &["ws-a", "ws-b"]);
        let guild_list = settings(&[ROLE], &[], &["ws-b", "ws-c"]);
        assert_eq!(
            suggestion_rule(&narrowed, GUILD, &guild_list, Some(HERE), &[ROLE]),
            Some(WorkspaceRule::Only(vec![ws("ws-b")]))
        );
        // A guild list left from before the operator turned the look-up off: `/share`
        // refuses every target, so no name is offered either.
        let mut unchecked = operator(GuildScope::Every, &[]);
        unchecked.targets.lookup = false;
        let listed = settings(&[ROLE], &[], &["ws-a"]);
        assert_eq!(
            suggestion_rule(&unchecked, GUILD, &listed, Some(HERE), &[ROLE]),
            Some(WorkspaceRule::Unchecked)
        );
    }

    #[test]
    fn a_thread_counts_as_its_parent_channel() {
        let every = operator(GuildScope::Every, &[]);
        let thread = ChannelPlace {
            channel: ChannelId(555),
            parent: Some(ChannelId(100)),
        };
        let s = settings(&[ROLE], &[100], &[]);
        assert!(suggestion_rule(&every, GUILD, &s, Some(thread), &[ROLE]).is_some());
    }

    #[test]
    fn choices_match_id_or_name_ignoring_case_most_recent_first_at_most_25() {
        let candidates: Vec<Candidate> = (0..40)
            .map(|i| job(&format!("dlc-{i:02}"), &format!("Run {i}"), "ws-a"))
            .chain([job("dlc-bert", "BERT large", "ws-a")])
            .collect();
        let values = |typed: &str| -> Vec<String> {
            choose(&candidates, typed, &WorkspaceRule::Any)
                .into_iter()
                .map(|c| c.value)
                .collect()
        };
        let ids =
            |ns: &[u32]| -> Vec<String> { ns.iter().map(|n| format!("dlc-{n:02}")).collect() };
        // (typed, expected values)
        let cases: [(&str, Vec<String>); 6] = [
            ("bert", vec!["dlc-bert".to_owned()]),
            ("  Bert ", vec!["dlc-bert".to_owned()]),
            ("LARGE", vec!["dlc-bert".to_owned()]),
            ("DLC-1", ids(&[10, 11, 12, 13, 14, 15, 16, 17, 18, 19])),
            ("run 3", ids(&[3, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39])),
            ("nothing like it", vec![]),
        ];
        for (typed, expected) in cases {
            assert_eq!(values(typed), expected, "{typed:?}");
        }
        let all = values("");
        assert_eq!(all.len(), MAX_CHOICES);
        assert_eq!(all[0], "dlc-00", "in the order given: most recent first");
    }

    #[test]
    fn only_workspaces_the_rule_in_force_allows_are_offered() {
        let candidates = [
            job("dlc-a", "alpha", "ws-a"),
            job("dlc-b", "beta", "ws-b"),
            job("dlc-c", "gamma", "ws-c"),
        ];
        let values = |rule: WorkspaceRule| -> Vec<String> {
            choose(&candidates, "", &rule)
                .into_iter()
                .map(|c| c.value)
                .collect()
        };
        assert_eq!(values(WorkspaceRule::Any), ["dlc-a", "dlc-b", "dlc-c"]);
        assert_eq!(
            values(WorkspaceRule::Only(vec![ws("ws-b"), ws("ws-c")])),
            ["dlc-b", "dlc-c"]
        );
        assert!(
            values(WorkspaceRule::Only(vec![])).is_empty(),
            "lists that do not meet allow nothing"
        );
        assert!(
            values(WorkspaceRule::Unchecked).is_empty(),
            "a list nobody can check allows nothing"
        );
        // Typing a hidden job's name finds nothing either.
        let only_a = WorkspaceRule::Only(vec![ws("ws-a")]);
        assert!(choose(&candidates, "gamma", &only_a).is_empty());
    }

    #[test]
    fn labels_are_name_status_id_visible_and_within_100_characters() {
        let hostile = format!(
            "**@everyone** <@123> \u{202E}txt.exe\u{202C}\n{}",
            "~".repeat(5_000)
        );
        let long_id = "d".repeat(90);
        // (id, name, status, expected label; `None` = only checked for its shape)
        let long_status = format!("Preparing{}", "x".repeat(100));
        let cut_status = format!("Preparing{}…", "x".repeat(22));
        let cut_label = format!("n · {cut_status} · dlc-5");
        let cases: [(&str, &str, &str, Option<&str>); 6] = [
            (
                "dlc-1",
                "resnet50 baseline",
                "Running",
                Some("resnet50 baseline · Running · dlc-1"),
            ),
            ("dlc-2", "", "Failed", Some("Failed · dlc-2")),
            (
                "dlc-3",
                "a\u{200B}b",
                "Running",
                Some("a?b · Running · dlc-3"),
            ),
            ("dlc-4", &hostile, "Failed", None),
            (&long_id, "a long name for a long id", "Succeeded", None),
            ("dlc-5", "n", &long_status, Some(&cut_label)),
        ];
        for (id, name, status, expected) in cases {
            let c = Candidate::new(id, name, status, "ws-a", None).unwrap();
            let label = c.label();
            let chars = label.chars().count();
            assert!((1..=CHOICE_MAX_CHARS).contains(&chars), "{chars}: {label}");
            assert!(!label.chars().any(crate::safe_text::is_hidden), "{label:?}");
            if let Some(expected) = expected {
                assert_eq!(label, expected);
            }
        }
        let c = Candidate::new("dlc-4", &hostile, "Failed", "ws-a", None).unwrap();
        let label = c.label();
        assert!(
            label.ends_with("… · Failed · dlc-4"),
            "the id stays whole: {label}"
        );
        assert!(
            label.starts_with("**@everyone** <@123> ?txt.exe? "),
            "{label}"
        );
        assert_eq!(label.chars().count(), CHOICE_MAX_CHARS);
        // An id too long to leave room for a name: cut as a whole, still within the limit.
        let c = Candidate::new(&long_id, "name", "Succeeded", "ws-a", None).unwrap();
        assert_eq!(c.label().chars().count(), CHOICE_MAX_CHARS);
    }

    #[test]
    fn only_ids_share_accepts_and_discord_can_carry_become_candidates() {
        assert!(Candidate::new("dlc-ok_1.2", "n", "s", "ws-a", None).is_some());
        assert!(Candidate::new(&"d".repeat(100), "n", "s", "ws-a", None).is_some());
        for bad in ["", "dlc 1", "dlc/1", "<@123>", &"d".repeat(101)] {
            assert!(
                Candidate::new(bad, "n", "s", "ws-a", None).is_none(),
                "{bad:?}"
            );
        }
        assert!(Candidate::new("dlc-1", "n", "s", "not a workspace", None).is_none());
        let cut = Candidate::new("dlc-1", &"é".repeat(500), "s", "ws-a", None).unwrap();
        assert_eq!(
            cut.name.chars().count(),
            100,
            "stored cut, as other surfaces cut it"
        );
    }
}
