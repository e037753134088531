//! `par_process` and `par_process_delimited`: chunks cover the input exactly, in
//! order, cut where promised, on 1..4 threads.

use proptest::prelude::*;
use strs_tools::parallel::{ParallelBytesExt, ParallelStringExt};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

#[test]
fn chunks_concatenate_to_the_input_on_char_boundaries() {
    let text = "aé日本🎉→b\n".repeat(7);
    for threads in 1..=4 {
        pool(threads).install(|| {
            for size in 0..=text.len() + 1 {
                let chunks: Vec<&str> = text.par_process(size, |c| c);
                assert_eq!(chunks.concat(), text, "size {size}");
                assert!(chunks.iter().all(|c| !c.is_empty()));
                // Each chunk is the requested size, grown by at most 3 bytes to a
                // character boundary; only the last may be shorter.
                for c in &chunks[..chunks.len() - 1] {
                    assert!(
                        c.len() >= size.max(1) && c.len() <= size.max(1) + 3,
                        "{c:?} at size {size}"
                    );
                }
            }
        });
    }
}

#[test]
fn empty_input_has_no_chunks() {
    assert!("".par_process(4, |c| c.len()).is_empty());
    assert!("".par_process_delimited(4, '\n', |c| c.len()).is_empty());
    assert!(b"".par_process(4, |c| c.len()).is_empty());
}

#[test]
fn delimited_chunks_are_whole_lines() {
    let text: String = (0..200)
        .map(|i| format!("line {i} {}\n", "x".repeat(i % 13)))
        .collect();
    let expected = text.lines().count();
    for threads in 1..=4 {
        pool(threads).install(|| {
            for size in [0, 1, 2, 7, 64, 1000, usize::MAX] {
                let chunks: Vec<&str> = text.par_process_delimited(size, '\n', |c| c);
                assert_eq!(chunks.concat(), text);
                assert!(chunks.iter().all(|c| c.ends_with('\n')));
                let lines: usize = text
                    .par_process_delimited(size, '\n', |c| c.lines().count())
                    .iter()
                    .sum();
                assert_eq!(lines, expected);
            }
        });
    }
}

#[test]
fn multi_byte_terminator_and_no_terminator() {
    let text = "a→bb→→c";
    assert_eq!(
        text.par_process_delimited(1, '→', |c| c),
        vec!["a→", "bb→", "→", "c"]
    );
    assert_eq!("abcdef".par_process_delimited(2, '\n', |c| c), vec!["abcdef"]);
}

#[test]
fn bytes_chunks_are_exact_and_cut_anywhere() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    for size in [1, 3, 255, 999, 1000, 5000] {
        let chunks: Vec<&[u8]> = bytes.par_process(size, |c| c);
        assert_eq!(chunks.concat(), bytes);
        assert!(chunks[..chunks.len() - 1].iter().all(|c| c.len() == size));
        let lines: Vec<&[u8]> = bytes.par_process_delimited(size, 0xff, |c| c);
        assert_eq!(lines.concat(), bytes);
        assert!(lines[..lines.len() - 1].iter().all(|c| c.last() == Some(&0xff)));
    }
}

#[test]
fn a_panicking_closure_reaches_the_caller_and_the_pool_stays_usable() {
    let p = pool(2);
    let text = format!("{}PANIC!!!{}", "abcdefgh".repeat(50), "abcdefgh".repeat(50));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        p.install(|| text.par_process(8, |c| if c.contains('!') { panic!("boom") } else { c.len() }))
    }));
    assert!(result.is_err());
    assert_eq!(
        p.install(|| text.par_process(8, |c| c.len()))
            .iter()
            .sum::<usize>(),
        text.len()
    );
}

#[test]
fn nested_parallel_calls_inside_a_chunk_do_not_deadlock() {
    let text = "error warning critical\n".repeat(500);
    for threads in 1..=3 {
        let counts = pool(threads).install(|| {
            text.par_process_delimited(100, '\n', |c| {
                c.par_count(&["error", "critical"]).iter().sum::<usize>()
            })
        });
        assert_eq!(counts.iter().sum::<usize>(), 1000);
    }
}

proptest! {
    #[test]
    fn results_are_in_input_order(text in "[a-c\n é]{0,60}", size in 1usize..10) {
        let starts: Vec<usize> = text.par_process(size, |c| c.as_ptr() as usize - text.as_ptr() as usize);
        let mut expected = 0;
        let lens: Vec<usize> = text.par_process(size, str::len);
        for (s, l) in starts.iter().zip(&lens) {
            prop_assert_eq!(*s, expected);
            expected += l;
        }
        prop_assert_eq!(expected, text.len());
        let pieces: Vec<&str> = text.par_process_delimited(size, '\n', |c| c);
        prop_assert_eq!(pieces.concat(), text.clone());
    }
}
