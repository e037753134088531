//! Timing helpers shared by the search and words benchmarks.

#![allow(dead_code)]

use std::hint::black_box;
use std::time::{Duration, Instant};

pub fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time the calling thread has run, in ns (/proc/thread-self/schedstat).
pub fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Best of `runs`: the wall time, and the CPU time of the pool's busiest worker.
/// On a machine shared with other jobs the wall time measures them too; the
/// busiest worker's CPU time is what the same run costs on an idle machine
/// (memory-bandwidth contention aside).
pub struct Measured {
    pub wall: Duration,
    pub busiest_cpu: Duration,
    pub total_cpu: Duration,
}

pub fn measure<R: Send>(pool: &rayon::ThreadPool, runs: usize, f: impl Fn() -> R + Sync) -> Measured {
    let mut m = Measured {
        wall: Duration::MAX,
        busiest_cpu: Duration::MAX,
        total_cpu: Duration::MAX,
    };
    for _ in 0..runs {
        let before = pool.broadcast(|_| thread_cpu_ns());
        let t = Instant::now();
        black_box(pool.install(&f));
        let wall = t.elapsed();
        let after = pool.broadcast(|_| thread_cpu_ns());
        let used: Vec<u64> = before.iter().zip(&after).map(|(b, a)| a - b).collect();
        m.wall = m.wall.min(wall);
        m.busiest_cpu = m
            .busiest_cpu
            .min(Duration::from_nanos(used.iter().copied().max().unwrap_or(0)));
        m.total_cpu = m.total_cpu.min(Duration::from_nanos(used.iter().sum()));
    }
    m
}
