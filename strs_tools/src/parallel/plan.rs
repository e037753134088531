//! Chunk planning: where the input is cut into pieces of work.
//!
//! Nominal cuts are placed every `chunk_size` bytes; for text they are moved forward
//! to the next UTF-8 character boundary so every chunk is valid `str`. Operations
//! whose records must not be cut (split, search, CSV) do not trust these cuts: they
//! reconcile them with the sequential scan (see `parallel::split`).

use std::ops::Range;

use memchr::{memchr, memmem};

/// The chunk size `0` stands for, in every operation that takes a chunk size:
/// 1 MiB, large enough that per-chunk overhead vanishes, small enough to
/// balance.
pub const DEFAULT_CHUNK_SIZE: usize = 1 << 20;

/// A caller's chunk size with `0` meaning "automatic" ([`DEFAULT_CHUNK_SIZE`]).
pub(crate) fn resolve_chunk_size(chunk_size: usize) -> usize {
    match chunk_size {
        0 => DEFAULT_CHUNK_SIZE,
        n => n,
    }
}

/// Is `i` a UTF-8 character boundary of `bytes` (the end counts)?
pub(crate) fn is_char_boundary(bytes: &[u8], i: usize) -> bool {
    // A continuation byte is 0b10xx_xxxx; every other byte starts a character.
    i == 0 || i >= bytes.len() || (bytes[i] as i8) >= -0x40
}

/// Where each part starts when parts of lengths `lens` are laid end to end,
/// plus one last entry: the total. `starts[k]..starts[k + 1]` is part `k`'s
/// place in the whole, so per-part results (pieces, records, matches) find
/// their global index without a serial walk of the parts.
pub(crate) fn part_starts<I: IntoIterator<Item = usize>>(lens: I) -> Vec<usize> {
    let lens = lens.into_iter();
    let mut starts = Vec::with_capacity(lens.size_hint().0 + 1);
    let mut total = 0;
    starts.push(total);
    for len in lens {
        total += len;
        starts.push(total);
    }
    starts
}

/// The most chunks any operation cuts one input into. Each chunk costs a little
/// memory and a step of the serial stitch, so a tiny `chunk_size` on a large input
/// (1 byte over 16 MiB once cost 5.6 GB) is raised until the input fits in this
/// many chunks. Results never depend on the chunk size, only cost does.
pub(crate) const MAX_CHUNKS: usize = 1 << 16;

/// The chunk size actually used for `len` bytes when `chunk_size` is asked for:
/// at least 1, and large enough that there are at most [`MAX_CHUNKS`] chunks.
pub(crate) fn effective_chunk_size(len: usize, chunk_size: usize) -> usize {
    chunk_size.max(len.div_ceil(MAX_CHUNKS)).max(1)
}

/// Consecutive, non-empty byte ranges of about `chunk_size` bytes covering `bytes`
/// exactly, at most [`MAX_CHUNKS`] of them (see [`effective_chunk_size`]). With
/// `char_boundaries`, every cut lies on a UTF-8 character boundary (a chunk grows
/// by at most 3 bytes). `chunk_size` 0 is treated as 1.
pub(crate) fn chunk_ranges(bytes: &[u8], chunk_size: usize, char_boundaries: bool) -> Vec<Range<usize>> {
    let chunk_size = effective_chunk_size(bytes.len(), chunk_size);
    let mut ranges = Vec::with_capacity(bytes.len() / chunk_size + 1);
    let mut start = 0;
    while start < bytes.len() {
        let mut end = start.saturating_add(chunk_size).min(bytes.len());
        if char_boundaries {
            while !is_char_boundary(bytes, end) {
                end += 1;
            }
        }
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// Cuts `range` of `bytes` into consecutive, non-empty ranges of at least
/// `chunk_size` bytes (`0` counts as 1; raised so that there are at most
/// [`MAX_CHUNKS`] nominal cuts), each ending right after an occurrence of
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
    let chunk_size = effective_chunk_size(range.end - range.start, chunk_size);
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

/// Moves each cut between consecutive, non-empty `ranges` of `bytes` forward to
/// the next UTF-8 character boundary (or the end of the last range), merging
/// ranges that become empty: the result covers the same bytes, and every cut in
/// it lies on a character boundary.
pub(crate) fn cuts_to_char_boundaries(bytes: &[u8], ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let (Some(first), Some(last)) = (ranges.first(), ranges.last()) else {
        return ranges;
    };
    let (mut start, end_all) = (first.start, last.end);
    let mut moved = Vec::with_capacity(ranges.len());
    for r in &ranges {
        let mut end = r.end.max(start);
        while end < end_all && !is_char_boundary(bytes, end) {
            end += 1;
        }
        if end > start {
            moved.push(start..end);
            start = end;
        }
    }
    if start < end_all {
        moved.push(start..end_all);
    }
    moved
}

/// Cuts `bytes` into consecutive, non-empty ranges of about `chunk_size` bytes
/// (at most [`MAX_CHUNKS`] of them), each ending right after a byte for which
/// `is_cut` holds, looked for from the nominal end's last byte on; the last range
/// ends at the end of `bytes`, and a range without such a byte in reach runs to
/// the end.
pub(crate) fn ranges_cut_after(
    bytes: &[u8],
    chunk_size: usize,
    is_cut: impl Fn(u8) -> bool,
) -> Vec<Range<usize>> {
    let chunk_size = effective_chunk_size(bytes.len(), chunk_size);
    let mut ranges = Vec::with_capacity(bytes.len() / chunk_size + 1);
    let mut start = 0;
    while start < bytes.len() {
        let nominal = start.saturating_add(chunk_size);
        let end = if nominal >= bytes.len() {
            bytes.len()
        } else {
            bytes[nominal - 1..]
                .iter()
                .position(|&b| is_cut(b))
                .map_or(bytes.len(), |i| nominal + i)
        };
        ranges.push(start..end);
        start = end;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_input_exactly_on_char_boundaries() {
        let text = "aé日本🎉→b".repeat(3);
        for size in 1..=text.len() + 1 {
            let ranges = chunk_ranges(text.as_bytes(), size, true);
            let mut expected_start = 0;
            for r in &ranges {
                assert_eq!(r.start, expected_start);
                assert!(r.end > r.start);
                assert!(text.is_char_boundary(r.end));
                expected_start = r.end;
            }
            assert_eq!(expected_start, text.len());
        }
    }

    #[test]
    fn part_starts_are_the_running_totals_before_each_part_then_the_total() {
        assert_eq!(part_starts([]), [0]);
        assert_eq!(part_starts([2, 0, 3]), [0, 2, 2, 5]);
        let lens = [4, 1, 0, 0, 7, 2];
        let starts = part_starts(lens);
        for (k, len) in lens.iter().enumerate() {
            assert_eq!(starts[k], lens[..k].iter().sum::<usize>());
            assert_eq!(starts[k + 1] - starts[k], *len);
        }
    }

    #[test]
    fn empty_input_has_no_chunks_and_zero_size_means_one() {
        assert!(chunk_ranges(b"", 10, true).is_empty());
        assert_eq!(chunk_ranges(b"abc", 0, false), vec![0..1, 1..2, 2..3]);
        assert_eq!(chunk_ranges(b"abc", usize::MAX, false), vec![0..3]);
    }

    #[test]
    fn a_one_byte_chunk_size_on_a_large_input_is_capped_at_max_chunks() {
        let bytes = vec![b'x'; 4 * MAX_CHUNKS + 3];
        let ranges = chunk_ranges(&bytes, 1, false);
        assert!(ranges.len() <= MAX_CHUNKS);
        assert_eq!(ranges.last().map(|r| r.end), Some(bytes.len()));
    }

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

    #[test]
    fn cuts_move_forward_to_char_boundaries_and_empty_ranges_merge() {
        let text = "aé日🎉→b".repeat(2);
        let bytes = text.as_bytes();
        for size in 1..=bytes.len() {
            let raw = chunk_ranges(bytes, size, false);
            let moved = cuts_to_char_boundaries(bytes, raw.clone());
            let mut expected_start = 0;
            for r in &moved {
                assert_eq!(r.start, expected_start);
                assert!(r.end > r.start && text.is_char_boundary(r.end));
                expected_start = r.end;
            }
            assert_eq!(expected_start, bytes.len());
            // Each cut is the first boundary at or after some raw cut.
            for r in &moved {
                let raw_end = raw.iter().map(|q| q.end).filter(|&e| e <= r.end).max();
                assert!(raw_end.is_some_and(|e| (e..r.end).all(|i| i == e || !text.is_char_boundary(i))));
            }
        }
        assert!(cuts_to_char_boundaries(b"", Vec::new()).is_empty());
        // A subrange keeps its own start and end.
        assert_eq!(cuts_to_char_boundaries(bytes, vec![1..2, 2..4]), vec![1..3, 3..4]);
    }

    #[test]
    fn terminated_and_classified_cuts_are_capped_at_max_chunks() {
        let bytes = b"a\n".repeat(2 * MAX_CHUNKS);
        assert!(terminated_ranges(&bytes, 0..bytes.len(), 1, b"\n").len() <= MAX_CHUNKS);
        let ranges = ranges_cut_after(&bytes, 1, |b| b == b'\n');
        assert!(ranges.len() <= MAX_CHUNKS);
        check_cover(&bytes, &ranges, b"\n");
    }
}
