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
//! # Conventions
//!
//! * **Builders.** A setting combination that can be invalid is compiled by a
//!   builder with `&mut self` setters and a `build()` returning `Result`, into
//!   an immutable, `Send + Sync` value (as aho-corasick's builders):
//!   [`string::SplitBuilder`] → [`string::SplitOptions`] (a delimiter set the
//!   matcher refuses) and [`csv::CsvParserBuilder`] → [`csv::CsvParser`] (two
//!   special bytes that coincide). Where every value of every setting has a
//!   meaning, there is nothing to build: the type is a driver whose setters
//!   take and return `self` and whose methods run the work (as rayon's
//!   `ThreadPoolBuilder` or `std::thread::Builder`): [`parallel::ParallelSplit`],
//!   [`parallel::ParallelSearcher`], [`parallel::ReaderPipeline`],
//!   [`parallel::WorkStealingExecutor`], [`parallel::NumaStringProcessor`].
//! * **Chunk sizes** are a `usize` of bytes, and `0` means automatic
//!   ([`parallel::DEFAULT_CHUNK_SIZE`]). No input is cut into more than 65,536
//!   chunks, whatever the size asked for: results never depend on the chunk size,
//!   and this bounds what it can cost.
//! * **`max_record`** is the longest piece a bounded-memory operation buffers.
//! * **Parallel = sequential**: every parallel operation yields exactly what its
//!   sequential twin yields, in the same order.
#![deny(missing_docs)]
// `deny`, not `forbid`: three modules opt out, each with its safety argument:
// the NUMA affinity system calls (`parallel::numa::affinity`), the SIMD block
// kernels (`blocks`) and the in-place parallel collect (`parallel::fill`,
// one `Vec::set_len`).
#![deny(unsafe_code)]

// The SIMD block kernels need `unsafe`; it is allowed in that module only.
#[allow(unsafe_code)]
pub(crate) mod blocks;
pub mod csv;
pub mod io;
pub mod matcher;
pub mod parallel;
pub mod string;
mod swar;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The split guide's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/split.md")]
pub struct SplitGuideDoctests;
