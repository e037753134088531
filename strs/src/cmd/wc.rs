//! `strs wc`: lines, words and bytes, in parallel (files) or in bounded memory
//! (streams).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use strs_tools::parallel::{par_wc, ReaderPipeline, TextCounts};

use crate::failure::Failure;
use crate::input::{self, Input};
use crate::{output, Global};

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
        Input::Stream { reader, len } => {
            let bar = input::progress(len, g.quiet);
            // Counts combine across any cut, so the pipeline's blocks can be
            // counted independently, in parallel, and joined in order.
            let mut pipeline = ReaderPipeline::new();
            pipeline.max_record(g.max_record());
            let mut total = TextCounts::default();
            for block in pipeline.map_blocks(reader, TextCounts::of) {
                let counts =
                    block.map_err(|e| Failure::usage(format!("{}: {e}", input::name(&args.file))))?;
                total = total.append(counts);
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
