//! What a guild's audit channel is told about one `/share` attempt (SPEC §9): who, what, for
//! how long, how it ended and why. Built from the audit row, so the post and the row agree;
//! it holds neither the token nor the link, so no rendering of it can leak them.

use super::outcome::{ShareOutcome, ShareReport};
use super::ports::{AuditAttempt, AuditOutcome};
use super::{ChannelId, TargetType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNotice {
    pub channel: ChannelId,
    /// A Discord user id (shown as a mention that pings nobody).
    pub user_id: String,
    pub target_type: TargetType,
    /// As typed: an invalid id can hold anything, so renderers escape it.
    pub target_id: String,
    /// The token's lifetime when issued, else the granted expiry, else what was asked.
    pub expire_seconds: Option<i64>,
    pub outcome: AuditOutcome,
    pub error_code: Option<String>,
    pub reason: Option<String>,
}

impl AuditNotice {
    /// The notice for an attempt that ended in `report`; `None` for a replay, which is not
    /// a new attempt.
    pub fn of(channel: ChannelId, attempt: &AuditAttempt, report: &ShareReport) -> Option<Self> {
        let recorded = report.recorded.as_ref();
        let (outcome, error_code) = match (&report.outcome, recorded) {
            (ShareOutcome::Replayed, _) => return None,
            (ShareOutcome::AuditIncomplete, _) => {
                (AuditOutcome::InternalError, Some("audit_incomplete".into()))
            }
            (ShareOutcome::AuditUnavailable, _) if report.audit_failures > 0 => (
                AuditOutcome::InternalError,
                Some("audit_unavailable".into()),
            ),
            (_, Some(done)) => (done.outcome, done.error_code.clone()),
            (_, None) => (
                AuditOutcome::InternalError,
                Some("audit_unavailable".into()),
            ),
        };
        let expire_seconds = recorded
            .and_then(|c| c.expire_seconds)
            .or(attempt.expire_seconds)
            .or(attempt.requested_expire_seconds);
        Some(AuditNotice {
            channel,
            user_id: attempt.user_id.clone(),
            target_type: attempt.target_type,
            target_id: attempt.target_id.clone(),
            expire_seconds,
            outcome,
            error_code,
            reason: attempt.reason.clone(),
        })
    }
}
