//! Tables and helpers shared by the integration tests.

#![allow(dead_code)]

use strs_tools::string::{split, SplitBuilder, SplitOptions};

/// The records of a CSV input as owned fields.
pub type Rows = Vec<Vec<Vec<u8>>>;

/// The hostile CSV inputs of RELIABILITY.md items 11-14 (plus a byte-order mark
/// at the start and mid-input), as raw bytes.
pub const CSV_HOSTILE: &[&str] = &[
    "",
    "\n",
    "\r\n\r\n",
    "a",
    "a,b\nc,d\n",
    "a,b\n\"c,d\ne,f\n",
    "\"a\"\"b\",x\n",
    "\"x\n1,2\n\",3\n4,5\n",
    "\"x\"y,z\n",
    "x\"y\"z,w\n",
    "x\"y\"z,\"q\n",
    "a\r\r\nb\r\n\r\nc",
    "\n\na,b\n\n\nc,d\n\n",
    ",\n",
    "\"\"",
    "\"",
    "a,",
    "\"\"\"\",\"\",\"\"\"\n",
    "a\\\"b,\"c\\\"d\",\"e\\",
    "\"a\\",
    "\"a\"\"\n\"\"b\"\n",
    ",,,\n\"\n\"\"\n",
    "\"a\"\r\"b\"\n\"c\"\r\n",
    "aa\"aaaa\"\"\"\na",
    "\u{feff}a,b\n\u{feff}\"c\"\n",
    "\u{feff}\"a\nb\",c\n\u{feff}d\n",
    "\u{feff}",
    "\u{feff}\n\"",
    "x\u{feff},\"\u{feff}\"\n",
];

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
