//! Reading from a `std::io::Read`: the one buffer-filling loop every streaming entry
//! point (reader pipelines, streamed splits, streamed CSV) shares, so that
//! `Interrupted` and the end of input are handled the same way everywhere.

use std::io::{self, Read};

/// Reads into `buf[*filled..]` until `buf` is full or the reader reports its end,
/// retrying [`io::ErrorKind::Interrupted`]; `*filled` counts the bytes in `buf`.
///
/// Returns `Ok(true)` when the reader is at its end (a read returned 0 bytes), and
/// `Ok(false)` when `buf` is full. On an error, `*filled` still counts every byte
/// read before it, so the caller can report the error's offset and deliver them.
///
/// # Example
///
/// ```
/// use strs_tools::io::fill;
///
/// let mut reader: &[u8] = b"abcdef";
/// let mut buf = [0u8; 4];
/// let mut filled = 0;
/// assert!(!fill(&mut reader, &mut buf, &mut filled).unwrap()); // full
/// assert_eq!(&buf[..filled], b"abcd");
/// filled = 0;
/// assert!(fill(&mut reader, &mut buf, &mut filled).unwrap()); // at the end
/// assert_eq!(&buf[..filled], b"ef");
/// ```
///
/// # Errors
///
/// The first error of `reader` other than `Interrupted`.
pub fn fill<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8], filled: &mut usize) -> io::Result<bool> {
    while *filled < buf.len() {
        match reader.read(&mut buf[*filled..]) {
            Ok(0) => return Ok(true),
            Ok(n) => *filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// [`fill`] into a vector that grows as bytes arrive: reads until `*filled`
/// reaches `want` or the reader reports its end, enlarging `buf` (zero-filled)
/// by doubling what it holds, never past `want`. A window of any size, up to
/// `usize::MAX`, over a short input allocates about what the input holds.
/// `buf` keeps its length between calls, so a reused buffer is zero-filled
/// once. Returns and errors as [`fill`] does.
///
/// ```
/// use strs_tools::io::fill_vec;
///
/// let mut reader: &[u8] = b"abcdef";
/// let (mut buf, mut filled) = (Vec::new(), 0);
/// assert!(fill_vec(&mut reader, &mut buf, &mut filled, usize::MAX).unwrap()); // at the end
/// assert_eq!(&buf[..filled], b"abcdef");
/// assert!(buf.len() < 1 << 20);
/// ```
///
/// # Errors
///
/// The first error of `reader` other than `Interrupted`.
pub fn fill_vec<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    filled: &mut usize,
    want: usize,
) -> io::Result<bool> {
    /// The first growth of an empty buffer.
    const MIN_GROWTH: usize = 64 << 10;
    debug_assert!(*filled <= buf.len(), "the filled bytes are in the buffer");
    while *filled < want {
        if buf.len() <= *filled {
            let step = (*filled).max(MIN_GROWTH).min(want - *filled);
            buf.resize(*filled + step, 0);
        }
        let end = buf.len().min(want);
        if fill(reader, &mut buf[..end], filled)? {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yields its bytes one at a time, with an `Interrupted` before each, then
    /// fails once at `fail_at` if set.
    struct Awkward {
        data: Vec<u8>,
        pos: usize,
        interrupt: bool,
        fail_at: Option<usize>,
    }

    impl Read for Awkward {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            if self.fail_at == Some(self.pos) {
                self.fail_at = None;
                return Err(io::Error::other("boom"));
            }
            if self.pos == self.data.len() || out.is_empty() {
                return Ok(0);
            }
            out[0] = self.data[self.pos];
            self.pos += 1;
            Ok(1)
        }
    }

    #[test]
    fn fills_through_interruptions_and_one_byte_reads_then_reports_the_end() {
        let mut r = Awkward {
            data: b"abcdef".to_vec(),
            pos: 0,
            interrupt: false,
            fail_at: None,
        };
        let mut buf = [0u8; 4];
        let mut filled = 0;
        assert!(!fill(&mut r, &mut buf, &mut filled).unwrap());
        assert_eq!((&buf[..], filled), (&b"abcd"[..], 4));
        filled = 0;
        assert!(fill(&mut r, &mut buf, &mut filled).unwrap());
        assert_eq!(&buf[..filled], b"ef");
    }

    #[test]
    fn an_error_keeps_the_bytes_read_before_it() {
        let mut r = Awkward {
            data: b"abcdef".to_vec(),
            pos: 0,
            interrupt: false,
            fail_at: Some(3),
        };
        let mut buf = [0u8; 6];
        let mut filled = 0;
        assert!(fill(&mut r, &mut buf, &mut filled).is_err());
        assert_eq!(&buf[..filled], b"abc");
        assert!(!fill(&mut r, &mut buf, &mut filled).unwrap());
        assert_eq!(&buf[..filled], b"abcdef");
        filled = 0;
        assert!(fill(&mut r, &mut buf, &mut filled).unwrap());
        assert_eq!(filled, 0);
    }

    #[test]
    fn a_growing_fill_stops_at_want_or_the_end_and_grows_with_the_data() {
        let data: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
        for want in [0, 1, 65_536, 65_537, 200_000, 300_000, 300_001, usize::MAX] {
            let mut reader = &data[..];
            let (mut buf, mut filled) = (Vec::new(), 0);
            let end = fill_vec(&mut reader, &mut buf, &mut filled, want).unwrap();
            assert_eq!(filled, want.min(data.len()), "want {want}");
            assert_eq!(&buf[..filled], &data[..filled]);
            assert_eq!(end, want > data.len(), "want {want}");
            assert!(
                buf.len() <= want.max(1).min(2 * data.len().max(1 << 16)),
                "want {want}: {}",
                buf.len()
            );
        }
        // Through interruptions, one byte at a time, and an error mid-way.
        let mut r = Awkward {
            data: b"abcdef".to_vec(),
            pos: 0,
            interrupt: false,
            fail_at: Some(4),
        };
        let (mut buf, mut filled) = (Vec::new(), 0);
        assert!(fill_vec(&mut r, &mut buf, &mut filled, usize::MAX).is_err());
        assert_eq!(&buf[..filled], b"abcd");
        assert!(fill_vec(&mut r, &mut buf, &mut filled, usize::MAX).unwrap());
        assert_eq!(&buf[..filled], b"abcdef");
    }
}
