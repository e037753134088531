//! Every size knob accepts `0` (automatic, or the smallest size), `1` and
//! `usize::MAX` (no limit) without overflow, panic or a huge allocation, and
//! gives the default's answer. (`max_record` is tried at `usize::MAX` only: a
//! small one is an error by design.)

use std::io::Cursor;
use std::ops::ControlFlow;

use rayon::iter::ParallelIterator;
use strs_tools::csv::CsvParser;
use strs_tools::parallel::{
    par_wc, par_word_frequencies, ParallelSearcher, ParallelSplit, ParallelStringExt, ReaderPipeline,
    WorkStealingExecutor,
};
use strs_tools::string::split;

const TEXT: &str = "id,name\n1,\"a\nb\"\n2,c d\n3,e\n";

fn lines_of_reader(split: ParallelSplit) -> usize {
    let opts = split_options();
    let mut n = 0;
    split
        .split_reader(Cursor::new(TEXT), &opts, |pieces| {
            n += pieces.len();
            ControlFlow::Continue(())
        })
        .expect("an in-memory reader");
    n
}

fn split_options() -> strs_tools::string::SplitOptions {
    split()
        .delimiter("\n")
        .preserving_delimiters(false)
        .preserving_empty(true)
        .build()
        .expect("one delimiter")
}

#[test]
fn split_knobs_at_zero_and_at_the_maximum() {
    let expected = TEXT.split('\n').count();
    for size in [0, 1, usize::MAX] {
        let mut ps = ParallelSplit::new()
            .chunk_size(size)
            .window(size)
            .threads(size.min(4));
        if size == usize::MAX {
            ps = ps.max_record(size);
        }
        assert_eq!(ps.split_parallel(TEXT, &["\n"]).count(), expected, "{size}");
        assert_eq!(lines_of_reader(ps.clone()), expected, "{size}");
        let mut windows = 0;
        ps.split_bytes_windows(TEXT.as_bytes(), &split_options(), |p| {
            windows += p.len();
            ControlFlow::Continue(())
        });
        assert_eq!(windows, expected, "{size}");
        assert_eq!(TEXT.par_process(size, str::len).iter().sum::<usize>(), TEXT.len());
        assert_eq!(par_wc(TEXT.as_bytes(), size).lines, 5);
        assert_eq!(par_word_frequencies(TEXT, size)["d"], 1);
    }
}

#[test]
fn search_knobs_at_zero_and_at_the_maximum() {
    let searcher = ParallelSearcher::new(&["\n", "a"]);
    let expected = searcher.find_all(TEXT.as_bytes());
    for size in [0, 1, usize::MAX] {
        let chunked = searcher.clone().chunk_size(size);
        assert_eq!(chunked.find_all(TEXT.as_bytes()), expected);
        let mut streamed = Vec::new();
        chunked
            .find_reader(TEXT.as_bytes(), size, |batch| {
                streamed.extend_from_slice(batch);
                ControlFlow::Continue(())
            })
            .expect("an in-memory reader");
        assert_eq!(streamed, expected, "{size}");
    }
}

#[test]
fn csv_and_pipeline_knobs_at_zero_and_at_the_maximum() {
    for size in [0, 1, usize::MAX] {
        let mut builder = CsvParser::builder();
        builder.chunk_size(size).window(size).threads(size.min(4));
        if size == usize::MAX {
            builder.max_record(size);
        }
        let parser = builder.build().expect("any sizes are valid");
        assert_eq!(parser.count_records(TEXT), 3, "{size}");
        assert_eq!(parser.count_records_reader(TEXT.as_bytes()).unwrap(), 3, "{size}");
        let mut names = Vec::new();
        parser
            .for_each_record_reader(TEXT.as_bytes(), &mut |r: strs_tools::csv::Record<'_>| {
                names.push(r.get(1).unwrap().into_owned());
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(
            names,
            [b"a\nb".to_vec(), b"c d".to_vec(), b"e".to_vec()],
            "{size}"
        );
        let mut pipeline = ReaderPipeline::new()
            .chunk_size(size)
            .in_flight(size.max(1))
            .threads(size.min(4));
        if size == usize::MAX {
            pipeline = pipeline.max_record(size);
        }
        let bytes: usize = pipeline
            .map_blocks(TEXT.as_bytes(), <[u8]>::len)
            .map(|r| r.expect("an in-memory reader"))
            .sum();
        assert_eq!(bytes, TEXT.len(), "{size}");
        let executor = WorkStealingExecutor::new(size.min(4)).max_task_len(size);
        let tasks = [0..8, 8..TEXT.len()];
        let lens = executor.execute(TEXT, &tasks, str::len);
        assert_eq!(lens.iter().sum::<usize>(), TEXT.len(), "{size}");
    }
}
