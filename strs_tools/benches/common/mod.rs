//! Deterministic generated inputs shared by the benchmarks.

#![allow(dead_code)]

/// Benchmark input size in bytes: `STRS_BENCH_MB` MiB (default 256).
pub fn size() -> usize {
    std::env::var("STRS_BENCH_MB")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(256)
        << 20
}

/// A tiny deterministic generator (no `rand` needed for reproducible inputs).
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
/// `", "`-separated fields and an occasional `error`/`warning`/`critical`.
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
        use std::fmt::Write;
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
