//! What the suggestion cache holds for one guild whose workspace has 10,000 recent jobs: the
//! bytes still allocated after one listing, counted by a global allocator, minus those held
//! before it. The lister makes each page on the fly, so it holds nothing itself; what remains
//! is the cache's entry and its candidates.
//!
//!     cargo run --release --example suggest_memory
//!
//! Four kinds of jobs: short names (`busy job 1234`), 100 ASCII characters (the longest name
//! kept), 100 CJK characters (3 bytes each in UTF-8), and the largest a candidate can get: a
//! name of 100 four-byte characters, a status of 32, a 100-character id and a 64-character
//! workspace id. A measuring instrument, not a product.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use dlc_share_bot::share::ports::IssueFailure;
use dlc_share_bot::share::{
    Candidate, GuildId, ListTargets, ListedPage, TargetType, WorkspaceId, WorkspaceRule,
};
use dlc_share_bot::suggestions::{MAX_CANDIDATES, MAX_ENTRIES, SuggestionCache};

/// Bytes allocated and not yet freed, by anyone in the process.
static LIVE: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: every call is passed to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const JOBS: u32 = 10_000;

/// One kind of job: its id, display name and status for job `n`, and its workspace.
#[derive(Clone, Copy)]
struct Shape {
    id: fn(u32) -> String,
    name: fn(u32) -> String,
    status: fn() -> String,
    workspace: fn() -> String,
}

/// ListJobs over 10,000 jobs in one workspace, newest first, each page made when asked.
struct Busy {
    shape: Shape,
}

impl ListTargets for Busy {
    async fn list_page(
        &self,
        _target_type: TargetType,
        _workspace: Option<&WorkspaceId>,
        page: u32,
        page_size: u32,
    ) -> Result<ListedPage, IssueFailure> {
        let first = (page - 1) * page_size;
        let candidates: Vec<Candidate> = (first..(first + page_size).min(JOBS))
            .map(|n| {
                let created = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
                    - chrono::Duration::seconds(n.into());
                let s = self.shape;
                Candidate::new(
                    &(s.id)(n),
                    &(s.name)(n),
                    &(s.status)(),
                    &(s.workspace)(),
                    Some(created),
                )
                .expect("a valid candidate")
            })
            .collect();
        Ok(ListedPage {
            received: candidates.len(),
            candidates,
            total: JOBS.into(),
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let usual = Shape {
        id: |n| format!("dlc-{n:020}"),
        name: |n| format!("busy job {n}"),
        status: || "Succeeded".into(),
        workspace: || "1234567".into(),
    };
    let kinds: [(&str, Shape); 4] = [
        ("short names", usual),
        (
            "100 ASCII characters",
            Shape {
                name: |n| format!("{n:0>100}"),
                ..usual
            },
        ),
        (
            "100 CJK characters",
            Shape {
                name: |_| "训".repeat(100),
                ..usual
            },
        ),
        (
            "the largest candidate",
            Shape {
                id: |n| format!("dlc-{n:0>96}"),
                name: |_| "😀".repeat(100),
                status: || "😀".repeat(32),
                workspace: || "w".repeat(64),
            },
        ),
    ];
    for (kind, shape) in kinds {
        let cache = SuggestionCache::new(Busy { shape }, Duration::from_secs(30));
        let before = LIVE.load(Ordering::Relaxed);
        let held = cache
            .candidates(GuildId(1), TargetType::Job, &WorkspaceRule::Any)
            .await;
        assert_eq!(held.len(), MAX_CANDIDATES);
        drop(held);
        // The refresh task has ended (the answer waited for it); let the runtime free it.
        tokio::task::yield_now().await;
        let bytes = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "{kind}: {bytes} bytes for {MAX_CANDIDATES} candidates of {JOBS} jobs \
             ({} per candidate); at most {MAX_ENTRIES} entries: {:.1} MiB",
            bytes / MAX_CANDIDATES as isize,
            (bytes * MAX_ENTRIES as isize) as f64 / (1024.0 * 1024.0)
        );
        drop(cache);
    }
}
