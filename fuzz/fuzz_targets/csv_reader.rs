//! The CSV reader entry points (`for_each_record_reader`,
//! `count_records_reader`) fed through a reader that returns short reads of
//! fuzzed sizes (and `Interrupted`), with a fuzzed dialect, window, record
//! limit, chunk size and 1..3 threads, against the in-memory parse of the same
//! input: the same records with the same byte ranges, the same error at the
//! same position, or `RecordTooLong` only where a record really is longer than
//! the limit; never a different answer. A sink that stops early gets exactly
//! the records before it stopped.
//!
//! Layout: `[config, chunk, window, limit, reads, sizes..., input...]`, with
//! `reads % 8` read sizes (0 is an `Interrupted` read), used in turn.
#![no_main]

mod common;

use std::ops::{ControlFlow, Range};

use common::ShortReads;
use libfuzzer_sys::fuzz_target;
use strs_tools::csv::{CsvParser, ErrorKind, Record, RecordSink, Terminator};

type Row = (Vec<Vec<u8>>, Range<u64>);

fn row(r: &Record<'_>) -> Row {
    (r.to_vec(), r.byte_range())
}

#[derive(Default)]
struct Collect {
    header: Option<Row>,
    rows: Vec<Row>,
    stop_after: Option<usize>,
}

impl RecordSink for Collect {
    fn header(&mut self, header: Record<'_>) -> ControlFlow<()> {
        assert!(self.header.is_none() && self.rows.is_empty(), "one header, first");
        self.header = Some(row(&header));
        ControlFlow::Continue(())
    }

    fn record(&mut self, record: Record<'_>) -> ControlFlow<()> {
        self.rows.push(row(&record));
        if self.stop_after == Some(self.rows.len()) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [config, chunk, window, limit, reads, rest @ ..] = data else {
        return;
    };
    let (sizes, input) = rest.split_at(rest.len().min(usize::from(reads % 8)));
    let strict = config & 16 != 0;
    let mut builder = CsvParser::builder();
    builder
        .has_headers(config & 32 != 0)
        .flexible(true)
        .escape((config & 1 != 0).then_some(b'\\'))
        .double_quote(config & 2 == 0)
        .terminator(if config & 4 != 0 {
            Terminator::Byte(b'\n')
        } else {
            Terminator::Crlf
        })
        .quoting(config & 8 == 0)
        .threads(1 + usize::from(config >> 6) % 3)
        .chunk_size(usize::from(*chunk))
        // 0 is the default window, far larger than any fuzz input.
        .window(usize::from(*window % 64))
        .max_record(usize::from(*limit % 96));
    let lenient = builder.build().expect("valid dialect");
    builder
        .flexible(!strict)
        .strict_quotes(strict)
        .max_field_size(strict.then_some(usize::from(*limit % 128)));
    let parser = builder.build().expect("valid dialect");
    let reader = || ShortReads {
        data: input,
        sizes,
        turn: 0,
    };

    // The truth: the lenient in-memory parse never fails; the parser under
    // test's in-memory parse may (strict modes).
    let all = lenient
        .parse_sequential(input)
        .expect("lenient parses never fail");
    let truth: Vec<Row> = all.iter().map(|r| row(&r)).collect();
    let truth_header = all.headers().map(|r| row(&r));
    let in_memory = parser.parse_sequential(input);

    assert_eq!(
        lenient.count_records_reader(reader()).expect("no read fails"),
        truth.len() as u64
    );
    assert_eq!(
        parser.count_records_reader(reader()).expect("no read fails"),
        parser.count_records(input) as u64,
    );

    let stop_after = (reads & 8 != 0).then_some(usize::from(reads >> 4));
    let mut sink = Collect {
        stop_after,
        ..Collect::default()
    };
    let got = parser.for_each_record_reader(reader(), &mut sink);
    assert!(
        truth.starts_with(&sink.rows),
        "delivered records are the input's records, in order"
    );
    if !(sink.header.is_none() && sink.rows.is_empty()) {
        assert_eq!(sink.header, truth_header);
    }
    match got {
        Ok(n) => {
            assert_eq!(n, sink.rows.len() as u64);
            if stop_after == Some(sink.rows.len()) {
                // Stopped by the sink: an error past this point may go unseen.
                return;
            }
            let expected = in_memory.expect("the reader succeeded, so must the in-memory parse");
            assert_eq!(sink.rows.len(), expected.len());
        }
        Err(e) => match e.kind() {
            ErrorKind::RecordTooLong { limit: reported } => {
                let at = e.position().expect("a long record has a position").byte;
                let limit = usize::from(*limit % 96).max(builder_window(*window));
                assert_eq!(*reported, limit);
                let limit = limit as u64;
                // The first record at or after the error's position (past any
                // empty lines there) is longer than the limit, terminator
                // excluded, or, with the empty lines after it (which the
                // reader cannot tell from the record until the next one
                // starts), more than the limit plus a two-byte terminator;
                // if no record is left, more than the limit follows.
                let record = truth
                    .iter()
                    .chain(&truth_header)
                    .map(|(_, r)| r.clone())
                    .filter(|r| r.start >= at)
                    .min_by_key(|r| r.start);
                match record {
                    Some(r) => {
                        let is_term = |b: &u8| *b == b'\n' || (config & 4 == 0 && *b == b'\r');
                        let blank = input[r.end as usize..].iter().take_while(|b| is_term(b)).count() as u64;
                        assert!(
                            r.end - at > limit || r.end + blank - at > limit + 2,
                            "{e}: the record there is {r:?}, then {blank} terminator bytes"
                        );
                    }
                    None => assert!(
                        input.len() as u64 - at > limit,
                        "{e}: the input ends at {}",
                        input.len()
                    ),
                }
            }
            _ => {
                let expected = in_memory.expect_err("the reader failed, so must the in-memory parse");
                assert_eq!(e, expected);
            }
        },
    }
});

/// The window the builder was given, as the reader resolves it (0: the default).
fn builder_window(window: u8) -> usize {
    match usize::from(window % 64) {
        0 => CsvParser::DEFAULT_WINDOW,
        w => w,
    }
}
