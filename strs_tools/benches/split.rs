//! Sequential split throughput against its peers, in one run (issue: foundation).
//!
//! `cargo bench -p strs_tools@0.1.0 --bench split` (input size: `STRS_BENCH_MB`,
//! default 256).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use strs_tools::string::split;

fn sequential(c: &mut Criterion) {
    let text = strs_testdata::log_text(strs_testdata::bench_bytes());
    let bytes = text.len() as u64;
    let lines = text.split('\n').count();
    let mut g = c.benchmark_group("split_newline");
    g.sample_size(10).throughput(Throughput::Bytes(bytes));
    let options = split()
        .delimiter("\n")
        .preserving_delimiters(false)
        .preserving_empty(true)
        .build()
        .unwrap();
    g.bench_function("strs_tools collect Vec<Split>", |b| {
        b.iter(|| {
            let v: Vec<_> = options.split(&text).collect();
            assert_eq!(v.len(), lines);
            black_box(v)
        })
    });
    g.bench_function("strs_tools count", |b| {
        b.iter(|| assert_eq!(options.split(&text).count(), lines))
    });
    g.bench_function("std split collect Vec<&str>", |b| {
        b.iter(|| {
            let v: Vec<&str> = text.split('\n').collect();
            assert_eq!(v.len(), lines);
            black_box(v)
        })
    });
    g.bench_function("memchr loop collect Vec<&str>", |b| {
        b.iter(|| {
            let mut v = Vec::new();
            let mut start = 0;
            for i in memchr::memchr_iter(b'\n', text.as_bytes()) {
                v.push(&text[start..i]);
                start = i + 1;
            }
            v.push(&text[start..]);
            assert_eq!(v.len(), lines);
            black_box(v)
        })
    });
    // The crates.io split is run on a prefix: it is far slower, and quadratic
    // with a rare second delimiter.
    let prefix = &text[..text.len().min(16 << 20)];
    let prefix_lines = prefix.split('\n').count();
    g.throughput(Throughput::Bytes(prefix.len() as u64));
    g.bench_function("crates.io strs_tools 0.50 (16 MiB prefix)", |b| {
        b.iter(|| {
            let n = upstream::string::split()
                .src(prefix)
                .delimiters(&["\n"])
                .preserving_delimiters(false)
                .preserving_empty(true)
                .perform()
                .count();
            assert_eq!(n, prefix_lines)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("split_multi");
    g.sample_size(10).throughput(Throughput::Bytes(bytes));
    let multi = split()
        .delimiters([", ", "\r\n"])
        .preserving_delimiters(false)
        .preserving_empty(true)
        .build()
        .unwrap();
    let expected = multi.split(&text).count();
    g.bench_function("strs_tools [\", \", \"\\r\\n\"] collect", |b| {
        b.iter(|| {
            let v: Vec<_> = multi.split(&text).collect();
            assert_eq!(v.len(), expected);
            black_box(v)
        })
    });
    let crlf = split()
        .delimiter("\r\n")
        .preserving_delimiters(false)
        .preserving_empty(true)
        .build()
        .unwrap();
    let crlf_lines = text.split("\r\n").count();
    g.bench_function("strs_tools \"\\r\\n\" collect", |b| {
        b.iter(|| {
            let v: Vec<_> = crlf.split(&text).collect();
            assert_eq!(v.len(), crlf_lines);
            black_box(v)
        })
    });
    g.bench_function("std split(\"\\r\\n\") collect", |b| {
        b.iter(|| {
            let v: Vec<&str> = text.split("\r\n").collect();
            assert_eq!(v.len(), crlf_lines);
            black_box(v)
        })
    });
    let rare = split()
        .delimiters(["\n", "@@NEVER@@"])
        .preserving_delimiters(false)
        .preserving_empty(true)
        .build()
        .unwrap();
    g.bench_function("strs_tools [\"\\n\", \"@@NEVER@@\"] count", |b| {
        b.iter(|| assert_eq!(rare.split(&text).count(), lines))
    });
    g.finish();

    // Many delimiters: 1,000 sharing their first bytes (`,0000`..`,0999`) over
    // 1 MiB of commas must cost about what 1,000 delimiters with distinct first
    // bytes cost; building 40,000 (half duplicates) must stay fast.
    let mut g = c.benchmark_group("split_many_delimiters");
    g.sample_size(10);
    let commas = ",".repeat(1 << 20);
    g.throughput(Throughput::Bytes(commas.len() as u64));
    let shared: Vec<String> = (0..1000).map(|i| format!(",{i:04}")).collect();
    let distinct: Vec<String> = (0..1000u32)
        .map(|i| format!("{}{i:04}", char::from_u32(0x100 + i).expect("a valid char")))
        .collect();
    for (name, delims) in [
        ("1000 sharing a prefix", &shared),
        ("1000 distinct first chars", &distinct),
    ] {
        let opts = split()
            .delimiters(delims)
            .preserving_delimiters(false)
            .build()
            .unwrap();
        g.bench_function(format!("{name}, 1 MiB of commas"), |b| {
            b.iter(|| assert_eq!(opts.split(&commas).count(), 1))
        });
    }
    let many: Vec<String> = (0..40_000).map(|i| format!("d{}", i % 20_000)).collect();
    g.bench_function("build 40,000 delimiters", |b| {
        b.iter(|| black_box(split().delimiters(&many).build().unwrap()))
    });
    g.finish();

    // Linear vs quadratic: the crates.io split with a rare second delimiter.
    let mut g = c.benchmark_group("split_rare_delimiter_scaling");
    g.sample_size(10);
    for kib in [64usize, 128, 256] {
        let t = &text[..kib << 10];
        let n = t.split('\n').count();
        g.throughput(Throughput::Bytes(t.len() as u64));
        g.bench_with_input(BenchmarkId::new("strs_tools", kib), t, |b, t| {
            b.iter(|| assert_eq!(rare.split(t).count(), n))
        });
        g.bench_with_input(BenchmarkId::new("crates.io strs_tools", kib), t, |b, t| {
            b.iter(|| {
                let got = upstream::string::split()
                    .src(t)
                    .delimiters(&["\n", "@@NEVER@@"])
                    .preserving_delimiters(false)
                    .preserving_empty(true)
                    .perform()
                    .count();
                assert_eq!(got, n)
            })
        });
    }
    g.finish();
}

/// The quoting and stripping paths (state machine, then `finish`), which the
/// plain benches above never enter: CSV-like text with quoted fields.
fn quoted(c: &mut Criterion) {
    let csv = String::from_utf8(strs_testdata::csv_quoted(32 << 20).bytes).expect("generated CSV is UTF-8");
    let mut g = c.benchmark_group("split_quoted");
    g.sample_size(10).throughput(Throughput::Bytes(csv.len() as u64));
    let quoting = split()
        .delimiters([",", "\n"])
        .quoting(true)
        .preserving_empty(true)
        .build()
        .unwrap();
    // No peer splits with these quotes; the count must at least be stable.
    let quoted_pieces = quoting.split(&csv).count();
    g.bench_function("strs_tools quoting count", |b| {
        b.iter(|| assert_eq!(quoting.split(&csv).count(), quoted_pieces))
    });
    let stripping = split()
        .delimiters([",", "\n"])
        .stripping(true)
        .preserving_delimiters(false)
        .build()
        .unwrap();
    let stripped = csv.split([',', '\n']).filter(|s| !s.trim().is_empty()).count();
    g.bench_function("strs_tools stripping count", |b| {
        b.iter(|| assert_eq!(stripping.split(&csv).count(), stripped))
    });
    g.finish();
}

criterion_group!(benches, sequential, quoted);
criterion_main!(benches);
