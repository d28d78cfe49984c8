//! Every way a `/share` ends, as data: the Discord adapter renders it, the operations adapter
//! counts it, the audit log already holds it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::approval::Approval;
use super::lookup::{TargetDetails, WorkspaceId};
use super::notice::AuditNotice;
use super::ports::{AuditCompletion, AuditOutcome, IssueFailure, IssueOperation};
use super::{
    ChannelId, Denial, ErrorCode, Expiry, ExpiryError, LimitScope, ReasonError, RoleId, TargetId,
    TargetIdError, TargetType,
};

/// What the user asked that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidInput {
    Id(TargetIdError),
    Expiry(ExpiryError),
    Reason(ReasonError),
    /// The guild's policy requires a reason and none was given.
    ReasonRequired,
    /// Within the guild's maximum, but above what the member's roles allow.
    AboveRoleCap {
        cap: Expiry,
    },
    /// The look-up found no such target in the bot's account and region.
    TargetNotFound,
}

impl InvalidInput {
    /// The audit row's `error_code`.
    pub fn code(&self) -> ErrorCode {
        match self {
            InvalidInput::Id(_) => ErrorCode::InvalidId,
            InvalidInput::Expiry(_) => ErrorCode::InvalidExpiry,
            InvalidInput::Reason(_) => ErrorCode::InvalidReason,
            InvalidInput::ReasonRequired => ErrorCode::ReasonRequired,
            InvalidInput::AboveRoleCap { .. } => ErrorCode::ExpiryAboveRoleMax,
            InvalidInput::TargetNotFound => ErrorCode::TargetNotFound,
        }
    }
}

/// A link ready to hand out, already recorded as `issued` in the audit log.
pub struct IssuedShare {
    pub target_type: TargetType,
    pub target_id: TargetId,
    pub link: SecretString,
    /// The token GetToken issued; `None` for a TensorBoard's shared URL, whose token is
    /// inside the URL and not ours to pick out.
    pub token: Option<SecretString>,
    /// The expiry that was asked of upstream.
    pub expiry: Expiry,
    /// When the link stops working: the token's own `exp` claim when it has one, else issue
    /// time plus `expiry`.
    pub expires_at: DateTime<Utc>,
    /// The token's lifetime from its issue, as recorded in `expire_seconds`.
    pub lifetime: Duration,
    pub request_id: String,
    /// What the look-up said about the target; `None` when it was off or failed without a
    /// workspace rule.
    pub details: Option<TargetDetails>,
}

impl std::fmt::Debug for IssuedShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedShare")
            .field("target_type", &self.target_type)
            .field("target_id", &self.target_id)
            .field("expiry", &self.expiry)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// Every way a `/share` can end; the Discord adapter turns each into a reply.
#[derive(Debug)]
pub enum ShareOutcome {
    Issued(IssuedShare),
    Invalid(InvalidInput),
    Denied(Denial),
    /// Channels are listed and this is not one of them (nor a thread in one).
    ChannelNotAllowed {
        allowed: Vec<ChannelId>,
    },
    /// The target is in a workspace outside the rule; `allowed` is the rule.
    WorkspaceNotAllowed {
        allowed: Vec<WorkspaceId>,
    },
    RateLimited {
        scope: LimitScope,
        retry_after: Duration,
    },
    Upstream(IssueFailure),
    /// The audit row could not be written, so nothing was requested (fail closed).
    AuditUnavailable,
    /// A token was issued but its audit row could not be completed, so the link is withheld:
    /// no link is ever shown that the audit log does not show as issued.
    AuditIncomplete,
    /// Above the member's cap, within the guild's maximum, with approvals set up: recorded as
    /// `pending_approval`; the card goes to `channel`.
    PendingApproval {
        approval: Approval,
        channel: ChannelId,
        /// The only role the card may ping.
        approver_role: Option<RoleId>,
        /// The member's own cap, for the reply.
        cap: Expiry,
    },
    /// This interaction was already handled; no second token.
    Replayed,
    /// The process already works on as many shares as it may (`share.max_in_flight`):
    /// refused at once, try again in a few seconds.
    Overloaded,
}

impl ShareOutcome {
    /// The audit row's outcome for this way of ending: the one mapping, used by the flow when
    /// it writes the row and by the adapters when they count it.
    pub fn audit_outcome(&self) -> AuditOutcome {
        match self {
            ShareOutcome::Issued(_) => AuditOutcome::Issued,
            ShareOutcome::Invalid(_) => AuditOutcome::InvalidInput,
            ShareOutcome::Denied(_) => AuditOutcome::DeniedRole,
            ShareOutcome::ChannelNotAllowed { .. } => AuditOutcome::DeniedChannel,
            ShareOutcome::WorkspaceNotAllowed { .. } => AuditOutcome::DeniedWorkspace,
            ShareOutcome::RateLimited { .. } | ShareOutcome::Overloaded => {
                AuditOutcome::RateLimited
            }
            ShareOutcome::Upstream(_) => AuditOutcome::UpstreamError,
            ShareOutcome::PendingApproval { .. } => AuditOutcome::PendingApproval,
            ShareOutcome::AuditUnavailable
            | ShareOutcome::AuditIncomplete
            | ShareOutcome::Replayed => AuditOutcome::InternalError,
        }
    }

    /// The metrics label: the audit outcome, except for the two ways of ending that write no
    /// row of their own.
    pub fn label(&self) -> &'static str {
        match self {
            ShareOutcome::AuditUnavailable => "audit_unavailable",
            ShareOutcome::Replayed => "replayed",
            other => other.audit_outcome().as_str(),
        }
    }
}

/// An outcome and what it took, for the adapters' metrics: the core records none itself.
#[derive(Debug)]
pub struct ShareReport {
    pub outcome: ShareOutcome,
    /// The issuing call and how long it took, retries included, when it was made.
    pub issue_call: Option<IssueCall>,
    /// Audit writes that failed on the way (each failed the request closed or withheld a
    /// link).
    pub audit_failures: u32,
    /// How the audit row ends, as written (or as it was to be written).
    pub recorded: Option<AuditCompletion>,
    /// What the guild's audit channel is to be told, when it has one.
    pub notice: Option<AuditNotice>,
    /// The look-up failed (the share was refused, or went on without details when no
    /// workspace rule applied): for `dlcshare_lookup_failures_total`.
    pub lookup_failure: Option<LookupFailure>,
}

/// GetToken or GetTensorboardSharedUrl, as made for one share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueCall {
    pub operation: IssueOperation,
    pub took: Duration,
}

/// A look-up that failed without stopping the share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupFailure {
    pub target_type: TargetType,
    /// Upstream's `Code`, or a local one (`Timeout`, `NetworkError`).
    pub code: String,
}

impl ShareReport {
    pub(crate) fn new(outcome: ShareOutcome) -> Self {
        ShareReport {
            outcome,
            issue_call: None,
            audit_failures: 0,
            recorded: None,
            notice: None,
            lookup_failure: None,
        }
    }

    /// The audit log refused the write that had to come first: nothing was requested.
    pub(crate) fn audit_unavailable() -> Self {
        ShareReport {
            audit_failures: 1,
            ..ShareReport::new(ShareOutcome::AuditUnavailable)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_share_debugs_without_its_token_or_link() {
        let share = IssuedShare {
            target_type: TargetType::Job,
            target_id: TargetId::parse("dlc1").unwrap(),
            link: SecretString::from("https://pai.example/?t=tok-secret"),
            token: Some(SecretString::from("tok-secret")),
            expiry: Expiry::MIN,
            expires_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            lifetime: Duration::from_secs(60),
            request_id: "REQ-1".into(),
            details: None,
        };
        let shown = format!("{share:?}");
        assert!(shown.contains("dlc1") && shown.contains("REQ-1"), "{shown}");
        assert!(!shown.contains("tok-secret"), "{shown}");
    }
}
