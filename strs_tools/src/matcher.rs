//! Compiled delimiter sets: one `find_at` for every feature that looks for
//! delimiters, with the engine picked once from the shape of the set.
//!
//! The meaning is fixed here and nowhere else: scanning left to right, the
//! leftmost match wins; among matches starting at the same byte the **shortest**
//! wins; matches never overlap (a scan resumes at the end of the previous match);
//! empty delimiters are ignored. This is what the crates.io `strs_tools` split does
//! with one `str::find` per delimiter per step, but here every search is linear in
//! the input.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
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
    FirstBytes(Vec<u8>),
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
/// let set = DelimiterSet::new(&["==", "="]);
/// let m = set.find_at(b"a==b", 0).unwrap();
/// assert_eq!((m.start, m.end, m.pattern), (1, 2, 1));
/// // The scan resumes at the end of the previous match.
/// let m = set.find_at(b"a==b", 2).unwrap();
/// assert_eq!((m.start, m.end), (2, 3));
/// ```
#[derive(Clone, Debug)]
pub struct DelimiterSet {
    patterns: Vec<Vec<u8>>,
    /// Maps an engine-internal pattern id to the caller's index.
    ids: Vec<usize>,
    engine: Engine,
    max_len: usize,
}

impl DelimiterSet {
    /// Compiles a delimiter set. Empty delimiters are ignored; duplicates are
    /// harmless (the first one's index is reported).
    pub fn new<P: AsRef<[u8]>>(delimiters: &[P]) -> DelimiterSet {
        // Stable sort by length: shortest first, ties in the caller's order, so
        // leftmost-first preference becomes "shortest at the same start".
        let mut order: Vec<usize> = (0..delimiters.len())
            .filter(|&i| !delimiters[i].as_ref().is_empty())
            .collect();
        order.sort_by_key(|&i| delimiters[i].as_ref().len());
        let mut ids = Vec::new();
        let mut sorted: Vec<&[u8]> = Vec::new();
        for i in order {
            let p = delimiters[i].as_ref();
            if !sorted.contains(&p) {
                sorted.push(p);
                ids.push(i);
            }
        }
        let max_len = sorted.iter().map(|p| p.len()).max().unwrap_or(0);
        let all_single = sorted.iter().all(|p| p.len() == 1);
        let engine = match (sorted.len(), all_single) {
            (0, _) => Engine::Never,
            (1, true) => Engine::Bytes1(sorted[0][0]),
            (2, true) => Engine::Bytes2(sorted[0][0], sorted[1][0]),
            (3, true) => Engine::Bytes3(sorted[0][0], sorted[1][0], sorted[2][0]),
            (1, false) => Engine::One(Box::new(memmem::Finder::new(sorted[0]).into_owned())),
            _ => match first_bytes(&sorted) {
                Some(firsts) => Engine::FirstBytes(firsts),
                None => Engine::Many(
                    AhoCorasickBuilder::new()
                        .match_kind(MatchKind::LeftmostFirst)
                        .build(&sorted)
                        // Only possible for absurdly large pattern sets; fail
                        // loudly at construction rather than mis-split later.
                        .expect("delimiter set too large for aho-corasick"),
                ),
            },
        };
        let patterns = delimiters.iter().map(|p| p.as_ref().to_vec()).collect();
        DelimiterSet {
            patterns,
            ids,
            engine,
            max_len,
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
            let id = *self.ids.iter().find(|&&id| self.patterns[id][0] == hay[start])?;
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
            Engine::FirstBytes(firsts) => {
                let mut at = from;
                loop {
                    let i = match firsts[..] {
                        [a] => memchr::memchr(a, &hay[at..]),
                        [a, b] => memchr::memchr2(a, b, &hay[at..]),
                        [a, b, c] => memchr::memchr3(a, b, c, &hay[at..]),
                        _ => None,
                    }?;
                    if let Some(m) = self.match_at(hay, at + i) {
                        return Some(m);
                    }
                    at += i + 1;
                }
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

    /// Does a delimiter start exactly at `at`? Returns the shortest one.
    pub fn match_at(&self, hay: &[u8], at: usize) -> Option<Match> {
        let tail = hay.get(at..)?;
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
        let set = DelimiterSet::new(delims);
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
        let set = DelimiterSet::new(&["", "bb", "b"]);
        let m = set.find_at(b"abb", 0).unwrap();
        assert_eq!((m.start, m.end, m.pattern), (1, 2, 2));
        assert!(DelimiterSet::new(&["", ""]).is_empty());
        assert_eq!(set.max_len(), 2);
        assert_eq!(set.match_at(b"abb", 1).map(|m| m.pattern), Some(2));
        assert_eq!(set.match_at(b"abb", 0), None);
    }

    #[test]
    fn find_at_past_the_end_finds_nothing() {
        let set = DelimiterSet::new(&[","]);
        assert_eq!(set.find_at(b"a,", 5), None);
        assert_eq!(set.find_before(b"a,", 0, 1), None);
    }

    #[test]
    fn sets_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<DelimiterSet>();
    }
}
