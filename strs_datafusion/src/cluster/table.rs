//! [`ExactCsvTable`]: a listing table in the exact CSV format that the cluster
//! codec can send to a scheduler.

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Constraints, Statistics};
use datafusion::datasource::listing::ListingTable;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::{Expr, LogicalPlan, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;

use crate::ExactCsvFormat;

/// A [`ListingTable`] read with [`ExactCsvFormat`], as a table of its own type.
///
/// DataFusion's plan serialisation writes every `ListingTable` itself and knows
/// only its built-in formats; this wrapper is serialised by
/// [`StrsLogicalCodec`](super::StrsLogicalCodec) instead (paths, CSV options,
/// schema, file extension), so a Ballista scheduler receives the exact format.
/// Everything else is the listing table's.
#[derive(Debug)]
pub struct ExactCsvTable {
    inner: ListingTable,
}

impl ExactCsvTable {
    /// Wraps `inner`.
    ///
    /// # Errors
    ///
    /// `inner` is not read with [`ExactCsvFormat`].
    pub fn new(inner: ListingTable) -> Result<Self> {
        if inner.options().format.downcast_ref::<ExactCsvFormat>().is_none() {
            return Err(DataFusionError::Plan(
                "an ExactCsvTable must be read with ExactCsvFormat".into(),
            ));
        }
        Ok(ExactCsvTable { inner })
    }

    /// The listing table.
    pub fn listing(&self) -> &ListingTable {
        &self.inner
    }
}

#[async_trait]
impl TableProvider for ExactCsvTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.inner.constraints()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn get_logical_plan(&self) -> Option<Cow<'_, LogicalPlan>> {
        self.inner.get_logical_plan()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.inner.scan(state, projection, filters, limit).await
    }

    fn supports_filters_pushdown(&self, filters: &[&Expr]) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    fn statistics(&self) -> Option<Statistics> {
        self.inner.statistics()
    }
}
