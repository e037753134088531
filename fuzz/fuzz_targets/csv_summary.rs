//! The byte-range planner (`CsvParser::summarize_range`, `RangeSummary`
//! encoding, `CsvParser::plan_ranges`, `RangePlan::pieces`), two ways.
//!
//! * Garbage (first byte < 0x80): `RangeSummary::from_bytes` on arbitrary
//!   bytes is an error, never a panic, and whatever decodes plans to an answer
//!   or an error.
//! * Real ranges (first byte ≥ 0x80): the input is cut into consecutive ranges
//!   of fuzzed lengths with a fuzzed dialect; each is summarised from its bytes
//!   plus one on each side and sent through the byte encoding; the plan must
//!   give every range exactly the first record start and the record ordinal of
//!   the in-memory parse, and its pieces, each parsed on its own, must give
//!   the in-memory parse's records.
//!
//! Layout of a real case: `[mode, config, cuts, lens..., input...]` with
//! `cuts % 8` range lengths (the last range takes the rest).
#![no_main]

use libfuzzer_sys::fuzz_target;
use strs_tools::csv::{CsvParser, RangeSummary, Terminator};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 0x80 == 0 {
        garbage(mode, rest);
    } else {
        real(rest);
    }
});

fn garbage(n: u8, rest: &[u8]) {
    let _ = RangeSummary::from_bytes(rest);
    let summaries: Vec<RangeSummary> = rest
        .chunks(RangeSummary::ENCODED_LEN)
        .take(usize::from(n % 8))
        .filter_map(|b| RangeSummary::from_bytes(b).ok())
        .collect();
    let parser = CsvParser::new();
    // A fetch that serves a small input of quotes and newlines, and refuses
    // absurd requests as a file would.
    let _ = parser.plan_ranges(&summaries, |r| {
        if r.end - r.start > 1 << 20 {
            return Err(std::io::Error::other("too large"));
        }
        Ok((r.start..r.end).map(|i| b"\"\n,a"[(i % 4) as usize]).collect())
    });
}

fn real(rest: &[u8]) {
    let [config, cuts, rest @ ..] = rest else { return };
    let (lens, input) = rest.split_at(rest.len().min(usize::from(cuts % 8)));
    let mut builder = CsvParser::builder();
    builder
        .has_headers(false)
        .flexible(true)
        .escape((config & 1 != 0).then_some(b'\\'))
        .double_quote(config & 2 == 0)
        .terminator(if config & 4 != 0 {
            Terminator::Byte(b'\n')
        } else {
            Terminator::Crlf
        })
        .quoting(config & 8 == 0)
        .skip_byte_order_mark(config & 16 == 0);
    let parser = builder.build().expect("valid dialect");
    let records = parser.parse_sequential(input).expect("lenient parses never fail");
    let starts: Vec<u64> = records.iter().map(|r| r.byte_range().start).collect();
    let expected: Vec<Vec<Vec<u8>>> = records.iter().map(|r| r.to_vec()).collect();

    let len = input.len() as u64;
    // Empty ranges are fine anywhere but at the input's ends: there the
    // neighbouring range would claim, as summarised, to be the first or last
    // one, and the planner refuses the pair.
    let mut bounds = vec![0u64];
    for &l in lens {
        let next = bounds[bounds.len() - 1] + u64::from(l % 32);
        if next >= len {
            break;
        }
        if next == 0 {
            continue;
        }
        bounds.push(next);
    }
    if len > 0 || bounds.len() == 1 {
        bounds.push(len);
    }
    let summaries: Vec<RangeSummary> = bounds
        .windows(2)
        .map(|w| {
            let (s, e) = (w[0] as usize, w[1] as usize);
            let before = s.checked_sub(1).map(|i| input[i]);
            let summary = parser.summarize_range(w[0], before, &input[s..e], input.get(e).copied());
            let decoded = RangeSummary::from_bytes(&summary.to_bytes()).expect("an encoded summary decodes");
            assert_eq!(decoded, summary);
            decoded
        })
        .collect();
    let plan = parser
        .plan_ranges(&summaries, |r| {
            Ok(input[r.start as usize..r.end as usize].to_vec())
        })
        .expect("summaries of one input plan");
    assert_eq!(plan.records(), starts.len() as u64);
    assert_eq!(plan.ranges().len(), summaries.len());
    for (planned, w) in plan.ranges().iter().zip(bounds.windows(2)) {
        assert_eq!(planned.range(), w[0]..w[1]);
        let before = starts.iter().filter(|&&s| s < w[0]).count() as u64;
        let first = starts.iter().copied().find(|&s| w[0] <= s && s < w[1]);
        assert_eq!(planned.first_record(), first, "range {:?}", w);
        assert_eq!(planned.records_before(), before, "range {:?}", w);
    }

    let mut pieced = Vec::new();
    for (range, ordinal) in plan.pieces() {
        assert_eq!(ordinal, pieced.len() as u64);
        let piece_parser = builder
            .skip_byte_order_mark(range.start == 0 && config & 16 == 0)
            .build()
            .expect("valid dialect");
        let bytes = &input[range.start as usize..range.end as usize];
        let records = piece_parser
            .parse_sequential(bytes)
            .expect("lenient parses never fail");
        pieced.extend(records.iter().map(|r| r.to_vec()));
    }
    assert_eq!(pieced, expected);
}
