//! Exact range plans: for one CSV file, the true record start nearest each point
//! of a fixed grid, and the exact record count. Computed once per file version
//! (path, size, modification time and dialect) and cached for the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use datafusion::common::config::CsvOptions;
use datafusion::error::{DataFusionError, Result};
use datafusion::object_store::{ObjectMeta, ObjectStore};
use strs_tools::csv::{CsvParser, Terminator};

/// The most grid points a file is planned at. Any repartitioning snaps its
/// nominal byte offsets to these points, so a file is cut into ranges whose sizes
/// differ from the nominal ones by at most `size / GRID_POINTS` plus one record.
pub(crate) const GRID_POINTS: u64 = 256;

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
pub(crate) async fn plan_file(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    dialect: &PlanDialect,
) -> Result<Arc<FilePlan>> {
    let key = PlanKey {
        path: meta.location.to_string(),
        size: meta.size,
        e_tag: meta.e_tag.clone(),
        modified: meta.last_modified.timestamp_nanos_opt().unwrap_or(i64::MIN),
        dialect: dialect.clone(),
    };
    if let Some(plan) = cache().lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Arc::clone(plan));
    }
    let bytes = read_range(store, meta, 0..meta.size).await?;
    let dialect_owned = dialect.clone();
    let plan = tokio::task::spawn_blocking(move || plan_bytes(&dialect_owned, &bytes))
        .await
        .map_err(|e| DataFusionError::External(Box::new(e)))??;
    let plan = Arc::new(plan);
    let mut map = cache().lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= CACHE_LIMIT {
        map.clear();
    }
    map.insert(key, Arc::clone(&plan));
    Ok(plan)
}

/// The bytes `range` of a file, in one buffer.
pub(crate) async fn read_range(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    range: std::ops::Range<u64>,
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

/// The plan of a whole file held in memory: every true record start from the
/// library's parallel parser, then the grid points snapped to them.
pub(crate) fn plan_bytes(dialect: &PlanDialect, data: &[u8]) -> Result<FilePlan> {
    let parser = dialect.parser()?;
    let starts: Vec<usize> = parser
        .par_map(data, |r| r.byte_range().start)
        .map_err(|e| DataFusionError::Execution(format!("csv planning: {e}")))?;
    Ok(plan_from_starts(dialect, data, &starts))
}

fn plan_from_starts(dialect: &PlanDialect, data: &[u8], starts: &[usize]) -> FilePlan {
    let size = data.len() as u64;
    let n = GRID_POINTS.min(size);
    let align = dialect.align_byte();
    // A start right after the alignment byte is one DataFusion's range reader
    // begins at exactly; others (after a lone `\r`) are skipped.
    let usable = |s: usize| s == 0 || data[s - 1] == align;
    let mut cuts = Vec::with_capacity(n as usize + 1);
    cuts.push(0);
    for i in 1..n {
        let point = (u128::from(i) * u128::from(size) / u128::from(n)) as usize;
        let from = starts.partition_point(|&s| s < point);
        let cut = starts[from..]
            .iter()
            .copied()
            .find(|&s| usable(s))
            .map_or(size, |s| s as u64);
        cuts.push(cut);
    }
    if n > 0 {
        cuts.push(size);
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

    fn lf() -> PlanDialect {
        PlanDialect {
            delimiter: b',',
            quote: b'"',
            escape: None,
            terminator: None,
        }
    }

    #[test]
    fn cuts_land_on_true_record_starts_only() {
        let data = b"h,x\n\"a\nb,c\nd\",1\n2,\"\n\"\n3,4\n";
        let plan = plan_bytes(&lf(), data).unwrap();
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
        let plan = plan_bytes(&lf(), &data).unwrap();
        let mut last = 0;
        for x in 0..=data.len() as u64 {
            let s = plan.snap(x);
            assert!(s >= last);
            last = s;
        }
    }

    #[test]
    fn empty_and_tiny_files() {
        let plan = plan_bytes(&lf(), b"").unwrap();
        assert_eq!((plan.records, plan.snap(0)), (0, 0));
        let plan = plan_bytes(&lf(), b"a").unwrap();
        assert_eq!(plan.records, 1);
        assert_eq!(plan.snap(1), 1);
    }

    #[test]
    fn starts_after_a_lone_cr_are_not_cuts() {
        let data = b"a\rb\rc\rd\r";
        let plan = plan_bytes(&lf(), data).unwrap();
        assert_eq!(plan.records, 4);
        assert!(plan.cuts[1..plan.cuts.len() - 1]
            .iter()
            .all(|&c| c == data.len() as u64));
    }
}
