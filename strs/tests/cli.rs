//! `strs` driven as a subprocess: outputs equal the library's (and the obvious
//! answers), errors are one line and exit status 2, a closed stdout is quiet.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

fn strs(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strs"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start strs");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("run strs");
    writer.join().unwrap();
    out
}

fn file_with(content: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(content).unwrap();
    f.flush().unwrap();
    f
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn assert_usage_error(o: &Output, needle: &str) {
    assert_eq!(
        o.status.code(),
        Some(2),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn split_prints_pieces_from_files_and_stdin_at_any_chunk_size() {
    let text = "a==b=c\n==\nx=y\n".repeat(50);
    let expected: String = text.split('=').flat_map(|s| [s, "\n"]).collect::<String>();
    let file = file_with(text.as_bytes());
    let path = file.path().to_str().unwrap();
    for chunk in ["1", "3", "64K"] {
        // `=` and `==` as delimiters: the shortest wins, so this is a split on `=`.
        let from_file = strs(
            &["--chunk-size", chunk, "split", "-d", "=", "-d", "==", path],
            None,
        );
        assert_eq!(stdout(&from_file), expected);
        let from_stdin = strs(
            &["split", "-d", "=", "--chunk-size", chunk, "-"],
            Some(text.as_bytes()),
        );
        assert_eq!(stdout(&from_stdin), expected);
        let no_mmap = strs(&["split", "--no-mmap", "-d", "=", path], None);
        assert_eq!(stdout(&no_mmap), expected);
    }
}

#[test]
fn split_options_escapes_nul_terminators_and_count() {
    let text = b"a, b\r\n\"c, d\"\r\n";
    let o = strs(
        &[
            "split",
            "-d",
            ", ",
            "-d",
            r"\r\n",
            "--quote",
            "--drop-empty",
            "-z",
        ],
        Some(text),
    );
    assert_eq!(stdout(&o), "a\0b\0c, d\0");
    let o = strs(&["split", "-d", r"\n", "--count"], Some(b"1\n2\n3"));
    assert_eq!(stdout(&o), "3\n");
    let o = strs(
        &["split", "-d", ",", "--keep-delimiters", "--strip"],
        Some(b" a , b "),
    );
    assert_eq!(stdout(&o), "a\n,\nb\n");
    // Bytes that are not UTF-8 are split as bytes.
    let o = strs(&["split", "-d", ","], Some(b"\xff,\xfe"));
    assert_eq!(o.stdout, b"\xff\n\xfe\n");
}

#[test]
fn wc_counts_like_wc_on_files_stdin_and_proc() {
    let text = "one two  three\n\tfour\x0bfive\r\nsix".repeat(1000);
    let file = file_with(text.as_bytes());
    let path = file.path().to_str().unwrap();
    let lines = text.matches('\n').count();
    let words = text
        .split(|c: char| " \t\n\x0b\x0c\r".contains(c))
        .filter(|w| !w.is_empty())
        .count();
    let o = strs(&["wc", "--chunk-size", "7", path], None);
    assert_eq!(stdout(&o), format!("{lines} {words} {} {path}\n", text.len()));
    let o = strs(&["wc", "-w"], Some(text.as_bytes()));
    assert_eq!(stdout(&o), format!("{words}\n"));
    let o = strs(&["wc", "-l", "-c", "--threads", "1"], Some(text.as_bytes()));
    assert_eq!(stdout(&o), format!("{lines} {}\n", text.len()));
    // Empty files and /proc files (size 0, not empty) are read, not mapped.
    let empty = file_with(b"");
    assert_eq!(
        stdout(&strs(&["wc", empty.path().to_str().unwrap()], None)),
        format!("0 0 0 {}\n", empty.path().display())
    );
    let proc_text = std::fs::read("/proc/self/mounts").unwrap_or_default();
    if !proc_text.is_empty() {
        let o = strs(&["wc", "-c", "/proc/self/mounts"], None);
        let bytes: usize = stdout(&o).split_whitespace().next().unwrap().parse().unwrap();
        assert!(bytes > 0);
    }
}

#[test]
fn bad_files_and_options_are_one_line_and_status_2() {
    assert_usage_error(
        &strs(&["wc", "/no/such/file"], None),
        "/no/such/file: no such file",
    );
    assert_usage_error(&strs(&["wc", "/"], None), "/: is a directory");
    assert_usage_error(&strs(&["--chunk-size", "0", "wc"], None), "at least 1 byte");
    assert_usage_error(&strs(&["wc", "--threads", "5000"], None), "limited to");
    assert_usage_error(&strs(&["wc", "--threads", "-1"], None), "'-1'");
    assert_usage_error(&strs(&["split", "-d", r"\xff"], None), "hex digits");
    assert_usage_error(&strs(&["split"], None), "--delimiter");
    let o = strs(&["wc", "/no/such/file"], None);
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let text = "line\n".repeat(2_000_000);
    let file = file_with(text.as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_strs"))
        .args(["split", "-d", r"\n", file.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "line\n");
    // The reader is dropped here: the next write fails with EPIPE.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn an_overlong_segment_on_stdin_is_an_error_not_an_oom() {
    let mut input = b"short\n".to_vec();
    input.extend(vec![b'x'; 4 << 20]);
    input.push(b'\n');
    let o = strs(
        &["split", "-d", r"\n", "--count", "--max-record", "64K"],
        Some(&input),
    );
    assert_usage_error(&o, "-: record at byte offset 6 exceeds the limit of 65536 bytes");
}

/// `offset<TAB>pattern` lines as `match_indices` per pattern gives them, sorted
/// by offset then pattern order.
fn expected_find(text: &str, patterns: &[&str]) -> String {
    let mut hits: Vec<(usize, usize)> = patterns
        .iter()
        .enumerate()
        .flat_map(|(i, p)| text.match_indices(p).map(move |(at, _)| (at, i)))
        .collect();
    hits.sort();
    hits.iter()
        .map(|&(at, i)| format!("{at}\t{}\n", patterns[i]))
        .collect()
}

#[test]
fn find_reports_matches_in_order_from_files_and_stdin() {
    let text = "error: x\nwarning aa error\ncritical aaa\n".repeat(500);
    let patterns = ["error", "warning", "critical", "aa"];
    let file = file_with(text.as_bytes());
    let path = file.path().to_str().unwrap();
    let expected = expected_find(&text, &patterns);
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "find", "-p", "error", "-p", "warning", "-p", "critical", "-p", "aa",
        ];
        a.extend_from_slice(extra);
        a
    };
    let mut with_file = args(&["--chunk-size", "5"]);
    with_file.push(path);
    assert_eq!(stdout(&strs(&with_file, None)), expected);
    assert_eq!(stdout(&strs(&args(&[]), Some(text.as_bytes()))), expected);
    let counts: String = patterns
        .iter()
        .map(|p| format!("{}\t{p}\n", text.matches(p).count()))
        .collect();
    let mut count_file = args(&["--count"]);
    count_file.push(path);
    assert_eq!(stdout(&strs(&count_file, None)), counts);
    assert_eq!(stdout(&strs(&args(&["--count"]), Some(text.as_bytes()))), counts);
}

#[test]
fn words_ranks_lowercased_words_and_rejects_invalid_utf8() {
    let text = "The cat and THE dog\nand the end\n";
    let o = strs(&["words", "--top", "2"], Some(text.as_bytes()));
    assert_eq!(stdout(&o), "3\tthe\n2\tand\n");
    let file = file_with(text.as_bytes());
    let o = strs(&["words", "--top", "0", file.path().to_str().unwrap()], None);
    assert_eq!(stdout(&o).lines().count(), 5);
    assert_usage_error(
        &strs(&["words"], Some(b"ok\nbad \xff here\n")),
        "invalid UTF-8 at byte 7",
    );
    let bad = file_with(b"ok\nbad \xff here\n");
    assert_usage_error(
        &strs(&["words", bad.path().to_str().unwrap()], None),
        "invalid UTF-8 at byte 7",
    );
}

#[test]
fn csv_counts_prints_and_selects_like_the_csv_crate() {
    let mut text = String::from("id,name,note\n");
    for i in 0..300 {
        let note = match i % 4 {
            0 => "\"multi\nline, \"\"quoted\"\"\"".to_string(),
            1 => String::new(),
            _ => format!("n{i}"),
        };
        text.push_str(&format!("{i},name{i},{note}\n"));
        if i % 50 == 0 {
            text.push('\n');
        }
    }
    let oracle: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let file = file_with(text.as_bytes());
    let path = file.path().to_str().unwrap();
    for chunk in ["1", "13", "1M"] {
        let count = format!("{}\n", oracle.len());
        assert_eq!(stdout(&strs(&["csv", "--chunk-size", chunk, path], None)), count);
        assert_eq!(
            stdout(&strs(
                &["csv", "--count", "--chunk-size", chunk],
                Some(text.as_bytes())
            )),
            count
        );
        for input in [None, Some(text.as_bytes())] {
            let args: Vec<&str> = match input {
                None => vec!["csv", "--records", "--chunk-size", chunk, path],
                Some(_) => vec!["csv", "--records", "--chunk-size", chunk],
            };
            let json: Vec<Vec<String>> = serde_json::from_str(&stdout(&strs(&args, input))).unwrap();
            assert_eq!(json, oracle);
        }
        let selected = stdout(&strs(
            &["csv", "--header", "--select", "note,0", "--chunk-size", chunk],
            Some(text.as_bytes()),
        ));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(selected.as_bytes());
        let got: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        let want: Vec<Vec<String>> = oracle[1..]
            .iter()
            .map(|r| vec![r[2].clone(), r[0].clone()])
            .collect();
        assert_eq!(got, want);
    }
    assert_usage_error(
        &strs(&["csv", "--select", "nope", "--header"], Some(text.as_bytes())),
        "no column named \"nope\"",
    );
}

#[test]
fn wc_and_words_agree_on_what_a_word_is() {
    let text = "a\x0bb\x0cc d\te\rf\ng \u{a0}h\n";
    let wc: usize = stdout(&strs(&["wc", "-w"], Some(text.as_bytes())))
        .trim()
        .parse()
        .unwrap();
    let words: usize = stdout(&strs(&["words", "--top", "0"], Some(text.as_bytes())))
        .lines()
        .map(|l| l.split('\t').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!((wc, words), (8, 8));
}

#[test]
fn fifos_and_dash_dash_read_as_streams() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if made {
        let path = fifo.clone();
        let writer = std::thread::spawn(move || std::fs::write(path, "one two\nthree\n").unwrap());
        let o = strs(&["wc", fifo.to_str().unwrap()], None);
        writer.join().unwrap();
        assert_eq!(stdout(&o), format!("2 3 14 {}\n", fifo.display()));
    }
    // `--` ends the options: `-` after it is still standard input.
    let o = strs(&["split", "-d", ",", "--", "-"], Some(b"a,b"));
    assert_eq!(stdout(&o), "a\nb\n");
}
