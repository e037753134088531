//! `strs_tools::csv` against the `csv` crate on arbitrary bytes: the first bytes
//! choose the dialect, chunk size and threads; parallel parse, sequential parse,
//! count and par_map must all equal the csv crate's records, and the strict modes
//! must not panic and must agree with the sequential twin.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strs_tools::csv::{CsvParser, Terminator};

fuzz_target!(|data: &[u8]| {
    let [config, chunk, rest @ ..] = data else { return };
    let input = rest;
    let escape = (config & 1 != 0).then_some(b'\\');
    let double_quote = config & 2 == 0;
    let lf_only = config & 4 != 0;
    let quoting = config & 8 == 0;
    let threads = usize::from(config >> 6) + 1;
    let chunk_size = usize::from(*chunk) + 1;

    let mut ours = CsvParser::builder();
    ours.has_headers(false)
        .flexible(true)
        .escape(escape)
        .double_quote(double_quote)
        .quoting(quoting)
        .terminator(if lf_only {
            Terminator::Byte(b'\n')
        } else {
            Terminator::Crlf
        })
        .chunk_size(chunk_size)
        .threads(threads);
    let mut theirs = csv::ReaderBuilder::new();
    theirs
        .has_headers(false)
        .flexible(true)
        .escape(escape)
        .double_quote(double_quote)
        .quoting(quoting)
        .terminator(if lf_only {
            csv::Terminator::Any(b'\n')
        } else {
            csv::Terminator::CRLF
        });
    let expected: Vec<Vec<Vec<u8>>> = theirs
        .from_reader(input)
        .byte_records()
        .map(|r| {
            r.expect("lenient csv never fails on a slice")
                .iter()
                .map(<[u8]>::to_vec)
                .collect()
        })
        .collect();

    let parser = ours.build().expect("valid dialect");
    assert_eq!(parser.count_records(input), expected.len());
    let parsed: Vec<_> = parser
        .parse(input)
        .expect("lenient")
        .iter()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(parsed, expected);
    let sequential: Vec<_> = parser
        .parse_sequential(input)
        .expect("lenient")
        .iter()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(sequential, expected);
    assert_eq!(parser.par_map(input, |r| r.to_vec()).expect("lenient"), expected);

    // Limits below and above a 64-byte block: the block parser takes different
    // paths for them.
    let limit = usize::from(*chunk % 128);
    let strict = ours
        .flexible(false)
        .strict_quotes(true)
        .max_field_size(Some(limit))
        .build()
        .unwrap();
    let sequential = strict.parse_sequential(input).map(|r| r.len());
    assert_eq!(strict.parse(input).map(|r| r.len()), sequential);
    assert_eq!(strict.par_map(input, |_| ()).map(|r| r.len()), sequential);
});
