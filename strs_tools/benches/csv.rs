//! CSV throughput: ours at 1 and 2 threads (exact record count; full parse of
//! record and field boundaries, streamed to a closure and kept) against the
//! `csv` crate and simd-csv, on one generated, deterministic CSV. Every benchmark
//! checks its own answer first.
//!
//! `csv_reader` times the reader entry points (the input read from a
//! `std::io::Read` in bounded windows) against the same work from memory, and
//! reports their peak memory.
//!
//! A further group times the stray-quote input (a quote inside an unquoted field
//! on every line, a quarter of the size), where quote parity helps nowhere.
//!
//! `STRS_CSV_BENCH_MIB` sets the input size (default 256 MiB, as in issue 5):
//! `STRS_CSV_BENCH_MIB=16 cargo bench -p strs_tools@0.1.0 --bench csv`.

use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use strs_tools::csv::{CsvParser, Record};

fn ours(threads: usize) -> CsvParser {
    CsvParser::builder()
        .threads(threads)
        .build()
        .expect("default dialect")
}

fn csv_crate_fields(input: &[u8]) -> (usize, usize) {
    strs_testdata::csv_crate_fields(input, true)
}

fn simd_csv_fields(input: &[u8]) -> (usize, usize) {
    let mut reader = simd_csv::ZeroCopyReader::from_reader(input);
    let (mut records, mut fields) = (0, 0);
    while let Some(record) = reader.read_byte_record().expect("valid csv") {
        records += 1;
        fields += record.len();
    }
    (records, fields)
}

fn simd_csv_count(input: &[u8]) -> u64 {
    simd_csv::TotalReaderBuilder::new()
        .has_headers(false)
        .from_bytes(input)
        .count_records()
}

/// Every record kept (random access afterwards).
fn ours_fields(parser: &CsvParser, input: &[u8]) -> (usize, usize) {
    let records = parser.parse(input).expect("valid csv");
    (records.len(), records.iter().map(|r| r.len()).sum())
}

/// Every record streamed to a closure, as the peers' readers do.
fn ours_streamed(parser: &CsvParser, input: &[u8]) -> (usize, usize) {
    let lens = parser.par_map(input, |r| r.len()).expect("valid csv");
    (lens.len(), lens.iter().sum())
}

/// Every record read from a `Read` (a slice here: the read is a copy, as from a
/// pipe) and handed to a closure in input order.
fn ours_reader(parser: &CsvParser, input: &[u8]) -> (usize, usize) {
    let mut fields = 0;
    let records = parser
        .for_each_record_reader(input, &mut |r: Record<'_>| {
            fields += r.len();
            ControlFlow::Continue(())
        })
        .expect("valid csv");
    (records as usize, fields)
}

/// The reader against the same parse and count from memory, at 1 and 2 threads.
fn bench_reader(c: &mut Criterion, input: &[u8], rows: usize) {
    let expected = (rows, rows * 8);
    for threads in [1, 2] {
        assert_eq!(ours_reader(&ours(threads), input), expected);
        assert_eq!(ours(threads).count_records_reader(input).ok(), Some(rows as u64));
    }
    let mut group = new_group(c, "csv_reader", input);
    for threads in [1, 2] {
        let parser = ours(threads);
        group.bench_with_input(BenchmarkId::new("parse_reader", threads), input, |b, i| {
            b.iter(|| ours_reader(&parser, black_box(i)))
        });
        group.bench_with_input(BenchmarkId::new("parse_memory", threads), input, |b, i| {
            b.iter(|| ours_streamed(&parser, black_box(i)))
        });
        group.bench_with_input(BenchmarkId::new("count_reader", threads), input, |b, i| {
            b.iter(|| parser.count_records_reader(black_box(i)))
        });
        group.bench_with_input(BenchmarkId::new("count_memory", threads), input, |b, i| {
            b.iter(|| parser.count_records(black_box(i)))
        });
    }
    group.finish();
    for threads in [1, 2] {
        let run = || {
            black_box(ours_reader(&ours(threads), input));
        };
        if let Some(extra) = peak_extra_mib(run) {
            eprintln!(
                "csv bench: peak memory beyond the input, reader parse, {threads} threads: {extra} MiB"
            );
        }
    }
}

/// User + system CPU time of this process, in clock ticks (Linux).
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// CPU ticks spent by `runs` calls of `f`.
fn cpu_of(runs: usize, mut f: impl FnMut()) -> Option<u64> {
    let before = cpu_ticks()?;
    for _ in 0..runs {
        f();
    }
    Some(cpu_ticks()? - before)
}

/// A line of /proc/self/status, in MiB (`VmHWM`: peak RSS, `VmRSS`: now).
fn status_mib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kib| kib / 1024)
}

/// The memory one run of `f` adds at its peak, in MiB: the peak RSS is reset
/// (Linux `clear_refs` 5) and compared with the RSS before the run.
fn peak_extra_mib(f: impl FnOnce()) -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let before = status_mib("VmRSS:")?;
    f();
    Some(status_mib("VmHWM:")?.saturating_sub(before))
}

/// A benchmark group over `input`: throughput in its bytes, 10 samples of 3 s.
fn new_group<'c>(c: &'c mut Criterion, name: &str, input: &[u8]) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(input.len() as u64));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group
}

/// The stray-quote input: ours streamed at 1 and 2 threads and kept at 1,
/// against the `csv` crate.
fn bench_stray_quotes(c: &mut Criterion, mib: usize) {
    let generated = strs_testdata::csv_stray_quotes((mib << 20) / 4);
    let input = &generated.bytes[..];
    let rows = generated.records;
    let expected = (rows, rows * generated.columns);
    assert_eq!(csv_crate_fields(input), expected);
    for threads in [1, 2] {
        assert_eq!(ours_streamed(&ours(threads), input), expected);
    }
    assert_eq!(ours_fields(&ours(1), input), expected);
    let mut group = new_group(c, "csv_stray_quotes", input);
    for threads in [1, 2] {
        let parser = ours(threads);
        group.bench_with_input(BenchmarkId::new("strs_tools_streamed", threads), input, |b, i| {
            b.iter(|| ours_streamed(&parser, black_box(i)))
        });
    }
    let parser = ours(1);
    group.bench_with_input(BenchmarkId::new("strs_tools_kept", 1), input, |b, i| {
        b.iter(|| ours_fields(&parser, black_box(i)))
    });
    group.bench_with_input("csv_crate", input, |b, i| {
        b.iter(|| csv_crate_fields(black_box(i)))
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let mib: usize = std::env::var("STRS_CSV_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let generated = strs_testdata::csv_quoted(mib << 20);
    let input = &generated.bytes[..];
    let rows = generated.records;

    // Every contender must agree before anything is timed.
    let expected = (rows, rows * generated.columns);
    assert_eq!(csv_crate_fields(input), expected);
    assert_eq!(simd_csv_fields(input), expected);
    for threads in [1, 2] {
        assert_eq!(ours(threads).count_records(input), rows);
        assert_eq!(ours_fields(&ours(threads), input), expected);
        assert_eq!(ours_streamed(&ours(threads), input), expected);
    }
    // simd-csv's TotalReader is one record short with headers on (issue 5); count
    // with headers off, the header included, to time a correct answer.
    assert_eq!(simd_csv_count(input), rows as u64 + 1);

    let mut group = new_group(c, "csv_count", input);
    for threads in [1, 2] {
        let parser = ours(threads);
        group.bench_with_input(BenchmarkId::new("strs_tools", threads), input, |b, i| {
            b.iter(|| parser.count_records(black_box(i)))
        });
    }
    group.bench_with_input("simd_csv_total_reader", input, |b, i| {
        b.iter(|| simd_csv_count(black_box(i)))
    });
    group.finish();

    let mut group = new_group(c, "csv_parse", input);
    for threads in [1, 2] {
        let parser = ours(threads);
        group.bench_with_input(BenchmarkId::new("strs_tools_streamed", threads), input, |b, i| {
            b.iter(|| ours_streamed(&parser, black_box(i)))
        });
        group.bench_with_input(BenchmarkId::new("strs_tools_kept", threads), input, |b, i| {
            b.iter(|| ours_fields(&parser, black_box(i)))
        });
    }
    group.bench_with_input("csv_crate", input, |b, i| {
        b.iter(|| csv_crate_fields(black_box(i)))
    });
    group.bench_with_input("simd_csv_zero_copy", input, |b, i| {
        b.iter(|| simd_csv_fields(black_box(i)))
    });
    group.finish();

    // Work inflation: CPU time at 2 threads over CPU time at 1 thread, for the same
    // work (it bounds the speedup on more cores together with the serial part).
    // Idle rayon workers spin briefly before sleeping, which counts here too.
    for (name, runs) in [("parse", 10), ("streamed", 10), ("count", 40)] {
        let ticks: Vec<Option<u64>> = [1, 2]
            .iter()
            .map(|&t| {
                let parser = ours(t);
                cpu_of(runs, || match name {
                    "parse" => drop(black_box(ours_fields(&parser, input))),
                    "streamed" => drop(black_box(ours_streamed(&parser, input))),
                    _ => drop(black_box(parser.count_records(input))),
                })
            })
            .collect();
        if let [Some(one), Some(two)] = ticks[..] {
            eprintln!(
                "csv bench: {name} CPU ticks over {runs} runs: {one} at 1 thread, {two} at 2 threads, work inflation {:.2}",
                two as f64 / one.max(1) as f64
            );
        }
    }
    // Peak memory of each contender, beyond the input (one run each).
    let contenders: [(&str, &dyn Fn()); 7] = [
        ("strs_tools count, 2 threads", &|| {
            black_box(ours(2).count_records(input));
        }),
        ("strs_tools streamed parse, 1 thread", &|| {
            black_box(ours_streamed(&ours(1), input));
        }),
        ("strs_tools streamed parse, 2 threads", &|| {
            black_box(ours_streamed(&ours(2), input));
        }),
        ("strs_tools kept parse, 1 thread", &|| {
            black_box(ours_fields(&ours(1), input));
        }),
        ("strs_tools kept parse, 2 threads", &|| {
            black_box(ours_fields(&ours(2), input));
        }),
        ("csv crate", &|| {
            black_box(csv_crate_fields(input));
        }),
        ("simd-csv", &|| {
            black_box(simd_csv_fields(input));
        }),
    ];
    for (name, f) in contenders {
        if let Some(extra) = peak_extra_mib(f) {
            eprintln!("csv bench: peak memory beyond the input, {name}: {extra} MiB");
        }
    }
    eprintln!("csv bench: input {} MiB, {rows} records", input.len() >> 20);

    bench_reader(c, input, rows);
    bench_stray_quotes(c, mib);
}

criterion_group!(benches, bench);
criterion_main!(benches);
