//! Thread pools: which rayon pool an operation runs on.
//!
//! `None` means "the pool we are called from" (the global pool, or whatever pool the
//! caller `install`ed), so `pool.install(|| s.par_split(..))` controls threads. A
//! requested thread count gets a dedicated pool, built once and cached for the life
//! of the process: building a pool spawns threads, far too slow to do per call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::ThreadPool;

/// The largest thread count a dedicated pool is built with; larger requests are
/// clamped (thousands of threads only add scheduling overhead).
pub const MAX_THREADS: usize = 1024;

/// Normalises a requested thread count: `0` means "all available" (`None`), and
/// absurd counts are clamped to [`MAX_THREADS`].
pub(crate) fn normalize_threads(threads: usize) -> Option<usize> {
    match threads {
        0 => None,
        n => Some(n.min(MAX_THREADS)),
    }
}

/// The cached dedicated pool with exactly `threads` workers, or `None` if the
/// operating system refused to start the threads (the caller then runs on the
/// current pool: degraded parallelism, never a failure).
pub(crate) fn dedicated_pool(threads: usize) -> Option<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let pools = POOLS.get_or_init(|| Mutex::new(HashMap::new()));
    // A panic while holding this lock cannot leave the map inconsistent (insert
    // is the only mutation), so a poisoned lock is safe to reuse.
    let mut pools = pools.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(pool) = pools.get(&threads) {
        return Some(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("strs-{threads}-{i}"))
        .build()
        .ok()?;
    let pool = Arc::new(pool);
    pools.insert(threads, Arc::clone(&pool));
    Some(pool)
}

/// Runs `op` on the pool selected by `threads` (see the module docs).
pub(crate) fn install<R, F>(threads: Option<usize>, op: F) -> R
where
    R: Send,
    F: FnOnce() -> R + Send,
{
    match threads.and_then(dedicated_pool) {
        Some(pool) => pool.install(op),
        None => op(),
    }
}

/// How many threads an operation configured with `threads` (and optionally a
/// NUMA processor) runs on, without running it.
pub(crate) fn current_threads(threads: Option<usize>, numa: Option<&super::NumaStringProcessor>) -> usize {
    match numa {
        Some(processor) => processor.install(rayon::current_num_threads),
        None => match threads.and_then(dedicated_pool) {
            Some(pool) => pool.current_num_threads(),
            None => rayon::current_num_threads(),
        },
    }
}
