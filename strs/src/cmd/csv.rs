//! `strs csv`: count, print or select the records of a CSV file (RFC 4180,
//! lenient: every input has a parse, rows may differ in length).

use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;
use strs_tools::csv::{CsvParser, Record, Records};

use crate::failure::Failure;
use crate::input::{self, Input};
use crate::{output, Global};

/// How many chunks of a stream are parsed at a time.
const WINDOW_CHUNKS: usize = 8;

/// `strs csv` options. Without --records or --select, prints the record count.
#[derive(Args, Debug)]
pub struct CsvArgs {
    /// Print the record count (the default).
    #[arg(long, conflicts_with_all = ["records", "select"])]
    count: bool,
    /// Print the records as one JSON array of arrays of field strings (objects
    /// keyed by the header with --header).
    #[arg(long, conflicts_with = "select")]
    records: bool,
    /// Print only these columns, as CSV: indexes from 0 or, with --header, names;
    /// comma-separated.
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    select: Vec<String>,
    /// The first record is a header.
    #[arg(long)]
    header: bool,
    /// The input (default: standard input).
    file: Option<PathBuf>,
}

/// What to do with each record.
enum Mode {
    Count(u64),
    Json {
        out: Vec<u8>,
        first: bool,
        header: Option<Vec<String>>,
    },
    Select {
        columns: Option<Vec<usize>>,
    },
}

pub fn run(g: &Global, args: CsvArgs) -> Result<(), Failure> {
    let name = input::name(&args.file);
    let parser = |headers: bool| {
        CsvParser::builder()
            .has_headers(headers)
            .flexible(true)
            .chunk_size(g.chunk_size())
            .build()
            .map_err(|e| Failure::usage(format!("{e}")))
    };
    let mut mode = if args.records {
        Mode::Json {
            out: Vec::new(),
            first: true,
            header: None,
        }
    } else if !args.select.is_empty() {
        Mode::Select { columns: None }
    } else {
        Mode::Count(0)
    };
    let mut out = output::stdout();
    match input::open(args.file.as_deref(), g.no_mmap)? {
        Input::Mapped(map) => {
            let parser = parser(args.header)?;
            if let Mode::Count(n) = &mut mode {
                *n = g.install(|| parser.count_records(&map[..])) as u64;
            } else {
                let records = g
                    .install(|| parser.parse(&map[..]))
                    .map_err(|e| Failure::usage(format!("{name}: {e}")))?;
                let all: Vec<Record<'_>> = records.iter().collect();
                take(&mut mode, &args, &name, records.headers(), &all, &mut out)?;
            }
        }
        Input::Stream { mut reader, .. } => {
            // Parse a window, keep every record but the last (which may be cut),
            // and carry the last one's bytes into the next window.
            let first_parser = parser(args.header)?;
            let rest_parser = parser(false)?;
            let mut buf: Vec<u8> = Vec::new();
            let (mut base, mut first, mut eof) = (0u64, true, false);
            let mut header: Option<Vec<Vec<u8>>> = None;
            while !eof {
                let want = buf.len() + g.chunk_size().saturating_mul(WINDOW_CHUNKS);
                eof = fill(&mut reader, &mut buf, want).map_err(|e| {
                    Failure::usage(format!(
                        "{name}: read error after byte {}: {e}",
                        base + buf.len() as u64
                    ))
                })?;
                let parser = if first { &first_parser } else { &rest_parser };
                let records: Records<'_> = g
                    .install(|| parser.parse(&buf[..]))
                    .map_err(|e| Failure::usage(format!("{name}: {e}")))?;
                if first {
                    header = records.headers().map(|h| h.to_vec());
                }
                let all: Vec<Record<'_>> = records.iter().collect();
                let complete = if eof {
                    all.len()
                } else {
                    all.len().saturating_sub(1)
                };
                let keep_from = if eof {
                    buf.len()
                } else {
                    all.get(complete).map_or(0, |r| r.byte_range().start as usize)
                };
                if !eof && complete == 0 {
                    // Not one whole record yet: read more, up to the limit.
                    if buf.len() > g.max_record() {
                        return Err(Failure::usage(format!(
                            "{name}: record at byte offset {base} exceeds the limit of {} bytes",
                            g.max_record()
                        )));
                    }
                    continue;
                }
                let header_record = header
                    .as_ref()
                    .map(|h| h.iter().map(|f| Cow::Borrowed(&f[..])).collect::<Vec<_>>());
                take_owned_header(
                    &mut mode,
                    &args,
                    &name,
                    header_record.as_deref(),
                    &all[..complete],
                    &mut out,
                )?;
                drop(all);
                drop(records);
                buf.drain(..keep_from);
                base += keep_from as u64;
                first = false;
            }
        }
    }
    finish(mode, &mut out)?;
    Ok(output::finish(out)?)
}

/// Fills `buf` to `want` bytes or the end of input; returns whether the input
/// ended. Short reads and `Interrupted` are retried.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    while buf.len() < want {
        let old = buf.len();
        buf.resize(want, 0);
        match reader.read(&mut buf[old..]) {
            Ok(0) => {
                buf.truncate(old);
                return Ok(true);
            }
            Ok(n) => buf.truncate(old + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
            Err(e) => {
                buf.truncate(old);
                return Err(e);
            }
        }
    }
    Ok(false)
}

fn take(
    mode: &mut Mode,
    args: &CsvArgs,
    name: &str,
    header: Option<Record<'_>>,
    records: &[Record<'_>],
    out: &mut impl Write,
) -> Result<(), Failure> {
    let header: Option<Vec<Cow<'_, [u8]>>> = header.map(|h| h.iter().collect());
    take_owned_header(mode, args, name, header.as_deref(), records, out)
}

/// Feeds records to the mode. `header` is the header row, when there is one.
fn take_owned_header(
    mode: &mut Mode,
    args: &CsvArgs,
    name: &str,
    header: Option<&[Cow<'_, [u8]>]>,
    records: &[Record<'_>],
    out: &mut impl Write,
) -> Result<(), Failure> {
    let text = |field: &[u8]| -> Result<String, Failure> {
        std::str::from_utf8(field)
            .map(str::to_string)
            .map_err(|_| Failure::usage(format!("{name}: a field is not valid UTF-8")))
    };
    match mode {
        Mode::Count(n) => *n += records.len() as u64,
        Mode::Json {
            out: json,
            first,
            header: names,
        } => {
            if names.is_none() && args.header {
                *names = Some(
                    header
                        .unwrap_or_default()
                        .iter()
                        .map(|f| text(f))
                        .collect::<Result<_, _>>()?,
                );
            }
            for record in records {
                json.extend_from_slice(if *first { b"[\n" } else { b",\n" });
                *first = false;
                let fields: Vec<String> = record.iter().map(|f| text(&f)).collect::<Result<_, _>>()?;
                let value = match names {
                    Some(names) => serde_json::Value::Object(
                        fields
                            .into_iter()
                            .enumerate()
                            .map(|(i, f)| (names.get(i).cloned().unwrap_or_else(|| i.to_string()), f.into()))
                            .collect(),
                    ),
                    None => fields.into(),
                };
                serde_json::to_writer(&mut *json, &value).map_err(|e| Failure::usage(e.to_string()))?;
            }
            out.write_all(json)?;
            json.clear();
        }
        Mode::Select { columns } => {
            if columns.is_none() {
                let names: Vec<String> = header
                    .unwrap_or_default()
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                let mut picked = Vec::new();
                for col in &args.select {
                    let index = match col.parse::<usize>() {
                        Ok(i) => i,
                        Err(_) => names.iter().position(|n| n == col).ok_or_else(|| {
                            Failure::usage(format!(
                                "no column named {col:?}{}",
                                if args.header { "" } else { " (names need --header)" }
                            ))
                        })?,
                    };
                    picked.push(index);
                }
                *columns = Some(picked);
            }
            let picked = columns.as_deref().unwrap_or_default();
            // The csv crate's writer quotes whatever needs quoting.
            let mut writer = csv::Writer::from_writer(&mut *out);
            for record in records {
                let row: Vec<Cow<'_, [u8]>> = picked
                    .iter()
                    .map(|&i| record.get(i).unwrap_or(Cow::Borrowed(b"")))
                    .collect();
                writer
                    .write_record(&row)
                    .map_err(|e| Failure::usage(e.to_string()))?;
            }
            writer.flush()?;
        }
    }
    Ok(())
}

fn finish(mode: Mode, out: &mut impl Write) -> Result<(), Failure> {
    match mode {
        Mode::Count(n) => writeln!(out, "{n}")?,
        Mode::Json { first, .. } => out.write_all(if first { b"[]\n" } else { b"\n]\n" })?,
        Mode::Select { .. } => {}
    }
    Ok(())
}
