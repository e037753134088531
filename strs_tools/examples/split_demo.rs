//! Splits generated log text sequentially and in parallel and reports what it
//! found, checking that both agree. `cargo run --release --example split_demo [MiB]`

use rayon::iter::ParallelIterator;
use std::time::Instant;
use strs_tools::parallel::{ParallelSplit, ParallelStringExt};
use strs_tools::string::split;

fn main() {
    let mib: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(64);
    let mut text = String::with_capacity((mib << 20) + 128);
    let mut i = 0u64;
    while text.len() < mib << 20 {
        i += 1;
        let level = ["INFO", "warning", "error", "INFO"][(i % 4) as usize];
        text.push_str(&format!(
            "{i} {level} worker-{}, path=/api/{}, status=200\r\n",
            i % 16,
            i % 97
        ));
    }
    let t = Instant::now();
    let lines = split()
        .src(&text)
        .delimiter("\n")
        .preserving_delimiters(false)
        .perform()
        .count();
    let seq = t.elapsed();
    let t = Instant::now();
    let par_lines = text.par_split(&["\n"]).filter(|s| !s.is_empty()).count();
    let par = t.elapsed();
    let fields: usize = ParallelSplit::new()
        .split_parallel(&text, &[", ", "\r\n"])
        .count();
    assert_eq!(lines, par_lines, "parallel and sequential splits disagree");
    let errors = text.par_split(&["\n"]).filter(|l| l.contains(" error ")).count();
    println!("input: {} MiB of generated log text", mib);
    println!(
        "lines: {lines} (sequential {:.2?}, parallel {:.2?} on {} threads)",
        seq,
        par,
        rayon::current_num_threads()
    );
    println!("fields split on \", \" and \"\\r\\n\": {fields}");
    println!("lines with ' error ': {errors}");
}
