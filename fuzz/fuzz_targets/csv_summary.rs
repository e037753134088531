//! `RangeSummary::from_bytes` and `CsvParser::plan_ranges` on arbitrary bytes:
//! decoding garbage is an error, never a panic, and whatever decodes plans to an
//! answer or an error. The first byte picks how many summaries the rest holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strs_tools::csv::{CsvParser, RangeSummary};

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else { return };
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
});
