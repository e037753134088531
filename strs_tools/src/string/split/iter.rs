//! The sequential iterators: [`SplitIterator`] over `&str` and
//! [`ByteSplitIterator`] over bytes, both driven by `Pieces` (scan, finish,
//! queue the delimiter that follows a segment).

use std::borrow::Cow;

use super::options::{byte_split, str_split, Piece, Text};
use super::{ByteSplit, Split, SplitOptions, SplitType};
use crate::string::scan::{ScanState, Space};

/// The typed-independent part of both iterators: scan, finish, queue.
#[derive(Debug)]
pub(crate) struct Pieces<'a> {
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
    pub(crate) fn new(options: Cow<'a, SplitOptions>, hay: &'a [u8], space: Space) -> Pieces<'a> {
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
            let end = match options.delimiters_for(self.space).find_at(self.hay, start) {
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

/// Iterator over the [`Split`]s of a `&str`: see [`SplitOptions::split`] and
/// [`split`](super::split).
#[derive(Debug)]
pub struct SplitIterator<'a> {
    pub(super) inner: Pieces<'a>,
    pub(super) src: &'a str,
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
    pub(super) inner: Pieces<'a>,
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
