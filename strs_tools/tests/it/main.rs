//! The integration tests, one binary: `cargo test -p strs_tools@0.1.0 --test it <topic>`.

mod alloc;
mod common;
mod csv_large;
mod csv_oracle;
mod csv_planner;
mod csv_reader;
mod executor;
mod knobs;
mod numa;
mod parallel_split;
mod pools;
mod process;
mod search;
mod search_stream;
mod split_oracle;
mod split_stream;
mod stream_async;
mod stream_reader;
mod words;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;
