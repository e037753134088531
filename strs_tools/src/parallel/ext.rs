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

use rayon::iter::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};

use super::segments::ParSegments;
use super::split::{plain_options, segments_bytes, segments_str, ChunkOutput, DEFAULT_CHUNK_SIZE};

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
    /// built. Chunks of 1 MiB; for other options use [`ParallelSplit`](super::ParallelSplit).
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
    fn par_split<'a>(&'a self, delimiters: &[&str]) -> ParSegments<&'a str>;

    /// The segments of [`par_split`](Self::par_split), one `Vec` per chunk, in
    /// order (their concatenation is `par_split`'s output): for per-chunk work,
    /// and the seed's `par_split(..).flat_map(|chunk| chunk.into_iter())` style.
    ///
    /// ```
    /// use rayon::iter::ParallelIterator;
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let text = "a\nb\nc";
    /// let lines: Vec<&str> = text.par_split_chunks(&["\n"]).flat_map_iter(|chunk| chunk.into_iter()).collect();
    /// assert_eq!(lines, ["a", "b", "c"]);
    /// ```
    fn par_split_chunks<'a>(
        &'a self,
        delimiters: &[&str],
    ) -> impl IndexedParallelIterator<Item = Vec<&'a str>> + 'a;

    /// `mapper` applied to every segment of [`par_split`](Self::par_split), in
    /// parallel; the results in segment order.
    ///
    /// ```
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let lengths = "a,bb,,ccc".par_split_map(&[","], |s| s.len());
    /// assert_eq!(lengths, [1, 2, 0, 3]);
    /// ```
    fn par_split_map<R, F>(&self, delimiters: &[&str], mapper: F) -> Vec<R>
    where
        F: Fn(&str) -> R + Send + Sync,
        R: Send;
}

impl ParallelStringExt for str {
    fn par_split<'a>(&'a self, delimiters: &[&str]) -> ParSegments<&'a str> {
        ParSegments::new(segments_str(self, &plain_options(delimiters), DEFAULT_CHUNK_SIZE))
    }

    fn par_split_chunks<'a>(
        &'a self,
        delimiters: &[&str],
    ) -> impl IndexedParallelIterator<Item = Vec<&'a str>> + 'a {
        segments_str(self, &plain_options(delimiters), DEFAULT_CHUNK_SIZE)
            .into_par_iter()
            .map(ChunkOutput::into_vec)
    }

    fn par_split_map<R, F>(&self, delimiters: &[&str], mapper: F) -> Vec<R>
    where
        F: Fn(&str) -> R + Send + Sync,
        R: Send,
    {
        ParallelStringExt::par_split(self, delimiters)
            .map(mapper)
            .collect()
    }
}

/// Parallel operations on bytes that need not be UTF-8: the twins of
/// [`ParallelStringExt`].
pub trait ParallelBytesExt {
    /// The segments between `delimiters`, as [`ParallelStringExt::par_split`].
    ///
    /// ```
    /// use rayon::iter::ParallelIterator;
    /// use strs_tools::parallel::ParallelBytesExt;
    ///
    /// let parts: Vec<&[u8]> = b"\xff,\xfe".par_split(&[","]).collect();
    /// assert_eq!(parts, [&b"\xff"[..], &b"\xfe"[..]]);
    /// ```
    fn par_split<'a>(&'a self, delimiters: &[&str]) -> ParSegments<&'a [u8]>;
}

impl ParallelBytesExt for [u8] {
    fn par_split<'a>(&'a self, delimiters: &[&str]) -> ParSegments<&'a [u8]> {
        ParSegments::new(segments_bytes(
            self,
            &plain_options(delimiters),
            DEFAULT_CHUNK_SIZE,
        ))
    }
}
