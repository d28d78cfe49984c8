//! The `/share` flow as one function over the ports:
//! guild served → settings → input (id, expiry, reason) → channel → allowlist → the member's
//! cap → rate limit → look-up → workspace → audit.begin → GetToken (or a TensorBoard's
//! GetTensorboardSharedUrl) → audit.complete. It decides and reports; adapters render, count,
//! post, sleep and retry.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::approval::{ApprovalStore, NewApproval, Opened};
use super::guardrails::{self, Refusal};
use super::jwt::jwt_expiry;
use super::lookup::{TargetDetails, TargetLookup, TargetRule, TargetVerdict, WorkspaceRule, judge};
use super::notice::AuditNotice;
use super::outcome::{
    InvalidInput, IssueCall, IssuedShare, LookupFailure, ShareOutcome, ShareReport,
};
use super::ports::{
    AuditAttempt, AuditBegin, AuditCompletion, AuditLog, AuditOutcome, Clock, GuildDirectory,
    GuildSettings, IssueOperation, Limiter, TokenIssuer,
};
use super::{
    ChannelPlace, Denial, ErrorCode, Expiry, GuildId, LimitScope, LinkTemplate, LinkValues,
    Operator, RateDecision, Reason, RoleId, TargetId, TargetType, UserId, parse_duration,
};

/// Longest target id or user name kept in the audit log when the input was invalid.
const AUDIT_TEXT_MAX_CHARS: usize = 256;

/// One `/share` as the core sees it: plain data, no Discord types.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    pub interaction_id: String,
    pub guild_id: GuildId,
    /// Where it was typed; `None` if the interaction named no channel.
    pub place: Option<ChannelPlace>,
    pub user_id: UserId,
    pub user_name: String,
    pub member_roles: Vec<RoleId>,
    pub target_type: TargetType,
    pub raw_id: String,
    pub raw_expiry: Option<String>,
    pub raw_reason: Option<String>,
}

/// How each target type's link is made.
#[derive(Debug, Clone)]
pub struct LinkTemplates {
    /// GetToken's token in this template.
    pub job: LinkTemplate,
    pub tensorboard: TensorboardLink,
}

/// How a TensorBoard's link is made (`share.tensorboard_link`).
#[derive(Debug, Clone)]
pub enum TensorboardLink {
    /// The URL GetTensorboardSharedUrl returns, as it is: PAI-DLC's own share link.
    SharedUrl,
    /// GetToken's token in this template.
    Token(LinkTemplate),
}

impl LinkTemplates {
    /// The template a target's token goes into; `None` when its link is a TensorBoard's
    /// shared URL and no token is asked for.
    pub fn template(&self, t: TargetType) -> Option<&LinkTemplate> {
        match (t, &self.tensorboard) {
            (TargetType::Job, _) => Some(&self.job),
            (TargetType::Tensorboard, TensorboardLink::Token(template)) => Some(template),
            (TargetType::Tensorboard, TensorboardLink::SharedUrl) => None,
        }
    }
}

/// Hex SHA-256 fingerprint of a token or shared URL: lets an operator match a leaked link to
/// its audit row.
pub fn token_fingerprint(secret: &SecretString) -> String {
    hex::encode(Sha256::digest(secret.expose_secret().as_bytes()))
}

/// Text as typed, cut and storable: PostgreSQL `text` cannot hold NUL, and an invalid
/// request must still get its row, so NUL becomes U+FFFD.
fn audit_text(raw: &str) -> String {
    raw.trim()
        .chars()
        .take(AUDIT_TEXT_MAX_CHARS)
        .map(|c| {
            if c == '\0' {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

/// The `audit_log.error_code` of a refusal by a rate limit.
fn rate_limit_code(scope: LimitScope) -> ErrorCode {
    match scope {
        LimitScope::User => ErrorCode::UserLimit,
        LimitScope::Guild => ErrorCode::GuildLimit,
    }
}

/// One token to issue: the audit row it belongs to, the target and expiry asked of GetToken,
/// and when the request began (for the row's latency).
pub struct Grant {
    pub attempt: AuditAttempt,
    pub target_id: TargetId,
    pub expiry: Expiry,
    pub started: Instant,
    /// What the look-up said, shown beside the link; `None` when nothing was looked up.
    pub details: Option<TargetDetails>,
}

/// Issues one token behind a write-ahead audit row; shared by `/share` and the `token` command.
/// With `audit = None` (command line without a database) nothing is recorded.
pub async fn issue_audited<A: AuditLog, I: TokenIssuer>(
    audit: Option<&A>,
    issuer: &I,
    links: &LinkTemplates,
    clock: &dyn Clock,
    grant: Grant,
) -> ShareReport {
    if let Some(audit) = audit {
        match audit.begin(&grant.attempt).await {
            Ok(AuditBegin::Started) => {}
            Ok(AuditBegin::Replayed) => return ShareReport::new(ShareOutcome::Replayed),
            Err(e) => {
                tracing::error!(error = %e, "audit begin failed; not requesting a token");
                return ShareReport::audit_unavailable();
            }
        }
    }
    issue_begun(audit, issuer, links, clock, grant).await
}

/// The issuing call (GetToken, or GetTensorboardSharedUrl when the link is a TensorBoard's
/// shared URL) and the completion of a row that is already `pending` (written by `begin`, or
/// put back to `pending` by an approval's claim).
pub(crate) async fn issue_begun<A: AuditLog, I: TokenIssuer>(
    audit: Option<&A>,
    issuer: &I,
    links: &LinkTemplates,
    clock: &dyn Clock,
    grant: Grant,
) -> ShareReport {
    let Grant {
        attempt,
        target_id,
        expiry,
        started,
        details,
    } = grant;
    let template = links.template(attempt.target_type);
    let operation = match template {
        Some(_) => IssueOperation::GetToken,
        None => IssueOperation::GetTensorboardSharedUrl,
    };
    // The link's lifetime starts when upstream issues it, not when its answer arrives.
    let issued_at = clock.now();
    let called = Instant::now();
    let result = match template {
        Some(template) => issuer
            .get_token(attempt.target_type, &target_id, expiry)
            .await
            .map(|issued| {
                // The token's own `exp` claim is the truth; the lifetime we asked for is not.
                let expires_at = jwt_expiry(issued.token.expose_secret())
                    .and_then(|exp| DateTime::from_timestamp(exp, 0))
                    .unwrap_or_else(|| issued_at + expiry_duration(expiry));
                let link = template.render(&LinkValues {
                    region: issuer.region(),
                    target_type: attempt.target_type,
                    target_id: &target_id,
                    workspace_id: details.as_ref().map_or("", |d| d.workspace_id.as_str()),
                    token: issued.token.expose_secret(),
                    expire_seconds: lifetime_secs(issued_at, expires_at),
                    expires_at_unix: expires_at.timestamp(),
                });
                Minted {
                    fingerprint: token_fingerprint(&issued.token),
                    link: link.into(),
                    token: Some(issued.token),
                    expires_at,
                    request_id: issued.request_id,
                }
            }),
        // The URL carries no expiry we could read: it lasts what was asked.
        None => issuer
            .get_tensorboard_shared_url(&target_id, expiry)
            .await
            .map(|shared| Minted {
                fingerprint: token_fingerprint(&shared.url),
                link: shared.url,
                token: None,
                expires_at: issued_at + expiry_duration(expiry),
                request_id: shared.request_id,
            }),
    };
    let took = called.elapsed();
    let latency_ms = started.elapsed().as_millis() as i64;

    let (outcome, completion) = match result {
        Ok(minted) => {
            let lifetime_secs = lifetime_secs(issued_at, minted.expires_at);
            let completion = AuditCompletion {
                outcome: AuditOutcome::Issued,
                error_code: None,
                request_id: Some(minted.request_id.clone()),
                latency_ms,
                token_sha256: Some(minted.fingerprint),
                expire_seconds: Some(lifetime_secs),
            };
            let share = IssuedShare {
                target_type: attempt.target_type,
                target_id,
                link: minted.link,
                token: minted.token,
                expiry,
                expires_at: minted.expires_at,
                lifetime: std::time::Duration::from_secs(lifetime_secs.unsigned_abs()),
                request_id: minted.request_id,
                details,
            };
            (ShareOutcome::Issued(share), completion)
        }
        Err(failure) => {
            let completion = AuditCompletion {
                outcome: AuditOutcome::UpstreamError,
                error_code: Some(ErrorCode::Upstream(failure.code.clone())),
                request_id: failure.request_id.clone(),
                latency_ms,
                token_sha256: None,
                expire_seconds: None,
            };
            (ShareOutcome::Upstream(failure), completion)
        }
    };

    let mut report = ShareReport::new(outcome);
    report.issue_call = Some(IssueCall { operation, took });
    report.recorded = Some(completion.clone());
    let Some(audit) = audit else {
        return report;
    };
    // The adapter has already retried what is worth retrying.
    if let Err(e) = audit.complete(&attempt.interaction_id, &completion).await {
        tracing::error!(
            error = %e,
            interaction_id = attempt.interaction_id,
            outcome = completion.outcome.as_str(),
            request_id = completion.request_id.as_deref(),
            token_sha256 = completion.token_sha256.as_deref(),
            "audit completion failed; the row stays pending until the retention job closes it"
        );
        report.audit_failures += 1;
        if matches!(report.outcome, ShareOutcome::Issued(_)) {
            // No link is shown that the audit log does not show as issued.
            report.outcome = ShareOutcome::AuditIncomplete;
        }
    }
    report
}

/// What upstream issued, made into a link. No `Debug`: it holds the link.
struct Minted {
    link: SecretString,
    token: Option<SecretString>,
    fingerprint: String,
    expires_at: DateTime<Utc>,
    request_id: String,
}

fn expiry_duration(expiry: Expiry) -> chrono::Duration {
    chrono::Duration::seconds(expiry.as_secs().into())
}

/// Whole seconds on both sides: `exp` has no fraction, so neither does the lifetime.
fn lifetime_secs(issued_at: DateTime<Utc>, expires_at: DateTime<Utc>) -> i64 {
    (expires_at.timestamp() - issued_at.timestamp()).max(0)
}

/// The `/share` flow for chat requests.
pub struct ShareService<A, G, I, L, T> {
    pub audit: A,
    pub guilds: G,
    pub issuer: I,
    /// GetJob / GetTensorboard, asked when the operator's rule says to look targets up.
    pub lookup: T,
    /// Per user and per guild, per process or shared by replicas.
    pub limits: L,
    pub links: LinkTemplates,
    /// Which guilds are served, and the policy that bounds theirs.
    pub operator: Arc<Operator>,
    pub clock: Arc<dyn Clock>,
}

/// Where the look-up leaves a share: on, with what it learnt, or refused.
enum Looked {
    Go {
        details: Option<TargetDetails>,
        /// A failed look-up that let the share go on (no workspace rule applies): reported.
        failure: Option<LookupFailure>,
    },
    Refused {
        code: ErrorCode,
        outcome: Box<ShareOutcome>,
        failure: Option<LookupFailure>,
    },
}

/// Looks the target up when the operator says to, and reads [`judge`]'s verdict under `rule`
/// as the share's next step; `/share` and the `token` command both go through here. What was
/// found of a target that may be shared goes into `attempt`, for its audit row; of one
/// outside the workspace rule, only its workspace.
async fn look_up<T: TargetLookup>(
    lookup: &T,
    targets: &TargetRule,
    rule: &WorkspaceRule,
    attempt: &mut AuditAttempt,
    target_id: &TargetId,
) -> Looked {
    let target_type = attempt.target_type;
    let looked = if targets.lookup {
        Some(lookup.look_up(target_type, target_id).await)
    } else {
        None
    };
    let failed = |code: &str| LookupFailure {
        target_type,
        code: code.to_owned(),
    };
    match judge(rule, looked) {
        TargetVerdict::Share { details, failure } => {
            if let Some(failure) = &failure {
                tracing::warn!(
                    code = failure.code,
                    target_type = target_type.as_str(),
                    "target look-up failed; sharing without its details (no workspace rule applies)"
                );
            }
            if let Some(found) = &details {
                attempt.target_name = Some(found.name.clone());
                attempt.workspace_id = Some(found.workspace_id.to_string());
            }
            Looked::Go {
                details,
                failure: failure.map(|f| failed(&f.code)),
            }
        }
        TargetVerdict::NotFound => Looked::Refused {
            code: ErrorCode::TargetNotFound,
            outcome: Box::new(ShareOutcome::Invalid(InvalidInput::TargetNotFound)),
            failure: None,
        },
        TargetVerdict::OutsideRule { workspace, allowed } => {
            // Why it was refused, without the name of a target nobody here may share.
            attempt.workspace_id = workspace.map(|w| w.to_string());
            Looked::Refused {
                code: ErrorCode::WorkspaceNotAllowed,
                outcome: Box::new(ShareOutcome::WorkspaceNotAllowed { allowed }),
                failure: None,
            }
        }
        TargetVerdict::Unknown(failure) => Looked::Refused {
            code: ErrorCode::Upstream(failure.code.clone()),
            failure: Some(failed(&failure.code)),
            outcome: Box::new(ShareOutcome::Upstream(failure)),
        },
    }
}

/// Writes the whole row of a refused attempt (nothing was requested); without an audit log
/// (command line without a database) only reports it.
async fn record_refusal<A: AuditLog>(
    audit: Option<&A>,
    attempt: &AuditAttempt,
    started: Instant,
    code: ErrorCode,
    refusal: ShareOutcome,
) -> ShareReport {
    // A look-up that failed under a workspace rule is refused with upstream's answer: its
    // RequestId is what the member's reply shows and what Alibaba's support asks for.
    let request_id = match &refusal {
        ShareOutcome::Upstream(failure) => failure.request_id.clone(),
        _ => None,
    };
    let completion = AuditCompletion {
        outcome: refusal.audit_outcome(),
        error_code: Some(code),
        request_id,
        latency_ms: started.elapsed().as_millis() as i64,
        token_sha256: None,
        expire_seconds: None,
    };
    let written = match audit {
        Some(audit) => audit.record(attempt, &completion).await,
        None => Ok(AuditBegin::Started),
    };
    let mut report = match written {
        Ok(AuditBegin::Started) => ShareReport::new(refusal),
        Ok(AuditBegin::Replayed) => ShareReport::new(ShareOutcome::Replayed),
        Err(e) => {
            tracing::error!(error = %e, "audit write failed for a refusal");
            ShareReport::audit_unavailable()
        }
    };
    report.recorded = Some(completion);
    report
}

/// The `token` command's share: the look-up and the operator's workspace rule as `/share`
/// applies them (no guild, so no guild list), then [`issue_audited`].
pub async fn share_from_shell<A: AuditLog, I: TokenIssuer, T: TargetLookup>(
    audit: Option<&A>,
    issuer: &I,
    lookup: &T,
    targets: &TargetRule,
    links: &LinkTemplates,
    clock: &dyn Clock,
    mut grant: Grant,
) -> ShareReport {
    let rule = targets.for_guild(&[]);
    match look_up(lookup, targets, &rule, &mut grant.attempt, &grant.target_id).await {
        Looked::Go { details, failure } => {
            grant.details = details;
            let mut report = issue_audited(audit, issuer, links, clock, grant).await;
            report.lookup_failure = failure;
            report
        }
        Looked::Refused {
            code,
            outcome,
            failure,
        } => {
            let mut report =
                record_refusal(audit, &grant.attempt, grant.started, code, *outcome).await;
            report.lookup_failure = failure;
            report
        }
    }
}

impl<A: AuditLog + ApprovalStore, G: GuildDirectory, I: TokenIssuer, L: Limiter, T: TargetLookup>
    ShareService<A, G, I, L, T>
{
    pub async fn share(&self, req: ShareRequest) -> ShareReport {
        let started = Instant::now();
        let requested = req.raw_expiry.as_deref().map(parse_duration);
        let mut attempt = self.attempt(&req);
        attempt.requested_expire_seconds = requested
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .map(|d| d.as_secs().min(i64::MAX as u64) as i64);

        // First of all: the operator's account is not for every guild that adds the bot.
        if !self.operator.serves(req.guild_id) {
            let refusal = ShareOutcome::Denied(Denial::GuildNotEnabled);
            return self
                .refuse(&attempt, started, ErrorCode::GuildNotEnabled, refusal)
                .await;
        }

        let settings = match self.guilds.settings(req.guild_id).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot read guild settings; refusing");
                // Best effort: the database is most likely what failed.
                let mut report = self
                    .refuse(
                        &attempt,
                        started,
                        ErrorCode::SettingsUnavailable,
                        ShareOutcome::AuditUnavailable,
                    )
                    .await;
                report.audit_failures += 1;
                return report;
            }
        };
        let mut report = self
            .decide(&req, &settings, requested, &mut attempt, started)
            .await;
        if let Some(channel) = settings.policy.audit_channel {
            report.notice = AuditNotice::of(channel, &attempt, &report);
        }
        report
    }

    /// Everything after the settings are known, in the order the module comment gives.
    async fn decide(
        &self,
        req: &ShareRequest,
        settings: &GuildSettings,
        requested: Option<Result<std::time::Duration, super::DurationParseError>>,
        attempt: &mut AuditAttempt,
        started: Instant,
    ) -> ShareReport {
        let policy = self.operator.effective_policy(&settings.policy);

        // Input: id, expiry syntax and the guild's bounds, reason.
        let validated = (|| {
            let id = TargetId::parse(&req.raw_id).map_err(InvalidInput::Id)?;
            let requested = requested
                .transpose()
                .map_err(|e| InvalidInput::Expiry(e.into()))?;
            let requested = policy.bound(requested).map_err(InvalidInput::Expiry)?;
            let reason = req
                .raw_reason
                .as_deref()
                .map(Reason::parse)
                .transpose()
                .map_err(InvalidInput::Reason)?;
            if reason.is_none() && settings.policy.require_reason {
                return Err(InvalidInput::ReasonRequired);
            }
            Ok((id, requested))
        })();
        let (target_id, requested) = match validated {
            Ok(v) => v,
            Err(invalid) => {
                let code = invalid.code();
                return self
                    .refuse(attempt, started, code, ShareOutcome::Invalid(invalid))
                    .await;
            }
        };

        // Channel, allowlist, the member's cap.
        let granted =
            guardrails::evaluate(settings, policy, req.place, &req.member_roles, requested);
        // Above the cap, yet within the guild's maximum (input checked that): with approvals
        // set up it waits for a second person instead of being refused.
        let approval = match (&granted, settings.policy.approvals_channel, requested) {
            (Err(Refusal::AboveCap { cap }), Some(channel), Some(asked)) => {
                Some((*cap, channel, asked))
            }
            _ => None,
        };
        let expiry = match granted {
            Ok(expiry) => expiry,
            Err(_) if approval.is_some() => requested.expect("an approval needs an expiry"),
            Err(refusal) => {
                let code = refusal.code();
                let outcome = match refusal {
                    Refusal::Channel { allowed } => ShareOutcome::ChannelNotAllowed { allowed },
                    Refusal::Access(denied) => ShareOutcome::Denied(denied),
                    Refusal::AboveCap { cap } => {
                        ShareOutcome::Invalid(InvalidInput::AboveRoleCap { cap })
                    }
                };
                return self.refuse(attempt, started, code, outcome).await;
            }
        };
        // Nothing is granted yet while a request waits for approval.
        if approval.is_none() {
            attempt.expire_seconds = Some(expiry.as_secs().into());
        }

        match self.limits.check(req.guild_id, req.user_id).await {
            Ok(RateDecision::Allowed) => {}
            // Allowed: on to the write-ahead row (below), or to the approvals channel.
            Ok(RateDecision::Limited { scope, retry_after }) => {
                let refusal = ShareOutcome::RateLimited { scope, retry_after };
                return self
                    .refuse(attempt, started, rate_limit_code(scope), refusal)
                    .await;
            }
            Err(e) => {
                // The shared limit is unknown: refuse rather than let a flood through.
                tracing::error!(error = %e, "cannot check the rate limit; refusing");
                return self
                    .refuse(
                        attempt,
                        started,
                        ErrorCode::RatelimitUnavailable,
                        ShareOutcome::AuditUnavailable,
                    )
                    .await;
            }
        }

        let rule = self
            .operator
            .targets
            .for_guild(&settings.allowed_workspaces);
        let looked = look_up(
            &self.lookup,
            &self.operator.targets,
            &rule,
            attempt,
            &target_id,
        )
        .await;
        let (details, lookup_failure) = match looked {
            Looked::Go { details, failure } => (details, failure),
            Looked::Refused {
                code,
                outcome,
                failure,
            } => {
                let mut report = self.refuse(attempt, started, code, *outcome).await;
                report.lookup_failure = failure;
                return report;
            }
        };

        let mut report = if let Some((cap, channel, asked)) = approval {
            self.open_approval(settings, attempt, target_id, asked, cap, channel, started)
                .await
        } else {
            self.issue(attempt, target_id, expiry, started, details)
                .await
        };
        report.lookup_failure = lookup_failure;
        report
    }

    async fn issue(
        &self,
        attempt: &AuditAttempt,
        target_id: super::TargetId,
        expiry: Expiry,
        started: Instant,
        details: Option<TargetDetails>,
    ) -> ShareReport {
        issue_audited(
            Some(&self.audit),
            &self.issuer,
            &self.links,
            self.clock.as_ref(),
            Grant {
                attempt: attempt.clone(),
                target_id,
                expiry,
                started,
                details,
            },
        )
        .await
    }

    /// Records the request as `pending_approval` with its approval, in one write.
    #[allow(clippy::too_many_arguments)] // the pieces decide() has already worked out
    async fn open_approval(
        &self,
        settings: &GuildSettings,
        attempt: &AuditAttempt,
        target_id: TargetId,
        expiry: Expiry,
        cap: Expiry,
        channel: super::ChannelId,
        started: Instant,
    ) -> ShareReport {
        let new = NewApproval {
            target_id,
            expiry,
            timeout: self.operator.approval_timeout,
        };
        let mut report = match self.audit.open_approval(attempt, &new).await {
            Ok(Opened::Started(approval)) => ShareReport::new(ShareOutcome::PendingApproval {
                approval,
                channel,
                approver_role: settings.policy.approver_role,
                cap,
            }),
            Ok(Opened::Replayed) => return ShareReport::new(ShareOutcome::Replayed),
            Err(e) => {
                tracing::error!(error = %e, "cannot record the approval request; refusing");
                return ShareReport::audit_unavailable();
            }
        };
        report.recorded = Some(AuditCompletion {
            outcome: AuditOutcome::PendingApproval,
            error_code: None,
            request_id: None,
            latency_ms: started.elapsed().as_millis() as i64,
            token_sha256: None,
            expire_seconds: None,
        });
        report
    }

    fn attempt(&self, req: &ShareRequest) -> AuditAttempt {
        AuditAttempt {
            interaction_id: req.interaction_id.clone(),
            guild_id: Some(req.guild_id),
            channel_id: req.place.map(|p| p.channel),
            user_id: req.user_id.to_string(),
            user_name: audit_text(&req.user_name),
            target_type: req.target_type,
            target_id: audit_text(&req.raw_id),
            requested_expire_seconds: None,
            expire_seconds: None,
            reason: req.raw_reason.as_deref().map(audit_text),
            target_name: None,
            workspace_id: None,
        }
    }

    /// Audits a `/share` the bot did not serve at all (it was shutting down, or Discord never
    /// took its acknowledgement), so that every attempt still has its row. `code` says why.
    pub async fn record_unserved(&self, req: &ShareRequest, code: ErrorCode) -> ShareReport {
        let attempt = self.attempt(req);
        self.refuse(
            &attempt,
            Instant::now(),
            code,
            ShareOutcome::AuditUnavailable,
        )
        .await
    }

    /// Audits a `/share` turned away because the process is at `share.max_in_flight`: the
    /// caller has already answered "busy"; the attempt still gets its row.
    pub async fn record_overloaded(&self, req: &ShareRequest) -> ShareReport {
        let attempt = self.attempt(req);
        self.refuse(
            &attempt,
            Instant::now(),
            ErrorCode::Overloaded,
            ShareOutcome::Overloaded,
        )
        .await
    }

    /// Audits a refusal in one write; if even that fails, the user hears that nothing can be
    /// recorded right now rather than a refusal that left no trace.
    async fn refuse(
        &self,
        attempt: &AuditAttempt,
        started: Instant,
        code: ErrorCode,
        refusal: ShareOutcome,
    ) -> ShareReport {
        record_refusal(Some(&self.audit), attempt, started, code, refusal).await
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::num::NonZeroU32;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::share::fakes::{
        FakeAudit, FakeClock, FakeGuilds, FakeIssuer, FakeLimiter, FakeLookup,
    };
    use crate::share::ports::{IssueFailure, IssueFailureKind};
    use crate::share::{
        AllowedRole, ChannelId, GuildPolicy, GuildScope, LayeredLimits, PolicySettings, RateLimits,
        RateSpec, TargetIdError, TargetRule, WorkspaceId,
    };

    const GUILD: GuildId = GuildId(10);
    const ROLE: RoleId = RoleId(20);
    /// Where the fake catalogue's `dlc1` runs.
    const WORKSPACE: &str = "1001";
    /// 2023-11-14T22:13:20Z.
    const NOW: i64 = 1_700_000_000;

    /// governor in front of a scripted shared limiter, as with `ratelimit.backend = "postgres"`.
    type Service =
        ShareService<FakeAudit, FakeGuilds, FakeIssuer, LayeredLimits<FakeLimiter>, FakeLookup>;

    fn expiry(s: &str) -> Expiry {
        Expiry::parse(s, Expiry::HARD_MAX).unwrap()
    }

    fn spec(per_minute: u32, burst: u32) -> RateSpec {
        RateSpec {
            per_minute: NonZeroU32::new(per_minute).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        }
    }

    fn service_with(issuer: FakeIssuer, user: RateSpec, guild: RateSpec) -> Service {
        let guilds = FakeGuilds::default();
        guilds.settings.lock().unwrap().insert(
            GUILD,
            GuildSettings {
                allowed_roles: vec![AllowedRole::new(ROLE)],
                ..GuildSettings::default()
            },
        );
        ShareService {
            audit: FakeAudit::default(),
            guilds,
            issuer,
            lookup: FakeLookup::with("dlc1", "train", WORKSPACE),
            limits: LayeredLimits {
                local: Arc::new(RateLimits::new(user, guild)),
                shared: Some(FakeLimiter::default()),
            },
            links: LinkTemplates {
                job: LinkTemplate::parse(
                    "https://pai.example/{region}/{target_id}?w={workspace_id}&t={token}&s={expire_seconds}&u={expires_at_unix}",
                )
                .unwrap(),
                tensorboard: TensorboardLink::Token(
                    LinkTemplate::parse("https://pai.example/tb/{target_id}?t={token}").unwrap(),
                ),
            },
            operator: Arc::new(Operator {
                served: GuildScope::Listed(BTreeSet::from([GUILD])),
                policy: GuildPolicy::new(expiry("1d"), Expiry::HARD_MAX).unwrap(),
                admin_roles: vec![],
                approval_timeout: std::time::Duration::from_secs(3_600),
                targets: crate::share::TargetRule::look_up_any(),
            }),
            clock: Arc::new(FakeClock::at(NOW)),
        }
    }

    fn service(issuer: FakeIssuer) -> Service {
        service_with(issuer, spec(100, 100), spec(100, 100))
    }

    fn request(id: &str, raw_id: &str, expiry: Option<&str>) -> ShareRequest {
        ShareRequest {
            interaction_id: id.into(),
            guild_id: GUILD,
            place: Some(ChannelPlace {
                channel: ChannelId(30),
                parent: None,
            }),
            user_id: UserId(40),
            user_name: "member".into(),
            member_roles: vec![ROLE],
            target_type: TargetType::Job,
            raw_id: raw_id.into(),
            raw_expiry: expiry.map(str::to_owned),
            raw_reason: None,
        }
    }

    /// A stored policy with both expiries set.
    fn own_policy(default: &str, max: &str) -> PolicySettings {
        PolicySettings {
            default_expiry: Some(expiry(default)),
            max_expiry: Some(expiry(max)),
            ..PolicySettings::default()
        }
    }

    fn set_settings(svc: &Service, guild: GuildId, roles: Vec<RoleId>, policy: PolicySettings) {
        svc.guilds.settings.lock().unwrap().insert(
            guild,
            GuildSettings {
                allowed_roles: roles.into_iter().map(AllowedRole::new).collect(),
                allowed_channels: vec![],
                allowed_workspaces: vec![],
                policy,
            },
        );
    }

    /// Changes the guild's stored settings in place.
    fn edit(svc: &Service, f: impl FnOnce(&mut GuildSettings)) {
        svc.guilds.edit(GUILD, f)
    }

    fn jwt_expiring_at(exp: i64) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{exp}}}"#))
        )
    }

    fn failure(kind: IssueFailureKind, code: &str) -> IssueFailure {
        IssueFailure {
            kind,
            code: code.into(),
            message: "scripted".into(),
            request_id: Some("REQ-UP".into()),
        }
    }

    fn shared_limiter(svc: &Service) -> &FakeLimiter {
        svc.limits.shared.as_ref().expect("a shared limiter")
    }

    /// Issuing calls of either kind: GetToken and GetTensorboardSharedUrl.
    fn calls(svc: &Service) -> usize {
        svc.issuer.calls.load(Ordering::SeqCst) + svc.issuer.shared_url_calls.load(Ordering::SeqCst)
    }

    /// The completed row of `id`: (outcome, error_code).
    fn recorded(svc: &Service, id: &str) -> (AuditOutcome, Option<String>) {
        let row = svc
            .audit
            .row(id)
            .unwrap_or_else(|| panic!("no row for {id}"));
        let done = row
            .completion
            .unwrap_or_else(|| panic!("row {id} left pending"));
        (done.outcome, done.error_code.map(|c| c.as_str().to_owned()))
    }

    // ------------------------------------------------------------ issued

    #[tokio::test]
    async fn an_allowed_member_gets_a_link_behind_a_complete_row() {
        let svc = service(FakeIssuer::token("tok+/="));
        let report = svc.share(request("i1", "dlc1", Some("2h"))).await;
        assert_eq!(
            report.issue_call.map(|c| c.operation),
            Some(IssueOperation::GetToken)
        );
        assert_eq!(report.audit_failures, 0);
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(share.target_id.as_str(), "dlc1");
        assert_eq!(share.expiry, expiry("2h"));
        assert_eq!(share.lifetime, Duration::from_secs(7_200));
        assert_eq!(share.expires_at.timestamp(), NOW + 7_200);
        assert_eq!(share.request_id, "REQ-FAKE");
        assert_eq!(
            share.link.expose_secret(),
            format!(
                "https://pai.example/cn-test/dlc1?w={WORKSPACE}&t=tok%2B%2F%3D&s=7200&u={}",
                NOW + 7_200
            )
        );
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(row.attempt.requested_expire_seconds, Some(7_200));
        assert_eq!(row.attempt.expire_seconds, Some(7_200));
        assert_eq!(row.attempt.guild_id, Some(GUILD));
        assert_eq!(row.attempt.channel_id, Some(ChannelId(30)));
        assert_eq!(row.attempt.user_id, "40");
        assert_eq!(row.attempt.user_name, "member");
        assert_eq!(row.attempt.target_type, TargetType::Job);
        let done = row.completion.unwrap();
        assert_eq!(done.outcome, AuditOutcome::Issued);
        assert_eq!(done.error_code, None);
        assert_eq!(done.request_id.as_deref(), Some("REQ-FAKE"));
        assert_eq!(
            done.token_sha256,
            Some(token_fingerprint(&SecretString::from("tok+/=")))
        );
        assert_eq!(done.expire_seconds, Some(7_200));
        assert_eq!(calls(&svc), 1);
    }

    #[tokio::test]
    async fn without_an_expiry_the_guild_default_applies() {
        let svc = service(FakeIssuer::token("tok"));
        let report = svc.share(request("i1", "dlc1", None)).await;
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(share.expiry, expiry("1d"));
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(row.attempt.requested_expire_seconds, None);
        assert_eq!(row.attempt.expire_seconds, Some(86_400));
    }

    #[tokio::test]
    async fn a_guilds_own_policy_applies_within_the_operators_ceiling() {
        let mut svc = service(FakeIssuer::token("tok"));
        Arc::make_mut(&mut svc.operator).policy =
            GuildPolicy::new(expiry("1h"), expiry("1d")).unwrap();
        // Set before the operator lowered the ceiling to 1 day.
        set_settings(&svc, GUILD, vec![ROLE], own_policy("3d", "7d"));
        let report = svc.share(request("i1", "dlc1", None)).await;
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(share.expiry, expiry("1d"), "default capped by the ceiling");
        let report = svc.share(request("i2", "dlc1", Some("2d"))).await;
        assert!(
            matches!(
                report.outcome,
                ShareOutcome::Invalid(InvalidInput::Expiry(_))
            ),
            "{:?}",
            report.outcome
        );
    }

    #[tokio::test]
    async fn a_tensorboard_uses_its_own_template() {
        let svc = service(FakeIssuer::token("tok"));
        svc.lookup.add("tb1", "board", WORKSPACE);
        let mut req = request("i1", "tb1", None);
        req.target_type = TargetType::Tensorboard;
        let ShareOutcome::Issued(share) = svc.share(req).await.outcome else {
            panic!("not issued")
        };
        assert_eq!(
            share.link.expose_secret(),
            "https://pai.example/tb/tb1?t=tok"
        );
        assert_eq!(
            svc.audit.row("i1").unwrap().attempt.target_type,
            TargetType::Tensorboard
        );
    }

    /// One way a link is made: which issuing call the core makes for the target and mode, and
    /// what the link, the row and the report then hold.
    struct Made {
        name: &'static str,
        target_type: TargetType,
        tensorboard: fn() -> TensorboardLink,
        lookup: bool,
        /// What the fake issuer answers: a token, or a shared URL.
        answer: &'static str,
        operation: IssueOperation,
        link: &'static str,
        /// `--json`'s `token`: only a token that exists on its own.
        token: Option<&'static str>,
    }

    fn shared_url() -> TensorboardLink {
        TensorboardLink::SharedUrl
    }

    fn tensorboard_template() -> TensorboardLink {
        TensorboardLink::Token(
            LinkTemplate::parse("https://pai.example/tb/{target_id}?w={workspace_id}&t={token}")
                .unwrap(),
        )
    }

    const MADE: &[Made] = &[
        Made {
            name: "a job: GetToken in the template, with the looked-up workspace",
            target_type: TargetType::Job,
            tensorboard: shared_url,
            lookup: true,
            answer: "tok",
            operation: IssueOperation::GetToken,
            link: "https://pai.example/cn-test/dlc1?w=1001&t=tok&s=7200&u=1700007200",
            token: Some("tok"),
        },
        Made {
            name: "a job without the look-up: the workspace is empty",
            target_type: TargetType::Job,
            tensorboard: shared_url,
            lookup: false,
            answer: "tok",
            operation: IssueOperation::GetToken,
            link: "https://pai.example/cn-test/dlc1?w=&t=tok&s=7200&u=1700007200",
            token: Some("tok"),
        },
        Made {
            name: "a TensorBoard in shared_url mode: the URL as it is",
            target_type: TargetType::Tensorboard,
            tensorboard: shared_url,
            lookup: true,
            answer: "https://pai.example/share/tb1?token=inside&x=a+b",
            operation: IssueOperation::GetTensorboardSharedUrl,
            link: "https://pai.example/share/tb1?token=inside&x=a+b",
            token: None,
        },
        Made {
            name: "a TensorBoard in token mode: GetToken in its template",
            target_type: TargetType::Tensorboard,
            tensorboard: tensorboard_template,
            lookup: true,
            answer: "tok",
            operation: IssueOperation::GetToken,
            link: "https://pai.example/tb/dlc1?w=1001&t=tok",
            token: Some("tok"),
        },
    ];

    #[tokio::test]
    async fn the_core_asks_for_the_credential_its_link_needs() {
        for case in MADE {
            let mut svc = service(FakeIssuer::token(case.answer));
            svc.links.tensorboard = (case.tensorboard)();
            set_targets(&mut svc, case.lookup, &[]);
            let mut req = request("i1", "dlc1", Some("2h"));
            req.target_type = case.target_type;
            let report = svc.share(req).await;
            assert_eq!(
                report.issue_call.map(|c| c.operation),
                Some(case.operation),
                "{}",
                case.name
            );
            let (get_token, shared_url) = match case.operation {
                IssueOperation::GetToken => (1, 0),
                IssueOperation::GetTensorboardSharedUrl => (0, 1),
            };
            assert_eq!(
                (
                    svc.issuer.calls.load(Ordering::SeqCst),
                    svc.issuer.shared_url_calls.load(Ordering::SeqCst)
                ),
                (get_token, shared_url),
                "{}: which port method was called",
                case.name
            );
            assert_eq!(
                *svc.issuer.last_expiry.lock().unwrap(),
                Some(expiry("2h")),
                "{}: the granted expiry is asked",
                case.name
            );
            let ShareOutcome::Issued(share) = report.outcome else {
                panic!("{}: {:?}", case.name, report.outcome)
            };
            assert_eq!(share.link.expose_secret(), case.link, "{}", case.name);
            assert_eq!(
                share.token.as_ref().map(|t| t.expose_secret()),
                case.token,
                "{}",
                case.name
            );
            assert_eq!(share.expires_at.timestamp(), NOW + 7_200, "{}", case.name);
            assert_eq!(share.lifetime, Duration::from_secs(7_200), "{}", case.name);
            let done = svc.audit.row("i1").unwrap().completion.unwrap();
            assert_eq!(done.outcome, AuditOutcome::Issued, "{}", case.name);
            assert_eq!(
                done.token_sha256,
                Some(hex::encode(Sha256::digest(case.answer.as_bytes()))),
                "{}: the fingerprint is of what upstream issued",
                case.name
            );
            assert_eq!(done.expire_seconds, Some(7_200), "{}", case.name);
            assert_eq!(
                done.request_id.as_deref(),
                Some(share.request_id.as_str()),
                "{}",
                case.name
            );
        }
    }

    #[tokio::test]
    async fn a_failed_shared_url_call_is_audited_with_its_code_and_issues_nothing() {
        let mut svc = service(FakeIssuer::token("unused"));
        svc.links.tensorboard = TensorboardLink::SharedUrl;
        *svc.issuer.answer.lock().unwrap() =
            Err(failure(IssueFailureKind::Unauthorized, "Forbidden.RAM"));
        let mut req = request("i1", "dlc1", None);
        req.target_type = TargetType::Tensorboard;
        let report = svc.share(req).await;
        assert_eq!(
            report.issue_call.map(|c| c.operation),
            Some(IssueOperation::GetTensorboardSharedUrl)
        );
        let ShareOutcome::Upstream(f) = &report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(f.code, "Forbidden.RAM");
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 0, "no GetToken");
        let done = svc.audit.row("i1").unwrap().completion.unwrap();
        assert_eq!(done.outcome, AuditOutcome::UpstreamError);
        assert_eq!(
            done.error_code.as_ref().map(ErrorCode::as_str),
            Some("Forbidden.RAM")
        );
        assert_eq!(done.request_id.as_deref(), Some("REQ-UP"));
        assert_eq!(done.token_sha256, None);
    }

    #[tokio::test]
    async fn the_expiry_shown_and_recorded_is_the_tokens_own() {
        let svc = service(FakeIssuer::token("placeholder"));
        // Upstream granted one hour, whatever was asked.
        *svc.issuer.answer.lock().unwrap() = Ok(jwt_expiring_at(NOW + 3_600));
        let report = svc.share(request("i1", "dlc1", Some("2d"))).await;
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(share.expires_at.timestamp(), NOW + 3_600);
        assert_eq!(share.expiry, expiry("2d"), "what was asked");
        assert_eq!(share.lifetime, Duration::from_secs(3_600));
        let link = share.link.expose_secret();
        assert!(
            link.ends_with(&format!("&s=3600&u={}", NOW + 3_600)),
            "{link}"
        );
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(
            row.attempt.expire_seconds,
            Some(172_800),
            "granted at begin"
        );
        assert_eq!(row.completion.unwrap().expire_seconds, Some(3_600));
    }

    #[tokio::test]
    async fn a_token_that_is_already_expired_is_reported_as_such() {
        let svc = service(FakeIssuer::token("placeholder"));
        *svc.issuer.answer.lock().unwrap() = Ok(jwt_expiring_at(NOW - 10));
        let ShareOutcome::Issued(share) = svc.share(request("i1", "dlc1", None)).await.outcome
        else {
            panic!("not issued")
        };
        assert_eq!(share.lifetime, Duration::ZERO);
        assert_eq!(share.expires_at.timestamp(), NOW - 10);
    }

    // ------------------------------------------------------------ refusals

    struct Refusal {
        name: &'static str,
        prepare: fn(&Service),
        request: fn() -> ShareRequest,
        label: &'static str,
        audit: AuditOutcome,
        code: &'static str,
    }

    fn no_prep(_: &Service) {}

    const REFUSALS: &[Refusal] = &[
        Refusal {
            name: "a guild that is not served",
            prepare: |svc| set_settings(svc, GuildId(99), vec![ROLE], PolicySettings::default()),
            request: || ShareRequest {
                guild_id: GuildId(99),
                ..request("r", "dlc1", None)
            },
            label: "denied_role",
            audit: AuditOutcome::DeniedRole,
            code: "guild_not_enabled",
        },
        Refusal {
            name: "a guild with no allowed role",
            prepare: |svc| set_settings(svc, GUILD, vec![], PolicySettings::default()),
            request: || request("r", "dlc1", None),
            label: "denied_role",
            audit: AuditOutcome::DeniedRole,
            code: "empty_allowlist",
        },
        Refusal {
            name: "a member without an allowed role",
            prepare: no_prep,
            request: || ShareRequest {
                member_roles: vec![RoleId(21)],
                ..request("r", "dlc1", None)
            },
            label: "denied_role",
            audit: AuditOutcome::DeniedRole,
            code: "missing_role",
        },
        Refusal {
            name: "an id with a slash",
            prepare: no_prep,
            request: || request("r", "dlc/../x", None),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_id",
        },
        Refusal {
            name: "an empty id",
            prepare: no_prep,
            request: || request("r", "   ", None),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_id",
        },
        Refusal {
            name: "an id with NUL",
            prepare: no_prep,
            request: || request("r", "dlc\0x", None),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_id",
        },
        Refusal {
            name: "an expiry that does not parse",
            prepare: no_prep,
            request: || request("r", "dlc1", Some("soon")),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_expiry",
        },
        Refusal {
            name: "an expiry below a minute",
            prepare: no_prep,
            request: || request("r", "dlc1", Some("30s")),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_expiry",
        },
        Refusal {
            name: "an expiry above the guild maximum",
            prepare: |svc| set_settings(svc, GUILD, vec![ROLE], own_policy("1h", "1d")),
            request: || request("r", "dlc1", Some("2d")),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_expiry",
        },
        Refusal {
            name: "invalid input from a member who also lacks a role (input is checked first)",
            prepare: no_prep,
            request: || ShareRequest {
                member_roles: vec![],
                ..request("r", "bad id", None)
            },
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_id",
        },
    ];

    /// The guardrails admins set, in the same table.
    const GUARDRAIL_REFUSALS: &[Refusal] = &[
        Refusal {
            name: "a channel that is not listed",
            prepare: |svc| edit(svc, |g| g.allowed_channels = vec![ChannelId(31)]),
            request: || request("r", "dlc1", None),
            label: "denied_channel",
            audit: AuditOutcome::DeniedChannel,
            code: "channel_not_allowed",
        },
        Refusal {
            name: "a thread whose parent is not listed",
            prepare: |svc| edit(svc, |g| g.allowed_channels = vec![ChannelId(31)]),
            request: || ShareRequest {
                place: Some(ChannelPlace {
                    channel: ChannelId(500),
                    parent: Some(ChannelId(32)),
                }),
                ..request("r", "dlc1", None)
            },
            label: "denied_channel",
            audit: AuditOutcome::DeniedChannel,
            code: "channel_not_allowed",
        },
        Refusal {
            name: "no reason where one is required",
            prepare: |svc| edit(svc, |g| g.policy.require_reason = true),
            request: || request("r", "dlc1", None),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "reason_required",
        },
        Refusal {
            name: "a blank reason",
            prepare: no_prep,
            request: || ShareRequest {
                raw_reason: Some("   ".into()),
                ..request("r", "dlc1", None)
            },
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_reason",
        },
        Refusal {
            name: "a reason over 200 characters",
            prepare: no_prep,
            request: || ShareRequest {
                raw_reason: Some("r".repeat(201)),
                ..request("r", "dlc1", None)
            },
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_reason",
        },
        Refusal {
            name: "an expiry above the member's role cap",
            prepare: |svc| edit(svc, |g| g.allowed_roles[0].max_expiry = Some(expiry("1h"))),
            request: || request("r", "dlc1", Some("2h")),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "expiry_above_role_max",
        },
        Refusal {
            name: "input before the channel: an invalid id in a channel that is not listed",
            prepare: |svc| edit(svc, |g| g.allowed_channels = vec![ChannelId(31)]),
            request: || request("r", "bad id", None),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "invalid_id",
        },
        Refusal {
            name: "the channel before the allowlist",
            prepare: |svc| edit(svc, |g| g.allowed_channels = vec![ChannelId(31)]),
            request: || ShareRequest {
                member_roles: vec![RoleId(21)],
                ..request("r", "dlc1", None)
            },
            label: "denied_channel",
            audit: AuditOutcome::DeniedChannel,
            code: "channel_not_allowed",
        },
        Refusal {
            name: "the allowlist before the cap",
            prepare: |svc| edit(svc, |g| g.allowed_roles[0].max_expiry = Some(expiry("1h"))),
            request: || ShareRequest {
                member_roles: vec![RoleId(21)],
                ..request("r", "dlc1", Some("2h"))
            },
            label: "denied_role",
            audit: AuditOutcome::DeniedRole,
            code: "missing_role",
        },
        Refusal {
            name: "the cap before the rate limit",
            prepare: |svc| {
                edit(svc, |g| g.allowed_roles[0].max_expiry = Some(expiry("1h")));
                *shared_limiter(svc).answer.lock().unwrap() = RateDecision::Limited {
                    scope: LimitScope::User,
                    retry_after: Duration::from_secs(4),
                };
            },
            request: || request("r", "dlc1", Some("2h")),
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: "expiry_above_role_max",
        },
    ];

    /// The shared limiter's refusals and failures, in the table with the others.
    const LIMITER_REFUSALS: &[Refusal] = &[
        Refusal {
            name: "a refusal by the limiter shared by replicas",
            prepare: |svc| {
                *shared_limiter(svc).answer.lock().unwrap() = RateDecision::Limited {
                    scope: LimitScope::Guild,
                    retry_after: Duration::from_secs(4),
                }
            },
            request: || request("r", "dlc1", None),
            label: "rate_limited",
            audit: AuditOutcome::RateLimited,
            code: "guild_limit",
        },
        Refusal {
            name: "a shared limiter that cannot answer (fail closed)",
            prepare: |svc| shared_limiter(svc).fail.store(true, Ordering::SeqCst),
            request: || request("r", "dlc1", None),
            label: "audit_unavailable",
            audit: AuditOutcome::InternalError,
            code: "ratelimit_unavailable",
        },
    ];

    #[tokio::test]
    async fn every_refusal_is_audited_and_calls_nothing_upstream() {
        for case in REFUSALS
            .iter()
            .chain(GUARDRAIL_REFUSALS)
            .chain(LIMITER_REFUSALS)
        {
            let svc = service(FakeIssuer::token("tok"));
            (case.prepare)(&svc);
            let report = svc.share((case.request)()).await;
            assert_eq!(report.outcome.label(), case.label, "{}", case.name);
            assert_eq!(report.issue_call, None, "{}", case.name);
            assert_eq!(report.audit_failures, 0, "{}", case.name);
            let (outcome, code) = recorded(&svc, "r");
            assert_eq!(outcome, case.audit, "{}", case.name);
            assert_eq!(code.as_deref(), Some(case.code), "{}", case.name);
            assert_eq!(calls(&svc), 0, "{}: no upstream call", case.name);
            assert_eq!(svc.audit.len(), 1, "{}: exactly one row", case.name);
        }
    }

    // ------------------------------------------------------------ look-up and workspaces

    /// The operator's target rule: look-up on or off, and the workspaces allowed.
    fn set_targets(svc: &mut Service, lookup: bool, workspaces: &[&str]) {
        let mut operator = (*svc.operator).clone();
        operator.targets = TargetRule {
            lookup,
            workspaces: workspaces
                .iter()
                .map(|w| WorkspaceId::parse(w).unwrap())
                .collect(),
        };
        svc.operator = Arc::new(operator);
    }

    /// The workspaces the guild's admins listed.
    fn guild_workspaces(svc: &Service, workspaces: &[&str]) {
        let listed = workspaces
            .iter()
            .map(|w| WorkspaceId::parse(w).unwrap())
            .collect();
        edit(svc, |g| g.allowed_workspaces = listed);
    }

    fn lookup_fails(svc: &Service) {
        *svc.lookup.failure.lock().unwrap() =
            Some(failure(IssueFailureKind::Unauthorized, "Forbidden.RAM"));
    }

    fn lookups(svc: &Service) -> usize {
        svc.lookup.calls.load(Ordering::SeqCst)
    }

    /// One decision of the look-up step: how the share ends, and what was asked upstream.
    struct Looked {
        name: &'static str,
        prepare: fn(&mut Service),
        raw_id: &'static str,
        label: &'static str,
        audit: AuditOutcome,
        code: Option<&'static str>,
        lookups: usize,
        gettoken: usize,
        /// The workspace written with the row, when the target was found.
        workspace: Option<&'static str>,
    }

    const LOOKUPS: &[Looked] = &[
        Looked {
            name: "a target that does not exist",
            prepare: |_| {},
            raw_id: "dlc-missing",
            label: "invalid_input",
            audit: AuditOutcome::InvalidInput,
            code: Some("target_not_found"),
            lookups: 1,
            gettoken: 0,
            workspace: None,
        },
        Looked {
            name: "a target found in any workspace, no rule",
            prepare: |_| {},
            raw_id: "dlc1",
            label: "issued",
            audit: AuditOutcome::Issued,
            code: None,
            lookups: 1,
            gettoken: 1,
            workspace: Some(WORKSPACE),
        },
        Looked {
            name: "a target inside the operator's workspaces",
            prepare: |svc| set_targets(svc, true, &["2002", WORKSPACE]),
            raw_id: "dlc1",
            label: "issued",
            audit: AuditOutcome::Issued,
            code: None,
            lookups: 1,
            gettoken: 1,
            workspace: Some(WORKSPACE),
        },
        Looked {
            name: "a target outside the operator's workspaces",
            prepare: |svc| set_targets(svc, true, &["2002"]),
            raw_id: "dlc1",
            label: "denied_workspace",
            audit: AuditOutcome::DeniedWorkspace,
            code: Some("workspace_not_allowed"),
            lookups: 1,
            gettoken: 0,
            workspace: Some(WORKSPACE),
        },
        Looked {
            name: "a failed look-up with a workspace rule (fail closed)",
            prepare: |svc| {
                set_targets(svc, true, &[WORKSPACE]);
                lookup_fails(svc);
            },
            raw_id: "dlc1",
            label: "upstream_error",
            audit: AuditOutcome::UpstreamError,
            code: Some("Forbidden.RAM"),
            lookups: 1,
            gettoken: 0,
            workspace: None,
        },
        Looked {
            name: "a failed look-up without a rule (shared without details)",
            prepare: |svc| lookup_fails(svc),
            raw_id: "dlc1",
            label: "issued",
            audit: AuditOutcome::Issued,
            code: None,
            lookups: 1,
            gettoken: 1,
            workspace: None,
        },
        Looked {
            name: "the look-up off: nothing looked up, even an id upstream does not know",
            prepare: |svc| set_targets(svc, false, &[]),
            raw_id: "dlc-missing",
            label: "issued",
            audit: AuditOutcome::Issued,
            code: None,
            lookups: 0,
            gettoken: 1,
            workspace: None,
        },
        Looked {
            name: "the look-up off with a workspace rule (refused at start; fails closed here)",
            prepare: |svc| set_targets(svc, false, &[WORKSPACE]),
            raw_id: "dlc1",
            label: "denied_workspace",
            audit: AuditOutcome::DeniedWorkspace,
            code: Some("workspace_not_allowed"),
            lookups: 0,
            gettoken: 0,
            workspace: None,
        },
        Looked {
            name: "a target outside the guild's workspaces",
            prepare: |svc| guild_workspaces(svc, &["2002"]),
            raw_id: "dlc1",
            label: "denied_workspace",
            audit: AuditOutcome::DeniedWorkspace,
            code: Some("workspace_not_allowed"),
            lookups: 1,
            gettoken: 0,
            workspace: Some(WORKSPACE),
        },
        Looked {
            name: "a target inside the guild's workspaces, within the operator's",
            prepare: |svc| {
                set_targets(svc, true, &[WORKSPACE, "2002"]);
                guild_workspaces(svc, &[WORKSPACE]);
            },
            raw_id: "dlc1",
            label: "issued",
            audit: AuditOutcome::Issued,
            code: None,
            lookups: 1,
            gettoken: 1,
            workspace: Some(WORKSPACE),
        },
        Looked {
            name: "a guild list the operator's does not contain: the lists meet nowhere",
            prepare: |svc| {
                set_targets(svc, true, &["2002"]);
                guild_workspaces(svc, &[WORKSPACE]);
            },
            raw_id: "dlc1",
            label: "denied_workspace",
            audit: AuditOutcome::DeniedWorkspace,
            code: Some("workspace_not_allowed"),
            lookups: 1,
            gettoken: 0,
            workspace: Some(WORKSPACE),
        },
        Looked {
            name: "a failed look-up with only a guild rule (fail closed)",
            prepare: |svc| {
                guild_workspaces(svc, &[WORKSPACE]);
                lookup_fails(svc);
            },
            raw_id: "dlc1",
            label: "upstream_error",
            audit: AuditOutcome::UpstreamError,
            code: Some("Forbidden.RAM"),
            lookups: 1,
            gettoken: 0,
            workspace: None,
        },
        Looked {
            name: "a guild rule stored before the look-up was turned off (fails closed)",
            prepare: |svc| {
                set_targets(svc, false, &[]);
                guild_workspaces(svc, &[WORKSPACE]);
            },
            raw_id: "dlc1",
            label: "denied_workspace",
            audit: AuditOutcome::DeniedWorkspace,
            code: Some("workspace_not_allowed"),
            lookups: 0,
            gettoken: 0,
            workspace: None,
        },
        Looked {
            name: "the rate limit before the look-up",
            prepare: |svc| {
                *shared_limiter(svc).answer.lock().unwrap() = RateDecision::Limited {
                    scope: LimitScope::User,
                    retry_after: Duration::from_secs(4),
                }
            },
            raw_id: "dlc-missing",
            label: "rate_limited",
            audit: AuditOutcome::RateLimited,
            code: Some("user_limit"),
            lookups: 0,
            gettoken: 0,
            workspace: None,
        },
        Looked {
            name: "the allowlist before the look-up",
            prepare: |svc| set_settings(svc, GUILD, vec![RoleId(21)], PolicySettings::default()),
            raw_id: "dlc-missing",
            label: "denied_role",
            audit: AuditOutcome::DeniedRole,
            code: Some("missing_role"),
            lookups: 0,
            gettoken: 0,
            workspace: None,
        },
    ];

    #[tokio::test]
    async fn the_look_up_decides_after_the_rate_limit_and_before_the_audit_row() {
        for case in LOOKUPS {
            let mut svc = service(FakeIssuer::token("tok"));
            (case.prepare)(&mut svc);
            let report = svc.share(request("r", case.raw_id, None)).await;
            assert_eq!(report.outcome.label(), case.label, "{}", case.name);
            let (outcome, code) = recorded(&svc, "r");
            assert_eq!(outcome, case.audit, "{}", case.name);
            assert_eq!(code.as_deref(), case.code, "{}", case.name);
            assert_eq!(lookups(&svc), case.lookups, "{}: look-ups", case.name);
            assert_eq!(calls(&svc), case.gettoken, "{}: GetToken calls", case.name);
            assert_eq!(svc.audit.len(), 1, "{}: exactly one row", case.name);
            assert_eq!(
                report.lookup_failure.is_some(),
                case.name.starts_with("a failed look-up"),
                "{}: a failed look-up is reported for the metric",
                case.name
            );
            let row = svc.audit.row("r").unwrap();
            assert_eq!(
                row.attempt.workspace_id.as_deref(),
                case.workspace,
                "{}: the workspace written with the row",
                case.name
            );
            assert_eq!(
                row.attempt.target_name.is_some(),
                case.workspace.is_some() && case.gettoken > 0,
                "{}: the name is kept only for a target that is shared",
                case.name
            );
            let completion = row.completion.expect("a whole row");
            if case.gettoken == 0 {
                assert_eq!(
                    completion.request_id.as_deref(),
                    (case.label == "upstream_error").then_some("REQ-UP"),
                    "{}: only a refusal for upstream's answer has a RequestId",
                    case.name
                );
            }
        }
    }

    #[tokio::test]
    async fn a_found_target_is_shown_and_recorded_with_its_details() {
        let mut svc = service(FakeIssuer::token("tok"));
        set_targets(&mut svc, true, &[WORKSPACE]);
        svc.lookup.add(
            "dlc2",
            &format!("**x** <@&1> {}", "n".repeat(5_000)),
            WORKSPACE,
        );
        let report = svc.share(request("i1", "dlc2", None)).await;
        assert_eq!(report.lookup_failure, None);
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        let details = share.details.expect("details beside the link");
        assert_eq!(details.workspace_id.as_str(), WORKSPACE);
        assert_eq!(details.status.as_deref(), Some("Running"));
        assert_eq!(
            details.name.chars().count(),
            crate::share::TARGET_NAME_MAX_CHARS
        );
        assert!(
            details.name.starts_with("**x** <@&1> "),
            "kept as data; adapters escape"
        );
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(row.attempt.target_name, Some(details.name));
    }

    #[tokio::test]
    async fn a_failed_look_up_without_a_rule_is_reported_for_the_metric() {
        let svc = service(FakeIssuer::token("tok"));
        lookup_fails(&svc);
        let report = svc.share(request("i1", "dlc1", None)).await;
        assert_eq!(
            report.lookup_failure,
            Some(LookupFailure {
                target_type: TargetType::Job,
                code: "Forbidden.RAM".into(),
            })
        );
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(share.details, None, "nothing shown that was not looked up");
    }

    #[tokio::test]
    async fn a_refusal_by_workspace_names_the_allowed_workspaces() {
        let mut svc = service(FakeIssuer::token("tok"));
        set_targets(&mut svc, true, &["2002", "3003"]);
        let report = svc.share(request("i1", "dlc1", None)).await;
        let ShareOutcome::WorkspaceNotAllowed { allowed } = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        let allowed: Vec<&str> = allowed.iter().map(WorkspaceId::as_str).collect();
        assert_eq!(allowed, ["2002", "3003"]);
    }

    // ------------------------------------------------------------ guardrails

    fn issued_expiry(report: ShareReport) -> Expiry {
        match report.outcome {
            ShareOutcome::Issued(share) => share.expiry,
            other => panic!("not issued: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_thread_in_a_listed_channel_counts_as_that_channel() {
        let svc = service(FakeIssuer::token("tok"));
        edit(&svc, |g| g.allowed_channels = vec![ChannelId(31)]);
        let in_thread = ShareRequest {
            place: Some(ChannelPlace {
                channel: ChannelId(500),
                parent: Some(ChannelId(31)),
            }),
            ..request("i1", "dlc1", None)
        };
        issued_expiry(svc.share(in_thread).await);
        assert_eq!(
            svc.audit.row("i1").unwrap().attempt.channel_id,
            Some(ChannelId(500)),
            "the row names the thread itself"
        );
        let listed = ShareRequest {
            place: Some(ChannelPlace {
                channel: ChannelId(31),
                parent: None,
            }),
            ..request("i2", "dlc1", None)
        };
        issued_expiry(svc.share(listed).await);
    }

    #[tokio::test]
    async fn a_refusal_names_the_channels_where_share_works() {
        let svc = service(FakeIssuer::token("tok"));
        edit(&svc, |g| {
            g.allowed_channels = vec![ChannelId(31), ChannelId(32)]
        });
        let report = svc.share(request("i1", "dlc1", None)).await;
        let ShareOutcome::ChannelNotAllowed { allowed } = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(allowed, [ChannelId(31), ChannelId(32)]);
    }

    #[tokio::test]
    async fn with_two_roles_the_larger_cap_applies_and_caps_the_default() {
        let svc = service(FakeIssuer::token("tok"));
        edit(&svc, |g| {
            g.allowed_roles = vec![
                AllowedRole {
                    role: ROLE,
                    max_expiry: Some(expiry("2h")),
                },
                AllowedRole {
                    role: RoleId(21),
                    max_expiry: Some(expiry("6h")),
                },
            ]
        });
        let both = |id: &str, exp: Option<&str>| ShareRequest {
            member_roles: vec![ROLE, RoleId(21)],
            ..request(id, "dlc1", exp)
        };
        assert_eq!(
            issued_expiry(svc.share(both("a", Some("5h"))).await),
            expiry("5h")
        );
        assert_eq!(
            issued_expiry(svc.share(both("b", None)).await),
            expiry("6h"),
            "the guild default (1d) lowered to the cap"
        );
        assert_eq!(
            svc.share(both("c", Some("7h"))).await.outcome.label(),
            "invalid_input"
        );
        let report = svc.share(request("d", "dlc1", Some("3h"))).await;
        assert!(
            matches!(
                report.outcome,
                ShareOutcome::Invalid(InvalidInput::AboveRoleCap { cap }) if cap == expiry("2h")
            ),
            "one role: its own cap, named in the refusal: {:?}",
            report.outcome
        );
        assert_eq!(svc.audit.row("d").unwrap().attempt.expire_seconds, None);
        assert_eq!(
            svc.audit.row("d").unwrap().attempt.requested_expire_seconds,
            Some(10_800)
        );
    }

    #[tokio::test]
    async fn a_member_without_a_cap_shares_up_to_the_guild_maximum() {
        let svc = service(FakeIssuer::token("tok"));
        assert_eq!(
            issued_expiry(svc.share(request("a", "dlc1", Some("7d"))).await),
            Expiry::HARD_MAX
        );
    }

    #[tokio::test]
    async fn the_reason_is_kept_on_the_row_trimmed_only_of_nothing() {
        let svc = service(FakeIssuer::token("tok"));
        edit(&svc, |g| g.policy.require_reason = true);
        let req = ShareRequest {
            raw_reason: Some("  loss spike \0 at step 4k ".into()),
            ..request("i1", "dlc1", None)
        };
        issued_expiry(svc.share(req).await);
        assert_eq!(
            svc.audit.row("i1").unwrap().attempt.reason.as_deref(),
            Some("loss spike \u{fffd} at step 4k"),
            "trimmed and storable"
        );
        let refused = ShareRequest {
            raw_reason: Some("x".repeat(300)),
            ..request("i2", "dlc1", None)
        };
        svc.share(refused).await;
        assert_eq!(
            svc.audit.row("i2").unwrap().attempt.reason.map(|r| r.len()),
            Some(256),
            "a refused reason is kept, cut"
        );
    }

    // ------------------------------------------------------------ the audit channel

    #[tokio::test]
    async fn each_attempt_has_a_notice_for_the_audit_channel_when_one_is_set() {
        let svc = service(FakeIssuer::token("tok-secret"));
        let plain = svc.share(request("i0", "dlc1", None)).await;
        assert_eq!(plain.notice, None, "no audit channel, no notice");

        edit(&svc, |g| g.policy.audit_channel = Some(ChannelId(77)));
        let req = ShareRequest {
            raw_reason: Some("review".into()),
            ..request("i1", "dlc1", Some("2h"))
        };
        let issued = svc.share(req).await;
        let notice = issued.notice.expect("a notice");
        assert_eq!(
            notice,
            AuditNotice {
                channel: ChannelId(77),
                user_id: "40".into(),
                target_type: TargetType::Job,
                target_id: "dlc1".into(),
                target_name: Some("train".into()),
                expire_seconds: Some(7_200),
                outcome: AuditOutcome::Issued,
                error_code: None,
                reason: Some("review".into()),
            }
        );
        assert!(!format!("{notice:?}").contains("tok-secret"));

        let refused = svc.share(request("i2", "bad id", Some("1h"))).await;
        let notice = refused.notice.expect("a refusal has its notice too");
        assert_eq!(
            (
                notice.outcome,
                notice.error_code.as_ref().map(ErrorCode::as_str),
                notice.expire_seconds
            ),
            (AuditOutcome::InvalidInput, Some("invalid_id"), Some(3_600))
        );

        let replayed = svc.share(request("i1", "dlc1", None)).await;
        assert!(matches!(replayed.outcome, ShareOutcome::Replayed));
        assert_eq!(replayed.notice, None, "a replay is not a new attempt");

        *svc.issuer.answer.lock().unwrap() =
            Err(failure(IssueFailureKind::Rejected, "InvalidParameter"));
        let upstream = svc.share(request("i3", "dlc1", None)).await;
        let notice = upstream.notice.unwrap();
        assert_eq!(
            (
                notice.outcome,
                notice.error_code.as_ref().map(ErrorCode::as_str)
            ),
            (AuditOutcome::UpstreamError, Some("InvalidParameter"))
        );
    }

    #[tokio::test]
    async fn the_audit_channel_hears_when_the_audit_log_failed() {
        let svc = service(FakeIssuer::token("tok"));
        edit(&svc, |g| g.policy.audit_channel = Some(ChannelId(77)));
        svc.audit.fail_begin.store(true, Ordering::SeqCst);
        let report = svc.share(request("i1", "dlc1", None)).await;
        let notice = report.notice.unwrap();
        assert_eq!(
            (
                notice.outcome,
                notice.error_code.as_ref().map(ErrorCode::as_str)
            ),
            (AuditOutcome::InternalError, Some("audit_unavailable"))
        );
        svc.audit.fail_begin.store(false, Ordering::SeqCst);
        svc.audit.fail_complete.store(true, Ordering::SeqCst);
        let report = svc.share(request("i2", "dlc1", None)).await;
        assert!(matches!(report.outcome, ShareOutcome::AuditIncomplete));
        assert_eq!(
            report
                .notice
                .unwrap()
                .error_code
                .as_ref()
                .map(ErrorCode::as_str),
            Some("audit_incomplete")
        );
        // Refused before the settings were read: no channel is known.
        svc.guilds.fail.store(true, Ordering::SeqCst);
        assert_eq!(svc.share(request("i3", "dlc1", None)).await.notice, None);
    }

    #[tokio::test]
    async fn a_foreign_guild_is_refused_before_its_settings_are_read() {
        let svc = service(FakeIssuer::token("tok"));
        let req = ShareRequest {
            guild_id: GuildId(99),
            ..request("i1", "dlc1", None)
        };
        let report = svc.share(req).await;
        assert!(matches!(
            report.outcome,
            ShareOutcome::Denied(Denial::GuildNotEnabled)
        ));
        assert_eq!(svc.guilds.reads.load(Ordering::SeqCst), 0);
        assert_eq!(
            svc.audit.row("i1").unwrap().attempt.guild_id,
            Some(GuildId(99))
        );
    }

    #[tokio::test]
    async fn every_guild_is_served_only_with_the_explicit_wildcard() {
        let mut svc = service(FakeIssuer::token("tok"));
        set_settings(&svc, GuildId(99), vec![ROLE], PolicySettings::default());
        Arc::make_mut(&mut svc.operator).served = GuildScope::Every;
        let req = ShareRequest {
            guild_id: GuildId(99),
            ..request("i1", "dlc1", None)
        };
        assert!(matches!(
            svc.share(req).await.outcome,
            ShareOutcome::Issued(_)
        ));
    }

    #[tokio::test]
    async fn invalid_input_keeps_what_was_typed_and_what_parsed() {
        let svc = service(FakeIssuer::token("tok"));
        svc.share(request("a", "dlc1", Some("30s"))).await;
        let row = svc.audit.row("a").unwrap();
        assert_eq!(row.attempt.requested_expire_seconds, Some(30));
        assert_eq!(row.attempt.expire_seconds, None, "nothing was granted");
        svc.share(request("b", "dlc\0x", Some("soon"))).await;
        let row = svc.audit.row("b").unwrap();
        assert_eq!(row.attempt.requested_expire_seconds, None);
        assert_eq!(row.attempt.target_id, "dlc\u{fffd}x", "storable: no NUL");
        svc.share(request("c", &"x".repeat(300), None)).await;
        assert_eq!(svc.audit.row("c").unwrap().attempt.target_id.len(), 256);
    }

    #[tokio::test]
    async fn an_id_with_nul_names_the_character() {
        let svc = service(FakeIssuer::token("tok"));
        let report = svc.share(request("i1", "dlc\0x", None)).await;
        assert!(
            matches!(
                report.outcome,
                ShareOutcome::Invalid(InvalidInput::Id(TargetIdError::InvalidChar('\0')))
            ),
            "{:?}",
            report.outcome
        );
    }

    #[tokio::test]
    async fn a_member_over_their_rate_limit_is_told_when_to_retry() {
        let svc = service_with(FakeIssuer::token("tok"), spec(1, 1), spec(100, 100));
        assert!(matches!(
            svc.share(request("a", "dlc1", None)).await.outcome,
            ShareOutcome::Issued(_)
        ));
        let report = svc.share(request("b", "dlc1", None)).await;
        let ShareOutcome::RateLimited { scope, retry_after } = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(scope, LimitScope::User);
        assert!(retry_after > Duration::from_secs(50), "{retry_after:?}");
        assert_eq!(
            recorded(&svc, "b"),
            (AuditOutcome::RateLimited, Some("user_limit".into()))
        );
        assert_eq!(calls(&svc), 1);
    }

    #[tokio::test]
    async fn a_guild_over_its_rate_limit_refuses_every_member() {
        let svc = service_with(FakeIssuer::token("tok"), spec(100, 100), spec(1, 1));
        svc.share(request("a", "dlc1", None)).await;
        let other = ShareRequest {
            user_id: UserId(41),
            ..request("b", "dlc1", None)
        };
        let report = svc.share(other).await;
        assert!(
            matches!(
                report.outcome,
                ShareOutcome::RateLimited {
                    scope: LimitScope::Guild,
                    ..
                }
            ),
            "{:?}",
            report.outcome
        );
        assert_eq!(
            recorded(&svc, "b"),
            (AuditOutcome::RateLimited, Some("guild_limit".into()))
        );
    }

    #[tokio::test]
    async fn refused_requests_do_not_use_up_the_rate_limit() {
        let svc = service_with(FakeIssuer::token("tok"), spec(1, 1), spec(1, 1));
        for (i, bad) in ["bad id", "dlc/1", "x y"].iter().enumerate() {
            svc.share(request(&format!("bad{i}"), bad, None)).await;
        }
        let denied = ShareRequest {
            member_roles: vec![],
            ..request("denied", "dlc1", None)
        };
        svc.share(denied).await;
        assert_eq!(shared_limiter(&svc).calls.load(Ordering::SeqCst), 0);
        assert!(matches!(
            svc.share(request("ok", "dlc1", None)).await.outcome,
            ShareOutcome::Issued(_)
        ));
        // Over the limit in this process: refused by governor, the database is not asked.
        svc.share(request("over", "dlc1", None)).await;
        assert_eq!(
            recorded(&svc, "over"),
            (AuditOutcome::RateLimited, Some("user_limit".into()))
        );
        assert_eq!(shared_limiter(&svc).calls.load(Ordering::SeqCst), 1);
    }

    // ------------------------------------------------------------ upstream

    #[tokio::test]
    async fn each_upstream_failure_is_reported_and_audited_with_its_code() {
        for (kind, code) in [
            (IssueFailureKind::Rejected, "InvalidParameter"),
            (IssueFailureKind::Unauthorized, "Forbidden.RAM"),
            (IssueFailureKind::Throttled, "Throttling.User"),
            (IssueFailureKind::Unavailable, "ServiceUnavailable"),
            (IssueFailureKind::BadResponse, "InvalidResponse"),
        ] {
            let svc = service(FakeIssuer::token("unused"));
            *svc.issuer.answer.lock().unwrap() = Err(failure(kind, code));
            let report = svc.share(request("i1", "dlc1", None)).await;
            assert!(report.issue_call.is_some(), "{code}");
            match &report.outcome {
                ShareOutcome::Upstream(f) => assert_eq!((f.kind, f.code.as_str()), (kind, code)),
                other => panic!("{code}: {other:?}"),
            }
            let done = svc.audit.row("i1").unwrap().completion.unwrap();
            assert_eq!(done.outcome, AuditOutcome::UpstreamError, "{code}");
            assert_eq!(done.error_code.as_ref().map(ErrorCode::as_str), Some(code));
            assert_eq!(done.request_id.as_deref(), Some("REQ-UP"));
            assert_eq!(done.token_sha256, None);
            assert_eq!(done.expire_seconds, None, "{code}: granted expiry kept");
        }
    }

    // ------------------------------------------------------------ the audit log fails

    #[tokio::test]
    async fn no_audit_row_means_no_token() {
        let svc = service(FakeIssuer::token("tok"));
        svc.audit.fail_begin.store(true, Ordering::SeqCst);
        let report = svc.share(request("i1", "dlc1", None)).await;
        assert!(matches!(report.outcome, ShareOutcome::AuditUnavailable));
        assert_eq!(report.audit_failures, 1);
        assert_eq!(report.issue_call, None);
        assert_eq!(calls(&svc), 0);
        assert_eq!(svc.audit.len(), 0);
    }

    #[tokio::test]
    async fn a_refusal_that_cannot_be_recorded_says_so_instead() {
        let svc = service(FakeIssuer::token("tok"));
        svc.audit.fail_record.store(true, Ordering::SeqCst);
        let report = svc.share(request("i1", "bad id", None)).await;
        assert!(
            matches!(report.outcome, ShareOutcome::AuditUnavailable),
            "no refusal without its row: {:?}",
            report.outcome
        );
        assert_eq!(report.audit_failures, 1);
    }

    #[tokio::test]
    async fn unreadable_settings_fail_closed_and_are_recorded_when_possible() {
        let svc = service(FakeIssuer::token("tok"));
        svc.guilds.fail.store(true, Ordering::SeqCst);
        let report = svc.share(request("i1", "dlc1", None)).await;
        assert!(matches!(report.outcome, ShareOutcome::AuditUnavailable));
        assert_eq!(report.audit_failures, 1);
        assert_eq!(
            recorded(&svc, "i1"),
            (
                AuditOutcome::InternalError,
                Some("settings_unavailable".into())
            )
        );
        assert_eq!(calls(&svc), 0);

        svc.audit.fail_record.store(true, Ordering::SeqCst);
        let report = svc.share(request("i2", "dlc1", None)).await;
        assert!(matches!(report.outcome, ShareOutcome::AuditUnavailable));
        assert_eq!(report.audit_failures, 2, "settings and the row both failed");
    }

    #[tokio::test]
    async fn a_link_is_withheld_when_its_row_cannot_be_completed() {
        let svc = service(FakeIssuer::token("tok-secret"));
        svc.audit.fail_complete.store(true, Ordering::SeqCst);
        let report = svc.share(request("i1", "dlc1", None)).await;
        assert!(
            matches!(report.outcome, ShareOutcome::AuditIncomplete),
            "no link without a complete row: {:?}",
            report.outcome
        );
        assert_eq!(report.outcome.label(), "internal_error");
        assert_eq!(report.audit_failures, 1);
        assert_eq!(calls(&svc), 1);
        let row = svc.audit.row("i1").expect("the write-ahead row exists");
        assert_eq!(row.completion, None, "left pending for the retention job");
    }

    #[tokio::test]
    async fn an_upstream_failure_whose_row_cannot_be_completed_is_still_reported() {
        let svc = service(FakeIssuer::token("unused"));
        let f = failure(IssueFailureKind::Rejected, "InvalidParameter");
        *svc.issuer.answer.lock().unwrap() = Err(f.clone());
        svc.audit.fail_complete.store(true, Ordering::SeqCst);
        let report = svc.share(request("i1", "dlc1", None)).await;
        assert!(
            matches!(&report.outcome, ShareOutcome::Upstream(got) if *got == f),
            "{:?}",
            report.outcome
        );
        assert_eq!(report.audit_failures, 1);
    }

    // ------------------------------------------------------------ replays

    #[tokio::test]
    async fn a_replayed_interaction_issues_nothing_twice() {
        let svc = service(FakeIssuer::token("tok"));
        assert!(matches!(
            svc.share(request("i1", "dlc1", None)).await.outcome,
            ShareOutcome::Issued(_)
        ));
        let again = svc.share(request("i1", "dlc1", None)).await;
        assert!(matches!(again.outcome, ShareOutcome::Replayed));
        assert_eq!(again.outcome.label(), "replayed");
        assert_eq!(calls(&svc), 1);
        assert_eq!(svc.audit.len(), 1);
    }

    #[tokio::test]
    async fn a_replayed_refusal_stays_one_row() {
        let svc = service(FakeIssuer::token("tok"));
        svc.share(request("i1", "bad id", None)).await;
        let again = svc.share(request("i1", "dlc1", None)).await;
        assert!(
            matches!(again.outcome, ShareOutcome::Replayed),
            "{:?}",
            again.outcome
        );
        assert_eq!(calls(&svc), 0);
        assert_eq!(
            recorded(&svc, "i1"),
            (AuditOutcome::InvalidInput, Some("invalid_id".into()))
        );
    }

    // ------------------------------------------------------------ unserved, and the CLI path

    #[tokio::test]
    async fn an_unserved_request_still_gets_its_row() {
        let svc = service(FakeIssuer::token("tok"));
        let report = svc
            .record_unserved(
                &request("i1", "dlc1", Some("2h")),
                ErrorCode::Unacknowledged,
            )
            .await;
        assert!(matches!(report.outcome, ShareOutcome::AuditUnavailable));
        assert_eq!(
            recorded(&svc, "i1"),
            (AuditOutcome::InternalError, Some("unacknowledged".into()))
        );
        assert_eq!(calls(&svc), 0);
    }

    #[tokio::test]
    async fn a_share_beyond_the_in_flight_cap_is_recorded_as_overloaded() {
        let svc = service(FakeIssuer::token("tok"));
        let report = svc.record_overloaded(&request("i1", "dlc1", None)).await;
        assert!(matches!(report.outcome, ShareOutcome::Overloaded));
        assert_eq!(report.outcome.label(), "rate_limited");
        assert_eq!(
            recorded(&svc, "i1"),
            (AuditOutcome::RateLimited, Some("overloaded".into()))
        );
        assert_eq!(calls(&svc), 0);
        svc.audit.fail_record.store(true, Ordering::SeqCst);
        let report = svc.record_overloaded(&request("i2", "dlc1", None)).await;
        assert_eq!(report.audit_failures, 1);
    }

    #[tokio::test]
    async fn without_an_audit_log_the_command_line_path_still_issues() {
        let svc = service(FakeIssuer::token("tok"));
        let attempt = svc.attempt(&request("cli-1", "dlc1", None));
        let report = issue_audited::<FakeAudit, _>(
            None,
            &svc.issuer,
            &svc.links,
            &FakeClock::at(NOW),
            Grant {
                attempt,
                target_id: TargetId::parse("dlc1").unwrap(),
                expiry: expiry("1h"),
                started: Instant::now(),
                details: None,
            },
        )
        .await;
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(share.expires_at.timestamp(), NOW + 3_600);
        assert_eq!(report.audit_failures, 0);
    }

    #[tokio::test]
    async fn the_command_line_looks_the_target_up_under_the_operators_rule() {
        let operator = |workspaces: &[&str]| TargetRule {
            lookup: true,
            workspaces: workspaces
                .iter()
                .map(|w| WorkspaceId::parse(w).unwrap())
                .collect(),
        };
        // (case, operator's workspaces, id, expected outcome and code, name recorded, tokens)
        type Case<'a> = (
            &'a str,
            &'a [&'a str],
            &'a str,
            (AuditOutcome, Option<&'a str>),
            Option<&'a str>,
            usize,
        );
        let cases: [Case; 4] = [
            (
                "found",
                &[],
                "dlc1",
                (AuditOutcome::Issued, None),
                Some("train"),
                1,
            ),
            (
                "found inside the operator's list",
                &[WORKSPACE],
                "dlc1",
                (AuditOutcome::Issued, None),
                Some("train"),
                1,
            ),
            (
                "outside the operator's list",
                &["9999"],
                "dlc1",
                (AuditOutcome::DeniedWorkspace, Some("workspace_not_allowed")),
                None,
                0,
            ),
            (
                "not found",
                &[],
                "dlc-nowhere",
                (AuditOutcome::InvalidInput, Some("target_not_found")),
                None,
                0,
            ),
        ];
        for (case, workspaces, id, (outcome, code), name, tokens) in cases {
            let svc = service(FakeIssuer::token("tok"));
            let attempt = svc.attempt(&request("cli-1", id, None));
            let report = share_from_shell(
                Some(&svc.audit),
                &svc.issuer,
                &svc.lookup,
                &operator(workspaces),
                &svc.links,
                &FakeClock::at(NOW),
                Grant {
                    attempt,
                    target_id: TargetId::parse(id).unwrap(),
                    expiry: expiry("1h"),
                    started: Instant::now(),
                    details: None,
                },
            )
            .await;
            assert_eq!(
                recorded(&svc, "cli-1"),
                (outcome, code.map(str::to_owned)),
                "{case}"
            );
            let row = svc.audit.rows.lock().unwrap()["cli-1"].attempt.clone();
            assert_eq!(row.target_name.as_deref(), name, "{case}");
            assert_eq!(calls(&svc), tokens, "{case}");
            if let ShareOutcome::Issued(share) = report.outcome {
                assert_eq!(
                    share.details.map(|d| d.name),
                    Some("train".into()),
                    "{case}"
                );
            } else {
                assert_eq!(tokens, 0, "{case}: {:?}", report.outcome);
            }
        }
    }

    // ------------------------------------------------------------ pure parts

    #[test]
    fn audit_text_is_cut_trimmed_and_storable() {
        assert_eq!(audit_text("  dlc1 \n"), "dlc1");
        assert_eq!(audit_text("a\0b"), "a\u{fffd}b");
        assert_eq!(
            audit_text(&"é".repeat(300)).chars().count(),
            AUDIT_TEXT_MAX_CHARS
        );
    }

    #[test]
    fn fingerprints_are_hex_sha256() {
        assert_eq!(
            token_fingerprint(&SecretString::from("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
