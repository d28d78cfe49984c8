//! Interactions being handled, so shutdown can stop taking new ones and wait (bounded) for
//! those in flight. tokio-util's `TaskTracker` does the counting and the waiting; what it adds
//! here is the refusal of new work once closed.

use std::time::Duration;

use tokio_util::task::{TaskTracker, task_tracker::TaskTrackerToken};

#[derive(Debug, Default)]
pub struct Inflight {
    tracker: TaskTracker,
}

/// Held while one interaction is handled.
pub type InflightGuard = TaskTrackerToken;

impl Inflight {
    /// `None` once shutdown has begun: the caller answers "try again" instead. One that
    /// enters as shutdown begins is still waited for.
    pub fn enter(&self) -> Option<InflightGuard> {
        (!self.tracker.is_closed()).then(|| self.tracker.token())
    }

    pub fn in_flight(&self) -> usize {
        self.tracker.len()
    }

    /// Refuses new work, then waits up to `bound` for the rest; returns how many were left.
    pub async fn close_and_drain(&self, bound: Duration) -> usize {
        self.tracker.close();
        match tokio::time::timeout(bound, self.tracker.wait()).await {
            Ok(()) => 0,
            Err(_) => self.in_flight(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn drains_then_refuses() {
        let inflight = Arc::new(Inflight::default());
        let guard = inflight.enter().unwrap();
        assert_eq!(inflight.in_flight(), 1);
        let waiter = {
            let inflight = inflight.clone();
            tokio::spawn(async move { inflight.close_and_drain(Duration::from_secs(5)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(inflight.enter().is_none(), "closed to new work");
        assert!(!waiter.is_finished(), "waits for the one in flight");
        drop(guard);
        assert_eq!(waiter.await.unwrap(), 0);
    }

    #[tokio::test]
    async fn the_wait_is_bounded() {
        let inflight = Inflight::default();
        let _stuck = inflight.enter().unwrap();
        assert_eq!(inflight.close_and_drain(Duration::from_millis(50)).await, 1);
    }
}
