//! Exact parallel CSV parsing (RFC 4180 and the dialects of the `csv` crate).
//!
//! Nothing here guesses where a record starts. Counting uses quote parity: each
//! chunk's quotes are counted in parallel for both entry states and a serial pass
//! over the chunk summaries (not the bytes) gives every chunk its quote state;
//! malformed quoting (`x"y"z`, `"x"y`, an unclosed quote), where parity would be
//! wrong, is detected per chunk and walked by the exact state machine instead.
//! Parsing speculates, then stitches: each chunk is parsed in parallel from its
//! first line start, and a serial pass follows the true parse from chunk to chunk,
//! keeping a chunk's records from the first one that starts where the true parse
//! does (re-parsing the few records before it when a chunk began inside quotes).
//! A quoted newline never starts a record, so no row is lost, split or duplicated,
//! at any chunk size: the result always equals the `csv` crate's records.
//!
//! * [`CsvParser`] (built by [`CsvParserBuilder`]): [`count_records`](CsvParser::count_records),
//!   [`parse`](CsvParser::parse), [`par_map`](CsvParser::par_map).
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

// The AVX2 block classifier needs `unsafe`; it is allowed in that module only.
#[allow(unsafe_code)]
mod blocks;
mod dialect;
mod error;
mod machine;
mod parse;
mod parse_blocks;
mod parser;
mod plan;
mod records;

#[cfg(test)]
mod tests;

pub use dialect::Terminator;
pub use error::{Error, ErrorKind, Position};
pub use parser::{CsvParser, CsvParserBuilder};
pub use records::{Column, Record, Records, SelectedRow};
