//! Compiled delimiter sets: one `find_at` for every feature that looks for
//! delimiters, with the engine picked once from the shape of the set.
//!
//! The meaning is fixed here and nowhere else: scanning left to right, the
//! leftmost match wins; among matches starting at the same byte the **shortest**
//! wins; matches never overlap (a scan resumes at the end of the previous match);
//! empty delimiters are ignored. This is what the crates.io `strs_tools` split does
//! with one `str::find` per delimiter per step, but here every search is linear in
//! the input.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
use memchr::memmem;

/// A delimiter match: the byte range `start..end` and which delimiter matched (its
/// index in the list the set was built from, empty delimiters included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Match {
    /// First byte of the match.
    pub start: usize,
    /// One past the last byte of the match.
    pub end: usize,
    /// Index of the matching delimiter in the list given to [`DelimiterSet::new`].
    pub pattern: usize,
}

/// How a set searches: chosen once, by the shape of the set.
#[derive(Clone, Debug)]
enum Engine {
    /// No non-empty delimiter: nothing ever matches.
    Never,
    /// One to three single-byte delimiters: memchr's SIMD loops.
    Bytes1(u8),
    Bytes2(u8, u8),
    Bytes3(u8, u8, u8),
    /// One multi-byte delimiter: memchr's memmem.
    One(Box<memmem::Finder<'static>>),
    /// Several delimiters starting with at most three distinct punctuation or
    /// control bytes (`", "` and `"\r\n"`): memchr finds candidates, a
    /// shortest-first `starts_with` confirms. Such bytes are rare in text, so this
    /// beats aho-corasick's per-call setup; the work per candidate is bounded by
    /// the total delimiter length, so it stays linear.
    /// The first bytes, padded by repetition to three for `memchr3`.
    FirstBytes([u8; 3]),
    /// Anything else: aho-corasick, leftmost-first over the patterns sorted by
    /// length, which is exactly "leftmost, then shortest".
    Many(AhoCorasick),
}

/// A compiled, immutable set of delimiters. Cheap to share between threads
/// (`Send + Sync`); cloning copies the compiled automaton.
///
/// # Example
///
/// ```
/// use strs_tools::matcher::DelimiterSet;
///
/// // Among matches that start at the same byte, the shortest wins.
/// let set = DelimiterSet::new(["==", "="])?;
/// let m = set.find_at(b"a==b", 0).unwrap();
/// assert_eq!((m.start, m.end, m.pattern), (1, 2, 1));
/// // The scan resumes at the end of the previous match.
/// let m = set.find_at(b"a==b", 2).unwrap();
/// assert_eq!((m.start, m.end), (2, 3));
/// # Ok::<(), strs_tools::matcher::BuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct DelimiterSet {
    patterns: Vec<Vec<u8>>,
    /// Maps an engine-internal pattern id to the caller's index.
    ids: Vec<usize>,
    engine: Engine,
    max_len: usize,
    /// The sorted single-byte delimiters of `Bytes2`/`Bytes3`, as a slice.
    firsts: Vec<u8>,
    overlap_free: bool,
}

/// Why a delimiter set could not be compiled: the automaton for a set this large
/// would exceed aho-corasick's limits (billions of states). Carries aho-corasick's
/// message.
#[derive(Clone, Debug)]
pub struct BuildError {
    message: String,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "delimiter set cannot be compiled: {}", self.message)
    }
}

impl std::error::Error for BuildError {}

/// The largest set (total delimiter bytes) compiled to aho-corasick's DFA; larger
/// sets get its default choice, whose memory grows more slowly.
const DFA_MAX_PATTERN_BYTES: usize = 64 << 10;

/// The most delimiters the `FirstBytes` engine verifies by `starts_with`: past
/// this many, the per-candidate work would grow with the set, so an automaton
/// takes over and the scan stays linear in the input whatever the set.
const FIRST_BYTES_MAX_PATTERNS: usize = 8;

impl DelimiterSet {
    /// Compiles a delimiter set. Empty delimiters are ignored; duplicates are
    /// harmless (the first one's index is reported). Building takes
    /// O(n log n) comparisons for n delimiters, and searching stays linear in the
    /// input for any set.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when aho-corasick refuses the set (only for sets whose
    /// automaton would exceed its limits, gigabytes of delimiters).
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::matcher::DelimiterSet;
    ///
    /// let set = DelimiterSet::new(["\r\n", "\n"])?;
    /// assert_eq!(set.find_at(b"a\r\nb", 0).map(|m| m.end), Some(3));
    /// # Ok::<(), strs_tools::matcher::BuildError>(())
    /// ```
    pub fn new<I, P>(delimiters: I) -> Result<DelimiterSet, BuildError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let patterns: Vec<Vec<u8>> = delimiters.into_iter().map(|p| p.as_ref().to_vec()).collect();
        // Stable sort by length, then bytes: shortest first, ties (equal
        // patterns) in the caller's order, so leftmost-first preference becomes
        // "shortest at the same start" and duplicates are neighbours.
        let mut order: Vec<usize> = (0..patterns.len()).filter(|&i| !patterns[i].is_empty()).collect();
        order.sort_by(|&a, &b| (patterns[a].len(), &patterns[a]).cmp(&(patterns[b].len(), &patterns[b])));
        order.dedup_by(|later, earlier| patterns[*later] == patterns[*earlier]);
        // Back to "by length, then the caller's order" among distinct patterns.
        order.sort_by_key(|&i| (patterns[i].len(), i));
        let ids = order;
        let sorted: Vec<&[u8]> = ids.iter().map(|&i| patterns[i].as_slice()).collect();
        let max_len = sorted.iter().map(|p| p.len()).max().unwrap_or(0);
        let all_single = sorted.iter().all(|p| p.len() == 1);
        let engine = match (sorted.len(), all_single) {
            (0, _) => Engine::Never,
            (1, true) => Engine::Bytes1(sorted[0][0]),
            (2, true) => Engine::Bytes2(sorted[0][0], sorted[1][0]),
            (3, true) => Engine::Bytes3(sorted[0][0], sorted[1][0], sorted[2][0]),
            (1, false) => Engine::One(Box::new(memmem::Finder::new(sorted[0]).into_owned())),
            (n, _) => match first_bytes(&sorted).filter(|_| n <= FIRST_BYTES_MAX_PATTERNS) {
                Some(firsts) => {
                    let at = |i: usize| firsts[i.min(firsts.len() - 1)];
                    Engine::FirstBytes([at(0), at(1), at(2)])
                }
                None => Engine::Many(
                    AhoCorasickBuilder::new()
                        .match_kind(MatchKind::LeftmostFirst)
                        .start_kind(StartKind::Both)
                        // A DFA walks one transition per byte where the input keeps
                        // the automaton busy (1,000 delimiters sharing a prefix over
                        // text full of that prefix); bounded by the set's size so
                        // its memory stays small.
                        .kind(
                            (sorted.iter().map(|p| p.len()).sum::<usize>() <= DFA_MAX_PATTERN_BYTES)
                                .then_some(AhoCorasickKind::DFA),
                        )
                        .build(&sorted)
                        .map_err(|e| BuildError {
                            message: e.to_string(),
                        })?,
                ),
            },
        };
        let overlap_free = overlap_free(&sorted);
        let firsts = if all_single {
            sorted.iter().map(|p| p[0]).collect()
        } else {
            Vec::new()
        };
        Ok(DelimiterSet {
            patterns,
            ids,
            engine,
            max_len,
            firsts,
            overlap_free,
        })
    }

    /// The single-byte delimiters, when the set is one to three of them and
    /// nothing else (the sets memchr searches directly).
    pub(crate) fn single_bytes(&self) -> Option<&[u8]> {
        match &self.engine {
            Engine::Bytes1(a) => Some(std::slice::from_ref(a)),
            Engine::Bytes2(..) | Engine::Bytes3(..) => Some(&self.firsts),
            _ => None,
        }
    }

    /// Can no two occurrences of delimiters in any text overlap (no delimiter
    /// contains another, and no proper suffix of one is a prefix of one)? Then
    /// every occurrence is a match of the left-to-right scan, and a scan started
    /// anywhere agrees with it from its first match on.
    pub(crate) fn is_overlap_free(&self) -> bool {
        self.overlap_free
    }

    /// The last occurrence starting in `lo..hi`, for an overlap-free set (see
    /// [`is_overlap_free`](Self::is_overlap_free)): then it is the last match the
    /// sequential scan makes there. Time linear in the bytes it had to look at,
    /// which grow backwards from `hi` geometrically.
    pub(crate) fn rfind_in(&self, hay: &[u8], lo: usize, hi: usize) -> Option<Match> {
        debug_assert!(self.overlap_free, "rfind_in needs an overlap-free set");
        let hit = |i: Option<usize>| i.and_then(|i| self.match_at(hay, lo + i));
        match &self.engine {
            Engine::Never => None,
            Engine::Bytes1(a) => hit(memchr::memrchr(*a, &hay[lo..hi])),
            Engine::Bytes2(a, b) => hit(memchr::memrchr2(*a, *b, &hay[lo..hi])),
            Engine::Bytes3(a, b, c) => hit(memchr::memrchr3(*a, *b, *c, &hay[lo..hi])),
            _ => {
                let mut step = 256usize;
                let mut top = hi;
                while top > lo {
                    let from = top.saturating_sub(step).max(lo);
                    let mut last = None;
                    let mut at = from;
                    while let Some(m) = self.find_before(hay, at, top) {
                        at = m.end;
                        last = Some(m);
                    }
                    if last.is_some() {
                        return last;
                    }
                    top = from;
                    step = step.saturating_mul(2);
                }
                None
            }
        }
    }

    /// The delimiters as given (empty ones included, so indices line up).
    pub fn patterns(&self) -> &[Vec<u8>] {
        &self.patterns
    }

    /// The length of the longest delimiter (0 if the set matches nothing).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Does the set contain no non-empty delimiter (so it never matches)?
    pub fn is_empty(&self) -> bool {
        matches!(self.engine, Engine::Never)
    }

    /// The leftmost-shortest match starting at or after `from`, or `None`.
    /// `from` past the end finds nothing.
    ///
    /// Semantically the same as the naive scan
    /// `(from..len).find_map(|i| shortest delimiter that hay[i..] starts with)`,
    /// but in time linear in `hay.len() - from`.
    #[inline]
    pub fn find_at(&self, hay: &[u8], from: usize) -> Option<Match> {
        let tail = hay.get(from..)?;
        let single = |i: Option<usize>| {
            let start = from + i?;
            let id = self.ids.iter().find(|&&id| self.patterns[id][0] == hay[start]);
            debug_assert!(id.is_some(), "memchr stopped at a byte outside the set");
            let id = *id?;
            Some(Match {
                start,
                end: start + 1,
                pattern: id,
            })
        };
        match &self.engine {
            Engine::Never => None,
            Engine::Bytes1(a) => memchr::memchr(*a, tail).map(|i| Match {
                start: from + i,
                end: from + i + 1,
                pattern: self.ids[0],
            }),
            Engine::Bytes2(a, b) => single(memchr::memchr2(*a, *b, tail)),
            Engine::Bytes3(a, b, c) => single(memchr::memchr3(*a, *b, *c, tail)),
            Engine::One(finder) => finder.find(tail).map(|i| Match {
                start: from + i,
                end: from + i + finder.needle().len(),
                pattern: self.ids[0],
            }),
            Engine::FirstBytes([a, b, c]) => {
                memchr::memchr3_iter(*a, *b, *c, tail).find_map(|i| self.match_at(hay, from + i))
            }
            Engine::Many(ac) => ac.find(Input::new(hay).range(from..)).map(|m| Match {
                start: m.start(),
                end: m.end(),
                pattern: self.ids[m.pattern().as_usize()],
            }),
        }
    }

    /// The leftmost-shortest match that starts at or after `from` and before
    /// `limit`, searching only the bytes such a match can cover. Used by chunked
    /// scans: the result is the same as `find_at` filtered to `start < limit`.
    #[inline]
    pub fn find_before(&self, hay: &[u8], from: usize, limit: usize) -> Option<Match> {
        let window_end = limit
            .saturating_add(self.max_len.saturating_sub(1))
            .min(hay.len());
        let m = self.find_at(&hay[..window_end], from)?;
        (m.start < limit).then_some(m)
    }

    /// Does a delimiter start exactly at `at`? Returns the shortest one. Time
    /// bounded by the longest delimiter, whatever the number of delimiters.
    pub fn match_at(&self, hay: &[u8], at: usize) -> Option<Match> {
        let tail = hay.get(at..)?;
        if let Engine::Many(ac) = &self.engine {
            let input = Input::new(hay).range(at..).anchored(Anchored::Yes);
            return ac.find(input).map(|m| Match {
                start: m.start(),
                end: m.end(),
                pattern: self.ids[m.pattern().as_usize()],
            });
        }
        self.ids.iter().find_map(|&id| {
            let p = &self.patterns[id];
            tail.starts_with(p).then(|| Match {
                start: at,
                end: at + p.len(),
                pattern: id,
            })
        })
    }
}

/// Whether no two occurrences of `patterns` (distinct, non-empty) can overlap in
/// any text: no pattern occurs inside another, and no proper suffix of one is a
/// proper prefix of one (itself included). Checked only for small sets; larger
/// ones are reported as possibly overlapping, which is always safe.
fn overlap_free(patterns: &[&[u8]]) -> bool {
    if patterns.len() > FIRST_BYTES_MAX_PATTERNS || patterns.iter().any(|p| p.len() > 64) {
        return false;
    }
    patterns.iter().enumerate().all(|(i, a)| {
        patterns.iter().enumerate().all(|(j, b)| {
            let inside = i != j && b.len() <= a.len() && a.windows(b.len()).any(|w| w == *b);
            let border = (1..a.len().min(b.len() + 1))
                .any(|l| l < a.len() && l <= b.len() && a[a.len() - l..] == b[..l]);
            !inside && !border
        })
    })
}

/// The distinct first bytes of `patterns`, if there are at most three and all are
/// ASCII punctuation, whitespace or control bytes (rare enough in text that
/// candidates are mostly real matches).
fn first_bytes(patterns: &[&[u8]]) -> Option<Vec<u8>> {
    let mut firsts: Vec<u8> = patterns.iter().map(|p| p[0]).collect();
    firsts.sort_unstable();
    firsts.dedup();
    let rare = |b: &u8| b.is_ascii() && !b.is_ascii_alphanumeric();
    (firsts.len() <= 3 && firsts.iter().all(rare)).then_some(firsts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious definition: try every position, shortest delimiter first.
    fn naive_find_at(delims: &[&str], hay: &[u8], from: usize) -> Option<(usize, usize)> {
        (from..hay.len()).find_map(|i| {
            delims
                .iter()
                .filter(|d| !d.is_empty() && hay[i..].starts_with(d.as_bytes()))
                .map(|d| d.len())
                .min()
                .map(|len| (i, i + len))
        })
    }

    fn check(delims: &[&str], hay: &str) {
        let set = DelimiterSet::new(delims).unwrap();
        for from in 0..=hay.len() + 1 {
            let got = set.find_at(hay.as_bytes(), from).map(|m| (m.start, m.end));
            assert_eq!(
                got,
                naive_find_at(delims, hay.as_bytes(), from),
                "{delims:?} in {hay:?} from {from}"
            );
            if let Some(m) = set.find_at(hay.as_bytes(), from) {
                assert_eq!(&hay.as_bytes()[m.start..m.end], delims[m.pattern].as_bytes());
            }
            for limit in from..=hay.len() + 1 {
                let expected = naive_find_at(delims, hay.as_bytes(), from).filter(|&(s, _)| s < limit);
                let got = set
                    .find_before(hay.as_bytes(), from, limit)
                    .map(|m| (m.start, m.end));
                assert_eq!(got, expected, "{delims:?} in {hay:?} from {from} before {limit}");
            }
        }
    }

    #[test]
    fn every_engine_agrees_with_the_naive_scan() {
        let sets: &[&[&str]] = &[
            &[],
            &[""],
            &[","],
            &[",", ";"],
            &[",", ";", "\n"],
            &["aa"],
            &["=", "=="],
            &["==", "="],
            &["ab", "b"],
            &["ab", "bc"],
            &["abab", "bab"],
            &["\n", "@@NEVER@@"],
            &[", ", "\r\n"],
            &["é", "日本", "🎉", "→"],
            &["a", "b", "c", "d"],
            &["", "a", ""],
            &[",,", ", ", ","],
            &["\r\n", "\n", "\r"],
            &["||", "|", ";;"],
        ];
        let hays = [
            "",
            "a",
            "aaaaa",
            "a==b=c",
            "abcabab",
            "x, y\r\nz",
            "é日本→🎉a",
            ",;\n,,",
            "abcd",
            "@@NEVER@@\n",
        ];
        for set in sets {
            for hay in hays {
                check(set, hay);
            }
        }
    }

    #[test]
    fn reports_the_callers_index_for_sorted_and_empty_patterns() {
        let set = DelimiterSet::new(["", "bb", "b"]).unwrap();
        let m = set.find_at(b"abb", 0).unwrap();
        assert_eq!((m.start, m.end, m.pattern), (1, 2, 2));
        assert!(DelimiterSet::new(["", ""]).unwrap().is_empty());
        assert_eq!(set.max_len(), 2);
        assert_eq!(set.match_at(b"abb", 1).map(|m| m.pattern), Some(2));
        assert_eq!(set.match_at(b"abb", 0), None);
    }

    #[test]
    fn find_at_past_the_end_finds_nothing() {
        let set = DelimiterSet::new([","]).unwrap();
        assert_eq!(set.find_at(b"a,", 5), None);
        assert_eq!(set.find_before(b"a,", 0, 1), None);
    }

    /// 1,000 delimiters sharing their first byte once made every comma a
    /// candidate verified against each delimiter in turn (quadratic); such sets
    /// must go to the automaton, whose work per byte does not depend on the set.
    #[test]
    fn many_delimiters_sharing_a_prefix_use_the_automaton() {
        let delims: Vec<String> = (0..1000).map(|i| format!(",{i:04}")).collect();
        let set = DelimiterSet::new(&delims).unwrap();
        assert!(matches!(set.engine, Engine::Many(_)));
        let hay = ",".repeat(4096) + ",0999";
        let m = set.find_at(hay.as_bytes(), 0).unwrap();
        assert_eq!((m.start, m.pattern), (4096, 999));
        assert_eq!(set.match_at(hay.as_bytes(), 4096).map(|m| m.end), Some(4101));
        assert_eq!(set.match_at(hay.as_bytes(), 4095), None);
        check(
            &["a", "b", "c", "d", ",0", ",1", ",2", ",3", ",4", ",00"],
            ",0,00a,1b,,4",
        );
    }

    #[test]
    fn duplicates_are_removed_keeping_the_first_index() {
        let delims: Vec<String> = (0..40_000).map(|i| format!("{}", i % 20_000)).collect();
        let set = DelimiterSet::new(&delims).unwrap();
        assert_eq!(set.ids.len(), 20_000);
        let m = set.find_at(b"x19999", 0).unwrap();
        assert_eq!((m.start, m.end, m.pattern), (1, 2, 1));
        let set = DelimiterSet::new(["b", "a", "b", "a"]).unwrap();
        assert_eq!(set.find_at(b"ab", 0).map(|m| m.pattern), Some(1));
        assert_eq!(set.find_at(b"ab", 1).map(|m| m.pattern), Some(0));
    }

    #[test]
    fn overlap_freedom_and_the_backward_search() {
        let free = |d: &[&str]| DelimiterSet::new(d).unwrap().is_overlap_free();
        assert!(free(&[","]) && free(&["\r\n"]) && free(&["\r\n", ";"]) && free(&["ab", "cd"]));
        assert!(!free(&["aa"]) && !free(&["=", "=="]) && !free(&["ab", "bc"]) && !free(&["abab"]));
        assert!(!free(&["ab", "b"]) && !free(&["\r\n", "\n"]));
        for d in [&[","][..], &["\r\n"], &["ab", "cd", ";"], &[",", ";", "x"]] {
            let set = DelimiterSet::new(d).unwrap();
            let hay = "ab,cd\r\n;xab".repeat(40);
            for lo in 0..hay.len() {
                for hi in (lo..=hay.len()).step_by(7) {
                    let naive = (lo..hi).rev().find_map(|i| set.match_at(hay.as_bytes(), i));
                    assert_eq!(set.rfind_in(hay.as_bytes(), lo, hi), naive, "{d:?} {lo}..{hi}");
                }
            }
        }
    }

    #[test]
    fn sets_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<DelimiterSet>();
    }
}
