//! CSV from a `std::io::Read`, in bounded memory: the input is read a window at
//! a time, each window's new bytes are summarised in parallel and walked (the
//! planner of `plan.rs`, resumed where the last window stopped), and the
//! complete records are parsed in parallel from exact record starts and handed
//! to a sink in input order. The record cut by the window's end is carried
//! over to the next window, and only its new bytes are scanned: the work is
//! linear in the input for any record length and window size.

use std::borrow::Cow;
use std::io::{self, Read};
use std::ops::{ControlFlow, Range};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use super::error::{Error, ErrorKind, Position};
use super::parse::parse_records_into;
use super::parser::CsvParser;
use super::plan::{bom_len, summarize_data, ChunkSummary, Firsts, Source, Walker};
use super::records::Record;
use super::unit::{Limits, Unit, UnitError};
use crate::parallel::plan::chunk_ranges;
use crate::parallel::pool;
use crate::swar::{equal_bytes, splat};

/// Where the records read from a stream go, in input order; returning
/// [`ControlFlow::Break`] stops reading.
///
/// A closure `FnMut(Record<'_>) -> ControlFlow<()>` is a sink that ignores the
/// header; implement the trait to see it. Sinks are lent (`&mut`), so they keep
/// what they gathered.
///
/// # Example
///
/// ```
/// use std::ops::ControlFlow;
/// use strs_tools::csv::{CsvParser, Record, RecordSink};
///
/// /// The values of one column, by header name.
/// struct Column { name: &'static str, index: Option<usize>, values: Vec<Vec<u8>> }
///
/// impl RecordSink for Column {
///     fn header(&mut self, header: Record<'_>) -> ControlFlow<()> {
///         self.index = header.iter().position(|f| *f == *self.name.as_bytes());
///         if self.index.is_some() { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
///     }
///     fn record(&mut self, record: Record<'_>) -> ControlFlow<()> {
///         self.values.extend(self.index.and_then(|i| record.get(i)).map(|v| v.into_owned()));
///         ControlFlow::Continue(())
///     }
/// }
///
/// let mut sink = Column { name: "b", index: None, values: Vec::new() };
/// CsvParser::new().for_each_record_reader(&b"a,b\n1,2\n3,\"4\n\"\n"[..], &mut sink).unwrap();
/// assert_eq!(sink.values, [b"2".to_vec(), b"4\n".to_vec()]);
/// ```
pub trait RecordSink {
    /// The header record (only with `has_headers(true)`, once, before any
    /// record). The default ignores it.
    fn header(&mut self, header: Record<'_>) -> ControlFlow<()> {
        let _ = header;
        ControlFlow::Continue(())
    }

    /// The next record.
    fn record(&mut self, record: Record<'_>) -> ControlFlow<()>;
}

impl<F> RecordSink for F
where
    F: FnMut(Record<'_>) -> ControlFlow<()>,
{
    fn record(&mut self, record: Record<'_>) -> ControlFlow<()> {
        self(record)
    }
}

/// Bytes past a record of the limit's length that the reader may hold before it
/// sees where the record ends: a two-byte terminator (`\r\n`) and the one byte
/// a summary needs after its chunk.
const RECORD_END_SLACK: u64 = 3;

/// The bytes of the stream being worked on: `data[..filled]` are the input's
/// bytes from `offset` on.
struct Window {
    data: Vec<u8>,
    filled: usize,
    offset: u64,
    eof: bool,
    /// Bytes scanned or parsed so far, all passes together (shared by the
    /// windows of one read): the work the linearity tests bound.
    work: Arc<AtomicU64>,
}

impl Window {
    fn new(work: Arc<AtomicU64>) -> Window {
        Window {
            data: Vec::new(),
            filled: 0,
            offset: 0,
            eof: false,
            work,
        }
    }

    /// The offset just past the bytes read.
    fn end(&self) -> u64 {
        self.offset + self.filled as u64
    }

    fn bytes(&self) -> &[u8] {
        &self.data[..self.filled]
    }

    /// The index in `data` of the input's byte `pos`.
    fn local(&self, pos: u64) -> usize {
        (pos - self.offset) as usize
    }

    /// Reads up to `want` more bytes (fewer only at the end of the input).
    fn fill<R: Read + ?Sized>(&mut self, reader: &mut R, want: usize) -> Result<(), Error> {
        let need = self.filled.saturating_add(want);
        match crate::io::fill_vec(reader, &mut self.data, &mut self.filled, need) {
            Ok(eof) => {
                self.eof = eof;
                Ok(())
            }
            Err(e) => {
                let why = format!("{e} (at byte {})", self.end());
                let kind = ErrorKind::Io {
                    kind: e.kind(),
                    message: why,
                };
                Err(Error::new(kind, None))
            }
        }
    }

    /// Starts over with the bytes of `other` from `from` on, which the next
    /// read extends.
    fn restart_from(&mut self, other: &Window, from: u64) {
        let tail = &other.bytes()[other.local(from)..];
        if self.data.len() < tail.len() {
            self.data.resize(tail.len(), 0);
        }
        self.data[..tail.len()].copy_from_slice(tail);
        self.filled = tail.len();
        self.offset = from;
        self.eof = false;
    }

    /// Forgets the bytes before `pos`, moving the others to the front when
    /// that frees at least as many bytes as it moves (so every byte is moved
    /// O(1) times on average, however long a record is carried).
    fn discard_before(&mut self, pos: u64) {
        let drop = self.local(pos.max(self.offset)).min(self.filled);
        if drop > 0 && drop >= self.filled - drop {
            self.data.copy_within(drop..self.filled, 0);
            self.filled -= drop;
            self.offset += drop as u64;
        }
    }
}

impl Source for &Window {
    fn bytes(&mut self, range: Range<u64>) -> io::Result<Cow<'_, [u8]>> {
        self.work.fetch_add(range.end - range.start, Ordering::Relaxed);
        Ok(Cow::Borrowed(
            &self.data[self.local(range.start)..self.local(range.end)],
        ))
    }
}

/// What the reader loops share: the parser and the walk of the input so far.
struct Reading<'p> {
    parser: &'p CsvParser,
    walker: Walker,
    /// Where the input's data starts (after a byte-order mark).
    base: u64,
}

impl Reading<'_> {
    /// Reads the first window (at least the 3 bytes a byte-order mark needs)
    /// and starts the walk.
    fn start<'p, R: Read + ?Sized>(
        parser: &'p CsvParser,
        reader: &mut R,
        w: &mut Window,
    ) -> Result<Reading<'p>, Error> {
        w.fill(reader, parser.window.max(3))?;
        let base = bom_len(&parser.dialect, w.bytes()) as u64;
        Ok(Reading {
            parser,
            walker: Walker::new(base),
            base,
        })
    }

    /// Summarises the bytes read since the last call (in parallel, or on the
    /// calling thread while the pool is busy parsing) and walks them; returns
    /// each chunk's first record start. The last byte read is
    /// left for the next call until the input ends: a summary needs the byte
    /// after its chunk.
    fn advance(&mut self, w: &Window, parallel: bool) -> Result<Firsts, Error> {
        let from = self.walker.at;
        let to = if w.eof { w.end() } else { w.end().saturating_sub(1) };
        if to <= from {
            return Ok(Vec::new());
        }
        let p = self.parser;
        let d = &p.dialect;
        let region = &w.bytes()[w.local(from)..w.local(to)];
        w.work.fetch_add(region.len() as u64, Ordering::Relaxed);
        let chunks: Vec<Range<u64>> = chunk_ranges(region, p.chunk_size_for(region.len()), false)
            .into_iter()
            .map(|r| from + r.start as u64..from + r.end as u64)
            .collect();
        let base = self.base;
        let summarize = |c: &Range<u64>| {
            let before = (c.start != base).then(|| w.bytes()[w.local(c.start) - 1]);
            let after = w.bytes().get(w.local(c.end)).copied();
            summarize_data(
                d,
                &w.bytes()[w.local(c.start)..w.local(c.end)],
                before,
                after,
                c.start,
            )
        };
        let sums: Vec<ChunkSummary> = if parallel {
            pool::install(p.threads, || chunks.par_iter().map(summarize).collect())
        } else {
            chunks.iter().map(summarize).collect()
        };
        let (firsts, _) = self
            .walker
            .advance(d, &mut &*w, &chunks, &sums, false)
            .map_err(|e| Error::new(ErrorKind::io(&e), None))?;
        Ok(firsts)
    }

    /// The first byte the walk may still read again.
    fn needed_from(&self) -> u64 {
        // `Walker::advance` may look at the byte before its checkpoint.
        self.walker.checkpoint.0.saturating_sub(1)
    }
}

/// The records of one piece, parsed on a pool thread.
struct ParsedPiece {
    /// The piece's first byte.
    start: u64,
    unit: Unit,
    error: Option<UnitError>,
    /// `\n` bytes in the piece.
    lines: u64,
}

/// Where the delivery of records stands.
struct Delivery {
    /// Records seen, the header included.
    records: u64,
    /// Records handed to `RecordSink::record`.
    delivered: u64,
    /// `\n` bytes before the current piece.
    lines: u64,
    /// The field count every record must have (strict lengths), once known.
    expected: Option<usize>,
}

impl CsvParser {
    /// Reads CSV from `reader` in bounded memory and hands every record to
    /// `sink` in input order (the header, if any, to
    /// [`RecordSink::header`]), until the input ends or the sink returns
    /// [`ControlFlow::Break`]. Returns the number of records handed to
    /// [`RecordSink::record`].
    ///
    /// The records are those of [`parse`](CsvParser::parse) on the whole input,
    /// with the same errors at the same positions (record, line and byte counted
    /// from the input's start): the input is read a [window](super::CsvParserBuilder::window)
    /// at a time; the window's complete records are located in parallel from
    /// exact record starts, and the record its end cuts is carried to the next
    /// window, of which only the new bytes are scanned. Memory is about twice
    /// the window plus the longest record (at most
    /// [`max_record`](super::CsvParserBuilder::max_record)). Reading happens on the
    /// calling thread, so `reader` need not be `Send` (a `StdinLock` works);
    /// `Interrupted` reads are retried. A byte-order mark is skipped only at
    /// the input's first byte.
    ///
    /// # Errors
    ///
    /// As [`parse`](CsvParser::parse), plus [`ErrorKind::Io`] for a failed read
    /// (with the offset in its message) and [`ErrorKind::RecordTooLong`] for a
    /// record longer than the limit. Records before an error have been handed
    /// to the sink (after a failed read: those the bytes read before it end).
    ///
    /// # Example
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use strs_tools::csv::CsvParser;
    ///
    /// let input = "name,n\nann,1\nbob,\"2\n3\"\ncid,4\n";
    /// let parser = CsvParser::builder().window(5).build().unwrap();
    /// let mut names = Vec::new();
    /// let seen = parser
    ///     .for_each_record_reader(input.as_bytes(), &mut |r: strs_tools::csv::Record<'_>| {
    ///         names.push(r.get(0).unwrap().into_owned());
    ///         if names.len() == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    ///     })
    ///     .unwrap();
    /// assert_eq!((seen, names), (2, vec![b"ann".to_vec(), b"bob".to_vec()]));
    /// ```
    pub fn for_each_record_reader<R, S>(&self, reader: R, sink: &mut S) -> Result<u64, Error>
    where
        R: Read,
        S: RecordSink + ?Sized,
    {
        self.read_records(reader, sink, &Arc::new(AtomicU64::new(0)))
    }

    /// `for_each_record_reader`, counting its work in `work` (for the tests).
    ///
    /// Two windows take turns: while the pool parses one window's records, the
    /// calling thread hands the previous window's records to the sink and reads
    /// the next window (its first bytes: the record the current one cuts). A
    /// carried record longer than half a window is not copied: the window grows
    /// in place instead, reading and parsing in turn.
    fn read_records<R, S>(&self, mut reader: R, sink: &mut S, work: &Arc<AtomicU64>) -> Result<u64, Error>
    where
        R: Read,
        S: RecordSink + ?Sized,
    {
        let mut cur = Window::new(work.clone());
        let mut spare = Window::new(work.clone());
        let mut reading = Reading::start(self, &mut reader, &mut cur)?;
        let limit = self.max_record.max(self.window);
        // The first record not yet parsed starts here (or the data does).
        let mut carry = reading.base;
        // A failed read: the records the bytes before it complete are
        // delivered first.
        let mut failed = None;
        // The parsed records of `spare`, the previous window, to deliver.
        let mut pending: Option<Vec<ParsedPiece>> = None;
        let mut spare_units = Vec::new();
        let mut delivery = Delivery {
            records: 0,
            delivered: 0,
            lines: 0,
            expected: None,
        };
        // The walk of the window read during the last parse, done then.
        let mut walked = None;
        loop {
            let firsts = match walked.take() {
                Some(firsts) => firsts,
                None => reading.advance(&cur, true)?,
            };
            let upto = if cur.eof {
                cur.end()
            } else {
                reading.walker.last_start.unwrap_or(carry).max(carry)
            };
            let mut cuts = Vec::new();
            if upto > carry {
                cuts.push(carry);
                let inside = firsts.iter().flatten().map(|&(s, _)| s);
                cuts.extend(inside.filter(|&s| carry < s && s < upto));
                cuts.push(upto);
                carry = upto;
            }
            let keep_from = carry.min(reading.needed_from());
            // The record at `carry` is too long only once more than the limit
            // is held beyond what its end can take: a record of exactly the
            // limit is known to end only after its terminator and the byte
            // the walk leaves for the next read.
            let too_long = !cur.eof && cur.end() - carry > limit as u64 + RECORD_END_SLACK;
            let last_round = cur.eof || failed.is_some() || too_long;
            let pipelined = !last_round && cur.end() - keep_from <= (self.window / 2) as u64;
            let mut parsed = None;
            let mut flow = Ok(ControlFlow::Continue(()));
            let mut read_error = None;
            let mut next_walk = None;
            let units = take_units(&mut spare_units, cuts.len().saturating_sub(1));
            self.in_place_scope(|s| {
                if !cuts.is_empty() {
                    let (cur, cuts, parsed) = (&cur, &cuts, &mut parsed);
                    s.spawn(move |_| *parsed = Some(self.parse_pieces(cur, cuts, units)));
                }
                if let Some(pieces) = pending.take() {
                    flow = self.deliver(&spare, pieces, &mut delivery, sink, &mut spare_units);
                }
                if pipelined && matches!(flow, Ok(ControlFlow::Continue(()))) {
                    spare.restart_from(&cur, keep_from);
                    read_error = spare.fill(&mut reader, self.window).err();
                    // The summary pass is an eighth of a parse: on this thread it
                    // hides behind the parse and spares the pool a hand-off.
                    if read_error.is_none() {
                        next_walk = Some(reading.advance(&spare, false));
                    }
                }
            });
            if flow?.is_break() {
                return Ok(delivery.delivered);
            }
            if pipelined {
                std::mem::swap(&mut cur, &mut spare);
                pending = parsed;
                failed = read_error;
                walked = next_walk.transpose()?;
                continue;
            }
            if let Some(pieces) = parsed {
                if self
                    .deliver(&cur, pieces, &mut delivery, sink, &mut spare_units)?
                    .is_break()
                {
                    return Ok(delivery.delivered);
                }
            }
            if cur.eof {
                return Ok(delivery.delivered);
            }
            if let Some(e) = failed.take() {
                return Err(e);
            }
            if too_long {
                let kind = ErrorKind::RecordTooLong { limit };
                // Every byte before `carry` is in a delivered piece.
                let position = Position {
                    record: delivery.records,
                    line: delivery.lines + 1,
                    byte: carry,
                };
                return Err(Error::new(kind, Some(position)));
            }
            cur.discard_before(keep_from);
            failed = cur.fill(&mut reader, self.window).err();
        }
    }

    /// Runs `op` on the calling thread in a scope whose spawned work runs on
    /// this parser's pool.
    fn in_place_scope<'s, OP>(&self, op: OP)
    where
        OP: FnOnce(&rayon::Scope<'s>),
    {
        match self.threads.and_then(pool::dedicated_pool) {
            Some(pool) => pool.in_place_scope(op),
            None => rayon::in_place_scope(op),
        }
    }

    /// Counts the records of `reader` (the header excluded) in bounded memory,
    /// as [`count_records`](CsvParser::count_records) counts them in memory:
    /// each window is summarised in parallel and walked, and nothing is parsed.
    /// No record is held, so there is no record-length limit.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`] for a failed read, with the offset in its message.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::CsvParser;
    ///
    /// let parser = CsvParser::builder().window(1).build().unwrap();
    /// assert_eq!(parser.count_records_reader(&b"h\n\"a\nb\"\n\nc\r\n"[..]).unwrap(), 2);
    /// ```
    pub fn count_records_reader<R: Read>(&self, reader: R) -> Result<u64, Error> {
        self.count_reader(reader, &mut Window::new(Arc::new(AtomicU64::new(0))))
    }

    /// `count_records_reader`, in `w` (whose work count the tests read).
    fn count_reader<R: Read>(&self, mut reader: R, w: &mut Window) -> Result<u64, Error> {
        let mut reading = Reading::start(self, &mut reader, w)?;
        loop {
            reading.advance(w, true)?;
            if w.eof {
                let records = reading.walker.records;
                return Ok(records - u64::from(self.has_headers && records > 0));
            }
            if w.end() - reading.needed_from() > self.window as u64 {
                // A long stretch since the last known state (a long record):
                // walk it once with the state machine instead of keeping it.
                reading
                    .walker
                    .settle(&self.dialect, &mut &*w)
                    .map_err(|e| Error::new(ErrorKind::io(&e), None))?;
            }
            w.discard_before(reading.needed_from());
            w.fill(&mut reader, self.window)?;
        }
    }

    /// Parses the records starting in each of `cuts[i]..cuts[i + 1]` (true
    /// record starts) in parallel.
    fn parse_pieces(&self, w: &Window, cuts: &[u64], units: Vec<Unit>) -> Vec<ParsedPiece> {
        let d = &self.dialect;
        let lenient = Limits {
            expected_fields: None,
            ..self.limits
        };
        let bytes = w.bytes();
        w.work.fetch_add(
            cuts.last().expect("pieces are parsed only between cuts") - cuts[0],
            Ordering::Relaxed,
        );
        pool::install(self.threads, || {
            cuts.par_windows(2)
                .zip(units)
                .map(|(c, unit)| {
                    let (start, stop) = (w.local(c[0]), w.local(c[1]));
                    let parsed = parse_records_into(d, lenient, bytes, start, stop, unit);
                    ParsedPiece {
                        start: c[0],
                        unit: parsed.unit,
                        error: parsed.error,
                        lines: newlines(&bytes[start..stop]),
                    }
                })
                .collect()
        })
    }

    /// Hands the records of `pieces` to `sink` in order, checking record
    /// lengths, up to the first error.
    fn deliver<S: RecordSink + ?Sized>(
        &self,
        w: &Window,
        pieces: Vec<ParsedPiece>,
        delivery: &mut Delivery,
        sink: &mut S,
        spare_units: &mut Vec<Unit>,
    ) -> Result<ControlFlow<()>, Error> {
        let d = &self.dialect;
        let bytes = w.bytes();
        let error_at = |delivery: &Delivery, piece: &ParsedPiece, kind: ErrorKind, byte: usize| {
            let from = w.local(piece.start);
            let line = delivery.lines + newlines(&bytes[from..byte.max(from)]) + 1;
            let position = Position {
                record: delivery.records,
                line,
                byte: w.offset + byte as u64,
            };
            Error::new(kind, Some(position))
        };
        for piece in pieces {
            for r in 0..piece.unit.len() {
                let record = piece.unit.record(bytes, d, r).based(w.offset);
                let fields = record.len();
                if !self.flexible {
                    let expected = *delivery.expected.get_or_insert(fields);
                    if fields != expected {
                        let kind = ErrorKind::UnequalLengths {
                            expected,
                            found: fields,
                        };
                        return Err(error_at(delivery, &piece, kind, piece.unit.record_starts[r]));
                    }
                }
                let flow = if delivery.records == 0 && self.has_headers {
                    sink.header(record)
                } else {
                    delivery.delivered += 1;
                    sink.record(record)
                };
                delivery.records += 1;
                if flow.is_break() {
                    return Ok(flow);
                }
            }
            if let Some(e) = &piece.error {
                return Err(error_at(delivery, &piece, e.kind.clone(), e.byte));
            }
            delivery.lines += piece.lines;
            if spare_units.len() < MAX_SPARE_UNITS {
                spare_units.push(piece.unit);
            }
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// The number of `\n` bytes in `bytes`, 8 bytes at a time: each byte's
/// "equals `\n`" flag (`equal_bytes`, shifted to bit 0) is added into
/// byte-wide lanes, which are summed every 255 words.
fn newlines(bytes: &[u8]) -> u64 {
    const NEWLINES: u64 = splat(b'\n');
    let (words, tail) = bytes.as_chunks::<8>();
    let mut total = 0u64;
    for run in words.chunks(255) {
        let mut lanes = 0u64;
        for word in run {
            lanes += equal_bytes(u64::from_le_bytes(*word), NEWLINES) >> 7;
        }
        // Pairs of lanes into 16-bit lanes (at most 510 each), whose sum
        // lands in the top 16 bits.
        const EVEN: u64 = 0x00ff_00ff_00ff_00ff;
        let pairs = (lanes & EVEN) + (lanes >> 8 & EVEN);
        total += pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48;
    }
    total + tail.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The most parsed units kept for reuse between windows: their memory stays
/// mapped and warm instead of being faulted in again for every window.
const MAX_SPARE_UNITS: usize = 64;

/// `n` units for the next window's pieces, reused where there are some.
fn take_units(spare: &mut Vec<Unit>, n: usize) -> Vec<Unit> {
    (0..n)
        .map(|_| spare.pop().unwrap_or_else(|| Unit::reserved(0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One long record, well-formed (a quoted field of newlines) or not (quotes
    /// inside an unquoted field, which the state machine walks).
    fn long_records() -> Vec<Vec<u8>> {
        let mut quoted = b"h,k\n\"".to_vec();
        quoted.extend(b"ab\n,".repeat(16 * 1024));
        quoted.extend_from_slice(b"\",z\nq,r\n");
        let mut stray = b"h,k\nx".to_vec();
        stray.extend(b"\"ab\"c".repeat(16 * 1024));
        stray.extend_from_slice(b",z\nq,r\n");
        vec![quoted, stray]
    }

    #[test]
    fn newlines_are_counted_exactly_at_every_length() {
        let mut bytes: Vec<u8> = (0..20_000u32)
            .map(|i| if i % 3 == 0 || i % 7 == 0 { b'\n' } else { b'a' })
            .collect();
        bytes.extend([b'\n'; 5000]);
        for len in (0..300).chain([2039, 2040, 2041, 8160, 20_000, 25_000]) {
            let expected = bytes[..len].iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(newlines(&bytes[..len]), expected, "{len}");
        }
    }

    #[test]
    fn work_is_linear_in_the_input_for_a_long_record_at_any_window() {
        for input in long_records() {
            for window in [1, 7, 64, 4096, 1 << 20] {
                let parser = CsvParser::builder().window(window).build().unwrap();
                let work = Arc::new(AtomicU64::new(0));
                let mut lens = Vec::new();
                let mut sink = |r: Record<'_>| {
                    lens.push(r.get(0).map_or(0, |f| f.len()));
                    ControlFlow::Continue(())
                };
                assert_eq!(parser.read_records(&input[..], &mut sink, &work).unwrap(), 2);
                let work = work.load(Ordering::Relaxed);
                // Summarising, the state machine where parity fails, parsing,
                // and a byte of look-behind per read: a few passes, whatever
                // the window (re-parsing the carried record would be ~len²/window).
                assert!(
                    work <= 5 * input.len() as u64,
                    "window {window}: {work} for {}",
                    input.len()
                );
                let mut w = Window::new(Arc::new(AtomicU64::new(0)));
                assert_eq!(parser.count_reader(&input[..], &mut w).unwrap(), 2);
                let work = w.work.load(Ordering::Relaxed);
                assert!(
                    work <= 5 * input.len() as u64,
                    "count, window {window}: {work} for {}",
                    input.len()
                );
            }
        }
    }
}
