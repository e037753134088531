//! `strs bench`: the seed's four workloads, ours at 1..N threads against the
//! peers in one run, every contestant's answer checked against the others; the
//! scaling table, `bench.json` and an SVG plot.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use rayon::iter::ParallelIterator;
use serde_json::{json, Value};
use strs_tools::parallel::ParallelStringExt;
use strs_tools::string::split;

use crate::failure::Failure;
use crate::input::parse_size;
use crate::Global;

mod data;
mod plot;
mod workloads;

/// `strs bench` options.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Input size of each workload (e.g. 64M, 256M).
    #[arg(long, value_parser = parse_size, default_value = "256M")]
    size: usize,
    /// Runs per measurement; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Where bench.json and bench.svg are written.
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

/// One timed contestant.
#[derive(Clone, Debug)]
pub struct Row {
    pub contestant: String,
    pub threads: usize,
    pub ours: bool,
    /// Bytes processed per run.
    pub bytes: usize,
    /// Median wall seconds per run.
    pub wall: f64,
    /// Median CPU seconds (all threads) per run.
    pub cpu: f64,
    /// Mean seconds per run in the serial part (stitch passes), where measured.
    pub serial: Option<f64>,
}

impl Row {
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / self.wall / 1e6
    }
}

/// CPU seconds this process has used, all threads (user + system).
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a complete `rusage` into the pointer it is given,
    // which points to enough zeroed memory; RUSAGE_SELF is always valid.
    #[allow(unsafe_code)]
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Times `run` `repeat` times (after one warm-up) and checks every answer.
pub fn time<R>(repeat: usize, mut run: impl FnMut() -> R, check: impl Fn(&R)) -> (f64, f64) {
    check(&run());
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    for _ in 0..repeat.max(1) {
        let (c0, t0) = (cpu_seconds(), Instant::now());
        let r = run();
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - c0;
        check(&r);
        drop(r);
        walls.push(wall);
        cpus.push(cpu);
    }
    (median(walls), median(cpus))
}

/// A pool of exactly `threads` workers.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("cannot start benchmark threads")
}

/// The summary of one workload: our scaling from the rows.
pub struct Summary {
    pub workload: &'static str,
    pub single: f64,
    pub parallel: f64,
    pub threads: usize,
    pub speedup: f64,
    pub efficiency: f64,
    pub inflation: f64,
    /// Karp-Flatt: the serial fraction that explains the measured speedup.
    pub karp_flatt: f64,
    /// The serial part's share of the single-thread time, where measured.
    pub measured_serial: Option<f64>,
}

impl Summary {
    fn from_rows(workload: &'static str, rows: &[Row]) -> Option<Summary> {
        let ours: Vec<&Row> = rows.iter().filter(|r| r.ours).collect();
        let one = ours.iter().find(|r| r.threads == 1)?;
        let most = ours.iter().max_by_key(|r| r.threads)?;
        let p = most.threads as f64;
        let speedup = one.wall / most.wall;
        let karp_flatt = if p > 1.0 {
            ((1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p)).max(0.0)
        } else {
            0.0
        };
        Some(Summary {
            workload,
            single: one.mb_per_s(),
            parallel: most.mb_per_s(),
            threads: most.threads,
            speedup,
            efficiency: speedup / p,
            inflation: most.cpu / one.cpu,
            karp_flatt,
            measured_serial: one.serial.map(|s| s / one.wall),
        })
    }

    /// The serial fraction used for projections: the larger of the measured
    /// stitch share and the Karp-Flatt estimate (which also charges memory
    /// bandwidth and scheduling to the serial part).
    pub fn serial_fraction(&self) -> f64 {
        self.karp_flatt.max(self.measured_serial.unwrap_or(0.0))
    }

    /// Amdahl's bound at `n` cores for [`serial_fraction`](Self::serial_fraction).
    pub fn amdahl(&self, n: f64) -> f64 {
        let f = self.serial_fraction();
        1.0 / (f + (1.0 - f) / n)
    }
}

pub fn run(g: &Global, args: BenchArgs) -> Result<(), Failure> {
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads: Vec<usize> = g
        .threads
        .iter()
        .map(|&t| if t == 0 { available } else { t })
        .collect();
    if threads.is_empty() {
        threads.push(available);
    }
    threads.sort_unstable();
    threads.dedup();
    if !threads.contains(&1) {
        threads.insert(0, 1);
    }
    let cfg = workloads::Config {
        size: args.size,
        repeat: args.repeat,
        threads: threads.clone(),
    };
    let started = Instant::now();
    eprintln!(
        "strs bench: {} MiB per workload, threads {:?}, {} runs each (median)",
        args.size >> 20,
        threads,
        args.repeat
    );

    let ceiling = workloads::ceiling(&cfg);
    let mut results: Vec<(&'static str, &'static str, Vec<Row>)> = Vec::new();
    for (name, seed_name, run) in workloads::ALL {
        eprintln!("  {name} ...");
        results.push((name, seed_name, run(&cfg)));
    }
    let memory = memory_ratio(args.size.min(256 << 20))?;

    let summaries: Vec<Summary> = results
        .iter()
        .filter_map(|(n, _, rows)| Summary::from_rows(n, rows))
        .collect();
    print_tables(&results, &summaries, &ceiling, memory);
    let report = json!({
        "size_bytes": args.size,
        "repeat": args.repeat,
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
                "amdahl_8": s.amdahl(8.0), "amdahl_16": s.amdahl(16.0),
            })),
        })).collect::<Vec<_>>(),
        "seconds": started.elapsed().as_secs_f64(),
    });
    std::fs::create_dir_all(&args.out).map_err(|e| Failure::usage(format!("{}: {e}", args.out.display())))?;
    let json_path = args.out.join("bench.json");
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    std::fs::write(&json_path, text).map_err(|e| Failure::usage(format!("{}: {e}", json_path.display())))?;
    let svg_path = args.out.join("bench.svg");
    plot::scaling(&svg_path, &results).map_err(|e| Failure::usage(format!("{}: {e}", svg_path.display())))?;
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

fn print_tables(
    results: &[(&str, &str, Vec<Row>)],
    summaries: &[Summary],
    ceiling: &[Row],
    memory: Option<f64>,
) {
    println!("\n## Scaling (ours; MB/s = 10^6 bytes/s, medians)\n");
    println!(
        "| Operation | Single thread | Parallel ({}t) | Speedup | Efficiency | Work inflation | Serial fraction (stitch) | Karp-Flatt | Amdahl 8 cores | Amdahl 16 cores |",
        summaries.first().map_or(1, |s| s.threads)
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for s in summaries {
        let seed = results.iter().find(|r| r.0 == s.workload).map_or("", |r| r.1);
        println!(
            "| {seed} | {:.0} MB/s | {:.0} MB/s | {:.2}x | {:.0} % | {:.3} | {} | {:.3} | {:.1}x | {:.1}x |",
            s.single,
            s.parallel,
            s.speedup,
            s.efficiency * 100.0,
            s.inflation,
            s.measured_serial.map_or("n/a".to_string(), |f| format!("{f:.4}")),
            s.karp_flatt,
            s.amdahl(8.0),
            s.amdahl(16.0)
        );
    }
    for r in ceiling {
        println!(
            "\nmemory-read ceiling (sum of 64-bit words, {} thread(s)): {:.0} MB/s",
            r.threads,
            r.mb_per_s()
        );
    }
    if let Some(m) = memory {
        println!("peak RSS, par_split collect / sequential split collect: {m:.2}x");
    }
    for (name, seed, rows) in results {
        println!("\n### {seed} ({name})\n");
        println!("| contestant | threads | MB/s | CPU s/run |");
        println!("|---|---|---|---|");
        for r in rows {
            println!(
                "| {} | {} | {:.0} | {:.3} |",
                r.contestant,
                r.threads,
                r.mb_per_s(),
                r.cpu
            );
        }
    }
}

/// `strs __memprobe`: runs one collect and prints the peak RSS, so that the
/// sequential and parallel peaks are measured in separate processes.
#[derive(Args, Debug)]
pub struct MemProbeArgs {
    /// `seq` or `par`.
    mode: String,
    /// Input size in bytes.
    size: usize,
}

pub fn mem_probe(args: MemProbeArgs) -> Result<(), Failure> {
    let text = data::log_text(args.size);
    let n = match args.mode.as_str() {
        "seq" => {
            let v: Vec<&str> = split()
                .src(&text)
                .delimiter("\n")
                .preserving_delimiters(false)
                .preserving_empty(true)
                .perform()
                .map(|s| text.get(s.start..s.end).unwrap_or_default())
                .collect();
            v.len()
        }
        "par" => {
            let v: Vec<&str> = text.par_split(&["\n"]).collect();
            v.len()
        }
        other => return Err(Failure::usage(format!("unknown probe {other}"))),
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("0");
    println!("{n} {hwm}");
    Ok(())
}

/// Peak RSS of collecting `par_split` over peak RSS of collecting the sequential
/// split (both `Vec` of 16-byte items), each in a fresh process.
fn memory_ratio(size: usize) -> Result<Option<f64>, Failure> {
    let exe = std::env::current_exe().map_err(|e| Failure::usage(format!("cannot find myself: {e}")))?;
    let probe = |mode: &str| -> Option<(usize, f64)> {
        let out = std::process::Command::new(&exe)
            .args(["__memprobe", mode, &size.to_string()])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace();
        Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
    };
    match (probe("seq"), probe("par")) {
        (Some((n1, seq)), Some((n2, par))) if n1 == n2 && seq > 0.0 => Ok(Some(par / seq)),
        (Some((n1, _)), Some((n2, _))) if n1 != n2 => Err(Failure::usage(format!(
            "memory probe disagrees: {n1} vs {n2} lines"
        ))),
        _ => Ok(None),
    }
}
