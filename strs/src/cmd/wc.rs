//! `strs wc`: lines, words and bytes, in parallel (files) or in bounded memory
//! (streams).

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;
use strs_tools::parallel::{par_wc, TextCounts};

use crate::failure::Failure;
use crate::input::{self, Input};
use crate::{output, Global};

/// How much of a stream is counted at a time.
const BLOCK: usize = 8 << 20;

/// `strs wc` options. Without -l/-w/-c, all three are printed.
#[derive(Args, Debug)]
pub struct WcArgs {
    /// Print the line count (`\n` bytes).
    #[arg(short = 'l', long)]
    lines: bool,
    /// Print the word count (runs of bytes other than ASCII whitespace).
    #[arg(short = 'w', long)]
    words: bool,
    /// Print the byte count.
    #[arg(short = 'c', long)]
    bytes: bool,
    /// The input (default: standard input).
    file: Option<PathBuf>,
}

pub fn run(g: &Global, args: WcArgs) -> Result<(), Failure> {
    let chunk = g.chunk_size();
    let counts = match input::open(args.file.as_deref(), g.no_mmap)? {
        Input::Mapped(map) => g.install(|| par_wc(&map, chunk)),
        Input::Stream { mut reader, len } => {
            let bar = input::progress(len, g.quiet);
            let mut total = TextCounts::default();
            let mut block = vec![0u8; BLOCK];
            loop {
                let n = read_full(&mut reader, &mut block).map_err(|e| {
                    Failure::usage(format!(
                        "{}: read error after byte {}: {e}",
                        input::name(&args.file),
                        total.bytes
                    ))
                })?;
                if n == 0 {
                    break;
                }
                total = total.then(g.install(|| par_wc(&block[..n], chunk)));
                bar.set_position(total.bytes);
            }
            bar.finish_and_clear();
            total
        }
    };
    let all = !(args.lines || args.words || args.bytes);
    let mut fields = Vec::new();
    if all || args.lines {
        fields.push(counts.lines.to_string());
    }
    if all || args.words {
        fields.push(counts.words.to_string());
    }
    if all || args.bytes {
        fields.push(counts.bytes.to_string());
    }
    if args.file.is_some() {
        fields.push(input::name(&args.file));
    }
    let mut out = output::stdout();
    writeln!(out, "{}", fields.join(" "))?;
    Ok(output::finish(out)?)
}

/// Fills `buf` as far as the reader allows (short reads and `Interrupted` are
/// retried); returns how many bytes were read, 0 only at the end.
pub fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
