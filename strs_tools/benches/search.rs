//! Multi-pattern search throughput on generated log text: ours at 1 and 2
//! threads, the memory-bandwidth ceiling, and the peers, in one run.
//!
//! `STRS_BENCH_BYTES` sets the input size (default 256 MiB), `STRS_BENCH_RUNS` the
//! runs per measurement (default 5; the minimum is reported, which filters out
//! the noise of other processes best).
//!
//! ```text
//! STRS_BENCH_BYTES=$((256<<20)) cargo bench -p strs_tools@0.1.0 --bench search
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use aho_corasick::{packed, AhoCorasick};
use memchr::memmem;
use strs_tools::parallel::ParallelSearcher;

/// Deterministic log lines; about 1 line in 12 carries one of the patterns.
fn log_text(bytes: usize) -> String {
    // 36 messages, 3 of them with a pattern: about 1 line in 12 matches.
    let messages = [
        "GET /api/v1/items 200 in 12ms",
        "POST /api/v1/orders 201 in 48ms",
        "cache miss for key user:1234, fetching",
        "connection pool at 17/64",
        "request handled by upstream node-3",
        "scheduled job compaction finished",
        "error: connection reset by peer",
        "user session refreshed",
        "GET /health 200 in 1ms",
        "retrying after timeout, attempt 2",
        "GET /static/app.js 304 in 0ms",
        "PUT /api/v1/items/77 204 in 9ms",
        "warning: slow query took 1200ms",
        "flushed 512 rows to segment 0042",
        "auth token validated for tenant acme",
        "GET /api/v1/search?q=shoes 200 in 88ms",
        "websocket upgrade accepted",
        "metrics exported to collector",
        "critical: disk /var almost full",
        "config reloaded from /etc/app.toml",
        "DELETE /api/v1/items/12 200 in 7ms",
        "queue depth 3, consumers 8",
        "GET /api/v1/users/me 200 in 5ms",
        "background sync completed in 2.1s",
        "rate limit window reset",
        "GET /favicon.ico 404 in 0ms",
        "new connection from 10.0.3.17",
        "connection closed by client",
        "TLS handshake completed",
        "GET /api/v1/orders 200 in 31ms",
        "feature flag beta_ui on for 5%",
        "garbage collection took 3ms",
        "POST /api/v1/login 200 in 120ms",
        "snapshot written to s3 bucket",
        "heartbeat from node-7",
        "request id propagated to downstream",
    ];
    let levels = ["INFO", "DEBUG", "INFO", "INFO", "WARN", "INFO"];
    let mut text = String::with_capacity(bytes + 256);
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut line = 0u64;
    while text.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        line += 1;
        let msg = messages[(x % messages.len() as u64) as usize];
        let level = levels[((x >> 8) % levels.len() as u64) as usize];
        let (h, m, s) = ((line / 3_600_000) % 24, (line / 60_000) % 60, (line / 1000) % 60);
        text.push_str(&format!(
            "2026-11-27T{h:02}:{m:02}:{s:02}.{:03}Z {level:5} [worker-{:02}] {msg} id={}\n",
            line % 1000,
            (x >> 20) % 16,
            (x >> 24) % 100_000
        ));
    }
    text
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The fastest of `runs` runs of `f`.
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

/// CPU seconds used by this process so far (all threads), from /proc.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let bytes = env("STRS_BENCH_BYTES", 256 << 20);
    let runs = env("STRS_BENCH_RUNS", 5);
    let text = log_text(bytes);
    let hay = text.as_bytes();
    let patterns = ["error", "warning", "critical"];
    let gb = hay.len() as f64 / 1e9;
    let rate = |d: Duration| gb / d.as_secs_f64();

    // The answer every contender must give (std, one scan per pattern).
    let expected: Vec<usize> = patterns.iter().map(|p| text.matches(p).count()).collect();
    let searcher = ParallelSearcher::new(&patterns);
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let (p1, p2) = (pool(1), pool(2));
    assert_eq!(p1.install(|| searcher.count(hay)), expected);
    assert_eq!(p2.install(|| searcher.count(hay)), expected);
    let found = p2.install(|| searcher.find_all(hay));
    assert_eq!(found.len(), expected.iter().sum::<usize>());

    println!(
        "input {} MiB, {} matches {:?}, best of {runs} runs",
        hay.len() >> 20,
        found.len(),
        expected
    );
    // The memory-bandwidth ceiling: a plain sum of the input as 8-byte words
    // (a byte-at-a-time fold is compute-bound here, not a ceiling).
    let word_sum = || {
        hay.chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .fold(0u64, u64::wrapping_add)
    };
    let ceiling = best(runs, word_sum);
    println!(
        "{:<44} {:>6.2} GB/s",
        "word-sum loop (memory ceiling), 1 thread",
        rate(ceiling)
    );
    let ceiling2 = best(runs, || p2.install(|| rayon::join(word_sum, word_sum)));
    println!(
        "{:<44} {:>6.2} GB/s",
        "word-sum loop, same buffer twice, 2 threads",
        2.0 * rate(ceiling2)
    );

    let cpu0 = cpu_seconds();
    let c1 = best(runs, || p1.install(|| searcher.count(hay)));
    let cpu1 = cpu_seconds();
    let c2 = best(runs, || p2.install(|| searcher.count(hay)));
    let cpu2 = cpu_seconds();
    let f1 = best(runs, || p1.install(|| searcher.find_all(hay)));
    let f2 = best(runs, || p2.install(|| searcher.find_all(hay)));
    println!(
        "{:<44} {:>6.2} GB/s",
        "ParallelSearcher::count, 1 thread",
        rate(c1)
    );
    println!(
        "{:<44} {:>6.2} GB/s  speedup {:.2}x",
        "ParallelSearcher::count, 2 threads",
        rate(c2),
        c1.as_secs_f64() / c2.as_secs_f64()
    );
    println!(
        "{:<44} {:>6.2} GB/s",
        "ParallelSearcher::find_all, 1 thread",
        rate(f1)
    );
    println!(
        "{:<44} {:>6.2} GB/s  speedup {:.2}x",
        "ParallelSearcher::find_all, 2 threads",
        rate(f2),
        f1.as_secs_f64() / f2.as_secs_f64()
    );
    if let (Some(a), Some(b), Some(c)) = (cpu0, cpu1, cpu2) {
        // CPU time of all count runs at 2 threads over those at 1 thread.
        println!(
            "{:<44} {:>6.2}",
            "work inflation of count, 2 vs 1 thread (CPU s)",
            (c - b) / (b - a)
        );
    }

    // The same three patterns plus one that never occurs: past three distinct
    // patterns the searcher takes its Teddy path (one pass finds candidates).
    let teddy_path = ParallelSearcher::new(&["error", "warning", "critical", "\u{1}absent"]);
    let mut expected4 = expected.clone();
    expected4.push(0);
    assert_eq!(p1.install(|| teddy_path.count(hay)), expected4);
    let t1 = best(runs, || p1.install(|| teddy_path.count(hay)));
    let t2 = best(runs, || p2.install(|| teddy_path.count(hay)));
    println!(
        "{:<44} {:>6.2} GB/s",
        "count, 4 patterns (Teddy path), 1 thread",
        rate(t1)
    );
    println!(
        "{:<44} {:>6.2} GB/s",
        "count, 4 patterns (Teddy path), 2 threads",
        rate(t2)
    );

    let ac = AhoCorasick::new(patterns).unwrap();
    let d = best(runs, || ac.find_iter(hay).count());
    println!(
        "{:<44} {:>6.2} GB/s",
        "aho-corasick find_iter (default), 1 thread",
        rate(d)
    );
    let teddy = packed::Searcher::new(patterns).unwrap();
    let d = best(runs, || teddy.find_iter(hay).count());
    println!(
        "{:<44} {:>6.2} GB/s",
        "aho-corasick packed (Teddy), 1 thread",
        rate(d)
    );
    let finders: Vec<memmem::Finder> = patterns.iter().map(memmem::Finder::new).collect();
    let d = best(runs, || {
        finders.iter().map(|f| f.find_iter(hay).count()).sum::<usize>()
    });
    println!(
        "{:<44} {:>6.2} GB/s",
        "3 memmem finders (3 scans), 1 thread",
        rate(d)
    );
    let d = best(runs, || {
        patterns.iter().map(|p| text.matches(p).count()).sum::<usize>()
    });
    println!(
        "{:<44} {:>6.2} GB/s",
        "std str::matches (3 scans), 1 thread",
        rate(d)
    );
}
