//! Word frequencies: the naive `split_ascii_whitespace` + std `HashMap` loop,
//! ours sequential, and ours at 1 and 2 threads, on the shared prose text.
//!
//! ```text
//! STRS_BENCH_BYTES=$((256<<20)) cargo bench -p strs_tools@0.1.0 --bench words
//! ```

use std::collections::HashMap;
use std::time::Duration;

use strs_tools::parallel::{par_word_frequencies, word_frequencies};

mod support;
use support::{env, measure, Measured};

fn naive(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for w in text.split_ascii_whitespace() {
        *counts.entry(w.to_ascii_lowercase()).or_insert(0) += 1;
    }
    counts
}

fn main() {
    let bytes = env("STRS_BENCH_BYTES", 256 << 20);
    let runs = env("STRS_BENCH_RUNS", 3);
    let text = strs_testdata::prose_text(bytes);
    let mb = text.len() as f64 / 1e6;
    let rate = |d: Duration| mb / d.as_secs_f64();
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let (p1, p2) = (pool(1), pool(2));

    let expected = naive(&text);
    assert_eq!(word_frequencies(&text), expected);
    assert_eq!(p2.install(|| par_word_frequencies(&text, 0)), expected);
    println!(
        "input {} MiB, {} distinct words, best of {runs} runs; 'CPU' = per CPU-second of the busiest thread",
        text.len() >> 20,
        expected.len()
    );
    let n = measure(&p1, runs, || naive(&text));
    let row = |label: &str, m: &Measured| {
        println!(
            "{label:<44} {:>5.0} MB/s wall {:>5.0} MB/s CPU  {:.2}x naive (CPU)",
            rate(m.wall),
            rate(m.busiest_cpu),
            n.busiest_cpu.as_secs_f64() / m.busiest_cpu.as_secs_f64()
        );
    };
    row("naive split_ascii_whitespace + std HashMap", &n);
    row(
        "word_frequencies (sequential)",
        &measure(&p1, runs, || word_frequencies(&text)),
    );
    let t1 = measure(&p1, runs, || par_word_frequencies(&text, 0));
    let t2 = measure(&p2, runs, || par_word_frequencies(&text, 0));
    row("par_word_frequencies, 1 thread", &t1);
    row("par_word_frequencies, 2 threads", &t2);
    println!(
        "{:<44} speedup {:.2}x wall, {:.2}x CPU",
        "",
        t1.wall.as_secs_f64() / t2.wall.as_secs_f64(),
        t1.busiest_cpu.as_secs_f64() / t2.busiest_cpu.as_secs_f64()
    );
}
