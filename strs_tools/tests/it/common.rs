//! Tables and helpers shared by the split tests: the delimiter sets that break
//! naive chunkers, and every combination of the split's flags.

use strs_tools::string::{split, SplitBuilder, SplitOptions};

/// Delimiter sets with overlapping, prefix-related, multi-byte, empty and
/// longer-than-the-input delimiters.
pub const SETS: &[&[&str]] = &[
    &[","],
    &["\n"],
    &["aa"],
    &["=", "=="],
    &["ab", "b"],
    &["ab", "bc"],
    &["abab", "bab"],
    &[",a,"],
    &["\0\0"],
    &["é", "日本"],
    &["||"],
    &["\r\n", "\n"],
    &["", ","],
    &["a", "b", "="],
    &[" "],
    &["aaaaaaaaaaaaaaaaaaaa"],
    &["\r\n"],
    &[",", ";", "|", "\t"],
];

/// One combination of the split's flags.
#[derive(Clone, Copy, Debug)]
pub struct Flags {
    pub empty: bool,
    pub delims: bool,
    pub strip: bool,
    pub quoting: bool,
    pub keep_quotes: bool,
    pub custom_quotes: bool,
}

impl Flags {
    /// The flags whose bits are set in `b` (bit 0 `empty` … bit 5 `custom_quotes`).
    pub fn from_bits(b: u8) -> Flags {
        Flags {
            empty: b & 1 != 0,
            delims: b & 2 != 0,
            strip: b & 4 != 0,
            quoting: b & 8 != 0,
            keep_quotes: b & 16 != 0,
            custom_quotes: b & 32 != 0,
        }
    }

    /// All 64 combinations.
    pub fn all() -> impl Iterator<Item = Flags> {
        (0..64u8).map(Flags::from_bits)
    }

    /// Sets these flags on a builder.
    pub fn apply<'a, 'b>(self, b: &'b mut SplitBuilder<'a>) -> &'b mut SplitBuilder<'a> {
        b.preserving_empty(self.empty)
            .preserving_delimiters(self.delims)
            .stripping(self.strip)
            .quoting(self.quoting)
            .preserving_quoting(self.keep_quotes);
        if self.custom_quotes {
            b.quoting_prefixes(&["«", "\""]).quoting_postfixes(&["»", "\""]);
        }
        b
    }

    /// The compiled options for `delims` with these flags.
    pub fn options(self, delims: &[&str]) -> SplitOptions {
        self.apply(split().delimiters(delims))
            .build()
            .expect("small sets compile")
    }
}
