//! `strs find`: every match of several patterns, in input order, or counts; on
//! files and streams alike in bounded memory, whatever the line length.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use memchr::memmem;
use serde_json::json;
use strs_tools::parallel::ParallelSearcher;

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

/// A match at an absolute offset of its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    start: u64,
    pattern: usize,
}

/// Searches an input window by window, each window overlapping the previous one
/// by `longest pattern - 1` bytes, and reports each match once, with the
/// semantics of a search over the whole input (per pattern, leftmost
/// non-overlapping matches, as `match_indices`).
///
/// A window is searched from its start, but a pattern whose last match ended
/// inside the overlap must resume after that match: where the two disagree (a
/// self-overlapping pattern such as `aa`), both scans are walked until they meet.
struct WindowSearch {
    searcher: ParallelSearcher,
    finders: Vec<Option<memmem::Finder<'static>>>,
    lens: Vec<usize>,
    /// Bytes of overlap between consecutive windows.
    overlap: usize,
    /// Per pattern: the end of its last reported match.
    carry: Vec<u64>,
    ignore_case: bool,
    lowered: Vec<u8>,
    /// Matches that start in the overlap at the end of the last window: the next
    /// window may find matches of other patterns that sort before them.
    pending: Vec<Found>,
}

impl WindowSearch {
    fn new(patterns: &[Vec<u8>], chunk: usize, ignore_case: bool) -> WindowSearch {
        let searcher = ParallelSearcher::new(patterns).chunk_size(chunk.min(256 << 10));
        WindowSearch {
            searcher,
            finders: patterns
                .iter()
                .map(|p| (!p.is_empty()).then(|| memmem::Finder::new(p).into_owned()))
                .collect(),
            lens: patterns.iter().map(Vec::len).collect(),
            overlap: patterns.iter().map(Vec::len).max().unwrap_or(0).saturating_sub(1),
            carry: vec![0; patterns.len()],
            ignore_case,
            lowered: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// The matches not reported before that start before the next window (all
    /// of them, at the input's `end`), sorted by offset then pattern. `window` is
    /// the input's bytes from `base`; the first window starts at 0, each next one
    /// `overlap` bytes before the end of the previous one.
    fn search(&mut self, base: u64, window: &[u8], end: bool, g: &Global) -> Vec<Found> {
        let mut lowered = std::mem::take(&mut self.lowered);
        let hay = if self.ignore_case {
            lowered.clear();
            lowered.extend(window.iter().map(u8::to_ascii_lowercase));
            &lowered[..]
        } else {
            window
        };
        let mut found: Vec<Found> = g
            .install(|| self.searcher.find_all(hay))
            .into_iter()
            .map(|m| Found {
                start: base + m.start as u64,
                pattern: m.pattern,
            })
            .collect();
        let mut fixed = false;
        for p in 0..self.carry.len() {
            let resume = self.carry[p];
            let Some(finder) = self.finders[p].as_ref().filter(|_| resume > base) else {
                continue;
            };
            let (removed, added) = phase_fix(finder, hay, self.lens[p], (resume - base) as usize);
            if removed.is_empty() && added.is_empty() {
                continue;
            }
            fixed = true;
            found.retain(|f| f.pattern != p || removed.binary_search(&((f.start - base) as usize)).is_err());
            found.extend(added.iter().map(|&s| Found {
                start: base + s as u64,
                pattern: p,
            }));
        }
        for f in &found {
            let end = f.start + self.lens[f.pattern] as u64;
            self.carry[f.pattern] = self.carry[f.pattern].max(end);
        }
        if fixed || !self.pending.is_empty() {
            found.append(&mut self.pending);
            found.sort_unstable();
        }
        if !end {
            let next = base + window.len().saturating_sub(self.overlap) as u64;
            let cut = found.partition_point(|f| f.start < next);
            self.pending = found.split_off(cut);
        }
        self.lowered = lowered;
        found
    }
}

/// Walks the greedy scan of one pattern from the window's start (`a`: what the
/// window search reported) and the true one, resuming at `resume` (`b`), until
/// they meet; returns the starts only `a` has (sorted) and those only `b` has.
fn phase_fix(finder: &memmem::Finder<'_>, hay: &[u8], len: usize, resume: usize) -> (Vec<usize>, Vec<usize>) {
    let find = |from: usize| {
        hay.get(from..)
            .and_then(|rest| finder.find(rest))
            .map(|k| from + k)
    };
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut a, mut b) = (find(0), find(resume));
    loop {
        match (a, b) {
            (Some(x), Some(y)) if x == y => break,
            (None, None) => break,
            (Some(x), Some(y)) if x < y => {
                removed.push(x);
                a = find(x + len);
            }
            (Some(x), None) => {
                removed.push(x);
                a = find(x + len);
            }
            (_, Some(y)) => {
                added.push(y);
                b = find(y + len);
            }
        }
    }
    (removed, added)
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
        found: &[Found],
        out: &mut impl Write,
    ) -> std::io::Result<()> {
        for f in found {
            self.counts[f.pattern] += 1;
            if self.args.count {
                continue;
            }
            let line = self
                .args
                .line_number
                .then(|| self.lines.advance(base, window, f.start));
            let pattern = &self.args.patterns[f.pattern];
            if self.args.json {
                let mut doc = json!({"file": self.name, "offset": f.start, "pattern": pattern});
                if let Some(line) = line {
                    doc["line"] = line.into();
                }
                writeln!(out, "{doc}")?;
                continue;
            }
            if let Some(line) = line {
                write!(out, "{line}\t")?;
            }
            write!(out, "{}\t{pattern}", f.start)?;
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
    let mut search = WindowSearch::new(patterns, chunk, printer.args.ignore_case);
    let overlap = search.overlap;
    // New bytes per window: small enough that its matches (at most one per byte
    // and pattern, 48 bytes each while the library sorts them) stay a bounded
    // batch, large enough to share among threads.
    let window = chunk.min(256 << 10).max(overlap + 1);
    match input::open(file, g.no_mmap)? {
        Input::Mapped(map) => {
            let bar = input::progress(Some(map.len() as u64), g.quiet());
            if printer.args.count && !printer.args.ignore_case {
                // Counting needs no positions: one parallel pass over the map.
                let counts = g.install(|| search.searcher.count(&map));
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
                    let found = search.search(base as u64, bytes, end == map.len(), g);
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
                let found = search.search(w.base, w.bytes, w.end, g);
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

    /// Per pattern `match_indices`, merged by offset then pattern.
    fn naive(hay: &[u8], patterns: &[Vec<u8>]) -> Vec<Found> {
        let mut all = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            if p.is_empty() {
                continue;
            }
            let mut at = 0;
            while let Some(k) = memmem::find(&hay[at..], p) {
                all.push(Found {
                    start: (at + k) as u64,
                    pattern: i,
                });
                at += k + p.len();
            }
        }
        all.sort_unstable();
        all
    }

    fn global() -> Global {
        crate::Cli::parse_from(["strs", "wc"]).global
    }

    /// Windows as `search_one` cuts them, for every window size.
    fn windowed(hay: &[u8], patterns: &[Vec<u8>], window: usize, g: &Global) -> Vec<Found> {
        windowed_case(hay, patterns, window, false, g)
    }

    fn windowed_case(
        hay: &[u8],
        patterns: &[Vec<u8>],
        window: usize,
        ignore_case: bool,
        g: &Global,
    ) -> Vec<Found> {
        let mut search = WindowSearch::new(patterns, 3, ignore_case);
        let overlap = search.overlap;
        let window = window.max(overlap + 1);
        let mut all = Vec::new();
        let mut base = 0;
        loop {
            let end = (base + overlap + window).min(hay.len());
            all.extend(search.search(base as u64, &hay[base..end], end == hay.len(), g));
            if end == hay.len() {
                return all;
            }
            base = end - overlap;
        }
    }

    #[test]
    fn windows_of_every_size_find_what_match_indices_finds() {
        let g = global();
        let sets: [&[&str]; 6] = [
            &["aa"],
            &["aa", "a"],
            &["aba", "ab", "b"],
            &[",a,", "a"],
            &["\0\0", "]"],
            &["xyzxyz", "zx", ""],
        ];
        let hays: [&[u8]; 6] = [
            b"aaaaaaaaaaabaaaaaba",
            b",a,a,a,,a,a,",
            b"abababaabababa",
            b"\0\0\0\0\0\0\0\0\0\0]",
            b"xyzxyzxyzxyzxzx",
            b"",
        ];
        for set in sets {
            let patterns: Vec<Vec<u8>> = set.iter().map(|p| p.as_bytes().to_vec()).collect();
            for hay in hays {
                let want = naive(hay, &patterns);
                for window in 1..=hay.len() + 1 {
                    assert_eq!(
                        windowed(hay, &patterns, window, &g),
                        want,
                        "{set:?} in {:?} at window {window}",
                        String::from_utf8_lossy(hay)
                    );
                }
            }
        }
    }

    #[test]
    fn ignoring_case_is_searching_the_lowercased_input() {
        let g = global();
        let hay = b"AaAaA\naAAa aA";
        let patterns = vec![b"aa".to_vec(), b"a\na".to_vec()];
        let want = naive(&hay.to_ascii_lowercase(), &patterns);
        assert_eq!(want.len(), 6);
        for window in 1..=hay.len() + 1 {
            assert_eq!(
                windowed_case(hay, &patterns, window, true, &g),
                want,
                "window {window}"
            );
        }
    }

    #[test]
    fn windows_agree_on_generated_inputs() {
        let g = global();
        let mut state = 11u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        for _ in 0..300 {
            let hay: Vec<u8> = (0..next() % 80).map(|_| b"ab\n"[next() % 3]).collect();
            let patterns: Vec<Vec<u8>> = (0..1 + next() % 3)
                .map(|_| (0..1 + next() % 4).map(|_| b"ab\n"[next() % 3]).collect())
                .collect();
            let want = naive(&hay, &patterns);
            for window in [1, 2, 3, 5, 8, 100] {
                assert_eq!(
                    windowed(&hay, &patterns, window, &g),
                    want,
                    "{hay:?} {patterns:?} {window}"
                );
            }
        }
    }
}
