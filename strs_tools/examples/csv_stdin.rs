//! Reads CSV from stdin with the reader API, in bounded memory, and prints the
//! record and field counts, the throughput and the peak RSS (`VmHWM`, Linux): a
//! probe for the reader's memory bound on a pipe.
//!
//! ```text
//! cargo run --release -p strs_tools@0.1.0 --example csv_stdin -- gen 2048 \
//!   | cargo run --release -p strs_tools@0.1.0 --example csv_stdin -- parse
//! ```
//!
//! Modes: `parse` (every record to a sink, fields counted), `count` (records
//! counted without parsing), `memory` (the input read whole, then the same
//! parse from memory, timed alone), `gen MIB` (writes about MIB MiB of CSV with quoted
//! newlines and doubled quotes to stdout).

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::time::Instant;

use strs_tools::csv::{CsvParser, Record};

/// The peak resident set of this process, in MiB.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? / 1024)
}

/// About 1 MiB of CSV rows: 8 columns, every tenth text field quoted with a
/// comma, doubled quotes and a newline inside.
fn block() -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 20);
    let mut row = 0u64;
    while out.len() < 1 << 20 {
        let text = if row.is_multiple_of(10) {
            format!("\"row {row} says \"\"hi\"\", then,\nmore\"")
        } else {
            format!("plain text {row}")
        };
        let line = format!(
            "{row},name{},{}.5,2024-01-{:02},{},tag,{text},X{:04}\n",
            row % 97,
            row % 1000,
            1 + row % 28,
            row * 7,
            row % 10_000
        );
        out.extend_from_slice(line.as_bytes());
        row += 1;
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("parse", String::as_str);
    if mode == "gen" {
        let mib: usize = args.get(1).and_then(|m| m.parse().ok()).unwrap_or(64);
        let block = block();
        let mut out = io::stdout().lock();
        out.write_all(b"id,name,score,date,count,tag,text,code\n")?;
        for _ in 0..mib {
            if let Err(e) = out.write_all(&block) {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    break;
                }
                return Err(e.into());
            }
        }
        return Ok(());
    }
    // `THREADS=n` runs on a pool of n threads (default: all cores).
    let threads = std::env::var("THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    // `WINDOW=bytes` sets the read window (default: the parser's).
    let window = std::env::var("WINDOW")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let parser = CsvParser::builder().threads(threads).window(window).build()?;
    if mode == "memory" {
        // The same parse from memory, for comparison: the input read whole first
        // (not timed), then streamed to a closure by `par_map`.
        let mut input = Vec::new();
        io::Read::read_to_end(&mut io::stdin().lock(), &mut input)?;
        let started = Instant::now();
        let lens = parser.par_map(&input, |r| r.len() as u64)?;
        let secs = started.elapsed().as_secs_f64();
        let fields: u64 = lens.iter().sum();
        println!("memory: {} records, {fields} fields, {secs:.2} s", lens.len());
        return Ok(());
    }
    let stdin = io::stdin().lock();
    let started = Instant::now();
    let (records, fields) = match mode {
        "count" => (parser.count_records_reader(stdin)?, 0),
        _ => {
            let mut fields = 0u64;
            let records = parser.for_each_record_reader(stdin, &mut |r: Record<'_>| {
                fields += r.len() as u64;
                ControlFlow::Continue(())
            })?;
            (records, fields)
        }
    };
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{mode}: {records} records, {fields} fields, {secs:.2} s, peak RSS {} MiB",
        peak_rss_mib().map_or("?".to_owned(), |m| m.to_string())
    );
    Ok(())
}
