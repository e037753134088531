//! Parallel string processing on rayon: every operation here returns exactly what
//! its sequential twin returns, in the same order, for every input, option set,
//! chunk size and thread count.

#[cfg(feature = "async")]
mod async_stream;
mod executor;
mod ext;
// Writing counted items in place needs `Vec::set_len`; `unsafe` is allowed in
// that module only.
#[allow(unsafe_code)]
mod fill;
pub mod numa;
pub(crate) mod plan;
pub(crate) mod pool;
mod process;
mod search;
mod search_stream;
mod segments;
mod split;
mod split_stream;
mod stitch;
mod stream;
mod wc;
mod words;

#[cfg(feature = "async")]
pub use async_stream::{ParallelStreamProcessor, Processed, ProcessedUnordered};
pub use executor::WorkStealingExecutor;
pub use ext::{ParallelBytesExt, ParallelStringExt};
#[allow(deprecated)]
pub use numa::NUMAStringProcessor;
pub use numa::{NumaNode, NumaStringProcessor, NumaTopology};
pub use plan::DEFAULT_CHUNK_SIZE;
pub use pool::{MAX_CACHED_POOLS, MAX_CACHED_THREADS, MAX_THREADS};
pub use search::ParallelSearcher;
pub use search_stream::WindowSearch;
pub use segments::ParSplit;
pub use split::{ParallelSplit, DEFAULT_MAX_RECORD, DEFAULT_WINDOW};
#[doc(hidden)]
pub use stitch::serial_time;
pub use stream::{MapBlocks, ReaderPipeline, StreamError, StreamErrorKind};
pub use wc::{par_wc, TextCounts};
pub use words::{par_word_frequencies, par_word_frequencies_bytes, word_frequencies, word_frequencies_bytes};
