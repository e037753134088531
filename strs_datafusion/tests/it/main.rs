//! Integration tests of `strs_datafusion`, in one binary (one link of DataFusion).

mod cli;
mod common;
mod exact_scan;
mod functions;
