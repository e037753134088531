//! [`ParallelSplit`]: how to run a split in parallel (chunk size, threads,
//! windows, the longest buffered record, NUMA), over any compiled
//! [`SplitOptions`]. What to split on is the options' business; the engine is
//! `stitch` (entry states) and `segments` (the lazy iterator).

use std::borrow::Cow;
use std::sync::Arc;

use super::segments::{ParSplit, Pool, Source};
use super::{pool, NumaStringProcessor};
use crate::matcher::DelimiterSet;
use crate::string::{ByteSplit, Split, SplitOptions};

/// The default window of the windowed and streaming splits: 16 MiB.
pub const DEFAULT_WINDOW: usize = 16 << 20;

/// The default longest record (segment, or unclosed quoted section) a streaming
/// split buffers: 64 MiB.
pub const DEFAULT_MAX_RECORD: usize = 64 << 20;

/// `str::split` semantics for `delimiters`: segments only, empty segments kept,
/// no stripping or quoting.
///
/// # Panics
///
/// When the delimiter set cannot be compiled (gigabytes of delimiters).
pub(crate) fn plain_options<P: AsRef<[u8]>>(delimiters: &[P]) -> SplitOptions {
    SplitOptions {
        delimiters: DelimiterSet::new(delimiters)
            .expect("delimiter set too large to compile; build SplitOptions to handle the error"),
        // The `&str` shorthands take `&str` delimiters; the byte ones split bytes.
        str_delimiters: None,
        quotes: None,
        preserving_empty: true,
        preserving_delimiters: false,
        preserving_quoting: false,
        stripping: false,
    }
}

/// How to run a split in parallel: chunk size, threads (or NUMA pools), and for
/// the windowed and streaming splits the window and the longest record. What to
/// split on is a compiled [`SplitOptions`] (see
/// [`split_with`](Self::split_with)); [`split_parallel`](Self::split_parallel)
/// is the shorthand for `str::split` semantics.
///
/// Whatever the options, chunk size and thread count, the result is exactly the
/// sequential split's, in the same order.
///
/// # Example
///
/// ```
/// use rayon::iter::ParallelIterator;
/// use strs_tools::parallel::ParallelSplit;
/// use strs_tools::string::split;
///
/// let text = "a==b=c\n".repeat(1000);
/// let opts = split().delimiters(["=", "=="]).preserving_delimiters(false).preserving_empty(true).build()?;
/// let parallel: Vec<String> = ParallelSplit::new()
///     .chunk_size(7)
///     .threads(2)
///     .split_with(&opts, &text)
///     .map(String::from)
///     .collect();
/// let sequential: Vec<String> = opts.split(&text).map(String::from).collect();
/// assert_eq!(parallel, sequential);
/// # Ok::<(), strs_tools::matcher::BuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ParallelSplit {
    pub(crate) chunk_size: usize,
    pub(crate) threads: Option<usize>,
    pub(crate) load_balance: bool,
    pub(crate) window: usize,
    pub(crate) max_record: usize,
    pub(crate) numa: Option<Arc<NumaStringProcessor>>,
}

impl Default for ParallelSplit {
    fn default() -> Self {
        ParallelSplit::new()
    }
}

impl ParallelSplit {
    /// Automatic chunk size, the current rayon pool, load balancing on, 16 MiB
    /// windows, 64 MiB records.
    pub fn new() -> ParallelSplit {
        ParallelSplit {
            chunk_size: 0,
            threads: None,
            load_balance: true,
            window: DEFAULT_WINDOW,
            max_record: DEFAULT_MAX_RECORD,
            numa: None,
        }
    }

    /// The nominal chunk size in bytes; `0` (the default) means
    /// [`DEFAULT_CHUNK_SIZE`](super::DEFAULT_CHUNK_SIZE). Any size gives the same
    /// result; smaller chunks balance better and cost more bookkeeping. An input
    /// is never cut into more than 65,536 chunks: a smaller size is raised.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes;
        self
    }

    /// Run on a dedicated pool of `count` threads, built once per count and reused
    /// by every later call. `0` means the current pool (all available threads by
    /// default); counts above [`MAX_THREADS`](super::MAX_THREADS) are clamped.
    pub fn threads(mut self, count: usize) -> Self {
        self.threads = pool::normalize_threads(count);
        self
    }

    /// For the windowed and streaming splits
    /// ([`split_bytes_windows`](Self::split_bytes_windows),
    /// [`split_reader`](Self::split_reader)): how many new bytes each window
    /// covers (default 16 MiB, at least 1). Memory is about a window's pieces.
    pub fn window(mut self, bytes: usize) -> Self {
        self.window = bytes.max(1);
        self
    }

    /// For [`split_reader`](Self::split_reader): the longest record (segment,
    /// or unclosed quoted section) it buffers before giving up with an error
    /// (default 64 MiB, at least 1).
    pub fn max_record(mut self, bytes: usize) -> Self {
        self.max_record = bytes.max(1);
        self
    }

    /// Run on the NUMA processor's pinned pools (see
    /// [`NumaStringProcessor::install`]) instead of the thread setting's pool. On
    /// a one-node machine this is the current pool, as without it.
    pub fn numa(mut self, processor: Arc<NumaStringProcessor>) -> Self {
        self.numa = Some(processor);
        self
    }

    /// `true` (default): chunks are handed out by work stealing, so uneven chunks
    /// balance. `false`: each thread plans one contiguous share of the chunks
    /// (static partitioning), which can be slightly cheaper on uniform input.
    pub fn load_balance(mut self, yes: bool) -> Self {
        self.load_balance = yes;
        self
    }

    /// The pool this split is configured for.
    pub(crate) fn pool(&self) -> Pool {
        match &self.numa {
            Some(processor) => Pool::Numa(Arc::clone(processor)),
            None => Pool::Threads(self.threads),
        }
    }

    /// Runs `op` on the pool this split is configured for.
    pub(crate) fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        self.pool().install(op)
    }

    fn lazy<'a, T>(&self, options: Cow<'a, SplitOptions>, src: Source<'a>) -> ParSplit<'a, T> {
        ParSplit::new(options, src, self.chunk_size, !self.load_balance, self.pool())
    }

    /// Splits `input` on `delimiters` with `str::split` semantics (segments only,
    /// empty segments kept), as a lazy parallel iterator of [`Split`]s in the
    /// sequential order. The set is compiled on every call: compile
    /// [`SplitOptions`] once and call [`split_with`](Self::split_with) in loops.
    ///
    /// # Panics
    ///
    /// When the delimiter set cannot be compiled (gigabytes of delimiters).
    ///
    /// # Example
    ///
    /// ```
    /// use rayon::iter::ParallelIterator;
    /// use strs_tools::parallel::ParallelSplit;
    ///
    /// let text = "a\nb\n\nc";
    /// let lines: Vec<String> = ParallelSplit::new().chunk_size(2).threads(2)
    ///     .split_parallel(text, &["\n"]).map(String::from).collect();
    /// assert_eq!(lines, text.split('\n').collect::<Vec<_>>());
    /// ```
    pub fn split_parallel<'a>(&self, input: &'a str, delimiters: &[&str]) -> ParSplit<'a, Split<'a>> {
        self.lazy(Cow::Owned(plain_options(delimiters)), Source::str(input))
    }

    /// Splits `input` with any compiled options, as a lazy parallel iterator of
    /// the [`Split`]s [`SplitOptions::split`] yields, in the same order.
    pub fn split_with<'a>(&self, options: &'a SplitOptions, input: &'a str) -> ParSplit<'a, Split<'a>> {
        self.lazy(Cow::Borrowed(options), Source::str(input))
    }

    /// The bytes twin of [`split_parallel`](Self::split_parallel), for input
    /// that need not be UTF-8, with byte delimiters.
    ///
    /// # Panics
    ///
    /// When the delimiter set cannot be compiled (gigabytes of delimiters).
    ///
    /// ```
    /// use rayon::iter::ParallelIterator;
    /// use strs_tools::parallel::ParallelSplit;
    ///
    /// let parts = ParallelSplit::new().split_parallel_bytes(b"a\xffb", &[b"\xff"]).count();
    /// assert_eq!(parts, 2);
    /// ```
    pub fn split_parallel_bytes<'a, P: AsRef<[u8]>>(
        &self,
        input: &'a [u8],
        delimiters: &[P],
    ) -> ParSplit<'a, ByteSplit<'a>> {
        self.lazy(Cow::Owned(plain_options(delimiters)), Source::bytes(input))
    }

    /// The bytes twin of [`split_with`](Self::split_with): the
    /// [`ByteSplit`]s of [`SplitOptions::split_bytes`] (stripping trims ASCII
    /// whitespace).
    pub fn split_with_bytes<'a>(
        &self,
        options: &'a SplitOptions,
        input: &'a [u8],
    ) -> ParSplit<'a, ByteSplit<'a>> {
        self.lazy(Cow::Borrowed(options), Source::bytes(input))
    }
}

#[cfg(test)]
mod tests {
    use rayon::iter::ParallelIterator;

    use super::*;
    use crate::parallel::{numa, plan, NumaTopology};
    use crate::string::split;

    /// The split runs on the pool it is configured for: a dedicated pool of
    /// `threads(n)`, or the NUMA processor's pools when set.
    #[test]
    fn splits_run_on_the_configured_pool() {
        let threads_seen = |ps: &ParallelSplit| {
            ps.split_parallel("a,b,c", &[","])
                .map(|_| rayon::current_num_threads())
                .collect::<Vec<_>>()
        };
        assert_eq!(threads_seen(&ParallelSplit::new().threads(3)), [3, 3, 3]);
        let cpus = numa::current_thread_cpus().unwrap_or_default();
        if cpus.len() >= 2 {
            // One fake node per CPU: the processor's machine-wide pool has one
            // pinned worker per CPU, whatever `threads` says.
            let topology = NumaTopology::from_nodes(cpus.iter().enumerate().map(|(i, &c)| (i, vec![c])));
            let processor = Arc::new(NumaStringProcessor::with_topology(topology));
            let ps = ParallelSplit::new().threads(1).numa(processor);
            assert_eq!(threads_seen(&ps), vec![cpus.len(); 3]);
        }
    }

    /// A 1-byte chunk size over 16 MiB once meant 16 million chunks (5.6 GB):
    /// the plan is capped, for the plain and the quoting engine alike.
    #[test]
    fn a_one_byte_chunk_size_over_16_mib_is_capped() {
        let text = "ab,cd\n".repeat((16 << 20) / 6);
        let quoting = split().delimiter(",").quoting(true).build().unwrap();
        let ps = ParallelSplit::new().chunk_size(1).threads(2);
        let plain = ps.split_parallel(&text, &["\n"]);
        assert!(plain.chunk_count() <= plan::MAX_CHUNKS);
        assert!(plain.chunk_count() > 1);
        let quoted = ps.split_with(&quoting, &text);
        assert!(quoted.chunk_count() <= plan::MAX_CHUNKS);
        assert_eq!(plain.count(), text.len() / 6 + 1);
        assert_eq!(quoted.count(), quoting.split(&text).count());
    }
}
