//! `ParallelStringExt` and `ParallelBytesExt`: the parallel operations as methods
//! on `str` and `[u8]`. They run on the current rayon pool, so
//! `pool.install(|| text.par_split(..))` chooses the threads; the work itself
//! lives in the modules the methods delegate to.
//!
//! `par_split` shares its name with rayon's `ParallelString::par_split`. Code that
//! imports both `rayon::prelude::*` and this trait gets an ambiguity error for
//! `text.par_split(..)`: import `rayon::iter::ParallelIterator` (what you need to
//! consume our iterators) instead of rayon's prelude, or call
//! `ParallelStringExt::par_split(text, ..)`.

use std::borrow::Cow;

use rayon::iter::{Map, ParallelIterator};

use super::plan::{chunk_ranges, resolve_chunk_size, terminated_ranges};
use super::process::map_ranges;
use super::search::ParallelSearcher;
use super::segments::{ParSplit, Pool, Source};
use super::split::plain_options;

/// Parallel operations on a `&str`, each returning exactly what its sequential
/// twin returns, in order.
pub trait ParallelStringExt {
    /// The segments between `delimiters`, like `str::split` but for any set of
    /// string delimiters (leftmost match, shortest at the same start; empty
    /// delimiters ignored; see [`crate::matcher`]). Empty segments are kept.
    ///
    /// Semantically the same as
    /// `ParallelSplit::new().split_parallel(self, delimiters).map(|s| s.string)`
    /// and, for one delimiter `d`, as `self.split(d)`; but no `Split` records are
    /// built. Lazy: nothing is stored, so `count()` or `for_each` over any input
    /// costs memory for the chunk plan only. Chunks of
    /// [`DEFAULT_CHUNK_SIZE`](super::DEFAULT_CHUNK_SIZE) on the current pool; for
    /// other options use [`SplitOptions::par_split`](crate::string::SplitOptions::par_split)
    /// or [`ParallelSplit`](super::ParallelSplit).
    ///
    /// # Panics
    ///
    /// When the delimiter set cannot be compiled (gigabytes of delimiters).
    ///
    /// # Example
    ///
    /// ```
    /// use rayon::iter::ParallelIterator;
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let log = "GET /a\r\nPOST /b\nPUT /c";
    /// let lines: Vec<&str> = log.par_split(&["\r\n", "\n"]).collect();
    /// assert_eq!(lines, ["GET /a", "POST /b", "PUT /c"]);
    /// ```
    fn par_split<'a>(&'a self, delimiters: &[&str]) -> ParSplit<'a, &'a str>;

    /// `mapper` applied to every segment of [`par_split`](Self::par_split), in
    /// parallel, lazily: `par_split(delimiters).map(mapper)`. Ordered consumers
    /// see the results in segment order.
    ///
    /// ```
    /// use rayon::iter::ParallelIterator;
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let lengths: Vec<usize> = "a,bb,,ccc".par_split_map(&[","], |s| s.len()).collect();
    /// assert_eq!(lengths, [1, 2, 0, 3]);
    /// ```
    fn par_split_map<'a, R, F>(&'a self, delimiters: &[&str], mapper: F) -> Map<ParSplit<'a, &'a str>, F>
    where
        F: Fn(&'a str) -> R + Send + Sync,
        R: Send;

    /// Every match of every pattern, as `(byte position, matched text)`, sorted by
    /// position, then by the pattern's index in `patterns`; the input is read once
    /// for all patterns. Semantically the same as
    ///
    /// ```text
    /// let mut all: Vec<_> = patterns.iter().enumerate()
    ///     .flat_map(|(i, p)| s.match_indices(p).map(move |(pos, m)| (pos, i, m)))
    ///     .collect();
    /// all.sort_by_key(|&(pos, i, _)| (pos, i));
    /// all.into_iter().map(|(pos, _, m)| (pos, m)).collect::<Vec<_>>()
    /// ```
    ///
    /// so each pattern's matches are leftmost and non-overlapping, while matches
    /// of different patterns may overlap. Empty patterns are ignored (they never
    /// match); a pattern listed twice is reported twice. See
    /// [`ParallelSearcher`] to compile the patterns once, or to set the chunk size.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let log = "aaaa error: disk; warning: error";
    /// assert_eq!(
    ///     log.par_find_all(&["error", "aa", "warning"]),
    ///     vec![(0, "aa"), (2, "aa"), (5, "error"), (18, "warning"), (27, "error")],
    /// );
    /// ```
    fn par_find_all(&self, patterns: &[&str]) -> Vec<(usize, &str)>;

    /// Per pattern, in the order given, how many matches
    /// [`par_find_all`](Self::par_find_all) reports for it, without materialising
    /// the matches.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// assert_eq!("aaaa".par_count(&["aa", "a", ""]), vec![2, 4, 0]);
    /// ```
    fn par_count(&self, patterns: &[&str]) -> Vec<usize>;

    /// `f` applied in parallel to consecutive, non-empty chunks of about
    /// `chunk_size` bytes (`0` means [`DEFAULT_CHUNK_SIZE`](super::DEFAULT_CHUNK_SIZE),
    /// and an input is cut into at most 65,536 chunks; a chunk grows by at most 3 bytes to
    /// end on a character boundary); the chunks' concatenation is `self`, and the
    /// results are in input order. An empty input has no chunks.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let chunks = "héllo".par_process(2, |c| c.to_string());
    /// assert_eq!(chunks, vec!["hé", "ll", "o"]);
    /// ```
    fn par_process<'a, F, R>(&'a self, chunk_size: usize, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a str) -> R + Sync + Send;

    /// Like [`par_process`](Self::par_process), but every chunk except the last
    /// ends right after an occurrence of `terminator` (whole lines for `'\n'`):
    /// a chunk is at least `chunk_size` bytes (`0`: automatic, as for
    /// `par_process`) and grows to the next terminator.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let lines = "a\nbb\nccc\nd".par_process_delimited(3, '\n', |c| c.lines().count());
    /// assert_eq!(lines, vec![2, 1, 1]); // "a\nbb\n", "ccc\n", "d"
    /// ```
    fn par_process_delimited<'a, F, R>(&'a self, chunk_size: usize, terminator: char, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a str) -> R + Sync + Send;
}

impl ParallelStringExt for str {
    fn par_split<'a>(&'a self, delimiters: &[&str]) -> ParSplit<'a, &'a str> {
        let options = Cow::Owned(plain_options(delimiters));
        ParSplit::new(options, Source::str(self), 0, false, Pool::Threads(None))
    }

    fn par_split_map<'a, R, F>(&'a self, delimiters: &[&str], mapper: F) -> Map<ParSplit<'a, &'a str>, F>
    where
        F: Fn(&'a str) -> R + Send + Sync,
        R: Send,
    {
        ParallelStringExt::par_split(self, delimiters).map(mapper)
    }

    fn par_find_all(&self, patterns: &[&str]) -> Vec<(usize, &str)> {
        ParallelSearcher::new(patterns).find_all_map(self.as_bytes(), |m| (m.start, &self[m.start..m.end]))
    }

    fn par_count(&self, patterns: &[&str]) -> Vec<usize> {
        ParallelSearcher::new(patterns).count(self.as_bytes())
    }

    fn par_process<'a, F, R>(&'a self, chunk_size: usize, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a str) -> R + Sync + Send,
    {
        map_ranges(
            &chunk_ranges(self.as_bytes(), resolve_chunk_size(chunk_size), true),
            |r| f(&self[r]),
        )
    }

    fn par_process_delimited<'a, F, R>(&'a self, chunk_size: usize, terminator: char, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a str) -> R + Sync + Send,
    {
        let mut buf = [0; 4];
        let terminator = terminator.encode_utf8(&mut buf).as_bytes();
        map_ranges(
            &terminated_ranges(
                self.as_bytes(),
                0..self.len(),
                resolve_chunk_size(chunk_size),
                terminator,
            ),
            |r| f(&self[r]),
        )
    }
}

/// Parallel operations on bytes that need not be UTF-8: the twins of
/// [`ParallelStringExt`].
pub trait ParallelBytesExt {
    /// The segments between byte `delimiters`, as
    /// [`ParallelStringExt::par_split`].
    ///
    /// # Panics
    ///
    /// When the delimiter set cannot be compiled (gigabytes of delimiters).
    ///
    /// ```
    /// use rayon::iter::ParallelIterator;
    /// use strs_tools::parallel::ParallelBytesExt;
    ///
    /// let parts: Vec<&[u8]> = b"a\xff\xfeb".par_split(&[b"\xff\xfe"]).collect();
    /// assert_eq!(parts, [&b"a"[..], &b"b"[..]]);
    /// ```
    fn par_split<'a, P: AsRef<[u8]>>(&'a self, delimiters: &[P]) -> ParSplit<'a, &'a [u8]>;

    /// Every match of every pattern, as `(byte position, matched bytes)`, with the
    /// semantics of [`ParallelStringExt::par_find_all`].
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelBytesExt;
    ///
    /// let hay: &[u8] = b"\xffab\x00ab";
    /// assert_eq!(hay.par_find_all(&[b"ab", b"\x00"]), vec![(1, &b"ab"[..]), (3, &b"\x00"[..]), (4, &b"ab"[..])]);
    /// ```
    fn par_find_all(&self, patterns: &[&[u8]]) -> Vec<(usize, &[u8])>;

    /// Per pattern, in the order given, how many matches
    /// [`par_find_all`](Self::par_find_all) reports for it.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelBytesExt;
    ///
    /// assert_eq!(b"\xff\xff\xff".par_count(&[b"\xff\xff"]), vec![1]);
    /// ```
    fn par_count(&self, patterns: &[&[u8]]) -> Vec<usize>;

    /// `f` applied in parallel to consecutive, non-empty chunks of exactly
    /// `chunk_size` bytes (`0` means [`DEFAULT_CHUNK_SIZE`](super::DEFAULT_CHUNK_SIZE);
    /// the last may be shorter, and an input is cut into at most 65,536 chunks,
    /// larger ones if need be), results in input order.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelBytesExt;
    ///
    /// assert_eq!(b"abcde".par_process(2, |c| c.len()), vec![2, 2, 1]);
    /// ```
    fn par_process<'a, F, R>(&'a self, chunk_size: usize, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a [u8]) -> R + Sync + Send;

    /// Like [`par_process`](Self::par_process), but every chunk except the last
    /// ends right after a `terminator` byte; a chunk is at least `chunk_size`
    /// bytes (`0`: automatic, as for `par_process`) and grows to the next
    /// terminator.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::ParallelBytesExt;
    ///
    /// let chunks = b"a\nbb\nccc".par_process_delimited(1, b'\n', |c| c.to_vec());
    /// assert_eq!(chunks, vec![b"a\n".to_vec(), b"bb\n".to_vec(), b"ccc".to_vec()]);
    /// ```
    fn par_process_delimited<'a, F, R>(&'a self, chunk_size: usize, terminator: u8, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a [u8]) -> R + Sync + Send;
}

impl ParallelBytesExt for [u8] {
    fn par_split<'a, P: AsRef<[u8]>>(&'a self, delimiters: &[P]) -> ParSplit<'a, &'a [u8]> {
        let options = Cow::Owned(plain_options(delimiters));
        ParSplit::new(options, Source::bytes(self), 0, false, Pool::Threads(None))
    }

    fn par_find_all(&self, patterns: &[&[u8]]) -> Vec<(usize, &[u8])> {
        ParallelSearcher::new(patterns).find_all_map(self, |m| (m.start, &self[m.start..m.end]))
    }

    fn par_count(&self, patterns: &[&[u8]]) -> Vec<usize> {
        ParallelSearcher::new(patterns).count(self)
    }

    fn par_process<'a, F, R>(&'a self, chunk_size: usize, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a [u8]) -> R + Sync + Send,
    {
        map_ranges(&chunk_ranges(self, resolve_chunk_size(chunk_size), false), |r| {
            f(&self[r])
        })
    }

    fn par_process_delimited<'a, F, R>(&'a self, chunk_size: usize, terminator: u8, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a [u8]) -> R + Sync + Send,
    {
        map_ranges(
            &terminated_ranges(self, 0..self.len(), resolve_chunk_size(chunk_size), &[terminator]),
            |r| f(&self[r]),
        )
    }
}
