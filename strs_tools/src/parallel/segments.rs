//! `ParallelSplitIterator`: the pieces of a finished parallel split as an
//! *indexed* parallel iterator.
//!
//! After the stitch every chunk's share is two vectors' worth of items (the
//! serial pass's output, and the chunk's body from its first synced piece), so
//! the total count and every item's index are known. Being indexed lets rayon's
//! `collect` write each item straight into the final `Vec` (no per-job vectors
//! linked and copied again), and lets callers `zip`, `enumerate` or
//! `collect_into_vec`. Items are moved out of the chunk vectors with
//! `mem::take`, which is why they are `Default` (pieces default to an empty
//! segment).

use rayon::iter::plumbing::{bridge, Consumer, Producer, ProducerCallback, UnindexedConsumer};
use rayon::iter::{IndexedParallelIterator, ParallelIterator};

use super::split::ChunkOutput;

/// The pieces of a parallel split, in the sequential order: see
/// [`ParallelSplit::split_parallel`](super::ParallelSplit::split_parallel) and
/// [`ParallelStringExt::par_split`](super::ParallelStringExt::par_split). The
/// split itself is done when this is returned; iterating hands the pieces out.
pub struct ParallelSplitIterator<T> {
    chunks: Vec<ChunkOutput<T>>,
    len: usize,
}

impl<T> ParallelSplitIterator<T> {
    pub(crate) fn new(chunks: Vec<ChunkOutput<T>>) -> ParallelSplitIterator<T> {
        let len = chunks.iter().map(ChunkOutput::len).sum();
        ParallelSplitIterator { chunks, len }
    }

    /// The per-chunk outputs.
    pub(crate) fn into_chunks(self) -> Vec<ChunkOutput<T>> {
        self.chunks
    }
}

impl<T: Send> ParallelSplitIterator<T> {
    /// The pieces as a `Vec`, without the copy `collect` makes when the split
    /// ran as one chunk (one thread, or input smaller than a chunk); otherwise
    /// the same as `collect`.
    ///
    /// ```
    /// use strs_tools::parallel::ParallelSplit;
    ///
    /// let pieces = ParallelSplit::new().threads(1).split_parallel("a,b", &[","]).into_vec();
    /// assert_eq!(pieces.len(), 2);
    /// ```
    pub fn into_vec(mut self) -> Vec<T>
    where
        T: Default,
    {
        if self.chunks.len() == 1 {
            return self.chunks.pop().map(ChunkOutput::into_vec).unwrap_or_default();
        }
        self.collect()
    }
}

impl<T> std::fmt::Debug for ParallelSplitIterator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParallelSplitIterator")
            .field("len", &self.len)
            .field("chunks", &self.chunks.len())
            .finish()
    }
}

impl<T: Default + Send> ParallelIterator for ParallelSplitIterator<T> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<T>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.len)
    }
}

impl<T: Default + Send> IndexedParallelIterator for ParallelSplitIterator<T> {
    fn len(&self) -> usize {
        self.len
    }

    fn drive<C: Consumer<T>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }

    fn with_producer<CB: ProducerCallback<T>>(mut self, callback: CB) -> CB::Output {
        let mut parts: Vec<&mut [T]> = self
            .chunks
            .iter_mut()
            .flat_map(ChunkOutput::parts_mut)
            .filter(|p| !p.is_empty())
            .collect();
        let len = self.len;
        callback.callback(Parts {
            head: &mut [],
            middle: &mut parts,
            tail: &mut [],
            len,
        })
    }
}

/// A run of items spread over slices: `head`, then every slice of `middle`, then
/// `tail`. Both the producer and its sequential iterator; items are taken out,
/// leaving defaults behind.
struct Parts<'p, T> {
    head: &'p mut [T],
    middle: &'p mut [&'p mut [T]],
    tail: &'p mut [T],
    len: usize,
}

impl<'p, T> Parts<'p, T> {
    /// Splits so that the left side holds `index` items.
    fn split(self, index: usize) -> (Self, Self) {
        let Parts {
            head,
            middle,
            tail,
            len,
        } = self;
        if index <= head.len() {
            let (l, r) = head.split_at_mut(index);
            return (
                Parts {
                    head: l,
                    middle: &mut [],
                    tail: &mut [],
                    len: index,
                },
                Parts {
                    head: r,
                    middle,
                    tail,
                    len: len - index,
                },
            );
        }
        let mut seen = head.len();
        let mut k = 0;
        while k < middle.len() && seen + middle[k].len() < index {
            seen += middle[k].len();
            k += 1;
        }
        if k == middle.len() {
            // `index` lies in the tail.
            let (l, r) = tail.split_at_mut(index - seen);
            return (
                Parts {
                    head,
                    middle,
                    tail: l,
                    len: index,
                },
                Parts {
                    head: r,
                    middle: &mut [],
                    tail: &mut [],
                    len: len - index,
                },
            );
        }
        let (left_middle, rest) = middle.split_at_mut(k);
        let (split_part, right_middle) = rest.split_first_mut().expect("k is in range");
        let (l, r) = std::mem::take(split_part).split_at_mut(index - seen);
        (
            Parts {
                head,
                middle: left_middle,
                tail: l,
                len: index,
            },
            Parts {
                head: r,
                middle: right_middle,
                tail,
                len: len - index,
            },
        )
    }
}

impl<T: Default> Iterator for Parts<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        loop {
            if let Some((first, rest)) = std::mem::take(&mut self.head).split_first_mut() {
                self.head = rest;
                self.len -= 1;
                return Some(std::mem::take(first));
            }
            match std::mem::take(&mut self.middle).split_first_mut() {
                Some((part, rest)) => {
                    self.head = std::mem::take(part);
                    self.middle = rest;
                }
                None => {
                    self.head = std::mem::take(&mut self.tail);
                    if self.head.is_empty() {
                        return None;
                    }
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len, Some(self.len))
    }
}

impl<T: Default> DoubleEndedIterator for Parts<'_, T> {
    fn next_back(&mut self) -> Option<T> {
        loop {
            if let Some((last, rest)) = std::mem::take(&mut self.tail).split_last_mut() {
                self.tail = rest;
                self.len -= 1;
                return Some(std::mem::take(last));
            }
            match std::mem::take(&mut self.middle).split_last_mut() {
                Some((part, rest)) => {
                    self.tail = std::mem::take(part);
                    self.middle = rest;
                }
                None => {
                    self.tail = std::mem::take(&mut self.head);
                    if self.tail.is_empty() {
                        return None;
                    }
                }
            }
        }
    }
}

impl<T: Default> ExactSizeIterator for Parts<'_, T> {}

impl<'p, T: Default + Send> Producer for Parts<'p, T> {
    type Item = T;
    type IntoIter = Parts<'p, T>;

    fn into_iter(self) -> Self::IntoIter {
        self
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        self.split(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_anywhere_preserves_order_and_length() {
        let all: Vec<i32> = (1..=6).collect();
        for i in 0..=6 {
            for j in 0..=i {
                let (mut a, mut b, mut c) = (vec![1, 2, 3], vec![4], vec![5, 6]);
                let mut middle: Vec<&mut [i32]> = vec![&mut a, &mut b, &mut c];
                let parts = Parts {
                    head: &mut [],
                    middle: &mut middle,
                    tail: &mut [],
                    len: 6,
                };
                let (l, r) = parts.split(i);
                assert_eq!((l.len, r.len), (i, 6 - i));
                let (ll, lr) = l.split(j);
                let forward: Vec<i32> = ll.chain(lr).chain(r).collect();
                assert_eq!(forward, all);
            }
            let (mut a, mut b, mut c) = (vec![1, 2, 3], vec![4], vec![5, 6]);
            let mut middle: Vec<&mut [i32]> = vec![&mut a, &mut b, &mut c];
            let (l, r) = Parts {
                head: &mut [],
                middle: &mut middle,
                tail: &mut [],
                len: 6,
            }
            .split(i);
            let backward: Vec<i32> = r.rev().chain(l.rev()).collect();
            assert_eq!(backward, all.iter().rev().copied().collect::<Vec<_>>());
        }
    }
}
