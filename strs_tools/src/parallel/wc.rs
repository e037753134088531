//! Line, word and byte counts (`wc`), exact across any cut of the input.
//!
//! The counts of two adjacent pieces combine associatively (a word cut in two
//! is counted once, because each piece remembers whether it starts and ends
//! inside a word), so the input can be cut anywhere: in parallel chunks, or in
//! blocks as they are read from a stream.

use rayon::prelude::*;

use super::plan;

/// Lines, words and bytes of a text, as `wc` counts them: a line is a `\n`; a
/// word is a maximal run of bytes that are not ASCII whitespace (space, `\t`,
/// `\n`, `\v`, `\f`, `\r`).
///
/// On ASCII text this equals GNU `wc`. GNU `wc -w` differs elsewhere: in a UTF-8
/// locale it also treats Unicode spaces (U+00A0, U+3000, …) as separators and
/// does not count a run made only of non-printable bytes as a word; these counts
/// are byte-based and locale-independent.
///
/// # Example
///
/// ```
/// use strs_tools::parallel::TextCounts;
///
/// let text = b"one two\nthree\n";
/// let whole = TextCounts::of(text);
/// assert_eq!((whole.lines, whole.words, whole.bytes), (2, 3, 14));
/// // Cut anywhere, even inside a word, and combine.
/// let (a, b) = text.split_at(5);
/// assert_eq!(TextCounts::of(a).append(TextCounts::of(b)), whole);
/// ```
///
/// Equality compares the visible counts only: `TextCounts::of(b"a ")` equals
/// `TextCounts::of(b" a")`, though they append differently.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextCounts {
    /// Number of `\n` bytes.
    pub lines: u64,
    /// Number of words.
    pub words: u64,
    /// Number of bytes.
    pub bytes: u64,
    /// The first byte is part of a word.
    starts_in_word: bool,
    /// The last byte is part of a word.
    ends_in_word: bool,
}

impl PartialEq for TextCounts {
    fn eq(&self, other: &TextCounts) -> bool {
        (self.lines, self.words, self.bytes) == (other.lines, other.words, other.bytes)
    }
}

impl Eq for TextCounts {}

/// The ASCII whitespace bytes that separate words, for `wc` and word
/// frequencies alike: space, `\t`, `\n`, `\v`, `\f`, `\r`
/// (`u8::is_ascii_whitespace` lacks `\v`). `\t`..=`\r` are 9..=13, so this is
/// two comparisons, which vectorise.
#[inline]
pub(crate) const fn is_space(b: u8) -> bool {
    b == b' ' || b.wrapping_sub(b'\t') < 5
}

/// Word starts and newlines in `cur`, where `prev[i]` is the byte before
/// `cur[i]`; both at most 255 bytes long so the per-lane `u8` sums cannot
/// overflow. Written as independent per-byte terms so that it vectorises.
#[inline]
fn count_block(prev: &[u8], cur: &[u8]) -> (u64, u64) {
    let mut words = 0u8;
    let mut lines = 0u8;
    for (&p, &c) in prev.iter().zip(cur) {
        words = words.wrapping_add(u8::from(is_space(p) & !is_space(c)));
        lines = lines.wrapping_add(u8::from(c == b'\n'));
    }
    (u64::from(words), u64::from(lines))
}

impl TextCounts {
    /// Counts one piece, sequentially.
    pub fn of(bytes: &[u8]) -> TextCounts {
        let Some((&first, rest)) = bytes.split_first() else {
            return TextCounts::default();
        };
        // A word starts at every non-space byte that follows a space (or the
        // start).
        let mut words = u64::from(!is_space(first));
        let mut lines = u64::from(first == b'\n');
        for (prev, cur) in bytes.chunks(255).zip(rest.chunks(255)) {
            let (w, l) = count_block(prev, cur);
            words += w;
            lines += l;
        }
        TextCounts {
            lines,
            words,
            bytes: bytes.len() as u64,
            starts_in_word: !is_space(first),
            ends_in_word: !is_space(bytes[bytes.len() - 1]),
        }
    }

    /// The counts of this piece followed immediately by `next` (an associative
    /// combination, with the counts of empty input as identity).
    pub fn append(self, next: TextCounts) -> TextCounts {
        if self.bytes == 0 {
            return next;
        }
        if next.bytes == 0 {
            return self;
        }
        let joined = u64::from(self.ends_in_word && next.starts_in_word);
        TextCounts {
            lines: self.lines + next.lines,
            words: self.words + next.words - joined,
            bytes: self.bytes + next.bytes,
            starts_in_word: self.starts_in_word,
            ends_in_word: next.ends_in_word,
        }
    }
}

/// Counts `bytes` in parallel on the current rayon pool, in chunks of about
/// `chunk_size` bytes (`0`: [`DEFAULT_CHUNK_SIZE`](super::DEFAULT_CHUNK_SIZE)).
/// Same result as [`TextCounts::of`].
///
/// ```
/// use strs_tools::parallel::{par_wc, TextCounts};
///
/// let text = "the quick brown fox\n".repeat(1000);
/// assert_eq!(par_wc(text.as_bytes(), 7), TextCounts::of(text.as_bytes()));
/// ```
pub fn par_wc(bytes: &[u8], chunk_size: usize) -> TextCounts {
    plan::chunk_ranges(bytes, plan::resolve_chunk_size(chunk_size), false)
        .into_par_iter()
        .map(|r| TextCounts::of(&bytes[r]))
        .reduce(TextCounts::default, TextCounts::append)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(bytes: &[u8]) -> (u64, u64, u64) {
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        let words = bytes.split(|&b| is_space(b)).filter(|w| !w.is_empty()).count() as u64;
        (lines, words, bytes.len() as u64)
    }

    #[test]
    fn long_inputs_cross_the_counting_blocks() {
        // Lengths around multiples of the 255-byte counting block, from a small
        // deterministic generator over an alphabet that makes every edge common.
        let alphabet = b"ab \t\n\x0b\x0c\r\xff";
        let mut state = 7u64;
        for len in [254, 255, 256, 509, 510, 511, 1000, 4096] {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[(state >> 33) as usize % alphabet.len()]
                })
                .collect();
            let c = TextCounts::of(&bytes);
            assert_eq!((c.lines, c.words, c.bytes), naive(&bytes), "length {len}");
            assert_eq!(par_wc(&bytes, 100), c);
        }
    }

    #[test]
    fn equals_the_naive_count_for_every_cut() {
        let inputs: [&[u8]; 7] = [
            b"",
            b" ",
            b"a",
            b"a b",
            b"  a\n\nbb \x0b c\r\n",
            b"\xff\xfe \x80",
            b"word\tword\x0cword\n",
        ];
        for input in inputs {
            let c = TextCounts::of(input);
            assert_eq!((c.lines, c.words, c.bytes), naive(input), "{input:?}");
            for cut in 0..=input.len() {
                let (a, b) = input.split_at(cut);
                assert_eq!(
                    TextCounts::of(a).append(TextCounts::of(b)),
                    c,
                    "{input:?} cut at {cut}"
                );
            }
            for chunk in 1..=input.len() + 1 {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
                assert_eq!(pool.install(|| par_wc(input, chunk)), c);
            }
        }
    }
}
