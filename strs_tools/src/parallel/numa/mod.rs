//! NUMA-aware processing: the machine's memory nodes ([`NumaTopology`]), one rayon
//! pool per node whose workers are pinned to that node's CPUs, and
//! [`NumaStringProcessor`], which gives each node a contiguous part of the input.
//! On a machine with one node none of this exists: everything runs on the caller's
//! pool, exactly as without NUMA.
//!
//! The library never prints. What went wrong on the way is a value to inspect:
//! [`NumaTopology::fallback_reason`] (the node description could not be used),
//! [`NumaStringProcessor::pin_failures`] (workers running unpinned), and
//! [`NumaStringProcessor::uses_node_pools`] being false on a topology of several
//! nodes (the operating system refused to start the node pools' threads).

// The affinity system calls need `unsafe`; it is allowed in that module only.
#[allow(unsafe_code)]
mod affinity;
mod pool;
mod processor;
mod topology;

#[allow(deprecated)]
pub use processor::NUMAStringProcessor;
pub use processor::NumaStringProcessor;
pub use topology::{NumaNode, NumaTopology, SYSFS_NODE_ROOT};

/// The CPUs the calling thread may run on, sorted ascending, or `None` where that
/// cannot be known (not Linux). Inside a worker of a node pool this is that
/// node's CPU set, once pinning has succeeded.
///
/// # Example
///
/// ```
/// use strs_tools::parallel::numa::current_thread_cpus;
///
/// if let Some(cpus) = current_thread_cpus() {
///     assert!(!cpus.is_empty());
///     assert!(cpus.windows(2).all(|pair| pair[0] < pair[1]));
/// }
/// ```
pub fn current_thread_cpus() -> Option<Vec<usize>> {
    affinity::thread_cpus().ok()
}
