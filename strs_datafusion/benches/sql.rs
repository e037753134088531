//! The SQL benchmarks of docs/sql.md, each checking its own answer against its
//! rival's: run with
//!
//! ```text
//! cargo bench -p strs_datafusion --bench sql            # 512 MiB files
//! STRS_SQL_BENCH_MIB=64 cargo bench -p strs_datafusion --bench sql
//! ```
//!
//! 1. A CSV with quoted newlines, an aggregate at 2 partitions: the exact scan vs
//!    DataFusion's reader with `newlines_in_values` (one range per file).
//! 2. A quote-free CSV, the same query: the exact scan vs DataFusion's own
//!    parallel scan (which is right on such files).
//! 3. `strs_split` vs `string_to_array` with one delimiter, in memory.
//! 4. `strs_split` with three delimiters (DataFusion has no equivalent).
//!
//! Each case runs `STRS_SQL_BENCH_RUNS` times (default 5) after one warm-up; the
//! median wall time is printed with the throughput over the input bytes.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::prelude::{CsvReadOptions, SessionConfig, SessionContext};

const AGGREGATE: &str = "SELECT count(note), sum(n), sum(length(note)), max(day) FROM t";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A CSV of about `bytes` bytes; with `quoted`, a third of the notes hold quoted
/// newlines and doubled quotes.
fn write_csv(path: &Path, bytes: usize, quoted: bool) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    out.write_all(b"id,name,n,day,note\n").unwrap();
    let mut written = 0;
    let mut line = String::new();
    for id in 0u64.. {
        if written >= bytes {
            break;
        }
        line.clear();
        let h = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20;
        let note = match (quoted, h % 3) {
            (true, 0) => format!("\"first line {h}\nsecond, \"\"quoted\"\" line\""),
            (_, 1) => format!("plain note number {h}"),
            _ => format!("another note {} with more words", h % 1000),
        };
        let _ = writeln!(
            line,
            "{id},name{},{},2024-{:02}-{:02},{note}",
            h % 5000,
            h % 100_000,
            1 + h % 12,
            1 + h % 28
        );
        out.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
    out.flush().unwrap();
}

fn context(partitions: usize) -> SessionContext {
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(partitions));
    strs_datafusion::register(&ctx).unwrap();
    ctx
}

async fn run(ctx: &SessionContext, sql: &str) -> String {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    pretty_format_batches(&batches).unwrap().to_string()
}

/// The median time of `runs` runs after one warm-up, and the answer.
async fn time(ctx: &SessionContext, sql: &str, runs: usize) -> (Duration, String) {
    let (median, _, answer) = time_first(ctx, sql, runs).await;
    (median, answer)
}

/// The median time of `runs` runs after one warm-up, the warm-up's time, and
/// the answer.
async fn time_first(ctx: &SessionContext, sql: &str, runs: usize) -> (Duration, Duration, String) {
    let start = Instant::now();
    let answer = run(ctx, sql).await;
    let first = start.elapsed();
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let again = run(ctx, sql).await;
        times.push(start.elapsed());
        assert_eq!(again, answer, "{sql}: the answer changed between runs");
    }
    times.sort();
    (times[times.len() / 2], first, answer)
}

fn report(name: &str, bytes: usize, ours: Duration, theirs: Duration, rival: &str) {
    let gbs = |d: Duration| bytes as f64 / d.as_secs_f64() / 1e9;
    println!(
        "{name}: ours {:.3} s ({:.2} GB/s), {rival} {:.3} s ({:.2} GB/s), ratio {:.2}x",
        ours.as_secs_f64(),
        gbs(ours),
        theirs.as_secs_f64(),
        gbs(theirs),
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}

async fn scans(dir: &Path, bytes: usize, runs: usize, quoted: bool) {
    let path = dir.join(if quoted { "quoted.csv" } else { "plain.csv" });
    write_csv(&path, bytes, quoted);
    let path = path.to_str().unwrap();
    let ours = context(2);
    let start = Instant::now();
    // Registration infers the schema from a prefix; the first query plans the
    // whole file (one read, then cached), so it is reported apart.
    strs_datafusion::register_csv(&ours, "t", path, CsvReadOptions::new())
        .await
        .unwrap();
    let registration = start.elapsed();
    let schema = strs_datafusion::infer_csv_schema(&ours, path, CsvReadOptions::new())
        .await
        .unwrap();
    let theirs = context(2);
    theirs
        .register_csv(
            "t",
            path,
            CsvReadOptions::new().schema(&schema).newlines_in_values(quoted),
        )
        .await
        .unwrap();
    let (t_ours, first, a_ours) = time_first(&ours, AGGREGATE, runs).await;
    let (t_theirs, a_theirs) = time(&theirs, AGGREGATE, runs).await;
    assert_eq!(a_ours, a_theirs, "the scans disagree");
    let (name, rival) = if quoted {
        ("quoted newlines, 2 partitions", "DataFusion newlines_in_values")
    } else {
        ("quote-free, 2 partitions", "DataFusion parallel scan")
    };
    report(name, bytes, t_ours, t_theirs, rival);
    println!(
        "  exact: registration {:.3} s, first query (plans the file) {:.3} s",
        registration.as_secs_f64(),
        first.as_secs_f64()
    );
}

async fn functions(bytes: usize, runs: usize) {
    let mut rows = Vec::new();
    let mut total = 0;
    for i in 0u64.. {
        if total >= bytes {
            break;
        }
        let row = format!("alpha,beta;{i},gamma delta;epsilon,{},zeta eta theta", i % 977);
        total += row.len();
        rows.push(row);
    }
    let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, false)]));
    let column: ArrayRef = Arc::new(StringArray::from(rows));
    let batches: Vec<Vec<RecordBatch>> = {
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![column]).unwrap();
        let step = 8192;
        let parts: Vec<RecordBatch> = (0..batch.num_rows())
            .step_by(step)
            .map(|o| batch.slice(o, step.min(batch.num_rows() - o)))
            .collect();
        let half = parts.len() / 2;
        vec![parts[..half].to_vec(), parts[half..].to_vec()]
    };
    let ctx = context(2);
    ctx.register_table("t", Arc::new(MemTable::try_new(schema, batches).unwrap()))
        .unwrap();
    let (ours, a) = time(
        &ctx,
        "SELECT sum(cardinality(strs_split(s, ','))) AS pieces FROM t",
        runs,
    )
    .await;
    let (theirs, b) = time(
        &ctx,
        "SELECT sum(cardinality(string_to_array(s, ','))) AS pieces FROM t",
        runs,
    )
    .await;
    assert_eq!(a, b, "strs_split and string_to_array disagree");
    report("split, one delimiter", total, ours, theirs, "string_to_array");
    let (several, _) = time(
        &ctx,
        "SELECT sum(cardinality(strs_split(s, ',', ';', ' '))) AS pieces FROM t",
        runs,
    )
    .await;
    println!(
        "split, three delimiters: strs_split {:.3} s ({:.2} GB/s); DataFusion has no multi-delimiter split",
        several.as_secs_f64(),
        total as f64 / several.as_secs_f64() / 1e9
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: run
    // a tiny size then, so the answers are still checked.
    let bench = std::env::args().any(|a| a == "--bench");
    let mib = env_usize("STRS_SQL_BENCH_MIB", if bench { 512 } else { 1 });
    let runs = env_usize("STRS_SQL_BENCH_RUNS", if bench { 5 } else { 1 });
    let bytes = mib << 20;
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("strs_datafusion sql bench: {mib} MiB, median of {runs} runs");
    rt.block_on(async {
        scans(dir.path(), bytes, runs, true).await;
        scans(dir.path(), bytes, runs, false).await;
        functions(bytes / 4, runs).await;
    });
}
