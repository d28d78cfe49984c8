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
use crate::share::ports::AuditEntry;
use crate::share::ports::{GuildDirectory, GuildSettings, SettingsStore, StorageError};
use crate::share::{Expiry, GuildId, GuildPolicy, PolicyError, RoleId, UserId};

/// Most rows [`PgStore::admin_changes`] returns, whatever the caller asks.
const ADMIN_CHANGES_MAX_ROWS: i64 = 1_000;

/// The kinds of change recorded in `admin_changes.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdminAction {
    RoleAdd,
    RoleRemove,
    PolicySet,
}

impl AdminAction {
    fn as_str(self) -> &'static str {
        match self {
            AdminAction::RoleAdd => "role_add",
            AdminAction::RoleRemove => "role_remove",
            AdminAction::PolicySet => "policy_set",
        }
    }
}

/// One recorded admin change. `action` is `role_add`, `role_remove`, `role_seed` or
/// `policy_set`; `detail` holds `{"role_id": "…"}` for role changes and
/// `{"default_expire_seconds", "max_expire_seconds", "previous": {…} | null}` for policies.
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
    default_expire_seconds: Option<i32>,
    max_expire_seconds: Option<i32>,
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    default_expire_seconds: i32,
    max_expire_seconds: i32,
}

fn parse_role(raw: &str) -> Result<RoleId, StoreError> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("role id `{raw}` is not a snowflake")))
}

fn stored_expiry(secs: i32) -> Result<Expiry, StoreError> {
    u32::try_from(secs)
        .ok()
        .and_then(|s| Expiry::from_secs(s, Expiry::HARD_MAX).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("policy expiry {secs} s is out of range")))
}

impl PolicyRow {
    fn into_policy(self) -> Result<GuildPolicy, StoreError> {
        GuildPolicy::new(
            stored_expiry(self.default_expire_seconds)?,
            stored_expiry(self.max_expire_seconds)?,
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

fn policy_json(p: &GuildPolicy) -> serde_json::Value {
    json!({
        "default_expire_seconds": p.default_expiry().as_secs(),
        "max_expire_seconds": p.max_expiry().as_secs(),
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
    /// Allows `role` in `guild`; `false` when it already was (nothing is recorded then).
    pub async fn add_allowed_role(
        &self,
        guild: GuildId,
        role: RoleId,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        self.bounded(async {
            let mut tx = self.pool.begin().await?;
            let added = sqlx::query(
                "INSERT INTO guild_allowed_roles (guild_id, role_id, added_by) VALUES ($1, $2, $3) \
                 ON CONFLICT (guild_id, role_id) DO NOTHING",
            )
            .bind(guild.to_string())
            .bind(role.to_string())
            .bind(actor.id.clone())
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if added {
                let detail = json!({ "role_id": role.to_string() });
                record_change(&mut tx, guild, actor, AdminAction::RoleAdd, detail).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(added)
        })
        .await
    }

    /// Disallows `role` in `guild`; `false` when it was not allowed (nothing is recorded then).
    pub async fn remove_allowed_role(
        &self,
        guild: GuildId,
        role: RoleId,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
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
    }

    /// The guild's allowed roles, in the order they were added.
    pub async fn allowed_roles(&self, guild: GuildId) -> Result<Vec<RoleId>, StoreError> {
        self.bounded(async {
            let raw: Vec<String> = sqlx::query_scalar(
                "SELECT role_id FROM guild_allowed_roles WHERE guild_id = $1 \
                 ORDER BY added_at, role_id",
            )
            .bind(guild.to_string())
            .fetch_all(&self.pool)
            .await?;
            let result: Result<_, StoreError> = raw.iter().map(|r| parse_role(r)).collect();
            result
        })
        .await
    }

    /// The guild's policy; `None` until an admin sets one (the configured defaults apply).
    pub async fn policy(&self, guild: GuildId) -> Result<Option<GuildPolicy>, StoreError> {
        self.bounded(async {
            let row: Option<PolicyRow> = sqlx::query_as(
                "SELECT default_expire_seconds, max_expire_seconds FROM guild_policies \
                 WHERE guild_id = $1",
            )
            .bind(guild.to_string())
            .fetch_optional(&self.pool)
            .await?;
            let result: Result<_, StoreError> = row.map(PolicyRow::into_policy).transpose();
            result
        })
        .await
    }

    /// Stores the guild's policy and returns the one it replaced. `GuildPolicy` already keeps
    /// both values within 60 s..=7 d and default ≤ max; the table checks it again.
    pub async fn set_policy(
        &self,
        guild: GuildId,
        policy: GuildPolicy,
        actor: &Actor,
    ) -> Result<Option<GuildPolicy>, StoreError> {
        let changed = self
            .update_policy(guild, actor, |_| Ok::<_, std::convert::Infallible>(policy))
            .await?;
        match changed {
            Ok((_, previous)) => Ok(previous),
            Err(never) => match never {},
        }
    }

    /// Read-merge-write of the guild's policy as one serial step: `update` sees the stored
    /// policy (`None` if there is none yet) and returns the new one, or refuses. Two admins
    /// changing different settings at the same moment both land, one after the other, and
    /// neither reply describes a policy that was silently overwritten. Returns the new policy
    /// and the one it replaced; nothing is written when `update` refuses.
    pub async fn update_policy<E>(
        &self,
        guild: GuildId,
        actor: &Actor,
        update: impl FnOnce(Option<GuildPolicy>) -> Result<GuildPolicy, E> + Send,
    ) -> Result<Result<(GuildPolicy, Option<GuildPolicy>), E>, StoreError>
    where
        E: Send,
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
                "SELECT default_expire_seconds, max_expire_seconds FROM guild_policies \
                 WHERE guild_id = $1 FOR UPDATE",
            )
            .bind(guild.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            let previous = previous.map(PolicyRow::into_policy).transpose()?;
            let policy = match update(previous) {
                Ok(p) => p,
                Err(refused) => return Ok::<_, StoreError>(Err(refused)),
            };
            sqlx::query(
                "INSERT INTO guild_policies \
                 (guild_id, default_expire_seconds, max_expire_seconds, updated_by) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (guild_id) DO UPDATE SET \
                 default_expire_seconds = EXCLUDED.default_expire_seconds, \
                 max_expire_seconds = EXCLUDED.max_expire_seconds, \
                 updated_by = EXCLUDED.updated_by, updated_at = now()",
            )
            .bind(guild.to_string())
            .bind(policy.default_expiry().as_secs() as i32)
            .bind(policy.max_expiry().as_secs() as i32)
            .bind(actor.id.clone())
            .execute(&mut *tx)
            .await?;
            let mut detail = policy_json(&policy);
            detail["previous"] = previous.as_ref().map(policy_json).into();
            record_change(&mut tx, guild, actor, AdminAction::PolicySet, detail).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(Ok((policy, previous)))
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

    /// Allowed roles and policy in one round trip: this runs before every `/share`.
    async fn guild_settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError> {
        let row: SettingsRow = retry_on_dead_connection(&self.pool, || {
            sqlx::query_as(
                "SELECT COALESCE((SELECT array_agg(role_id ORDER BY added_at, role_id) \
                                  FROM guild_allowed_roles WHERE guild_id = $1), '{}') AS roles, \
                        p.default_expire_seconds, p.max_expire_seconds \
                 FROM (SELECT 1) AS one \
                 LEFT JOIN guild_policies p ON p.guild_id = $1",
            )
            .bind(guild.to_string())
            .fetch_one(&self.pool)
        })
        .await?;
        let allowed_roles = row
            .roles
            .iter()
            .map(|r| parse_role(r))
            .collect::<Result<_, _>>()?;
        let policy = match (row.default_expire_seconds, row.max_expire_seconds) {
            (Some(default_expire_seconds), Some(max_expire_seconds)) => Some(
                PolicyRow {
                    default_expire_seconds,
                    max_expire_seconds,
                }
                .into_policy()?,
            ),
            _ => None,
        };
        Ok(GuildSettings {
            allowed_roles,
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
    async fn add_allowed_role(
        &self,
        guild: GuildId,
        role: RoleId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        Ok(PgStore::add_allowed_role(self, guild, role, actor).await?)
    }

    async fn remove_allowed_role(
        &self,
        guild: GuildId,
        role: RoleId,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        Ok(PgStore::remove_allowed_role(self, guild, role, actor).await?)
    }

    async fn allowed_roles(&self, guild: GuildId) -> Result<Vec<RoleId>, StorageError> {
        Ok(PgStore::allowed_roles(self, guild).await?)
    }

    async fn policy(&self, guild: GuildId) -> Result<Option<GuildPolicy>, StorageError> {
        Ok(PgStore::policy(self, guild).await?)
    }

    async fn update_policy<F>(
        &self,
        guild: GuildId,
        actor: &Actor,
        update: F,
    ) -> Result<Result<GuildPolicy, PolicyError>, StorageError>
    where
        F: FnOnce(Option<GuildPolicy>) -> Result<GuildPolicy, PolicyError> + Send,
    {
        Ok(PgStore::update_policy(self, guild, actor, update)
            .await?
            .map(|(updated, _previous)| updated))
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
                expire_seconds: r.expire_seconds,
                outcome: r.outcome,
                error_code: r.error_code,
            })
            .collect())
    }
}
