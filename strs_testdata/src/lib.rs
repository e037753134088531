//! Deterministic generated inputs, shared by the criterion benches of `strs_tools`,
//! its large tests and the `strs-bench` harness, so that every harness measures the
//! same data.
//!
//! Every generator is a pure function of its length: the same call gives the same
//! bytes on every machine and in every run, without a `rand` dependency. Each one
//! draws from its own [`Lcg`] seeded with a named constant.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt::Write;

/// Seed of [`log_text`].
pub const LOG_SEED: u64 = 42;
/// Seed of [`prose_text`].
pub const PROSE_SEED: u64 = 7;
/// Seed of [`csv_quoted`].
pub const CSV_SEED: u64 = 1234;
/// Seed of [`csv_hostile`].
pub const CSV_HOSTILE_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// The input size of the criterion benches, in bytes: `STRS_BENCH_MB` MiB
/// (default 256).
///
/// # Example
///
/// ```
/// // Unset or unreadable, the variable gives the default.
/// if std::env::var("STRS_BENCH_MB").is_err() {
///     assert_eq!(strs_testdata::bench_bytes(), 256 << 20);
/// }
/// ```
pub fn bench_bytes() -> usize {
    std::env::var("STRS_BENCH_MB")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(256)
        << 20
}

/// A linear congruential generator (Knuth's MMIX constants) returning the high
/// 31 bits of its state: reproducible inputs, nothing more.
///
/// # Example
///
/// ```
/// use strs_testdata::Lcg;
/// let (mut a, mut b) = (Lcg::new(1), Lcg::new(1));
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Clone, Debug)]
pub struct Lcg(u64);

impl Lcg {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }

    /// The next value, below 2^31.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// The next value reduced to `0..n`.
    ///
    /// # Panics
    ///
    /// If `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Log-like text of at least `len` bytes (at most one line more): CRLF-terminated
/// lines of about 100 bytes with `", "`-separated fields. The level of each line
/// is drawn from eight, three of which are `warning`, `error` and `critical`, so
/// about three lines in eight carry one of those patterns.
///
/// # Example
///
/// ```
/// let text = strs_testdata::log_text(4096);
/// assert!(text.len() >= 4096 && text.ends_with("\r\n"));
/// assert_eq!(text, strs_testdata::log_text(4096));
/// ```
pub fn log_text(len: usize) -> String {
    const LEVELS: [&str; 8] = [
        "INFO", "INFO", "INFO", "DEBUG", "INFO", "warning", "error", "critical",
    ];
    const PATHS: [&str; 5] = [
        "/api/v1/items",
        "/login",
        "/static/app.js",
        "/api/v2/orders/search",
        "/health",
    ];
    let mut rng = Lcg::new(LOG_SEED);
    let mut s = String::with_capacity(len + 200);
    let mut t = 1_700_000_000u64;
    while s.len() < len {
        t += rng.below(3);
        let level = LEVELS[rng.below(8) as usize];
        let path = PATHS[rng.below(5) as usize];
        let _ = write!(
            s,
            "{t} {level} worker-{}, id={}, path={path}, status={}, latency={}ms\r\n",
            rng.below(16),
            rng.next_u64(),
            [200, 200, 200, 404, 500][rng.below(5) as usize],
            rng.below(900)
        );
    }
    s
}

/// Prose-like text of at least `len` bytes: words drawn from a skewed vocabulary
/// (twelve very common, some capitalised, and about 50 000 rare ones), separated
/// by spaces, tabs and newlines. It holds no `\v`, so `split_ascii_whitespace`
/// and the library's word separators agree on it.
///
/// # Example
///
/// ```
/// let text = strs_testdata::prose_text(4096);
/// assert!(text.len() >= 4096);
/// assert!(text.split_ascii_whitespace().any(|w| w == "the"));
/// assert!(!text.contains('\u{b}'));
/// ```
pub fn prose_text(len: usize) -> String {
    const COMMON: [&str; 12] = [
        "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "The", "AND",
    ];
    let mut rng = Lcg::new(PROSE_SEED);
    let mut s = String::with_capacity(len + 64);
    while s.len() < len {
        if rng.below(3) > 0 {
            s.push_str(COMMON[rng.below(12) as usize]);
        } else {
            let _ = write!(s, "w{}x", rng.below(50_000));
        }
        s.push(match rng.below(20) {
            0 => '\n',
            1 => '\t',
            _ => ' ',
        });
    }
    s
}

/// A generated CSV and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedCsv {
    /// The CSV text, a header line first.
    pub bytes: Vec<u8>,
    /// The data records (the header not counted).
    pub records: usize,
    /// Fields per record, the header's included.
    pub columns: usize,
}

/// Well-formed CSV of at least `len` bytes: a header and 8 columns; about one
/// record in ten has a quoted free-text field holding commas, doubled quotes and
/// a newline, and one in ten a quoted field with a comma.
///
/// # Example
///
/// ```
/// let csv = strs_testdata::csv_quoted(4096);
/// assert!(csv.bytes.len() >= 4096 && csv.bytes.starts_with(b"id,"));
/// assert_eq!(csv.columns, 8);
/// assert!(csv.records > 0);
/// ```
pub fn csv_quoted(len: usize) -> GeneratedCsv {
    let mut rng = Lcg::new(CSV_SEED);
    let mut s = String::with_capacity(len + 256);
    s.push_str("id,time,user,country,amount,status,comment,score\n");
    let mut records = 0u64;
    while s.len() < len {
        records += 1;
        let comment = match rng.below(10) {
            0 => format!("\"said \"\"hi\"\", then left,\nlater: {} items\"", rng.below(100)),
            1 => "\"plain, quoted\"".to_string(),
            _ => format!("note{}", rng.below(1000)),
        };
        let _ = writeln!(
            s,
            "{records},{},user{},{},{}.{:02},{},{comment},{}",
            1_700_000_000 + rng.below(1_000_000),
            rng.below(100_000),
            ["DE", "US", "FR", "JP", "BR"][rng.below(5) as usize],
            rng.below(10_000),
            rng.below(100),
            ["ok", "failed", "pending"][rng.below(3) as usize],
            rng.below(100)
        );
    }
    GeneratedCsv {
        bytes: s.into_bytes(),
        records: records as usize,
        columns: 8,
    }
}

/// CSV of about `len` bytes (a whole number of lines, at least one header line)
/// where no quote is syntax: a quote inside an unquoted field on every line, so
/// quote parity helps nowhere. Five columns, a header.
///
/// # Example
///
/// ```
/// let csv = strs_testdata::csv_stray_quotes(4096);
/// assert_eq!(csv.columns, 5);
/// assert!(csv.bytes.len() <= 4096 + 15);
/// assert_eq!(csv.bytes.iter().filter(|&&b| b == b'\n').count(), csv.records + 1);
/// ```
pub fn csv_stray_quotes(len: usize) -> GeneratedCsv {
    const LINE: &[u8] = b"i,5\" pipe,abc,12.5,xyzxyz\n";
    let records = len / LINE.len();
    GeneratedCsv {
        bytes: [&b"h1,h2,h3,h4,h5\n"[..], &LINE.repeat(records)].concat(),
        records,
        columns: 5,
    }
}

/// Headerless CSV of at least `len` bytes, full of what defeats guessing
/// chunkers: quoted newlines, quoted fields that look like records, `\r\n` and
/// lone `\r` terminators, empty lines, an empty quoted field, text after a closing
/// quote and a quote inside an unquoted field. Lenient parsers (the `csv` crate)
/// accept all of it; the record count is what such a parser finds.
///
/// # Example
///
/// ```
/// let bytes = strs_testdata::csv_hostile(4096);
/// assert!(bytes.len() >= 4096);
/// assert!(bytes.windows(2).any(|w| w == b"\r\n"));
/// ```
pub fn csv_hostile(len: usize) -> Vec<u8> {
    let mut rng = Lcg::new(CSV_HOSTILE_SEED);
    let mut out = Vec::with_capacity(len + 256);
    let mut row = 0u64;
    while out.len() < len {
        let r = rng.next_u64();
        let text: &[u8] = match r % 40 {
            0..=3 => b"\"quoted, with a\nnewline and \"\"doubled\"\" quotes\"",
            4 => b"\"x\n1,2,3,4\n5,6,7,8\n\"",
            5 => b"\"\"",
            6 => b"\"ends\r\nwith crlf\r\n\"",
            7 => b"mal\"formed",
            8 => b"\"text\"after",
            _ => b"plain text",
        };
        let _ = write!(VecWriter(&mut out), "{row},{},", r % 1000);
        out.extend_from_slice(text);
        let _ = write!(VecWriter(&mut out), ",{}", (r >> 8) % 7);
        out.extend_from_slice(match (r >> 16) % 50 {
            0 => b"\r\n\r\n",
            1 => b"\r",
            2 => b"\n\n",
            3..=10 => b"\r\n",
            _ => b"\n",
        });
        row += 1;
    }
    out
}

/// Records and fields (all records' fields added up) of `bytes` as the `csv`
/// crate reads them with its defaults: the reference answer, and the peer, of
/// every CSV harness. With `has_headers`, the first record is not counted.
///
/// # Panics
///
/// If the `csv` crate reports an error (records of unequal length).
///
/// # Example
///
/// ```
/// assert_eq!(strs_testdata::csv_crate_fields(b"a,b\n1,\"x\ny\"\n", true), (1, 2));
/// let csv = strs_testdata::csv_quoted(10_000);
/// assert_eq!(strs_testdata::csv_crate_fields(&csv.bytes, true), (csv.records, csv.records * csv.columns));
/// ```
pub fn csv_crate_fields(bytes: &[u8], has_headers: bool) -> (usize, usize) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(has_headers)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let (mut records, mut fields) = (0, 0);
    while reader
        .read_byte_record(&mut record)
        .expect("the csv crate reads the input")
    {
        records += 1;
        fields += record.len();
    }
    (records, fields)
}

/// `fmt::Write` into a byte vector (the formatted text is UTF-8).
struct VecWriter<'a>(&'a mut Vec<u8>);

impl Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records and fields per record, as the `csv` crate reads them.
    fn csv_crate_shape(bytes: &[u8], has_headers: bool) -> (usize, Vec<usize>) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(has_headers)
            .flexible(true)
            .from_reader(bytes);
        let mut record = csv::ByteRecord::new();
        let mut widths = Vec::new();
        while reader.read_byte_record(&mut record).expect("lenient parse") {
            widths.push(record.len());
        }
        (widths.len(), widths)
    }

    #[test]
    fn every_generator_is_deterministic_and_at_least_as_long_as_asked() {
        for len in [0, 1, 100, 10_000] {
            assert_eq!(log_text(len), log_text(len));
            assert!(log_text(len).len() >= len);
            assert_eq!(prose_text(len), prose_text(len));
            assert!(prose_text(len).len() >= len);
            assert_eq!(csv_quoted(len), csv_quoted(len));
            assert!(csv_quoted(len).bytes.len() >= len);
            assert_eq!(csv_hostile(len), csv_hostile(len));
            assert!(csv_hostile(len).len() >= len);
        }
    }

    #[test]
    fn a_longer_input_extends_a_shorter_one() {
        let (short, long) = (log_text(1000), log_text(5000));
        assert!(long.starts_with(&short));
        let (short, long) = (csv_quoted(1000), csv_quoted(5000));
        assert!(long.bytes.starts_with(&short.bytes));
    }

    #[test]
    fn the_quoted_csv_has_the_records_and_columns_it_claims() {
        let csv = csv_quoted(200_000);
        let (records, widths) = csv_crate_shape(&csv.bytes, true);
        assert_eq!(records, csv.records);
        assert!(widths.iter().all(|&w| w == csv.columns));
        let newlines_in_quotes = csv.bytes.iter().filter(|&&b| b == b'\n').count() - 1 - records;
        assert!(
            newlines_in_quotes > 0,
            "no quoted newline to defeat a line splitter"
        );
    }

    #[test]
    fn the_stray_quote_csv_has_the_records_and_columns_it_claims() {
        let csv = csv_stray_quotes(10_000);
        let (records, widths) = csv_crate_shape(&csv.bytes, true);
        assert_eq!(records, csv.records);
        assert!(widths.iter().all(|&w| w == csv.columns));
    }

    #[test]
    fn the_hostile_csv_holds_every_case_it_names() {
        let bytes = csv_hostile(1 << 20);
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        for case in [
            &b"\"x\n1,2,3,4\n5,6,7,8\n\""[..],
            b",\"\",",
            b"mal\"formed",
            b"\"text\"after",
            b"\r\n\r\n",
            b"\n\n",
        ] {
            assert!(has(case), "missing {:?}", String::from_utf8_lossy(case));
        }
        assert!(bytes.windows(2).any(|w| w[0] == b'\r' && w[1].is_ascii_digit()));
        let (records, _) = csv_crate_shape(&bytes, false);
        assert!(records > 1000);
    }

    #[test]
    fn the_log_text_carries_each_search_pattern() {
        let text = log_text(100_000);
        for p in ["error", "warning", "critical"] {
            assert!(text.matches(p).count() > 10, "{p}");
        }
        assert!(text.lines().all(|l| l.len() < 200));
    }
}
