//! The cache against an in-memory lister that counts its calls, on tokio's paused clock: the
//! waits and refresh intervals below pass without anyone waiting for them.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeZone, Utc};

use super::*;
use crate::share::ListedPage;

const GUILD: GuildId = GuildId(1);
const REFRESH: Duration = Duration::from_secs(30);

/// ListJobs over an in-memory list (newest first), with a delay and a failure to set.
#[derive(Default)]
struct Fake {
    jobs: Mutex<Vec<Candidate>>,
    delay: Mutex<Duration>,
    failure: Mutex<Option<&'static str>>,
    /// A workspace whose listing is refused, the others answering.
    failing_workspace: Mutex<Option<&'static str>>,
    /// Added to the `TotalCount` each page reports.
    overstated_total: Mutex<u64>,
    calls: Mutex<Vec<(Option<String>, u32)>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl Fake {
    fn with_jobs(jobs: Vec<Candidate>) -> Arc<Fake> {
        let fake = Arc::new(Fake::default());
        *fake.jobs.lock().unwrap() = jobs;
        fake
    }

    fn calls(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    fn set_delay(&self, d: Duration) {
        *self.delay.lock().unwrap() = d;
    }
}

impl ListTargets for Arc<Fake> {
    async fn list_page(
        &self,
        _target_type: TargetType,
        workspace: Option<&WorkspaceId>,
        page: u32,
        page_size: u32,
    ) -> Result<ListedPage, IssueFailure> {
        self.calls
            .lock()
            .unwrap()
            .push((workspace.map(|w| w.to_string()), page));
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        let delay = *self.delay.lock().unwrap();
        tokio::time::sleep(delay).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let refused = *self.failing_workspace.lock().unwrap();
        let failure = match (refused, workspace) {
            (Some(w), Some(asked)) if asked.as_str() == w => Some("InvalidParameter.WorkspaceId"),
            _ => *self.failure.lock().unwrap(),
        };
        if let Some(code) = failure {
            return Err(IssueFailure {
                kind: crate::share::ports::IssueFailureKind::Unauthorized,
                code: code.into(),
                message: "refused".into(),
                request_id: Some("R".into()),
            });
        }
        let matching: Vec<Candidate> = self
            .jobs
            .lock()
            .unwrap()
            .iter()
            .filter(|c| workspace.is_none_or(|w| c.workspace() == w))
            .cloned()
            .collect();
        let start = (page as usize - 1) * page_size as usize;
        let candidates: Vec<Candidate> = matching
            .iter()
            .skip(start)
            .take(page_size as usize)
            .cloned()
            .collect();
        Ok(ListedPage {
            received: candidates.len(),
            candidates,
            total: matching.len() as u64 + *self.overstated_total.lock().unwrap(),
        })
    }
}

/// Job `n` of a workspace, created `n` minutes after a fixed moment.
fn job(n: u32, workspace: &str) -> Candidate {
    let created =
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(n.into());
    Candidate::new(
        &format!("dlc-{workspace}-{n}"),
        &format!("job {n}"),
        "Running",
        workspace,
        Some(created),
    )
    .unwrap()
}

fn ids(candidates: &[Candidate]) -> Vec<&str> {
    candidates.iter().map(Candidate::id).collect()
}

fn only(workspaces: &[&str]) -> WorkspaceRule {
    WorkspaceRule::Only(
        workspaces
            .iter()
            .map(|w| WorkspaceId::parse(w).unwrap())
            .collect(),
    )
}

#[tokio::test(start_paused = true)]
async fn thirty_members_typing_at_once_cause_one_listing() {
    let fake = Fake::with_jobs(vec![job(2, "ws-a"), job(1, "ws-a")]);
    fake.set_delay(Duration::from_millis(300));
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let typing: Vec<_> = (0..30)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .candidates(GUILD, TargetType::Job, &WorkspaceRule::Any)
                    .await
            })
        })
        .collect();
    for answer in typing {
        assert_eq!(ids(&answer.await.unwrap()), ["dlc-ws-a-2", "dlc-ws-a-1"]);
    }
    assert_eq!(fake.calls(), 1);
    // 100 more keystrokes within the refresh interval: nothing upstream.
    for _ in 0..100 {
        cache
            .candidates(GUILD, TargetType::Job, &WorkspaceRule::Any)
            .await;
    }
    assert_eq!(fake.calls(), 1);
    assert_eq!(fake.most_in_flight.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_first_answer_waits_two_seconds_at_most_then_gets_what_there_is() {
    let fake = Fake::with_jobs(vec![job(1, "ws-a")]);
    fake.set_delay(Duration::from_secs(60));
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let asked = Instant::now();
    let answer = cache
        .candidates(GUILD, TargetType::Job, &WorkspaceRule::Any)
        .await;
    assert!(answer.is_empty());
    assert_eq!(asked.elapsed(), WAIT_AT_MOST, "on the paused clock");
    // Asking again starts no other listing (it waits its 2 s too: nothing is cached yet)...
    let asked = Instant::now();
    cache
        .candidates(GUILD, TargetType::Job, &WorkspaceRule::Any)
        .await;
    assert_eq!(asked.elapsed(), WAIT_AT_MOST);
    assert_eq!(fake.calls(), 1);
    // ...and once it ends, its answer is there.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let answer = cache
        .candidates(GUILD, TargetType::Job, &WorkspaceRule::Any)
        .await;
    assert_eq!(ids(&answer), ["dlc-ws-a-1"]);
}

#[tokio::test(start_paused = true)]
async fn stale_candidates_are_served_at_once_while_a_refresh_runs() {
    let fake = Fake::with_jobs(vec![job(1, "ws-a")]);
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let rule = WorkspaceRule::Any;
    cache.candidates(GUILD, TargetType::Job, &rule).await;
    *fake.jobs.lock().unwrap() = vec![job(2, "ws-a"), job(1, "ws-a")];
    fake.set_delay(Duration::from_secs(10));

    tokio::time::sleep(REFRESH - Duration::from_secs(1)).await;
    let answer = cache.candidates(GUILD, TargetType::Job, &rule).await;
    assert_eq!(ids(&answer), ["dlc-ws-a-1"]);
    assert_eq!(fake.calls(), 1, "not due yet");

    tokio::time::sleep(Duration::from_secs(1)).await;
    let asked = Instant::now();
    let answer = cache.candidates(GUILD, TargetType::Job, &rule).await;
    assert_eq!(ids(&answer), ["dlc-ws-a-1"], "stale, at once");
    assert_eq!(asked.elapsed(), Duration::ZERO);
    tokio::task::yield_now().await;
    assert_eq!(fake.calls(), 2, "and a refresh started");

    tokio::time::sleep(Duration::from_secs(11)).await;
    let answer = cache.candidates(GUILD, TargetType::Job, &rule).await;
    assert_eq!(ids(&answer), ["dlc-ws-a-2", "dlc-ws-a-1"]);
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_keeps_what_was_cached_and_is_not_retried_per_keystroke() {
    let fake = Fake::with_jobs(vec![job(1, "ws-a")]);
    *fake.failure.lock().unwrap() = Some("Forbidden.RAM");
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let rule = WorkspaceRule::Any;
    assert!(
        cache
            .candidates(GUILD, TargetType::Job, &rule)
            .await
            .is_empty()
    );
    for _ in 0..50 {
        cache.candidates(GUILD, TargetType::Job, &rule).await;
    }
    assert_eq!(
        fake.calls(),
        1,
        "a failure waits for the refresh interval too"
    );

    *fake.failure.lock().unwrap() = None;
    tokio::time::sleep(REFRESH).await;
    cache.candidates(GUILD, TargetType::Job, &rule).await;
    tokio::task::yield_now().await;
    let answer = cache.candidates(GUILD, TargetType::Job, &rule).await;
    assert_eq!(ids(&answer), ["dlc-ws-a-1"]);

    *fake.failure.lock().unwrap() = Some("Throttling.User");
    tokio::time::sleep(REFRESH).await;
    cache.candidates(GUILD, TargetType::Job, &rule).await;
    tokio::task::yield_now().await;
    let answer = cache.candidates(GUILD, TargetType::Job, &rule).await;
    assert_eq!(ids(&answer), ["dlc-ws-a-1"], "still what it had");
    assert_eq!(fake.calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn each_allowed_workspace_is_listed_and_a_new_rule_lists_again() {
    let fake = Fake::with_jobs(vec![
        job(5, "ws-b"),
        job(4, "ws-a"),
        job(3, "ws-c"),
        job(2, "ws-b"),
        job(1, "ws-a"),
    ]);
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let answer = cache
        .candidates(GUILD, TargetType::Job, &only(&["ws-a", "ws-b"]))
        .await;
    assert_eq!(
        ids(&answer),
        ["dlc-ws-b-5", "dlc-ws-a-4", "dlc-ws-b-2", "dlc-ws-a-1"],
        "both workspaces, newest first"
    );
    let listed: Vec<Option<String>> = fake
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|(w, _)| w.clone())
        .collect();
    assert_eq!(listed, [Some("ws-a".into()), Some("ws-b".into())]);

    // Admins allow another workspace: the next keystroke lists for the new rule (the old
    // answer meanwhile, which the caller filters by the new rule).
    let wider = only(&["ws-a", "ws-b", "ws-c"]);
    cache.candidates(GUILD, TargetType::Job, &wider).await;
    tokio::task::yield_now().await;
    let answer = cache.candidates(GUILD, TargetType::Job, &wider).await;
    assert_eq!(answer.len(), 5);
    assert_eq!(fake.calls(), 5);

    // No workspace allowed at all: nothing to list, nothing asked.
    let none = only(&[]);
    cache.candidates(GUILD, TargetType::Job, &none).await;
    tokio::task::yield_now().await;
    assert_eq!(fake.calls(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_workspace_that_cannot_be_listed_does_not_cost_the_others_their_suggestions() {
    let fake = Fake::with_jobs(vec![job(2, "ws-b"), job(1, "ws-a")]);
    *fake.failing_workspace.lock().unwrap() = Some("ws-typo");
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let answer = cache
        .candidates(GUILD, TargetType::Job, &only(&["ws-a", "ws-typo", "ws-b"]))
        .await;
    assert_eq!(ids(&answer), ["dlc-ws-b-2", "dlc-ws-a-1"]);

    // When no workspace answers, what was cached stays.
    *fake.failure.lock().unwrap() = Some("Throttling.User");
    tokio::time::sleep(REFRESH).await;
    let rule = only(&["ws-a", "ws-typo", "ws-b"]);
    cache.candidates(GUILD, TargetType::Job, &rule).await;
    tokio::task::yield_now().await;
    let answer = cache.candidates(GUILD, TargetType::Job, &rule).await;
    assert_eq!(
        ids(&answer),
        ["dlc-ws-b-2", "dlc-ws-a-1"],
        "still what it had"
    );
    assert_eq!(fake.calls(), 6, "each workspace asked once per refresh");
}

#[tokio::test(start_paused = true)]
async fn the_newest_across_all_workspaces_are_kept() {
    // 1,000 jobs, the even ones in ws-a and the odd ones in ws-b, newest first.
    let jobs: Vec<Candidate> = (0..1_000)
        .rev()
        .map(|n| job(n, if n % 2 == 0 { "ws-a" } else { "ws-b" }))
        .collect();
    let fake = Fake::with_jobs(jobs);
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let answer = cache
        .candidates(GUILD, TargetType::Job, &only(&["ws-a", "ws-b"]))
        .await;
    let expected: Vec<String> = (500..1_000)
        .rev()
        .map(|n| {
            job(n, if n % 2 == 0 { "ws-a" } else { "ws-b" })
                .id()
                .to_owned()
        })
        .collect();
    assert_eq!(ids(&answer), expected);
}

#[tokio::test(start_paused = true)]
async fn a_short_page_ends_the_listing_whatever_the_total_says() {
    let fake = Fake::with_jobs((0..120).rev().map(|n| job(n, "ws-a")).collect());
    *fake.overstated_total.lock().unwrap() = 10_000;
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let answer = cache
        .candidates(GUILD, TargetType::Job, &WorkspaceRule::Any)
        .await;
    assert_eq!(answer.len(), 120);
    assert_eq!(fake.calls(), 3, "50, 50 and a short page of 20");
}

#[tokio::test(start_paused = true)]
async fn a_job_listed_twice_is_offered_once() {
    // As when a job created between two pages pushes the last of one page onto the next.
    let fake = Fake::with_jobs(vec![
        job(3, "ws-a"),
        job(2, "ws-a"),
        job(2, "ws-a"),
        job(1, "ws-a"),
    ]);
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let answer = cache
        .candidates(GUILD, TargetType::Job, &WorkspaceRule::Any)
        .await;
    assert_eq!(ids(&answer), ["dlc-ws-a-3", "dlc-ws-a-2", "dlc-ws-a-1"]);
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_jobs_are_read_in_pages_up_to_the_cap() {
    let jobs: Vec<Candidate> = (0..10_000).rev().map(|n| job(n, "ws-a")).collect();
    let fake = Fake::with_jobs(jobs);
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let answer = cache
        .candidates(GUILD, TargetType::Job, &WorkspaceRule::Any)
        .await;
    assert_eq!(answer.len(), MAX_CANDIDATES);
    assert_eq!(answer[0].id(), "dlc-ws-a-9999");
    assert_eq!(fake.calls(), MAX_CANDIDATES / PAGE_SIZE as usize);
    let pages: Vec<u32> = fake.calls.lock().unwrap().iter().map(|(_, p)| *p).collect();
    assert_eq!(pages, (1..=10).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn job_and_tensorboard_entries_are_separate_and_the_number_of_entries_is_bounded() {
    let fake = Fake::with_jobs(vec![job(1, "ws-a")]);
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    for t in TargetType::ALL {
        cache.candidates(GUILD, t, &WorkspaceRule::Any).await;
    }
    assert_eq!((cache.entries(), fake.calls()), (2, 2));
    for g in 0..(MAX_ENTRIES as u64 + 50) {
        cache
            .candidates(GuildId(1_000 + g), TargetType::Job, &WorkspaceRule::Any)
            .await;
    }
    assert_eq!(cache.entries(), MAX_ENTRIES);
    // The most recently used guilds are the ones kept.
    let before = fake.calls();
    let last = GuildId(1_000 + MAX_ENTRIES as u64 + 49);
    cache
        .candidates(last, TargetType::Job, &WorkspaceRule::Any)
        .await;
    assert_eq!(fake.calls(), before, "still cached");
}

#[tokio::test(start_paused = true)]
async fn entries_being_refreshed_are_not_evicted_and_a_full_cache_answers_nothing() {
    let fake = Fake::with_jobs(vec![job(1, "ws-a")]);
    fake.set_delay(Duration::from_secs(3_600));
    let cache = SuggestionCache::new(fake.clone(), REFRESH);
    let asking: Vec<_> = (0..MAX_ENTRIES as u64)
        .map(|g| {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .candidates(GuildId(g), TargetType::Job, &WorkspaceRule::Any)
                    .await
            })
        })
        .collect();
    for a in asking {
        a.await.unwrap();
    }
    let asked = Instant::now();
    let answer = cache
        .candidates(GuildId(99_999), TargetType::Job, &WorkspaceRule::Any)
        .await;
    assert!(answer.is_empty());
    assert_eq!(asked.elapsed(), Duration::ZERO, "nothing to wait for");
    assert_eq!(cache.entries(), MAX_ENTRIES);
    assert_eq!(
        fake.calls(),
        MAX_ENTRIES,
        "one listing per guild, none for the extra one"
    );
}
