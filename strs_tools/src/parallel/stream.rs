//! The reader pipeline: any `io::Read` processed block by block on the rayon pool,
//! results delivered in input order, memory bounded by configuration.
//!
//! Blocks are cut right after a record terminator, so per-record work (count lines,
//! search for a pattern without the terminator, split into records) gives exactly the
//! in-memory result. Reading happens on the consuming thread, only when it asks for
//! the next result: a consumer that stops reading stops the input.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;
use std::thread;

use rayon::ThreadPool;

use super::pool;

/// Configuration of a reader pipeline: block size, record terminator, the bound on
/// blocks in flight, the longest accepted record and the thread pool.
///
/// A pipeline reads blocks of about [`chunk_size`](Self::chunk_size) bytes, cuts each
/// right after its last record terminator (the rest is carried into the next block),
/// runs a closure on each block on the rayon pool and yields the closure's results in
/// input order. Semantically `pipeline.map_blocks(reader, f)` is the same as reading
/// everything into `data` and applying `f` to consecutive pieces of `data` that each
/// end with a terminator (the last piece may not), but in bounded memory and on every
/// core.
///
/// # Memory
///
/// At most [`in_flight`](Self::in_flight) blocks are being read, processed or
/// waiting to be taken at any time, plus at most two spare buffers kept for reuse:
/// peak memory is about `(in_flight + 2) × chunk_size` plus the results the caller
/// keeps, whatever the input size. A record longer than a block grows that block's
/// buffer up to [`max_record`](Self::max_record) bytes; a longer record is an error.
///
/// # Example
///
/// Count lines and bytes of a stream, in bounded memory:
///
/// ```
/// use strs_tools::parallel::ReaderPipeline;
///
/// let input = "alpha\nbeta\ngamma\n".repeat(1000);
/// let pipeline = ReaderPipeline::new().chunk_size(64).in_flight(4);
/// let mut lines = 0;
/// let mut bytes = 0;
/// for counts in pipeline.map_blocks(input.as_bytes(), |block: &[u8]| {
///     (block.iter().filter(|&&b| b == b'\n').count(), block.len())
/// }) {
///     let (l, b) = counts?;
///     lines += l;
///     bytes += b;
/// }
/// assert_eq!((lines, bytes), (3000, input.len()));
/// # Ok::<(), strs_tools::parallel::StreamError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ReaderPipeline {
    chunk_size: usize,
    in_flight: Option<usize>,
    max_record: usize,
    terminator: u8,
    threads: Option<usize>,
}

impl Default for ReaderPipeline {
    fn default() -> Self {
        Self::new()
    }
}

impl ReaderPipeline {
    /// A pipeline with the defaults: blocks of
    /// [`DEFAULT_CHUNK_SIZE`](crate::parallel::DEFAULT_CHUNK_SIZE), `\n`
    /// terminator, records up to 64 MiB, `max(4, 2 × threads)` blocks in flight,
    /// on the current rayon pool.
    pub fn new() -> Self {
        Self {
            chunk_size: 0,
            in_flight: None,
            max_record: super::DEFAULT_MAX_RECORD,
            terminator: b'\n',
            threads: None,
        }
    }

    /// Sets the block size in bytes: each block holds at least this many bytes
    /// (unless the input ends first) cut back to its last terminator. `0`, the
    /// default, means automatic:
    /// [`DEFAULT_CHUNK_SIZE`](crate::parallel::DEFAULT_CHUNK_SIZE), small enough
    /// that a block is still in the core's cache when the pool processes it right
    /// after the read. Smaller blocks mean less memory and more per-block overhead.
    pub fn chunk_size(mut self, bytes: usize) -> ReaderPipeline {
        self.chunk_size = bytes;
        self
    }

    /// Sets how many blocks may be read, processed or waiting to be taken at once
    /// (the memory bound is about this times the block size). `0` is treated as
    /// `1`, which processes one block at a time. The default is twice the number
    /// of threads of the pool, at least 4.
    pub fn in_flight(mut self, blocks: usize) -> ReaderPipeline {
        self.in_flight = Some(blocks.max(1));
        self
    }

    /// Sets the longest record, in bytes without its terminator, the pipeline
    /// accepts; a longer record stops the pipeline with
    /// [`StreamErrorKind::RecordTooLong`]. Records up to the block size are always
    /// accepted, so the effective limit is `max(max_record, block size)`.
    pub fn max_record(mut self, bytes: usize) -> ReaderPipeline {
        self.max_record = bytes;
        self
    }

    /// Sets the record terminator byte (default `b'\n'`). `\r\n` line endings work
    /// with `b'\n'`: the `\r` stays with its record.
    pub fn terminator(mut self, byte: u8) -> ReaderPipeline {
        self.terminator = byte;
        self
    }

    /// Runs the blocks on a dedicated pool of `threads` threads (from the crate's
    /// bounded pool cache, see [`MAX_CACHED_POOLS`](crate::parallel::MAX_CACHED_POOLS));
    /// `0`, the default, means the rayon pool of the thread
    /// that advances the iterator (the global pool, or the pool the caller
    /// `install`ed).
    pub fn threads(mut self, threads: usize) -> ReaderPipeline {
        self.threads = pool::normalize_threads(threads);
        self
    }

    /// Reads `reader` block by block and returns an iterator over `f` applied to
    /// each block, in input order.
    ///
    /// Reading happens on the thread that advances the iterator, when it asks for
    /// the next result, so `reader` need not be `Send` (a `StdinLock` works); `f`
    /// runs on the rayon pool. Blocks are never empty, all but the last end with
    /// the terminator, and together they are exactly the input.
    ///
    /// The iterator stops after the first error, which comes after the results of
    /// all blocks read before it. Dropping it stops reading at once; blocks already
    /// handed to the pool finish in the background (or are skipped if they have
    /// not started) and their results are discarded.
    ///
    /// # Errors
    ///
    /// The iterator yields [`StreamError`]: a read error (other than
    /// `Interrupted`, which is retried), with the offset of the byte the read
    /// failed at, or a record longer than the limit, with the offset of its first
    /// byte. The bytes of the block being read when the error happened are not
    /// processed.
    ///
    /// # Panics
    ///
    /// If `f` panics, the panic is resumed on the thread that advances the
    /// iterator, when it reaches that block's result (after the results of the
    /// blocks before it); the pool is unaffected.
    ///
    /// # Example
    ///
    /// Stop early: find the first block containing a pattern, reading no further
    /// than the blocks in flight.
    ///
    /// ```
    /// use strs_tools::parallel::ReaderPipeline;
    ///
    /// let input = format!("{}needle\n{}", "hay\n".repeat(100), "hay\n".repeat(100_000));
    /// let pipeline = ReaderPipeline::new().chunk_size(256).in_flight(2);
    /// let mut consumed = 0;
    /// let found = pipeline
    ///     .map_blocks(input.as_bytes(), |block: &[u8]| block.windows(6).any(|w| w == b"needle"))
    ///     .position(|hit| {
    ///         consumed += 1;
    ///         hit.unwrap()
    ///     });
    /// assert_eq!(found, Some(1));
    /// assert_eq!(consumed, 2);
    /// ```
    pub fn map_blocks<Rd, T, F>(&self, reader: Rd, f: F) -> MapBlocks<Rd, T>
    where
        Rd: Read,
        T: Send + 'static,
        F: Fn(&[u8]) -> T + Send + Sync + 'static,
    {
        let pool = self.threads.and_then(pool::dedicated_pool);
        let chunk_size = super::plan::resolve_chunk_size(self.chunk_size);
        let threads = pool
            .as_ref()
            .map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
        MapBlocks {
            reader,
            f: Arc::new(f),
            pool,
            cancelled: Arc::new(AtomicBool::new(false)),
            chunk_size,
            in_flight: self.in_flight.unwrap_or_else(|| threads.saturating_mul(2).max(4)),
            max_record: self.max_record.max(chunk_size),
            terminator: self.terminator,
            buf: Vec::new(),
            filled: 0,
            offset: 0,
            spare: Vec::new(),
            pending: VecDeque::new(),
            reader_done: false,
            finished: false,
        }
    }
}

/// The ways a stream can fail; see [`StreamError::kind`].
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamErrorKind {
    /// The reader returned an error (other than `Interrupted`, which is retried).
    Io(io::Error),
    /// A record without terminator grew past the limit (in bytes).
    RecordTooLong {
        /// The effective limit: `max(max_record, block size)`.
        limit: usize,
    },
}

/// An error that stopped a stream, with the byte offset where it happened.
#[derive(Debug)]
pub struct StreamError {
    kind: StreamErrorKind,
    offset: u64,
}

impl StreamError {
    pub(crate) fn new(kind: StreamErrorKind, offset: u64) -> StreamError {
        StreamError { kind, offset }
    }

    /// What went wrong.
    pub fn kind(&self) -> &StreamErrorKind {
        &self.kind
    }

    /// The byte offset in the input: for a read error, the number of bytes read
    /// successfully before it; for a record too long, the offset of its first byte.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            StreamErrorKind::Io(e) => write!(f, "read error at byte offset {}: {e}", self.offset),
            StreamErrorKind::RecordTooLong { limit } => {
                write!(
                    f,
                    "record at byte offset {} exceeds the limit of {limit} bytes",
                    self.offset
                )
            }
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            StreamErrorKind::Io(e) => Some(e),
            StreamErrorKind::RecordTooLong { .. } => None,
        }
    }
}

impl From<StreamError> for io::Error {
    /// A read error keeps its `ErrorKind`; a record too long becomes `InvalidData`.
    /// The message carries the offset.
    fn from(e: StreamError) -> Self {
        let kind = match &e.kind {
            StreamErrorKind::Io(inner) => inner.kind(),
            StreamErrorKind::RecordTooLong { .. } => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

/// The user's closure, type-erased: one virtual call per block costs nothing.
type BlockFn<T> = dyn Fn(&[u8]) -> T + Send + Sync;

/// What a block task sends back: the closure's result (or its panic) and the
/// block's buffer, for reuse.
type Done<T> = (thread::Result<T>, Vec<u8>);

/// A block handed to the pool, or the error that ended reading.
enum Slot<T> {
    Running(Receiver<Done<T>>),
    Failed(StreamError),
}

/// The iterator returned by [`ReaderPipeline::map_blocks`]: the closure's result for
/// each block, in input order.
pub struct MapBlocks<Rd, T> {
    reader: Rd,
    f: Arc<BlockFn<T>>,
    pool: Option<Arc<ThreadPool>>,
    /// Set on drop: block tasks that have not started skip the closure.
    cancelled: Arc<AtomicBool>,
    chunk_size: usize,
    in_flight: usize,
    max_record: usize,
    terminator: u8,
    /// The block being filled; `buf[..filled]` holds data, starting with the
    /// carried tail of the previous block, which contains no terminator.
    buf: Vec<u8>,
    filled: usize,
    /// The input offset of `buf[0]`.
    offset: u64,
    /// Buffers returned by finished blocks, reused to avoid page faults.
    spare: Vec<Vec<u8>>,
    pending: VecDeque<Slot<T>>,
    reader_done: bool,
    finished: bool,
}

/// How many returned buffers are kept for reuse: in steady state one block is
/// taken and one is read per step, so two suffice.
const SPARE_BUFFERS: usize = 2;

impl<Rd: Read, T: Send + 'static> MapBlocks<Rd, T> {
    /// A buffer of at least `len` bytes, reused if possible (reads grow it
    /// further as bytes arrive).
    fn take_buffer(&mut self, len: usize) -> Vec<u8> {
        let mut buf = self.spare.pop().unwrap_or_default();
        if buf.len() < len {
            buf.resize(len, 0);
        }
        buf
    }

    fn recycle(&mut self, buf: Vec<u8>) {
        // A buffer grown for a long record is not kept: memory returns to normal.
        if self.spare.len() < SPARE_BUFFERS && buf.len() <= self.chunk_size.saturating_mul(2) {
            self.spare.push(buf);
        }
    }

    /// Reads the next block: `Some((buffer, len))` with the block in
    /// `buffer[..len]`, or `None` at the end of the input.
    fn read_block(&mut self) -> Result<Option<(Vec<u8>, usize)>, StreamError> {
        let chunk = self.chunk_size;
        // buf[..searched] is known to hold no terminator.
        let mut searched = self.filled;
        loop {
            if self.filled >= chunk {
                if let Some(i) = memchr::memrchr(self.terminator, &self.buf[searched..self.filled]) {
                    return Ok(Some(self.cut(searched + i + 1)));
                }
                searched = self.filled;
                if self.filled > self.max_record {
                    return Err(StreamError {
                        kind: StreamErrorKind::RecordTooLong {
                            limit: self.max_record,
                        },
                        offset: self.offset,
                    });
                }
            }
            // Below a block, fill the block; past it, the record is long: read
            // another block's worth and look for its end there, up to one byte
            // past the limit (enough to see a terminator right after a record of
            // exactly the limit), so the block ends soon after the long record.
            // Always more than `filled`, so the fill reads at least one byte or
            // reports the end. The buffer grows as bytes arrive (`fill_vec`),
            // so a huge chunk size over a short input allocates little.
            let to = if self.filled < chunk {
                chunk
            } else {
                self.filled
                    .saturating_add(chunk)
                    .min(self.max_record.saturating_add(1))
            };
            match crate::io::fill_vec(&mut self.reader, &mut self.buf, &mut self.filled, to) {
                Ok(true) => {
                    self.reader_done = true;
                    return Ok((self.filled > 0).then(|| self.cut(self.filled)));
                }
                Ok(false) => {}
                Err(e) => {
                    return Err(StreamError {
                        kind: StreamErrorKind::Io(e),
                        offset: self.offset + self.filled as u64,
                    })
                }
            }
        }
    }

    /// Ends the current block at `end`, carrying `buf[end..filled]` into a new one.
    fn cut(&mut self, end: usize) -> (Vec<u8>, usize) {
        let tail = self.filled - end;
        let mut next = self.take_buffer(tail);
        next[..tail].copy_from_slice(&self.buf[end..self.filled]);
        let block = std::mem::replace(&mut self.buf, next);
        self.filled = tail;
        self.offset += end as u64;
        (block, end)
    }

    fn spawn(&mut self, block: Vec<u8>, len: usize) {
        let (tx, rx) = mpsc::sync_channel(1);
        let f = Arc::clone(&self.f);
        let cancelled = Arc::clone(&self.cancelled);
        let job = move || {
            if cancelled.load(Ordering::Relaxed) {
                return;
            }
            // Caught here: an uncaught panic in a rayon::spawn job aborts the process.
            let result = panic::catch_unwind(AssertUnwindSafe(|| f(&block[..len])));
            // The receiver is gone if the iterator was dropped: nothing to do.
            let _ = tx.send((result, block));
        };
        match &self.pool {
            Some(pool) => pool.spawn(job),
            None => rayon::spawn(job),
        }
        self.pending.push_back(Slot::Running(rx));
    }

    /// Reads and hands out blocks until `in_flight` are pending or the input ends.
    fn top_up(&mut self) {
        while !self.reader_done && self.pending.len() < self.in_flight {
            match self.read_block() {
                Ok(Some((block, len))) => self.spawn(block, len),
                Ok(None) => {}
                Err(e) => {
                    self.reader_done = true;
                    self.pending.push_back(Slot::Failed(e));
                }
            }
        }
    }

    fn finish(&mut self) {
        self.finished = true;
        self.reader_done = true;
        self.cancelled.store(true, Ordering::Relaxed);
        self.pending.clear();
    }
}

/// Waits for a block's result. On a rayon worker (the consumer runs inside
/// `pool.install`), blocking could starve the pool of the thread that would run
/// the block, so the wait runs queued jobs until none is left: then the block is
/// running on another thread and blocking is safe.
fn wait<T>(rx: &Receiver<T>) -> T {
    const LOST: &str = "a rayon block task ended without reporting (rayon broke its contract)";
    loop {
        match rx.try_recv() {
            Ok(done) => return done,
            Err(TryRecvError::Disconnected) => panic!("{LOST}"),
            Err(TryRecvError::Empty) => {}
        }
        match rayon::yield_now() {
            Some(rayon::Yield::Executed) => continue,
            Some(rayon::Yield::Idle) | None => return rx.recv().expect(LOST),
        }
    }
}

impl<Rd: Read, T: Send + 'static> Iterator for MapBlocks<Rd, T> {
    type Item = Result<T, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        self.top_up();
        match self.pending.pop_front() {
            None => {
                self.finish();
                None
            }
            Some(Slot::Failed(e)) => {
                self.finish();
                Some(Err(e))
            }
            Some(Slot::Running(rx)) => {
                let (result, block) = wait(&rx);
                self.recycle(block);
                match result {
                    Ok(value) => Some(Ok(value)),
                    Err(payload) => {
                        self.finish();
                        panic::resume_unwind(payload)
                    }
                }
            }
        }
    }
}

impl<Rd: Read, T: Send + 'static> std::iter::FusedIterator for MapBlocks<Rd, T> {}

impl<Rd, T> Drop for MapBlocks<Rd, T> {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

impl<Rd, T> fmt::Debug for MapBlocks<Rd, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapBlocks")
            .field("chunk_size", &self.chunk_size)
            .field("in_flight", &self.in_flight)
            .field("max_record", &self.max_record)
            .field("offset", &self.offset)
            .field("pending", &self.pending.len())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block as bytes, so tests can check the cuts themselves.
    fn blocks(input: &[u8], chunk: usize, max_record: usize) -> Vec<Result<Vec<u8>, String>> {
        ReaderPipeline::new()
            .chunk_size(chunk)
            .max_record(max_record)
            .in_flight(3)
            .map_blocks(input, |b: &[u8]| b.to_vec())
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn blocks_end_after_the_last_terminator_and_carry_the_tail() {
        let got = blocks(b"ab\ncd\nef", 4, 100);
        assert_eq!(
            got,
            vec![Ok(b"ab\n".to_vec()), Ok(b"cd\n".to_vec()), Ok(b"ef".to_vec())]
        );
    }

    #[test]
    fn a_block_of_many_records_is_cut_at_its_last_terminator() {
        let got = blocks(b"a\nb\nc\nd\ne", 6, 100);
        assert_eq!(got, vec![Ok(b"a\nb\nc\n".to_vec()), Ok(b"d\ne".to_vec())]);
    }

    #[test]
    fn a_record_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not() {
        let ok = [b"x".repeat(10), b"\ny\n".to_vec()].concat();
        assert_eq!(
            blocks(&ok, 2, 10),
            vec![Ok(b"xxxxxxxxxx\n".to_vec()), Ok(b"y\n".to_vec())]
        );
        let long = [b"y\n".to_vec(), b"x".repeat(11), b"\n".to_vec()].concat();
        assert_eq!(
            blocks(&long, 2, 10),
            vec![
                Ok(b"y\n".to_vec()),
                Err("record at byte offset 2 exceeds the limit of 10 bytes".into())
            ]
        );
    }

    #[test]
    fn empty_input_yields_nothing() {
        assert!(blocks(b"", 4, 4).is_empty());
    }
}
