//! The bot's periodic jobs (retention, the approvals sweeper, the rate limiter's eviction) in
//! one place. None of them ever ends on its own: one that panics or returns is logged at ERROR
//! and the process is stopped, so the orchestrator restarts it instead of the bot running on
//! without, say, its approvals sweeper.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use tokio::task::{Id, JoinSet};

/// The running jobs, by name.
#[derive(Default)]
pub struct Background {
    tasks: JoinSet<()>,
    names: HashMap<Id, &'static str>,
}

impl Background {
    /// Runs `job` until [`shutdown`](Self::shutdown); it is not expected to end before.
    pub fn spawn(&mut self, name: &'static str, job: impl Future<Output = ()> + Send + 'static) {
        let handle = self.tasks.spawn(job);
        self.names.insert(handle.id(), name);
    }

    /// Resolves when the first job ends, having logged it at ERROR; the job's name. Pending
    /// forever while they all run (and when there are none).
    pub async fn first_to_end(&mut self) -> &'static str {
        let Some(ended) = self.tasks.join_next_with_id().await else {
            return std::future::pending().await;
        };
        let (id, panic) = match ended {
            Ok((id, ())) => (id, None),
            Err(e) => (e.id(), e.is_panic().then(|| panic_message(e.into_panic()))),
        };
        let name = self.names.get(&id).copied().unwrap_or("unknown");
        match panic {
            Some(message) => {
                tracing::error!(job = name, panic = %message, "a background job panicked; stopping")
            }
            None => tracing::error!(job = name, "a background job ended; stopping"),
        }
        name
    }

    /// Stops every job and waits for them, for at most `bound`.
    pub async fn shutdown(mut self, bound: Duration) {
        self.tasks.abort_all();
        let joined = tokio::time::timeout(bound, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if joined.is_err() {
            tracing::warn!(
                left = self.tasks.len(),
                "background jobs still running at the bound"
            );
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_that_ends_or_panics_is_named_and_the_rest_are_stopped() {
        let mut jobs = Background::default();
        jobs.spawn("forever", std::future::pending());
        jobs.spawn("returns", async {});
        assert_eq!(jobs.first_to_end().await, "returns");
        jobs.spawn("panics", async { panic!("boom") });
        assert_eq!(jobs.first_to_end().await, "panics");
        tokio::time::timeout(
            Duration::from_secs(1),
            jobs.shutdown(Duration::from_secs(1)),
        )
        .await
        .expect("the pending job is aborted");
    }

    #[tokio::test]
    async fn with_no_job_nothing_ends() {
        let mut jobs = Background::default();
        let waited = tokio::time::timeout(Duration::from_millis(50), jobs.first_to_end()).await;
        assert!(waited.is_err());
    }
}
