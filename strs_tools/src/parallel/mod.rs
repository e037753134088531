//! Parallel string processing on rayon: every operation here returns exactly what
//! its sequential twin returns, in the same order, for every input, option set,
//! chunk size and thread count.

mod executor;
mod ext;
pub(crate) mod plan;
pub(crate) mod pool;
mod process;
mod search;
mod split;
mod words;

pub use executor::WorkStealingExecutor;
pub use ext::{ParallelBytesExt, ParallelStringExt};
pub use pool::MAX_THREADS;
pub use search::ParallelSearcher;
pub use split::{ParallelSplit, ParallelSplitIterator, DEFAULT_CHUNK_SIZE};
pub use words::{par_word_frequencies, word_frequencies};
