//! Word frequencies: parallel = sequential = the naive oracle (split on ASCII
//! whitespace including `\v`, as `wc`), for every chunk size and 1..4 threads.

use std::collections::HashMap;

use proptest::prelude::*;
use strs_tools::parallel::{
    par_word_frequencies, par_word_frequencies_bytes, word_frequencies, word_frequencies_bytes,
};

/// The bytes oracle: maximal runs of non-whitespace bytes, ASCII-lowercased.
fn oracle_bytes(bytes: &[u8]) -> HashMap<Vec<u8>, usize> {
    let mut counts = HashMap::new();
    for w in bytes
        .split(|b| b" \t\n\x0b\x0c\r".contains(b))
        .filter(|w| !w.is_empty())
    {
        *counts.entry(w.to_ascii_lowercase()).or_insert(0) += 1;
    }
    counts
}

fn oracle(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for w in text
        .split(|c: char| " \t\n\x0b\x0c\r".contains(c))
        .filter(|w| !w.is_empty())
    {
        *counts.entry(w.to_ascii_lowercase()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn every_chunk_size_and_thread_count_gives_the_sequential_counts() {
    let text = "The quick\tBROWN fox\r\njumps\x0bover the\x0clazy dog. the DOG! Été été ÉTÉ\n\n  ".repeat(5);
    let expected = oracle(&text);
    assert_eq!(word_frequencies(&text), expected);
    assert_eq!(expected["the"], 15);
    // Non-ASCII letters are not lowercased: "Été" and "été" differ, as in the oracle.
    assert_eq!(expected["été"], 5);
    assert_eq!(expected["Été"], 5);
    for threads in 1..=4 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            for size in 0..=text.len() + 1 {
                assert_eq!(
                    par_word_frequencies(&text, size),
                    expected,
                    "size {size} threads {threads}"
                );
            }
        });
    }
}

#[test]
fn whitespace_only_empty_and_unbroken_inputs() {
    assert!(word_frequencies("").is_empty());
    assert!(par_word_frequencies(" \t\r\n\x0c", 1).is_empty());
    // Unicode whitespace is not ASCII whitespace: U+00A0 stays inside the word.
    assert_eq!(par_word_frequencies("a\u{a0}b a", 1), oracle("a\u{a0}b a"));
    let long = "x".repeat(10_000);
    assert_eq!(par_word_frequencies(&long, 3)[&long], 1);
}

#[test]
fn words_around_the_inline_key_length_count_exactly() {
    // Keys up to 22 bytes are stored inline, longer ones boxed: both sides.
    let text: String = (18..=26)
        .flat_map(|n| ["a".repeat(n), "A".repeat(n), format!("{}é", "b".repeat(n - 2))])
        .collect::<Vec<_>>()
        .join(" ");
    let expected = oracle(&text);
    assert_eq!(word_frequencies(&text), expected);
    assert_eq!(expected["a".repeat(22).as_str()], 2);
    for size in [1, 5, 23, 100] {
        assert_eq!(par_word_frequencies(&text, size), expected);
    }
}

proptest! {
    #[test]
    fn parallel_equals_oracle(text in "[aAbB \n\té]{0,80}", size in 1usize..16) {
        prop_assert_eq!(par_word_frequencies(&text, size), oracle(&text));
        prop_assert_eq!(word_frequencies(&text), oracle(&text));
    }
}

proptest! {
    /// Any bytes, valid UTF-8 or not, at every chunk size and 1..4 threads.
    #[test]
    fn bytes_twin_equals_the_bytes_oracle(
        bytes in prop::collection::vec(prop::sample::select(b"aAbB \n\t\x0b\xc3\xa9\xff\x80".to_vec()), 0..120),
        size in 0usize..16,
        threads in 1usize..5,
    ) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let expected = oracle_bytes(&bytes);
        prop_assert_eq!(&word_frequencies_bytes(&bytes), &expected);
        prop_assert_eq!(&pool.install(|| par_word_frequencies_bytes(&bytes, size)), &expected);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let as_bytes: HashMap<Vec<u8>, usize> =
                word_frequencies(text).into_iter().map(|(w, n)| (w.into_bytes(), n)).collect();
            prop_assert_eq!(as_bytes, expected);
        }
    }
}
