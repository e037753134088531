//! The windowed and streaming splits equal the whole-input split, for every
//! window and chunk size, through awkward readers; and fail cleanly.

use std::io::{self, Read};
use std::ops::ControlFlow;

use proptest::prelude::*;
use strs_tools::parallel::{ParallelSplit, StreamErrorKind};
use strs_tools::string::{split, SplitOptions};

use super::common::Flags;

type Piece = (Vec<u8>, usize, usize, bool);

/// Reads at most `step` bytes at a time and fails with `Interrupted` every
/// third call.
struct Awkward<'a> {
    data: &'a [u8],
    step: usize,
    calls: usize,
}

impl Read for Awkward<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(3) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "try again"));
        }
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Yields `data`, then fails.
struct FailsAfter<'a>(&'a [u8]);

impl Read for FailsAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn configured(window: usize, chunk: usize, threads: usize) -> ParallelSplit {
    ParallelSplit::new()
        .window(window)
        .chunk_size(chunk)
        .threads(threads)
}

fn whole(src: &[u8], options: &SplitOptions) -> Vec<Piece> {
    options
        .split_bytes(src)
        .map(|p| (p.bytes.into_owned(), p.start, p.end, p.was_quoted))
        .collect()
}

/// `str::split` semantics for `delims`.
fn lines(delims: &[&str]) -> SplitOptions {
    split()
        .delimiters(delims)
        .preserving_delimiters(false)
        .preserving_empty(true)
        .build()
        .unwrap()
}

const SETS: &[&[&str]] = &[
    &["\n"],
    &["\r\n"],
    &[",", "\n"],
    &["aa"],
    &["=", "=="],
    &["ab", "bc"],
    &["\r\n", ","],
    &["é"],
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(800))]

    #[test]
    fn windows_and_readers_equal_the_whole_split(
        src in prop::collection::vec(prop::sample::select(b"ab=,\n\r \"\\\xc3\xa9".to_vec()), 0..80),
        set in 0..SETS.len(),
        bits in 0u8..64,
        window in 1usize..24,
        chunk in 1usize..9,
        step in 1usize..7,
        threads in 1usize..5,
    ) {
        let options = Flags::from_bits(bits).options(SETS[set]);
        let expected = whole(&src, &options);
        let mut got = Vec::new();
        configured(window, chunk, threads).split_bytes_windows(&src, &options, |pieces| {
            got.extend(pieces.iter().map(|p| (p.bytes.to_vec(), p.start, p.end, p.was_quoted)));
            ControlFlow::Continue(())
        });
        prop_assert_eq!(&got, &expected);

        let mut streamed = Vec::new();
        let reader = Awkward { data: &src, step, calls: 0 };
        configured(window, chunk, threads)
            .split_reader(reader, &options, |pieces| {
                streamed.extend(pieces.iter().map(|p| (p.bytes.to_vec(), p.start, p.end, p.was_quoted)));
                ControlFlow::Continue(())
            })
            .unwrap();
        prop_assert_eq!(&streamed, &expected);
    }
}

#[test]
fn an_overlong_segment_is_an_error_with_its_offset() {
    let mut input = b"short\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 10_000));
    input.extend(b"\nend\n");
    let mut seen = Vec::new();
    let err = ParallelSplit::new()
        .window(64)
        .max_record(1000)
        .split_reader(&input[..], &lines(&["\n"]), |pieces| {
            seen.extend(pieces.iter().map(|p| p.bytes.to_vec()));
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        StreamErrorKind::RecordTooLong { limit: 1000 }
    ));
    assert_eq!(err.offset(), 6);
    assert_eq!(seen, [b"short".to_vec()]);
    assert_eq!(
        err.to_string(),
        "record at byte offset 6 exceeds the limit of 1000 bytes"
    );
}

#[test]
fn a_read_error_is_reported_with_its_offset_after_the_pieces_before_it() {
    let input = "a\n".repeat(100);
    let mut seen = 0;
    let err = ParallelSplit::new()
        .window(16)
        .split_reader(FailsAfter(input.as_bytes()), &lines(&["\n"]), |pieces| {
            seen += pieces.len();
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(matches!(err.kind(), StreamErrorKind::Io(_)));
    assert_eq!(err.offset(), 200);
    assert!((95..=100).contains(&seen), "{seen}");
}

#[test]
fn the_sink_can_stop_early() {
    let input = "a\n".repeat(10_000);
    let mut windows = 0;
    ParallelSplit::new()
        .window(100)
        .split_reader(input.as_bytes(), &lines(&["\n"]), |_| {
            windows += 1;
            ControlFlow::Break(())
        })
        .unwrap();
    assert_eq!(windows, 1);
}

#[test]
fn empty_input_streams_its_one_empty_segment() {
    let mut got = Vec::new();
    ParallelSplit::new()
        .split_reader(io::empty(), &lines(&[","]), |p| {
            got.extend(p.iter().map(|p| p.bytes.to_vec()));
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(got, [Vec::<u8>::new()]);
}
