//! The speculative parse of an input in memory: every chunk is parsed in
//! parallel from its first line start, then a serial pass stitches the chunks'
//! records to the true parse (DESIGN.md, "speculate, then stitch"). Used where
//! records are kept (`CsvParser::parse`) or quote parity cannot plan.

use std::ops::Range;

use rayon::prelude::*;

use super::dialect::Dialect;
use super::error::{Error, ErrorKind};
use super::parse::parse_records;
use super::plan::{bom_len, data_chunks};
use super::unit::{Limits, Parsed, Unit, UnitError};
use crate::parallel::plan::part_starts;
use crate::parallel::pool;

/// Parses `input` in parallel by speculating, then stitching (DESIGN.md), and
/// returns `finish` of each piece of records in input order, or the first error.
///
/// 1. In parallel, each chunk is parsed from its first line start (the first
///    non-terminator byte after a terminator byte; chunk 0 from the data start),
///    keeping the records that start inside it. That start is a true record start
///    unless the chunk begins inside a quoted field (or malformed quoting).
/// 2. Serially, the true parse is followed from chunk to chunk: it enters each
///    chunk at the record start where the previous chunk's parse stopped. When
///    the speculative parse has a record starting there, every record from there
///    on is true (a parse from a true record start is the sequential parse);
///    otherwise records are parsed one by one from the true start until one
///    starts where the speculative parse has one (csv-core resynchronises within
///    a record or two; mis-entered quoted fields rarely last). The serial work is
///    O(chunks) plus those few records.
/// 3. In parallel, each piece is assembled, its record lengths checked, and
///    handed to `finish` with the index of its first record.
pub(crate) fn run<T: Send>(
    d: &Dialect,
    limits: Limits,
    threads: Option<usize>,
    chunk_size: usize,
    input: &[u8],
    finish: impl Fn(usize, Unit) -> T + Sync + Send,
) -> Result<Vec<T>, Error> {
    let base = bom_len(d, input);
    let chunks = data_chunks(d, input, chunk_size);
    // Record lengths are checked once the records are known to be true ones.
    let lenient = Limits {
        expected_fields: None,
        ..limits
    };
    let specs: Vec<Parsed> = pool::install(threads, || {
        chunks
            .par_iter()
            .enumerate()
            .map(|(k, r)| {
                let start = if k == 0 {
                    Some(base)
                } else {
                    first_line_start(d, input, r.clone())
                };
                match start {
                    Some(s) => parse_records(d, lenient, input, s, r.end),
                    None => Parsed {
                        unit: Unit::empty(r.end),
                        error: None,
                    },
                }
            })
            .collect()
    });

    // Stitch. `pos` is where the true parse stands: the start of its next record.
    let mut pieces: Vec<Piece> = Vec::with_capacity(chunks.len());
    let mut parse_error: Option<UnitError> = None;
    let mut pos = base;
    for (r, spec) in chunks.iter().zip(specs) {
        let mut prefix = Unit::empty(pos);
        let mut synced = None;
        while pos < r.end {
            if let Ok(j) = spec.unit.record_starts.binary_search(&pos) {
                synced = Some(j);
                break;
            }
            let one = parse_records(d, lenient, input, pos, pos + 1);
            prefix.append(&one.unit, 0);
            if let Some(mut e) = one.error {
                e.record += prefix.len();
                parse_error = Some(e);
                break;
            }
            pos = one.unit.next;
        }
        let piece = match synced {
            Some(from) => {
                if let Some(mut e) = spec.error {
                    // Records from `from` on are true, so is an error after them.
                    e.record = e.record - from + prefix.len();
                    parse_error = Some(e);
                }
                pos = spec.unit.next;
                Piece {
                    prefix,
                    spec: Some((spec.unit, from)),
                }
            }
            None => Piece { prefix, spec: None },
        };
        pieces.push(piece);
        if parse_error.is_some() {
            break;
        }
    }

    // The index of each piece's first record, for positions and headers.
    let offsets = part_starts(pieces.iter().map(Piece::len));
    let results: Vec<(T, Option<UnitError>)> = pool::install(threads, || {
        pieces
            .into_par_iter()
            .zip(offsets.par_iter())
            .map(|(piece, &offset)| {
                let unit = piece.assemble();
                let length_error = limits
                    .expected_fields
                    .and_then(|expected| check_lengths(&unit, expected));
                (finish(offset, unit), length_error)
            })
            .collect()
    });
    let first_length_error = results
        .iter()
        .zip(&offsets)
        .find_map(|((_, e), &offset)| e.clone().map(|e| (offset + e.record, e)));
    // A parse error stopped the stitch inside the last piece.
    let parse_error = parse_error.map(|e| (offsets[offsets.len() - 2] + e.record, e));
    let error = match (first_length_error, parse_error) {
        (Some(l), Some(p)) => Some(if l.0 < p.0 { l } else { p }),
        (l, p) => l.or(p),
    };
    if let Some((record, e)) = error {
        return Err(Error::at(e.kind, input, record, e.byte));
    }
    Ok(results.into_iter().map(|(t, _)| t).collect())
}

/// The records of one piece of the stitched parse: records parsed one by one where
/// the speculation had to be caught up with, then the speculative records from
/// the one where it was met.
struct Piece {
    prefix: Unit,
    spec: Option<(Unit, usize)>,
}

impl Piece {
    fn len(&self) -> usize {
        self.prefix.len() + self.spec.as_ref().map_or(0, |(u, from)| u.len() - from)
    }

    fn assemble(self) -> Unit {
        match self.spec {
            None => self.prefix,
            Some((spec, 0)) if self.prefix.is_empty() => spec,
            Some((spec, from)) => {
                let mut unit = self.prefix;
                unit.append(&spec, from);
                unit
            }
        }
    }
}

/// The first line start in `range` (not at the data start): a byte that is not a
/// terminator, after a terminator byte.
fn first_line_start(d: &Dialect, input: &[u8], range: Range<usize>) -> Option<usize> {
    let (t1, t2) = d.term_bytes();
    let from = range.start - 1;
    memchr::memchr2_iter(t1, t2, &input[from..range.end - 1])
        .map(|t| from + t + 1)
        .find(|&p| !d.is_term(input[p]))
}

/// The first record of `unit` whose length differs from `expected`.
fn check_lengths(unit: &Unit, expected: usize) -> Option<UnitError> {
    let record = (0..unit.len()).find(|&r| unit.field_count(r) != expected)?;
    Some(UnitError {
        kind: ErrorKind::UnequalLengths {
            expected,
            found: unit.field_count(record),
        },
        byte: unit.record_starts[record],
        record,
    })
}
