//! The test process's own descriptor limit.

/// Raises this process's soft RLIMIT_NOFILE to its hard limit (at most 65 536) and checks that
/// `wanted` descriptors fit. All the tests share one process, so the limit is raised as far as
/// it goes rather than to `wanted`: the descriptor-heavy tests (piles of half-open connections)
/// may run at the same time.
pub fn raise_own_nofile(wanted: u64) {
    const CAP: libc::rlim_t = 65_536;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        let target = limit.rlim_max.min(CAP);
        if limit.rlim_cur < target {
            limit.rlim_cur = target;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
    assert!(
        limit.rlim_cur >= wanted as libc::rlim_t,
        "this test needs {wanted} descriptors; the hard limit is {}",
        limit.rlim_max
    );
}
