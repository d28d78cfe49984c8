//! Guild allowlists and expiry policies, and the audit of every admin change to them.
//!
//! Each change and its `admin_changes` row commit together, so the history can be trusted: a
//! role is on the allowlist exactly when its last recorded change added or seeded it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;

use super::{PgStore, StoreError, retry_on_dead_connection};
pub use crate::share::ports::Actor;
use crate::share::ports::{
    AuditEntry, GuildDirectory, GuildSettings, PolicyAction, RoleChange, SettingsStore,
    StorageError,
};
use crate::share::{
    AllowedRole, ChannelId, Expiry, GuildId, PolicyError, PolicySettings, RoleId, UserId,
    WorkspaceId,
};

/// Most rows [`PgStore::admin_changes`] returns, whatever the caller asks.
const ADMIN_CHANGES_MAX_ROWS: i64 = 1_000;

/// The kinds of change recorded in `admin_changes.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdminAction {
    RoleAdd,
    RoleRemove,
    RoleCap,
    ChannelAdd,
    ChannelRemove,
    WorkspaceAdd,
    WorkspaceRemove,
    PolicySet,
    PolicyClear,
}

impl AdminAction {
    fn as_str(self) -> &'static str {
        match self {
            AdminAction::RoleAdd => "role_add",
            AdminAction::RoleRemove => "role_remove",
            AdminAction::RoleCap => "role_cap",
            AdminAction::ChannelAdd => "channel_add",
            AdminAction::ChannelRemove => "channel_remove",
            AdminAction::WorkspaceAdd => "workspace_add",
            AdminAction::WorkspaceRemove => "workspace_remove",
            AdminAction::PolicySet => "policy_set",
            AdminAction::PolicyClear => "policy_clear",
        }
    }
}

/// One recorded admin change. `action` is `role_add`, `role_remove`, `role_seed`, `role_cap`,
/// `channel_add`, `channel_remove`, `workspace_add`, `workspace_remove`, `policy_set` or
/// `policy_clear`. `detail` holds
/// `{"role_id", "max_expire_seconds"}` for role changes (`role_cap` adds
/// `previous_max_expire_seconds`), `{"channel_id"}` for channels, `{"workspace_id"}` for
/// workspaces, and every policy setting
/// plus `"previous": {…}` for policies (unset values are `null`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdminChange {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub guild_id: String,
    pub actor_id: String,
    pub actor_name: String,
    pub action: String,
    pub detail: serde_json::Value,
}

/// `admin_changes` as read, with `detail` still JSON text (the `json` sqlx feature is off).
#[derive(sqlx::FromRow)]
struct AdminChangeRow {
    id: i64,
    created_at: DateTime<Utc>,
    guild_id: String,
    actor_id: String,
    actor_name: String,
    action: String,
    detail: String,
}

impl TryFrom<AdminChangeRow> for AdminChange {
    type Error = StoreError;

    fn try_from(r: AdminChangeRow) -> Result<Self, StoreError> {
        let detail = serde_json::from_str(&r.detail)
            .map_err(|e| StoreError::Corrupt(format!("admin_changes {} detail: {e}", r.id)))?;
        Ok(AdminChange {
            id: r.id,
            created_at: r.created_at,
            guild_id: r.guild_id,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            detail,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    roles: Vec<String>,
    role_caps: Vec<Option<i32>>,
    channels: Vec<String>,
    workspaces: Vec<String>,
    default_expire_seconds: Option<i32>,
    max_expire_seconds: Option<i32>,
    require_reason: Option<bool>,
    audit_channel_id: Option<String>,
    approvals_channel_id: Option<String>,
    approver_role_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    default_expire_seconds: Option<i32>,
    max_expire_seconds: Option<i32>,
    require_reason: bool,
    audit_channel_id: Option<String>,
    approvals_channel_id: Option<String>,
    approver_role_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    role_id: String,
    max_expire_seconds: Option<i32>,
}

fn parse_role(raw: &str) -> Result<RoleId, StoreError> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("role id `{raw}` is not a snowflake")))
}

fn parse_channel(raw: &str) -> Result<ChannelId, StoreError> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("channel id `{raw}` is not a snowflake")))
}

fn parse_workspace(raw: &str) -> Result<WorkspaceId, StoreError> {
    WorkspaceId::parse(raw)
        .map_err(|_| StoreError::Corrupt(format!("workspace id `{raw}` is not one")))
}

fn stored_expiry(secs: i32) -> Result<Expiry, StoreError> {
    u32::try_from(secs)
        .ok()
        .and_then(|s| Expiry::from_secs(s, Expiry::HARD_MAX).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("stored expiry {secs} s is out of range")))
}

fn stored_cap(secs: Option<i32>) -> Result<Option<Expiry>, StoreError> {
    secs.map(stored_expiry).transpose()
}

fn secs(e: Option<Expiry>) -> Option<i32> {
    e.map(|e| e.as_secs() as i32)
}

impl RoleRow {
    fn into_role(self) -> Result<AllowedRole, StoreError> {
        Ok(AllowedRole {
            role: parse_role(&self.role_id)?,
            max_expiry: stored_cap(self.max_expire_seconds)?,
        })
    }
}

impl PolicyRow {
    fn into_settings(self) -> Result<PolicySettings, StoreError> {
        Ok(PolicySettings {
            default_expiry: stored_cap(self.default_expire_seconds)?,
            max_expiry: stored_cap(self.max_expire_seconds)?,
            require_reason: self.require_reason,
            audit_channel: self
                .audit_channel_id
                .as_deref()
                .map(parse_channel)
                .transpose()?,
            approvals_channel: self
                .approvals_channel_id
                .as_deref()
                .map(parse_channel)
                .transpose()?,
            approver_role: self
                .approver_role_id
                .as_deref()
                .map(parse_role)
                .transpose()?,
        })
    }
}

fn policy_json(p: &PolicySettings) -> serde_json::Value {
    json!({
        "default_expire_seconds": p.default_expiry.map(Expiry::as_secs),
        "max_expire_seconds": p.max_expiry.map(Expiry::as_secs),
        "require_reason": p.require_reason,
        "audit_channel_id": p.audit_channel.map(|c| c.to_string()),
        "approvals_channel_id": p.approvals_channel.map(|c| c.to_string()),
        "approver_role_id": p.approver_role.map(|r| r.to_string()),
    })
}

/// Appends to `admin_changes` inside the caller's transaction.
async fn record_change(
    conn: &mut PgConnection,
    guild: GuildId,
    actor: &Actor,
    action: AdminAction,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO admin_changes (guild_id, actor_id, actor_name, action, detail) \
         VALUES ($1, $2, $3, $4, $5::jsonb)",
    )
    .bind(guild.to_string())
    .bind(actor.id.clone())
    .bind(actor.name.clone())
    .bind(action.as_str())
    .bind(detail.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

impl PgStore {
    /// One statement on a guild's list of channels or workspaces (`sql` binds the guild, the
    /// listed id and the actor) and, if it changed a row, its `admin_changes` row, whose
    /// detail names the id under `key`.
    async fn change_listed(
        &self,
        guild: GuildId,
        (key, id): (&'static str, String),
        actor: &Actor,
        sql: &'static str,
        action: AdminAction,
    ) -> Result<bool, StoreError> {
        self.bounded(async {
            let mut tx = self.pool.begin().await?;
            let changed = sqlx::query(sql)
                .bind(guild.to_string())
                .bind(&id)
                .bind(actor.id.clone())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if changed {
                record_change(&mut tx, guild, actor, action, json!({ key: id })).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(changed)
        })
        .await
    }

    /// Pre-seeds allowed roles from configuration and returns how many it added. A role is
    /// seeded only if this guild's `admin_changes` never mention it, so it is seeded once, and
    /// an admin's later removal sticks across restarts; a role newly listed in the
    /// configuration is still seeded. One statement: concurrent starts cannot double-seed.
    pub async fn seed_allowed_roles(
        &self,
        guild: GuildId,
        roles: &[RoleId],
    ) -> Result<u64, StoreError> {
        self.bounded(async {
            let roles: Vec<String> = roles.iter().map(RoleId::to_string).collect();
            let actor = Actor::configuration();
            let seeded = sqlx::query(
                "WITH seeded AS ( \
                   INSERT INTO guild_allowed_roles (guild_id, role_id, added_by) \
                   SELECT DISTINCT $1, r, $3 FROM unnest($2::text[]) AS r \
                   WHERE NOT EXISTS ( \
                     SELECT 1 FROM admin_changes c \
                     WHERE c.guild_id = $1 AND c.action IN ('role_add', 'role_remove', 'role_seed') \
                     AND c.detail->>'role_id' = r) \
                   ON CONFLICT (guild_id, role_id) DO NOTHING \
                   RETURNING role_id) \
                 INSERT INTO admin_changes (guild_id, actor_id, actor_name, action, detail) \
                 SELECT $1, $3, $4, 'role_seed', jsonb_build_object('role_id', role_id) FROM seeded",
            )
            .bind(guild.to_string())
            .bind(roles)
            .bind(actor.id)
            .bind(actor.name)
            .execute(&self.pool)
            .await?
            .rows_affected();
            Ok::<_, StoreError>(seeded)
        })
        .await
    }

    /// The guild's latest admin changes, newest first; `limit` is clamped to 1..=1000.
    pub async fn admin_changes(
        &self,
        guild: GuildId,
        limit: i64,
    ) -> Result<Vec<AdminChange>, StoreError> {
        self.bounded(async {
            let rows: Vec<AdminChangeRow> = sqlx::query_as(
                "SELECT id, created_at, guild_id, actor_id, actor_name, action, detail::text AS detail \
                 FROM admin_changes WHERE guild_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(guild.to_string())
            .bind(limit.clamp(1, ADMIN_CHANGES_MAX_ROWS))
            .fetch_all(&self.pool)
            .await?;
            let result: Result<_, StoreError> = rows.into_iter().map(AdminChange::try_from).collect();
            result
        })
        .await
    }

    /// Allowed roles, channels and policy in one round trip: this runs before every `/share`.
    async fn guild_settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError> {
        let row: SettingsRow = retry_on_dead_connection(&self.pool, || {
            sqlx::query_as(
                "SELECT COALESCE(r.roles, '{}') AS roles, COALESCE(r.caps, '{}') AS role_caps, \
                        COALESCE((SELECT array_agg(channel_id ORDER BY added_at, channel_id) \
                                  FROM guild_allowed_channels WHERE guild_id = $1), '{}') AS channels, \
                        COALESCE((SELECT array_agg(workspace_id ORDER BY added_at, workspace_id) \
                                  FROM guild_allowed_workspaces WHERE guild_id = $1), '{}') \
                                  AS workspaces, \
                        p.default_expire_seconds, p.max_expire_seconds, p.require_reason, \
                        p.audit_channel_id, p.approvals_channel_id, p.approver_role_id \
                 FROM (SELECT 1) AS one \
                 LEFT JOIN (SELECT array_agg(role_id ORDER BY added_at, role_id) AS roles, \
                                   array_agg(max_expire_seconds ORDER BY added_at, role_id) AS caps \
                            FROM guild_allowed_roles WHERE guild_id = $1) AS r ON true \
                 LEFT JOIN guild_policies p ON p.guild_id = $1",
            )
            .bind(guild.to_string())
            .fetch_one(&self.pool)
        })
        .await?;
        if row.roles.len() != row.role_caps.len() {
            return Err(StoreError::Corrupt(
                "allowed roles and caps differ in number".into(),
            ));
        }
        let allowed_roles = row
            .roles
            .iter()
            .zip(row.role_caps)
            .map(|(role, cap)| {
                Ok(AllowedRole {
                    role: parse_role(role)?,
                    max_expiry: stored_cap(cap)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let allowed_channels = row
            .channels
            .iter()
            .map(|c| parse_channel(c))
            .collect::<Result<_, _>>()?;
        let policy = PolicyRow {
            default_expire_seconds: row.default_expire_seconds,
            max_expire_seconds: row.max_expire_seconds,
            require_reason: row.require_reason.unwrap_or(false),
            audit_channel_id: row.audit_channel_id,
            approvals_channel_id: row.approvals_channel_id,
            approver_role_id: row.approver_role_id,
        }
        .into_settings()?;
        let allowed_workspaces = row
            .workspaces
            .iter()
            .map(|w| parse_workspace(w))
            .collect::<Result<_, _>>()?;
        Ok(GuildSettings {
            allowed_roles,
            allowed_channels,
            allowed_workspaces,
            policy,
        })
    }
}

impl GuildDirectory for PgStore {
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, StorageError> {
        Ok(self.bounded(self.guild_settings(guild)).await?)
    }
}

impl SettingsStore for PgStore {
    /// Allows `role` with its cap, or changes the cap of a role already allowed; the change and
    /// its `admin_changes` row commit together.
    async fn set_allowed_role(
        &self,
        guild: GuildId,
        role: AllowedRole,
        actor: &Actor,
    ) -> Result<RoleChange, StorageError> {
        self.bounded(async {
            let mut tx = self.pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO guild_allowed_roles (guild_id, role_id, added_by, max_expire_seconds) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (guild_id, role_id) DO NOTHING",
            )
            .bind(guild.to_string())
            .bind(role.role.to_string())
            .bind(actor.id.clone())
            .bind(secs(role.max_expiry))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            let cap = secs(role.max_expiry);
            let change = if inserted {
                RoleChange::Added
            } else {
                // Allowed already (maybe a moment ago by another admin): lock it, then compare.
                let previous: Option<i32> = sqlx::query_scalar(
                    "SELECT max_expire_seconds FROM guild_allowed_roles \
                     WHERE guild_id = $1 AND role_id = $2 FOR UPDATE",
                )
                .bind(guild.to_string())
                .bind(role.role.to_string())
                .fetch_one(&mut *tx)
                .await?;
                if previous == cap {
                    RoleChange::Unchanged
                } else {
                    sqlx::query(
                        "UPDATE guild_allowed_roles SET max_expire_seconds = $3 \
                         WHERE guild_id = $1 AND role_id = $2",
                    )
                    .bind(guild.to_string())
                    .bind(role.role.to_string())
                    .bind(cap)
                    .execute(&mut *tx)
                    .await?;
                    RoleChange::CapChanged {
                        previous: stored_cap(previous)?,
                    }
                }
            };
            let mut detail = json!({ "role_id": role.role.to_string(), "max_expire_seconds": cap });
            match change {
                RoleChange::Added => {
                    record_change(&mut tx, guild, actor, AdminAction::RoleAdd, detail).await?;
                }
                RoleChange::CapChanged { previous } => {
                    detail["previous_max_expire_seconds"] = json!(secs(previous));
                    record_change(&mut tx, guild, actor, AdminAction::RoleCap, detail).await?;
                }
                RoleChange::Unchanged => {}
            }
            tx.commit().await?;
            Ok::<_, StoreError>(change)
        })
        .await
        .map_err(Into::into)
    }

    /// Disallows `role` in `guild`; `false` when it was not allowed (nothing is recorded then).
    async fn remove_allowed_role(
        &self,
        guild: GuildId,
        role: RoleId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        self.bounded(async {
            let mut tx = self.pool.begin().await?;
            let removed =
                sqlx::query("DELETE FROM guild_allowed_roles WHERE guild_id = $1 AND role_id = $2")
                    .bind(guild.to_string())
                    .bind(role.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
            if removed {
                let detail = json!({ "role_id": role.to_string() });
                record_change(&mut tx, guild, actor, AdminAction::RoleRemove, detail).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(removed)
        })
        .await
        .map_err(Into::into)
    }

    /// The guild's allowed roles with their caps, in the order they were added.
    async fn allowed_roles(&self, guild: GuildId) -> Result<Vec<AllowedRole>, StorageError> {
        self.bounded(async {
            let rows: Vec<RoleRow> = sqlx::query_as(
                "SELECT role_id, max_expire_seconds FROM guild_allowed_roles WHERE guild_id = $1 \
                 ORDER BY added_at, role_id",
            )
            .bind(guild.to_string())
            .fetch_all(&self.pool)
            .await?;
            let result: Result<_, StoreError> = rows.into_iter().map(RoleRow::into_role).collect();
            result
        })
        .await
        .map_err(Into::into)
    }

    /// Lists `channel` for `/share`; `false` when it was listed already.
    async fn add_allowed_channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        let sql = "INSERT INTO guild_allowed_channels (guild_id, channel_id, added_by) \
                   VALUES ($1, $2, $3) ON CONFLICT (guild_id, channel_id) DO NOTHING";
        self.change_listed(
            guild,
            ("channel_id", channel.to_string()),
            actor,
            sql,
            AdminAction::ChannelAdd,
        )
        .await
        .map_err(Into::into)
    }

    /// Unlists `channel`; `false` when it was not listed.
    async fn remove_allowed_channel(
        &self,
        guild: GuildId,
        channel: ChannelId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        // `$3` keeps both statements' parameters alike; a DELETE has no use for the actor.
        let sql = "DELETE FROM guild_allowed_channels \
                   WHERE guild_id = $1 AND channel_id = $2 AND $3::text IS NOT NULL";
        self.change_listed(
            guild,
            ("channel_id", channel.to_string()),
            actor,
            sql,
            AdminAction::ChannelRemove,
        )
        .await
        .map_err(Into::into)
    }

    /// The channels where `/share` works, in the order they were listed; empty = everywhere.
    async fn allowed_channels(&self, guild: GuildId) -> Result<Vec<ChannelId>, StorageError> {
        self.bounded(async {
            let raw: Vec<String> = sqlx::query_scalar(
                "SELECT channel_id FROM guild_allowed_channels WHERE guild_id = $1 \
                 ORDER BY added_at, channel_id",
            )
            .bind(guild.to_string())
            .fetch_all(&self.pool)
            .await?;
            let result: Result<_, StoreError> = raw.iter().map(|c| parse_channel(c)).collect();
            result
        })
        .await
        .map_err(Into::into)
    }

    /// Lists `workspace` for the guild; `false` when it was listed already.
    async fn add_allowed_workspace(
        &self,
        guild: GuildId,
        workspace: &WorkspaceId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        let sql = "INSERT INTO guild_allowed_workspaces (guild_id, workspace_id, added_by) \
                   VALUES ($1, $2, $3) ON CONFLICT (guild_id, workspace_id) DO NOTHING";
        self.change_listed(
            guild,
            ("workspace_id", workspace.as_str().to_owned()),
            actor,
            sql,
            AdminAction::WorkspaceAdd,
        )
        .await
        .map_err(Into::into)
    }

    /// Unlists `workspace`; `false` when it was not listed.
    async fn remove_allowed_workspace(
        &self,
        guild: GuildId,
        workspace: &WorkspaceId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        // `$3` keeps both statements' parameters alike; a DELETE has no use for the actor.
        let sql = "DELETE FROM guild_allowed_workspaces \
                   WHERE guild_id = $1 AND workspace_id = $2 AND $3::text IS NOT NULL";
        self.change_listed(
            guild,
            ("workspace_id", workspace.as_str().to_owned()),
            actor,
            sql,
            AdminAction::WorkspaceRemove,
        )
        .await
        .map_err(Into::into)
    }

    /// The workspaces the guild's admins allow, in the order they were listed.
    async fn allowed_workspaces(&self, guild: GuildId) -> Result<Vec<WorkspaceId>, StorageError> {
        self.bounded(async {
            let raw: Vec<String> = sqlx::query_scalar(
                "SELECT workspace_id FROM guild_allowed_workspaces WHERE guild_id = $1 \
                 ORDER BY added_at, workspace_id",
            )
            .bind(guild.to_string())
            .fetch_all(&self.pool)
            .await?;
            let result: Result<_, StoreError> = raw.iter().map(|w| parse_workspace(w)).collect();
            result
        })
        .await
        .map_err(Into::into)
    }

    /// What the guild's admins set; all unset until they set something.
    async fn policy(&self, guild: GuildId) -> Result<PolicySettings, StorageError> {
        self.bounded(async {
            let row: Option<PolicyRow> = sqlx::query_as(
                "SELECT default_expire_seconds, max_expire_seconds, require_reason, \
                 audit_channel_id, approvals_channel_id, approver_role_id \
                 FROM guild_policies WHERE guild_id = $1",
            )
            .bind(guild.to_string())
            .fetch_optional(&self.pool)
            .await?;
            let result: Result<_, StoreError> = row
                .map(PolicyRow::into_settings)
                .transpose()
                .map(Option::unwrap_or_default);
            result
        })
        .await
        .map_err(Into::into)
    }

    /// Read-merge-write of the guild's policy as one serial step: `update` sees the stored
    /// settings and returns the new ones, or refuses. Two admins changing different settings
    /// at the same moment both land, one after the other, and neither reply describes a
    /// policy that was silently overwritten. Nothing is written when `update` refuses, and
    /// nothing is recorded when it changes nothing.
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
        self.bounded(async {
            let mut tx = self.pool.begin().await?;
            // `FOR UPDATE` locks nothing while the guild has no row yet; a transaction-scoped
            // advisory lock per guild serialises the first write too.
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtextextended('guild_policies:' || $1, 0))",
            )
            .bind(guild.to_string())
            .execute(&mut *tx)
            .await?;
            let previous: Option<PolicyRow> = sqlx::query_as(
                "SELECT default_expire_seconds, max_expire_seconds, require_reason, \
                 audit_channel_id, approvals_channel_id, approver_role_id \
                 FROM guild_policies WHERE guild_id = $1 FOR UPDATE",
            )
            .bind(guild.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let previous = previous
                .map(PolicyRow::into_settings)
                .transpose()?
                .unwrap_or_default();
            let settings = match update(previous.clone()) {
                Ok(p) => p,
                Err(refused) => return Ok::<_, StoreError>(Err(refused)),
            };
            if settings == previous {
                return Ok(Ok(settings));
            }
            sqlx::query(
                "INSERT INTO guild_policies \
                 (guild_id, default_expire_seconds, max_expire_seconds, require_reason, \
                  audit_channel_id, approvals_channel_id, approver_role_id, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (guild_id) DO UPDATE SET \
                 default_expire_seconds = EXCLUDED.default_expire_seconds, \
                 max_expire_seconds = EXCLUDED.max_expire_seconds, \
                 require_reason = EXCLUDED.require_reason, \
                 audit_channel_id = EXCLUDED.audit_channel_id, \
                 approvals_channel_id = EXCLUDED.approvals_channel_id, \
                 approver_role_id = EXCLUDED.approver_role_id, \
                 updated_by = EXCLUDED.updated_by, updated_at = now()",
            )
            .bind(guild.to_string())
            .bind(secs(settings.default_expiry))
            .bind(secs(settings.max_expiry))
            .bind(settings.require_reason)
            .bind(settings.audit_channel.map(|c| c.to_string()))
            .bind(settings.approvals_channel.map(|c| c.to_string()))
            .bind(settings.approver_role.map(|r| r.to_string()))
            .bind(actor.id.clone())
            .execute(&mut *tx)
            .await?;
            let mut detail = policy_json(&settings);
            detail["previous"] = policy_json(&previous);
            let action = match action {
                PolicyAction::Set => AdminAction::PolicySet,
                PolicyAction::Clear => AdminAction::PolicyClear,
            };
            record_change(&mut tx, guild, actor, action, detail).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(Ok(settings))
        })
        .await
        .map_err(Into::into)
    }

    async fn recent_attempts(
        &self,
        guild: GuildId,
        user: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StorageError> {
        let rows = self.recent(guild, user, limit).await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                created_at: r.created_at,
                user_id: r.user_id,
                target_type: r.target_type,
                target_id: r.target_id,
                target_name: r.target_name,
                workspace_id: r.workspace_id,
                expire_seconds: r.expire_seconds,
                outcome: r.outcome,
                error_code: r.error_code,
            })
            .collect())
    }
}
