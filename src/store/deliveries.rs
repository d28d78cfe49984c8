//! Interactions acted on (at most once each, whichever replica receives them), kept for a day:
//! far longer than any interaction can be replayed (a signed HTTP delivery is refused after
//! five minutes, an interaction token dies after fifteen).

use super::{PgStore, StoreError, retry_on_dead_connection};
use crate::share::ports::{Deliveries, StorageError};

impl PgStore {
    /// Deletes the record of interactions seen more than a day ago.
    pub async fn prune_deliveries(&self) -> Result<u64, StoreError> {
        let done = self
            .bounded(
                sqlx::query(
                    "DELETE FROM interactions_seen WHERE seen_at < now() - interval '1 day'",
                )
                .execute(&self.pool),
            )
            .await?;
        Ok(done.rows_affected())
    }
}

impl Deliveries for PgStore {
    async fn first_delivery(&self, interaction_id: &str) -> Result<bool, StorageError> {
        let done = self
            .bounded(retry_on_dead_connection(&self.pool, || {
                sqlx::query(
                    "INSERT INTO interactions_seen (interaction_id) VALUES ($1) \
                     ON CONFLICT (interaction_id) DO NOTHING",
                )
                .bind(interaction_id)
                .execute(&self.pool)
            }))
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
