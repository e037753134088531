//! Allocation counting for memory-bound tests: a global allocator that counts
//! the bytes allocated on threads that opted in (the workers of a pool built by
//! [`counting_pool`]), so tests running concurrently on other threads do not
//! disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `System`, counting what opted-in threads allocate.
pub struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping
// touches only an atomic and a const-initialised thread-local (which never
// allocates).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: the caller's contract for `alloc` is passed on as it is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above, for `dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTED.try_with(Cell::get).unwrap_or(false) {
            ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        }
        // SAFETY: as above, for `realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// A pool of `threads` workers whose allocations are counted.
pub fn counting_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(|_| COUNTED.with(|c| c.set(true)))
        .build()
        .expect("a pool")
}

/// The bytes counted threads allocate while `f` runs on `pool` (including
/// whatever other counted pools allocate meanwhile: use one pool per test).
pub fn allocated_during<R: Send>(pool: &rayon::ThreadPool, f: impl FnOnce() -> R + Send) -> (R, usize) {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let r = pool.install(f);
    (r, ALLOCATED.load(Ordering::Relaxed) - before)
}
