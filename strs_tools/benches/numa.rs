//! NUMA processor vs the plain rayon pool on the same memory-bound work: count the
//! lines of a 64 MiB text (larger than the last-level cache) in 1 MiB chunks.
//!
//! * `plain_pool`: the chunks mapped with `into_par_iter` on the global pool, what
//!   `par_process` does;
//! * `numa_detected`: `NumaStringProcessor::new()`, this machine's topology (one
//!   node here, so expected parity with `plain_pool`);
//! * `numa_one_cpu_nodes`: the allowed CPUs as fake one-CPU nodes with pinned pools,
//!   to show the cost of the multi-node path where there is no NUMA to gain from.
//!
//! Every benchmark checks its answer. `cargo bench --bench numa`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::prelude::*;
use strs_tools::parallel::numa::current_thread_cpus;
use strs_tools::parallel::{NumaStringProcessor, NumaTopology};

const INPUT_BYTES: usize = 64 << 20;
const CHUNK_BYTES: usize = 1 << 20;

fn input() -> (String, usize) {
    let line = "2026-11-27T07:45:00Z INFO request id=42 path=/api/v1/items status=200 took=3ms\n";
    let text = line.repeat(INPUT_BYTES / line.len());
    let lines = text.len() / line.len();
    (text, lines)
}

fn count_lines(chunk: &str) -> usize {
    memchr::memchr_iter(b'\n', chunk.as_bytes()).count()
}

/// The plain path: fixed-size chunks on character boundaries, mapped on the
/// current pool (the input is ASCII, so every cut is a boundary).
fn plain(text: &str) -> Vec<usize> {
    let ranges: Vec<_> = (0..text.len())
        .step_by(CHUNK_BYTES)
        .map(|s| s..(s + CHUNK_BYTES).min(text.len()))
        .collect();
    ranges
        .into_par_iter()
        .map(|range| count_lines(&text[range]))
        .collect()
}

fn one_cpu_nodes() -> Option<NumaStringProcessor> {
    let cpus = current_thread_cpus()?;
    if cpus.len() < 2 {
        return None;
    }
    let topology = NumaTopology::from_nodes(cpus.iter().enumerate().map(|(node, &cpu)| (node, vec![cpu])));
    Some(NumaStringProcessor::with_topology(topology))
}

/// Median over `rounds` of (variant time ÷ plain time), the two run back to back in
/// alternating order: on a machine shared with other work, load drifts between
/// criterion's consecutive groups, far less between neighbouring runs.
fn interleaved_ratio(rounds: usize, plain: impl Fn(), variant: impl Fn()) -> f64 {
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let p = time(&plain);
                time(&variant) / p
            } else {
                let v = time(&variant);
                v / time(&plain)
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[rounds / 2]
}

fn bench(c: &mut Criterion) {
    let (text, lines) = input();
    let detected = NumaStringProcessor::new();
    let split = one_cpu_nodes();
    let sum = |counts: Vec<usize>| counts.iter().sum::<usize>();
    assert_eq!(sum(plain(&text)), lines);
    assert_eq!(
        sum(detected.process_parallel(&text, CHUNK_BYTES, count_lines)),
        lines
    );
    eprintln!(
        "numa bench: {} node(s) detected, {} threads in the global pool",
        detected.topology().node_count(),
        rayon::current_num_threads()
    );

    let plain_run = || assert_eq!(sum(plain(black_box(&text))), lines);
    let detected_run = || {
        assert_eq!(
            sum(detected.process_parallel(black_box(&text), CHUNK_BYTES, count_lines)),
            lines
        )
    };
    eprintln!(
        "numa bench: interleaved median time ratio numa_detected / plain_pool = {:.3} (200 rounds)",
        interleaved_ratio(200, plain_run, detected_run)
    );
    if let Some(split) = &split {
        let split_run = || {
            assert_eq!(
                sum(split.process_parallel(black_box(&text), CHUNK_BYTES, count_lines)),
                lines
            )
        };
        eprintln!(
            "numa bench: interleaved median time ratio numa_one_cpu_nodes / plain_pool = {:.3} (200 rounds)",
            interleaved_ratio(200, plain_run, split_run)
        );
    }

    let mut group = c.benchmark_group("numa_vs_plain");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.bench_function("plain_pool", |b| {
        b.iter(|| assert_eq!(sum(plain(black_box(&text))), lines))
    });
    group.bench_function("numa_detected", |b| {
        b.iter(|| {
            assert_eq!(
                sum(detected.process_parallel(black_box(&text), CHUNK_BYTES, count_lines)),
                lines
            )
        })
    });
    if let Some(split) = &split {
        assert_eq!(
            split.pin_failures(),
            0,
            "pinning must work for this benchmark to mean anything"
        );
        group.bench_function("numa_one_cpu_nodes", |b| {
            b.iter(|| {
                assert_eq!(
                    sum(split.process_parallel(black_box(&text), CHUNK_BYTES, count_lines)),
                    lines
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
