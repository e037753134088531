//! Word frequencies: the naive `split_ascii_whitespace` + std `HashMap` loop,
//! ours sequential, ours at 1 and 2 threads, and the hash map candidates.
//!
//! ```text
//! STRS_BENCH_BYTES=$((256<<20)) cargo bench -p strs_tools@0.1.0 --bench words
//! ```

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::time::Duration;

use strs_tools::parallel::{par_word_frequencies, word_frequencies};

mod support;
use support::{env, measure, Measured};

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
            text.push(if x.is_multiple_of(17) { '\t' } else { ' ' });
        }
    }
    text
}

fn naive(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for w in text.split_ascii_whitespace() {
        *counts.entry(w.to_ascii_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// The key type of `parallel::words` (copied: it is private), so the hasher
/// comparison below measures what the library does.
#[derive(Clone)]
enum WordKey {
    Inline { len: u8, bytes: [u8; 22] },
    Boxed(Box<[u8]>),
}

impl WordKey {
    fn new(word: &[u8]) -> WordKey {
        if word.len() <= 22 {
            let mut bytes = [0; 22];
            bytes[..word.len()].copy_from_slice(word);
            WordKey::Inline {
                len: word.len() as u8,
                bytes,
            }
        } else {
            WordKey::Boxed(word.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            WordKey::Inline { len, bytes } => &bytes[..usize::from(*len)],
            WordKey::Boxed(bytes) => bytes,
        }
    }
}

impl std::borrow::Borrow<[u8]> for WordKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::hash::Hash for WordKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialEq for WordKey {
    fn eq(&self, other: &WordKey) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for WordKey {}

/// The library's counting loop with the hasher as a parameter: the measurement
/// behind the choice of hasher in `parallel::words`.
fn with_hasher<S: BuildHasher + Default>(text: &[u8]) -> usize {
    let mut map: HashMap<WordKey, usize, S> = HashMap::default();
    let mut lower = Vec::new();
    // The library's separators (`wc::is_space`): ASCII whitespace and `\v`.
    let space = |b: &u8| b.is_ascii_whitespace() || *b == 0x0b;
    for w in text.split(space).filter(|w| !w.is_empty()) {
        let key: &[u8] = if w.iter().any(u8::is_ascii_uppercase) {
            lower.clear();
            lower.extend(w.iter().map(u8::to_ascii_lowercase));
            &lower
        } else {
            w
        };
        match map.get_mut(key) {
            Some(c) => *c += 1,
            None => {
                map.insert(WordKey::new(key), 1);
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
    row(
        "counting loop, std SipHash",
        &measure(&p1, runs, || {
            with_hasher::<std::collections::hash_map::RandomState>(text.as_bytes())
        }),
    );
    row(
        "counting loop, foldhash (chosen)",
        &measure(&p1, runs, || {
            with_hasher::<foldhash::fast::RandomState>(text.as_bytes())
        }),
    );
}
