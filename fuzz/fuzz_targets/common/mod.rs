//! Shared by the reader targets: a reader of fuzzer-chosen short reads.

use std::io::{self, Read};

/// Hands out `data` in reads of the sizes in `sizes`, in turn (0: `Interrupted`,
/// unless every size is 0).
pub struct ShortReads<'a> {
    pub data: &'a [u8],
    pub sizes: &'a [u8],
    pub turn: usize,
}

impl Read for ShortReads<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        let mut size = usize::MAX;
        if !self.sizes.is_empty() {
            size = usize::from(self.sizes[self.turn % self.sizes.len()]);
            self.turn += 1;
            if size == 0 && self.sizes.iter().any(|&s| s != 0) {
                return Err(io::ErrorKind::Interrupted.into());
            }
        }
        let n = size.max(1).min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
