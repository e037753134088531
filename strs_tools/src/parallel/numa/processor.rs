//! [`NumaStringProcessor`]: an input's chunks shared out to the nodes' pinned
//! pools in proportion to their CPU counts, results in input order.

use std::ops::Range;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;

use rayon::prelude::*;
use rayon::ThreadPool;

use super::pool::pinned_pool;
use super::NumaTopology;
use crate::parallel::plan;
use crate::parallel::pool::SharedPool;

/// Input placement and work distribution across the memory nodes of a machine.
///
/// One rayon pool per node of the [`NumaTopology`], as many workers as the node
/// has allowed CPUs, each worker pinned to the node's CPU set when it starts.
/// A processor keeps its pools for its life; they also go to the crate's bounded
/// pool cache, so a later processor for the same CPU sets reuses them (building
/// a pool spawns threads, too slow per call). See
/// [`MAX_CACHED_POOLS`](crate::parallel::MAX_CACHED_POOLS).
///
/// [`process_parallel`](Self::process_parallel) cuts the input into the same
/// chunks as the plain `par_process`, hands each node a contiguous run of chunks
/// whose size is in proportion to the node's CPU count, lets the node's workers
/// balance that run by work stealing, and returns the results in input order:
/// exactly what `par_process` returns.
///
/// **On one node** (a machine without NUMA, a process confined to one node, or a
/// topology that could not be read) no pool is built and every method runs on the
/// caller's pool, exactly as the plain, non-NUMA code does.
///
/// **If pinning fails** (no permission, a CPU went offline) the workers run
/// unpinned and [`pin_failures`](Self::pin_failures) counts them; results are the
/// same. Nothing is printed: a program that wants to warn its user checks
/// `pin_failures()`, [`NumaTopology::fallback_reason`] and
/// [`uses_node_pools`](Self::uses_node_pools).
///
/// # Example
///
/// ```
/// use strs_tools::parallel::NumaStringProcessor;
///
/// let processor = NumaStringProcessor::new();
/// let text = "one two three four five six seven";
/// let lengths = processor.process_parallel(text, 8, |chunk| chunk.len());
/// assert_eq!(lengths.iter().sum::<usize>(), text.len());
/// assert_eq!(lengths, vec![8, 8, 8, 8, 1]);
/// ```
#[derive(Debug)]
pub struct NumaStringProcessor {
    topology: NumaTopology,
    /// One pool per node of `topology`; empty when running on the caller's pool.
    pools: Vec<SharedPool>,
    first_touch: bool,
    /// The pool of [`install`](Self::install) on several nodes, built on first use.
    machine_pool: OnceLock<Option<SharedPool>>,
}

/// The former name of [`NumaStringProcessor`].
#[deprecated(note = "renamed to `NumaStringProcessor`")]
#[doc(hidden)]
pub type NUMAStringProcessor = NumaStringProcessor;

impl Default for NumaStringProcessor {
    fn default() -> Self {
        NumaStringProcessor::new()
    }
}

impl NumaStringProcessor {
    /// A processor for this machine: [`NumaTopology::detect`], first touch off.
    pub fn new() -> NumaStringProcessor {
        NumaStringProcessor::with_topology(NumaTopology::detect())
    }

    /// A processor for `topology` (from a fake sysfs tree in tests, or a subset of
    /// the machine's nodes). Its node pools are built now, or reused if a pool with
    /// the same CPU sets is cached. If the operating system refuses to start the
    /// threads, the processor runs on the caller's pool (then
    /// [`uses_node_pools`](Self::uses_node_pools) is false on a topology of
    /// several nodes).
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::{NumaStringProcessor, NumaTopology};
    ///
    /// let processor = NumaStringProcessor::with_topology(NumaTopology::single_node(&[0]));
    /// assert!(!processor.uses_node_pools());
    /// assert_eq!(processor.node_threads(), Vec::<usize>::new());
    /// ```
    pub fn with_topology(topology: NumaTopology) -> NumaStringProcessor {
        let pools = if topology.is_single_node() {
            Vec::new()
        } else {
            let pools: Option<Vec<_>> = topology
                .nodes()
                .iter()
                .map(|node| pinned_pool(vec![node.cpus().to_vec(); node.cpus().len()]))
                .collect();
            pools.unwrap_or_default()
        };
        NumaStringProcessor {
            topology,
            pools,
            first_touch: false,
            machine_pool: OnceLock::new(),
        }
    }

    /// Sets whether [`process_owned`](Self::process_owned) copies each node's part
    /// of the input into memory first written by that node's pinned workers, so the
    /// kernel places those pages on that node (Linux's default "first touch"
    /// policy). It costs one extra pass over the input and, briefly, its size in
    /// memory; it pays off when the work reads its chunk more than once. Ignored on
    /// one node, where all memory is local.
    pub fn with_first_touch(mut self, first_touch: bool) -> NumaStringProcessor {
        self.first_touch = first_touch;
        self
    }

    /// The topology the processor was built for.
    pub fn topology(&self) -> &NumaTopology {
        &self.topology
    }

    /// Does work run on per-node pinned pools (several nodes), or on the caller's
    /// pool (one node, or several nodes whose pools' threads the operating system
    /// refused to start)?
    pub fn uses_node_pools(&self) -> bool {
        !self.pools.is_empty()
    }

    /// The worker count of each node's pool, in node order; empty when the
    /// processor runs on the caller's pool.
    pub fn node_threads(&self) -> Vec<usize> {
        self.pools
            .iter()
            .map(|pinned| pinned.pool.current_num_threads())
            .collect()
    }

    /// How many workers of this processor's pools could not be pinned to their
    /// node's CPUs (they run unpinned; results are unaffected). 0 on one node.
    pub fn pin_failures(&self) -> usize {
        let machine = self.machine_pool.get().and_then(Option::as_ref);
        self.pools
            .iter()
            .chain(machine)
            .map(|pinned| pinned.pin_failures.load(Ordering::Relaxed))
            .sum()
    }

    /// `f` applied to every chunk of `input`, results in input order: the chunks
    /// are those of the plain `par_process` (about `chunk_size` bytes each, cut on
    /// character boundaries, at most 65,536 of them; `chunk_size` 0 means the
    /// default, [`DEFAULT_CHUNK_SIZE`](crate::parallel::DEFAULT_CHUNK_SIZE)), and
    /// so is the result.
    /// Each node's pool processes a contiguous run of chunks, in proportion to its
    /// CPU count. Semantically the same as
    /// `chunks.iter().map(|chunk| f(chunk)).collect()`, but on every node's cores.
    ///
    /// # Panics
    ///
    /// If `f` panics, the panic reaches the caller once every node has stopped;
    /// the pools stay usable.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::NumaStringProcessor;
    ///
    /// let processor = NumaStringProcessor::new();
    /// let text = "é".repeat(10); // 20 bytes, 2 per character
    /// let chunks = processor.process_parallel(&text, 3, |chunk| chunk.to_string());
    /// assert_eq!(chunks, vec!["éé"; 5]); // a 3-byte chunk grows to the next boundary
    /// ```
    pub fn process_parallel<R, F>(&self, input: &str, chunk_size: usize, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&str) -> R + Sync + Send,
    {
        let chunks = chunk_ranges(input.as_bytes(), chunk_size);
        if self.pools.is_empty() {
            return chunks.into_par_iter().map(|range| f(&input[range])).collect();
        }
        let shares = self.shares(&chunks, input.len());
        let parts = self.run_per_node(&shares, |share| {
            chunks[share.chunks.clone()]
                .par_iter()
                .map(|range| f(&input[range.clone()]))
                .collect::<Vec<R>>()
        });
        parts.into_iter().flatten().collect()
    }

    /// [`process_parallel`](Self::process_parallel) on an owned input, with the same
    /// result. With [`with_first_touch`](Self::with_first_touch) on several nodes,
    /// each node's pool first copies its part of `input` into memory its own
    /// workers allocate and write (node-local pages), then processes the copy; the
    /// original is freed when processing ends.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::NumaStringProcessor;
    ///
    /// let processor = NumaStringProcessor::new().with_first_touch(true);
    /// let text = "a,b;c,d;".repeat(100);
    /// let expected = processor.process_parallel(&text, 16, |chunk| chunk.matches(',').count());
    /// let counts = processor.process_owned(text, 16, |chunk| chunk.matches(',').count());
    /// assert_eq!(counts, expected);
    /// assert_eq!(counts.iter().sum::<usize>(), 200);
    /// ```
    pub fn process_owned<R, F>(&self, input: String, chunk_size: usize, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(&str) -> R + Sync + Send,
    {
        if !self.first_touch || self.pools.is_empty() {
            return self.process_parallel(&input, chunk_size, f);
        }
        let chunks = chunk_ranges(input.as_bytes(), chunk_size);
        let shares = self.shares(&chunks, input.len());
        let parts = self.run_per_node(&shares, |share| {
            let local = first_touch_copy(&input.as_bytes()[share.bytes.clone()]);
            let base = share.bytes.start;
            chunks[share.chunks.clone()]
                .par_iter()
                .map(|range| {
                    // Re-validation costs a pass over the chunk while it is in cache;
                    // it keeps `unsafe` out of this module.
                    let chunk = std::str::from_utf8(&local[range.start - base..range.end - base])
                        .expect("a copy of a `str` cut at character boundaries is UTF-8");
                    f(chunk)
                })
                .collect::<Vec<R>>()
        });
        drop(input);
        parts.into_iter().flatten().collect()
    }

    /// The node assignment of [`process_parallel`](Self::process_parallel) and
    /// [`for_each_node_range`](Self::for_each_node_range): for each node that gets
    /// work, its index in [`NumaTopology::nodes`] and its byte range of `text`.
    /// The ranges are consecutive, cover `text`, and are unions of whole chunks
    /// (so they start and end on character boundaries); none for an empty input.
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::{NumaStringProcessor, NumaTopology};
    ///
    /// let processor = NumaStringProcessor::with_topology(NumaTopology::single_node(&[0, 1]));
    /// assert_eq!(processor.node_ranges(b"abcdef", 2), vec![(0, 0..6)]);
    /// assert_eq!(processor.node_ranges(b"", 2), vec![]);
    /// ```
    pub fn node_ranges(&self, text: &[u8], chunk_size: usize) -> Vec<(usize, Range<usize>)> {
        if self.pools.is_empty() {
            return if text.is_empty() {
                Vec::new()
            } else {
                vec![(0, 0..text.len())]
            };
        }
        let chunks = chunk_ranges(text, chunk_size);
        self.shares(&chunks, text.len())
            .into_iter()
            .map(|share| (share.node, share.bytes))
            .collect()
    }

    /// The hook for operations that plan their own work (`ParallelSplit`, the
    /// executor): `f` is called once per node with that node's byte range of `text`
    /// (see [`node_ranges`](Self::node_ranges)), **on that node's pool**, so any
    /// rayon parallelism inside `f` runs on the node's pinned workers; the nodes
    /// run concurrently and the results come back in input order. On one node, `f`
    /// is called once with the whole range on the calling thread and the caller's
    /// pool: exactly the plain code path. No call for an empty `text`.
    ///
    /// # Panics
    ///
    /// If `f` panics, the panic reaches the caller once every node has stopped.
    ///
    /// # Example
    ///
    /// ```
    /// use rayon::prelude::*;
    /// use strs_tools::parallel::NumaStringProcessor;
    ///
    /// let processor = NumaStringProcessor::new();
    /// let text = "a b c d e f g h ".repeat(1000);
    /// // A caller with a `Fn(Range<usize>) -> R`: count spaces per node, in parallel.
    /// let counts = processor.for_each_node_range(text.as_bytes(), 1024, |range| {
    ///     text.as_bytes()[range].par_iter().filter(|&&b| b == b' ').count()
    /// });
    /// assert_eq!(counts.iter().sum::<usize>(), 8000);
    /// ```
    pub fn for_each_node_range<R, F>(&self, text: &[u8], chunk_size: usize, f: F) -> Vec<R>
    where
        R: Send,
        F: Fn(Range<usize>) -> R + Sync,
    {
        if self.pools.is_empty() {
            return if text.is_empty() {
                Vec::new()
            } else {
                vec![f(0..text.len())]
            };
        }
        let chunks = chunk_ranges(text, chunk_size);
        let shares = self.shares(&chunks, text.len());
        self.run_per_node(&shares, |share| f(share.bytes.clone()))
    }

    /// Runs `op` on a pool covering every node, so rayon calls inside it (a
    /// `par_split`, the executor's jobs) use all allowed CPUs with each worker
    /// pinned to one node (as many workers per node as it has CPUs). This pins
    /// threads only; which node's memory a worker reads is left to work stealing
    /// (use [`for_each_node_range`](Self::for_each_node_range) to place work). On
    /// one node, `op` runs on the calling thread and the caller's pool, exactly as
    /// without this call. The pool is built on first use and shared afterwards.
    ///
    /// # Example
    ///
    /// ```
    /// use rayon::prelude::*;
    /// use strs_tools::parallel::NumaStringProcessor;
    ///
    /// let processor = NumaStringProcessor::new();
    /// let words = processor.install(|| "a b c".par_split_whitespace().count());
    /// assert_eq!(words, 3);
    /// ```
    pub fn install<R, OP>(&self, op: OP) -> R
    where
        R: Send,
        OP: FnOnce() -> R + Send,
    {
        if self.pools.is_empty() {
            return op();
        }
        if self.machine_pool.get().is_none() {
            // Not inside `get_or_init`: building can run other jobs on this thread,
            // and one of them may call `install` on this processor.
            let sets = self
                .topology
                .nodes()
                .iter()
                .flat_map(|node| vec![node.cpus().to_vec(); node.cpus().len()]);
            let _ = self.machine_pool.set(pinned_pool(sets.collect()));
        }
        match self.machine_pool.get().and_then(Option::as_ref) {
            Some(pinned) => pinned.pool.install(op),
            None => op(),
        }
    }

    /// Runs `op` on the pool of node `node` (an index into
    /// [`NumaTopology::nodes`]), whose workers are pinned to that node's CPUs. On
    /// one node, `op` runs on the calling thread and the caller's pool.
    ///
    /// # Panics
    ///
    /// If `node` is not below [`NumaTopology::node_count`].
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::{numa, NumaStringProcessor};
    ///
    /// let processor = NumaStringProcessor::new();
    /// for node in 0..processor.topology().node_count() {
    ///     let cpus = processor.install_on_node(node, numa::current_thread_cpus);
    ///     if processor.uses_node_pools() && processor.pin_failures() == 0 {
    ///         assert_eq!(cpus.as_deref(), Some(processor.topology().nodes()[node].cpus()));
    ///     }
    /// }
    /// ```
    pub fn install_on_node<R, OP>(&self, node: usize, op: OP) -> R
    where
        R: Send,
        OP: FnOnce() -> R + Send,
    {
        let count = self.topology.node_count();
        assert!(node < count, "node index {node} out of range for {count} nodes");
        match self.pools.get(node) {
            Some(pinned) => pinned.pool.install(op),
            None => op(),
        }
    }

    /// Groups consecutive `chunks` of an input of `len` bytes into one run per
    /// node, sized in proportion to the nodes' CPU counts: node `i` takes the
    /// chunks that start before its cumulative share of the bytes. Nodes left
    /// without a chunk (tiny inputs) get no share.
    fn shares(&self, chunks: &[Range<usize>], len: usize) -> Vec<NodeShare> {
        let total: u128 = self.topology.cpu_count() as u128;
        let mut shares = Vec::with_capacity(self.topology.node_count());
        let mut cumulative: u128 = 0;
        let mut next = 0;
        for (node, weight) in self
            .topology
            .nodes()
            .iter()
            .map(|node| node.cpus().len())
            .enumerate()
        {
            cumulative += weight as u128;
            // At most `len`, so the conversion back cannot truncate.
            let end = (len as u128 * cumulative / total) as usize;
            let first = next;
            while next < chunks.len() && chunks[next].start < end {
                next += 1;
            }
            if next > first {
                shares.push(NodeShare {
                    node,
                    chunks: first..next,
                    bytes: chunks[first].start..chunks[next - 1].end,
                });
            }
        }
        debug_assert_eq!(
            next,
            chunks.len(),
            "the last node's share ends at the input's end"
        );
        shares
    }

    /// `work` run for every share on its node's pool, all nodes concurrently;
    /// results in share order.
    fn run_per_node<T, W>(&self, shares: &[NodeShare], work: W) -> Vec<T>
    where
        T: Send,
        W: Fn(&NodeShare) -> T + Sync,
    {
        let mut slots: Vec<Option<T>> = shares.iter().map(|_| None).collect();
        let mut tasks: Vec<NodeTask<'_, T>> = shares
            .iter()
            .zip(slots.iter_mut())
            .map(|(share, slot)| NodeTask {
                pool: &self.pools[share.node].pool,
                share,
                slot,
            })
            .collect();
        spawn_nested(&mut tasks, &work);
        drop(tasks);
        slots
            .into_iter()
            .map(|slot| slot.expect("a node task that did not panic stored its result"))
            .collect()
    }
}

/// The chunks of `text` for a caller's `chunk_size` (`0`: automatic, the
/// crate's default chunk size): those of the plain `par_process`.
fn chunk_ranges(text: &[u8], chunk_size: usize) -> Vec<Range<usize>> {
    plan::chunk_ranges(text, plan::resolve_chunk_size(chunk_size), true)
}

/// A node's part of one operation: a run of chunks and the bytes they cover.
struct NodeShare {
    node: usize,
    chunks: Range<usize>,
    bytes: Range<usize>,
}

struct NodeTask<'a, T> {
    pool: &'a ThreadPool,
    share: &'a NodeShare,
    slot: &'a mut Option<T>,
}

/// Spawns every task into its own pool and waits for all of them. Each pool's
/// scope runs on the calling thread and nests the next one, so the caller starts
/// every node's work without spawning a thread and returns when all are done; a
/// panic is re-raised after every task has stopped.
fn spawn_nested<T, W>(tasks: &mut [NodeTask<'_, T>], work: &W)
where
    T: Send,
    W: Fn(&NodeShare) -> T + Sync,
{
    if let Some((task, rest)) = tasks.split_first_mut() {
        let (share, slot) = (task.share, &mut *task.slot);
        task.pool.in_place_scope(|scope| {
            scope.spawn(move |_| *slot = Some(work(share)));
            spawn_nested(rest, work);
        });
    }
}

/// A copy of `source` in memory allocated and first written by the current pool's
/// workers (the caller runs this on a node's pool): the kernel places each page on
/// the node of the thread that first writes it.
fn first_touch_copy(source: &[u8]) -> Vec<u8> {
    /// Bytes copied per task: whole pages, few enough tasks to be cheap.
    const BLOCK: usize = 256 * 1024;
    // Zeroed allocation of a large buffer maps fresh pages that nobody has touched.
    let mut local = vec![0u8; source.len()];
    local
        .par_chunks_mut(BLOCK)
        .zip(source.par_chunks(BLOCK))
        .for_each(|(to, from)| to.copy_from_slice(from));
    local
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A processor with node pools of one worker each, pinned nowhere in
    /// particular (CPUs no machine has), to test planning without real NUMA.
    fn fake_processor(cpus_per_node: &[usize]) -> NumaStringProcessor {
        let mut next = 60_000;
        let nodes: Vec<(usize, Vec<usize>)> = cpus_per_node
            .iter()
            .enumerate()
            .map(|(id, &n)| {
                let cpus = (next..next + n).collect();
                next += n;
                (id, cpus)
            })
            .collect();
        NumaStringProcessor::with_topology(NumaTopology::from_nodes(nodes))
    }

    proptest::proptest! {
        #[test]
        fn process_parallel_equals_a_sequential_map_over_chunk_ranges(
            text in "(a|é|日本|🎉|,){0,40}",
            chunk_size in 0usize..50,
        ) {
            let expected: Vec<String> = chunk_ranges(text.as_bytes(), chunk_size)
                .into_iter()
                .map(|range| text[range].to_owned())
                .collect();
            for cpus in [&[1][..], &[1, 2], &[2, 1, 1]] {
                let processor = fake_processor(cpus);
                proptest::prop_assert_eq!(&processor.process_parallel(&text, chunk_size, str::to_owned), &expected);
            }
        }
    }

    #[test]
    fn shares_are_contiguous_and_proportional_to_cpu_counts() {
        let processor = fake_processor(&[1, 3]);
        let text = vec![b'x'; 4000];
        let ranges = processor.node_ranges(&text, 10);
        assert_eq!(ranges, vec![(0, 0..1000), (1, 1000..4000)]);
        let ranges = processor.node_ranges(&text, 3);
        assert_eq!(ranges, vec![(0, 0..1002), (1, 1002..4000)]);
    }

    #[test]
    fn a_tiny_input_leaves_nodes_without_work() {
        let processor = fake_processor(&[1, 1, 1, 1]);
        assert_eq!(processor.node_ranges(b"ab", 1), vec![(1, 0..1), (3, 1..2)]);
        assert_eq!(processor.node_ranges(b"abcd", 100), vec![(0, 0..4)]);
        assert_eq!(processor.node_ranges(b"", 1), vec![]);
    }

    #[test]
    fn unpinnable_workers_are_counted_and_still_work() {
        let processor = fake_processor(&[1, 2]);
        assert_eq!(processor.node_threads(), vec![1, 2]);
        assert_eq!(processor.pin_failures(), 3);
        assert_eq!(
            processor.process_parallel("abcdef", 1, str::to_owned),
            ["a", "b", "c", "d", "e", "f"]
        );
    }
}
