//! Peak memory of a lazy parallel split, measured in a fresh process: generates
//! `MiB` of log lines, records the peak resident set (VmHWM), then counts the
//! lines with `par_split` on `threads` threads and reports how much the peak
//! grew. Linux only (reads /proc/self/status).
//!
//! `cargo run --release -p strs_tools@0.1.0 --example split_memory -- [MiB] [threads] [count|map|collect|multi]`

use rayon::iter::ParallelIterator;
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

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(256);
    let threads: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mode = args.next().unwrap_or_else(|| "count".into());
    let mut text = String::with_capacity((mib << 20) + 128);
    let mut i = 0u64;
    while text.len() < mib << 20 {
        i += 1;
        text.push_str(&format!("{i} INFO worker-{} GET /api/{} 200\n", i % 16, i % 97));
    }
    // The reference in the same process and load: memchr's iterator, one thread.
    let t = Instant::now();
    let expected = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let memchr_secs = t.elapsed().as_secs_f64();
    // `count` above is memchr's counting kernel; iterating visits every match.
    let t = Instant::now();
    let visited = memchr::memchr_iter(b'\n', text.as_bytes()).fold(1usize, |n, i| n + (i >> 63));
    let iter_secs = t.elapsed().as_secs_f64();
    assert!(visited >= 1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    // Warm the pool's threads (their stacks count towards the peak) first.
    pool.install(|| "a\nb".par_split(&["\n"]).count());
    let before = peak_kib();
    let t = Instant::now();
    let n = pool.install(|| match mode.as_str() {
        "count" => text.par_split(&["\n"]).count(),
        "map" => text.par_split_map(&["\n"], str::len).filter(|&l| l > 0).count() + 1,
        "collect" => text.par_split(&["\n"]).collect_vec().len(),
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
                text.len() as f64 / seq_secs / 1e9,
                text.len() as f64 / par_secs / 1e9
            );
            text.par_split(&["\n"]).count()
        }
        other => panic!("unknown mode {other}: count, map, collect or multi"),
    });
    let elapsed = t.elapsed();
    assert_eq!(n, expected, "the split must find every line");
    let after = peak_kib();
    if mode == "collect" {
        // The two other ways to collect `Vec<&str>`, after the peak was read.
        let time = |f: &(dyn Fn() -> usize + Sync)| {
            let t = Instant::now();
            assert_eq!(pool.install(f), expected);
            text.len() as f64 / t.elapsed().as_secs_f64() / 1e9
        };
        let ours = time(&|| text.par_split(&["\n"]).collect::<Vec<&str>>().len());
        let rayon = time(&|| {
            rayon::str::ParallelString::par_split(text.as_str(), '\n')
                .collect::<Vec<&str>>()
                .len()
        });
        println!("collect::<Vec<&str>>(): par_split {ours:.2} GB/s, rayon par_split('\\n') {rayon:.2} GB/s");
    }
    let gbps = |secs: f64| text.len() as f64 / secs / 1e9;
    println!(
        "{mode} {mib} MiB on {threads} thread(s): {n} pieces, {:.2} GB/s (memchr_iter count {:.2}, iterated {:.2} GB/s), peak RSS +{:.1} MiB over input ({:.1} MiB input)",
        gbps(elapsed.as_secs_f64()),
        gbps(memchr_secs),
        gbps(iter_secs),
        after.saturating_sub(before) as f64 / 1024.0,
        text.len() as f64 / (1 << 20) as f64,
    );
}
