//! What a guild's audit channel is told about one `/share` attempt: who, what, for
//! how long, how it ended and why. Built from the audit row, so the post and the row agree;
//! it holds neither the token nor the link, so no rendering of it can leak them.

use super::outcome::{ShareOutcome, ShareReport};
use super::ports::{AuditAttempt, AuditOutcome};
use super::{ChannelId, ErrorCode, TargetType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditNotice {
    pub channel: ChannelId,
    /// A Discord user id (shown as a mention that pings nobody).
    pub user_id: String,
    pub target_type: TargetType,
    /// As typed: an invalid id can hold anything, so renderers escape it.
    pub target_id: String,
    /// The target's display name from the look-up: untrusted text, escaped by renderers.
    pub target_name: Option<String>,
    /// The token's lifetime when issued, else the granted expiry, else what was asked.
    pub expire_seconds: Option<i64>,
    pub outcome: AuditOutcome,
    pub error_code: Option<ErrorCode>,
    pub reason: Option<String>,
}

impl AuditNotice {
    /// The notice for an attempt that ended in `report`; `None` for a replay, which is not
    /// a new attempt.
    pub fn of(channel: ChannelId, attempt: &AuditAttempt, report: &ShareReport) -> Option<Self> {
        let recorded = report.recorded.as_ref();
        let (outcome, error_code) = match (&report.outcome, recorded) {
            (ShareOutcome::Replayed, _) => return None,
            (ShareOutcome::AuditIncomplete, _) => (
                AuditOutcome::InternalError,
                Some(ErrorCode::AuditIncomplete),
            ),
            (ShareOutcome::AuditUnavailable, _) if report.audit_failures > 0 => (
                AuditOutcome::InternalError,
                Some(ErrorCode::AuditUnavailable),
            ),
            (_, Some(done)) => (done.outcome, done.error_code.clone()),
            (_, None) => (
                AuditOutcome::InternalError,
                Some(ErrorCode::AuditUnavailable),
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
            target_name: attempt.target_name.clone(),
            expire_seconds,
            outcome,
            error_code,
            reason: attempt.reason.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share::ports::AuditCompletion;
    use crate::share::{InvalidInput, TargetIdError};

    const CHANNEL: ChannelId = ChannelId(77);

    fn attempt() -> AuditAttempt {
        AuditAttempt {
            interaction_id: "i1".into(),
            guild_id: None,
            channel_id: None,
            user_id: "40".into(),
            user_name: "member".into(),
            target_type: TargetType::Job,
            target_id: "dlc1".into(),
            requested_expire_seconds: Some(7_200),
            expire_seconds: Some(3_600),
            reason: Some("review".into()),
            target_name: None,
            workspace_id: None,
        }
    }

    fn completion(outcome: AuditOutcome, code: Option<&str>) -> AuditCompletion {
        AuditCompletion {
            outcome,
            error_code: code.map(ErrorCode::from),
            request_id: None,
            latency_ms: 1,
            token_sha256: None,
            expire_seconds: None,
        }
    }

    fn report(
        outcome: ShareOutcome,
        audit_failures: u32,
        recorded: Option<AuditCompletion>,
    ) -> ShareReport {
        ShareReport {
            audit_failures,
            recorded,
            ..ShareReport::new(outcome)
        }
    }

    #[test]
    fn the_notice_tells_how_the_attempt_ended() {
        let invalid = || ShareOutcome::Invalid(InvalidInput::Id(TargetIdError::Empty));
        type Case = (
            &'static str,
            ShareReport,
            Option<(AuditOutcome, Option<&'static str>)>,
        );
        let cases: Vec<Case> = vec![
            (
                "a recorded refusal: as recorded",
                report(
                    invalid(),
                    0,
                    Some(completion(AuditOutcome::InvalidInput, Some("invalid_id"))),
                ),
                Some((AuditOutcome::InvalidInput, Some("invalid_id"))),
            ),
            (
                "unavailable, but recorded (the limiter failed): as recorded",
                report(
                    ShareOutcome::AuditUnavailable,
                    0,
                    Some(completion(
                        AuditOutcome::InternalError,
                        Some("ratelimit_unavailable"),
                    )),
                ),
                Some((AuditOutcome::InternalError, Some("ratelimit_unavailable"))),
            ),
            (
                "a refusal whose row could not be written: the audit log failed",
                report(
                    ShareOutcome::AuditUnavailable,
                    1,
                    Some(completion(AuditOutcome::InvalidInput, Some("invalid_id"))),
                ),
                Some((AuditOutcome::InternalError, Some("audit_unavailable"))),
            ),
            (
                "nothing recorded at all",
                report(ShareOutcome::AuditUnavailable, 1, None),
                Some((AuditOutcome::InternalError, Some("audit_unavailable"))),
            ),
            (
                "a link withheld",
                report(
                    ShareOutcome::AuditIncomplete,
                    1,
                    Some(completion(AuditOutcome::Issued, None)),
                ),
                Some((AuditOutcome::InternalError, Some("audit_incomplete"))),
            ),
            (
                "a replay is no new attempt",
                report(
                    ShareOutcome::Replayed,
                    0,
                    Some(completion(AuditOutcome::InvalidInput, Some("invalid_id"))),
                ),
                None,
            ),
        ];
        for (name, report, expected) in cases {
            let got =
                AuditNotice::of(CHANNEL, &attempt(), &report).map(|n| (n.outcome, n.error_code));
            let expected = expected.map(|(o, c)| (o, c.map(ErrorCode::from)));
            assert_eq!(got, expected, "{name}");
        }
    }

    #[test]
    fn the_notice_shows_the_tokens_lifetime_else_the_grant_else_the_request() {
        let mut issued = completion(AuditOutcome::Issued, None);
        issued.expire_seconds = Some(1_800);
        let done = report(ShareOutcome::AuditUnavailable, 0, Some(issued));
        let mut a = attempt();
        let seconds = |a: &AuditAttempt, r: &ShareReport| {
            AuditNotice::of(CHANNEL, a, r).unwrap().expire_seconds
        };
        assert_eq!(seconds(&a, &done), Some(1_800), "the token's own");
        let refused = report(ShareOutcome::AuditUnavailable, 0, None);
        assert_eq!(seconds(&a, &refused), Some(3_600), "the grant");
        a.expire_seconds = None;
        assert_eq!(seconds(&a, &refused), Some(7_200), "what was asked");
        a.requested_expire_seconds = None;
        assert_eq!(seconds(&a, &refused), None);
    }
}
