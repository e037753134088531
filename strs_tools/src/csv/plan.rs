//! Exact record starts at chunk boundaries, by quote parity.
//!
//! Each chunk is summarised in parallel for both entry parities (outside or inside
//! quotes): how many records start in it, the first and last of them, the parity of
//! its quotes, and whether parity is *trustworthy* there, i.e. every quote sits
//! where csv-core treats it as quoting (an opening quote starts a field, a closing
//! quote is followed by a delimiter, a terminator, a doubled quote or the end). A
//! serial pass over the summaries, O(number of chunks), then picks the true parity
//! of every chunk. Where parity cannot be trusted (malformed quoting, an escape
//! byte), that pass runs the exact state machine from the last known state until a
//! chunk boundary where parity can resume: exact for every input, and serial only
//! over the malformed stretches.

use std::ops::Range;

use memchr::memchr;
#[cfg(test)]
use memchr::{memchr2_iter, memchr3_iter};

use super::blocks::{block_at, dispatch, prefix_xor, BlockTask, Classes, Kernel, BLOCK};
use super::dialect::Dialect;
use super::machine::State;
use crate::parallel::plan::chunk_ranges;

/// The length of a UTF-8 byte-order mark at the start of `input` (0 or 3): csv-core
/// skips it before parsing, and so do we.
pub(crate) fn bom_len(input: &[u8]) -> usize {
    if input.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    }
}

/// The nominal chunks of the data of `input` (after a byte-order mark), as ranges
/// of `input`.
pub(crate) fn data_chunks(input: &[u8], chunk_size: usize) -> Vec<Range<usize>> {
    let base = bom_len(input);
    let mut chunks = chunk_ranges(&input[base..], chunk_size, false);
    for r in &mut chunks {
        *r = r.start + base..r.end + base;
    }
    chunks
}

/// One chunk, seen from each entry parity (index 0: entered outside quotes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChunkSummary {
    /// The chunk has an odd number of quotes.
    odd_quotes: bool,
    /// Records starting in the chunk.
    count: [usize; 2],
    first: [Option<usize>; 2],
    last: [Option<usize>; 2],
    /// Parity predicts the state machine exactly in this chunk.
    trusted: [bool; 2],
}

// Why parity is exact in a trusted chunk, by induction over the bytes: at even
// parity csv-core is in a state outside quotes (StartRecord, StartField, InField,
// the state after a closing quote, after `\r`), at odd parity in InQuotedField.
// Outside, a delimiter or terminator byte is structural in every one of those
// states, and an opening quote preceded by a delimiter, a terminator or the start
// finds csv-core at StartField or StartRecord, where it opens quotes. Inside, with
// no escape byte, every byte but the quote is content; a quote moves to the
// closing-quote state, and a trusted closing quote is followed by a delimiter, a
// terminator or the end (structural there, as outside), or by a quote, which with
// `""` escaping returns to InQuotedField: the next quote's parity is odd again,
// and its "opens" check passes because its predecessor is a quote. So parity and
// csv-core agree on every byte, and a record starts exactly at a non-terminator
// byte after a terminator byte at even parity. A chunk boundary entered from the
// state machine (after an untrusted stretch) keeps the induction only if the
// state there is one of the above and is not InField right after a literal quote,
// which `walk` checks.

/// Can this byte stand next to a quote that is syntax (before an opening quote,
/// after a closing one)?
pub(crate) fn quote_neighbour(d: &Dialect, byte: u8) -> bool {
    byte == d.delimiter || d.is_term(byte) || (d.double_quote && byte == d.quote)
}

/// Summarises `input[range]` for both entry parities, 64 bytes at a time: the
/// quote parity of every byte is one prefix XOR of the block's quote mask, and
/// the checks and record starts of `summarize_memchr` (its slow twin) become mask
/// operations.
///
/// The input's data starts at `base` (after a byte-order mark, which csv-core skips).
pub(crate) fn summarize(d: &Dialect, input: &[u8], base: usize, range: Range<usize>) -> ChunkSummary {
    dispatch(
        Classes::of(d),
        Summarize {
            d,
            input,
            base,
            range,
        },
    )
}

struct Summarize<'a> {
    d: &'a Dialect,
    input: &'a [u8],
    base: usize,
    range: Range<usize>,
}

impl BlockTask for Summarize<'_> {
    type Output = ChunkSummary;

    #[inline(always)]
    fn run<K: Kernel>(self, k: K) -> ChunkSummary {
        let Summarize {
            d,
            input,
            base,
            range,
        } = self;
        summarize_blocks(k, d, input, base, range)
    }
}

#[inline(always)]
fn summarize_blocks<K: Kernel>(
    k: K,
    d: &Dialect,
    input: &[u8],
    base: usize,
    range: Range<usize>,
) -> ChunkSummary {
    let mut s = BlockSummarizer {
        d,
        input,
        base,
        after_term: u64::from(range.start == base || d.is_term(input[range.start - 1])),
        parity: 0,
        bad: [0, 0],
        count: [0, 0],
        first: [usize::MAX, usize::MAX],
        last_block: [(0, 0), (0, 0)],
    };
    let mut at = range.start;
    while let Some(block) = input[at..range.end].first_chunk::<BLOCK>() {
        s.block(k, block, !0, at);
        at += BLOCK;
    }
    if at < range.end {
        let mut spare = [0; BLOCK];
        let (block, valid) = block_at(input, at, range.end, &mut spare);
        s.block(k, block, valid, at);
    }
    let escaped = d.quoting && d.escape.is_some_and(|e| memchr(e, &input[range]).is_some());
    let found = |i: usize| (i != usize::MAX).then_some(i);
    let last = |(at, starts): (usize, u64)| (starts != 0).then(|| at + 63 - starts.leading_zeros() as usize);
    ChunkSummary {
        odd_quotes: s.parity != 0,
        count: s.count,
        first: s.first.map(found),
        last: s.last_block.map(last),
        trusted: s.bad.map(|bad| bad == 0 && !escaped),
    }
}

/// The state of `summarize_blocks` between blocks.
struct BlockSummarizer<'a> {
    d: &'a Dialect,
    input: &'a [u8],
    base: usize,
    /// The last byte was a terminator (or the chunk starts the data), as bit 0.
    after_term: u64,
    /// The parity of the chunk's quotes so far, in every bit.
    parity: u64,
    /// Per entry parity: the quotes that break parity (as masks, or-ed), the
    /// record starts, the first one, and the last block holding one.
    bad: [u64; 2],
    count: [usize; 2],
    first: [usize; 2],
    last_block: [(usize, u64); 2],
}

impl BlockSummarizer<'_> {
    /// Folds in the block at `at`, whose bytes outside `valid` do not count.
    #[inline(always)]
    fn block<K: Kernel>(&mut self, k: K, block: &[u8; BLOCK], valid: u64, at: usize) {
        let d = self.d;
        let m = k.masks(block);
        let (quotes, terms) = (m.quote & valid, m.term & valid);
        // Bit i: the quotes before byte i, in the chunk, are odd.
        let mut odd_before = self.parity;
        if quotes != 0 {
            let inclusive = prefix_xor(quotes) ^ self.parity;
            odd_before = inclusive ^ quotes;
            self.parity = 0u64.wrapping_sub(inclusive >> 63);
            let mut syntax = k.field_ends(block) & valid;
            if d.double_quote {
                syntax |= quotes;
            }
            let neighbour = |at: usize| u64::from(quote_neighbour(d, self.input[at]));
            let last = valid.count_ones() - 1;
            // Bit i: byte i - 1 (resp. i + 1) may stand next to a syntax quote.
            let before = syntax << 1 | if at == self.base { 1 } else { neighbour(at - 1) };
            let next = at + last as usize + 1;
            let after_end = if next == self.input.len() {
                1
            } else {
                neighbour(next)
            };
            let after = syntax >> 1 | after_end << last;
            // Entered at parity 0, a quote with an even count before it opens
            // quotes, an odd one closes them; entered at parity 1, the reverse.
            let (opens_wrongly, closes_wrongly) = (quotes & !before, quotes & !after);
            self.bad[0] |= (!odd_before & opens_wrongly) | (odd_before & closes_wrongly);
            self.bad[1] |= (odd_before & opens_wrongly) | (!odd_before & closes_wrongly);
        }
        let starts = (terms << 1 | self.after_term) & !terms & valid;
        self.after_term = terms >> 63;
        if starts != 0 {
            for (p, starts) in [(0, starts & !odd_before), (1, starts & odd_before)] {
                if starts != 0 {
                    self.count[p] += starts.count_ones() as usize;
                    if self.first[p] == usize::MAX {
                        self.first[p] = at + starts.trailing_zeros() as usize;
                    }
                    self.last_block[p] = (at, starts);
                }
            }
        }
    }
}

/// The slow twin of `summarize`: the same summary, one quote or terminator at a
/// time.
#[cfg(test)]
pub(crate) fn summarize_memchr(d: &Dialect, input: &[u8], base: usize, range: Range<usize>) -> ChunkSummary {
    let mut s = ChunkSummary {
        trusted: [true, true],
        ..ChunkSummary::default()
    };
    // The parity of quotes seen so far in this chunk: a record start seen at local
    // parity `p` is real when the chunk is entered with parity `p`.
    let mut local = 0usize;
    let note_start = |s: &mut ChunkSummary, parity: usize, at: usize| {
        s.count[parity] += 1;
        s.first[parity].get_or_insert(at);
        s.last[parity] = Some(at);
    };
    // A record start belongs to the chunk holding its first byte.
    if range.start < range.end
        && (range.start == base || d.is_term(input[range.start - 1]))
        && !d.is_term(input[range.start])
    {
        note_start(&mut s, 0, range.start);
    }
    let chunk = &input[range.clone()];
    let mut visit = |s: &mut ChunkSummary, pos: usize| {
        let byte = input[pos];
        if d.quoting && byte == d.quote {
            let opens_ok = pos == base || quote_neighbour(d, input[pos - 1]);
            let closes_ok = pos + 1 == input.len() || quote_neighbour(d, input[pos + 1]);
            // Entered with parity `local`, this quote is outside quotes: it opens.
            s.trusted[local] &= opens_ok;
            s.trusted[local ^ 1] &= closes_ok;
            local ^= 1;
        } else if pos + 1 < range.end && !d.is_term(input[pos + 1]) {
            note_start(s, local, pos + 1);
        }
    };
    let (t1, t2) = d.term_bytes();
    match (d.quoting, t1 == t2) {
        (true, true) => memchr2_iter(d.quote, t1, chunk).for_each(|j| visit(&mut s, range.start + j)),
        (true, false) => memchr3_iter(d.quote, t1, t2, chunk).for_each(|j| visit(&mut s, range.start + j)),
        (false, true) => memchr::memchr_iter(t1, chunk).for_each(|j| visit(&mut s, range.start + j)),
        (false, false) => memchr2_iter(t1, t2, chunk).for_each(|j| visit(&mut s, range.start + j)),
    }
    s.odd_quotes = local == 1;
    if let (true, Some(e)) = (d.quoting, d.escape) {
        if memchr(e, chunk).is_some() {
            s.trusted = [false, false];
        }
    }
    s
}

/// The result of the serial pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// True record starts, increasing; units of work begin here.
    pub(crate) starts: Vec<usize>,
    /// The number of records in the input.
    pub(crate) records: usize,
}

/// The parity a clean state stands for, or `None` where parity cannot resume.
fn parity_of(state: State) -> Option<usize> {
    match state {
        State::StartRecord | State::Crlf | State::StartField | State::InField => Some(0),
        State::InQuotedField => Some(1),
        State::InEscapedQuote | State::InDoubleEscapedQuote => None,
    }
}

/// The serial pass: walks the summaries in order, choosing each chunk's parity,
/// and runs the state machine over stretches where parity is not trusted.
pub(crate) fn walk(
    d: &Dialect,
    input: &[u8],
    base: usize,
    chunks: &[Range<usize>],
    sums: &[ChunkSummary],
) -> Plan {
    let mut plan = Plan::default();
    // The latest place where the true state is known.
    let mut checkpoint = (base, State::StartRecord);
    let mut parity = Some(0usize);
    let mut k = 0;
    while k < chunks.len() {
        if let Some(p) = parity {
            let s = &sums[k];
            if s.trusted[p] {
                plan.starts.extend(s.first[p]);
                plan.records += s.count[p];
                if let Some(last) = s.last[p] {
                    checkpoint = (last, State::StartRecord);
                }
                parity = Some(p ^ usize::from(s.odd_quotes));
                k += 1;
                continue;
            }
        }
        // Parity failed in chunk k: run the machine from the checkpoint, counting
        // only record starts from chunk k on (earlier ones are counted already).
        let (mut pos, mut state) = checkpoint;
        let from = chunks[k].start;
        let mut next = k + 1;
        let mut first_in_chunk = true;
        loop {
            if next < chunks.len() && pos == chunks[next].start {
                // After a literal quote (`x"`), parity would take the quote for a
                // closing one and accept a quote right after it as syntax.
                let literal_quote_before = state == State::InField && d.quoting && input[pos - 1] == d.quote;
                if let (Some(p), false) = (parity_of(state), literal_quote_before) {
                    checkpoint = (pos, state);
                    parity = Some(p);
                    k = next;
                    break;
                }
                next += 1;
                first_in_chunk = true;
            }
            if pos >= input.len() {
                k = chunks.len();
                break;
            }
            let byte = input[pos];
            if matches!(state, State::StartRecord | State::Crlf) && !d.is_term(byte) {
                if pos >= from {
                    plan.records += 1;
                    if first_in_chunk {
                        plan.starts.push(pos);
                        first_in_chunk = false;
                    }
                }
                checkpoint = (pos, State::StartRecord);
            }
            state = state.step(d, byte).0;
            pos += 1;
        }
    }
    plan
}
