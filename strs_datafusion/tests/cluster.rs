//! The exact scan and the strs functions on a Ballista cluster: one scheduler
//! and three executors in this process (shuffles forced over the network), and
//! the real `strs-sql` processes on 127.0.0.1.

#[path = "it/common.rs"]
#[allow(dead_code)]
mod common;

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ballista::prelude::SessionConfigExt;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::serde::BallistaCodec;
use ballista_executor::new_standalone_executor_from_builder;
use datafusion::prelude::{CsvReadOptions, SessionConfig, SessionContext};
use strs_datafusion::cluster::{self, StrsLogicalCodec, StrsPhysicalCodec};

use common::{hostile_csv, table, write_file};

const ROWS: usize = 3000;
/// The queries of the single-machine tests, a GROUP BY whose shuffle crosses
/// executors, and the functions.
const QUERIES: [&str; 4] = [
    "SELECT * FROM t ORDER BY id",
    "SELECT count(*), count(note), sum(n), sum(CAST(round(score * 100) AS BIGINT)), min(day), max(day), sum(length(note)) FROM t",
    "SELECT n % 7 AS k, count(*) AS rows, sum(length(note)) AS len, max(id) AS last FROM t GROUP BY n % 7 ORDER BY k",
    "SELECT id, strs_split(note, '\n', ',') AS pieces, strs_count(note, 'i', '\"') AS c FROM t ORDER BY id",
];

fn small_partitions(config: SessionConfig, partitions: usize) -> SessionConfig {
    let mut config = config
        .with_target_partitions(partitions)
        .with_repartition_file_scans(true)
        .with_batch_size(256);
    config.options_mut().optimizer.repartition_file_min_size = 1;
    config
}

/// The single-machine answers: the exact scan on one process.
async fn local_answers(path: &str) -> Vec<String> {
    let ctx = SessionContext::new_with_config(small_partitions(SessionConfig::new(), 4));
    strs_datafusion::register(&ctx).unwrap();
    strs_datafusion::register_csv(&ctx, "t", path, CsvReadOptions::new())
        .await
        .unwrap();
    let mut answers = Vec::new();
    for sql in QUERIES {
        answers.push(table(&ctx, sql).await.unwrap());
    }
    // The exact scan agrees with DataFusion's own reader (newlines_in_values).
    let stock = SessionContext::new();
    let schema = strs_datafusion::infer_csv_schema(&stock, path, CsvReadOptions::new())
        .await
        .unwrap();
    stock
        .register_csv(
            "t",
            path,
            CsvReadOptions::new().schema(&schema).newlines_in_values(true),
        )
        .await
        .unwrap();
    assert_eq!(table(&stock, QUERIES[0]).await.unwrap(), answers[0]);
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn loopback_cluster_gives_the_single_machine_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 11));
    let want = local_answers(&path).await;

    let scheduler = cluster::Scheduler::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    for _ in 0..3 {
        let client = SchedulerGrpcClient::connect(format!("http://{}", scheduler.addr()))
            .await
            .unwrap();
        let runtime = SessionContext::new().runtime_env();
        new_standalone_executor_from_builder(
            client,
            1,
            Arc::new(cluster::client_config),
            Arc::new(move |_| Ok(Arc::clone(&runtime))),
            BallistaCodec::new(
                Arc::new(StrsLogicalCodec::default()),
                Arc::new(StrsPhysicalCodec::default()),
            ),
            cluster::function_registry().unwrap(),
        )
        .await
        .unwrap();
    }

    let config =
        small_partitions(cluster::client_config(), 4).with_ballista_shuffle_reader_force_remote_read(true);
    let ctx = cluster::connect(&scheduler.url(), config).await.unwrap();
    cluster::register_csv(&ctx, "t", &path, CsvReadOptions::new())
        .await
        .unwrap();
    for (sql, want) in QUERIES.iter().zip(&want) {
        assert_eq!(&table(&ctx, sql).await.unwrap(), want, "{sql}");
    }

    let placement = scheduler.task_placement().await.unwrap();
    let scan_executors: BTreeSet<&str> = placement
        .iter()
        .filter(|t| t.scans)
        .map(|t| t.executor_id.as_str())
        .collect();
    assert!(
        scan_executors.len() >= 2,
        "the scan ran on {scan_executors:?}: {placement:?}"
    );
}

// The real processes.

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Two consecutive free ports (an executor's Flight port and its gRPC port).
fn free_port_pair() -> u16 {
    loop {
        let port = free_port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

struct Process(Child);

impl Process {
    fn start(args: &[&str]) -> Process {
        let child = Command::new(env!("CARGO_BIN_EXE_strs-sql"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start strs-sql");
        Process(child)
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit by itself.
    fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.0.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn wait_for_port(addr: SocketAddr) {
    let start = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "nothing listens on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn strs_sql(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strs-sql"))
        .args(args)
        .output()
        .expect("run strs-sql")
}

/// A scheduler and three executors as processes, each executor running one
/// task at a time.
fn start_cluster() -> (SocketAddr, Process, Vec<Process>) {
    let scheduler: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let sched = Process::start(&[
        "scheduler",
        "--bind",
        &scheduler.to_string(),
        "--executor-timeout",
        "10",
    ]);
    wait_for_port(scheduler);
    let mut executors = Vec::new();
    for _ in 0..3 {
        let bind: SocketAddr = format!("127.0.0.1:{}", free_port_pair()).parse().unwrap();
        let process = Process::start(&[
            "executor",
            "--scheduler",
            &scheduler.to_string(),
            "--bind",
            &bind.to_string(),
            "--concurrent-tasks",
            "1",
        ]);
        wait_for_port(bind);
        executors.push(process);
    }
    (scheduler, sched, executors)
}

#[test]
fn real_processes_print_the_local_output_and_stop_on_signals() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(ROWS, 12));
    let table = format!("t={path}");
    let (scheduler, mut sched, executors) = start_cluster();
    let url = format!("df://{scheduler}");
    // CSV cannot hold strs_split's lists: that query prints JSON lines.
    for (sql, format) in [(QUERIES[1], "csv"), (QUERIES[2], "csv"), (QUERIES[3], "json")] {
        let local = strs_sql(&["--table", &table, "--partitions", "4", "--format", format, sql]);
        let remote = strs_sql(&[
            "--cluster",
            &url,
            "--table",
            &table,
            "--partitions",
            "4",
            "--format",
            format,
            sql,
        ]);
        assert!(
            remote.status.success(),
            "{}",
            String::from_utf8_lossy(&remote.stderr)
        );
        assert!(local.status.success());
        assert_eq!(
            String::from_utf8_lossy(&remote.stdout),
            String::from_utf8_lossy(&local.stdout),
            "{sql}"
        );
    }
    for (signal, mut executor) in ["INT", "TERM", "TERM"].into_iter().zip(executors) {
        executor.signal(signal);
        let status = executor.wait(Duration::from_secs(30));
        assert!(status.is_some(), "an executor ignored SIG{signal}");
    }
    sched.signal("TERM");
    let status = sched
        .wait(Duration::from_secs(10))
        .expect("the scheduler ignored SIGTERM");
    assert!(status.success(), "{status:?}");
}

/// Kills one of three executors (SIGKILL: no goodbye to the scheduler) while a
/// query runs. Ballista runs the lost executor's tasks again elsewhere once the
/// scheduler declares it lost (here after 10 s without a heartbeat), and
/// recomputes shuffle output that lived on it: the query completes with the
/// single-machine answer.
#[test]
fn a_killed_executor_is_replaced_and_the_answer_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "hostile.csv", &hostile_csv(400_000, 13));
    let table = format!("t={path}");
    let sql = QUERIES[2];
    let local = strs_sql(&["--table", &table, "--partitions", "6", sql]);
    assert!(local.status.success());

    let (scheduler, _sched, executors) = start_cluster();
    let url = format!("df://{scheduler}");
    let mut client = Command::new(env!("CARGO_BIN_EXE_strs-sql"))
        .args(["--cluster", &url, "--table", &table, "--partitions", "6", sql])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill an executor once the job has started (its scan tasks take longer
    // than this on any machine that builds the test).
    std::thread::sleep(Duration::from_millis(700));
    if client.try_wait().unwrap().is_some() {
        let out = client.wait_with_output().unwrap();
        panic!(
            "the query ended before an executor could be killed: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    executors[0].signal("KILL");
    let start = Instant::now();
    while client.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the query neither finished nor failed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = client.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the query failed: {stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&local.stdout)
    );
}
