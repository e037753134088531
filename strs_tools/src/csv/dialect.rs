//! The dialect: which bytes mean what. Validated once by the builder, then shared
//! read-only by every chunk worker.

use crate::blocks::Classes;
use crate::swar::splat;

/// How records end.
///
/// Terminator bytes at the start of a record are skipped, so empty lines never
/// produce a record (as in the `csv` crate).
///
/// # Example
///
/// ```
/// use strs_tools::csv::{CsvParser, Terminator};
///
/// let crlf = CsvParser::builder().has_headers(false).build().unwrap();
/// assert_eq!(crlf.count_records(b"a\r\nb\rc\n\n"), 3);
///
/// let semi = CsvParser::builder().has_headers(false).terminator(Terminator::Byte(b';')).build().unwrap();
/// assert_eq!(semi.count_records(b"a\nb;c"), 2);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Terminator {
    /// `\n`, `\r` or `\r\n` (the default, csv-core's `Terminator::CRLF`). A lone
    /// `\r` ends a record too.
    #[default]
    Crlf,
    /// Exactly this byte (use `Byte(b'\n')` for LF-only input where `\r` is data).
    Byte(u8),
}

/// The validated dialect. Bytes are distinct: the delimiter, the quote, the escape
/// and the terminator bytes never coincide (checked by the builder).
#[derive(Clone, Debug)]
pub(crate) struct Dialect {
    pub(crate) delimiter: u8,
    pub(crate) quote: u8,
    pub(crate) quoting: bool,
    pub(crate) double_quote: bool,
    pub(crate) escape: Option<u8>,
    pub(crate) terminator: Terminator,
    /// Byte classes for the fast parser: 1 = delimiter or terminator (ends an
    /// unquoted field), 0 = anything else.
    pub(crate) ends_field: [bool; 256],
    /// The delimiter and the two terminator bytes, each repeated in all 8 bytes
    /// of a word, for the word-at-a-time field scan.
    pub(crate) ends_field_words: [u64; 3],
    /// Bytes that may stand next to a quote that is syntax: before an opening
    /// quote or after a closing one (a delimiter, a terminator, or with `""`
    /// escaping a quote).
    pub(crate) quote_neighbours: [bool; 256],
    /// A UTF-8 byte-order mark at the input's first byte is skipped (as csv-core
    /// does); off for inputs that are pieces of a larger one.
    pub(crate) skip_bom: bool,
}

impl Dialect {
    pub(crate) fn new(
        delimiter: u8,
        quote: u8,
        quoting: bool,
        double_quote: bool,
        escape: Option<u8>,
        terminator: Terminator,
    ) -> Dialect {
        let mut d = Dialect {
            delimiter,
            quote,
            quoting,
            double_quote,
            escape,
            terminator,
            ends_field: [false; 256],
            ends_field_words: [0; 3],
            quote_neighbours: [false; 256],
            skip_bom: true,
        };
        let (t1, t2) = d.term_bytes();
        d.ends_field_words = [delimiter, t1, t2].map(splat);
        for b in 0..=255u8 {
            d.ends_field[usize::from(b)] = b == delimiter || d.is_term(b);
            d.quote_neighbours[usize::from(b)] = d.ends_field[usize::from(b)] || (double_quote && b == quote);
        }
        d
    }

    #[inline(always)]
    pub(crate) fn is_term(&self, byte: u8) -> bool {
        match self.terminator {
            Terminator::Crlf => byte == b'\n' || byte == b'\r',
            Terminator::Byte(t) => byte == t,
        }
    }

    /// 1 if `byte` may stand next to a quote that is syntax (before an opening
    /// quote, after a closing one), else 0.
    #[inline(always)]
    pub(crate) fn quote_neighbour(&self, byte: u8) -> u64 {
        u64::from(self.quote_neighbours[usize::from(byte)])
    }

    pub(crate) fn terminator_is_crlf(&self) -> bool {
        self.terminator == Terminator::Crlf
    }

    /// The terminator bytes (one or two).
    pub(crate) fn term_bytes(&self) -> (u8, u8) {
        match self.terminator {
            Terminator::Crlf => (b'\n', b'\r'),
            Terminator::Byte(t) => (t, t),
        }
    }

    /// The bytes the block kernels classify for this dialect.
    pub(crate) fn classes(&self) -> Classes {
        Classes::new(
            self.delimiter,
            self.quoting.then_some(self.quote),
            self.term_bytes(),
        )
    }

    /// The bytes that identify the dialect in an encoded range summary:
    /// delimiter, quote, escape, terminator byte, and flags (quoting, `""`
    /// escaping, an escape byte, CRLF terminators, byte-order mark skipped).
    pub(crate) fn tag(&self) -> [u8; 5] {
        let (term, crlf) = match self.terminator {
            Terminator::Crlf => (0, 8),
            Terminator::Byte(t) => (t, 0),
        };
        let flags = u8::from(self.quoting)
            | u8::from(self.double_quote) << 1
            | u8::from(self.escape.is_some()) << 2
            | crlf
            | u8::from(self.skip_bom) << 4;
        [self.delimiter, self.quote, self.escape.unwrap_or(0), term, flags]
    }

    /// The dialect as the `csv` crate spells it, for oracle tests.
    #[cfg(test)]
    pub(crate) fn csv_builder(&self) -> ::csv::ReaderBuilder {
        let mut b = ::csv::ReaderBuilder::new();
        b.delimiter(self.delimiter)
            .quote(self.quote)
            .quoting(self.quoting)
            .double_quote(self.double_quote)
            .escape(self.escape)
            .terminator(match self.terminator {
                Terminator::Crlf => ::csv::Terminator::CRLF,
                Terminator::Byte(t) => ::csv::Terminator::Any(t),
            })
            .has_headers(false)
            .flexible(true);
        b
    }
}
