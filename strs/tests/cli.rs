//! `strs` driven as a subprocess: outputs equal the library's (and the obvious
//! answers), errors are one line and exit status 2, a closed stdout is quiet.
//!
//! `STRS_UNDER_TEST=/path/to/strs` runs these tests against another build (to
//! check that a regression test fails on the code before its fix).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

/// The binary under test.
fn bin() -> String {
    std::env::var("STRS_UNDER_TEST").unwrap_or_else(|_| env!("CARGO_BIN_EXE_strs").to_string())
}

fn strs(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(bin())
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
    let mut child = Command::new(bin())
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
fn words_ranks_lowercased_words() {
    let text = "The cat and THE dog\nand the end\n";
    let o = strs(&["words", "--top", "2"], Some(text.as_bytes()));
    assert_eq!(stdout(&o), "3\tthe\n2\tand\n");
    let file = file_with(text.as_bytes());
    let o = strs(&["words", "--top", "0", file.path().to_str().unwrap()], None);
    assert_eq!(stdout(&o).lines().count(), 5);
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
        let want: Vec<Vec<String>> = oracle.iter().map(|r| vec![r[2].clone(), r[0].clone()]).collect();
        assert_eq!(got, want);
    }
    assert_usage_error(
        &strs(&["csv", "--select", "nope", "--header"], Some(text.as_bytes())),
        "--select \"nope\": no column of that name",
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

/// Runs `strs` with `stdin` from a file (or nothing) and returns its exit code,
/// the number of output lines, the last output line and its peak RSS in KiB
/// (`None` without GNU time). The peak is measured by `/usr/bin/time`, a small
/// process that forks `strs`: a child forked from this test process would
/// inherit the test's own peak, which survives `exec`.
fn run_measured(args: &[&str], stdin: Option<&std::path::Path>) -> (i32, u64, String, Option<u64>) {
    let report = tempfile::NamedTempFile::new().unwrap();
    let timed = std::path::Path::new("/usr/bin/time").exists();
    let mut command = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%M", "-o"]).arg(report.path()).arg(bin());
        c
    } else {
        Command::new(bin())
    };
    let mut child = command
        .args(args)
        .stdin(match stdin {
            Some(path) => Stdio::from(std::fs::File::open(path).unwrap()),
            None => Stdio::null(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut reader = BufReader::with_capacity(1 << 20, child.stdout.take().unwrap());
    let (mut lines, mut last, mut line) = (0u64, String::new(), Vec::new());
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).unwrap() == 0 {
            break;
        }
        lines += 1;
        last = String::from_utf8_lossy(&line).into_owned();
    }
    let status = child.wait().unwrap();
    let peak = std::fs::read_to_string(report.path())
        .ok()
        .and_then(|t| t.lines().last()?.trim().parse().ok());
    (status.code().unwrap_or(-1), lines, last, peak)
}

/// Defect: `head -c 65M /dev/zero | strs wc -` failed ("record ... exceeds the
/// limit"): counting needs no whole lines, on stdin as on a file.
#[test]
fn wc_and_find_on_stdin_work_for_any_line_length() {
    let zeros = vec![0u8; 65 << 20];
    let o = strs(&["wc", "-"], Some(&zeros));
    assert_eq!(stdout(&o), format!("0 1 {} -\n", zeros.len()));
    // Progress is for terminals only: nothing on a piped stderr.
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    // One 1 MiB line with a 64 KiB record limit: find and wc ignore the limit.
    let mut line = b"x".repeat(1 << 20);
    line[70_000..70_005].copy_from_slice(b"error");
    line.extend_from_slice(b"error\n");
    let o = strs(&["find", "--max-record", "64K", "-p", "error", "-n"], Some(&line));
    assert_eq!(stdout(&o), format!("1\t70000\terror\n1\t{}\terror\n", 1 << 20));
    let o = strs(&["wc", "--max-record", "64K", "-l", "-w"], Some(&line));
    assert_eq!(stdout(&o), "1 1\n");
}

/// Defect: `strs find -p a` on 256 MiB of `a` without a newline kept every
/// match until the next newline (12 GB). Positions stream in bounded batches.
#[test]
fn find_positions_without_newlines_stream_in_bounded_memory() {
    let size = 8 << 20;
    let file = file_with(&vec![b'a'; size]);
    let path = file.path().to_str().unwrap();
    for args in [vec!["find", "-p", "a", path], vec!["find", "-p", "a", "-"]] {
        let stdin = (args[3] == "-").then(|| file.path());
        let (code, lines, last, peak_kib) = run_measured(&args, stdin);
        assert_eq!(
            (code, lines, last),
            (0, size as u64, format!("{}\ta\n", size - 1))
        );
        // Holding every match takes 24+ bytes per match: 192+ MiB here.
        if let Some(peak_kib) = peak_kib {
            assert!(peak_kib < 64 << 10, "{args:?}: peak RSS {peak_kib} KiB");
        }
    }
}

/// Defect: `--records --header` printed keys sorted (`{"10":..,"2":..,"a":..}`).
#[test]
fn csv_records_keep_the_header_column_order() {
    let o = strs(&["csv", "--records", "--header"], Some(b"b,a,10,2\n1,2,3,4\n"));
    assert_eq!(
        stdout(&o),
        "[\n{\"b\":\"1\",\"a\":\"2\",\"10\":\"3\",\"2\":\"4\"}\n]\n"
    );
}

/// Defect: `--header --select` dropped the header row; xsv keeps it.
#[test]
fn csv_select_with_header_prints_the_selected_header_first() {
    let text = b"id,name,note\n1,ann,\"x, y\"\n2,bob,\n";
    let o = strs(&["csv", "--header", "--select", "note,0"], Some(text));
    assert_eq!(stdout(&o), "note,id\n\"x, y\",1\n,2\n");
    let (a, b) = (file_with(text), file_with(b"\xef\xbb\xbfnote,id\n\"z\",3\n"));
    let (pa, pb) = (a.path().to_str().unwrap(), b.path().to_str().unwrap());
    for chunk in ["1", "1M"] {
        // Each file's header resolves its own columns; the header prints once.
        let o = strs(
            &[
                "csv",
                "--chunk-size",
                chunk,
                "--header",
                "--select",
                "note,id",
                pa,
                pb,
            ],
            None,
        );
        assert_eq!(stdout(&o), "note,id\n\"x, y\",1\n,2\nz,3\n", "chunk {chunk}");
        let o = strs(&["csv", "--chunk-size", chunk, "--select", "1", pa], None);
        assert_eq!(stdout(&o), "name\nann\nbob\n", "chunk {chunk}");
    }
    // Tab-separated in, tab-separated out; the dialect flags reach the parser.
    let o = strs(&["csv", "--tsv", "--select", "1"], Some(b"a\tb,c\n1\t\"2\t3\"\n"));
    assert_eq!(stdout(&o), "b,c\n\"2\t3\"\n");
    let o = strs(
        &["csv", "-d", ";", "--no-quoting", "--select", "1"],
        Some(b"a;\"b\n"),
    );
    assert_eq!(stdout(&o), "\"\"\"b\"\n");
}

/// Defect: `--select 99` on a 4-column file printed `""` rows and exited 0.
#[test]
fn csv_select_of_an_unknown_column_is_an_error() {
    let text = b"a,b,c,d\n1,2,3,4\n";
    let o = strs(&["csv", "--select", "99"], Some(text));
    assert_usage_error(&o, "--select 99: no such column");
    assert!(o.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
    let o = strs(&["csv", "--header", "--select", "a,zz"], Some(text));
    assert_usage_error(&o, "--select \"zz\": no column of that name");
    let o = strs(&["csv", "--select", "a"], Some(text));
    assert_usage_error(&o, "column names need --header");
}

/// Defect: `words` stopped at the first invalid UTF-8 byte, while `wc` and
/// `find` accept such input. Words are byte strings.
#[test]
fn words_count_byte_strings_of_any_input() {
    let text = b"ok\nbad \xff here BAD\xff\n\xe9t\xe9 \xc3\xa9t\xc3\xa9 ok\n";
    let want = b"2\tok\n1\tbad\n1\tbad\xff\n1\there\n1\t\xc3\xa9t\xc3\xa9\n1\t\xe9t\xe9\n1\t\xff\n";
    let file = file_with(text);
    for (args, input) in [
        (vec!["words", "--top", "0"], Some(&text[..])),
        (vec!["words", "--top", "0", file.path().to_str().unwrap()], None),
        (
            vec!["words", "--top", "0", "--chunk-size", "1", "-"],
            Some(&text[..]),
        ),
    ] {
        let o = strs(&args, input);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut got: Vec<&[u8]> = o.stdout.split(|&b| b == b'\n').collect();
        let mut expected: Vec<&[u8]> = want.split(|&b| b == b'\n').collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{args:?}");
    }
}

/// Defect: `printf 'a\xc2\xa0b\n' | strs wc` says 1 word where GNU wc in a UTF-8
/// locale says 2: the byte definition stays the default, `--unicode` is GNU's.
#[test]
fn wc_unicode_counts_words_as_gnu_wc_in_a_utf8_locale() {
    let text = "a\u{a0}b\n".as_bytes();
    assert_eq!(stdout(&strs(&["wc", "-w"], Some(text))), "1\n");
    assert_eq!(stdout(&strs(&["wc", "-w", "--unicode"], Some(text))), "2\n");
    let mut mixed = Vec::new();
    for _ in 0..300 {
        mixed.extend_from_slice("x\u{3000}y z\u{2007}w \x01 \u{2060}é".as_bytes());
        mixed.extend_from_slice(b"\xff\n");
    }
    let file = file_with(&mixed);
    let from_file = stdout(&strs(
        &[
            "wc",
            "--unicode",
            "--chunk-size",
            "5",
            file.path().to_str().unwrap(),
        ],
        None,
    ));
    let from_stdin = stdout(&strs(&["wc", "--unicode", "--chunk-size", "5"], Some(&mixed)));
    assert_eq!(
        from_file,
        format!("{} {}", from_stdin.trim_end(), file.path().display()) + "\n"
    );
    let gnu = Command::new("sh")
        .args(["-c", &format!("wc < {}", file.path().display())])
        .env("LC_ALL", "C.UTF-8")
        .output();
    if let Ok(gnu) = gnu {
        let probe = Command::new("sh")
            .args(["-c", "printf 'a\\302\\240b' | wc -w"])
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap();
        if String::from_utf8_lossy(&probe.stdout).trim() == "2" {
            let gnu: Vec<String> = String::from_utf8_lossy(&gnu.stdout)
                .split_whitespace()
                .map(String::from)
                .collect();
            let ours: Vec<String> = from_stdin.split_whitespace().map(String::from).collect();
            assert_eq!(ours, gnu);
        }
    }
}

/// Defect: `csv --records` on invalid UTF-8 said "a field is not valid UTF-8"
/// with no position.
#[test]
fn csv_records_name_the_record_field_and_byte_of_invalid_utf8() {
    let text = b"a,b\n1,x\xffy\n";
    let o = strs(&["csv", "--records"], Some(text));
    assert_usage_error(
        &o,
        "-: record 1 (starting at byte 4), field 1: byte 1 of the field is not valid UTF-8",
    );
    let o = strs(&["csv", "--records", "--lossy"], Some(text));
    assert_eq!(stdout(&o), "[\n[\"a\",\"b\"],\n[\"1\",\"x\u{fffd}y\"]\n]\n");
}

/// Defect: the README says errors are one line, but clap's usage errors were
/// several.
#[test]
fn usage_errors_are_one_line_too() {
    for args in [
        &["find"][..],
        &["wc", "--nope"],
        &["csv", "--count", "--records"],
        &["bogus"],
    ] {
        let o = strs(args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("strs: "), "{err}");
    }
}

/// Defect: the memory-map note covered truncation only; a file rewritten in
/// place breaks assumptions too.
#[test]
fn help_warns_about_files_changed_while_mapped() {
    let help = stdout(&strs(&["--help"], None));
    let no_mmap = help.split("--no-mmap").nth(1).unwrap_or_default();
    assert!(
        no_mmap.contains("truncated") && no_mmap.contains("rewritten in place"),
        "{help}"
    );
}

#[test]
fn several_files_give_per_file_results_and_a_total() {
    let a = file_with(b"one two\nthree\n");
    let b = file_with(b"four\n");
    let (pa, pb) = (a.path().to_str().unwrap(), b.path().to_str().unwrap());
    let o = strs(&["wc", pa, "-", pb], Some(b"x y z"));
    assert_eq!(
        stdout(&o),
        format!("2 3 14 {pa}\n0 3 5 -\n1 1 5 {pb}\n3 7 24 total\n")
    );
    let o = strs(&["wc", "--json", pa, pb], None);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["total"]["words"], 4);
    assert_eq!(doc["files"][1]["file"], pb);
    let o = strs(&["find", "-p", "o", pa, pb], None);
    assert_eq!(stdout(&o), format!("0\to\t{pa}\n6\to\t{pa}\n1\to\t{pb}\n"));
    let o = strs(&["find", "--count", "-p", "o", "-p", "t", pa, pb], None);
    assert_eq!(
        stdout(&o),
        format!("2\to\t{pa}\n2\tt\t{pa}\n1\to\t{pb}\n0\tt\t{pb}\n3\to\ttotal\n2\tt\ttotal\n")
    );
    let o = strs(&["find", "--count", "--json", "-p", "o", pa], None);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["total"][0]["count"], 2);
    let o = strs(&["split", "-d", r"\n", "--count", pa, pb], None);
    assert_eq!(stdout(&o), format!("3\t{pa}\n2\t{pb}\n5\ttotal\n"));
    let o = strs(&["csv", pa, pb], None);
    assert_eq!(stdout(&o), format!("2\t{pa}\n1\t{pb}\n3\ttotal\n"));
    let o = strs(&["words", "--json", pa, pb], None);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), 4);
}

#[test]
fn find_line_numbers_ignore_case_and_json() {
    let text = "Error here\nno\nerror, ERROR\n";
    let o = strs(&["find", "-n", "-i", "-p", "error"], Some(text.as_bytes()));
    assert_eq!(stdout(&o), "1\t0\terror\n3\t14\terror\n3\t21\terror\n");
    let file = file_with(text.as_bytes());
    let o = strs(
        &[
            "find",
            "--json",
            "-n",
            "-p",
            "rr",
            "--chunk-size",
            "1",
            file.path().to_str().unwrap(),
        ],
        None,
    );
    let docs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        (docs[1]["offset"].as_u64(), docs[1]["line"].as_u64()),
        (Some(15), Some(3))
    );
    // Patterns with a newline work on streams too.
    let o = strs(&["find", "-p", r"o\ne"], Some(text.as_bytes()));
    assert_eq!(stdout(&o), "12\to\\ne\n");
}

#[test]
fn completions_and_man_page_are_generated() {
    let bash = stdout(&strs(&["completions", "bash"], None));
    assert!(bash.contains("strs") && bash.contains("--line-number"));
    let man = stdout(&strs(&["man"], None));
    assert!(
        man.contains(".TH strs") && man.contains("strs-find"),
        "{}",
        &man[..200.min(man.len())]
    );
}

/// Defects: `csv --select`/`--records` kept every record (2.8 GB peak on 1 GB;
/// 17.2 GB on a 4.25 GiB mapped file). They stream: mapped, read, or piped.
#[test]
fn csv_select_and_records_stream_in_bounded_memory() {
    let mut text = String::from("id,name,note,x\n");
    let mut i = 0;
    while text.len() < 48 << 20 {
        text.push_str(&format!(
            "{i},name{i},\"note, with \"\"quotes\"\"\nline {i}\",{}\n",
            i * 7
        ));
        i += 1;
    }
    let file = file_with(text.as_bytes());
    let path = file.path().to_str().unwrap();
    let (records, last_id) = (i as u64, i - 1);
    for (args, stdin) in [
        (vec!["csv", "--header", "--select", "x,id", path], None),
        (
            vec!["--no-mmap", "csv", "--header", "--select", "x,id", path],
            None,
        ),
        (
            vec!["csv", "--header", "--select", "x,id", "-"],
            Some(file.path()),
        ),
    ] {
        let (code, lines, last, peak_kib) = run_measured(&args, stdin);
        assert_eq!(
            (code, lines, last),
            (0, records + 1, format!("{},{last_id}\n", last_id * 7)),
            "{args:?}"
        );
        if let Some(peak_kib) = peak_kib {
            // Keeping the records costs several times the input (136 MiB here).
            assert!(peak_kib < 44 << 10, "{args:?}: peak RSS {peak_kib} KiB");
        }
    }
    let (code, lines, _, peak_kib) = run_measured(&["csv", "--records", path], None);
    assert_eq!((code, lines), (0, records + 3));
    if let Some(peak_kib) = peak_kib {
        assert!(peak_kib < 44 << 10, "--records: peak RSS {peak_kib} KiB");
    }
}

/// Defect: `cat f.csv | strs csv --count -` parsed every record (406 MB/s
/// against 2,460 on the file); it counts as the file count does, with the same
/// answer for any window.
#[test]
fn csv_count_through_a_pipe_equals_the_file_count() {
    let text = "h1,h2\n\"a\nb\",1\n\n\"x\"\"\",\"\n\"\r\nlast,row".repeat(500);
    let file = file_with(text.as_bytes());
    let from_file = stdout(&strs(&["csv", "--header", file.path().to_str().unwrap()], None));
    let oracle = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .count();
    assert_eq!(from_file, format!("{oracle}\n"));
    for chunk in ["1", "7", "1M"] {
        let piped = strs(
            &["csv", "--header", "--count", "--chunk-size", chunk, "-"],
            Some(text.as_bytes()),
        );
        assert_eq!(stdout(&piped), from_file, "chunk {chunk}");
    }
    // Counting holds no record (it does not parse), so no record is too long.
    let long = format!("a,b\n\"{}\",1\n2,3\n", "x\n".repeat(1 << 20));
    let piped = strs(
        &["csv", "--count", "--max-record", "64K", "--chunk-size", "4K", "-"],
        Some(long.as_bytes()),
    );
    assert_eq!(stdout(&piped), "3\n");
}

/// `--select` copies the input's bytes where they already are what the `csv`
/// crate's writer would write: byte for byte the writer's output, also for
/// stray quotes, text after a closing quote and line breaks.
#[test]
fn csv_select_writes_what_the_csv_crate_writer_writes() {
    let text = "plain,\"quoted\",\"with,comma\",\"dq\"\"x\",x\"y,\"a\nb\",\"x\"y,,\"\",\"cr\r\"\r\n\
                1,2,3,4,5,6,7,8,9,10\n\"\"\"\",\" \",a b,\"\n\",z\n";
    let records: Vec<csv::ByteRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .byte_records()
        .map(Result::unwrap)
        .collect();
    let file = file_with(text.as_bytes());
    let path = file.path().to_str().unwrap();
    for col in 0..10 {
        let mut writer = csv::Writer::from_writer(Vec::new());
        for r in &records {
            writer.write_record([r.get(col).unwrap_or_default()]).unwrap();
        }
        let want = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let got = stdout(&strs(
            &["csv", "--select", &col.to_string()],
            Some(text.as_bytes()),
        ));
        assert_eq!(got, want, "column {col}");
        // Mapped files are cut into pieces at exact record starts, formatted in
        // parallel: the same bytes at every piece size.
        for chunk in ["1", "7", "1M"] {
            let args = ["csv", "--chunk-size", chunk, "--select", &col.to_string(), path];
            assert_eq!(stdout(&strs(&args, None)), want, "column {col}, chunk {chunk}");
        }
    }
}
