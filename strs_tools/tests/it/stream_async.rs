//! `ParallelStreamProcessor`: order under random delays, the read-ahead bound with
//! a counting source and a stalled consumer, cancellation by drop, panics, and CPU
//! work kept off the tokio workers.
#![cfg(feature = "async")]

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{stream, FutureExt, Stream, StreamExt};
use strs_tools::parallel::ParallelStreamProcessor;

/// Deterministic pseudo-random delay in 0..=3 ms for item `i`.
fn delay(i: u64) -> Duration {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    x ^= x >> 29;
    Duration::from_micros(x % 3000)
}

/// A source of `0..len` that records, at each item it hands out, how far it runs
/// ahead of what the consumer has taken.
struct CountingSource {
    next: usize,
    len: usize,
    pulled: Arc<AtomicUsize>,
    taken: Arc<AtomicUsize>,
    max_ahead: Arc<AtomicUsize>,
}

impl Stream for CountingSource {
    type Item = usize;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<usize>> {
        if self.next == self.len {
            return Poll::Ready(None);
        }
        let item = self.next;
        self.next += 1;
        let pulled = self.pulled.fetch_add(1, Ordering::SeqCst) + 1;
        let ahead = pulled - self.taken.load(Ordering::SeqCst);
        self.max_ahead.fetch_max(ahead, Ordering::SeqCst);
        Poll::Ready(Some(item))
    }
}

struct Counters {
    pulled: Arc<AtomicUsize>,
    taken: Arc<AtomicUsize>,
    max_ahead: Arc<AtomicUsize>,
}

fn counting_source(len: usize) -> (CountingSource, Counters) {
    let c = Counters {
        pulled: Arc::new(AtomicUsize::new(0)),
        taken: Arc::new(AtomicUsize::new(0)),
        max_ahead: Arc::new(AtomicUsize::new(0)),
    };
    let source = CountingSource {
        next: 0,
        len,
        pulled: Arc::clone(&c.pulled),
        taken: Arc::clone(&c.taken),
        max_ahead: Arc::clone(&c.max_ahead),
    };
    (source, c)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    match payload.downcast_ref::<&str>() {
        Some(s) => s,
        None => payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or("<not a string>"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_come_in_input_order_under_random_delays() {
    for parallelism in [1, 2, 4, 7] {
        let out: Vec<u64> = ParallelStreamProcessor::new(
            stream::iter(0..120u64),
            |i| {
                std::thread::sleep(delay(i));
                i * 3
            },
            parallelism,
        )
        .process()
        .collect()
        .await;
        assert_eq!(
            out,
            (0..120u64).map(|i| i * 3).collect::<Vec<_>>(),
            "parallelism {parallelism}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn unordered_results_are_the_same_multiset_and_complete_out_of_order() {
    // Item 0 is slow: in completion order it cannot come first.
    let out: Vec<u64> = ParallelStreamProcessor::new(
        stream::iter(0..40u64),
        |i| {
            std::thread::sleep(if i == 0 {
                Duration::from_millis(60)
            } else {
                delay(i)
            });
            i
        },
        2,
    )
    .process_unordered()
    .collect()
    .await;
    assert_ne!(out[0], 0);
    let mut sorted = out.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..40).collect::<Vec<_>>());
}

#[tokio::test(flavor = "current_thread")]
async fn the_input_ending_with_work_in_flight_still_wakes_the_consumer() {
    // Three slow items and the input ends at once: the output must still complete.
    let out = tokio::time::timeout(
        Duration::from_secs(5),
        ParallelStreamProcessor::new(
            stream::iter(vec!["a", "bb", "ccc"]),
            |s: &str| {
                std::thread::sleep(Duration::from_millis(30));
                s.len()
            },
            4,
        )
        .process()
        .collect::<Vec<_>>(),
    )
    .await
    .expect("the output stream hung after the input ended");
    assert_eq!(out, vec![1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_more_than_twice_parallelism_items_ahead_of_a_stalled_consumer() {
    for (parallelism, ordered) in [(1, true), (3, true), (3, false)] {
        let (source, c) = counting_source(200);
        let f = |i: usize| {
            std::thread::sleep(delay(i as u64) / 4);
            i
        };
        let p = ParallelStreamProcessor::new(source, f, parallelism);
        let mut out: Pin<Box<dyn Stream<Item = usize> + Send>> = if ordered {
            p.process().boxed()
        } else {
            p.process_unordered().boxed()
        };
        let mut got = Vec::new();
        while let Some(x) = out.next().await {
            got.push(x);
            c.taken.fetch_add(1, Ordering::SeqCst);
            if got.len() % 50 == 1 {
                // Stall: the workers finish everything pulled; nothing more is pulled.
                let before = c.pulled.load(Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                assert_eq!(c.pulled.load(Ordering::SeqCst), before);
                assert!(before - got.len() < 2 * parallelism);
            }
        }
        assert_eq!(got.len(), 200);
        if ordered {
            assert_eq!(got, (0..200).collect::<Vec<_>>());
        }
        // The bound holds, and is reached (so it is the bound the docs state).
        assert_eq!(c.max_ahead.load(Ordering::SeqCst), 2 * parallelism);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_parallelism_calls_run_at_once_and_only_on_rayon_threads() {
    let running = Arc::new(AtomicUsize::new(0));
    let max_running = Arc::new(AtomicUsize::new(0));
    let off_rayon = Arc::new(AtomicBool::new(false));
    let (r, m, o) = (
        Arc::clone(&running),
        Arc::clone(&max_running),
        Arc::clone(&off_rayon),
    );
    let out: Vec<usize> = ParallelStreamProcessor::new(
        stream::iter(0..30usize),
        move |i| {
            if rayon::current_thread_index().is_none() {
                o.store(true, Ordering::SeqCst);
            }
            let now = r.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(2));
            r.fetch_sub(1, Ordering::SeqCst);
            i
        },
        1,
    )
    .process()
    .collect()
    .await;
    assert_eq!(out, (0..30).collect::<Vec<_>>());
    assert_eq!(max_running.load(Ordering::SeqCst), 1);
    assert!(
        !off_rayon.load(Ordering::SeqCst),
        "f ran on a thread outside the rayon pool"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_output_stops_pulling_and_discards_queued_work() {
    let (source, c) = counting_source(1000);
    let started = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (s, f) = (Arc::clone(&started), Arc::clone(&finished));
    let mut out = ParallelStreamProcessor::new(
        source,
        move |i: usize| {
            s.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(80));
            f.fetch_add(1, Ordering::SeqCst);
            i
        },
        1,
    )
    .process()
    .boxed();
    // One poll pulls two items: the first starts, the second waits for the slot.
    assert!(futures::poll!(out.next()).is_pending());
    assert_eq!(c.pulled.load(Ordering::SeqCst), 2);
    for _ in 0..500 {
        if started.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(started.load(Ordering::SeqCst), 1, "the first item never started");
    drop(out);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(c.pulled.load(Ordering::SeqCst), 2, "pulled after the drop");
    assert_eq!(
        started.load(Ordering::SeqCst),
        1,
        "the queued item ran after the drop"
    );
    assert_eq!(
        finished.load(Ordering::SeqCst),
        1,
        "the running item did not finish"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_f_reaches_the_consumer_in_order_and_rayon_survives() {
    let mut out = ParallelStreamProcessor::new(
        stream::iter(0..10u32),
        |i| {
            assert_ne!(i, 3, "f failed on three");
            i
        },
        2,
    )
    .process()
    .boxed();
    let mut got = Vec::new();
    let caught = AssertUnwindSafe(async {
        while let Some(x) = out.next().await {
            got.push(x);
        }
    })
    .catch_unwind()
    .await;
    let payload = caught.expect_err("the panic must reach the consumer");
    assert!(
        panic_message(&*payload).contains("f failed on three"),
        "{}",
        panic_message(&*payload)
    );
    assert_eq!(got, vec![0, 1, 2]);
    let again: Vec<u32> = ParallelStreamProcessor::new(stream::iter(0..5u32), |i| i + 1, 2)
        .process()
        .collect()
        .await;
    assert_eq!(again, vec![1, 2, 3, 4, 5]);
}

/// Regression: item 3 panics at once while items 0..3 are still sleeping, so
/// its panic is ready first; it must still come after their results (a panic
/// raised while the ordered combinator polled item 3 used to overtake them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_that_finishes_first_still_comes_after_the_earlier_results() {
    let mut out = ParallelStreamProcessor::new(
        stream::iter(0..6u32),
        |i| {
            assert_ne!(i, 3, "f failed on three");
            // Item 2 is the slowest: item 3's panic is ready long before it.
            std::thread::sleep(Duration::from_millis(if i == 2 { 300 } else { 50 }));
            i
        },
        4,
    )
    .process();
    let mut got = Vec::new();
    let caught = AssertUnwindSafe(async {
        while let Some(x) = out.next().await {
            got.push(x);
        }
    })
    .catch_unwind()
    .await;
    let payload = caught.expect_err("the panic must reach the consumer");
    assert!(panic_message(&*payload).contains("f failed on three"));
    assert_eq!(got, vec![0, 1, 2]);
}
