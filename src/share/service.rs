//! The share flow as one function over the ports:
//! settings → validate → allowlist → rate limit → audit.begin → GetToken → audit.complete.

use crate::telemetry::metric;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::jwt::jwt_expiry;
use super::ports::{
    AuditAttempt, AuditBegin, AuditCompletion, AuditLog, AuditOutcome, GuildDirectory,
    IssueFailure, TokenIssuer,
};
use super::{
    AccessDecision, ChannelId, Expiry, ExpiryError, GuildId, GuildPolicy, GuildScope, LimitScope,
    LinkTemplate, LinkValues, RateDecision, RateLimits, RoleId, TargetId, TargetIdError,
    TargetType, UserId, decide_access, parse_duration,
};

/// Longest target id kept in the audit log when the input was invalid.
const AUDIT_ID_MAX_CHARS: usize = 256;

/// One `/share` as the core sees it: plain data, no Discord types.
#[derive(Debug, Clone)]
pub struct ShareRequest {
    pub interaction_id: String,
    pub guild_id: GuildId,
    pub channel_id: Option<ChannelId>,
    pub user_id: UserId,
    pub user_name: String,
    pub member_roles: Vec<RoleId>,
    pub target_type: TargetType,
    pub raw_id: String,
    pub raw_expiry: Option<String>,
}

/// What the user asked that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidInput {
    Id(TargetIdError),
    Expiry(ExpiryError),
}

impl InvalidInput {
    fn code(&self) -> &'static str {
        match self {
            InvalidInput::Id(_) => "invalid_id",
            InvalidInput::Expiry(_) => "invalid_expiry",
        }
    }
}

/// A link ready to hand out, already recorded as `issued` in the audit log.
pub struct IssuedShare {
    pub target_type: TargetType,
    pub target_id: TargetId,
    pub link: SecretString,
    pub token: SecretString,
    /// The expiry that was asked of GetToken.
    pub expiry: Expiry,
    /// When the token stops working: its own `exp` claim when it has one, else issue time
    /// plus `expiry`.
    pub expires_at: DateTime<Utc>,
    /// The token's lifetime from its issue, as recorded in `expire_seconds`.
    pub lifetime: Duration,
    pub request_id: String,
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
    Denied(AccessDecision),
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
    /// This interaction was already handled; no second token.
    Replayed,
}

impl ShareOutcome {
    /// The audit/metrics label of this outcome.
    pub fn label(&self) -> &'static str {
        match self {
            ShareOutcome::Issued(_) => AuditOutcome::Issued.as_str(),
            ShareOutcome::Invalid(_) => AuditOutcome::InvalidInput.as_str(),
            ShareOutcome::Denied(_) => AuditOutcome::DeniedRole.as_str(),
            ShareOutcome::RateLimited { .. } => AuditOutcome::RateLimited.as_str(),
            ShareOutcome::Upstream(_) => AuditOutcome::UpstreamError.as_str(),
            ShareOutcome::AuditUnavailable => "audit_unavailable",
            ShareOutcome::AuditIncomplete => AuditOutcome::InternalError.as_str(),
            ShareOutcome::Replayed => "replayed",
        }
    }
}

/// Link templates per target type.
#[derive(Debug, Clone)]
pub struct LinkTemplates {
    pub job: LinkTemplate,
    pub tensorboard: LinkTemplate,
}

impl LinkTemplates {
    pub fn for_target(&self, t: TargetType) -> &LinkTemplate {
        match t {
            TargetType::Job => &self.job,
            TargetType::Tensorboard => &self.tensorboard,
        }
    }
}

/// Hex SHA-256 fingerprint: lets an operator match a leaked token to its audit row.
pub fn token_fingerprint(token: &SecretString) -> String {
    hex::encode(Sha256::digest(token.expose_secret().as_bytes()))
}

/// Text as typed, cut to `max` characters and storable: PostgreSQL `text` cannot hold NUL,
/// and an invalid request must still get its row (SPEC §13), so NUL becomes U+FFFD.
fn audit_text(raw: &str, max: usize) -> String {
    raw.trim()
        .chars()
        .take(max)
        .map(|c| {
            if c == '\0' {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

fn audit_target_id(raw: &str) -> String {
    audit_text(raw, AUDIT_ID_MAX_CHARS)
}

/// Issues one token behind a write-ahead audit row; shared by `/share` and the `token` command.
/// With `audit = None` (command line without a database) nothing is recorded.
pub async fn issue_audited<A: AuditLog, I: TokenIssuer>(
    audit: Option<&A>,
    issuer: &I,
    links: &LinkTemplates,
    attempt: AuditAttempt,
    target_id: TargetId,
    expiry: Expiry,
    started: Instant,
) -> ShareOutcome {
    if let Some(audit) = audit {
        match audit.begin(&attempt).await {
            Ok(AuditBegin::Started) => {}
            Ok(AuditBegin::Replayed) => return ShareOutcome::Replayed,
            Err(e) => {
                tracing::error!(error = %e, "audit begin failed; not requesting a token");
                metrics::counter!(metric::AUDIT_WRITE_FAILURES_TOTAL).increment(1);
                return ShareOutcome::AuditUnavailable;
            }
        }
    }

    // The token's lifetime starts when upstream issues it, not when its answer arrives.
    let issued_at = Utc::now();
    let called = Instant::now();
    let result = issuer
        .get_token(attempt.target_type, &target_id, expiry)
        .await;
    metrics::histogram!(metric::GETTOKEN_SECONDS).record(called.elapsed().as_secs_f64());
    let latency_ms = started.elapsed().as_millis() as i64;

    let (outcome, completion) = match result {
        Ok(issued) => {
            // The token's own `exp` claim is the truth; the lifetime we asked for is not.
            let expires_at = jwt_expiry(issued.token.expose_secret())
                .and_then(|exp| DateTime::from_timestamp(exp, 0))
                .unwrap_or_else(|| issued_at + chrono::Duration::seconds(expiry.as_secs().into()));
            // Whole seconds on both sides: `exp` has no fraction, so neither does its lifetime.
            let lifetime_secs = (expires_at.timestamp() - issued_at.timestamp()).max(0);
            let link = links.for_target(attempt.target_type).render(&LinkValues {
                region: issuer.region(),
                target_type: attempt.target_type,
                target_id: &target_id,
                token: issued.token.expose_secret(),
                expire_seconds: lifetime_secs,
                expires_at_unix: expires_at.timestamp(),
            });
            let completion = AuditCompletion {
                outcome: AuditOutcome::Issued,
                error_code: None,
                request_id: Some(issued.request_id.clone()),
                latency_ms,
                token_sha256: Some(token_fingerprint(&issued.token)),
                expire_seconds: Some(lifetime_secs),
            };
            let share = IssuedShare {
                target_type: attempt.target_type,
                target_id,
                link: link.into(),
                token: issued.token,
                expiry,
                expires_at,
                lifetime: Duration::from_secs(lifetime_secs.unsigned_abs()),
                request_id: issued.request_id,
            };
            (ShareOutcome::Issued(share), completion)
        }
        Err(failure) => {
            metrics::counter!(metric::GETTOKEN_ERRORS_TOTAL, "code" => failure.code.clone())
                .increment(1);
            let completion = AuditCompletion {
                outcome: AuditOutcome::UpstreamError,
                error_code: Some(failure.code.clone()),
                request_id: failure.request_id.clone(),
                latency_ms,
                token_sha256: None,
                expire_seconds: None,
            };
            (ShareOutcome::Upstream(failure), completion)
        }
    };

    if let Some(audit) = audit
        && !complete_with_retries(audit, &attempt.interaction_id, &completion).await
        && matches!(outcome, ShareOutcome::Issued(_))
    {
        // The row stays pending (the retention job closes it as internal_error/incomplete);
        // the fingerprint was logged at ERROR so the issued token can be traced.
        return ShareOutcome::AuditIncomplete;
    }
    outcome
}

/// Pauses between completion attempts; the user's reply waits for them (it is deferred).
const COMPLETION_RETRY_PAUSES: [Duration; 2] =
    [Duration::from_millis(200), Duration::from_millis(800)];

/// Completes the row, retrying a few times; `false` when it could not be completed. The last
/// failure logs at ERROR what is needed to trace the attempt (RequestId, token fingerprint),
/// since the caller then withholds the link.
async fn complete_with_retries<A: AuditLog>(
    audit: &A,
    interaction_id: &str,
    completion: &AuditCompletion,
) -> bool {
    let mut pauses = COMPLETION_RETRY_PAUSES.iter();
    loop {
        match audit.complete(interaction_id, completion).await {
            Ok(()) => return true,
            Err(e) => match pauses.next() {
                Some(pause) => {
                    tracing::warn!(error = %e, "audit completion failed; retrying");
                    tokio::time::sleep(*pause).await;
                }
                None => {
                    tracing::error!(
                        error = %e,
                        interaction_id,
                        outcome = completion.outcome.as_str(),
                        request_id = completion.request_id.as_deref(),
                        token_sha256 = completion.token_sha256.as_deref(),
                        "audit completion failed; the row stays pending until repaired"
                    );
                    metrics::counter!(metric::AUDIT_WRITE_FAILURES_TOTAL).increment(1);
                    return false;
                }
            },
        }
    }
}

/// The `/share` flow for chat requests.
pub struct ShareService<A, G, I> {
    pub audit: A,
    pub guilds: G,
    pub issuer: I,
    pub limits: Arc<RateLimits>,
    pub links: LinkTemplates,
    /// Applies to guilds whose admins have not set a policy.
    pub default_policy: GuildPolicy,
    /// Guilds served at all; every other guild is refused before its settings are read.
    pub served: GuildScope,
}

impl<A: AuditLog, G: GuildDirectory, I: TokenIssuer> ShareService<A, G, I> {
    pub async fn share(&self, req: ShareRequest) -> ShareOutcome {
        let started = Instant::now();
        let requested = req.raw_expiry.as_deref().map(parse_duration);
        let mut attempt = self.attempt(&req);
        attempt.requested_expire_seconds = requested
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .map(|d| d.as_secs().min(i64::MAX as u64) as i64);

        // First of all: the operator's account is not for every guild that adds the bot.
        if !self.served.serves(req.guild_id) {
            return self
                .refuse(
                    &attempt,
                    started,
                    AuditOutcome::DeniedRole,
                    "guild_not_enabled",
                    ShareOutcome::Denied(AccessDecision::GuildNotEnabled),
                )
                .await;
        }

        let settings = match self.guilds.settings(req.guild_id).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot read guild settings; refusing");
                // Best effort: the database is most likely what failed.
                return match self
                    .record_internal(&attempt, started, "settings_unavailable")
                    .await
                {
                    ShareOutcome::Replayed => ShareOutcome::Replayed,
                    _ => ShareOutcome::AuditUnavailable,
                };
            }
        };
        // An admin's policy never exceeds the operator's ceiling, even one set before the
        // operator lowered `share.max_expiry`.
        let policy = settings.policy.map_or(self.default_policy, |p| {
            p.capped(self.default_policy.max_expiry())
        });

        let validated = TargetId::parse(&req.raw_id)
            .map_err(InvalidInput::Id)
            .and_then(|id| {
                let requested = requested
                    .transpose()
                    .map_err(|e| InvalidInput::Expiry(e.into()))?;
                let expiry = policy
                    .resolve_expiry(requested)
                    .map_err(InvalidInput::Expiry)?;
                Ok((id, expiry))
            });
        let (target_id, expiry) = match validated {
            Ok(v) => v,
            Err(invalid) => {
                let code = invalid.code();
                return self
                    .refuse(
                        &attempt,
                        started,
                        AuditOutcome::InvalidInput,
                        code,
                        ShareOutcome::Invalid(invalid),
                    )
                    .await;
            }
        };
        attempt.expire_seconds = Some(expiry.as_secs().into());

        match decide_access(&settings.allowed_roles, &req.member_roles) {
            AccessDecision::Allowed => {}
            denied => {
                let code = match denied {
                    AccessDecision::EmptyAllowlist => "empty_allowlist",
                    _ => "missing_role",
                };
                return self
                    .refuse(
                        &attempt,
                        started,
                        AuditOutcome::DeniedRole,
                        code,
                        ShareOutcome::Denied(denied),
                    )
                    .await;
            }
        }

        if let RateDecision::Limited { scope, retry_after } =
            self.limits.check(req.guild_id, req.user_id)
        {
            metrics::counter!(metric::RATE_LIMITED_TOTAL, "scope" => match scope {
                LimitScope::User => "user",
                LimitScope::Guild => "guild",
            })
            .increment(1);
            let code = match scope {
                LimitScope::User => "user_limit",
                LimitScope::Guild => "guild_limit",
            };
            return self
                .refuse(
                    &attempt,
                    started,
                    AuditOutcome::RateLimited,
                    code,
                    ShareOutcome::RateLimited { scope, retry_after },
                )
                .await;
        }

        issue_audited(
            Some(&self.audit),
            &self.issuer,
            &self.links,
            attempt,
            target_id,
            expiry,
            started,
        )
        .await
    }

    fn attempt(&self, req: &ShareRequest) -> AuditAttempt {
        AuditAttempt {
            interaction_id: req.interaction_id.clone(),
            guild_id: Some(req.guild_id),
            channel_id: req.channel_id,
            user_id: req.user_id.to_string(),
            user_name: audit_text(&req.user_name, AUDIT_ID_MAX_CHARS),
            target_type: req.target_type,
            target_id: audit_target_id(&req.raw_id),
            requested_expire_seconds: None,
            expire_seconds: None,
        }
    }

    /// Audits a `/share` the bot did not serve at all (it was shutting down, say), so that
    /// every attempt still has its row. `code` says why.
    pub async fn record_unserved(&self, req: &ShareRequest, code: &str) -> ShareOutcome {
        self.record_internal(&self.attempt(req), Instant::now(), code)
            .await
    }

    async fn record_internal(
        &self,
        attempt: &AuditAttempt,
        started: Instant,
        code: &str,
    ) -> ShareOutcome {
        self.refuse(
            attempt,
            started,
            AuditOutcome::InternalError,
            code,
            ShareOutcome::AuditUnavailable,
        )
        .await
    }

    /// Audits a refusal in one write; if even that fails, the user hears that nothing can be
    /// recorded right now rather than a refusal that left no trace.
    async fn refuse(
        &self,
        attempt: &AuditAttempt,
        started: Instant,
        outcome: AuditOutcome,
        code: &str,
        refusal: ShareOutcome,
    ) -> ShareOutcome {
        let completion = AuditCompletion {
            outcome,
            error_code: Some(code.to_owned()),
            request_id: None,
            latency_ms: started.elapsed().as_millis() as i64,
            token_sha256: None,
            expire_seconds: None,
        };
        match self.audit.record(attempt, &completion).await {
            Ok(AuditBegin::Started) => refusal,
            Ok(AuditBegin::Replayed) => ShareOutcome::Replayed,
            Err(e) => {
                tracing::error!(error = %e, "audit write failed for a refusal");
                metrics::counter!(metric::AUDIT_WRITE_FAILURES_TOTAL).increment(1);
                ShareOutcome::AuditUnavailable
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::num::NonZeroU32;
    use std::sync::atomic::Ordering;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::share::RateSpec;
    use crate::share::fakes::{FakeAudit, FakeGuilds, FakeIssuer};
    use crate::share::ports::{GuildSettings, IssueFailureKind};

    const GUILD: GuildId = GuildId(10);
    const ROLE: RoleId = RoleId(20);

    fn service(issuer: FakeIssuer) -> ShareService<FakeAudit, FakeGuilds, FakeIssuer> {
        let guilds = FakeGuilds::default();
        guilds.settings.lock().unwrap().insert(
            GUILD,
            GuildSettings {
                allowed_roles: vec![ROLE],
                policy: None,
            },
        );
        let spec = |n| RateSpec {
            per_minute: NonZeroU32::new(n).unwrap(),
            burst: NonZeroU32::new(n).unwrap(),
        };
        ShareService {
            audit: FakeAudit::default(),
            guilds,
            issuer,
            limits: Arc::new(RateLimits::new(spec(100), spec(100))),
            links: LinkTemplates {
                job: LinkTemplate::parse(
                    "https://pai.example/{target_id}?t={token}&s={expire_seconds}&u={expires_at_unix}",
                )
                .unwrap(),
                tensorboard: LinkTemplate::parse("https://pai.example/tb?t={token}").unwrap(),
            },
            default_policy: GuildPolicy::new(
                Expiry::parse("1d", Expiry::HARD_MAX).unwrap(),
                Expiry::HARD_MAX,
            )
            .unwrap(),
            served: GuildScope::Listed(BTreeSet::from([GUILD])),
        }
    }

    fn request(id: &str, raw_id: &str, expiry: Option<&str>) -> ShareRequest {
        ShareRequest {
            interaction_id: id.into(),
            guild_id: GUILD,
            channel_id: Some(ChannelId(30)),
            user_id: UserId(40),
            user_name: "member".into(),
            member_roles: vec![ROLE],
            target_type: TargetType::Job,
            raw_id: raw_id.into(),
            raw_expiry: expiry.map(str::to_owned),
        }
    }

    fn jwt_expiring_at(exp: i64) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{exp}}}"#))
        )
    }

    #[tokio::test]
    async fn a_guild_that_is_not_served_is_refused_and_audited_before_anything_else() {
        let svc = service(FakeIssuer::token("tok"));
        let mut req = request("i1", "dlc1", None);
        req.guild_id = GuildId(99);
        // Its admins may have allowed every role; it does not matter.
        svc.guilds.settings.lock().unwrap().insert(
            GuildId(99),
            GuildSettings {
                allowed_roles: vec![ROLE],
                policy: None,
            },
        );
        let outcome = svc.share(req).await;
        assert!(
            matches!(
                outcome,
                ShareOutcome::Denied(AccessDecision::GuildNotEnabled)
            ),
            "{outcome:?}"
        );
        assert_eq!(outcome.label(), "denied_role");
        let row = svc.audit.row("i1").expect("audited");
        let done = row.completion.expect("complete row");
        assert_eq!(done.outcome, AuditOutcome::DeniedRole);
        assert_eq!(done.error_code.as_deref(), Some("guild_not_enabled"));
        assert_eq!(row.attempt.guild_id, Some(GuildId(99)));
        assert_eq!(
            svc.issuer.calls.load(Ordering::SeqCst),
            0,
            "no upstream call"
        );
        assert_eq!(
            svc.guilds.reads.load(Ordering::SeqCst),
            0,
            "no settings read"
        );
    }

    #[tokio::test]
    async fn every_guild_is_served_only_with_the_explicit_wildcard() {
        let mut svc = service(FakeIssuer::token("tok"));
        svc.served = GuildScope::Every;
        let outcome = svc.share(request("i1", "dlc1", None)).await;
        assert!(matches!(outcome, ShareOutcome::Issued(_)), "{outcome:?}");
    }

    #[tokio::test]
    async fn a_link_is_withheld_when_its_row_cannot_be_completed() {
        let svc = service(FakeIssuer::token("tok-secret"));
        svc.audit.fail_complete.store(true, Ordering::SeqCst);
        let outcome = svc.share(request("i1", "dlc1", None)).await;
        assert!(
            matches!(outcome, ShareOutcome::AuditIncomplete),
            "no link without a complete row: {outcome:?}"
        );
        assert_eq!(outcome.label(), "internal_error");
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 1);
        assert_eq!(
            svc.audit.complete_calls.load(Ordering::SeqCst),
            1 + COMPLETION_RETRY_PAUSES.len(),
            "retried before giving up"
        );
        let row = svc.audit.row("i1").expect("the write-ahead row exists");
        assert_eq!(row.completion, None, "left pending for the stale-row job");
    }

    #[tokio::test]
    async fn a_completion_that_recovers_on_retry_shows_the_link() {
        let svc = service(FakeIssuer::token("tok-secret"));
        svc.audit.fail_complete.store(true, Ordering::SeqCst);
        let share = svc.share(request("i1", "dlc1", None));
        let heal = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            svc.audit.fail_complete.store(false, Ordering::SeqCst);
        };
        let (outcome, ()) = tokio::join!(share, heal);
        assert!(matches!(outcome, ShareOutcome::Issued(_)), "{outcome:?}");
        let done = svc.audit.row("i1").unwrap().completion.unwrap();
        assert_eq!(done.outcome, AuditOutcome::Issued);
        assert_eq!(
            done.token_sha256,
            Some(token_fingerprint(&SecretString::from("tok-secret")))
        );
    }

    #[tokio::test]
    async fn an_upstream_failure_whose_row_cannot_be_completed_still_reports_the_failure() {
        let failure = IssueFailure {
            kind: IssueFailureKind::Rejected,
            code: "InvalidParameter".into(),
            message: "no such job".into(),
            request_id: Some("R1".into()),
        };
        let svc = service(FakeIssuer::token("unused"));
        *svc.issuer.answer.lock().unwrap() = Err(failure.clone());
        svc.audit.fail_complete.store(true, Ordering::SeqCst);
        let outcome = svc.share(request("i1", "dlc1", None)).await;
        assert!(
            matches!(&outcome, ShareOutcome::Upstream(f) if *f == failure),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn the_expiry_shown_and_recorded_is_the_tokens_own() {
        let svc = service(FakeIssuer::token("placeholder"));
        // Upstream granted one hour, whatever was asked.
        let exp = Utc::now().timestamp() + 3_600;
        *svc.issuer.answer.lock().unwrap() = Ok(jwt_expiring_at(exp));
        let outcome = svc.share(request("i1", "dlc1", Some("2d"))).await;
        let ShareOutcome::Issued(share) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(share.expires_at.timestamp(), exp);
        assert_eq!(share.expiry.as_secs(), 2 * 86_400, "what was asked");
        let lifetime = share.lifetime.as_secs();
        assert!((3_598..=3_600).contains(&lifetime), "{lifetime}");
        let link = share.link.expose_secret();
        assert!(link.contains(&format!("&u={exp}")), "{link}");
        assert!(link.contains(&format!("&s={lifetime}&")), "{link}");
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(
            row.attempt.expire_seconds,
            Some(2 * 86_400),
            "granted at begin"
        );
        assert_eq!(
            row.completion.unwrap().expire_seconds,
            Some(lifetime as i64),
            "the truth at completion"
        );
    }

    #[tokio::test]
    async fn an_opaque_token_lives_as_long_as_was_asked() {
        let svc = service(FakeIssuer::token("opaque+/="));
        let ShareOutcome::Issued(share) = svc.share(request("i1", "dlc1", Some("2h"))).await else {
            panic!("not issued")
        };
        assert_eq!(share.lifetime, Duration::from_secs(7_200));
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(row.completion.unwrap().expire_seconds, Some(7_200));
    }

    #[tokio::test]
    async fn an_id_with_nul_is_refused_and_its_row_is_storable() {
        let svc = service(FakeIssuer::token("tok"));
        let outcome = svc.share(request("i1", "dlc\0x", None)).await;
        assert!(
            matches!(
                outcome,
                ShareOutcome::Invalid(InvalidInput::Id(TargetIdError::InvalidChar('\0')))
            ),
            "{outcome:?}"
        );
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(row.attempt.target_id, "dlc\u{fffd}x");
        assert_eq!(
            row.completion.unwrap().error_code.as_deref(),
            Some("invalid_id")
        );
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn no_audit_row_means_no_token() {
        let svc = service(FakeIssuer::token("tok"));
        svc.audit.fail_begin.store(true, Ordering::SeqCst);
        let outcome = svc.share(request("i1", "dlc1", None)).await;
        assert!(
            matches!(outcome, ShareOutcome::AuditUnavailable),
            "{outcome:?}"
        );
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_replayed_interaction_issues_nothing_twice() {
        let svc = service(FakeIssuer::token("tok"));
        assert!(matches!(
            svc.share(request("i1", "dlc1", None)).await,
            ShareOutcome::Issued(_)
        ));
        let again = svc.share(request("i1", "dlc1", None)).await;
        assert!(matches!(again, ShareOutcome::Replayed), "{again:?}");
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 1);
        assert_eq!(svc.audit.len(), 1);
    }
}
