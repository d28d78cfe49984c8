//! In-memory fakes of the core's ports, for table-driven tests of the share flow: no database,
//! no network, no Discord.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use secrecy::SecretString;

use chrono::{DateTime, Utc};

use super::ports::{
    Actor, AuditAttempt, AuditBegin, AuditCompletion, AuditLog, AuditOutcome, GuildDirectory,
    GuildSettings, IssueFailure, IssuedToken, Limiter, MemberRoles, PolicyAction, RoleChange,
    SettingsStore, SharedUrl, StorageError, TokenIssuer,
};
use super::{
    AllowedRole, Approval, ApprovalAction, ApprovalId, ApprovalStatus, ApprovalStore, Card,
    ChannelId, DecisionNotice, ErrorCode, Expiry, GuildId, LookupError, NewApproval, Opened,
    PolicyError, PolicySettings, RateDecision, Remaining, RequesterReply, RoleId, TargetDetails,
    TargetId, TargetLookup, TargetType, Transition, UserId, WorkspaceId,
};

/// One stored audit row: what `begin`/`record` wrote and what `complete` added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeRow {
    pub attempt: AuditAttempt,
    pub completion: Option<AuditCompletion>,
    /// Who approved or denied.
    pub approved_by: Option<String>,
}

/// The audit log in memory, with the approvals that live beside it; each kind of write can be
/// made to fail. Approvals follow the same compare-and-set rules as the PostgreSQL store, on
/// the fake's own clock (`now`).
#[derive(Debug, Default)]
pub struct FakeAudit {
    pub rows: Mutex<BTreeMap<String, FakeRow>>,
    pub fail_begin: AtomicBool,
    pub fail_complete: AtomicBool,
    pub fail_record: AtomicBool,
    pub complete_calls: AtomicUsize,
    pub approvals: Mutex<BTreeMap<ApprovalId, Approval>>,
    /// `(approval, actor id, action, result)` of every recorded click.
    pub events: Mutex<Vec<(ApprovalId, String, &'static str, String)>>,
    /// The approvals' clock; a test moves it to expire them.
    pub now: Mutex<DateTime<Utc>>,
    pub fail_approvals: AtomicBool,
    /// Each approval's card, and the requester's reply until it is handed out.
    pub cards: Mutex<BTreeMap<ApprovalId, (Card, Option<RequesterReply>)>>,
}

impl FakeAudit {
    pub fn row(&self, interaction_id: &str) -> Option<FakeRow> {
        self.rows.lock().unwrap().get(interaction_id).cloned()
    }

    pub fn len(&self) -> usize {
        self.rows.lock().unwrap().len()
    }

    fn insert(&self, a: &AuditAttempt, c: Option<&AuditCompletion>) -> AuditBegin {
        let mut rows = self.rows.lock().unwrap();
        if rows.contains_key(&a.interaction_id) {
            return AuditBegin::Replayed;
        }
        rows.insert(
            a.interaction_id.clone(),
            FakeRow {
                attempt: a.clone(),
                completion: c.cloned(),
                approved_by: None,
            },
        );
        AuditBegin::Started
    }

    pub fn approval_now(&self, id: ApprovalId) -> Option<Approval> {
        self.approvals.lock().unwrap().get(&id).cloned()
    }

    /// Sets the audit row's outcome as the store would at a transition.
    fn set_outcome(&self, interaction_id: &str, outcome: AuditOutcome, code: Option<ErrorCode>) {
        if let Some(row) = self.rows.lock().unwrap().get_mut(interaction_id) {
            row.completion = Some(AuditCompletion {
                outcome,
                error_code: code,
                request_id: None,
                latency_ms: 0,
                token_sha256: None,
                expire_seconds: None,
            });
        }
    }

    /// Expires `a` if it is open and past its time; what the store does on every transition.
    fn expire_if_due(&self, a: &mut Approval) -> bool {
        let open = matches!(a.status, ApprovalStatus::Pending | ApprovalStatus::Approved);
        if !open || a.expires_at > *self.now.lock().unwrap() {
            return false;
        }
        let code = if a.decided_by.is_some() {
            ErrorCode::NotClaimed
        } else {
            ErrorCode::NotDecided
        };
        a.status = ApprovalStatus::Expired;
        self.set_outcome(&a.interaction_id, AuditOutcome::ApprovalExpired, Some(code));
        true
    }

    /// One compare-and-set: `change` runs only when the approval is in `from` and in time.
    fn transition(
        &self,
        id: ApprovalId,
        from: ApprovalStatus,
        allowed: impl FnOnce(&Approval) -> bool,
        change: impl FnOnce(&mut Approval),
    ) -> Transition {
        let mut approvals = self.approvals.lock().unwrap();
        let Some(a) = approvals.get_mut(&id) else {
            return Transition::NotFound;
        };
        if self.expire_if_due(a) || a.status == ApprovalStatus::Expired {
            return Transition::Expired(a.clone());
        }
        if a.status != from || !allowed(a) {
            return Transition::Lost(a.clone());
        }
        change(a);
        Transition::Won(a.clone())
    }
}

impl ApprovalStore for FakeAudit {
    async fn open_approval(
        &self,
        attempt: &AuditAttempt,
        new: &NewApproval,
    ) -> Result<Opened, StorageError> {
        failing(&self.fail_approvals)?;
        let pending = AuditCompletion {
            outcome: AuditOutcome::PendingApproval,
            error_code: None,
            request_id: None,
            latency_ms: 0,
            token_sha256: None,
            expire_seconds: None,
        };
        if self.insert(attempt, Some(&pending)) == AuditBegin::Replayed {
            return Ok(Opened::Replayed);
        }
        let mut approvals = self.approvals.lock().unwrap();
        let id = ApprovalId(approvals.len() as i64 + 1);
        let approval = Approval {
            id,
            interaction_id: attempt.interaction_id.clone(),
            guild: attempt.guild_id.expect("an approval has a guild"),
            requester: attempt.user_id.parse().expect("a Discord user"),
            target_type: attempt.target_type,
            target_id: new.target_id.clone(),
            expiry: new.expiry,
            reason: attempt.reason.clone(),
            status: ApprovalStatus::Pending,
            decided_by: None,
            expires_at: *self.now.lock().unwrap()
                + chrono::Duration::from_std(new.timeout).unwrap(),
            target_name: attempt.target_name.clone(),
            workspace_id: attempt.workspace_id.clone(),
        };
        approvals.insert(id, approval.clone());
        Ok(Opened::Started(approval))
    }

    async fn approval(&self, id: ApprovalId) -> Result<Option<Approval>, StorageError> {
        failing(&self.fail_approvals)?;
        Ok(self.approval_now(id))
    }

    async fn decide(
        &self,
        id: ApprovalId,
        approve: bool,
        by: &Actor,
        timeout: std::time::Duration,
    ) -> Result<Transition, StorageError> {
        failing(&self.fail_approvals)?;
        let decider: UserId = by.id.parse().expect("a Discord user");
        let now = *self.now.lock().unwrap();
        let t = self.transition(
            id,
            ApprovalStatus::Pending,
            |_| true,
            |a| {
                a.decided_by = Some(decider);
                if approve {
                    a.status = ApprovalStatus::Approved;
                    a.expires_at = now + chrono::Duration::from_std(timeout).unwrap();
                } else {
                    a.status = ApprovalStatus::Denied;
                }
            },
        );
        if let Transition::Won(a) = &t {
            if !approve {
                self.set_outcome(
                    &a.interaction_id,
                    AuditOutcome::DeniedApproval,
                    Some(ErrorCode::Denied),
                );
            }
            if let Some(row) = self.rows.lock().unwrap().get_mut(&a.interaction_id) {
                row.approved_by = Some(by.id.clone());
            }
        }
        Ok(t)
    }

    async fn claim(&self, id: ApprovalId, by: UserId) -> Result<Transition, StorageError> {
        failing(&self.fail_approvals)?;
        let t = self.transition(
            id,
            ApprovalStatus::Approved,
            |a| a.requester == by,
            |a| a.status = ApprovalStatus::Claimed,
        );
        if let Transition::Won(a) = &t
            && let Some(row) = self.rows.lock().unwrap().get_mut(&a.interaction_id)
        {
            // Write-ahead again, for the GetToken call that follows.
            row.completion = None;
        }
        Ok(t)
    }

    async fn refuse(
        &self,
        id: ApprovalId,
        from: ApprovalStatus,
        by: &Actor,
        outcome: AuditOutcome,
        code: ErrorCode,
    ) -> Result<Transition, StorageError> {
        failing(&self.fail_approvals)?;
        let decider: UserId = by.id.parse().expect("a Discord user");
        let t = self.transition(
            id,
            from,
            |_| true,
            |a| {
                a.status = ApprovalStatus::Refused;
                a.decided_by.get_or_insert(decider);
            },
        );
        if let Transition::Won(a) = &t {
            self.set_outcome(&a.interaction_id, outcome, Some(code));
            if let Some(row) = self.rows.lock().unwrap().get_mut(&a.interaction_id) {
                row.approved_by.get_or_insert_with(|| by.id.clone());
            }
        }
        Ok(t)
    }

    async fn attach_card(
        &self,
        id: ApprovalId,
        card: &Card,
        requester: &RequesterReply,
    ) -> Result<(), StorageError> {
        failing(&self.fail_approvals)?;
        self.cards
            .lock()
            .unwrap()
            .insert(id, (card.clone(), Some(requester.clone())));
        Ok(())
    }

    async fn abandon(&self, id: ApprovalId) -> Result<(), StorageError> {
        failing(&self.fail_approvals)?;
        let mut approvals = self.approvals.lock().unwrap();
        if let Some(a) = approvals.get_mut(&id)
            && a.status == ApprovalStatus::Pending
        {
            a.status = ApprovalStatus::Expired;
            self.set_outcome(
                &a.interaction_id,
                AuditOutcome::ApprovalExpired,
                Some(ErrorCode::CardNotPosted),
            );
        }
        Ok(())
    }

    async fn card(&self, id: ApprovalId) -> Result<Option<Card>, StorageError> {
        failing(&self.fail_approvals)?;
        Ok(self
            .cards
            .lock()
            .unwrap()
            .get(&id)
            .map(|(card, _)| card.clone()))
    }

    async fn take_decision_notice(&self, id: ApprovalId) -> Result<DecisionNotice, StorageError> {
        failing(&self.fail_approvals)?;
        let mut cards = self.cards.lock().unwrap();
        let Some((card, requester)) = cards.get_mut(&id) else {
            return Ok(DecisionNotice::default());
        };
        let requester = requester.take();
        Ok(DecisionNotice {
            card: Some(card.clone()),
            requester_locale: requester.as_ref().and_then(|r| r.locale.clone()),
            requester_token: requester.map(|r| r.token),
        })
    }

    async fn expire_due(&self) -> Result<Vec<Approval>, StorageError> {
        failing(&self.fail_approvals)?;
        let mut approvals = self.approvals.lock().unwrap();
        Ok(approvals
            .values_mut()
            .filter_map(|a| self.expire_if_due(a).then(|| a.clone()))
            .collect())
    }

    async fn record_event(
        &self,
        id: ApprovalId,
        actor: &Actor,
        action: ApprovalAction,
        result: &str,
    ) -> Result<(), StorageError> {
        self.events.lock().unwrap().push((
            id,
            actor.id.clone(),
            action.as_str(),
            result.to_owned(),
        ));
        Ok(())
    }
}

fn failing(flag: &AtomicBool) -> Result<(), StorageError> {
    if flag.load(Ordering::SeqCst) {
        Err(StorageError::msg("injected storage failure"))
    } else {
        Ok(())
    }
}

impl AuditLog for FakeAudit {
    async fn begin(&self, attempt: &AuditAttempt) -> Result<AuditBegin, StorageError> {
        failing(&self.fail_begin)?;
        Ok(self.insert(attempt, None))
    }

    async fn complete(
        &self,
        interaction_id: &str,
        completion: &AuditCompletion,
    ) -> Result<(), StorageError> {
        self.complete_calls.fetch_add(1, Ordering::SeqCst);
        failing(&self.fail_complete)?;
        let mut rows = self.rows.lock().unwrap();
        match rows.get_mut(interaction_id) {
            Some(row) if row.completion.is_none() => {
                row.completion = Some(completion.clone());
                Ok(())
            }
            _ => Err(StorageError::msg("no pending row")),
        }
    }

    async fn record(
        &self,
        attempt: &AuditAttempt,
        completion: &AuditCompletion,
    ) -> Result<AuditBegin, StorageError> {
        failing(&self.fail_record)?;
        Ok(self.insert(attempt, Some(completion)))
    }
}

/// Guild settings in memory.
#[derive(Debug, Default)]
pub struct FakeGuilds {
    pub settings: Mutex<BTreeMap<GuildId, GuildSettings>>,
    pub fail: AtomicBool,
    pub reads: AtomicUsize,
}

impl FakeGuilds {
    /// Changes a guild's settings in place, as an admin or another replica would.
    pub fn edit<T>(&self, guild: GuildId, f: impl FnOnce(&mut GuildSettings) -> T) -> T {
        f(self.settings.lock().unwrap().entry(guild).or_default())
    }
}

impl GuildDirectory for FakeGuilds {
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, StorageError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        failing(&self.fail)?;
        Ok(self
            .settings
            .lock()
            .unwrap()
            .get(&guild)
            .cloned()
            .unwrap_or_default())
    }
}

/// Guild members' roles as Discord would tell them; a user not listed is not a member.
#[derive(Debug, Default)]
pub struct FakeMembers {
    pub roles: Mutex<BTreeMap<(GuildId, UserId), Vec<RoleId>>>,
    pub fail: AtomicBool,
    pub lookups: AtomicUsize,
}

impl FakeMembers {
    pub fn with(guild: GuildId, user: UserId, roles: &[RoleId]) -> Self {
        let members = FakeMembers::default();
        members.set(guild, user, roles);
        members
    }

    pub fn set(&self, guild: GuildId, user: UserId, roles: &[RoleId]) {
        self.roles
            .lock()
            .unwrap()
            .insert((guild, user), roles.to_vec());
    }
}

impl MemberRoles for FakeMembers {
    async fn member_roles(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> Result<Option<Vec<RoleId>>, StorageError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        failing(&self.fail)?;
        Ok(self.roles.lock().unwrap().get(&(guild, user)).cloned())
    }
}

/// A shared rate limiter answering as scripted (allowing by default), counting checks.
#[derive(Debug)]
pub struct FakeLimiter {
    pub answer: Mutex<RateDecision>,
    /// What `remaining` answers.
    pub remaining: Mutex<Remaining>,
    pub fail: AtomicBool,
    pub calls: AtomicUsize,
}

impl Default for FakeLimiter {
    fn default() -> Self {
        FakeLimiter {
            answer: Mutex::new(RateDecision::Allowed),
            remaining: Mutex::new(Remaining { user: 3, guild: 60 }),
            fail: AtomicBool::new(false),
            calls: AtomicUsize::new(0),
        }
    }
}

impl Limiter for FakeLimiter {
    async fn check(&self, _guild: GuildId, _user: UserId) -> Result<RateDecision, StorageError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        failing(&self.fail)?;
        Ok(*self.answer.lock().unwrap())
    }

    async fn remaining(&self, _guild: GuildId, _user: UserId) -> Result<Remaining, StorageError> {
        failing(&self.fail)?;
        Ok(*self.remaining.lock().unwrap())
    }
}

/// GetToken and GetTensorboardSharedUrl answering with a fixed token (or URL) or failure,
/// counting each method's calls and keeping the last expiry asked.
#[derive(Debug)]
pub struct FakeIssuer {
    pub answer: Mutex<Result<String, IssueFailure>>,
    /// GetToken calls.
    pub calls: AtomicUsize,
    pub shared_url_calls: AtomicUsize,
    pub last_expiry: Mutex<Option<Expiry>>,
}

impl FakeIssuer {
    pub fn token(token: &str) -> Self {
        FakeIssuer {
            answer: Mutex::new(Ok(token.to_owned())),
            calls: AtomicUsize::new(0),
            shared_url_calls: AtomicUsize::new(0),
            last_expiry: Mutex::new(None),
        }
    }

    fn respond(&self, expiry: Expiry) -> Result<String, IssueFailure> {
        *self.last_expiry.lock().unwrap() = Some(expiry);
        self.answer.lock().unwrap().clone()
    }
}

impl TokenIssuer for FakeIssuer {
    async fn get_token(
        &self,
        _target_type: TargetType,
        _target_id: &TargetId,
        expiry: Expiry,
    ) -> Result<IssuedToken, IssueFailure> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.respond(expiry).map(|token| IssuedToken {
            token: SecretString::from(token),
            request_id: "REQ-FAKE".into(),
        })
    }

    async fn get_tensorboard_shared_url(
        &self,
        _tensorboard_id: &TargetId,
        expiry: Expiry,
    ) -> Result<SharedUrl, IssueFailure> {
        self.shared_url_calls.fetch_add(1, Ordering::SeqCst);
        self.respond(expiry).map(|url| SharedUrl {
            url: SecretString::from(url),
            request_id: "REQ-FAKE-URL".into(),
        })
    }

    fn region(&self) -> &str {
        "cn-test"
    }
}

/// GetJob / GetTensorboard over a catalogue a test fills: an id not in it is not found, unless
/// the test scripts a failure. Counts calls.
#[derive(Debug, Default)]
pub struct FakeLookup {
    /// Found whatever type is asked for.
    pub catalogue: Mutex<BTreeMap<String, TargetDetails>>,
    /// Found only as TensorBoards.
    pub tensorboards: Mutex<BTreeMap<String, TargetDetails>>,
    pub failure: Mutex<Option<IssueFailure>>,
    pub calls: AtomicUsize,
}

impl FakeLookup {
    /// A catalogue with one target in `workspace`.
    pub fn with(id: &str, name: &str, workspace: &str) -> Self {
        let lookup = FakeLookup::default();
        lookup.add(id, name, workspace);
        lookup
    }

    pub fn add(&self, id: &str, name: &str, workspace: &str) {
        let workspace = WorkspaceId::parse(workspace).expect("a workspace id");
        self.catalogue.lock().unwrap().insert(
            id.to_owned(),
            TargetDetails::new(name, "Running", workspace, Some("Research")),
        );
    }

    /// A TensorBoard that a job look-up does not find.
    pub fn add_tensorboard(&self, id: &str, name: &str, workspace: &str) {
        let workspace = WorkspaceId::parse(workspace).expect("a workspace id");
        self.tensorboards.lock().unwrap().insert(
            id.to_owned(),
            TargetDetails::new(name, "Running", workspace, None),
        );
    }
}

impl TargetLookup for FakeLookup {
    async fn look_up(
        &self,
        target_type: TargetType,
        target_id: &TargetId,
    ) -> Result<TargetDetails, LookupError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(failure) = self.failure.lock().unwrap().clone() {
            return Err(LookupError::Failed(failure));
        }
        let board = self
            .tensorboards
            .lock()
            .unwrap()
            .get(target_id.as_str())
            .cloned();
        if let (TargetType::Tensorboard, Some(board)) = (target_type, board) {
            return Ok(board);
        }
        self.catalogue
            .lock()
            .unwrap()
            .get(target_id.as_str())
            .cloned()
            .ok_or(LookupError::NotFound)
    }
}

/// A clock that stands still unless a test moves it.
#[derive(Debug)]
pub struct FakeClock(pub Mutex<chrono::DateTime<chrono::Utc>>);

impl FakeClock {
    pub fn at(unix: i64) -> Self {
        FakeClock(Mutex::new(
            chrono::DateTime::from_timestamp(unix, 0).expect("a valid instant"),
        ))
    }
}

impl super::ports::Clock for FakeClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
}

/// Allowlists, policies and recent attempts in memory, with the changes each actor made.
#[derive(Debug, Default)]
pub struct FakeSettings {
    pub guilds: Mutex<BTreeMap<GuildId, GuildSettings>>,
    pub attempts: Mutex<Vec<super::ports::AuditEntry>>,
    /// `(guild, actor id, what)` for every recorded change.
    pub changes: Mutex<Vec<(GuildId, String, String)>>,
    pub fail: AtomicBool,
    /// The `limit` of the last `recent_attempts` call.
    pub last_limit: Mutex<Option<i64>>,
}

impl FakeSettings {
    fn record(&self, guild: GuildId, actor: &Actor, what: String) {
        self.changes
            .lock()
            .unwrap()
            .push((guild, actor.id.clone(), what));
    }

    /// Changes one guild's settings in place.
    pub fn edit<T>(&self, guild: GuildId, f: impl FnOnce(&mut GuildSettings) -> T) -> T {
        f(self.guilds.lock().unwrap().entry(guild).or_default())
    }

    pub fn get(&self, guild: GuildId) -> GuildSettings {
        self.guilds
            .lock()
            .unwrap()
            .get(&guild)
            .cloned()
            .unwrap_or_default()
    }
}

impl GuildDirectory for FakeSettings {
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, StorageError> {
        failing(&self.fail)?;
        Ok(self.get(guild))
    }
}

impl SettingsStore for FakeSettings {
    async fn set_allowed_role(
        &self,
        guild: GuildId,
        role: AllowedRole,
        actor: &Actor,
    ) -> Result<RoleChange, StorageError> {
        failing(&self.fail)?;
        let change = self.edit(guild, |g| {
            match g.allowed_roles.iter_mut().find(|a| a.role == role.role) {
                None => {
                    g.allowed_roles.push(role);
                    RoleChange::Added
                }
                Some(a) if a.max_expiry == role.max_expiry => RoleChange::Unchanged,
                Some(a) => {
                    let previous = a.max_expiry;
                    a.max_expiry = role.max_expiry;
                    RoleChange::CapChanged { previous }
                }
            }
        });
        let cap = role.max_expiry.map(|c| c.to_string()).unwrap_or_default();
        match change {
            RoleChange::Added => self.record(guild, actor, format!("role_add {} {cap}", role.role)),
            RoleChange::CapChanged { .. } => {
                self.record(guild, actor, format!("role_cap {} {cap}", role.role))
            }
            RoleChange::Unchanged => {}
        }
        Ok(change)
    }

    async fn remove_allowed_role(
        &self,
        guild: GuildId,
        role: RoleId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        failing(&self.fail)?;
        let removed = self.edit(guild, |g| {
            let before = g.allowed_roles.len();
            g.allowed_roles.retain(|a| a.role != role);
            g.allowed_roles.len() != before
        });
        if removed {
            self.record(guild, actor, format!("role_remove {role}"));
        }
        Ok(removed)
    }

    async fn allowed_roles(&self, guild: GuildId) -> Result<Vec<AllowedRole>, StorageError> {
        failing(&self.fail)?;
        Ok(self.get(guild).allowed_roles)
    }

    async fn add_allowed_channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        failing(&self.fail)?;
        let added = self.edit(guild, |g| push_new(&mut g.allowed_channels, channel));
        if added {
            self.record(guild, actor, format!("channel_add {channel}"));
        }
        Ok(added)
    }

    async fn remove_allowed_channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        failing(&self.fail)?;
        let removed = self.edit(guild, |g| remove(&mut g.allowed_channels, &channel));
        if removed {
            self.record(guild, actor, format!("channel_remove {channel}"));
        }
        Ok(removed)
    }

    async fn allowed_channels(&self, guild: GuildId) -> Result<Vec<ChannelId>, StorageError> {
        failing(&self.fail)?;
        Ok(self.get(guild).allowed_channels)
    }

    async fn add_allowed_workspace(
        &self,
        guild: GuildId,
        workspace: &WorkspaceId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        failing(&self.fail)?;
        let added = self.edit(guild, |g| {
            push_new(&mut g.allowed_workspaces, workspace.clone())
        });
        if added {
            self.record(guild, actor, format!("workspace_add {workspace}"));
        }
        Ok(added)
    }

    async fn remove_allowed_workspace(
        &self,
        guild: GuildId,
        workspace: &WorkspaceId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        failing(&self.fail)?;
        let removed = self.edit(guild, |g| remove(&mut g.allowed_workspaces, workspace));
        if removed {
            self.record(guild, actor, format!("workspace_remove {workspace}"));
        }
        Ok(removed)
    }

    async fn allowed_workspaces(&self, guild: GuildId) -> Result<Vec<WorkspaceId>, StorageError> {
        failing(&self.fail)?;
        Ok(self.get(guild).allowed_workspaces)
    }

    async fn policy(&self, guild: GuildId) -> Result<PolicySettings, StorageError> {
        failing(&self.fail)?;
        Ok(self.get(guild).policy)
    }

    async fn update_policy<F>(
        &self,
        guild: GuildId,
        actor: &Actor,
        action: PolicyAction,
        update: F,
    ) -> Result<Result<PolicySettings, PolicyError>, StorageError>
    where
        F: FnOnce(PolicySettings) -> Result<PolicySettings, PolicyError> + Send,
    {
        failing(&self.fail)?;
        let previous = self.get(guild).policy;
        let updated = update(previous.clone());
        if let Ok(p) = &updated
            && *p != previous
        {
            self.edit(guild, |g| g.policy = p.clone());
            self.record(guild, actor, format!("{action:?} {p:?}"));
        }
        Ok(updated)
    }

    async fn recent_attempts(
        &self,
        _guild: GuildId,
        user: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<super::ports::AuditEntry>, StorageError> {
        failing(&self.fail)?;
        *self.last_limit.lock().unwrap() = Some(limit);
        Ok(self
            .attempts
            .lock()
            .unwrap()
            .iter()
            .filter(|e| user.is_none_or(|u| e.user_id == u.to_string()))
            .take(limit.max(0) as usize)
            .cloned()
            .collect())
    }
}

/// Appends `item` unless listed already; whether it was new.
fn push_new<T: PartialEq>(list: &mut Vec<T>, item: T) -> bool {
    let new = !list.contains(&item);
    if new {
        list.push(item);
    }
    new
}

/// Unlists `item`; whether it was listed.
fn remove<T: PartialEq>(list: &mut Vec<T>, item: &T) -> bool {
    let before = list.len();
    list.retain(|x| x != item);
    list.len() != before
}
