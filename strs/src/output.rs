//! Buffered standard output.

use std::io::{self, BufWriter, Stdout, Write};

/// Standard output behind a large buffer (our output can be gigabytes).
pub fn stdout() -> BufWriter<Stdout> {
    BufWriter::with_capacity(1 << 20, io::stdout())
}

/// Flushes, turning the error into the caller's.
pub fn finish(mut out: BufWriter<Stdout>) -> io::Result<()> {
    out.flush()
}
