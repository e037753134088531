//! Chunk processing: a closure applied to consecutive pieces of the input on the
//! current rayon pool, results in input order. The cuts come from `plan`.

use std::ops::Range;

use rayon::prelude::*;

/// Applies `f` to every range, in parallel; results in range order.
pub(crate) fn map_ranges<R, F>(ranges: &[Range<usize>], f: F) -> Vec<R>
where
    R: Send,
    F: Fn(Range<usize>) -> R + Sync + Send,
{
    // One job per range: a range is already a sizeable piece of work, and
    // per-range stealing is what balances uneven ranges.
    ranges.par_iter().with_max_len(1).map(|r| f(r.clone())).collect()
}
