//! [`SplitBuilder`], the crates.io `strs_tools` builder surface: set a source,
//! delimiters and options, then `perform` (split now) or `build` (compile a
//! reusable [`SplitOptions`]).

use super::{SplitIterator, SplitOptions};
use crate::matcher::{BuildError, DelimiterSet};
use crate::string::scan::QuoteSet;

/// What the deprecated `.delimiter(..)` accepts: one delimiter or a list of
/// them. New code calls [`SplitBuilder::delimiter`] or
/// [`SplitBuilder::delimiters`].
#[doc(hidden)]
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
/// (`preserving_empty(false)`), no stripping, no quoting. (The `par_split`
/// shorthands and `ParallelSplit::split_parallel` use `str::split` semantics
/// instead: segments only, empties kept.)
#[derive(Clone, Debug)]
pub struct SplitBuilder<'a> {
    src: &'a str,
    delimiters: Vec<Vec<u8>>,
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
/// let pieces: Vec<String> = split().src("a, b,,c").delimiter(",").perform().map(String::from).collect();
/// assert_eq!(pieces, ["a", ",", " b", ",", ",", "c"]);
///
/// let words: Vec<String> = split()
///     .src(r#"say "hello, world", twice"#)
///     .delimiter(",")
///     .quoting(true)
///     .stripping(true)
///     .preserving_delimiters(false)
///     .perform()
///     .map(String::from)
///     .collect();
/// assert_eq!(words, ["say \"hello", "world\"", "twice"]);
///
/// let quoted: Vec<_> = split().src(r#""hello, world", x"#).delimiter(",").quoting(true).stripping(true)
///     .preserving_delimiters(false).perform().collect();
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

    /// Sets a single delimiter (replacing earlier ones).
    pub fn delimiter(&mut self, delimiter: &str) -> &mut Self {
        self.delimiters = vec![delimiter.as_bytes().to_vec()];
        self
    }

    /// Sets the delimiters (replacing earlier ones): any iterable of strings,
    /// such as an array, a slice or a `Vec` of `&str` or `String`.
    ///
    /// ```
    /// use strs_tools::string::split;
    ///
    /// let owned = vec![String::from("\r\n"), String::from("\n")];
    /// let lines: Vec<String> = split().src("a\r\nb\nc").delimiters(&owned).preserving_delimiters(false)
    ///     .perform().map(String::from).collect();
    /// assert_eq!(lines, ["a", "b", "c"]);
    /// ```
    pub fn delimiters<I, P>(&mut self, delimiters: I) -> &mut Self
    where
        I: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        self.delimiters = delimiters
            .into_iter()
            .map(|d| d.as_ref().as_bytes().to_vec())
            .collect();
        self
    }

    /// Sets byte delimiters (replacing earlier ones), for splitting bytes that
    /// need not be UTF-8 with [`SplitOptions::split_bytes`] or
    /// [`SplitOptions::par_split_bytes`]. A `&str` split uses only those that
    /// are valid UTF-8 (a byte sequence that is not could match inside a
    /// character).
    ///
    /// ```
    /// use strs_tools::string::split;
    ///
    /// let opts = split().byte_delimiters([&b"\xff"[..], b","]).preserving_delimiters(false).build()?;
    /// let parts: Vec<Vec<u8>> = opts.split_bytes(b"a\xffb,c").map(|p| p.bytes.into_owned()).collect();
    /// assert_eq!(parts, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    /// let text: Vec<String> = opts.split("a,b").map(String::from).collect();
    /// assert_eq!(text, ["a", "b"]);
    /// # Ok::<(), strs_tools::matcher::BuildError>(())
    /// ```
    pub fn byte_delimiters<I, P>(&mut self, delimiters: I) -> &mut Self
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        self.delimiters = delimiters.into_iter().map(|d| d.as_ref().to_vec()).collect();
        self
    }

    /// Sets the delimiters: a misspelling of [`delimiters`](Self::delimiters)
    /// (the crates.io builder spells it correctly), accepting one `&str` or a
    /// list.
    #[deprecated(note = "use `delimiter` or `delimiters`")]
    pub fn delimeter<D: IntoDelimiters<'a>>(&mut self, delimiters: D) -> &mut Self {
        self.delimiters = delimiters
            .into_delimiters()
            .into_iter()
            .map(|d| d.as_bytes().to_vec())
            .collect();
        self
    }

    /// Keep empty segments (between adjacent delimiters, at either end, and
    /// segments that stripping emptied). Default `false`. An explicitly quoted
    /// empty segment (`""`) is always kept.
    pub fn preserving_empty(&mut self, yes: bool) -> &mut Self {
        self.preserving_empty = yes;
        self
    }

    /// A misspelling of [`preserving_delimiters`](Self::preserving_delimiters).
    #[deprecated(note = "use `preserving_delimiters`")]
    pub fn preserving_delimeters(&mut self, yes: bool) -> &mut Self {
        self.preserving_delimiters = yes;
        self
    }

    /// Yield the matched delimiters between segments, as
    /// [`SplitType::Delimiter`](super::SplitType::Delimiter) pieces. Default
    /// `true`.
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

    /// Compiles the configuration (without the source) into an immutable
    /// [`SplitOptions`], for reuse across inputs and threads.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when the delimiter set cannot be compiled (an automaton
    /// beyond aho-corasick's limits: gigabytes of delimiters).
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::string::split;
    ///
    /// let opts = split().delimiters(["\r\n", "\n"]).preserving_delimiters(false).build()?;
    /// let lines: Vec<String> = opts.split("a\r\nb\nc").map(String::from).collect();
    /// assert_eq!(lines, ["a", "b", "c"]);
    /// # Ok::<(), strs_tools::matcher::BuildError>(())
    /// ```
    pub fn build(&self) -> Result<SplitOptions, BuildError> {
        let quotes = self.quoting.then(|| {
            let (pre, post): (&[&str], &[&str]) = if self.quoting_prefixes.is_empty() {
                (&["\"", "'"], &["\"", "'"])
            } else {
                (&self.quoting_prefixes, &self.quoting_postfixes)
            };
            QuoteSet::new(pre, post)
        });
        let all_utf8 = self.delimiters.iter().all(|d| std::str::from_utf8(d).is_ok());
        let str_delimiters = if all_utf8 {
            None
        } else {
            let valid = self.delimiters.iter().filter(|d| std::str::from_utf8(d).is_ok());
            Some(DelimiterSet::new(valid)?)
        };
        Ok(SplitOptions {
            delimiters: DelimiterSet::new(&self.delimiters)?,
            str_delimiters,
            quotes: quotes.filter(|q| !q.pairs.is_empty()),
            preserving_empty: self.preserving_empty,
            preserving_delimiters: self.preserving_delimiters,
            preserving_quoting: self.preserving_quoting,
            stripping: self.stripping,
        })
    }

    /// Splits the source: an iterator of [`Split`](super::Split)s borrowing
    /// from it.
    ///
    /// # Panics
    ///
    /// When [`build`](Self::build) fails (a delimiter set of gigabytes); call
    /// `build` to get the error as a value.
    pub fn perform(&mut self) -> SplitIterator<'a> {
        self.build()
            .expect("delimiter set too large to compile; use build() to handle the error")
            .into_split(self.src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::string::{Split, SplitOptions, SplitType};

    #[test]
    #[allow(deprecated)]
    fn the_misspelled_aliases_set_the_same_fields() {
        let text = "a, b,c";
        let primary: Vec<String> = split()
            .src(text)
            .delimiters([",", ", "])
            .preserving_delimiters(false)
            .perform()
            .map(String::from)
            .collect();
        let alias: Vec<String> = split()
            .src(text)
            .delimeter(vec![",", ", "])
            .preserving_delimeters(false)
            .perform()
            .map(String::from)
            .collect();
        assert_eq!(primary, alias);
        let one: Vec<String> = split()
            .src(text)
            .delimeter(",")
            .perform()
            .map(String::from)
            .collect();
        let two: Vec<String> = split()
            .src(text)
            .delimiter(",")
            .perform()
            .map(String::from)
            .collect();
        assert_eq!(one, two);
    }

    /// The one split configuration, used as documented: builder, compiled
    /// options, sequential and parallel splits, execution settings apart.
    #[test]
    #[allow(deprecated)]
    fn the_split_configuration_contract_compiles_and_agrees() -> Result<(), BuildError> {
        use crate::parallel::ParallelSplit;
        use rayon::iter::ParallelIterator;
        let text = "x,\"a\r\nb\"\r\ny\n\nz";
        split().src(text).delimiter(",").perform();
        split().src(text).delimeter(",").perform();
        let opts: SplitOptions = split()
            .delimiters(["\r\n", "\n"])
            .quoting(true)
            .preserving_delimiters(false)
            .preserving_empty(true)
            .build()?;
        let seq: Vec<_> = opts.split(text).collect();
        assert_eq!(opts.par_split(text).collect::<Vec<_>>(), seq);
        let std: Vec<_> = ParallelSplit::new()
            .chunk_size(64 << 10)
            .threads(2)
            .split_parallel(text, &["\n"])
            .map(|s| s.string)
            .collect();
        assert_eq!(std, text.split('\n').collect::<Vec<_>>());
        let with: Vec<_> = ParallelSplit::new()
            .chunk_size(7)
            .threads(2)
            .split_with(&opts, text)
            .collect();
        assert_eq!(with, seq);
        fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
        assert_send_sync_clone::<SplitOptions>();
        Ok(())
    }

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
            strings(split().src("a,,b,").delimiter(",")),
            ["a", ",", ",", "b", ","]
        );
        assert_eq!(
            strings(split().src("a,,b,").delimiter(",").preserving_empty(true)),
            ["a", ",", "", ",", "b", ",", ""]
        );
    }

    #[test]
    fn empty_source_yields_one_empty_segment_only_when_preserving_empty() {
        assert!(strings(split().src("").delimiter(",")).is_empty());
        assert_eq!(
            pieces(split().src("").delimiter(",").preserving_empty(true)),
            [(String::new(), SplitType::Delimited, 0, 0, false)]
        );
    }

    #[test]
    fn no_delimiters_or_only_empty_ones_yield_the_whole_source() {
        assert_eq!(strings(split().src("abc")), ["abc"]);
        assert_eq!(strings(split().src("abc").delimiters(vec!["", ""])), ["abc"]);
        assert_eq!(strings(split().src("ab").delimiter("abc")), ["ab"]);
    }

    #[test]
    fn stripping_trims_unicode_whitespace_and_moves_offsets() {
        let got = pieces(split().src(" a \u{3000},\u{a0}b").delimiter(",").stripping(true));
        assert_eq!(got[0], ("a".into(), SplitType::Delimited, 1, 2, false));
        assert_eq!(got[2], ("b".into(), SplitType::Delimited, 9, 10, false));
        // All-whitespace becomes empty, then the empty rule applies.
        assert_eq!(
            strings(split().src("a,  ,b").delimiter(",").stripping(true)),
            ["a", ",", ",", "b"]
        );
    }

    #[test]
    fn quoted_sections_protect_delimiters_and_resolve_escapes() {
        let got = pieces(
            split()
                .src(r#"a,"b,\"c",d"#)
                .delimiter(",")
                .quoting(true)
                .preserving_delimiters(false),
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
                .delimiter(",")
                .quoting(true)
                .preserving_quoting(true)
                .preserving_delimiters(false),
        );
        assert_eq!(kept, ["a", r#""b,\"c""#, "d"]);
    }

    #[test]
    fn a_quote_only_opens_at_a_segment_start_and_text_after_it_stays() {
        let got = strings(
            split()
                .src(r#"it's,"x"y,'z"#)
                .delimiter(",")
                .quoting(true)
                .preserving_delimiters(false),
        );
        assert_eq!(got, ["it's", "\"x\"y", "z"]);
    }

    #[test]
    fn unclosed_quote_runs_to_the_end_of_input() {
        let got = pieces(
            split()
                .src("a,'b,c")
                .delimiter(",")
                .quoting(true)
                .preserving_delimiters(false),
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
            strings(split().src(r#""ab\"#).delimiter(",").quoting(true)),
            ["ab\\"]
        );
    }

    #[test]
    fn quoted_empty_string_is_kept_without_preserving_empty() {
        assert_eq!(
            strings(
                split()
                    .src(r#"a,"",b"#)
                    .delimiter(",")
                    .quoting(true)
                    .preserving_delimiters(false)
            ),
            ["a", "", "b"]
        );
    }

    #[test]
    fn custom_quote_pairs_and_stripping_before_a_quote() {
        let got = strings(
            split()
                .src("x; « a; b » ;y")
                .delimiter(";")
                .quoting(true)
                .quoting_prefixes(&["«"])
                .quoting_postfixes(&["»"])
                .stripping(true)
                .preserving_delimiters(false),
        );
        assert_eq!(got, ["x", " a; b ", "y"]);
    }

    #[test]
    fn bytes_twin_splits_invalid_utf8() {
        let options = split()
            .delimiter(",")
            .preserving_delimiters(false)
            .build()
            .unwrap();
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
