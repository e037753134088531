//! The master rule for the parallel split: for every input, option set, chunk
//! size (down to 1 byte) and thread count, it returns exactly the sequential
//! split, in order.

use proptest::prelude::*;
use rayon::iter::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};
use strs_tools::parallel::{ParallelBytesExt, ParallelSplit, ParallelStringExt};
use strs_tools::string::{split, Split};

use super::common::{Flags, SETS};

fn sequential<'a>(src: &'a str, delims: &[&str], f: Flags) -> Vec<Split<'a>> {
    let mut b = split();
    f.apply(b.src(src).delimiters(delims));
    b.perform().collect()
}

fn parallel<'a>(src: &'a str, delims: &[&str], f: Flags, chunk: usize, threads: usize) -> Vec<Split<'a>> {
    let options = f.options(delims);
    ParallelSplit::new()
        .chunk_size(chunk)
        .threads(threads)
        .split_with(&options, src)
        .map(|s| Split {
            string: std::borrow::Cow::Owned(s.string.into_owned()),
            ..s
        })
        .collect()
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
        let f = Flags::from_bits(bits);
        let expected = sequential(&src, SETS[set], f);
        prop_assert_eq!(parallel(&src, SETS[set], f, chunk, threads), expected);
    }

    /// Consumers that stop early or split finely see the sequential order:
    /// `find_first`, `find_any`, `take_any_while`, indexed `with_min_len`/
    /// `with_max_len` over the collected form, `fold`/`reduce`.
    #[test]
    fn lazy_consumers_see_the_sequential_split(
        src in text(),
        set in 0..SETS.len(),
        bits in 0u8..64,
        chunk in 1usize..9,
        threads in 1usize..5,
        stop in 0usize..8,
    ) {
        let f = Flags::from_bits(bits);
        let options = f.options(SETS[set]);
        let expected: Vec<Split> = options.split(&src).collect();
        let ps = ParallelSplit::new().chunk_size(chunk).threads(threads);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let target = expected.get(stop).cloned();
        let first = ps.split_with(&options, &src).find_first(|s| Some(s) == target.as_ref());
        prop_assert_eq!(first.as_ref(), expected.iter().find(|s| Some(*s) == target.as_ref()));
        prop_assert_eq!(ps.split_with(&options, &src).count(), expected.len());
        let any = ps.split_with(&options, &src).find_any(|s| s.start >= stop);
        prop_assert_eq!(any.is_some(), expected.iter().any(|s| s.start >= stop));
        // An early stop: whatever is taken is a subset of the pieces before the
        // first stopping piece.
        let bound = expected.iter().position(|s| s.start >= stop).unwrap_or(expected.len());
        let taken: Vec<Split> = ps.split_with(&options, &src).take_any_while(|s| s.start < stop).collect();
        prop_assert!(taken.len() <= bound);
        prop_assert!(taken.iter().all(|s| expected[..bound].contains(s)));
        let collected = ps.split_with(&options, &src).collect_vec();
        prop_assert_eq!(&collected, &expected);
        // A reused vector's old items are replaced, not kept.
        let mut reused: Vec<Split> = expected.iter().take(stop).cloned().collect();
        ps.split_with(&options, &src).collect_into_vec(&mut reused);
        prop_assert_eq!(&reused, &expected);
        for (min, max) in [(1, 1), (1, 2), (3, usize::MAX)] {
            let again: Vec<Split> = pool.install(|| {
                collected.clone().into_par_iter().with_min_len(min).with_max_len(max).collect()
            });
            prop_assert_eq!(&again, &expected);
        }
        let folded: Vec<Split> = ps.split_with(&options, &src)
            .fold(Vec::new, |mut v, s| { v.push(s); v })
            .reduce(Vec::new, |mut a, b| { a.extend(b); a });
        prop_assert_eq!(&folded, &expected);
        let bytes: Vec<(Vec<u8>, usize, usize)> = ps.split_with_bytes(&options, src.as_bytes())
            .map(|p| (p.bytes.into_owned(), p.start, p.end)).collect();
        let seq_bytes: Vec<(Vec<u8>, usize, usize)> = options.split_bytes(src.as_bytes())
            .map(|p| (p.bytes.into_owned(), p.start, p.end)).collect();
        prop_assert_eq!(bytes, seq_bytes);
        let current: Vec<Split> = pool.install(|| options.par_split(&src).collect());
        prop_assert_eq!(&current, &expected);
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

    /// Long inputs where matches of one byte are dense: the 64-byte block scan,
    /// its batches and the in-place collect, against `str::split`.
    #[test]
    fn dense_single_byte_splits_collect_like_std(
        parts in prop::collection::vec(prop::sample::select(vec!["a", "\n", "é", "\n\n", "日本", "bb"]), 0..6000),
        chunk in prop::sample::select(vec![1usize, 7, 64, 100, 4096, 5000, 1 << 20]),
        threads in 1usize..5,
    ) {
        let src = parts.concat();
        let std: Vec<&str> = src.split('\n').collect();
        let ps = ParallelSplit::new().chunk_size(chunk).threads(threads);
        let pieces = |p: ParallelSplit| p.split_parallel(&src, &["\n"]).map(|s| s.string);
        let got: Vec<_> = pieces(ps.clone()).collect();
        prop_assert_eq!(&got, &std);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let flat = pool.install(|| src.par_split(&["\n"]).collect_vec());
        prop_assert_eq!(&flat, &std);
        let mut reused = vec!["stale"; 3];
        pool.install(|| src.par_split(&["\n"]).collect_into_vec(&mut reused));
        prop_assert_eq!(&reused, &std);
        prop_assert_eq!(pool.install(|| src.par_split(&["\n"]).count()), std.len());
        let bytes = pool.install(|| src.as_bytes().par_split(&[b"\n"]).collect_vec());
        prop_assert_eq!(bytes, src.as_bytes().split(|&b| b == b'\n').collect::<Vec<_>>());
    }

    #[test]
    fn bytes_twin_equals_sequential_bytes_split(
        src in prop::collection::vec(prop::sample::select(vec![b'a', b',', b'\xff', b'\x80', b' ', b'"']), 0..48),
        bits in 0u8..64,
        chunk in 1usize..9,
    ) {
        let f = Flags::from_bits(bits);
        let options = f.options(&[",", "a,"]);
        let expected: Vec<_> = options.split_bytes(&src).collect();
        let got: Vec<_> = ParallelSplit::new().chunk_size(chunk).threads(2).split_with_bytes(&options, &src).collect();
        prop_assert_eq!(got, expected);
        let plain: Vec<&[u8]> = ParallelSplit::new().chunk_size(chunk).threads(2)
            .split_parallel_bytes(&src, &[b",", b"\xff"]).map(|p| match p.bytes {
                std::borrow::Cow::Borrowed(b) => b,
                std::borrow::Cow::Owned(_) => unreachable!("plain pieces borrow"),
            }).collect();
        let naive: Vec<&[u8]> = src.split(|&b| b == b',' || b == 0xff).collect();
        prop_assert_eq!(plain, naive);
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Byte delimiters that are not UTF-8 split bytes, in parallel as
    /// sequentially, and are ignored by `&str` splits (they could cut a
    /// character), which then equal a split on the valid ones.
    #[test]
    fn byte_delimiters_split_bytes_and_leave_str_splits_whole(
        src in text(),
        bits in 0u8..64,
        chunk in 1usize..9,
        threads in 1usize..4,
    ) {
        let f = Flags::from_bits(bits);
        let mut b = split();
        f.apply(b.byte_delimiters([&b"\xc3"[..], b"\xff", b","]));
        let bytes_opts = b.build().unwrap();
        let ps = ParallelSplit::new().chunk_size(chunk).threads(threads);
        let expected: Vec<_> = bytes_opts.split_bytes(src.as_bytes()).collect();
        let got: Vec<_> = ps.split_with_bytes(&bytes_opts, src.as_bytes()).collect();
        prop_assert_eq!(got, expected);
        let str_opts = f.options(&[","]);
        let str_expected: Vec<Split> = str_opts.split(&src).collect();
        prop_assert_eq!(bytes_opts.split(&src).collect::<Vec<_>>(), str_expected.clone());
        prop_assert_eq!(ps.split_with(&bytes_opts, &src).collect::<Vec<_>>(), str_expected);
    }
}

/// The eager split once stored every piece before the caller's iterator
/// started (16 bytes per line, +96 MB to count the lines of 256 MiB). Counting,
/// mapping and reducing now allocate only the chunk plan, whatever the number
/// of pieces.
#[test]
fn lazy_splits_allocate_the_plan_not_the_pieces() {
    let text = "GET /index.html 200\n".repeat(100_000); // 2 MB, 100,001 pieces
    let opts = split()
        .delimiters(["\r\n", "\n"])
        .quoting(true)
        .preserving_empty(true)
        .build()
        .unwrap();
    for threads in [1, 2, 3] {
        let pool = super::alloc::counting_pool(threads);
        let checks: [(&str, &(dyn Fn() -> usize + Sync)); 4] = [
            ("count", &|| text.par_split(&["\n"]).count()),
            ("map + sum", &|| {
                text.par_split_map(&["\n"], |l| usize::from(!l.is_empty()))
                    .sum::<usize>()
                    + 1
            }),
            ("filter + count", &|| {
                text.par_split(&["\n"]).filter(|l| l.len() < 100).count()
            }),
            ("quoting, count", &|| {
                opts.par_split(&text)
                    .filter(|s| s.typ == strs_tools::string::SplitType::Delimited)
                    .count()
            }),
        ];
        for (what, check) in checks {
            let (n, bytes) = super::alloc::allocated_during(&pool, check);
            assert_eq!(n, 100_001, "{what}");
            // Two chunks of the default 1 MiB: a plan of a few hundred bytes,
            // plus rayon's own bookkeeping. The pieces alone would be 1.6 MB.
            assert!(
                bytes < 64 << 10,
                "{what} on {threads} threads allocated {bytes} bytes"
            );
        }
    }
}

#[test]
fn par_split_is_lazy_and_collects_like_std() {
    let text = "line one\nline two\n\nline four\n".repeat(1000);
    let flat: Vec<&str> = text.par_split(&["\n"]).collect();
    assert_eq!(flat, text.split('\n').collect::<Vec<_>>());
    assert_eq!(text.par_split(&["\n"]).collect_vec(), flat);
    assert_eq!(text.par_split(&["\n"]).count(), flat.len());
    let records: Vec<Split> = ParallelSplit::new()
        .chunk_size(100)
        .split_parallel(&text, &["\n"])
        .collect();
    assert_eq!(records.len(), flat.len());
}

#[test]
fn par_split_map_is_in_order_and_runs_on_the_callers_pool() {
    let text = (0..10_000).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    let parsed = pool.install(|| {
        text.par_split_map(&[","], |s| {
            (s.parse::<u32>().unwrap(), rayon::current_num_threads())
        })
        .collect::<Vec<_>>()
    });
    assert!(parsed
        .iter()
        .enumerate()
        .all(|(i, &(n, threads))| n as usize == i && threads == 3));
}

#[test]
fn bytes_par_split_handles_invalid_utf8() {
    let src = b"\xff\xfe,\x80,\xc0\xaf,\xed\xa0\x80";
    let got: Vec<&[u8]> = src.par_split(&[b","]).collect();
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
        .threads(2)
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
    assert_send_sync::<strs_tools::parallel::ParSplit<'static, Split<'static>>>();
    assert_send_sync::<strs_tools::parallel::ParSplit<'static, &'static str>>();
}

#[test]
fn numa_pools_give_the_same_result() {
    use std::sync::Arc;
    use strs_tools::parallel::{NumaStringProcessor, NumaTopology};
    let text = "a==b=c\n\"q,=\" x\n".repeat(300);
    let options = split()
        .delimiters(["=", "=="])
        .preserving_delimiters(false)
        .preserving_empty(true)
        .quoting(true)
        .build()
        .unwrap();
    let expected: Vec<Split> = options.split(&text).collect();
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
            .numa(Arc::new(processor))
            .split_with(&options, &text)
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
            .collect::<Vec<_>>()
        })
    }));
    assert!(result.is_err(), "the panic must reach the caller");
    // The same pool still works, and gives the full answer.
    let lengths: Vec<usize> = pool.install(|| text.par_split_map(&[","], |s| s.len()).collect());
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
        .collect()
    });
    assert_eq!(pairs.len(), 2_001);
    assert!(pairs[..2_000].iter().all(|&n| n == 4));
}
