//! Counts interactions being handled, so shutdown can stop taking new ones and wait (bounded)
//! for those in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct Inflight {
    count: AtomicUsize,
    closed: AtomicBool,
    idle: Notify,
}

/// Held while one interaction is handled.
pub struct InflightGuard(Arc<Inflight>);

impl Drop for InflightGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Inflight {
    /// `None` once shutdown has begun: the caller answers "try again" instead.
    pub fn enter(self: &Arc<Self>) -> Option<InflightGuard> {
        self.count.fetch_add(1, Ordering::AcqRel);
        if self.closed.load(Ordering::Acquire) {
            drop(InflightGuard(self.clone()));
            return None;
        }
        Some(InflightGuard(self.clone()))
    }

    pub fn in_flight(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Refuses new work, then waits up to `bound` for the rest; returns how many were left.
    pub async fn close_and_drain(&self, bound: Duration) -> usize {
        self.closed.store(true, Ordering::Release);
        let drained = tokio::time::timeout(bound, async {
            loop {
                let idle = self.idle.notified();
                if self.count.load(Ordering::Acquire) == 0 {
                    return;
                }
                idle.await;
            }
        })
        .await;
        match drained {
            Ok(()) => 0,
            Err(_) => self.in_flight(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drains_then_refuses() {
        let inflight = Arc::new(Inflight::default());
        let guard = inflight.enter().unwrap();
        let waiter = {
            let inflight = inflight.clone();
            tokio::spawn(async move { inflight.close_and_drain(Duration::from_secs(5)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(inflight.enter().is_none(), "closed to new work");
        drop(guard);
        assert_eq!(waiter.await.unwrap(), 0);
    }

    #[tokio::test]
    async fn the_wait_is_bounded() {
        let inflight = Arc::new(Inflight::default());
        let _stuck = inflight.enter().unwrap();
        assert_eq!(inflight.close_and_drain(Duration::from_millis(50)).await, 1);
    }
}
