//! Exact range plans: for one CSV file, the true record start nearest each point
//! of a fixed grid, and the exact record count. Computed once per file version
//! (path, size, modification time and dialect) and cached for the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use std::ops::Range;

use bytes::Bytes;
use datafusion::common::config::CsvOptions;
use datafusion::error::{DataFusionError, Result};
use datafusion::object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use futures::{StreamExt, TryStreamExt};
use strs_tools::csv::{CsvParser, RangePlan, RangeSummary, Terminator};

/// The fewest ranges a file is planned in (smaller files: one per byte). Any
/// repartitioning snaps its nominal byte offsets to the range starts, so a file is
/// cut into pieces whose sizes differ from the nominal ones by at most one planning
/// range plus one record.
pub(crate) const GRID_POINTS: u64 = 256;

/// The longest planning range of a large file: each one is held in memory while
/// it is summarised, by as many tasks as there are cores.
const MAX_RANGE: u64 = 8 << 20;

/// The most planning ranges of any file, the cap `strs_tools` puts on its chunks:
/// summaries and the serial combine stay small.
const MAX_GRID: u64 = 1 << 16;

/// The plan of one file: `cuts[i]` is the first true record start at or after
/// `i * size / n` (`n = cuts.len() - 1`) that the CSV decoder can start at, or
/// `size` if there is none; `cuts[0] == 0` and `cuts[n] == size`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FilePlan {
    pub(crate) size: u64,
    pub(crate) cuts: Vec<u64>,
    /// Every record of the file, a header line included.
    pub(crate) records: u64,
}

impl FilePlan {
    /// The exact cut for a nominal byte offset: the cut of the nearest grid
    /// point. Monotone in `offset`, `0 -> 0` and `size -> size`, so the ranges
    /// `[snap(a), snap(b))` of consecutive nominal ranges tile the file.
    pub(crate) fn snap(&self, offset: u64) -> u64 {
        let n = (self.cuts.len() - 1) as u128;
        if self.size == 0 || n == 0 {
            return 0;
        }
        let offset = u128::from(offset.min(self.size));
        let size = u128::from(self.size);
        let i = (offset * n + size / 2) / size;
        self.cuts[i as usize]
    }
}

/// The dialect a plan depends on: what DataFusion's CSV decoder uses to find
/// record ends.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PlanDialect {
    pub(crate) delimiter: u8,
    pub(crate) quote: u8,
    pub(crate) escape: Option<u8>,
    pub(crate) terminator: Option<u8>,
}

impl PlanDialect {
    pub(crate) fn from_options(options: &CsvOptions) -> PlanDialect {
        PlanDialect {
            delimiter: options.delimiter,
            quote: options.quote,
            escape: options.escape,
            terminator: options.terminator,
        }
    }

    /// A record parser that agrees with arrow-csv on where records start:
    /// every record counted (no header), any length, quotes doubled (arrow-csv
    /// always undoubles them).
    pub(crate) fn parser(&self) -> Result<CsvParser> {
        let mut b = CsvParser::builder();
        b.delimiter(self.delimiter)
            .quote(self.quote)
            .double_quote(true)
            .escape(self.escape)
            .terminator(self.terminator.map_or(Terminator::Crlf, Terminator::Byte))
            .has_headers(false)
            .flexible(true);
        b.build()
            .map_err(|e| DataFusionError::Configuration(format!("csv dialect: {e}")))
    }

    /// The byte DataFusion's range reader aligns on: a range must start right
    /// after it.
    fn align_byte(&self) -> u8 {
        self.terminator.unwrap_or(b'\n')
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PlanKey {
    path: String,
    e_tag: Option<String>,
    size: u64,
    modified: i64,
    dialect: PlanDialect,
}

/// Entries beyond this are dropped wholesale: plans are small and cheap to redo.
const CACHE_LIMIT: usize = 4096;

fn cache() -> &'static Mutex<HashMap<PlanKey, Arc<FilePlan>>> {
    static CACHE: OnceLock<Mutex<HashMap<PlanKey, Arc<FilePlan>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The plan of `meta`, from the cache when this version of the file was planned
/// before with the same dialect.
///
/// The file is cut into the [`grid`]'s ranges, which are read and summarised
/// concurrently (each with one byte on either side, the whole file
/// read once), then the summaries are combined serially into the exact first
/// record of every range. Only where quoting is malformed does the combine read
/// bytes again.
pub(crate) async fn plan_file(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    dialect: &PlanDialect,
) -> Result<Arc<FilePlan>> {
    let key = PlanKey {
        path: meta.location.to_string(),
        e_tag: meta.e_tag.clone(),
        size: meta.size,
        modified: meta.last_modified.timestamp_nanos_opt().unwrap_or(i64::MIN),
        dialect: dialect.clone(),
    };
    if let Some(plan) = cache().lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Arc::clone(plan));
    }
    let parser = Arc::new(dialect.parser()?);
    let size = meta.size;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let summaries: Vec<RangeSummary> = futures::stream::iter(grid(size))
        .map(|range| {
            let parser = Arc::clone(&parser);
            async move {
                let from = range.start.saturating_sub(1);
                let bytes = read_range(store, meta, from..(range.end + 1).min(size)).await?;
                tokio::task::spawn_blocking(move || summarize(&parser, range, from, size, &bytes))
                    .await
                    .map_err(|e| DataFusionError::External(Box::new(e)))
            }
        })
        .buffered(threads)
        .try_collect()
        .await?;
    let handle = tokio::runtime::Handle::current();
    let (store2, location) = (Arc::clone(store), meta.location.clone());
    let plan = tokio::task::spawn_blocking(move || {
        // Called only for malformed quoting; this is a blocking-pool thread.
        let fetch = |r: Range<u64>| -> std::io::Result<Vec<u8>> {
            handle
                .block_on(store2.get_range(&location, r))
                .map(|b| b.to_vec())
                .map_err(std::io::Error::other)
        };
        parser.plan_ranges(&summaries, fetch)
    })
    .await
    .map_err(|e| DataFusionError::External(Box::new(e)))?
    .map_err(|e| DataFusionError::Execution(format!("csv planning of {}: {e}", meta.location)))?;
    // The byte before each candidate cut decides whether the range reader can
    // start there.
    let candidates: Vec<u64> = plan
        .ranges()
        .iter()
        .filter_map(|r| r.first_record())
        .filter(|&s| s > 0)
        .collect();
    let before = if candidates.is_empty() {
        Vec::new()
    } else {
        let ranges: Vec<Range<u64>> = candidates.iter().map(|&s| s - 1..s).collect();
        store.get_ranges(&meta.location, &ranges).await?
    };
    let align = dialect.align_byte();
    let usable: HashMap<u64, bool> = candidates
        .iter()
        .zip(&before)
        .map(|(&s, b)| (s, b.first() == Some(&align)))
        .collect();
    let plan = Arc::new(file_plan(&plan, size, |s| {
        s == 0 || usable.get(&s) == Some(&true)
    }));
    let mut map = cache().lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= CACHE_LIMIT {
        map.clear();
    }
    map.insert(key, Arc::clone(&plan));
    Ok(plan)
}

/// The planning grid of a file of `size` bytes: consecutive ranges covering it,
/// [`GRID_POINTS`] of them, more for files over 2 GiB (ranges of at most
/// [`MAX_RANGE`] up to [`MAX_GRID`] ranges), one per byte for tiny files.
fn grid(size: u64) -> Vec<Range<u64>> {
    let n = size.div_ceil(MAX_RANGE).clamp(GRID_POINTS, MAX_GRID).min(size);
    let point = |i: u64| (u128::from(i) * u128::from(size) / u128::from(n.max(1))) as u64;
    (0..n).map(|i| point(i)..point(i + 1)).collect()
}

/// The summary of `range`, given the bytes `from..` that hold it and one byte on
/// each side where the file has one.
fn summarize(parser: &CsvParser, range: Range<u64>, from: u64, size: u64, bytes: &[u8]) -> RangeSummary {
    let lead = (range.start - from) as usize;
    let data = &bytes[lead..lead + (range.end - range.start) as usize];
    let before = (lead == 1).then(|| bytes[0]);
    let after = (range.end < size).then(|| bytes[bytes.len() - 1]);
    parser.summarize_range(range.start, before, data, after)
}

/// The cuts of a planned grid: each range's first record if the range reader
/// can start there, else the next range's cut.
fn file_plan(plan: &RangePlan, size: u64, usable: impl Fn(u64) -> bool) -> FilePlan {
    let ranges = plan.ranges();
    let mut cuts = vec![size; ranges.len() + 1];
    if !ranges.is_empty() {
        cuts[0] = 0;
    }
    for i in (1..ranges.len()).rev() {
        cuts[i] = match ranges[i].first_record() {
            Some(s) if usable(s) => s,
            _ => cuts[i + 1],
        };
    }
    if ranges.is_empty() {
        cuts = vec![0];
    }
    FilePlan {
        size,
        cuts,
        records: plan.records(),
    }
}

/// The bytes `range` of a file, in one buffer.
pub(crate) async fn read_range(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    range: Range<u64>,
) -> Result<Bytes> {
    if range.is_empty() {
        return Ok(Bytes::new());
    }
    let mut parts = store.get_ranges(&meta.location, &[range]).await?;
    Ok(match parts.len() {
        1 => parts.remove(0),
        _ => parts.concat().into(),
    })
}

/// [`plan_file`]'s plan of a file held in memory, summarised range by range.
#[cfg(test)]
fn plan_in_memory(dialect: &PlanDialect, data: &[u8]) -> FilePlan {
    let parser = dialect.parser().unwrap();
    let size = data.len() as u64;
    let summaries: Vec<RangeSummary> = grid(size)
        .into_iter()
        .map(|r| {
            let from = r.start.saturating_sub(1);
            let to = (r.end + 1).min(size);
            summarize(&parser, r, from, size, &data[from as usize..to as usize])
        })
        .collect();
    let plan = parser
        .plan_ranges(
            &summaries,
            |r| Ok(data[r.start as usize..r.end as usize].to_vec()),
        )
        .unwrap();
    let align = dialect.align_byte();
    file_plan(&plan, size, |s| s == 0 || data[s as usize - 1] == align)
}

/// The slow, obvious twin of [`plan_file`]: every true record start from a full
/// parse of the file, then each grid range's first one.
#[cfg(test)]
fn plan_bytes(dialect: &PlanDialect, data: &[u8]) -> FilePlan {
    let starts: Vec<u64> = dialect
        .parser()
        .unwrap()
        .par_map(data, |r| r.byte_range().start)
        .unwrap();
    let size = data.len() as u64;
    let align = dialect.align_byte();
    let ranges = grid(size);
    let mut cuts = vec![0; ranges.len() + 1];
    cuts[ranges.len()] = size;
    for (i, r) in ranges.iter().enumerate().skip(1) {
        let from = starts.partition_point(|&s| s < r.start);
        cuts[i] = starts[from..]
            .iter()
            .copied()
            .find(|&s| data[s as usize - 1] == align)
            .unwrap_or(size);
    }
    FilePlan {
        size,
        cuts,
        records: starts.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dialect(terminator: Option<u8>) -> PlanDialect {
        PlanDialect {
            delimiter: b',',
            quote: b'"',
            escape: None,
            terminator,
        }
    }

    #[test]
    fn cuts_land_on_true_record_starts_only() {
        let data = b"h,x\n\"a\nb,c\nd\",1\n2,\"\n\"\n3,4\n";
        let plan = plan_in_memory(&dialect(None), data);
        assert_eq!(plan.records, 4);
        let truth = [0u64, 4, 16, 22, data.len() as u64];
        for c in &plan.cuts {
            assert!(truth.contains(c), "cut {c} is not a record start");
        }
        assert_eq!(plan.snap(0), 0);
        assert_eq!(plan.snap(data.len() as u64), data.len() as u64);
    }

    #[test]
    fn snap_is_monotone() {
        let data: Vec<u8> = (0..500)
            .flat_map(|i| format!("{i},\"x\ny\"\n").into_bytes())
            .collect();
        let plan = plan_in_memory(&dialect(None), &data);
        let mut last = 0;
        for x in 0..=data.len() as u64 {
            let s = plan.snap(x);
            assert!(s >= last);
            last = s;
        }
    }

    #[test]
    fn the_grid_covers_the_file_in_bounded_ranges() {
        for (size, n) in [
            (0, 0),
            (1, 1),
            (300, 256),
            (2 << 30, 256),
            ((2 << 30) + 1, 257),
            (1 << 40, 1 << 16),
        ] {
            let g = grid(size);
            assert_eq!(g.len() as u64, n, "size {size}");
            assert!(g.windows(2).all(|w| w[0].end == w[1].start && !w[0].is_empty()));
            assert_eq!(
                (g.first().map_or(0, |r| r.start), g.last().map_or(0, |r| r.end)),
                (0, size)
            );
        }
    }

    #[test]
    fn empty_and_tiny_files() {
        let plan = plan_in_memory(&dialect(None), b"");
        assert_eq!((plan.records, plan.snap(0)), (0, 0));
        let plan = plan_in_memory(&dialect(None), b"a");
        assert_eq!(plan.records, 1);
        assert_eq!(plan.snap(1), 1);
    }

    #[test]
    fn starts_after_a_lone_cr_are_not_cuts() {
        let data = b"a\rb\rc\rd\r";
        let plan = plan_in_memory(&dialect(None), data);
        assert_eq!(plan.records, 4);
        assert!(plan.cuts[1..].iter().all(|&c| c == data.len() as u64));
    }

    fn hostile() -> impl Strategy<Value = Vec<u8>> {
        let pieces = prop::sample::select(vec![
            "a", ",", "\"", "\n", "\r\n", "\r", "\"\"", "x\"y", "\n\n", "\u{feff}",
        ]);
        prop::collection::vec(pieces, 0..120).prop_map(|p| p.concat().into_bytes())
    }

    proptest! {
        #[test]
        fn summaries_plan_equals_a_full_parse(data in hostile(), lf in any::<bool>()) {
            let d = dialect(lf.then_some(b'\n'));
            prop_assert_eq!(plan_in_memory(&d, &data), plan_bytes(&d, &data));
        }
    }
}
