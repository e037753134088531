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

use std::borrow::Cow;
use std::io;
use std::ops::Range;

use memchr::memchr;
#[cfg(test)]
use memchr::{memchr2_iter, memchr3_iter};

use super::dialect::Dialect;
use super::machine::State;
use crate::blocks::{block_at, dispatch, misread_quotes, odd_mask, prefix_xor, BlockTask, Kernel, BLOCK};
use crate::parallel::plan::chunk_ranges;

/// The length of a UTF-8 byte-order mark at the start of `input` (0 or 3): csv-core
/// skips it before parsing, and so do we (unless the dialect says the input is a
/// piece of a larger one).
pub(crate) fn bom_len(d: &Dialect, input: &[u8]) -> usize {
    if d.skip_bom && input.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    }
}

/// The nominal chunks of the data of `input` (after a byte-order mark), as ranges
/// of `input`.
pub(crate) fn data_chunks(d: &Dialect, input: &[u8], chunk_size: usize) -> Vec<Range<usize>> {
    let base = bom_len(d, input);
    let mut chunks = chunk_ranges(&input[base..], chunk_size, false);
    for r in &mut chunks {
        *r = r.start + base..r.end + base;
    }
    chunks
}

/// One chunk, seen from each entry parity (index 0: entered outside quotes).
/// Positions are byte offsets in the whole input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChunkSummary {
    /// The chunk has an odd number of quotes.
    pub(crate) odd_quotes: bool,
    /// Records starting in the chunk.
    pub(crate) count: [u64; 2],
    pub(crate) first: [Option<u64>; 2],
    pub(crate) last: [Option<u64>; 2],
    /// Parity predicts the state machine exactly in this chunk.
    pub(crate) trusted: [bool; 2],
}

impl ChunkSummary {
    /// The summary of a chunk without bytes: no records, no quotes.
    pub(crate) const EMPTY: ChunkSummary = ChunkSummary {
        odd_quotes: false,
        count: [0; 2],
        first: [None; 2],
        last: [None; 2],
        trusted: [true; 2],
    };
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

/// Summarises `input[range]` for both entry parities: `summarize_data` of that
/// range of an input in memory whose data starts at `base` (after a byte-order
/// mark, which csv-core skips).
pub(crate) fn summarize(d: &Dialect, input: &[u8], base: usize, range: Range<usize>) -> ChunkSummary {
    let before = (range.start != base).then(|| input[range.start - 1]);
    let after = input.get(range.end).copied();
    summarize_data(d, &input[range.clone()], before, after, range.start as u64)
}

/// Summarises `data`, the bytes at `at..` of the input, for both entry
/// parities, 64 bytes at a time: the quote parity of every byte is one prefix
/// XOR of the block's quote mask, and the checks and record starts of
/// `summarize_memchr` (its slow twin) become mask operations.
///
/// `before` is the byte just before `data` (`None` where the input's data
/// starts), `after` the byte just after it (`None` at the end of the input):
/// nothing else of the input is needed.
pub(crate) fn summarize_data(
    d: &Dialect,
    data: &[u8],
    before: Option<u8>,
    after: Option<u8>,
    at: u64,
) -> ChunkSummary {
    let mut s = dispatch(
        d.classes(),
        Summarize {
            d,
            input: data,
            before,
            after,
        },
    );
    for p in 0..2 {
        s.first[p] = s.first[p].map(|f| f + at);
        s.last[p] = s.last[p].map(|f| f + at);
    }
    s
}

/// The summariser of one chunk, generic over the block kernel.
struct Summarize<'a> {
    d: &'a Dialect,
    input: &'a [u8],
    before: Option<u8>,
    after: Option<u8>,
}

impl BlockTask for Summarize<'_> {
    type Output = ChunkSummary;

    #[inline(always)]
    fn run<K: Kernel>(self, k: K) -> ChunkSummary {
        let Summarize {
            d,
            input,
            before,
            after,
        } = self;
        let range = 0..input.len();
        let s = Blocks {
            k,
            d,
            input,
            before,
            after,
        };
        // Record starts are counted per block but located per span of 8 blocks:
        // the first and last spans holding starts of each parity are noted (with
        // the state they are entered in) and scanned again at the end for the
        // exact positions. Noting every block cost a fifth of the pass. The
        // whole spans are walked here, not by `scan`: its closure would not be
        // compiled for the kernel's instructions.
        let mut bad = (0u64, 0u64);
        let mut starts = [Starts::default(), Starts::default()];
        let mut state = Entry {
            after_term: u64::from(before.is_none_or(|b| d.is_term(b))),
            parity: 0,
        };
        let (spans, _) = input[range.clone()].as_chunks::<SPAN>();
        let mut at = range.start;
        for span in spans {
            let entry = state;
            let mut found = [0u64, 0u64];
            for (i, block) in span.as_chunks::<BLOCK>().0.iter().enumerate() {
                let b = s.block(block, !0, at + i * BLOCK, state, Some(&mut bad));
                let odd = b.starts & b.odd_before;
                starts[0].count += u64::from((b.starts ^ odd).count_ones());
                starts[1].count += u64::from(odd.count_ones());
                found[0] |= b.starts ^ odd;
                found[1] |= odd;
                state = b.exit;
            }
            for p in 0..2 {
                if found[p] != 0 {
                    starts[p].note(at, entry);
                }
            }
            at += SPAN;
        }
        if at < range.end {
            let entry = state;
            state = s.scan(at..range.end, entry, Some(&mut bad), |_, found| {
                for p in 0..2 {
                    starts[p].count += u64::from(found[p].count_ones());
                    if found[p] != 0 {
                        starts[p].note(at, entry);
                    }
                }
            });
        }
        let escaped = d.quoting
            && d.escape
                .is_some_and(|e| memchr(e, &input[range.clone()]).is_some());
        ChunkSummary {
            odd_quotes: state.parity != 0,
            count: [starts[0].count, starts[1].count],
            first: [0, 1].map(|p| s.locate(starts[p].first, range.end, p, false).map(|f| f as u64)),
            last: [0, 1].map(|p| s.locate(starts[p].last, range.end, p, true).map(|l| l as u64)),
            trusted: [bad.0 == 0 && !escaped, bad.1 == 0 && !escaped],
        }
    }
}

/// The bytes per span of blocks whose record starts are located together.
const SPAN: usize = 8 * BLOCK;

/// The state a block is entered in.
#[derive(Clone, Copy)]
struct Entry {
    /// The byte before is a terminator (or the chunk starts the data), as bit 0.
    after_term: u64,
    /// The parity of the chunk's quotes before, in every bit.
    parity: u64,
}

/// The record starts of one entry parity: how many, and the first and last
/// spans holding some, with their entry states.
#[derive(Default)]
struct Starts {
    count: u64,
    first: Option<(usize, Entry)>,
    last: Option<(usize, Entry)>,
}

impl Starts {
    #[inline(always)]
    fn note(&mut self, at: usize, entry: Entry) {
        if self.first.is_none() {
            self.first = Some((at, entry));
        }
        self.last = Some((at, entry));
    }
}

/// One chunk, block by block: its bytes (`input`) and the bytes just outside
/// them (`None` at the data start and at the end of the input).
struct Blocks<'a, K> {
    k: K,
    d: &'a Dialect,
    input: &'a [u8],
    before: Option<u8>,
    after: Option<u8>,
}

/// What one block holds.
struct Block {
    /// Record starts (bytes after a terminator that are not one).
    starts: u64,
    /// Bit i: the chunk's quotes before byte i are odd.
    odd_before: u64,
    /// The state the next block is entered in.
    exit: Entry,
}

impl<K: Kernel> Blocks<'_, K> {
    /// The block at `at` (bytes outside `valid` do not count), entered in
    /// `entry`. With `bad`, also or-s in the quotes that parity would misread,
    /// for each entry parity.
    #[inline(always)]
    fn block(
        &self,
        block: &[u8; BLOCK],
        valid: u64,
        at: usize,
        entry: Entry,
        bad: Option<&mut (u64, u64)>,
    ) -> Block {
        let m = self.k.masks(block);
        let (quotes, terms) = (m.quote & valid, m.term & valid);
        let mut b = Block {
            starts: (terms << 1 | entry.after_term) & !terms & valid,
            odd_before: entry.parity,
            exit: Entry {
                after_term: terms >> 63,
                parity: entry.parity,
            },
        };
        if quotes != 0 {
            b.odd_before = prefix_xor(quotes) ^ quotes ^ entry.parity;
            // From the count, not the prefix XOR: the next block waits on this.
            b.exit.parity = entry.parity ^ odd_mask(quotes);
            if let Some(bad) = bad {
                self.check_quotes(block, valid, at, quotes, b.odd_before, bad);
            }
        }
        b
    }

    /// The first (or `last`) record start of parity `p` in the span at `at` (up
    /// to `end`), entered in `entry`.
    #[inline(always)]
    fn locate(&self, span: Option<(usize, Entry)>, end: usize, p: usize, last: bool) -> Option<usize> {
        let (at, entry) = span?;
        let mut found = None;
        self.scan(at..end.min(at + SPAN), entry, None, |block_at, starts| {
            let starts = starts[p];
            if starts != 0 && (last || found.is_none()) {
                found = Some(match last {
                    false => block_at + starts.trailing_zeros() as usize,
                    true => block_at + 63 - starts.leading_zeros() as usize,
                });
            }
        });
        found
    }

    /// Walks the blocks of `span` (the last may be partial) from `entry`, calling
    /// `visit` with each block's position and its record starts at even and at
    /// odd parity, and returns the state after the span.
    #[inline(always)]
    fn scan(
        &self,
        span: Range<usize>,
        mut entry: Entry,
        mut bad: Option<&mut (u64, u64)>,
        mut visit: impl FnMut(usize, [u64; 2]),
    ) -> Entry {
        let mut spare = [0; BLOCK];
        for at in span.clone().step_by(BLOCK) {
            let (block, valid) = block_at(self.input, at, span.end, &mut spare);
            let b = self.block(block, valid, at, entry, bad.as_deref_mut());
            let odd = b.starts & b.odd_before;
            visit(at, [b.starts ^ odd, odd]);
            entry = b.exit;
        }
        entry
    }

    /// Or-s into `bad` the quotes of a block that parity would misread, for each
    /// entry parity.
    #[inline(always)]
    fn check_quotes(
        &self,
        block: &[u8; BLOCK],
        valid: u64,
        at: usize,
        quotes: u64,
        odd_before: u64,
        bad: &mut (u64, u64),
    ) {
        let (d, input) = (self.d, self.input);
        let field_ends = self.k.field_ends(block) & valid;
        let last = valid.count_ones() - 1;
        let next = at + last as usize + 1;
        let before = match at.checked_sub(1) {
            Some(i) => d.quote_neighbour(input[i]),
            None => self.before.map_or(1, |b| d.quote_neighbour(b)),
        };
        let after = match input.get(next) {
            Some(&b) => d.quote_neighbour(b),
            None => self.after.map_or(1, |b| d.quote_neighbour(b)),
        };
        // Entered at parity 0, a quote with an even count before it opens
        // quotes, an odd one closes them; entered at parity 1, the reverse.
        let outside = (before, after, last);
        bad.0 |= misread_quotes(d.double_quote, quotes, field_ends, odd_before, outside);
        bad.1 |= misread_quotes(d.double_quote, quotes, field_ends, !odd_before, outside);
    }
}

/// The slow twin of `summarize`: the same summary, one quote or terminator at a
/// time.
#[cfg(test)]
pub(crate) fn summarize_memchr(d: &Dialect, input: &[u8], base: usize, range: Range<usize>) -> ChunkSummary {
    let mut s = ChunkSummary::EMPTY;
    // The parity of quotes seen so far in this chunk: a record start seen at local
    // parity `p` is real when the chunk is entered with parity `p`.
    let mut local = 0usize;
    let note_start = |s: &mut ChunkSummary, parity: usize, at: usize| {
        s.count[parity] += 1;
        s.first[parity].get_or_insert(at as u64);
        s.last[parity] = Some(at as u64);
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
            let opens_ok = pos == base || d.quote_neighbour(input[pos - 1]) == 1;
            let closes_ok = pos + 1 == input.len() || d.quote_neighbour(input[pos + 1]) == 1;
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
    /// The walk covered the whole input.
    pub(crate) complete: bool,
}

/// The serial pass over the chunks of an input in memory (see `walk_source`).
pub(crate) fn walk(
    d: &Dialect,
    input: &[u8],
    base: usize,
    chunks: &[Range<usize>],
    sums: &[ChunkSummary],
    parity_only: bool,
) -> Plan {
    let chunks: Vec<Range<u64>> = chunks.iter().map(|r| r.start as u64..r.end as u64).collect();
    let walked = walk_source(
        d,
        &mut Memory(input),
        input.len() as u64,
        base as u64,
        &chunks,
        sums,
        parity_only,
    );
    // Reading memory cannot fail.
    let walked = walked.unwrap_or_else(|e| unreachable!("reading memory failed: {e}"));
    Plan {
        starts: walked.firsts.iter().flatten().map(|&(s, _)| s as usize).collect(),
        records: walked.records as usize,
        complete: walked.complete,
    }
}

/// Where the serial pass reads the bytes of the stretches it walks with the
/// state machine.
pub(crate) trait Source {
    /// The input's bytes at `range` (exactly that many).
    fn bytes(&mut self, range: Range<u64>) -> io::Result<Cow<'_, [u8]>>;
}

/// An input in memory.
pub(crate) struct Memory<'a>(pub(crate) &'a [u8]);

impl Source for Memory<'_> {
    fn bytes(&mut self, range: Range<u64>) -> io::Result<Cow<'_, [u8]>> {
        Ok(Cow::Borrowed(&self.0[range.start as usize..range.end as usize]))
    }
}

/// The most bytes the serial pass asks its source for at once.
const FETCH: u64 = 1 << 20;

/// The parity a clean state stands for, or `None` where parity cannot resume.
fn parity_of(state: State) -> Option<usize> {
    match state {
        State::StartRecord | State::Crlf | State::StartField | State::InField => Some(0),
        State::InQuotedField => Some(1),
        State::InEscapedQuote | State::InDoubleEscapedQuote => None,
    }
}

/// Per chunk: its first record start and that record's ordinal, if any.
pub(crate) type Firsts = Vec<Option<(u64, u64)>>;

/// What the serial pass found: per chunk, its first record start and that
/// record's ordinal, and whether the walk covered every chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Walked {
    pub(crate) firsts: Firsts,
    pub(crate) records: u64,
    pub(crate) complete: bool,
}

/// The serial pass over the summaries of consecutive `chunks` covering the
/// input's data from `base` to `end` (see [`Walker`]).
///
/// # Errors
///
/// As [`Walker::advance`].
pub(crate) fn walk_source<S: Source>(
    d: &Dialect,
    src: &mut S,
    end: u64,
    base: u64,
    chunks: &[Range<u64>],
    sums: &[ChunkSummary],
    parity_only: bool,
) -> io::Result<Walked> {
    debug_assert!(chunks.last().is_none_or(|c| c.end == end));
    let mut walker = Walker::new(base);
    let (firsts, complete) = walker.advance(d, src, chunks, sums, parity_only)?;
    Ok(Walked {
        firsts,
        records: walker.records,
        complete,
    })
}

/// The serial pass, resumable: it walks the summaries of consecutive chunks
/// in order, choosing each chunk's parity, and runs the state machine over
/// stretches where parity is not trusted, reading only those bytes from the
/// source. Chunks may be handed over in several calls (a stream read window
/// by window); the walk then goes on where it stopped, never walking a byte
/// twice with parity, and with the state machine at most once more.
#[derive(Clone, Debug)]
pub(crate) struct Walker {
    /// The latest place where the exact state is known. The bytes from here on
    /// must stay readable: the machine restarts here where parity fails.
    pub(crate) checkpoint: (u64, State),
    /// The quote parity at `at`, or `None` where the machine runs from the
    /// checkpoint (then `checkpoint.0 == at`).
    parity: Option<usize>,
    /// Where the chunks walked so far end.
    pub(crate) at: u64,
    /// The records found so far.
    pub(crate) records: u64,
    /// The latest record start found.
    pub(crate) last_start: Option<u64>,
}

impl Walker {
    /// A walk of an input whose data starts at `base`.
    pub(crate) fn new(base: u64) -> Walker {
        Walker {
            checkpoint: (base, State::StartRecord),
            parity: Some(0),
            at: base,
            records: 0,
            last_start: None,
        }
    }

    /// Walks `chunks` (consecutive, starting at `self.at`) with their summaries,
    /// and returns each chunk's first record start and that record's ordinal,
    /// and whether every chunk was walked.
    ///
    /// With `parity_only`, the walk stops where parity fails instead (the walk
    /// is then incomplete and must not go on): callers with a parallel
    /// alternative need not wait for a serial pass over malformed quoting.
    ///
    /// # Errors
    ///
    /// The error of `src`, or `InvalidData` if it returns the wrong number of
    /// bytes.
    pub(crate) fn advance<S: Source>(
        &mut self,
        d: &Dialect,
        src: &mut S,
        chunks: &[Range<u64>],
        sums: &[ChunkSummary],
        parity_only: bool,
    ) -> io::Result<(Firsts, bool)> {
        let mut firsts = vec![None; chunks.len()];
        let Some(end) = chunks.last().map(|c| c.end) else {
            return Ok((firsts, true));
        };
        if self.parity.is_none() {
            // The machine stopped where these chunks start: parity may resume.
            let (pos, state) = self.checkpoint;
            if pos == self.at && self.resumes(d, src, pos, state)? {
                self.parity = parity_of(state);
            }
        }
        let mut k = 0;
        while k < chunks.len() {
            if let Some(p) = self.parity {
                let s = &sums[k];
                if s.trusted[p] {
                    firsts[k] = s.first[p].map(|f| (f, self.records));
                    self.records += s.count[p];
                    if let Some(last) = s.last[p] {
                        self.checkpoint = (last, State::StartRecord);
                        self.last_start = Some(last);
                    }
                    self.parity = Some(p ^ usize::from(s.odd_quotes));
                    k += 1;
                    continue;
                }
            }
            if parity_only {
                self.at = chunks[k].start;
                return Ok((firsts, false));
            }
            // Parity failed in chunk k: run the machine from the checkpoint,
            // counting only record starts from chunk k on (earlier ones are
            // counted already).
            k = self.machine(d, src, chunks, k, end, &mut firsts)?;
        }
        self.at = end;
        Ok((firsts, true))
    }

    /// Whether parity can take over from the state machine at `pos`, in `state`.
    fn resumes<S: Source>(&self, d: &Dialect, src: &mut S, pos: u64, state: State) -> io::Result<bool> {
        // After a literal quote (`x"`), parity would take the quote for a
        // closing one and accept a quote right after it as syntax.
        let literal_quote_before = state == State::InField
            && d.quoting
            && pos > 0
            && src.bytes(pos - 1..pos)?.first() == Some(&d.quote);
        Ok(parity_of(state).is_some() && !literal_quote_before)
    }

    /// Runs the state machine from the checkpoint through chunk `k` and on, up
    /// to the first later chunk boundary where parity can resume (returning
    /// that chunk's index), or to `end` (returning `chunks.len()`).
    fn machine<S: Source>(
        &mut self,
        d: &Dialect,
        src: &mut S,
        chunks: &[Range<u64>],
        k: usize,
        end: u64,
        firsts: &mut [Option<(u64, u64)>],
    ) -> io::Result<usize> {
        let (mut pos, mut state) = self.checkpoint;
        let from = chunks[k].start;
        let mut next = k + 1;
        let mut first_in_chunk = true;
        let mut previous = None;
        loop {
            if next < chunks.len() && pos == chunks[next].start {
                let literal_quote_before = state == State::InField && d.quoting && previous == Some(d.quote);
                if let (Some(p), false) = (parity_of(state), literal_quote_before) {
                    self.checkpoint = (pos, state);
                    self.parity = Some(p);
                    return Ok(next);
                }
                next += 1;
                first_in_chunk = true;
                continue;
            }
            if pos >= end {
                self.checkpoint = (pos, state);
                self.parity = None;
                return Ok(chunks.len());
            }
            // Up to the next chunk boundary, where parity may resume.
            let stop = chunks
                .get(next)
                .map_or(end, |c| c.start)
                .min(pos.saturating_add(FETCH));
            let bytes = src.bytes(pos..stop)?;
            check_len(&bytes, pos..stop)?;
            for &byte in bytes.iter() {
                if matches!(state, State::StartRecord | State::Crlf) && !d.is_term(byte) {
                    if pos >= from {
                        if first_in_chunk {
                            firsts[next - 1] = Some((pos, self.records));
                            first_in_chunk = false;
                        }
                        self.records += 1;
                        self.last_start = Some(pos);
                    }
                    self.checkpoint = (pos, State::StartRecord);
                }
                state = state.step(d, byte).0;
                previous = Some(byte);
                pos += 1;
            }
        }
    }

    /// Moves the checkpoint to `self.at` by running the state machine over the
    /// bytes after it (counting nothing: they are counted), so that they need
    /// not be kept.
    pub(crate) fn settle<S: Source>(&mut self, d: &Dialect, src: &mut S) -> io::Result<()> {
        let (mut pos, mut state) = self.checkpoint;
        while pos < self.at {
            let stop = self.at.min(pos.saturating_add(FETCH));
            let bytes = src.bytes(pos..stop)?;
            check_len(&bytes, pos..stop)?;
            for &byte in bytes.iter() {
                state = state.step(d, byte).0;
            }
            pos = stop;
        }
        self.checkpoint = (pos, state);
        self.parity = None;
        Ok(())
    }
}

/// A source that returned another number of bytes than asked for.
#[derive(Debug)]
pub(crate) struct WrongLength(String);

impl std::fmt::Display for WrongLength {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WrongLength {}

/// An `InvalidData` error holding [`WrongLength`] unless `bytes` are as many as
/// `range` asks for.
fn check_len(bytes: &[u8], range: Range<u64>) -> io::Result<()> {
    if bytes.len() as u64 == range.end - range.start {
        return Ok(());
    }
    let why = format!("asked for bytes {range:?} of the input, got {}", bytes.len());
    Err(io::Error::new(io::ErrorKind::InvalidData, WrongLength(why)))
}
