//! The exact parallel split: chunks are scanned speculatively in parallel, then a
//! short serial pass stitches them to the sequential scan.
//!
//! Chunk `k` (bytes `c_k..c_k+1`) is scanned from `c_k` as if `c_k` were inside a
//! segment, outside quotes; the first segment it finds (its "head") is kept raw,
//! the ones after it are finished into output, and the first few of those record
//! a checkpoint `(segment start, output length)`. The serial pass carries the
//! *true* scan state from chunk to chunk. Where the true state at `c_k` equals the
//! speculative one (the common case), the head is the tail of the true segment in
//! progress and everything after it is already right. Otherwise (a delimiter or
//! quote straddling the cut, overlapping delimiters, a cut inside quotes) the
//! serial pass re-scans from the true state until it reaches a segment start that
//! is a checkpoint: from a segment start the scan is deterministic, so the
//! speculative output from there on is the sequential output. The serial work is
//! one comparison per chunk plus the rare re-scans, which end at the next
//! checkpoint (in adversarial input, such as `"aaaa…"` split on `"aa"` with an odd
//! cut, they may take a whole chunk: still exact, only slower).

use std::ops::Range;

use rayon::prelude::*;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::segments::ParallelSplitIterator;
use super::{plan, pool, NumaStringProcessor};
use crate::string::scan::{RawSegment, ScanState, Scanner, Space};
use crate::string::{emit_bytes, emit_str, split, ByteSplit, Split, SplitOptions};

/// How many checkpoints a chunk records. Re-scans normally sync at the first or
/// second segment start; past this many the chunk is re-scanned whole.
const CHECKPOINTS: usize = 8;

/// What the parallel phase found in one chunk.
struct ChunkScan<T> {
    /// The first segment found, which began at the chunk start mid-segment
    /// (`None` for chunk 0, or if no segment ended inside the chunk).
    head: Option<RawSegment>,
    /// `(segment start, body length before it)` for the first segments after the
    /// head.
    checkpoints: Vec<(usize, usize)>,
    /// Finished output of every segment after the head.
    body: Vec<T>,
    /// The scan state at the chunk end, or `None` if the input ended.
    exit: Option<ScanState>,
}

/// One chunk's share of the final output: serial-pass output, then the body from
/// `skip` on.
pub(crate) struct ChunkOutput<T> {
    prefix: Vec<T>,
    body: Vec<T>,
    skip: usize,
}

impl<T> ChunkOutput<T> {
    /// A chunk that is the whole output (a sequential run).
    fn whole(items: Vec<T>) -> ChunkOutput<T> {
        ChunkOutput {
            prefix: Vec::new(),
            body: items,
            skip: 0,
        }
    }

    /// The chunk's items, in order.
    pub(crate) fn into_items(
        self,
    ) -> std::iter::Chain<std::vec::IntoIter<T>, std::iter::Skip<std::vec::IntoIter<T>>> {
        self.prefix
            .into_iter()
            .chain(self.body.into_iter().skip(self.skip))
    }

    /// How many items the chunk contributes.
    pub(crate) fn len(&self) -> usize {
        self.prefix.len() + self.body.len() - self.skip
    }

    /// The chunk's items as (at most) two slices, in order.
    pub(crate) fn parts_mut(&mut self) -> [&mut [T]; 2] {
        [&mut self.prefix, &mut self.body[self.skip..]]
    }

    /// The chunk's items, collected.
    pub(crate) fn into_vec(mut self) -> Vec<T> {
        if self.prefix.is_empty() && self.skip == 0 {
            return self.body;
        }
        self.prefix.extend(self.body.drain(self.skip..));
        self.prefix
    }
}

/// Scans one chunk from its nominal start (see the module docs).
fn scan_chunk<T>(
    scanner: &Scanner<'_>,
    hay: &[u8],
    range: Range<usize>,
    entry: Option<ScanState>,
    emit: &(impl Fn(&RawSegment, &mut Vec<T>) + Sync),
) -> ChunkScan<T> {
    // The first chunk starts from the true state; the others speculate.
    let mut in_head = entry.is_none();
    let mut state = entry.unwrap_or(ScanState::mid_segment(range.start));
    let mut scan = ChunkScan {
        head: None,
        checkpoints: Vec::new(),
        // Most pieces are lines or fields well over 32 bytes: reserving for that
        // many saves the repeated growth copies of a 1 MiB chunk's output.
        body: Vec::with_capacity((range.len() / 32).min(1 << 20)),
        exit: None,
    };
    while let Some(seg) = scanner.advance(hay, &mut state, range.end) {
        if in_head {
            scan.head = Some(seg);
            in_head = false;
        } else {
            if scan.checkpoints.len() < CHECKPOINTS {
                scan.checkpoints.push((seg.start, scan.body.len()));
            }
            emit(&seg, &mut scan.body);
        }
    }
    scan.exit = (!state.done).then_some(state);
    scan
}

/// The serial pass: turns speculative chunk scans into exact chunk outputs.
fn stitch<T>(
    scanner: &Scanner<'_>,
    hay: &[u8],
    ranges: &[Range<usize>],
    scans: Vec<ChunkScan<T>>,
    emit: &impl Fn(&RawSegment, &mut Vec<T>),
) -> (Vec<ChunkOutput<T>>, Option<ScanState>) {
    let mut outputs = Vec::with_capacity(scans.len());
    let mut truth: Option<ScanState> = None;
    for (k, scan) in scans.into_iter().enumerate() {
        let mut out = ChunkOutput {
            prefix: Vec::new(),
            body: scan.body,
            skip: 0,
        };
        if k == 0 {
            truth = scan.exit;
            outputs.push(out);
            continue;
        }
        let Some(t) = truth else {
            // The input ended in an earlier chunk.
            out.skip = out.body.len();
            outputs.push(out);
            continue;
        };
        let c = ranges[k].start;
        if t.pos == c && t.mode == ScanState::mid_segment(c).mode && t.quote.is_none() {
            // The speculative entry was right: only the segment start differs.
            match scan.head {
                Some(head) => {
                    emit(
                        &RawSegment {
                            start: t.seg_start,
                            ..head
                        },
                        &mut out.prefix,
                    );
                    truth = scan.exit;
                }
                None => {
                    truth = scan.exit.map(|s| ScanState {
                        seg_start: t.seg_start,
                        ..s
                    })
                }
            }
            outputs.push(out);
            continue;
        }
        // Re-scan from the true state until a checkpoint or the chunk end.
        let mut st = t;
        let sync = |st: &ScanState| {
            let at_segment_start = st.seg_start == st.pos && st.quote.is_none();
            at_segment_start
                .then(|| scan.checkpoints.iter().find(|cp| cp.0 == st.pos))
                .flatten()
                .map(|cp| cp.1)
        };
        truth = loop {
            if let Some(skip) = sync(&st) {
                out.skip = skip;
                break scan.exit;
            }
            match scanner.advance(hay, &mut st, ranges[k].end) {
                Some(seg) => {
                    emit(&seg, &mut out.prefix);
                    if st.done {
                        out.skip = out.body.len();
                        break None;
                    }
                }
                None => {
                    out.skip = out.body.len();
                    break Some(st);
                }
            }
        };
        outputs.push(out);
    }
    (outputs, truth)
}

/// Splits `hay` in chunks of about `chunk_size` bytes on the current rayon pool,
/// finishing each raw segment with `emit`; the concatenation of the outputs is
/// exactly what a sequential scan with `emit` produces.
pub(crate) fn split_chunks<T: Send>(
    hay: &[u8],
    options: &SplitOptions,
    space: Space,
    chunk_size: usize,
    static_partition: bool,
    emit: impl Fn(&RawSegment, &mut Vec<T>) + Sync,
) -> Vec<ChunkOutput<T>> {
    let entry = ScanState::segment_start(0, options.quoting());
    let job = SplitJob {
        options,
        space,
        chunk_size,
        static_partition,
    };
    job.split_range(hay, hay.len(), entry, &emit).0
}

/// One parallel split's settings, for [`SplitJob::split_range`].
pub(crate) struct SplitJob<'o> {
    pub(crate) options: &'o SplitOptions,
    pub(crate) space: Space,
    pub(crate) chunk_size: usize,
    pub(crate) static_partition: bool,
}

impl SplitJob<'_> {
    /// Continues the scan in `entry` (the true state, at `entry.pos`) up to
    /// `end`, in parallel chunks. Returns the outputs and the true state at
    /// `end` (`None` if the input ended). With `end < hay.len()`, every segment
    /// that can be decided from the bytes before `end` plus the lookahead is
    /// emitted; the caller must keep [`lookahead`] bytes after `end` available.
    pub(crate) fn split_range<T: Send>(
        &self,
        hay: &[u8],
        end: usize,
        entry: ScanState,
        emit: &(impl Fn(&RawSegment, &mut Vec<T>) + Sync),
    ) -> (Vec<ChunkOutput<T>>, Option<ScanState>) {
        let scanner = self.options.scanner(self.space);
        let start = entry.pos.min(end);
        // On one thread, chunks would only add bookkeeping: scan sequentially.
        let chunk_size = if rayon::current_num_threads() == 1 {
            usize::MAX
        } else {
            self.chunk_size
        };
        let mut ranges: Vec<Range<usize>> = plan::chunk_ranges(&hay[start..end], chunk_size, false)
            .into_iter()
            .map(|r| r.start + start..r.end + start)
            .collect();
        if ranges.is_empty() {
            // Nothing new to look at, but an empty input still has its one
            // (empty) segment, and a window may end a pending segment.
            ranges.push(start..end);
        }
        let scans: Vec<ChunkScan<T>> = if ranges.len() == 1 {
            vec![scan_chunk(&scanner, hay, ranges[0].clone(), Some(entry), emit)]
        } else {
            let min_len = if self.static_partition {
                ranges.len().div_ceil(rayon::current_num_threads())
            } else {
                1
            };
            ranges
                .par_iter()
                .enumerate()
                .with_min_len(min_len)
                .map(|(k, r)| scan_chunk(&scanner, hay, r.clone(), (k == 0).then_some(entry), emit))
                .collect()
        };
        let serial = std::time::Instant::now();
        let stitched = stitch(&scanner, hay, &ranges, scans, emit);
        SERIAL_NANOS.fetch_add(serial.elapsed().as_nanos() as u64, Ordering::Relaxed);
        stitched
    }
}

/// Nanoseconds spent in stitch passes, process-wide: see [`serial_time`].
static SERIAL_NANOS: AtomicU64 = AtomicU64::new(0);

/// The total time this process has spent in the serial part of parallel splits
/// (the stitch passes), for measuring the serial fraction: read it before and
/// after a split and compare with the split's wall time.
///
/// ```
/// use rayon::iter::ParallelIterator;
/// use strs_tools::parallel::{serial_time, ParallelSplit};
///
/// let text = "line\n".repeat(100_000);
/// let before = serial_time();
/// let split = ParallelSplit::new().threads(2).chunk_size(4096);
/// assert_eq!(split.split_parallel(&text, &["\n"]).count(), 100_001);
/// assert!(serial_time() > before);
/// ```
pub fn serial_time() -> std::time::Duration {
    std::time::Duration::from_nanos(SERIAL_NANOS.load(Ordering::Relaxed))
}

/// How many bytes past a window end the scan may look at to decide what starts
/// before it: the longest delimiter, quote prefix or postfix, or whitespace
/// character.
pub(crate) fn lookahead(options: &SplitOptions) -> usize {
    let quotes = options
        .quotes
        .iter()
        .flat_map(|q| q.pairs.iter())
        .map(|(a, b)| a.len().max(b.len()));
    quotes.chain([options.delimiters.max_len(), 4]).max().unwrap_or(4)
}

/// The segments of `src` as `&str`, for the default parallel options (segments
/// only, empties kept, no stripping or quoting): no `Split` records built.
pub(crate) fn segments_str<'a>(
    src: &'a str,
    options: &SplitOptions,
    chunk_size: usize,
) -> Vec<ChunkOutput<&'a str>> {
    split_chunks(
        src.as_bytes(),
        options,
        Space::Unicode,
        chunk_size,
        false,
        |seg, out| {
            // Segment bounds are delimiter bounds, always character boundaries.
            out.push(src.get(seg.start..seg.end).unwrap_or_default())
        },
    )
}

/// The bytes twin of [`segments_str`].
pub(crate) fn segments_bytes<'a>(
    src: &'a [u8],
    options: &SplitOptions,
    chunk_size: usize,
) -> Vec<ChunkOutput<&'a [u8]>> {
    split_chunks(src, options, Space::Ascii, chunk_size, false, |seg, out| {
        out.push(&src[seg.start..seg.end])
    })
}

/// The options `par_split` uses: segments only, empties kept (`str::split`).
pub(crate) fn plain_options(delimiters: &[&str]) -> SplitOptions {
    split()
        .delimeter(delimiters)
        .preserving_delimeters(false)
        .preserving_empty(true)
        .build()
}

/// The default chunk size: 1 MiB, large enough that per-chunk overhead vanishes,
/// small enough to balance.
pub const DEFAULT_CHUNK_SIZE: usize = 1 << 20;

/// The default window of the windowed and streaming splits: 16 MiB.
pub const DEFAULT_WINDOW: usize = 16 << 20;

/// The default longest segment a streaming split buffers: 64 MiB.
pub const DEFAULT_MAX_SEGMENT: usize = 64 << 20;

/// A parallel split: the options of the sequential [`split`](crate::string::split)
/// plus how to parallelise.
///
/// Defaults differ from the sequential builder's on purpose: segments only, empty
/// segments kept — the `str::split` semantics — so `ParallelSplit::new()` is
/// `split().preserving_delimeters(false).preserving_empty(true)` (the sequential
/// default keeps delimiters and drops empties, as the crates.io crate does).
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
/// let parallel: Vec<String> = ParallelSplit::new()
///     .chunk_size(7)
///     .threads(2)
///     .split_parallel(&text, &["=", "=="])
///     .map(String::from)
///     .collect();
/// let sequential: Vec<String> = split()
///     .src(&text)
///     .delimeter(["=", "=="])
///     .preserving_delimeters(false)
///     .preserving_empty(true)
///     .perform()
///     .map(String::from)
///     .collect();
/// assert_eq!(parallel, sequential);
/// ```
#[derive(Clone, Debug)]
pub struct ParallelSplit {
    pub(crate) chunk_size: usize,
    pub(crate) threads: Option<usize>,
    pub(crate) load_balance: bool,
    pub(crate) window: usize,
    pub(crate) max_segment: usize,
    pub(crate) numa: Option<Arc<NumaStringProcessor>>,
    preserving_empty: bool,
    preserving_delimiters: bool,
    preserving_quoting: bool,
    stripping: bool,
    quoting: bool,
    quoting_prefixes: Vec<String>,
    quoting_postfixes: Vec<String>,
}

impl Default for ParallelSplit {
    fn default() -> Self {
        ParallelSplit::new()
    }
}

impl ParallelSplit {
    /// 1 MiB chunks, all available threads (the current rayon pool), load
    /// balancing on, segments only with empties kept.
    pub fn new() -> ParallelSplit {
        ParallelSplit {
            chunk_size: DEFAULT_CHUNK_SIZE,
            threads: None,
            load_balance: true,
            window: DEFAULT_WINDOW,
            max_segment: DEFAULT_MAX_SEGMENT,
            numa: None,
            preserving_empty: true,
            preserving_delimiters: false,
            preserving_quoting: false,
            stripping: false,
            quoting: false,
            quoting_prefixes: Vec::new(),
            quoting_postfixes: Vec::new(),
        }
    }

    /// The nominal chunk size in bytes (0 is treated as 1). Any size gives the
    /// same result; smaller chunks balance better and cost more bookkeeping.
    pub fn chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
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

    /// For [`split_reader`](Self::split_reader): the longest segment (or
    /// unclosed quoted section) it buffers before giving up with an error
    /// (default 64 MiB).
    pub fn max_segment(mut self, bytes: usize) -> Self {
        self.max_segment = bytes.max(1);
        self
    }

    /// Run on the NUMA processor's pinned pools (see
    /// [`NumaStringProcessor::install`]) instead of the thread setting's pool. On
    /// a one-node machine this is the current pool, as without it.
    pub fn numa(mut self, processor: Arc<NumaStringProcessor>) -> Self {
        self.numa = Some(processor);
        self
    }

    /// Runs `op` on the pool this split is configured for.
    pub(crate) fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match &self.numa {
            Some(processor) => processor.install(op),
            None => pool::install(self.threads, op),
        }
    }

    /// `true` (default): chunks are handed out by work stealing, so uneven chunks
    /// balance. `false`: each thread takes one contiguous share of the chunks
    /// (static partitioning), which can be slightly cheaper on uniform input.
    pub fn load_balance(mut self, yes: bool) -> Self {
        self.load_balance = yes;
        self
    }

    /// See [`SplitBuilder::preserving_empty`](crate::string::SplitBuilder::preserving_empty). Default `true`.
    pub fn preserving_empty(mut self, yes: bool) -> Self {
        self.preserving_empty = yes;
        self
    }

    /// See [`SplitBuilder::preserving_delimiters`](crate::string::SplitBuilder::preserving_delimiters). Default `false`.
    pub fn preserving_delimiters(mut self, yes: bool) -> Self {
        self.preserving_delimiters = yes;
        self
    }

    /// Same as [`preserving_delimiters`](Self::preserving_delimiters) (the crates.io spelling).
    pub fn preserving_delimeters(self, yes: bool) -> Self {
        self.preserving_delimiters(yes)
    }

    /// See [`SplitBuilder::stripping`](crate::string::SplitBuilder::stripping). Default `false`.
    pub fn stripping(mut self, yes: bool) -> Self {
        self.stripping = yes;
        self
    }

    /// See [`SplitBuilder::quoting`](crate::string::SplitBuilder::quoting). Default `false`.
    pub fn quoting(mut self, yes: bool) -> Self {
        self.quoting = yes;
        self
    }

    /// See [`SplitBuilder::quoting_prefixes`](crate::string::SplitBuilder::quoting_prefixes).
    pub fn quoting_prefixes(mut self, prefixes: &[&str]) -> Self {
        self.quoting_prefixes = prefixes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// See [`SplitBuilder::quoting_postfixes`](crate::string::SplitBuilder::quoting_postfixes).
    pub fn quoting_postfixes(mut self, postfixes: &[&str]) -> Self {
        self.quoting_postfixes = postfixes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// See [`SplitBuilder::preserving_quoting`](crate::string::SplitBuilder::preserving_quoting). Default `false`.
    pub fn preserving_quoting(mut self, yes: bool) -> Self {
        self.preserving_quoting = yes;
        self
    }

    /// The equivalent compiled sequential options.
    pub fn options(&self, delimiters: &[&str]) -> SplitOptions {
        let pre: Vec<&str> = self.quoting_prefixes.iter().map(String::as_str).collect();
        let post: Vec<&str> = self.quoting_postfixes.iter().map(String::as_str).collect();
        split()
            .delimeter(delimiters)
            .preserving_empty(self.preserving_empty)
            .preserving_delimeters(self.preserving_delimiters)
            .preserving_quoting(self.preserving_quoting)
            .stripping(self.stripping)
            .quoting(self.quoting)
            .quoting_prefixes(&pre)
            .quoting_postfixes(&post)
            .build()
    }

    fn run<T: Send>(
        &self,
        hay: &[u8],
        options: &SplitOptions,
        space: Space,
        emit: impl Fn(&RawSegment, &mut Vec<T>) + Sync + Send,
    ) -> Vec<ChunkOutput<T>> {
        let (chunk_size, static_partition) = (self.chunk_size, !self.load_balance);
        self.install(|| split_chunks(hay, options, space, chunk_size, static_partition, emit))
    }

    /// Splits `input` on `delimiters` in parallel. The work is done on the
    /// configured pool before this returns; the iterator hands out the
    /// [`Split`]s, which collect in exactly the sequential order.
    pub fn split_parallel<'a>(
        &self,
        input: &'a str,
        delimiters: &[&str],
    ) -> ParallelSplitIterator<Split<'a>> {
        let options = self.options(delimiters);
        // On one thread the parallel split is the sequential one, at its cost.
        if pool::current_threads(self.threads, self.numa.as_deref()) == 1 {
            return ParallelSplitIterator::new(vec![ChunkOutput::whole(options.into_split(input).collect())]);
        }
        let chunks = self.run(input.as_bytes(), &options, Space::Unicode, |seg, out| {
            emit_str(&options, input, seg, |s| out.push(s))
        });
        ParallelSplitIterator::new(chunks)
    }

    /// The bytes twin of [`split_parallel`](Self::split_parallel), for input that
    /// need not be UTF-8 (stripping trims ASCII whitespace).
    pub fn split_parallel_bytes<'a>(
        &self,
        input: &'a [u8],
        delimiters: &[&str],
    ) -> ParallelSplitIterator<ByteSplit<'a>> {
        let options = self.options(delimiters);
        if pool::current_threads(self.threads, self.numa.as_deref()) == 1 {
            return ParallelSplitIterator::new(vec![ChunkOutput::whole(
                options.into_split_bytes(input).collect(),
            )]);
        }
        let chunks = self.run(input, &options, Space::Ascii, |seg, out| {
            emit_bytes(&options, input, seg, |s| out.push(s))
        });
        ParallelSplitIterator::new(chunks)
    }

    /// Like [`split_parallel`](Self::split_parallel), but hands out one `Vec` per
    /// chunk (in order; their concatenation is the split): the seed's
    /// `par_split(..).flat_map(|chunk| chunk.into_iter())` style.
    pub fn split_parallel_chunks<'a>(
        &self,
        input: &'a str,
        delimiters: &[&str],
    ) -> impl IndexedParallelIterator<Item = Vec<Split<'a>>> {
        self.split_parallel(input, delimiters)
            .into_chunks()
            .into_par_iter()
            .map(ChunkOutput::into_vec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::{numa, NumaTopology};

    /// The split's work runs on the pool the split is configured for: a dedicated
    /// pool of `threads(n)`, or the NUMA processor's pools when set.
    #[test]
    fn run_uses_the_configured_pool() {
        let threads_seen = |ps: &ParallelSplit| {
            let options = ps.options(&[","]);
            let out = ps.run(b"a,b,c", &options, Space::Ascii, |_, out: &mut Vec<usize>| {
                out.push(rayon::current_num_threads())
            });
            out.into_iter()
                .flat_map(ChunkOutput::into_vec)
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
}
