//! Fuzzes the split: the fast sequential split against a naive scan, and the
//! parallel split against the sequential one at a fuzzed chunk size, over
//! arbitrary bytes with fuzzed delimiters and options.
//! `cargo +nightly fuzz run split` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rayon::iter::ParallelIterator;
use strs_tools::parallel::ParallelSplit;
use strs_tools::string::split;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (head, hay) = data.split_at(4);
    let flags = head[0];
    let chunk = 1 + head[1] as usize % 32;
    // Up to two short delimiters taken from the control bytes' values.
    let d1 = String::from_utf8_lossy(&hay[..hay.len().min(head[2] as usize % 3)]).into_owned();
    let d2 = String::from_utf8_lossy(&hay[..hay.len().min(head[3] as usize % 4)]).into_owned();
    let delims = [d1.as_str(), d2.as_str()];
    let options = split()
        .delimiters(delims)
        .preserving_empty(flags & 1 != 0)
        .preserving_delimiters(flags & 2 != 0)
        .stripping(flags & 4 != 0)
        .quoting(flags & 8 != 0)
        .preserving_quoting(flags & 16 != 0)
        .build()
        .expect("two short delimiters compile");
    let sequential: Vec<_> = options.split_bytes(hay).collect();
    let parallel: Vec<_> = ParallelSplit::new()
        .chunk_size(chunk)
        .threads(2)
        .split_with_bytes(&options, hay)
        .collect();
    assert_eq!(parallel, sequential);
    if flags & (2 | 4 | 8) == 0 {
        // Naive oracle for plain segments: cut at the leftmost, then shortest,
        // non-empty delimiter.
        let mut naive: Vec<&[u8]> = Vec::new();
        let (mut seg, mut i) = (0, 0);
        while i < hay.len() {
            let hit = delims.iter().filter(|d| !d.is_empty() && hay[i..].starts_with(d.as_bytes())).map(|d| d.len()).min();
            match hit {
                Some(len) => {
                    naive.push(&hay[seg..i]);
                    i += len;
                    seg = i;
                }
                None => i += 1,
            }
        }
        naive.push(&hay[seg..]);
        naive.retain(|s| flags & 1 != 0 || !s.is_empty());
        let fast: Vec<&[u8]> = sequential.iter().map(|s| &s.bytes[..]).collect();
        assert_eq!(fast, naive);
    }
});
