//! Chunk processing: a closure applied to consecutive pieces of the input on the
//! current rayon pool, results in input order. Owns the two ways of cutting:
//! fixed-size cuts on character boundaries (`plan::chunk_ranges`) and cuts right
//! after a terminator (whole lines), which the executor also uses to subdivide.

use std::ops::Range;

use memchr::{memchr, memmem};
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

/// Cuts `range` of `bytes` into consecutive, non-empty ranges of at least
/// `chunk_size` bytes (`0` counts as 1), each ending right after an occurrence of
/// `terminator`, except the last, which ends at `range.end`. Occurrences are
/// searched for from the nominal end, so a chunk without a terminator in reach
/// grows until one is found: a chunk never cuts a terminated record.
///
/// Occurrences are found by a forward search starting `terminator.len()` bytes
/// before the nominal end, so a multi-byte terminator must not overlap
/// itself (true of every UTF-8 encoded `char`). An empty terminator never
/// matches: the whole range is one chunk.
pub(crate) fn terminated_ranges(
    bytes: &[u8],
    range: Range<usize>,
    chunk_size: usize,
    terminator: &[u8],
) -> Vec<Range<usize>> {
    let chunk_size = chunk_size.max(1);
    let mut ranges = Vec::with_capacity((range.end - range.start) / chunk_size + 1);
    let mut start = range.start;
    let finder = (terminator.len() > 1).then(|| memmem::Finder::new(terminator));
    while start < range.end {
        let nominal = start.saturating_add(chunk_size);
        let end = if nominal >= range.end || terminator.is_empty() {
            range.end
        } else {
            let from = nominal - terminator.len().min(chunk_size);
            let hay = &bytes[from..range.end];
            let found = match &finder {
                Some(f) => f.find(hay),
                None => memchr(terminator[0], hay),
            };
            found.map_or(range.end, |pos| from + pos + terminator.len())
        };
        ranges.push(start..end);
        start = end;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_cover(bytes: &[u8], ranges: &[Range<usize>], terminator: &[u8]) {
        let mut expected = 0;
        for (i, r) in ranges.iter().enumerate() {
            assert_eq!(r.start, expected);
            assert!(r.end > r.start);
            if i + 1 < ranges.len() {
                assert!(
                    bytes[..r.end].ends_with(terminator),
                    "{r:?} does not end after a terminator"
                );
            }
            expected = r.end;
        }
        assert_eq!(expected, bytes.len());
    }

    #[test]
    fn terminated_ranges_end_after_terminators_and_cover_the_input() {
        let text = "ab\ncd→\n\nxyz→→q\n".repeat(3);
        for term in ["\n", "→"] {
            for size in 0..text.len() + 2 {
                let ranges = terminated_ranges(text.as_bytes(), 0..text.len(), size, term.as_bytes());
                check_cover(text.as_bytes(), &ranges, term.as_bytes());
                for r in &ranges {
                    assert!(text.is_char_boundary(r.end));
                    // At least `size` bytes, unless the input ended first.
                    assert!(r.end - r.start >= size.max(1) || r.end == text.len());
                }
            }
        }
    }

    #[test]
    fn a_chunk_without_terminator_grows_to_the_end() {
        assert_eq!(terminated_ranges(b"abcdef", 0..6, 2, b"\n"), vec![0..6]);
        assert_eq!(terminated_ranges(b"ab\ncdef", 0..7, 1, b"\n"), vec![0..3, 3..7]);
        assert_eq!(terminated_ranges(b"abcdef", 0..6, 2, b""), vec![0..6]);
        assert!(terminated_ranges(b"", 0..0, 2, b"\n").is_empty());
        assert_eq!(terminated_ranges(b"a\nb\nc", 2..5, 1, b"\n"), vec![2..4, 4..5]);
    }
}
