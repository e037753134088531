//! The split, three ways: the fast sequential split against a naive scan (plain
//! segments), and the lazy parallel split (`ParallelSplit::split_with` and
//! `split_with_bytes`) against the sequential `SplitOptions::split` /
//! `split_bytes`, over arbitrary bytes with fuzzed delimiters, quotes, options,
//! chunk size (1 byte up, or automatic) and 1..3 threads.
//!
//! Layout: `[flags, chunk, shape, quote, lens, hay...]`; the delimiters (up to
//! four, up to five bytes each) and the custom quote are cut from the haystack's
//! first bytes, so they occur in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rayon::iter::ParallelIterator;
use strs_tools::parallel::ParallelSplit;
use strs_tools::string::split;

fuzz_target!(|data: &[u8]| {
    let [flags, chunk, shape, quote, lens, hay @ ..] = data else {
        return;
    };
    let chunk = usize::from(*chunk); // 0: automatic
    let threads = 1 + usize::from(shape & 3) % 3;
    let count = 1 + usize::from(shape >> 2 & 3);
    let delims: Vec<&[u8]> = (0..count)
        .map(|i| {
            let len = usize::from(lens >> (2 * i) & 3) + if shape & 0x80 != 0 { 2 } else { 0 };
            let at = (i * 3).min(hay.len());
            &hay[at..hay.len().min(at + len)]
        })
        .collect();
    let custom_quote = String::from_utf8_lossy(&hay[..hay.len().min(usize::from(quote % 3))]).into_owned();
    let mut builder = split();
    builder
        .byte_delimiters(&delims)
        .preserving_empty(flags & 1 != 0)
        .preserving_delimiters(flags & 2 != 0)
        .stripping(flags & 4 != 0)
        .quoting(flags & 8 != 0)
        .preserving_quoting(flags & 16 != 0);
    if flags & 32 != 0 {
        builder.quoting_prefixes(&[custom_quote.as_str()]);
    }
    let options = builder.build().expect("four short delimiters compile");
    let driver = ParallelSplit::new()
        .chunk_size(chunk)
        .threads(threads)
        .load_balance(flags & 64 == 0);

    let sequential: Vec<_> = options.split_bytes(hay).collect();
    let parallel: Vec<_> = driver.split_with_bytes(&options, hay).collect();
    assert_eq!(parallel, sequential);
    assert_eq!(driver.split_with_bytes(&options, hay).count(), sequential.len());
    if let Ok(text) = std::str::from_utf8(hay) {
        let sequential: Vec<_> = options.split(text).collect();
        let parallel: Vec<_> = driver.split_with(&options, text).collect();
        assert_eq!(parallel, sequential);
    }

    if flags & (2 | 4 | 8) == 0 {
        // Naive oracle for plain segments: cut at the leftmost, then shortest,
        // non-empty delimiter.
        let mut naive: Vec<&[u8]> = Vec::new();
        let (mut seg, mut i) = (0, 0);
        while i < hay.len() {
            let hit = delims
                .iter()
                .filter(|d| !d.is_empty() && hay[i..].starts_with(d))
                .map(|d| d.len())
                .min();
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
