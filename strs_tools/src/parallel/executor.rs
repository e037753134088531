//! The work-stealing executor: batches of tasks over one borrowed input, run on a
//! rayon pool of a chosen size (rayon *is* the work-stealing deque), results in
//! task order, oversized tasks subdivided at caller-declared safe cuts.

use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::parallel::plan::{cuts_to_char_boundaries, terminated_ranges};
use crate::parallel::pool;

/// Runs batches of tasks over **borrowed** text on a work-stealing rayon pool.
///
/// A task is a byte range of the input; a task function (`Fn(&str) -> R`, any
/// operation: a split, a search, a count) is applied to the text of each range.
/// Every task is its own unit of stealing, so a worker that runs out of work
/// takes the next task from a busy one; with
/// [`execute_subdivided`](Self::execute_subdivided), a task longer than
/// [`max_task_len`](Self::max_task_len) is first cut into pieces after a
/// terminator byte and its pieces' results combined in order, so even a single
/// huge task spreads over all workers.
///
/// * **Threads**: `new(n)` runs on a dedicated pool of `n` workers, built once per
///   process and cached; `new(0)` runs on the current pool (the global one, or
///   the one the caller `install`ed).
/// * **Panics**: a panicking task panics the call (the payload is re-raised in the
///   caller, after the tasks already started have finished); no partial result
///   is returned and the executor stays usable.
/// * **Positions**: a task sees only its text; where it needs its byte offset in
///   the input (say, to rebase `Split::start`), `text.as_ptr() as usize -
///   input.as_ptr() as usize` gives it, pieces of subdivided tasks included.
/// * **Nesting**: a task may itself use parallel operations (they run on the same
///   pool) or the executor; this does not deadlock. Do not hold a lock *across*
///   such a nested call that other tasks also take: while it waits, the worker
///   may run another task that blocks on the lock (rayon#592).
///
/// # Example
///
/// ```
/// use strs_tools::parallel::WorkStealingExecutor;
///
/// let text = "a b\nc\nd e f\n";
/// let executor = WorkStealingExecutor::new(2);
/// let words = executor.execute(text, &[0..4, 4..6, 6..12], |t| t.split_whitespace().count());
/// assert_eq!(words, vec![2, 1, 3]);
/// ```
#[derive(Clone, Debug)]
pub struct WorkStealingExecutor {
    threads: Option<usize>,
    max_task_len: usize,
    terminator: u8,
}

impl WorkStealingExecutor {
    /// An executor with `threads` workers (`0`: the current pool; counts above
    /// 1024 are clamped). Tasks are subdivided at 256 KiB after a `\n` by
    /// default (see [`max_task_len`](Self::max_task_len)).
    pub fn new(threads: usize) -> WorkStealingExecutor {
        WorkStealingExecutor {
            threads: pool::normalize_threads(threads),
            max_task_len: 256 << 10,
            terminator: b'\n',
        }
    }

    /// How long a task [`execute_subdivided`](Self::execute_subdivided) runs
    /// whole (default 256 KiB, `0` counts as 1): a longer one is cut into
    /// pieces of at least `bytes` bytes, each ending right after the
    /// [`task_terminator`](Self::task_terminator).
    pub fn max_task_len(mut self, bytes: usize) -> WorkStealingExecutor {
        self.max_task_len = bytes.max(1);
        self
    }

    /// Where [`execute_subdivided`](Self::execute_subdivided) may cut a long
    /// task (default `\n`): right after a `terminator` byte (or, for a
    /// non-ASCII terminator, at the end of the character containing it). The
    /// terminator is the caller's promise that cutting there does not change the
    /// combined result; a task without a terminator in reach is not cut.
    pub fn task_terminator(mut self, terminator: u8) -> WorkStealingExecutor {
        self.terminator = terminator;
        self
    }

    /// The number of workers tasks run on.
    pub fn threads(&self) -> usize {
        pool::install(self.threads, rayon::current_num_threads)
    }

    /// Runs `task` on the text of every range of `input`; results in range order.
    /// Tasks are not subdivided.
    ///
    /// # Panics
    ///
    /// If a range is out of bounds or does not lie on character boundaries, or if
    /// `task` panics.
    pub fn execute<'a, R, F>(&self, input: &'a str, tasks: &[Range<usize>], task: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a str) -> R + Sync + Send,
    {
        pool::install(self.threads, || {
            tasks
                .par_iter()
                .with_max_len(1)
                .map(|r| task(&input[r.clone()]))
                .collect()
        })
    }

    /// Like [`execute`](Self::execute), but a task longer than
    /// [`max_task_len`](Self::max_task_len) is cut into pieces that run in
    /// parallel; a task's result is its pieces' results folded in order with
    /// `combine`, so `combine` must make the pieces' results equal the whole's
    /// (concatenation for a split, addition for a count).
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::WorkStealingExecutor;
    ///
    /// let text = "one two\nthree\nfour five six\n".repeat(100);
    /// let executor = WorkStealingExecutor::new(2).max_task_len(16).task_terminator(b'\n');
    /// let lines = executor.execute_subdivided(
    ///     &text,
    ///     &[0..text.len()],
    ///     |t| t.lines().collect::<Vec<_>>(),
    ///     |mut a, b| { a.extend(b); a },
    /// );
    /// assert_eq!(lines[0], text.lines().collect::<Vec<_>>());
    /// ```
    ///
    /// # Panics
    ///
    /// As [`execute`](Self::execute), and if `combine` panics.
    pub fn execute_subdivided<'a, R, F, C>(
        &self,
        input: &'a str,
        tasks: &[Range<usize>],
        task: F,
        combine: C,
    ) -> Vec<R>
    where
        R: Send,
        F: Fn(&'a str) -> R + Sync + Send,
        C: Fn(R, R) -> R + Sync + Send,
    {
        // Check every task up front, so a bad range panics before any work runs.
        for r in tasks {
            let _ = &input[r.clone()];
        }
        let bytes = input.as_bytes();
        let pieces: Vec<(usize, Range<usize>)> = tasks
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                self.cut(bytes, r.clone())
                    .into_iter()
                    .map(move |piece| (i, piece))
            })
            .collect();
        let results: Vec<(usize, R)> = pool::install(self.threads, || {
            pieces
                .par_iter()
                .with_max_len(1)
                .map(|(i, r)| (*i, task(&input[r.clone()])))
                .collect()
        });
        let mut out: Vec<Option<R>> = tasks.iter().map(|_| None).collect();
        for (i, r) in results {
            out[i] = Some(match out[i].take() {
                None => r,
                Some(acc) => combine(acc, r),
            });
        }
        // A task of an empty range still gets its (single) piece's result.
        out.into_iter()
            .map(|r| r.expect("every task has at least one piece"))
            .collect()
    }

    /// Like [`execute`](Self::execute), but each task also gets a mutable scratch
    /// value owned by the worker it runs on, created with `S::default()` once per
    /// worker and call, and reused by every task that worker runs: buffers that a
    /// task would otherwise allocate afresh. (A task that re-enters the executor
    /// on the same worker gets a fresh scratch value for the inner tasks.)
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::WorkStealingExecutor;
    ///
    /// let text = "b a\nd c\n";
    /// let executor = WorkStealingExecutor::new(2);
    /// let sorted = executor.execute_with_scratch(text, &[0..4, 4..8], |words: &mut Vec<&str>, t| {
    ///     words.clear();
    ///     words.extend(t.split_whitespace());
    ///     words.sort_unstable();
    ///     words.join(" ")
    /// });
    /// assert_eq!(sorted, vec!["a b", "c d"]);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`execute`](Self::execute).
    pub fn execute_with_scratch<'a, S, R, F>(&self, input: &'a str, tasks: &[Range<usize>], task: F) -> Vec<R>
    where
        S: Default + Send,
        R: Send,
        F: Fn(&mut S, &'a str) -> R + Sync + Send,
    {
        pool::install(self.threads, || {
            let slots: Vec<Mutex<Option<S>>> = (0..rayon::current_num_threads())
                .map(|_| Mutex::new(None))
                .collect();
            tasks
                .par_iter()
                .with_max_len(1)
                .map(|r| {
                    let text = &input[r.clone()];
                    // Only this worker uses its slot, so the lock is free unless
                    // this very worker is inside a task already (a nested call
                    // stole a task here): then a fresh value, never a deadlock.
                    let slot = rayon::current_thread_index().and_then(|i| slots.get(i));
                    match slot.and_then(|s| s.try_lock().ok()) {
                        Some(mut guard) => task(guard.get_or_insert_with(S::default), text),
                        None => task(&mut S::default(), text),
                    }
                })
                .collect()
        })
    }

    /// The pieces `range` runs as: itself, or its cuts after the terminator.
    fn cut(&self, bytes: &[u8], range: Range<usize>) -> Vec<Range<usize>> {
        if range.end - range.start <= self.max_task_len {
            return vec![range];
        }
        let pieces = terminated_ranges(bytes, range, self.max_task_len, &[self.terminator]);
        if self.terminator.is_ascii() {
            pieces
        } else {
            // A non-ASCII terminator byte may be inside a character.
            cuts_to_char_boundaries(bytes, pieces)
        }
    }
}
