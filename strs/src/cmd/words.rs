//! `strs words`: word frequencies of all inputs together, most frequent first.
//! Words are byte strings (any input is accepted, valid UTF-8 or not), split on
//! ASCII whitespace as `wc` splits them, and ASCII-lowercased.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use strs_tools::parallel::{par_word_frequencies_bytes, word_frequencies_bytes};

use crate::failure::Failure;
use crate::input;
use crate::{output, stream, Global};

/// `strs words` options.
#[derive(Args, Debug)]
pub struct WordsArgs {
    /// Print only the N most frequent words (0: all).
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Print one JSON array of {"word", "count"} objects (bytes that are not
    /// UTF-8 are shown as U+FFFD there).
    #[arg(long)]
    json: bool,
    /// Input files, counted together (`-` or none: standard input).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// Word counts keyed by the lowercased bytes of the word.
type Counts = HashMap<Vec<u8>, usize>;

/// The ASCII whitespace that separates words: space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_space(b: u8) -> bool {
    b == b' ' || (b'\t'..=b'\r').contains(&b)
}

pub fn run(g: &Global, args: WordsArgs) -> Result<(), Failure> {
    let mut total = Counts::new();
    for file in input::files(&args.files) {
        let name = input::name(&file);
        // Each window is counted up to its last whitespace: no word is cut,
        // and only the last word is carried.
        let consume = |w: stream::Window<'_>| {
            let done = if w.end {
                w.bytes.len()
            } else {
                w.bytes.iter().rposition(|&b| is_space(b)).map_or(0, |i| i + 1)
            };
            count_into(&mut total, &w.bytes[..done], g);
            Ok(done)
        };
        let window = g
            .chunk_size()
            .saturating_mul(rayon::current_num_threads() * 4)
            .clamp(1, 64 << 20);
        stream::each_window(
            input::open(&file, g.no_mmap)?,
            &name,
            window,
            g.max_record(),
            "a word",
            g.quiet(),
            consume,
        )?;
    }
    let mut ranked: Vec<(Vec<u8>, usize)> = total.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let shown = if args.top == 0 {
        ranked.len()
    } else {
        args.top.min(ranked.len())
    };
    let mut out = output::stdout();
    if args.json {
        let list: Vec<_> = ranked[..shown]
            .iter()
            .map(|(w, n)| json!({"word": String::from_utf8_lossy(w), "count": n}))
            .collect();
        writeln!(out, "{}", serde_json::Value::Array(list))?;
    } else {
        for (word, n) in &ranked[..shown] {
            write!(out, "{n}\t")?;
            out.write_all(word)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(output::finish(out)?)
}

/// Adds the words of `bytes` (cut at whitespace) to `total`.
fn count_into(total: &mut Counts, bytes: &[u8], g: &Global) {
    let counts = if bytes.len() < g.chunk_size() {
        word_frequencies_bytes(bytes)
    } else {
        g.install(|| par_word_frequencies_bytes(bytes, g.chunk_size()))
    };
    if total.is_empty() {
        *total = counts;
        return;
    }
    for (word, n) in counts {
        *total.entry(word).or_default() += n;
    }
}
