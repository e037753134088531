//! `strs words`: word frequencies (ASCII whitespace separates words; words are
//! ASCII-lowercased), most frequent first.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use strs_tools::parallel::{par_word_frequencies, word_frequencies, ReaderPipeline};

use crate::failure::Failure;
use crate::input::{self, Input};
use crate::{output, Global};

/// `strs words` options.
#[derive(Args, Debug)]
pub struct WordsArgs {
    /// Print only the N most frequent words (0: all).
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// The input (default: standard input).
    file: Option<PathBuf>,
}

pub fn run(g: &Global, args: WordsArgs) -> Result<(), Failure> {
    let name = input::name(&args.file);
    let invalid = |offset: usize| Failure::usage(format!("{name}: invalid UTF-8 at byte {offset}"));
    let counts: HashMap<String, usize> = match input::open(args.file.as_deref(), g.no_mmap)? {
        Input::Mapped(map) => {
            let text = std::str::from_utf8(&map).map_err(|e| invalid(e.valid_up_to()))?;
            g.install(|| par_word_frequencies(text, g.chunk_size()))
        }
        Input::Stream { reader, .. } => {
            let mut pipeline = ReaderPipeline::new();
            pipeline.max_record(g.max_record());
            // Blocks end after a newline, so no word is cut and every block
            // boundary is a character boundary.
            let blocks = pipeline.map_blocks(reader, |block| {
                let len = block.len();
                (
                    len,
                    std::str::from_utf8(block)
                        .map(word_frequencies)
                        .map_err(|e| e.valid_up_to()),
                )
            });
            let mut total: HashMap<String, usize> = HashMap::new();
            let mut base = 0;
            for block in blocks {
                let (len, counts) = block.map_err(|e| Failure::usage(format!("{name}: {e}")))?;
                let counts = counts.map_err(|at| invalid(base + at))?;
                for (word, n) in counts {
                    *total.entry(word).or_default() += n;
                }
                base += len;
            }
            total
        }
    };
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let shown = if args.top == 0 {
        ranked.len()
    } else {
        args.top.min(ranked.len())
    };
    let mut out = output::stdout();
    for (word, n) in &ranked[..shown] {
        writeln!(out, "{n}\t{word}")?;
    }
    Ok(output::finish(out)?)
}
