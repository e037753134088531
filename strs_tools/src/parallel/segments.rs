//! [`ParSplit`]: the lazy parallel split, in the style of rayon's `str.rs`.
//!
//! Driving the iterator first plans the split (`stitch`: the true scan state at
//! each chunk start, found without producing pieces), then hands chunks to
//! rayon's consumer; each chunk is scanned from its true entry state straight
//! into the consumer. No piece is stored on the way: memory beyond the input is
//! the plan (a few words per chunk) plus whatever the consumer keeps, so
//! `count()` or `for_each` over a 10 GB input costs no more than over 10 MB.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::Arc;

use rayon::iter::plumbing::{bridge_unindexed, Folder, UnindexedConsumer, UnindexedProducer};
use rayon::iter::{IndexedParallelIterator, IntoParallelRefIterator, ParallelExtend, ParallelIterator};

use super::fill::{self, Slots};
use super::stitch::{plan_split, SplitPlan};
use super::{pool, NumaStringProcessor};
use crate::blocks::ByteMasks;
use crate::string::scan::{RawSegment, ScanState, Space};
use crate::string::{emit_bytes, emit_str, ByteSplit, Split, SplitOptions, SplitType};

/// Which pool a split runs on.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    /// The pool the iterator is driven from (`threads` `None`), or a cached
    /// dedicated pool of that many threads.
    Threads(Option<usize>),
    /// A NUMA processor's pinned pools.
    Numa(Arc<NumaStringProcessor>),
}

impl Pool {
    pub(crate) fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match self {
            Pool::Threads(threads) => pool::install(*threads, op),
            Pool::Numa(processor) => processor.install(op),
        }
    }
}

/// The source being split: the `&str` (empty for byte input) and its bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Source<'a> {
    pub(crate) text: &'a str,
    pub(crate) bytes: &'a [u8],
}

impl<'a> Source<'a> {
    pub(crate) fn str(text: &'a str) -> Source<'a> {
        Source {
            text,
            bytes: text.as_bytes(),
        }
    }

    pub(crate) fn bytes(bytes: &'a [u8]) -> Source<'a> {
        Source { text: "", bytes }
    }
}

/// What a parallel split yields: [`Split`] and [`ByteSplit`] records, or bare
/// `&str`/`&[u8]` segments (the `par_split` shorthands, whose options are always
/// unquoted and unstripped).
pub(crate) trait SplitItem<'a>: Send + Sized {
    /// How stripping and quote detection see whitespace.
    const SPACE: Space;

    /// A piece that is exactly `start..end` of the source.
    fn plain(src: Source<'a>, start: usize, end: usize, typ: SplitType) -> Self;

    /// The pieces `options` make of one raw segment, fed to `folder`.
    fn finish<F: Folder<Self>>(options: &SplitOptions, src: Source<'a>, seg: &RawSegment, folder: F) -> F;
}

/// Feeds what `emit` produces to a by-value folder.
fn fold_emitted<T, F: Folder<T>>(folder: F, emit: impl FnOnce(&mut dyn FnMut(T))) -> F {
    let mut slot = Some(folder);
    emit(&mut |item| {
        let folder = slot.take().expect("the folder is put back after every item");
        slot = Some(folder.consume(item));
    });
    slot.expect("the folder is put back after every item")
}

/// The segments (and, if asked, delimiters) of an unquoted, unstripped split,
/// which is all the bare-slice items are made for.
fn finish_plain<'a, T: SplitItem<'a>, F: Folder<T>>(
    options: &SplitOptions,
    src: Source<'a>,
    seg: &RawSegment,
    mut folder: F,
) -> F {
    debug_assert!(!options.quoting() && !options.stripping);
    if seg.end > seg.start || options.preserving_empty {
        folder = folder.consume(T::plain(src, seg.start, seg.end, SplitType::Delimited));
    }
    if let (true, Some((s, e))) = (options.preserving_delimiters, seg.delimiter) {
        folder = folder.consume(T::plain(src, s, e, SplitType::Delimiter));
    }
    folder
}

impl<'a> SplitItem<'a> for &'a str {
    const SPACE: Space = Space::Unicode;

    #[inline]
    fn plain(src: Source<'a>, start: usize, end: usize, _: SplitType) -> Self {
        src.text
            .get(start..end)
            .expect("delimiter matches lie on character boundaries")
    }

    fn finish<F: Folder<Self>>(options: &SplitOptions, src: Source<'a>, seg: &RawSegment, folder: F) -> F {
        finish_plain(options, src, seg, folder)
    }
}

impl<'a> SplitItem<'a> for &'a [u8] {
    const SPACE: Space = Space::Ascii;

    #[inline]
    fn plain(src: Source<'a>, start: usize, end: usize, _: SplitType) -> Self {
        &src.bytes[start..end]
    }

    fn finish<F: Folder<Self>>(options: &SplitOptions, src: Source<'a>, seg: &RawSegment, folder: F) -> F {
        finish_plain(options, src, seg, folder)
    }
}

impl<'a> SplitItem<'a> for Split<'a> {
    const SPACE: Space = Space::Unicode;

    #[inline]
    fn plain(src: Source<'a>, start: usize, end: usize, typ: SplitType) -> Self {
        Split {
            string: Cow::Borrowed(<&str>::plain(src, start, end, typ)),
            typ,
            start,
            end,
            was_quoted: false,
        }
    }

    fn finish<F: Folder<Self>>(options: &SplitOptions, src: Source<'a>, seg: &RawSegment, folder: F) -> F {
        fold_emitted(folder, |out| emit_str(options, src.text, seg, out))
    }
}

impl<'a> SplitItem<'a> for ByteSplit<'a> {
    const SPACE: Space = Space::Ascii;

    #[inline]
    fn plain(src: Source<'a>, start: usize, end: usize, typ: SplitType) -> Self {
        ByteSplit {
            bytes: Cow::Borrowed(&src.bytes[start..end]),
            typ,
            start,
            end,
            was_quoted: false,
        }
    }

    fn finish<F: Folder<Self>>(options: &SplitOptions, src: Source<'a>, seg: &RawSegment, folder: F) -> F {
        fold_emitted(folder, |out| emit_bytes(options, src.bytes, seg, out))
    }
}

/// Are matches of `byte` so frequent in `hay` (judged from its first 4 KiB)
/// that a block-at-a-time scan beats memchr's per-call setup? Lines of a few
/// dozen bytes are; paragraphs are not.
fn dense(byte: u8, hay: &[u8]) -> bool {
    const SAMPLE: usize = 4096;
    let sample = &hay[..hay.len().min(SAMPLE)];
    memchr::memchr_iter(byte, sample).count() * 128 >= sample.len()
}

pub(crate) struct ChunkEnd {
    /// The scan state at the range end (`None` at the end of the input, or when
    /// the folder stopped early).
    pub(crate) exit: Option<ScanState>,
    /// The start of the first raw segment longer than the limit asked for.
    pub(crate) too_long: Option<usize>,
}

/// Scans `range` from its true entry state, feeding every piece that ends in it
/// (and, at the end of the input, the last segment) to `folder`, and noting the
/// first raw segment longer than `limit` bytes.
pub(crate) fn fold_chunk<'a, T: SplitItem<'a>, F: Folder<T>>(
    options: &SplitOptions,
    src: Source<'a>,
    range: Range<usize>,
    entry: ScanState,
    limit: usize,
    mut folder: F,
) -> (F, ChunkEnd) {
    let mut end_info = ChunkEnd {
        exit: None,
        too_long: None,
    };
    let hay = src.bytes;
    let end = range.end;
    if options.quoting() || options.stripping {
        let scanner = options.scanner(T::SPACE);
        let mut state = entry;
        while let Some(seg) = scanner.advance(hay, &mut state, end) {
            if seg.end - seg.start > limit && end_info.too_long.is_none() {
                end_info.too_long = Some(seg.start);
            }
            folder = T::finish(options, src, &seg, folder);
            if folder.full() {
                return (folder, end_info);
            }
        }
        end_info.exit = (!state.done).then_some(state);
        return (folder, end_info);
    }
    // Unquoted and unstripped: segments are exactly the text between matches,
    // so the scan is a plain delimiter search (memchr's iterator for single
    // bytes) with no state machine.
    let (keep_empty, keep_delimiters) = (options.preserving_empty, options.preserving_delimiters);
    let mut seg_start = entry.seg_start;
    let mut pos = entry.pos;
    macro_rules! on_match {
        ($start:expr, $end:expr) => {{
            let (s, e) = ($start, $end);
            if s - seg_start > limit && end_info.too_long.is_none() {
                end_info.too_long = Some(seg_start);
            }
            if s > seg_start || keep_empty {
                folder = folder.consume(T::plain(src, seg_start, s, SplitType::Delimited));
            }
            if keep_delimiters {
                folder = folder.consume(T::plain(src, s, e, SplitType::Delimiter));
            }
            seg_start = e;
            if folder.full() {
                return (folder, end_info);
            }
        }};
    }
    let delimiters = options.delimiters_for(T::SPACE);
    match delimiters.single_bytes() {
        Some(&[a]) if pos < end && dense(a, &hay[pos..end]) => {
            for (base, mut mask) in ByteMasks::new(a, &hay[pos..end]) {
                while mask != 0 {
                    let i = pos + base + mask.trailing_zeros() as usize;
                    mask &= mask - 1;
                    on_match!(i, i + 1);
                }
            }
        }
        Some(&[a]) if pos < end => {
            for i in memchr::memchr_iter(a, &hay[pos..end]) {
                on_match!(pos + i, pos + i + 1);
            }
        }
        Some(&[a, b]) if pos < end => {
            for i in memchr::memchr2_iter(a, b, &hay[pos..end]) {
                on_match!(pos + i, pos + i + 1);
            }
        }
        Some(&[a, b, c]) if pos < end => {
            for i in memchr::memchr3_iter(a, b, c, &hay[pos..end]) {
                on_match!(pos + i, pos + i + 1);
            }
        }
        _ => {
            while let Some(m) = delimiters.find_before(hay, pos, end) {
                pos = m.end;
                on_match!(m.start, m.end);
            }
        }
    }
    if end < hay.len() {
        // A delimiter straddling the range end leaves the scan past it.
        let pos = pos.max(end);
        end_info.exit = Some(ScanState {
            pos,
            seg_start,
            ..ScanState::mid_segment(pos)
        });
        return (folder, end_info);
    }
    if hay.len() - seg_start > limit && end_info.too_long.is_none() {
        end_info.too_long = Some(seg_start);
    }
    if hay.len() > seg_start || keep_empty {
        folder = folder.consume(T::plain(src, seg_start, hay.len(), SplitType::Delimited));
    }
    (folder, end_info)
}

/// The pieces of a split, in the sequential order, as a lazy rayon parallel
/// iterator: see [`SplitOptions::par_split`],
/// [`ParallelSplit::split_with`](super::ParallelSplit::split_with) and
/// [`ParallelStringExt::par_split`](super::ParallelStringExt::par_split).
///
/// Nothing is computed until the iterator is driven. Then a short pre-pass finds
/// where the sequential scan stands at each chunk start, and every chunk is
/// scanned from there straight into the consumer: memory beyond the input does
/// not grow with the number of pieces. The items are exactly the sequential
/// split's, and order-preserving consumers (`collect`, `find_first`, …) see them
/// in the sequential order.
///
/// `T` is the item: [`Split`] or [`ByteSplit`] records, or bare `&str`/`&[u8]`
/// segments.
///
/// # Example
///
/// ```
/// use rayon::iter::ParallelIterator;
/// use strs_tools::string::split;
///
/// let opts = split().delimiter("\n").preserving_delimiters(false).build()?;
/// let text = "a\nbb\nccc\n".repeat(1000);
/// assert_eq!(opts.par_split(&text).count(), 3000);
/// assert_eq!(opts.par_split(&text).map(|s| s.string.len()).sum::<usize>(), 6000);
/// # Ok::<(), strs_tools::matcher::BuildError>(())
/// ```
pub struct ParSplit<'a, T> {
    options: Cow<'a, SplitOptions>,
    src: Source<'a>,
    chunk_size: usize,
    static_partition: bool,
    pool: Pool,
    item: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ParSplit<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParSplit")
            .field("len", &self.src.bytes.len())
            .field("chunk_size", &self.chunk_size)
            .field("pool", &self.pool)
            .finish()
    }
}

impl<T> Clone for ParSplit<'_, T> {
    fn clone(&self) -> Self {
        ParSplit {
            options: self.options.clone(),
            src: self.src,
            chunk_size: self.chunk_size,
            static_partition: self.static_partition,
            pool: self.pool.clone(),
            item: PhantomData,
        }
    }
}

impl<'a, T> ParSplit<'a, T> {
    pub(crate) fn new(
        options: Cow<'a, SplitOptions>,
        src: Source<'a>,
        chunk_size: usize,
        static_partition: bool,
        pool: Pool,
    ) -> ParSplit<'a, T> {
        ParSplit {
            options,
            src,
            chunk_size,
            static_partition,
            pool,
            item: PhantomData,
        }
    }

    /// The chunks and their entry states, planned on the current pool.
    fn plan(&self, space: Space) -> SplitPlan {
        let entry = ScanState::segment_start(0, self.options.quoting());
        let scanner = self.options.scanner(space);
        let len = self.src.bytes.len();
        plan_split(
            &scanner,
            self.src.bytes,
            entry,
            len,
            self.chunk_size,
            self.static_partition,
        )
    }
}

// The bound is crate-private on purpose: it is implemented exactly for the four
// item types `ParSplit` is built with, and sealed by being unnameable.
#[allow(private_bounds)]
impl<'a, T: SplitItem<'a>> ParSplit<'a, T> {
    /// The pieces collected into a `Vec`, in order: the indexed form, for
    /// callers that need `len`, indexing, `zip` or `par_iter` over the result.
    /// The same as `collect::<Vec<_>>()`, but where the pieces are exactly the
    /// text between matches of one byte and every segment is kept (`str::split`
    /// on a byte), it counts the pieces of each chunk first and writes them
    /// straight into one `Vec` of the exact length, in parallel, instead of
    /// gathering per-job vectors and appending them.
    ///
    /// A fresh vector of many pieces is written once, and for large results
    /// the page faults of that first write dominate: to collect repeatedly,
    /// reuse one vector with [`collect_into_vec`](Self::collect_into_vec).
    ///
    /// ```
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let lines = "a\nb\nc".par_split(&["\n"]).collect_vec();
    /// assert_eq!(lines, ["a", "b", "c"]);
    /// ```
    pub fn collect_vec(self) -> Vec<T> {
        let mut out = Vec::new();
        self.collect_into_vec(&mut out);
        out
    }

    /// Collects the pieces into `target`, in order, replacing what it held and
    /// reusing its allocation: [`collect_vec`](Self::collect_vec) without a
    /// fresh vector, as rayon's `collect_into_vec` does for indexed iterators.
    ///
    /// ```
    /// use strs_tools::parallel::ParallelStringExt;
    ///
    /// let text = "a\nb\nc\n".repeat(1000);
    /// let mut lines = Vec::new();
    /// for _ in 0..3 {
    ///     text.par_split(&["\n"]).collect_into_vec(&mut lines);
    ///     assert_eq!(lines.len(), 3001);
    /// }
    /// assert_eq!(lines[..4], ["a", "b", "c", "a"]);
    /// ```
    pub fn collect_into_vec(self, target: &mut Vec<T>) {
        target.clear();
        let options = &*self.options;
        let Some((byte, per_match)) = counted_byte::<T>(options) else {
            target.par_extend(self);
            return;
        };
        self.pool.clone().install(|| {
            let plan = self.plan(T::SPACE);
            let counts = piece_counts(&plan, self.src.bytes, byte, per_match);
            let src = self.src;
            fill::par_extend_exact(target, &counts, |k, slots| {
                let range = plan.ranges[k].clone();
                fold_chunk(
                    options,
                    src,
                    range,
                    plan.entries[k],
                    usize::MAX,
                    SlotFolder(slots),
                );
            });
        });
    }
}

/// A folder writing pieces into the slots counted for them.
struct SlotFolder<'r, 's, T>(&'r mut Slots<'s, T>);

impl<T> Folder<T> for SlotFolder<'_, '_, T> {
    type Result = ();

    #[inline]
    fn consume(self, item: T) -> Self {
        self.0.push(item);
        self
    }

    fn complete(self) {}

    fn full(&self) -> bool {
        false
    }
}

impl<T: Send> ParSplit<'_, T>
where
    Self: ParallelIterator<Item = T>,
{
    /// How many chunks the split is cut into on its pool.
    #[cfg(test)]
    pub(crate) fn chunk_count(&self) -> usize {
        self.pool.install(|| self.plan(Space::Unicode).ranges.len())
    }
}

impl<'a, T: SplitItem<'a>> ParallelIterator for ParSplit<'a, T> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<T>>(self, consumer: C) -> C::Result {
        let pool = self.pool.clone();
        pool.install(move || {
            let plan = self.plan(T::SPACE);
            let producer = ChunkProducer {
                options: &self.options,
                src: self.src,
                plan: &plan,
                chunks: 0..plan.ranges.len(),
                item: PhantomData,
            };
            bridge_unindexed(producer, consumer)
        })
    }

    /// The number of pieces. Where every segment is kept and the pieces are
    /// exactly the text between matches of one byte (`str::split` on a byte),
    /// that is the number of matches plus one, counted with memchr's counting
    /// kernel per chunk instead of visiting every piece; otherwise every piece
    /// is produced and counted.
    fn count(self) -> usize {
        let Some((byte, per_match)) = counted_byte::<T>(&self.options) else {
            return self.map(|_| 1usize).sum();
        };
        self.pool.clone().install(|| {
            let plan = self.plan(T::SPACE);
            piece_counts(&plan, self.src.bytes, byte, per_match).iter().sum()
        })
    }
}

/// The byte whose matches delimit the pieces, and the pieces per match, when
/// the pieces are exactly the text between matches of one byte and every
/// segment is kept (`str::split` on a byte): then the pieces can be counted
/// without producing them.
fn counted_byte<'a, T: SplitItem<'a>>(options: &SplitOptions) -> Option<(u8, usize)> {
    let counting = !options.quoting() && !options.stripping && options.preserving_empty;
    match options.delimiters_for(T::SPACE).single_bytes() {
        Some(&[byte]) if counting => Some((byte, 1 + usize::from(options.preserving_delimiters))),
        _ => None,
    }
}

/// How many pieces each planned chunk yields (see [`counted_byte`]), counted
/// with memchr's counting kernel; the last chunk also yields the final segment.
fn piece_counts(plan: &SplitPlan, hay: &[u8], byte: u8, per_match: usize) -> Vec<usize> {
    let mut counts: Vec<usize> = plan
        .ranges
        .par_iter()
        .zip(&plan.entries)
        .map(|(range, entry)| {
            // An entry past the range end (a delimiter straddled it) has no match.
            let part = hay.get(entry.pos..range.end).unwrap_or_default();
            memchr::memchr_iter(byte, part).count() * per_match
        })
        .collect();
    *counts.last_mut().expect("a plan has at least one chunk") += 1;
    counts
}

/// A run of planned chunks, split in halves for rayon.
struct ChunkProducer<'p, 'a, T> {
    options: &'p SplitOptions,
    src: Source<'a>,
    plan: &'p SplitPlan,
    chunks: Range<usize>,
    item: PhantomData<fn() -> T>,
}

impl<'a, T: SplitItem<'a>> UnindexedProducer for ChunkProducer<'_, 'a, T> {
    type Item = T;

    fn split(self) -> (Self, Option<Self>) {
        let Range { start, end } = self.chunks;
        if end - start < 2 {
            return (self, None);
        }
        let mid = start + (end - start) / 2;
        let right = ChunkProducer {
            chunks: mid..end,
            ..self
        };
        (
            ChunkProducer {
                chunks: start..mid,
                ..self
            },
            Some(right),
        )
    }

    fn fold_with<F: Folder<T>>(self, mut folder: F) -> F {
        for k in self.chunks {
            let range = self.plan.ranges[k].clone();
            folder = fold_chunk(
                self.options,
                self.src,
                range,
                self.plan.entries[k],
                usize::MAX,
                folder,
            )
            .0;
            if folder.full() {
                break;
            }
        }
        folder
    }
}

impl SplitOptions {
    /// Splits `src` in parallel on the current rayon pool: the items of
    /// [`split`](Self::split), in the same order, as a lazy [`ParSplit`]. Chunks
    /// of [`DEFAULT_CHUNK_SIZE`](super::DEFAULT_CHUNK_SIZE) bytes; use
    /// [`ParallelSplit::split_with`](super::ParallelSplit::split_with) to choose
    /// the chunk size or the pool.
    ///
    /// ```
    /// use rayon::iter::ParallelIterator;
    /// use strs_tools::string::split;
    ///
    /// let opts = split().delimiters(["\r\n", "\n"]).quoting(true).preserving_delimiters(false).build()?;
    /// let text = "a\r\n\"b\nc\"\nd";
    /// let par: Vec<String> = opts.par_split(text).map(String::from).collect();
    /// let seq: Vec<String> = opts.split(text).map(String::from).collect();
    /// assert_eq!(par, seq);
    /// assert_eq!(par, ["a", "b\nc", "d"]);
    /// # Ok::<(), strs_tools::matcher::BuildError>(())
    /// ```
    pub fn par_split<'a>(&'a self, src: &'a str) -> ParSplit<'a, Split<'a>> {
        ParSplit::new(
            Cow::Borrowed(self),
            Source::str(src),
            0,
            false,
            Pool::Threads(None),
        )
    }

    /// The bytes twin of [`par_split`](Self::par_split): the items of
    /// [`split_bytes`](Self::split_bytes), in parallel.
    pub fn par_split_bytes<'a>(&'a self, src: &'a [u8]) -> ParSplit<'a, ByteSplit<'a>> {
        ParSplit::new(
            Cow::Borrowed(self),
            Source::bytes(src),
            0,
            false,
            Pool::Threads(None),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_is_judged_from_the_start() {
        assert!(dense(b'\n', &b"ab\n".repeat(100)));
        assert!(!dense(b'\n', &[b'a'; 5000]));
    }
}
