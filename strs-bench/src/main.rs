//! `strs-bench`: the seed's four workloads, ours at 1..N threads against the
//! peers in one run, every contestant's answer checked against the others; the
//! scaling table, `bench.json` and an SVG plot.
//!
//! `cargo run --release -p strs-bench -- --help` lists the options.

#![deny(missing_docs)]
#![deny(unsafe_code)]

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use serde_json::{json, Value};

mod measure;
mod memprobe;
mod plot;
mod table;
mod workloads;

use measure::Row;
use table::Summary;

/// Measure every workload against its peers and print the scaling table.
#[derive(Parser, Debug)]
#[command(name = "strs-bench", version, about)]
struct Cli {
    /// Thread counts of our rows, e.g. 1,2 (0 or absent: all available; 1 is
    /// always measured).
    #[arg(long, value_delimiter = ',', value_name = "N")]
    threads: Vec<usize>,
    /// Input size of each workload, e.g. 8M, 64M, 1G.
    #[arg(long, value_parser = parse_size, default_value = "256M", value_name = "BYTES")]
    size: usize,
    /// Runs per measurement; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Where bench.json and bench.svg are written.
    #[arg(long, default_value = ".", value_name = "DIR")]
    out: PathBuf,
    /// Run one memory probe and print `lines peak_kib` (used by the harness
    /// itself, in a fresh process).
    #[arg(long, hide = true, value_name = "MODE")]
    memprobe: Option<memprobe::Probe>,
}

/// A size in bytes: a number with an optional K, M or G (binary) unit.
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: usize = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (try 65536, 64K or 1M)"))?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("'{text}' has an unknown unit (use K, M or G)")),
    };
    match number.checked_mul(1usize << shift) {
        None => Err(format!("'{text}' is too large")),
        Some(0) => Err("the size must be at least 1 byte".into()),
        Some(size) => Ok(size),
    }
}

/// The thread counts to measure: ascending, deduplicated, 1 first; 0 means all
/// available.
fn thread_counts(asked: &[usize], available: usize) -> Result<Vec<usize>, String> {
    let limit = strs_tools::parallel::MAX_THREADS;
    if let Some(n) = asked.iter().find(|&&n| n > limit) {
        return Err(format!("--threads {n} is more than the limit of {limit}"));
    }
    let mut threads: Vec<usize> = asked
        .iter()
        .map(|&t| if t == 0 { available } else { t })
        .collect();
    if threads.is_empty() {
        threads.push(available);
    }
    threads.push(1);
    threads.sort_unstable();
    threads.dedup();
    Ok(threads)
}

fn run(cli: Cli) -> Result<(), String> {
    if let Some(probe) = cli.memprobe {
        memprobe::run(probe, cli.size);
        return Ok(());
    }
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = thread_counts(&cli.threads, available)?;
    let cfg = workloads::Config {
        size: cli.size,
        repeat: cli.repeat,
        threads: threads.clone(),
    };
    let started = Instant::now();
    eprintln!(
        "strs-bench: {} MiB per workload, threads {:?}, {} runs each (median)",
        cli.size >> 20,
        threads,
        cli.repeat
    );

    let ceiling = workloads::ceiling(&cfg);
    let mut results: Vec<(&'static str, &'static str, Vec<Row>)> = Vec::new();
    for (name, seed_name, run) in workloads::ALL {
        eprintln!("  {name} ...");
        results.push((name, seed_name, run(&cfg)));
    }
    let memory = memprobe::ratio(cli.size.min(256 << 20))?;

    let summaries: Vec<Summary> = results
        .iter()
        .filter_map(|(n, _, rows)| Summary::from_rows(n, rows))
        .collect();
    table::print(&results, &summaries, &ceiling, memory);
    let report = json!({
        "size_bytes": cli.size,
        "repeat": cli.repeat,
        "threads": threads,
        "available_parallelism": available,
        "ceiling": ceiling.iter().map(row_json).collect::<Vec<_>>(),
        "memory_par_over_seq_peak_rss": memory,
        "workloads": results.iter().map(|(name, seed, rows)| json!({
            "name": name,
            "seed_name": seed,
            "rows": rows.iter().map(row_json).collect::<Vec<_>>(),
            "summary": summaries.iter().find(|s| s.workload == *name).map(|s| json!({
                "single_mb_s": s.single, "parallel_mb_s": s.parallel, "threads": s.threads,
                "speedup": s.speedup, "efficiency": s.efficiency, "work_inflation": s.inflation,
                "karp_flatt": s.karp_flatt, "measured_serial_fraction": s.measured_serial,
                "loaded": s.loaded(),
                "amdahl_8": s.amdahl(8.0), "amdahl_16": s.amdahl(16.0),
            })),
        })).collect::<Vec<_>>(),
        "seconds": started.elapsed().as_secs_f64(),
    });
    let shown = |p: &std::path::Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(&cli.out).map_err(|e| shown(&cli.out, e))?;
    let json_path = cli.out.join("bench.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&json_path, text).map_err(|e| shown(&json_path, e))?;
    let svg_path = cli.out.join("bench.svg");
    let note = summaries
        .iter()
        .any(|s| s.loaded().is_some())
        .then_some("The machine was visibly loaded:\nsee the table; run again\non a quiet machine.");
    plot::scaling(&svg_path, &results, note).map_err(|e| format!("{}: {e}", svg_path.display()))?;
    println!(
        "\nwrote {} and {} in {:.0} s",
        json_path.display(),
        svg_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn row_json(r: &Row) -> Value {
    json!({"contestant": r.contestant, "threads": r.threads, "ours": r.ours, "bytes": r.bytes,
           "wall_s": r.wall, "cpu_s": r.cpu, "serial_s": r.serial, "mb_s": r.mb_per_s()})
}

fn main() {
    if let Err(message) = run(Cli::parse()) {
        eprintln!("strs-bench: {message}");
        std::process::exit(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_units_and_refuse_nonsense() {
        assert_eq!(parse_size("8M"), Ok(8 << 20));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1T").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn thread_counts_always_start_at_one_and_expand_zero() {
        assert_eq!(thread_counts(&[], 4), Ok(vec![1, 4]));
        assert_eq!(thread_counts(&[2, 1, 2], 4), Ok(vec![1, 2]));
        assert_eq!(thread_counts(&[0], 2), Ok(vec![1, 2]));
        assert_eq!(thread_counts(&[1], 8), Ok(vec![1]));
        assert!(thread_counts(&[usize::MAX], 2).is_err());
    }

    #[test]
    fn the_command_line_parses_as_documented() {
        let cli =
            Cli::try_parse_from(["strs-bench", "--threads", "1,2", "--size", "8M", "--repeat", "1"]).unwrap();
        assert_eq!((cli.threads, cli.size, cli.repeat), (vec![1, 2], 8 << 20, 1));
        assert!(Cli::try_parse_from(["strs-bench", "--size", "0"]).is_err());
    }
}
