//! Where the bytes come from: a memory-mapped regular file, or a stream
//! (standard input, pipes, FIFOs, `/proc` files, or any file with `--no-mmap`).

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use memmap2::Mmap;

use crate::failure::Failure;

/// An opened input.
pub enum Input {
    /// A whole regular file, mapped.
    Mapped(Mmap),
    /// A stream of unknown length (`len` is known for regular files).
    Stream {
        reader: Box<dyn Read + Send>,
        len: Option<u64>,
    },
}

/// A reader that moves a progress display by the bytes it reads.
pub struct ProgressReader<R> {
    inner: R,
    read: u64,
    bar: ProgressBar,
}

impl<R> ProgressReader<R> {
    /// Wraps `inner`; `bar` shows the bytes read so far.
    pub fn new(inner: R, bar: ProgressBar) -> Self {
        ProgressReader { inner, read: 0, bar }
    }
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.bar.set_position(self.read);
        Ok(n)
    }
}

impl<R> Drop for ProgressReader<R> {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Tells the kernel when a sequential pass is done with the start of a mapped
/// file, so that the pass keeps a bounded resident set instead of the whole
/// file: every 4 MiB, the pages before the current position are dropped from
/// this process (best effort: errors are ignored).
#[derive(Default)]
pub struct Releaser {
    released: usize,
}

impl Releaser {
    /// The pass is done with `map[..upto]`.
    pub fn advance(&mut self, map: &Mmap, upto: usize) {
        const STEP: usize = 4 << 20;
        const PAGE: usize = 4096;
        let upto = upto.min(map.len()) / PAGE * PAGE;
        if upto < self.released + STEP {
            return;
        }
        // SAFETY: `map` is a read-only, shared mapping of a file. MADV_DONTNEED
        // on it only drops this process's page-table entries: a later access
        // faults the same file bytes in again from the page cache, so no byte
        // anyone borrows changes (a file changed by another process is the
        // documented `--no-mmap` case either way).
        #[allow(unsafe_code)]
        let _ = unsafe {
            map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                self.released,
                upto - self.released,
            )
        };
        self.released = upto;
    }
}

/// Parses a byte size: `65536`, `64K`, `1M`, `2G` (binary units; `k`/`KiB` work
/// too). Zero and overflow are errors.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: usize = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (try 65536, 64K or 1M)"))?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("'{text}' has an unknown unit (use K, M or G)")),
    };
    let size = number
        .checked_mul(1usize << shift)
        .ok_or_else(|| format!("'{text}' is too large"))?;
    if size == 0 {
        return Err("the size must be at least 1 byte".into());
    }
    Ok(size)
}

/// Opens `path` (`-`: standard input).
pub fn open(path: &Path, no_mmap: bool) -> Result<Input, Failure> {
    if path.as_os_str() == "-" {
        return Ok(stdin());
    }
    let shown = path.display();
    let file = File::open(path).map_err(|e| Failure::usage(format!("{shown}: {}", describe(&e))))?;
    let meta = file
        .metadata()
        .map_err(|e| Failure::usage(format!("{shown}: {}", describe(&e))))?;
    if meta.is_dir() {
        return Err(Failure::usage(format!("{shown}: is a directory")));
    }
    // Only non-empty regular files are mapped: FIFOs and devices cannot be, and
    // `/proc` files report size 0 but are not empty.
    if meta.is_file() && meta.len() > 0 && !no_mmap {
        // SAFETY: the mapping is read-only and lives as long as `Input`. If
        // another process truncates the file meanwhile, touching the lost pages
        // raises SIGBUS; if it rewrites the file in place, the bytes may change
        // between two reads of the map. Both are documented next to `--no-mmap`,
        // which avoids them.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file) };
        if let Ok(map) = map {
            return Ok(Input::Mapped(map));
        }
    }
    let len = meta.is_file().then_some(meta.len()).filter(|&l| l > 0);
    Ok(Input::Stream {
        reader: Box::new(file),
        len,
    })
}

fn stdin() -> Input {
    widen_stdin_pipe();
    Input::Stream {
        reader: Box::new(io::stdin()),
        len: None,
    }
}

/// Asks for a 1 MiB pipe buffer when standard input is a pipe. With Linux's
/// default of 64 KiB, the writer and this process switch places every 64 KiB, and
/// a pipe carries about 1 GB/s here; with 1 MiB it carries over 4 GB/s (the
/// default `/proc/sys/fs/pipe-max-size`, so no privilege is needed). Best effort:
/// on anything but a pipe, or past a lowered limit, the call fails and nothing
/// changes.
#[cfg(target_os = "linux")]
fn widen_stdin_pipe() {
    const PIPE_BYTES: libc::c_int = 1 << 20;
    // SAFETY: F_SETPIPE_SZ takes an int and only resizes the kernel's pipe
    // buffer; on a descriptor that is not a pipe it fails with EBADF or EINVAL.
    #[allow(unsafe_code)]
    unsafe {
        libc::fcntl(libc::STDIN_FILENO, libc::F_SETPIPE_SZ, PIPE_BYTES);
    }
}

#[cfg(not(target_os = "linux"))]
fn widen_stdin_pipe() {}

/// A short, lower-case description of an open error.
fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The name to show for an input path.
pub fn name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "-".into()
    } else {
        path.display().to_string()
    }
}

/// The inputs of a subcommand: its FILEs, or standard input (`-`) for none.
pub fn files(files: &[PathBuf]) -> Vec<PathBuf> {
    if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        files.to_vec()
    }
}

/// Progress on stderr, only when stderr is a terminal and `--quiet` is off
/// (hidden otherwise: never in pipes or files). A known length (a file over
/// 64 MiB) gets a bar; a stream of unknown length gets a bytes-read counter.
pub fn progress(len: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match len {
        Some(len) if len > 64 << 20 => {
            let bar = ProgressBar::new(len);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            {
                bar.set_style(style);
            }
            bar
        }
        Some(_) => ProgressBar::hidden(),
        None => {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {bytes} read, {bytes_per_sec}") {
                bar.set_style(style);
            }
            bar
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_units_and_reject_zero_and_overflow() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("1m"), Ok(1 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("1X").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
        assert!(parse_size(&format!("{}G", usize::MAX)).is_err());
        assert_eq!(parse_size(&usize::MAX.to_string()), Ok(usize::MAX));
    }
}
