//! The split planner over byte ranges, without I/O: each range of an input is
//! summarised on its own (its bytes plus one byte on each side), and the
//! summaries of consecutive ranges combine, serially and in O(ranges), into the
//! exact record start of every range. The summaries travel between threads or
//! processes as a fixed-size byte encoding.

use std::borrow::Cow;
use std::io;
use std::ops::Range;

use super::dialect::Dialect;
use super::error::{Error, ErrorKind};
use super::plan::{bom_len, summarize_data, walk_source, ChunkSummary, Source, WrongLength};

/// What one byte range of a CSV input holds, for planning: the record starts in
/// it for both quote states it may be entered in, its quote parity, and whether
/// parity describes it exactly. Built by [`CsvParser::summarize_range`], combined
/// by [`CsvParser::plan_ranges`].
///
/// A summary is small (its [encoding](RangeSummary::to_bytes) is
/// [`RangeSummary::ENCODED_LEN`] bytes, whatever the range's size), and it
/// records the parser's dialect, so that summaries made with another dialect
/// are refused when planned.
///
/// [`CsvParser::summarize_range`]: super::CsvParser::summarize_range
/// [`CsvParser::plan_ranges`]: super::CsvParser::plan_ranges
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeSummary {
    pub(crate) dialect: [u8; 5],
    pub(crate) offset: u64,
    pub(crate) len: u64,
    /// Bytes skipped at the start as a byte-order mark (offset 0 only).
    pub(crate) skip: u8,
    /// The range was summarised with no byte before it.
    pub(crate) starts_input: bool,
    /// The range was summarised with no byte after it.
    pub(crate) ends_input: bool,
    pub(crate) sum: ChunkSummary,
}

const MAGIC: &[u8; 4] = b"SCSV";
const VERSION: u8 = 1;

impl RangeSummary {
    /// The length of [`to_bytes`](RangeSummary::to_bytes): 76 bytes.
    pub const ENCODED_LEN: usize = 76;

    /// The byte range of the input this summarises.
    pub fn range(&self) -> Range<u64> {
        self.offset..self.offset + self.len
    }

    /// A stable encoding, to send the summary to another process: little-endian,
    /// [`ENCODED_LEN`](RangeSummary::ENCODED_LEN) bytes, starting with a magic
    /// number and a version.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::{CsvParser, RangeSummary};
    ///
    /// let parser = CsvParser::new();
    /// let summary = parser.summarize_range(0, None, b"a,b\n\"c\nd\",e\n", None);
    /// let bytes = summary.to_bytes();
    /// assert_eq!(bytes.len(), RangeSummary::ENCODED_LEN);
    /// assert_eq!(RangeSummary::from_bytes(&bytes).unwrap(), summary);
    /// assert!(RangeSummary::from_bytes(&bytes[1..]).is_err());
    /// ```
    pub fn to_bytes(&self) -> [u8; Self::ENCODED_LEN] {
        let s = &self.sum;
        let mut out = [0u8; Self::ENCODED_LEN];
        out[..4].copy_from_slice(MAGIC);
        out[4] = VERSION;
        out[5..10].copy_from_slice(&self.dialect);
        out[10] = u8::from(self.starts_input)
            | u8::from(self.ends_input) << 1
            | u8::from(s.odd_quotes) << 2
            | u8::from(s.trusted[0]) << 3
            | u8::from(s.trusted[1]) << 4;
        out[11] = self.skip;
        let words = [
            self.offset,
            self.len,
            s.count[0],
            s.count[1],
            s.first[0].unwrap_or(0),
            s.first[1].unwrap_or(0),
            s.last[0].unwrap_or(0),
            s.last[1].unwrap_or(0),
        ];
        for (i, w) in words.iter().enumerate() {
            out[12 + 8 * i..20 + 8 * i].copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Decodes [`to_bytes`](RangeSummary::to_bytes).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSummary`] for bytes that are not a summary this
    /// version wrote: a wrong length, magic number or version, or values no
    /// summary can hold (a record start outside the range, more records than
    /// bytes). Garbage is an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<RangeSummary, Error> {
        let bad = |why: &str| Error::new(ErrorKind::InvalidSummary(why.to_owned()), None);
        let bytes: &[u8; Self::ENCODED_LEN] = bytes
            .try_into()
            .map_err(|_| bad(&format!("{} bytes, not {}", bytes.len(), Self::ENCODED_LEN)))?;
        if &bytes[..4] != MAGIC || bytes[4] != VERSION {
            return Err(bad("not a range summary of this version"));
        }
        let dialect: [u8; 5] = bytes[5..10]
            .try_into()
            .expect("a 5-byte range of a fixed-size array");
        let (flags, skip) = (bytes[10], bytes[11]);
        if dialect[4] & !0b1_1111 != 0 || flags & !0b1_1111 != 0 {
            return Err(bad("unknown flags"));
        }
        let word = |i: usize| {
            let at = 12 + 8 * i;
            u64::from_le_bytes(
                bytes[at..at + 8]
                    .try_into()
                    .expect("an 8-byte range of a fixed-size array"),
            )
        };
        let (offset, len) = (word(0), word(1));
        let end = offset.checked_add(len).ok_or_else(|| bad("range past 2^64"))?;
        if usize::from(skip) > 3 || (skip > 0 && offset != 0) || u64::from(skip) > len {
            return Err(bad("a byte-order mark not at the input's start"));
        }
        let mut sum = ChunkSummary {
            odd_quotes: flags & 4 != 0,
            count: [word(2), word(3)],
            first: [None; 2],
            last: [None; 2],
            trusted: [flags & 8 != 0, flags & 16 != 0],
        };
        for p in 0..2 {
            let (count, first, last) = (sum.count[p], word(4 + p), word(6 + p));
            if count == 0 {
                if first != 0 || last != 0 {
                    return Err(bad("record starts without records"));
                }
                continue;
            }
            let inside = offset + u64::from(skip) <= first && first <= last && last < end;
            if !inside || count > last - first + 1 || (count == 1) != (first == last) {
                return Err(bad("record starts that do not fit the range"));
            }
            sum.first[p] = Some(first);
            sum.last[p] = Some(last);
        }
        Ok(RangeSummary {
            dialect,
            offset,
            len,
            skip,
            starts_input: flags & 1 != 0,
            ends_input: flags & 2 != 0,
            sum,
        })
    }
}

/// The summary of `data`, the bytes at `offset..` of the input, whose data (after
/// a byte-order mark) starts at `data_start`.
pub(crate) fn summarize_range(
    d: &Dialect,
    offset: u64,
    before: Option<u8>,
    data: &[u8],
    after: Option<u8>,
    data_start: u64,
) -> RangeSummary {
    let skip = data_start.saturating_sub(offset).min(data.len() as u64);
    let body = &data[skip as usize..];
    let at = offset + skip;
    let sum = if body.is_empty() {
        ChunkSummary::EMPTY
    } else {
        let before = if at == data_start { None } else { before };
        summarize_data(d, body, before, after, at)
    };
    RangeSummary {
        dialect: d.tag(),
        offset,
        len: data.len() as u64,
        skip: if offset == 0 { skip as u8 } else { 0 },
        starts_input: before.is_none(),
        ends_input: after.is_none(),
        sum,
    }
}

/// The summary of a range as the caller hands it over: a byte-order mark is
/// skipped where the range holds it whole at offset 0 (`plan_ranges` handles
/// the others).
pub(crate) fn summarize_public(
    d: &Dialect,
    offset: u64,
    before: Option<u8>,
    data: &[u8],
    after: Option<u8>,
) -> RangeSummary {
    let data_start = if offset == 0 { bom_len(d, data) as u64 } else { 0 };
    summarize_range(d, offset, before, data, after, data_start)
}

/// The exact start of every range of an input, from their summaries: built by
/// [`CsvParser::plan_ranges`].
///
/// [`CsvParser::plan_ranges`]: super::CsvParser::plan_ranges
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangePlan {
    ranges: Vec<PlannedRange>,
    records: u64,
}

/// One range of a [`RangePlan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRange {
    range: Range<u64>,
    first_record: Option<u64>,
    records_before: u64,
}

impl PlannedRange {
    /// The byte range of the input, as summarised.
    pub fn range(&self) -> Range<u64> {
        self.range.clone()
    }

    /// The byte offset of the first record that starts in the range, if any
    /// does: what the `csv` crate's reader would be at, past any empty lines,
    /// when it begins reading that record.
    pub fn first_record(&self) -> Option<u64> {
        self.first_record
    }

    /// The number of records (the header included) that start before the range;
    /// the ordinal of [`first_record`](PlannedRange::first_record) if there is one.
    pub fn records_before(&self) -> u64 {
        self.records_before
    }
}

impl RangePlan {
    /// The ranges, in input order.
    pub fn ranges(&self) -> &[PlannedRange] {
        &self.ranges
    }

    /// The number of records in the input, the header included.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The pieces of work the plan cuts the input into: for every range where a
    /// record starts, the bytes from that record to the next range's first record
    /// (or to the input's end), and the ordinal of its first record. Each piece
    /// holds whole records only, and together they hold every record once.
    ///
    /// A piece parses on its own with a parser of the same dialect built with
    /// `has_headers` only for the piece of ordinal 0 and
    /// [`skip_byte_order_mark`](super::CsvParserBuilder::skip_byte_order_mark)
    /// off for pieces past byte 0 (and `flexible`, or a check of record lengths
    /// against the header's); its byte offsets are then relative to the piece.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::CsvParser;
    ///
    /// let input = b"h\n\"a\nb\"\nc\n";
    /// let parser = CsvParser::new();
    /// // Cut in the middle of the quoted field: no record starts in the second range.
    /// let sums = [
    ///     parser.summarize_range(0, None, &input[..4], Some(input[4])),
    ///     parser.summarize_range(4, Some(input[3]), &input[4..8], Some(input[8])),
    ///     parser.summarize_range(8, Some(input[7]), &input[8..], None),
    /// ];
    /// let plan = parser.plan_ranges(&sums, |_| unreachable!("well-formed quoting")).unwrap();
    /// assert_eq!(plan.pieces(), [(0..8, 0), (8..10, 2)]);
    /// assert_eq!(plan.records(), 3);
    /// ```
    pub fn pieces(&self) -> Vec<(Range<u64>, u64)> {
        let end = self.ranges.last().map_or(0, |r| r.range.end);
        let starts: Vec<(u64, u64)> = self
            .ranges
            .iter()
            .filter_map(|r| r.first_record.map(|s| (s, r.records_before)))
            .collect();
        let ends = starts.iter().skip(1).map(|&(s, _)| s).chain([end]);
        starts.iter().zip(ends).map(|(&(s, n), e)| (s..e, n)).collect()
    }
}

/// A caller's fetch function as a source of bytes.
struct Fetch<F>(F);

impl<F> Source for Fetch<F>
where
    F: FnMut(Range<u64>) -> io::Result<Vec<u8>>,
{
    fn bytes(&mut self, range: Range<u64>) -> io::Result<Cow<'_, [u8]>> {
        (self.0)(range).map(Cow::Owned)
    }
}

/// Fetches `range`, checking the length.
fn fetch_exact<S: Source>(src: &mut S, range: Range<u64>) -> Result<Vec<u8>, Error> {
    let want = range.end - range.start;
    let bytes = src
        .bytes(range.clone())
        .map_err(|e| Error::new(ErrorKind::io(&e), None))?;
    if bytes.len() as u64 != want {
        let why = format!("fetch of {range:?} returned {} bytes", bytes.len());
        return Err(Error::new(ErrorKind::InvalidSummary(why), None));
    }
    Ok(bytes.into_owned())
}

/// Combines the summaries of consecutive ranges covering an input (see
/// [`CsvParser::plan_ranges`](super::CsvParser::plan_ranges)).
pub(crate) fn plan_ranges<S: Source>(
    d: &Dialect,
    summaries: &[RangeSummary],
    src: &mut S,
) -> Result<RangePlan, Error> {
    let bad = |why: String| Error::new(ErrorKind::InvalidSummary(why), None);
    let mut expected = 0u64;
    for (i, s) in summaries.iter().enumerate() {
        if s.dialect != d.tag() {
            return Err(bad(format!("range {i} was summarised with another dialect")));
        }
        if s.offset != expected {
            return Err(bad(format!(
                "range {i} starts at byte {}, not {expected}",
                s.offset
            )));
        }
        if s.starts_input != (i == 0) {
            return Err(bad(format!(
                "range {i} must have a byte before it exactly when it is not the first"
            )));
        }
        if s.ends_input != (i + 1 == summaries.len()) {
            return Err(bad(format!(
                "range {i} must have a byte after it exactly when it is not the last"
            )));
        }
        expected = s.offset + s.len;
    }
    let end = expected;
    let mut fixed;
    let mut summaries = summaries;
    // A byte-order mark the first range does not hold whole: summarise the
    // ranges that hold parts of it, or start right after it, again, now knowing
    // where the data starts.
    let mut data_start = summaries.first().map_or(0, |s| u64::from(s.skip));
    let first_len = summaries.first().map_or(0, |s| s.len);
    let bom = |src: &mut S| -> Result<bool, Error> {
        Ok(data_start == 3 || (d.skip_bom && end >= 3 && fetch_exact(src, 0..3)? == b"\xef\xbb\xbf"))
    };
    if first_len <= 3 && end > first_len && bom(src)? {
        data_start = 3;
        fixed = summaries.to_vec();
        for s in fixed.iter_mut().take_while(|s| s.offset <= 3) {
            let from = s.offset.saturating_sub(1);
            let to = (s.offset + s.len).saturating_add(1).min(end);
            let bytes = fetch_exact(src, from..to)?;
            let inner = (s.offset - from) as usize;
            let before = (s.offset > 0).then(|| bytes[0]);
            let data = &bytes[inner..inner + s.len as usize];
            let after = (s.offset + s.len < end).then(|| bytes[bytes.len() - 1]);
            *s = summarize_range(d, s.offset, before, data, after, 3);
        }
        summaries = &fixed;
    }
    let chunks: Vec<Range<u64>> = summaries.iter().map(RangeSummary::range).collect();
    let sums: Vec<ChunkSummary> = summaries.iter().map(|s| s.sum.clone()).collect();
    let walked = walk_source(d, src, end, data_start, &chunks, &sums, false).map_err(|e| {
        if e.get_ref().is_some_and(|inner| inner.is::<WrongLength>()) {
            bad(e.to_string())
        } else {
            Error::new(ErrorKind::io(&e), None)
        }
    })?;
    let mut ranges: Vec<PlannedRange> = chunks
        .into_iter()
        .zip(&walked.firsts)
        .map(|(range, first)| PlannedRange {
            range,
            first_record: first.map(|(s, _)| s),
            records_before: first.map_or(0, |(_, n)| n),
        })
        .collect();
    // A range without a record start has as many records before it as the next.
    let mut after = walked.records;
    for r in ranges.iter_mut().rev() {
        if r.first_record.is_some() {
            after = r.records_before;
        } else {
            r.records_before = after;
        }
    }
    Ok(RangePlan {
        ranges,
        records: walked.records,
    })
}

/// Plans with a caller's fetch function.
pub(crate) fn plan_ranges_with<F>(
    d: &Dialect,
    summaries: &[RangeSummary],
    fetch: F,
) -> Result<RangePlan, Error>
where
    F: FnMut(Range<u64>) -> io::Result<Vec<u8>>,
{
    plan_ranges(d, summaries, &mut Fetch(fetch))
}
