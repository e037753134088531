//! Multi-pattern search on generated log text: `par_find_all` and `par_count`
//! with three patterns at 1 and 2 threads, in the same criterion group as the
//! peers (aho-corasick's packed Teddy searcher counting its matches, three memmem
//! finders), and a second group past Teddy's pattern limit. Every contender's
//! answer is checked before it is timed.
//!
//! On a loaded machine wall times measure the other jobs too, so the bench ends
//! with a table of the CPU time of the busiest pool thread per run (best of
//! `STRS_BENCH_RUNS`, default 5), which is what the same run costs on an idle
//! machine, memory-bandwidth contention aside.
//!
//! `STRS_BENCH_BYTES` sets the input size (default 256 MiB):
//!
//! ```text
//! STRS_BENCH_BYTES=$((64<<20)) cargo bench -p strs_tools@0.1.0 --bench search
//! ```

use std::hint::black_box;
use std::time::Duration;

use aho_corasick::packed;
use criterion::{BenchmarkId, Criterion, Throughput};
use memchr::memmem;
use strs_tools::parallel::{ParallelSearcher, ParallelStringExt};

const PATTERNS: [&str; 3] = ["error", "warning", "critical"];

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a small pool")
}

/// CPU time the calling thread has run, in ns.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Best of `runs`: the CPU time of the pool's busiest thread while `f` runs on it.
fn busiest_cpu<R: Send>(pool: &rayon::ThreadPool, runs: usize, f: impl Fn() -> R + Sync) -> Duration {
    (0..runs)
        .map(|_| {
            let before = pool.broadcast(|_| thread_cpu_ns());
            black_box(pool.install(&f));
            let after = pool.broadcast(|_| thread_cpu_ns());
            let busiest = before.iter().zip(&after).map(|(b, a)| a - b).max().unwrap_or(0);
            Duration::from_nanos(busiest)
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    // Log lines of about 100 bytes; three lines in eight carry one of the three
    // patterns (as their level), so matches are dense.
    let text = strs_testdata::log_text(env("STRS_BENCH_BYTES", 256 << 20));
    let hay = text.as_bytes();
    let (p1, p2) = (pool(1), pool(2));

    // The answers: std, one scan per pattern.
    let per_pattern: Vec<usize> = PATTERNS.iter().map(|p| text.matches(p).count()).collect();
    let total: usize = per_pattern.iter().sum();
    let mut expected: Vec<(usize, &str)> = PATTERNS.iter().flat_map(|p| text.match_indices(p)).collect();
    expected.sort_unstable();
    for p in [&p1, &p2] {
        assert_eq!(p.install(|| text.par_find_all(&PATTERNS)), expected);
        assert_eq!(p.install(|| text.par_count(&PATTERNS)), per_pattern);
    }
    drop(expected);
    let teddy = packed::Searcher::new(PATTERNS).expect("Teddy on x86_64");
    assert_eq!(teddy.find_iter(hay).count(), total);
    let finders: Vec<memmem::Finder> = PATTERNS.iter().map(memmem::Finder::new).collect();
    let memmem_count = || finders.iter().map(|f| f.find_iter(hay).count()).sum::<usize>();
    assert_eq!(memmem_count(), total);

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("search_3_patterns");
    group
        .throughput(Throughput::Bytes(hay.len() as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (threads, p) in [(1, &p1), (2, &p2)] {
        group.bench_function(BenchmarkId::new("par_find_all", threads), |b| {
            b.iter(|| p.install(|| text.par_find_all(&PATTERNS)))
        });
        group.bench_function(BenchmarkId::new("par_count", threads), |b| {
            b.iter(|| p.install(|| text.par_count(&PATTERNS)))
        });
    }
    group.bench_function(BenchmarkId::new("aho_corasick_packed_count", 1), |b| {
        b.iter(|| teddy.find_iter(hay).count())
    });
    group.bench_function(BenchmarkId::new("memmem_x3_count", 1), |b| b.iter(memmem_count));
    group.finish();

    // Eight patterns, no two of whose matches can overlap: Teddy finds them.
    let eight = [
        "error",
        "warning",
        "critical",
        "id=1",
        "/login",
        "status=404",
        "worker-7,",
        "\u{1}",
    ];
    let searcher = ParallelSearcher::new(&eight);
    let teddy8 = packed::Searcher::new(eight).expect("Teddy on x86_64");
    // These eight never overlap each other, so Teddy's leftmost-first count is
    // the total of the per-pattern counts.
    let counts8 = p2.install(|| searcher.count(hay));
    assert_eq!(counts8, eight.map(|p| text.matches(p).count()));
    assert_eq!(teddy8.find_iter(hay).count(), counts8.iter().sum::<usize>());
    let mut group = c.benchmark_group("search_8_patterns");
    group
        .throughput(Throughput::Bytes(hay.len() as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (threads, p) in [(1, &p1), (2, &p2)] {
        group.bench_function(BenchmarkId::new("find_all", threads), |b| {
            b.iter(|| p.install(|| searcher.find_all(hay)))
        });
    }
    group.bench_function(BenchmarkId::new("aho_corasick_packed_count", 1), |b| {
        b.iter(|| teddy8.find_iter(hay).count())
    });
    group.finish();
    c.final_summary();

    let runs = env("STRS_BENCH_RUNS", 5);
    let gb = hay.len() as f64 / 1e9;
    let rate = |d: Duration| gb / d.as_secs_f64();
    let teddy1 = rate(busiest_cpu(&p1, runs, || teddy.find_iter(hay).count()));
    let find1 = rate(busiest_cpu(&p1, runs, || text.par_find_all(&PATTERNS)));
    let find2 = rate(busiest_cpu(&p2, runs, || text.par_find_all(&PATTERNS)));
    println!(
        "busiest-thread CPU, {} MiB, {total} matches, best of {runs}:",
        hay.len() >> 20
    );
    println!("  aho-corasick packed count, 1 thread  {teddy1:6.2} GB/s");
    println!(
        "  par_find_all, 1 thread               {find1:6.2} GB/s  ({:.2}x the peer)",
        find1 / teddy1
    );
    println!(
        "  par_find_all, 2 threads              {find2:6.2} GB/s  ({:.2}x the peer)",
        find2 / teddy1
    );
    let teddy8_1 = rate(busiest_cpu(&p1, runs, || teddy8.find_iter(hay).count()));
    let find8_1 = rate(busiest_cpu(&p1, runs, || searcher.find_all(hay)));
    let find8_2 = rate(busiest_cpu(&p2, runs, || searcher.find_all(hay)));
    println!("  eight patterns: aho-corasick packed count, 1 thread {teddy8_1:6.2} GB/s");
    println!(
        "  eight patterns: find_all, 1 / 2 threads     {find8_1:6.2} / {find8_2:6.2} GB/s  ({:.2}x / {:.2}x the peer)",
        find8_1 / teddy8_1,
        find8_2 / teddy8_1
    );
}
