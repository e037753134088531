//! Timing: wall and CPU seconds of repeated runs, each answer checked.

use std::time::Instant;

/// One timed contestant.
#[derive(Clone, Debug)]
pub struct Row {
    /// What ran, e.g. `strs_tools par_split`.
    pub contestant: String,
    /// Threads of the pool it ran on.
    pub threads: usize,
    /// Whether this row is the workload's own measurement (the scaling table's).
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
    /// A row without a measured serial part.
    pub fn new(contestant: &str, threads: usize, ours: bool, bytes: usize, (wall, cpu): (f64, f64)) -> Row {
        Row {
            contestant: contestant.to_string(),
            threads,
            ours,
            bytes,
            wall,
            cpu,
            serial: None,
        }
    }

    /// Throughput in MB/s (10^6 bytes per second).
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

/// Times `run` `repeat` times (after one warm-up) and checks every answer;
/// returns the median wall and CPU seconds.
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
