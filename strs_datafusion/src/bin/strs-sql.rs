//! `strs-sql`: SQL over CSV files with exact parallel scans, on DataFusion.
//!
//! `strs-sql [--table NAME=PATH]… [--no-header] [--delimiter C] [--partitions N]
//! [--reader exact|datafusion] [--format csv|json|table] "SQL"` prints the result
//! (CSV with a header by default) and exits 2 with one line on any error.
//! `--cluster df://HOST:PORT` runs the query on a Ballista cluster started with
//! `strs-sql scheduler --bind HOST:PORT` and `strs-sql executor --scheduler
//! HOST:PORT [--bind HOST:PORT] [--concurrent-tasks N] [--work-dir DIR]`
//! (docs/cluster.md).

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use std::sync::Arc;

use clap::{Parser, ValueEnum};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::cast;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::json::LineDelimitedWriter;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::{CsvReadOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use strs_datafusion::cluster;

/// More partitions than this is a typing error, not a plan: each one costs
/// buffers and tasks.
const MAX_PARTITIONS: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Reader {
    /// Ranges cut at true record starts (strs_datafusion).
    Exact,
    /// DataFusion's own reader with `newlines_in_values` on, given the exact
    /// schema.
    Datafusion,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Csv,
    Json,
    Table,
}

/// SQL over CSV files: exact parallel scans, and the strs_split/strs_count
/// functions.
#[derive(Parser, Debug)]
#[command(name = "strs-sql", version)]
struct Args {
    /// Register the CSV file or directory PATH as table NAME (repeatable).
    #[arg(long = "table", value_name = "NAME=PATH")]
    tables: Vec<String>,
    /// The files have no header line (columns are named column_1, column_2, …).
    #[arg(long)]
    no_header: bool,
    /// The field delimiter, one byte.
    #[arg(long, default_value = ",", value_name = "C")]
    delimiter: String,
    /// Target partitions (threads) for the query, at most 4096; 0 means one per core.
    #[arg(long, default_value_t = 0, value_name = "N")]
    partitions: usize,
    /// Which CSV reader scans the tables.
    #[arg(long, value_enum, default_value_t = Reader::Exact)]
    reader: Reader,
    /// Output format: CSV with a header, JSON lines, or a table.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Run the query on the Ballista cluster whose scheduler is at
    /// df://HOST:PORT (every node must see the table paths).
    #[arg(long, value_name = "df://HOST:PORT")]
    cluster: Option<String>,
    /// The query.
    sql: String,
}

/// `strs-sql scheduler` and `strs-sql executor`: the cluster's processes.
#[derive(Parser, Debug)]
#[command(name = "strs-sql", version)]
enum Process {
    /// Run a Ballista scheduler with the exact CSV scan and the strs functions.
    Scheduler {
        /// The address to listen on.
        #[arg(long, default_value = "0.0.0.0:50050", value_name = "HOST:PORT")]
        bind: SocketAddr,
        /// Seconds without a heartbeat after which an executor is declared
        /// lost and its tasks are run again elsewhere.
        #[arg(long, default_value_t = 180, value_name = "SECS")]
        executor_timeout: u64,
    },
    /// Run a Ballista executor with the exact CSV scan and the strs functions.
    Executor {
        /// The scheduler's address.
        #[arg(long, value_name = "HOST:PORT")]
        scheduler: String,
        /// The address of this executor's shuffle (Arrow Flight) service; its
        /// gRPC service takes the next port.
        #[arg(long, default_value = "0.0.0.0:50051", value_name = "HOST:PORT")]
        bind: SocketAddr,
        /// Tasks run at once; 0 means one per core.
        #[arg(long, default_value_t = 0, value_name = "N")]
        concurrent_tasks: usize,
        /// Where shuffle files are kept (a fresh temporary directory by default).
        #[arg(long, value_name = "DIR")]
        work_dir: Option<String>,
    },
}

fn main() -> ExitCode {
    if matches!(std::env::args().nth(1).as_deref(), Some("scheduler" | "executor")) {
        return match Process::try_parse() {
            Ok(process) => block_on(run_process(process)),
            Err(e) => usage(e),
        };
    }
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => return usage(e),
    };
    block_on(run(args))
}

fn usage(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
    ) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let msg = e.to_string();
    let first = msg
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments");
    eprintln!("strs-sql: {}", first.trim_start_matches("error: "));
    ExitCode::from(2)
}

fn block_on(run: impl std::future::Future<Output = Result<()>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&DataFusionError::IoError(e)),
    };
    match runtime.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// SIGINT or SIGTERM.
async fn stop_signal() -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

async fn run_process(process: Process) -> Result<()> {
    match process {
        Process::Scheduler {
            bind,
            executor_timeout,
        } => {
            let listener = tokio::net::TcpListener::bind(bind).await?;
            let mut config = cluster::Scheduler::config(listener.local_addr()?);
            config.executor_timeout_seconds = executor_timeout.max(1);
            config.expire_dead_executor_interval_seconds = (executor_timeout / 2).clamp(1, 15);
            let scheduler = cluster::Scheduler::serve(listener, config).await?;
            eprintln!("strs-sql: scheduler listening on {}", scheduler.addr());
            stop_signal().await?;
            scheduler.stop();
            Ok(())
        }
        Process::Executor {
            scheduler,
            bind,
            concurrent_tasks,
            work_dir,
        } => {
            let scheduler = tokio::net::lookup_host(&scheduler)
                .await
                .map_err(|e| DataFusionError::Configuration(format!("--scheduler {scheduler}: {e}")))?
                .next()
                .ok_or_else(|| {
                    DataFusionError::Configuration(format!("--scheduler {scheduler}: no address"))
                })?;
            // Ballista's executor stops itself on SIGINT and SIGTERM, after
            // telling the scheduler and letting its running tasks finish.
            cluster::run_executor(cluster::executor_config(
                scheduler,
                bind,
                concurrent_tasks,
                work_dir,
            ))
            .await
        }
    }
}

fn fail(e: &DataFusionError) -> ExitCode {
    let msg = e.to_string().replace('\n', " ");
    eprintln!("strs-sql: {msg}");
    ExitCode::from(2)
}

fn is_broken_pipe(e: &DataFusionError) -> bool {
    match e {
        DataFusionError::IoError(io) => io.kind() == io::ErrorKind::BrokenPipe,
        DataFusionError::ArrowError(a, _) => a.to_string().contains("Broken pipe"),
        DataFusionError::Context(_, inner) => is_broken_pipe(inner),
        _ => false,
    }
}

/// CSV has no lists or structs: such columns are written as their text form
/// (`[a, b]`), as the table format shows them.
fn flatten_nested(batch: RecordBatch) -> Result<RecordBatch> {
    if !batch.schema().fields().iter().any(|f| f.data_type().is_nested()) {
        return Ok(batch);
    }
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if field.data_type().is_nested() {
            columns.push(cast(column, &DataType::Utf8)?);
            fields.push(Field::new(field.name(), DataType::Utf8, true));
        } else {
            columns.push(Arc::clone(column));
            fields.push(field.as_ref().clone());
        }
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}

async fn run(args: Args) -> Result<()> {
    let delimiter = match args.delimiter.as_bytes() {
        [b] => *b,
        _ => {
            return Err(DataFusionError::Configuration(format!(
                "--delimiter must be one byte, got {:?}",
                args.delimiter
            )))
        }
    };
    if args.partitions > MAX_PARTITIONS {
        return Err(DataFusionError::Configuration(format!(
            "--partitions must be at most {MAX_PARTITIONS}, got {}",
            args.partitions
        )));
    }
    let mut config = match &args.cluster {
        Some(_) => cluster::client_config(),
        None => SessionConfig::new(),
    };
    if args.partitions > 0 {
        config = config.with_target_partitions(args.partitions);
    }
    let ctx = match &args.cluster {
        Some(url) => {
            if args.reader == Reader::Datafusion {
                return Err(DataFusionError::Configuration(
                    "--reader datafusion runs locally only; drop --cluster or --reader".into(),
                ));
            }
            cluster::connect(url, config).await?
        }
        None => {
            let ctx = SessionContext::new_with_config(config);
            strs_datafusion::register(&ctx)?;
            ctx
        }
    };
    for table in &args.tables {
        let Some((name, path)) = table.split_once('=') else {
            return Err(DataFusionError::Configuration(format!(
                "--table takes NAME=PATH, got {table:?}"
            )));
        };
        if name.is_empty() || path.is_empty() {
            return Err(DataFusionError::Configuration(format!(
                "--table takes NAME=PATH, got {table:?}"
            )));
        }
        let meta = std::fs::metadata(path).map_err(|e| DataFusionError::Execution(format!("{path}: {e}")))?;
        // A single file is read whatever its extension; a directory's `.csv` files.
        let extension = if meta.is_dir() {
            ".csv".to_owned()
        } else {
            std::path::Path::new(path)
                .extension()
                .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()))
        };
        let options = CsvReadOptions::new()
            .has_header(!args.no_header)
            .delimiter(delimiter)
            .file_extension(&extension);
        match args.reader {
            Reader::Exact if args.cluster.is_some() => {
                cluster::register_csv(&ctx, name, path, options).await?
            }
            Reader::Exact => strs_datafusion::register_csv(&ctx, name, path, options).await?,
            Reader::Datafusion => {
                let schema = strs_datafusion::infer_csv_schema(&ctx, path, options.clone()).await?;
                ctx.register_csv(name, path, options.schema(&schema).newlines_in_values(true))
                    .await?;
            }
        }
    }
    let df = ctx.sql(&args.sql).await?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Table => {
            let batches = df.collect().await?;
            writeln!(out, "{}", pretty_format_batches(&batches)?)?;
        }
        Format::Csv => {
            let mut stream = df.execute_stream().await?;
            let mut writer = WriterBuilder::new().with_header(true).build(&mut out);
            while let Some(batch) = stream.next().await {
                writer.write(&flatten_nested(batch?)?)?;
            }
        }
        Format::Json => {
            let mut stream = df.execute_stream().await?;
            let mut writer = LineDelimitedWriter::new(&mut out);
            while let Some(batch) = stream.next().await {
                writer.write(&batch?)?;
            }
            writer.finish()?;
        }
    }
    out.flush()?;
    Ok(())
}
