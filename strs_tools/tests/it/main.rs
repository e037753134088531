//! The integration tests, as one binary: the dependencies are linked once, and
//! every topic is a module.

mod numa;
mod pools;
mod search;
mod stream_async;
mod stream_reader;
