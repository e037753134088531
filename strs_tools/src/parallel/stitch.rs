//! Entry states: where the sequential scan stands at each chunk start, found
//! without producing a single piece, so each chunk can then be scanned straight
//! into a consumer.
//!
//! Two ways, picked by the shape of the configuration:
//!
//! * **Overlap-free delimiters, no quoting** (single bytes such as `\n` or `,`,
//!   `"\r\n"`, any set whose occurrences can never overlap): every occurrence is
//!   a match of the sequential scan, so the state at a chunk start follows from
//!   the last occurrence before it. Each chunk looks backwards from its end for its
//!   last occurrence (in parallel; usually a few bytes), then a serial pass carries
//!   "where the last segment started" across chunks that had none.
//! * **Anything else** (quoting, self-overlapping or prefix-related delimiters):
//!   speculate, then stitch. Chunk `k` is scanned from its nominal start as if it
//!   were inside a segment, outside quotes, recording its exit state and the first
//!   few segment starts (checkpoints). The serial pass carries the *true* state
//!   from chunk to chunk: where it equals the speculative entry (the common case)
//!   the chunk's exit is already right; otherwise it re-scans from the true state
//!   until a checkpoint, from where the scan is deterministic and the speculative
//!   exit is the true one (in adversarial input, such as `"aaaa…"` split on `"aa"`
//!   with an odd cut, the re-scan may cover the whole chunk: exact, only slower).
//!
//! Either way the serial work is O(chunks) plus the rare re-scans, and the
//! number of chunks is capped by [`plan::MAX_CHUNKS`](super::plan::MAX_CHUNKS).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::plan;
use crate::string::scan::{Mode, ScanState, Scanner};

/// How many checkpoints a speculative scan records. Re-scans normally sync at
/// the first or second segment start; past this many the chunk is re-scanned
/// whole.
const CHECKPOINTS: usize = 8;

/// The chunks of one split and the true scan state at the start of each.
#[derive(Debug)]
pub(crate) struct SplitPlan {
    /// Consecutive byte ranges covering the part of the input to split.
    pub(crate) ranges: Vec<Range<usize>>,
    /// `entries[k]`: the sequential scan's state when it reaches `ranges[k]`.
    pub(crate) entries: Vec<ScanState>,
}

/// What a speculative scan of one chunk found.
struct Speculation {
    /// Did any segment end inside the chunk?
    head: bool,
    /// Starts of the first segments after the first one.
    checkpoints: Vec<usize>,
    /// The state at the chunk end.
    exit: ScanState,
}

/// Plans the split of `hay` from the true state `entry` (at `entry.pos`) up to
/// `end`, in chunks of about `chunk_size` bytes on the current rayon pool. On one
/// thread, or when the part fits in one chunk, the plan is one chunk.
/// `static_partition` gives each thread one contiguous share of the pre-pass.
pub(crate) fn plan_split(
    scanner: &Scanner<'_>,
    hay: &[u8],
    entry: ScanState,
    end: usize,
    chunk_size: usize,
    static_partition: bool,
) -> SplitPlan {
    let start = entry.pos.min(end);
    let threads = rayon::current_num_threads();
    let ranges: Vec<Range<usize>> = if threads == 1 {
        Vec::new()
    } else {
        plan::chunk_ranges(&hay[start..end], plan::resolve_chunk_size(chunk_size), false)
            .into_iter()
            .map(|r| r.start + start..r.end + start)
            .collect()
    };
    if ranges.len() <= 1 {
        // Also for an empty part: an empty input still has its one (empty)
        // segment, and a window may end a pending segment.
        return SplitPlan {
            ranges: std::iter::once(start..end).collect(),
            entries: vec![entry],
        };
    }
    let min_len = if static_partition {
        ranges.len().div_ceil(threads)
    } else {
        1
    };
    let entries = if scanner.quotes.is_none() && scanner.delimiters.is_overlap_free() {
        entries_overlap_free(scanner, hay, &ranges, entry, min_len)
    } else {
        entries_by_stitch(scanner, hay, &ranges, entry, min_len)
    };
    SplitPlan { ranges, entries }
}

/// The overlap-free, unquoted case: see the module docs.
fn entries_overlap_free(
    scanner: &Scanner<'_>,
    hay: &[u8],
    ranges: &[Range<usize>],
    entry: ScanState,
    min_len: usize,
) -> Vec<ScanState> {
    let n = ranges.len();
    let lasts: Vec<_> = ranges[..n - 1]
        .par_iter()
        .with_min_len(min_len)
        .map(|r| scanner.delimiters.rfind_in(hay, r.start.max(entry.pos), r.end))
        .collect();
    let serial = std::time::Instant::now();
    let mut entries = Vec::with_capacity(n);
    entries.push(entry);
    let mut state = entry;
    for (last, next) in lasts.into_iter().zip(&ranges[1..]) {
        if let Some(m) = last {
            state.seg_start = m.end;
            state.pos = m.end;
        }
        // A delimiter straddling the cut moves the entry past it.
        state.pos = state.pos.max(next.start);
        entries.push(state);
    }
    record_serial(serial);
    entries
}

/// The general case: speculate, then stitch (see the module docs).
fn entries_by_stitch(
    scanner: &Scanner<'_>,
    hay: &[u8],
    ranges: &[Range<usize>],
    entry: ScanState,
    min_len: usize,
) -> Vec<ScanState> {
    let n = ranges.len();
    // The last chunk's exit feeds no other chunk: it is not scanned here.
    let specs: Vec<Speculation> = ranges[..n - 1]
        .par_iter()
        .enumerate()
        .with_min_len(min_len)
        .map(|(k, r)| speculate(scanner, hay, r.clone(), (k == 0).then_some(entry)))
        .collect();
    let serial = std::time::Instant::now();
    let mut entries = Vec::with_capacity(n);
    entries.push(entry);
    let mut truth = specs[0].exit;
    for (k, spec) in specs.iter().enumerate().skip(1) {
        entries.push(truth);
        let c = ranges[k].start;
        truth = if truth.pos == c && truth.mode == Mode::Unquoted && truth.quote.is_none() {
            // The speculative entry was right, except maybe the segment start.
            if spec.head {
                spec.exit
            } else {
                ScanState {
                    seg_start: truth.seg_start,
                    ..spec.exit
                }
            }
        } else {
            resync(scanner, hay, ranges[k].end, truth, spec)
        };
    }
    entries.push(truth);
    record_serial(serial);
    entries
}

/// Re-scans a chunk from its true entry state until the scan reaches one of the
/// speculative scan's checkpoints (then the speculative exit is the truth) or the
/// chunk end.
fn resync(
    scanner: &Scanner<'_>,
    hay: &[u8],
    end: usize,
    mut state: ScanState,
    spec: &Speculation,
) -> ScanState {
    loop {
        let at_segment_start = state.seg_start == state.pos && state.quote.is_none();
        if at_segment_start && spec.checkpoints.contains(&state.pos) {
            return spec.exit;
        }
        if scanner.advance(hay, &mut state, end).is_none() {
            return state;
        }
    }
}

/// Scans one chunk without producing pieces: from the true `entry` for the first
/// chunk, speculatively (mid-segment, outside quotes) for the others.
fn speculate(
    scanner: &Scanner<'_>,
    hay: &[u8],
    range: Range<usize>,
    entry: Option<ScanState>,
) -> Speculation {
    let mut in_head = entry.is_none();
    let mut state = entry.unwrap_or(ScanState::mid_segment(range.start));
    let mut spec = Speculation {
        head: false,
        checkpoints: Vec::new(),
        exit: state,
    };
    while let Some(seg) = scanner.advance(hay, &mut state, range.end) {
        if in_head {
            spec.head = true;
            in_head = false;
        } else if spec.checkpoints.len() < CHECKPOINTS {
            spec.checkpoints.push(seg.start);
        }
    }
    debug_assert!(!state.done, "only the last chunk can reach the end of the input");
    spec.exit = state;
    spec
}

/// Nanoseconds spent in the serial passes of split plans, process-wide.
static SERIAL_NANOS: AtomicU64 = AtomicU64::new(0);

fn record_serial(since: std::time::Instant) {
    let nanos = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
    SERIAL_NANOS.fetch_add(nanos, Ordering::Relaxed);
}

/// The total time this process has spent in the serial passes of parallel
/// splits, for measuring the serial fraction (benchmarks read it before and
/// after a split). Not part of the stable API.
#[doc(hidden)]
pub fn serial_time() -> std::time::Duration {
    std::time::Duration::from_nanos(SERIAL_NANOS.load(Ordering::Relaxed))
}
