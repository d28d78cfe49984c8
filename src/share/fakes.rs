//! In-memory fakes of the core's ports, for table-driven tests of the share flow: no database,
//! no network, no Discord.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use secrecy::SecretString;

use super::ports::{
    AuditAttempt, AuditBegin, AuditCompletion, AuditLog, GuildDirectory, GuildSettings,
    IssueFailure, IssuedToken, Limiter, StorageError, TokenIssuer,
};
use super::{Expiry, GuildId, RateDecision, TargetId, TargetType, UserId};

/// One stored audit row: what `begin`/`record` wrote and what `complete` added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeRow {
    pub attempt: AuditAttempt,
    pub completion: Option<AuditCompletion>,
}

/// The audit log in memory; each kind of write can be made to fail.
#[derive(Debug, Default)]
pub struct FakeAudit {
    pub rows: Mutex<BTreeMap<String, FakeRow>>,
    pub fail_begin: AtomicBool,
    pub fail_complete: AtomicBool,
    pub fail_record: AtomicBool,
    pub complete_calls: AtomicUsize,
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
            },
        );
        AuditBegin::Started
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

/// A shared rate limiter answering as scripted (allowing by default), counting checks.
#[derive(Debug)]
pub struct FakeLimiter {
    pub answer: Mutex<RateDecision>,
    pub fail: AtomicBool,
    pub calls: AtomicUsize,
}

impl Default for FakeLimiter {
    fn default() -> Self {
        FakeLimiter {
            answer: Mutex::new(RateDecision::Allowed),
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
}

/// GetToken answering with a fixed token or failure, counting calls.
#[derive(Debug)]
pub struct FakeIssuer {
    pub answer: Mutex<Result<String, IssueFailure>>,
    pub calls: AtomicUsize,
}

impl FakeIssuer {
    pub fn token(token: &str) -> Self {
        FakeIssuer {
            answer: Mutex::new(Ok(token.to_owned())),
            calls: AtomicUsize::new(0),
        }
    }
}

impl TokenIssuer for FakeIssuer {
    async fn get_token(
        &self,
        _target_type: TargetType,
        _target_id: &TargetId,
        _expiry: Expiry,
    ) -> Result<IssuedToken, IssueFailure> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = self.answer.lock().unwrap().clone();
        answer.map(|token| IssuedToken {
            token: SecretString::from(token),
            request_id: "REQ-FAKE".into(),
        })
    }

    fn region(&self) -> &str {
        "cn-test"
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
    pub roles: Mutex<BTreeMap<GuildId, Vec<super::RoleId>>>,
    pub policies: Mutex<BTreeMap<GuildId, super::GuildPolicy>>,
    pub attempts: Mutex<Vec<super::ports::AuditEntry>>,
    /// `(guild, actor id, what)` for every recorded change.
    pub changes: Mutex<Vec<(GuildId, String, String)>>,
    pub fail: AtomicBool,
    /// The `limit` of the last `recent_attempts` call.
    pub last_limit: Mutex<Option<i64>>,
}

impl FakeSettings {
    fn record(&self, guild: GuildId, actor: &super::ports::Actor, what: String) {
        self.changes
            .lock()
            .unwrap()
            .push((guild, actor.id.clone(), what));
    }
}

impl super::ports::SettingsStore for FakeSettings {
    async fn add_allowed_role(
        &self,
        guild: GuildId,
        role: super::RoleId,
        actor: &super::ports::Actor,
    ) -> Result<bool, StorageError> {
        failing(&self.fail)?;
        let mut roles = self.roles.lock().unwrap();
        let list = roles.entry(guild).or_default();
        if list.contains(&role) {
            return Ok(false);
        }
        list.push(role);
        self.record(guild, actor, format!("role_add {role}"));
        Ok(true)
    }

    async fn remove_allowed_role(
        &self,
        guild: GuildId,
        role: super::RoleId,
        actor: &super::ports::Actor,
    ) -> Result<bool, StorageError> {
        failing(&self.fail)?;
        let mut roles = self.roles.lock().unwrap();
        let list = roles.entry(guild).or_default();
        let before = list.len();
        list.retain(|r| *r != role);
        if list.len() == before {
            return Ok(false);
        }
        self.record(guild, actor, format!("role_remove {role}"));
        Ok(true)
    }

    async fn allowed_roles(&self, guild: GuildId) -> Result<Vec<super::RoleId>, StorageError> {
        failing(&self.fail)?;
        Ok(self
            .roles
            .lock()
            .unwrap()
            .get(&guild)
            .cloned()
            .unwrap_or_default())
    }

    async fn policy(&self, guild: GuildId) -> Result<Option<super::GuildPolicy>, StorageError> {
        failing(&self.fail)?;
        Ok(self.policies.lock().unwrap().get(&guild).copied())
    }

    async fn update_policy<F>(
        &self,
        guild: GuildId,
        actor: &super::ports::Actor,
        update: F,
    ) -> Result<Result<super::GuildPolicy, super::PolicyError>, StorageError>
    where
        F: FnOnce(Option<super::GuildPolicy>) -> Result<super::GuildPolicy, super::PolicyError>
            + Send,
    {
        failing(&self.fail)?;
        let mut policies = self.policies.lock().unwrap();
        let updated = update(policies.get(&guild).copied());
        if let Ok(p) = updated {
            policies.insert(guild, p);
            self.record(guild, actor, format!("policy_set {p:?}"));
        }
        Ok(updated)
    }

    async fn recent_attempts(
        &self,
        _guild: GuildId,
        user: Option<super::UserId>,
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
