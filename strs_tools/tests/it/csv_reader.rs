//! The reader entry points against the in-memory parse and the `csv` crate:
//! every hostile input, read through awkward readers (1-byte reads,
//! `Interrupted`), in windows from 1 byte, on 1 and 3 threads, gives the same
//! records, count and errors as the whole input in memory, whose records are the
//! `csv` crate's.

use std::io::{self, Read};
use std::ops::ControlFlow;

use proptest::prelude::*;
use strs_tools::csv::{CsvParser, CsvParserBuilder, Error, ErrorKind, Record, RecordSink, Terminator};

use crate::common::CSV_HOSTILE;

/// Yields at most `step` bytes per read, with an `Interrupted` before each.
struct Awkward<'a> {
    data: &'a [u8],
    step: usize,
    interrupt: bool,
}

impl Read for Awkward<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = self.step.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Records as (byte range, fields).
type Seen = Vec<(std::ops::Range<u64>, Vec<Vec<u8>>)>;

/// Collects the header and the records.
#[derive(Default)]
struct Collect {
    header: Option<Vec<Vec<u8>>>,
    records: Seen,
}

impl RecordSink for Collect {
    fn header(&mut self, header: Record<'_>) -> ControlFlow<()> {
        self.header = Some(header.to_vec());
        ControlFlow::Continue(())
    }

    fn record(&mut self, record: Record<'_>) -> ControlFlow<()> {
        self.records.push((record.byte_range(), record.to_vec()));
        ControlFlow::Continue(())
    }
}

/// What the in-memory parse gives: the header, the records, and the error.
fn in_memory(parser: &CsvParser, input: &[u8]) -> (Option<Vec<Vec<u8>>>, Seen, Option<Error>) {
    match parser.parse(input) {
        Ok(records) => (
            records.headers().map(|h| h.to_vec()),
            records.iter().map(|r| (r.byte_range(), r.to_vec())).collect(),
            None,
        ),
        Err(e) => (None, Vec::new(), Some(e)),
    }
}

fn builders() -> Vec<CsvParserBuilder> {
    let mut plain = CsvParser::builder();
    plain.has_headers(false).flexible(true);
    let mut headed = CsvParser::builder();
    headed.flexible(true);
    let mut escape = plain.clone();
    escape.escape(Some(b'\\'));
    let mut strict = CsvParser::builder();
    strict.strict_quotes(true);
    let mut small_fields = plain.clone();
    small_fields.max_field_size(Some(3));
    vec![plain, headed, escape, strict, small_fields]
}

/// Reads `input` with every builder, window and reader, and compares with the
/// in-memory parse (and, for the lenient dialect, the `csv` crate).
fn check(input: &[u8], windows: &[usize]) {
    // The first builder is the csv crate's lenient reading: check the oracle too.
    let oracle: Vec<Vec<Vec<u8>>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
        .byte_records()
        .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
        .collect();
    for (k, builder) in builders().into_iter().enumerate() {
        let memory = builder.build().unwrap();
        let (header, records, error) = in_memory(&memory, input);
        if k == 0 {
            let fields: Vec<Vec<Vec<u8>>> = records.iter().map(|(_, f)| f.clone()).collect();
            assert_eq!(
                fields,
                oracle,
                "csv crate, input {:?}",
                String::from_utf8_lossy(input)
            );
        }
        for &window in windows {
            for (step, threads) in [(1, 1), (usize::MAX, 1), (1, 3), (usize::MAX, 3)] {
                for chunk in [1, 0] {
                    let parser = builder
                        .clone()
                        .window(window)
                        .chunk_size(chunk)
                        .threads(threads)
                        .build()
                        .unwrap();
                    let ctx = format!(
                        "window {window}, step {step}, threads {threads}, chunk {chunk}, {builder:?}, input {:?}",
                        String::from_utf8_lossy(input)
                    );
                    let reader = Awkward {
                        data: input,
                        step,
                        interrupt: false,
                    };
                    let mut got = Collect::default();
                    let result = parser.for_each_record_reader(reader, &mut got);
                    match &error {
                        None => {
                            assert_eq!(result.as_ref().ok(), Some(&(records.len() as u64)), "{ctx}");
                            assert_eq!(got.records, records, "{ctx}");
                            assert_eq!(got.header, header, "{ctx}");
                        }
                        Some(e) => {
                            assert_eq!(result.as_ref().err(), Some(e), "{ctx}");
                            // Records before the error were delivered, in order.
                            let before = e.position().unwrap().record;
                            let delivered = got.records.len() as u64 + u64::from(got.header.is_some());
                            assert_eq!(delivered, before, "{ctx}");
                        }
                    }
                    let reader = Awkward {
                        data: input,
                        step,
                        interrupt: false,
                    };
                    assert_eq!(
                        parser.count_records_reader(reader).unwrap(),
                        memory.count_records(input) as u64,
                        "count, {ctx}"
                    );
                }
            }
        }
    }
}

#[test]
fn hostile_inputs_read_in_windows_from_one_byte_equal_the_parse_in_memory() {
    for input in CSV_HOSTILE {
        check(input.as_bytes(), &[1, 2, 3, 4, 7, 64, 1 << 20]);
    }
}

#[test]
fn a_byte_order_mark_is_skipped_only_at_the_first_byte_even_when_a_window_starts_on_it() {
    // The reproducer, scaled down: a record starting with a byte-order
    // mark in the middle of the input, where a read window starts.
    let mut input = b"x\n".repeat(1000);
    input.extend_from_slice(b"\xef\xbb\xbfname,value\nz,1\n");
    let mut parser = CsvParser::builder();
    parser.has_headers(false).flexible(true);
    for window in [2, 4, 8, 400, 2000, 4096] {
        let p = parser.clone().window(window).build().unwrap();
        let mut firsts = Vec::new();
        p.for_each_record_reader(&input[..], &mut |r: Record<'_>| {
            firsts.push(r.get(0).unwrap().into_owned());
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(firsts.len(), 1002);
        assert_eq!(firsts[1000], b"\xef\xbb\xbfname", "window {window}");
        assert_eq!(firsts[1001], b"z");
    }
    check(&input, &[2, 3, 7, 2000]);
}

#[test]
fn a_record_longer_than_max_record_is_an_error_naming_its_position() {
    let mut input = b"a,b\nc,d\n".to_vec();
    input.extend_from_slice(&[b'x'; 300]);
    input.extend_from_slice(b",y\ne,f\n");
    let parser = CsvParser::builder().window(16).max_record(100).build().unwrap();
    let mut seen = 0;
    let err = parser
        .for_each_record_reader(&input[..], &mut |_: Record<'_>| {
            seen += 1;
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::RecordTooLong { limit: 100 });
    let p = err.position().unwrap();
    assert_eq!((p.record, p.line, p.byte), (2, 3, 8));
    assert_eq!(seen, 1);
    // Counting holds no record: no limit.
    assert_eq!(parser.count_records_reader(&input[..]).unwrap(), 3);
    // Within the limit, the long record is read whole.
    let roomy = CsvParser::builder().window(16).max_record(400).build().unwrap();
    let mut fields = Vec::new();
    roomy
        .for_each_record_reader(&input[..], &mut |r: Record<'_>| {
            fields.push(r.get(0).unwrap().len());
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(fields, [1, 300, 1]);
}

#[test]
fn a_read_error_is_reported_with_its_offset_after_the_records_before_it() {
    struct Failing<'a>(&'a [u8]);
    impl Read for Failing<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("disk gone"));
            }
            let n = out.len().min(self.0.len()).min(4);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let parser = CsvParser::builder().has_headers(false).window(4).build().unwrap();
    let mut seen = Vec::new();
    let err = parser
        .for_each_record_reader(Failing(b"a,b\nc,d\ne,f\ng"), &mut |r: Record<'_>| {
            seen.push(r.to_vec());
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }), "{err}");
    assert!(err.to_string().contains("at byte 13"), "{err}");
    assert_eq!(seen.len(), 2);
    assert!(parser.count_records_reader(Failing(b"a\n")).is_err());
}

#[test]
fn the_sink_stops_the_read_early() {
    let input = b"n\n1\n2\n3\n".repeat(1000);
    let parser = CsvParser::builder().window(8).build().unwrap();
    let mut seen = 0;
    let handed = parser
        .for_each_record_reader(&input[..], &mut |_: Record<'_>| {
            seen += 1;
            if seen == 5 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!((handed, seen), (5, 5));
}

#[test]
fn a_long_record_at_tiny_windows_takes_linear_time() {
    // One 256 KiB quoted record read 1 byte at a time: quadratic work (re-parsing
    // the carried record at every read) would be 2^35 byte visits.
    let mut input = b"h,k\n\"".to_vec();
    input.extend(std::iter::repeat_n(b"ab\n,".iter().copied(), 64 * 1024).flatten());
    input.extend_from_slice(b"\",z\nq,r\n");
    let parser = CsvParser::builder().window(1).build().unwrap();
    let started = std::time::Instant::now();
    assert_eq!(parser.count_records_reader(&input[..]).unwrap(), 2);
    let mut lens = Vec::new();
    parser
        .for_each_record_reader(&input[..], &mut |r: Record<'_>| {
            lens.push(r.get(0).unwrap().len());
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(lens, [256 * 1024, 1]);
    // Generous for a debug build on a loaded machine; quadratic takes minutes.
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}

fn tiny_input() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => proptest::sample::select(&b"a,\"\n\r\\"[..]).prop_map(|b| vec![b]),
        1 => Just(b"\xef\xbb\xbf".to_vec()),
        1 => (1usize..40).prop_map(|n| vec![b'a'; n]),
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn reader_equals_the_parse_in_memory(input in tiny_input(), window in 1usize..20) {
        check(&input, &[window]);
    }
}

/// Found by fuzzing: `n\n"` with `window(1).max_record(1)` failed with
/// `RecordTooLong` at the one-byte first record, which the limit allows: the
/// reader held the record, its terminator and one byte more, and counted them
/// all against the limit. A record of exactly the limit is read whole, after
/// any records, with either terminator, at any window up to the limit; a
/// record longer than the limit plus a window is refused at its first byte.
#[test]
fn a_record_of_exactly_the_limit_is_accepted_and_a_much_longer_one_is_not() {
    for limit in 1..12usize {
        for window in 1..=limit {
            for (term, terminator) in [
                ("\n", Terminator::Crlf),
                ("\r\n", Terminator::Crlf),
                ("\n", Terminator::Byte(b'\n')),
            ] {
                for lead in 0..3usize {
                    let p = CsvParser::builder()
                        .has_headers(false)
                        .flexible(true)
                        .terminator(terminator)
                        .window(window)
                        .max_record(limit)
                        .build()
                        .unwrap();
                    let with_record = |len: usize| {
                        let mut input = Vec::new();
                        for i in 0..lead {
                            input.extend_from_slice(format!("{i}{term}").as_bytes());
                        }
                        let at = input.len() as u64;
                        input.extend(std::iter::repeat_n(b'x', len));
                        input.extend_from_slice(format!("{term}\"{term}").as_bytes());
                        (input, at)
                    };
                    let case = (limit, window, term, lead);
                    let (input, _) = with_record(limit);
                    let mut lens = Vec::new();
                    p.for_each_record_reader(&input[..], &mut |r: Record<'_>| {
                        lens.push(r.byte_range().end - r.byte_range().start);
                        ControlFlow::Continue(())
                    })
                    .unwrap_or_else(|e| panic!("{case:?}: {e}"));
                    assert_eq!(lens[lead], limit as u64, "{case:?}");

                    let (input, at) = with_record(limit + window + 3);
                    let err = p
                        .for_each_record_reader(&input[..], &mut |_: Record<'_>| ControlFlow::Continue(()))
                        .unwrap_err();
                    assert_eq!(err.kind(), &ErrorKind::RecordTooLong { limit }, "{case:?}");
                    assert_eq!(err.position().unwrap().byte, at, "{case:?}");
                }
            }
        }
    }
}
