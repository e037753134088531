//! Chunk planning: where the input is cut into pieces of work.
//!
//! Nominal cuts are placed every `chunk_size` bytes; for text they are moved forward
//! to the next UTF-8 character boundary so every chunk is valid `str`. Operations
//! whose records must not be cut (split, search, CSV) do not trust these cuts: they
//! reconcile them with the sequential scan (see `parallel::split`).

use std::ops::Range;

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
}
