//! Running the exact CSV scan and the `strs_*` functions on an
//! [Apache Ballista](https://datafusion.apache.org/ballista/) cluster.
//!
//! Ballista's stock scheduler and executors know nothing of [`ExactCsvFormat`](crate::ExactCsvFormat)
//! or of `strs_split`/`strs_count`. This module gives them:
//!
//! * [`StrsLogicalCodec`] and [`StrsPhysicalCodec`], Ballista extension codecs
//!   that carry [`ExactCsvTable`]s, the exact scan and the functions, and hand
//!   everything else to Ballista's own codecs;
//! * [`Scheduler`] and [`executor_config`]/[`run_executor`], the processes
//!   `strs-sql scheduler` and `strs-sql executor` run, with the codecs and
//!   functions registered;
//! * [`connect`] and [`register_csv`], the client side.
//!
//! The scheduler plans the job, so it is where a file's exact ranges are found:
//! it reads the file from its path, and so do the executors that scan it and
//! the client that infers its schema. Every node must see the files at the same
//! path (a shared or replicated file system). The ranges then travel to the
//! executors as ordinary file ranges.
//!
//! # Example
//!
//! One scheduler and one executor in this process, and a query through them:
//!
//! ```no_run
//! # #[tokio::main] async fn main() -> datafusion::error::Result<()> {
//! use datafusion::prelude::CsvReadOptions;
//! use strs_datafusion::cluster;
//!
//! let scheduler = cluster::Scheduler::bind("127.0.0.1:0".parse().unwrap()).await?;
//! let executor = cluster::executor_config(scheduler.addr(), "127.0.0.1:0".parse().unwrap(), 2, None);
//! tokio::spawn(cluster::run_executor(executor));
//! let ctx = cluster::connect(&scheduler.url(), cluster::client_config()).await?;
//! cluster::register_csv(&ctx, "t", "/shared/data.csv", CsvReadOptions::new()).await?;
//! let batches = ctx.sql("SELECT count(*) AS n FROM t").await?.collect().await?;
//! assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
//! # Ok(()) }
//! ```

mod codec;
mod table;

use std::net::SocketAddr;
use std::sync::Arc;

use ballista::prelude::SessionContextExt;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::extension::SessionConfigExt;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::task_status;
use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion::datasource::listing::{ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{FunctionRegistry, SessionState, SessionStateBuilder};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{CsvReadOptions, SessionConfig, SessionContext};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use codec::{StrsLogicalCodec, StrsPhysicalCodec};
pub use table::ExactCsvTable;

use crate::{StrsCount, StrsSplit};

fn ballista_error(e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::External(e.to_string().into())
}

/// Ballista's session configuration with [`StrsLogicalCodec`] and
/// [`StrsPhysicalCodec`]: the configuration of every client, scheduler and
/// executor session.
///
/// ```
/// use ballista::prelude::SessionConfigExt;
///
/// let config = strs_datafusion::cluster::client_config();
/// let codec = format!("{:?}", config.ballista_physical_extension_codec());
/// assert!(codec.starts_with("StrsPhysicalCodec"), "{codec}");
/// ```
pub fn client_config() -> SessionConfig {
    SessionConfig::new_with_ballista()
        .with_ballista_logical_extension_codec(Arc::new(StrsLogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(StrsPhysicalCodec::default()))
}

/// The session the scheduler plans a job in (and executors run tasks in):
/// Ballista's default session for `config`, with `strs_split` and `strs_count`.
///
/// # Errors
///
/// Those of Ballista's session builder (an invalid runtime configuration).
pub fn session_state(config: SessionConfig) -> Result<SessionState> {
    let mut state = default_session_builder(config)?;
    state.register_udf(Arc::new(StrsSplit::udf()))?;
    state.register_udf(Arc::new(StrsCount::udf()))?;
    Ok(state)
}

/// A client session on the cluster whose scheduler listens at `url`
/// (`df://HOST:PORT`), with [`crate::register`] applied. Tables registered with
/// [`register_csv`] are read with the exact scan on the cluster.
///
/// # Errors
///
/// An invalid URL. The scheduler is first contacted by the first query.
pub async fn connect(url: &str, config: SessionConfig) -> Result<SessionContext> {
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build();
    let ctx = SessionContext::remote_with_state(url, state).await?;
    crate::register(&ctx)?;
    Ok(ctx)
}

/// Registers the CSV file or directory `path` as the table `name` for queries
/// on a cluster: [`crate::register_csv`]'s table (the exact format, the same
/// options), wrapped in an [`ExactCsvTable`] so that [`StrsLogicalCodec`] can
/// send it to the scheduler. The schema is inferred here, from `path`, unless
/// `options` gives it.
///
/// # Errors
///
/// An invalid path, an unreadable file, a schema that cannot be inferred, or
/// table partition columns (which the cluster codec does not carry).
pub async fn register_csv(
    ctx: &SessionContext,
    name: &str,
    path: &str,
    options: CsvReadOptions<'_>,
) -> Result<()> {
    let listing = crate::exact_listing_options(ctx, &options);
    let config = ListingTableConfig::new(ListingTableUrl::parse(path)?).with_listing_options(listing);
    let config = match options.schema {
        Some(schema) => config.with_schema(Arc::new(schema.to_owned())),
        None => config.infer_schema(&ctx.state()).await?,
    };
    let table = ExactCsvTable::new(ListingTable::try_new(config)?)?;
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}

/// A Ballista scheduler with the codecs and functions registered, serving on a
/// bound listener until it is dropped or [`Scheduler::stop`]ped.
pub struct Scheduler {
    addr: SocketAddr,
    cluster: BallistaCluster,
    server: JoinHandle<()>,
}

/// Where one task of a job ran, from the scheduler's record of the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPlacement {
    /// The job's id.
    pub job_id: String,
    /// The stage the task belongs to.
    pub stage_id: usize,
    /// Does the stage scan files (hold a `DataSourceExec`)?
    pub scans: bool,
    /// The executor that ran the task (or is running it).
    pub executor_id: String,
}

fn scans_files(plan: &dyn ExecutionPlan) -> bool {
    plan.downcast_ref::<DataSourceExec>().is_some() || plan.children().iter().any(|c| scans_files(c.as_ref()))
}

impl Scheduler {
    /// The scheduler configuration `strs-sql scheduler` uses: Ballista's
    /// defaults except that executors pull their tasks (so the scheduler never
    /// connects to them), the codecs, and [`session_state`] as the session of
    /// every job.
    pub fn config(bind: SocketAddr) -> SchedulerConfig {
        SchedulerConfig {
            bind_host: bind.ip().to_string(),
            external_host: bind.ip().to_string(),
            bind_port: bind.port(),
            scheduling_policy: TaskSchedulingPolicy::PullStaged,
            override_logical_codec: Some(Arc::new(StrsLogicalCodec::default())),
            override_physical_codec: Some(Arc::new(StrsPhysicalCodec::default())),
            override_session_builder: Some(Arc::new(session_state)),
            override_config_producer: Some(Arc::new(client_config)),
            ..SchedulerConfig::default()
        }
    }

    /// Binds `bind` (port 0 picks a free port) and serves with
    /// [`Scheduler::config`].
    ///
    /// # Errors
    ///
    /// The address cannot be bound, or Ballista rejects the configuration.
    pub async fn bind(bind: SocketAddr) -> Result<Scheduler> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        Scheduler::serve(listener, Scheduler::config(addr)).await
    }

    /// Serves on `listener` with `config`.
    ///
    /// # Errors
    ///
    /// Ballista rejects the configuration.
    pub async fn serve(listener: TcpListener, config: SchedulerConfig) -> Result<Scheduler> {
        let addr = listener.local_addr()?;
        config.validate().map_err(ballista_error)?;
        let cluster = BallistaCluster::new_from_config(&config)
            .await
            .map_err(ballista_error)?;
        let server = create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster.clone(), Arc::new(config))
            .await
            .map_err(ballista_error)?;
        let server = tokio::spawn(async move {
            if let Err(e) = start_grpc_service_with_listener(listener, server).await {
                log::error!("scheduler stopped: {e}");
            }
        });
        Ok(Scheduler {
            addr,
            cluster,
            server,
        })
    }

    /// The address the scheduler listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL clients [`connect`] to: `df://HOST:PORT`.
    pub fn url(&self) -> String {
        format!("df://{}", self.addr)
    }

    /// Every task of every finished job the scheduler still remembers, with
    /// the executor that ran it.
    ///
    /// # Errors
    ///
    /// Those of the scheduler's job state.
    pub async fn task_placement(&self) -> Result<Vec<TaskPlacement>> {
        let jobs = self.cluster.job_state();
        let mut placement = Vec::new();
        for job_id in jobs.get_all_jobs().await.map_err(ballista_error)? {
            let Some(graph) = jobs.get_execution_graph(&job_id).await.map_err(ballista_error)? else {
                continue;
            };
            for (stage_id, stage) in graph.stages() {
                let scans = scans_files(stage.plan());
                for task in stage.task_infos().unwrap_or_default() {
                    let executor_id = match &task.task_status {
                        task_status::Status::Running(t) => &t.executor_id,
                        task_status::Status::Successful(t) => &t.executor_id,
                        task_status::Status::Failed(_) => continue,
                    };
                    placement.push(TaskPlacement {
                        job_id: job_id.to_string(),
                        stage_id: *stage_id,
                        scans,
                        executor_id: executor_id.clone(),
                    });
                }
            }
        }
        Ok(placement)
    }

    /// Stops serving.
    pub fn stop(&self) {
        self.server.abort();
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The functions every executor knows: Ballista's and `strs_split`/`strs_count`.
///
/// # Errors
///
/// Those of [`session_state`].
pub fn function_registry() -> Result<BallistaFunctionRegistry> {
    Ok((&session_state(client_config())?).into())
}

/// How often executors tell the scheduler they are alive.
pub const EXECUTOR_HEARTBEAT_SECONDS: u64 = 5;

/// The executor configuration `strs-sql executor` uses: connect to the
/// scheduler at `scheduler` and pull tasks from it, serve shuffle data (Arrow
/// Flight) on `bind`, run `concurrent_tasks` tasks at a time (`0`: one per
/// core), keep shuffle files in `work_dir` (a fresh temporary directory when
/// `None`) and send a heartbeat every [`EXECUTOR_HEARTBEAT_SECONDS`].
pub fn executor_config(
    scheduler: SocketAddr,
    bind: SocketAddr,
    concurrent_tasks: usize,
    work_dir: Option<String>,
) -> ExecutorProcessConfig {
    let mut config = ExecutorProcessConfig {
        bind_host: bind.ip().to_string(),
        // Bound to every interface: the scheduler records the address the
        // executor connected from instead.
        external_host: (!bind.ip().is_unspecified()).then(|| bind.ip().to_string()),
        port: bind.port(),
        grpc_port: bind.port().wrapping_add(1),
        scheduler_host: scheduler.ip().to_string(),
        scheduler_port: scheduler.port(),
        vcores: concurrent_tasks,
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        work_dir,
        print_thread_info: false,
        executor_heartbeat_interval_seconds: EXECUTOR_HEARTBEAT_SECONDS,
        ..ExecutorProcessConfig::default()
    };
    config.override_logical_codec = Some(Arc::new(StrsLogicalCodec::default()));
    config.override_physical_codec = Some(Arc::new(StrsPhysicalCodec::default()));
    config.override_config_producer = Some(Arc::new(client_config));
    config
}

/// Runs an executor until SIGINT or SIGTERM (it then tells the scheduler,
/// lets its running tasks finish, and returns), or until the scheduler stops
/// it.
///
/// # Errors
///
/// An invalid configuration, an address that cannot be bound, or a scheduler
/// that cannot be reached.
pub async fn run_executor(mut config: ExecutorProcessConfig) -> Result<()> {
    config.override_function_registry = Some(Arc::new(function_registry()?));
    start_executor_process(Arc::new(config))
        .await
        .map_err(ballista_error)
}
