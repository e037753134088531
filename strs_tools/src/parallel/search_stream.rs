//! The exact parallel search in bounded memory: an input searched a window at a
//! time (a memory-mapped file walked in pieces, or any `Read`), with exactly the
//! matches [`ParallelSearcher::find_all`] gives over the whole input, in the same
//! order.
//!
//! Consecutive windows overlap by the longest pattern's length minus one, so
//! every match lies whole in some window. Two things then need care:
//!
//! * **Order.** A match starting in the overlap at the end of one window is held
//!   back: the next window may find a longer pattern's match that starts before
//!   it (and did not fit in this window).
//! * **Phase.** Matches of one pattern do not overlap (`match_indices`): after a
//!   match that ends inside the overlap, the pattern's scan must resume at that
//!   end, not at the window start. For most patterns both scans find the same
//!   matches; for a self-overlapping pattern (`aa` over `aaaa…`) they can
//!   disagree, and both are walked until they meet, which they do within one
//!   pattern length of real text (or at the end of a run of repeats).

use std::io::Read;
use std::ops::ControlFlow;

use memchr::memmem;

use super::search::ParallelSearcher;
use super::stream::{StreamError, StreamErrorKind};
use crate::matcher::Match;

/// A search over an input given window by window: see
/// [`ParallelSearcher::windows`].
///
/// Each window is searched in parallel (on the current rayon pool), and
/// [`search`](Self::search) returns the matches that are final: their
/// concatenation over all windows is exactly
/// [`find_all`](ParallelSearcher::find_all) over the whole input, with offsets
/// counted from the input's first byte.
#[derive(Clone, Debug)]
pub struct WindowSearch<'s> {
    searcher: &'s ParallelSearcher,
    /// The input offset of the next window's first byte.
    base: usize,
    /// Per pattern: the end of its last match found so far.
    resume: Vec<usize>,
    /// Matches found in the overlap at the end of the last window, returned
    /// with the next one's.
    pending: Vec<Match>,
    /// The last window was searched.
    done: bool,
}

impl ParallelSearcher {
    /// A search over an input that arrives in windows, each searched in
    /// parallel: the matches of [`find_all`](Self::find_all) over the whole
    /// input, in bounded memory. The first window starts at the input's first
    /// byte and each next one repeats the last [`overlap`](Self::overlap) bytes
    /// of the previous one.
    ///
    /// ```
    /// use strs_tools::parallel::ParallelSearcher;
    ///
    /// let input = b"abcabcaaaa";
    /// let searcher = ParallelSearcher::new(&["ca", "aa"]);
    /// let mut windows = searcher.windows();
    /// let overlap = searcher.overlap(); // 1
    /// let mut found = windows.search(&input[..4], false); // "abca"
    /// found.extend(windows.search(&input[4 - overlap..8], false)); // "abcaa"
    /// found.extend(windows.search(&input[8 - overlap..], true)); // "aaa"
    /// assert_eq!(found, searcher.find_all(input));
    /// ```
    pub fn windows(&self) -> WindowSearch<'_> {
        WindowSearch {
            searcher: self,
            base: 0,
            resume: vec![0; self.pattern_count()],
            pending: Vec::new(),
            done: false,
        }
    }

    /// Every match in `reader`, in input order, handed to `sink` a batch at a
    /// time: the matches of [`find_all`](Self::find_all) over the whole
    /// input, with offsets from its first byte, in memory bounded by `window`
    /// (the new bytes read per batch; `0` means
    /// [`DEFAULT_CHUNK_SIZE`](crate::parallel::DEFAULT_CHUNK_SIZE)) plus the
    /// matches of one window. Each window is searched in parallel on the
    /// current rayon pool. `sink` returning `Break` stops the search.
    ///
    /// # Errors
    ///
    /// A read error ([`StreamErrorKind::Io`]), after the matches the bytes read
    /// before it decide were handed to `sink`.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use strs_tools::parallel::ParallelSearcher;
    ///
    /// let log = "ok\nerror: disk\nwarning: fan\nerror: net\n".repeat(1000);
    /// let searcher = ParallelSearcher::new(&["error", "warning"]);
    /// let mut counts = [0usize; 2];
    /// searcher.find_reader(log.as_bytes(), 100, |batch| {
    ///     batch.iter().for_each(|m| counts[m.pattern] += 1);
    ///     ControlFlow::Continue(())
    /// })?;
    /// assert_eq!(counts, [2000, 1000]);
    /// # Ok::<(), strs_tools::parallel::StreamError>(())
    /// ```
    pub fn find_reader<R: Read>(
        &self,
        mut reader: R,
        window: usize,
        mut sink: impl FnMut(&[Match]) -> ControlFlow<()>,
    ) -> Result<(), StreamError> {
        let overlap = self.overlap();
        let window = match window {
            0 => super::DEFAULT_CHUNK_SIZE,
            w => w,
        }
        .max(overlap + 1);
        let mut search = self.windows();
        // The previous window's last `overlap` bytes, then the new ones; the
        // buffer grows as bytes arrive, whatever the window size.
        let mut buf = Vec::new();
        let mut filled = 0;
        loop {
            let want = overlap.saturating_add(window);
            let (last, error) = match crate::io::fill_vec(&mut reader, &mut buf, &mut filled, want) {
                Ok(eof) => (eof, None),
                Err(e) => {
                    let at = search.end(&buf[..filled]);
                    (false, Some(StreamError::new(StreamErrorKind::Io(e), at)))
                }
            };
            if filled <= overlap && !last {
                // A read error before a full window: nothing more is decided.
                return Err(error.expect("only a failed read stops short of a window"));
            }
            let found = search.search(&buf[..filled], last);
            if !found.is_empty() && sink(&found).is_break() {
                return Ok(());
            }
            if let Some(e) = error {
                return Err(e);
            }
            if last {
                return Ok(());
            }
            buf.copy_within(filled - overlap..filled, 0);
            filled = overlap;
        }
    }
}

impl WindowSearch<'_> {
    /// The input offset just past `window`, the next one to search.
    fn end(&self, window: &[u8]) -> u64 {
        (self.base + window.len()) as u64
    }

    /// Searches the next window (`last`: it ends the input) and returns the
    /// matches that are now final, sorted by start, then by pattern, with
    /// offsets from the input's first byte. Those that start in the overlap at
    /// the window's end come with the next window's matches.
    ///
    /// `window` is the input's bytes from where the previous window ended minus
    /// [`overlap`](ParallelSearcher::overlap) (from 0 for the first).
    ///
    /// # Panics
    ///
    /// If a window that is not the last is no longer than the overlap (it would
    /// not move the search forward), or if a window follows the last one.
    pub fn search(&mut self, window: &[u8], last: bool) -> Vec<Match> {
        let overlap = self.searcher.overlap();
        assert!(!self.done, "no window follows the last one");
        assert!(
            last || window.len() > overlap,
            "a window before the last is longer than the overlap ({overlap} bytes)"
        );
        let base = self.base;
        let mut found = self.searcher.find_all(window);
        found.iter_mut().for_each(|m| {
            m.start += base;
            m.end += base;
        });
        let mut fixed = false;
        for p in 0..self.resume.len() {
            let resume = self.resume[p];
            let Some(finder) = self.searcher.finder(p).filter(|_| resume > base) else {
                continue;
            };
            let (removed, added) = phase_fix(finder, window, resume - base);
            if removed.is_empty() && added.is_empty() {
                continue;
            }
            fixed = true;
            let len = finder.needle().len();
            found.retain(|m| m.pattern != p || removed.binary_search(&(m.start - base)).is_err());
            found.extend(added.iter().map(|&s| Match {
                start: base + s,
                end: base + s + len,
                pattern: p,
            }));
        }
        for m in &found {
            self.resume[m.pattern] = self.resume[m.pattern].max(m.end);
        }
        if fixed || !self.pending.is_empty() {
            found.append(&mut self.pending);
            found.sort_unstable_by_key(|m| (m.start, m.pattern));
        }
        if last {
            self.done = true;
        } else {
            let next = base + window.len() - overlap;
            let cut = found.partition_point(|m| m.start < next);
            self.pending = found.split_off(cut);
            self.base = next;
        }
        found
    }
}

/// Walks one pattern's greedy scan from the window's start (`a`: what the
/// window search reported) and the true one resuming at `resume` (`b`) until
/// they meet; returns the starts only `a` has (sorted) and those only `b` has.
fn phase_fix(finder: &memmem::Finder<'_>, hay: &[u8], resume: usize) -> (Vec<usize>, Vec<usize>) {
    let len = finder.needle().len();
    let find = |from: usize| {
        hay.get(from..)
            .and_then(|rest| finder.find(rest))
            .map(|k| from + k)
    };
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut a, mut b) = (find(0), find(resume));
    loop {
        match (a, b) {
            (Some(x), Some(y)) if x == y => break,
            (None, None) => break,
            (Some(x), Some(y)) if x < y => {
                removed.push(x);
                a = find(x + len);
            }
            (Some(x), None) => {
                removed.push(x);
                a = find(x + len);
            }
            (_, Some(y)) => {
                added.push(y);
                b = find(y + len);
            }
        }
    }
    (removed, added)
}
