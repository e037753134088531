//! The NUMA topology: which CPUs this process may use, grouped by memory node.
//! Read from sysfs (`node*/cpulist`), intersected with the affinity mask, and
//! replaced by one node holding every allowed CPU whenever it cannot be trusted.

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::Path;

use super::affinity;

/// Where Linux describes memory nodes.
pub const SYSFS_NODE_ROOT: &str = "/sys/devices/system/node";

/// CPU numbers at or above this are rejected as malformed (Linux supports 8192).
pub(crate) const CPU_LIMIT: usize = 1 << 16;

/// A `cpulist` file larger than this is malformed (a real one is a few hundred bytes).
const CPULIST_MAX_BYTES: u64 = 1 << 16;

/// One memory node and the CPUs of it this process may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumaNode {
    id: usize,
    cpus: Vec<usize>,
}

impl NumaNode {
    /// The node number (`N` of `nodeN` in sysfs; 0 for the fallback node).
    pub fn id(&self) -> usize {
        self.id
    }

    /// The node's CPUs this process may run on: sorted, distinct, never empty.
    pub fn cpus(&self) -> &[usize] {
        &self.cpus
    }
}

/// The machine's memory nodes, restricted to the CPUs this process may run on.
///
/// Guarantees: at least one node; every node has at least one CPU; nodes are
/// sorted by id and no CPU belongs to two of them. When the node description is
/// missing or cannot be trusted (no sysfs, unreadable or malformed `cpulist`, a CPU
/// listed twice, an allowed CPU in no node), the topology is the *fallback*: one
/// node, id 0, holding every allowed CPU, and [`fallback_reason`](Self::fallback_reason)
/// says why. Nodes without CPUs (memory-only nodes) and nodes none of whose CPUs
/// are allowed are left out; that is not a fallback.
///
/// # Example
///
/// ```
/// use strs_tools::parallel::NumaTopology;
///
/// let topology = NumaTopology::detect();
/// assert!(topology.node_count() >= 1);
/// assert!(topology.nodes().iter().all(|node| !node.cpus().is_empty()));
/// assert_eq!(
///     topology.cpu_count(),
///     topology.nodes().iter().map(|node| node.cpus().len()).sum::<usize>()
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumaTopology {
    nodes: Vec<NumaNode>,
    fallback: Option<String>,
}

impl NumaTopology {
    /// The topology of this machine: [`SYSFS_NODE_ROOT`] intersected with the CPUs
    /// the process may run on (`sched_getaffinity` of its main thread).
    pub fn detect() -> NumaTopology {
        NumaTopology::from_sysfs(SYSFS_NODE_ROOT)
    }

    /// The topology described by a sysfs-like tree at `root` (directories
    /// `node0`, `node1`, … each with a `cpulist` file), intersected with the CPUs
    /// the process may run on. Tests point `root` at a fake tree.
    pub fn from_sysfs(root: impl AsRef<Path>) -> NumaTopology {
        let allowed = affinity::process_cpus().unwrap_or_default();
        NumaTopology::from_sysfs_with_allowed(root, &allowed)
    }

    /// The topology described by the tree at `root`, intersected with `allowed`
    /// instead of the process's affinity mask. An empty `allowed` means "unknown":
    /// the nodes are taken as listed, and the fallback node then holds CPUs
    /// `0..n` where `n` is [`std::thread::available_parallelism`].
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::NumaTopology;
    ///
    /// let root = std::env::temp_dir().join(format!("strs-numa-doc-{}", std::process::id()));
    /// for (node, cpulist) in [("node0", "0-3\n"), ("node1", "4-7\n"), ("node2", "\n")] {
    ///     std::fs::create_dir_all(root.join(node)).unwrap();
    ///     std::fs::write(root.join(node).join("cpulist"), cpulist).unwrap();
    /// }
    /// // As if started under `taskset -c 2-5`; node2 has memory but no CPUs.
    /// let topology = NumaTopology::from_sysfs_with_allowed(&root, &[2, 3, 4, 5]);
    /// assert_eq!(topology.node_count(), 2);
    /// assert_eq!(topology.nodes()[0].cpus(), [2, 3]);
    /// assert_eq!(topology.nodes()[1].cpus(), [4, 5]);
    /// assert_eq!(topology.fallback_reason(), None);
    ///
    /// std::fs::write(root.join("node1").join("cpulist"), "4-x").unwrap();
    /// let garbage = NumaTopology::from_sysfs_with_allowed(&root, &[2, 3, 4, 5]);
    /// assert_eq!(garbage.node_count(), 1);
    /// assert_eq!(garbage.nodes()[0].cpus(), [2, 3, 4, 5]);
    /// assert!(garbage.fallback_reason().unwrap().contains("malformed"));
    /// std::fs::remove_dir_all(&root).unwrap();
    /// ```
    pub fn from_sysfs_with_allowed(root: impl AsRef<Path>, allowed: &[usize]) -> NumaTopology {
        let mut allowed: Vec<usize> = allowed.iter().copied().filter(|&cpu| cpu < CPU_LIMIT).collect();
        allowed.sort_unstable();
        allowed.dedup();
        match read_nodes(root.as_ref()).and_then(|nodes| restrict(nodes, &allowed)) {
            Ok(nodes) => NumaTopology {
                nodes,
                fallback: None,
            },
            Err(reason) => NumaTopology::fallback(allowed, reason.to_string()),
        }
    }

    /// The topology of the given `(node id, CPUs)` pairs, unrestricted (CPUs are
    /// taken as allowed), with the same checks as a sysfs tree: nodes without CPUs
    /// are left out, and a CPU in two nodes or a CPU number at or above 65536
    /// gives the fallback (one node with every listed CPU).
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::NumaTopology;
    ///
    /// let topology = NumaTopology::from_nodes([(1, vec![2, 3]), (0, vec![1, 0]), (2, vec![])]);
    /// assert_eq!(topology.node_count(), 2);
    /// assert_eq!(topology.nodes()[0].id(), 0);
    /// assert_eq!(topology.nodes()[0].cpus(), [0, 1]);
    ///
    /// let overlapping = NumaTopology::from_nodes([(0, vec![0, 1]), (1, vec![1])]);
    /// assert!(overlapping.is_single_node());
    /// assert_eq!(overlapping.nodes()[0].cpus(), [0, 1]);
    /// assert!(overlapping.fallback_reason().is_some());
    /// ```
    pub fn from_nodes(nodes: impl IntoIterator<Item = (usize, Vec<usize>)>) -> NumaTopology {
        let mut nodes: Vec<(usize, Vec<usize>)> = nodes.into_iter().collect();
        nodes.sort_unstable_by_key(|&(id, _)| id);
        let mut all: Vec<usize> = Vec::new();
        for (_, cpus) in &mut nodes {
            cpus.sort_unstable();
            cpus.dedup();
            all.extend_from_slice(cpus);
        }
        all.sort_unstable();
        all.dedup();
        let result = match all.iter().find(|&&cpu| cpu >= CPU_LIMIT) {
            Some(cpu) => Err(Rejection::Malformed(format!("cpu {cpu} out of range"))),
            None => restrict(nodes, &[]),
        };
        match result {
            Ok(nodes) => NumaTopology {
                nodes,
                fallback: None,
            },
            Err(reason) => {
                all.retain(|&cpu| cpu < CPU_LIMIT);
                NumaTopology::fallback(all, reason.to_string())
            }
        }
    }

    /// One node (id 0) with the given CPUs, as on a machine without NUMA. An empty
    /// list means CPUs `0..n`, `n` being [`std::thread::available_parallelism`].
    ///
    /// # Example
    ///
    /// ```
    /// use strs_tools::parallel::NumaTopology;
    ///
    /// let topology = NumaTopology::single_node(&[3, 1, 1]);
    /// assert!(topology.is_single_node());
    /// assert_eq!(topology.nodes()[0].cpus(), [1, 3]);
    /// ```
    pub fn single_node(cpus: &[usize]) -> NumaTopology {
        let mut cpus: Vec<usize> = cpus.iter().copied().filter(|&cpu| cpu < CPU_LIMIT).collect();
        cpus.sort_unstable();
        cpus.dedup();
        NumaTopology {
            nodes: one_node(cpus),
            fallback: None,
        }
    }

    fn fallback(allowed: Vec<usize>, reason: String) -> NumaTopology {
        NumaTopology {
            nodes: one_node(allowed),
            fallback: Some(reason),
        }
    }

    /// The nodes, sorted by id.
    pub fn nodes(&self) -> &[NumaNode] {
        &self.nodes
    }

    /// The number of nodes (at least 1).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Is there only one node (a machine without NUMA, a process confined to one
    /// node, or the fallback)?
    pub fn is_single_node(&self) -> bool {
        self.nodes.len() == 1
    }

    /// The number of CPUs over all nodes.
    pub fn cpu_count(&self) -> usize {
        self.nodes.iter().map(|node| node.cpus.len()).sum()
    }

    /// Why the node description was not used, if this is the fallback topology.
    pub fn fallback_reason(&self) -> Option<&str> {
        self.fallback.as_deref()
    }
}

/// The one node of a machine without (usable) NUMA information: `cpus` (sorted,
/// distinct), or all CPUs if that is empty.
fn one_node(mut cpus: Vec<usize>) -> Vec<NumaNode> {
    if cpus.is_empty() {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        cpus = (0..n.min(CPU_LIMIT)).collect();
    }
    vec![NumaNode { id: 0, cpus }]
}

/// Why a node description was rejected.
enum Rejection {
    Unreadable(String),
    Malformed(String),
    Inconsistent(String),
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Unreadable(why) => write!(f, "unreadable node description: {why}"),
            Rejection::Malformed(why) => write!(f, "malformed node description: {why}"),
            Rejection::Inconsistent(why) => write!(f, "inconsistent node description: {why}"),
        }
    }
}

/// `(id, cpus)` of every `node<N>` directory under `root`, sorted by id.
fn read_nodes(root: &Path) -> Result<Vec<(usize, Vec<usize>)>, Rejection> {
    let entries =
        fs::read_dir(root).map_err(|e| Rejection::Unreadable(format!("{}: {e}", root.display())))?;
    let mut nodes = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Rejection::Unreadable(format!("{}: {e}", root.display())))?;
        let name = entry.file_name();
        let Some(id) = name
            .to_str()
            .and_then(|name| name.strip_prefix("node"))
            .and_then(parse_number)
        else {
            continue; // `online`, `possible`, `has_cpu`, … describe no single node
        };
        let path = entry.path().join("cpulist");
        let text =
            read_small(&path).map_err(|e| Rejection::Unreadable(format!("{}: {e}", path.display())))?;
        let cpus = parse_cpulist(&text).ok_or_else(|| {
            let shown: String = text.chars().take(40).collect();
            Rejection::Malformed(format!("{}: {shown:?}", path.display()))
        })?;
        nodes.push((id, cpus));
    }
    if nodes.is_empty() {
        return Err(Rejection::Unreadable(format!(
            "no node directories in {}",
            root.display()
        )));
    }
    nodes.sort_unstable_by_key(|&(id, _)| id);
    Ok(nodes)
}

fn read_small(path: &Path) -> std::io::Result<String> {
    let mut text = String::new();
    fs::File::open(path)?
        .take(CPULIST_MAX_BYTES)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// The nodes restricted to `allowed` (sorted, distinct; empty = no restriction),
/// without nodes left empty, provided the nodes partition the allowed CPUs.
fn restrict(nodes: Vec<(usize, Vec<usize>)>, allowed: &[usize]) -> Result<Vec<NumaNode>, Rejection> {
    let mut owner: Vec<Option<usize>> = Vec::new();
    for (id, cpus) in &nodes {
        for &cpu in cpus {
            if owner.len() <= cpu {
                owner.resize(cpu + 1, None);
            }
            if let Some(other) = owner[cpu].replace(*id) {
                return Err(Rejection::Inconsistent(format!(
                    "cpu {cpu} is in node {other} and node {id}"
                )));
            }
        }
    }
    if let Some(&cpu) = allowed
        .iter()
        .find(|&&cpu| owner.get(cpu).copied().flatten().is_none())
    {
        return Err(Rejection::Inconsistent(format!(
            "allowed cpu {cpu} is in no node"
        )));
    }
    let kept: Vec<NumaNode> = nodes
        .into_iter()
        .map(|(id, cpus)| {
            let cpus = if allowed.is_empty() {
                cpus
            } else {
                cpus.into_iter()
                    .filter(|cpu| allowed.binary_search(cpu).is_ok())
                    .collect()
            };
            NumaNode { id, cpus }
        })
        .filter(|node| !node.cpus.is_empty())
        .collect();
    if kept.is_empty() {
        return Err(Rejection::Inconsistent("no node has a cpu".to_string()));
    }
    Ok(kept)
}

/// A decimal number without sign or spaces (`"007"` is 7).
fn parse_number(digits: &str) -> Option<usize> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Parses the kernel's CPU list format, `"0-3,8,10-11\n"`: comma-separated CPU
/// numbers and inclusive ranges, spaces around items allowed, empty (or blank) for
/// no CPUs. Returns the CPUs sorted and distinct, or `None` for anything else:
/// stray characters, empty items, a reversed range, a CPU number at or above
/// [`CPU_LIMIT`]. Never panics; memory is bounded by `CPU_LIMIT` bits whatever
/// the input.
pub(crate) fn parse_cpulist(text: &str) -> Option<Vec<usize>> {
    let text = text.trim();
    if text.is_empty() {
        return Some(Vec::new());
    }
    let mut present: Vec<bool> = Vec::new();
    for item in text.split(',') {
        let (first, last) = match item.split_once('-') {
            Some((first, last)) => (parse_cpu(first)?, parse_cpu(last)?),
            None => {
                let cpu = parse_cpu(item)?;
                (cpu, cpu)
            }
        };
        if first > last {
            return None;
        }
        if present.len() <= last {
            present.resize(last + 1, false);
        }
        present[first..=last].fill(true);
    }
    Some(
        present
            .iter()
            .enumerate()
            .filter_map(|(cpu, &on)| on.then_some(cpu))
            .collect(),
    )
}

fn parse_cpu(text: &str) -> Option<usize> {
    parse_number(text.trim()).filter(|&cpu| cpu < CPU_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cpulist_accepts_the_kernel_format() {
        assert_eq!(parse_cpulist("0-3,8,10-11\n"), Some(vec![0, 1, 2, 3, 8, 10, 11]));
        assert_eq!(parse_cpulist(" 5 , 1 - 2 \n"), Some(vec![1, 2, 5]));
        assert_eq!(parse_cpulist("3,3,2-3"), Some(vec![2, 3]));
        assert_eq!(parse_cpulist("\n"), Some(vec![]));
        assert_eq!(parse_cpulist(""), Some(vec![]));
        assert_eq!(parse_cpulist("65535"), Some(vec![65535]));
    }

    #[test]
    fn cpulist_rejects_garbage() {
        for text in [
            "x",
            "0-",
            "-3",
            "3-1",
            "0,,1",
            ",",
            "0,",
            "1-2-3",
            "+1",
            "0x1",
            "1 2",
            "0-3:2/4",
            "65536",
            "0-99999999999999999999999",
            "٣",
            "\0",
        ] {
            assert_eq!(parse_cpulist(text), None, "{text:?}");
        }
    }

    fn to_cpulist(cpus: &[usize]) -> String {
        // Groups consecutive CPUs into ranges, as the kernel prints them.
        let mut items = Vec::new();
        let mut i = 0;
        while i < cpus.len() {
            let mut j = i;
            while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
                j += 1;
            }
            items.push(if i == j {
                cpus[i].to_string()
            } else {
                format!("{}-{}", cpus[i], cpus[j])
            });
            i = j + 1;
        }
        items.join(",") + "\n"
    }

    proptest! {
        #[test]
        fn cpulist_never_panics(text in "\\PC*") {
            if let Some(cpus) = parse_cpulist(&text) {
                prop_assert!(cpus.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(cpus.iter().all(|&cpu| cpu < CPU_LIMIT));
            }
        }

        #[test]
        fn cpulist_never_panics_on_near_misses(text in "[0-9, \\n\\t-]{0,40}") {
            if let Some(cpus) = parse_cpulist(&text) {
                prop_assert!(cpus.windows(2).all(|w| w[0] < w[1]));
            }
        }

        #[test]
        fn cpulist_round_trips(set in proptest::collection::btree_set(0usize..5000, 0..64)) {
            let cpus: Vec<usize> = set.into_iter().collect();
            prop_assert_eq!(parse_cpulist(&to_cpulist(&cpus)), Some(cpus));
        }
    }

    #[test]
    fn restrict_drops_empty_and_disallowed_nodes() {
        let nodes = vec![(0, vec![0, 1]), (1, vec![]), (2, vec![2, 3])];
        let kept = restrict(nodes.clone(), &[0, 1]).ok().unwrap();
        assert_eq!(
            kept,
            vec![NumaNode {
                id: 0,
                cpus: vec![0, 1]
            }]
        );
        let all = restrict(nodes, &[]).ok().unwrap();
        assert_eq!(all.iter().map(NumaNode::id).collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn restrict_rejects_a_cpu_in_two_nodes_and_an_orphan_cpu() {
        let twice = restrict(vec![(0, vec![0, 1]), (1, vec![1, 2])], &[]);
        assert!(matches!(twice, Err(Rejection::Inconsistent(why)) if why.contains("cpu 1")));
        let orphan = restrict(vec![(0, vec![0])], &[0, 1]);
        assert!(matches!(orphan, Err(Rejection::Inconsistent(why)) if why.contains("cpu 1")));
    }
}
