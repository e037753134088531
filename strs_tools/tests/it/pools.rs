//! The process-wide pool cache stays bounded: a program that asks for many
//! different thread counts, or many NUMA layouts, keeps a bounded number of idle
//! threads. Thread counts are read from `/proc/self/task` in a child process (the
//! other tests of this binary start threads of their own).

use std::time::{Duration, Instant};

use strs_tools::parallel::{
    NumaStringProcessor, NumaTopology, ReaderPipeline, MAX_CACHED_POOLS, MAX_CACHED_THREADS,
};

const CHILD: &str = "STRS_POOLS_CHILD";

/// The threads of this process, or `None` where `/proc` is missing.
fn threads_now() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/task").ok()?.count())
}

/// Counts lines on a reader pipeline with a dedicated pool of `threads` threads.
fn count_lines_on(threads: usize, text: &str) -> usize {
    ReaderPipeline::new()
        .chunk_size(64)
        .threads(threads)
        .map_blocks(text.as_bytes(), |block: &[u8]| {
            block.iter().filter(|&&b| b == b'\n').count()
        })
        .map(|r| r.expect("an in-memory reader does not fail"))
        .sum()
}

/// Waits until at most `bound` threads remain (evicted pools' threads exit
/// asynchronously), returning the last count seen.
fn settle(bound: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = threads_now().unwrap_or(0);
        if now <= bound || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn child() {
    let Some(base) = threads_now() else {
        println!("pools child: skipped, no /proc");
        return;
    };
    let text = "a\nbb\nccc\n".repeat(100);
    // What may stay: the most recent pool (whatever its size) plus the others
    // within the thread budget.
    let bound = |last: usize| base + last + MAX_CACHED_THREADS;
    for n in 1..=64 {
        assert_eq!(count_lines_on(n, &text), 300);
    }
    let after_counts = settle(bound(64));
    assert!(
        after_counts <= bound(64),
        "{after_counts} threads after threads(1..=64), base {base}"
    );
    assert_eq!(count_lines_on(usize::MAX, &text), 300);
    for n in 2..=64 {
        assert_eq!(count_lines_on(n, &text), 300);
    }
    let after_max = settle(bound(64));
    assert!(
        after_max <= bound(64),
        "{after_max} threads after threads(usize::MAX) and 2..=64, base {base}"
    );
    // Pinned pools share the cache: 40 layouts of fake nodes, each processor
    // dropped after use.
    for k in 0..40 {
        let cpus = 62_000 + 4 * k;
        let processor = NumaStringProcessor::with_topology(NumaTopology::from_nodes([
            (0, vec![cpus, cpus + 1]),
            (1, vec![cpus + 2, cpus + 3]),
        ]));
        assert_eq!(
            processor
                .process_parallel(&text, 100, |c| c.len())
                .iter()
                .sum::<usize>(),
            text.len()
        );
    }
    // The plain pools are evicted too: what stays is at most the cache's
    // capacity of two-thread node pools.
    let numa_bound = base + MAX_CACHED_POOLS * 2;
    let after_numa = settle(numa_bound);
    assert!(
        after_numa <= numa_bound,
        "{after_numa} threads after 40 NUMA layouts, base {base}"
    );
    println!("pools child: ok, base {base}, then {after_counts}, {after_max}, {after_numa}");
}

#[test]
fn many_thread_counts_leave_a_bounded_number_of_idle_threads() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "pools::many_thread_counts_leave_a_bounded_number_of_idle_threads",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs itself");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("pools child: "),
        "child failed: {}\n{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
}
