//! The resumable segment scanner behind every split, sequential or parallel.
//!
//! A scan walks the input once, left to right, and cuts it into raw segments: the
//! bytes between two delimiter matches, with the delimiter that ends each one and,
//! when quoting is on, the quoted section a segment starts with. Its whole state is
//! the explicit [`ScanState`] (position, [`Mode`], and the segment in progress), so
//! a scan can stop at any byte limit and resume later, or be started speculatively
//! in the middle of the input: that is what lets `parallel::split` cut the input
//! into chunks and still reproduce the sequential result exactly.
//!
//! Quoting, precisely: a quote opens only at the start of a segment (after
//! whitespace, when stripping); inside it, delimiters are not delimiters, a
//! backslash makes the next byte literal, and the first unescaped postfix closes
//! it. Anything after the postfix belongs to the same segment, up to the next
//! delimiter. A quote that never closes runs to the end of the input.

use crate::matcher::DelimiterSet;

/// The quote pairs of a split: a section opened by `pairs[i].0` is closed by
/// `pairs[i].1`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct QuoteSet {
    pub(crate) pairs: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The escape byte inside quoted sections.
pub(crate) const ESCAPE: u8 = b'\\';

impl QuoteSet {
    /// Pairs prefixes with postfixes by position. An empty prefix is dropped (it
    /// would open a quote everywhere); a missing or empty postfix closes with the
    /// prefix itself.
    pub(crate) fn new(prefixes: &[&str], postfixes: &[&str]) -> QuoteSet {
        let pairs = prefixes
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.is_empty())
            .map(|(i, p)| {
                let post = postfixes.get(i).copied().filter(|s| !s.is_empty()).unwrap_or(p);
                (p.as_bytes().to_vec(), post.as_bytes().to_vec())
            })
            .collect();
        QuoteSet { pairs }
    }

    /// The first pair (in the caller's order) whose prefix starts at `at`.
    fn opening_at(&self, hay: &[u8], at: usize) -> Option<usize> {
        let tail = &hay[at..];
        self.pairs.iter().position(|(pre, _)| tail.starts_with(pre))
    }
}

/// Where the scan is, relative to segments and quotes. The transition function is
/// [`Scanner::advance`]; every state is resumable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// At the first byte of a segment (only with quoting: a quote may open here).
    SegmentStart,
    /// Inside a segment, outside quotes, looking for the next delimiter.
    Unquoted,
    /// Inside the quoted section opened by pair `pair`.
    Quoted { pair: usize },
    /// Just after an escape byte inside a quoted section.
    Escaped { pair: usize },
}

/// A quoted section at the start of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QuoteSpan {
    /// The quote pair that opened it.
    pub(crate) pair: usize,
    /// Where its prefix starts.
    pub(crate) open: usize,
    /// Its content: after the prefix, before the postfix (or the end of input).
    pub(crate) content_start: usize,
    pub(crate) content_end: usize,
    /// One past its postfix; equals `content_end` when it never closed.
    pub(crate) close_end: usize,
}

/// A segment as the scan found it, before any option is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawSegment {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The delimiter ending the segment (`start == end` of the segment), or `None`
    /// at the end of the input.
    pub(crate) delimiter: Option<(usize, usize)>,
    pub(crate) quote: Option<QuoteSpan>,
}

/// Everything a scan needs to resume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScanState {
    /// The next byte to look at.
    pub(crate) pos: usize,
    pub(crate) mode: Mode,
    /// Where the segment in progress started.
    pub(crate) seg_start: usize,
    /// The quoted section of the segment in progress, if it has one.
    pub(crate) quote: Option<QuoteSpan>,
    /// The scan has produced the last segment of the input.
    pub(crate) done: bool,
}

impl ScanState {
    /// The state at a segment start (`pos` is right after a delimiter, or 0).
    pub(crate) fn segment_start(pos: usize, quoting: bool) -> ScanState {
        let mode = if quoting {
            Mode::SegmentStart
        } else {
            Mode::Unquoted
        };
        ScanState {
            pos,
            mode,
            seg_start: pos,
            quote: None,
            done: false,
        }
    }

    /// The state a speculative scan assumes at an arbitrary byte: inside a
    /// segment of unknown start, outside quotes.
    pub(crate) fn mid_segment(pos: usize) -> ScanState {
        ScanState {
            pos,
            mode: Mode::Unquoted,
            seg_start: pos,
            quote: None,
            done: false,
        }
    }
}

/// Which bytes count as whitespace when a quote may follow leading whitespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Space {
    /// `char::is_whitespace`, as `str::trim` (for `&str` input).
    Unicode,
    /// ASCII whitespace only, as `<[u8]>::trim_ascii` (for byte input).
    Ascii,
}

/// A scan configuration: borrowed, cheap to copy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scanner<'o> {
    pub(crate) delimiters: &'o DelimiterSet,
    /// `None` when quoting is off (or there is no usable quote pair).
    pub(crate) quotes: Option<&'o QuoteSet>,
    /// Skip leading whitespace before looking for an opening quote (stripping).
    pub(crate) skip_space: Option<Space>,
}

/// The length of the whitespace character at `at`, if there is one.
pub(crate) fn space_len(hay: &[u8], at: usize, space: Space) -> Option<usize> {
    let b = *hay.get(at)?;
    if b.is_ascii() {
        return b
            .is_ascii_whitespace()
            .then_some(1)
            .or((b == 0x0b && space == Space::Unicode).then_some(1));
    }
    if space == Space::Ascii {
        return None;
    }
    let width = match b {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(hay.get(at..at + width)?)
        .ok()?
        .chars()
        .next()?;
    c.is_whitespace().then_some(width)
}

impl Scanner<'_> {
    /// Runs the scan from `state` until a segment is complete (returned) or the
    /// scan has looked at every position before `limit` (returns `None`, `state`
    /// holds where to resume). A segment is complete when its delimiter starts
    /// before `limit`, or at the end of the input when `limit >= hay.len()`.
    #[inline]
    pub(crate) fn advance(&self, hay: &[u8], state: &mut ScanState, limit: usize) -> Option<RawSegment> {
        if state.done {
            return None;
        }
        let Some(quotes) = self.quotes else {
            return self.advance_unquoted(hay, state, limit);
        };
        let limit = limit.min(hay.len());
        loop {
            if state.pos >= limit && limit < hay.len() {
                return None;
            }
            match state.mode {
                Mode::SegmentStart => {
                    state.mode = Mode::Unquoted;
                    if state.pos >= hay.len() {
                        continue;
                    }
                    if let Some(pair) = quotes.opening_at(hay, state.pos) {
                        let content_start = state.pos + quotes.pairs[pair].0.len();
                        state.quote = Some(QuoteSpan {
                            pair,
                            open: state.pos,
                            content_start,
                            content_end: content_start,
                            close_end: content_start,
                        });
                        state.pos = content_start;
                        state.mode = Mode::Quoted { pair };
                    } else if let Some(space) = self.skip_space {
                        if self.delimiters.match_at(hay, state.pos).is_none() {
                            if let Some(w) = space_len(hay, state.pos, space) {
                                state.pos += w;
                                state.mode = Mode::SegmentStart;
                            }
                        }
                    }
                }
                Mode::Unquoted => {
                    if let Some(m) = self.delimiters.find_before(hay, state.pos, limit) {
                        let segment = RawSegment {
                            start: state.seg_start,
                            end: m.start,
                            delimiter: Some((m.start, m.end)),
                            quote: state.quote,
                        };
                        *state = ScanState::segment_start(m.end, true);
                        return Some(segment);
                    }
                    if limit < hay.len() {
                        state.pos = limit;
                        return None;
                    }
                    state.done = true;
                    return Some(RawSegment {
                        start: state.seg_start,
                        end: hay.len(),
                        delimiter: None,
                        quote: state.quote,
                    });
                }
                Mode::Quoted { pair } => {
                    let post = &quotes.pairs[pair].1;
                    let window_end = limit.saturating_add(post.len() - 1).min(hay.len());
                    let window = &hay[..window_end];
                    let mut from = state.pos;
                    let found = loop {
                        match memchr::memchr2(post[0], ESCAPE, &window[from..]) {
                            Some(i) if from + i < limit => {
                                let at = from + i;
                                if hay[at] == ESCAPE && post[0] != ESCAPE {
                                    break Some((at, false));
                                }
                                if window[at..].starts_with(post) {
                                    break Some((at, true));
                                }
                                if hay[at] == ESCAPE {
                                    // The postfix starts with the escape byte but
                                    // does not match here: it is an escape.
                                    break Some((at, false));
                                }
                                from = at + 1;
                            }
                            _ => break None,
                        }
                    };
                    match found {
                        Some((at, true)) => {
                            let q = state.quote.as_mut().expect("quoted mode without a span");
                            q.content_end = at;
                            q.close_end = at + post.len();
                            state.pos = at + post.len();
                            state.mode = Mode::Unquoted;
                        }
                        Some((at, false)) => {
                            state.pos = at + 1;
                            state.mode = Mode::Escaped { pair };
                        }
                        None if limit < hay.len() => {
                            state.pos = limit;
                            return None;
                        }
                        None => {
                            // Never closed: the quote runs to the end of input.
                            let q = state.quote.as_mut().expect("quoted mode without a span");
                            q.content_end = hay.len();
                            q.close_end = hay.len();
                            state.pos = hay.len();
                            state.mode = Mode::Unquoted;
                        }
                    }
                }
                Mode::Escaped { pair } => {
                    // The escaped byte is literal. Skipping one byte is enough even
                    // for a multi-byte character: its continuation bytes can never
                    // start a postfix or an escape.
                    state.pos = (state.pos + 1).min(hay.len());
                    state.mode = Mode::Quoted { pair };
                }
            }
        }
    }

    /// `advance` without quoting: every position is `Unquoted`, so a step is one
    /// delimiter search (the hot path of plain splits).
    #[inline]
    fn advance_unquoted(&self, hay: &[u8], state: &mut ScanState, limit: usize) -> Option<RawSegment> {
        let limit = limit.min(hay.len());
        if state.pos >= limit && limit < hay.len() {
            return None;
        }
        let start = state.seg_start;
        match self.delimiters.find_before(hay, state.pos, limit) {
            Some(m) => {
                state.pos = m.end;
                state.seg_start = m.end;
                Some(RawSegment {
                    start,
                    end: m.start,
                    delimiter: Some((m.start, m.end)),
                    quote: None,
                })
            }
            None if limit < hay.len() => {
                state.pos = limit;
                None
            }
            None => {
                state.done = true;
                Some(RawSegment {
                    start,
                    end: hay.len(),
                    delimiter: None,
                    quote: None,
                })
            }
        }
    }
}
