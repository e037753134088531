//! Deterministic generated inputs for the benchmarks (`strs bench` and the
//! library's criterion benches, which include this file by path).

#![allow(dead_code)]

use std::fmt::Write;

/// Benchmark input size in bytes for criterion benches: `STRS_BENCH_MB` MiB
/// (default 256).
pub fn size() -> usize {
    std::env::var("STRS_BENCH_MB")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(256)
        << 20
}

/// A tiny deterministic generator: reproducible inputs without a `rand`
/// dependency.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Log-like text of about `len` bytes: CRLF-terminated lines of ~100 bytes with
/// `", "`-separated fields; about one line in eight mentions `error`, `warning`
/// or `critical`.
pub fn log_text(len: usize) -> String {
    const LEVELS: [&str; 8] = [
        "INFO", "INFO", "INFO", "DEBUG", "INFO", "warning", "error", "critical",
    ];
    const PATHS: [&str; 5] = [
        "/api/v1/items",
        "/login",
        "/static/app.js",
        "/api/v2/orders/search",
        "/health",
    ];
    let mut rng = Lcg::new(42);
    let mut s = String::with_capacity(len + 200);
    let mut t = 1_700_000_000u64;
    while s.len() < len {
        t += rng.below(3);
        let level = LEVELS[rng.below(8) as usize];
        let path = PATHS[rng.below(5) as usize];
        let _ = write!(
            s,
            "{t} {level} worker-{}, id={}, path={path}, status={}, latency={}ms\r\n",
            rng.below(16),
            rng.next_u64(),
            [200, 200, 200, 404, 500][rng.below(5) as usize],
            rng.below(900)
        );
    }
    s
}

/// Prose-like text of about `len` bytes: words drawn from a skewed vocabulary
/// (a few very common, many rare), mixed case, with punctuation and newlines.
pub fn prose_text(len: usize) -> String {
    const COMMON: [&str; 12] = [
        "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "The", "AND",
    ];
    let mut rng = Lcg::new(7);
    let mut s = String::with_capacity(len + 64);
    while s.len() < len {
        if rng.below(3) > 0 {
            s.push_str(COMMON[rng.below(12) as usize]);
        } else {
            // A rare word: one of ~50k synthetic ones.
            let _ = write!(s, "w{}x", rng.below(50_000));
        }
        s.push(match rng.below(20) {
            0 => '\n',
            1 => '\t',
            _ => ' ',
        });
    }
    s
}

/// CSV of about `len` bytes: 8 columns; about 10 % of the rows carry a quoted
/// free-text field with commas, doubled quotes and newlines.
pub fn csv_text(len: usize) -> String {
    let mut rng = Lcg::new(1234);
    let mut s = String::with_capacity(len + 256);
    s.push_str("id,time,user,country,amount,status,comment,score\n");
    let mut id = 0u64;
    while s.len() < len {
        id += 1;
        let comment = match rng.below(10) {
            0 => format!("\"said \"\"hi\"\", then left,\nlater: {} items\"", rng.below(100)),
            1 => "\"plain, quoted\"".to_string(),
            _ => format!("note{}", rng.below(1000)),
        };
        let _ = writeln!(
            s,
            "{id},{},user{},{},{}.{:02},{},{comment},{}",
            1_700_000_000 + rng.below(1_000_000),
            rng.below(100_000),
            ["DE", "US", "FR", "JP", "BR"][rng.below(5) as usize],
            rng.below(10_000),
            rng.below(100),
            ["ok", "failed", "pending"][rng.below(3) as usize],
            rng.below(100)
        );
    }
    s
}
