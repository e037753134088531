//! Parallel string processing on rayon: every operation here returns exactly what
//! its sequential twin returns, in the same order, for every input, option set,
//! chunk size and thread count.

pub(crate) mod plan;
pub(crate) mod pool;
