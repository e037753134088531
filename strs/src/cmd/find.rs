//! `strs find`: every match of several patterns, in input order, or counts; on
//! files and streams alike in bounded memory, whatever the line length.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;
use strs_tools::matcher::Match;
use strs_tools::parallel::{ParallelSearcher, WindowSearch};

use crate::failure::Failure;
use crate::input::{self, Input};
use crate::{output, stream, Global};

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
    /// Print the line number (from 1) of each match before its offset.
    #[arg(short = 'n', long)]
    line_number: bool,
    /// Match ASCII letters regardless of case (other bytes match exactly).
    #[arg(short = 'i', long)]
    ignore_case: bool,
    /// JSON output: one object per match and line ({"file", "offset", "line"
    /// with -n, "pattern"}); with --count, one document {"files": [{"file",
    /// "counts": [{"pattern", "count"}]}], "total": [...]}.
    #[arg(long)]
    json: bool,
    /// Input files (`-` or none: standard input). With several, each line ends
    /// with `<TAB>FILE`, and --count prints per-file counts, then `total` ones.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// The library's window search, given lowercased windows for `-i` (whose
/// patterns are lowercased): ASCII letters then match regardless of case.
struct CaseSearch<'s> {
    windows: WindowSearch<'s>,
    ignore_case: bool,
    lowered: Vec<u8>,
}

impl<'s> CaseSearch<'s> {
    fn new(searcher: &'s ParallelSearcher, ignore_case: bool) -> CaseSearch<'s> {
        CaseSearch {
            windows: searcher.windows(),
            ignore_case,
            lowered: Vec::new(),
        }
    }

    /// The final matches after searching the next window (see
    /// `WindowSearch::search`), offsets from the input's start.
    fn search(&mut self, window: &[u8], end: bool, g: &Global) -> Vec<Match> {
        if !self.ignore_case {
            return g.install(|| self.windows.search(window, end));
        }
        self.lowered.clear();
        self.lowered.extend(window.iter().map(u8::to_ascii_lowercase));
        let (windows, lowered) = (&mut self.windows, &self.lowered);
        g.install(|| windows.search(lowered, end))
    }
}

/// Counts newlines up to each match, for `-n`.
#[derive(Default)]
struct LineCounter {
    /// Offset up to which newlines are counted.
    at: u64,
    /// Newlines before `at`.
    newlines: u64,
}

impl LineCounter {
    /// Advances to `to` (not before `at`), whose bytes from `base` are in `window`.
    fn advance(&mut self, base: u64, window: &[u8], to: u64) -> u64 {
        let from = (self.at - base) as usize;
        let upto = (to - base) as usize;
        self.newlines += memchr::memchr_iter(b'\n', &window[from..upto]).count() as u64;
        self.at = to;
        self.newlines + 1
    }
}

/// What to do with the matches of one input.
struct Printer<'a> {
    args: &'a FindArgs,
    /// `<TAB>FILE` after each line, with several inputs.
    suffix: Option<String>,
    name: String,
    lines: LineCounter,
    counts: Vec<u64>,
}

impl Printer<'_> {
    fn take(
        &mut self,
        base: u64,
        window: &[u8],
        found: &[Match],
        out: &mut impl Write,
    ) -> std::io::Result<()> {
        for f in found {
            let start = f.start as u64;
            self.counts[f.pattern] += 1;
            if self.args.count {
                continue;
            }
            let line = self
                .args
                .line_number
                .then(|| self.lines.advance(base, window, start));
            let pattern = &self.args.patterns[f.pattern];
            if self.args.json {
                let mut doc = json!({"file": self.name, "offset": start, "pattern": pattern});
                if let Some(line) = line {
                    doc["line"] = line.into();
                }
                writeln!(out, "{doc}")?;
                continue;
            }
            if let Some(line) = line {
                write!(out, "{line}\t")?;
            }
            write!(out, "{start}\t{pattern}")?;
            match &self.suffix {
                Some(name) => writeln!(out, "\t{name}")?,
                None => writeln!(out)?,
            }
        }
        Ok(())
    }

    /// The window's bytes up to `to` are done with: count their newlines.
    fn done(&mut self, base: u64, window: &[u8], to: u64) {
        if self.args.line_number && !self.args.count {
            self.lines.advance(base, window, to);
        }
    }
}

pub fn run(g: &Global, args: FindArgs) -> Result<(), Failure> {
    let mut patterns: Vec<Vec<u8>> = args
        .patterns
        .iter()
        .map(|p| super::unescape_arg(p).map(String::into_bytes))
        .collect::<Result<_, _>>()?;
    if args.ignore_case {
        patterns.iter_mut().for_each(|p| p.make_ascii_lowercase());
    }
    let files = input::files(&args.files);
    let several = files.len() > 1;
    let mut out = output::stdout();
    let mut totals = vec![0u64; patterns.len()];
    let mut per_file = Vec::new();
    for file in &files {
        let name = input::name(file);
        let mut printer = Printer {
            args: &args,
            suffix: several.then(|| name.clone()),
            name,
            lines: LineCounter::default(),
            counts: vec![0; patterns.len()],
        };
        search_one(g, file, &patterns, &mut printer, &mut out)?;
        totals.iter_mut().zip(&printer.counts).for_each(|(t, c)| *t += c);
        if args.count {
            per_file.push((printer.name, printer.counts));
        }
    }
    if args.count {
        print_counts(&args, several, &per_file, &totals, &mut out)?;
    }
    Ok(output::finish(out)?)
}

fn print_counts(
    args: &FindArgs,
    several: bool,
    per_file: &[(String, Vec<u64>)],
    totals: &[u64],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let listed = |counts: &[u64]| -> serde_json::Value {
        args.patterns
            .iter()
            .zip(counts)
            .map(|(p, c)| json!({"pattern": p, "count": c}))
            .collect()
    };
    if args.json {
        let files: Vec<_> = per_file
            .iter()
            .map(|(name, counts)| json!({"file": name, "counts": listed(counts)}))
            .collect();
        return writeln!(out, "{}", json!({"files": files, "total": listed(totals)}));
    }
    let mut lines = |label: Option<&str>, counts: &[u64]| -> std::io::Result<()> {
        for (pattern, count) in args.patterns.iter().zip(counts) {
            match label {
                Some(label) => writeln!(out, "{count}\t{pattern}\t{label}")?,
                None => writeln!(out, "{count}\t{pattern}")?,
            }
        }
        Ok(())
    };
    if !several {
        return lines(None, totals);
    }
    for (name, counts) in per_file {
        lines(Some(name), counts)?;
    }
    lines(Some("total"), totals)
}

/// Searches one input: a mapped file or a stream, window by window.
fn search_one(
    g: &Global,
    file: &Path,
    patterns: &[Vec<u8>],
    printer: &mut Printer<'_>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let chunk = g.chunk_size();
    let searcher = ParallelSearcher::new(patterns).chunk_size(chunk.min(256 << 10));
    let mut search = CaseSearch::new(&searcher, printer.args.ignore_case);
    let overlap = searcher.overlap();
    // New bytes per window: small enough that its matches (at most one per byte
    // and pattern, 48 bytes each while the library sorts them) stay a bounded
    // batch, large enough to share among threads.
    let window = chunk.min(256 << 10).max(overlap + 1);
    match input::open(file, g.no_mmap)? {
        Input::Mapped(map) => {
            let bar = input::progress(Some(map.len() as u64), g.quiet());
            if printer.args.count && !printer.args.ignore_case {
                // Counting needs no positions: one parallel pass over the map.
                let counts = g.install(|| searcher.count(&map));
                printer
                    .counts
                    .iter_mut()
                    .zip(counts)
                    .for_each(|(t, c)| *t = c as u64);
            } else {
                let mut base = 0;
                let mut released = input::Releaser::default();
                loop {
                    let end = (base + overlap + window).min(map.len());
                    let bytes = &map[base..end];
                    let found = search.search(bytes, end == map.len(), g);
                    printer.take(base as u64, bytes, &found, out)?;
                    bar.set_position(end as u64);
                    if end == map.len() {
                        break;
                    }
                    let next = end - overlap;
                    printer.done(base as u64, bytes, next as u64);
                    released.advance(&map, next);
                    base = next;
                }
            }
            bar.finish_and_clear();
        }
        Input::Stream { mut reader, len } => {
            let bar = input::progress(len, g.quiet());
            let name = printer.name.clone();
            stream::windows(&mut reader, &name, window, overlap, "a match", &bar, |w| {
                let found = search.search(w.bytes, w.end, g);
                printer.take(w.base, w.bytes, &found, out)?;
                let done = if w.end {
                    w.bytes.len()
                } else {
                    w.bytes.len().saturating_sub(overlap)
                };
                printer.done(w.base, w.bytes, w.base + done as u64);
                Ok(done)
            })?;
            bar.finish_and_clear();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Per pattern `match_indices` over the lowercased input.
    fn naive_lowered(hay: &[u8], patterns: &[Vec<u8>]) -> Vec<(usize, usize)> {
        let hay = hay.to_ascii_lowercase();
        let mut all = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let mut at = 0;
            while let Some(k) = memchr::memmem::find(&hay[at..], p) {
                all.push((at + k, i));
                at += k + p.len();
            }
        }
        all.sort_unstable();
        all
    }

    /// Ignoring case is searching the lowercased windows: the windows are cut
    /// as `search_one` cuts them, at every size. (The window search itself is
    /// tested in the library against `match_indices`.)
    #[test]
    fn ignoring_case_is_searching_the_lowercased_input() {
        let g = crate::Cli::parse_from(["strs", "wc"]).global;
        let hay = b"AaAaA\naAAa aA";
        let patterns = vec![b"aa".to_vec(), b"a\na".to_vec()];
        let want = naive_lowered(hay, &patterns);
        assert_eq!(want.len(), 6);
        let searcher = ParallelSearcher::new(&patterns).chunk_size(3);
        let overlap = searcher.overlap();
        for window in 1..=hay.len() + 1 {
            let mut search = CaseSearch::new(&searcher, true);
            let window = window.max(overlap + 1);
            let (mut all, mut base) = (Vec::new(), 0);
            loop {
                let end = (base + overlap + window).min(hay.len());
                all.extend(search.search(&hay[base..end], end == hay.len(), &g));
                if end == hay.len() {
                    break;
                }
                base = end - overlap;
            }
            let got: Vec<(usize, usize)> = all.iter().map(|m| (m.start, m.pattern)).collect();
            assert_eq!(got, want, "window {window}");
        }
    }
}
