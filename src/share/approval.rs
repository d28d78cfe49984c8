//! Approvals: a `/share` above the member's cap but within the guild's maximum
//! waits for a second person. The state machine:
//!
//! ```text
//! pending ──approve──▶ approved ──claim (requester)──▶ claimed → issued / upstream_error
//!    │                     │
//!    ├──deny──▶ denied     └──timeout──▶ expired
//!    └──timeout──▶ expired
//! ```
//!
//! Who may act is decided here: approvers are the guild's admins and holders of
//! `approver_role`, never the requester; only the requester claims. When a transition happens
//! is decided by the store, in one compare-and-set each, on the database clock: two approvers
//! at once, a double click or a click on another replica end in one decision and at most one
//! token.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::ports::{Actor, AuditAttempt, AuditOutcome, StorageError};
use super::{AdminPermissions, is_admin};
use super::{ChannelId, ErrorCode, Expiry, GuildId, RoleId, TargetId, TargetType, UserId};
use secrecy::SecretString;

/// An approval's id, as carried in its buttons' `custom_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApprovalId(pub i64);

impl fmt::Display for ApprovalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ApprovalId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(ApprovalId)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Denied,
    Expired,
    Claimed,
    /// When it was approved or claimed, it no longer passed the guild's rules.
    Refused,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Denied => "denied",
            ApprovalStatus::Expired => "expired",
            ApprovalStatus::Claimed => "claimed",
            ApprovalStatus::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ApprovalStatus::Pending,
            ApprovalStatus::Approved,
            ApprovalStatus::Denied,
            ApprovalStatus::Expired,
            ApprovalStatus::Claimed,
            ApprovalStatus::Refused,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One request waiting for (or past) its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub id: ApprovalId,
    /// The `/share` interaction: its audit row carries the outcome.
    pub interaction_id: String,
    pub guild: GuildId,
    pub requester: UserId,
    pub target_type: TargetType,
    pub target_id: TargetId,
    /// What was asked, and is granted on approval.
    pub expiry: Expiry,
    pub reason: Option<String>,
    pub status: ApprovalStatus,
    /// The approver or denier.
    pub decided_by: Option<UserId>,
    /// When a pending request, or an approved but unclaimed one, expires.
    pub expires_at: DateTime<Utc>,
    /// What the look-up found when the request was made (the card shows the name); `None`
    /// when nothing was looked up.
    pub target_name: Option<String>,
    /// The target's workspace then: approving and claiming re-check it against the rule in
    /// force at that moment.
    pub workspace_id: Option<String>,
}

/// What the flow asks the store to open, with the audit row as `pending_approval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApproval {
    pub target_id: TargetId,
    pub expiry: Expiry,
    /// `share.approval_timeout`.
    pub timeout: Duration,
}

/// A button on an approval card or a requester's notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApprovalAction {
    Approve,
    Deny,
    Claim,
}

impl ApprovalAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalAction::Approve => "approve",
            ApprovalAction::Deny => "deny",
            ApprovalAction::Claim => "claim",
        }
    }
}

/// Where an approval's card was posted, for the edits that follow its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub channel: ChannelId,
    pub message: u64,
    /// The server's Discord locale when the card was posted: every later edit keeps it.
    pub locale: Option<String>,
}

/// The requester's ephemeral reply to their `/share`, which the decision edits while Discord
/// still honours its token (15 minutes).
#[derive(Debug, Clone)]
pub struct RequesterReply {
    /// Their interaction token: it can edit that one reply and nothing else.
    pub token: SecretString,
    /// Their Discord locale: they are told of the decision in it.
    pub locale: Option<String>,
}

/// What telling a decision needs: the card, and the requester's reply (its token handed out
/// once, and only while Discord honours it).
#[derive(Debug, Default)]
pub struct DecisionNotice {
    pub card: Option<Card>,
    pub requester_token: Option<SecretString>,
    pub requester_locale: Option<String>,
}

/// The result of one compare-and-set in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// This call made the transition; the approval as it is now.
    Won(Approval),
    /// Someone else decided (or claimed) first; the approval as it is now.
    Lost(Approval),
    /// Its time had passed: it is `expired` now (if it was not already).
    Expired(Approval),
    NotFound,
}

/// What opening an approval wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    Started(Approval),
    /// The interaction id was seen before: nothing new.
    Replayed,
}

/// Approvals as the database keeps them. Every transition is one compare-and-set that also
/// updates the share's audit row, so the two never disagree.
pub trait ApprovalStore: Send + Sync {
    /// Writes the audit row as `pending_approval` and the approval, together.
    fn open_approval(
        &self,
        attempt: &AuditAttempt,
        approval: &NewApproval,
    ) -> impl Future<Output = Result<Opened, StorageError>> + Send;

    fn approval(
        &self,
        id: ApprovalId,
    ) -> impl Future<Output = Result<Option<Approval>, StorageError>> + Send;

    /// pending → approved (then `timeout` to claim) or denied, if still pending and in time.
    fn decide(
        &self,
        id: ApprovalId,
        approve: bool,
        by: &Actor,
        timeout: Duration,
    ) -> impl Future<Output = Result<Transition, StorageError>> + Send;

    /// approved → claimed, if in time and `by` is the requester; the audit row goes back to
    /// `pending` (write-ahead) for the GetToken call that follows.
    fn claim(
        &self,
        id: ApprovalId,
        by: UserId,
    ) -> impl Future<Output = Result<Transition, StorageError>> + Send;

    /// pending (at its approval) or approved (at its claim) → refused, if still so and in time:
    /// it no longer passes the guild's rules. The audit row ends with `outcome` and `code`;
    /// `by`, the approver whose click found it out, is recorded as the decider when nobody
    /// decided yet.
    fn refuse(
        &self,
        id: ApprovalId,
        from: ApprovalStatus,
        by: &Actor,
        outcome: AuditOutcome,
        code: ErrorCode,
    ) -> impl Future<Output = Result<Transition, StorageError>> + Send;

    /// Remembers where the card went and the requester's reply.
    fn attach_card(
        &self,
        id: ApprovalId,
        card: &Card,
        requester: &RequesterReply,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// pending → expired, audit row `approval_expired` / `card_not_posted`: nobody can decide
    /// a request whose card could not be posted.
    fn abandon(&self, id: ApprovalId) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// The card, if it was posted.
    fn card(
        &self,
        id: ApprovalId,
    ) -> impl Future<Output = Result<Option<Card>, StorageError>> + Send;

    /// The card and the requester's reply, for telling a decision: the token is cleared as it
    /// is handed out, and withheld once Discord no longer honours it. No other call returns it.
    fn take_decision_notice(
        &self,
        id: ApprovalId,
    ) -> impl Future<Output = Result<DecisionNotice, StorageError>> + Send;

    /// Every open approval past its time → expired (audit rows `approval_expired`).
    fn expire_due(&self) -> impl Future<Output = Result<Vec<Approval>, StorageError>> + Send;

    /// One click or decision, for the record.
    fn record_event(
        &self,
        id: ApprovalId,
        actor: &Actor,
        action: ApprovalAction,
        result: &str,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// Who clicked, as the interaction describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clicker {
    pub actor: Actor,
    pub user: UserId,
    /// `None` for a click in a DM.
    pub guild: Option<GuildId>,
    pub permissions: AdminPermissions,
    /// Their roles, `@everyone` included (empty in a DM).
    pub roles: Vec<RoleId>,
}

/// Why a click may not act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClickRefusal {
    /// Neither an admin nor a holder of the approver role (or not in the guild at all).
    NotApprover,
    /// The requester cannot approve or deny their own request, admin or not.
    OwnRequest,
    /// Only the requester claims.
    NotRequester,
}

/// Who may press which button, before the store is asked.
pub fn may_act(
    action: ApprovalAction,
    approval: &Approval,
    clicker: &Clicker,
    admin_roles: &[RoleId],
    approver_role: Option<RoleId>,
) -> Result<(), ClickRefusal> {
    match action {
        ApprovalAction::Claim if clicker.user == approval.requester => Ok(()),
        ApprovalAction::Claim => Err(ClickRefusal::NotRequester),
        ApprovalAction::Approve | ApprovalAction::Deny => {
            if clicker.user == approval.requester {
                return Err(ClickRefusal::OwnRequest);
            }
            let in_guild = clicker.guild == Some(approval.guild);
            let approver = is_admin(clicker.permissions, &clicker.roles, admin_roles)
                || approver_role.is_some_and(|r| clicker.roles.contains(&r));
            if in_guild && approver {
                Ok(())
            } else {
                Err(ClickRefusal::NotApprover)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUILD: GuildId = GuildId(1);
    const REQUESTER: UserId = UserId(10);
    const APPROVERS: RoleId = RoleId(30);
    const ADMINS: RoleId = RoleId(31);

    fn approval() -> Approval {
        Approval {
            id: ApprovalId(5),
            interaction_id: "i".into(),
            guild: GUILD,
            requester: REQUESTER,
            target_type: TargetType::Job,
            target_id: TargetId::parse("dlc1").unwrap(),
            expiry: Expiry::HARD_MAX,
            reason: None,
            status: ApprovalStatus::Pending,
            decided_by: None,
            expires_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            target_name: None,
            workspace_id: None,
        }
    }

    fn clicker(user: u64, manage: bool, roles: &[u64]) -> Clicker {
        Clicker {
            actor: Actor::new(user.to_string(), "x"),
            user: UserId(user),
            guild: Some(GUILD),
            permissions: AdminPermissions {
                administrator: false,
                manage_guild: manage,
            },
            roles: roles.iter().map(|&r| RoleId(r)).collect(),
        }
    }

    #[test]
    fn who_may_press_which_button() {
        use ApprovalAction::*;
        use ClickRefusal::*;
        let a = approval();
        let in_dm = Clicker {
            guild: None,
            ..clicker(20, true, &[])
        };
        let elsewhere = Clicker {
            guild: Some(GuildId(2)),
            ..clicker(20, true, &[])
        };
        let cases: Vec<(&str, ApprovalAction, Clicker, Result<(), ClickRefusal>)> = vec![
            ("an admin approves", Approve, clicker(20, true, &[]), Ok(())),
            ("an admin denies", Deny, clicker(20, true, &[]), Ok(())),
            (
                "a configured admin role",
                Approve,
                clicker(20, false, &[31]),
                Ok(()),
            ),
            (
                "the approver role",
                Approve,
                clicker(20, false, &[30]),
                Ok(()),
            ),
            (
                "the approver role denies",
                Deny,
                clicker(20, false, &[30]),
                Ok(()),
            ),
            (
                "a member",
                Approve,
                clicker(20, false, &[99]),
                Err(NotApprover),
            ),
            (
                "the requester, even an admin",
                Approve,
                clicker(10, true, &[30]),
                Err(OwnRequest),
            ),
            (
                "the requester denying their own",
                Deny,
                clicker(10, true, &[]),
                Err(OwnRequest),
            ),
            (
                "an admin of another guild",
                Approve,
                elsewhere,
                Err(NotApprover),
            ),
            ("from a DM", Approve, in_dm, Err(NotApprover)),
            (
                "the requester claims",
                Claim,
                clicker(10, false, &[]),
                Ok(()),
            ),
            (
                "the requester claims from a DM",
                Claim,
                Clicker {
                    guild: None,
                    ..clicker(10, false, &[])
                },
                Ok(()),
            ),
            (
                "an admin cannot claim",
                Claim,
                clicker(20, true, &[30]),
                Err(NotRequester),
            ),
        ];
        for (name, action, who, expected) in cases {
            assert_eq!(
                may_act(action, &a, &who, &[ADMINS], Some(APPROVERS)),
                expected,
                "{name}"
            );
        }
        // Without an approver role, only admins decide.
        assert_eq!(
            may_act(Approve, &a, &clicker(20, false, &[30]), &[ADMINS], None),
            Err(NotApprover)
        );
    }

    #[test]
    fn statuses_and_ids_round_trip() {
        for s in ["pending", "approved", "denied", "expired", "claimed"] {
            assert_eq!(
                ApprovalStatus::parse(s).map(ApprovalStatus::as_str),
                Some(s)
            );
        }
        assert_eq!(ApprovalStatus::parse("issued"), None);
        assert_eq!("42".parse::<ApprovalId>().unwrap(), ApprovalId(42));
        assert!("x".parse::<ApprovalId>().is_err());
        assert_eq!(ApprovalAction::Claim.as_str(), "claim");
    }
}
