//! Words as GNU `wc` counts them in a UTF-8 locale (`strs wc --unicode`).
//!
//! The input is decoded as UTF-8 and each character is one of three kinds:
//!
//! * a separator: ASCII space, `\t`, `\n`, `\v`, `\f`, `\r`, the Unicode spaces
//!   U+1680, U+2000–U+200A, U+205F, U+3000, and the no-break spaces U+00A0,
//!   U+2007, U+202F, U+2060;
//! * ignored (neither starts nor ends a word): the other control characters
//!   (U+0000–U+001F, U+007F–U+009F), U+2028, U+2029, and bytes that are not
//!   valid UTF-8;
//! * a word character: everything else.
//!
//! A word is a run of word characters and ignored characters that contains at
//! least one word character. This is what GNU coreutils `wc -w` does in a glibc
//! UTF-8 locale (its `iswspace`, `iswprint` and no-break-space tests), except for
//! code points unassigned in Unicode, which GNU ignores and this counts as word
//! characters.

use rayon::prelude::*;

/// The kind of a character, for word counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Separator,
    Word,
    Ignored,
}

fn kind(c: char) -> Kind {
    match c {
        '\t'..='\r'
        | ' '
        | '\u{a0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200a}'
        | '\u{202f}'
        | '\u{205f}'
        | '\u{2060}'
        | '\u{3000}' => Kind::Separator,
        '\u{2028}' | '\u{2029}' => Kind::Ignored,
        c if c.is_control() => Kind::Ignored,
        _ => Kind::Word,
    }
}

/// Lines, words and bytes of a piece of input, combinable with the counts of
/// the piece after it ([`UnicodeCounts::followed_by`]) when the cut between them
/// is a character boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnicodeCounts {
    /// `\n` bytes.
    pub lines: u64,
    /// Words, as the module docs define them.
    pub words: u64,
    /// Bytes.
    pub bytes: u64,
    /// Whether the first separator-or-word character is a word character (`None`:
    /// there is none).
    first_is_word: Option<bool>,
    /// Whether the last separator-or-word character is a word character.
    last_is_word: Option<bool>,
}

impl UnicodeCounts {
    /// Counts one piece, sequentially.
    pub fn of(bytes: &[u8]) -> UnicodeCounts {
        let mut counts = UnicodeCounts {
            lines: memchr::memchr_iter(b'\n', bytes).count() as u64,
            bytes: bytes.len() as u64,
            ..UnicodeCounts::default()
        };
        let mut in_word = false;
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                let is_word = match kind(c) {
                    Kind::Ignored => continue,
                    Kind::Word => true,
                    Kind::Separator => false,
                };
                if is_word && !in_word {
                    counts.words += 1;
                }
                in_word = is_word;
                counts.first_is_word.get_or_insert(is_word);
                counts.last_is_word = Some(is_word);
            }
        }
        counts
    }

    /// The counts of this piece followed immediately by `next`.
    pub fn followed_by(self, next: UnicodeCounts) -> UnicodeCounts {
        let joined = self.last_is_word == Some(true) && next.first_is_word == Some(true);
        UnicodeCounts {
            lines: self.lines + next.lines,
            words: self.words + next.words - u64::from(joined),
            bytes: self.bytes + next.bytes,
            first_is_word: self.first_is_word.or(next.first_is_word),
            last_is_word: next.last_is_word.or(self.last_is_word),
        }
    }
}

/// The largest character boundary at or before `at` (at most 3 bytes back; a
/// run of more continuation bytes is invalid UTF-8 and may be cut anywhere).
pub fn boundary_before(bytes: &[u8], at: usize) -> usize {
    let is_continuation = |i: usize| bytes.get(i).is_some_and(|&b| b & 0xc0 == 0x80);
    (at.saturating_sub(3)..=at)
        .rev()
        .take_while(|&i| i == at || is_continuation(i + 1))
        .find(|&i| !is_continuation(i))
        .unwrap_or(at)
}

/// The length of `bytes` without a UTF-8 sequence cut short at its end (which
/// the next bytes of a stream may complete).
pub fn complete_prefix(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for i in (len.saturating_sub(3)..len).rev() {
        let needed = match bytes[i] {
            0x80..=0xbf => continue,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1,
        };
        return if i + needed > len { i } else { len };
    }
    len
}

/// [`UnicodeCounts::of`] on the current rayon pool, in pieces of about
/// `chunk_size` bytes cut at character boundaries (at most 65,536 pieces).
pub fn par_counts(bytes: &[u8], chunk_size: usize) -> UnicodeCounts {
    let chunk = chunk_size.max(bytes.len().div_ceil(1 << 16)).max(4);
    let mut cuts = vec![0];
    let mut at = chunk;
    while at < bytes.len() {
        let cut = boundary_before(bytes, at);
        if cut > *cuts.last().unwrap_or(&0) {
            cuts.push(cut);
        }
        at += chunk;
    }
    cuts.push(bytes.len());
    cuts.par_windows(2)
        .map(|w| UnicodeCounts::of(&bytes[w[0]..w[1]]))
        .reduce(UnicodeCounts::default, UnicodeCounts::followed_by)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious count of valid UTF-8: decode it whole, walk it once.
    fn naive_words(text: &str) -> u64 {
        let mut words = 0;
        let mut in_word = false;
        for c in text.chars() {
            match kind(c) {
                Kind::Ignored => {}
                Kind::Word => {
                    words += u64::from(!in_word);
                    in_word = true;
                }
                Kind::Separator => in_word = false,
            }
        }
        words
    }

    const ALPHABET: [&str; 14] = [
        "a",
        "é",
        " ",
        "\n",
        "\u{a0}",
        "\u{3000}",
        "\u{2028}",
        "\x01",
        "\u{85}",
        "\u{200b}",
        "日",
        "\u{1F600}",
        "\u{2060}",
        "\t",
    ];

    fn generate(seed: u64, len: usize, invalid: bool) -> Vec<u8> {
        let mut state = seed;
        let mut out = Vec::new();
        for _ in 0..len {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let pick = (state >> 33) as usize % (ALPHABET.len() + 2);
            match pick {
                n if n < ALPHABET.len() => out.extend_from_slice(ALPHABET[n].as_bytes()),
                n if invalid && n == ALPHABET.len() => out.push(0xff),
                _ if invalid => out.push(0x80),
                _ => out.push(b'b'),
            }
        }
        out
    }

    #[test]
    fn no_break_spaces_separate_and_controls_do_not() {
        let words = |s: &[u8]| UnicodeCounts::of(s).words;
        assert_eq!(words("a\u{a0}b\n".as_bytes()), 2);
        assert_eq!(words(b"a\x01b"), 1);
        assert_eq!(words(b"\x01 \x02"), 0);
        assert_eq!(words(b"a\xffb"), 1);
        assert_eq!(words(b"\xff \xfe"), 0);
        assert_eq!(words("\u{200b}".as_bytes()), 1);
        assert_eq!(words("a\u{2028}b".as_bytes()), 1);
    }

    #[test]
    fn a_cut_short_sequence_is_left_for_the_next_window() {
        assert_eq!(complete_prefix("ab".as_bytes()), 2);
        assert_eq!(complete_prefix(b"a\xe2\x80"), 1);
        assert_eq!(complete_prefix(b"a\xe2\x80\x8b"), 4);
        assert_eq!(complete_prefix(b"\xf0\x9f\x98"), 0);
        assert_eq!(complete_prefix(b"a\x80\x80\x80"), 4);
    }

    #[test]
    fn every_cut_and_chunk_size_gives_the_whole_count() {
        for seed in 0..40 {
            let input = generate(seed, 60, seed % 2 == 0);
            let whole = UnicodeCounts::of(&input);
            if seed % 2 == 1 {
                assert_eq!(whole.words, naive_words(std::str::from_utf8(&input).unwrap()));
            }
            for cut in 0..=input.len() {
                let cut = boundary_before(&input, cut);
                let (a, b) = input.split_at(cut);
                assert_eq!(UnicodeCounts::of(a).followed_by(UnicodeCounts::of(b)), whole);
            }
            for chunk in [1, 2, 3, 5, 17, 1000] {
                assert_eq!(par_counts(&input, chunk), whole);
            }
        }
    }

    /// GNU wc itself, where this machine has it and a UTF-8 locale.
    #[test]
    fn equals_gnu_wc_in_a_utf8_locale() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        for seed in 0..20 {
            let input = generate(seed, 200, true);
            let Ok(mut child) = Command::new("wc")
                .arg("-w")
                .env("LC_ALL", "C.UTF-8")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
            else {
                return;
            };
            child.stdin.take().unwrap().write_all(&input).unwrap();
            let out = child.wait_with_output().unwrap();
            let Ok(gnu) = String::from_utf8_lossy(&out.stdout).trim().parse::<u64>() else {
                return;
            };
            // Only a GNU wc in a working UTF-8 locale is an oracle: check it
            // separates on U+00A0 first.
            if seed == 0 {
                let probe = Command::new("sh")
                    .args(["-c", "printf 'a\\302\\240b' | wc -w"])
                    .env("LC_ALL", "C.UTF-8")
                    .output()
                    .unwrap();
                if String::from_utf8_lossy(&probe.stdout).trim() != "2" {
                    return;
                }
            }
            assert_eq!(UnicodeCounts::of(&input).words, gnu, "{input:?}");
        }
    }
}
