//! The windowed and streaming splits (`ParallelSplit::split_bytes_windows`,
//! `split_reader`) against the sequential `SplitOptions::split_bytes`, with
//! fuzzed delimiters and options, window, record limit, chunk size, 1..3
//! threads, and a reader that returns short reads of fuzzed sizes: the same
//! pieces at the same stream offsets, or a `RecordTooLong` error after a prefix
//! of them.
//!
//! Layout: `[flags, window, limit, shape, reads, sizes..., hay...]`; up to three
//! delimiters are cut from the haystack's first bytes.
#![no_main]

mod common;

use std::ops::ControlFlow;

use common::ShortReads;
use libfuzzer_sys::fuzz_target;
use strs_tools::parallel::{ParallelSplit, StreamErrorKind};
use strs_tools::string::split;

/// A piece as compared: bytes, kind, offsets, quoted.
type Piece = (Vec<u8>, bool, usize, usize, bool);

fuzz_target!(|data: &[u8]| {
    let [flags, window, limit, shape, reads, rest @ ..] = data else {
        return;
    };
    let (sizes, hay) = rest.split_at(rest.len().min(usize::from(reads % 8)));
    let count = 1 + usize::from(shape & 3) % 3;
    let delims: Vec<&[u8]> = (0..count)
        .map(|i| {
            let len = usize::from(shape >> (2 + 2 * i) & 3);
            let at = (i * 2).min(hay.len());
            &hay[at..hay.len().min(at + len)]
        })
        .collect();
    let options = split()
        .byte_delimiters(&delims)
        .preserving_empty(flags & 1 != 0)
        .preserving_delimiters(flags & 2 != 0)
        .stripping(flags & 4 != 0)
        .quoting(flags & 8 != 0)
        .preserving_quoting(flags & 16 != 0)
        .build()
        .expect("three short delimiters compile");
    let piece = |p: &strs_tools::string::ByteSplit<'_>| -> Piece {
        let delimiter = p.typ == strs_tools::string::SplitType::Delimiter;
        (p.bytes.to_vec(), delimiter, p.start, p.end, p.was_quoted)
    };
    let expected: Vec<Piece> = options.split_bytes(hay).map(|p| piece(&p)).collect();
    let max_record = 1 + usize::from(*limit);
    let driver = ParallelSplit::new()
        .chunk_size(usize::from(reads >> 3))
        .threads(1 + usize::from(flags >> 6) % 3)
        .window(1 + usize::from(*window % 64))
        .max_record(max_record);

    let mut windows = Vec::new();
    driver.split_bytes_windows(hay, &options, |pieces| {
        windows.extend(pieces.iter().map(piece));
        ControlFlow::Continue(())
    });
    assert_eq!(windows, expected);

    let mut streamed = Vec::new();
    let reader = ShortReads {
        data: hay,
        sizes,
        turn: 0,
    };
    let result = driver.split_reader(reader, &options, |pieces| {
        streamed.extend(pieces.iter().map(piece));
        ControlFlow::Continue(())
    });
    match result {
        Ok(()) => assert_eq!(streamed, expected),
        Err(e) => {
            assert!(matches!(e.kind(), StreamErrorKind::RecordTooLong { .. }), "{e}");
            assert!(
                expected.starts_with(&streamed),
                "{e}: delivered pieces are a prefix"
            );
            let at = e.offset() as usize;
            // What is not delivered starts at or after the error's offset, and
            // more than `max_record` bytes of input follow it.
            assert!(streamed.last().is_none_or(|p| p.2 <= at), "{e}");
            assert!(
                hay.len() - at > max_record
                    || expected[streamed.len()..].iter().any(|p| p.3 - p.2 > max_record),
                "{e}"
            );
        }
    }
});
