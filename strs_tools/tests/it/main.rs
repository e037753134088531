//! The integration tests, one binary: `mod common` holds the shared tables.

mod common;
mod executor;
mod parallel_split;
mod process;
mod split_oracle;
mod split_stream;
mod words;
