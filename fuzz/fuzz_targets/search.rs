//! Parallel multi-pattern search against a naive scan per pattern with
//! `match_indices` semantics (leftmost, non-overlapping per pattern, empty
//! patterns never match), and against `str::match_indices` itself when the
//! input and patterns are UTF-8: `ParallelSearcher::find_all` / `count` at a
//! fuzzed chunk size, the `par_find_all` / `par_count` shorthands, and the
//! streamed search (`find_reader` through a reader of short reads and
//! `Interrupted`, with a fuzzed window; `windows` over caller-cut windows), on
//! 1..3 threads.
//!
//! Layout: `[count, chunk, threads, seed, hay...]`. The patterns are slices of
//! the haystack (so they match) picked by a generator seeded from `seed`, some
//! with a byte changed (so they may not); `count` reaches every engine: up to
//! 3 patterns, up to 64, and more.
#![no_main]

use std::io::{self, Read};
use std::ops::ControlFlow;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rayon::{ThreadPool, ThreadPoolBuilder};
use strs_tools::parallel::{ParallelBytesExt, ParallelSearcher, ParallelStringExt};

fn pool(threads: usize) -> &'static ThreadPool {
    static POOLS: OnceLock<Vec<ThreadPool>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| {
        (1..=3)
            .map(|n| {
                ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .expect("a small pool")
            })
            .collect()
    });
    &pools[threads - 1]
}

/// Hands out `data` in reads of the sizes in `sizes`, in turn (0: `Interrupted`).
struct ShortReads<'a> {
    data: &'a [u8],
    sizes: [usize; 3],
    turn: usize,
}

impl Read for ShortReads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        let size = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        if size == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Every match of every pattern, `(start, pattern)`, sorted, by the obvious scan.
fn naive(hay: &[u8], patterns: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let mut all = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        if p.is_empty() {
            continue;
        }
        let mut at = 0;
        while at + p.len() <= hay.len() {
            if hay[at..].starts_with(p) {
                all.push((at, i));
                at += p.len();
            } else {
                at += 1;
            }
        }
    }
    all.sort_unstable();
    all
}

fuzz_target!(|data: &[u8]| {
    let [count, chunk, threads, seed, hay @ ..] = data else {
        return;
    };
    let count = match count >> 6 {
        0 | 1 => usize::from(count % 4),
        2 => 4 + usize::from(count % 61),
        _ => 65 + usize::from(count % 64),
    };
    let chunk = usize::from(*chunk); // 0: automatic
    let threads = 1 + usize::from(*threads) % 3;
    let mut state = u32::from(*seed).wrapping_mul(0x9E37_79B9) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let patterns: Vec<Vec<u8>> = (0..count)
        .map(|_| {
            let r = next();
            if hay.is_empty() {
                return vec![b'a'; (r % 3) as usize];
            }
            let at = r as usize % hay.len();
            let len = if r >> 28 == 0 {
                (r >> 8) as usize % 17
            } else {
                (r >> 8) as usize % 5
            };
            let mut p = hay[at..hay.len().min(at + len)].to_vec();
            if r >> 24 & 7 == 0 {
                if let Some(last) = p.last_mut() {
                    *last = last.wrapping_add(1);
                }
            }
            p
        })
        .collect();
    let expected = naive(hay, &patterns);
    let mut counts = vec![0; patterns.len()];
    for &(_, i) in &expected {
        counts[i] += 1;
    }

    pool(threads).install(|| {
        let searcher = ParallelSearcher::new(&patterns).chunk_size(chunk);
        let found = searcher.find_all(hay);
        for m in &found {
            assert_eq!(m.end - m.start, patterns[m.pattern].len(), "{m:?}");
        }
        let found: Vec<(usize, usize)> = found.iter().map(|m| (m.start, m.pattern)).collect();
        assert_eq!(found, expected);
        assert_eq!(searcher.count(hay), counts);

        // Streamed through short reads, in windows of 1..47 bytes (0: automatic).
        let sizes = [usize::from(*seed % 5), 1 + usize::from(*seed % 11), 200];
        let reader = ShortReads {
            data: hay,
            sizes,
            turn: 0,
        };
        let mut streamed = Vec::new();
        searcher
            .find_reader(reader, chunk % 48, |batch| {
                streamed.extend(batch.iter().map(|m| (m.start, m.pattern)));
                ControlFlow::Continue(())
            })
            .expect("no read fails");
        assert_eq!(streamed, expected);

        // Caller-cut windows, each repeating the last `overlap` bytes of the one before.
        let overlap = searcher.overlap();
        let step = 1 + usize::from(*seed % 16);
        let mut windows = searcher.windows();
        let mut windowed = Vec::new();
        let mut prev_end = 0;
        loop {
            let from = if prev_end == 0 { 0 } else { prev_end - overlap };
            let mut end = (prev_end + step).min(hay.len());
            if end - from <= overlap {
                end = (from + overlap + 1).min(hay.len());
            }
            let last = end == hay.len();
            windowed.extend(
                windows
                    .search(&hay[from..end], last)
                    .iter()
                    .map(|m| (m.start, m.pattern)),
            );
            if last {
                break;
            }
            prev_end = end;
        }
        assert_eq!(windowed, expected);

        let refs: Vec<&[u8]> = patterns.iter().map(Vec::as_slice).collect();
        let shorthand: Vec<(usize, usize)> = hay
            .par_find_all(&refs)
            .iter()
            .map(|&(at, m)| (at, m.len()))
            .collect();
        let lens: Vec<(usize, usize)> = expected.iter().map(|&(at, i)| (at, patterns[i].len())).collect();
        assert_eq!(shorthand, lens);
        assert_eq!(hay.par_count(&refs), counts);

        let text = std::str::from_utf8(hay).ok();
        let strs: Option<Vec<&str>> = patterns.iter().map(|p| std::str::from_utf8(p).ok()).collect();
        if let (Some(text), Some(strs)) = (text, strs) {
            let mut std_all: Vec<(usize, usize, &str)> = strs
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.is_empty())
                .flat_map(|(i, p)| text.match_indices(p).map(move |(at, m)| (at, i, m)))
                .collect();
            std_all.sort_by_key(|&(at, i, _)| (at, i));
            let std_pairs: Vec<(usize, &str)> = std_all.iter().map(|&(at, _, m)| (at, m)).collect();
            assert_eq!(text.par_find_all(&strs), std_pairs);
            assert_eq!(text.par_count(&strs), counts);
        }
    });
});
