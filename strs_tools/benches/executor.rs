//! Load balancing under skewed work: 64 equal-sized tasks, 3 of them 100x more
//! expensive, all in the first half. Static equal partitioning (one contiguous
//! half per thread) against the executor, with and without subdivision; and the
//! effect of per-worker scratch buffers.
//!
//! Efficiency = T(1 thread) / (threads × T(threads)).
//!
//! ```text
//! STRS_BENCH_BYTES=$((256<<20)) cargo bench -p strs_tools@0.1.0 --bench executor
//! ```

use std::hint::black_box;
use std::ops::Range;
use std::time::{Duration, Instant};

use strs_tools::parallel::WorkStealingExecutor;

const TASKS: usize = 64;
const EXPENSIVE: usize = 3;
const SKEW: u64 = 100;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn best<R>(runs: usize, mut f: impl FnMut() -> R) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap()
}

/// `bytes` of lines in `TASKS` equal tasks; the lines of the first `EXPENSIVE`
/// tasks start with `!`, which makes them `SKEW` times as costly.
fn skewed_input(bytes: usize) -> (String, Vec<Range<usize>>) {
    let per_task = bytes / TASKS;
    let mut text = String::with_capacity(bytes + TASKS * 64);
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let start = text.len();
        let mark = if t < EXPENSIVE { '!' } else { '.' };
        let mut i = 0;
        while text.len() - start < per_task {
            text.push_str(&format!("{mark}line {t}-{i} some payload words here\n"));
            i += 1;
        }
        tasks.push(start..text.len());
    }
    (text, tasks)
}

/// Per line: an FNV-style hash, iterated `SKEW` times for expensive lines.
fn work(task: &str) -> u64 {
    let mut total = 0u64;
    for line in task.lines() {
        let rounds = if line.starts_with('!') { SKEW } else { 1 };
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for _ in 0..rounds {
            for b in line.bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        }
        total = total.wrapping_add(h);
    }
    total
}

/// Static equal partitioning: thread `k` runs the `k`-th contiguous share of tasks.
fn static_partition(text: &str, tasks: &[Range<usize>], threads: usize) -> Vec<u64> {
    let per = tasks.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = tasks
            .chunks(per)
            .map(|share| s.spawn(move || share.iter().map(|r| work(&text[r.clone()])).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

/// A task that needs a buffer: its words, sorted.
fn sort_words<'a>(words: &mut Vec<&'a str>, task: &'a str) -> usize {
    words.clear();
    words.extend(task.split_ascii_whitespace());
    words.sort_unstable();
    words.len()
}

fn main() {
    let bytes = env("STRS_BENCH_BYTES", 256 << 20) / 8; // the work is ~8x costlier per byte than a search
    let runs = env("STRS_BENCH_RUNS", 3);
    let (text, tasks) = skewed_input(bytes);
    let expected: Vec<u64> = tasks.iter().map(|r| work(&text[r.clone()])).collect();

    let seq = best(runs, || {
        tasks.iter().map(|r| work(&text[r.clone()])).collect::<Vec<_>>()
    });
    let eff = |d: Duration, threads: f64| seq.as_secs_f64() / (threads * d.as_secs_f64());
    println!(
        "input {} MiB in {TASKS} tasks, {EXPENSIVE} of them {SKEW}x costlier, best of {runs} runs; sequential {:.0} ms",
        text.len() >> 20,
        seq.as_secs_f64() * 1e3
    );

    assert_eq!(static_partition(&text, &tasks, 2), expected);
    let d = best(runs, || static_partition(&text, &tasks, 2));
    println!(
        "{:<52} {:>6.0} ms  efficiency {:.2}",
        "static equal partitioning, 2 threads",
        d.as_secs_f64() * 1e3,
        eff(d, 2.0)
    );

    let executor = WorkStealingExecutor::new(2);
    assert_eq!(executor.execute(&text, &tasks, work), expected);
    let d = best(runs, || executor.execute(&text, &tasks, work));
    println!(
        "{:<52} {:>6.0} ms  efficiency {:.2}",
        "executor, whole tasks, 2 threads",
        d.as_secs_f64() * 1e3,
        eff(d, 2.0)
    );

    let per_task = tasks[0].len();
    let executor = WorkStealingExecutor::new(2).max_task_len(per_task / 16, b'\n');
    let add = |a: u64, b: u64| a.wrapping_add(b);
    assert_eq!(executor.execute_subdivided(&text, &tasks, work, add), expected);
    let d = best(runs, || executor.execute_subdivided(&text, &tasks, work, add));
    println!(
        "{:<52} {:>6.0} ms  efficiency {:.2}",
        "executor, tasks subdivided at 1/16, 2 threads",
        d.as_secs_f64() * 1e3,
        eff(d, 2.0)
    );

    // Scratch buffers: many small tasks that each need a buffer of their words.
    let small: Vec<Range<usize>> = {
        let mut v = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i + 1);
            let end = (start + 4096).max(end).min(text.len());
            let end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
            v.push(start..end);
            start = end;
        }
        v
    };
    let executor = WorkStealingExecutor::new(2);
    let fresh = best(runs, || {
        executor.execute(&text, &small, |t| sort_words(&mut Vec::new(), t))
    });
    let reused = best(runs, || executor.execute_with_scratch(&text, &small, sort_words));
    println!(
        "{:<52} {:>6.0} ms vs {:.0} ms with per-worker scratch ({:.2}x)",
        format!("{} tasks of ~4 KiB, sort words, fresh Vec per task", small.len()),
        fresh.as_secs_f64() * 1e3,
        reused.as_secs_f64() * 1e3,
        fresh.as_secs_f64() / reused.as_secs_f64()
    );
}
