//! Parallel multi-pattern search: every match of every pattern, exactly as
//! `match_indices` reports them pattern by pattern, found in one pass over the
//! input by all cores.
//!
//! Design: *speculate, then fix up*. Each chunk is scanned in parallel as if no
//! earlier match reached into it. A serial pass then walks the chunks in order;
//! where a pattern's true last match (from an earlier chunk) ends inside a chunk,
//! that pattern alone is re-walked there until its true scan accepts a match the
//! speculative scan also accepted; from then on both agree. In ordinary text that
//! pass touches nothing but a few integers per chunk.

use std::ops::Range;

use aho_corasick::packed;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use memchr::memmem;
use rayon::prelude::*;

use crate::matcher::Match;
use crate::parallel::plan::chunk_ranges;

/// Up to this many distinct patterns, chunks are scanned pattern by pattern.
const PER_PATTERN_LIMIT: usize = 3;

/// How a chunk is scanned: chosen once, by the number of distinct patterns.
#[derive(Clone, Debug)]
enum Engine {
    /// No non-empty pattern: nothing ever matches.
    Never,
    /// Few patterns: one memmem scan per pattern over the cache-hot chunk.
    PerPattern,
    /// More: aho-corasick's SIMD Teddy finds every position where *some*
    /// pattern starts (the automaton's `find_iter` is several times slower; see
    /// docs/search_and_process.md); the patterns are verified there.
    Teddy(packed::Searcher),
    /// Too many patterns for Teddy (over 64), or no SIMD: the automaton,
    /// leftmost-first, as the candidate finder.
    Automaton(AhoCorasick),
}

impl Engine {
    /// The leftmost position `>= from` in `hay` where some pattern fully matches
    /// (candidate engines only).
    fn next_candidate(&self, hay: &[u8], from: usize) -> Option<usize> {
        if from >= hay.len() {
            return None;
        }
        match self {
            Engine::Never | Engine::PerPattern => None,
            Engine::Teddy(s) => s
                .find_in(hay, aho_corasick::Span::from(from..hay.len()))
                .map(|m| m.start()),
            Engine::Automaton(ac) => ac.find(Input::new(hay).span(from..hay.len())).map(|m| m.start()),
        }
    }
}

/// A compiled set of patterns searched in parallel with `match_indices`
/// semantics per pattern. Immutable, `Send + Sync`, reusable across inputs.
///
/// The result of [`find_all`](Self::find_all) is semantically the same as
///
/// ```text
/// let mut all: Vec<_> = patterns.iter().enumerate()
///     .flat_map(|(i, p)| hay.match_indices(p).map(move |(pos, m)| (pos, i, m)))
///     .collect();
/// all.sort_by_key(|&(pos, i, _)| (pos, i));
/// ```
///
/// but the input is read once for all patterns, by all threads of the current
/// rayon pool. For each pattern on its own, matches are leftmost and
/// non-overlapping (`"aa"` in `"aaaa"` matches at 0 and 2); matches of
/// *different* patterns may overlap. Empty patterns never match (`match_indices`
/// would report one at every character boundary). A pattern listed twice is
/// reported twice, once under each index, as the expression above does.
///
/// # Example
///
/// ```
/// use strs_tools::parallel::ParallelSearcher;
///
/// let searcher = ParallelSearcher::new(&["aa", "a"]);
/// let found: Vec<(usize, usize)> = searcher
///     .find_all(b"aaa")
///     .iter()
///     .map(|m| (m.start, m.pattern))
///     .collect();
/// assert_eq!(found, vec![(0, 0), (0, 1), (1, 1), (2, 1)]);
/// assert_eq!(searcher.count(b"aaa"), vec![1, 3]);
/// ```
#[derive(Clone, Debug)]
pub struct ParallelSearcher {
    patterns: Vec<Vec<u8>>,
    /// Per pattern, its own finder: used by the serial fix-up only.
    finders: Vec<Option<memmem::Finder<'static>>>,
    /// Non-empty pattern indices grouped by first byte, in list order.
    by_first_byte: Vec<Vec<u32>>,
    engine: Engine,
    max_len: usize,
    chunk_size: Option<usize>,
}

/// What one chunk's speculative scan found.
struct ChunkScan<S> {
    /// Matches (`Vec<Match>`) or counts (`Vec<usize>`).
    found: S,
    /// Per pattern, the end of its last accepted match in this chunk (0: none).
    exits: Vec<usize>,
}

/// Where the accepted matches go: a list, or per-pattern counters.
trait Sink: Send {
    fn new(patterns: usize) -> Self;
    fn accept(&mut self, m: Match);
    /// Applies the fix-up: `removed` were wrongly accepted, `added` wrongly not.
    fn correct(&mut self, removed: &[Match], added: &[Match]);
    /// Called once a chunk was scanned pattern by pattern: restores the order.
    fn restore_order(&mut self) {}
}

impl Sink for Vec<Match> {
    fn new(_: usize) -> Self {
        Vec::new()
    }
    fn accept(&mut self, m: Match) {
        self.push(m);
    }
    fn correct(&mut self, removed: &[Match], added: &[Match]) {
        // Out-of-phase self-overlapping patterns ("aa" in "aaaa…") can make both
        // lists as long as the chunk: keep this O(n log n).
        let mut removed = removed.to_vec();
        removed.sort_unstable_by_key(|m| (m.start, m.pattern));
        self.retain(|m| {
            removed
                .binary_search_by_key(&(m.start, m.pattern), |r| (r.start, r.pattern))
                .is_err()
        });
        self.extend_from_slice(added);
        self.sort_unstable_by_key(|m| (m.start, m.pattern));
    }
    fn restore_order(&mut self) {
        // The list is one sorted run per pattern: the stable sort detects runs
        // and merges them in O(n log runs), where an unstable sort is O(n log n).
        self.sort_by_key(|m| (m.start, m.pattern));
    }
}

/// Per-pattern counters.
struct Counts(Vec<usize>);

impl Sink for Counts {
    fn new(patterns: usize) -> Self {
        Counts(vec![0; patterns])
    }
    fn accept(&mut self, m: Match) {
        self.0[m.pattern] += 1;
    }
    fn correct(&mut self, removed: &[Match], added: &[Match]) {
        for m in removed {
            self.0[m.pattern] -= 1;
        }
        for m in added {
            self.0[m.pattern] += 1;
        }
    }
}

impl ParallelSearcher {
    /// Compiles `patterns`. Empty patterns are kept in the numbering but never
    /// match.
    pub fn new<P: AsRef<[u8]>>(patterns: &[P]) -> ParallelSearcher {
        let patterns: Vec<Vec<u8>> = patterns.iter().map(|p| p.as_ref().to_vec()).collect();
        let mut by_first_byte = vec![Vec::new(); 256];
        let mut distinct: Vec<&[u8]> = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            if let Some(&b) = p.first() {
                by_first_byte[usize::from(b)].push(i as u32);
                if !distinct.contains(&p.as_slice()) {
                    distinct.push(p);
                }
            }
        }
        let engine = match distinct.len() {
            0 => Engine::Never,
            n if n <= PER_PATTERN_LIMIT => Engine::PerPattern,
            _ => match packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(&distinct)
                .build()
            {
                Some(teddy) => Engine::Teddy(teddy),
                None => Engine::Automaton(
                    AhoCorasickBuilder::new()
                        .match_kind(MatchKind::LeftmostFirst)
                        .build(&distinct)
                        .expect("an aho-corasick automaton over a few patterns always builds"),
                ),
            },
        };
        let finders = patterns
            .iter()
            .map(|p| (!p.is_empty()).then(|| memmem::Finder::new(p).into_owned()))
            .collect();
        let max_len = patterns.iter().map(Vec::len).max().unwrap_or(0);
        ParallelSearcher {
            patterns,
            finders,
            by_first_byte,
            engine,
            max_len,
            chunk_size: None,
        }
    }

    /// Sets the size of the pieces of work in bytes (`0` counts as 1). By default
    /// a quarter of each thread's share, between 16 KiB and 256 KiB. Results
    /// never depend on it.
    pub fn chunk_size(mut self, bytes: usize) -> ParallelSearcher {
        self.chunk_size = Some(bytes.max(1));
        self
    }

    /// The number of patterns this searcher was built from (empty ones included).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Every match, sorted by start, then by pattern index (see the type docs).
    pub fn find_all(&self, hay: &[u8]) -> Vec<Match> {
        self.find_all_map(hay, |m| m)
    }

    /// [`find_all`](Self::find_all) with each match converted by `f` on the way
    /// into the one output vector (the `&str`/`&[u8]` front ends use it to avoid
    /// a second full-size vector).
    pub(crate) fn find_all_map<T: Send>(&self, hay: &[u8], f: impl Fn(Match) -> T + Sync + Send) -> Vec<T> {
        let parts: Vec<Vec<Match>> = self.run(hay);
        // Output index `i` lies in part `k` where starts[k] <= i < starts[k + 1].
        let mut starts = Vec::with_capacity(parts.len() + 1);
        let mut total = 0;
        for part in &parts {
            starts.push(total);
            total += part.len();
        }
        starts.push(total);
        // Filled in parallel (a serial concatenation was a few per cent of a
        // 1-thread run at one match per kilobyte: a serial fraction that caps
        // scaling). Each job walks consecutive indices, so it keeps its current
        // part and only searches `starts` when it crosses into another.
        let mut all = Vec::with_capacity(total);
        (0..total)
            .into_par_iter()
            .with_min_len(4096)
            .map_init(
                || 0usize,
                |k, i| {
                    if !(starts[*k] <= i && i < starts[*k + 1]) {
                        *k = starts.partition_point(|&s| s <= i) - 1;
                    }
                    f(parts[*k][i - starts[*k]])
                },
            )
            .collect_into_vec(&mut all);
        all
    }

    /// Per pattern, in list order, the number of matches [`find_all`](Self::find_all)
    /// reports for it, without materialising them.
    pub fn count(&self, hay: &[u8]) -> Vec<usize> {
        let mut totals = vec![0; self.patterns.len()];
        for Counts(part) in self.run::<Counts>(hay) {
            for (t, c) in totals.iter_mut().zip(part) {
                *t += c;
            }
        }
        totals
    }

    fn effective_chunk_size(&self, len: usize) -> usize {
        self.chunk_size.unwrap_or_else(|| {
            // Small enough to stay in L2 while each pattern scans it and to give
            // work stealing pieces to balance; the per-chunk overhead (a few
            // allocations, and P integers in the serial fix-up) stays negligible.
            (len / (4 * rayon::current_num_threads())).clamp(16 << 10, 256 << 10)
        })
    }

    /// Speculative parallel scan, then the serial fix-up, chunk results in order.
    fn run<S: Sink>(&self, hay: &[u8]) -> Vec<S> {
        if matches!(self.engine, Engine::Never) {
            return Vec::new();
        }
        let ranges = chunk_ranges(hay, self.effective_chunk_size(hay.len()), false);
        let mut scans: Vec<ChunkScan<S>> = ranges
            .par_iter()
            .map(|r| self.scan_chunk(hay, r.clone()))
            .collect();
        // Serial fix-up: `carry[p]` is where pattern p's true last match ended.
        let mut carry = vec![0usize; self.patterns.len()];
        let mut removed = Vec::new();
        let mut added = Vec::new();
        for (range, scan) in ranges.iter().zip(&mut scans) {
            removed.clear();
            added.clear();
            for (p, (carry, &exit)) in carry.iter_mut().zip(&scan.exits).enumerate() {
                *carry = if *carry > range.start {
                    self.refit(hay, range.clone(), p, *carry, &mut removed, &mut added)
                        .unwrap_or(exit)
                } else {
                    exit
                };
            }
            if !removed.is_empty() || !added.is_empty() {
                scan.found.correct(&removed, &added);
            }
        }
        scans.into_iter().map(|s| s.found).collect()
    }

    /// Scans the matches starting in `range`, assuming no earlier match reaches in.
    fn scan_chunk<S: Sink>(&self, hay: &[u8], range: Range<usize>) -> ChunkScan<S> {
        if matches!(self.engine, Engine::PerPattern) {
            return self.scan_chunk_per_pattern(hay, range);
        }
        let window_end = range.end.saturating_add(self.max_len - 1).min(hay.len());
        let window = &hay[..window_end];
        let mut found = S::new(self.patterns.len());
        let mut exits = vec![0usize; self.patterns.len()];
        let mut from = range.start;
        while let Some(pos) = self.engine.next_candidate(window, from) {
            if pos >= range.end {
                break;
            }
            for &p in &self.by_first_byte[usize::from(hay[pos])] {
                let p = p as usize;
                let pat = &self.patterns[p];
                if pos >= exits[p] && window[pos..].starts_with(pat) {
                    exits[p] = pos + pat.len();
                    found.accept(Match {
                        start: pos,
                        end: pos + pat.len(),
                        pattern: p,
                    });
                }
            }
            from = pos + 1;
        }
        ChunkScan { found, exits }
    }

    /// [`scan_chunk`](Self::scan_chunk), one memmem scan per pattern over the
    /// chunk (the chunk is read from memory once and scanned in cache).
    fn scan_chunk_per_pattern<S: Sink>(&self, hay: &[u8], range: Range<usize>) -> ChunkScan<S> {
        let mut found = S::new(self.patterns.len());
        let mut exits = vec![0usize; self.patterns.len()];
        for (p, finder) in self.finders.iter().enumerate() {
            let Some(finder) = finder else { continue };
            let len = self.patterns[p].len();
            let window = &hay[range.start..range.end.saturating_add(len - 1).min(hay.len())];
            // memmem's iterator is leftmost and non-overlapping: the greedy scan.
            for offset in finder.find_iter(window) {
                let start = range.start + offset;
                if start >= range.end {
                    break;
                }
                exits[p] = start + len;
                found.accept(Match {
                    start,
                    end: start + len,
                    pattern: p,
                });
            }
        }
        found.restore_order();
        ChunkScan { found, exits }
    }

    /// Re-walks pattern `p` in `range` given that its true last match ended at
    /// `carry` (inside or past the range), recording the corrections. Returns the
    /// true exit if the true and speculative scans never met in this range, and
    /// `None` if they met (the speculative exit is then the true one).
    fn refit(
        &self,
        hay: &[u8],
        range: Range<usize>,
        p: usize,
        carry: usize,
        removed: &mut Vec<Match>,
        added: &mut Vec<Match>,
    ) -> Option<usize> {
        let finder = self.finders[p]
            .as_ref()
            .expect("only a non-empty pattern can carry");
        let len = self.patterns[p].len();
        let window = &hay[..range.end.saturating_add(len - 1).min(hay.len())];
        let (mut spec_end, mut true_end) = (range.start, carry);
        let mut from = range.start;
        while from < window.len() {
            let Some(offset) = finder.find(&window[from..]) else {
                break;
            };
            let pos = from + offset;
            if pos >= range.end {
                break;
            }
            let m = Match {
                start: pos,
                end: pos + len,
                pattern: p,
            };
            match (pos >= spec_end, pos >= true_end) {
                (true, true) => return None,
                (true, false) => {
                    spec_end = m.end;
                    removed.push(m);
                }
                (false, true) => {
                    true_end = m.end;
                    added.push(m);
                }
                (false, false) => {}
            }
            from = pos + 1;
        }
        Some(true_end)
    }
}
