//! Parallel split at 1 and 2 threads against rayon and std, in one run (issue:
//! parallel split). `cargo bench -p strs_tools@0.1.0 --bench parallel_split`
//! (input size: `STRS_BENCH_MB`, default 256).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rayon::iter::ParallelIterator;
use std::hint::black_box;
use strs_tools::parallel::{ParallelSplit, ParallelStringExt};
use strs_tools::string::split;

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn parallel(c: &mut Criterion) {
    let text = strs_testdata::log_text(strs_testdata::bench_bytes());
    let lines = text.split('\n').count();
    let mut g = c.benchmark_group("par_split_newline");
    g.sample_size(10).throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("std split collect", |b| {
        b.iter(|| {
            let v: Vec<&str> = text.split('\n').collect();
            assert_eq!(v.len(), lines);
            black_box(v)
        })
    });
    for threads in [1, 2] {
        let p = pool(threads);
        g.bench_function(format!("strs_tools par_split collect/{threads}t"), |b| {
            b.iter(|| {
                let v: Vec<&str> = p.install(|| text.par_split(&["\n"]).collect());
                assert_eq!(v.len(), lines);
                black_box(v)
            })
        });
        g.bench_function(format!("rayon par_split('\\n') collect/{threads}t"), |b| {
            b.iter(|| {
                let v: Vec<&str> =
                    p.install(|| rayon::str::ParallelString::par_split(text.as_str(), '\n').collect());
                assert_eq!(v.len(), lines);
                black_box(v)
            })
        });
        g.bench_function(format!("rayon par_lines collect/{threads}t"), |b| {
            b.iter(|| {
                let v: Vec<&str> =
                    p.install(|| rayon::str::ParallelString::par_lines(text.as_str()).collect());
                black_box(v)
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("par_split_multi");
    g.sample_size(10).throughput(Throughput::Bytes(text.len() as u64));
    let delims = [", ", "\r\n"];
    let expected = split()
        .src(&text)
        .delimeter(delims)
        .preserving_delimeters(false)
        .preserving_empty(true)
        .perform()
        .count();
    for threads in [1, 2] {
        let p = pool(threads);
        g.bench_function(
            format!("par_split [\", \", \"\\r\\n\"] collect/{threads}t"),
            |b| {
                b.iter(|| {
                    let v: Vec<&str> = p.install(|| text.par_split(&delims).collect());
                    assert_eq!(v.len(), expected);
                    black_box(v)
                })
            },
        );
        g.bench_function(
            format!("ParallelSplit Split records, quoting + stripping/{threads}t"),
            |b| {
                let ps = ParallelSplit::new()
                    .threads(threads)
                    .quoting(true)
                    .stripping(true);
                b.iter(|| black_box(ps.split_parallel(&text, &delims).count()))
            },
        );
    }
    g.finish();
}

criterion_group!(benches, parallel);
criterion_main!(benches);
