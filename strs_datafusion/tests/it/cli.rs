//! `strs-sql` as a subprocess: output formats, both readers, one-line errors.

use std::process::{Command, Output};

use crate::common::{hostile_csv, write_file};

fn strs_sql(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strs-sql"))
        .args(args)
        .output()
        .expect("run strs-sql")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn csv_output_with_a_header_and_both_readers_agree() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "h.csv", &hostile_csv(2000, 3));
    let table = format!("t={path}");
    let sql = "SELECT count(*) AS rows, sum(n) AS n, count(note) AS notes FROM t";
    let exact = strs_sql(&["--table", &table, "--partitions", "3", sql]);
    assert!(
        exact.status.success(),
        "{}",
        String::from_utf8_lossy(&exact.stderr)
    );
    let out = stdout(&exact);
    assert!(out.starts_with("rows,n,notes\n2000,"), "{out}");
    let stock = strs_sql(&[
        "--table",
        &table,
        "--partitions",
        "3",
        "--reader",
        "datafusion",
        sql,
    ]);
    assert!(
        stock.status.success(),
        "{}",
        String::from_utf8_lossy(&stock.stderr)
    );
    assert_eq!(stdout(&stock), out);
}

#[test]
fn json_and_table_formats_no_header_and_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "s.txt", "1;\"a\nb\"\n2;c\n");
    let table = format!("t={path}");
    let sql = "SELECT column_1 AS id, strs_split(column_2, 'b') AS p FROM t ORDER BY id";
    let json = strs_sql(&[
        "--table",
        &table,
        "--no-header",
        "--delimiter",
        ";",
        "--format",
        "json",
        sql,
    ]);
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    assert_eq!(
        stdout(&json),
        "{\"id\":1,\"p\":[\"a\\n\",\"\"]}\n{\"id\":2,\"p\":[\"c\"]}\n"
    );
    let pretty = strs_sql(&[
        "--table",
        &table,
        "--no-header",
        "--delimiter",
        ";",
        "--format",
        "table",
        sql,
    ]);
    assert!(stdout(&pretty).contains("| 2  | [c]"), "{}", stdout(&pretty));
    // CSV has no lists: they are written in their text form.
    let csv = strs_sql(&["--table", &table, "--no-header", "--delimiter", ";", sql]);
    assert_eq!(stdout(&csv), "id,p\n1,\"[a\n, ]\"\n2,[c]\n");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "h.csv", &hostile_csv(20000, 4));
    let mut child = Command::new(env!("CARGO_BIN_EXE_strs-sql"))
        .args(["--table", &format!("t={path}"), "SELECT * FROM t"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe.
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn every_error_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "a.csv", "x\n1\n");
    let good = format!("t={path}");
    let missing = format!("t={}/missing.csv", dir.path().display());
    let cases: [&[&str]; 8] = [
        &["--table", &good, "--partitions", "100000", "SELECT 1"],
        &["--partitions", "-1", "SELECT 1"],
        &["--table", &missing, "SELECT 1"],
        &["--table", &good, "SELEC nonsense"],
        &["--table", &good, "SELECT nope FROM t"],
        &["--table", &good, "--delimiter", ";;", "SELECT 1"],
        &["--table", "no_equals_sign", "SELECT 1"],
        &["--reader", "other", "SELECT 1"],
    ];
    for args in cases {
        let o = strs_sql(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("strs-sql: "), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}
