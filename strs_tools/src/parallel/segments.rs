//! `ParSegments`: the pieces of a finished parallel split as an *indexed*
//! parallel iterator.
//!
//! After the stitch every chunk's share is two slices (the serial pass's output
//! and the rest of the chunk's body), so the total count and every item's index
//! are known. Being indexed lets rayon `collect` write each item straight into
//! the final `Vec` (no per-job vectors linked and copied again), and lets callers
//! `zip`, `enumerate` or `collect_into_vec`.

use rayon::iter::plumbing::{bridge, Consumer, Producer, ProducerCallback, UnindexedConsumer};
use rayon::iter::{IndexedParallelIterator, ParallelIterator};

use super::split::ChunkOutput;

/// The pieces of a parallel split, in order: see
/// [`ParallelStringExt::par_split`](super::ParallelStringExt::par_split).
pub struct ParSegments<T> {
    chunks: Vec<ChunkOutput<T>>,
    len: usize,
}

impl<T> ParSegments<T> {
    pub(crate) fn new(chunks: Vec<ChunkOutput<T>>) -> ParSegments<T> {
        let len = chunks.iter().map(ChunkOutput::len).sum();
        ParSegments { chunks, len }
    }
}

impl<T> std::fmt::Debug for ParSegments<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParSegments").field("len", &self.len).finish()
    }
}

impl<T: Copy + Send + Sync> ParallelIterator for ParSegments<T> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<T>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.len)
    }
}

impl<T: Copy + Send + Sync> IndexedParallelIterator for ParSegments<T> {
    fn len(&self) -> usize {
        self.len
    }

    fn drive<C: Consumer<T>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }

    fn with_producer<CB: ProducerCallback<T>>(self, callback: CB) -> CB::Output {
        let parts: Vec<&[T]> = self
            .chunks
            .iter()
            .flat_map(ChunkOutput::parts)
            .filter(|p| !p.is_empty())
            .collect();
        callback.callback(Parts {
            head: &[],
            middle: &parts,
            tail: &[],
            len: self.len,
        })
    }
}

/// A run of items spread over slices: `head`, then every slice of `middle`, then
/// `tail`. Both the producer and its sequential iterator.
struct Parts<'p, T> {
    head: &'p [T],
    middle: &'p [&'p [T]],
    tail: &'p [T],
    len: usize,
}

impl<'p, T> Parts<'p, T> {
    /// Splits the middle so that the left side holds `index` items after `head`.
    fn split_middle(self, index: usize) -> (Self, Self) {
        let mut seen = 0;
        for (k, part) in self.middle.iter().enumerate() {
            if index <= seen + part.len() {
                let (l, r) = part.split_at(index - seen);
                let left = Parts {
                    head: self.head,
                    middle: &self.middle[..k],
                    tail: l,
                    len: self.head.len() + index,
                };
                let right = Parts {
                    head: r,
                    middle: &self.middle[k + 1..],
                    tail: self.tail,
                    len: self.len - left.len,
                };
                return (left, right);
            }
            seen += part.len();
        }
        // `index` lies in the tail.
        let (l, r) = self.tail.split_at(index - seen);
        let left_len = self.head.len() + index;
        let left = Parts {
            head: self.head,
            middle: self.middle,
            tail: l,
            len: left_len,
        };
        (
            left,
            Parts {
                head: r,
                middle: &[],
                tail: &[],
                len: self.len - left_len,
            },
        )
    }
}

impl<T: Copy> Iterator for Parts<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        loop {
            if let Some((&first, rest)) = self.head.split_first() {
                self.head = rest;
                self.len -= 1;
                return Some(first);
            }
            match self.middle.split_first() {
                Some((&part, rest)) => {
                    self.head = part;
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

impl<T: Copy> DoubleEndedIterator for Parts<'_, T> {
    fn next_back(&mut self) -> Option<T> {
        loop {
            if let Some((&last, rest)) = self.tail.split_last() {
                self.tail = rest;
                self.len -= 1;
                return Some(last);
            }
            match self.middle.split_last() {
                Some((&part, rest)) => {
                    self.tail = part;
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

impl<T: Copy> ExactSizeIterator for Parts<'_, T> {}

impl<'p, T: Copy + Send + Sync> Producer for Parts<'p, T> {
    type Item = T;
    type IntoIter = Parts<'p, T>;

    fn into_iter(self) -> Self::IntoIter {
        self
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        if index <= self.head.len() {
            let (l, r) = self.head.split_at(index);
            let left = Parts {
                head: l,
                middle: &[],
                tail: &[],
                len: index,
            };
            (
                left,
                Parts {
                    head: r,
                    middle: self.middle,
                    tail: self.tail,
                    len: self.len - index,
                },
            )
        } else {
            let head_len = self.head.len();
            self.split_middle(index - head_len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_anywhere_preserves_order_and_length() {
        let a = [1, 2, 3];
        let b = [4];
        let c = [5, 6];
        let middle: [&[i32]; 3] = [&a, &b, &c];
        let all: Vec<i32> = (1..=6).collect();
        for i in 0..=6 {
            let parts = Parts {
                head: &[][..],
                middle: &middle[..],
                tail: &[][..],
                len: 6,
            };
            let (l, r) = parts.split_at(i);
            assert_eq!((l.len, r.len), (i, 6 - i));
            let joined: Vec<i32> = l.chain(r).collect();
            assert_eq!(joined, all);
            for j in 0..=i {
                let parts = Parts {
                    head: &[][..],
                    middle: &middle[..],
                    tail: &[][..],
                    len: 6,
                };
                let (l, r) = parts.split_at(i);
                let (ll, lr) = l.split_at(j);
                let back: Vec<i32> = ll.chain(lr).chain(r).rev().collect();
                assert_eq!(back, all.iter().rev().copied().collect::<Vec<_>>());
            }
        }
    }
}
