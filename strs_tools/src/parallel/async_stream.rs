//! `ParallelStreamProcessor`: a `futures::Stream` mapped through a CPU-bound closure
//! on the rayon pool (never on the async runtime's workers), in input order or in
//! completion order, pulling at most `2 × parallelism` items ahead of the consumer.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread;

use futures::channel::oneshot;
use futures::stream::{BufferUnordered, Buffered, Stream, StreamExt};

use super::pool;

/// Maps a [`Stream`] through a CPU-bound closure on the rayon pool, with
/// backpressure.
///
/// * **Order**: [`process`](Self::process) yields `f(item)` in input order;
///   [`process_unordered`](Self::process_unordered) in completion order.
/// * **Where**: `f` runs on the rayon pool (via `rayon::spawn`: the global pool, or
///   the pool of the polling thread if that is a rayon worker), never on the async
///   runtime's threads; at most `parallelism` calls of `f` run at once, started in
///   input order.
/// * **Bound**: at most `2 × parallelism` items are pulled from the input beyond
///   those the consumer has taken; a consumer that stops polling stops the input.
/// * **Progress**: items are handed to the pool as soon as they are pulled, and
///   a finished call starts the next queued one, so the pool keeps working while
///   the consumer is busy (until the read-ahead bound is reached).
/// * **Drop**: dropping the output stream stops pulling. Calls of `f` already
///   running finish on the pool and their results are discarded; items pulled but
///   not started are dropped without calling `f`.
///
/// Semantically `process()` is the same as `input.map(f)`, but on every core.
///
/// # Panics
///
/// A panic in `f` is caught on the rayon thread and resumed in the consumer's
/// `poll_next` when that item's result is due (in input order for `process`); the
/// rayon pool is unaffected.
///
/// # Example
///
/// ```
/// use futures::{executor::block_on, stream, StreamExt};
/// use strs_tools::parallel::ParallelStreamProcessor;
///
/// let lines = stream::iter(vec!["a b", "c", "d e f"]);
/// let words: Vec<usize> =
///     block_on(ParallelStreamProcessor::new(lines, |l: &str| l.split(' ').count(), 2).process().collect());
/// assert_eq!(words, vec![2, 1, 3]);
/// ```
#[derive(Debug)]
pub struct ParallelStreamProcessor<S, F> {
    input: S,
    f: Arc<F>,
    parallelism: usize,
}

impl<S, F, T> ParallelStreamProcessor<S, F>
where
    S: Stream,
    S::Item: Send + 'static,
    F: Fn(S::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    /// Prepares to map `input` through `f` with at most `parallelism` calls of `f`
    /// at once. `parallelism` `0` means the number of threads of the rayon pool of
    /// the calling thread; absurd values are clamped to 1024.
    pub fn new(input: S, f: F, parallelism: usize) -> Self {
        let parallelism = pool::normalize_threads(parallelism).unwrap_or_else(rayon::current_num_threads);
        Self {
            input,
            f: Arc::new(f),
            parallelism,
        }
    }

    /// The number of calls of `f` that may run at once (after normalisation).
    ///
    /// ```
    /// # use strs_tools::parallel::ParallelStreamProcessor;
    /// let p = ParallelStreamProcessor::new(futures::stream::iter(0..3), |x: i32| x, 3);
    /// assert_eq!(p.parallelism(), 3);
    /// ```
    pub fn parallelism(&self) -> usize {
        self.parallelism
    }

    /// The stream of `f`'s results, in input order.
    ///
    /// A slow item holds back the results after it (up to the read-ahead bound of
    /// `2 × parallelism` items); see the type's docs for the guarantees.
    pub fn process(self) -> Processed<S, T> {
        let ahead = self.read_ahead();
        Processed {
            inner: self.tasks().buffered(ahead),
        }
    }

    /// The stream of `f`'s results, in the order they complete.
    ///
    /// ```
    /// use futures::{executor::block_on, stream, StreamExt};
    /// use strs_tools::parallel::ParallelStreamProcessor;
    ///
    /// let squares = ParallelStreamProcessor::new(stream::iter(1..=4u64), |x| x * x, 2).process_unordered();
    /// let mut got: Vec<u64> = block_on(squares.collect());
    /// got.sort_unstable();
    /// assert_eq!(got, vec![1, 4, 9, 16]);
    /// ```
    pub fn process_unordered(self) -> ProcessedUnordered<S, T> {
        let ahead = self.read_ahead();
        ProcessedUnordered {
            inner: self.tasks().buffer_unordered(ahead),
        }
    }

    /// Both combinators hold at most this many futures, pending or completed but
    /// not yet taken: that is the read-ahead bound.
    fn read_ahead(&self) -> usize {
        2 * self.parallelism
    }

    /// Each input item is handed to the pool as soon as it is pulled and becomes a
    /// future of its result; the combinator decides order and how many exist at
    /// once.
    fn tasks(self) -> Tasks<S, T> {
        Tasks {
            input: Box::pin(self.input),
            f: self.f,
            limiter: Arc::new(Limiter::new(self.parallelism)),
        }
    }
}

/// The stream returned by [`ParallelStreamProcessor::process`]: `f`'s results in
/// input order.
#[must_use = "streams do nothing unless polled"]
pub struct Processed<S, T>
where
    S: Stream,
    S::Item: Send + 'static,
    T: Send + 'static,
{
    inner: Buffered<Tasks<S, T>>,
}

/// The stream returned by [`ParallelStreamProcessor::process_unordered`]: `f`'s
/// results in the order they complete.
#[must_use = "streams do nothing unless polled"]
pub struct ProcessedUnordered<S, T>
where
    S: Stream,
    S::Item: Send + 'static,
    T: Send + 'static,
{
    inner: BufferUnordered<Tasks<S, T>>,
}

impl<S, T> Stream for Processed<S, T>
where
    S: Stream,
    S::Item: Send + 'static,
    T: Send + 'static,
{
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        // `Tasks` is `Unpin` (its input is boxed), so the combinator is too.
        self.inner.poll_next_unpin(cx).map(|item| item.map(resume))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S, T> Stream for ProcessedUnordered<S, T>
where
    S: Stream,
    S::Item: Send + 'static,
    T: Send + 'static,
{
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.inner.poll_next_unpin(cx).map(|item| item.map(resume))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S, T> fmt::Debug for Processed<S, T>
where
    S: Stream,
    S::Item: Send + 'static,
    T: Send + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Processed").finish_non_exhaustive()
    }
}

impl<S, T> fmt::Debug for ProcessedUnordered<S, T>
where
    S: Stream,
    S::Item: Send + 'static,
    T: Send + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedUnordered").finish_non_exhaustive()
    }
}

/// The input mapped to one [`Pending`] result per item, each item handed to the
/// pool as it is pulled.
struct Tasks<S: Stream, T> {
    input: Pin<Box<S>>,
    f: Arc<ItemFn<S::Item, T>>,
    limiter: Arc<Limiter>,
}

/// The user's closure, type-erased: one virtual call per item costs nothing.
type ItemFn<I, T> = dyn Fn(I) -> T + Send + Sync;

impl<S, T> Stream for Tasks<S, T>
where
    S: Stream,
    S::Item: Send + 'static,
    T: Send + 'static,
{
    type Item = Pending<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Pending<T>>> {
        let item = match self.input.as_mut().poll_next(cx) {
            Poll::Ready(Some(item)) => item,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        let (tx, rx) = oneshot::channel();
        let f = Arc::clone(&self.f);
        self.limiter.submit(Box::new(move || {
            if tx.is_canceled() {
                return; // the output stream was dropped before this item started
            }
            let result = panic::catch_unwind(AssertUnwindSafe(|| f(item)));
            let _ = tx.send(result);
        }));
        Poll::Ready(Some(Pending { rx }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.input.size_hint()
    }
}

/// One item's result, being computed on the pool: `f`'s value, or its panic.
///
/// The panic is not resumed here: the combinators poll every pending future as
/// it is woken, so a panic raised in `poll` would overtake the results of
/// earlier items. It is resumed when the combinator yields the item ([`resume`]).
struct Pending<T> {
    rx: oneshot::Receiver<thread::Result<T>>,
}

impl<T> Future for Pending<T> {
    type Output = thread::Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<thread::Result<T>> {
        Pin::new(&mut self.rx).poll(cx).map(|sent| {
            // A job sends unless its receiver is gone, and it is alive here.
            sent.unwrap_or_else(|oneshot::Canceled| unreachable!("a rayon job ended without reporting"))
        })
    }
}

/// An item's value, or its panic resumed now that the item is due.
fn resume<T>(result: thread::Result<T>) -> T {
    result.unwrap_or_else(|payload| panic::resume_unwind(payload))
}

/// A job for the pool; it must not panic (the closures above catch `f`'s panics,
/// since an uncaught panic in a `rayon::spawn` job aborts the process).
type Job = Box<dyn FnOnce() + Send>;

/// Runs jobs on the rayon pool, at most `limit` at once, in submission order.
/// Finished jobs start the queued ones themselves, so work proceeds while the
/// consumer is busy elsewhere and does not poll.
struct Limiter {
    limit: usize,
    state: Mutex<LimiterState>,
}

struct LimiterState {
    running: usize,
    queued: VecDeque<Job>,
}

impl Limiter {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            state: Mutex::new(LimiterState {
                running: 0,
                queued: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, LimiterState> {
        // Jobs never panic while holding the lock, so it is never poisoned; if it
        // were, the counters would still be consistent (each update is one step).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn submit(self: &Arc<Self>, job: Job) {
        let mut state = self.lock();
        if state.running < self.limit {
            state.running += 1;
            drop(state);
            let limiter = Arc::clone(self);
            rayon::spawn(move || limiter.run(job));
        } else {
            state.queued.push_back(job);
        }
    }

    /// Runs `job`, then queued jobs until none is left (the slot stays taken
    /// meanwhile, so the limit holds).
    fn run(&self, mut job: Job) {
        loop {
            job();
            let mut state = self.lock();
            match state.queued.pop_front() {
                Some(next) => job = next,
                None => {
                    state.running -= 1;
                    return;
                }
            }
        }
    }
}
