//! The front door: a builder for the dialect and execution settings, and the
//! immutable parser it builds.

use rayon::prelude::*;

use super::dialect::{Dialect, Terminator};
use super::error::{Error, ErrorKind};
use super::machine::{Action, State};
use super::parse::{parse_unit, Limits, Unit, UnitError};
use super::plan::{bom_len, data_chunks, summarize, walk, ChunkSummary, Plan};
use super::records::{Record, Records};
use crate::parallel::pool;

/// The smallest chunk the default chunk size picks: below this, per-chunk
/// overhead outweighs the parallelism.
const MIN_DEFAULT_CHUNK: usize = 256 * 1024;

/// The most chunks an input is cut into.
const MAX_CHUNKS: usize = 1 << 20;

/// Builds a [`CsvParser`]: the dialect (which bytes mean what), record-length and
/// quote strictness, the field-size limit, and the thread count and chunk size.
///
/// The defaults are the `csv` crate's: `,` delimiter, `"` quote with `""`
/// escaping, no backslash escape, `\n`/`\r`/`\r\n` terminators, a header record,
/// strict record lengths; plus: lenient quotes, no field-size limit, all threads
/// of the current rayon pool.
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
    max_field_size: Option<usize>,
    threads: usize,
    chunk_size: Option<usize>,
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
            max_field_size: None,
            threads: 0,
            chunk_size: None,
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

    /// The size of the pieces the input is cut into (default: about four pieces
    /// per thread, at least 256 KiB). Any size gives the same result; 0 means 1.
    /// The input is never cut into more than 2^20 pieces (about 100 MiB of chunk
    /// summaries): a smaller size is raised to `input.len() / 2^20`.
    pub fn chunk_size(&mut self, chunk_size: Option<usize>) -> &mut Self {
        self.chunk_size = chunk_size;
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
        let dialect = Dialect::new(
            self.delimiter,
            self.quote,
            self.quoting,
            self.double_quote,
            self.escape,
            self.terminator,
        );
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
/// thread count. Chunk boundaries are moved to true record starts by quote parity
/// (see the module docs), so a quoted newline never splits a record.
///
/// # Example
///
/// ```
/// use strs_tools::csv::CsvParser;
///
/// let input = "id,text\n1,\"line one\nline two\"\n2,plain\n";
/// let parser = CsvParser::builder().chunk_size(Some(4)).build().unwrap();
/// assert_eq!(parser.count_records(input), 2);
/// let records = parser.parse(input).unwrap();
/// assert_eq!(records.get(0).unwrap().get(1).unwrap(), &b"line one\nline two"[..]);
/// ```
#[derive(Clone, Debug)]
pub struct CsvParser {
    dialect: Dialect,
    limits: Limits,
    has_headers: bool,
    flexible: bool,
    threads: Option<usize>,
    chunk_size: Option<usize>,
}

impl Default for CsvParser {
    fn default() -> Self {
        CsvParser::new()
    }
}

impl CsvParser {
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

    fn chunk_size_for(&self, len: usize) -> usize {
        let size = self.chunk_size.unwrap_or_else(|| {
            let pieces = 4 * pool::current_threads(self.threads).max(1);
            (len / pieces).max(MIN_DEFAULT_CHUNK)
        });
        // Each chunk costs a summary (~100 bytes): bound their number so a tiny
        // chunk size on a huge input cannot exhaust memory.
        size.max(len.div_ceil(MAX_CHUNKS))
    }

    /// The exact record starts the work is divided at, and the record count.
    fn plan(&self, input: &[u8]) -> Plan {
        let base = bom_len(input);
        let chunks = data_chunks(input, self.chunk_size_for(input.len()));
        let d = &self.dialect;
        let sums: Vec<ChunkSummary> = pool::install(self.threads, || {
            chunks
                .par_iter()
                .map(|r| summarize(d, input, base, r.clone()))
                .collect()
        });
        walk(d, input, base, &chunks, &sums)
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
        let records = self.plan(input.as_ref()).records;
        records - usize::from(self.has_headers && records > 0)
    }

    /// The limits for `input`, with the expected record length if strict.
    fn limits_for(&self, input: &[u8]) -> Limits {
        let expected_fields = if self.flexible {
            None
        } else {
            first_record_len(&self.dialect, &input[bom_len(input)..])
        };
        Limits {
            expected_fields,
            ..self.limits
        }
    }

    /// Parses the units between the planned starts in parallel, each through
    /// `finish`, and returns the units' results in order, or the first error.
    fn run<T: Send>(
        &self,
        input: &[u8],
        finish: impl Fn(usize, Unit) -> T + Sync + Send,
    ) -> Result<(Vec<T>, Vec<usize>), Error> {
        let plan = self.plan(input);
        let mut bounds = plan.starts;
        // The first unit starts where the data starts (leading empty lines are
        // skipped by the parser) and holds the first record, the header if any.
        match bounds.first_mut() {
            Some(first) => *first = bom_len(input),
            None => bounds.push(bom_len(input)),
        }
        bounds.push(input.len());
        let d = &self.dialect;
        let limits = self.limits_for(input);
        let results: Vec<Result<(T, usize), UnitError>> = pool::install(self.threads, || {
            bounds
                .par_windows(2)
                .enumerate()
                .map(|(index, w)| {
                    let unit = parse_unit(d, limits, input, w[0], w[1])?;
                    let len = unit.len();
                    Ok((finish(index, unit), len))
                })
                .collect()
        });
        let mut out = Vec::with_capacity(results.len());
        let mut lens = Vec::with_capacity(results.len());
        let mut before = 0;
        for r in results {
            match r {
                Ok((t, len)) => {
                    out.push(t);
                    lens.push(len);
                    before += len;
                }
                Err(e) => return Err(Error::at(e.kind, input, before + e.record, e.byte)),
            }
        }
        Ok((out, lens))
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
        if self.chunk_size.is_none() && pool::current_threads(self.threads) == 1 {
            // One thread gains nothing from chunks: skip the planning pass.
            return self.parse_sequential(input);
        }
        let (units, _) = self.run(input, |_, u| u)?;
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
        let unit = parse_unit(
            &self.dialect,
            self.limits_for(input),
            input,
            bom_len(input),
            input.len(),
        )
        .map_err(|e| Error::at(e.kind, input, e.record, e.byte))?;
        Ok(Records::new(
            input,
            self.dialect.clone(),
            vec![unit],
            self.has_headers,
        ))
    }

    /// Applies `f` to every record in parallel and returns the results in input
    /// order, the header excluded. Records are parsed and mapped piece by piece,
    /// so only the results are kept in memory.
    ///
    /// # Errors
    ///
    /// As [`CsvParser::parse`]; `f` does not run for the records of a piece with
    /// an error.
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
        let d = &self.dialect;
        let (pieces, _) = self.run(input, |index, unit| {
            // The header, if any, is the first record of the first unit.
            let header = usize::from(self.has_headers && index == 0);
            let records = Records::new(input, d.clone(), vec![unit], false);
            records.iter().skip(header).map(&f).collect::<Vec<T>>()
        })?;
        Ok(pieces.into_iter().flatten().collect())
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
