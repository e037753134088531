//! The parse of one unit of work: picks the block parser where quote parity
//! describes the dialect, the scalar parser otherwise. Both write a `Unit`.

use super::dialect::Dialect;
#[cfg(test)]
use super::unit::UnitError;
use super::unit::{Limits, Parsed, Unit};
use super::{block_parse, scalar};

/// Parses the records of `input` that start at or after `start` and before `stop`
/// (the last of them may end past `stop`). `start` must be a true record start (or
/// where the data starts): the records are then exactly those of the sequential
/// parse of the whole input.
///
/// Dialects whose quoting quote parity describes (no escape byte) go to the block
/// parser, which falls back to the scalar parser wherever parity fails.
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
    let (mut unit, error) = if block_parse::applies(d) {
        block_parse::parse(d, limits, input, start, stop, unit)
    } else {
        scalar::parse_records_scalar(d, limits, input, start, stop, unit)
    };
    if error.is_some() {
        unit.truncate_to_complete_records();
        unit.next = input.len();
    }
    Parsed { unit, error }
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
