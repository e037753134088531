//! `strs split`: the exact parallel split of a file or stream.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;

use clap::Args;
use strs_tools::parallel::ParallelSplit;
use strs_tools::string::{split, ByteSplit, SplitOptions};

use crate::failure::Failure;
use crate::input::{self, Input};
use crate::{output, Global};

/// `strs split` options.
#[derive(Args, Debug)]
pub struct SplitArgs {
    /// A delimiter (repeatable). Backslash escapes: \n \r \t \0 \\ \xHH.
    #[arg(short = 'd', long = "delimiter", required = true, value_name = "DELIM")]
    delimiters: Vec<String>,
    /// Print the matched delimiters too, each on its own line.
    #[arg(long)]
    keep_delimiters: bool,
    /// Drop empty pieces.
    #[arg(long)]
    drop_empty: bool,
    /// Trim whitespace around pieces (ASCII whitespace: input is bytes).
    #[arg(long)]
    strip: bool,
    /// Keep quoted sections ("..." and '...') whole.
    #[arg(long)]
    quote: bool,
    /// End each piece with NUL instead of newline.
    #[arg(short = 'z', long)]
    null: bool,
    /// Print only the number of pieces.
    #[arg(long)]
    count: bool,
    /// Input files, split one after the other (`-` or none: standard input).
    /// With --count and several files: one `count<TAB>FILE` line each and a total.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(g: &Global, args: SplitArgs) -> Result<(), Failure> {
    let delimiters: Vec<String> = args
        .delimiters
        .iter()
        .map(|d| super::unescape_arg(d))
        .collect::<Result<_, _>>()?;
    let options = split()
        .delimiters(&delimiters)
        .preserving_delimiters(args.keep_delimiters)
        .preserving_empty(!args.drop_empty)
        .stripping(args.strip)
        .quoting(args.quote)
        .build()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let mut splitter = ParallelSplit::new()
        .chunk_size(g.chunk_size())
        .max_record(g.max_record());
    if let Some(processor) = g.numa_processor() {
        splitter = splitter.numa(processor);
    }
    let terminator = if args.null { b'\0' } else { b'\n' };
    let files = input::files(&args.files);
    let mut out = output::stdout();
    let mut total: u64 = 0;
    for file in &files {
        let count = split_one(g, &splitter, &options, &args, file, terminator, &mut out)?;
        total += count;
        if args.count && files.len() > 1 {
            writeln!(out, "{count}\t{}", input::name(file))?;
        }
    }
    if args.count {
        if files.len() > 1 {
            writeln!(out, "{total}\ttotal")?;
        } else {
            writeln!(out, "{total}")?;
        }
    }
    Ok(output::finish(out)?)
}

/// Splits one input, printing its pieces (or only counting them); returns the
/// number of pieces.
fn split_one(
    g: &Global,
    splitter: &ParallelSplit,
    options: &SplitOptions,
    args: &SplitArgs,
    file: &std::path::Path,
    terminator: u8,
    out: &mut impl Write,
) -> Result<u64, Failure> {
    let mut count: u64 = 0;
    let mut write_error = None;
    let mut sink = |pieces: &[ByteSplit<'_>]| {
        count += pieces.len() as u64;
        if args.count {
            return ControlFlow::Continue(());
        }
        for piece in pieces {
            if let Err(e) = out
                .write_all(&piece.bytes)
                .and_then(|_| out.write_all(&[terminator]))
            {
                write_error = Some(e);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    };
    match input::open(file, g.no_mmap)? {
        Input::Mapped(map) => {
            let bar = input::progress(Some(map.len() as u64), g.quiet());
            splitter.split_bytes_windows(&map, options, |pieces| {
                bar.set_position(pieces.last().map_or(0, |p| p.end as u64));
                sink(pieces)
            });
            bar.finish_and_clear();
        }
        Input::Stream { reader, len } => {
            let bar = input::progress(len, g.quiet());
            splitter
                .split_reader(reader, options, |pieces| {
                    bar.set_position(pieces.last().map_or(0, |p| p.end as u64));
                    sink(pieces)
                })
                .map_err(|e| Failure::usage(format!("{}: {e}", input::name(file))))?;
            bar.finish_and_clear();
        }
    }
    if let Some(e) = write_error {
        return Err(e.into());
    }
    Ok(count)
}
