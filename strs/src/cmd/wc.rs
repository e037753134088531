//! `strs wc`: lines, words and bytes of each input and in total, in parallel
//! (mapped files) or in bounded memory for any line length (streams).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use strs_tools::parallel::{par_wc, TextCounts};

use crate::failure::Failure;
use crate::input;
use crate::unicode::{self, UnicodeCounts};
use crate::{output, stream, Global};

/// `strs wc` options. Without -l/-w/-c, all three are printed.
#[derive(Args, Debug)]
pub struct WcArgs {
    /// Print the line count (`\n` bytes).
    #[arg(short = 'l', long)]
    lines: bool,
    /// Print the word count. A word is a maximal run of bytes other than ASCII
    /// space, \t, \n, \v, \f and \r (GNU wc's count in the C locale, except that
    /// GNU does not count runs of unprintable bytes); see --unicode.
    #[arg(short = 'w', long)]
    words: bool,
    /// Print the byte count.
    #[arg(short = 'c', long)]
    bytes: bool,
    /// Count words as GNU wc does in a UTF-8 locale: Unicode spaces and no-break
    /// spaces (U+00A0, U+2007, U+202F, U+2060) separate words; control
    /// characters and invalid UTF-8 neither separate nor make words.
    #[arg(long)]
    unicode: bool,
    /// Print one JSON document: {"files": [{"file", "lines", "words", "bytes"}], "total": {...}}.
    #[arg(long)]
    json: bool,
    /// Input files (`-` or none: standard input).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// The counts of one input.
#[derive(Clone, Copy, Default)]
struct Counts {
    lines: u64,
    words: u64,
    bytes: u64,
}

pub fn run(g: &Global, args: WcArgs) -> Result<(), Failure> {
    let files = input::files(&args.files);
    let mut out = output::stdout();
    let mut total = Counts::default();
    let mut per_file = Vec::new();
    for file in &files {
        let counts = count(g, file, args.unicode)?;
        total.lines += counts.lines;
        total.words += counts.words;
        total.bytes += counts.bytes;
        if args.json {
            per_file.push(json!({
                "file": input::name(file),
                "lines": counts.lines,
                "words": counts.words,
                "bytes": counts.bytes,
            }));
        } else {
            // As GNU wc: no name for standard input read without a FILE argument.
            let name = (!args.files.is_empty()).then(|| input::name(file));
            print(&args, counts, name.as_deref(), &mut out)?;
        }
    }
    if args.json {
        let doc = json!({
            "files": per_file,
            "total": {"lines": total.lines, "words": total.words, "bytes": total.bytes},
        });
        writeln!(out, "{doc}")?;
    } else if files.len() > 1 {
        print(&args, total, Some("total"), &mut out)?;
    }
    Ok(output::finish(out)?)
}

fn print(args: &WcArgs, counts: Counts, name: Option<&str>, out: &mut impl Write) -> std::io::Result<()> {
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
    fields.extend(name.map(str::to_string));
    writeln!(out, "{}", fields.join(" "))
}

/// Counts one input window by window (64 MiB of a mapped file, or what a stream
/// gives), each window in parallel.
fn count(g: &Global, file: &std::path::Path, unicode: bool) -> Result<Counts, Failure> {
    let chunk = g.chunk_size();
    let name = input::name(file);
    let mut bytes_counts = TextCounts::default();
    let mut unicode_counts = UnicodeCounts::default();
    // Counts combine across any cut (at a character boundary for --unicode), so
    // windows need no whole lines: memory is bounded whatever the line length.
    let consume = |w: stream::Window<'_>| {
        if unicode {
            let done = if w.end {
                w.bytes.len()
            } else {
                unicode::complete_prefix(w.bytes)
            };
            let c = g.install(|| unicode::par_counts(&w.bytes[..done], chunk));
            unicode_counts = unicode_counts.followed_by(c);
            Ok(done)
        } else {
            bytes_counts = bytes_counts.append(g.install(|| par_wc(w.bytes, chunk)));
            Ok(w.bytes.len())
        }
    };
    let window = chunk
        .saturating_mul(rayon::current_num_threads() * 4)
        .clamp(1, 64 << 20);
    stream::each_window(
        input::open(file, g.no_mmap)?,
        &name,
        window,
        3,
        "a character",
        g.quiet(),
        consume,
    )?;
    Ok(if unicode {
        Counts {
            lines: unicode_counts.lines,
            words: unicode_counts.words,
            bytes: unicode_counts.bytes,
        }
    } else {
        Counts {
            lines: bytes_counts.lines,
            words: bytes_counts.words,
            bytes: bytes_counts.bytes,
        }
    })
}
