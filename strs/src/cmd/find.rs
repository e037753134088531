//! `strs find`: every match of several patterns, in input order, or counts.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use strs_tools::matcher::Match;
use strs_tools::parallel::{ParallelSearcher, ReaderPipeline};

use crate::failure::Failure;
use crate::input::{self, Input};
use crate::{output, Global};

/// How much of a mapped file is searched (and its matches held) at a time.
const WINDOW: usize = 64 << 20;

/// `strs find` options.
#[derive(Args, Debug)]
pub struct FindArgs {
    /// A pattern (repeatable). Backslash escapes: \n \r \t \0 \\ \xHH.
    #[arg(short = 'p', long = "pattern", required = true, value_name = "PATTERN")]
    patterns: Vec<String>,
    /// Print one `count<TAB>pattern` line per pattern, in the order given (counts
    /// as `match_indices` gives them: non-overlapping per pattern).
    #[arg(long)]
    count: bool,
    /// The input (default: standard input).
    file: Option<PathBuf>,
}

pub fn run(g: &Global, args: FindArgs) -> Result<(), Failure> {
    let patterns: Vec<String> = args
        .patterns
        .iter()
        .map(|p| super::unescape_arg(p))
        .collect::<Result<_, _>>()?;
    let searcher = Arc::new(ParallelSearcher::new(&patterns).chunk_size(g.chunk_size().min(256 << 10)));
    // Matches never cross a newline unless a pattern contains one, so the input
    // can be searched in newline-aligned pieces with exact results.
    let newline_safe = !patterns.iter().any(|p| p.contains('\n'));
    let mut out = output::stdout();
    let mut counts = vec![0u64; patterns.len()];
    match input::open(args.file.as_deref(), g.no_mmap)? {
        Input::Mapped(map) => {
            let bar = input::progress(Some(map.len() as u64), g.quiet);
            if args.count {
                let c = g.install(|| searcher.count(&map));
                counts.iter_mut().zip(c).for_each(|(t, c)| *t = c as u64);
            } else {
                let mut base = 0;
                while base < map.len() {
                    let end = if newline_safe {
                        window_end(&map, base)
                    } else {
                        map.len()
                    };
                    let matches = g.install(|| searcher.find_all(&map[base..end]));
                    print_matches(base, &matches, &args.patterns, &mut out)?;
                    bar.set_position(end as u64);
                    base = end;
                }
            }
            bar.finish_and_clear();
        }
        Input::Stream { reader, len } => {
            if !newline_safe {
                return Err(Failure::usage(
                    "patterns containing a newline need a FILE, not a stream",
                ));
            }
            let bar = input::progress(len, g.quiet);
            let mut pipeline = ReaderPipeline::new();
            pipeline.max_record(g.max_record());
            let for_blocks = Arc::clone(&searcher);
            let count_only = args.count;
            let blocks = pipeline.map_blocks(reader, move |block| {
                if count_only {
                    (block.len(), Vec::new(), for_blocks.count(block))
                } else {
                    (block.len(), for_blocks.find_all(block), Vec::new())
                }
            });
            let mut base = 0;
            for block in blocks {
                let (len, matches, block_counts) =
                    block.map_err(|e| Failure::usage(format!("{}: {e}", input::name(&args.file))))?;
                print_matches(base, &matches, &args.patterns, &mut out)?;
                counts
                    .iter_mut()
                    .zip(block_counts)
                    .for_each(|(t, c)| *t += c as u64);
                base += len;
                bar.set_position(base as u64);
            }
            bar.finish_and_clear();
        }
    }
    if args.count {
        for (pattern, count) in args.patterns.iter().zip(&counts) {
            writeln!(out, "{count}\t{pattern}")?;
        }
    }
    Ok(output::finish(out)?)
}

/// Prints `offset<TAB>pattern` lines (patterns as the user typed them).
fn print_matches(
    base: usize,
    matches: &[Match],
    patterns: &[String],
    out: &mut impl Write,
) -> std::io::Result<()> {
    for m in matches {
        writeln!(out, "{}\t{}", base + m.start, patterns[m.pattern])?;
    }
    Ok(())
}

/// The end of the window starting at `base`: just after the first newline at or
/// after `base + WINDOW`, or the end of the input.
fn window_end(bytes: &[u8], base: usize) -> usize {
    let nominal = base.saturating_add(WINDOW).min(bytes.len());
    memchr::memchr(b'\n', &bytes[nominal..]).map_or(bytes.len(), |i| nominal + i + 1)
}
