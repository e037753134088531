//! The pieces a split yields: [`Split`] for `&str` sources, [`ByteSplit`] for
//! bytes, and [`SplitType`], which says whether a piece is text or a delimiter.

use std::borrow::Cow;

/// Whether a [`Split`] is text between delimiters or a delimiter itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SplitType {
    /// Text between two delimiters (or between a delimiter and an end).
    Delimited,
    /// A matched delimiter (only yielded with `preserving_delimiters`).
    Delimiter,
}

/// One piece of a split `&str`.
///
/// `start..end` are byte offsets into the source. For a plain segment
/// `&src[start..end] == string`; for a quoted segment without
/// `preserving_quoting`, `start..end` is the quoted content in the source and
/// `string` is that content with its escapes resolved (borrowed unless an escape
/// had to be resolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The text of the piece.
    pub string: Cow<'a, str>,
    /// Segment or delimiter.
    pub typ: SplitType,
    /// Byte offset of the piece's first byte in the source.
    pub start: usize,
    /// Byte offset one past the piece's last byte in the source.
    pub end: usize,
    /// Was this segment a quoted section (quotes removed unless
    /// `preserving_quoting`)?
    pub was_quoted: bool,
}

impl From<Split<'_>> for String {
    fn from(split: Split<'_>) -> String {
        split.string.into_owned()
    }
}

/// One piece of a split byte slice: the bytes twin of [`Split`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteSplit<'a> {
    /// The bytes of the piece.
    pub bytes: Cow<'a, [u8]>,
    /// Segment or delimiter.
    pub typ: SplitType,
    /// Byte offset of the piece's first byte in the source.
    pub start: usize,
    /// Byte offset one past the piece's last byte in the source.
    pub end: usize,
    /// Was this segment a quoted section?
    pub was_quoted: bool,
}
