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

use std::time::Duration;

use aho_corasick::{packed, AhoCorasick};
use memchr::memmem;
use strs_tools::parallel::ParallelSearcher;

mod support;
use support::{env, measure, Measured};

fn main() {
    let bytes = env("STRS_BENCH_BYTES", 256 << 20);
    let runs = env("STRS_BENCH_RUNS", 5);
    let text = strs_testdata::log_text(bytes);
    let hay = text.as_bytes();
    let patterns = ["error", "warning", "critical"];
    let gb = hay.len() as f64 / 1e9;
    let rate = |d: Duration| gb / d.as_secs_f64();
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let (p1, p2) = (pool(1), pool(2));
    let row = |label: &str, m: &Measured| {
        println!(
            "{label:<46} {:>6.2} GB/s wall {:>6.2} GB/s CPU",
            rate(m.wall),
            rate(m.busiest_cpu)
        );
    };

    // The answer every contender must give (std, one scan per pattern).
    let expected: Vec<usize> = patterns.iter().map(|p| text.matches(p).count()).collect();
    let searcher = ParallelSearcher::new(&patterns);
    assert_eq!(p1.install(|| searcher.count(hay)), expected);
    assert_eq!(p2.install(|| searcher.count(hay)), expected);
    let found = p2.install(|| searcher.find_all(hay));
    assert_eq!(found.len(), expected.iter().sum::<usize>());
    println!(
        "input {} MiB, {} matches {expected:?}, best of {runs} runs; \
         'CPU' = bytes per CPU-second of the busiest thread",
        hay.len() >> 20,
        found.len()
    );

    // The memory-bandwidth ceiling: a plain sum of the input as 8-byte words
    // (a byte-at-a-time fold is compute-bound here, not a ceiling).
    let word_sum = || {
        hay.chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .fold(0u64, u64::wrapping_add)
    };
    row(
        "word-sum loop (memory ceiling), 1 thread",
        &measure(&p1, runs, word_sum),
    );

    let c1 = measure(&p1, runs, || searcher.count(hay));
    let c2 = measure(&p2, runs, || searcher.count(hay));
    let f1 = measure(&p1, runs, || searcher.find_all(hay));
    let f2 = measure(&p2, runs, || searcher.find_all(hay));
    let speedups = |one: &Measured, two: &Measured| {
        format!(
            "speedup {:.2}x wall, {:.2}x CPU; work inflation {:.2}",
            one.wall.as_secs_f64() / two.wall.as_secs_f64(),
            one.busiest_cpu.as_secs_f64() / two.busiest_cpu.as_secs_f64(),
            two.total_cpu.as_secs_f64() / one.total_cpu.as_secs_f64()
        )
    };
    row("ParallelSearcher::count, 1 thread", &c1);
    row("ParallelSearcher::count, 2 threads", &c2);
    println!("{:<46} {}", "", speedups(&c1, &c2));
    row("ParallelSearcher::find_all, 1 thread", &f1);
    row("ParallelSearcher::find_all, 2 threads", &f2);
    println!("{:<46} {}", "", speedups(&f1, &f2));

    // The same three patterns plus one that never occurs: past three distinct
    // patterns the searcher takes its Teddy path (one pass finds candidates).
    let teddy_path = ParallelSearcher::new(&["error", "warning", "critical", "\u{1}absent"]);
    let mut expected4 = expected.clone();
    expected4.push(0);
    assert_eq!(p1.install(|| teddy_path.count(hay)), expected4);
    row(
        "count, 4 patterns (Teddy path), 1 thread",
        &measure(&p1, runs, || teddy_path.count(hay)),
    );
    row(
        "count, 4 patterns (Teddy path), 2 threads",
        &measure(&p2, runs, || teddy_path.count(hay)),
    );

    let ac = AhoCorasick::new(patterns).unwrap();
    assert_eq!(ac.find_iter(hay).count(), found.len());
    row(
        "aho-corasick find_iter (default), 1 thread",
        &measure(&p1, runs, || ac.find_iter(hay).count()),
    );
    let teddy = packed::Searcher::new(patterns).unwrap();
    assert_eq!(teddy.find_iter(hay).count(), found.len());
    row(
        "aho-corasick packed (Teddy), 1 thread",
        &measure(&p1, runs, || teddy.find_iter(hay).count()),
    );
    let finders: Vec<memmem::Finder> = patterns.iter().map(memmem::Finder::new).collect();
    let memmem_count = || finders.iter().map(|f| f.find_iter(hay).count()).sum::<usize>();
    assert_eq!(memmem_count(), found.len());
    row(
        "3 memmem finders (3 scans), 1 thread",
        &measure(&p1, runs, memmem_count),
    );
    let std_count = || patterns.iter().map(|p| text.matches(p).count()).sum::<usize>();
    row(
        "std str::matches (3 scans), 1 thread",
        &measure(&p1, runs, std_count),
    );
}
