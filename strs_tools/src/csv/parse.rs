//! The fast parser: records and field boundaries of one unit of work, a byte range
//! that starts on a true record start. It follows the transitions of
//! `machine::State` (its slow twin, tested in lockstep) but crosses unquoted
//! content with 8-byte word masks and quoted content with memchr, and records byte
//! offsets, not copies.

use memchr::{memchr, memchr2};

use super::dialect::{nonzero_bytes, Dialect, HIGH_BYTES, LOW_BYTES};
use super::error::ErrorKind;
use super::records::Record;

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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Unit {
    /// The first byte of each record.
    pub(crate) record_starts: Vec<usize>,
    /// Record `r` owns `field_ends[field_index[r]..field_index[r + 1]]`.
    pub(crate) field_index: Vec<usize>,
    /// The raw end (exclusive) of each field, with the `QUOTED`/`COMPLEX` flags.
    pub(crate) field_ends: Vec<u64>,
    /// Where the parse stopped: the first byte of the next record, or the end.
    pub(crate) next: usize,
}

impl Unit {
    /// An empty unit whose parse stopped at `next`.
    pub(crate) fn empty(next: usize) -> Unit {
        Unit {
            record_starts: Vec::new(),
            field_index: vec![0],
            field_ends: Vec::new(),
            next,
        }
    }

    /// An empty unit with room for the records of `len` bytes of typical CSV.
    /// Generous reservations cost only address space (pages are touched when
    /// written) and spare the copies of repeated growth.
    pub(crate) fn reserved(len: usize) -> Unit {
        let mut unit = Unit {
            record_starts: Vec::with_capacity(len / 16 + 1),
            field_index: Vec::with_capacity(len / 16 + 2),
            field_ends: Vec::with_capacity(len / 4 + 1),
            next: 0,
        };
        unit.field_index.push(0);
        unit
    }

    /// Empties the unit, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.record_starts.clear();
        self.field_index.clear();
        self.field_index.push(0);
        self.field_ends.clear();
        self.next = 0;
    }

    /// Record `r`, borrowed from `input`.
    pub(crate) fn record<'a>(&'a self, input: &'a [u8], d: &'a Dialect, r: usize) -> Record<'a> {
        Record::new(
            input,
            d,
            self.record_starts[r],
            &self.field_ends[self.field_index[r]..self.field_index[r + 1]],
        )
    }

    /// The (complete) records in order, borrowed from `input`.
    pub(crate) fn records<'a>(
        &'a self,
        input: &'a [u8],
        d: &'a Dialect,
    ) -> impl Iterator<Item = Record<'a>> + 'a {
        let bounds = self.field_index.windows(2);
        self.record_starts
            .iter()
            .zip(bounds)
            .map(move |(&start, b)| Record::new(input, d, start, &self.field_ends[b[0]..b[1]]))
    }

    /// Appends the records of `other` from its record `from` on.
    pub(crate) fn append(&mut self, other: &Unit, from: usize) {
        let (skipped, kept) = (other.field_index[from], self.field_ends.len());
        self.record_starts.extend_from_slice(&other.record_starts[from..]);
        self.field_ends
            .extend_from_slice(&other.field_ends[skipped..other.field_index[other.len()]]);
        self.field_index
            .extend(other.field_index[from + 1..].iter().map(|&f| f - skipped + kept));
        self.next = other.next;
    }

    /// An error in the current (last) record.
    pub(crate) fn fail(&self, kind: ErrorKind, byte: usize) -> UnitError {
        UnitError {
            kind,
            byte,
            record: self.len().saturating_sub(1),
        }
    }

    /// Records the field `start..end` (raw bytes) of the current record.
    #[inline(always)]
    pub(crate) fn push_field(
        &mut self,
        limits: &Limits,
        start: usize,
        end: usize,
        flags: u64,
    ) -> Result<(), UnitError> {
        if end - start > limits.max_field_size {
            return Err(self.too_large(limits, start, end));
        }
        self.field_ends.push(end as u64 | flags);
        Ok(())
    }

    /// The error for the field `start..end`, over the size limit.
    #[cold]
    pub(crate) fn too_large(&self, limits: &Limits, start: usize, end: usize) -> UnitError {
        let kind = ErrorKind::FieldTooLarge {
            limit: limits.max_field_size,
            len: end - start,
        };
        self.fail(kind, start)
    }

    /// Ends the current record after its last field.
    pub(crate) fn end_record(&mut self, limits: &Limits) -> Result<(), UnitError> {
        self.field_index.push(self.field_ends.len());
        if let Some(expected) = limits.expected_fields {
            let record = self.len() - 1;
            if self.field_count(record) != expected {
                return Err(self.unequal(expected, record));
            }
        }
        Ok(())
    }

    /// The error for `record`, which has not the `expected` number of fields.
    #[cold]
    pub(crate) fn unequal(&self, expected: usize, record: usize) -> UnitError {
        let found = self.field_count(record);
        UnitError {
            kind: ErrorKind::UnequalLengths { expected, found },
            byte: self.record_starts[record],
            record,
        }
    }

    /// The number of records that have ended.
    pub(crate) fn len_ended(&self) -> usize {
        self.field_index.len() - 1
    }

    /// Drops the current record, which has no end yet, and returns its start.
    pub(crate) fn drop_open_record(&mut self) -> Option<usize> {
        if self.record_starts.len() < self.field_index.len() {
            return None;
        }
        let start = self.record_starts.pop()?;
        self.field_ends
            .truncate(self.field_index[self.field_index.len() - 1]);
        Some(start)
    }

    /// Drops a record left incomplete by an error.
    pub(crate) fn truncate_to_complete_records(&mut self) {
        let complete = self.field_index.len() - 1;
        self.record_starts.truncate(complete);
        self.field_ends.truncate(self.field_index[complete]);
    }
    pub(crate) fn len(&self) -> usize {
        self.record_starts.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.record_starts.is_empty()
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

/// What a parse found: the complete records before the first error, and the error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) unit: Unit,
    pub(crate) error: Option<UnitError>,
}

/// Parses the records of `input` that start at or after `start` and before `stop`
/// (the last of them may end past `stop`). `start` must be a true record start (or
/// where the data starts): the records are then exactly those of the sequential
/// parse of the whole input.
///
/// Dialects whose quoting quote parity describes (no escape byte) go to the block
/// parser, which falls back to this module's parser wherever parity fails.
pub(crate) fn parse_records(d: &Dialect, limits: Limits, input: &[u8], start: usize, stop: usize) -> Parsed {
    parse_records_into(
        d,
        limits,
        input,
        start,
        stop,
        Unit::reserved(stop.saturating_sub(start)),
    )
}

/// `parse_records`, into `unit` (emptied first: its memory is reused).
pub(crate) fn parse_records_into(
    d: &Dialect,
    limits: Limits,
    input: &[u8],
    start: usize,
    stop: usize,
    mut unit: Unit,
) -> Parsed {
    unit.clear();
    let (mut unit, error) = if super::parse_blocks::applies(d) {
        super::parse_blocks::parse(d, limits, input, start, stop, unit)
    } else {
        parse_records_scalar(d, limits, input, start, stop, unit)
    };
    if error.is_some() {
        unit.truncate_to_complete_records();
        unit.next = input.len();
    }
    Parsed { unit, error }
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

/// Parses the records of `input[start..end]`, where `end` is a true record start or
/// the end of the input.
#[cfg(test)]
pub(crate) fn parse_unit(
    d: &Dialect,
    limits: Limits,
    input: &[u8],
    start: usize,
    end: usize,
) -> Result<Unit, UnitError> {
    let parsed = parse_records(d, limits, input, start, end);
    parsed.error.map_or(Ok(parsed.unit), Err)
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
    let quote = if d.quoting {
        u64::from(d.quote) * LOW_BYTES
    } else {
        delimiter
    };
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
