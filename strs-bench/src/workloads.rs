//! The seed's workloads: ours at every thread count, the peers in the same run,
//! every answer checked.

use std::hint::black_box;

use rayon::iter::ParallelIterator;
use rayon::slice::ParallelSlice;
use strs_tools::parallel::ParallelStringExt;

use crate::measure::{pool, time, Row};

/// What every workload needs to know.
pub struct Config {
    /// Input bytes per workload.
    pub size: usize,
    /// Timed runs per measurement.
    pub repeat: usize,
    /// Thread counts of our rows, ascending, 1 first.
    pub threads: Vec<usize>,
}

/// A workload: (short name, the seed's name for it, the runner).
pub type Workload = (&'static str, &'static str, fn(&Config) -> Vec<Row>);

/// The workloads, in the seed's order.
pub const ALL: &[Workload] = &[
    ("split", "Large file splitting", split),
    ("search", "Pattern search", search),
    ("text", "Text processing", text_processing),
    ("csv", "CSV parsing", csv_parsing),
];

fn row(contestant: &str, threads: usize, ours: bool, bytes: usize, timing: (f64, f64)) -> Row {
    Row::new(contestant, threads, ours, bytes, timing)
}

/// The memory-read ceiling: summing the buffer as 64-bit words, at 1 and all
/// threads.
pub fn ceiling(cfg: &Config) -> Vec<Row> {
    // Summing 64-bit words reads memory as fast as the machine delivers it;
    // summing single bytes widened to u64 is bound by the additions instead.
    let size = cfg.size / 8 * 8;
    let buf = vec![1u8; size];
    let sum = |b: &[u8]| {
        b.chunks_exact(8).fold(0u64, |acc, w| {
            acc.wrapping_add(u64::from_le_bytes(w.try_into().unwrap_or_default()))
        })
    };
    let expected = ((size / 8) as u64).wrapping_mul(0x0101_0101_0101_0101);
    let mut rows = Vec::new();
    for &t in [1, *cfg.threads.last().unwrap_or(&1)]
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
    {
        let p = pool(t);
        let timing = time(
            cfg.repeat,
            || p.install(|| buf.par_chunks(1 << 20).map(sum).reduce(|| 0, u64::wrapping_add)),
            |&s| assert_eq!(s, expected),
        );
        rows.push(row("word-sum loop", t, false, size, timing));
    }
    rows
}

/// Large file splitting: newline split collected into `Vec<&str>`.
fn split(cfg: &Config) -> Vec<Row> {
    let text = strs_testdata::log_text(cfg.size);
    let n = text.len();
    let lines = text.split('\n').count();
    let check = |v: &Vec<&str>| assert_eq!(v.len(), lines, "wrong number of lines");
    let mut rows = Vec::new();
    for &t in &cfg.threads {
        let p = pool(t);
        let before = strs_tools::parallel::serial_time();
        let timing = time(
            cfg.repeat,
            || p.install(|| text.par_split(&["\n"]).collect_vec()),
            check,
        );
        // The stitch passes' time per run (the warm-up run included).
        let serial =
            (strs_tools::parallel::serial_time() - before).as_secs_f64() / (cfg.repeat.max(1) + 1) as f64;
        rows.push(Row {
            serial: Some(serial),
            ..row("strs_tools par_split collect_vec", t, true, n, timing)
        });
        // rayon's generic collect of the same lazy iterator: per-job vectors,
        // appended.
        let timing = time(
            cfg.repeat,
            || p.install(|| text.par_split(&["\n"]).collect::<Vec<&str>>()),
            check,
        );
        rows.push(row("strs_tools par_split collect()", t, false, n, timing));
        // Into one vector reused from run to run: no page faults for the result.
        let mut reused = Vec::new();
        let timing = time(
            cfg.repeat,
            || {
                p.install(|| text.par_split(&["\n"]).collect_into_vec(&mut reused));
                reused.len()
            },
            |&len| assert_eq!(len, lines, "wrong number of lines"),
        );
        rows.push(row(
            "strs_tools par_split collect_into_vec (reused)",
            t,
            false,
            n,
            timing,
        ));
        // The same split without collecting: what the split costs when the
        // pieces are consumed in place instead of stored (no page faults for a
        // result vector).
        let timing = time(
            cfg.repeat,
            || p.install(|| text.par_split(&["\n"]).count()),
            |&c| assert_eq!(c, lines),
        );
        rows.push(row("strs_tools par_split count", t, false, n, timing));
        let timing = time(
            cfg.repeat,
            || {
                p.install(|| {
                    rayon::str::ParallelString::par_split(text.as_str(), '\n').collect::<Vec<&str>>()
                })
            },
            check,
        );
        rows.push(row("rayon par_split('\\n')", t, false, n, timing));
    }
    rows.push(row(
        "std split",
        1,
        false,
        n,
        time(cfg.repeat, || text.split('\n').collect::<Vec<&str>>(), check),
    ));
    let options = strs_tools::string::split()
        .delimiter("\n")
        .preserving_delimiters(false)
        .preserving_empty(true)
        .build()
        .expect("one delimiter compiles");
    let sequential = || {
        options
            .split(&text)
            .map(|s| text.get(s.start..s.end).unwrap_or_default())
            .collect::<Vec<&str>>()
    };
    rows.push(row(
        "strs_tools split (sequential)",
        1,
        false,
        n,
        time(cfg.repeat, sequential, check),
    ));
    // `ParallelSplit::threads(1)` against the sequential builder, both
    // collecting `Split` records: the cost of the parallel machinery itself.
    let one_thread = strs_tools::parallel::ParallelSplit::new().threads(1);
    let records = || one_thread.split_parallel(&text, &["\n"]).collect_vec();
    let check_records = |v: &Vec<strs_tools::string::Split<'_>>| assert_eq!(v.len(), lines);
    rows.push(row(
        "ParallelSplit::threads(1) Split records (collect_vec)",
        1,
        false,
        n,
        time(cfg.repeat, records, check_records),
    ));
    let sequential_records = || options.split(&text).collect::<Vec<_>>();
    rows.push(row(
        "strs_tools split() Split records",
        1,
        false,
        n,
        time(cfg.repeat, sequential_records, check_records),
    ));
    let memchr_loop = || {
        let mut v = Vec::new();
        let mut start = 0;
        for i in memchr::memchr_iter(b'\n', text.as_bytes()) {
            v.push(&text[start..i]);
            start = i + 1;
        }
        v.push(&text[start..]);
        v
    };
    rows.push(row(
        "memchr loop",
        1,
        false,
        n,
        time(cfg.repeat, memchr_loop, check),
    ));
    // The crates.io split is far slower: run it on a prefix.
    let prefix = &text[..text.len().min(16 << 20)];
    let prefix_lines = prefix.split('\n').count();
    let upstream = || {
        upstream::string::split()
            .src(prefix)
            .delimiters(&["\n"])
            .preserving_delimiters(false)
            .preserving_empty(true)
            .perform()
            .count()
    };
    let timing = time(cfg.repeat.min(3), upstream, |&c| assert_eq!(c, prefix_lines));
    rows.push(row(
        "crates.io strs_tools 0.50 (16 MiB prefix)",
        1,
        false,
        prefix.len(),
        timing,
    ));
    black_box(&rows);
    rows
}

/// Pattern search: every position of `error`, `warning` and `critical`.
fn search(cfg: &Config) -> Vec<Row> {
    const PATTERNS: [&str; 3] = ["error", "warning", "critical"];
    let text = strs_testdata::log_text(cfg.size);
    let n = text.len();
    let per_pattern: Vec<usize> = PATTERNS.iter().map(|p| text.matches(p).count()).collect();
    let total: usize = per_pattern.iter().sum();
    let mut rows = Vec::new();
    for &t in &cfg.threads {
        let p = pool(t);
        let timing = time(
            cfg.repeat,
            || p.install(|| text.par_find_all(&PATTERNS)),
            |v| assert_eq!(v.len(), total),
        );
        rows.push(row("strs_tools par_find_all", t, true, n, timing));
        let timing = time(
            cfg.repeat,
            || p.install(|| text.par_count(&PATTERNS)),
            |c| assert_eq!(c, &per_pattern),
        );
        rows.push(row("strs_tools par_count", t, false, n, timing));
    }
    let ac = aho_corasick::AhoCorasick::new(PATTERNS).expect("three literals");
    let timing = time(
        cfg.repeat,
        || ac.find_iter(&text).count(),
        |&c| assert_eq!(c, total),
    );
    rows.push(row("aho-corasick find_iter", 1, false, n, timing));
    if let Some(teddy) = aho_corasick::packed::Searcher::new(PATTERNS) {
        let timing = time(
            cfg.repeat,
            || teddy.find_iter(&text).count(),
            |&c| assert_eq!(c, total),
        );
        rows.push(row("aho-corasick packed (Teddy)", 1, false, n, timing));
    }
    let finders: Vec<memchr::memmem::Finder> = PATTERNS.iter().map(memchr::memmem::Finder::new).collect();
    let memmem = || {
        finders
            .iter()
            .map(|f| f.find_iter(text.as_bytes()).count())
            .sum::<usize>()
    };
    rows.push(row(
        "3 memmem finders",
        1,
        false,
        n,
        time(cfg.repeat, memmem, |&c| assert_eq!(c, total)),
    ));
    let std = || {
        PATTERNS
            .iter()
            .map(|p| text.match_indices(p).count())
            .sum::<usize>()
    };
    rows.push(row(
        "std match_indices",
        1,
        false,
        n,
        time(cfg.repeat, std, |&c| assert_eq!(c, total)),
    ));
    rows
}

/// Text processing: word frequencies (ASCII whitespace, ASCII-lowercased).
fn text_processing(cfg: &Config) -> Vec<Row> {
    let text = strs_testdata::prose_text(cfg.size);
    let n = text.len();
    let expected = strs_tools::parallel::word_frequencies(&text);
    let same = |m: &std::collections::HashMap<String, usize>| assert!(m == &expected, "word counts differ");
    let mut rows = Vec::new();
    for &t in &cfg.threads {
        let p = pool(t);
        let timing = time(
            cfg.repeat,
            || p.install(|| strs_tools::parallel::par_word_frequencies(&text, 1 << 20)),
            same,
        );
        rows.push(row("strs_tools par_word_frequencies", t, true, n, timing));
    }
    let naive = || {
        let mut m: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        // The prose has no \v, so std's ASCII whitespace is our word separator.
        for w in text.split_ascii_whitespace() {
            *m.entry(w.to_ascii_lowercase()).or_default() += 1;
        }
        m
    };
    rows.push(row(
        "split_ascii_whitespace + std HashMap",
        1,
        false,
        n,
        time(cfg.repeat, naive, same),
    ));
    rows
}

/// CSV parsing: every record and field boundary, streamed (the headline) and
/// kept; beside them, the exact record count.
fn csv_parsing(cfg: &Config) -> Vec<Row> {
    use strs_tools::csv::CsvParser;
    let generated = strs_testdata::csv_quoted(cfg.size);
    let input = &generated.bytes[..];
    let n = input.len();
    let fields_of = |records: &strs_tools::csv::Records<'_>| {
        (records.len(), records.iter().map(|r| r.len()).sum::<usize>())
    };
    let expected = strs_testdata::csv_crate_fields(input, true);
    let rows_expected = expected.0;
    assert_eq!(
        expected,
        (generated.records, generated.records * generated.columns),
        "the csv crate and the generator disagree"
    );
    let mut rows = Vec::new();
    let parser = CsvParser::new();
    // Streamed: every record and field located and handed to a closure, as the
    // peers' readers do; nothing but the closure's results is kept.
    let streamed = |parser: &CsvParser| {
        let lens = parser.par_map(input, |r| r.len()).expect("lenient parse");
        (lens.len(), lens.iter().sum::<usize>())
    };
    for &t in &cfg.threads {
        let p = pool(t);
        let timing = time(
            cfg.repeat,
            || p.install(|| streamed(&parser)),
            |c| assert_eq!(*c, expected),
        );
        rows.push(row(
            "strs_tools csv par_map (records + fields, streamed)",
            t,
            true,
            n,
            timing,
        ));
        let timing = time(
            cfg.repeat,
            || p.install(|| fields_of(&parser.parse(input).expect("lenient parse"))),
            |c| assert_eq!(*c, expected),
        );
        rows.push(row(
            "strs_tools csv parse (all records kept)",
            t,
            false,
            n,
            timing,
        ));
        let timing = time(
            cfg.repeat,
            || p.install(|| parser.count_records(input)),
            |&c| assert_eq!(c, rows_expected),
        );
        rows.push(row("strs_tools csv count_records", t, false, n, timing));
    }
    let csv_crate = || strs_testdata::csv_crate_fields(input, true);
    rows.push(row(
        "csv crate ByteRecord",
        1,
        false,
        n,
        time(cfg.repeat, csv_crate, |c| assert_eq!(*c, expected)),
    ));
    let simd = || {
        let mut reader = simd_csv::ZeroCopyReader::from_reader(input);
        let (mut r, mut f) = (0usize, 0usize);
        while let Some(record) = reader.read_byte_record().expect("valid csv") {
            r += 1;
            f += record.len();
        }
        // Like the csv crate, it reads the first record as the header.
        (r, f)
    };
    rows.push(row(
        "simd-csv ZeroCopyReader",
        1,
        false,
        n,
        time(cfg.repeat, simd, |c| assert_eq!(*c, expected)),
    ));
    rows
}
