//! The approval buttons as one method: who clicked, on what, and what came of it. The
//! rule of who may act is [`may_act`]; whether the request still passes the guild's rules at
//! its approval and at its claim is [`recheck`], against the settings and the requester's roles
//! of that moment; the store's compare-and-set decides races and time; a won claim issues the
//! token through the same write-ahead path as `/share`.

use std::time::Instant;

use super::RoleId;
use super::ShareService;
use super::TargetLookup;
use super::approval::{
    Approval, ApprovalAction, ApprovalId, ApprovalStatus, ApprovalStore, Card, ClickRefusal,
    Clicker, DecisionNotice, RequesterReply, Transition, may_act,
};
use super::flow::{Grant, issue_begun};
use super::guardrails::{NoLongerAllowed, recheck, recheck_workspace};
use super::outcome::ShareReport;
use super::ports::{
    AuditAttempt, AuditLog, GuildDirectory, Limiter, MemberRoles, StorageError, TokenIssuer,
};
use super::{TargetDetails, WorkspaceId};

/// Every way a click on an approval button ends.
#[derive(Debug)]
pub enum ClickOutcome {
    /// No such approval (or it was pruned with its audit row).
    NotFound,
    /// The clicker may not press this button; nothing changed.
    Refused(ClickRefusal),
    /// This click approved or denied it (see the approval's status).
    Decided(Approval),
    /// Someone acted first, or it is not at that stage: nothing changed.
    AlreadyDecided(Approval),
    /// Its time had passed; it is expired now.
    Expired(Approval),
    /// The requester's claim won: the token, or why there is none, on the share's own row.
    Claimed {
        approval: Approval,
        report: Box<ShareReport>,
    },
    /// At its approval or claim the request no longer passed the guild's rules: it ended as
    /// `refused`, its audit row says why, nothing was issued.
    NoLongerAllowed {
        approval: Approval,
        why: NoLongerAllowed,
    },
    /// The requester's roles could not be read from Discord; nothing changed.
    MemberUnknown,
    /// The store could not answer; nothing changed.
    StorageUnavailable,
}

impl ClickOutcome {
    /// For `approval_events.result` and metrics.
    pub fn label(&self) -> &'static str {
        match self {
            ClickOutcome::NotFound => "not_found",
            ClickOutcome::Refused(ClickRefusal::NotApprover) => "not_approver",
            ClickOutcome::Refused(ClickRefusal::OwnRequest) => "own_request",
            ClickOutcome::Refused(ClickRefusal::NotRequester) => "not_requester",
            ClickOutcome::Decided(a) => a.status.as_str(),
            ClickOutcome::AlreadyDecided(_) => "already_decided",
            ClickOutcome::Expired(_) => "expired",
            ClickOutcome::Claimed { report, .. } => report.outcome.label(),
            ClickOutcome::NoLongerAllowed { why, .. } => why.audit().0.as_str(),
            ClickOutcome::MemberUnknown => "member_unknown",
            ClickOutcome::StorageUnavailable => "storage_unavailable",
        }
    }
}

impl<A: AuditLog + ApprovalStore, G: GuildDirectory, I: TokenIssuer, L: Limiter, T: TargetLookup>
    ShareService<A, G, I, L, T>
{
    /// One click on `share-approve:`, `share-deny:` or `share-claim:`; recorded in
    /// `approval_events` whatever it ends in. `members` tells the requester's roles now when
    /// the click does not carry them.
    pub async fn click(
        &self,
        id: ApprovalId,
        action: ApprovalAction,
        clicker: &Clicker,
        members: &impl MemberRoles,
    ) -> ClickOutcome {
        let outcome = match self.act(id, action, clicker, members).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(error = %e, approval = %id, "approval click failed on the store");
                ClickOutcome::StorageUnavailable
            }
        };
        if !matches!(
            outcome,
            ClickOutcome::NotFound | ClickOutcome::StorageUnavailable | ClickOutcome::MemberUnknown
        ) && let Err(e) = self
            .audit
            .record_event(id, &clicker.actor, action, outcome.label())
            .await
        {
            tracing::warn!(error = %e, approval = %id, "could not record an approval click");
        }
        outcome
    }

    async fn act(
        &self,
        id: ApprovalId,
        action: ApprovalAction,
        clicker: &Clicker,
        members: &impl MemberRoles,
    ) -> Result<ClickOutcome, StorageError> {
        let Some(approval) = self.audit.approval(id).await? else {
            return Ok(ClickOutcome::NotFound);
        };
        // The settings in force now (the approver role too), not as they were when the
        // request was made.
        let settings = self.guilds.settings(approval.guild).await?;
        if let Err(refusal) = may_act(
            action,
            &approval,
            clicker,
            &self.operator.admin_roles,
            settings.policy.approver_role,
        ) {
            return Ok(ClickOutcome::Refused(refusal));
        }
        // Approving and claiming go ahead only while the request still passes the guild's
        // rules; a denial is always allowed.
        if action != ApprovalAction::Deny {
            let roles = match self.requester_roles(&approval, clicker, members).await {
                Ok(roles) => roles,
                Err(e) => {
                    tracing::warn!(error = %e, approval = %id, "cannot read the requester's roles");
                    return Ok(ClickOutcome::MemberUnknown);
                }
            };
            let policy = self.operator.effective_policy(&settings.policy);
            let served = self.operator.serves(approval.guild);
            let rechecked = recheck(served, &settings, policy, roles.as_deref(), approval.expiry)
                .and_then(|()| {
                    recheck_workspace(
                        &self
                            .operator
                            .targets
                            .for_guild(&settings.allowed_workspaces),
                        approval.workspace_id.as_deref(),
                    )
                });
            if let Err(why) = rechecked {
                let from = match action {
                    ApprovalAction::Claim => ApprovalStatus::Approved,
                    _ => ApprovalStatus::Pending,
                };
                let (outcome, code) = why.audit();
                let refused = self
                    .audit
                    .refuse(id, from, &clicker.actor, outcome, code)
                    .await?;
                return Ok(match refused {
                    Transition::Won(approval) => ClickOutcome::NoLongerAllowed { approval, why },
                    Transition::Lost(a) => ClickOutcome::AlreadyDecided(a),
                    Transition::Expired(a) => ClickOutcome::Expired(a),
                    Transition::NotFound => ClickOutcome::NotFound,
                });
            }
        }
        let transition = match action {
            ApprovalAction::Approve | ApprovalAction::Deny => {
                let approve = action == ApprovalAction::Approve;
                self.audit
                    .decide(id, approve, &clicker.actor, self.operator.approval_timeout)
                    .await?
            }
            ApprovalAction::Claim => self.audit.claim(id, clicker.user).await?,
        };
        Ok(match transition {
            Transition::NotFound => ClickOutcome::NotFound,
            Transition::Lost(a) => ClickOutcome::AlreadyDecided(a),
            Transition::Expired(a) => ClickOutcome::Expired(a),
            Transition::Won(a) if action == ApprovalAction::Claim => {
                let report = Box::new(self.issue_claimed(&a).await);
                ClickOutcome::Claimed {
                    approval: a,
                    report,
                }
            }
            Transition::Won(a) => ClickOutcome::Decided(a),
        })
    }

    /// The requester's roles now: from the click itself when the requester clicks in the
    /// guild (Discord sends their roles with it), else asked of Discord. `None`: they left.
    async fn requester_roles(
        &self,
        approval: &Approval,
        clicker: &Clicker,
        members: &impl MemberRoles,
    ) -> Result<Option<Vec<RoleId>>, StorageError> {
        if clicker.user == approval.requester && clicker.guild == Some(approval.guild) {
            return Ok(Some(clicker.roles.clone()));
        }
        members
            .member_roles(approval.guild, approval.requester)
            .await
    }

    /// The issuing call with the approved expiry, the link's lifetime starting now; the claim
    /// already put the share's row back to `pending`. The reply shows what the request
    /// recorded, as a direct share shows what it looked up.
    async fn issue_claimed(&self, approval: &Approval) -> ShareReport {
        let attempt = AuditAttempt {
            interaction_id: approval.interaction_id.clone(),
            guild_id: Some(approval.guild),
            channel_id: None,
            user_id: approval.requester.to_string(),
            user_name: String::new(),
            target_type: approval.target_type,
            target_id: approval.target_id.as_str().to_owned(),
            requested_expire_seconds: Some(approval.expiry.as_secs().into()),
            expire_seconds: Some(approval.expiry.as_secs().into()),
            reason: approval.reason.clone(),
            // Written with the row when the request was made; a claim only completes it.
            target_name: None,
            workspace_id: None,
        };
        issue_begun(
            Some(&self.audit),
            &self.issuer,
            &self.links,
            self.clock.as_ref(),
            Grant {
                attempt,
                target_id: approval.target_id.clone(),
                expiry: approval.expiry,
                started: Instant::now(),
                details: recorded_details(approval),
            },
        )
        .await
    }

    /// The approval's card is up: where it is, and the requester's reply, are kept for telling
    /// the decision.
    pub async fn card_posted(
        &self,
        id: ApprovalId,
        card: &Card,
        requester: &RequesterReply,
    ) -> Result<(), StorageError> {
        self.audit.attach_card(id, card, requester).await
    }

    /// The approval's card could not be posted: nobody can decide it, so it ends at once
    /// (`approval_expired` / `card_not_posted`).
    pub async fn card_not_posted(&self, id: ApprovalId) -> Result<(), StorageError> {
        self.audit.abandon(id).await
    }

    /// Where the approval's card is, if it was posted.
    pub async fn card(&self, id: ApprovalId) -> Result<Option<Card>, StorageError> {
        self.audit.card(id).await
    }

    /// What telling the decision needs; the requester's token is handed out only this once.
    pub async fn decision_notice(&self, id: ApprovalId) -> Result<DecisionNotice, StorageError> {
        self.audit.take_decision_notice(id).await
    }

    /// Ends every approval past its time (audit rows `approval_expired`); the adapter edits
    /// their cards.
    pub async fn expire_due(&self) -> Result<Vec<Approval>, StorageError> {
        self.audit.expire_due().await
    }
}

/// The name and workspace an approval recorded when it was requested; `None` when nothing
/// was looked up then.
fn recorded_details(approval: &Approval) -> Option<TargetDetails> {
    let name = approval.target_name.as_deref()?;
    let workspace = WorkspaceId::parse(approval.workspace_id.as_deref()?).ok()?;
    Some(TargetDetails::recorded(name, workspace))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    use chrono::DateTime;
    use secrecy::ExposeSecret;

    use super::*;
    use crate::share::fakes::{
        FakeAudit, FakeClock, FakeGuilds, FakeIssuer, FakeLookup, FakeMembers,
    };
    use crate::share::ports::{Actor, AuditOutcome, GuildSettings};
    use crate::share::{
        AdminPermissions, AllowedRole, ApprovalStatus, ChannelId, ChannelPlace, Expiry, GuildId,
        GuildPolicy, GuildScope, LinkTemplate, LinkTemplates, Operator, RateLimits, RateSpec,
        RoleId, ShareOutcome, ShareRequest, TargetRule, TargetType, TensorboardLink, UserId,
        WorkspaceId,
    };

    const GUILD: GuildId = GuildId(10);
    const MEMBER_ROLE: RoleId = RoleId(20);
    const APPROVER_ROLE: RoleId = RoleId(21);
    const REQUESTER: u64 = 40;
    const APPROVER: u64 = 41;
    const NOW: i64 = 1_700_000_000;

    /// The service, and the members Discord would report (the requester holds `MEMBER_ROLE`).
    struct Service {
        share: ShareService<FakeAudit, FakeGuilds, FakeIssuer, Arc<RateLimits>, FakeLookup>,
        members: FakeMembers,
    }

    impl std::ops::Deref for Service {
        type Target = ShareService<FakeAudit, FakeGuilds, FakeIssuer, Arc<RateLimits>, FakeLookup>;

        fn deref(&self) -> &Self::Target {
            &self.share
        }
    }

    fn exp(s: &str) -> Expiry {
        s.parse().unwrap()
    }

    fn service() -> Service {
        let guilds = FakeGuilds::default();
        let mut settings = GuildSettings {
            allowed_roles: vec![AllowedRole {
                role: MEMBER_ROLE,
                max_expiry: Some(exp("1h")),
            }],
            ..GuildSettings::default()
        };
        settings.policy.approvals_channel = Some(ChannelId(77));
        settings.policy.approver_role = Some(APPROVER_ROLE);
        guilds.settings.lock().unwrap().insert(GUILD, settings);
        let audit = FakeAudit::default();
        *audit.now.lock().unwrap() = DateTime::from_timestamp(NOW, 0).unwrap();
        let spec = RateSpec {
            per_minute: 100.try_into().unwrap(),
            burst: 100.try_into().unwrap(),
        };
        let template =
            LinkTemplate::parse("https://pai.example/{target_id}?w={workspace_id}&t={token}")
                .unwrap();
        let share = ShareService {
            audit,
            guilds,
            issuer: FakeIssuer::token("tok-approved"),
            lookup: FakeLookup::with("dlc1", "train **fast**", "1001"),
            limits: Arc::new(RateLimits::new(spec, spec)),
            links: LinkTemplates {
                job: template.clone(),
                tensorboard: TensorboardLink::Token(template),
            },
            operator: Arc::new(Operator {
                served: GuildScope::Listed(BTreeSet::from([GUILD])),
                policy: GuildPolicy::new(exp("1d"), exp("7d")).unwrap(),
                admin_roles: vec![],
                approval_timeout: std::time::Duration::from_secs(3_600),
                targets: crate::share::TargetRule::look_up_any(),
            }),
            clock: Arc::new(FakeClock::at(NOW)),
        };
        Service {
            share,
            members: FakeMembers::with(GUILD, UserId(REQUESTER), &[MEMBER_ROLE]),
        }
    }

    fn request(id: &str, expiry: &str) -> ShareRequest {
        ShareRequest {
            interaction_id: id.into(),
            guild_id: GUILD,
            place: Some(ChannelPlace {
                channel: ChannelId(30),
                parent: None,
            }),
            user_id: UserId(REQUESTER),
            user_name: "member".into(),
            member_roles: vec![MEMBER_ROLE],
            target_type: TargetType::Job,
            raw_id: "dlc1".into(),
            raw_expiry: Some(expiry.into()),
            raw_reason: Some("weekend run".into()),
        }
    }

    fn who(user: u64, roles: &[RoleId], manage_guild: bool) -> Clicker {
        Clicker {
            actor: Actor::new(user.to_string(), format!("user-{user}")),
            user: UserId(user),
            guild: Some(GUILD),
            permissions: AdminPermissions {
                administrator: false,
                manage_guild,
            },
            roles: roles.to_vec(),
        }
    }

    fn requester() -> Clicker {
        who(REQUESTER, &[MEMBER_ROLE], false)
    }

    fn approver() -> Clicker {
        who(APPROVER, &[APPROVER_ROLE], false)
    }

    /// A `/share` above the cap, sent for approval; its approval id.
    async fn pending(svc: &Service, id: &str) -> ApprovalId {
        let report = svc.share(request(id, "2d")).await;
        match report.outcome {
            ShareOutcome::PendingApproval {
                approval,
                channel,
                approver_role,
                cap,
            } => {
                assert_eq!(channel, ChannelId(77));
                assert_eq!(approver_role, Some(APPROVER_ROLE));
                assert_eq!(cap, exp("1h"));
                assert_eq!(approval.expiry, exp("2d"));
                assert_eq!(approval.status, ApprovalStatus::Pending);
                approval.id
            }
            other => panic!("not sent for approval: {other:?}"),
        }
    }

    fn outcome_of(svc: &Service, id: &str) -> (AuditOutcome, Option<String>) {
        let row = svc.audit.row(id).unwrap();
        let done = row.completion.expect("a completed row");
        (done.outcome, done.error_code.map(|c| c.as_str().to_owned()))
    }

    #[tokio::test]
    async fn above_the_cap_a_request_waits_for_approval_and_nothing_is_issued() {
        let svc = service();
        pending(&svc, "i1").await;
        assert_eq!(outcome_of(&svc, "i1").0, AuditOutcome::PendingApproval);
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(row.attempt.reason.as_deref(), Some("weekend run"));
        assert_eq!(row.attempt.requested_expire_seconds, Some(172_800));
        assert_eq!(row.attempt.expire_seconds, None, "nothing granted yet");
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 0);
        // Within the cap: issued at once, no approval.
        let ShareOutcome::Issued(_) = svc.share(request("i2", "30m")).await.outcome else {
            panic!("within the cap")
        };
        // Above the guild's maximum: invalid, approvals or not.
        let report = svc.share(request("i3", "8d")).await;
        assert_eq!(report.outcome.label(), "invalid_input");
        assert_eq!(svc.audit.approvals.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_request_is_looked_up_before_it_waits_for_approval() {
        let svc = service();
        pending(&svc, "i1").await;
        let row = svc.audit.row("i1").unwrap();
        assert_eq!(row.attempt.target_name.as_deref(), Some("train **fast**"));
        assert_eq!(row.attempt.workspace_id.as_deref(), Some("1001"));
        // A target that does not exist never reaches an approver.
        let report = svc
            .share(ShareRequest {
                raw_id: "dlc-missing".into(),
                ..request("i2", "2d")
            })
            .await;
        assert_eq!(report.outcome.label(), "invalid_input");
        assert_eq!(
            outcome_of(&svc, "i2"),
            (AuditOutcome::InvalidInput, Some("target_not_found".into()))
        );
        assert_eq!(
            svc.audit.approvals.lock().unwrap().len(),
            1,
            "no second card"
        );
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn approve_then_claim_issues_one_token_with_the_approved_expiry() {
        let svc = service();
        let id = pending(&svc, "i1").await;
        let ClickOutcome::Decided(a) = svc
            .click(id, ApprovalAction::Approve, &approver(), &svc.members)
            .await
        else {
            panic!("approved")
        };
        assert_eq!(a.status, ApprovalStatus::Approved);
        assert_eq!(a.decided_by, Some(UserId(APPROVER)));
        assert_eq!(
            a.expires_at.timestamp(),
            NOW + 3_600,
            "claimable for the timeout"
        );
        assert_eq!(
            svc.issuer.calls.load(Ordering::SeqCst),
            0,
            "approval issues nothing"
        );

        // Someone else's claim issues nothing.
        let other = svc
            .click(id, ApprovalAction::Claim, &who(99, &[], true), &svc.members)
            .await;
        assert!(matches!(
            other,
            ClickOutcome::Refused(ClickRefusal::NotRequester)
        ));

        let ClickOutcome::Claimed { report, .. } = svc
            .click(id, ApprovalAction::Claim, &requester(), &svc.members)
            .await
        else {
            panic!("claimed")
        };
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(share.expiry, exp("2d"));
        assert_eq!(
            share.expires_at.timestamp(),
            NOW + 172_800,
            "lifetime from the claim"
        );
        assert!(share.link.expose_secret().contains("tok-approved"));
        let row = svc.audit.row("i1").unwrap();
        let done = row.completion.unwrap();
        assert_eq!(done.outcome, AuditOutcome::Issued);
        assert_eq!(done.expire_seconds, Some(172_800), "granted at the claim");
        assert_eq!(row.approved_by.as_deref(), Some("41"));

        // A second claim (a double click) issues nothing.
        let again = svc
            .click(id, ApprovalAction::Claim, &requester(), &svc.members)
            .await;
        assert!(
            matches!(&again, ClickOutcome::AlreadyDecided(a) if a.status == ApprovalStatus::Claimed),
            "{again:?}"
        );
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 1);
        let events: Vec<(&str, String)> = svc
            .audit
            .events
            .lock()
            .unwrap()
            .iter()
            .map(|(_, _, action, result)| (*action, result.clone()))
            .collect();
        assert_eq!(
            events,
            [
                ("approve", "approved".to_owned()),
                ("claim", "not_requester".to_owned()),
                ("claim", "issued".to_owned()),
                ("claim", "already_decided".to_owned())
            ]
        );
    }

    #[tokio::test]
    async fn deny_ends_it_and_later_buttons_do_nothing() {
        let svc = service();
        let id = pending(&svc, "i1").await;
        let admin = who(50, &[], true);
        let ClickOutcome::Decided(a) = svc
            .click(id, ApprovalAction::Deny, &admin, &svc.members)
            .await
        else {
            panic!("denied")
        };
        assert_eq!(a.status, ApprovalStatus::Denied);
        assert_eq!(
            outcome_of(&svc, "i1"),
            (AuditOutcome::DeniedApproval, Some("denied".into()))
        );
        assert_eq!(
            svc.audit.row("i1").unwrap().approved_by.as_deref(),
            Some("50")
        );
        for (action, clicker) in [
            (ApprovalAction::Approve, approver()),
            (ApprovalAction::Claim, requester()),
        ] {
            let late = svc.click(id, action, &clicker, &svc.members).await;
            assert!(
                matches!(&late, ClickOutcome::AlreadyDecided(a) if a.status == ApprovalStatus::Denied),
                "{action:?}: {late:?}"
            );
        }
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn nobody_approves_their_own_request_and_members_decide_nothing() {
        let svc = service();
        let id = pending(&svc, "i1").await;
        let admin_requester = who(REQUESTER, &[MEMBER_ROLE, APPROVER_ROLE], true);
        for (clicker, refusal) in [
            (admin_requester, ClickRefusal::OwnRequest),
            (who(60, &[MEMBER_ROLE], false), ClickRefusal::NotApprover),
        ] {
            for action in [ApprovalAction::Approve, ApprovalAction::Deny] {
                let outcome = svc.click(id, action, &clicker, &svc.members).await;
                assert!(
                    matches!(outcome, ClickOutcome::Refused(r) if r == refusal),
                    "{outcome:?}"
                );
            }
        }
        // A claim before approval issues nothing either.
        let early = svc
            .click(id, ApprovalAction::Claim, &requester(), &svc.members)
            .await;
        assert!(
            matches!(&early, ClickOutcome::AlreadyDecided(a) if a.status == ApprovalStatus::Pending),
            "{early:?}"
        );
        assert_eq!(
            svc.audit.approval_now(id).unwrap().status,
            ApprovalStatus::Pending
        );
        assert_eq!(outcome_of(&svc, "i1").0, AuditOutcome::PendingApproval);
    }

    /// Approves `id` and claims it as the requester: the claim's report.
    async fn approve_and_claim(svc: &Service, id: ApprovalId) -> ShareReport {
        let approved = svc
            .click(id, ApprovalAction::Approve, &approver(), &svc.members)
            .await;
        assert!(matches!(approved, ClickOutcome::Decided(_)), "{approved:?}");
        match svc
            .click(id, ApprovalAction::Claim, &requester(), &svc.members)
            .await
        {
            ClickOutcome::Claimed { report, .. } => *report,
            other => panic!("not claimed: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_claimed_link_shows_the_name_and_workspace_the_request_recorded() {
        let svc = service();
        let id = pending(&svc, "i1").await;
        let report = approve_and_claim(&svc, id).await;
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        let details = share.details.expect("the recorded details beside the link");
        assert_eq!(details.name, "train **fast**");
        assert_eq!(details.workspace_id.as_str(), "1001");
        assert_eq!(details.status, None, "not recorded, so not claimed");
        assert_eq!(
            share.link.expose_secret(),
            "https://pai.example/dlc1?w=1001&t=tok-approved"
        );
    }

    #[tokio::test]
    async fn a_claim_of_a_request_nothing_was_looked_up_for_shows_no_details() {
        let mut svc = service();
        Arc::make_mut(&mut svc.share.operator).targets = TargetRule {
            lookup: false,
            workspaces: vec![],
        };
        let id = pending(&svc, "i1").await;
        let report = approve_and_claim(&svc, id).await;
        let ShareOutcome::Issued(share) = report.outcome else {
            panic!("{:?}", report.outcome)
        };
        assert_eq!(share.details, None);
        assert_eq!(
            share.link.expose_secret(),
            "https://pai.example/dlc1?w=&t=tok-approved",
            "the workspace is empty when unknown"
        );
    }

    #[tokio::test]
    async fn undecided_and_unclaimed_requests_expire() {
        let svc = service();
        let undecided = pending(&svc, "i1").await;
        let unclaimed = pending(&svc, "i2").await;
        svc.click(
            unclaimed,
            ApprovalAction::Approve,
            &approver(),
            &svc.members,
        )
        .await;
        let later = |secs: i64| {
            *svc.audit.now.lock().unwrap() = DateTime::from_timestamp(NOW + secs, 0).unwrap()
        };

        later(3_599);
        assert!(svc.expire_due().await.unwrap().is_empty(), "not yet");
        later(3_600);
        let late = svc
            .click(
                undecided,
                ApprovalAction::Approve,
                &approver(),
                &svc.members,
            )
            .await;
        assert!(matches!(late, ClickOutcome::Expired(_)), "{late:?}");
        assert_eq!(
            outcome_of(&svc, "i1"),
            (AuditOutcome::ApprovalExpired, Some("not_decided".into()))
        );
        // Approved at NOW: claimable until NOW + 1h, and then swept.
        let swept = svc.expire_due().await.unwrap();
        assert_eq!(swept.iter().map(|a| a.id).collect::<Vec<_>>(), [unclaimed]);
        assert_eq!(
            outcome_of(&svc, "i2"),
            (AuditOutcome::ApprovalExpired, Some("not_claimed".into()))
        );
        let claim = svc
            .click(unclaimed, ApprovalAction::Claim, &requester(), &svc.members)
            .await;
        assert!(matches!(claim, ClickOutcome::Expired(_)), "{claim:?}");
        assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 0);
        assert!(
            svc.expire_due().await.unwrap().is_empty(),
            "each expires once"
        );
    }

    #[tokio::test]
    async fn two_approvers_at_once_make_one_decision() {
        let svc = service();
        let id = pending(&svc, "i1").await;
        let (a, b) = (approver(), who(51, &[], true));
        let (first, second) = tokio::join!(
            svc.click(id, ApprovalAction::Approve, &a, &svc.members),
            svc.click(id, ApprovalAction::Deny, &b, &svc.members),
        );
        let decided = [&first, &second]
            .iter()
            .filter(|o| matches!(o, ClickOutcome::Decided(_)))
            .count();
        assert_eq!(decided, 1, "{first:?} / {second:?}");
    }

    #[tokio::test]
    async fn an_unknown_approval_or_a_failing_store_changes_nothing() {
        let svc = service();
        let none = svc
            .click(
                ApprovalId(999),
                ApprovalAction::Approve,
                &approver(),
                &svc.members,
            )
            .await;
        assert!(matches!(none, ClickOutcome::NotFound));
        let id = pending(&svc, "i1").await;
        svc.audit.fail_approvals.store(true, Ordering::SeqCst);
        let down = svc
            .click(id, ApprovalAction::Approve, &approver(), &svc.members)
            .await;
        assert!(matches!(down, ClickOutcome::StorageUnavailable));
        assert_eq!(down.label(), "storage_unavailable");
        let report = svc.share(request("i2", "2d")).await;
        assert!(matches!(report.outcome, ShareOutcome::AuditUnavailable));
        assert_eq!(report.audit_failures, 1);
    }

    /// What can change between a request and its approval or claim, each applied to a fresh
    /// request at one of the two stages: the change must end it as `refused`, with the audit
    /// outcome and code a `/share` refused for the same reason gets, and issue nothing.
    #[tokio::test]
    async fn approval_and_claim_recheck_what_changed_since_the_request() {
        type Change = fn(&mut Service);
        let role_taken: Change = |svc| svc.members.set(GUILD, UserId(REQUESTER), &[]);
        let left_the_guild: Change = |svc| {
            svc.members.roles.lock().unwrap().clear();
        };
        let allowlist_emptied: Change = |svc| {
            svc.guilds.edit(GUILD, |g| g.allowed_roles = vec![]);
        };
        let max_lowered: Change = |svc| {
            svc.guilds
                .edit(GUILD, |g| g.policy.max_expiry = Some(exp("1d")));
        };
        let approvals_off: Change = |svc| {
            svc.guilds
                .edit(GUILD, |g| g.policy.approvals_channel = None);
        };
        // The operator narrowed `aliyun.workspaces` (a restart) away from the workspace the
        // target was found in when the request was made.
        let workspace_narrowed: Change = |svc| {
            let mut operator = (*svc.share.operator).clone();
            operator.targets = TargetRule {
                lookup: true,
                workspaces: vec![WorkspaceId::parse("2002").unwrap()],
            };
            svc.share.operator = Arc::new(operator);
        };
        // The guild's admins listed a workspace other than the target's.
        let guild_narrowed: Change = |svc| {
            svc.guilds.edit(GUILD, |g| {
                g.allowed_workspaces = vec![WorkspaceId::parse("2002").unwrap()]
            });
        };
        let cases: [(&str, Change, AuditOutcome, &str); 7] = [
            (
                "role taken",
                role_taken,
                AuditOutcome::DeniedRole,
                "missing_role",
            ),
            (
                "left the guild",
                left_the_guild,
                AuditOutcome::DeniedRole,
                "missing_role",
            ),
            (
                "allowlist emptied",
                allowlist_emptied,
                AuditOutcome::DeniedRole,
                "empty_allowlist",
            ),
            (
                "maximum lowered",
                max_lowered,
                AuditOutcome::InvalidInput,
                "invalid_expiry",
            ),
            (
                "approvals off",
                approvals_off,
                AuditOutcome::InvalidInput,
                "expiry_above_role_max",
            ),
            (
                "workspace rule narrowed",
                workspace_narrowed,
                AuditOutcome::DeniedWorkspace,
                "workspace_not_allowed",
            ),
            (
                "guild's workspaces changed",
                guild_narrowed,
                AuditOutcome::DeniedWorkspace,
                "workspace_not_allowed",
            ),
        ];
        for (what, change, outcome, code) in cases {
            for stage in [ApprovalAction::Approve, ApprovalAction::Claim] {
                let mut svc = service();
                let id = pending(&svc, "i1").await;
                if stage == ApprovalAction::Claim {
                    let approved = svc
                        .click(id, ApprovalAction::Approve, &approver(), &svc.members)
                        .await;
                    assert!(
                        matches!(approved, ClickOutcome::Decided(_)),
                        "{what}: {approved:?}"
                    );
                }
                change(&mut svc);
                // The claim comes from the requester's DM: no roles in the click, so Discord is
                // asked (a claim in the guild carries the member's roles; tested below).
                let clicker = match stage {
                    ApprovalAction::Claim => Clicker {
                        guild: None,
                        roles: vec![],
                        ..requester()
                    },
                    _ => approver(),
                };
                let ended = svc.click(id, stage, &clicker, &svc.members).await;
                let ClickOutcome::NoLongerAllowed { approval, why } = &ended else {
                    panic!("{what} at {stage:?}: {ended:?}")
                };
                assert_eq!(
                    approval.status,
                    ApprovalStatus::Refused,
                    "{what} at {stage:?}"
                );
                assert_eq!(why.audit(), (outcome, code.into()), "{what} at {stage:?}");
                assert_eq!(ended.label(), outcome.as_str());
                assert_eq!(
                    outcome_of(&svc, "i1"),
                    (outcome, Some(code.into())),
                    "{what} at {stage:?}"
                );
                assert_eq!(
                    svc.audit.row("i1").unwrap().approved_by.as_deref(),
                    Some("41"),
                    "{what} at {stage:?}: the approver is kept"
                );
                assert_eq!(
                    svc.issuer.calls.load(Ordering::SeqCst),
                    0,
                    "{what} at {stage:?}"
                );
                // Nothing more can happen to it.
                let again = svc
                    .click(id, ApprovalAction::Claim, &requester(), &svc.members)
                    .await;
                assert!(
                    matches!(&again, ClickOutcome::AlreadyDecided(a) if a.status == ApprovalStatus::Refused),
                    "{what} at {stage:?}: {again:?}"
                );
                assert_eq!(svc.issuer.calls.load(Ordering::SeqCst), 0);
            }
        }
    }

    #[tokio::test]
    async fn a_claim_in_the_guild_is_checked_against_the_roles_the_click_carries() {
        let svc = service();
        let id = pending(&svc, "i1").await;
        svc.click(id, ApprovalAction::Approve, &approver(), &svc.members)
            .await;
        let lookups = svc.members.lookups.load(Ordering::SeqCst);
        // Discord still lists the role, but the click (fresher) shows it gone.
        let without_role = who(REQUESTER, &[], false);
        let ended = svc
            .click(id, ApprovalAction::Claim, &without_role, &svc.members)
            .await;
        assert!(
            matches!(ended, ClickOutcome::NoLongerAllowed { .. }),
            "{ended:?}"
        );
        assert_eq!(
            svc.members.lookups.load(Ordering::SeqCst),
            lookups,
            "no lookup needed"
        );

        // With the role in the click, the claim issues the approved expiry.
        let svc = service();
        let id = pending(&svc, "i2").await;
        svc.click(id, ApprovalAction::Approve, &approver(), &svc.members)
            .await;
        let claimed = svc
            .click(id, ApprovalAction::Claim, &requester(), &svc.members)
            .await;
        assert!(
            matches!(claimed, ClickOutcome::Claimed { .. }),
            "{claimed:?}"
        );
    }

    #[tokio::test]
    async fn when_discord_cannot_tell_the_requesters_roles_nothing_changes() {
        let svc = service();
        let id = pending(&svc, "i1").await;
        svc.members.fail.store(true, Ordering::SeqCst);
        let unknown = svc
            .click(id, ApprovalAction::Approve, &approver(), &svc.members)
            .await;
        assert!(
            matches!(unknown, ClickOutcome::MemberUnknown),
            "{unknown:?}"
        );
        assert_eq!(
            svc.audit.approval_now(id).unwrap().status,
            ApprovalStatus::Pending
        );
        assert_eq!(outcome_of(&svc, "i1").0, AuditOutcome::PendingApproval);
        // A denial needs no roles: it is always allowed.
        let denied = svc
            .click(id, ApprovalAction::Deny, &approver(), &svc.members)
            .await;
        assert!(matches!(denied, ClickOutcome::Decided(_)), "{denied:?}");
    }

    #[tokio::test]
    async fn a_guild_no_longer_served_gets_nothing_from_its_approvals() {
        let mut svc = service();
        let id = pending(&svc, "i1").await;
        let mut operator = (*svc.share.operator).clone();
        operator.served = GuildScope::Listed(BTreeSet::new());
        svc.share.operator = Arc::new(operator);
        let ended = svc
            .click(id, ApprovalAction::Approve, &approver(), &svc.members)
            .await;
        assert!(
            matches!(ended, ClickOutcome::NoLongerAllowed { .. }),
            "{ended:?}"
        );
        assert_eq!(
            outcome_of(&svc, "i1"),
            (AuditOutcome::DeniedRole, Some("guild_not_enabled".into()))
        );
    }

    #[tokio::test]
    async fn a_posted_card_is_kept_for_the_decision_and_a_cardless_request_ends() {
        let svc = service();
        let id = pending(&svc, "i1").await;
        assert_eq!(svc.card(id).await.unwrap(), None);
        let card = Card {
            channel: ChannelId(77),
            message: 5,
            locale: Some("ja".into()),
        };
        let reply = RequesterReply {
            token: "interaction-token".into(),
            locale: Some("zh-CN".into()),
        };
        svc.card_posted(id, &card, &reply).await.unwrap();
        assert_eq!(svc.card(id).await.unwrap(), Some(card.clone()));
        let notice = svc.decision_notice(id).await.unwrap();
        assert_eq!(notice.card, Some(card));
        assert_eq!(notice.requester_locale.as_deref(), Some("zh-CN"));
        assert_eq!(
            notice.requester_token.map(|t| t.expose_secret().to_owned()),
            Some("interaction-token".to_owned())
        );
        assert!(
            svc.decision_notice(id)
                .await
                .unwrap()
                .requester_token
                .is_none()
        );

        let cardless = pending(&svc, "i2").await;
        svc.card_not_posted(cardless).await.unwrap();
        assert_eq!(
            svc.audit.approval_now(cardless).unwrap().status,
            ApprovalStatus::Expired
        );
        assert_eq!(
            outcome_of(&svc, "i2"),
            (
                AuditOutcome::ApprovalExpired,
                Some("card_not_posted".into())
            )
        );
        svc.audit.fail_approvals.store(true, Ordering::SeqCst);
        assert!(
            svc.card_posted(
                id,
                &Card {
                    channel: ChannelId(1),
                    message: 1,
                    locale: None
                },
                &RequesterReply {
                    token: "t".into(),
                    locale: None
                }
            )
            .await
            .is_err()
        );
        assert!(svc.card_not_posted(cardless).await.is_err());
        assert!(svc.card(id).await.is_err());
        assert!(svc.decision_notice(id).await.is_err());
    }
}
