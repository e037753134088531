//! Errors of CSV parsing: what went wrong, and where (record, line, byte).

use std::fmt;

/// Where an error was found.
///
/// `record` counts every record of the input from 0, the header record included;
/// `line` is 1 plus the number of `\n` bytes before `byte`; `byte` is the offset of
/// the offending byte (the record's first byte for unequal lengths, the field's
/// first byte for an oversized field or an unclosed quote).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Index of the record, from 0, header included.
    pub record: u64,
    /// Line number, from 1.
    pub line: u64,
    /// Byte offset into the input.
    pub byte: u64,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Strict record lengths (`flexible(false)`): a record has a different number
    /// of fields than the first record.
    UnequalLengths {
        /// The field count of the first record.
        expected: usize,
        /// The field count of this record.
        found: usize,
    },
    /// A raw field (quotes included) is longer than `max_field_size`.
    FieldTooLarge {
        /// The configured limit.
        limit: usize,
        /// The raw length of the field.
        len: usize,
    },
    /// `strict_quotes`: the input ends inside a quoted field.
    UnclosedQuote,
    /// `strict_quotes`: a closing quote is followed by neither a delimiter nor a
    /// terminator (`"x"y`).
    TextAfterQuote,
    /// `strict_quotes`: a quote inside an unquoted field (`x"y"z`).
    QuoteInUnquotedField,
    /// The builder was given a dialect whose special bytes collide.
    InvalidDialect(String),
    /// A column was selected by a name no header has, or without headers.
    UnknownColumn(String),
    /// Range summaries that cannot be planned together: undecodable bytes, a
    /// different dialect, or ranges that do not cover the input in order.
    InvalidSummary(String),
    /// Reading the input failed (the position, if any, is where).
    Io {
        /// The kind of the underlying `std::io::Error`.
        kind: std::io::ErrorKind,
        /// Its message.
        message: String,
    },
    /// A record is longer than the configured `max_record` bytes (the position is
    /// its first byte), so it cannot be held in a bounded buffer.
    RecordTooLong {
        /// The configured limit.
        limit: usize,
    },
}

impl ErrorKind {
    /// The kind of an I/O error.
    pub(crate) fn io(e: &std::io::Error) -> ErrorKind {
        ErrorKind::Io {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// A CSV parsing error: an [`ErrorKind`] and, for errors found in the input, its
/// [`Position`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    position: Option<Position>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, position: Option<Position>) -> Error {
        Error { kind, position }
    }

    /// An error at byte `byte` of `input`, in record number `record`.
    pub(crate) fn at(kind: ErrorKind, input: &[u8], record: usize, byte: usize) -> Error {
        let line = 1 + memchr::memchr_iter(b'\n', &input[..byte.min(input.len())]).count() as u64;
        Error::new(
            kind,
            Some(Position {
                record: record as u64,
                line,
                byte: byte as u64,
            }),
        )
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where, for errors found in the input.
    pub fn position(&self) -> Option<Position> {
        self.position
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::UnequalLengths { expected, found } => write!(
                f,
                "record has {found} fields, but the first record has {expected}"
            )?,
            ErrorKind::FieldTooLarge { limit, len } => {
                write!(f, "field of {len} bytes exceeds the limit of {limit} bytes")?
            }
            ErrorKind::UnclosedQuote => write!(f, "quoted field is not closed before the end of input")?,
            ErrorKind::TextAfterQuote => write!(f, "text after the closing quote of a field")?,
            ErrorKind::QuoteInUnquotedField => write!(f, "quote inside an unquoted field")?,
            ErrorKind::InvalidDialect(why) => write!(f, "invalid csv dialect: {why}")?,
            ErrorKind::UnknownColumn(name) => write!(f, "no column named {name:?}")?,
            ErrorKind::InvalidSummary(why) => write!(f, "invalid csv range summary: {why}")?,
            ErrorKind::Io { message, .. } => write!(f, "cannot read csv input: {message}")?,
            ErrorKind::RecordTooLong { limit } => write!(f, "record exceeds {limit} bytes")?,
        }
        if let Some(p) = self.position {
            write!(f, " (record {}, line {}, byte {})", p.record, p.line, p.byte)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
