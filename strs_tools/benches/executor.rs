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

/// Static equal partitioning: thread `k` runs the `k`-th contiguous share of
/// tasks. Also returns each thread's CPU seconds.
fn static_partition(text: &str, tasks: &[Range<usize>], threads: usize) -> (Vec<u64>, Vec<f64>) {
    let per = tasks.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = tasks
            .chunks(per)
            .map(|share| {
                s.spawn(move || {
                    let cpu = thread_cpu();
                    let out: Vec<u64> = share.iter().map(|r| work(&text[r.clone()])).collect();
                    (out, thread_cpu() - cpu)
                })
            })
            .collect();
        let mut results = Vec::new();
        let mut cpu = Vec::new();
        for h in handles {
            let (out, c) = h.join().unwrap();
            results.extend(out);
            cpu.push(c);
        }
        (results, cpu)
    })
}

/// CPU seconds the calling thread has run (/proc/thread-self/schedstat, ns).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1e9
}

/// One contender's best wall time and its busiest worker's CPU seconds (best of
/// `runs`); the latter does not depend on what else the machine runs.
struct Run {
    wall: Duration,
    busiest_cpu: f64,
    total_cpu: f64,
}

impl Run {
    const NONE: Run = Run {
        wall: Duration::MAX,
        busiest_cpu: f64::MAX,
        total_cpu: f64::MAX,
    };
}

fn report(label: &str, run: &Run, seq: &Run, threads: f64) {
    println!(
        "{label:<46} {:>6.0} ms  wall efficiency {:.2}  CPU-balance efficiency {:.2}",
        run.wall.as_secs_f64() * 1e3,
        seq.wall.as_secs_f64() / (threads * run.wall.as_secs_f64()),
        seq.busiest_cpu / (threads * run.busiest_cpu),
    );
}

/// Runs `f` on `pool` `runs` times, measuring each worker's CPU time around it.
fn on_pool<R: Send>(pool: &rayon::ThreadPool, runs: usize, f: impl Fn() -> R + Sync) -> (R, Run) {
    let mut best = Run::NONE;
    let mut out = None;
    for _ in 0..runs {
        let before = pool.broadcast(|_| thread_cpu());
        let t = Instant::now();
        let r = pool.install(&f);
        let wall = t.elapsed();
        let after = pool.broadcast(|_| thread_cpu());
        let used: Vec<f64> = before.iter().zip(&after).map(|(b, a)| a - b).collect();
        best.wall = best.wall.min(wall);
        best.busiest_cpu = best.busiest_cpu.min(used.iter().copied().fold(0.0, f64::max));
        best.total_cpu = best.total_cpu.min(used.iter().sum());
        out = Some(r);
    }
    (out.unwrap(), best)
}

/// A task that needs a buffer: its words, sorted.
fn sort_words<'a>(words: &mut Vec<&'a str>, task: &'a str) -> usize {
    words.clear();
    words.extend(task.split_ascii_whitespace());
    words.sort_unstable();
    words.len()
}

fn main() {
    // The work costs ~8x more per byte than a search: an eighth of the bytes.
    let bytes = env("STRS_BENCH_BYTES", 256 << 20) / 8;
    let runs = env("STRS_BENCH_RUNS", 3);
    let (text, tasks) = skewed_input(bytes);
    let expected: Vec<u64> = tasks.iter().map(|r| work(&text[r.clone()])).collect();
    let p1 = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let p2 = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();

    let (_, seq) = on_pool(&p1, runs, || {
        tasks.iter().map(|r| work(&text[r.clone()])).collect::<Vec<_>>()
    });
    println!(
        "input {} MiB in {TASKS} tasks, {EXPENSIVE} of them {SKEW}x costlier, best of {runs} runs; \
         sequential {:.0} ms ({:.2} CPU s)",
        text.len() >> 20,
        seq.wall.as_secs_f64() * 1e3,
        seq.busiest_cpu
    );

    let mut stat = Run::NONE;
    for _ in 0..runs {
        let t = Instant::now();
        let (out, cpu) = static_partition(&text, &tasks, 2);
        stat.wall = stat.wall.min(t.elapsed());
        stat.busiest_cpu = stat.busiest_cpu.min(cpu.iter().copied().fold(0.0, f64::max));
        stat.total_cpu = stat.total_cpu.min(cpu.iter().sum());
        assert_eq!(out, expected);
    }
    report("static equal partitioning, 2 threads", &stat, &seq, 2.0);

    // `new(0)`: the executor runs on the pool it is called from, here `p2`.
    let executor = WorkStealingExecutor::new(0);
    let (out, run) = on_pool(&p2, runs, || executor.execute(&text, &tasks, work));
    assert_eq!(out, expected);
    report("executor, whole tasks, 2 threads", &run, &seq, 2.0);

    let per_task = tasks[0].len();
    let executor = WorkStealingExecutor::new(0)
        .max_task_len(per_task / 16)
        .task_terminator(b'\n');
    let add = |a: u64, b: u64| a.wrapping_add(b);
    let (out, run) = on_pool(&p2, runs, || {
        executor.execute_subdivided(&text, &tasks, work, add)
    });
    assert_eq!(out, expected);
    report("executor, tasks subdivided at 1/16, 2 threads", &run, &seq, 2.0);

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
    let executor = WorkStealingExecutor::new(0);
    let (_, fresh) = on_pool(&p2, runs, || {
        executor.execute(&text, &small, |t| sort_words(&mut Vec::new(), t))
    });
    let (_, reused) = on_pool(&p2, runs, || {
        executor.execute_with_scratch(&text, &small, sort_words)
    });
    println!(
        "{} tasks of ~4 KiB, sort words, 2 threads: fresh Vec per task {:.0} ms / {:.2} CPU s, \
         per-worker scratch {:.0} ms / {:.2} CPU s",
        small.len(),
        fresh.wall.as_secs_f64() * 1e3,
        fresh.total_cpu,
        reused.wall.as_secs_f64() * 1e3,
        reused.total_cpu
    );
}
