//! Streams read in windows of bounded size, for the subcommands that need no
//! whole lines (`wc`, `find`, `words`): each window is handed to a consumer,
//! which says how many of its bytes it is done with; the rest is carried to the
//! front of the next window.

use std::io::Read;

use indicatif::ProgressBar;

use strs_tools::io::fill_vec;

use crate::failure::Failure;
use crate::input::{self, Input};

/// One window of a stream.
pub struct Window<'a> {
    /// Offset of `bytes[0]` in the stream.
    pub base: u64,
    /// The bytes carried from the previous window, then the bytes read since.
    pub bytes: &'a [u8],
    /// No bytes follow `bytes`: this is the last window.
    pub end: bool,
}

/// Reads `reader` in windows of about `size` new bytes each and calls `consume`
/// on each, in order. `consume` returns how many bytes from the window's start
/// it is done with; the remaining bytes start the next window. At most
/// `max_carry` bytes may be carried, else the stream fails with an error naming
/// `name`, the offset and `what` the carried bytes are.
///
/// The last window (`end` set) is always delivered, empty if the stream is, and
/// what its consumer leaves is dropped. Memory: `size + max_carry` bytes.
pub fn windows<R: Read + ?Sized>(
    reader: &mut R,
    name: &str,
    size: usize,
    max_carry: usize,
    what: &str,
    bar: &ProgressBar,
    mut consume: impl FnMut(Window<'_>) -> Result<usize, Failure>,
) -> Result<(), Failure> {
    let size = size.max(1);
    let mut buf: Vec<u8> = Vec::new();
    let mut carried = 0;
    let mut base = 0u64;
    loop {
        let mut filled = carried;
        let end = fill_vec(reader, &mut buf, &mut filled, carried.saturating_add(size)).map_err(|e| {
            Failure::usage(format!(
                "{name}: read error at byte {}: {e}",
                base + filled as u64
            ))
        })?;
        bar.set_position(base + filled as u64);
        let done = consume(Window {
            base,
            bytes: &buf[..filled],
            end,
        })?
        .min(filled);
        if end {
            return Ok(());
        }
        carried = filled - done;
        if carried > max_carry {
            return Err(Failure::usage(format!(
                "{name}: {what} at byte offset {} is longer than the limit of {max_carry} bytes (see --max-record)",
                base + done as u64
            )));
        }
        buf.copy_within(done..filled, 0);
        base += done as u64;
    }
}

/// [`windows`] over bytes already in memory (a mapped file): the same windows,
/// without copying.
pub fn slice_windows(
    bytes: &[u8],
    name: &str,
    size: usize,
    max_carry: usize,
    what: &str,
    bar: &ProgressBar,
    mut consume: impl FnMut(Window<'_>) -> Result<usize, Failure>,
) -> Result<(), Failure> {
    let size = size.max(1);
    let (mut base, mut carried) = (0usize, 0usize);
    loop {
        let stop = base.saturating_add(carried).saturating_add(size).min(bytes.len());
        let end = stop == bytes.len();
        bar.set_position(stop as u64);
        let window = &bytes[base..stop];
        let done = consume(Window {
            base: base as u64,
            bytes: window,
            end,
        })?
        .min(window.len());
        if end {
            return Ok(());
        }
        carried = window.len() - done;
        if carried > max_carry {
            return Err(Failure::usage(format!(
                "{name}: {what} at byte offset {} is longer than the limit of {max_carry} bytes (see --max-record)",
                base + done
            )));
        }
        base += done;
    }
}

/// Feeds a whole input to `consume` window by window, with a progress bar: a
/// mapped file in 64 MiB windows without copying (releasing the pages behind
/// them), a stream in windows of `stream_window` bytes. `max_carry`, `name` and
/// `what` are as in [`windows`].
pub fn each_window(
    input: Input,
    name: &str,
    stream_window: usize,
    max_carry: usize,
    what: &str,
    quiet: bool,
    mut consume: impl FnMut(Window<'_>) -> Result<usize, Failure>,
) -> Result<(), Failure> {
    match input {
        Input::Mapped(map) => {
            let bar = input::progress(Some(map.len() as u64), quiet);
            let mut released = input::Releaser::default();
            slice_windows(&map, name, 64 << 20, max_carry, what, &bar, |w| {
                let base = w.base as usize;
                let done = consume(w)?;
                released.advance(&map, base + done);
                Ok(done)
            })?;
            bar.finish_and_clear();
        }
        Input::Stream { mut reader, len } => {
            let bar = input::progress(len, quiet);
            windows(&mut reader, name, stream_window, max_carry, what, &bar, consume)?;
            bar.finish_and_clear();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    /// Gives at most `step` bytes per read, with an `Interrupted` before each.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
        interrupt: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn windows_cover_the_stream_once_with_the_carry_in_front() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        for size in [1, 2, 7, 64, 2000] {
            for keep in [0, 1, 3] {
                let mut reader = Trickle {
                    data: &data,
                    step: 5,
                    interrupt: false,
                };
                let mut seen = Vec::new();
                let mut ends = 0;
                windows(&mut reader, "t", size, 3, "x", &ProgressBar::hidden(), |w| {
                    assert_eq!(&data[w.base as usize..][..w.bytes.len()], w.bytes);
                    ends += usize::from(w.end);
                    let done = if w.end {
                        w.bytes.len()
                    } else {
                        w.bytes.len().saturating_sub(keep)
                    };
                    seen.extend_from_slice(&w.bytes[..done]);
                    Ok(done)
                })
                .unwrap();
                assert_eq!((seen.as_slice(), ends), (&data[..], 1), "size {size} keep {keep}");
            }
        }
    }

    #[test]
    fn a_carry_past_the_limit_is_an_error_with_its_offset() {
        let data = [b'x'; 100];
        let e = windows(
            &mut &data[..],
            "in",
            10,
            20,
            "a word",
            &ProgressBar::hidden(),
            |w| Ok(if w.end { w.bytes.len() } else { 0 }),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "in: a word at byte offset 0 is longer than the limit of 20 bytes (see --max-record)"
        );
    }
}
