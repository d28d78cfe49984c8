//! What the share flow needs from the outside world, as traits the adapters implement:
//! the audit log and guild settings (`store`), the token issuer (`aliyun`), and the rate
//! limiter (governor in process, or shared through `store`).

use std::future::Future;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

use super::{
    AllowedRole, ChannelId, ErrorCode, Expiry, GuildId, PolicyError, PolicySettings, RateDecision,
    Remaining, RoleId, TargetId, TargetType, UserId, WorkspaceId,
};

/// A storage failure, opaque to the core: it only decides to fail closed.
#[derive(Debug, thiserror::Error)]
#[error("storage unavailable: {0}")]
pub struct StorageError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl StorageError {
    pub fn msg(message: impl Into<String>) -> Self {
        StorageError(message.into().into())
    }
}

/// How an audited `/share` attempt ended, as the audit log stores it (`docs/operations.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    Issued,
    DeniedRole,
    DeniedChannel,
    /// The target's workspace is outside the workspace rule.
    DeniedWorkspace,
    InvalidInput,
    RateLimited,
    UpstreamError,
    InternalError,
    PendingApproval,
    DeniedApproval,
    ApprovalExpired,
}

impl AuditOutcome {
    pub const ALL: [AuditOutcome; 11] = [
        AuditOutcome::Issued,
        AuditOutcome::DeniedRole,
        AuditOutcome::DeniedChannel,
        AuditOutcome::DeniedWorkspace,
        AuditOutcome::InvalidInput,
        AuditOutcome::RateLimited,
        AuditOutcome::UpstreamError,
        AuditOutcome::InternalError,
        AuditOutcome::PendingApproval,
        AuditOutcome::DeniedApproval,
        AuditOutcome::ApprovalExpired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Issued => "issued",
            AuditOutcome::DeniedRole => "denied_role",
            AuditOutcome::DeniedChannel => "denied_channel",
            AuditOutcome::DeniedWorkspace => "denied_workspace",
            AuditOutcome::InvalidInput => "invalid_input",
            AuditOutcome::RateLimited => "rate_limited",
            AuditOutcome::UpstreamError => "upstream_error",
            AuditOutcome::InternalError => "internal_error",
            AuditOutcome::PendingApproval => "pending_approval",
            AuditOutcome::DeniedApproval => "denied_approval",
            AuditOutcome::ApprovalExpired => "approval_expired",
        }
    }
}

/// Who asked for what: the part of an audit row known before anything is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAttempt {
    /// The Discord interaction id, or a generated id for the command line; unique.
    pub interaction_id: String,
    pub guild_id: Option<GuildId>,
    pub channel_id: Option<ChannelId>,
    /// A Discord user id, or the local operator's login for the command line.
    pub user_id: String,
    pub user_name: String,
    pub target_type: TargetType,
    /// As typed (possibly invalid, so a plain string), cut to a sane length.
    pub target_id: String,
    pub requested_expire_seconds: Option<i64>,
    /// The granted expiry, once known.
    pub expire_seconds: Option<i64>,
    /// The member's reason, as typed, cut and storable.
    pub reason: Option<String>,
    /// The target's display name from the look-up, cut and storable; `None` when nothing was
    /// looked up or the look-up failed.
    pub target_name: Option<String>,
    /// The target's workspace from the look-up: what an approval's claim re-checks.
    pub workspace_id: Option<String>,
}

/// How an attempt ended: the rest of the audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCompletion {
    pub outcome: AuditOutcome,
    /// Our own reason for a refusal (`invalid_id`, `missing_role`, …), or upstream's code.
    pub error_code: Option<ErrorCode>,
    pub request_id: Option<String>,
    pub latency_ms: i64,
    /// Hex SHA-256 of the issued token (or TensorBoard shared URL); neither is ever stored.
    pub token_sha256: Option<String>,
    /// The issued token's real lifetime (from its `exp` claim), replacing the granted expiry
    /// written at `begin`; `None` keeps what `begin` wrote.
    pub expire_seconds: Option<i64>,
}

/// The result of writing the first half of an audit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditBegin {
    /// A new row exists; the attempt may proceed.
    Started,
    /// The interaction id was seen before: never issue a second token for it.
    Replayed,
}

/// The write-ahead audit log.
pub trait AuditLog: Send + Sync {
    /// Inserts a pending row before anything leaves the process.
    fn begin(
        &self,
        attempt: &AuditAttempt,
    ) -> impl Future<Output = Result<AuditBegin, StorageError>> + Send;

    /// Completes a row written by [`AuditLog::begin`].
    fn complete(
        &self,
        interaction_id: &str,
        completion: &AuditCompletion,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Writes a whole row at once, for attempts refused before any upstream call.
    fn record(
        &self,
        attempt: &AuditAttempt,
        completion: &AuditCompletion,
    ) -> impl Future<Output = Result<AuditBegin, StorageError>> + Send;
}

/// Which interactions this deployment has already acted on, across every replica. Discord may
/// deliver an interaction twice, and a signed HTTP delivery can be replayed within its
/// five-minute window: the delivery layer asks this before it acts on a command or a click, and
/// before any rate limit is used up.
pub trait Deliveries: Send + Sync {
    /// `true` the first time `interaction_id` is seen, `false` for every later delivery.
    fn first_delivery(
        &self,
        interaction_id: &str,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;
}

/// The roles a guild member holds now, as Discord knows them: an approval is re-checked against
/// them when it is approved (the click is the approver's, not the requester's) or claimed from
/// a direct message.
pub trait MemberRoles: Send + Sync {
    /// The member's roles, `@everyone` included; `None` when the user is not (or no longer) a
    /// member of the guild. `Err` when Discord could not be asked.
    fn member_roles(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> impl Future<Output = Result<Option<Vec<RoleId>>, StorageError>> + Send;
}

/// A guild's share settings as stored by its admins: everything one `/share` is decided on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuildSettings {
    pub allowed_roles: Vec<AllowedRole>,
    /// Empty: `/share` works in every channel.
    pub allowed_channels: Vec<ChannelId>,
    /// The workspaces the guild's admins allow, within the operator's; empty = the
    /// operator's rule alone.
    pub allowed_workspaces: Vec<WorkspaceId>,
    /// Unset values take the configured defaults.
    pub policy: PolicySettings,
}

pub trait GuildDirectory: Send + Sync {
    fn settings(
        &self,
        guild: GuildId,
    ) -> impl Future<Output = Result<GuildSettings, StorageError>> + Send;
}

/// A freshly issued GetToken result.
pub struct IssuedToken {
    pub token: SecretString,
    pub request_id: String,
}

/// Why GetToken (or GetTensorboardSharedUrl) issued nothing, in terms the user and the audit
/// log need.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IssueFailure {
    pub kind: IssueFailureKind,
    /// Upstream `Code` (e.g. `Forbidden.RAM`) or a local one (`Timeout`, `NetworkError`).
    pub code: String,
    /// Safe to show: never credentials or stack traces.
    pub message: String,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueFailureKind {
    /// The target does not exist or the parameters were refused.
    Rejected,
    /// Our credentials or permissions were refused: an operator must act.
    Unauthorized,
    /// Upstream throttling survived every retry.
    Throttled,
    /// 5xx, network trouble or the deadline, after retries.
    Unavailable,
    /// Upstream answered something we cannot read.
    BadResponse,
}

/// A TensorBoard's share URL from GetTensorboardSharedUrl: a ready link with its own token
/// inside, as secret as a token. No `Debug`.
pub struct SharedUrl {
    pub url: SecretString,
    pub request_id: String,
}

/// The upstream call that issues a share, named as PAI-DLC names it (the metrics' label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueOperation {
    GetToken,
    GetTensorboardSharedUrl,
}

impl IssueOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueOperation::GetToken => "GetToken",
            IssueOperation::GetTensorboardSharedUrl => "GetTensorboardSharedUrl",
        }
    }
}

/// What issues the credential behind a link. Which method is called is the core's decision
/// (`share.tensorboard_link`); both fail the same way.
pub trait TokenIssuer: Send + Sync {
    fn get_token(
        &self,
        target_type: TargetType,
        target_id: &TargetId,
        expiry: Expiry,
    ) -> impl Future<Output = Result<IssuedToken, IssueFailure>> + Send;

    /// A TensorBoard's own share URL, valid for `expiry` from now.
    fn get_tensorboard_shared_url(
        &self,
        tensorboard_id: &TargetId,
        expiry: Expiry,
    ) -> impl Future<Output = Result<SharedUrl, IssueFailure>> + Send;

    /// Region placed in share links.
    fn region(&self) -> &str;
}

/// The per-user and per-guild rate limits: one check per request that passed validation
/// and the role check; an allowed check uses up the request's place. Async because the limiter
/// shared by replicas asks the database; an error means the limit is unknown and
/// the request is refused (fail closed).
pub trait Limiter: Send + Sync {
    fn check(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> impl Future<Output = Result<RateDecision, StorageError>> + Send;

    /// How many requests the member could make right now, using up nothing (for
    /// `/share-admin explain`).
    fn remaining(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> impl Future<Output = Result<Remaining, StorageError>> + Send;
}

impl<L: Limiter + ?Sized> Limiter for std::sync::Arc<L> {
    fn check(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> impl Future<Output = Result<RateDecision, StorageError>> + Send {
        (**self).check(guild, user)
    }

    fn remaining(
        &self,
        guild: GuildId,
        user: UserId,
    ) -> impl Future<Output = Result<Remaining, StorageError>> + Send {
        (**self).remaining(guild, user)
    }
}

/// Wall-clock time, injected so that expiries are decided against a clock a test controls.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Who made an admin change: a Discord user (id and name), or the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub name: String,
}

impl Actor {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Actor {
            id: id.into(),
            name: name.into(),
        }
    }

    /// The actor of roles pre-seeded from `discord.allowed_roles`.
    pub fn configuration() -> Self {
        Actor::new("config", "configuration")
    }
}

/// One share attempt as `/share-admin audit` lists it. Text fields are as stored: a target id
/// of an invalid request can hold anything, so renderers clean it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub created_at: DateTime<Utc>,
    pub user_id: String,
    pub target_type: String,
    pub target_id: String,
    /// The target's display name from the look-up: untrusted text, escaped by renderers.
    pub target_name: Option<String>,
    /// The workspace the look-up found it in; a row refused for its workspace has only this.
    pub workspace_id: Option<String>,
    pub expire_seconds: Option<i64>,
    pub outcome: String,
    pub error_code: Option<String>,
}

/// What `roles add` changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    Added,
    /// The role was allowed already, with this cap.
    CapChanged {
        previous: Option<Expiry>,
    },
    /// Allowed already with the same cap: nothing recorded.
    Unchanged,
}

/// How a policy change is recorded in `admin_changes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyAction {
    Set,
    Clear,
}

/// A guild's allowlists and policy as its admins change them, every change recorded with its
/// actor; and the guild's recent share attempts.
pub trait SettingsStore: Send + Sync {
    /// Allows `role` with its cap, or changes the cap of a role already allowed.
    fn set_allowed_role(
        &self,
        guild: GuildId,
        role: AllowedRole,
        actor: &Actor,
    ) -> impl Future<Output = Result<RoleChange, StorageError>> + Send;

    /// `false` when the role was not allowed (nothing is recorded then).
    fn remove_allowed_role(
        &self,
        guild: GuildId,
        role: RoleId,
        actor: &Actor,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    fn allowed_roles(
        &self,
        guild: GuildId,
    ) -> impl Future<Output = Result<Vec<AllowedRole>, StorageError>> + Send;

    /// `false` when the channel was listed already (nothing is recorded then).
    fn add_allowed_channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
        actor: &Actor,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// `false` when the channel was not listed (nothing is recorded then).
    fn remove_allowed_channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
        actor: &Actor,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    fn allowed_channels(
        &self,
        guild: GuildId,
    ) -> impl Future<Output = Result<Vec<ChannelId>, StorageError>> + Send;

    /// `false` when the workspace was listed already (nothing is recorded then).
    fn add_allowed_workspace(
        &self,
        guild: GuildId,
        workspace: &WorkspaceId,
        actor: &Actor,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// `false` when the workspace was not listed (nothing is recorded then).
    fn remove_allowed_workspace(
        &self,
        guild: GuildId,
        workspace: &WorkspaceId,
        actor: &Actor,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    fn allowed_workspaces(
        &self,
        guild: GuildId,
    ) -> impl Future<Output = Result<Vec<WorkspaceId>, StorageError>> + Send;

    /// All unset until an admin sets something.
    fn policy(
        &self,
        guild: GuildId,
    ) -> impl Future<Output = Result<PolicySettings, StorageError>> + Send;

    /// Read-merge-write as one serial step: `update` sees the stored policy and returns the
    /// new one, or refuses (then nothing is written). A change that changes nothing is not
    /// recorded.
    fn update_policy<F>(
        &self,
        guild: GuildId,
        actor: &Actor,
        action: PolicyAction,
        update: F,
    ) -> impl Future<Output = Result<Result<PolicySettings, PolicyError>, StorageError>> + Send
    where
        F: FnOnce(PolicySettings) -> Result<PolicySettings, PolicyError> + Send;

    /// The guild's latest attempts, newest first, optionally one user's.
    fn recent_attempts(
        &self,
        guild: GuildId,
        user: Option<UserId>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<AuditEntry>, StorageError>> + Send;
}
