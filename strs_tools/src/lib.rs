//! Fast string processing for very large inputs.
//!
//! * [`string::split`]: the sequential split builder of the crates.io `strs_tools`
//!   crate (same results), but linear-time and zero-copy.
//! * [`parallel`]: the same split, and search, chunk processing and more, on every
//!   core, with results identical to the sequential twins.
//! * [`matcher`]: the compiled delimiter/pattern sets everything above is built on.
#![deny(missing_docs)]
// `deny`, not `forbid`: the NUMA affinity module (`parallel::numa::affinity`) is
// the one place allowed to opt out, for two system calls.
#![deny(unsafe_code)]

pub mod csv;
pub mod matcher;
pub mod parallel;
pub mod string;
