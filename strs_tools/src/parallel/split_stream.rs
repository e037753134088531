//! The exact parallel split in bounded memory: a window at a time, over a byte
//! slice (a memory-mapped file) or any `Read` (stdin, a pipe).
//!
//! Each window is split in parallel with the true scan state carried in from the
//! previous window, so the pieces are exactly those of the whole-input split, for
//! any delimiter set and option. Only the pieces of one window are alive at a
//! time. Reading keeps the bytes of the segment in progress (and a few bytes of
//! lookahead) and drops the rest; a segment longer than the configured maximum
//! stops the split with an error instead of growing the buffer without bound.

use std::io::{self, Read};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};

use super::split::{lookahead, ParallelSplit, SplitJob};
use super::stream::{StreamError, StreamErrorKind};
use crate::string::scan::{RawSegment, ScanState, Space};
use crate::string::{emit_bytes, ByteSplit, SplitOptions};

/// Emits the pieces of one raw segment with offsets made absolute.
fn emit_at<'a>(
    options: &SplitOptions,
    hay: &'a [u8],
    base: u64,
    seg: &RawSegment,
    out: &mut Vec<ByteSplit<'a>>,
) {
    emit_bytes(options, hay, seg, |mut piece| {
        piece.start += base as usize;
        piece.end += base as usize;
        out.push(piece)
    });
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
    ///
    /// let mut count = 0;
    /// ParallelSplit::new().window(8).split_bytes_windows(b"a,b,,c,d", &[","], |pieces| {
    ///     count += pieces.len();
    ///     ControlFlow::Continue(())
    /// });
    /// assert_eq!(count, 5);
    /// ```
    pub fn split_bytes_windows<'a>(
        &self,
        input: &'a [u8],
        delimiters: &[&str],
        mut sink: impl FnMut(&[ByteSplit<'a>]) -> ControlFlow<()>,
    ) {
        let options = self.options(delimiters);
        let job = self.job(&options);
        let ahead = lookahead(&options);
        let mut state = Some(ScanState::segment_start(0, options.quoting()));
        let mut pieces = Vec::new();
        while let Some(entry) = state {
            let end = entry
                .pos
                .saturating_add(self.window)
                .saturating_add(ahead)
                .min(input.len());
            let end = if end == input.len() { end } else { end - ahead };
            let (chunks, exit) = self.install(|| {
                job.split_range(
                    input,
                    end,
                    entry,
                    &|seg: &RawSegment, out: &mut Vec<ByteSplit<'a>>| emit_at(&options, input, 0, seg, out),
                )
            });
            pieces.clear();
            pieces.extend(chunks.into_iter().flat_map(|c| c.into_items()));
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
    /// unclosed quote) longer than [`max_segment`](Self::max_segment) stops the
    /// split with [`StreamErrorKind::RecordTooLong`] (after the pieces
    /// before it were delivered), whether or not it fitted in a window. Short reads and
    /// `Interrupted` are handled; another read error stops the split with its
    /// offset (the pieces before it have been delivered).
    ///
    /// # Example
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use strs_tools::parallel::ParallelSplit;
    ///
    /// let input = "k1=v1;k2=v2;".repeat(1000);
    /// let mut values = 0;
    /// ParallelSplit::new()
    ///     .window(64)
    ///     .split_reader(input.as_bytes(), &[";"], |pieces| {
    ///         values += pieces.iter().filter(|p| p.bytes.starts_with(b"k")).count();
    ///         ControlFlow::Continue(())
    ///     })
    ///     .unwrap();
    /// assert_eq!(values, 2000);
    /// ```
    pub fn split_reader<R: Read>(
        &self,
        mut reader: R,
        delimiters: &[&str],
        mut sink: impl FnMut(&[ByteSplit<'_>]) -> ControlFlow<()>,
    ) -> Result<(), StreamError> {
        let options = self.options(delimiters);
        let job = self.job(&options);
        let ahead = lookahead(&options);
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
            while !eof && buf.len() < want {
                let old = buf.len();
                buf.resize(want.max(old + 1), 0);
                match reader.read(&mut buf[old..]) {
                    Ok(0) => {
                        buf.truncate(old);
                        eof = true;
                    }
                    Ok(n) => buf.truncate(old + n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(old),
                    Err(e) => {
                        buf.truncate(old);
                        read_error = Some(StreamError::new(StreamErrorKind::Io(e), base + old as u64));
                        break;
                    }
                }
            }
            // After a read error, deliver what can be decided, then report it.
            let end = if eof {
                buf.len()
            } else {
                buf.len().saturating_sub(ahead).max(state.pos.min(buf.len()))
            };
            // The first segment in this window longer than the limit, if any.
            let too_long = AtomicU64::new(u64::MAX);
            let max = self.max_segment;
            let (chunks, exit) = self.install(|| {
                job.split_range(
                    &buf,
                    end,
                    state,
                    &|seg: &RawSegment, out: &mut Vec<ByteSplit<'_>>| {
                        if seg.end - seg.start > max {
                            too_long.fetch_min(base + seg.start as u64, Ordering::Relaxed);
                        }
                        emit_at(&options, &buf, base, seg, out)
                    },
                )
            });
            let too_long = too_long.into_inner();
            let pieces: Vec<ByteSplit<'_>> = chunks
                .into_iter()
                .flat_map(|c| c.into_items())
                .take_while(|p| (p.start as u64) < too_long)
                .collect();
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
            if exit.pos - keep > self.max_segment {
                let kind = StreamErrorKind::RecordTooLong {
                    limit: self.max_segment,
                };
                return Err(StreamError::new(kind, base + keep as u64));
            }
            buf.drain(..keep);
            base += keep as u64;
            state = rebase(exit, keep);
        }
    }

    fn job<'o>(&self, options: &'o SplitOptions) -> SplitJob<'o> {
        SplitJob {
            options,
            space: Space::Ascii,
            chunk_size: self.chunk_size,
            static_partition: !self.load_balance,
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
