//! Appending a known number of items to a `Vec` from several threads at once,
//! each thread writing its own run of slots in place: what rayon's indexed
//! `collect` does, for producers that know how many items each part yields but
//! cannot be split at an arbitrary index (a chunk of text knows its piece count
//! only after counting, and cannot seek to its `i`-th piece).
//!
//! Writing in place matters for large results: the alternative, per-part
//! vectors appended at the end, writes every item twice and allocates twice.
//!
//! This module holds the crate's one `Vec::set_len`. Its safety argument is
//! local: slots are handed out as disjoint `&mut [MaybeUninit<T>]` runs, each
//! written front to back through [`Slots::push`] (safe code), and the length is
//! set only after every run reported itself full. A run that comes up short or
//! a panic in a writer leaves the length unchanged: the items already written
//! are leaked, never dropped twice nor read uninitialised.

use std::mem::MaybeUninit;

use rayon::prelude::*;

/// One run of uninitialised slots, written in order.
pub(crate) struct Slots<'s, T> {
    slots: &'s mut [MaybeUninit<T>],
    filled: usize,
}

impl<T> Slots<'_, T> {
    /// Writes the next slot.
    ///
    /// # Panics
    ///
    /// If the run is already full: a part yielded more items than it counted.
    #[inline]
    pub(crate) fn push(&mut self, item: T) {
        self.slots[self.filled].write(item);
        self.filled += 1;
    }

    /// Whether every slot of the run is written.
    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.filled == self.slots.len()
    }
}

/// Appends `counts.iter().sum()` items to `out`: for each `k`, `write(k, slots)`
/// runs in parallel and pushes exactly `counts[k]` items into `slots`; they land
/// in `out` in the order of `k`, after what `out` already held.
///
/// # Panics
///
/// If some `write` pushes more or fewer items than its count (the items written
/// are then leaked and `out` is unchanged), or if `write` panics.
pub(crate) fn par_extend_exact<T, W>(out: &mut Vec<T>, counts: &[usize], write: W)
where
    T: Send,
    W: Fn(usize, &mut Slots<'_, T>) + Sync,
{
    let total: usize = counts.iter().sum();
    out.reserve(total);
    let mut runs = Vec::with_capacity(counts.len());
    let mut rest = &mut out.spare_capacity_mut()[..total];
    for &n in counts {
        let (run, tail) = rest.split_at_mut(n);
        runs.push(run);
        rest = tail;
    }
    let complete = runs.into_par_iter().enumerate().all(|(k, run)| {
        let mut slots = Slots {
            slots: run,
            filled: 0,
        };
        write(k, &mut slots);
        slots.is_full()
    });
    assert!(complete, "every part yields exactly the items it counted");
    let len = out.len() + total;
    // SAFETY: `total` slots after the old length were reserved above and handed
    // out as disjoint runs of `counts[k]` slots; every run reported itself full,
    // and `Slots::push` writes slot `filled` before counting it, so all `total`
    // slots are initialised.
    unsafe {
        out.set_len(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_every_run_in_order_after_the_old_items() {
        let counts = [3, 0, 5, 1, 0];
        let mut out = vec![String::from("old")];
        par_extend_exact(&mut out, &counts, |k, slots| {
            for i in 0..counts[k] {
                slots.push(format!("{k}.{i}"));
            }
        });
        let expected: Vec<String> = std::iter::once("old".to_string())
            .chain(
                counts
                    .iter()
                    .enumerate()
                    .flat_map(|(k, &n)| (0..n).map(move |i| format!("{k}.{i}"))),
            )
            .collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn a_short_run_panics_and_leaves_the_vec_unchanged() {
        let mut out = vec![String::from("kept")];
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            par_extend_exact(&mut out, &[2, 2], |k, slots| {
                slots.push(format!("{k}"));
                if k == 0 {
                    slots.push("second".into());
                }
            });
        }));
        assert!(caught.is_err());
        assert_eq!(out, ["kept"]);
    }

    #[test]
    fn a_long_run_panics_and_leaves_the_vec_unchanged() {
        let mut out: Vec<String> = Vec::new();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            par_extend_exact(&mut out, &[1], |_, slots| {
                slots.push("one".into());
                slots.push("two".into());
            });
        }));
        assert!(caught.is_err());
        assert!(out.is_empty());
    }
}
