//! The block parser: records and fields 64 bytes at a time. Each block becomes
//! masks (`blocks.rs`); one prefix XOR of the quote mask says which bytes are
//! inside quotes, and the field ends are the delimiter and terminator bytes
//! outside them, visited set bit by set bit.
//!
//! Quote parity describes csv-core exactly while every quote is syntax (the
//! argument is in `plan.rs`). A block where one is not (`x"y`, `"x"y`), and the
//! last partial block, are handed to the scalar parser (`scalar.rs`, this one's
//! twin) from the start of the record they are in; the block parse resumes at
//! the first record start after them. Errors are therefore found by whichever
//! parser sees them first in input order, with the same kind and position.

use super::dialect::Dialect;
use super::scalar::parse_records_scalar;
use super::unit::{Limits, Unit, UnitError, COMPLEX, QUOTED};
use crate::blocks::{dispatch, misread_quotes, odd_mask, prefix_xor, BlockTask, Kernel, BLOCK};

/// Whether quote parity can describe this dialect: an escape byte makes the byte
/// after it content, which parity cannot see.
pub(crate) fn applies(d: &Dialect) -> bool {
    !d.quoting || d.escape.is_none()
}

/// Parses the records of `input` that start at or after `start` (a true record
/// start) and before `stop` into `unit`, as `parse::parse_records` does.
pub(crate) fn parse(
    d: &Dialect,
    limits: Limits,
    input: &[u8],
    start: usize,
    stop: usize,
    unit: Unit,
) -> (Unit, Option<UnitError>) {
    let parser = BlockParser {
        d,
        limits,
        input,
        stop,
        unit,
        from: start,
    };
    dispatch(d.classes(), Run { parser, start })
}

struct Run<'a> {
    parser: BlockParser<'a>,
    start: usize,
}

impl BlockTask for Run<'_> {
    type Output = (Unit, Option<UnitError>);

    #[inline(always)]
    fn run<K: Kernel>(self, k: K) -> Self::Output {
        let Run { mut parser, start } = self;
        let p = &mut parser;
        let mut gathered = Gather::new();
        // How far past a block whose quotes are not syntax the scalar parser
        // goes: doubled while the block parse keeps failing soon after taking
        // over again (stray quotes on every line), reset once it runs for longer.
        let mut stretch = BLOCK;
        let mut pos = start;
        loop {
            let until = match p.blocks(k, pos, &mut gathered) {
                Ok(until) => until,
                Err(e) => return (std::mem::take(&mut p.unit), Some(e)),
            };
            let stop = match until.checked_sub(BLOCK) {
                Some(bad) if until < p.input.len() => {
                    stretch = if bad - pos < stretch {
                        (2 * stretch).min(MAX_STRETCH)
                    } else {
                        BLOCK
                    };
                    bad.saturating_add(stretch)
                }
                _ => until,
            }
            .min(p.stop);
            // The scalar parser takes over from the start of the open record, or
            // from where the next one may start.
            let restart = p.unit.drop_open_record().unwrap_or(p.from);
            let unit = std::mem::take(&mut p.unit);
            let (unit, error) = parse_records_scalar(p.d, p.limits, p.input, restart, stop, unit);
            p.unit = unit;
            if error.is_some() || stop == p.stop || p.unit.next >= p.stop.min(p.input.len()) {
                return (std::mem::take(&mut p.unit), error);
            }
            pos = p.unit.next;
        }
    }
}

/// The most bytes the scalar parser takes over at a time after a block whose
/// quotes are not syntax.
const MAX_STRETCH: usize = 64 * 1024;

/// The stack arrays `blocks` gathers into, made once per parse (zeroing them
/// for every call cost as much as parsing a block).
struct Gather {
    ends: Gathered<u64>,
    starts: Gathered<usize>,
    /// The number of gathered field ends up to each record's end.
    record_ends: Gathered<usize>,
}

impl Gather {
    fn new() -> Self {
        Gather {
            ends: Gathered::new(),
            starts: Gathered::new(),
            record_ends: Gathered::new(),
        }
    }
}

/// The state of a block parse between fields.
struct BlockParser<'a> {
    d: &'a Dialect,
    limits: Limits,
    input: &'a [u8],
    /// Records starting here or later are left to the next unit.
    stop: usize,
    unit: Unit,
    /// Where the last `blocks` stopped: the start of its open record's current
    /// field or, outside a record, where the next record may start (terminator
    /// bytes there are empty lines).
    from: usize,
}

impl BlockParser<'_> {
    /// Parses whole blocks from `pos`, a true record start (or the data start)
    /// where no record is open, and returns where the scalar parser must take
    /// over up to: the end of a block whose quotes parity cannot describe, or the
    /// end of the input (for the last partial block, or once a record starts at
    /// `stop`).
    ///
    /// Field ends, record starts and record ends are gathered in arrays on the
    /// stack and appended to the unit every few blocks (stores into the unit's
    /// vectors could alias the loop's state, and each push would check
    /// capacity); the flush checks record lengths.
    #[inline(always)]
    fn blocks<K: Kernel>(&mut self, k: K, pos: usize, gathered: &mut Gather) -> Result<usize, UnitError> {
        let (d, input, stop) = (self.d, self.input, self.stop);
        let double_quote = d.double_quote;
        let max_field_size = self.limits.max_field_size;
        let (mut from, mut in_record) = (pos, false);
        let Gather {
            ends,
            starts,
            record_ends,
        } = gathered;
        // Both carried from block to block: the quote parity in every bit, and
        // whether the last byte may stand before a syntax quote (at `pos`, the
        // byte before ends a record, or there is none).
        let mut parity = 0u64;
        let mut syntax_before = 1u64;
        // The quotes between this block's start and `from` (wrapping: negative
        // when `from` is in an earlier block).
        let mut quotes_to_from = 0u32;
        let mut at = pos;
        let until = 'blocks: loop {
            let Some(block) = input.get(at..).and_then(<[u8]>::first_chunk::<BLOCK>) else {
                break Ok(input.len());
            };
            let m = k.masks(block);
            let field_ends = k.field_ends(block);
            // Bit i: byte i is inside quotes (for a quote: the quotes before it
            // are odd, so it closes them).
            let mut inside = parity;
            if m.quote != 0 {
                inside = prefix_xor(m.quote) ^ m.quote ^ parity;
                let after = input.get(at + BLOCK).map_or(1, |&b| d.quote_neighbour(b));
                if misread_quotes(
                    d.double_quote,
                    m.quote,
                    field_ends,
                    inside,
                    (syntax_before, after, 63),
                ) != 0
                {
                    break Ok(at + BLOCK);
                }
                // From the count, not the prefix XOR: the next block waits on
                // this.
                parity ^= odd_mask(m.quote);
            }
            syntax_before = (field_ends | (m.quote * u64::from(double_quote))) >> 63;
            let mut by_masks = false;
            if max_field_size >= BLOCK {
                // Fields and records from the masks: field ends are the
                // delimiters and terminators outside quotes, record starts the
                // bytes after such a terminator that are not one.
                if !in_record && from < at {
                    // The record the last block began.
                    if from >= stop {
                        break 'blocks Ok(input.len());
                    }
                    starts.push_if(from, true);
                    in_record = true;
                }
                let terms = m.term & !inside;
                let ends_here = field_ends & !inside;
                // A record may start at the block's first byte.
                let open = u64::from(!in_record && from == at);
                let record_starts = (terms << 1 | open) & !terms;
                let last_start = || at + 63 - record_starts.leading_zeros() as usize;
                if record_starts == 0 || last_start() < stop {
                    let empty_lines = terms & (terms << 1 | open);
                    let mut fields = ends_here & !empty_lines;
                    // Only a field begun before the block can be longer than it.
                    let first_end = at + fields.trailing_zeros() as usize;
                    if in_record && fields != 0 && first_end - from > max_field_size {
                        break 'blocks Err(Failure::TooLarge(from, first_end));
                    }
                    // Record ends: the fields ending in a terminator, counted by
                    // their rank among the block's fields.
                    let mut each = fields & terms;
                    while each != 0 {
                        let below = fields & ((1 << each.trailing_zeros()) - 1);
                        record_ends.push_if(ends.len + below.count_ones() as usize + 1, true);
                        each &= each - 1;
                    }
                    if m.quote == 0 && quotes_to_from == 0 {
                        while fields != 0 {
                            let bit = fields.trailing_zeros();
                            fields &= fields - 1;
                            let end = (at + bit as usize) as u64;
                            ends.push_if(end, true);
                        }
                    } else {
                        while fields != 0 {
                            let bit = fields.trailing_zeros();
                            fields &= fields - 1;
                            let quotes_to_end = (m.quote & ((1 << bit) - 1)).count_ones();
                            let flags = flags_of(quotes_to_end.wrapping_sub(quotes_to_from));
                            quotes_to_from = quotes_to_end;
                            let end = (at + bit as usize) as u64;
                            ends.push_if(end | flags, true);
                        }
                    }
                    let mut each = record_starts;
                    while each != 0 {
                        starts.push_if(at + each.trailing_zeros() as usize, true);
                        each &= each - 1;
                    }
                    if ends_here != 0 {
                        // Past the last field end (or empty line): no quote
                        // between them.
                        from = at + BLOCK - ends_here.leading_zeros() as usize;
                        quotes_to_from = (m.quote & ((1 << (from - at - 1)) - 1)).count_ones();
                    }
                    // Open if a record starts after the last terminator.
                    in_record = match terms {
                        0 => in_record || record_starts != 0,
                        _ => record_starts >> (63 - terms.leading_zeros()) != 0,
                    };
                    by_masks = true;
                }
            }
            // Otherwise field by field: when a record starts at `stop` in this
            // block, or the field-size limit is below a block.
            let mut fields = if by_masks { 0 } else { field_ends & !inside };
            while fields != 0 {
                let bit = fields.trailing_zeros();
                fields &= fields - 1;
                let end = at + bit as usize;
                let is_term = m.term >> bit & 1 != 0;
                // Every field takes one straight path: a record start is written
                // unconditionally and counted only when real, so the only
                // branches left are rare ones.
                let starting = !in_record;
                if starting && ((end == from && is_term) || from >= stop) {
                    if end == from && is_term {
                        // An empty line.
                        from = end + 1;
                        continue;
                    }
                    break 'blocks Ok(input.len());
                }
                starts.push_if(from, starting);
                let quotes_to_end = (m.quote & ((1 << bit) - 1)).count_ones();
                let flags = flags_of(quotes_to_end.wrapping_sub(quotes_to_from));
                quotes_to_from = quotes_to_end;
                if end - from > max_field_size {
                    break 'blocks Err(Failure::TooLarge(from, end));
                }
                ends.push_if(end as u64 | flags, true);
                record_ends.push_if(ends.len, is_term);
                in_record = !is_term;
                from = end + 1;
            }
            quotes_to_from = quotes_to_from.wrapping_sub(m.quote.count_ones());
            // A block adds at most 64 field ends and 65 record starts (the
            // pending one and those after its terminators), and record ends
            // never outnumber field ends: flushing every few blocks, before
            // another block might not fit, amortises the copies.
            if ends.len.max(starts.len) > GATHER - BLOCK - 1 {
                if let Err(e) = self.flush(ends, starts, record_ends) {
                    break Err(Failure::Flushed(e));
                }
            }
            at += BLOCK;
        };
        self.from = from;
        // Errors in the records before the stop come first.
        self.flush(ends, starts, record_ends)?;
        until.map_err(|failure| match failure {
            Failure::TooLarge(start, end) => self.unit.too_large(&self.limits, start, end),
            Failure::Flushed(e) => e,
        })
    }

    /// Appends what the blocks gathered to the unit, and checks the lengths of
    /// the records that ended.
    #[inline(always)]
    fn flush(
        &mut self,
        ends: &mut Gathered<u64>,
        starts: &mut Gathered<usize>,
        record_ends: &mut Gathered<usize>,
    ) -> Result<(), UnitError> {
        let unit = &mut self.unit;
        unit.record_starts.extend_from_slice(starts.take());
        let base = unit.field_ends.len();
        unit.field_ends.extend_from_slice(ends.take());
        for &end in record_ends.take() {
            unit.field_index.push(base + end);
            if let Some(expected) = self.limits.expected_fields {
                let record = unit.len_ended() - 1;
                if unit.field_count(record) != expected {
                    return Err(unit.unequal(expected, record));
                }
            }
        }
        Ok(())
    }
}

/// The flags of a field holding `quotes` quotes, all syntax: none, or `"..."`
/// (two), or more with doubled quotes inside.
#[inline(always)]
fn flags_of(quotes: u32) -> u64 {
    match quotes {
        0 => 0,
        2 => QUOTED,
        _ => COMPLEX,
    }
}

/// Why a block parse stopped with an error.
enum Failure {
    /// The field `.0..1` is over the size limit.
    TooLarge(usize, usize),
    /// A record of a flush has not the expected number of fields.
    Flushed(UnitError),
}

/// The values `Gathered` holds: flushed before the last block's worth is used.
const GATHER: usize = 8 * BLOCK;

/// Values gathered over a few blocks, on the stack.
struct Gathered<T> {
    values: [T; GATHER],
    len: usize,
}

impl<T: Copy + Default> Gathered<T> {
    fn new() -> Self {
        Gathered {
            values: [T::default(); GATHER],
            len: 0,
        }
    }

    /// Writes `value` after the others, and keeps it if `keep`. The caller
    /// flushes before a block could overflow the array (the index wraps
    /// instead of being bounds-checked).
    #[inline(always)]
    fn push_if(&mut self, value: T, keep: bool) {
        debug_assert!(self.len < GATHER, "gathered past the flush bound");
        self.values[self.len % GATHER] = value;
        self.len += usize::from(keep);
    }

    /// The values gathered since the last take.
    #[inline(always)]
    fn take(&mut self) -> &[T] {
        let n = std::mem::take(&mut self.len);
        &self.values[..n]
    }
}
