//! Parallel multi-pattern search: every match of every pattern, exactly as
//! `match_indices` reports them pattern by pattern, found in one pass over the
//! input by all cores.
//!
//! Design: *speculate, then fix up*. Each chunk is scanned in parallel as if no
//! earlier match reached into it. Only a pattern with a *border* (a proper prefix
//! that is also a suffix, like `aa` or `aba`) can have a match that reaches into
//! the next chunk and changes what that chunk's scan accepts; for every other
//! pattern the speculative scan is already the true one. A serial pass walks the
//! chunks in order with the true last match of each such bordered pattern, and
//! where it reaches into a chunk, re-walks that pattern there until its true scan
//! accepts a match the speculative scan also accepted; from then on both agree.
//! In ordinary text that pass touches a few integers per chunk.

use std::ops::Range;

use aho_corasick::automaton::OverlappingState;
use aho_corasick::packed;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};
use memchr::memmem;
use rayon::prelude::*;

use crate::matcher::Match;
use crate::parallel::plan::{chunk_ranges, part_starts};
use crate::parallel::DEFAULT_CHUNK_SIZE;

/// Up to this many non-empty patterns, chunks are scanned pattern by pattern.
const PER_PATTERN_LIMIT: usize = 3;

/// The smallest automatic chunk: below it, the per-chunk overhead shows.
const MIN_AUTO_CHUNK: usize = 16 << 10;

/// How a chunk is scanned: chosen once, from the pattern set.
#[derive(Clone, Debug)]
enum Engine {
    /// No non-empty pattern: nothing ever matches.
    Never,
    /// Few patterns: one memmem finder per pattern, the finders advanced in
    /// step so matches come out in order without a sort.
    PerPattern,
    /// Up to 64 distinct patterns: aho-corasick's SIMD Teddy finds every
    /// position where *some* pattern starts; the patterns with that first byte
    /// are verified there.
    Teddy(packed::Searcher),
    /// Up to 64 distinct patterns no two matches of which can ever overlap (see
    /// [`overlap_free`]): then every match is one of Teddy's leftmost-first,
    /// non-overlapping matches, and its own iterator finds them all in one pass.
    /// Per Teddy pattern (a distinct pattern), its listed indices.
    TeddyDisjoint(packed::Searcher, Vec<Vec<usize>>),
    /// More: a leftmost-first automaton finds those positions, and an anchored
    /// automaton lists the patterns matching at each one (so the work per
    /// position does not grow with the number of patterns sharing a first byte).
    Automaton {
        leftmost: AhoCorasick,
        anchored: AhoCorasick,
        /// Per automaton pattern (a distinct pattern), its listed indices.
        listings: Vec<Vec<usize>>,
    },
    /// A set aho-corasick refuses to compile (its limits are billions of
    /// states): every position whose byte starts some pattern is a candidate,
    /// verified like Teddy's. Slower, but exact and never a failure.
    Bytewise,
}

/// A match as chunk scans record it: the full [`Match`] is rebuilt from the
/// pattern's length on output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    start: usize,
    pattern: usize,
}

/// A bordered pattern whose last accepted match in a chunk ends past the chunk:
/// what the serial fix-up needs to know about the chunk.
#[derive(Clone, Copy, Debug)]
struct Straddle {
    pattern: usize,
    end: usize,
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
/// Building never fails: a set too large for an automaton is still searched
/// exactly, more slowly. Memory beyond the output is bounded by the number of
/// chunks (at most 65,536 whatever [`chunk_size`](Self::chunk_size) says) and
/// the number of patterns, never their product.
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
    /// Per pattern, its own finder (`None` for an empty pattern).
    finders: Vec<Option<memmem::Finder<'static>>>,
    /// Per pattern, whether two of its matches can overlap (it has a border).
    bordered: Vec<bool>,
    /// The non-empty patterns' indices, in list order.
    listed: Vec<usize>,
    /// Non-empty pattern indices grouped by first byte, in list order.
    by_first_byte: Vec<Vec<usize>>,
    engine: Engine,
    max_len: usize,
    chunk_size: usize,
}

/// Where accepted matches go: converted into a list, or per-pattern counters.
trait Sink {
    fn hit(&mut self, m: Match);
}

/// Matches converted by `f` while the chunk is hot in cache (converting later
/// would read the input at every match again, from memory). With `keys`, the
/// matches are also kept as [`Hit`]s, for the fix-up to correct.
struct Collect<'f, T, F> {
    out: Vec<T>,
    keys: Option<Vec<Hit>>,
    f: &'f F,
}

impl<T, F: Fn(Match) -> T> Sink for Collect<'_, T, F> {
    #[inline]
    fn hit(&mut self, m: Match) {
        self.out.push((self.f)(m));
        if let Some(keys) = &mut self.keys {
            keys.push(Hit {
                start: m.start,
                pattern: m.pattern,
            });
        }
    }
}

/// What one chunk's speculative scan of [`ParallelSearcher::find_all_map`] produced.
struct ScannedChunk<T> {
    out: Vec<T>,
    keys: Option<Vec<Hit>>,
    straddles: Vec<Straddle>,
}

/// Per-pattern counters.
struct Tally(Vec<usize>);

impl Sink for Tally {
    #[inline]
    fn hit(&mut self, m: Match) {
        self.0[m.pattern] += 1;
    }
}

/// Per-thread state of the candidate engines, reused from chunk to chunk so a
/// chunk costs no allocation proportional to the number of patterns.
#[derive(Default)]
struct Scratch {
    /// Per pattern, the end of its last accepted match in the current chunk
    /// (0: none yet).
    exits: Vec<usize>,
    /// The patterns whose `exits` entry is set.
    touched: Vec<usize>,
    /// The patterns matching at the current position (automaton engine).
    at: Vec<usize>,
    /// How many matches the previous chunk of this job produced.
    last_hits: usize,
}

impl ParallelSearcher {
    /// Compiles `patterns`. Empty patterns are kept in the numbering but never
    /// match.
    ///
    /// This never fails and never panics: sets of up to three patterns are
    /// searched with memchr's `memmem`, up to 64 with aho-corasick's Teddy,
    /// larger ones with aho-corasick automata, and a set aho-corasick refuses
    /// (its limits are billions of automaton states) by checking, at each position, the
    /// patterns that start with its byte.
    pub fn new<P: AsRef<[u8]>>(patterns: &[P]) -> ParallelSearcher {
        let patterns: Vec<Vec<u8>> = patterns.iter().map(|p| p.as_ref().to_vec()).collect();
        let mut by_first_byte = vec![Vec::new(); 256];
        let mut listed = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            if let Some(&b) = p.first() {
                by_first_byte[usize::from(b)].push(i);
                listed.push(i);
            }
        }
        // The distinct non-empty patterns (first listing order), and for each
        // its listings: an O(n log n) grouping, not a search per pattern.
        let mut order = listed.clone();
        order.sort_by(|&a, &b| patterns[a].cmp(&patterns[b]).then(a.cmp(&b)));
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in order {
            match groups.last_mut() {
                Some(g) if patterns[g[0]] == patterns[i] => g.push(i),
                _ => groups.push(vec![i]),
            }
        }
        groups.sort_by_key(|g| g[0]);
        let distinct: Vec<&[u8]> = groups.iter().map(|g| patterns[g[0]].as_slice()).collect();
        let engine = match listed.len() {
            0 => Engine::Never,
            n if n <= PER_PATTERN_LIMIT => Engine::PerPattern,
            _ => Self::candidate_engine(&distinct, groups),
        };
        let finders = patterns
            .iter()
            .map(|p| (!p.is_empty()).then(|| memmem::Finder::new(p).into_owned()))
            .collect();
        let bordered = patterns.iter().map(|p| has_border(p)).collect();
        let max_len = patterns.iter().map(Vec::len).max().unwrap_or(0);
        ParallelSearcher {
            patterns,
            finders,
            bordered,
            listed,
            by_first_byte,
            engine,
            max_len,
            chunk_size: 0,
        }
    }

    /// The engine for more patterns than are scanned one by one.
    fn candidate_engine(distinct: &[&[u8]], listings: Vec<Vec<usize>>) -> Engine {
        let teddy = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(distinct)
            .build();
        if let Some(teddy) = teddy {
            return if overlap_free(distinct) {
                Engine::TeddyDisjoint(teddy, listings)
            } else {
                Engine::Teddy(teddy)
            };
        }
        let leftmost = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(distinct);
        let anchored = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Anchored)
            .build(distinct);
        match (leftmost, anchored) {
            (Ok(leftmost), Ok(anchored)) => Engine::Automaton {
                leftmost,
                anchored,
                listings,
            },
            _ => Engine::Bytewise,
        }
    }

    /// Sets the size of the pieces of work in bytes. `0` (the default) means
    /// automatic: [`DEFAULT_CHUNK_SIZE`](crate::parallel::DEFAULT_CHUNK_SIZE), or
    /// less on small inputs so every thread gets several pieces. Any input is
    /// cut into at most 65,536 chunks (a smaller size is raised). Results never
    /// depend on it.
    pub fn chunk_size(mut self, bytes: usize) -> ParallelSearcher {
        self.chunk_size = bytes;
        self
    }

    /// The number of patterns this searcher was built from (empty ones included).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// The bytes consecutive windows of a
    /// [`WindowSearch`](crate::parallel::WindowSearch) share: the longest
    /// pattern's length minus one (0 for no pattern).
    pub fn overlap(&self) -> usize {
        self.max_len.saturating_sub(1)
    }

    /// Pattern `p`'s own finder (`None` for an empty pattern).
    pub(crate) fn finder(&self, p: usize) -> Option<&memmem::Finder<'static>> {
        self.finders[p].as_ref()
    }

    /// Every match, sorted by start, then by pattern index (see the type docs).
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelSearcher;
    ///
    /// let matches = ParallelSearcher::new(&["ab", "bc"]).find_all(b"abcab");
    /// let spans: Vec<_> = matches.iter().map(|m| (m.start, m.end, m.pattern)).collect();
    /// assert_eq!(spans, [(0, 2, 0), (1, 3, 1), (3, 5, 0)]);
    /// ```
    pub fn find_all(&self, hay: &[u8]) -> Vec<Match> {
        self.find_all_map(hay, |m| m)
    }

    /// [`find_all`](Self::find_all) with each match converted by `f` on the way
    /// into the one output vector (the `&str`/`&[u8]` front ends use it to avoid
    /// a second full-size vector).
    pub(crate) fn find_all_map<T, F>(&self, hay: &[u8], f: F) -> Vec<T>
    where
        T: Copy + Send + Sync,
        F: Fn(Match) -> T + Sync + Send,
    {
        if matches!(self.engine, Engine::Never) {
            return Vec::new();
        }
        let ranges = self.ranges(hay);
        // Only a bordered pattern's matches can need correcting.
        let keyed = self.bordered.iter().any(|&b| b);
        let mut chunks: Vec<ScannedChunk<T>> = ranges
            .par_iter()
            .map_init(Scratch::default, |scratch, r| {
                // Sized like the previous chunk's output: neighbouring chunks
                // have similar match densities, and growing costs copies.
                let mut sink = Collect {
                    out: Vec::with_capacity(scratch.last_hits + scratch.last_hits / 8),
                    keys: keyed.then(Vec::new),
                    f: &f,
                };
                let straddles = self.scan_chunk(hay, r.clone(), scratch, &mut sink);
                scratch.last_hits = sink.out.len();
                ScannedChunk {
                    out: sink.out,
                    keys: sink.keys,
                    straddles,
                }
            })
            .collect();
        let straddles: Vec<Vec<Straddle>> = chunks
            .iter_mut()
            .map(|c| std::mem::take(&mut c.straddles))
            .collect();
        self.fix_up(
            hay,
            &ranges,
            |k| &straddles[k],
            |k, removed, added| {
                let chunk = &mut chunks[k];
                let hits = chunk
                    .keys
                    .as_mut()
                    .expect("a chunk with a bordered pattern's match keeps its hits");
                correct(hits, removed, added);
                chunk.out = hits.iter().map(|h| f(self.to_match(*h))).collect();
            },
        );
        let parts: Vec<Vec<T>> = chunks.into_iter().map(|c| c.out).collect();
        concat(&parts)
    }

    fn to_match(&self, h: Hit) -> Match {
        Match {
            start: h.start,
            end: h.start + self.patterns[h.pattern].len(),
            pattern: h.pattern,
        }
    }

    /// Per pattern, in list order, the number of matches [`find_all`](Self::find_all)
    /// reports for it, without materialising them.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelSearcher;
    ///
    /// assert_eq!(ParallelSearcher::new(&["aa", "a", ""]).count(b"aaaaa"), [2, 5, 0]);
    /// ```
    pub fn count(&self, hay: &[u8]) -> Vec<usize> {
        let patterns = self.patterns.len();
        if matches!(self.engine, Engine::Never) {
            return vec![0; patterns];
        }
        let ranges = self.ranges(hay);
        // Counts add up across chunks, so each rayon job keeps one tally; only
        // the (rare) straddles are kept per chunk, for the fix-up.
        let (Tally(mut totals), mut straddles) = ranges
            .par_iter()
            .enumerate()
            .fold(
                || (Scratch::default(), Tally(vec![0; patterns]), Vec::new()),
                |(mut scratch, mut tally, mut straddles), (k, r)| {
                    for s in self.scan_chunk(hay, r.clone(), &mut scratch, &mut tally) {
                        straddles.push((k, s));
                    }
                    (scratch, tally, straddles)
                },
            )
            .map(|(_, tally, straddles)| (tally, straddles))
            .reduce(
                || (Tally(vec![0; patterns]), Vec::new()),
                |(Tally(mut a), mut sa), (Tally(b), sb)| {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                    sa.extend(sb);
                    (Tally(a), sa)
                },
            );
        straddles.sort_by_key(|&(k, s)| (k, s.pattern));
        let grouped: Vec<Straddle> = straddles.iter().map(|&(_, s)| s).collect();
        let chunk_of: Vec<usize> = straddles.iter().map(|&(k, _)| k).collect();
        self.fix_up(
            hay,
            &ranges,
            |k| {
                let from = chunk_of.partition_point(|&c| c < k);
                let to = chunk_of.partition_point(|&c| c <= k);
                &grouped[from..to]
            },
            |_, removed, added| {
                removed.iter().for_each(|h| totals[h.pattern] -= 1);
                added.iter().for_each(|h| totals[h.pattern] += 1);
            },
        );
        totals
    }

    /// The chunks `hay` is cut into.
    fn ranges(&self, hay: &[u8]) -> Vec<Range<usize>> {
        let size = match self.chunk_size {
            0 => (hay.len() / (4 * rayon::current_num_threads())).clamp(MIN_AUTO_CHUNK, DEFAULT_CHUNK_SIZE),
            n => n,
        };
        chunk_ranges(hay, size, false)
    }

    /// The serial fix-up. `straddles(k)` lists chunk `k`'s bordered patterns
    /// whose speculative last match ends past the chunk (sorted by pattern);
    /// `correct(k, removed, added)` is told the matches chunk `k`'s speculative
    /// scan wrongly accepted and wrongly skipped.
    fn fix_up<'s>(
        &self,
        hay: &[u8],
        ranges: &[Range<usize>],
        straddles: impl Fn(usize) -> &'s [Straddle],
        mut correct: impl FnMut(usize, &[Hit], &[Hit]),
    ) {
        // The true last matches that end past the chunks walked so far, by pattern.
        let mut carries: Vec<Straddle> = Vec::new();
        let mut next: Vec<Straddle> = Vec::new();
        // Patterns whose true exit from the current chunk differs from its
        // speculative one (the scans never met), sorted by pattern.
        let mut refitted: Vec<usize> = Vec::new();
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        for (k, range) in ranges.iter().enumerate() {
            let spec = straddles(k);
            if carries.is_empty() && spec.is_empty() {
                continue;
            }
            next.clear();
            refitted.clear();
            removed.clear();
            added.clear();
            for c in &carries {
                // Every carry ends past this chunk's start (it ended past the
                // previous chunk's end): re-walk its pattern here.
                if let Some(end) = self.refit(hay, range.clone(), c.pattern, c.end, &mut removed, &mut added)
                {
                    refitted.push(c.pattern);
                    if end > range.end {
                        next.push(Straddle {
                            pattern: c.pattern,
                            end,
                        });
                    }
                }
            }
            next.extend(
                spec.iter()
                    .filter(|s| refitted.binary_search(&s.pattern).is_err()),
            );
            next.sort_unstable_by_key(|s| s.pattern);
            std::mem::swap(&mut carries, &mut next);
            if !removed.is_empty() || !added.is_empty() {
                correct(k, &removed, &added);
            }
        }
    }

    /// Scans the matches starting in `range` into `sink`, assuming no earlier
    /// match reaches in; returns the straddles (see [`Straddle`]), by pattern.
    fn scan_chunk(
        &self,
        hay: &[u8],
        range: Range<usize>,
        scratch: &mut Scratch,
        sink: &mut impl Sink,
    ) -> Vec<Straddle> {
        match &self.engine {
            Engine::Never => Vec::new(),
            Engine::PerPattern => self.scan_per_pattern(hay, range, sink),
            Engine::TeddyDisjoint(teddy, listings) => {
                // No pattern has a border here, so nothing straddles.
                let window_end = range.end.saturating_add(self.max_len - 1).min(hay.len());
                for m in teddy.find_iter(&hay[range.start..window_end]) {
                    let start = range.start + m.start();
                    if start >= range.end {
                        break;
                    }
                    for &p in &listings[m.pattern().as_usize()] {
                        sink.hit(Match {
                            start,
                            end: range.start + m.end(),
                            pattern: p,
                        });
                    }
                }
                Vec::new()
            }
            _ => self.scan_candidates(hay, range, scratch, sink),
        }
    }

    /// [`scan_chunk`](Self::scan_chunk) for a few patterns: each pattern's own
    /// greedy scan (memmem is leftmost and non-overlapping), the scans advanced
    /// in step so that the next match in (position, pattern) order is always
    /// the smallest of their next matches.
    fn scan_per_pattern(&self, hay: &[u8], range: Range<usize>, sink: &mut impl Sink) -> Vec<Straddle> {
        const NONE: usize = usize::MAX;
        let n = self.listed.len();
        let mut lens = [0usize; PER_PATTERN_LIMIT];
        let mut next = [NONE; PER_PATTERN_LIMIT];
        let mut last = [0usize; PER_PATTERN_LIMIT];
        // One memmem iterator per pattern (it keeps its prefilter's state from
        // match to match), over the chunk plus what a match starting in it can
        // cover.
        let mut iters: [Option<memmem::FindIter<'_, '_>>; PER_PATTERN_LIMIT] = std::array::from_fn(|_| None);
        let advance =
            |s: usize, iters: &mut [Option<memmem::FindIter<'_, '_>>; PER_PATTERN_LIMIT]| -> usize {
                match iters[s].as_mut().and_then(Iterator::next) {
                    Some(offset) if range.start + offset < range.end => range.start + offset,
                    _ => NONE,
                }
            };
        for s in 0..n {
            let finder = self.finders[self.listed[s]]
                .as_ref()
                .expect("listed patterns are non-empty");
            lens[s] = self.patterns[self.listed[s]].len();
            let end = range.end.saturating_add(lens[s] - 1).min(hay.len());
            iters[s] = Some(finder.find_iter(&hay[range.start..end]));
            next[s] = advance(s, &mut iters);
        }
        loop {
            // Ties go to the lower index: the scans are in list order.
            let mut s = 0;
            for t in 1..n {
                if next[t] < next[s] {
                    s = t;
                }
            }
            let pos = next[s];
            if pos == NONE {
                break;
            }
            last[s] = pos + lens[s];
            sink.hit(Match {
                start: pos,
                end: last[s],
                pattern: self.listed[s],
            });
            next[s] = advance(s, &mut iters);
        }
        (0..n)
            .filter(|&s| last[s] > range.end && self.bordered[self.listed[s]])
            .map(|s| Straddle {
                pattern: self.listed[s],
                end: last[s],
            })
            .collect()
    }

    /// [`scan_chunk`](Self::scan_chunk) for the candidate engines: at each
    /// position where some pattern matches, each pattern matching there is
    /// accepted unless its own previous match in the chunk covers the position.
    fn scan_candidates(
        &self,
        hay: &[u8],
        range: Range<usize>,
        scratch: &mut Scratch,
        sink: &mut impl Sink,
    ) -> Vec<Straddle> {
        let window_end = range.end.saturating_add(self.max_len - 1).min(hay.len());
        let window = &hay[..window_end];
        if scratch.exits.len() != self.patterns.len() {
            scratch.exits = vec![0; self.patterns.len()];
        }
        let Scratch {
            exits, touched, at, ..
        } = scratch;
        let mut accept = |pos: usize, p: usize| {
            if pos >= exits[p] {
                if exits[p] == 0 {
                    touched.push(p);
                }
                exits[p] = pos + self.patterns[p].len();
                sink.hit(Match {
                    start: pos,
                    end: exits[p],
                    pattern: p,
                });
            }
        };
        let mut from = range.start;
        while let Some(pos) = self.next_candidate(window, from) {
            if pos >= range.end {
                break;
            }
            if let Engine::Automaton {
                anchored, listings, ..
            } = &self.engine
            {
                at.clear();
                let input = Input::new(window).range(pos..).anchored(Anchored::Yes);
                let mut state = OverlappingState::start();
                loop {
                    anchored.try_find_overlapping(input.clone(), &mut state).expect(
                        "a standard automaton built for anchored starts searches anchored overlapping",
                    );
                    let Some(m) = state.get_match() else { break };
                    // A match state also reports the patterns that are proper
                    // suffixes of the path walked: those start later.
                    if m.start() == pos {
                        at.extend_from_slice(&listings[m.pattern().as_usize()]);
                    }
                }
                at.sort_unstable();
                for &p in at.iter() {
                    accept(pos, p);
                }
            } else {
                for &p in &self.by_first_byte[usize::from(hay[pos])] {
                    if window[pos..].starts_with(&self.patterns[p]) {
                        accept(pos, p);
                    }
                }
            }
            from = pos + 1;
        }
        touched.sort_unstable();
        let straddles = touched
            .iter()
            .filter(|&&p| exits[p] > range.end && self.bordered[p])
            .map(|&p| Straddle {
                pattern: p,
                end: exits[p],
            })
            .collect();
        for &p in touched.iter() {
            exits[p] = 0;
        }
        touched.clear();
        straddles
    }

    /// The leftmost position `>= from` in `hay` where some pattern fully
    /// matches (or, for [`Engine::Bytewise`], may match), for the candidate
    /// engines.
    fn next_candidate(&self, hay: &[u8], from: usize) -> Option<usize> {
        if from >= hay.len() {
            return None;
        }
        match &self.engine {
            Engine::Never | Engine::PerPattern | Engine::TeddyDisjoint(..) => None,
            Engine::Teddy(s) => s
                .find_in(hay, aho_corasick::Span::from(from..hay.len()))
                .map(|m| m.start()),
            Engine::Automaton { leftmost, .. } => leftmost
                .find(Input::new(hay).span(from..hay.len()))
                .map(|m| m.start()),
            Engine::Bytewise => {
                (from..hay.len()).find(|&i| !self.by_first_byte[usize::from(hay[i])].is_empty())
            }
        }
    }

    /// Re-walks pattern `p` in `range` given that its true last match ended at
    /// `carry` (past the range's start), recording the corrections. Returns the
    /// true exit if the true and speculative scans never met in this range, and
    /// `None` if they met (the speculative exit is then the true one).
    fn refit(
        &self,
        hay: &[u8],
        range: Range<usize>,
        p: usize,
        carry: usize,
        removed: &mut Vec<Hit>,
        added: &mut Vec<Hit>,
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
            let hit = Hit {
                start: pos,
                pattern: p,
            };
            match (pos >= spec_end, pos >= true_end) {
                (true, true) => return None,
                (true, false) => {
                    spec_end = pos + len;
                    removed.push(hit);
                }
                (false, true) => {
                    true_end = pos + len;
                    added.push(hit);
                }
                (false, false) => {}
            }
            from = pos + 1;
        }
        Some(true_end)
    }
}

/// Applies the fix-up to a chunk's hits: `removed` were wrongly accepted,
/// `added` wrongly not.
fn correct(hits: &mut Vec<Hit>, removed: &[Hit], added: &[Hit]) {
    // Out-of-phase self-overlapping patterns ("aa" in "aaaa…") can make both
    // lists as long as the chunk: keep this O(n log n).
    let mut removed = removed.to_vec();
    removed.sort_unstable();
    hits.retain(|h| removed.binary_search(h).is_err());
    hits.extend_from_slice(added);
    hits.sort_unstable();
}

/// Can no two matches of `patterns` (distinct, non-empty) ever overlap: no
/// pattern starts inside another's match, at its start or later (this includes a
/// pattern's own border)? Checked exactly for sets of up to 1 KiB in all, assumed
/// false for larger ones (the check is quadratic in the set's size).
fn overlap_free(patterns: &[&[u8]]) -> bool {
    const MAX_CHECKED_BYTES: usize = 1 << 10;
    if patterns.iter().map(|p| p.len()).sum::<usize>() > MAX_CHECKED_BYTES {
        return false;
    }
    patterns.iter().enumerate().all(|(i, p)| {
        patterns.iter().enumerate().all(|(j, q)| {
            // `q` starting at offset k of a match of `p`: the same match when
            // k = 0 and i = j; an overlap when the bytes they share agree.
            (0..p.len()).filter(|&k| k > 0 || i != j).all(|k| {
                let shared = (p.len() - k).min(q.len());
                p[k..k + shared] != q[..shared]
            })
        })
    })
}

/// Does `p` have a border (a non-empty proper prefix that is also a suffix), so
/// that two of its matches can overlap? The KMP failure function of its end.
fn has_border(p: &[u8]) -> bool {
    if p.len() < 2 {
        return false;
    }
    let mut fail = vec![0usize; p.len()];
    let mut k = 0;
    for i in 1..p.len() {
        while k > 0 && p[i] != p[k] {
            k = fail[k - 1];
        }
        if p[i] == p[k] {
            k += 1;
        }
        fail[i] = k;
    }
    fail[p.len() - 1] > 0
}

/// `parts` concatenated, written in parallel into one vector (a serial
/// concatenation of a large output would cap scaling).
fn concat<T: Copy + Send + Sync>(parts: &[Vec<T>]) -> Vec<T> {
    let starts = part_starts(parts.iter().map(Vec::len));
    let total = starts[parts.len()];
    let mut all = Vec::with_capacity(total);
    HitsIter(HitsProducer {
        parts,
        starts: &starts,
        range: 0..total,
    })
    .collect_into_vec(&mut all);
    all
}

/// The concatenation of the chunks' outputs as an indexed parallel iterator, so
/// that rayon writes every output element in place.
struct HitsProducer<'a, T> {
    parts: &'a [Vec<T>],
    /// `starts[k]` is the global index of `parts[k][0]`; one more entry: the total.
    starts: &'a [usize],
    /// The global indices this producer yields.
    range: Range<usize>,
}

/// [`HitsProducer`] as a parallel iterator.
struct HitsIter<'a, T>(HitsProducer<'a, T>);

impl<T: Copy + Send + Sync> ParallelIterator for HitsIter<'_, T> {
    type Item = T;

    fn drive_unindexed<C: rayon::iter::plumbing::UnindexedConsumer<T>>(self, consumer: C) -> C::Result {
        rayon::iter::plumbing::bridge(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.0.range.len())
    }
}

impl<T: Copy + Send + Sync> IndexedParallelIterator for HitsIter<'_, T> {
    fn len(&self) -> usize {
        self.0.range.len()
    }

    fn drive<C: rayon::iter::plumbing::Consumer<T>>(self, consumer: C) -> C::Result {
        rayon::iter::plumbing::bridge(self, consumer)
    }

    fn with_producer<CB: rayon::iter::plumbing::ProducerCallback<T>>(self, callback: CB) -> CB::Output {
        callback.callback(self.0)
    }
}

impl<'a, T: Copy + Send + Sync> rayon::iter::plumbing::Producer for HitsProducer<'a, T> {
    type Item = T;
    type IntoIter = HitsSeq<'a, T>;

    fn into_iter(self) -> HitsSeq<'a, T> {
        let part_of = |i: usize| self.starts.partition_point(|&s| s <= i).saturating_sub(1);
        HitsSeq {
            parts: self.parts,
            starts: self.starts,
            front: self.range.start,
            back: self.range.end,
            front_part: part_of(self.range.start),
            back_part: part_of(self.range.end.saturating_sub(1)),
        }
    }

    fn min_len(&self) -> usize {
        4096
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        let mid = self.range.start + index;
        (
            HitsProducer {
                range: self.range.start..mid,
                ..self
            },
            HitsProducer {
                range: mid..self.range.end,
                ..self
            },
        )
    }
}

/// A sequential walk over a range of the concatenated hits.
struct HitsSeq<'a, T> {
    parts: &'a [Vec<T>],
    starts: &'a [usize],
    /// Next global index from the front, and one past the last from the back.
    front: usize,
    back: usize,
    /// The parts holding `front` and `back - 1` (when the range is not empty).
    front_part: usize,
    back_part: usize,
}

impl<T: Copy> Iterator for HitsSeq<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        if self.front >= self.back {
            return None;
        }
        while self.front >= self.starts[self.front_part + 1] {
            self.front_part += 1;
        }
        let hit = self.parts[self.front_part][self.front - self.starts[self.front_part]];
        self.front += 1;
        Some(hit)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.back - self.front, Some(self.back - self.front))
    }
}

impl<T: Copy> DoubleEndedIterator for HitsSeq<'_, T> {
    fn next_back(&mut self) -> Option<T> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        while self.back < self.starts[self.back_part] {
            self.back_part -= 1;
        }
        Some(self.parts[self.back_part][self.back - self.starts[self.back_part]])
    }
}

impl<T: Copy> ExactSizeIterator for HitsSeq<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borders_are_the_kmp_failure_of_the_end() {
        for (p, bordered) in [
            (&b""[..], false),
            (b"a", false),
            (b"aa", true),
            (b"ab", false),
            (b"aba", true),
            (b"abab", true),
            (b"abcab", true),
            (b"error", false),
            (b"warning", false),
            (b"aab", false),
            (b"\0\0", true),
        ] {
            assert_eq!(has_border(p), bordered, "{p:?}");
        }
    }

    #[test]
    fn overlap_freedom_is_about_any_two_matches() {
        let free = |ps: &[&str]| overlap_free(&ps.iter().map(|p| p.as_bytes()).collect::<Vec<_>>());
        assert!(free(&["error", "warning", "critical"]));
        assert!(free(&["ab", "cd", "x"]));
        assert!(!free(&["aa"]), "a border");
        assert!(!free(&["ab", "bc"]), "a suffix that starts another");
        assert!(!free(&["abc", "b"]), "one inside another");
        assert!(!free(&["ab", "abc"]), "one a prefix of another");
        assert!(!free(&["abcab"]), "a longer border");
        assert!(!free(&["aab", "b\u{1}"]), "a suffix of one starts the other");
    }

    /// The searcher with its engine replaced by the last-resort one.
    fn bytewise(patterns: &[&str]) -> ParallelSearcher {
        let mut s = ParallelSearcher::new(patterns);
        if !matches!(s.engine, Engine::Never) {
            s.engine = Engine::Bytewise;
        }
        s
    }

    fn naive(hay: &[u8], patterns: &[&str]) -> Vec<(usize, usize)> {
        let mut all = Vec::new();
        for (i, p) in patterns.iter().enumerate().filter(|(_, p)| !p.is_empty()) {
            let mut from = 0;
            while let Some(pos) = hay[from..].windows(p.len()).position(|w| w == p.as_bytes()) {
                all.push((from + pos, i));
                from += pos + p.len();
            }
        }
        all.sort_unstable();
        all
    }

    #[test]
    fn every_engine_agrees_with_the_naive_scan() {
        let hay = b"aaaaabab==a==b===aabaab abcabcab";
        let sets: [&[&str]; 6] = [
            &["aa", "a", "ab"],
            &["aa", "a", "ab", "b", "==", "="],
            &["abcab", "bca", "aab", "a", "ab", "aa", "aa"],
            &["=", "==", "===", "b=", "zz", "", "aa"],
            &["x", "y", "z", "w"],
            &["ab", "=b", "x", "yz", "ab", ""],
        ];
        for patterns in sets {
            let expected = naive(hay, patterns);
            let mut many: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
            many.extend((0..70).map(|i| format!("\u{1}{i}")));
            let many: Vec<&str> = many.iter().map(String::as_str).collect();
            for s in [
                ParallelSearcher::new(patterns),
                bytewise(patterns),
                ParallelSearcher::new(&many),
            ] {
                for size in 1..=hay.len() + 1 {
                    let s = s.clone().chunk_size(size);
                    let got: Vec<(usize, usize)> =
                        s.find_all(hay).iter().map(|m| (m.start, m.pattern)).collect();
                    assert_eq!(got, expected, "{patterns:?} chunk {size} {:?}", s.engine);
                    let mut counts = vec![0; s.pattern_count()];
                    expected.iter().for_each(|&(_, p)| counts[p] += 1);
                    assert_eq!(s.count(hay), counts, "{patterns:?} chunk {size}");
                }
            }
        }
    }

    #[test]
    fn engines_are_chosen_by_the_size_of_the_set() {
        let engine = |n: usize| {
            let owned: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
            match ParallelSearcher::new(&owned).engine {
                Engine::Never => "never",
                Engine::PerPattern => "per pattern",
                Engine::Teddy(_) => "teddy",
                Engine::TeddyDisjoint(..) => "teddy, disjoint",
                Engine::Automaton { .. } => "automaton",
                Engine::Bytewise => "bytewise",
            }
        };
        assert_eq!(engine(0), "never");
        assert_eq!(engine(3), "per pattern");
        // "p1" and "p10" can overlap: verified candidates.
        assert_eq!(engine(11), "teddy");
        assert_eq!(engine(4), "teddy, disjoint");
        assert_eq!(engine(65), "automaton");
    }

    #[test]
    fn a_one_byte_chunk_size_keeps_per_chunk_state_small() {
        // 100 patterns over 1 MiB at chunk size 1: the chunk count is capped,
        // and no chunk holds per-pattern state.
        let owned: Vec<String> = (0..100).map(|i| format!("{i:02}x")).collect();
        let hay: Vec<u8> = (0..1 << 20).map(|i| b"0123456789x"[i % 11]).collect();
        let s = ParallelSearcher::new(&owned).chunk_size(1);
        assert!(s.ranges(&hay).len() <= crate::parallel::plan::MAX_CHUNKS);
        let patterns: Vec<&str> = owned.iter().map(String::as_str).collect();
        let expected = naive(&hay, &patterns);
        let got: Vec<(usize, usize)> = s.find_all(&hay).iter().map(|m| (m.start, m.pattern)).collect();
        assert_eq!(got, expected);
    }
}
