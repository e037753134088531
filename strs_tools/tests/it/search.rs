//! `par_find_all` / `par_count` against the naive `match_indices` oracle, at every
//! chunk size from 1 byte and thread counts 1..4.

use proptest::prelude::*;
use strs_tools::parallel::{ParallelBytesExt, ParallelSearcher, ParallelStringExt};

/// The specification, with empty patterns ignored.
fn oracle<'h>(hay: &'h str, patterns: &[&str]) -> Vec<(usize, &'h str)> {
    let mut all: Vec<(usize, usize, &str)> = patterns
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.is_empty())
        .flat_map(|(i, p)| hay.match_indices(p).map(move |(pos, m)| (pos, i, m)))
        .collect();
    all.sort_by_key(|&(pos, i, _)| (pos, i));
    all.into_iter().map(|(pos, _, m)| (pos, m)).collect()
}

fn oracle_counts(hay: &str, patterns: &[&str]) -> Vec<usize> {
    patterns
        .iter()
        .map(|p| if p.is_empty() { 0 } else { hay.matches(p).count() })
        .collect()
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// Checks every chunk size up to past the input, on 1..=4 threads, with the
/// patterns as given (few patterns: scanned one by one) and padded with
/// patterns that never occur (many patterns: one Teddy pass finds candidates).
fn check_everywhere(hay: &str, patterns: &[&str]) {
    check_exact(hay, patterns);
    let mut padded = patterns.to_vec();
    padded.extend(["\u{1}never", "\u{2}x", "\u{3}"]);
    check_exact(hay, &padded);
}

fn check_exact(hay: &str, patterns: &[&str]) {
    let expected = oracle(hay, patterns);
    let counts = oracle_counts(hay, patterns);
    let searcher = ParallelSearcher::new(patterns);
    for threads in 1..=4 {
        pool(threads).install(|| {
            for size in (1..=hay.len() + 1).chain([usize::MAX]) {
                let s = searcher.clone().chunk_size(size);
                let got: Vec<(usize, &str)> = s
                    .find_all(hay.as_bytes())
                    .iter()
                    .map(|m| (m.start, &hay[m.start..m.end]))
                    .collect();
                assert_eq!(
                    got, expected,
                    "{hay:?} {patterns:?} chunk {size} threads {threads}"
                );
                assert_eq!(
                    s.count(hay.as_bytes()),
                    counts,
                    "{hay:?} {patterns:?} chunk {size}"
                );
            }
            assert_eq!(hay.par_find_all(patterns), expected);
            assert_eq!(hay.par_count(patterns), counts);
        });
    }
}

#[test]
fn self_overlapping_patterns_match_like_match_indices() {
    check_everywhere("aaaa", &["aa"]);
    check_everywhere("aaaaa", &["aa"]);
    check_everywhere("ababababa", &["aba"]);
    check_everywhere(",a,a,a,", &[",a,"]);
    check_everywhere("\0\0\0\0\0\0\0\0\0\0]", &["\0\0"]);
    check_everywhere("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", &["aaa", "aa", "aab"]);
}

#[test]
fn patterns_that_are_prefixes_of_each_other_all_report() {
    check_everywhere("a==b===c", &["=", "=="]);
    check_everywhere("a==b===c", &["==", "="]);
    check_everywhere("abcabc", &["ab", "bc", "abc", "c"]);
    assert_eq!("abc".par_find_all(&["ab", "bc"]), vec![(0, "ab"), (1, "bc")]);
}

#[test]
fn multi_byte_patterns_at_every_chunk_edge() {
    check_everywhere("é日本🎉→aé→日本日本", &["é", "日本", "🎉", "→", "本日"]);
    check_everywhere("ééé", &["éé"]);
}

#[test]
fn a_pattern_longer_than_the_chunk_or_the_input() {
    check_everywhere("critical error: critical", &["critical", "error: critical"]);
    check_everywhere("ab", &["abc"]);
}

#[test]
fn empty_patterns_and_inputs_find_nothing() {
    check_everywhere("", &["a"]);
    check_everywhere("abc", &[""]);
    check_everywhere("abc", &[]);
    check_everywhere("abc", &["", "b", ""]);
    assert_eq!("abc".par_count(&["", "b"]), vec![0, 1]);
}

#[test]
fn duplicate_patterns_are_reported_once_per_listing() {
    check_everywhere("abab", &["ab", "b", "ab"]);
    assert_eq!("ab".par_find_all(&["b", "b"]), vec![(1, "b"), (1, "b")]);
    assert_eq!("abab".par_count(&["ab", "ab"]), vec![2, 2]);
}

#[test]
fn many_patterns_use_the_automaton_and_stay_exact() {
    // More than 64 patterns: Teddy refuses, the automaton takes over.
    let owned: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
    let mut patterns: Vec<&str> = owned.iter().map(String::as_str).collect();
    patterns.push("k1k");
    let hay: String = (0..300).map(|i| format!("k{}k{} ", i % 130, i % 7)).collect();
    let expected = oracle(&hay, &patterns);
    for size in [1, 2, 3, 7, 64, 1000, usize::MAX] {
        let s = ParallelSearcher::new(&patterns).chunk_size(size);
        let got: Vec<(usize, &str)> = s
            .find_all(hay.as_bytes())
            .iter()
            .map(|m| (m.start, &hay[m.start..m.end]))
            .collect();
        assert_eq!(got, expected, "chunk {size}");
    }
}

#[test]
fn large_log_with_default_chunking_matches_the_oracle() {
    let mut log = String::new();
    for i in 0..40_000 {
        let level = ["INFO", "error", "warning", "critical", "debug"][i % 5];
        log.push_str(&format!(
            "2024-01-01 {i:06} {level} request served errorwarning\n"
        ));
    }
    let patterns = ["error", "warning", "critical"];
    for threads in 1..=3 {
        pool(threads).install(|| {
            assert_eq!(log.par_find_all(&patterns), oracle(&log, &patterns));
            assert_eq!(log.par_count(&patterns), oracle_counts(&log, &patterns));
        });
    }
}

#[test]
fn log_text_at_tiny_chunk_sizes_on_one_to_four_threads() {
    let mut log = String::new();
    for i in 0..300 {
        let level = ["INFO", "error", "warning", "critical", "debug"][i % 5];
        log.push_str(&format!("{i:04} {level} served errorwarning critical\r\n"));
    }
    // Three patterns: one memmem scan each; five that never overlap: Teddy's
    // own iterator; five that do ("ror" ends "error"): verified candidates.
    let sets: [&[&str]; 3] = [
        &["error", "warning", "critical"],
        &["error", "warning", "critical", "served", "error"],
        &["error", "warning", "critical", "served", "ror"],
    ];
    for patterns in sets {
        let expected = oracle(&log, patterns);
        let counts = oracle_counts(&log, patterns);
        for threads in 1..=4 {
            pool(threads).install(|| {
                for size in [0, 1, 2, 3, 5, 8, 13, 64, 1000] {
                    let s = ParallelSearcher::new(patterns).chunk_size(size);
                    let got: Vec<(usize, &str)> = s
                        .find_all(log.as_bytes())
                        .iter()
                        .map(|m| (m.start, &log[m.start..m.end]))
                        .collect();
                    assert_eq!(got, expected, "{patterns:?} chunk {size} threads {threads}");
                    assert_eq!(
                        s.count(log.as_bytes()),
                        counts,
                        "{patterns:?} chunk {size} threads {threads}"
                    );
                }
            });
        }
    }
}

#[test]
fn thousands_of_patterns_sharing_a_prefix_stay_exact() {
    // 1,000 patterns ",0000".."," 0999" over commas and digits: the automaton
    // lists the patterns matching at a position instead of trying each one.
    let owned: Vec<String> = (0..1000).map(|i| format!(",{i:04}")).collect();
    let patterns: Vec<&str> = owned.iter().map(String::as_str).collect();
    let hay: String = (0..5000).map(|i| format!(",{:04}", (i * 7) % 1500)).collect();
    let expected = oracle(&hay, &patterns);
    for size in [0, 1, 7, 4096] {
        let s = ParallelSearcher::new(&patterns).chunk_size(size);
        let got: Vec<(usize, &str)> = s
            .find_all(hay.as_bytes())
            .iter()
            .map(|m| (m.start, &hay[m.start..m.end]))
            .collect();
        assert_eq!(got, expected, "chunk {size}");
    }
}

#[test]
fn bytes_twin_handles_invalid_utf8() {
    let hay: &[u8] = b"\xff\xfe\xff\xfe\xfe\x80\xc0\xaf\xed\xa0\x80\x00\x00\x00";
    let patterns: [&[u8]; 4] = [b"\xff\xfe", b"\xfe", b"\x00\x00", b"\xc0\xaf\xed"];
    let mut expected: Vec<(usize, usize)> = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        let mut from = 0;
        while let Some(pos) = hay[from..].windows(p.len()).position(|w| w == *p) {
            expected.push((from + pos, i));
            from += pos + p.len();
        }
    }
    expected.sort();
    let expected: Vec<(usize, &[u8])> = expected.iter().map(|&(pos, i)| (pos, patterns[i])).collect();
    assert_eq!(hay.par_find_all(&patterns), expected);
    for size in 1..=hay.len() {
        let got: Vec<(usize, &[u8])> = ParallelSearcher::new(&patterns)
            .chunk_size(size)
            .find_all(hay)
            .iter()
            .map(|m| (m.start, &hay[m.start..m.end]))
            .collect();
        assert_eq!(got, expected, "chunk {size}");
    }
    assert_eq!(hay.par_count(&patterns), vec![2, 3, 1, 1]);
}

#[test]
fn a_compiled_searcher_is_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<ParallelSearcher>();
    let searcher = ParallelSearcher::new(&["ab", "b"]);
    assert_eq!(searcher.pattern_count(), 2);
    let counts: Vec<Vec<usize>> = std::thread::scope(|s| {
        let handles: Vec<_> = ["abab", "bbb"]
            .map(|hay| s.spawn(|| searcher.count(hay.as_bytes())))
            .into();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(counts, vec![vec![2, 2], vec![0, 3]]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn equals_match_indices_on_tiny_alphabets(
        hay in "[ab]{0,40}",
        patterns in prop::collection::vec("[ab]{0,4}", 0..5),
        size in 0usize..12,
        threads in 1usize..=4,
        pad in 0usize..3,
    ) {
        // No padding: one memmem scan per pattern; three never-occurring
        // patterns: Teddy; seventy: the automata.
        let padding: Vec<String> = (0..[0, 3, 70][pad]).map(|i| format!("\u{1}{i}")).collect();
        let mut patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
        patterns.extend(padding.iter().map(String::as_str));
        let s = ParallelSearcher::new(&patterns).chunk_size(size);
        pool(threads).install(|| {
            let got: Vec<(usize, &str)> = s.find_all(hay.as_bytes()).iter().map(|m| (m.start, &hay[m.start..m.end])).collect();
            prop_assert_eq!(got, oracle(&hay, &patterns));
            prop_assert_eq!(s.count(hay.as_bytes()), oracle_counts(&hay, &patterns));
            Ok(())
        })?;
    }

    #[test]
    fn equals_match_indices_with_multi_byte_text(
        hay in "[aé日本]{0,30}",
        patterns in prop::collection::vec("[aé日本]{1,3}", 1..4),
        size in 1usize..9,
    ) {
        let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let s = ParallelSearcher::new(&patterns).chunk_size(size);
        let got: Vec<(usize, &str)> = s.find_all(hay.as_bytes()).iter().map(|m| (m.start, &hay[m.start..m.end])).collect();
        prop_assert_eq!(got, oracle(&hay, &patterns));
    }
}

/// The peak resident memory of this process, from `/proc/self/status`.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Regression: 100 patterns over 4 MiB at chunk size 1 once took 6.8 GB (per-chunk
/// state for every pattern, a chunk per byte). The peak memory of a child process
/// (this binary's other tests allocate too) must stay near the input's size.
#[test]
fn a_hundred_patterns_at_chunk_size_one_stay_in_bounded_memory() {
    const CHILD: &str = "STRS_SEARCH_MEMORY_CHILD";
    if std::env::var_os(CHILD).is_none() {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "search::a_hundred_patterns_at_chunk_size_one_stay_in_bounded_memory",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .output()
            .expect("the test binary runs itself");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("search memory child: "),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    }
    let Some(before) = peak_rss_bytes() else {
        println!("search memory child: skipped, no /proc");
        return;
    };
    let line = "2026-11-30T17:00:00Z INFO worker-3 request id=4711 served in 12ms k042x\n";
    let hay = line.repeat((4 << 20) / line.len());
    let owned: Vec<String> = (0..100).map(|i| format!("k{i:03}x")).collect();
    let patterns: Vec<&str> = owned.iter().map(String::as_str).collect();
    let searcher = ParallelSearcher::new(&patterns).chunk_size(1);
    let matches = pool(2).install(|| searcher.find_all(hay.as_bytes()));
    let counts = pool(2).install(|| searcher.count(hay.as_bytes()));
    assert_eq!(matches.len(), hay.len() / line.len());
    assert_eq!(counts[42], matches.len());
    let grown = peak_rss_bytes().unwrap_or(0).saturating_sub(before);
    // The input (4 MiB), the matches (24 bytes each), and per-chunk bookkeeping
    // for at most 65,536 chunks.
    assert!(grown < 64 << 20, "peak memory grew by {} MiB", grown >> 20);
    println!("search memory child: peak grew {} MiB", grown >> 20);
}
