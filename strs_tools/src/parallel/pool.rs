//! Thread pools: which rayon pool an operation runs on, and the one process-wide
//! cache of the pools this crate builds (plain pools of a requested size, and the
//! NUMA module's pinned pools).
//!
//! `None` means "the pool we are called from" (the global pool, or whatever pool the
//! caller `install`ed), so `pool.install(|| s.par_split(..))` controls threads. A
//! requested thread count gets a dedicated pool. Building a pool spawns threads, far
//! too slow to do per call, so pools are cached; the cache is bounded (at most
//! [`MAX_CACHED_POOLS`] pools and, beyond the most recently used one,
//! [`MAX_CACHED_THREADS`] threads), least recently used first out, so a program
//! that asks for many different thread counts keeps few idle threads. An evicted
//! pool's threads exit once the last operation using it returns.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use rayon::ThreadPool;

/// The largest thread count a dedicated pool is built with; larger requests are
/// clamped (thousands of threads only add scheduling overhead).
pub const MAX_THREADS: usize = 1024;

/// The most pools the cache keeps alive between operations.
pub const MAX_CACHED_POOLS: usize = 4;

/// The most threads the cached pools hold together, the most recently used pool
/// excepted (it is always kept, whatever its size).
pub const MAX_CACHED_THREADS: usize = 256;

/// What a cached pool is, and so when a request can reuse it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PoolKey {
    /// `n` unpinned workers.
    Plain(usize),
    /// Worker `i` pinned to the CPU set `sets[i]`.
    Pinned(Vec<Vec<usize>>),
}

impl PoolKey {
    fn threads(&self) -> usize {
        match self {
            PoolKey::Plain(n) => *n,
            PoolKey::Pinned(sets) => sets.len(),
        }
    }
}

/// A pool from the cache, with the count of its workers that failed to pin
/// themselves (always 0 for a plain pool).
#[derive(Clone, Debug)]
pub(crate) struct SharedPool {
    pub(crate) pool: Arc<ThreadPool>,
    pub(crate) pin_failures: Arc<AtomicUsize>,
}

/// The cache: most recently used last.
static CACHE: Mutex<Vec<(PoolKey, SharedPool)>> = Mutex::new(Vec::new());

/// The cached pool for `key`, or a new one from `build` (then cached); `None` if
/// `build` fails (the operating system refused to start the threads).
///
/// `build` runs without the cache's lock: waiting for new workers can run other
/// rayon jobs on this thread (when it is itself a worker), and one of them may ask
/// for a pool (rayon#592). Two racing requests may both build; the first to finish
/// is cached and returned to both.
pub(crate) fn cached_pool(key: PoolKey, build: impl FnOnce() -> Option<SharedPool>) -> Option<SharedPool> {
    if let Some(shared) = lookup(&key) {
        return Some(shared);
    }
    let built = build()?;
    // Evicted pools are dropped after the lock is released: dropping the last
    // handle of a pool signals its threads, which need not happen under the lock.
    let evicted;
    let shared = {
        // Every mutation leaves the list consistent, so a lock poisoned by a
        // panic elsewhere still guards a valid cache.
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let shared = match cache.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                let entry = cache.remove(i);
                let shared = entry.1.clone();
                cache.push(entry);
                shared
            }
            None => {
                cache.push((key, built.clone()));
                built
            }
        };
        evicted = evict(&mut cache);
        shared
    };
    drop(evicted);
    Some(shared)
}

/// The cached pool for `key`, marked most recently used.
fn lookup(key: &PoolKey) -> Option<SharedPool> {
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let i = cache.iter().position(|(k, _)| k == key)?;
    let entry = cache.remove(i);
    let shared = entry.1.clone();
    cache.push(entry);
    Some(shared)
}

/// Removes least recently used pools until the cache is within its bounds; the
/// most recently used one always stays.
fn evict(cache: &mut Vec<(PoolKey, SharedPool)>) -> Vec<(PoolKey, SharedPool)> {
    let mut evicted = Vec::new();
    let threads = |cache: &[(PoolKey, SharedPool)]| cache.iter().map(|(k, _)| k.threads()).sum::<usize>();
    while cache.len() > 1 && (cache.len() > MAX_CACHED_POOLS || threads(cache) > MAX_CACHED_THREADS) {
        evicted.push(cache.remove(0));
    }
    evicted
}

/// Normalises a requested thread count: `0` means "all available" (`None`), and
/// absurd counts are clamped to [`MAX_THREADS`].
pub(crate) fn normalize_threads(threads: usize) -> Option<usize> {
    match threads {
        0 => None,
        n => Some(n.min(MAX_THREADS)),
    }
}

/// The dedicated pool with exactly `threads` workers (from the cache), or `None`
/// if the operating system refused to start the threads (the caller then runs on
/// the current pool: degraded parallelism, never a failure).
pub(crate) fn dedicated_pool(threads: usize) -> Option<Arc<ThreadPool>> {
    let shared = cached_pool(PoolKey::Plain(threads), || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(move |i| format!("strs-{threads}-{i}"))
            .build()
            .ok()?;
        Some(SharedPool {
            pool: Arc::new(pool),
            pin_failures: Arc::new(AtomicUsize::new(0)),
        })
    })?;
    Some(shared.pool)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key_threads(cache: &[(PoolKey, SharedPool)]) -> Vec<usize> {
        cache.iter().map(|(k, _)| k.threads()).collect()
    }

    #[test]
    fn eviction_keeps_the_most_recent_pools_within_both_bounds() {
        let shared = || SharedPool {
            pool: Arc::new(rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap()),
            pin_failures: Arc::new(AtomicUsize::new(0)),
        };
        let mut cache: Vec<(PoolKey, SharedPool)> = Vec::new();
        for n in 1..=6 {
            cache.push((PoolKey::Plain(n), shared()));
            evict(&mut cache);
        }
        assert_eq!(key_threads(&cache), [3, 4, 5, 6]);
        // A huge pool stays while it is the most recent, and goes next.
        cache.push((PoolKey::Plain(MAX_THREADS), shared()));
        evict(&mut cache);
        assert_eq!(key_threads(&cache), [MAX_THREADS]);
        cache.push((PoolKey::Pinned(vec![vec![0]; 2]), shared()));
        evict(&mut cache);
        assert_eq!(key_threads(&cache), [2]);
    }
}
