//! Pinned pools: rayon pools whose worker `i` pins itself to a CPU set when it
//! starts, kept in the crate's one pool cache (`parallel::pool`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::affinity;
use crate::parallel::pool::{cached_pool, PoolKey, SharedPool};

/// A pool whose worker `i` is pinned to `cpu_sets[i]`, from the cache or built
/// now; `None` if the operating system refused to start the threads. Workers that
/// cannot pin themselves run unpinned and are counted in `pin_failures`.
pub(super) fn pinned_pool(cpu_sets: Vec<Vec<usize>>) -> Option<SharedPool> {
    let sets = Arc::new(cpu_sets.clone());
    cached_pool(PoolKey::Pinned(cpu_sets), move || {
        let pin_failures = Arc::new(AtomicUsize::new(0));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(sets.len())
            .thread_name(|i| format!("strs-numa-{i}"))
            .start_handler({
                let pin_failures = Arc::clone(&pin_failures);
                move |i| {
                    if affinity::pin_current_thread(&sets[i]).is_err() {
                        pin_failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
            .build()
            .ok()?;
        // Every worker runs its start handler before any job, so once a job has
        // run on each of them the failure count is final.
        pool.broadcast(|_| ());
        Some(SharedPool {
            pool: Arc::new(pool),
            pin_failures,
        })
    })
}
