//! Fast string processing for very large inputs.
//!
//! * [`string::split`]: the sequential split builder of the crates.io `strs_tools`
//!   crate (same results), but linear-time and zero-copy.
//! * [`parallel`]: the same split, and search, chunk processing and more, on every
//!   core, with results identical to the sequential twins.
//! * [`csv`]: RFC 4180 parsing in parallel, with exact chunk boundaries: in memory,
//!   from any `std::io::Read` in bounded memory, and a split planner over byte
//!   ranges for engines.
//! * [`matcher`]: the compiled delimiter/pattern sets everything above is built on.
//!
//! Builders come in two shapes, by what they configure: the compiled,
//! reusable configurations (`string::split()`, `csv::CsvParser::builder()`,
//! `parallel::ReaderPipeline`) take `&mut self` setters, as the crates.io
//! `strs_tools` builder does; the parallel drivers the seed names
//! (`ParallelSplit`, `ParallelSearcher`, `WorkStealingExecutor`) take and return
//! `self`, so `ParallelSplit::new().chunk_size(..).threads(..)` reads as in the
//! seed.
#![deny(missing_docs)]
// `deny`, not `forbid`: the NUMA affinity module (`parallel::numa::affinity`) is
// the one place allowed to opt out, for two system calls.
#![deny(unsafe_code)]

pub mod csv;
mod io;
pub mod matcher;
pub mod parallel;
pub mod string;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
