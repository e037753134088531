//! The scalar parser: records and field boundaries of one unit of work, a byte
//! range that starts on a true record start. It follows the transitions of
//! `machine::State` (its slow twin, tested in lockstep) but crosses unquoted
//! content with 8-byte word masks and quoted content with memchr, and records byte
//! offsets, not copies. The block parser (`block_parse.rs`) hands it the blocks
//! quote parity cannot describe.

use memchr::{memchr, memchr2};

use super::dialect::Dialect;
use super::error::ErrorKind;
use super::unit::{Limits, Unit, UnitError, COMPLEX, QUOTED};
use crate::swar::{equal_bytes, nonzero_bytes, splat, HIGH_BYTES};

/// The first delimiter or terminator byte in `b[from..]`, or `b.len()`.
///
/// Semantically the same as `b[from..].iter().position(|&c| d.ends_field[c])`, but
/// a word of 8 bytes at a time (`equal_bytes` for each byte that ends a field).
#[inline(always)]
fn find_field_end(d: &Dialect, b: &[u8], mut from: usize) -> usize {
    let [x, y, z] = d.ends_field_words;
    while let Some(bytes) = b.get(from..).and_then(<[u8]>::first_chunk::<8>) {
        let w = u64::from_le_bytes(*bytes);
        let hits = equal_bytes(w, x) | equal_bytes(w, y) | equal_bytes(w, z);
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

/// Where the parse of a unit resumes.
#[derive(Clone, Copy, Debug)]
enum At {
    /// Before a record: terminator bytes here are empty lines, skipped.
    Record(usize),
    /// Before the first byte of a field.
    Field(usize),
    /// Inside an unquoted field that began at `.0`; the bytes before `.1` hold no
    /// delimiter, terminator or quote.
    InField(usize, usize),
}

/// One unit's parse: the input, the dialect and the records found so far.
///
/// `CHECKS` is false when there is no field-size limit and quotes are lenient: the
/// per-field checks then compile away.
struct UnitParser<'p, const CHECKS: bool> {
    d: &'p Dialect,
    limits: Limits,
    /// The whole input.
    b: &'p [u8],
    /// Records starting here or later are left to the next unit.
    stop: usize,
    /// The delimiter, both terminator bytes and the quote (the delimiter again
    /// when quoting is off), each repeated in all 8 bytes of a word.
    specials: [u64; 4],
    unit: Unit,
}

impl<const CHECKS: bool> UnitParser<'_, CHECKS> {
    fn fail(&self, kind: ErrorKind, byte: usize) -> UnitError {
        self.unit.fail(kind, byte)
    }

    fn end_record(&mut self) -> Result<(), UnitError> {
        self.unit.end_record(&self.limits)
    }

    #[inline(always)]
    fn push_field(&mut self, start: usize, end: usize, flags: u64) -> Result<(), UnitError> {
        self.unit.push_field(&self.limits, start, end, flags)
    }

    /// Records the field `start..end` (raw bytes) and says what follows it.
    #[inline(always)]
    fn end_field(&mut self, start: usize, end: usize, flags: u64) -> Result<At, UnitError> {
        self.push_field(start, end, flags)?;
        match self.b.get(end) {
            Some(&c) if c == self.d.delimiter => Ok(At::Field(end + 1)),
            Some(_) => self.end_record().map(|()| At::Record(end + 1)),
            None => self.end_record().map(|()| At::Record(end)),
        }
    }

    /// A field starting with the quote at `start`.
    fn quoted_field(&mut self, start: usize) -> Result<At, UnitError> {
        let (d, b) = (self.d, self.b);
        let mut flags = QUOTED;
        let mut i = start + 1;
        loop {
            let found = match d.escape {
                Some(e) => memchr2(d.quote, e, &b[i..]),
                None => memchr(d.quote, &b[i..]),
            };
            let Some(offset) = found else {
                // End of input inside quotes: the rest is this field.
                if self.limits.strict_quotes {
                    return Err(self.fail(ErrorKind::UnclosedQuote, start));
                }
                flags = COMPLEX;
                i = b.len();
                break;
            };
            let j = i + offset;
            if b[j] != d.quote {
                // The escape byte: the next byte is content, whatever it is.
                flags = COMPLEX;
                i = (j + 2).min(b.len());
                continue;
            }
            i = j + 1;
            if d.double_quote && b.get(i) == Some(&d.quote) {
                flags = COMPLEX;
                i += 1;
                continue;
            }
            break;
        }
        if let Some(&c) = b.get(i) {
            if !d.ends_field[usize::from(c)] {
                // Text after the closing quote (`"x"y`) continues the field unquoted.
                if self.limits.strict_quotes {
                    return Err(self.fail(ErrorKind::TextAfterQuote, i));
                }
                flags = COMPLEX;
                i = find_field_end(d, b, i);
            }
        }
        self.end_field(start, i, flags)
    }

    /// The rest of an unquoted field that began at `start`, from `from`.
    fn unquoted_rest(&mut self, start: usize, from: usize) -> Result<At, UnitError> {
        let end = find_field_end(self.d, self.b, from);
        if CHECKS && self.limits.strict_quotes && self.d.quoting {
            if let Some(q) = memchr(self.d.quote, &self.b[start..end]) {
                return Err(self.fail(ErrorKind::QuoteInUnquotedField, start + q));
            }
        }
        self.end_field(start, end, 0)
    }

    /// Unquoted fields and records, 8 bytes at a time: each word yields a mask of
    /// its delimiter, terminator and quote bytes, handled in order. Returns at a
    /// quoted field, or where fewer than 8 bytes are left. `start` begins a field
    /// and is not a quote.
    fn words(&mut self, start: usize) -> Result<At, UnitError> {
        let (d, b) = (self.d, self.b);
        let [delimiter, t1, t2, quote] = self.specials;
        // The field (or, outside a record, the record) being scanned begins here.
        let mut from = start;
        let mut in_record = true;
        let mut pos = start;
        while let Some(word) = b.get(pos..).and_then(<[u8]>::first_chunk::<8>) {
            let w = u64::from_le_bytes(*word);
            // Any of the four bytes: `equal_bytes(w, a) | equal_bytes(w, b) | ..`,
            // with the complement taken once.
            let mut hits = !(nonzero_bytes(w ^ delimiter)
                & nonzero_bytes(w ^ t1)
                & nonzero_bytes(w ^ t2)
                & nonzero_bytes(w ^ quote))
                & HIGH_BYTES;
            while hits != 0 {
                let at = pos + (hits.trailing_zeros() / 8) as usize;
                hits &= hits - 1;
                let c = b[at];
                if !in_record {
                    if at == from && d.is_term(c) {
                        from = at + 1;
                        continue;
                    }
                    if from >= self.stop {
                        return Ok(At::Record(from));
                    }
                    self.unit.record_starts.push(from);
                    in_record = true;
                }
                if c != d.delimiter && !d.is_term(c) {
                    // A quote: it opens a quoted field at a field start, else it is
                    // content.
                    if at == from {
                        return Ok(At::Field(at));
                    }
                    if CHECKS && self.limits.strict_quotes {
                        return Err(self.fail(ErrorKind::QuoteInUnquotedField, at));
                    }
                    continue;
                }
                match self.end_field(from, at, 0)? {
                    At::Field(next) => from = next,
                    _ => {
                        from = at + 1;
                        in_record = false;
                    }
                }
            }
            pos += 8;
        }
        Ok(if !in_record {
            At::Record(from)
        } else if from >= pos {
            At::Field(from)
        } else {
            At::InField(from, pos)
        })
    }
}

/// The byte-at-a-time twin of `parse_records` (8 bytes at a time through
/// unquoted text, memchr through quoted text), appending to `unit`.
pub(crate) fn parse_records_scalar(
    d: &Dialect,
    limits: Limits,
    input: &[u8],
    start: usize,
    stop: usize,
    unit: Unit,
) -> (Unit, Option<UnitError>) {
    if limits.max_field_size == usize::MAX && !limits.strict_quotes {
        parse_records_with::<false>(d, limits, input, start, stop, unit)
    } else {
        parse_records_with::<true>(d, limits, input, start, stop, unit)
    }
}

fn parse_records_with<const CHECKS: bool>(
    d: &Dialect,
    limits: Limits,
    input: &[u8],
    start: usize,
    stop: usize,
    unit: Unit,
) -> (Unit, Option<UnitError>) {
    let [delimiter, t1, t2] = d.ends_field_words;
    let quote = if d.quoting { splat(d.quote) } else { delimiter };
    let mut p = UnitParser::<CHECKS> {
        d,
        limits,
        b: input,
        stop,
        specials: [delimiter, t1, t2, quote],
        unit,
    };
    let mut at = At::Record(start);
    loop {
        let step = match at {
            At::Record(i) => {
                let Some(first) =
                    p.b.get(i..)
                        .and_then(|rest| rest.iter().position(|&c| !d.is_term(c)))
                else {
                    p.unit.next = input.len();
                    return (p.unit, None);
                };
                if i + first >= stop {
                    p.unit.next = i + first;
                    return (p.unit, None);
                }
                p.unit.record_starts.push(i + first);
                Ok(At::Field(i + first))
            }
            At::Field(i) => match p.b.get(i) {
                Some(&c) if d.quoting && c == d.quote => p.quoted_field(i),
                _ if i + 8 <= input.len() => p.words(i),
                _ => p.unquoted_rest(i, i),
            },
            At::InField(start, from) => p.unquoted_rest(start, from),
        };
        at = match step {
            Ok(at) => at,
            Err(e) => return (p.unit, Some(e)),
        };
    }
}
