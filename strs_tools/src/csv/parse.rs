//! The fast parser: records and field boundaries of one unit of work, a byte range
//! that starts on a true record start. It follows the transitions of
//! `machine::State` (its slow twin, tested in lockstep) but skips over field
//! content with table and memchr scans, and records byte offsets, not copies.

use memchr::{memchr, memchr2};

use super::dialect::{Dialect, LOW_BYTES};
use super::error::ErrorKind;

/// Flag on a field end: the raw field is `"content"` with no escapes inside, so
/// its content is the raw bytes without the two quotes.
pub(crate) const QUOTED: u64 = 1 << 63;
/// Flag on a field end: the raw field needs the state machine to unescape it
/// (doubled or escaped quotes, text after the closing quote, an unclosed quote).
pub(crate) const COMPLEX: u64 = 1 << 62;
/// The bits of a field end that hold the byte offset.
pub(crate) const OFFSET: u64 = COMPLEX - 1;

/// The limits and strictness a parse runs with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// The largest raw field, in bytes.
    pub(crate) max_field_size: usize,
    /// Error on quotes the lenient parse would repair.
    pub(crate) strict_quotes: bool,
    /// Strict record lengths: every record must have this many fields.
    pub(crate) expected_fields: Option<usize>,
}

/// The records of one unit, as offsets into the whole input.
#[derive(Clone, Debug, Default)]
pub(crate) struct Unit {
    /// The first byte of each record.
    pub(crate) record_starts: Vec<usize>,
    /// Record `r` owns `field_ends[field_index[r]..field_index[r + 1]]`.
    pub(crate) field_index: Vec<usize>,
    /// The raw end (exclusive) of each field, with the `QUOTED`/`COMPLEX` flags.
    pub(crate) field_ends: Vec<u64>,
}

impl Unit {
    pub(crate) fn len(&self) -> usize {
        self.record_starts.len()
    }

    pub(crate) fn field_count(&self, record: usize) -> usize {
        self.field_index[record + 1] - self.field_index[record]
    }
}

/// The first delimiter or terminator byte in `b[from..]`, or `b.len()`.
///
/// Semantically the same as `b[from..].iter().position(|&c| d.ends_field[c])`, but
/// a word of 8 bytes at a time: a byte equal to `x` is a zero byte of `w ^ x*0x01..`,
/// and the lowest byte flagged by the classic zero-byte test is always exact.
#[inline(always)]
fn find_field_end(d: &Dialect, b: &[u8], mut from: usize) -> usize {
    const HIGH_BYTES: u64 = LOW_BYTES << 7;
    let [x, y, z] = d.ends_field_words;
    while let Some(bytes) = b.get(from..from + 8) {
        let w = u64::from_le_bytes(bytes.try_into().unwrap_or_default());
        let zero = |v: u64| v.wrapping_sub(LOW_BYTES) & !v & HIGH_BYTES;
        let hits = zero(w ^ x) | zero(w ^ y) | zero(w ^ z);
        if hits != 0 {
            return from + (hits.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    from + b[from..]
        .iter()
        .position(|&c| d.ends_field[usize::from(c)])
        .unwrap_or(b.len() - from)
}

/// An error inside a unit: what, at which byte, in which of the unit's records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnitError {
    pub(crate) kind: ErrorKind,
    pub(crate) byte: usize,
    pub(crate) record: usize,
}

/// Parses the records of `input[start..end]`. `start` must be a true record start
/// (or 0) and `end` a true record start or `input.len()`: the parse then equals the
/// sequential parse of the whole input restricted to this range.
pub(crate) fn parse_unit(
    d: &Dialect,
    limits: Limits,
    input: &[u8],
    start: usize,
    end: usize,
) -> Result<Unit, UnitError> {
    let b = &input[..end];
    // Generous reservations cost only address space (pages are touched when
    // written) and spare the copies of repeated growth.
    let len = end.saturating_sub(start);
    let mut unit = Unit {
        record_starts: Vec::with_capacity(len / 16 + 1),
        field_index: Vec::with_capacity(len / 16 + 2),
        field_ends: Vec::with_capacity(len / 4 + 1),
    };
    unit.field_index.push(0);
    let mut i = start;
    loop {
        // Start of record: terminator bytes here are empty lines, skipped.
        while i < end && d.is_term(b[i]) {
            i += 1;
        }
        if i >= end {
            return Ok(unit);
        }
        unit.record_starts.push(i);
        let record = unit.len() - 1;
        let fail = |kind, byte| UnitError { kind, byte, record };
        loop {
            let field_start = i;
            let mut flags = 0u64;
            if i < end && d.quoting && b[i] == d.quote {
                flags = QUOTED;
                i += 1;
                loop {
                    let found = match d.escape {
                        Some(e) => memchr2(d.quote, e, &b[i..]),
                        None => memchr(d.quote, &b[i..]),
                    };
                    let Some(offset) = found else {
                        // End of input inside quotes: the rest is this field.
                        if limits.strict_quotes {
                            return Err(fail(ErrorKind::UnclosedQuote, field_start));
                        }
                        flags = COMPLEX;
                        i = end;
                        break;
                    };
                    let j = i + offset;
                    if b[j] != d.quote {
                        // The escape byte: the next byte is content, whatever it is.
                        flags = COMPLEX;
                        i = (j + 2).min(end);
                        continue;
                    }
                    i = j + 1;
                    if i < end && d.double_quote && b[i] == d.quote {
                        flags = COMPLEX;
                        i += 1;
                        continue;
                    }
                    break;
                }
                if i < end && !d.ends_field[usize::from(b[i])] {
                    // Text after the closing quote (`"x"y`) continues the field unquoted.
                    if limits.strict_quotes {
                        return Err(fail(ErrorKind::TextAfterQuote, i));
                    }
                    flags = COMPLEX;
                }
            }
            i = find_field_end(d, b, i);
            if limits.strict_quotes && flags == 0 && d.quoting {
                if let Some(q) = memchr(d.quote, &b[field_start..i]) {
                    return Err(fail(ErrorKind::QuoteInUnquotedField, field_start + q));
                }
            }
            if i - field_start > limits.max_field_size {
                let kind = ErrorKind::FieldTooLarge {
                    limit: limits.max_field_size,
                    len: i - field_start,
                };
                return Err(fail(kind, field_start));
            }
            unit.field_ends.push(i as u64 | flags);
            if i >= end {
                break;
            }
            let byte = b[i];
            i += 1;
            if byte != d.delimiter {
                break;
            }
        }
        unit.field_index.push(unit.field_ends.len());
        if let Some(expected) = limits.expected_fields {
            let found = unit.field_count(record);
            if found != expected {
                return Err(fail(
                    ErrorKind::UnequalLengths { expected, found },
                    unit.record_starts[record],
                ));
            }
        }
    }
}
