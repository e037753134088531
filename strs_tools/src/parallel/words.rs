//! The word-frequency workload: words split on ASCII whitespace, ASCII-lowercased
//! and counted; per-chunk maps merged. Used by benchmarks and the CLI.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use super::plan;
use super::wc::is_space;

/// The hasher of the counting maps, chosen by measurement against std's SipHash
/// (see docs/search_and_process.md).
type CountHasher = foldhash::fast::RandomState;

/// Counts of one piece of text, keyed by lowercased word.
type ChunkCounts = HashMap<WordKey, usize, CountHasher>;

/// Bytes a key holds inline: most words fit, and a 32-byte table entry.
const INLINE: usize = 22;

/// A word as a map key, stored inline when short: a lookup compares bytes in
/// the table itself instead of chasing a pointer into the input or the heap
/// (borrowing keys from a 256 MiB input made every lookup a cache miss).
#[derive(Clone)]
enum WordKey {
    Inline { len: u8, bytes: [u8; INLINE] },
    Boxed(Box<[u8]>),
}

impl WordKey {
    fn new(word: &[u8]) -> WordKey {
        if word.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..word.len()].copy_from_slice(word);
            WordKey::Inline {
                len: word.len() as u8,
                bytes,
            }
        } else {
            WordKey::Boxed(word.into())
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            WordKey::Inline { len, bytes } => &bytes[..usize::from(*len)],
            WordKey::Boxed(bytes) => bytes,
        }
    }
}

// Hash and equality are those of the bytes, as `Borrow<[u8]>` requires, so a
// map can be probed with a plain slice.
impl Borrow<[u8]> for WordKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Hash for WordKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialEq for WordKey {
    fn eq(&self, other: &WordKey) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for WordKey {}

/// Word frequencies of `text`: words are the maximal runs of bytes that are not
/// ASCII whitespace (space, `\t`, `\n`, `\v`, `\f`, `\r`: the words
/// [`TextCounts`](super::TextCounts) counts), ASCII-lowercased (other characters
/// are kept as they are).
///
/// Semantically the same as
///
/// ```text
/// let mut counts = HashMap::new();
/// for w in text.split(|c: char| " \t\n\x0b\x0c\r".contains(c)).filter(|w| !w.is_empty()) {
///     *counts.entry(w.to_ascii_lowercase()).or_insert(0) += 1;
/// }
/// ```
///
/// but faster: one table lookup per byte splits and detects uppercase, words are
/// looked up by slice (no allocation), and keys of up to 22 bytes live inline in
/// the table, so a lookup touches nothing else.
///
/// # Example
///
/// ```
/// use strs_tools::parallel::word_frequencies;
///
/// let counts = word_frequencies("The cat\tsaw THE\ndog");
/// assert_eq!(counts["the"], 2);
/// assert_eq!(counts["cat"], 1);
/// assert_eq!(counts.len(), 4);
/// ```
pub fn word_frequencies(text: &str) -> HashMap<String, usize> {
    into_strings(count_words(text.as_bytes(), ChunkCounts::default()))
}

/// [`word_frequencies`] on every thread of the current rayon pool: the text is cut
/// after ASCII whitespace into chunks of about `chunk_size` bytes (`0`:
/// [`DEFAULT_CHUNK_SIZE`](super::DEFAULT_CHUNK_SIZE)), each chunk counted into its own
/// map, and the maps merged. The result is identical to [`word_frequencies`] for
/// every chunk size and thread count.
///
/// # Example
///
/// ```
/// use strs_tools::parallel::{par_word_frequencies, word_frequencies};
///
/// let text = "a B b c C c ".repeat(1000);
/// assert_eq!(par_word_frequencies(&text, 7), word_frequencies(&text));
/// assert_eq!(par_word_frequencies(&text, 0)["c"], 3000);
/// ```
pub fn par_word_frequencies(text: &str, chunk_size: usize) -> HashMap<String, usize> {
    into_strings(par_count_words(text.as_bytes(), chunk_size))
}

/// The bytes twin of [`word_frequencies`]: any input, valid UTF-8 or not, with
/// words as byte strings (split on the same ASCII whitespace, ASCII-lowercased).
/// On valid UTF-8 its keys are the bytes of [`word_frequencies`]'s.
///
/// ```
/// use strs_tools::parallel::word_frequencies_bytes;
///
/// let counts = word_frequencies_bytes(b"caf\xe9 CAF\xe9\nok");
/// assert_eq!(counts[&b"caf\xe9"[..]], 2);
/// assert_eq!(counts[&b"ok"[..]], 1);
/// ```
pub fn word_frequencies_bytes(bytes: &[u8]) -> HashMap<Vec<u8>, usize> {
    into_byte_strings(count_words(bytes, ChunkCounts::default()))
}

/// The bytes twin of [`par_word_frequencies`]: [`word_frequencies_bytes`] on
/// every thread of the current rayon pool, identical to it for every chunk size
/// and thread count.
///
/// ```
/// use strs_tools::parallel::{par_word_frequencies_bytes, word_frequencies_bytes};
///
/// let text = b"a B \xff b\tc C c\n".repeat(1000);
/// assert_eq!(par_word_frequencies_bytes(&text, 7), word_frequencies_bytes(&text));
/// assert_eq!(par_word_frequencies_bytes(&text, 0)[&b"\xff"[..]], 1000);
/// ```
pub fn par_word_frequencies_bytes(bytes: &[u8], chunk_size: usize) -> HashMap<Vec<u8>, usize> {
    into_byte_strings(par_count_words(bytes, chunk_size))
}

/// The counts of every chunk of `bytes`, merged.
fn par_count_words(bytes: &[u8], chunk_size: usize) -> ChunkCounts {
    plan::ranges_cut_after(bytes, plan::resolve_chunk_size(chunk_size), is_space)
        .into_par_iter()
        .fold(ChunkCounts::default, |map, r| count_words(&bytes[r], map))
        .reduce(ChunkCounts::default, merge)
}

/// Byte classes for the tokenizer: one table lookup per byte tells both "ends a
/// word" and "needs lowering".
const WHITESPACE: u8 = 1;
const UPPER: u8 = 2;
const CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if is_space(byte) {
            classes[b] = WHITESPACE;
        } else if byte.is_ascii_uppercase() {
            classes[b] = UPPER;
        }
        b += 1;
    }
    classes
};

/// Adds the words of `bytes` to `map`.
fn count_words(bytes: &[u8], mut map: ChunkCounts) -> ChunkCounts {
    let mut lower = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && CLASSES[usize::from(bytes[i])] == WHITESPACE {
            i += 1;
        }
        let start = i;
        let mut classes = 0;
        while i < bytes.len() && CLASSES[usize::from(bytes[i])] != WHITESPACE {
            classes |= CLASSES[usize::from(bytes[i])];
            i += 1;
        }
        if start == i {
            break;
        }
        let word = &bytes[start..i];
        let needs_lowering = classes & UPPER != 0;
        let key: &[u8] = if needs_lowering {
            lower.clear();
            lower.extend(word.iter().map(u8::to_ascii_lowercase));
            &lower
        } else {
            word
        };
        // Look up by slice first: a known word costs one hash and no allocation.
        match map.get_mut(key) {
            Some(count) => *count += 1,
            None => {
                map.insert(WordKey::new(key), 1);
            }
        }
    }
    map
}

/// Merges the smaller map into the larger.
fn merge(a: ChunkCounts, b: ChunkCounts) -> ChunkCounts {
    let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (word, count) in small {
        *big.entry(word).or_insert(0) += count;
    }
    big
}

fn into_strings(counts: ChunkCounts) -> HashMap<String, usize> {
    counts
        .into_iter()
        .map(|(word, count)| {
            // ASCII-lowercasing valid UTF-8 keeps it valid, and words are cut
            // at ASCII bytes only, so every key is valid UTF-8.
            let word =
                String::from_utf8(word.as_bytes().to_vec()).expect("ASCII-lowercased UTF-8 words stay UTF-8");
            (word, count)
        })
        .collect()
}

fn into_byte_strings(counts: ChunkCounts) -> HashMap<Vec<u8>, usize> {
    counts
        .into_iter()
        .map(|(word, count)| (word.as_bytes().to_vec(), count))
        .collect()
}
