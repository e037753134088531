//! Word frequencies: the naive `split_ascii_whitespace` + std `HashMap` loop,
//! ours sequential, ours at 1 and 2 threads, and the hash map candidates.
//!
//! ```text
//! STRS_BENCH_BYTES=$((256<<20)) cargo bench -p strs_tools@0.1.0 --bench words
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::time::{Duration, Instant};

use strs_tools::parallel::{par_word_frequencies, word_frequencies};

/// Deterministic text: a Zipf-like mix of common words (some capitalised) and a
/// long tail of 50 000 identifiers, lines of about 60 bytes.
fn text(bytes: usize) -> String {
    let common = [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "it",
        "The",
        "request",
        "error",
        "Warning",
        "user",
        "server",
        "returned",
        "with",
        "from",
        "by",
        "on",
        "GET",
        "POST",
        "timeout",
        "connection",
    ];
    let mut text = String::with_capacity(bytes + 64);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut col = 0;
    while text.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let before = text.len();
        if x % 10 < 7 {
            text.push_str(common[((x >> 8) % common.len() as u64) as usize]);
        } else {
            text.push_str(&format!("Id{}", (x >> 16) % 50_000));
        }
        col += text.len() - before + 1;
        if col > 60 {
            text.push('\n');
            col = 0;
        } else {
            text.push(if x % 17 == 0 { '\t' } else { ' ' });
        }
    }
    text
}

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

fn naive(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for w in text.split_ascii_whitespace() {
        *counts.entry(w.to_ascii_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// Our counting loop with the hasher as a parameter: the measurement behind the
/// choice of hasher in `parallel::words`.
fn with_hasher<S: BuildHasher + Default>(text: &[u8]) -> usize {
    let mut map: HashMap<Cow<[u8]>, usize, S> = HashMap::default();
    let mut lower = Vec::new();
    for w in text.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()) {
        let upper = w.iter().any(u8::is_ascii_uppercase);
        let key: &[u8] = if upper {
            lower.clear();
            lower.extend(w.iter().map(u8::to_ascii_lowercase));
            &lower
        } else {
            w
        };
        match map.get_mut(key) {
            Some(c) => *c += 1,
            None => {
                map.insert(
                    if upper {
                        Cow::Owned(key.to_vec())
                    } else {
                        Cow::Borrowed(w)
                    },
                    1,
                );
            }
        }
    }
    map.len()
}

fn main() {
    let bytes = env("STRS_BENCH_BYTES", 256 << 20);
    let runs = env("STRS_BENCH_RUNS", 3);
    let text = text(bytes);
    let mb = text.len() as f64 / 1e6;
    let rate = |d: Duration| mb / d.as_secs_f64();
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let (p1, p2) = (pool(1), pool(2));

    let expected = naive(&text);
    assert_eq!(word_frequencies(&text), expected);
    assert_eq!(p2.install(|| par_word_frequencies(&text, 0)), expected);
    println!(
        "input {} MiB, {} distinct words, best of {runs} runs",
        text.len() >> 20,
        expected.len()
    );

    let n = best(runs, || naive(&text));
    println!(
        "{:<48} {:>7.0} MB/s",
        "naive split_ascii_whitespace + std HashMap",
        rate(n)
    );
    let s = best(runs, || word_frequencies(&text));
    println!(
        "{:<48} {:>7.0} MB/s  {:.2}x naive",
        "word_frequencies (sequential)",
        rate(s),
        n.as_secs_f64() / s.as_secs_f64()
    );
    let t1 = best(runs, || p1.install(|| par_word_frequencies(&text, 0)));
    println!(
        "{:<48} {:>7.0} MB/s  {:.2}x naive",
        "par_word_frequencies, 1 thread",
        rate(t1),
        n.as_secs_f64() / t1.as_secs_f64()
    );
    let t2 = best(runs, || p2.install(|| par_word_frequencies(&text, 0)));
    println!(
        "{:<48} {:>7.0} MB/s  speedup {:.2}x",
        "par_word_frequencies, 2 threads",
        rate(t2),
        t1.as_secs_f64() / t2.as_secs_f64()
    );

    let d = best(runs, || {
        with_hasher::<std::collections::hash_map::RandomState>(text.as_bytes())
    });
    println!("{:<48} {:>7.0} MB/s", "counting loop, std SipHash", rate(d));
    let d = best(runs, || {
        with_hasher::<foldhash::fast::RandomState>(text.as_bytes())
    });
    println!("{:<48} {:>7.0} MB/s", "counting loop, foldhash (chosen)", rate(d));
}
