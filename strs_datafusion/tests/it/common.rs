//! Shared fixtures: hostile CSV files and query helpers.

use std::fmt::Write as _;
use std::path::Path;

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::error::Result;
use datafusion::prelude::{SessionConfig, SessionContext};

/// A small deterministic generator (xorshift), so fixtures need no extra crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A CSV with the hostile cases of RELIABILITY.md: quoted LF, CRLF and CR inside
/// values, doubled quotes, quoted text that looks like records, empty fields,
/// CRLF and LF line ends, and typed columns (ints, floats, dates, nulls).
/// Columns: `id` (unique key), `name`, `score` (float or null), `day` (date or
/// null), `note` (text, often quoted and multi-line), `n` (int or null).
pub fn hostile_csv(rows: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from("id,name,score,day,note,n\r\n");
    for id in 0..rows {
        let score = match rng.below(4) {
            0 => String::new(),
            1 => format!("{}", rng.below(1000)),
            _ => format!("{}.{}", rng.below(1000), rng.below(100)),
        };
        let day = match rng.below(3) {
            0 => String::new(),
            _ => format!("2024-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
        };
        let note = match rng.below(9) {
            0 => String::new(),
            1 => "plain".to_owned(),
            2 => "\"two\nlines\"".to_owned(),
            3 => "\"crlf\r\ninside\r\n\"".to_owned(),
            4 => "\"say \"\"hi\"\"\nthere\"".to_owned(),
            5 => format!("\"x\n{},fake,1.5,2024-01-01,row,7\n\"", rng.below(100000)),
            6 => "\"\"".to_owned(),
            7 => "\"a,b\"".to_owned(),
            _ => "\"\n\"".to_owned(),
        };
        let n = if rng.below(5) == 0 {
            String::new()
        } else {
            format!("{}", rng.below(1 << 20))
        };
        let end = if rng.below(2) == 0 { "\r\n" } else { "\n" };
        let _ = write!(out, "{id},name{id},{score},{day},{note},{n}{end}");
    }
    out
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    path.to_str().expect("utf-8 temp path").to_owned()
}

/// A context with `partitions` target partitions that splits files of any size.
/// Batches are small, so the few thousand rows of a fixture count as worth
/// reading in parallel (DataFusion reads fewer rows than one batch on one core).
pub fn context(partitions: usize) -> SessionContext {
    let mut config = SessionConfig::new()
        .with_target_partitions(partitions)
        .with_repartition_file_scans(true)
        .with_batch_size(256);
    config.options_mut().optimizer.repartition_file_min_size = 1;
    SessionContext::new_with_config(config)
}

/// The query's result as a pretty-printed table.
pub async fn table(ctx: &SessionContext, sql: &str) -> Result<String> {
    let batches = ctx.sql(sql).await?.collect().await?;
    Ok(pretty_format_batches(&batches)?.to_string())
}
