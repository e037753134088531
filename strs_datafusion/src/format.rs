//! [`ExactCsvFormat`]: DataFusion's CSV file format with exact schema inference,
//! exact row counts and exact parallel ranges; and its factory for
//! `CREATE EXTERNAL TABLE … STORED AS CSV`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::config::CsvOptions;
use datafusion::common::stats::Precision;
use datafusion::common::{GetExt, Statistics};
use datafusion::datasource::file_format::csv::{CsvFormat, CsvFormatFactory};
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::{FileFormat, FileFormatFactory, DEFAULT_SCHEMA_INFER_MAX_RECORD};
use datafusion::datasource::physical_plan::{
    CsvSource, FileScanConfig, FileScanConfigBuilder, FileSinkConfig, FileSource,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result};
use datafusion::object_store::{ObjectMeta, ObjectStore};
use datafusion::physical_expr_common::sort_expr::LexRequirement;
use datafusion::physical_plan::ExecutionPlan;
use futures::future::try_join_all;

use crate::plan::{plan_file, read_range, FilePlan, PlanDialect};
use crate::source::ExactCsvSource;

/// The first prefix read for schema inference; it doubles until it holds the
/// records inference needs.
const INFER_PREFIX: u64 = 1 << 20;

/// DataFusion's CSV format, made exact.
///
/// * **Scans**: every file large enough to be split is cut into byte ranges that
///   start at true record starts, whether or not `newlines_in_values` is set (see
///   [`ExactCsvSource`]). The ranges come from a plan of the file computed in
///   parallel with `strs_tools`' CSV parser and cached per file version (path,
///   size, modification time).
/// * **Schema inference** runs DataFusion's own inference (its type rules,
///   `schema_infer_max_rec` records) on a prefix of the file that ends at a true
///   record start, so a quoted newline never splits a record in two. With
///   comment lines the prefix grows until DataFusion's parser reads one record
///   more than inference needs; compressed files use DataFusion's inference.
/// * **Statistics**: the plan's exact record count is the file's row count.
/// * **Fallback**: files with comment lines (`comment` set) and compressed files
///   cannot be cut exactly; they are left to DataFusion's own reader, with
///   `newlines_in_values` forced on so it never cuts them at a false record
///   start. Writing is DataFusion's.
#[derive(Debug, Default)]
pub struct ExactCsvFormat {
    inner: CsvFormat,
}

impl ExactCsvFormat {
    /// The exact format with DataFusion's CSV options.
    pub fn new(options: CsvOptions) -> Self {
        ExactCsvFormat {
            inner: CsvFormat::default().with_options(options),
        }
    }

    /// The CSV options (session defaults apply to the unset ones).
    pub fn options(&self) -> &CsvOptions {
        self.inner.options()
    }

    /// Does this format hand its files to DataFusion's reader unchanged (comment
    /// lines or compression)?
    pub fn falls_back(&self) -> bool {
        self.inner.options().comment.is_some() || self.compressed()
    }

    fn compressed(&self) -> bool {
        FileCompressionType::from(self.inner.options().compression).is_compressed()
    }

    fn dialect(&self) -> PlanDialect {
        PlanDialect::from_options(self.inner.options())
    }

    fn has_header(&self, state: &dyn Session) -> bool {
        self.inner
            .options()
            .has_header
            .unwrap_or_else(|| state.config_options().catalog.has_header)
    }

    /// DataFusion's format for the fallback: never cut at a newline.
    fn fallback_format(&self) -> CsvFormat {
        let mut options = self.inner.options().clone();
        options.newlines_in_values = Some(true);
        CsvFormat::default().with_options(options)
    }

    /// DataFusion's inference on a prefix of `object` that holds whole records
    /// only: at least `records_to_read` data records, or the whole file.
    async fn infer_one(
        &self,
        state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        object: &ObjectMeta,
        records_to_read: usize,
    ) -> Result<(Schema, usize)> {
        let parser = self.dialect().parser()?;
        let needed = records_to_read.saturating_add(usize::from(self.has_header(state)));
        let mut len = INFER_PREFIX.min(object.size);
        let sample = loop {
            let prefix = read_range(store, object, 0..len).await?;
            if len == object.size {
                break prefix;
            }
            if self.falls_back() {
                // Comment lines: the planner's parser cannot find record starts,
                // but DataFusion's own parser reading one record past the ones
                // inference uses proves those are whole.
                let enough = self
                    .infer_chunk(state, records_to_read.saturating_add(1), prefix.clone())
                    .await
                    .is_ok_and(|(_, read)| read > records_to_read);
                if enough {
                    break prefix;
                }
            } else {
                let records = parser
                    .parse(&prefix[..])
                    .map_err(|e| DataFusionError::Execution(format!("csv schema inference: {e}")))?;
                // A record that begins inside the prefix begins there in the whole
                // file too, so the prefix up to it holds whole records only.
                if let Some(next) = records.get(needed) {
                    break prefix.slice(..next.byte_range().start as usize);
                }
            }
            len = len.saturating_mul(2).min(object.size);
        };
        self.infer_chunk(state, records_to_read, sample)
            .await
            .map_err(|e| {
                DataFusionError::Context(
                    format!("Error when processing CSV file {}", object.location),
                    Box::new(e),
                )
            })
    }

    /// DataFusion's inference (its type rules) on one chunk of whole records.
    async fn infer_chunk(
        &self,
        state: &dyn Session,
        records_to_read: usize,
        chunk: Bytes,
    ) -> Result<(Schema, usize)> {
        self.inner
            .infer_schema_from_stream(state, records_to_read, futures::stream::iter([Ok(chunk)]))
            .await
    }
}

/// The exact plans of every file a scan reads, planned concurrently.
async fn plan_all(
    state: &dyn Session,
    conf: &FileScanConfig,
    dialect: &PlanDialect,
) -> Result<HashMap<datafusion::object_store::path::Path, Arc<FilePlan>>> {
    let store = state.runtime_env().object_store(&conf.object_store_url)?;
    let files: Vec<&ObjectMeta> = conf
        .file_groups
        .iter()
        .flat_map(|g| g.iter())
        .map(|f| &f.object_meta)
        .collect();
    let plans = try_join_all(files.iter().map(|meta| plan_file(&store, meta, dialect))).await?;
    Ok(files.into_iter().map(|m| m.location.clone()).zip(plans).collect())
}

#[async_trait]
impl FileFormat for ExactCsvFormat {
    fn get_ext(&self) -> String {
        self.inner.get_ext()
    }

    fn get_ext_with_compression(&self, c: &FileCompressionType) -> Result<String> {
        self.inner.get_ext_with_compression(c)
    }

    fn compression_type(&self) -> Option<FileCompressionType> {
        self.inner.compression_type()
    }

    async fn infer_schema(
        &self,
        state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        objects: &[ObjectMeta],
    ) -> Result<SchemaRef> {
        if self.compressed() {
            return self.inner.infer_schema(state, store, objects).await;
        }
        let mut records_to_read = self
            .inner
            .options()
            .schema_infer_max_rec
            .unwrap_or(DEFAULT_SCHEMA_INFER_MAX_RECORD);
        let mut schemas = Vec::new();
        for object in objects {
            let (schema, read) = self.infer_one(state, store, object, records_to_read).await?;
            records_to_read -= read.min(records_to_read);
            schemas.push(schema);
            if records_to_read == 0 {
                break;
            }
        }
        Ok(Arc::new(Schema::try_merge(schemas)?))
    }

    async fn infer_stats(
        &self,
        state: &dyn Session,
        store: &Arc<dyn ObjectStore>,
        table_schema: SchemaRef,
        object: &ObjectMeta,
    ) -> Result<Statistics> {
        if self.falls_back() {
            return self.inner.infer_stats(state, store, table_schema, object).await;
        }
        let plan = plan_file(store, object, &self.dialect()).await?;
        let header = u64::from(self.has_header(state) && plan.records > 0);
        let rows = usize::try_from(plan.records - header).unwrap_or(usize::MAX);
        Ok(Statistics::new_unknown(&table_schema)
            .with_num_rows(Precision::Exact(rows))
            .with_total_byte_size(Precision::Exact(
                usize::try_from(object.size).unwrap_or(usize::MAX),
            )))
    }

    async fn create_physical_plan(
        &self,
        state: &dyn Session,
        conf: FileScanConfig,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if self.falls_back() {
            return self.fallback_format().create_physical_plan(state, conf).await;
        }
        let mut options = self.inner.options().clone();
        options.has_header = Some(self.has_header(state));
        options.newlines_in_values = Some(
            options
                .newlines_in_values
                .unwrap_or_else(|| state.config_options().catalog.newlines_in_values),
        );
        let csv = conf
            .file_source
            .downcast_ref::<ExactCsvSource>()
            .map(|s| s.csv_source().clone())
            .or_else(|| conf.file_source.downcast_ref::<CsvSource>().cloned())
            .ok_or_else(|| {
                DataFusionError::Internal("the file source of a CSV scan is not a CSV source".into())
            })?;
        let plans = plan_all(state, &conf, &self.dialect()).await?;
        let source = ExactCsvSource::new(csv.with_csv_options(options), Arc::new(plans));
        let config = FileScanConfigBuilder::from(conf)
            .with_file_compression_type(FileCompressionType::UNCOMPRESSED)
            .with_source(Arc::new(source))
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }

    async fn create_writer_physical_plan(
        &self,
        input: Arc<dyn ExecutionPlan>,
        state: &dyn Session,
        conf: FileSinkConfig,
        order_requirements: Option<LexRequirement>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.inner
            .create_writer_physical_plan(input, state, conf, order_requirements)
            .await
    }

    fn file_source(&self, table_schema: TableSchema) -> Arc<dyn FileSource> {
        let inner = self.inner.file_source(table_schema);
        match inner.downcast_ref::<CsvSource>() {
            Some(csv) if !self.falls_back() => Arc::new(ExactCsvSource::new(csv.clone(), Arc::default())),
            _ => inner,
        }
    }
}

/// Makes `STORED AS CSV` (and the `.csv` extension) use [`ExactCsvFormat`]:
/// DataFusion's CSV factory parses the options, this one wraps the result.
#[derive(Default)]
pub struct ExactCsvFormatFactory {
    inner: CsvFormatFactory,
}

impl fmt::Debug for ExactCsvFormatFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExactCsvFormatFactory")
    }
}

impl ExactCsvFormatFactory {
    /// A factory whose formats start from DataFusion's session CSV options.
    pub fn new() -> Self {
        <Self as Default>::default()
    }

    fn wrap(format: Arc<dyn FileFormat>) -> Arc<dyn FileFormat> {
        match format.downcast_ref::<CsvFormat>() {
            Some(csv) => Arc::new(ExactCsvFormat::new(csv.options().clone())),
            None => format,
        }
    }
}

impl FileFormatFactory for ExactCsvFormatFactory {
    fn create(
        &self,
        state: &dyn Session,
        format_options: &HashMap<String, String>,
    ) -> Result<Arc<dyn FileFormat>> {
        Ok(Self::wrap(self.inner.create(state, format_options)?))
    }

    fn default(&self) -> Arc<dyn FileFormat> {
        Self::wrap(FileFormatFactory::default(&self.inner))
    }
}

impl GetExt for ExactCsvFormatFactory {
    fn get_ext(&self) -> String {
        self.inner.get_ext()
    }
}
