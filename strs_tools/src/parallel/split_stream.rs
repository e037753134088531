//! The exact parallel split in bounded memory: a window at a time, over a byte
//! slice (a memory-mapped file) or any `Read` (stdin, a pipe).
//!
//! Each window is split in parallel with the true scan state carried in from the
//! previous window, so the pieces are exactly those of the whole-input split, for
//! any delimiter set and option. Only the pieces of one window are alive at a
//! time. Reading keeps the bytes of the segment in progress (and a few bytes of
//! lookahead) and drops the rest; a segment longer than the configured maximum
//! stops the split with an error instead of growing the buffer without bound.

use std::io::Read;
use std::ops::ControlFlow;

use rayon::prelude::*;

use super::segments::{fold_chunk, ChunkEnd, Source};
use super::split::ParallelSplit;
use super::stitch::plan_split;
use super::stream::{StreamError, StreamErrorKind};
use crate::string::scan::{ScanState, Space};
use crate::string::{ByteSplit, SplitOptions};

/// How many bytes past a window end the scan may look at to decide what starts
/// before it: the longest delimiter, quote prefix or postfix, or whitespace
/// character.
fn lookahead(options: &SplitOptions) -> usize {
    let quotes = options
        .quotes
        .iter()
        .flat_map(|q| q.pairs.iter())
        .map(|(a, b)| a.len().max(b.len()));
    quotes.chain([options.delimiters.max_len(), 4]).max().unwrap_or(4)
}

/// A fold target for one chunk's pieces: a `Vec`, whose folder never stops.
struct Collect<T>(Vec<T>);

impl<T> rayon::iter::plumbing::Folder<T> for Collect<T> {
    type Result = Vec<T>;

    fn consume(mut self, item: T) -> Self {
        self.0.push(item);
        self
    }

    fn complete(self) -> Vec<T> {
        self.0
    }

    fn full(&self) -> bool {
        false
    }
}

/// Continues the scan in `entry` (the true state, at `entry.pos`) up to `end`,
/// in parallel chunks of `split`'s size on the current pool. Returns the pieces
/// (offsets into `hay`) of every segment that can be decided from the bytes before
/// `end` (the caller keeps [`lookahead`] bytes after `end` available), and the true
/// state at `end` (`None` if the input ended).
/// Also returns the start of the first raw segment longer than `limit`.
fn split_window<'a>(
    split: &ParallelSplit,
    options: &SplitOptions,
    hay: &'a [u8],
    end: usize,
    entry: ScanState,
    limit: usize,
) -> (Vec<ByteSplit<'a>>, Option<ScanState>, Option<usize>) {
    let scanner = options.scanner(Space::Ascii);
    let plan = plan_split(&scanner, hay, entry, end, split.chunk_size, !split.load_balance);
    let src = Source::bytes(hay);
    let outputs: Vec<(Vec<ByteSplit<'a>>, ChunkEnd)> = plan
        .ranges
        .par_iter()
        .zip(&plan.entries)
        .with_max_len(1)
        .map(|(range, &entry)| {
            let (folder, end) = fold_chunk(options, src, range.clone(), entry, limit, Collect(Vec::new()));
            (folder.0, end)
        })
        .collect();
    let too_long = outputs.iter().find_map(|o| o.1.too_long);
    let exit = outputs.last().and_then(|last| last.1.exit);
    let pieces = outputs.into_iter().flat_map(|o| o.0).collect();
    (pieces, exit, too_long)
}

impl ParallelSplit {
    /// Splits `input` one window (see [`window`](Self::window)) at a time, handing
    /// each window's pieces, in order, to `sink`; `sink` returns
    /// `ControlFlow::Break(())` to stop early. The concatenation of what `sink`
    /// sees is exactly [`split_parallel_bytes`](Self::split_parallel_bytes)'s
    /// output, but only one window's pieces exist at a time.
    ///
    /// # Example
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use strs_tools::parallel::ParallelSplit;
    /// use strs_tools::string::split;
    ///
    /// let opts = split().delimiter(",").preserving_delimiters(false).preserving_empty(true).build()?;
    /// let mut count = 0;
    /// ParallelSplit::new().window(8).split_bytes_windows(b"a,b,,c,d", &opts, |pieces| {
    ///     count += pieces.len();
    ///     ControlFlow::Continue(())
    /// });
    /// assert_eq!(count, 5);
    /// # Ok::<(), strs_tools::matcher::BuildError>(())
    /// ```
    pub fn split_bytes_windows<'a>(
        &self,
        input: &'a [u8],
        options: &SplitOptions,
        mut sink: impl FnMut(&[ByteSplit<'a>]) -> ControlFlow<()>,
    ) {
        let ahead = lookahead(options);
        let mut state = Some(ScanState::segment_start(0, options.quoting()));
        while let Some(entry) = state {
            let end = entry
                .pos
                .saturating_add(self.window)
                .saturating_add(ahead)
                .min(input.len());
            let end = if end == input.len() { end } else { end - ahead };
            let (pieces, exit, _) =
                self.install(|| split_window(self, options, input, end, entry, usize::MAX));
            if sink(&pieces).is_break() {
                return;
            }
            state = exit;
        }
    }

    /// Splits everything `reader` yields, in bounded memory: like
    /// [`split_bytes_windows`](Self::split_bytes_windows), but reading a window
    /// at a time. Piece offsets are offsets in the whole stream.
    ///
    /// Memory stays about a window plus the segment in progress: a segment (or an
    /// unclosed quote) longer than [`max_record`](Self::max_record) stops the
    /// split with [`StreamErrorKind::RecordTooLong`] (after the pieces
    /// before it were delivered), whether or not it fitted in a window. Short reads and
    /// `Interrupted` are handled; another read error stops the split with its
    /// offset (the pieces before it have been delivered).
    ///
    /// # Errors
    ///
    /// [`StreamError`] of kind [`StreamErrorKind::RecordTooLong`] or
    /// [`StreamErrorKind::Io`], with the byte offset in the stream.
    ///
    /// # Example
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use strs_tools::parallel::ParallelSplit;
    /// use strs_tools::string::split;
    ///
    /// let opts = split().delimiter(";").preserving_delimiters(false).build()?;
    /// let input = "k1=v1;k2=v2;".repeat(1000);
    /// let mut values = 0;
    /// ParallelSplit::new()
    ///     .window(64)
    ///     .split_reader(input.as_bytes(), &opts, |pieces| {
    ///         values += pieces.iter().filter(|p| p.bytes.starts_with(b"k")).count();
    ///         ControlFlow::Continue(())
    ///     })?;
    /// assert_eq!(values, 2000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn split_reader<R: Read>(
        &self,
        mut reader: R,
        options: &SplitOptions,
        mut sink: impl FnMut(&[ByteSplit<'_>]) -> ControlFlow<()>,
    ) -> Result<(), StreamError> {
        let ahead = lookahead(options);
        let window = self.window;
        let mut buf: Vec<u8> = Vec::new();
        // Absolute offset of buf[0].
        let mut base: u64 = 0;
        let mut state = ScanState::segment_start(0, options.quoting());
        let mut eof = false;
        loop {
            // Fill: the segment in progress, a window of new bytes, the lookahead.
            let want = state.pos.saturating_add(window).saturating_add(ahead);
            let mut read_error = None;
            if !eof && buf.len() < want {
                let mut filled = buf.len();
                match crate::io::fill_vec(&mut reader, &mut buf, &mut filled, want) {
                    Ok(end) => eof = end,
                    Err(e) => {
                        read_error = Some(StreamError::new(StreamErrorKind::Io(e), base + filled as u64));
                    }
                }
                buf.truncate(filled);
            }
            // After a read error, deliver what can be decided, then report it.
            let end = if eof {
                buf.len()
            } else {
                buf.len().saturating_sub(ahead).max(state.pos.min(buf.len()))
            };
            // The first segment in this window longer than the limit, if any.
            let max = self.max_record;
            let (mut pieces, exit, too_long) =
                self.install(|| split_window(self, options, &buf, end, state, max));
            let too_long = too_long.map_or(u64::MAX, |at| base + at as u64);
            for piece in &mut pieces {
                piece.start += base as usize;
                piece.end += base as usize;
            }
            pieces.retain(|p| (p.start as u64) < too_long);
            if !pieces.is_empty() && sink(&pieces).is_break() {
                return Ok(());
            }
            if too_long != u64::MAX {
                return Err(StreamError::new(
                    StreamErrorKind::RecordTooLong { limit: max },
                    too_long,
                ));
            }
            drop(pieces);
            if let Some(e) = read_error {
                return Err(e);
            }
            let Some(exit) = exit else { return Ok(()) };
            // Keep only the segment in progress.
            let keep = exit.seg_start.min(exit.pos);
            if exit.pos - keep > self.max_record {
                let kind = StreamErrorKind::RecordTooLong {
                    limit: self.max_record,
                };
                return Err(StreamError::new(kind, base + keep as u64));
            }
            buf.drain(..keep);
            base += keep as u64;
            state = rebase(exit, keep);
        }
    }
}

/// Moves a scan state's positions `by` bytes down (the buffer dropped its front).
fn rebase(mut state: ScanState, by: usize) -> ScanState {
    state.pos -= by;
    state.seg_start -= by;
    if let Some(q) = state.quote.as_mut() {
        q.open -= by;
        q.content_start -= by;
        q.content_end -= by;
        q.close_end -= by;
    }
    state
}
