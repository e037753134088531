//! [`ExactCsvSource`]: DataFusion's CSV source whose file ranges always start at
//! true record starts, so any file can be read in parallel, quoted newlines or not.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::physical_plan::{
    CsvSource, FileGroupPartitioner, FileOpener, FileScanConfig, FileSource,
};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result;
use datafusion::object_store::path::Path;
use datafusion::object_store::ObjectStore;
use datafusion::physical_expr::{LexOrdering, PhysicalExpr};
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::projection::ProjectionExprs;
use datafusion::physical_plan::DisplayFormatType;

use crate::plan::FilePlan;

/// A [`FileSource`] for CSV that repartitions files only at true record starts.
///
/// Reading is DataFusion's own [`CsvSource`] (the same arrow-csv decoder, so
/// column types, nulls and errors are DataFusion's); what changes is where files
/// are cut. DataFusion cuts a file at the first newline after a nominal offset,
/// which is a false record start when the newline is inside quotes; this source
/// takes DataFusion's nominal ranges and moves every cut to the true record
/// start found by the file's [exact plan](crate::ExactCsvFormat). A range that
/// starts right after a record's terminator is read by DataFusion's range reader
/// exactly as given, so the ranges travel as ordinary `FileRange`s.
///
/// Files without a plan (the source was not built by
/// [`ExactCsvFormat`](crate::ExactCsvFormat)) and compressed files are never
/// cut.
#[derive(Clone)]
pub struct ExactCsvSource {
    inner: CsvSource,
    plans: Arc<HashMap<Path, Arc<FilePlan>>>,
}

impl fmt::Debug for ExactCsvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExactCsvSource")
            .field("planned_files", &self.plans.len())
            .finish_non_exhaustive()
    }
}

impl ExactCsvSource {
    /// Wraps DataFusion's source; `plans` holds the exact plan of each file the
    /// scan may cut.
    pub(crate) fn new(inner: CsvSource, plans: Arc<HashMap<Path, Arc<FilePlan>>>) -> Self {
        ExactCsvSource { inner, plans }
    }

    /// The DataFusion source that reads the ranges.
    pub fn csv_source(&self) -> &CsvSource {
        &self.inner
    }

    fn wrap(&self, inner: &Arc<dyn FileSource>) -> Arc<dyn FileSource> {
        match inner.downcast_ref::<CsvSource>() {
            Some(csv) => Arc::new(ExactCsvSource::new(csv.clone(), Arc::clone(&self.plans))),
            None => Arc::clone(inner),
        }
    }
}

impl FileSource for ExactCsvSource {
    fn create_file_opener(
        &self,
        object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        self.inner
            .create_file_opener(object_store, base_config, partition)
    }

    fn table_schema(&self) -> &TableSchema {
        self.inner.table_schema()
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        self.wrap(&self.inner.with_batch_size(batch_size))
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        self.inner.projection()
    }

    fn try_pushdown_projection(&self, projection: &ProjectionExprs) -> Result<Option<Arc<dyn FileSource>>> {
        Ok(self
            .inner
            .try_pushdown_projection(projection)?
            .map(|s| self.wrap(&s)))
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        self.inner.metrics()
    }

    fn file_type(&self) -> &str {
        "csv"
    }

    fn fmt_extra(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        self.inner.fmt_extra(t, f)?;
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => f.write_str(", exact_ranges=true"),
            DisplayFormatType::TreeRender => Ok(()),
        }
    }

    fn supports_repartitioning(&self) -> bool {
        true
    }

    fn repartitioned(
        &self,
        target_partitions: usize,
        repartition_file_min_size: usize,
        output_ordering: Option<LexOrdering>,
        config: &FileScanConfig,
    ) -> Result<Option<FileScanConfig>> {
        if config.file_compression_type.is_compressed() {
            return Ok(None);
        }
        let Some(groups) = FileGroupPartitioner::new()
            .with_target_partitions(target_partitions)
            .with_repartition_file_min_size(repartition_file_min_size)
            .with_preserve_order_within_groups(output_ordering.is_some())
            .repartition_file_groups(&config.file_groups)
        else {
            return Ok(None);
        };
        let mut exact = Vec::with_capacity(groups.len());
        for group in groups {
            let mut files = Vec::with_capacity(group.len());
            for mut file in group.into_inner() {
                if let Some(range) = file.range.as_mut() {
                    let Some(plan) = self.plans.get(&file.object_meta.location) else {
                        // No plan: a nominal cut could be a false record start.
                        return Ok(None);
                    };
                    range.start = plan.snap(range.start.max(0) as u64) as i64;
                    range.end = plan.snap(range.end.max(0) as u64) as i64;
                    if range.start >= range.end {
                        continue;
                    }
                }
                files.push(file);
            }
            exact.push(datafusion::datasource::physical_plan::FileGroup::new(files));
        }
        let mut config = config.clone();
        config.file_groups = exact;
        Ok(Some(config))
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        self.inner.apply_expressions(f)
    }
}
