//! The windowed and streamed search: for every window size, reads of every
//! length and 1..4 threads, exactly the matches of a per-pattern
//! `match_indices` over the whole input (which `find_all` also gives).

use std::io::{self, Read};
use std::ops::ControlFlow;

use proptest::prelude::*;
use strs_tools::matcher::Match;
use strs_tools::parallel::{ParallelSearcher, StreamErrorKind};

/// Per pattern, leftmost non-overlapping matches (`match_indices`), merged by
/// start then pattern.
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

fn spans(found: &[Match]) -> Vec<(usize, usize)> {
    found.iter().map(|m| (m.start, m.pattern)).collect()
}

/// The windows `find_reader` would cut, given to `WindowSearch` by hand.
fn windowed(searcher: &ParallelSearcher, hay: &[u8], window: usize) -> Vec<Match> {
    let overlap = searcher.overlap();
    let window = window.max(overlap + 1);
    let mut search = searcher.windows();
    let mut all = Vec::new();
    let mut base = 0;
    loop {
        let end = (base + overlap + window).min(hay.len());
        all.extend(search.search(&hay[base..end], end == hay.len()));
        if end == hay.len() {
            return all;
        }
        base = end - overlap;
    }
}

/// A reader returning at most `step` bytes per call.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn streamed(searcher: &ParallelSearcher, hay: &[u8], window: usize, step: usize) -> Vec<Match> {
    let mut all = Vec::new();
    let reader = Trickle { data: hay, step };
    searcher
        .find_reader(reader, window, |batch| {
            all.extend_from_slice(batch);
            ControlFlow::Continue(())
        })
        .expect("an in-memory reader does not fail");
    all
}

#[test]
fn windows_of_every_size_find_what_match_indices_finds() {
    let sets: [&[&str]; 6] = [
        &["aa"],
        &["aa", "a"],
        &["aba", "ab", "b"],
        &[",a,", "a"],
        &["\0\0", "]"],
        &["xyzxyz", "zx", ""],
    ];
    let hays: [&[u8]; 6] = [
        b"aaaaaaaaaaabaaaaaba",
        b",a,a,a,,a,a,",
        b"abababaabababa",
        b"\0\0\0\0\0\0\0\0\0\0]",
        b"xyzxyzxyzxyzxzx",
        b"",
    ];
    for set in sets {
        let patterns: Vec<Vec<u8>> = set.iter().map(|p| p.as_bytes().to_vec()).collect();
        let searcher = ParallelSearcher::new(&patterns).chunk_size(3);
        for hay in hays {
            let want = naive(hay, &patterns);
            assert_eq!(spans(&searcher.find_all(hay)), want);
            for window in 1..=hay.len() + 1 {
                let what = format!("{set:?} in {:?} at window {window}", String::from_utf8_lossy(hay));
                assert_eq!(spans(&windowed(&searcher, hay, window)), want, "{what}");
                for step in [1, 2, 7] {
                    assert_eq!(
                        spans(&streamed(&searcher, hay, window, step)),
                        want,
                        "{what}, reads of {step}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_break_stops_the_stream_and_an_error_reports_its_offset() {
    let hay = "error warning ".repeat(100);
    let searcher = ParallelSearcher::new(&["error", "warning"]);
    let mut batches = 0;
    searcher
        .find_reader(hay.as_bytes(), 64, |_| {
            batches += 1;
            ControlFlow::Break(())
        })
        .unwrap();
    assert_eq!(batches, 1);

    /// Gives `good` bytes, then fails.
    struct Failing<'a> {
        good: &'a [u8],
    }
    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.good.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.good.len());
            buf[..n].copy_from_slice(&self.good[..n]);
            self.good = &self.good[n..];
            Ok(n)
        }
    }
    let mut seen = Vec::new();
    let err = searcher
        .find_reader(
            Failing {
                good: &hay.as_bytes()[..1000],
            },
            300,
            |batch| {
                seen.extend_from_slice(batch);
                ControlFlow::Continue(())
            },
        )
        .unwrap_err();
    assert!(matches!(err.kind(), StreamErrorKind::Io(_)));
    assert_eq!(err.offset(), 1000);
    // What was delivered is a prefix of the true matches.
    let all = searcher.find_all(hay.as_bytes());
    assert!(!seen.is_empty());
    assert_eq!(seen[..], all[..seen.len()]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn windows_and_readers_equal_the_whole_search(
        hay in prop::collection::vec(prop::sample::select(b"ab\n".to_vec()), 0..200),
        patterns in prop::collection::vec(prop::collection::vec(prop::sample::select(b"ab\n".to_vec()), 0..5), 1..5),
        window in 0usize..40,
        step in 1usize..9,
        chunk in 1usize..9,
        threads in 1usize..5,
    ) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let searcher = ParallelSearcher::new(&patterns).chunk_size(chunk);
        let want = naive(&hay, &patterns);
        pool.install(|| {
            prop_assert_eq!(spans(&windowed(&searcher, &hay, window)), want.clone());
            prop_assert_eq!(spans(&streamed(&searcher, &hay, window, step)), want.clone());
            Ok(())
        })?;
    }
}
