//! `strs csv`: count, print or select the records of CSV files (RFC 4180,
//! lenient: every input has a parse, rows may differ in length), streaming in
//! bounded memory from files and standard input alike.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use clap::Args;
use memmap2::Mmap;
use strs_tools::csv::{CsvParser, Record, RecordSink};

use crate::failure::Failure;
use crate::input::{self, Input};
use crate::{output, Global};

/// `strs csv` options. Without --records or --select, prints the record count.
#[derive(Args, Debug)]
pub struct CsvArgs {
    /// Print the record count (the default; with --header, the header is not
    /// counted).
    #[arg(long, conflicts_with_all = ["records", "select"])]
    count: bool,
    /// Print the records as one JSON array of arrays of field strings (objects
    /// keyed by the header, in column order, with --header).
    #[arg(long, conflicts_with = "select")]
    records: bool,
    /// Print only these columns, as CSV with the input's delimiter: indexes from
    /// 0 or, with --header, names; comma-separated. An unknown name, or an index
    /// past the end of the first record (the header with --header), is an error.
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    select: Vec<String>,
    /// The first record of each file is a header: --select prints the selected
    /// header first, --records keys objects by it, --count does not count it.
    #[arg(long)]
    header: bool,
    /// The field delimiter: one byte, or `\t`.
    #[arg(short = 'd', long, value_name = "BYTE", conflicts_with = "tsv")]
    delimiter: Option<String>,
    /// Tab-separated input (the same as -d '\t').
    #[arg(long, short = 't')]
    tsv: bool,
    /// The quote character (default `"`).
    #[arg(long, value_name = "BYTE")]
    quote: Option<String>,
    /// Quotes are ordinary characters: fields end at every delimiter.
    #[arg(long, conflicts_with = "quote")]
    no_quoting: bool,
    /// With --records: replace bytes that are not UTF-8 with U+FFFD instead of
    /// stopping with an error that names the record, field and byte.
    #[arg(long)]
    lossy: bool,
    /// Input files, read as one table (`-` or none: standard input). --count
    /// prints `count<TAB>FILE` for each and a `count<TAB>total` line.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// What to do with each record.
enum Mode {
    Count,
    Json,
    Select,
}

/// The output state across records and files.
struct Formatter<'a> {
    args: &'a CsvArgs,
    mode: Mode,
    delimiter: u8,
    quote: u8,
    /// Name of the input being read, for errors.
    name: String,
    /// Records of the current input, the header included.
    ordinal: u64,
    /// Records counted (the headers excluded), in the current input.
    counted: u64,
    /// With --header: the current input's header fields (for --records keys).
    keys: Option<Vec<String>>,
    /// With --select: the current input's resolved column indexes.
    columns: Option<Vec<usize>>,
    /// Whether a record or header was printed (the JSON separator, and the
    /// selected header printed once).
    printed_any: bool,
    header_printed: bool,
    line: Vec<u8>,
}

impl Formatter<'_> {
    /// Starts a new input.
    fn start(&mut self, name: String) {
        self.name = name;
        self.ordinal = 0;
        self.counted = 0;
        self.keys = None;
        self.columns = None;
    }

    /// Takes one record (the header first, with --header).
    fn record(&mut self, record: &Record<'_>, out: &mut impl Write) -> Result<(), Failure> {
        let is_header = self.args.header && self.ordinal == 0;
        self.ordinal += 1;
        match self.mode {
            Mode::Count => {
                self.counted += u64::from(!is_header);
            }
            Mode::Json => {
                let fields: Vec<String> = record
                    .iter()
                    .enumerate()
                    .map(|(i, f)| self.text(f, i, record.byte_range().start))
                    .collect::<Result<_, _>>()?;
                if is_header {
                    self.keys = Some(fields);
                    return Ok(());
                }
                self.counted += 1;
                out.write_all(if self.printed_any { b",\n" } else { b"[\n" })?;
                self.printed_any = true;
                let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
                match &self.keys {
                    Some(keys) => {
                        // Written by hand: keys keep column order (and repeats).
                        out.write_all(b"{")?;
                        for (i, value) in fields.iter().enumerate() {
                            if i > 0 {
                                out.write_all(b",")?;
                            }
                            let key = keys.get(i).cloned().unwrap_or_else(|| i.to_string());
                            write!(out, "{}:{}", quoted(&key), quoted(value))?;
                        }
                        out.write_all(b"}")?;
                    }
                    None => {
                        out.write_all(b"[")?;
                        for (i, value) in fields.iter().enumerate() {
                            if i > 0 {
                                out.write_all(b",")?;
                            }
                            out.write_all(quoted(value).as_bytes())?;
                        }
                        out.write_all(b"]")?;
                    }
                }
            }
            Mode::Select => {
                if self.columns.is_none() {
                    let fields: Vec<Cow<'_, [u8]>> = record.iter().collect();
                    self.columns = Some(self.resolve(&fields, is_header)?);
                }
                if is_header && self.header_printed {
                    return Ok(());
                }
                self.header_printed |= is_header;
                self.counted += u64::from(!is_header);
                let columns = self.columns.as_deref().unwrap_or_default();
                self.line.clear();
                for (k, &i) in columns.iter().enumerate() {
                    if k > 0 {
                        self.line.push(self.delimiter);
                    }
                    write_selected(
                        &mut self.line,
                        record,
                        i,
                        self.delimiter,
                        self.quote,
                        !self.args.no_quoting,
                    );
                }
                if columns.len() == 1 && self.line.is_empty() {
                    // One empty field: quoted, so that the line is not empty.
                    self.line.extend_from_slice(&[self.quote, self.quote]);
                }
                self.line.push(b'\n');
                out.write_all(&self.line)?;
            }
        }
        Ok(())
    }

    /// The column indexes of --select, resolved against the first record.
    fn resolve(&self, first: &[Cow<'_, [u8]>], is_header: bool) -> Result<Vec<usize>, Failure> {
        let name = &self.name;
        self.args
            .select
            .iter()
            .map(|col| match col.parse::<usize>() {
                Ok(i) if i < first.len() => Ok(i),
                Ok(i) => Err(Failure::usage(format!(
                    "{name}: --select {i}: no such column, the {} has {} fields (columns count from 0)",
                    if is_header { "header" } else { "first record" },
                    first.len()
                ))),
                Err(_) if !is_header => Err(Failure::usage(format!(
                    "{name}: --select {col:?}: column names need --header"
                ))),
                Err(_) => first
                    .iter()
                    .position(|f| &f[..] == col.as_bytes())
                    .ok_or_else(|| {
                        Failure::usage(format!(
                            "{name}: --select {col:?}: no column of that name in the header"
                        ))
                    }),
            })
            .collect()
    }

    /// A field as text: an error naming the record, field and byte if it is not
    /// UTF-8, unless --lossy.
    fn text(&self, field: Cow<'_, [u8]>, index: usize, offset: u64) -> Result<String, Failure> {
        match String::from_utf8(field.into_owned()) {
            Ok(s) => Ok(s),
            Err(e) if self.args.lossy => Ok(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            Err(e) => Err(Failure::usage(format!(
                "{}: record {} (starting at byte {offset}), field {index}: byte {} of the field is not valid UTF-8 (--lossy replaces it)",
                self.name,
                self.ordinal - 1,
                e.utf8_error().valid_up_to()
            ))),
        }
    }
}

/// Appends field `i` of `record` as the `csv` crate's writer would write its
/// content (quoted only where needed), copying the input's bytes where they
/// already are that: the per-record path of `--select`.
fn write_selected(
    line: &mut Vec<u8>,
    record: &Record<'_>,
    i: usize,
    delimiter: u8,
    quote: u8,
    quoting: bool,
) {
    let Some(raw) = record.raw(i) else {
        return;
    };
    let special = [delimiter, b'\n', b'\r'];
    if !quoting || raw.first() != Some(&quote) {
        // Unquoted: it holds no delimiter or line break; only a stray quote
        // makes it need quoting.
        if memchr::memchr(quote, raw).is_none() {
            line.extend_from_slice(raw);
            return;
        }
    } else if let Some(Cow::Borrowed(content)) = record.get(i) {
        // Quoted without escapes: the raw field is the quoted form, needed
        // only when the content holds a delimiter or line break.
        if memchr::memchr3(special[0], special[1], special[2], content).is_some() {
            line.extend_from_slice(raw);
        } else {
            line.extend_from_slice(content);
        }
        return;
    }
    let content = record.get(i).unwrap_or_default();
    write_field(line, &content, delimiter, quote);
}

/// Appends `field` to `line`, quoted if it holds the delimiter, the quote or a
/// line break (the quote doubled inside), as the `csv` crate's writer does.
fn write_field(line: &mut Vec<u8>, field: &[u8], delimiter: u8, quote: u8) {
    let needs_quotes = field
        .iter()
        .any(|&b| b == delimiter || b == quote || b == b'\n' || b == b'\r');
    if !needs_quotes {
        line.extend_from_slice(field);
        return;
    }
    line.push(quote);
    for &b in field {
        if b == quote {
            line.push(quote);
        }
        line.push(b);
    }
    line.push(quote);
}

/// One byte from a command-line value: a single ASCII character or an escape
/// (`\t`).
fn one_byte(option: &str, value: &str) -> Result<u8, Failure> {
    let unescaped = super::unescape_arg(value)?;
    match unescaped.as_bytes() {
        [b] => Ok(*b),
        _ => Err(Failure::usage(format!(
            "{option} {value:?}: must be one ASCII character (or \\t, \\xHH)"
        ))),
    }
}

pub fn run(g: &Global, args: CsvArgs) -> Result<(), Failure> {
    let delimiter = match (&args.delimiter, args.tsv) {
        (Some(d), _) => one_byte("--delimiter", d)?,
        (None, true) => b'\t',
        (None, false) => b',',
    };
    let quote = match &args.quote {
        Some(q) => one_byte("--quote", q)?,
        None => b'"',
    };
    let parser = CsvParser::builder()
        .delimiter(delimiter)
        .quote(quote)
        .quoting(!args.no_quoting)
        .has_headers(args.header)
        .flexible(true)
        .chunk_size(g.chunk_size())
        .window(g.chunk_size().saturating_mul(4))
        .max_record(g.max_record())
        .build()
        .map_err(|e| Failure::usage(format!("{e}")))?;
    let mode = if args.records {
        Mode::Json
    } else if !args.select.is_empty() {
        Mode::Select
    } else {
        Mode::Count
    };
    let files = input::files(&args.files);
    let mut fmt = Formatter {
        args: &args,
        mode,
        delimiter,
        quote,
        name: String::new(),
        ordinal: 0,
        counted: 0,
        keys: None,
        columns: None,
        printed_any: false,
        header_printed: false,
        line: Vec::new(),
    };
    let mut out = output::stdout();
    let mut total = 0;
    for file in &files {
        fmt.start(input::name(file));
        read_one(g, &parser, file, &mut fmt, &mut out)?;
        total += fmt.counted;
        if matches!(fmt.mode, Mode::Count) && files.len() > 1 {
            writeln!(out, "{}\t{}", fmt.counted, fmt.name)?;
        }
    }
    match fmt.mode {
        Mode::Count if files.len() > 1 => writeln!(out, "{total}\ttotal")?,
        Mode::Count => writeln!(out, "{total}")?,
        Mode::Json => out.write_all(if fmt.printed_any { b"\n]\n" } else { b"[]\n" })?,
        Mode::Select => {}
    }
    Ok(output::finish(out)?)
}

/// The formatter as the library's record sink: the first failure (bad UTF-8,
/// an unknown column, a closed output) stops the reading and is kept.
struct Sink<'f, 'a, W> {
    fmt: &'f mut Formatter<'a>,
    out: &'f mut W,
    failure: Option<Failure>,
}

impl<W: Write> Sink<'_, '_, W> {
    fn take(&mut self, record: &Record<'_>) -> ControlFlow<()> {
        match self.fmt.record(record, self.out) {
            Ok(()) => ControlFlow::Continue(()),
            Err(failure) => {
                self.failure = Some(failure);
                ControlFlow::Break(())
            }
        }
    }
}

impl<W: Write> RecordSink for Sink<'_, '_, W> {
    fn header(&mut self, header: Record<'_>) -> ControlFlow<()> {
        self.take(&header)
    }

    fn record(&mut self, record: Record<'_>) -> ControlFlow<()> {
        self.take(&record)
    }
}

/// Reads a mapped file front to back, dropping the pages behind the position
/// from the resident set as it goes (the parser keeps its own window).
struct MapReader<'m> {
    map: &'m Mmap,
    at: usize,
    released: input::Releaser,
}

impl Read for MapReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (&self.map[self.at..]).read(buf)?;
        self.at += n;
        self.released.advance(self.map, self.at);
        Ok(n)
    }
}

/// Feeds the records of one input to the formatter, or counts them.
fn read_one(
    g: &Global,
    parser: &CsvParser,
    file: &Path,
    fmt: &mut Formatter<'_>,
    out: &mut (impl Write + Send),
) -> Result<(), Failure> {
    let name = input::name(file);
    let failed = |e: strs_tools::csv::Error| Failure::usage(format!("{name}: {e}"));
    let input = input::open(file, g.no_mmap)?;
    if matches!(fmt.mode, Mode::Count) {
        fmt.counted = match input {
            Input::Mapped(map) => g.install(|| parser.count_records(&map[..])) as u64,
            Input::Stream { reader, len } => {
                let reader = input::ProgressReader::new(reader, input::progress(len, g.quiet()));
                g.install(|| parser.count_records_reader(reader))
                    .map_err(failed)?
            }
        };
        return Ok(());
    }
    let mut sink = Sink {
        fmt,
        out,
        failure: None,
    };
    let read = match input {
        Input::Mapped(map) => {
            let reader = MapReader {
                map: &map,
                at: 0,
                released: input::Releaser::default(),
            };
            let bar = input::progress(Some(map.len() as u64), g.quiet());
            let reader = input::ProgressReader::new(reader, bar);
            g.install(|| parser.for_each_record_reader(reader, &mut sink))
        }
        Input::Stream { reader, len } => {
            let reader = input::ProgressReader::new(reader, input::progress(len, g.quiet()));
            g.install(|| parser.for_each_record_reader(reader, &mut sink))
        }
    };
    if let Some(failure) = sink.failure {
        return Err(failure);
    }
    read.map(drop).map_err(failed)
}
