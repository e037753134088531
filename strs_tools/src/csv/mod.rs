//! Exact parallel CSV parsing (RFC 4180 and the dialects of the `csv` crate).
//!
//! Nothing here guesses where a record starts. The input is read 64 bytes at a
//! time as bitmasks of its quotes, terminators and delimiters (AVX-512BW or AVX2
//! when the CPU has them, a portable word kernel otherwise); one prefix XOR of a
//! block's quote mask says which bytes are inside quotes, as long as every quote
//! is syntax, which the same masks check.
//!
//! * Counting: each chunk is summarised in parallel for both entry states
//!   (outside or inside quotes), and a serial pass over the summaries (not the
//!   bytes) gives every chunk its true state. Malformed quoting (`x"y"z`, `"x"y`),
//!   where parity would be wrong, is walked by the exact state machine instead.
//! * Parsing: field ends are the delimiter and terminator bits outside quotes.
//!   A block where a quote is not syntax, and the input's last partial block, are
//!   parsed by the scalar parser from the start of their record. [`parse`](CsvParser::parse)
//!   speculates (each chunk from its first line start) and stitches serially;
//!   [`par_map`](CsvParser::par_map) and [`par_for_each`](CsvParser::par_for_each)
//!   start each piece at an exact record start from the counter's plan and stream
//!   its records in batches, keeping nothing.
//!
//! A quoted newline never starts a record, so no row is lost, split or duplicated,
//! at any chunk size: the result always equals the `csv` crate's records.
//!
//! * [`CsvParser`] (built by [`CsvParserBuilder`]): [`count_records`](CsvParser::count_records),
//!   [`parse`](CsvParser::parse), [`par_map`](CsvParser::par_map),
//!   [`par_for_each`](CsvParser::par_for_each).
//! * [`CsvParser::summarize_range`] / [`CsvParser::plan_ranges`]: the same planner
//!   over byte ranges of an input that need not be in memory (an engine's file
//!   splits): each range is summarised from its own bytes into a small
//!   [`RangeSummary`], and the summaries combine into a [`RangePlan`] with the
//!   exact first record of every range.
//! * [`CsvParser::for_each_record_reader`] / [`CsvParser::count_records_reader`]:
//!   any `std::io::Read` in bounded memory, read a window at a time; records go
//!   to a [`RecordSink`] in input order, which may stop the read.
//! * [`Records`] / [`Record`]: borrowed results; fields are byte ranges, unescaped
//!   (`Cow::Owned`) only when they contain escapes.
//!
//! # Example
//!
//! ```
//! use strs_tools::csv::{Column, CsvParser};
//!
//! let input = "city,note\nParis,\"big, old\"\nOslo,\"cold\nand \"\"far\"\"\"\n";
//! let parser = CsvParser::new();
//! assert_eq!(parser.count_records(input), 2);
//! let records = parser.parse(input).unwrap();
//! let notes = records.select(&[Column::Name("note")]).unwrap();
//! assert_eq!(notes[0][0].as_deref(), Some(&b"big, old"[..]));
//! assert_eq!(notes[1][0].as_deref(), Some(&b"cold\nand \"far\""[..]));
//! ```

mod block_parse;
mod dialect;
mod error;
mod machine;
mod parse;
mod parser;
mod plan;
mod ranges;
mod records;
mod scalar;
mod stitch;
mod stream;
mod unit;

#[cfg(test)]
mod tests;

pub use dialect::Terminator;
pub use error::{Error, ErrorKind, Position};
pub use parser::{CsvParser, CsvParserBuilder};
pub use ranges::{PlannedRange, RangePlan, RangeSummary};
pub use records::{Column, Fields, ParRecordsIter, Record, Records, RecordsIter, SelectedRow};
pub use stream::RecordSink;
