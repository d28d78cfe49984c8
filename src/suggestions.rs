//! The suggestion cache: recent jobs and TensorBoards per guild, listed in the background so
//! that no keystroke waits on (or causes) a ListJobs call of its own.
//!
//! - One entry per guild and target type, filled when someone autocompletes and the entry is
//!   older than `aliyun.suggest_refresh` (or was listed under another workspace rule).
//! - At most one refresh in flight per entry: a spawned task, recorded in the entry. Its pages
//!   are fetched one after the other, so a guild has at most one ListJobs (and one
//!   ListTensorboards) in flight.
//! - An autocomplete with nothing cached yet waits for that refresh at most [`WAIT_AT_MOST`];
//!   with something cached it answers at once from it, stale or not.
//! - A failed refresh is logged and counted, keeps what was cached, and is tried again only
//!   after `aliyun.suggest_refresh`, like a successful one. A workspace that cannot be listed
//!   (a typo in a server's list, one the RAM user may not read) is logged and counted the
//!   same way, without costing the other workspaces their suggestions.
//! - Bounded memory: at most [`MAX_CANDIDATES`] per entry and [`MAX_ENTRIES`] entries (the
//!   least recently used idle one makes room).
//!
//! The cache holds what upstream listed; who may see which of it is decided per answer
//! (`share::suggestion_rule`, `share::choose`), with the settings in force at that moment.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::share::ports::IssueFailure;
use crate::share::{Candidate, GuildId, ListTargets, TargetType, WorkspaceId, WorkspaceRule};
use crate::telemetry::metric;

/// How long an autocomplete waits for a first listing: Discord closes the answer window at
/// 3 s.
pub const WAIT_AT_MOST: Duration = Duration::from_secs(2);

/// Candidates kept per guild and target type, the most recent first. Discord shows 25; these
/// are what a member can find by typing.
pub const MAX_CANDIDATES: usize = 500;

/// Entries per process (a guild and a target type each). With `discord.guilds = ["*"]`
/// any number of guilds may autocomplete; memory stays bounded all the same (the figures are
/// in `docs/performance.md`), and more guilds typing at once than this only cost listings
/// again, never memory.
pub const MAX_ENTRIES: usize = 64;

/// Entries per ListJobs / ListTensorboards page. Alibaba's reference gives no maximum for
/// `PageSize`; 50 is the value its example uses.
pub const PAGE_SIZE: u32 = 50;

/// Recent jobs and TensorBoards per guild. Cloning shares the cache.
pub struct SuggestionCache<L> {
    inner: Arc<Inner<L>>,
}

impl<L> Clone for SuggestionCache<L> {
    fn clone(&self) -> Self {
        SuggestionCache {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<L> {
    lister: L,
    refresh_every: Duration,
    /// Never held across an `.await`.
    entries: Mutex<Entries>,
}

type Key = (GuildId, TargetType);

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Entry>,
    /// Counts uses, to find the least recently used entry.
    uses: u64,
}

#[derive(Default)]
struct Entry {
    candidates: Arc<[Candidate]>,
    /// When the last refresh ended (successfully or not); `None` before the first.
    refreshed: Option<Instant>,
    /// The workspace rule the last refresh was for, whether it succeeded or not: a failure
    /// waits for the refresh interval like a success, rather than listing again per keystroke.
    listed_for: Option<WorkspaceRule>,
    /// Set while a refresh runs; closed when it ends.
    refreshing: Option<watch::Receiver<()>>,
    last_used: u64,
}

impl<L: ListTargets> SuggestionCache<L> {
    pub fn new(lister: L, refresh_every: Duration) -> Self {
        SuggestionCache {
            inner: Arc::new(Inner {
                lister,
                refresh_every,
                entries: Mutex::new(Entries::default()),
            }),
        }
    }

    /// The cached candidates for a guild, most recent first, starting a refresh when they are
    /// due one. Waits only when nothing was ever listed for the guild, and then at most
    /// [`WAIT_AT_MOST`]. Never fails: at worst the answer is empty. `rule` says which
    /// workspaces to list; the caller still filters by it.
    pub async fn candidates(
        &self,
        guild: GuildId,
        target_type: TargetType,
        rule: &WorkspaceRule,
    ) -> Arc<[Candidate]> {
        let key = (guild, target_type);
        let first_listing = {
            let mut entries = self.lock();
            let Some(entry) = entries.entry(key) else {
                // Every entry is being refreshed: nothing can make room now.
                return Arc::from([]);
            };
            let due = entry
                .refreshed
                .is_none_or(|at| at.elapsed() >= self.inner.refresh_every)
                || entry.listed_for.as_ref() != Some(rule);
            if due && entry.refreshing.is_none() {
                let (done, running) = watch::channel(());
                entry.refreshing = Some(running);
                tokio::spawn(self.clone().refresh(key, rule.clone(), done));
            }
            match entry.refreshed {
                None => entry.refreshing.clone(),
                Some(_) => None,
            }
        };
        if let Some(mut running) = first_listing {
            // Resolves when the refresh ends (its sender is dropped) or the wait is over.
            let _ = tokio::time::timeout(WAIT_AT_MOST, running.changed()).await;
        }
        self.lock()
            .map
            .get(&key)
            .map(|e| e.candidates.clone())
            .unwrap_or_else(|| Arc::from([]))
    }

    /// Entries held now (for tests and the memory measurement).
    pub fn entries(&self) -> usize {
        self.lock().map.len()
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves plain data behind; carry on with it.
        self.inner
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lists for `rule` and stores the result in the entry; `done` is dropped at the end, which
    /// releases whoever waits.
    async fn refresh(self, key: Key, rule: WorkspaceRule, done: watch::Sender<()>) {
        let listed = AssertUnwindSafe(list(&self.inner.lister, key.1, &rule))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Listing::failed(panicked()));
        if let Some(failure) = &listed.failure {
            let operation = operation(key.1);
            tracing::warn!(
                guild_id = %key.0,
                operation,
                code = failure.code,
                request_id = failure.request_id.as_deref(),
                "listing suggestions failed; answering from what the cache holds"
            );
            metrics::counter!(
                metric::SUGGEST_REFRESH_FAILURES_TOTAL,
                "operation" => operation,
                "code" => failure.code.clone()
            )
            .increment(1);
        }
        let mut entries = self.lock();
        // Entries being refreshed are never evicted, so it is still there.
        if let Some(entry) = entries.map.get_mut(&key) {
            entry.refreshing = None;
            entry.refreshed = Some(Instant::now());
            entry.listed_for = Some(rule);
            if let Some(candidates) = listed.candidates {
                entry.candidates = candidates.into();
            }
        }
        drop(entries);
        drop(done);
    }
}

impl Entries {
    /// The entry for `key`, made if need be: when the cache is full, the least recently used
    /// entry that is not being refreshed makes room. `None` when none can.
    fn entry(&mut self, key: Key) -> Option<&mut Entry> {
        if !self.map.contains_key(&key) && self.map.len() >= MAX_ENTRIES {
            let idle = self
                .map
                .iter()
                .filter(|(_, e)| e.refreshing.is_none())
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| *k)?;
            self.map.remove(&idle);
        }
        self.uses += 1;
        let entry = self.map.entry(key).or_default();
        entry.last_used = self.uses;
        Some(entry)
    }
}

/// What one refresh got.
struct Listing {
    /// The candidates of every workspace that answered; `None` when none did, so that the
    /// entry keeps what it had.
    candidates: Option<Vec<Candidate>>,
    /// The first failure, to log and count.
    failure: Option<IssueFailure>,
}

impl Listing {
    fn failed(failure: IssueFailure) -> Self {
        Listing {
            candidates: None,
            failure: Some(failure),
        }
    }
}

/// The most recent [`MAX_CANDIDATES`] targets in the workspaces `rule` allows: per workspace
/// (ListJobs takes one `WorkspaceId`), or across all of them when any is allowed. Pages are
/// fetched one after the other.
async fn list<L: ListTargets>(
    lister: &L,
    target_type: TargetType,
    rule: &WorkspaceRule,
) -> Listing {
    let workspaces: Vec<Option<&WorkspaceId>> = match rule {
        WorkspaceRule::Any => vec![None],
        WorkspaceRule::Only(list) => list.iter().map(Some).collect(),
        WorkspaceRule::Unchecked => Vec::new(),
    };
    let mut all = Vec::new();
    let mut answered = workspaces.is_empty();
    let mut failure = None;
    for workspace in workspaces {
        match list_workspace(lister, target_type, workspace).await {
            Ok(listed) => {
                answered = true;
                all.extend(listed);
                // Kept to the newest after each workspace, so that a long list of workspaces
                // never holds more than two workspaces' worth at once.
                keep_newest(&mut all);
            }
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    Listing {
        candidates: answered.then_some(all),
        failure,
    }
}

/// The newest [`MAX_CANDIDATES`] of `all`, each id once. Stable, so entries without a time
/// (TensorBoards) keep upstream's order. A job created while the pages were read shifts the
/// next page by one: the same job can come twice, and Discord would show it twice.
fn keep_newest(all: &mut Vec<Candidate>) {
    all.sort_by_key(|c| std::cmp::Reverse(c.created()));
    let mut seen = HashSet::new();
    all.retain(|c| seen.insert(c.id().to_owned()));
    all.truncate(MAX_CANDIDATES);
}

/// Up to [`MAX_CANDIDATES`] of one workspace (or of all, for `None`), page after page.
async fn list_workspace<L: ListTargets>(
    lister: &L,
    target_type: TargetType,
    workspace: Option<&WorkspaceId>,
) -> Result<Vec<Candidate>, IssueFailure> {
    let mut all = Vec::new();
    let mut received = 0;
    for page in 1.. {
        let listed = lister
            .list_page(target_type, workspace, page, PAGE_SIZE)
            .await?;
        received += listed.received;
        all.extend(listed.candidates);
        let last = listed.received < PAGE_SIZE as usize
            || received >= MAX_CANDIDATES
            || received as u64 >= listed.total;
        if last {
            break;
        }
    }
    Ok(all)
}

/// The upstream operation that lists a target type, for logs and metrics.
pub fn operation(target_type: TargetType) -> &'static str {
    match target_type {
        TargetType::Job => "ListJobs",
        TargetType::Tensorboard => "ListTensorboards",
    }
}

/// A listing that panicked ends like a failed one: the entry must not stay "refreshing"
/// forever, or the guild would never get suggestions again.
fn panicked() -> IssueFailure {
    IssueFailure {
        kind: crate::share::ports::IssueFailureKind::BadResponse,
        code: "Panicked".into(),
        message: "listing suggestions panicked".into(),
        request_id: None,
    }
}

#[cfg(test)]
mod tests;
