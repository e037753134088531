//! The integration tests, one binary: `cargo test -p strs_tools@0.1.0 --test it <topic>`.

mod alloc;
mod common;
mod csv_large;
mod csv_oracle;
mod csv_planner;
mod csv_reader;
mod executor;
mod parallel_split;
mod process;
mod split_oracle;
mod split_stream;
mod words;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;
