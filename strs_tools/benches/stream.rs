//! Reader pipeline: throughput at 1 and 2 threads over a generated stream far larger
//! than its memory bound, peak RSS, and the same count done in memory.
//!
//! `STRS_STREAM_BYTES` sets the stream size (default 2 GiB), `STRS_STREAM_CHUNK` the
//! block size (default: the pipeline's), `STRS_STREAM_MEM` the in-memory twin's
//! buffer (default 256 MiB, passed over until it has seen as many bytes as the
//! stream). Every run checks its line and byte counts against the generator's.
//!
//! `cargo bench --bench stream` (run `STRS_STREAM_BYTES=268435456 cargo bench
//! --bench stream` for a quick check).

use std::io::{self, Read};
use std::time::Instant;

use rayon::iter::ParallelIterator;
use rayon::slice::ParallelSlice;
use strs_tools::parallel::{ParallelBytesExt, ReaderPipeline};

/// An endless text of lines of 1..=119 bytes, cut at `remaining` bytes: a pipe
/// that costs one `memcpy` per byte, like a read from the page cache.
struct Generated {
    pattern: Vec<u8>,
    pos: usize,
    remaining: u64,
}

impl Generated {
    fn pattern() -> Vec<u8> {
        let mut text = Vec::with_capacity(1 << 20);
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        while text.len() < (1 << 20) - 128 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 1 + (x % 119) as usize;
            text.extend((0..len).map(|i| b"abcdefgh ijklmnop,qrstuvwxyz"[(i + len) % 28]));
            text.push(b'\n');
        }
        text
    }

    fn new(pattern: &[u8], bytes: u64) -> Self {
        Self {
            pattern: pattern.to_vec(),
            pos: 0,
            remaining: bytes,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < buf.len() && self.remaining > 0 {
            let n = (buf.len() - written)
                .min(self.pattern.len() - self.pos)
                .min(self.remaining as usize);
            buf[written..written + n].copy_from_slice(&self.pattern[self.pos..self.pos + n]);
            written += n;
            self.pos = (self.pos + n) % self.pattern.len();
            self.remaining -= n as u64;
        }
        Ok(written)
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Lines in the first `bytes` bytes of the generated text.
fn expected_lines(pattern: &[u8], bytes: u64) -> u64 {
    let len = pattern.len() as u64;
    (bytes / len) * newlines(pattern) + newlines(&pattern[..(bytes % len) as usize])
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a byte count")),
        Err(_) => default,
    }
}

/// A line of /proc/self/status, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// CPU seconds used so far by this process's live threads (the pools live for
/// the whole run): the sum of `/proc/self/task/*/schedstat`'s first field, in
/// nanoseconds, far finer than the 10 ms ticks of `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let tasks = std::fs::read_dir("/proc/self/task")
        .map(|d| d.flatten().collect())
        .unwrap_or_else(|_| Vec::new());
    let nanos: u64 = tasks
        .iter()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    nanos as f64 / 1e9
}

struct Run {
    seconds: f64,
    cpu: f64,
}

fn timed(op: impl FnOnce()) -> Run {
    let (t, c) = (Instant::now(), cpu_seconds());
    op();
    Run {
        seconds: t.elapsed().as_secs_f64(),
        cpu: cpu_seconds() - c,
    }
}

/// Runs the reader pipeline over the generated stream on `pool`, counting lines
/// with `count` per block, and checks the answer.
fn pipeline_run(
    pool: &rayon::ThreadPool,
    pipeline: &ReaderPipeline,
    pattern: &[u8],
    bytes: u64,
    lines: u64,
    count: fn(&[u8]) -> u64,
) -> Run {
    timed(|| {
        let (l, b) = pool.install(|| {
            pipeline
                .map_blocks(Generated::new(pattern, bytes), move |b: &[u8]| {
                    (count(b), b.len() as u64)
                })
                .map(|r| r.expect("the generator does not fail"))
                .fold((0, 0), |(l, b), (bl, bb)| (l + bl, b + bb))
        });
        assert_eq!((l, b), (lines, bytes), "reader pipeline miscounted");
    })
}

/// Terminators of a block via the in-memory parallel split: one segment more
/// than terminators, whatever the block ends with.
fn split_lines(block: &[u8]) -> u64 {
    ParallelBytesExt::par_split(block, &["\n"]).count() as u64 - 1
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too, so keep
    // that cheap.
    let testing = !std::env::args().any(|a| a == "--bench");
    let bytes = env_u64("STRS_STREAM_BYTES", if testing { 8 << 20 } else { 2 << 30 });
    let mem_bytes = env_u64("STRS_STREAM_MEM", 256 << 20).min(bytes).max(1) as usize;
    let chunk = env_u64(
        "STRS_STREAM_CHUNK",
        strs_tools::parallel::DEFAULT_CHUNK_SIZE as u64,
    ) as usize;
    let pipeline = ReaderPipeline::new().chunk_size(chunk);

    let pattern = Generated::pattern();
    let lines = expected_lines(&pattern, bytes);
    let gib = bytes as f64 / f64::from(1 << 30);
    println!("stream: {bytes} bytes ({gib:.2} GiB), {lines} lines, blocks of {chunk} bytes");
    println!(
        "before: VmRSS {} KiB, VmHWM {} KiB",
        status_kib("VmRSS:"),
        status_kib("VmHWM:")
    );

    let threads = [1usize, 2];
    let pools: Vec<_> = threads
        .iter()
        .map(|&t| rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap())
        .collect();
    let gbps = |b: u64, r: &Run| b as f64 / r.seconds / 1e9;
    let report = |what: &str, runs: &[(Run, u64)]| {
        for (t, (run, b)) in threads.iter().zip(runs) {
            println!(
                "{what:<36} {t} thread(s): {:7.3} s {:6.2} GB/s {:7.2} CPU-s {:6.2} GB/CPU-s",
                run.seconds,
                gbps(*b, run),
                run.cpu,
                *b as f64 / run.cpu.max(1e-9) / 1e9
            );
        }
        println!(
            "{what:<36} speedup 2t/1t {:.2}x, work inflation (CPU-s 2t/1t) {:.2}",
            runs[0].0.seconds / runs[1].0.seconds,
            runs[1].0.cpu / runs[0].0.cpu.max(1e-9)
        );
    };

    // The serial part: reading happens on the consuming thread, one block at a time.
    let read_only = timed(|| {
        let (mut reader, mut buf, mut total) = (Generated::new(&pattern, bytes), vec![0u8; chunk], 0u64);
        loop {
            match reader.read(&mut buf).unwrap() {
                0 => break,
                n => total += n as u64,
            }
        }
        assert_eq!(total, bytes);
    });
    println!(
        "{:<36} {:7.3} s {:6.2} GB/s {:7.2} CPU-s",
        "reading alone (the serial part)",
        read_only.seconds,
        gbps(bytes, &read_only),
        read_only.cpu
    );

    let memchr_runs: Vec<_> = pools
        .iter()
        .map(|p| {
            (
                pipeline_run(p, &pipeline, &pattern, bytes, lines, newlines),
                bytes,
            )
        })
        .collect();
    report("pipeline, memchr count per block", &memchr_runs);
    let hwm = status_kib("VmHWM:");
    println!(
        "peak RSS (VmHWM) after the pipeline runs: {hwm} KiB = {:.1} MiB",
        hwm as f64 / 1024.0
    );
    let split_runs: Vec<_> = pools
        .iter()
        .map(|p| {
            (
                pipeline_run(p, &pipeline, &pattern, bytes, lines, split_lines),
                bytes,
            )
        })
        .collect();
    report("pipeline, par_split count per block", &split_runs);
    let hwm = status_kib("VmHWM:");
    println!(
        "peak RSS (VmHWM) after the pipeline runs: {hwm} KiB = {:.1} MiB",
        hwm as f64 / 1024.0
    );

    // The in-memory twins over a buffer already in memory (read once, passed over
    // until they have seen as many bytes as the stream).
    let mut mem = vec![0u8; mem_bytes];
    Generated::new(&pattern, mem_bytes as u64)
        .read_exact(&mut mem)
        .unwrap();
    let mem_lines = newlines(&mem);
    let passes = (bytes / mem_bytes as u64).max(1);
    let seen = passes * mem_bytes as u64;
    let in_memory = |count: &(dyn Fn(&[u8]) -> u64 + Sync)| -> Vec<(Run, u64)> {
        pools
            .iter()
            .map(|pool| {
                let run = timed(|| {
                    for _ in 0..passes {
                        assert_eq!(
                            pool.install(|| count(&mem)),
                            mem_lines,
                            "in-memory count miscounted"
                        );
                    }
                });
                (run, seen)
            })
            .collect()
    };
    let mem_memchr = in_memory(&|m| m.par_chunks(chunk).map(newlines).sum());
    report(&format!("in memory, memchr count ({passes}x)"), &mem_memchr);
    let mem_split = in_memory(&split_lines);
    report(&format!("in memory, par_split count ({passes}x)"), &mem_split);

    for (what, runs) in [("memchr", &memchr_runs), ("par_split", &split_runs)] {
        let serial = read_only.cpu / runs[0].0.cpu.max(1e-9);
        println!(
            "serial fraction of the {what} pipeline (reading CPU-s / 1-thread CPU-s): {:.0} %, \
             Amdahl bound at 2 threads {:.2}x",
            100.0 * serial,
            1.0 / (serial + (1.0 - serial) / 2.0)
        );
    }
    for (i, t) in threads.iter().enumerate() {
        println!(
            "pipeline / in memory at {t} thread(s): memchr count {:.0} %, par_split count {:.0} %",
            100.0 * gbps(bytes, &memchr_runs[i].0) / gbps(seen, &mem_memchr[i].0),
            100.0 * gbps(bytes, &split_runs[i].0) / gbps(seen, &mem_split[i].0)
        );
    }
}
