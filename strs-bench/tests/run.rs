//! The whole harness at a tiny size, as a subprocess: it runs, every contestant
//! agrees (the harness asserts each answer), and it writes the table, bench.json
//! and bench.svg.

use std::process::Command;

#[test]
fn a_tiny_run_writes_the_table_the_json_and_the_plot() {
    let out = std::env::temp_dir().join(format!("strs-bench-run-{}", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_strs-bench"))
        .args(["--threads", "1,2", "--size", "64K", "--repeat", "1", "--out"])
        .arg(&out)
        .output()
        .expect("strs-bench starts");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&run.stderr)
    );
    for heading in [
        "## Scaling",
        "| Large file splitting |",
        "| Pattern search |",
        "| Text processing |",
        "| CSV parsing |",
        "| crates.io strs_tools 0.50 (16 MiB prefix) | 1 |",
        "| simd-csv ZeroCopyReader | 1 |",
        "peak RSS, par_split collect / sequential split collect",
    ] {
        assert!(stdout.contains(heading), "missing {heading:?} in\n{stdout}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("bench.json")).unwrap()).unwrap();
    assert_eq!(json["threads"], serde_json::json!([1, 2]));
    let workloads = json["workloads"].as_array().unwrap();
    assert_eq!(workloads.len(), 4);
    for w in workloads {
        let summary = &w["summary"];
        assert_eq!(summary["threads"], 2, "{w}");
        // A projection exactly when the run was not flagged as loaded.
        assert_eq!(
            summary["loaded"].is_null(),
            summary["amdahl_16"].is_number(),
            "{summary}"
        );
    }
    let svg = std::fs::read_to_string(out.join("bench.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("CSV parsing"));
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_bad_option_is_one_line_and_exit_status_2() {
    let run = Command::new(env!("CARGO_BIN_EXE_strs-bench"))
        .args(["--size", "0"])
        .output()
        .expect("strs-bench starts");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("at least 1 byte"));
}
