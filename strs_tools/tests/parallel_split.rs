//! The master rule for the parallel split: for every input, option set, chunk
//! size (down to 1 byte) and thread count, it returns exactly the sequential
//! split, in order.

use proptest::prelude::*;
use rayon::iter::ParallelIterator;
use strs_tools::parallel::{ParallelBytesExt, ParallelSplit, ParallelStringExt};
use strs_tools::string::{split, Split};

const SETS: &[&[&str]] = &[
    &[","],
    &["\n"],
    &["aa"],
    &["=", "=="],
    &["ab", "b"],
    &["ab", "bc"],
    &["abab", "bab"],
    &[",a,"],
    &["\0\0"],
    &["é", "日本"],
    &["||"],
    &["\r\n", "\n"],
    &["", ","],
    &["a", "b", "="],
    &[" "],
    &["aaaaaaaaaaaaaaaaaaaa"],
];

#[derive(Clone, Copy, Debug)]
struct Flags {
    empty: bool,
    delims: bool,
    strip: bool,
    quoting: bool,
    keep_quotes: bool,
    custom_quotes: bool,
}

impl Flags {
    fn all() -> impl Iterator<Item = Flags> {
        (0..64u8).map(|b| Flags {
            empty: b & 1 != 0,
            delims: b & 2 != 0,
            strip: b & 4 != 0,
            quoting: b & 8 != 0,
            keep_quotes: b & 16 != 0,
            custom_quotes: b & 32 != 0,
        })
    }
}

fn sequential<'a>(src: &'a str, delims: &[&'a str], f: Flags) -> Vec<Split<'a>> {
    let mut b = split();
    b.src(src)
        .delimeter(delims)
        .preserving_empty(f.empty)
        .preserving_delimeters(f.delims)
        .stripping(f.strip)
        .quoting(f.quoting)
        .preserving_quoting(f.keep_quotes);
    if f.custom_quotes {
        b.quoting_prefixes(&["«", "\""]).quoting_postfixes(&["»", "\""]);
    }
    b.perform().collect()
}

fn parallel<'a>(src: &'a str, delims: &[&str], f: Flags, chunk: usize, threads: usize) -> Vec<Split<'a>> {
    let mut p = ParallelSplit::new()
        .chunk_size(chunk)
        .threads(threads)
        .preserving_empty(f.empty)
        .preserving_delimiters(f.delims)
        .stripping(f.strip)
        .quoting(f.quoting)
        .preserving_quoting(f.keep_quotes);
    if f.custom_quotes {
        p = p.quoting_prefixes(&["«", "\""]).quoting_postfixes(&["»", "\""]);
    }
    p.split_parallel(src, delims).collect()
}

fn text() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "a", "b", "=", ",", " ", "é", "日", "本", "\n", "\r", "\0", "|", "\"", "'", "\\", "«", "»",
    ]);
    prop::collection::vec(atoms, 0..48).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn parallel_equals_sequential_for_every_option(
        src in text(),
        set in 0..SETS.len(),
        bits in 0u8..64,
        chunk in 1usize..17,
        threads in 1usize..5,
    ) {
        let f = Flags::all().nth(bits as usize).unwrap();
        let expected = sequential(&src, SETS[set], f);
        prop_assert_eq!(parallel(&src, SETS[set], f, chunk, threads), expected);
    }

    #[test]
    fn par_split_equals_str_split_and_rayon_for_one_char(
        src in text(),
        d in prop::sample::select(vec![',', '\n', 'é', 'a']),
        threads in 1usize..5,
    ) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let delim = d.to_string();
        let ours: Vec<&str> = pool.install(|| src.par_split(&[&delim]).collect());
        let std: Vec<&str> = src.split(d).collect();
        let theirs: Vec<&str> = pool.install(|| rayon::str::ParallelString::par_split(src.as_str(), d).collect());
        prop_assert_eq!(&ours, &std);
        prop_assert_eq!(&ours, &theirs);
    }

    #[test]
    fn bytes_twin_equals_sequential_bytes_split(
        src in prop::collection::vec(prop::sample::select(vec![b'a', b',', b'\xff', b'\x80', b' ', b'"']), 0..48),
        bits in 0u8..64,
        chunk in 1usize..9,
    ) {
        let f = Flags::all().nth(bits as usize).unwrap();
        let options = split().delimeter([",", "a,"]).preserving_empty(f.empty).preserving_delimeters(f.delims)
            .stripping(f.strip).quoting(f.quoting).preserving_quoting(f.keep_quotes).build();
        let expected: Vec<_> = options.split_bytes(&src).collect();
        let got: Vec<_> = ParallelSplit::new().chunk_size(chunk).threads(2).preserving_empty(f.empty)
            .preserving_delimiters(f.delims).stripping(f.strip).quoting(f.quoting).preserving_quoting(f.keep_quotes)
            .split_parallel_bytes(&src, &[",", "a,"]).collect();
        prop_assert_eq!(got, expected);
    }
}

/// Every chunk size from 1 byte to past the input, every option, for the inputs
/// that break naive chunkers (RELIABILITY.md, items 1-6 and 11-13).
#[test]
fn adversarial_inputs_at_every_chunk_size() {
    let cases: &[(&str, &[&str])] = &[
        ("a||b||c", &["||"]),
        ("aaaaa", &["aa"]),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &["aa"]),
        (",a,a,", &[",a,"]),
        ("\0\0\0\0\0\0\0\0\0\0]", &["\0\0"]),
        ("a==b===c====", &["=", "=="]),
        ("abc", &["ab", "bc"]),
        ("ababab bab abab", &["abab", "bab"]),
        ("x", &["a long delimiter than the input"]),
        ("", &[","]),
        (",,,", &[","]),
        (",a,", &[","]),
        ("no delimiter at all in this rather long input", &[","]),
        ("é日本🎉→é日本🎉→", &["日本", "🎉", "→"]),
        ("a\r\nb\r\r\nc\r", &["\r\n"]),
        ("\u{feff}a,b", &[","]),
        (r#"a,"b,c",d,"e\"f,g",'h,i'"#, &[","]),
        (r#""unclosed, quote, runs, to, the, end"#, &[","]),
        (r#"x,"a\\",y,"\"",z"#, &[","]),
        (r#" "a, b" , « c, d » ,e"#, &[","]),
    ];
    for (src, delims) in cases {
        for f in Flags::all() {
            let expected = sequential(src, delims, f);
            for chunk in 1..=src.len() + 1 {
                for threads in [1, 3] {
                    assert_eq!(
                        parallel(src, delims, f, chunk, threads),
                        expected,
                        "{src:?} on {delims:?} with {f:?}, chunk {chunk}, {threads} threads"
                    );
                }
            }
        }
    }
}

#[test]
fn chunk_level_results_concatenate_to_par_split() {
    let text = "line one\nline two\n\nline four\n".repeat(1000);
    let flat: Vec<&str> = text.par_split(&["\n"]).collect();
    let chunked: Vec<Vec<&str>> = rayon::iter::ParallelIterator::collect(text.par_split_chunks(&["\n"]));
    assert_eq!(chunked.concat(), flat);
    assert_eq!(flat, text.split('\n').collect::<Vec<_>>());
    let seed_style: Vec<Split> = ParallelSplit::new()
        .chunk_size(100)
        .split_parallel_chunks(&text, &["\n"])
        .flat_map_iter(|chunk| chunk.into_iter())
        .collect();
    assert_eq!(seed_style.len(), flat.len());
}

#[test]
fn par_split_map_is_in_order_and_runs_on_the_callers_pool() {
    let text = (0..10_000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    let parsed = pool.install(|| {
        text.par_split_map(&[","], |s| {
            (s.parse::<u32>().unwrap(), rayon::current_num_threads())
        })
    });
    assert!(parsed
        .iter()
        .enumerate()
        .all(|(i, &(n, threads))| n as usize == i && threads == 3));
}

#[test]
fn bytes_par_split_handles_invalid_utf8() {
    let src = b"\xff\xfe,\x80,\xc0\xaf,\xed\xa0\x80";
    let got: Vec<&[u8]> = src.par_split(&[","]).collect();
    assert_eq!(got, src.split(|&b| b == b',').collect::<Vec<_>>());
}

#[test]
fn static_partitioning_gives_the_same_result() {
    let text = "k=v; k2==v2; ".repeat(500);
    let a: Vec<Split> = ParallelSplit::new()
        .chunk_size(13)
        .load_balance(false)
        .threads(2)
        .split_parallel(&text, &["=", "==", "; "])
        .collect();
    let b: Vec<Split> = ParallelSplit::new()
        .chunk_size(13)
        .split_parallel(&text, &["=", "==", "; "])
        .collect();
    assert_eq!(a, b);
}

#[test]
fn absurd_thread_counts_and_chunk_sizes_work() {
    let text = "a,b,c";
    for (threads, chunk) in [(0, 0), (usize::MAX, usize::MAX), (1, 1), (64, 2)] {
        let got: Vec<String> = ParallelSplit::new()
            .threads(threads)
            .chunk_size(chunk)
            .split_parallel(text, &[","])
            .map(String::from)
            .collect();
        assert_eq!(got, ["a", "b", "c"]);
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ParallelSplit>();
    assert_send_sync::<strs_tools::parallel::ParallelSplitIterator<Split<'static>>>();
}

#[test]
fn numa_pools_give_the_same_result() {
    use std::sync::Arc;
    use strs_tools::parallel::{NumaStringProcessor, NumaTopology};
    let text = "a==b=c\n\"q,=\" x\n".repeat(300);
    let expected: Vec<Split> = ParallelSplit::new()
        .chunk_size(5)
        .quoting(true)
        .split_parallel(&text, &["=", "=="])
        .collect();
    // A fake two-node layout over the CPUs we may use (pinning may be refused:
    // the result must not change either way).
    let cpus = strs_tools::parallel::numa::current_thread_cpus().unwrap_or_else(|| vec![0]);
    let nodes = cpus.iter().enumerate().map(|(i, &c)| (i, vec![c]));
    for processor in [
        NumaStringProcessor::new(),
        NumaStringProcessor::with_topology(NumaTopology::from_nodes(nodes)),
    ] {
        let got: Vec<Split> = ParallelSplit::new()
            .chunk_size(5)
            .quoting(true)
            .numa(Arc::new(processor))
            .split_parallel(&text, &["=", "=="])
            .collect();
        assert_eq!(got, expected);
    }
}

#[test]
fn a_panicking_mapper_reaches_the_caller_and_the_pool_stays_usable() {
    let text = "a,b,boom,c\n".repeat(10_000);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.install(|| {
            text.par_split_map(&[","], |s| {
                if s == "boom" {
                    panic!("mapper failed")
                } else {
                    s.len()
                }
            })
        })
    }));
    assert!(result.is_err(), "the panic must reach the caller");
    // The same pool still works, and gives the full answer.
    let lengths = pool.install(|| text.par_split_map(&[","], |s| s.len()));
    assert_eq!(lengths.len(), text.split(',').count());
}

#[test]
fn nested_parallel_splits_inside_a_mapper_do_not_deadlock() {
    let text = "k1=v1;k2=v2\n".repeat(2_000);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    // One worker: the inner split must run on it without waiting for a second.
    let pairs: Vec<usize> = pool.install(|| {
        text.par_split_map(&["\n"], |line| {
            ParallelSplit::new()
                .chunk_size(3)
                .split_parallel(line, &[";", "="])
                .count()
        })
    });
    assert_eq!(pairs.len(), 2_001);
    assert!(pairs[..2_000].iter().all(|&n| n == 4));
}
