//! `audit_log.error_code`: why an attempt ended as it did, next to its outcome. The bot's own
//! codes are fixed strings that exports, dashboards and the README rely on; an upstream failure
//! carries Alibaba Cloud's `Code` as it came.

/// One `error_code` value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `denied_role`: the guild is not one this deployment serves.
    GuildNotEnabled,
    /// `denied_role`: the guild allows no role.
    EmptyAllowlist,
    /// `denied_role`: the member holds no allowed role.
    MissingRole,
    /// `denied_channel`.
    ChannelNotAllowed,
    /// `invalid_input`: the id, the expiry, the reason, a missing reason, above the role's cap.
    InvalidId,
    InvalidExpiry,
    InvalidReason,
    ReasonRequired,
    ExpiryAboveRoleMax,
    /// `invalid_input`: the look-up found no such job or TensorBoard.
    TargetNotFound,
    /// `denied_workspace`: the target is in a workspace outside the rule.
    WorkspaceNotAllowed,
    /// `rate_limited`: per member, per guild, or the process at `share.max_in_flight`.
    UserLimit,
    GuildLimit,
    Overloaded,
    /// `internal_error`: what the bot could not read or do, so it did nothing.
    SettingsUnavailable,
    RatelimitUnavailable,
    StorageUnavailable,
    Unacknowledged,
    ShuttingDown,
    /// `internal_error`: a pending row whose completion never came (written by the store's
    /// retention job).
    Incomplete,
    /// Approvals, written by the store with their transitions: `denied_approval` / `denied`,
    /// `approval_expired` / `not_decided`, `not_claimed`, `card_not_posted`.
    Denied,
    NotDecided,
    NotClaimed,
    CardNotPosted,
    /// Only in audit-channel posts: the row itself could not be written or completed.
    AuditUnavailable,
    AuditIncomplete,
    /// `upstream_error`: Alibaba Cloud's `Code` (e.g. `Forbidden.RAM`), or a local one for a
    /// failure on the way (`Timeout`, `NetworkError`).
    Upstream(String),
}

impl ErrorCode {
    /// The bot's own codes, every one.
    pub const OWN: [ErrorCode; 26] = [
        ErrorCode::GuildNotEnabled,
        ErrorCode::EmptyAllowlist,
        ErrorCode::MissingRole,
        ErrorCode::ChannelNotAllowed,
        ErrorCode::InvalidId,
        ErrorCode::InvalidExpiry,
        ErrorCode::InvalidReason,
        ErrorCode::ReasonRequired,
        ErrorCode::ExpiryAboveRoleMax,
        ErrorCode::TargetNotFound,
        ErrorCode::WorkspaceNotAllowed,
        ErrorCode::UserLimit,
        ErrorCode::GuildLimit,
        ErrorCode::Overloaded,
        ErrorCode::SettingsUnavailable,
        ErrorCode::RatelimitUnavailable,
        ErrorCode::StorageUnavailable,
        ErrorCode::Unacknowledged,
        ErrorCode::ShuttingDown,
        ErrorCode::Incomplete,
        ErrorCode::Denied,
        ErrorCode::NotDecided,
        ErrorCode::NotClaimed,
        ErrorCode::CardNotPosted,
        ErrorCode::AuditUnavailable,
        ErrorCode::AuditIncomplete,
    ];

    /// As stored in `audit_log.error_code`.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::GuildNotEnabled => "guild_not_enabled",
            ErrorCode::EmptyAllowlist => "empty_allowlist",
            ErrorCode::MissingRole => "missing_role",
            ErrorCode::ChannelNotAllowed => "channel_not_allowed",
            ErrorCode::InvalidId => "invalid_id",
            ErrorCode::InvalidExpiry => "invalid_expiry",
            ErrorCode::InvalidReason => "invalid_reason",
            ErrorCode::ReasonRequired => "reason_required",
            ErrorCode::ExpiryAboveRoleMax => "expiry_above_role_max",
            ErrorCode::TargetNotFound => "target_not_found",
            ErrorCode::WorkspaceNotAllowed => "workspace_not_allowed",
            ErrorCode::UserLimit => "user_limit",
            ErrorCode::GuildLimit => "guild_limit",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::SettingsUnavailable => "settings_unavailable",
            ErrorCode::RatelimitUnavailable => "ratelimit_unavailable",
            ErrorCode::StorageUnavailable => "storage_unavailable",
            ErrorCode::Unacknowledged => "unacknowledged",
            ErrorCode::ShuttingDown => "shutting_down",
            ErrorCode::Incomplete => "incomplete",
            ErrorCode::Denied => "denied",
            ErrorCode::NotDecided => "not_decided",
            ErrorCode::NotClaimed => "not_claimed",
            ErrorCode::CardNotPosted => "card_not_posted",
            ErrorCode::AuditUnavailable => "audit_unavailable",
            ErrorCode::AuditIncomplete => "audit_incomplete",
            ErrorCode::Upstream(code) => code,
        }
    }
}

/// A stored code read back: one of ours, or else upstream's.
impl From<&str> for ErrorCode {
    fn from(stored: &str) -> Self {
        ErrorCode::OWN
            .into_iter()
            .find(|own| own.as_str() == stored)
            .unwrap_or_else(|| ErrorCode::Upstream(stored.to_owned()))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_codes_are_distinct_snake_case_and_never_look_upstream() {
        let strings: std::collections::BTreeSet<&str> =
            ErrorCode::OWN.iter().map(ErrorCode::as_str).collect();
        assert_eq!(strings.len(), ErrorCode::OWN.len(), "distinct");
        for s in strings {
            assert!(
                s.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{s}: Alibaba's codes are CamelCase with dots, ours never"
            );
        }
        for own in ErrorCode::OWN {
            assert_eq!(ErrorCode::from(own.as_str()), own, "read back");
            assert_eq!(own.to_string(), own.as_str(), "shown as stored");
        }
        assert_eq!(
            ErrorCode::from("Forbidden.RAM"),
            ErrorCode::Upstream("Forbidden.RAM".into())
        );
    }
}
