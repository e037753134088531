//! `strs_tools::csv` against the `csv` crate: every input, chunk size down to one
//! byte, threads 1..4, every entry point (count, parse, sequential parse, par_map,
//! par_for_each).

use std::borrow::Cow;

use proptest::prelude::*;
use strs_tools::csv::{Column, CsvParser, CsvParserBuilder, ErrorKind, Terminator};

type Rows = Vec<Vec<Vec<u8>>>;

/// The records the `csv` crate reads, lenient (no headers, flexible).
fn oracle(builder: &mut csv::ReaderBuilder, input: &[u8]) -> Rows {
    builder
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
        .byte_records()
        .map(|r| {
            r.expect("lenient csv never fails on a slice")
                .iter()
                .map(<[u8]>::to_vec)
                .collect()
        })
        .collect()
}

fn lenient() -> CsvParserBuilder {
    let mut b = CsvParser::builder();
    b.has_headers(false).flexible(true);
    b
}

/// Checks every entry point of `builder` against `expected` at the given chunk
/// sizes and thread counts.
fn check_all(builder: &CsvParserBuilder, input: &[u8], expected: &Rows, sizes: &[usize]) {
    let sequential = builder.build().unwrap();
    let got: Rows = sequential
        .parse_sequential(input)
        .unwrap()
        .iter()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(
        &got,
        expected,
        "sequential, input {:?}",
        String::from_utf8_lossy(input)
    );
    for &size in sizes {
        for threads in 1..=4 {
            let p = builder.clone().chunk_size(size).threads(threads).build().unwrap();
            let ctx = format!(
                "chunk {size}, threads {threads}, input {:?}",
                String::from_utf8_lossy(input)
            );
            assert_eq!(p.count_records(input), expected.len(), "count, {ctx}");
            let records = p.parse(input).unwrap();
            assert_eq!(records.len(), expected.len(), "{ctx}");
            let got: Rows = records.iter().map(|r| r.to_vec()).collect();
            assert_eq!(&got, expected, "parse, {ctx}");
            let got: Rows = p.par_map(input, |r| r.to_vec()).unwrap();
            assert_eq!(&got, expected, "par_map, {ctx}");
            let seen = std::sync::Mutex::new(Vec::new());
            p.par_for_each(input, |r| {
                seen.lock().unwrap().push((r.byte_range().start, r.to_vec()))
            })
            .unwrap();
            let mut seen = seen.into_inner().unwrap();
            seen.sort();
            let got: Rows = seen.into_iter().map(|(_, r)| r).collect();
            assert_eq!(&got, expected, "par_for_each, {ctx}");
        }
    }
}

fn all_sizes(input: &[u8]) -> Vec<usize> {
    (1..=input.len() + 1).collect()
}

/// RELIABILITY.md items 11-14, each with the csv crate's reading pinned down.
const HOSTILE: &[(&str, &[&[&str]])] = &[
    // 11: unclosed quote at end of input: the rest is one field.
    ("a,b\n\"c,d\ne,f\n", &[&["a", "b"], &["c,d\ne,f\n"]]),
    // 12: an escaped quote split across chunks.
    ("\"a\"\"b\",x\n", &[&["a\"b", "x"]]),
    // 13: a quoted field whose content looks like records.
    ("\"x\n1,2\n\",3\n4,5\n", &[&["x\n1,2\n", "3"], &["4", "5"]]),
    // 14: text after a closing quote continues the field unquoted.
    ("\"x\"y,z\n", &[&["xy", "z"]]),
    // 14: a quote inside an unquoted field is content.
    ("x\"y\"z,w\n", &[&["x\"y\"z", "w"]]),
    // 14: `\r\r\n` ends one record; the empty line it leaves is skipped.
    ("a\r\r\nb\n", &[&["a"], &["b"]]),
    // 14: empty lines produce no record, anywhere.
    ("\n\na,b\n\n\nc,d\n\n", &[&["a", "b"], &["c", "d"]]),
    // 14: a line holding only a delimiter is a record of two empty fields.
    (",\n", &[&["", ""]]),
    ("\"\"", &[&[""]]),
    ("\"", &[&[""]]),
    ("a,", &[&["a", ""]]),
];

#[test]
fn hostile_cases_read_as_the_csv_crate_reads_them_at_every_chunk_size_and_offset() {
    for (input, rows) in HOSTILE {
        let expected: Rows = rows
            .iter()
            .map(|r| r.iter().map(|f| f.as_bytes().to_vec()).collect())
            .collect();
        assert_eq!(
            oracle(&mut csv::ReaderBuilder::new(), input.as_bytes()),
            expected,
            "oracle on {input:?}"
        );
        // Padding with whole records in front moves every byte to every chunk offset.
        for pad in 0..6 {
            let padded = format!("{}{input}", "p,q\n".repeat(pad));
            let mut expected_padded: Rows = vec![vec![b"p".to_vec(), b"q".to_vec()]; pad];
            expected_padded.extend(expected.iter().cloned());
            check_all(
                &lenient(),
                padded.as_bytes(),
                &expected_padded,
                &all_sizes(padded.as_bytes()),
            );
        }
    }
}

/// The hostile cases at every offset of a 64-byte block (twice over), as memchr
/// pads its seed cases: the block parser and counter see each byte at each bit
/// position, and each case across a block boundary.
#[test]
fn hostile_cases_read_as_the_csv_crate_reads_them_at_every_block_offset() {
    for (input, rows) in HOSTILE {
        let expected: Rows = rows
            .iter()
            .map(|r| r.iter().map(|f| f.as_bytes().to_vec()).collect())
            .collect();
        for pad in 0..=130 {
            // One record of `pad - 1` bytes (or, for 1, an empty line, no record).
            let prefix = match pad {
                0 => String::new(),
                n => format!("{}\n", "x".repeat(n - 1)),
            };
            let padded = format!("{prefix}{input}");
            let mut expected_padded: Rows = match pad {
                0 | 1 => Vec::new(),
                n => vec![vec![b"x".repeat(n - 1)]],
            };
            expected_padded.extend(expected.iter().cloned());
            check_all(&lenient(), padded.as_bytes(), &expected_padded, &[1, 64, 1 << 20]);
        }
    }
}

#[test]
fn quoted_newline_at_every_chunk_offset() {
    let mut input = String::new();
    for i in 0..40 {
        input.push_str(&format!(
            "{i},\"multi\nline {i} with \"\"quotes\"\", and, commas\r\n\",end\n"
        ));
    }
    let expected = oracle(&mut csv::ReaderBuilder::new(), input.as_bytes());
    assert_eq!(expected.len(), 40);
    check_all(
        &lenient(),
        input.as_bytes(),
        &expected,
        &[1, 2, 3, 5, 7, 16, 61, 64, 100, 1000, 1 << 20],
    );
}

#[test]
fn headers_are_returned_apart_and_selectable_by_name() {
    let input = "id,name\n1,ann\n2,\"bo\"\"b\"\n";
    for size in all_sizes(input.as_bytes()) {
        let p = CsvParser::builder().chunk_size(size).build().unwrap();
        let records = p.parse(input).unwrap();
        let mut theirs = csv::Reader::from_reader(input.as_bytes());
        assert_eq!(
            records.headers().unwrap().to_vec(),
            theirs
                .byte_headers()
                .unwrap()
                .iter()
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>()
        );
        let rows: Rows = records.iter().map(|r| r.to_vec()).collect();
        let their_rows: Rows = theirs
            .byte_records()
            .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect();
        assert_eq!(rows, their_rows);
        assert_eq!(p.count_records(input), 2);
        assert_eq!(p.par_map(input, |r| r.to_vec()).unwrap(), their_rows);
        assert_eq!(records.column_index("name"), Some(1));
        let names = records.select(&[Column::Name("name")]).unwrap();
        assert_eq!(
            names,
            vec![
                vec![Some(Cow::Borrowed(&b"ann"[..]))],
                vec![Some(Cow::Owned(b"bo\"b".to_vec()))]
            ]
        );
        assert!(matches!(
            records.select(&[Column::Name("age")]).unwrap_err().kind(),
            ErrorKind::UnknownColumn(n) if n == "age"
        ));
        assert_eq!(records.select(&[Column::Index(5)]).unwrap()[0], vec![None]);
    }
}

#[test]
fn byte_order_mark_at_the_start_is_skipped_as_the_csv_crate_skips_it() {
    for input in [
        "\u{feff}\"a\nb\",c\n\u{feff}d\n",
        "\u{feff}",
        "\u{feff}\n\"",
        "x\u{feff},\"\u{feff}\"\n",
    ] {
        let expected = oracle(&mut csv::ReaderBuilder::new(), input.as_bytes());
        check_all(
            &lenient(),
            input.as_bytes(),
            &expected,
            &all_sizes(input.as_bytes()),
        );
    }
    let records = lenient().build().unwrap().parse("\u{feff}\"a\",b").unwrap();
    assert_eq!(records.get(0).unwrap().range(0), Some(3..6));
    let err = CsvParser::builder()
        .build()
        .unwrap()
        .parse("\u{feff}a,b\nc\n")
        .unwrap_err();
    assert_eq!(err.position().map(|p| (p.record, p.byte)), Some((1, 7)));
}

#[test]
fn header_after_leading_empty_lines_is_still_the_header() {
    let input = "\n\r\nid,v\n1,a\n\n2,b\n";
    for size in all_sizes(input.as_bytes()) {
        let p = CsvParser::builder().chunk_size(size).threads(2).build().unwrap();
        let records = p.parse(input).unwrap();
        assert_eq!(
            records.headers().unwrap().to_vec(),
            [b"id".to_vec(), b"v".to_vec()]
        );
        let ids = p.par_map(input, |r| r.get(0).unwrap().into_owned()).unwrap();
        assert_eq!(ids, [b"1".to_vec(), b"2".to_vec()], "chunk size {size}");
        assert_eq!(p.count_records(input), 2);
    }
}

#[test]
fn fields_are_borrowed_unless_they_contain_escapes() {
    let input = "plain,\"quoted\",\"dou\"\"bled\",\"open";
    let p = lenient().build().unwrap();
    let records = p.parse(input).unwrap();
    let r = records.get(0).unwrap();
    assert!(matches!(r.get(0), Some(Cow::Borrowed(b"plain"))));
    assert!(matches!(r.get(1), Some(Cow::Borrowed(b"quoted"))));
    assert!(matches!(r.get(2), Some(Cow::Owned(ref v)) if v == b"dou\"bled"));
    assert_eq!(r.get(3).unwrap(), &b"open"[..]);
    assert_eq!(r.raw(2), Some(&b"\"dou\"\"bled\""[..]));
    assert_eq!(r.range(1), Some(6..14));
    assert_eq!(r.byte_range(), 0..input.len() as u64);
    assert_eq!(r.get_str(0).unwrap().unwrap(), "plain");
    assert!(r.get(4).is_none());
}

#[test]
fn strict_lengths_fail_on_the_same_record_as_the_csv_crate() {
    let inputs = [
        "a,b\n1,2\n3\n4,5,6\n",
        "a\n\nb,c\n",
        "x,y\n\"1\n2\",3\n4,\"5\n6,7\"\n8\n",
    ];
    for input in inputs {
        let their_err = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(input.as_bytes())
            .byte_records()
            .find_map(Result::err)
            .unwrap();
        let csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } = their_err.kind()
        else {
            panic!("unexpected csv error {their_err}")
        };
        for size in all_sizes(input.as_bytes()) {
            for threads in [1, 2, 3] {
                let p = CsvParser::builder()
                    .has_headers(false)
                    .chunk_size(size)
                    .threads(threads)
                    .build()
                    .unwrap();
                let ours = p.parse(input).unwrap_err();
                assert_eq!(
                    ours.kind(),
                    &ErrorKind::UnequalLengths {
                        expected: *expected_len as usize,
                        found: *len as usize
                    }
                );
                let at = ours.position().unwrap();
                assert_eq!(at.record, pos.as_ref().unwrap().record(), "{input:?}");
                assert_eq!(p.parse_sequential(input).unwrap_err(), ours);
                assert_eq!(p.par_map(input, |r| r.len()).unwrap_err(), ours);
            }
        }
    }
    let err = CsvParser::new().parse("a,b\n1,2\n\n3\n").unwrap_err();
    let at = err.position().unwrap();
    assert_eq!((at.record, at.line, at.byte), (2, 4, 9));
    assert_eq!(
        err.to_string(),
        "record has 1 fields, but the first record has 2 (record 2, line 4, byte 9)"
    );
}

#[test]
fn strict_quotes_report_what_and_where() {
    let strict = |input: &str| {
        let mut b = lenient();
        b.strict_quotes(true);
        let ours = b
            .clone()
            .chunk_size(3)
            .build()
            .unwrap()
            .parse(input)
            .map(|r| r.len());
        assert_eq!(b.build().unwrap().parse_sequential(input).map(|r| r.len()), ours);
        ours
    };
    let err = strict("a\nb,\"open\nc\n").unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::UnclosedQuote);
    assert_eq!(
        err.position().map(|p| (p.record, p.line, p.byte)),
        Some((1, 2, 4))
    );
    let err = strict("ok\n\"x\"y\n").unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::TextAfterQuote);
    assert_eq!(
        err.position().map(|p| (p.record, p.line, p.byte)),
        Some((1, 2, 6))
    );
    let err = strict("x\"y\"z\n").unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::QuoteInUnquotedField);
    assert_eq!(err.position().map(|p| p.byte), Some(1));
    assert_eq!(strict("\"a\"\"b\",\"c\nd\"\n"), Ok(1));
}

#[test]
fn field_size_limit_accepts_up_to_the_limit_then_errors() {
    let big = format!("h\n\"{}\"\nend\n", "x,\n\"\"".repeat(50_000));
    let raw_len = big.len() - "h\n".len() - "\nend\n".len();
    let with_limit = |limit| {
        CsvParser::builder()
            .max_field_size(Some(limit))
            .chunk_size(4096)
            .build()
            .unwrap()
            .parse(&big)
    };
    let records = with_limit(raw_len).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records.get(0).unwrap().get(0).unwrap().len(), 50_000 * 4);
    let err = with_limit(raw_len - 1).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::FieldTooLarge {
            limit: raw_len - 1,
            len: raw_len
        }
    );
    assert_eq!(
        err.position().map(|p| (p.record, p.line, p.byte)),
        Some((1, 2, 2))
    );
}

#[test]
fn other_dialects_match_the_csv_crate() {
    let input = "a;'b;\\'c'\n'd''e';f\r\ng;'h\n\\\\'\n";
    type Theirs = fn(&mut csv::ReaderBuilder);
    let configs: Vec<(CsvParserBuilder, Theirs)> = vec![
        (lenient().delimiter(b';').quote(b'\'').clone(), |b| {
            b.delimiter(b';').quote(b'\'');
        }),
        (
            lenient()
                .delimiter(b';')
                .quote(b'\'')
                .escape(Some(b'\\'))
                .double_quote(false)
                .clone(),
            |b| {
                b.delimiter(b';')
                    .quote(b'\'')
                    .escape(Some(b'\\'))
                    .double_quote(false);
            },
        ),
        (
            lenient()
                .delimiter(b';')
                .quoting(false)
                .terminator(Terminator::Byte(b'\n'))
                .clone(),
            |b| {
                b.delimiter(b';')
                    .quoting(false)
                    .terminator(csv::Terminator::Any(b'\n'));
            },
        ),
    ];
    for (ours, theirs) in configs {
        let mut builder = csv::ReaderBuilder::new();
        theirs(&mut builder);
        let expected = oracle(&mut builder, input.as_bytes());
        check_all(&ours, input.as_bytes(), &expected, &all_sizes(input.as_bytes()));
    }
}

#[test]
fn panics_in_par_map_reach_the_caller_and_the_pool_stays_usable() {
    let input = "n\n1\n2\n3\n4\n";
    let p = CsvParser::builder().chunk_size(2).threads(2).build().unwrap();
    let result = std::panic::catch_unwind(|| {
        p.par_map(input, |r| {
            assert_ne!(r.get(0).unwrap().as_ref(), b"3", "boom");
            1
        })
    });
    assert!(result.is_err());
    assert_eq!(p.par_map(input, |_| 1).unwrap().len(), 4);
}

#[test]
fn parser_is_send_sync_and_debug_output_stays_small() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<CsvParser>();
    send_sync::<strs_tools::csv::Records<'static>>();
    let input = format!("h\n\"a\"\"b\"\n{}\n", "x".repeat(10_000));
    let records = CsvParser::new().parse(&input).unwrap();
    assert_eq!(
        format!("{:?}", records.get(0).unwrap()),
        r#"Record { bytes: 2..8, fields: ["a\"b"] }"#
    );
    assert!(format!("{records:?}").len() < 200);
}

#[test]
fn thread_counts_zero_and_absurd_are_accepted() {
    for threads in [0, 1, 4, usize::MAX] {
        let p = CsvParser::builder()
            .threads(threads)
            .chunk_size(1)
            .build()
            .unwrap();
        assert_eq!(p.count_records("h\n1\n\"2\n\"\n"), 2);
    }
}

fn tiny_input() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(&b"a,\"\n\r"[..]), 0..48)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_entry_point_equals_the_csv_crate(input in tiny_input(), size in 1usize..10) {
        let expected = oracle(&mut csv::ReaderBuilder::new(), &input);
        check_all(&lenient(), &input, &expected, &[size, input.len().max(1)]);
    }

    #[test]
    fn the_checked_parser_equals_the_csv_crate_when_no_check_fires(input in tiny_input(), size in 1usize..10) {
        // A limit no field reaches selects the parser copy with per-field checks.
        let expected = oracle(&mut csv::ReaderBuilder::new(), &input);
        let mut ours = lenient();
        ours.max_field_size(Some(input.len()));
        check_all(&ours, &input, &expected, &[size]);
    }

    #[test]
    fn escape_and_lf_dialects_equal_the_csv_crate(
        input in proptest::collection::vec(proptest::sample::select(&b"a,\"\n\r\\"[..]), 0..48),
        size in 1usize..10,
    ) {
        let mut theirs = csv::ReaderBuilder::new();
        theirs.escape(Some(b'\\')).terminator(csv::Terminator::Any(b'\n'));
        let expected = oracle(&mut theirs, &input);
        let mut ours = lenient();
        ours.escape(Some(b'\\')).terminator(Terminator::Byte(b'\n'));
        check_all(&ours, &input, &expected, &[size]);
    }

    #[test]
    fn strict_modes_never_panic_and_agree_with_the_sequential_twin(
        input in proptest::collection::vec(any::<u8>(), 0..64),
        size in 1usize..10,
        limit in 0usize..8,
    ) {
        let mut b = CsvParser::builder();
        b.strict_quotes(true).max_field_size(Some(limit));
        let seq = b.build().unwrap().parse_sequential(&input).map(|r| r.iter().map(|r| r.to_vec()).collect::<Vec<_>>());
        let par = b.chunk_size(size).threads(2).build().unwrap().parse(&input).map(|r| r.iter().map(|r| r.to_vec()).collect::<Vec<_>>());
        prop_assert_eq!(seq, par);
    }
}
