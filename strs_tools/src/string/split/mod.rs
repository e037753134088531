//! The sequential split: the pieces it yields (`record`), the compiled options
//! and how they finish a raw segment (`options`), the iterators (`iter`) and the
//! crates.io builder surface (`builder`).

mod builder;
mod iter;
mod options;
mod record;

pub use builder::{split, IntoDelimiters, SplitBuilder};
pub use iter::{ByteSplitIterator, SplitIterator};
pub use options::SplitOptions;
pub(crate) use options::{emit_bytes, emit_str};
pub use record::{ByteSplit, Split, SplitType};
