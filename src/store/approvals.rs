//! Approvals in PostgreSQL. Every transition is one compare-and-set `UPDATE …
//! WHERE status = … AND expires_at > now()` in the same transaction as the matching change to
//! the share's audit row: whatever the number of replicas, clicks and clocks, one decision
//! wins and at most one claim issues a token. Time is the database's.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{PgConnection, Postgres, Transaction};

use super::audit::bind_attempt;
use super::{PgStore, StoreError};
use crate::share::ports::{Actor, AuditAttempt, AuditOutcome, StorageError};
use crate::share::{
    Approval, ApprovalAction, ApprovalId, ApprovalStatus, ApprovalStore, Card, DecisionNotice,
    ErrorCode, Expiry, NewApproval, Opened, RequesterReply, TargetId, TargetType, Transition,
    UserId,
};

/// The columns [`ApprovalRow`] reads, for `concat!` (sqlx takes only static SQL).
macro_rules! approval_columns {
    () => {
        "id, interaction_id, guild_id, requester_id, target_type, target_id, expire_seconds, \
         reason, status, decided_by, expires_at, target_name, workspace_id"
    };
}

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    id: i64,
    interaction_id: String,
    guild_id: String,
    requester_id: String,
    target_type: String,
    target_id: String,
    expire_seconds: i32,
    reason: Option<String>,
    status: String,
    decided_by: Option<String>,
    expires_at: DateTime<Utc>,
    target_name: Option<String>,
    workspace_id: Option<String>,
}

impl ApprovalRow {
    fn into_approval(self) -> Result<Approval, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("approval {}: {what}", self.id));
        Ok(Approval {
            id: ApprovalId(self.id),
            guild: self.guild_id.parse().map_err(|_| corrupt("guild id"))?,
            requester: self
                .requester_id
                .parse()
                .map_err(|_| corrupt("requester"))?,
            target_type: self
                .target_type
                .parse::<TargetType>()
                .map_err(|_| corrupt("target type"))?,
            target_id: TargetId::parse(&self.target_id).map_err(|_| corrupt("target id"))?,
            expiry: u32::try_from(self.expire_seconds)
                .ok()
                .and_then(|s| Expiry::from_secs(s, Expiry::HARD_MAX).ok())
                .ok_or_else(|| corrupt("expiry"))?,
            reason: self.reason.clone(),
            status: ApprovalStatus::parse(&self.status).ok_or_else(|| corrupt("status"))?,
            decided_by: self
                .decided_by
                .as_deref()
                .map(|d| d.parse::<UserId>())
                .transpose()
                .map_err(|_| corrupt("decided_by"))?,
            expires_at: self.expires_at,
            target_name: self.target_name,
            workspace_id: self.workspace_id,
            interaction_id: self.interaction_id,
        })
    }
}

fn rows(rows: Vec<ApprovalRow>) -> Result<Vec<Approval>, StoreError> {
    rows.into_iter().map(ApprovalRow::into_approval).collect()
}

/// How long Discord honours an interaction token: the requester's is kept no longer.
pub const REQUESTER_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Expires the open approvals past their time (all, or one), with their audit rows and an
/// `approval_events` row each; returns them.
async fn expire_where(
    tx: &mut Transaction<'_, Postgres>,
    only: Option<ApprovalId>,
) -> Result<Vec<Approval>, StoreError> {
    let expired: Vec<ApprovalRow> = sqlx::query_as(concat!(
        "UPDATE approvals SET status = 'expired', requester_token = NULL \
         WHERE status IN ('pending', 'approved') AND expires_at <= now() \
         AND ($1::bigint IS NULL OR id = $1) RETURNING ",
        approval_columns!(),
        ""
    ))
    .bind(only.map(|i| i.0))
    .fetch_all(&mut **tx)
    .await?;
    if expired.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = expired.iter().map(|r| r.id).collect();
    // Approved ones were decided but never claimed.
    sqlx::query(
        "UPDATE audit_log l SET outcome = 'approval_expired', completed_at = now(), \
         error_code = CASE WHEN a.decided_by IS NULL THEN 'not_decided' ELSE 'not_claimed' END \
         FROM approvals a WHERE a.id = ANY($1) AND l.interaction_id = a.interaction_id \
         AND l.outcome = 'pending_approval'",
    )
    .bind(&ids)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO approval_events (approval_id, actor_id, actor_name, action, result) \
         SELECT unnest($1::bigint[]), 'system', 'share.approval_timeout', 'expire', 'expired'",
    )
    .bind(&ids)
    .execute(&mut **tx)
    .await?;
    rows(expired)
}

/// What a compare-and-set that matched nothing means: gone, expired now, or decided by
/// someone else.
async fn after_lost_race(
    tx: &mut Transaction<'_, Postgres>,
    id: ApprovalId,
) -> Result<Transition, StoreError> {
    if let Some(expired) = expire_where(tx, Some(id)).await?.pop() {
        return Ok(Transition::Expired(expired));
    }
    let current: Option<ApprovalRow> = sqlx::query_as(concat!(
        "SELECT ",
        approval_columns!(),
        " FROM approvals WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match current.map(ApprovalRow::into_approval).transpose()? {
        None => Transition::NotFound,
        Some(a) if a.status == ApprovalStatus::Expired => Transition::Expired(a),
        Some(a) => Transition::Lost(a),
    })
}

async fn won(tx: Transaction<'_, Postgres>, row: ApprovalRow) -> Result<Transition, StoreError> {
    tx.commit().await?;
    Ok(Transition::Won(row.into_approval()?))
}

impl PgStore {
    async fn open_approval_tx(
        &self,
        a: &AuditAttempt,
        new: &NewApproval,
    ) -> Result<Opened, StoreError> {
        let mut tx = self.pool.begin().await?;
        // `expire_seconds` (granted) is empty from the flow: granted only at the claim, when
        // the completion writes the token's lifetime.
        let query = sqlx::query(
            "INSERT INTO audit_log (interaction_id, guild_id, channel_id, user_id, user_name, \
             target_type, target_id, requested_expire_seconds, expire_seconds, reason, \
             target_name, workspace_id, outcome, latency_ms, completed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             'pending_approval', 0, now()) \
             ON CONFLICT (interaction_id) DO NOTHING",
        );
        let inserted = bind_attempt(query, a)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 0 {
            return Ok(Opened::Replayed);
        }
        let guild = a
            .guild_id
            .ok_or_else(|| StoreError::Corrupt("an approval needs a guild".into()))?;
        let row: ApprovalRow = sqlx::query_as(concat!(
            "INSERT INTO approvals (interaction_id, guild_id, requester_id, target_type, \
             target_id, expire_seconds, reason, expires_at, target_name, workspace_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, now() + $8::interval, $9, $10) \
             RETURNING ",
            approval_columns!(),
            ""
        ))
        .bind(a.interaction_id.clone())
        .bind(guild.to_string())
        .bind(a.user_id.clone())
        .bind(a.target_type.as_str())
        .bind(new.target_id.as_str())
        .bind(new.expiry.as_secs() as i32)
        .bind(a.reason.clone())
        .bind(new.timeout)
        .bind(a.target_name.clone())
        .bind(a.workspace_id.clone())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Opened::Started(row.into_approval()?))
    }

    async fn decide_tx(
        &self,
        id: ApprovalId,
        approve: bool,
        by: &Actor,
        timeout: Duration,
    ) -> Result<Transition, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<ApprovalRow> = sqlx::query_as(concat!(
            "UPDATE approvals SET status = CASE WHEN $2 THEN 'approved' ELSE 'denied' END, \
             decided_by = $3, decided_at = now(), \
             expires_at = CASE WHEN $2 THEN now() + $4::interval ELSE expires_at END \
             WHERE id = $1 AND status = 'pending' AND expires_at > now() \
             RETURNING ",
            approval_columns!(),
            ""
        ))
        .bind(id.0)
        .bind(approve)
        .bind(by.id.clone())
        .bind(timeout)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let lost = after_lost_race(&mut tx, id).await?;
            tx.commit().await?;
            return Ok(lost);
        };
        let audit = if approve {
            // Still waiting for the claim; the approver is on the row already.
            "UPDATE audit_log SET approved_by = $2 WHERE interaction_id = $1"
        } else {
            "UPDATE audit_log SET outcome = 'denied_approval', error_code = 'denied', \
             approved_by = $2, completed_at = now() WHERE interaction_id = $1"
        };
        sqlx::query(audit)
            .bind(row.interaction_id.clone())
            .bind(by.id.clone())
            .execute(&mut *tx)
            .await?;
        won(tx, row).await
    }

    async fn claim_tx(&self, id: ApprovalId, by: UserId) -> Result<Transition, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<ApprovalRow> = sqlx::query_as(concat!(
            "UPDATE approvals SET status = 'claimed', claimed_at = now(), requester_token = NULL \
             WHERE id = $1 AND status = 'approved' AND requester_id = $2 AND expires_at > now() \
             RETURNING ",
            approval_columns!(),
            ""
        ))
        .bind(id.0)
        .bind(by.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let lost = after_lost_race(&mut tx, id).await?;
            tx.commit().await?;
            return Ok(lost);
        };
        // Write-ahead again: the row is `pending` while GetToken runs, completed after.
        let reopened = sqlx::query(
            "UPDATE audit_log SET outcome = 'pending', completed_at = NULL \
             WHERE interaction_id = $1 AND outcome = 'pending_approval'",
        )
        .bind(row.interaction_id.clone())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if reopened != 1 {
            return Err(StoreError::Corrupt(format!(
                "approval {id}: its audit row is not pending_approval"
            )));
        }
        won(tx, row).await
    }

    async fn refuse_tx(
        &self,
        id: ApprovalId,
        from: ApprovalStatus,
        by: &Actor,
        outcome: AuditOutcome,
        code: ErrorCode,
    ) -> Result<Transition, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<ApprovalRow> = sqlx::query_as(concat!(
            "UPDATE approvals SET status = 'refused', requester_token = NULL, \
             decided_by = COALESCE(decided_by, $3), decided_at = COALESCE(decided_at, now()) \
             WHERE id = $1 AND status = $2 AND expires_at > now() \
             RETURNING ",
            approval_columns!(),
            ""
        ))
        .bind(id.0)
        .bind(from.as_str())
        .bind(by.id.clone())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            let lost = after_lost_race(&mut tx, id).await?;
            tx.commit().await?;
            return Ok(lost);
        };
        sqlx::query(
            "UPDATE audit_log SET outcome = $2, error_code = $3, \
             approved_by = COALESCE(approved_by, $4), completed_at = now() \
             WHERE interaction_id = $1 AND outcome = 'pending_approval'",
        )
        .bind(row.interaction_id.clone())
        .bind(outcome.as_str())
        .bind(code.as_str())
        .bind(by.id.clone())
        .execute(&mut *tx)
        .await?;
        won(tx, row).await
    }

    /// `(action, actor_id, result)` of an approval's events, oldest first.
    pub async fn approval_events(
        &self,
        id: ApprovalId,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        self.bounded(
            sqlx::query_as(
                "SELECT action, actor_id, result FROM approval_events WHERE approval_id = $1 \
                 ORDER BY id",
            )
            .bind(id.0)
            .fetch_all(&self.pool),
        )
        .await
    }
}

fn card_of(
    channel: Option<String>,
    message: Option<String>,
    locale: Option<String>,
) -> Option<Card> {
    Some(Card {
        channel: channel?.parse().ok()?,
        message: message?.parse().ok()?,
        locale,
    })
}

async fn record(
    conn: &mut PgConnection,
    id: ApprovalId,
    actor: &Actor,
    action: ApprovalAction,
    result: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO approval_events (approval_id, actor_id, actor_name, action, result) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.0)
    .bind(actor.id.clone())
    .bind(actor.name.clone())
    .bind(action.as_str())
    .bind(result)
    .execute(conn)
    .await?;
    Ok(())
}

impl ApprovalStore for PgStore {
    async fn open_approval(
        &self,
        attempt: &AuditAttempt,
        approval: &NewApproval,
    ) -> Result<Opened, StorageError> {
        Ok(self
            .bounded(self.open_approval_tx(attempt, approval))
            .await?)
    }

    async fn approval(&self, id: ApprovalId) -> Result<Option<Approval>, StorageError> {
        let row: Option<ApprovalRow> = self
            .bounded(
                sqlx::query_as(concat!(
                    "SELECT ",
                    approval_columns!(),
                    " FROM approvals WHERE id = $1"
                ))
                .bind(id.0)
                .fetch_optional(&self.pool),
            )
            .await?;
        Ok(row.map(ApprovalRow::into_approval).transpose()?)
    }

    async fn decide(
        &self,
        id: ApprovalId,
        approve: bool,
        by: &Actor,
        timeout: Duration,
    ) -> Result<Transition, StorageError> {
        Ok(self
            .bounded(self.decide_tx(id, approve, by, timeout))
            .await?)
    }

    async fn claim(&self, id: ApprovalId, by: UserId) -> Result<Transition, StorageError> {
        Ok(self.bounded(self.claim_tx(id, by)).await?)
    }

    async fn refuse(
        &self,
        id: ApprovalId,
        from: ApprovalStatus,
        by: &Actor,
        outcome: AuditOutcome,
        code: ErrorCode,
    ) -> Result<Transition, StorageError> {
        Ok(self
            .bounded(self.refuse_tx(id, from, by, outcome, code))
            .await?)
    }

    async fn attach_card(
        &self,
        id: ApprovalId,
        card: &Card,
        requester: &RequesterReply,
    ) -> Result<(), StorageError> {
        self.bounded(
            sqlx::query(
                "UPDATE approvals SET card_channel_id = $2, card_message_id = $3, \
                 requester_token = $4, card_locale = left($5, 16), \
                 requester_locale = left($6, 16) WHERE id = $1",
            )
            .bind(id.0)
            .bind(card.channel.to_string())
            .bind(card.message.to_string())
            .bind(requester.token.expose_secret().to_owned())
            .bind(card.locale.as_deref())
            .bind(requester.locale.as_deref())
            .execute(&self.pool),
        )
        .await?;
        Ok(())
    }

    async fn abandon(&self, id: ApprovalId) -> Result<(), StorageError> {
        self.bounded(async {
            let mut tx = self.pool.begin().await?;
            sqlx::query(
                "UPDATE approvals SET expires_at = now() WHERE id = $1 AND status = 'pending'",
            )
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            expire_where(&mut tx, Some(id)).await?;
            sqlx::query(
                "UPDATE audit_log l SET error_code = 'card_not_posted' FROM approvals a \
                 WHERE a.id = $1 AND l.interaction_id = a.interaction_id \
                 AND l.outcome = 'approval_expired'",
            )
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
        .await?;
        Ok(())
    }

    async fn card(&self, id: ApprovalId) -> Result<Option<Card>, StorageError> {
        let row: Option<(Option<String>, Option<String>, Option<String>)> = self
            .bounded(
                sqlx::query_as(
                    "SELECT card_channel_id, card_message_id, card_locale FROM approvals \
                     WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&self.pool),
            )
            .await?;
        Ok(row.and_then(|(c, m, l)| card_of(c, m, l)))
    }

    /// The token is cleared in the same statement that hands it out, and handed out only
    /// within [`REQUESTER_TOKEN_LIFETIME`] of the request.
    async fn take_decision_notice(&self, id: ApprovalId) -> Result<DecisionNotice, StorageError> {
        type Row = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = self
            .bounded(
                sqlx::query_as(
                    "WITH old AS (SELECT id, card_channel_id, card_message_id, card_locale, \
                     requester_token, requester_locale FROM approvals WHERE id = $1 FOR UPDATE) \
                     UPDATE approvals a SET requester_token = NULL FROM old WHERE a.id = old.id \
                     RETURNING old.card_channel_id, old.card_message_id, old.card_locale, \
                     CASE WHEN a.created_at > now() - $2::interval \
                          THEN old.requester_token END, \
                     old.requester_locale",
                )
                .bind(id.0)
                .bind(REQUESTER_TOKEN_LIFETIME)
                .fetch_optional(&self.pool),
            )
            .await?;
        let Some((channel, message, card_locale, token, requester_locale)) = row else {
            return Ok(DecisionNotice::default());
        };
        Ok(DecisionNotice {
            card: card_of(channel, message, card_locale),
            requester_token: token.map(SecretString::from),
            requester_locale,
        })
    }

    /// Also forgets requesters' interaction tokens that Discord no longer honours.
    async fn expire_due(&self) -> Result<Vec<Approval>, StorageError> {
        Ok(self
            .bounded(async {
                let mut tx = self.pool.begin().await?;
                let expired = expire_where(&mut tx, None).await?;
                sqlx::query(
                    "UPDATE approvals SET requester_token = NULL \
                     WHERE requester_token IS NOT NULL AND created_at <= now() - $1::interval",
                )
                .bind(REQUESTER_TOKEN_LIFETIME)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok::<_, StoreError>(expired)
            })
            .await?)
    }

    async fn record_event(
        &self,
        id: ApprovalId,
        actor: &Actor,
        action: ApprovalAction,
        result: &str,
    ) -> Result<(), StorageError> {
        Ok(self
            .bounded(async {
                let mut conn = self.pool.acquire().await?;
                record(&mut conn, id, actor, action, result).await
            })
            .await?)
    }
}
