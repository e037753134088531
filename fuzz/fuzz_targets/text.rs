//! The text counters and the block reader: `par_wc` and `TextCounts::append`
//! against a naive count, `par_word_frequencies` against `word_frequencies` and
//! the naive map its docs give, and `ReaderPipeline::map_blocks` through a
//! reader of fuzzed short reads (and `Interrupted`) with a fuzzed block size,
//! terminator, record limit and 1..3 threads: the blocks are non-empty, all but
//! the last end with the terminator and together are the input; or the
//! pipeline stops with `RecordTooLong` after a prefix of the input, only where a
//! record really is longer than the limit.
//!
//! Layout: `[chunk, terminator, limit, flags, reads, sizes..., input...]`.
#![no_main]

mod common;

use std::collections::HashMap;

use common::ShortReads;
use libfuzzer_sys::fuzz_target;
use strs_tools::parallel::{
    par_wc, par_word_frequencies, word_frequencies, ReaderPipeline, StreamErrorKind, TextCounts,
};

const SPACE: &[u8] = b" \t\n\x0b\x0c\r";

fuzz_target!(|data: &[u8]| {
    let [chunk, terminator, limit, flags, reads, rest @ ..] = data else {
        return;
    };
    let (sizes, input) = rest.split_at(rest.len().min(usize::from(reads % 8)));
    let chunk = usize::from(*chunk);

    // wc: lines are `\n` bytes, words maximal runs of non-space bytes.
    let naive = (
        input.iter().filter(|&&b| b == b'\n').count() as u64,
        input
            .split(|b| SPACE.contains(b))
            .filter(|w| !w.is_empty())
            .count() as u64,
        input.len() as u64,
    );
    let whole = TextCounts::of(input);
    assert_eq!((whole.lines, whole.words, whole.bytes), naive);
    let cut = usize::from(*limit).min(input.len());
    let (a, b) = input.split_at(cut);
    assert_eq!(TextCounts::of(a).append(TextCounts::of(b)), whole);
    assert_eq!(par_wc(input, chunk), whole);

    // Word frequencies, on the input as text.
    let text = String::from_utf8_lossy(input);
    let mut expected: HashMap<String, usize> = HashMap::new();
    for w in text
        .split(|c: char| " \t\n\x0b\x0c\r".contains(c))
        .filter(|w| !w.is_empty())
    {
        *expected.entry(w.to_ascii_lowercase()).or_insert(0) += 1;
    }
    let sequential = word_frequencies(&text);
    assert_eq!(sequential.len(), expected.len());
    assert!(expected.iter().all(|(w, n)| sequential.get(w) == Some(n)));
    let parallel = par_word_frequencies(&text, chunk);
    assert_eq!(parallel.len(), sequential.len());
    assert!(sequential.iter().all(|(w, n)| parallel.get(w) == Some(n)));

    // Blocks of a stream.
    let terminator = if flags & 1 != 0 { *terminator } else { b'\n' };
    let max_record = usize::from(*limit % 64);
    let pipeline = ReaderPipeline::new()
        .chunk_size(1 + chunk % 32)
        .terminator(terminator)
        .max_record(max_record)
        .in_flight(usize::from(flags >> 1 & 7))
        .threads(1 + usize::from(flags >> 4) % 3);
    let reader = ShortReads {
        data: input,
        sizes,
        turn: 0,
    };
    let mut joined = Vec::new();
    let mut blocks = pipeline.map_blocks(reader, |b: &[u8]| b.to_vec());
    let mut last_ended = true;
    let mut error = None;
    for block in &mut blocks {
        match block {
            Ok(block) => {
                assert!(!block.is_empty(), "blocks are never empty");
                assert!(last_ended, "only the last block may end without the terminator");
                last_ended = block.last() == Some(&terminator);
                joined.extend_from_slice(&block);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(
        blocks.next().is_none(),
        "the iterator stops after an error or the end"
    );
    assert!(input.starts_with(&joined), "the blocks are the input, in order");
    match error {
        None => assert_eq!(joined.len(), input.len()),
        Some(e) => {
            let StreamErrorKind::RecordTooLong { limit } = e.kind() else {
                panic!("{e}")
            };
            let limit = *limit;
            assert!(limit >= max_record.max(1 + chunk % 32), "{e}");
            // A record longer than the limit starts at the error's offset.
            let at = e.offset() as usize;
            assert!(at >= joined.len() && at <= input.len(), "{e}");
            let record = input[at..].split(|&b| b == terminator).next().unwrap_or_default();
            assert!(
                record.len() > limit,
                "{e}: the record there has {} bytes",
                record.len()
            );
        }
    }
});
