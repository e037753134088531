//! The records of one unit of work, as offsets into the whole input: the data
//! layout every parser writes and every reader of records walks. A unit is a byte
//! range that starts on a true record start.

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

/// An error inside a unit: what, at which byte, in which of the unit's records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnitError {
    pub(crate) kind: ErrorKind,
    pub(crate) byte: usize,
    pub(crate) record: usize,
}

/// What a parse found: the complete records before the first error, and the error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) unit: Unit,
    pub(crate) error: Option<UnitError>,
}
