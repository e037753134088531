//! Ballista codecs for the exact CSV table and scan and the `strs_*` functions.
//!
//! Everything else is delegated to Ballista's own codecs, so shuffles, caches and
//! the built-in file formats travel as they do on a stock cluster.

use std::sync::Arc;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::common::config::CsvOptions;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::datasource::physical_plan::{CsvSource, FileScanConfig, FileScanConfigBuilder};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan, ScalarUDF};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{
    PhysicalExtensionCodec, PhysicalPlanNodeExt, PhysicalProtoConverterExtension,
};
use datafusion_proto::protobuf;
use prost::Message;

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};

use crate::{ExactCsvFormat, ExactCsvSource, StrsCount, StrsSplit};

use super::ExactCsvTable;

/// The first bytes of everything these codecs write themselves. Protobuf never
/// starts a message with `S` (field 10, the deprecated start-group wire type),
/// so a Ballista or DataFusion message can never be mistaken for ours.
const MAGIC: &[u8; 4] = b"STRS";
const TAG_TABLE: u8 = 1;
const TAG_SCAN: u8 = 2;
const TAG_UDF: u8 = 3;

fn ours(buf: &[u8], tag: u8) -> Option<&[u8]> {
    buf.strip_prefix(MAGIC.as_slice())?.strip_prefix(&[tag])
}

fn write_header(buf: &mut Vec<u8>, tag: u8) {
    buf.extend_from_slice(MAGIC);
    buf.push(tag);
}

fn decode_error(what: &str, e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Internal(format!("strs codec: cannot decode {what}: {e}"))
}

/// The `strs_*` function named `name`, if it is one.
fn strs_udf(name: &str) -> Option<Arc<ScalarUDF>> {
    match name {
        "strs_split" => Some(Arc::new(StrsSplit::udf())),
        "strs_count" => Some(Arc::new(StrsCount::udf())),
        _ => None,
    }
}

fn is_strs_udf(node: &ScalarUDF) -> bool {
    node.inner().downcast_ref::<StrsSplit>().is_some() || node.inner().downcast_ref::<StrsCount>().is_some()
}

fn encode_udf(node: &ScalarUDF, buf: &mut Vec<u8>) {
    write_header(buf, TAG_UDF);
    buf.extend_from_slice(node.name().as_bytes());
}

fn decode_udf(name: &str, buf: &[u8]) -> Option<Result<Arc<ScalarUDF>>> {
    let encoded = ours(buf, TAG_UDF)?;
    let found = std::str::from_utf8(encoded)
        .ok()
        .filter(|n| *n == name)
        .and_then(strs_udf)
        .ok_or_else(|| decode_error("function", format!("{name} is not a strs function")));
    Some(found)
}

/// A Ballista [`LogicalExtensionCodec`] that carries [`ExactCsvTable`]s (the
/// table paths, CSV options, schema and file extension: the scheduler that
/// decodes it plans the exact ranges itself) and the `strs_split`/`strs_count`
/// functions; everything else goes to Ballista's codec.
#[derive(Debug)]
pub struct StrsLogicalCodec {
    inner: Arc<dyn LogicalExtensionCodec>,
}

impl Default for StrsLogicalCodec {
    fn default() -> Self {
        StrsLogicalCodec::new(Arc::new(BallistaLogicalExtensionCodec::default()))
    }
}

impl StrsLogicalCodec {
    /// Our codec in front of `inner`, which handles everything else.
    pub fn new(inner: Arc<dyn LogicalExtensionCodec>) -> Self {
        StrsLogicalCodec { inner }
    }
}

fn encode_table(table: &ExactCsvTable, buf: &mut Vec<u8>) -> Result<()> {
    let listing = table.listing();
    let options = listing.options();
    if !options.table_partition_cols.is_empty() || !options.file_sort_order.is_empty() {
        return Err(DataFusionError::NotImplemented(
            "an exact CSV table with partition columns or a file sort order cannot be sent to a cluster"
                .into(),
        ));
    }
    let format = options
        .format
        .downcast_ref::<ExactCsvFormat>()
        .ok_or_else(|| DataFusionError::Internal("an ExactCsvTable without the exact CSV format".into()))?;
    let node = protobuf::ListingTableScanNode {
        paths: listing.table_paths().iter().map(|p| p.to_string()).collect(),
        file_extension: options.file_extension.clone(),
        schema: Some(listing.schema().as_ref().try_into()?),
        file_format_type: Some(protobuf::listing_table_scan_node::FileFormatType::Csv(
            protobuf::CsvFormat {
                options: Some(format.options().try_into()?),
            },
        )),
        ..Default::default()
    };
    write_header(buf, TAG_TABLE);
    node.encode(buf)
        .map_err(|e| DataFusionError::Internal(format!("strs codec: {e}")))
}

fn decode_table(buf: &[u8]) -> Result<Arc<dyn TableProvider>> {
    let node = protobuf::ListingTableScanNode::decode(buf).map_err(|e| decode_error("table", e))?;
    let Some(protobuf::listing_table_scan_node::FileFormatType::Csv(csv)) = node.file_format_type else {
        return Err(decode_error("table", "not a CSV table"));
    };
    let options = csv
        .options
        .as_ref()
        .map(CsvOptions::try_from)
        .transpose()?
        .unwrap_or_default();
    let schema: Schema = node
        .schema
        .as_ref()
        .ok_or_else(|| decode_error("table", "no schema"))?
        .try_into()?;
    let paths = node
        .paths
        .iter()
        .map(ListingTableUrl::parse)
        .collect::<Result<Vec<_>>>()?;
    let listing =
        ListingOptions::new(Arc::new(ExactCsvFormat::new(options))).with_file_extension(node.file_extension);
    let config = ListingTableConfig::new_with_multi_paths(paths)
        .with_listing_options(listing)
        .with_schema(SchemaRef::new(schema));
    Ok(Arc::new(ExactCsvTable::new(ListingTable::try_new(config)?)?))
}

impl LogicalExtensionCodec for StrsLogicalCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        match ours(buf, TAG_TABLE) {
            Some(table) => decode_table(table),
            None => self.inner.try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        match node.downcast_ref::<ExactCsvTable>() {
            Some(table) => encode_table(table, buf),
            None => self.inner.try_encode_table_provider(table_ref, node, buf),
        }
    }

    fn try_decode_file_format(&self, buf: &[u8], ctx: &TaskContext) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(&self, buf: &mut Vec<u8>, node: Arc<dyn FileFormatFactory>) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        match decode_udf(name, buf) {
            Some(found) => found,
            None => self.inner.try_decode_udf(name, buf),
        }
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        if is_strs_udf(node) {
            encode_udf(node, buf);
            Ok(())
        } else {
            self.inner.try_encode_udf(node, buf)
        }
    }
}

/// A Ballista [`PhysicalExtensionCodec`] that carries the exact CSV scan and
/// the `strs_split`/`strs_count` functions; everything else goes to Ballista's
/// codec.
///
/// The exact scan travels as DataFusion's own CSV scan: its file groups hold
/// the byte ranges the scheduler cut at true record starts, and DataFusion's
/// range reader reads such a range exactly as given. Executors therefore never
/// plan or see the file's record index; on arrival the scan is wrapped in an
/// [`ExactCsvSource`] again (without plans), so plans display the same on every
/// node.
#[derive(Debug)]
pub struct StrsPhysicalCodec {
    inner: Arc<dyn PhysicalExtensionCodec>,
}

impl Default for StrsPhysicalCodec {
    fn default() -> Self {
        StrsPhysicalCodec::new(Arc::new(BallistaPhysicalExtensionCodec::default()))
    }
}

impl StrsPhysicalCodec {
    /// Our codec in front of `inner`, which handles everything else.
    pub fn new(inner: Arc<dyn PhysicalExtensionCodec>) -> Self {
        StrsPhysicalCodec { inner }
    }
}

/// The scan configuration of an exact CSV scan, if `node` is one.
fn exact_scan(node: &dyn ExecutionPlan) -> Option<(&FileScanConfig, &ExactCsvSource)> {
    let config = node
        .downcast_ref::<DataSourceExec>()?
        .data_source()
        .downcast_ref::<FileScanConfig>()?;
    Some((config, config.file_source.downcast_ref::<ExactCsvSource>()?))
}

impl PhysicalExtensionCodec for StrsPhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let Some(scan) = ours(buf, TAG_SCAN) else {
            return self.inner.try_decode(buf, inputs, ctx, proto_converter);
        };
        let node = protobuf::PhysicalPlanNode::decode(scan).map_err(|e| decode_error("scan", e))?;
        let plan = node.try_into_physical_plan_with_converter(ctx, self, proto_converter)?;
        let config = plan
            .downcast_ref::<DataSourceExec>()
            .and_then(|exec| exec.data_source().downcast_ref::<FileScanConfig>())
            .ok_or_else(|| decode_error("scan", "not a file scan"))?;
        let csv = config
            .file_source
            .downcast_ref::<CsvSource>()
            .ok_or_else(|| decode_error("scan", "not a CSV scan"))?;
        let exact = ExactCsvSource::new(csv.clone(), Arc::default());
        let config = FileScanConfigBuilder::from(config.clone())
            .with_source(Arc::new(exact))
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        let Some((config, source)) = exact_scan(node.as_ref()) else {
            return self.inner.try_encode(node, buf, proto_converter);
        };
        let plain = FileScanConfigBuilder::from(config.clone())
            .with_source(Arc::new(source.csv_source().clone()))
            .build();
        let plain: Arc<dyn ExecutionPlan> = DataSourceExec::from_data_source(plain);
        let node =
            protobuf::PhysicalPlanNode::try_from_physical_plan_with_converter(plain, self, proto_converter)?;
        write_header(buf, TAG_SCAN);
        node.encode(buf)
            .map_err(|e| DataFusionError::Internal(format!("strs codec: {e}")))
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        match decode_udf(name, buf) {
            Some(found) => found,
            None => self.inner.try_decode_udf(name, buf),
        }
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        if is_strs_udf(node) {
            encode_udf(node, buf);
            Ok(())
        } else {
            self.inner.try_encode_udf(node, buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::physical_plan::{collect, displayable};
    use datafusion::prelude::{CsvReadOptions, SessionConfig, SessionContext};
    use datafusion_proto::bytes::{
        logical_plan_from_bytes_with_extension_codec, logical_plan_to_bytes_with_extension_codec,
    };
    use datafusion_proto::physical_plan::AsExecutionPlan;

    use super::*;

    const CSV: &str =
        "id,note\r\n1,\"two\nlines, a\"\r\n2,plain\n3,\"x\n4,fake\n\"\n4,\"say \"\"hi\"\"\"\n5,\n6,\"a,b\"\n";
    const SQL: &str =
        "SELECT id, strs_count(note, 'a', 'i') AS c, strs_split(note, '\n', ',') AS s FROM t ORDER BY id";

    async fn context(dir: &std::path::Path) -> SessionContext {
        let path = dir.join("t.csv");
        std::fs::write(&path, CSV).unwrap();
        let mut config = SessionConfig::new().with_target_partitions(3).with_batch_size(2);
        config.options_mut().optimizer.repartition_file_min_size = 1;
        let ctx = SessionContext::new_with_config(config);
        crate::register(&ctx).unwrap();
        crate::cluster::register_csv(&ctx, "t", path.to_str().unwrap(), CsvReadOptions::new())
            .await
            .unwrap();
        ctx
    }

    #[tokio::test]
    async fn physical_plan_round_trips_with_its_exact_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path()).await;
        let plan = ctx.sql(SQL).await.unwrap().create_physical_plan().await.unwrap();
        let shown = displayable(plan.as_ref()).indent(true).to_string();
        assert!(shown.contains("exact_ranges=true"), "{shown}");
        // Three ranges of the one file, cut at true record starts.
        assert_eq!(shown.matches("t.csv:").count(), 3, "{shown}");

        let codec = StrsPhysicalCodec::default();
        let node = protobuf::PhysicalPlanNode::try_from_physical_plan(Arc::clone(&plan), &codec).unwrap();
        let bytes = node.encode_to_vec();
        // A fresh session that never planned the file, as on an executor.
        let executor = SessionContext::new();
        let decoded = protobuf::PhysicalPlanNode::decode(bytes.as_slice())
            .unwrap()
            .try_into_physical_plan(&executor.task_ctx(), &codec)
            .unwrap();
        assert_eq!(displayable(decoded.as_ref()).indent(true).to_string(), shown);

        let want = pretty_format_batches(&collect(plan, ctx.task_ctx()).await.unwrap())
            .unwrap()
            .to_string();
        let got = pretty_format_batches(&collect(decoded, executor.task_ctx()).await.unwrap())
            .unwrap()
            .to_string();
        assert_eq!(got, want);
        assert!(want.contains("| 3  | 1 | [x, 4, fake, ]"), "{want}");
    }

    #[tokio::test]
    async fn logical_plan_carries_the_exact_table_and_functions() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path()).await;
        let plan = ctx.sql(SQL).await.unwrap().into_unoptimized_plan();
        let codec = StrsLogicalCodec::default();
        let bytes = logical_plan_to_bytes_with_extension_codec(&plan, &codec).unwrap();
        // The scheduler's session knows neither the table nor the functions.
        let scheduler = SessionContext::new();
        let decoded =
            logical_plan_from_bytes_with_extension_codec(&bytes, &scheduler.task_ctx(), &codec).unwrap();
        let physical = scheduler.state().create_physical_plan(&decoded).await.unwrap();
        let shown = displayable(physical.as_ref()).indent(true).to_string();
        assert!(shown.contains("exact_ranges=true"), "{shown}");
        let want = pretty_format_batches(&ctx.sql(SQL).await.unwrap().collect().await.unwrap())
            .unwrap()
            .to_string();
        let got = pretty_format_batches(&collect(physical, scheduler.task_ctx()).await.unwrap())
            .unwrap()
            .to_string();
        assert_eq!(got, want);
    }

    #[test]
    fn foreign_bytes_are_never_ours() {
        assert_eq!(ours(b"STRS\x01abc", TAG_TABLE), Some(&b"abc"[..]));
        assert_eq!(ours(b"STRS\x02abc", TAG_TABLE), None);
        assert_eq!(ours(b"\x0a\x03STRS", TAG_TABLE), None);
        assert!(decode_udf("strs_split", b"").is_none());
        assert!(decode_udf("strs_split", b"STRS\x03strs_count").unwrap().is_err());
        assert_eq!(
            decode_udf("strs_count", b"STRS\x03strs_count")
                .unwrap()
                .unwrap()
                .name(),
            "strs_count"
        );
    }
}
