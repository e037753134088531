//! The sequential split: a builder with the crates.io `strs_tools` surface, the
//! compiled [`SplitOptions`], and the zero-copy iterators over `&str` and bytes.

use std::borrow::Cow;

use super::scan::{QuoteSet, RawSegment, ScanState, Scanner, Space, ESCAPE};
use crate::matcher::DelimiterSet;

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

/// An empty segment at offset 0.
impl Default for Split<'_> {
    fn default() -> Self {
        Split {
            string: Cow::Borrowed(""),
            typ: SplitType::Delimited,
            start: 0,
            end: 0,
            was_quoted: false,
        }
    }
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

/// An empty segment at offset 0.
impl Default for ByteSplit<'_> {
    fn default() -> Self {
        ByteSplit {
            bytes: Cow::Borrowed(b""),
            typ: SplitType::Delimited,
            start: 0,
            end: 0,
            was_quoted: false,
        }
    }
}

/// A compiled split configuration: delimiters, quotes and flags, without a source.
/// Immutable, `Send + Sync`, reusable for any number of inputs and threads.
///
/// # Example
///
/// ```
/// use strs_tools::string::split;
///
/// let options = split().delimeter(", ").preserving_delimeters(false).build();
/// let a: Vec<String> = options.split("a, b").map(String::from).collect();
/// let b: Vec<String> = options.split("c, d, e").map(String::from).collect();
/// assert_eq!(a, ["a", "b"]);
/// assert_eq!(b, ["c", "d", "e"]);
/// ```
#[derive(Clone, Debug)]
pub struct SplitOptions {
    pub(crate) delimiters: DelimiterSet,
    pub(crate) quotes: Option<QuoteSet>,
    pub(crate) preserving_empty: bool,
    pub(crate) preserving_delimiters: bool,
    pub(crate) preserving_quoting: bool,
    pub(crate) stripping: bool,
}

/// How a raw segment's text is produced: a range of the source, or bytes that
/// had escapes resolved.
enum Text {
    Range(usize, usize),
    Unescaped(Vec<u8>, usize, usize),
}

/// A finished piece, before it is typed as `&str` or bytes.
struct Piece {
    text: Text,
    typ: SplitType,
    was_quoted: bool,
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

    pub(crate) fn scanner(&self, space: Space) -> Scanner<'_> {
        Scanner {
            delimiters: &self.delimiters,
            quotes: self.quotes.as_ref(),
            skip_space: (self.stripping && self.quotes.is_some()).then_some(space),
        }
    }

    /// Applies the options to one raw segment, producing zero, one or two pieces
    /// (the segment, then its delimiter). Shared by the sequential and parallel
    /// splits, which is why they agree.
    #[inline]
    fn finish(&self, hay: &[u8], seg: &RawSegment, space: Space, mut out: impl FnMut(Piece)) {
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
    fn is_whole_quote(&self, hay: &[u8], seg: &RawSegment, q: &super::scan::QuoteSpan, space: Space) -> bool {
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

/// The typed-independent part of both iterators: scan, finish, queue.
#[derive(Debug)]
struct Pieces<'a> {
    options: Cow<'a, SplitOptions>,
    hay: &'a [u8],
    space: Space,
    state: ScanState,
    /// A delimiter piece waiting behind the segment piece just returned.
    queued: Option<(usize, usize)>,
    /// No quoting and no stripping: segments are exactly the text between
    /// matches, so the scan needs no state machine (the hot path).
    plain: bool,
}

impl<'a> Pieces<'a> {
    fn new(options: Cow<'a, SplitOptions>, hay: &'a [u8], space: Space) -> Pieces<'a> {
        let state = ScanState::segment_start(0, options.quotes.is_some());
        let plain = options.quotes.is_none() && !options.stripping;
        Pieces {
            options,
            hay,
            space,
            state,
            queued: None,
            plain,
        }
    }

    #[inline]
    fn next_piece(&mut self) -> Option<Piece> {
        if let Some((s, e)) = self.queued.take() {
            return Some(Piece {
                text: Text::Range(s, e),
                typ: SplitType::Delimiter,
                was_quoted: false,
            });
        }
        if self.plain {
            return self.next_plain_piece();
        }
        loop {
            let seg = self
                .options
                .scanner(self.space)
                .advance(self.hay, &mut self.state, self.hay.len())?;
            let mut first = None;
            let mut queued = None;
            self.options.finish(self.hay, &seg, self.space, |p| {
                if first.is_none() {
                    first = Some(p);
                } else if let Text::Range(s, e) = p.text {
                    queued = Some((s, e));
                }
            });
            self.queued = queued;
            if first.is_some() {
                return first;
            }
        }
    }
}

impl Pieces<'_> {
    /// `next_piece` without quoting or stripping: what `Scanner::advance` plus
    /// `SplitOptions::finish` do in that case, written directly.
    #[inline]
    fn next_plain_piece(&mut self) -> Option<Piece> {
        let options = &*self.options;
        loop {
            if self.state.done {
                return None;
            }
            let start = self.state.pos;
            let end = match options.delimiters.find_at(self.hay, start) {
                Some(m) => {
                    self.state.pos = m.end;
                    if options.preserving_delimiters {
                        self.queued = Some((m.start, m.end));
                    }
                    m.start
                }
                None => {
                    self.state.done = true;
                    self.hay.len()
                }
            };
            if end > start || options.preserving_empty {
                return Some(Piece {
                    text: Text::Range(start, end),
                    typ: SplitType::Delimited,
                    was_quoted: false,
                });
            }
            if let Some((s, e)) = self.queued.take() {
                return Some(Piece {
                    text: Text::Range(s, e),
                    typ: SplitType::Delimiter,
                    was_quoted: false,
                });
            }
        }
    }
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
fn str_split<'a>(src: &'a str, piece: Piece) -> Split<'a> {
    let (string, start, end) = match piece.text {
        Text::Range(s, e) => (Cow::Borrowed(src.get(s..e).unwrap_or_default()), s, e),
        Text::Unescaped(bytes, s, e) => {
            let owned =
                String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into());
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
fn byte_split<'a>(src: &'a [u8], piece: Piece) -> ByteSplit<'a> {
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

/// Iterator over the [`Split`]s of a `&str`: see [`split`].
#[derive(Debug)]
pub struct SplitIterator<'a> {
    inner: Pieces<'a>,
    src: &'a str,
}

impl<'a> Iterator for SplitIterator<'a> {
    type Item = Split<'a>;

    #[inline]
    fn next(&mut self) -> Option<Split<'a>> {
        let piece = self.inner.next_piece()?;
        Some(str_split(self.src, piece))
    }
}

impl std::iter::FusedIterator for SplitIterator<'_> {}

/// Iterator over the [`ByteSplit`]s of a byte slice: see
/// [`SplitOptions::split_bytes`].
#[derive(Debug)]
pub struct ByteSplitIterator<'a> {
    inner: Pieces<'a>,
}

impl<'a> Iterator for ByteSplitIterator<'a> {
    type Item = ByteSplit<'a>;

    #[inline]
    fn next(&mut self) -> Option<ByteSplit<'a>> {
        let piece = self.inner.next_piece()?;
        Some(byte_split(self.inner.hay, piece))
    }
}

impl std::iter::FusedIterator for ByteSplitIterator<'_> {}

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

/// What `.delimeter(..)` accepts: one delimiter or a list of them.
pub trait IntoDelimiters<'a> {
    /// The delimiters, in order.
    fn into_delimiters(self) -> Vec<&'a str>;
}

impl<'a> IntoDelimiters<'a> for &'a str {
    fn into_delimiters(self) -> Vec<&'a str> {
        vec![self]
    }
}

impl<'a> IntoDelimiters<'a> for Vec<&'a str> {
    fn into_delimiters(self) -> Vec<&'a str> {
        self
    }
}

impl<'a> IntoDelimiters<'a> for &[&'a str] {
    fn into_delimiters(self) -> Vec<&'a str> {
        self.to_vec()
    }
}

impl<'a, const N: usize> IntoDelimiters<'a> for [&'a str; N] {
    fn into_delimiters(self) -> Vec<&'a str> {
        self.to_vec()
    }
}

impl<'a, const N: usize> IntoDelimiters<'a> for &[&'a str; N] {
    fn into_delimiters(self) -> Vec<&'a str> {
        self.to_vec()
    }
}

/// The split builder returned by [`split`]: set a source, delimiters and options,
/// then [`perform`](SplitBuilder::perform).
///
/// Defaults (the crates.io `strs_tools` defaults): delimiters are kept
/// (`preserving_delimiters(true)`), empty segments are dropped
/// (`preserving_empty(false)`), no stripping, no quoting. (The parallel
/// `ParallelSplit` defaults differ: segments only, empties kept, as `str::split`.)
#[derive(Clone, Debug)]
pub struct SplitBuilder<'a> {
    src: &'a str,
    delimiters: Vec<&'a str>,
    preserving_empty: bool,
    preserving_delimiters: bool,
    preserving_quoting: bool,
    stripping: bool,
    quoting: bool,
    quoting_prefixes: Vec<&'a str>,
    quoting_postfixes: Vec<&'a str>,
}

impl Default for SplitBuilder<'_> {
    fn default() -> Self {
        SplitBuilder {
            src: "",
            delimiters: Vec::new(),
            preserving_empty: false,
            preserving_delimiters: true,
            preserving_quoting: false,
            stripping: false,
            quoting: false,
            quoting_prefixes: Vec::new(),
            quoting_postfixes: Vec::new(),
        }
    }
}

/// Starts a split: the entry point of the crates.io `strs_tools` API.
///
/// The input is cut at every delimiter match, scanning left to right (the
/// leftmost match wins, the shortest at the same position, matches never
/// overlap, empty delimiters are ignored; see [`crate::matcher`]). The result is
/// the segments between matches interleaved with the matches, then filtered by
/// the options. Every segment borrows from the source unless quoting had to
/// resolve an escape. Time is linear in the input for any delimiter set.
///
/// # Example
///
/// ```
/// use strs_tools::string::{split, SplitType};
///
/// let pieces: Vec<String> = split().src("a, b,,c").delimeter(",").perform().map(String::from).collect();
/// assert_eq!(pieces, ["a", ",", " b", ",", ",", "c"]);
///
/// let words: Vec<String> = split()
///     .src(r#"say "hello, world", twice"#)
///     .delimeter(",")
///     .quoting(true)
///     .stripping(true)
///     .preserving_delimeters(false)
///     .perform()
///     .map(String::from)
///     .collect();
/// assert_eq!(words, ["say \"hello", "world\"", "twice"]);
///
/// let quoted: Vec<_> = split().src(r#""hello, world", x"#).delimeter(",").quoting(true).stripping(true)
///     .preserving_delimeters(false).perform().collect();
/// assert_eq!(quoted[0].string, "hello, world");
/// assert!(quoted[0].was_quoted);
/// assert_eq!(quoted[1].typ, SplitType::Delimited);
/// ```
pub fn split<'a>() -> SplitBuilder<'a> {
    SplitBuilder::default()
}

impl<'a> SplitBuilder<'a> {
    /// The text to split.
    pub fn src(&mut self, src: &'a str) -> &mut Self {
        self.src = src;
        self
    }

    /// Sets the delimiters (replacing earlier ones): a `&str`, a `Vec<&str>`, a
    /// slice or an array. The crates.io crate's spelling, kept for compatibility.
    pub fn delimeter<D: IntoDelimiters<'a>>(&mut self, delimiters: D) -> &mut Self {
        self.delimiters = delimiters.into_delimiters();
        self
    }

    /// Sets a single delimiter (replacing earlier ones).
    pub fn delimiter(&mut self, delimiter: &'a str) -> &mut Self {
        self.delimiters = vec![delimiter];
        self
    }

    /// Sets the delimiters (replacing earlier ones).
    pub fn delimiters(&mut self, delimiters: &[&'a str]) -> &mut Self {
        self.delimiters = delimiters.to_vec();
        self
    }

    /// Keep empty segments (between adjacent delimiters, at either end, and
    /// segments that stripping emptied). Default `false`. An explicitly quoted
    /// empty segment (`""`) is always kept.
    pub fn preserving_empty(&mut self, yes: bool) -> &mut Self {
        self.preserving_empty = yes;
        self
    }

    /// Yield the matched delimiters between segments, as
    /// [`SplitType::Delimiter`] pieces. Default `true`. The crates.io crate's
    /// spelling; same as [`preserving_delimiters`](Self::preserving_delimiters).
    pub fn preserving_delimeters(&mut self, yes: bool) -> &mut Self {
        self.preserving_delimiters = yes;
        self
    }

    /// Yield the matched delimiters between segments. Default `true`.
    pub fn preserving_delimiters(&mut self, yes: bool) -> &mut Self {
        self.preserving_delimiters = yes;
        self
    }

    /// For a quoted segment, yield it with its quotes and escapes as written
    /// (`start..end` then covers the quotes) instead of its unescaped content.
    /// Default `false`.
    pub fn preserving_quoting(&mut self, yes: bool) -> &mut Self {
        self.preserving_quoting = yes;
        self
    }

    /// Trim whitespace from both ends of every unquoted segment (Unicode
    /// whitespace, as `str::trim`; ASCII whitespace for byte input); with quoting,
    /// a quote may then follow leading whitespace. Delimiters and quoted content
    /// are never trimmed. Default `false`.
    pub fn stripping(&mut self, yes: bool) -> &mut Self {
        self.stripping = yes;
        self
    }

    /// Keep quoted sections whole: a quote that opens at the start of a segment
    /// runs to its closing quote, and delimiters inside it do not split. The quotes
    /// are `"` and `'` unless [`quoting_prefixes`](Self::quoting_prefixes) says
    /// otherwise. Inside quotes a backslash escapes the next character. A quote
    /// that never closes runs to the end of the input. Default `false`.
    pub fn quoting(&mut self, yes: bool) -> &mut Self {
        self.quoting = yes;
        self
    }

    /// The strings that open a quoted section (default `"` and `'`). Empty
    /// prefixes are ignored.
    pub fn quoting_prefixes(&mut self, prefixes: &[&'a str]) -> &mut Self {
        self.quoting_prefixes = prefixes.to_vec();
        self
    }

    /// The strings that close a quoted section, paired by position with the
    /// prefixes (default: the prefix itself, also for a missing or empty postfix).
    pub fn quoting_postfixes(&mut self, postfixes: &[&'a str]) -> &mut Self {
        self.quoting_postfixes = postfixes.to_vec();
        self
    }

    /// Compiles the configuration (without the source) for reuse across inputs
    /// and threads.
    pub fn build(&self) -> SplitOptions {
        let quotes = self.quoting.then(|| {
            let (pre, post): (&[&str], &[&str]) = if self.quoting_prefixes.is_empty() {
                (&["\"", "'"], &["\"", "'"])
            } else {
                (&self.quoting_prefixes, &self.quoting_postfixes)
            };
            QuoteSet::new(pre, post)
        });
        SplitOptions {
            delimiters: DelimiterSet::new(&self.delimiters),
            quotes: quotes.filter(|q| !q.pairs.is_empty()),
            preserving_empty: self.preserving_empty,
            preserving_delimiters: self.preserving_delimiters,
            preserving_quoting: self.preserving_quoting,
            stripping: self.stripping,
        }
    }

    /// Splits the source: an iterator of [`Split`]s borrowing from it.
    pub fn perform(&mut self) -> SplitIterator<'a> {
        self.build().into_split(self.src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(b: &mut SplitBuilder<'_>) -> Vec<(String, SplitType, usize, usize, bool)> {
        b.perform()
            .map(|s| (s.string.into_owned(), s.typ, s.start, s.end, s.was_quoted))
            .collect()
    }

    fn strings(b: &mut SplitBuilder<'_>) -> Vec<String> {
        b.perform().map(String::from).collect()
    }

    #[test]
    fn defaults_keep_delimiters_and_drop_empties() {
        assert_eq!(
            strings(split().src("a,,b,").delimeter(",")),
            ["a", ",", ",", "b", ","]
        );
        assert_eq!(
            strings(split().src("a,,b,").delimeter(",").preserving_empty(true)),
            ["a", ",", "", ",", "b", ",", ""]
        );
    }

    #[test]
    fn empty_source_yields_one_empty_segment_only_when_preserving_empty() {
        assert!(strings(split().src("").delimeter(",")).is_empty());
        assert_eq!(
            pieces(split().src("").delimeter(",").preserving_empty(true)),
            [(String::new(), SplitType::Delimited, 0, 0, false)]
        );
    }

    #[test]
    fn no_delimiters_or_only_empty_ones_yield_the_whole_source() {
        assert_eq!(strings(split().src("abc")), ["abc"]);
        assert_eq!(strings(split().src("abc").delimeter(vec!["", ""])), ["abc"]);
        assert_eq!(strings(split().src("ab").delimeter("abc")), ["ab"]);
    }

    #[test]
    fn stripping_trims_unicode_whitespace_and_moves_offsets() {
        let got = pieces(split().src(" a \u{3000},\u{a0}b").delimeter(",").stripping(true));
        assert_eq!(got[0], ("a".into(), SplitType::Delimited, 1, 2, false));
        assert_eq!(got[2], ("b".into(), SplitType::Delimited, 9, 10, false));
        // All-whitespace becomes empty, then the empty rule applies.
        assert_eq!(
            strings(split().src("a,  ,b").delimeter(",").stripping(true)),
            ["a", ",", ",", "b"]
        );
    }

    #[test]
    fn quoted_sections_protect_delimiters_and_resolve_escapes() {
        let got = pieces(
            split()
                .src(r#"a,"b,\"c",d"#)
                .delimeter(",")
                .quoting(true)
                .preserving_delimeters(false),
        );
        assert_eq!(
            got,
            [
                ("a".into(), SplitType::Delimited, 0, 1, false),
                ("b,\"c".into(), SplitType::Delimited, 3, 8, true),
                ("d".into(), SplitType::Delimited, 10, 11, false),
            ]
        );
        let kept = strings(
            split()
                .src(r#"a,"b,\"c",d"#)
                .delimeter(",")
                .quoting(true)
                .preserving_quoting(true)
                .preserving_delimeters(false),
        );
        assert_eq!(kept, ["a", r#""b,\"c""#, "d"]);
    }

    #[test]
    fn a_quote_only_opens_at_a_segment_start_and_text_after_it_stays() {
        let got = strings(
            split()
                .src(r#"it's,"x"y,'z"#)
                .delimeter(",")
                .quoting(true)
                .preserving_delimeters(false),
        );
        assert_eq!(got, ["it's", "\"x\"y", "z"]);
    }

    #[test]
    fn unclosed_quote_runs_to_the_end_of_input() {
        let got = pieces(
            split()
                .src("a,'b,c")
                .delimeter(",")
                .quoting(true)
                .preserving_delimeters(false),
        );
        assert_eq!(
            got,
            [
                ("a".into(), SplitType::Delimited, 0, 1, false),
                ("b,c".into(), SplitType::Delimited, 3, 6, true)
            ]
        );
        // A trailing escape is kept literally.
        assert_eq!(
            strings(split().src(r#""ab\"#).delimeter(",").quoting(true)),
            ["ab\\"]
        );
    }

    #[test]
    fn quoted_empty_string_is_kept_without_preserving_empty() {
        assert_eq!(
            strings(
                split()
                    .src(r#"a,"",b"#)
                    .delimeter(",")
                    .quoting(true)
                    .preserving_delimeters(false)
            ),
            ["a", "", "b"]
        );
    }

    #[test]
    fn custom_quote_pairs_and_stripping_before_a_quote() {
        let got = strings(
            split()
                .src("x; « a; b » ;y")
                .delimeter(";")
                .quoting(true)
                .quoting_prefixes(&["«"])
                .quoting_postfixes(&["»"])
                .stripping(true)
                .preserving_delimeters(false),
        );
        assert_eq!(got, ["x", " a; b ", "y"]);
    }

    #[test]
    fn bytes_twin_splits_invalid_utf8() {
        let options = split().delimeter(",").preserving_delimeters(false).build();
        let got: Vec<Vec<u8>> = options
            .split_bytes(b"\xff,\xfe\x80, \xc0\xaf")
            .map(|s| s.bytes.into_owned())
            .collect();
        assert_eq!(
            got,
            [b"\xff".to_vec(), b"\xfe\x80".to_vec(), b" \xc0\xaf".to_vec()]
        );
    }

    #[test]
    fn options_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SplitOptions>();
        assert_send_sync::<Split<'static>>();
    }
}
