//! `ParallelStreamProcessor` with `tokio_util::codec::LinesCodec`, as in the task
//! specification: lines from an async reader, CPU work on the rayon pool, results
//! in input order.
//!
//! Run with `cargo run --example lines_codec --features async [FILE]`; without a
//! file it processes generated text and checks its own answer.

use futures::StreamExt;
use strs_tools::parallel::ParallelStreamProcessor;
use tokio_util::codec::{FramedRead, LinesCodec, LinesCodecError};

/// The "expensive" per-line work: words and a checksum of the line's bytes.
fn expensive_line_processing(line: &str) -> (usize, u64) {
    let words = line.split_whitespace().count();
    let checksum = line
        .bytes()
        .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    (words, checksum)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let generated: String = (0..10_000)
        .map(|i| format!("line {i} has {} words\n", i % 7))
        .collect();
    let input: Box<dyn tokio::io::AsyncRead + Unpin + Send> = match std::env::args_os().nth(1) {
        Some(path) => Box::new(tokio::fs::File::open(path).await?),
        None => Box::new(std::io::Cursor::new(generated.clone().into_bytes())),
    };

    // A line longer than 1 MiB is an error item instead of an unbounded buffer.
    let lines = FramedRead::new(input, LinesCodec::new_with_max_length(1 << 20));
    let mut processed = ParallelStreamProcessor::new(
        lines,
        |line: Result<String, LinesCodecError>| line.map(|l| expensive_line_processing(&l)),
        8, // 8-way parallelism: at most 16 lines read ahead of this loop
    )
    .process();

    let (mut lines_seen, mut words, mut order_hash) = (0usize, 0usize, 0u64);
    while let Some(result) = processed.next().await {
        let (w, checksum) = result?;
        lines_seen += 1;
        words += w;
        // Order-sensitive: differs if any two results were swapped.
        order_hash = order_hash.wrapping_mul(1_000_003).wrapping_add(checksum);
    }
    println!("{lines_seen} lines, {words} words, order hash {order_hash:016x}");

    if std::env::args_os().nth(1).is_none() {
        let expected = generated
            .lines()
            .map(expensive_line_processing)
            .fold((0, 0, 0u64), |(n, w, h), (wc, c)| {
                (n + 1, w + wc, h.wrapping_mul(1_000_003).wrapping_add(c))
            });
        assert_eq!(
            (lines_seen, words, order_hash),
            expected,
            "parallel result differs from sequential"
        );
        println!("matches the sequential result");
    }
    Ok(())
}
