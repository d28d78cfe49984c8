//! The core: share requests, expiry, policy, rate limits and links. Nothing here knows about
//! Discord, HTTP, SQL, metrics, or the clock (it is a port); adapters translate at the edges
//! and count what the core reports.

mod admin;
mod approval;
mod approval_flow;
mod codes;
#[cfg(test)]
pub(crate) mod contract;
mod expiry;
mod explain;
#[cfg(test)]
pub(crate) mod fakes;
mod flow;
mod guardrails;
mod guilds;
mod ids;
mod jwt;
mod link;
mod lookup;
mod notice;
mod operator;
mod outcome;
mod policy;
pub mod ports;
mod ratelimit;
mod suggest;
mod target;

pub use admin::{
    AUDIT_MAX_LIMIT, AdminCaller, AdminCommand, AdminOutcome, AdminRefusal, AdminService,
    ExplainTarget, PolicyView,
};
pub use approval::{
    Approval, ApprovalAction, ApprovalId, ApprovalStatus, ApprovalStore, Card, ClickRefusal,
    Clicker, DecisionNotice, NewApproval, Opened, RequesterReply, Transition, may_act,
};
pub use approval_flow::ClickOutcome;
pub use codes::ErrorCode;
pub use expiry::{
    DurationParseError, Expiry, ExpiryError, HARD_MAX_EXPIRY_SECS, MIN_EXPIRY_SECS,
    MalformedDuration, Suggestion, format_duration, parse_duration, suggest_expiries,
};
pub use explain::{ExpiryVerdict, Explanation, TargetCheck, explain};
pub use flow::{
    Grant, LinkTemplates, ShareRequest, ShareService, TensorboardLink, issue_audited,
    share_from_shell, token_fingerprint,
};
pub use guardrails::{
    ChannelDecision, ChannelPlace, MemberCap, NoLongerAllowed, REASON_MAX_CHARS, Reason,
    ReasonError, Refusal, decide_channel, evaluate, recheck,
};
pub use guilds::{GuildScope, GuildScopeError};
pub use ids::{ChannelId, GuildId, RoleId, UserId};
pub use jwt::jwt_expiry;
pub use link::{LinkTemplate, LinkTemplateError, LinkValues, is_web_link};
pub use lookup::{
    LookupError, TARGET_NAME_MAX_CHARS, TargetDetails, TargetLookup, TargetRule, TargetVerdict,
    WorkspaceId, WorkspaceIdError, WorkspaceRule, cut_name, judge,
};
pub use notice::AuditNotice;
pub use operator::Operator;
pub use outcome::{InvalidInput, IssueCall, IssuedShare, LookupFailure, ShareOutcome, ShareReport};
pub use policy::{
    AdminPermissions, AllowedRole, Denial, GuildPolicy, PolicyChange, PolicyError, PolicySetting,
    PolicySettings, decide_access, is_admin,
};
pub use ratelimit::{LayeredLimits, LimitScope, RateDecision, RateLimits, RateSpec, Remaining};
pub use suggest::{
    CHOICE_MAX_CHARS, Candidate, Choice, ListTargets, ListedPage, MAX_CHOICES, choose,
    suggestion_rule,
};
pub use target::{TARGET_ID_MAX_LEN, TargetId, TargetIdError, TargetType, UnknownTargetType};
