//! The write-ahead audit log: one row per share attempt, written `pending` before GetToken is
//! called and completed afterwards; export, retention and the cleanup of abandoned rows.

use std::borrow::Cow;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::{Stream, TryStreamExt};
use serde::{Serialize, Serializer};
use sqlx::Postgres;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;

use super::{PgStore, StoreError, retry_on_dead_connection};
use crate::share::ports::{AuditAttempt, AuditBegin, AuditCompletion, AuditLog, StorageError};
use crate::share::{GuildId, UserId};

/// Rows deleted per statement by [`PgStore::prune`]: small enough that each statement holds
/// its locks and WAL briefly, large enough that a year of backlog goes in a few hundred.
pub const PRUNE_BATCH_ROWS: i64 = 5_000;

/// A pending row older than this belongs to a process that died mid-request: GetToken is
/// bounded by `aliyun.deadline` (seconds), so no live request can still own it.
pub const STALE_PENDING_AFTER: Duration = Duration::from_secs(15 * 60);

/// Completion retries after the first attempt, and the first pause (then ×4: 200 ms, 800 ms).
const COMPLETION_RETRIES: usize = 2;
const COMPLETION_FIRST_PAUSE: Duration = Duration::from_millis(200);

/// Longest retention honoured; beyond it the cut-off would leave PostgreSQL's date range.
const MAX_RETENTION_DAYS: u32 = 1_000_000;

/// Most rows [`PgStore::recent`] returns, whatever the caller asks.
const RECENT_MAX_ROWS: i64 = 1_000;

/// Export columns, in order: the audit log's fields (`docs/operations.md`), then
/// `completed_at`. JSON keys and CSV headers are these names; [`AuditRow::column_values`]
/// yields values in the same order.
pub const AUDIT_COLUMNS: [&str; 20] = [
    "interaction_id",
    "created_at",
    "guild_id",
    "channel_id",
    "user_id",
    "user_name",
    "target_type",
    "target_id",
    "target_name",
    "workspace_id",
    "requested_expire_seconds",
    "expire_seconds",
    "outcome",
    "error_code",
    "request_id",
    "latency_ms",
    "token_sha256",
    "reason",
    "approved_by",
    "completed_at",
];

/// `SELECT <the AuditRow columns> FROM audit_log <tail>`, as one static string.
macro_rules! select_rows {
    ($tail:literal) => {
        concat!(
            "SELECT interaction_id, created_at, guild_id, channel_id, user_id, user_name, ",
            "target_type, target_id, target_name, workspace_id, requested_expire_seconds, ",
            "expire_seconds, outcome, ",
            "error_code, request_id, latency_ms, token_sha256, reason, approved_by, ",
            "completed_at FROM audit_log ",
            $tail
        )
    };
}

/// One audit row as stored. `outcome` is an `AuditOutcome` code, or `pending` while the
/// attempt is in flight. Ids are strings: snowflakes exceed JSON's safe integers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct AuditRow {
    pub interaction_id: String,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    pub user_id: String,
    pub user_name: String,
    pub target_type: String,
    pub target_id: String,
    /// The target's display name from the look-up; untrusted text.
    pub target_name: Option<String>,
    pub workspace_id: Option<String>,
    pub requested_expire_seconds: Option<i64>,
    pub expire_seconds: Option<i64>,
    pub outcome: String,
    pub error_code: Option<String>,
    pub request_id: Option<String>,
    pub latency_ms: Option<i64>,
    pub token_sha256: Option<String>,
    /// The member's reason, as typed.
    pub reason: Option<String>,
    /// Who approved or denied the request.
    pub approved_by: Option<String>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub completed_at: Option<DateTime<Utc>>,
}

/// RFC 3339 in UTC with microseconds, PostgreSQL's precision: `2025-01-02T03:04:05.123456Z`.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_timestamp(t))
}

fn rfc3339_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

impl AuditRow {
    /// The values of [`AUDIT_COLUMNS`], in order, as text; `None` for SQL NULL.
    pub fn column_values(&self) -> [Option<Cow<'_, str>>; 20] {
        fn text(s: &Option<String>) -> Option<Cow<'_, str>> {
            s.as_deref().map(Cow::Borrowed)
        }
        let num = |n: Option<i64>| n.map(|n| Cow::Owned(n.to_string()));
        [
            Some(Cow::Borrowed(self.interaction_id.as_str())),
            Some(Cow::Owned(format_timestamp(&self.created_at))),
            text(&self.guild_id),
            text(&self.channel_id),
            Some(Cow::Borrowed(self.user_id.as_str())),
            Some(Cow::Borrowed(self.user_name.as_str())),
            Some(Cow::Borrowed(self.target_type.as_str())),
            Some(Cow::Borrowed(self.target_id.as_str())),
            text(&self.target_name),
            text(&self.workspace_id),
            num(self.requested_expire_seconds),
            num(self.expire_seconds),
            Some(Cow::Borrowed(self.outcome.as_str())),
            text(&self.error_code),
            text(&self.request_id),
            num(self.latency_ms),
            text(&self.token_sha256),
            text(&self.reason),
            text(&self.approved_by),
            self.completed_at
                .as_ref()
                .map(|t| Cow::Owned(format_timestamp(t))),
        ]
    }
}

/// Which rows an export covers; every field narrows it, `Default` exports everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only rows created at or after this instant.
    pub since: Option<DateTime<Utc>>,
    pub guild: Option<GuildId>,
    /// A Discord user id, or an operator login for `token` rows.
    pub user: Option<String>,
}

/// Binds `$1..=$12`: the part of a row known before anything is decided (`reason`, then what
/// the look-up said, last).
pub(super) fn bind_attempt<'q>(
    query: Query<'q, Postgres, PgArguments>,
    a: &AuditAttempt,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(a.interaction_id.clone())
        .bind(a.guild_id.map(|g| g.to_string()))
        .bind(a.channel_id.map(|c| c.to_string()))
        .bind(a.user_id.clone())
        .bind(a.user_name.clone())
        .bind(a.target_type.as_str())
        .bind(a.target_id.clone())
        .bind(a.requested_expire_seconds)
        .bind(a.expire_seconds)
        .bind(a.reason.clone())
        .bind(a.target_name.clone())
        .bind(a.workspace_id.clone())
}

/// Binds the completion fields after whatever the query has bound so far.
fn bind_completion<'q>(
    query: Query<'q, Postgres, PgArguments>,
    c: &AuditCompletion,
) -> Query<'q, Postgres, PgArguments> {
    query
        .bind(c.outcome.as_str())
        .bind(c.error_code.as_ref().map(|code| code.as_str().to_owned()))
        .bind(c.request_id.clone())
        .bind(c.latency_ms)
        .bind(c.token_sha256.clone())
}

/// A fresh insert is a new attempt; a conflict on the interaction id is a replay.
fn begin_result(rows_affected: u64) -> AuditBegin {
    if rows_affected == 1 {
        AuditBegin::Started
    } else {
        AuditBegin::Replayed
    }
}

/// The write-ahead row of a share: the attempt's twelve columns, `pending` by default. Public for
/// `examples/stack_floor.rs`, which measures the stack with the bot's own statements.
pub const INSERT_PENDING: &str = "INSERT INTO audit_log (interaction_id, guild_id, channel_id, \
     user_id, user_name, target_type, target_id, requested_expire_seconds, expire_seconds, reason, \
     target_name, workspace_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (interaction_id) DO NOTHING";

/// Completes a `pending` row: `$1` the interaction id, `$2`–`$6` the completion's outcome,
/// error code, request id, latency and token fingerprint, `$7` the granted lifetime if known.
pub const COMPLETE_PENDING: &str = "UPDATE audit_log SET outcome = $2, error_code = $3, \
     request_id = $4, latency_ms = $5, token_sha256 = $6, \
     expire_seconds = COALESCE($7, expire_seconds), completed_at = now() \
     WHERE interaction_id = $1 AND outcome = 'pending'";

impl PgStore {
    async fn insert_pending(&self, a: &AuditAttempt) -> Result<AuditBegin, StoreError> {
        let done = retry_on_dead_connection(&self.pool, || {
            bind_attempt(sqlx::query(INSERT_PENDING), a).execute(&self.pool)
        })
        .await?;
        Ok(begin_result(done.rows_affected()))
    }

    async fn complete_pending(&self, id: &str, c: &AuditCompletion) -> Result<(), StoreError> {
        let done = retry_on_dead_connection(&self.pool, || {
            let query = sqlx::query(COMPLETE_PENDING).bind(id.to_owned());
            bind_completion(query, c)
                .bind(c.expire_seconds)
                .execute(&self.pool)
        })
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotPending(id.to_owned()));
        }
        Ok(())
    }

    async fn insert_complete(
        &self,
        a: &AuditAttempt,
        c: &AuditCompletion,
    ) -> Result<AuditBegin, StoreError> {
        let done = retry_on_dead_connection(&self.pool, || {
            let query = sqlx::query(
                "INSERT INTO audit_log (interaction_id, guild_id, channel_id, user_id, user_name, \
                 target_type, target_id, requested_expire_seconds, expire_seconds, reason, \
                 target_name, workspace_id, \
                 outcome, error_code, request_id, latency_ms, token_sha256, completed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                 $13, $14, $15, $16, $17, now()) \
                 ON CONFLICT (interaction_id) DO NOTHING",
            );
            bind_completion(bind_attempt(query, a), c).execute(&self.pool)
        })
        .await?;
        Ok(begin_result(done.rows_affected()))
    }

    /// Streams the rows matching `filter`, oldest first. Rows arrive as PostgreSQL sends them
    /// (`fetch`, never `fetch_all`), so memory stays flat however many there are.
    pub fn export(
        &self,
        filter: &AuditFilter,
    ) -> impl Stream<Item = Result<AuditRow, StoreError>> + Send + '_ {
        sqlx::query_as::<_, AuditRow>(select_rows!(
            "WHERE ($1::timestamptz IS NULL OR created_at >= $1) \
             AND ($2::text IS NULL OR guild_id = $2) \
             AND ($3::text IS NULL OR user_id = $3) \
             ORDER BY created_at, id"
        ))
        .bind(filter.since)
        .bind(filter.guild.map(|g| g.to_string()))
        .bind(filter.user.clone())
        .fetch(&self.pool)
        .map_err(StoreError::from)
    }

    /// A guild's latest rows, newest first, optionally for one user (`/share-admin audit`).
    /// `limit` is clamped to 1..=1000.
    pub async fn recent(
        &self,
        guild: GuildId,
        user: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let rows = self
            .bounded(
                sqlx::query_as::<_, AuditRow>(select_rows!(
                    "WHERE guild_id = $1 AND ($2::text IS NULL OR user_id = $2) \
                 ORDER BY created_at DESC, id DESC LIMIT $3"
                ))
                .bind(guild.to_string())
                .bind(user.map(|u| u.to_string()))
                .bind(limit.clamp(1, RECENT_MAX_ROWS))
                .fetch_all(&self.pool),
            )
            .await?;
        Ok(rows)
    }

    /// Deletes rows older than `retention_days`, [`PRUNE_BATCH_ROWS`] per statement until none
    /// is left, and returns how many went. `0` keeps rows forever rather than deleting all.
    pub async fn prune(&self, retention_days: u32) -> Result<u64, StoreError> {
        if retention_days == 0 {
            return Ok(0);
        }
        let days = i32::try_from(retention_days.min(MAX_RETENTION_DAYS)).unwrap_or(i32::MAX);
        let mut total = 0;
        loop {
            let deleted = self
                .bounded(
                    sqlx::query(
                        "DELETE FROM audit_log WHERE id IN (\
                     SELECT id FROM audit_log \
                     WHERE created_at < now() - make_interval(days => $1) LIMIT $2)",
                    )
                    .bind(days)
                    .bind(PRUNE_BATCH_ROWS)
                    .execute(&self.pool),
                )
                .await?
                .rows_affected();
            total += deleted;
            if deleted < PRUNE_BATCH_ROWS as u64 {
                return Ok(total);
            }
        }
    }

    /// Closes pending rows older than `older_than` as `internal_error` with error code
    /// `incomplete`: their process died between the write-ahead insert and the completion.
    /// Whether a token was issued is unknown; the row says so rather than staying pending.
    /// An approved request is pending again from its claim on, so its age counts from then.
    pub async fn close_stale_pending(&self, older_than: Duration) -> Result<u64, StoreError> {
        let done = self
            .bounded(
                sqlx::query(
                    "UPDATE audit_log SET outcome = 'internal_error', error_code = 'incomplete', \
                 completed_at = now() \
                 WHERE outcome = 'pending' AND created_at < now() - make_interval(secs => $1) \
                 AND NOT EXISTS (SELECT 1 FROM approvals a \
                   WHERE a.interaction_id = audit_log.interaction_id \
                   AND a.claimed_at >= now() - make_interval(secs => $1))",
                )
                .bind(older_than.as_secs_f64())
                .execute(&self.pool),
            )
            .await?;
        Ok(done.rows_affected())
    }

    /// One pass of the periodic job: close abandoned pending rows, prune, and drop rate-limit
    /// cells back to full capacity.
    pub async fn retention_pass(&self, retention_days: u32) -> Result<RetentionReport, StoreError> {
        let closed_stale = self.close_stale_pending(STALE_PENDING_AFTER).await?;
        let pruned = self.prune(retention_days).await?;
        let rate_limits_pruned = self.prune_rate_limits().await?;
        let deliveries_pruned = self.prune_deliveries().await?;
        Ok(RetentionReport {
            closed_stale,
            pruned,
            rate_limits_pruned,
            deliveries_pruned,
        })
    }
}

/// What one [`PgStore::retention_pass`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Pending rows closed as `internal_error` / `incomplete`.
    pub closed_stale: u64,
    /// Rows deleted past retention.
    pub pruned: u64,
    /// Shared rate-limit cells deleted because they were back to full capacity.
    pub rate_limits_pruned: u64,
    /// Records of interactions seen more than a day ago.
    pub deliveries_pruned: u64,
}

/// The running bot's periodic job: every `every` (first pass at once), closes pending rows
/// abandoned for [`STALE_PENDING_AFTER`], prunes rows older than `retention_days` and drops
/// rate-limit cells back to full capacity, and forgets interactions seen more than a day ago.
/// Failures are logged and retried next time. Never ends; drop (or abort) it to stop it.
pub async fn retention(store: PgStore, retention_days: u32, every: Duration) {
    let every = every.max(Duration::from_secs(1));
    {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match store.retention_pass(retention_days).await {
                Ok(r) if r.closed_stale > 0 || r.pruned > 0 => tracing::info!(
                    closed_stale = r.closed_stale,
                    pruned = r.pruned,
                    rate_limits_pruned = r.rate_limits_pruned,
                    retention_days,
                    "audit retention pass"
                ),
                // Rate-limit cells come and go all day: not worth an info line each hour.
                Ok(r) => tracing::debug!(
                    retention_days,
                    rate_limits_pruned = r.rate_limits_pruned,
                    "audit retention pass: no audit row to close or prune"
                ),
                Err(e) => {
                    tracing::warn!(error = %super::error_chain(&e), "audit retention pass failed")
                }
            }
        }
    }
}

impl AuditLog for PgStore {
    async fn begin(&self, attempt: &AuditAttempt) -> Result<AuditBegin, StorageError> {
        Ok(self.bounded(self.insert_pending(attempt)).await?)
    }

    async fn complete(
        &self,
        interaction_id: &str,
        completion: &AuditCompletion,
    ) -> Result<(), StorageError> {
        // The row already proves the attempt, and without its completion the member gets no
        // link: a passing failure (a dead pooled connection, no free connection) is
        // worth a few tries while they wait on the deferral. `NotPending` is final — the row
        // was completed or closed meanwhile — and so is a silent server (`TimedOut`): waiting
        // on it again would break the 15 s in which a /share must fail closed.
        let attempt = || self.bounded(self.complete_pending(interaction_id, completion));
        let pauses = ExponentialBuilder::default()
            .with_min_delay(COMPLETION_FIRST_PAUSE)
            .with_factor(4.0)
            .with_max_times(COMPLETION_RETRIES);
        Ok(attempt
            .retry(pauses)
            .when(|e| !matches!(e, StoreError::NotPending(_) | StoreError::TimedOut(_)))
            .notify(|e, pause| {
                tracing::warn!(error = %super::error_chain(e), pause_ms = pause.as_millis() as u64, "audit completion failed; retrying");
            })
            .await?)
    }

    async fn record(
        &self,
        attempt: &AuditAttempt,
        completion: &AuditCompletion,
    ) -> Result<AuditBegin, StorageError> {
        Ok(self
            .bounded(self.insert_complete(attempt, completion))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> AuditRow {
        AuditRow {
            interaction_id: "1".into(),
            created_at: DateTime::from_timestamp(1_700_000_000, 123_456_000).unwrap(),
            guild_id: Some("10".into()),
            channel_id: None,
            user_id: "20".into(),
            user_name: "a, \"b\"".into(),
            target_type: "job".into(),
            target_id: "dlc-1".into(),
            target_name: Some("**train** <@1>".into()),
            workspace_id: Some("1001".into()),
            requested_expire_seconds: None,
            expire_seconds: Some(3600),
            outcome: "issued".into(),
            error_code: None,
            request_id: Some("RID".into()),
            latency_ms: Some(12),
            token_sha256: Some("ab".repeat(32)),
            reason: Some("=cmd|' /C calc'!A0".into()),
            approved_by: None,
            completed_at: None,
        }
    }

    #[test]
    fn json_keys_follow_the_export_columns() {
        let v = serde_json::to_value(row()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = AUDIT_COLUMNS.to_vec();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        assert_eq!(v["created_at"], "2023-11-14T22:13:20.123456Z");
        assert_eq!(v["completed_at"], serde_json::Value::Null);
        assert_eq!(v["expire_seconds"], 3600);
    }

    #[test]
    fn column_values_line_up_with_the_json_fields() {
        let r = row();
        let v = serde_json::to_value(&r).unwrap();
        for (name, value) in AUDIT_COLUMNS.iter().zip(r.column_values()) {
            let expected = match &v[name] {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
            assert_eq!(value.map(Cow::into_owned), expected, "{name}");
        }
    }
}
