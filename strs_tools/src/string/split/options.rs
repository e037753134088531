//! [`SplitOptions`], the compiled split configuration, and `finish`: how the
//! options turn one raw segment of the scan into pieces. Every split, sequential
//! or parallel, goes through `finish`, which is why they agree.

use std::borrow::Cow;

use super::iter::Pieces;
use super::{ByteSplit, ByteSplitIterator, Split, SplitIterator, SplitType};
use crate::matcher::DelimiterSet;
use crate::string::scan::{QuoteSet, RawSegment, Scanner, Space, ESCAPE};

/// A compiled split configuration: delimiters, quotes and flags, without a source.
/// Immutable, `Send + Sync`, reusable for any number of inputs and threads.
///
/// # Example
///
/// ```
/// use strs_tools::string::split;
///
/// let options = split().delimiter(", ").preserving_delimiters(false).build()?;
/// let a: Vec<String> = options.split("a, b").map(String::from).collect();
/// let b: Vec<String> = options.split("c, d, e").map(String::from).collect();
/// assert_eq!(a, ["a", "b"]);
/// assert_eq!(b, ["c", "d", "e"]);
/// # Ok::<(), strs_tools::matcher::BuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct SplitOptions {
    /// Every delimiter: what byte sources are split on.
    pub(crate) delimiters: DelimiterSet,
    /// The delimiters that are valid UTF-8, when some are not: what `&str`
    /// sources are split on (a byte sequence that is not UTF-8 could match
    /// inside a character).
    pub(crate) str_delimiters: Option<DelimiterSet>,
    pub(crate) quotes: Option<QuoteSet>,
    pub(crate) preserving_empty: bool,
    pub(crate) preserving_delimiters: bool,
    pub(crate) preserving_quoting: bool,
    pub(crate) stripping: bool,
}

/// How a raw segment's text is produced: a range of the source, or bytes that
/// had escapes resolved.
pub(crate) enum Text {
    Range(usize, usize),
    Unescaped(Vec<u8>, usize, usize),
}

/// A finished piece, before it is typed as `&str` or bytes.
pub(crate) struct Piece {
    pub(crate) text: Text,
    pub(crate) typ: SplitType,
    pub(crate) was_quoted: bool,
}

impl SplitOptions {
    /// Splits `src`, yielding [`Split`]s that borrow from it.
    pub fn split<'a>(&'a self, src: &'a str) -> SplitIterator<'a> {
        SplitIterator {
            inner: Pieces::new(Cow::Borrowed(self), src.as_bytes(), Space::Unicode),
            src,
        }
    }

    /// Splits bytes that need not be UTF-8, yielding [`ByteSplit`]s. Stripping
    /// trims ASCII whitespace only (bytes have no encoding to say otherwise).
    pub fn split_bytes<'a>(&'a self, src: &'a [u8]) -> ByteSplitIterator<'a> {
        ByteSplitIterator {
            inner: Pieces::new(Cow::Borrowed(self), src, Space::Ascii),
        }
    }

    /// [`split`](Self::split), consuming the options (the iterator then borrows
    /// only the source).
    pub fn into_split(self, src: &str) -> SplitIterator<'_> {
        SplitIterator {
            inner: Pieces::new(Cow::Owned(self), src.as_bytes(), Space::Unicode),
            src,
        }
    }

    /// [`split_bytes`](Self::split_bytes), consuming the options.
    pub fn into_split_bytes(self, src: &[u8]) -> ByteSplitIterator<'_> {
        ByteSplitIterator {
            inner: Pieces::new(Cow::Owned(self), src, Space::Ascii),
        }
    }

    /// Is quoting on (with at least one usable quote pair)?
    pub fn quoting(&self) -> bool {
        self.quotes.is_some()
    }

    /// The compiled delimiters.
    pub fn delimiters(&self) -> &DelimiterSet {
        &self.delimiters
    }

    /// The delimiters a source of this kind is split on: all of them for
    /// bytes, the valid UTF-8 ones for `&str`.
    pub(crate) fn delimiters_for(&self, space: Space) -> &DelimiterSet {
        match (space, &self.str_delimiters) {
            (Space::Unicode, Some(set)) => set,
            _ => &self.delimiters,
        }
    }

    pub(crate) fn scanner(&self, space: Space) -> Scanner<'_> {
        Scanner {
            delimiters: self.delimiters_for(space),
            quotes: self.quotes.as_ref(),
            skip_space: (self.stripping && self.quotes.is_some()).then_some(space),
        }
    }

    /// Applies the options to one raw segment, producing zero, one or two pieces
    /// (the segment, then its delimiter). Shared by the sequential and parallel
    /// splits, which is why they agree.
    #[inline]
    pub(crate) fn finish(&self, hay: &[u8], seg: &RawSegment, space: Space, mut out: impl FnMut(Piece)) {
        if self.quotes.is_none() && !self.stripping {
            // The hot case, spelled out: the segment as it is, then its delimiter.
            if seg.end > seg.start || self.preserving_empty {
                out(Piece {
                    text: Text::Range(seg.start, seg.end),
                    typ: SplitType::Delimited,
                    was_quoted: false,
                });
            }
            if let (true, Some((s, e))) = (self.preserving_delimiters, seg.delimiter) {
                out(Piece {
                    text: Text::Range(s, e),
                    typ: SplitType::Delimiter,
                    was_quoted: false,
                });
            }
            return;
        }
        let quoted = seg.quote.filter(|q| self.is_whole_quote(hay, seg, q, space));
        let piece = match quoted {
            Some(q) if self.preserving_quoting => Piece {
                text: Text::Range(q.open, q.close_end),
                typ: SplitType::Delimited,
                was_quoted: true,
            },
            Some(q) => {
                let content = &hay[q.content_start..q.content_end];
                let text = match unescape(content) {
                    Some(owned) => Text::Unescaped(owned, q.content_start, q.content_end),
                    None => Text::Range(q.content_start, q.content_end),
                };
                Piece {
                    text,
                    typ: SplitType::Delimited,
                    was_quoted: true,
                }
            }
            None => {
                let (start, end) = if self.stripping {
                    trim(hay, seg.start, seg.end, space)
                } else {
                    (seg.start, seg.end)
                };
                Piece {
                    text: Text::Range(start, end),
                    typ: SplitType::Delimited,
                    was_quoted: false,
                }
            }
        };
        // An explicitly quoted empty string (`""`) is kept: quoting it says it
        // matters.
        let empty = matches!(piece.text, Text::Range(s, e) if s == e) && !piece.was_quoted;
        if !empty || self.preserving_empty {
            out(piece);
        }
        if let (true, Some((s, e))) = (self.preserving_delimiters, seg.delimiter) {
            out(Piece {
                text: Text::Range(s, e),
                typ: SplitType::Delimiter,
                was_quoted: false,
            });
        }
    }

    /// Is the segment exactly one quoted section (give or take the whitespace
    /// that stripping removes)?
    fn is_whole_quote(
        &self,
        hay: &[u8],
        seg: &RawSegment,
        q: &crate::string::scan::QuoteSpan,
        space: Space,
    ) -> bool {
        let rest = if self.stripping {
            trim(hay, q.close_end, seg.end, space)
        } else {
            (q.close_end, seg.end)
        };
        rest.0 == rest.1
    }
}

/// Trims whitespace from both ends of `hay[start..end]`.
fn trim(hay: &[u8], start: usize, end: usize, space: Space) -> (usize, usize) {
    match space {
        Space::Ascii => {
            let t = hay[start..end].trim_ascii();
            // As `str::trim`: an all-whitespace segment is empty at its start.
            let lead = if t.is_empty() {
                0
            } else {
                end - start - hay[start..end].trim_ascii_start().len()
            };
            (start + lead, start + lead + t.len())
        }
        Space::Unicode => match std::str::from_utf8(&hay[start..end]) {
            Ok(s) => {
                let lead = s.len() - s.trim_start().len();
                let t = s.trim();
                // `str::trim` of an all-whitespace string is empty at the start.
                let lead = if t.is_empty() { 0 } else { lead };
                (start + lead, start + lead + t.len())
            }
            // Unreachable for `&str` sources; trim ASCII rather than panic.
            Err(_) => trim(hay, start, end, Space::Ascii),
        },
    }
}

/// Resolves backslash escapes in quoted content: `\"`, `\'`, `\\`, `\n`, `\t`,
/// `\r` become the character; any other escaped byte is kept with its backslash.
/// `None` when there is nothing to resolve (the content is used as it is).
pub(crate) fn unescape(content: &[u8]) -> Option<Vec<u8>> {
    memchr::memchr(ESCAPE, content)?;
    let mut out = Vec::with_capacity(content.len());
    let mut bytes = content.iter().copied();
    while let Some(b) = bytes.next() {
        if b != ESCAPE {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'r') => out.push(b'\r'),
            Some(c @ (b'"' | b'\'' | b'\\')) => out.push(c),
            Some(c) => out.extend_from_slice(&[ESCAPE, c]),
            None => out.push(ESCAPE),
        }
    }
    Some(out)
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Text::Range(s, e) => write!(f, "{s}..{e}"),
            Text::Unescaped(_, s, e) => write!(f, "unescaped {s}..{e}"),
        }
    }
}

/// Converts a piece of a `&str` source. Every range the scan produces lies on
/// character boundaries (delimiters, quotes and escapes are whole characters),
/// so the checked slice never fails; resolved escapes keep text valid UTF-8.
#[inline]
pub(crate) fn str_split<'a>(src: &'a str, piece: Piece) -> Split<'a> {
    let (string, start, end) = match piece.text {
        Text::Range(s, e) => {
            let text = src.get(s..e).expect("scan ranges lie on character boundaries");
            (Cow::Borrowed(text), s, e)
        }
        Text::Unescaped(bytes, s, e) => {
            let owned = String::from_utf8(bytes).expect("resolving escapes keeps text valid UTF-8");
            (Cow::Owned(owned), s, e)
        }
    };
    Split {
        string,
        typ: piece.typ,
        start,
        end,
        was_quoted: piece.was_quoted,
    }
}

#[inline]
pub(crate) fn byte_split<'a>(src: &'a [u8], piece: Piece) -> ByteSplit<'a> {
    let (bytes, start, end) = match piece.text {
        Text::Range(s, e) => (Cow::Borrowed(&src[s..e]), s, e),
        Text::Unescaped(bytes, s, e) => (Cow::Owned(bytes), s, e),
    };
    ByteSplit {
        bytes,
        typ: piece.typ,
        start,
        end,
        was_quoted: piece.was_quoted,
    }
}

/// Emits the finished pieces of one raw segment as [`Split`]s: the conversion the
/// parallel split applies per segment, identical to the sequential iterator's.
#[inline]
pub(crate) fn emit_str<'a>(
    options: &SplitOptions,
    src: &'a str,
    seg: &RawSegment,
    mut out: impl FnMut(Split<'a>),
) {
    options.finish(src.as_bytes(), seg, Space::Unicode, |p| out(str_split(src, p)));
}

/// The bytes twin of [`emit_str`].
#[inline]
pub(crate) fn emit_bytes<'a>(
    options: &SplitOptions,
    src: &'a [u8],
    seg: &RawSegment,
    mut out: impl FnMut(ByteSplit<'a>),
) {
    options.finish(src, seg, Space::Ascii, |p| out(byte_split(src, p)));
}
