//! Whether the gateway is connected, as `/readyz` asks: fed by the event handler's shard
//! transitions.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Per-shard gateway connection state, shared between the bot's event handler (which reports
/// transitions) and `/readyz`. Cheap to clone.
///
/// Connected means: at least one shard has connected, and every shard seen so far is
/// connected now.
#[derive(Debug, Clone, Default)]
pub struct GatewayStatus {
    shards: Arc<Mutex<BTreeMap<u32, bool>>>,
    /// Set once shutdown begins: a RESUMED arriving during the drain must not make the
    /// process look ready again.
    stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl GatewayStatus {
    pub fn new() -> Self {
        Self::default()
    }

    /// Call on READY / RESUMED (or a shard stage update to `Connected`).
    pub fn shard_connected(&self, shard_id: u32) {
        let stopping = self.stopping.load(std::sync::atomic::Ordering::Acquire);
        self.lock().insert(shard_id, !stopping);
    }

    /// Call when a shard loses its connection, and for every shard when shutting down.
    pub fn shard_disconnected(&self, shard_id: u32) {
        self.lock().insert(shard_id, false);
    }

    /// Marks every known shard disconnected, for good: readiness fails as soon as shutdown
    /// begins and stays failed.
    pub fn all_disconnected(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::Release);
        for connected in self.lock().values_mut() {
            *connected = false;
        }
    }

    pub fn is_connected(&self) -> bool {
        let shards = self.lock();
        !shards.is_empty() && shards.values().all(|c| *c)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u32, bool>> {
        // The map stays consistent even if a holder panicked: every update is one insert.
        self.shards.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_stopping_a_late_resume_does_not_make_it_ready() {
        let g = GatewayStatus::new();
        g.shard_connected(0);
        assert!(g.is_connected());
        g.all_disconnected();
        g.shard_connected(0);
        assert!(!g.is_connected());
    }

    #[test]
    fn gateway_is_ready_only_when_every_known_shard_is_connected() {
        let g = GatewayStatus::new();
        assert!(!g.is_connected(), "no shard has connected yet");
        g.shard_connected(0);
        g.shard_connected(1);
        assert!(g.is_connected());
        g.shard_disconnected(1);
        assert!(!g.is_connected());
        g.shard_connected(1);
        assert!(g.is_connected());
        g.all_disconnected();
        assert!(!g.is_connected());
    }
}
