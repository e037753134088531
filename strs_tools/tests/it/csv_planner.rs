//! The public split planner against the `csv` crate: any cut of an input into
//! byte ranges, summarised independently (through an encode/decode round trip)
//! and combined, gives exactly the record starts of the sequential parse.

use std::cell::Cell;
use std::ops::Range;

use proptest::prelude::*;
use strs_tools::csv::{CsvParser, CsvParserBuilder, ErrorKind, RangeSummary, Terminator};

use crate::common::CSV_HOSTILE;

/// The first byte of every record of the `csv` crate's parse: its
/// `Position::byte()`, which is where the reader stood, moved past the empty
/// lines (terminator bytes) it skipped there.
fn oracle_starts(parser: &mut csv::ReaderBuilder, crlf: Option<u8>, input: &[u8]) -> Vec<u64> {
    let is_term = |b: u8| match crlf {
        None => b == b'\n' || b == b'\r',
        Some(t) => b == t,
    };
    let mut reader = parser.has_headers(false).flexible(true).from_reader(input);
    let mut record = csv::ByteRecord::new();
    let mut starts = Vec::new();
    while reader.read_byte_record(&mut record).unwrap() {
        let mut at = record.position().unwrap().byte() as usize;
        if at == 0 && input.starts_with(b"\xef\xbb\xbf") {
            at = 3;
        }
        while is_term(input[at]) {
            at += 1;
        }
        starts.push(at as u64);
    }
    starts
}

/// The dialects tried, as ours and as the `csv` crate's.
fn dialects() -> Vec<(CsvParserBuilder, csv::ReaderBuilder, Option<u8>)> {
    let mut out = Vec::new();
    let mut ours = CsvParser::builder();
    ours.has_headers(false);
    out.push((ours.clone(), csv::ReaderBuilder::new(), None));
    let mut escape = ours.clone();
    escape.escape(Some(b'\\'));
    let mut theirs = csv::ReaderBuilder::new();
    theirs.escape(Some(b'\\'));
    out.push((escape, theirs, None));
    let mut lf = ours.clone();
    lf.terminator(Terminator::Byte(b'\n'));
    let mut theirs = csv::ReaderBuilder::new();
    theirs.terminator(csv::Terminator::Any(b'\n'));
    out.push((lf, theirs, Some(b'\n')));
    let mut single = ours.clone();
    single.double_quote(false);
    let mut theirs = csv::ReaderBuilder::new();
    theirs.double_quote(false);
    out.push((single, theirs, None));
    let mut plain = ours;
    plain.quoting(false);
    let mut theirs = csv::ReaderBuilder::new();
    theirs.quoting(false);
    out.push((plain, theirs, None));
    out
}

/// Cuts `len` bytes into consecutive ranges whose sizes cycle through `sizes`.
fn cut(len: usize, sizes: &[usize]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut at = 0;
    for &size in sizes.iter().cycle() {
        if at >= len && !ranges.is_empty() {
            break;
        }
        let end = (at + size.max(1)).min(len);
        ranges.push(at..end);
        at = end;
    }
    ranges
}

/// Summarises every range on its own, round-trips the summaries through their
/// encoding, plans them, and checks the plan against `expected`. Returns the
/// number of bytes fetched.
fn check_cut(parser: &CsvParser, input: &[u8], ranges: &[Range<usize>], expected: &[u64]) -> u64 {
    let summaries: Vec<RangeSummary> = ranges
        .iter()
        .map(|r| {
            let before = r.start.checked_sub(1).map(|i| input[i]);
            let s = parser.summarize_range(
                r.start as u64,
                before,
                &input[r.clone()],
                input.get(r.end).copied(),
            );
            let decoded = RangeSummary::from_bytes(&s.to_bytes()).unwrap();
            assert_eq!(decoded, s, "round trip of {r:?}");
            decoded
        })
        .collect();
    let fetched = Cell::new(0u64);
    let plan = parser
        .plan_ranges(&summaries, |r| {
            fetched.set(fetched.get() + r.end - r.start);
            Ok(input[r.start as usize..r.end as usize].to_vec())
        })
        .unwrap();
    let ctx = || format!("ranges {ranges:?}, input {:?}", String::from_utf8_lossy(input));
    assert_eq!(plan.records(), expected.len() as u64, "{}", ctx());
    assert_eq!(plan.ranges().len(), ranges.len());
    for (planned, r) in plan.ranges().iter().zip(ranges) {
        let (a, b) = (r.start as u64, r.end as u64);
        let before = expected.iter().filter(|&&s| s < a).count() as u64;
        let first = expected.iter().copied().find(|&s| a <= s && s < b);
        assert_eq!(planned.range(), a..b);
        assert_eq!(
            (planned.first_record(), planned.records_before()),
            (first, before),
            "range {r:?}, {}",
            ctx()
        );
    }
    let starts: Vec<u64> = plan.pieces().iter().map(|(r, _)| r.start).collect();
    let mut firsts: Vec<u64> = plan.ranges().iter().filter_map(|r| r.first_record()).collect();
    firsts.dedup();
    assert_eq!(starts, firsts);
    fetched.get()
}

fn check_every_cut(input: &[u8], sizes_list: &[Vec<usize>]) {
    for (ours, mut theirs, term) in dialects() {
        let parser = ours.build().unwrap();
        let expected = oracle_starts(&mut theirs, term, input);
        for sizes in sizes_list {
            check_cut(&parser, input, &cut(input.len(), sizes), &expected);
        }
    }
}

#[test]
fn hostile_inputs_cut_anywhere_plan_to_the_csv_crates_record_starts() {
    for input in CSV_HOSTILE {
        let input = input.as_bytes();
        let mut sizes: Vec<Vec<usize>> = (1..=input.len() + 1).map(|s| vec![s]).collect();
        sizes.extend([vec![1, 2], vec![2, 1, 3], vec![3, 1], vec![5, 1, 1]]);
        check_every_cut(input, &sizes);
        // Every single cut point.
        for at in 0..=input.len() {
            check_every_cut(input, &[vec![at.max(1), input.len()]]);
        }
    }
}

#[test]
fn well_formed_quoting_is_planned_without_fetching() {
    let input = b"id,text\n1,\"a,\"\"b\"\"\nc\"\n\n2,plain\r\n3,\"\"\r4,\"x\ny\"\n".repeat(5);
    let parser = CsvParser::builder().has_headers(false).build().unwrap();
    let expected = oracle_starts(&mut csv::ReaderBuilder::new(), None, &input);
    for size in 1..40 {
        let fetched = check_cut(&parser, &input, &cut(input.len(), &[size]), &expected);
        // Only a first range no longer than a byte-order mark asks for one.
        assert_eq!(fetched, if size <= 3 { 3 } else { 0 }, "size {size}");
    }
}

#[test]
fn a_byte_order_mark_split_over_ranges_is_still_skipped_and_only_at_the_start() {
    let input = "\u{feff}\"q\",1\n\u{feff}x,2\n".as_bytes();
    let parser = CsvParser::builder().has_headers(false).build().unwrap();
    let expected = oracle_starts(&mut csv::ReaderBuilder::new(), None, input);
    assert_eq!(expected, [3, 9]);
    for sizes in [vec![1], vec![2], vec![1, 1, 1], vec![2, 5], vec![1, 100]] {
        check_cut(&parser, input, &cut(input.len(), &sizes), &expected);
    }
}

#[test]
fn summaries_that_do_not_cover_one_input_in_order_are_refused() {
    let parser = CsvParser::new();
    let input = b"a,b\nc,d\n";
    let whole = |p: &CsvParser| p.summarize_range(0, None, input, None);
    let head = parser.summarize_range(0, None, &input[..4], Some(input[4]));
    let tail = parser.summarize_range(4, Some(input[3]), &input[4..], None);
    let no_fetch = |_: Range<u64>| -> std::io::Result<Vec<u8>> { unreachable!() };
    let refused = |sums: &[RangeSummary]| {
        matches!(
            parser.plan_ranges(sums, no_fetch).map_err(|e| e.kind().clone()),
            Err(ErrorKind::InvalidSummary(_))
        )
    };
    assert!(refused(&[tail.clone(), head.clone()]));
    assert!(refused(std::slice::from_ref(&head)));
    assert!(refused(std::slice::from_ref(&tail)));
    assert!(refused(&[head.clone(), head.clone(), tail.clone()]));
    let other = CsvParser::builder().delimiter(b';').build().unwrap();
    assert!(refused(&[whole(&other)]));
    assert_eq!(parser.plan_ranges(&[head, tail], no_fetch).unwrap().records(), 2);
    assert_eq!(parser.plan_ranges(&[], no_fetch).unwrap().records(), 0);
}

#[test]
fn a_failing_fetch_is_an_io_error() {
    let parser = CsvParser::new();
    let input = b"x\"y\"z\na\n";
    let sums: Vec<_> = (0..input.len())
        .map(|i| {
            parser.summarize_range(
                i as u64,
                i.checked_sub(1).map(|j| input[j]),
                &input[i..=i],
                input.get(i + 1).copied(),
            )
        })
        .collect();
    let err = parser
        .plan_ranges(&sums, |_| Err(std::io::Error::other("gone")))
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }), "{err}");
    // The fetch's own kinds stay I/O errors, `InvalidData` included.
    let err = parser
        .plan_ranges(&sums, |_| {
            Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "corrupt"))
        })
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }), "{err}");
    let err = parser.plan_ranges(&sums, |_| Ok(vec![b'a'])).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidSummary(_)), "{err}");
}

fn tiny_input() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => proptest::sample::select(&b"a,\"\n\r\\"[..]).prop_map(|b| vec![b]),
        1 => Just(b"\xef\xbb\xbf".to_vec()),
        1 => (1usize..80).prop_map(|n| vec![b'a'; n]),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_cut_plans_to_the_csv_crates_record_starts(
        input in tiny_input(),
        sizes in proptest::collection::vec(1usize..90, 1..6),
    ) {
        check_every_cut(&input, &[sizes]);
    }

    #[test]
    fn garbage_never_decodes_into_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100), flip in 0usize..76, bit in 0u8..8) {
        let _ = RangeSummary::from_bytes(&bytes);
        let mut good = CsvParser::new().summarize_range(0, None, b"a\n\"b\nc\"\n", None).to_bytes();
        good[flip] ^= 1 << bit;
        if let Ok(s) = RangeSummary::from_bytes(&good) {
            // Whatever decodes, planning it is an answer or an error, not a panic.
            let _ = CsvParser::new().plan_ranges(&[s], |r| Ok(vec![b'a'; (r.end - r.start) as usize]));
        }
    }
}

#[test]
fn planned_pieces_parse_on_their_own_to_the_whole_parse() {
    // A record starting with a byte-order mark mid-input, where a piece starts.
    let mut input = b"\xef\xbb\xbfid,v\n".to_vec();
    input.extend(b"1,\"a\nb\"\n2,x\"y\n".repeat(20));
    let mark = input.len();
    input.extend_from_slice(b"\xef\xbb\xbf3,z\n4,\"w\"\n");
    let parser = CsvParser::new();
    let whole: Vec<Vec<Vec<u8>>> = parser.parse(&input).unwrap().iter().map(|r| r.to_vec()).collect();
    for cuts in [vec![mark], vec![5, mark, mark + 4], vec![1, 2, 3, mark - 1]] {
        let mut bounds = vec![0];
        bounds.extend(&cuts);
        bounds.push(input.len());
        let summaries: Vec<RangeSummary> = bounds
            .windows(2)
            .map(|w| {
                let before = w[0].checked_sub(1).map(|i| input[i]);
                parser.summarize_range(w[0] as u64, before, &input[w[0]..w[1]], input.get(w[1]).copied())
            })
            .collect();
        let plan = parser
            .plan_ranges(&summaries, |r| {
                Ok(input[r.start as usize..r.end as usize].to_vec())
            })
            .unwrap();
        let mut got = Vec::new();
        let mut header = None;
        for (range, ordinal) in plan.pieces() {
            let piece = CsvParser::builder()
                .has_headers(ordinal == 0)
                .skip_byte_order_mark(range.start == 0)
                .flexible(true)
                .build()
                .unwrap();
            let records = piece
                .parse(&input[range.start as usize..range.end as usize])
                .unwrap();
            header = header.or_else(|| records.headers().map(|h| h.to_vec()));
            got.extend(records.iter().map(|r| r.to_vec()));
        }
        assert_eq!(header, Some(vec![b"id".to_vec(), b"v".to_vec()]));
        assert_eq!(got, whole, "cuts {cuts:?}");
        assert_eq!(got[40][0], b"\xef\xbb\xbf3");
    }
}
