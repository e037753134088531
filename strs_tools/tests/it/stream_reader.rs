//! The reader pipeline against its in-memory twins, with awkward readers, tiny
//! blocks, long records, errors, panics, early stops and the memory bound.

use std::io::{self, Read};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use strs_tools::parallel::{ReaderPipeline, StreamError, StreamErrorKind};

/// A reader that returns at most `max_read` bytes per call (varying), fails with
/// `Interrupted` now and then, and optionally fails for good at `fail_at`.
struct AwkwardReader {
    data: Vec<u8>,
    pos: usize,
    rng: u64,
    max_read: usize,
    interrupt_one_in: u64,
    fail_at: Option<usize>,
    /// Calls of `read` after it reported the error: must stay 0 (no spin).
    reads_after_error: Arc<AtomicUsize>,
    failed: bool,
}

impl AwkwardReader {
    fn new(data: &[u8], seed: u64, max_read: usize) -> Self {
        Self {
            data: data.to_vec(),
            pos: 0,
            rng: seed | 1,
            max_read: max_read.max(1),
            interrupt_one_in: 0,
            fail_at: None,
            reads_after_error: Arc::new(AtomicUsize::new(0)),
            failed: false,
        }
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64: deterministic per seed, good enough to vary read sizes.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
}

impl Read for AwkwardReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            self.reads_after_error.fetch_add(1, Ordering::SeqCst);
            return Err(io::Error::other("read after error"));
        }
        if self.interrupt_one_in > 0 && self.next_random().is_multiple_of(self.interrupt_one_in) {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        if Some(self.pos) == self.fail_at {
            self.failed = true;
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "pipe broke"));
        }
        let end = self.fail_at.unwrap_or(usize::MAX).min(self.data.len());
        let want = 1 + (self.next_random() as usize % self.max_read);
        let n = want.min(buf.len()).min(end - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A reader of an endless (or `limit`-byte) repetition of `line`, counting the
/// bytes it hands out.
struct CountingReader {
    line: Vec<u8>,
    pos: usize,
    limit: usize,
    served: Arc<AtomicUsize>,
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let served = self.served.load(Ordering::SeqCst);
        let n = buf.len().min(self.limit - served);
        for b in &mut buf[..n] {
            *b = self.line[self.pos];
            self.pos = (self.pos + 1) % self.line.len();
        }
        self.served.fetch_add(n, Ordering::SeqCst);
        Ok(n)
    }
}

fn pipeline(chunk: usize, in_flight: usize, threads: usize) -> ReaderPipeline {
    ReaderPipeline::new()
        .chunk_size(chunk)
        .in_flight(in_flight)
        .threads(threads)
}

/// Non-overlapping leftmost occurrences of `needle`: the naive in-memory twin.
fn count_matches(haystack: &[u8], needle: &[u8]) -> usize {
    let (mut count, mut i) = (0, 0);
    while i + needle.len() <= haystack.len() {
        if &haystack[i..i + needle.len()] == needle {
            count += 1;
            i += needle.len();
        } else {
            i += 1;
        }
    }
    count
}

/// Records with their terminators, the in-memory split the blocks must reproduce.
fn records(data: &[u8], term: u8) -> Vec<Vec<u8>> {
    data.split_inclusive(|&b| b == term).map(<[u8]>::to_vec).collect()
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

fn collect_ok<T>(it: impl Iterator<Item = Result<T, StreamError>>) -> Vec<T> {
    it.map(|r| r.expect("no error expected")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn per_record_results_equal_the_in_memory_twins(
        data in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'\n'), Just(b';')], 0..600),
        chunk in 1usize..40,
        in_flight in 1usize..5,
        threads in 1usize..3,
        max_read in 1usize..50,
        interrupt_one_in in prop_oneof![Just(0u64), 2u64..5],
        seed: u64,
        semicolon in any::<bool>(),
    ) {
        let term = if semicolon { b';' } else { b'\n' };
        let mut reader = AwkwardReader::new(&data, seed, max_read);
        reader.interrupt_one_in = interrupt_one_in;
        let p = pipeline(chunk, in_flight, threads).terminator(term).max_record(usize::MAX);
        let blocks = collect_ok(p.map_blocks(reader, move |b: &[u8]| {
            (b.to_vec(), b.iter().filter(|&&x| x == term).count(), count_matches(b, b"ab"), records(b, term))
        }));
        let mut joined = Vec::new();
        let (mut lines, mut matches, mut recs) = (0, 0, Vec::new());
        for (i, (block, l, m, r)) in blocks.iter().enumerate() {
            prop_assert!(!block.is_empty());
            if i + 1 < blocks.len() {
                prop_assert_eq!(block.last(), Some(&term));
            }
            joined.extend_from_slice(block);
            lines += l;
            matches += m;
            recs.extend(r.iter().cloned());
        }
        prop_assert_eq!(&joined, &data);
        prop_assert_eq!(lines, data.iter().filter(|&&x| x == term).count());
        prop_assert_eq!(matches, count_matches(&data, b"ab"));
        prop_assert_eq!(recs, records(&data, term));
    }

    #[test]
    fn a_read_error_comes_after_every_earlier_block_with_its_offset(
        data in proptest::collection::vec(prop_oneof![Just(b'x'), Just(b'\n')], 1..300),
        chunk in 1usize..20,
        fail_frac in 0.0f64..1.0,
        seed: u64,
    ) {
        let fail_at = (data.len() as f64 * fail_frac) as usize;
        let mut reader = AwkwardReader::new(&data, seed, 7);
        reader.fail_at = Some(fail_at);
        let after = Arc::clone(&reader.reads_after_error);
        let p = pipeline(chunk, 3, 2).max_record(usize::MAX);
        let mut it = p.map_blocks(reader, |b: &[u8]| b.to_vec());
        let mut delivered = Vec::new();
        let err = loop {
            match it.next() {
                Some(Ok(block)) => delivered.extend(block),
                Some(Err(e)) => break e,
                None => panic!("the error was not reported"),
            }
        };
        prop_assert!(it.next().is_none());
        prop_assert!(it.next().is_none());
        prop_assert_eq!(after.load(Ordering::SeqCst), 0);
        prop_assert_eq!(err.offset(), fail_at as u64);
        prop_assert!(matches!(err.kind(), StreamErrorKind::Io(e) if e.kind() == io::ErrorKind::BrokenPipe));
        prop_assert_eq!(err.to_string(), format!("read error at byte offset {fail_at}: pipe broke"));
        // Whole blocks only: a prefix of the input ending at a terminator.
        prop_assert!(delivered.len() <= fail_at);
        prop_assert_eq!(&delivered[..], &data[..delivered.len()]);
        prop_assert!(delivered.is_empty() || delivered.last() == Some(&b'\n'));
    }
}

#[test]
fn one_byte_blocks_one_byte_reads_and_interrupts_give_the_in_memory_lines() {
    let data = b"a\n\nbb\nccc\n\n\nlast-without-terminator".repeat(20);
    for threads in [1, 2] {
        let mut reader = AwkwardReader::new(&data, 7, 1);
        reader.interrupt_one_in = 2;
        let got: Vec<Vec<u8>> = collect_ok(pipeline(1, 2, threads).map_blocks(reader, |b: &[u8]| b.to_vec()));
        // With 1-byte blocks every block is exactly one record.
        assert_eq!(got, records(&data, b'\n'));
    }
}

#[test]
fn zero_length_reads_end_the_input_and_are_not_repeated() {
    struct EndsThenCounts {
        data: &'static [u8],
        zero_reads: usize,
    }
    impl Read for EndsThenCounts {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.data.len().min(buf.len());
            if n == 0 {
                self.zero_reads += 1;
            }
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }
    let mut reader = EndsThenCounts {
        data: b"one\ntwo\nthree",
        zero_reads: 0,
    };
    let got = collect_ok(pipeline(4, 2, 1).map_blocks(&mut reader, |b: &[u8]| b.len()));
    assert_eq!(got.iter().sum::<usize>(), 13);
    assert_eq!(reader.zero_reads, 1);
}

#[test]
fn a_line_longer_than_the_limit_stops_with_its_offset_after_the_lines_before_it() {
    let data = [b"ok\nfine\n".to_vec(), vec![b'x'; 5000], b"\nnever\n".to_vec()].concat();
    let p = pipeline(16, 4, 2).max_record(1000);
    let mut it = p.map_blocks(&data[..], |b: &[u8]| b.to_vec());
    assert_eq!(it.next().unwrap().unwrap(), b"ok\nfine\n");
    let err = it.next().unwrap().unwrap_err();
    assert!(matches!(
        err.kind(),
        StreamErrorKind::RecordTooLong { limit: 1000 }
    ));
    assert_eq!(err.offset(), 8);
    assert_eq!(
        err.to_string(),
        "record at byte offset 8 exceeds the limit of 1000 bytes"
    );
    assert_eq!(io::Error::from(err).kind(), io::ErrorKind::InvalidData);
    assert!(it.next().is_none());
}

#[test]
fn a_long_line_reads_only_about_the_limit_not_the_whole_line() {
    let served = Arc::new(AtomicUsize::new(0));
    let reader = CountingReader {
        line: b"x".to_vec(),
        pos: 0,
        limit: 1 << 30,
        served: Arc::clone(&served),
    };
    let p = pipeline(64, 2, 1).max_record(4096);
    let results: Vec<_> = p.map_blocks(reader, |b: &[u8]| b.len()).collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].as_ref().unwrap_err().offset(), 0);
    assert!(
        served.load(Ordering::SeqCst) <= 4097,
        "read {} bytes",
        served.load(Ordering::SeqCst)
    );
}

#[test]
fn a_record_longer_than_the_block_but_within_the_limit_grows_one_block() {
    let data = [b"a\n".to_vec(), vec![b'y'; 300], b"\nb\n".to_vec()].concat();
    let mut reader = AwkwardReader::new(&data, 3, 13);
    reader.interrupt_one_in = 3;
    let p = pipeline(8, 3, 2).max_record(300);
    let got = collect_ok(p.map_blocks(reader, |b: &[u8]| b.to_vec()));
    assert_eq!(got[0], b"a\n");
    // The grown block holds the whole long record (and maybe what followed it).
    assert!(got[1].starts_with(&[vec![b'y'; 300], b"\n".to_vec()].concat()));
    assert_eq!(got.concat(), data);
}

#[test]
fn a_stalled_consumer_stalls_the_reader_within_in_flight_blocks() {
    let served = Arc::new(AtomicUsize::new(0));
    let reader = CountingReader {
        line: b"0123456789abcde\n".to_vec(),
        pos: 0,
        limit: 1 << 30,
        served: Arc::clone(&served),
    };
    let (chunk, in_flight) = (1024, 3);
    let calls = Arc::new(AtomicUsize::new(0));
    let calls_in_f = Arc::clone(&calls);
    let mut it = pipeline(chunk, in_flight, 2).map_blocks(reader, move |b: &[u8]| {
        calls_in_f.fetch_add(1, Ordering::SeqCst);
        b.len()
    });
    for taken in 1..=10 {
        assert_eq!(it.next().unwrap().unwrap(), chunk);
        std::thread::sleep(Duration::from_millis(2));
        // Blocks of exactly `chunk` bytes (the line length divides it): at most the
        // taken ones plus `in_flight` more were read; the bound is reached.
        assert_eq!(served.load(Ordering::SeqCst), (taken - 1 + in_flight) * chunk);
    }
    drop(it);
    let read_at_drop = served.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(served.load(Ordering::SeqCst), read_at_drop);
    assert!(calls.load(Ordering::SeqCst) <= read_at_drop / chunk);
}

#[test]
fn dropping_the_iterator_skips_blocks_not_started_and_leaks_no_work() {
    let started = Arc::new(AtomicUsize::new(0));
    let in_f = Arc::clone(&started);
    let data = "line\n".repeat(2000);
    let mut it = pipeline(5, 8, 1).map_blocks(io::Cursor::new(data.into_bytes()), move |b: &[u8]| {
        in_f.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(5));
        b.len()
    });
    assert_eq!(it.next().unwrap().unwrap(), 5);
    drop(it);
    std::thread::sleep(Duration::from_millis(100));
    let after = started.load(Ordering::SeqCst);
    // One thread, 8 blocks handed out: the first, maybe the one running at the
    // drop, and none of those still queued.
    assert!(after <= 3, "{after} blocks ran after the drop");
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(started.load(Ordering::SeqCst), after);
}

#[test]
fn a_panicking_closure_panics_in_the_consumer_in_order_and_the_pool_stays_usable() {
    let data = "a\nb\nboom\nc\n".repeat(50);
    for threads in [1, 2] {
        let mut seen = Vec::new();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            for r in pipeline(2, 4, threads).map_blocks(io::Cursor::new(data.clone()), |b: &[u8]| {
                assert!(!b.starts_with(b"boom"), "closure saw boom");
                b.to_vec()
            }) {
                seen.push(r.unwrap());
            }
        }));
        let payload = caught.expect_err("the panic must reach the consumer");
        assert_eq!(panic_message(&*payload), "closure saw boom");
        assert_eq!(seen, vec![b"a\n".to_vec(), b"b\n".to_vec()]);
        let total: usize =
            collect_ok(pipeline(2, 4, threads).map_blocks(data.as_bytes(), |b: &[u8]| b.len()))
                .iter()
                .sum();
        assert_eq!(total, data.len());
    }
}

#[test]
fn consuming_inside_a_one_thread_pool_does_not_deadlock() {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let data = "x\n".repeat(10_000);
    let lines: usize = pool.install(|| {
        collect_ok(
            pipeline(100, 4, 0).map_blocks(io::Cursor::new(data.clone()), |b: &[u8]| {
                b.iter().filter(|&&c| c == b'\n').count()
            }),
        )
        .iter()
        .sum()
    });
    assert_eq!(lines, 10_000);
}

#[test]
fn crlf_and_a_split_terminator_pair_stay_in_their_record() {
    let data = b"a\r\nbb\r\n\r\nc".to_vec();
    for chunk in 1..data.len() + 2 {
        let mut reader = AwkwardReader::new(&data, chunk as u64, 2);
        reader.interrupt_one_in = 2;
        let got = collect_ok(pipeline(chunk, 2, 2).map_blocks(reader, |b: &[u8]| b.to_vec()));
        assert_eq!(got.concat(), data);
        assert!(
            got.iter().all(|b| !b.starts_with(b"\n")),
            "chunk {chunk}: {got:?}"
        );
    }
}
