//! SQL over large CSV files with exact parallel scans, and `strs_tools`' split
//! and search as SQL functions, on [Apache DataFusion](https://datafusion.apache.org).
//!
//! DataFusion reads one large CSV file in parallel by cutting it into byte ranges
//! at the next newline. A newline inside a quoted field then starts a false
//! record, so with `newlines_in_values` on DataFusion reads each file on one core,
//! and with it off it silently returns wrong rows for such files. This crate's
//! [`ExactCsvFormat`] cuts every file at true record starts, found by the
//! `strs_tools` CSV parser, so every file is read in parallel and every row is
//! right.
//!
//! * [`register`] makes a [`SessionContext`] use the exact format for
//!   `CREATE EXTERNAL TABLE … STORED AS CSV` and registers [`StrsSplit`] and
//!   [`StrsCount`];
//! * [`register_csv`] registers one file (or directory) as a table, with
//!   DataFusion's [`CsvReadOptions`].
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> datafusion::error::Result<()> {
//! use datafusion::prelude::{CsvReadOptions, SessionContext};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("notes.csv");
//! std::fs::write(&path, "id,note\n1,\"two\nlines\"\n2,plain\n")?;
//!
//! let ctx = SessionContext::new();
//! strs_datafusion::register(&ctx)?;
//! strs_datafusion::register_csv(&ctx, "notes", path.to_str().unwrap(), CsvReadOptions::new()).await?;
//! let batches = ctx
//!     .sql("SELECT id, strs_count(note, 'l') AS ls FROM notes ORDER BY id")
//!     .await?
//!     .collect()
//!     .await?;
//! let expected = ["+----+----+", "| id | ls |", "+----+----+", "| 1  | 1  |", "| 2  | 1  |", "+----+----+"];
//! datafusion::assert_batches_eq!(expected, &batches);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod cluster;
mod format;
mod functions;
mod plan;
mod source;

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTableUrl};
use datafusion::error::Result;
use datafusion::execution::options::ReadOptions;
use datafusion::prelude::{CsvReadOptions, SessionContext};

pub use format::{ExactCsvFormat, ExactCsvFormatFactory};
pub use functions::{StrsCount, StrsSplit};
pub use source::ExactCsvSource;

/// Registers `strs_split` and `strs_count`, and makes `CREATE EXTERNAL TABLE …
/// STORED AS CSV` (and listing tables created through the session's `csv`
/// format) use [`ExactCsvFormat`].
///
/// # Errors
///
/// None in practice: the result is that of DataFusion's format registration.
pub fn register(ctx: &SessionContext) -> Result<()> {
    ctx.register_udf(StrsSplit::udf());
    ctx.register_udf(StrsCount::udf());
    ctx.state_ref()
        .write()
        .register_file_format(Arc::new(ExactCsvFormatFactory::new()), true)
}

/// The schema [`ExactCsvFormat`] infers for the CSV file or directory `path`:
/// DataFusion's inference and type rules, on records cut at true record starts.
/// Hand it to DataFusion's own reader (`CsvReadOptions::schema`) to read the same
/// file both ways.
///
/// # Errors
///
/// An invalid path, an unreadable file, or a schema that cannot be inferred.
pub async fn infer_csv_schema(
    ctx: &SessionContext,
    path: &str,
    options: CsvReadOptions<'_>,
) -> Result<SchemaRef> {
    let listing = exact_listing_options(ctx, &options);
    listing
        .infer_schema(&ctx.state(), &ListingTableUrl::parse(path)?)
        .await
}

pub(crate) fn exact_listing_options(ctx: &SessionContext, options: &CsvReadOptions<'_>) -> ListingOptions {
    let mut listing = options.to_listing_options(&ctx.copied_config(), ctx.copied_table_options());
    if let Some(csv) = listing.format.downcast_ref::<CsvFormat>() {
        listing.format = Arc::new(ExactCsvFormat::new(csv.options().clone()));
    }
    listing
}

/// Registers the CSV file or directory `path` as the table `name`, read with
/// [`ExactCsvFormat`] and DataFusion's CSV `options` (header, delimiter, quote,
/// escape, terminator, comment, compression, schema, `schema_infer_max_records`,
/// file extension). A schema given in `options` skips inference.
///
/// # Errors
///
/// An invalid path, an unreadable file, or a file whose schema cannot be
/// inferred.
pub async fn register_csv(
    ctx: &SessionContext,
    name: &str,
    path: &str,
    options: CsvReadOptions<'_>,
) -> Result<()> {
    let listing = exact_listing_options(ctx, &options);
    ctx.register_listing_table(
        name,
        path,
        listing,
        options.schema.map(|s| Arc::new(s.to_owned())),
        None,
    )
    .await
}
