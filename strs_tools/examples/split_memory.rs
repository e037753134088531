//! Peak memory and throughput of the lazy parallel split, in a fresh process:
//! generates `MiB` of log lines, records the peak resident set (VmHWM), runs the
//! split `reps` times on `threads` threads and reports the median throughput and
//! how much the peak grew. Linux only (reads /proc/self/status).
//!
//! `cargo run --release -p strs_tools@0.1.0 --example split_memory -- [MiB] [threads] [count|map|collect|into|multi] [reps]`
//!
//! Every mode also measures, in the same process and on the same pool, the
//! memory-read ceiling: a parallel sum of the input's 8-byte words, which no
//! scan of the input can beat. `collect` also times the other ways to collect
//! `Vec<&str>`: rayon's `collect`, rayon's own `par_split('\n')`, and
//! `collect_into_vec` into a reused vector (which `into` times alone).

use rayon::iter::{IndexedParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};
use rayon::slice::ParallelSlice;
use std::time::Instant;
use strs_tools::parallel::ParallelStringExt;

/// The process's peak resident set in KiB, from /proc/self/status.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

/// Runs `f` `reps` times and returns the median throughput over `bytes` in
/// GB/s, with the slowest and fastest. What `f` returns is dropped after the
/// clock stops: freeing a result is not part of making it.
fn measure<R>(bytes: usize, reps: usize, mut f: impl FnMut() -> R) -> (f64, f64, f64) {
    let mut rates: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            let result = f();
            let rate = bytes as f64 / t.elapsed().as_secs_f64() / 1e9;
            drop(result);
            rate
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    (rates[rates.len() / 2], rates[0], rates[rates.len() - 1])
}

fn show((median, min, max): (f64, f64, f64)) -> String {
    format!("{median:.2} GB/s (min {min:.2}, max {max:.2})")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(256);
    let threads: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mode = args.next().unwrap_or_else(|| "count".into());
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let mut text = String::with_capacity((mib << 20) + 128);
    let mut i = 0u64;
    while text.len() < mib << 20 {
        i += 1;
        text.push_str(&format!("{i} INFO worker-{} GET /api/{} 200\n", i % 16, i % 97));
    }
    let len = text.len();
    let expected = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    // Warm the pool's threads (their stacks count towards the peak) first.
    pool.install(|| "a\nb".par_split(&["\n"]).count());
    let before = peak_kib();
    let mut reused = Vec::new();
    let mut run = || {
        pool.install(|| match mode.as_str() {
            "count" => (text.par_split(&["\n"]).count(), None),
            "map" => (
                text.par_split_map(&["\n"], str::len).filter(|&l| l > 0).count() + 1,
                None,
            ),
            "collect" => {
                let pieces = text.par_split(&["\n"]).collect_vec();
                (pieces.len(), Some(pieces))
            }
            "into" => {
                text.par_split(&["\n"]).collect_into_vec(&mut reused);
                (reused.len(), None)
            }
            "multi" => {
                // Several delimiters: the sequential split beside the parallel one.
                let t = Instant::now();
                let seq = strs_tools::string::split()
                    .delimiters([", ", "\n"])
                    .preserving_delimiters(false)
                    .preserving_empty(true)
                    .build()
                    .expect("two delimiters compile")
                    .split(&text)
                    .count();
                let seq_secs = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let par = text.par_split(&[", ", "\n"]).count();
                let par_secs = t.elapsed().as_secs_f64();
                assert_eq!(seq, par);
                println!(
                    "[\", \", \"\\n\"]: sequential {:.2} GB/s, par_split {:.2} GB/s",
                    len as f64 / seq_secs / 1e9,
                    len as f64 / par_secs / 1e9
                );
                (text.par_split(&["\n"]).count(), None)
            }
            other => panic!("unknown mode {other}: count, map, collect, into or multi"),
        })
    };
    // A collected result is handed back to be freed after the clock stops.
    assert_eq!(run().0, expected, "the split must find every line");
    let after = peak_kib();
    let split = measure(len, reps, || {
        let (n, kept) = run();
        assert_eq!(n, expected);
        kept
    });
    // Reading every word of the input, on the same pool: the ceiling.
    let words = |bytes: &[u8]| {
        bytes
            .par_chunks(1 << 16)
            .with_min_len(16)
            .map(|c| {
                c.chunks_exact(8)
                    .fold(0u64, |s, w| s ^ u64::from_le_bytes(w.try_into().unwrap()))
            })
            .reduce(|| 0, |a, b| a ^ b)
    };
    let ceiling = measure(len, reps.max(5), || {
        std::hint::black_box(pool.install(|| words(text.as_bytes())));
    });
    println!(
        "{mode} {mib} MiB on {threads} thread(s), {reps} run(s): {expected} pieces, {}; memory-read ceiling {} ({:.0} % of it); peak RSS +{:.1} MiB over input ({:.1} MiB input)",
        show(split),
        show(ceiling),
        100.0 * split.0 / ceiling.0,
        after.saturating_sub(before) as f64 / 1024.0,
        len as f64 / (1 << 20) as f64,
    );
    if mode == "collect" {
        let ours = measure(len, reps, || {
            let pieces = pool.install(|| text.par_split(&["\n"]).collect::<Vec<&str>>());
            assert_eq!(pieces.len(), expected);
            pieces
        });
        let rayon = measure(len, reps, || {
            let pieces = pool.install(|| {
                rayon::str::ParallelString::par_split(text.as_str(), '\n').collect::<Vec<&str>>()
            });
            assert_eq!(pieces.len(), expected);
            pieces
        });
        // What a fresh vector of that many 16-byte items costs to write, in
        // place and in parallel, with nothing to read: the page faults of first
        // touch bound any collect into fresh memory.
        let fresh = measure(len, reps, || {
            pool.install(|| {
                let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(expected);
                pairs.par_extend((0..expected).into_par_iter().map(|i| (i, i)));
                pairs
            })
        });
        let mut reused = Vec::new();
        pool.install(|| text.par_split(&["\n"]).collect_into_vec(&mut reused));
        let warm = measure(len, reps, || {
            pool.install(|| text.par_split(&["\n"]).collect_into_vec(&mut reused));
            assert_eq!(reused.len(), expected);
        });
        println!(
            "collect_vec {:.2}x rayon par_split('\\n') collect {}; collect::<Vec<&str>>() {}; collect_into_vec, reused vector: {}; writing a fresh Vec of as many (usize, usize) alone: {}",
            split.0 / rayon.0,
            show(rayon),
            show(ours),
            show(warm),
            show(fresh)
        );
    }
}
