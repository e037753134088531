//! The front door: a builder for the dialect and execution settings, and the
//! immutable parser it builds.

use rayon::prelude::*;

use super::dialect::{Dialect, Terminator};
use super::error::{Error, ErrorKind};
use super::machine::{Action, State};
use super::parse::{parse_records, parse_records_into};
use super::plan::{bom_len, data_chunks, summarize, walk, ChunkSummary, Plan};
use super::ranges::{self, RangePlan, RangeSummary};
use super::records::{Record, Records};
use super::stitch;
use super::unit::{Limits, Unit, UnitError};
use crate::parallel::plan::{effective_chunk_size, resolve_chunk_size};
use crate::parallel::pool;
use std::ops::Range;

/// Builds a [`CsvParser`]: the dialect (which bytes mean what), record-length and
/// quote strictness, the field-size limit, the thread count and chunk size, and
/// the read window and record limit of the reader entry points.
///
/// The defaults are the `csv` crate's: `,` delimiter, `"` quote with `""`
/// escaping, no backslash escape, `\n`/`\r`/`\r\n` terminators, a header record,
/// strict record lengths; plus: lenient quotes, no field-size limit, all threads
/// of the current rayon pool, automatic chunks, 4 MiB read windows, records up to
/// 64 MiB when reading.
///
/// # Example
///
/// ```
/// use strs_tools::csv::{CsvParser, Terminator};
///
/// let parser = CsvParser::builder()
///     .delimiter(b';')
///     .escape(Some(b'\\'))
///     .terminator(Terminator::Byte(b'\n'))
///     .has_headers(false)
///     .flexible(true)
///     .max_field_size(Some(1 << 20))
///     .threads(2)
///     .build()
///     .unwrap();
/// let records = parser.parse(&b"a;\"b\\\";c\"\nd\n"[..]).unwrap();
/// assert_eq!(records.get(0).unwrap().to_vec(), [b"a".to_vec(), b"b\";c".to_vec()]);
/// assert_eq!(records.get(1).unwrap().to_vec(), [b"d".to_vec()]);
/// ```
#[derive(Clone, Debug)]
pub struct CsvParserBuilder {
    delimiter: u8,
    quote: u8,
    quoting: bool,
    double_quote: bool,
    escape: Option<u8>,
    terminator: Terminator,
    has_headers: bool,
    flexible: bool,
    strict_quotes: bool,
    skip_byte_order_mark: bool,
    max_field_size: Option<usize>,
    threads: usize,
    chunk_size: usize,
    window: usize,
    max_record: usize,
}

impl Default for CsvParserBuilder {
    fn default() -> Self {
        CsvParserBuilder {
            delimiter: b',',
            quote: b'"',
            quoting: true,
            double_quote: true,
            escape: None,
            terminator: Terminator::Crlf,
            has_headers: true,
            flexible: false,
            strict_quotes: false,
            skip_byte_order_mark: true,
            max_field_size: None,
            threads: 0,
            chunk_size: 0,
            window: 0,
            max_record: CsvParser::DEFAULT_MAX_RECORD,
        }
    }
}

impl CsvParserBuilder {
    /// A builder with the defaults listed on the type.
    pub fn new() -> Self {
        Self::default()
    }

    /// The field delimiter (default `,`).
    pub fn delimiter(&mut self, delimiter: u8) -> &mut Self {
        self.delimiter = delimiter;
        self
    }

    /// The quote byte (default `"`).
    pub fn quote(&mut self, quote: u8) -> &mut Self {
        self.quote = quote;
        self
    }

    /// Whether quotes are syntax at all (default `true`); when `false` the quote
    /// byte is ordinary content.
    pub fn quoting(&mut self, quoting: bool) -> &mut Self {
        self.quoting = quoting;
        self
    }

    /// Whether `""` inside quotes means one quote (default `true`).
    pub fn double_quote(&mut self, double_quote: bool) -> &mut Self {
        self.double_quote = double_quote;
        self
    }

    /// An escape byte inside quotes, such as `\` (default none): the byte after it
    /// is content, whatever it is. Input containing the escape byte is planned by
    /// the sequential state machine (correct, less parallel).
    pub fn escape(&mut self, escape: Option<u8>) -> &mut Self {
        self.escape = escape;
        self
    }

    /// How records end (default [`Terminator::Crlf`]).
    pub fn terminator(&mut self, terminator: Terminator) -> &mut Self {
        self.terminator = terminator;
        self
    }

    /// Whether the first record is a header (default `true`): it is then returned
    /// by [`Records::headers`], not counted and not iterated.
    pub fn has_headers(&mut self, has_headers: bool) -> &mut Self {
        self.has_headers = has_headers;
        self
    }

    /// Whether records may have different field counts (default `false`: a record
    /// whose field count differs from the first record's is an
    /// [`ErrorKind::UnequalLengths`] error, the header counting as the first record).
    pub fn flexible(&mut self, flexible: bool) -> &mut Self {
        self.flexible = flexible;
        self
    }

    /// Whether malformed quoting is an error (default `false`: it is parsed as
    /// the `csv` crate parses it). When `true`: [`ErrorKind::UnclosedQuote`],
    /// [`ErrorKind::TextAfterQuote`], [`ErrorKind::QuoteInUnquotedField`].
    pub fn strict_quotes(&mut self, strict: bool) -> &mut Self {
        self.strict_quotes = strict;
        self
    }

    /// Whether a UTF-8 byte-order mark at the input's first byte is skipped
    /// (default `true`, as csv-core does). Turn it off to parse a piece of a
    /// larger input that starts past byte 0 (see [`RangePlan::pieces`]): a mark
    /// there is data.
    pub fn skip_byte_order_mark(&mut self, skip: bool) -> &mut Self {
        self.skip_byte_order_mark = skip;
        self
    }

    /// The largest raw field, quotes included, in bytes (default: no limit); a
    /// larger field is an [`ErrorKind::FieldTooLarge`] error.
    pub fn max_field_size(&mut self, limit: Option<usize>) -> &mut Self {
        self.max_field_size = limit;
        self
    }

    /// The number of threads (default 0: the current rayon pool, normally all
    /// cores). A positive count runs on a dedicated, cached pool of that size.
    pub fn threads(&mut self, threads: usize) -> &mut Self {
        self.threads = threads;
        self
    }

    /// The size in bytes of the pieces the input (or a read window) is cut into
    /// for the threads; 0, the default, means automatic:
    /// [`DEFAULT_CHUNK_SIZE`](crate::parallel::DEFAULT_CHUNK_SIZE). Any size,
    /// down to 1 byte, gives the same result. An input is never cut into more
    /// than 65,536 pieces: a smaller size is raised to `input.len() / 65,536`,
    /// so a tiny size costs bounded memory and serial work.
    pub fn chunk_size(&mut self, chunk_size: usize) -> &mut Self {
        self.chunk_size = chunk_size;
        self
    }

    /// The bytes read from a stream at a time by the reader entry points
    /// ([`CsvParser::for_each_record_reader`], [`CsvParser::count_records_reader`]);
    /// 0, the default, means [`CsvParser::DEFAULT_WINDOW`]. Any size from 1 byte
    /// gives the same result; memory is about twice the window, plus a record
    /// being carried over.
    pub fn window(&mut self, bytes: usize) -> &mut Self {
        self.window = bytes;
        self
    }

    /// The longest record the reader entry points hold in memory (default
    /// [`CsvParser::DEFAULT_MAX_RECORD`]), in raw bytes without its terminator
    /// (empty lines after a record count as part of it, since the reader holds
    /// them until the next record starts): a longer record is an
    /// [`ErrorKind::RecordTooLong`] error naming its position, unless its end arrives in the same read as the bytes that take
    /// it past the limit (so a record more than a window longer than the limit
    /// is always refused). Records up to the window size are always accepted,
    /// so the effective limit is `max(max_record, window)`. Counting holds no
    /// record and has no limit.
    pub fn max_record(&mut self, bytes: usize) -> &mut Self {
        self.max_record = bytes;
        self
    }

    /// Validates the dialect and builds the parser.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidDialect`] when two special bytes coincide: the
    /// delimiter, the quote (if quoting), the escape (if any) and the terminator
    /// bytes must all differ.
    pub fn build(&self) -> Result<CsvParser, Error> {
        let mut dialect = Dialect::new(
            self.delimiter,
            self.quote,
            self.quoting,
            self.double_quote,
            self.escape,
            self.terminator,
        );
        dialect.skip_bom = self.skip_byte_order_mark;
        let mut special = vec![("delimiter", self.delimiter)];
        if self.quoting {
            special.push(("quote", self.quote));
            special.extend(self.escape.map(|e| ("escape", e)));
        }
        for (i, &(name, byte)) in special.iter().enumerate() {
            if dialect.is_term(byte) {
                return Err(invalid(format!(
                    "{name} {:?} is a record terminator",
                    byte as char
                )));
            }
            if let Some(&(other, _)) = special[..i].iter().find(|&&(_, b)| b == byte) {
                return Err(invalid(format!("{name} and {other} are both {:?}", byte as char)));
            }
        }
        Ok(CsvParser {
            dialect,
            limits: Limits {
                max_field_size: self.max_field_size.unwrap_or(usize::MAX),
                strict_quotes: self.strict_quotes,
                expected_fields: None,
            },
            has_headers: self.has_headers,
            flexible: self.flexible,
            threads: pool::normalize_threads(self.threads),
            chunk_size: self.chunk_size,
            window: if self.window == 0 {
                CsvParser::DEFAULT_WINDOW
            } else {
                self.window
            },
            max_record: self.max_record,
        })
    }
}

fn invalid(why: String) -> Error {
    Error::new(ErrorKind::InvalidDialect(why), None)
}

/// An exact parallel CSV parser: immutable, `Send + Sync`, cheap to clone.
///
/// Every method returns exactly what a sequential parse returns (the records of
/// the `csv` crate's reader, in the same order) for every input, chunk size and
/// thread count: work is divided only at true record starts (see the module
/// docs), so a quoted newline never splits a record.
///
/// # Example
///
/// ```
/// use strs_tools::csv::CsvParser;
///
/// let input = "id,text\n1,\"line one\nline two\"\n2,plain\n";
/// let parser = CsvParser::builder().chunk_size(4).build().unwrap();
/// assert_eq!(parser.count_records(input), 2);
/// let records = parser.parse(input).unwrap();
/// assert_eq!(records.get(0).unwrap().get(1).unwrap(), &b"line one\nline two"[..]);
/// ```
#[derive(Clone, Debug)]
pub struct CsvParser {
    pub(crate) dialect: Dialect,
    pub(crate) limits: Limits,
    pub(crate) has_headers: bool,
    pub(crate) flexible: bool,
    pub(crate) threads: Option<usize>,
    chunk_size: usize,
    pub(crate) window: usize,
    pub(crate) max_record: usize,
}

impl Default for CsvParser {
    fn default() -> Self {
        CsvParser::new()
    }
}

impl CsvParser {
    /// The default read window of the reader entry points: 4 MiB.
    pub const DEFAULT_WINDOW: usize = 4 << 20;
    /// The default longest record the reader entry points hold: 64 MiB.
    pub const DEFAULT_MAX_RECORD: usize = 64 << 20;

    /// A parser with the default settings (see [`CsvParserBuilder`]).
    pub fn new() -> CsvParser {
        CsvParserBuilder::new()
            .build()
            .expect("the default dialect is valid")
    }

    /// A builder to configure a parser.
    pub fn builder() -> CsvParserBuilder {
        CsvParserBuilder::new()
    }

    /// The chunk size used for `len` bytes (see `CsvParserBuilder::chunk_size`).
    pub(crate) fn chunk_size_for(&self, len: usize) -> usize {
        effective_chunk_size(len, resolve_chunk_size(self.chunk_size))
    }

    /// The record count by quote parity, and the true record starts at chunk
    /// boundaries (`parity_only`: see `walk`).
    fn plan(&self, input: &[u8], parity_only: bool) -> Plan {
        let base = bom_len(&self.dialect, input);
        let chunks = data_chunks(&self.dialect, input, self.chunk_size_for(input.len()));
        let d = &self.dialect;
        let sums: Vec<ChunkSummary> = pool::install(self.threads, || {
            chunks
                .par_iter()
                .map(|r| summarize(d, input, base, r.clone()))
                .collect()
        });
        walk(d, input, base, &chunks, &sums, parity_only)
    }

    /// The number of records, the header excluded: exact (a newline inside quotes
    /// ends no record, an empty line is no record), without parsing fields, in
    /// parallel. It validates nothing: record lengths, quotes and field sizes are
    /// checked by [`CsvParser::parse`].
    ///
    /// Semantically the same as counting the records of the `csv` crate's reader.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::CsvParser;
    ///
    /// let parser = CsvParser::new();
    /// assert_eq!(parser.count_records("h\n\"a\nb\"\n\nc\r\n"), 2);
    /// assert_eq!(parser.count_records(""), 0);
    /// ```
    pub fn count_records<I: AsRef<[u8]> + ?Sized>(&self, input: &I) -> usize {
        let records = self.plan(input.as_ref(), false).records;
        records - usize::from(self.has_headers && records > 0)
    }

    /// Summarises `data`, the bytes at `offset..offset + data.len()` of an input,
    /// for [`plan_ranges`](CsvParser::plan_ranges); `before` and `after` are the
    /// bytes just outside it (`None` at the input's start and end). Nothing else
    /// of the input is read, so ranges can be summarised anywhere: on other
    /// threads, or on other machines (see [`RangeSummary::to_bytes`]).
    ///
    /// A byte-order mark is skipped only at offset 0, as csv-core does. The work
    /// is one pass over `data` on the calling thread, at memory speed.
    ///
    /// # Example
    ///
    /// Two threads summarise the two halves of a file, read with `pread`
    /// ([`FileExt::read_at`](std::os::unix::fs::FileExt::read_at)); the plan
    /// says where each half's records begin, though the cut falls inside a
    /// quoted field.
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::fs::File;
    /// use std::os::unix::fs::FileExt;
    /// use strs_tools::csv::CsvParser;
    ///
    /// let path = std::env::temp_dir().join(format!("strs-doc-plan-{}.csv", std::process::id()));
    /// std::fs::write(&path, "id,note\n1,\"two\nlines\"\n2,x\n3,y\n").unwrap();
    /// let file = File::open(&path).unwrap();
    /// let len = file.metadata().unwrap().len();
    /// let read = |range: std::ops::Range<u64>| -> std::io::Result<Vec<u8>> {
    ///     let mut buf = vec![0; (range.end - range.start) as usize];
    ///     file.read_exact_at(&mut buf, range.start)?;
    ///     Ok(buf)
    /// };
    /// let parser = CsvParser::new();
    /// let cut = 16; // inside the quoted field
    /// let summaries = std::thread::scope(|s| {
    ///     [0..cut, cut..len]
    ///         .map(|r| {
    ///             let (read, parser) = (&read, &parser);
    ///             s.spawn(move || {
    ///                 // The range, plus one byte on each side where there is one.
    ///                 let from = r.start.saturating_sub(1);
    ///                 let to = (r.end + 1).min(len);
    ///                 let bytes = read(from..to).unwrap();
    ///                 let data = &bytes[(r.start - from) as usize..][..(r.end - r.start) as usize];
    ///                 let before = (r.start > 0).then(|| bytes[0]);
    ///                 let after = (r.end < len).then(|| bytes[bytes.len() - 1]);
    ///                 parser.summarize_range(r.start, before, data, after)
    ///             })
    ///         })
    ///         .map(|h| h.join().unwrap())
    /// });
    /// let plan = parser.plan_ranges(&summaries, read).unwrap();
    /// let firsts: Vec<_> = plan.ranges().iter().map(|r| r.first_record()).collect();
    /// assert_eq!(firsts, [Some(0), Some(22)]); // the header, and the record "2,x"
    /// assert_eq!(plan.ranges()[1].records_before(), 2);
    /// assert_eq!(plan.records(), 4);
    /// std::fs::remove_file(&path).unwrap();
    /// # }
    /// ```
    pub fn summarize_range(
        &self,
        offset: u64,
        before: Option<u8>,
        data: &[u8],
        after: Option<u8>,
    ) -> RangeSummary {
        ranges::summarize_public(&self.dialect, offset, before, data, after)
    }

    /// Combines the summaries of consecutive ranges that cover an input in order
    /// into the exact first record start of every range, its ordinal, and the
    /// record count: serial, O(ranges) for well-formed quoting, and exact for
    /// every input.
    ///
    /// `fetch(range)` returns the input's bytes at `range`. It is called only
    /// where quote parity cannot be trusted (malformed quoting such as `x"y` or
    /// `"x"y`, or an escape byte in the range), to walk those stretches with
    /// the state machine, in pieces of at most 1 MiB; and, if the first range is
    /// at most 3 bytes long, for the first 3 bytes and, if they are a byte-order
    /// mark, for the ranges that hold bytes `0..=3`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSummary`] when the summaries do not cover one input
    /// from byte 0 in order (a gap, an overlap, a missing first or last range)
    /// or were made with another dialect, or when `fetch` returns the wrong
    /// number of bytes; [`ErrorKind::Io`] when `fetch` fails.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::CsvParser;
    ///
    /// let input = b"a\nx\"y\"z\n\"q\nr\",s\nt\n";
    /// let parser = CsvParser::new();
    /// let sums: Vec<_> = (0..input.len())
    ///     .map(|i| {
    ///         let before = i.checked_sub(1).map(|j| input[j]);
    ///         parser.summarize_range(i as u64, before, &input[i..i + 1], input.get(i + 1).copied())
    ///     })
    ///     .collect();
    /// // `x"y"z` is malformed: the planner reads those bytes again.
    /// let plan = parser
    ///     .plan_ranges(&sums, |r| Ok(input[r.start as usize..r.end as usize].to_vec()))
    ///     .unwrap();
    /// let starts: Vec<u64> = plan.ranges().iter().filter_map(|r| r.first_record()).collect();
    /// assert_eq!(starts, [0, 2, 8, 16]);
    /// ```
    pub fn plan_ranges<F>(&self, summaries: &[RangeSummary], fetch: F) -> Result<RangePlan, Error>
    where
        F: FnMut(Range<u64>) -> std::io::Result<Vec<u8>>,
    {
        ranges::plan_ranges_with(&self.dialect, summaries, fetch)
    }

    /// The limits for `input`, with the expected record length if strict.
    fn limits_for(&self, input: &[u8]) -> Limits {
        let expected_fields = if self.flexible {
            None
        } else {
            first_record_len(&self.dialect, &input[bom_len(&self.dialect, input)..])
        };
        Limits {
            expected_fields,
            ..self.limits
        }
    }

    /// The speculate-and-stitch parse of `input` (see `stitch::run`).
    fn run<T: Send>(
        &self,
        input: &[u8],
        finish: impl Fn(usize, Unit) -> T + Sync + Send,
    ) -> Result<Vec<T>, Error> {
        let chunk_size = self.chunk_size_for(input.len());
        stitch::run(
            &self.dialect,
            self.limits_for(input),
            self.threads,
            chunk_size,
            input,
            finish,
        )
    }

    /// Parses all records in parallel.
    ///
    /// # Errors
    ///
    /// The first error in input order: unequal record lengths (unless flexible),
    /// an oversized field, malformed quotes (with `strict_quotes`).
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::{CsvParser, ErrorKind};
    ///
    /// let records = CsvParser::new().parse("a,b\n1,2\n").unwrap();
    /// assert_eq!(records.get(0).unwrap().to_vec(), [b"1".to_vec(), b"2".to_vec()]);
    ///
    /// let err = CsvParser::new().parse("a,b\n1,2\n3\n").unwrap_err();
    /// assert_eq!(err.kind(), &ErrorKind::UnequalLengths { expected: 2, found: 1 });
    /// let pos = err.position().unwrap();
    /// assert_eq!((pos.record, pos.line, pos.byte), (2, 3, 8));
    /// ```
    pub fn parse<'a, I: AsRef<[u8]> + ?Sized>(&self, input: &'a I) -> Result<Records<'a>, Error> {
        let input = input.as_ref();
        let units = self.run(input, |_, u| u)?;
        Ok(Records::new(input, self.dialect.clone(), units, self.has_headers))
    }

    /// Parses all records on the calling thread, in one pass: the sequential twin
    /// of [`CsvParser::parse`], with the same result.
    ///
    /// # Errors
    ///
    /// As [`CsvParser::parse`].
    pub fn parse_sequential<'a, I: AsRef<[u8]> + ?Sized>(&self, input: &'a I) -> Result<Records<'a>, Error> {
        let input = input.as_ref();
        let parsed = parse_records(
            &self.dialect,
            self.limits_for(input),
            input,
            bom_len(&self.dialect, input),
            input.len(),
        );
        if let Some(e) = parsed.error {
            return Err(Error::at(e.kind, input, e.record, e.byte));
        }
        let unit = parsed.unit;
        Ok(Records::new(
            input,
            self.dialect.clone(),
            vec![unit],
            self.has_headers,
        ))
    }

    /// Applies `f` to every record in parallel and returns the results in input
    /// order, the header excluded.
    ///
    /// Records are streamed, not kept: the true record starts at chunk
    /// boundaries come from the quote-parity planner of
    /// [`count_records`](CsvParser::count_records) (on one thread there is no
    /// need for them), then each piece is parsed in batches of about 64 KiB
    /// whose memory is reused. Only the results are kept. Where quoting is
    /// malformed (parity cannot plan it), pieces are parsed speculatively and
    /// stitched as [`parse`](CsvParser::parse) does, and kept until mapped.
    /// Either way `f` runs once per record.
    ///
    /// # Errors
    ///
    /// As [`CsvParser::parse`]; `f` may have run for records before the error,
    /// and for records after it in other pieces.
    ///
    /// # Panics
    ///
    /// A panic in `f` reaches the caller (after the other pieces finished).
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::csv::CsvParser;
    ///
    /// let lens = CsvParser::new().par_map("a,b\nxx,y\n\"q,q\",zz\n", |r| r.get(0).unwrap().len()).unwrap();
    /// assert_eq!(lens, [2, 3]);
    /// ```
    pub fn par_map<T, F, I>(&self, input: &I, f: F) -> Result<Vec<T>, Error>
    where
        T: Send,
        F: for<'r> Fn(Record<'r>) -> T + Sync + Send,
        I: AsRef<[u8]> + ?Sized,
    {
        let input = input.as_ref();
        let limits = self.limits_for(input);
        let Some(pieces) = self.pieces(input) else {
            return self.par_map_speculative(input, f);
        };
        let results: Vec<(Vec<T>, Result<usize, UnitError>)> = pool::install(self.threads, || {
            pieces
                .par_iter()
                .enumerate()
                .map(|(k, piece)| {
                    // The header, if any, is the first record of the first piece.
                    let mut header = self.has_headers && k == 0;
                    let mut out = Vec::new();
                    let records = self.stream(limits, input, piece.clone(), &mut |record| {
                        if !std::mem::take(&mut header) {
                            out.push(f(record));
                        }
                    });
                    (out, records)
                })
                .collect()
        });
        let mut before = 0;
        for (_, records) in &results {
            match records {
                Ok(n) => before += n,
                Err(e) => return Err(Error::at(e.kind.clone(), input, before + e.record, e.byte)),
            }
        }
        // The first piece's results grow into the whole answer (on one thread,
        // the only piece's results are the answer, not copied).
        let total: usize = results.iter().map(|(out, _)| out.len()).sum();
        let mut pieces = results.into_iter().map(|(out, _)| out);
        let mut all = pieces.next().unwrap_or_default();
        all.reserve(total - all.len());
        for mut out in pieces {
            all.append(&mut out);
        }
        Ok(all)
    }

    /// `par_map` by speculating and stitching, as `parse` does: for input whose
    /// quoting parity cannot plan (each piece's records are kept until mapped).
    fn par_map_speculative<T, F>(&self, input: &[u8], f: F) -> Result<Vec<T>, Error>
    where
        T: Send,
        F: for<'r> Fn(Record<'r>) -> T + Sync + Send,
    {
        let d = &self.dialect;
        let pieces = self.run(input, |first_record, unit| {
            // The header, if any, is record 0.
            let header = usize::from(self.has_headers && first_record == 0);
            unit.records(input, d).skip(header).map(&f).collect::<Vec<T>>()
        })?;
        Ok(pieces.into_iter().flatten().collect())
    }

    /// Calls `f` on every record in parallel, the header excluded: the
    /// streaming parse of [`CsvParser::par_map`], keeping nothing.
    ///
    /// # Errors
    ///
    /// As [`CsvParser::par_map`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use strs_tools::csv::CsvParser;
    ///
    /// let fields = AtomicUsize::new(0);
    /// CsvParser::new()
    ///     .par_for_each("a,b\n1,2\n3,\"4\n5\"\n", |r| {
    ///         fields.fetch_add(r.len(), Ordering::Relaxed);
    ///     })
    ///     .unwrap();
    /// assert_eq!(fields.into_inner(), 4);
    /// ```
    pub fn par_for_each<F, I>(&self, input: &I, f: F) -> Result<(), Error>
    where
        F: for<'r> Fn(Record<'r>) + Sync + Send,
        I: AsRef<[u8]> + ?Sized,
    {
        // `Vec<()>` allocates nothing.
        self.par_map(input, f).map(drop)
    }

    /// The pieces a streamed parse is cut into, each starting on a true record
    /// start (the first at the data start), in input order.
    ///
    /// `None` where quote parity fails (malformed quoting): the planner would
    /// have to walk it serially, and speculating is parallel.
    fn pieces(&self, input: &[u8]) -> Option<Vec<Range<usize>>> {
        let base = bom_len(&self.dialect, input);
        if pool::current_threads(self.threads, None) == 1 {
            return Some(std::iter::once(base..input.len()).collect());
        }
        let plan = self.plan(input, true);
        if !plan.complete {
            return None;
        }
        let mut starts = plan.starts;
        if let Some(first) = starts.first_mut() {
            // Empty lines before the first record belong to the first piece.
            *first = base;
        }
        let ends = starts.iter().skip(1).copied().chain([input.len()]);
        Some(starts.iter().zip(ends).map(|(&s, e)| s..e).collect())
    }

    /// Parses the records starting in `piece` (whose start is a true record
    /// start) in batches, reusing one unit's memory, and hands each to `f` in
    /// order. Returns the number of records, or the first error, its record
    /// counted from the piece's first.
    fn stream(
        &self,
        limits: Limits,
        input: &[u8],
        piece: Range<usize>,
        f: &mut impl FnMut(Record<'_>),
    ) -> Result<usize, UnitError> {
        /// Bytes per batch: large enough to amortise a parse call, small enough
        /// for its unit to stay in cache.
        const BATCH: usize = 64 * 1024;
        let d = &self.dialect;
        let mut unit = Unit::reserved(BATCH);
        let (mut pos, mut records) = (piece.start, 0);
        while pos < piece.end {
            let stop = piece.end.min(pos.saturating_add(BATCH));
            let parsed = parse_records_into(d, limits, input, pos, stop, unit);
            unit = parsed.unit;
            unit.records(input, d).for_each(&mut *f);
            if let Some(mut e) = parsed.error {
                e.record += records;
                return Err(e);
            }
            records += unit.len();
            // `next` is past `stop` or at the end of the input.
            pos = unit.next.max(stop);
        }
        Ok(records)
    }
}

/// The field count of the first record, by the state machine (it stops there).
fn first_record_len(d: &Dialect, input: &[u8]) -> Option<usize> {
    let start = input.iter().position(|&b| !d.is_term(b))?;
    let mut state = State::StartRecord;
    let mut fields = 1;
    for &byte in &input[start..] {
        let (next, action) = state.step(d, byte);
        match action {
            Action::EndField => fields += 1,
            Action::EndRecord => return Some(fields),
            Action::Copy | Action::Discard => {}
        }
        state = next;
    }
    Some(fields)
}
