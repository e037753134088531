//! Sequential string operations.
//!
//! [`split()`] is the crates.io `strs_tools` split builder (same options, same
//! results where quoting is off), rebuilt on [`crate::matcher`] so that it runs in
//! linear time and borrows every piece from the source.
//!
//! Differences from the crates.io crate, all with quoting on (its quoting has no
//! specification; ours is the state machine of `scan::Mode`):
//! * a quote opens only at the start of a segment (or after leading whitespace
//!   when stripping) and closes at the first unescaped postfix; text after the
//!   postfix stays in the segment, and such a segment is yielded as written;
//! * an explicitly quoted empty string (`""`) is kept even without
//!   `preserving_empty`;
//! * `start..end` of an unquoted segment always cover the content in the source
//!   (the crates.io crate computes `end` from the unescaped length);
//! * prefixes and postfixes pair by position, a missing postfix closes with the
//!   prefix (the crates.io crate panics).

pub(crate) mod scan;
mod split;

pub use crate::matcher::BuildError;
#[doc(hidden)]
pub use split::IntoDelimiters;
pub(crate) use split::{emit_bytes, emit_str};
pub use split::{
    split, ByteSplit, ByteSplitIterator, Split, SplitBuilder, SplitIterator, SplitOptions, SplitType,
};
