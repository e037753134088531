//! Parallel split at 1 and 2 threads against memchr, rayon and std, in one run.
//! `cargo bench -p strs_tools@0.1.0 --bench parallel_split` (input size:
//! `STRS_BENCH_MB`, default 256). Every benchmark checks its own answer.

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
    g.bench_function("memchr_iter count (reference)", |b| {
        b.iter(|| {
            let n = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
            assert_eq!(n, lines);
            black_box(n)
        })
    });
    g.bench_function("std split collect", |b| {
        b.iter(|| {
            let v: Vec<&str> = text.split('\n').collect();
            assert_eq!(v.len(), lines);
            black_box(v)
        })
    });
    for threads in [1, 2] {
        let p = pool(threads);
        g.bench_function(format!("strs_tools par_split count/{threads}t"), |b| {
            b.iter(|| {
                let n = p.install(|| text.par_split(&["\n"]).count());
                assert_eq!(n, lines);
                black_box(n)
            })
        });
        g.bench_function(format!("strs_tools par_split collect/{threads}t"), |b| {
            b.iter(|| {
                let v: Vec<&str> = p.install(|| text.par_split(&["\n"]).collect());
                assert_eq!(v.len(), lines);
                black_box(v)
            })
        });
        g.bench_function(format!("strs_tools par_split collect_vec/{threads}t"), |b| {
            b.iter(|| {
                let v: Vec<&str> = p.install(|| text.par_split(&["\n"]).collect_vec());
                assert_eq!(v.len(), lines);
                black_box(v)
            })
        });
        g.bench_function(format!("rayon par_split('\\n') count/{threads}t"), |b| {
            b.iter(|| {
                let n = p.install(|| rayon::str::ParallelString::par_split(text.as_str(), '\n').count());
                assert_eq!(n, lines);
                black_box(n)
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
    }
    g.finish();

    let mut g = c.benchmark_group("par_split_multi");
    g.sample_size(10).throughput(Throughput::Bytes(text.len() as u64));
    let delims = [", ", "\r\n"];
    let plain = split()
        .delimiters(delims)
        .preserving_delimiters(false)
        .preserving_empty(true)
        .build()
        .unwrap();
    let expected = plain.split(&text).count();
    let quoting = split()
        .delimiters(delims)
        .quoting(true)
        .stripping(true)
        .build()
        .unwrap();
    let quoted_expected = quoting.split(&text).count();
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
            format!("split_with Split records, quoting + stripping, count/{threads}t"),
            |b| {
                let ps = ParallelSplit::new().threads(threads);
                b.iter(|| {
                    let n = ps.split_with(&quoting, &text).count();
                    assert_eq!(n, quoted_expected);
                    black_box(n)
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, parallel);
criterion_main!(benches);
