//! NUMA topology from fake sysfs trees, real pinning of node pools (the machine's
//! allowed CPUs split into one-CPU fake nodes), and `NumaStringProcessor` results
//! against a naive sequential chunk map for every topology.

use std::collections::BTreeSet;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use strs_tools::parallel::numa::current_thread_cpus;
use strs_tools::parallel::{NumaStringProcessor, NumaTopology, DEFAULT_CHUNK_SIZE};

/// A fake `/sys/devices/system/node` tree, removed on drop.
struct FakeSysfs {
    root: PathBuf,
}

impl FakeSysfs {
    /// `files` are `(path relative to the root, content)`.
    fn new(files: &[(&str, &[u8])]) -> FakeSysfs {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("strs-numa-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        for (path, content) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        FakeSysfs { root }
    }

    /// A tree with `node<i>/cpulist` = `cpulists[i]`, plus the non-node files a
    /// real tree has.
    fn nodes(cpulists: &[&str]) -> FakeSysfs {
        let paths: Vec<String> = (0..cpulists.len()).map(|i| format!("node{i}/cpulist")).collect();
        let mut files: Vec<(&str, &[u8])> = paths
            .iter()
            .zip(cpulists)
            .map(|(path, list)| (path.as_str(), list.as_bytes()))
            .collect();
        files.push(("online", b"0-1\n"));
        files.push(("possible", b"0-1\n"));
        files.push(("has_cpu", b"0-1\n"));
        FakeSysfs::new(&files)
    }

    fn path(&self) -> &Path {
        &self.root
    }
}

impl Drop for FakeSysfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn cpus_of(topology: &NumaTopology) -> Vec<(usize, Vec<usize>)> {
    topology
        .nodes()
        .iter()
        .map(|node| (node.id(), node.cpus().to_vec()))
        .collect()
}

#[test]
fn two_node_tree_gives_two_nodes() {
    let tree = FakeSysfs::nodes(&["0-3\n", "4-7\n"]);
    let topology = NumaTopology::from_sysfs_with_allowed(tree.path(), &(0..8).collect::<Vec<_>>());
    assert_eq!(
        cpus_of(&topology),
        vec![(0, vec![0, 1, 2, 3]), (1, vec![4, 5, 6, 7])]
    );
    assert_eq!(topology.fallback_reason(), None);
    assert_eq!(topology.cpu_count(), 8);
}

#[test]
fn four_node_tree_with_interleaved_cpus_gives_four_nodes() {
    // Real two-socket machines with SMT often interleave: node0 = 0-3,8-11.
    let tree = FakeSysfs::nodes(&["0-1,8-9\n", "2-3,10-11\n", "4-5,12-13\n", "6-7,14-15\n"]);
    let topology = NumaTopology::from_sysfs_with_allowed(tree.path(), &(0..16).collect::<Vec<_>>());
    assert_eq!(
        cpus_of(&topology),
        vec![
            (0, vec![0, 1, 8, 9]),
            (1, vec![2, 3, 10, 11]),
            (2, vec![4, 5, 12, 13]),
            (3, vec![6, 7, 14, 15])
        ]
    );
    assert_eq!(topology.fallback_reason(), None);
}

#[test]
fn nodes_are_ordered_by_number_not_by_name() {
    let tree = FakeSysfs::new(&[
        ("node10/cpulist", b"2\n"),
        ("node2/cpulist", b"1\n"),
        ("node0/cpulist", b"0\n"),
    ]);
    let topology = NumaTopology::from_sysfs_with_allowed(tree.path(), &[0, 1, 2]);
    assert_eq!(
        cpus_of(&topology),
        vec![(0, vec![0]), (2, vec![1]), (10, vec![2])]
    );
}

#[test]
fn node_without_cpus_is_left_out_without_falling_back() {
    // Memory-only nodes (CXL, HBM) have an empty cpulist.
    let tree = FakeSysfs::nodes(&["0-3\n", "\n", ""]);
    let topology = NumaTopology::from_sysfs_with_allowed(tree.path(), &[0, 1, 2, 3]);
    assert_eq!(cpus_of(&topology), vec![(0, vec![0, 1, 2, 3])]);
    assert!(topology.is_single_node());
    assert_eq!(topology.fallback_reason(), None);
}

#[test]
fn nodes_outside_the_affinity_mask_are_left_out() {
    // As under `taskset -c 2,3,9`: node1 keeps 2-3, node2 keeps 9, node0 and node3 go.
    let tree = FakeSysfs::nodes(&["0-1\n", "2-5\n", "8-11\n", "12-15\n"]);
    let topology = NumaTopology::from_sysfs_with_allowed(tree.path(), &[9, 3, 2, 3]);
    assert_eq!(cpus_of(&topology), vec![(1, vec![2, 3]), (2, vec![9])]);
    assert_eq!(topology.fallback_reason(), None);
}

#[test]
fn garbage_cpulist_falls_back_to_one_node_with_the_allowed_cpus() {
    let allowed = [0, 1, 2, 3, 4, 5, 6, 7];
    let garbage: [&[u8]; 9] = [
        b"zero-three\n",
        b"3-1\n",
        b"0,,1\n",
        b"0-3:2/4\n",
        b"99999999999999999999\n",
        b"-\n",
        b"0 1\n",
        b"0-65536\n",
        b"4-7\0",
    ];
    for text in garbage {
        let tree = FakeSysfs::new(&[("node0/cpulist", b"0-3\n"), ("node1/cpulist", text)]);
        let topology = NumaTopology::from_sysfs_with_allowed(tree.path(), &allowed);
        assert_eq!(cpus_of(&topology), vec![(0, allowed.to_vec())], "{text:?}");
        assert!(
            topology.fallback_reason().unwrap().contains("malformed"),
            "{text:?}"
        );
    }
}

#[test]
fn unreadable_or_inconsistent_trees_fall_back() {
    let allowed = [0, 1, 2, 3];
    let cases: Vec<(FakeSysfs, &str)> = vec![
        // Not UTF-8.
        (
            FakeSysfs::new(&[("node0/cpulist", b"0-1\n"), ("node1/cpulist", b"\xff\xfe")]),
            "unreadable",
        ),
        // A node directory without its cpulist.
        (
            FakeSysfs::new(&[("node0/cpulist", b"0-3\n"), ("node1/distance", b"10 20\n")]),
            "unreadable",
        ),
        // No node directories at all.
        (
            FakeSysfs::new(&[("online", b"0\n"), ("nodeX/cpulist", b"0-3\n")]),
            "no node",
        ),
        // A CPU in two nodes.
        (
            FakeSysfs::nodes(&["0-2\n", "2-3\n"]),
            "cpu 2 is in node 0 and node 1",
        ),
        // An allowed CPU in no node (sysfs and the mask disagree).
        (FakeSysfs::nodes(&["0-1\n", "2\n"]), "allowed cpu 3 is in no node"),
    ];
    for (tree, reason) in &cases {
        let topology = NumaTopology::from_sysfs_with_allowed(tree.path(), &allowed);
        assert_eq!(cpus_of(&topology), vec![(0, allowed.to_vec())], "{reason}");
        let why = topology.fallback_reason().unwrap();
        assert!(why.contains(reason), "{why} should mention {reason}");
    }
}

#[test]
fn missing_sysfs_falls_back_to_one_node() {
    let missing = std::env::temp_dir().join(format!("strs-numa-missing-{}", std::process::id()));
    let topology = NumaTopology::from_sysfs_with_allowed(&missing, &[1, 0]);
    assert_eq!(cpus_of(&topology), vec![(0, vec![0, 1])]);
    assert!(topology.fallback_reason().unwrap().contains("unreadable"));
    // Unknown affinity and no sysfs: one node with every CPU the standard library sees.
    let unknown = NumaTopology::from_sysfs_with_allowed(&missing, &[]);
    let n = std::thread::available_parallelism().unwrap().get();
    assert_eq!(cpus_of(&unknown), vec![(0, (0..n).collect())]);
}

#[test]
fn detected_topology_covers_exactly_the_cpus_this_process_may_use() {
    let topology = NumaTopology::detect();
    if let Some(allowed) = current_thread_cpus() {
        let cpus: Vec<usize> = topology
            .nodes()
            .iter()
            .flat_map(|node| node.cpus().iter().copied())
            .collect();
        let mut sorted = cpus.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, allowed);
    }
}

#[test]
fn fake_tree_is_intersected_with_the_real_affinity_mask() {
    let Some(allowed) = current_thread_cpus() else {
        return;
    };
    // node0 holds every allowed CPU; node1 only CPUs no machine has.
    let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    let tree = FakeSysfs::nodes(&[&format!("{}\n", list.join(",")), "60000-60003\n"]);
    let topology = NumaTopology::from_sysfs(tree.path());
    assert_eq!(cpus_of(&topology), vec![(0, allowed)]);
    assert_eq!(topology.fallback_reason(), None);
}

/// The machine's allowed CPUs as fake nodes of one CPU each (CPUs 0 and 1 on the
/// development machine), plus `extra` nodes of CPUs the process may not use. `None`
/// with fewer than two allowed CPUs: real pinning cannot be shown there.
fn one_cpu_per_node_tree(extra: &[&str]) -> Option<(FakeSysfs, Vec<usize>)> {
    let allowed = current_thread_cpus()?;
    if allowed.len() < 2 {
        eprintln!("skipped: real pinning needs two allowed CPUs, this process has {allowed:?}");
        return None;
    }
    let mut lists: Vec<String> = allowed.iter().map(|cpu| format!("{cpu}\n")).collect();
    lists.extend(extra.iter().map(ToString::to_string));
    let lists: Vec<&str> = lists.iter().map(String::as_str).collect();
    Some((FakeSysfs::nodes(&lists), allowed))
}

#[test]
fn node_pool_workers_are_pinned_to_their_node() {
    let Some((tree, allowed)) = one_cpu_per_node_tree(&[]) else {
        return;
    };
    let processor = NumaStringProcessor::with_topology(NumaTopology::from_sysfs(tree.path()));
    assert!(processor.uses_node_pools());
    assert_eq!(processor.node_threads(), vec![1; allowed.len()]);
    assert_eq!(processor.pin_failures(), 0);
    for (node, &cpu) in allowed.iter().enumerate() {
        let seen = processor.install_on_node(node, || rayon::broadcast(|_| current_thread_cpus()));
        assert_eq!(seen, vec![Some(vec![cpu])], "node {node}");
    }
    // The whole-machine pool of `install`: one worker per CPU, each on its node.
    let mut seen = processor.install(|| rayon::broadcast(|_| current_thread_cpus().unwrap()));
    seen.sort();
    assert_eq!(seen, allowed.iter().map(|&cpu| vec![cpu]).collect::<Vec<_>>());
    assert_eq!(processor.pin_failures(), 0);
}

#[test]
fn four_node_tree_pins_the_allowed_nodes_and_drops_the_others() {
    let Some((tree, allowed)) = one_cpu_per_node_tree(&["60000-60001\n", "60002\n"]) else {
        return;
    };
    let topology = NumaTopology::from_sysfs(tree.path());
    assert_eq!(topology.node_count(), allowed.len());
    let processor = NumaStringProcessor::with_topology(topology);
    assert_eq!(processor.pin_failures(), 0);
    let text = "0123456789".repeat(100);
    // Each node's work runs on that node's CPU, in input order.
    let placed = processor.for_each_node_range(text.as_bytes(), 7, |range| (range, current_thread_cpus()));
    let ranges: Vec<Range<usize>> = placed.iter().map(|(range, _)| range.clone()).collect();
    let planned: Vec<Range<usize>> = processor
        .node_ranges(text.as_bytes(), 7)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    assert_eq!(ranges, planned);
    for ((node, _), (_, cpus)) in processor.node_ranges(text.as_bytes(), 7).iter().zip(&placed) {
        assert_eq!(cpus.as_deref(), Some(&[allowed[*node]][..]));
    }
}

/// Workers pinned to CPUs that do not exist: every pin fails, the failures are
/// counted, work goes on, and nothing is printed (the library never writes to
/// stderr; the check runs in a child process, whose stderr is its own).
#[test]
fn workers_that_cannot_be_pinned_still_give_the_same_results() {
    const CHILD: &str = "STRS_NUMA_UNPINNABLE_CHILD";
    let processor = NumaStringProcessor::with_topology(NumaTopology::from_nodes([
        (0, vec![61000]),
        (1, vec![61001, 61002]),
    ]));
    assert_eq!(processor.node_threads(), vec![1, 2]);
    assert_eq!(processor.pin_failures(), 3);
    let text = "α,β,γ,δ".repeat(50);
    assert_eq!(
        processor.process_parallel(&text, 5, str::to_owned),
        naive_chunks(&text, 5)
    );
    if std::env::var_os(CHILD).is_some() {
        println!("child: pin failures {}", processor.pin_failures());
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "numa::workers_that_cannot_be_pinned_still_give_the_same_results",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs itself");
    assert!(output.status.success(), "child failed: {output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("child: pin failures 3"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("strs_tools"), "the library printed: {stderr}");
}

/// The chunks of the plain `par_process`, computed the obvious way: cut every
/// `chunk_size` bytes (0: the default chunk size), moved forward to a character
/// boundary.
fn naive_chunks(text: &str, chunk_size: usize) -> Vec<String> {
    let chunk_size = if chunk_size == 0 {
        DEFAULT_CHUNK_SIZE
    } else {
        chunk_size
    };
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + chunk_size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        chunks.push(text[start..end].to_string());
        start = end;
    }
    chunks
}

/// Single node, real pinned one-CPU nodes (if the machine allows), and unpinnable
/// fake layouts of 2, 3 and 4 nodes with unequal CPU counts.
fn processors() -> Vec<NumaStringProcessor> {
    let mut processors = vec![
        NumaStringProcessor::new(),
        NumaStringProcessor::with_topology(NumaTopology::single_node(&[0])),
        NumaStringProcessor::with_topology(NumaTopology::from_nodes([(0, vec![62000]), (1, vec![62001])])),
        NumaStringProcessor::with_topology(NumaTopology::from_nodes([
            (0, vec![62010]),
            (1, vec![62011, 62012, 62013]),
            (2, vec![62014, 62015]),
        ])),
        NumaStringProcessor::with_topology(NumaTopology::from_nodes(
            (0..4).map(|node| (node, vec![62020 + node])),
        )),
    ];
    if let Some((tree, _)) = one_cpu_per_node_tree(&[]) {
        processors.push(NumaStringProcessor::with_topology(NumaTopology::from_sysfs(
            tree.path(),
        )));
    }
    processors
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn process_parallel_equals_the_sequential_chunk_map(
        text in "(a|,|é|日本|🎉|\n){0,60}",
        chunk_size in 0usize..70,
    ) {
        let expected = naive_chunks(&text, chunk_size);
        for processor in processors() {
            prop_assert_eq!(&processor.process_parallel(&text, chunk_size, str::to_owned), &expected);
            prop_assert_eq!(
                &processor.clone_with_first_touch().process_owned(text.clone(), chunk_size, str::to_owned),
                &expected
            );
            let ranges = processor.for_each_node_range(text.as_bytes(), chunk_size, |range| range);
            let joined: String = ranges.iter().map(|range| &text[range.clone()]).collect();
            prop_assert_eq!(joined, text.clone());
        }
    }
}

/// Test-only shorthand: the same topology with first touch on.
trait WithFirstTouch {
    fn clone_with_first_touch(&self) -> NumaStringProcessor;
}

impl WithFirstTouch for NumaStringProcessor {
    fn clone_with_first_touch(&self) -> NumaStringProcessor {
        NumaStringProcessor::with_topology(self.topology().clone()).with_first_touch(true)
    }
}

#[test]
fn first_touch_copy_gives_node_pools_their_own_chunks() {
    let text: String = (0..5000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    for processor in processors() {
        let processor = processor.clone_with_first_touch();
        let expected = naive_chunks(&text, 333);
        let got = processor.process_owned(text.clone(), 333, str::to_owned);
        assert_eq!(got, expected);
    }
}

#[test]
fn one_node_runs_on_the_callers_pool_exactly_like_the_plain_code() {
    let processor = NumaStringProcessor::with_topology(NumaTopology::single_node(&[0, 1]));
    assert!(!processor.uses_node_pools());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    pool.install(|| {
        let threads = processor.process_parallel("abcdefgh", 1, |_| rayon::current_num_threads());
        assert_eq!(threads, vec![3; 8]);
        let caller = std::thread::current().id();
        assert_eq!(processor.install(|| std::thread::current().id()), caller);
        assert_eq!(
            processor.install_on_node(0, || std::thread::current().id()),
            caller
        );
        let called_on =
            processor.for_each_node_range(b"abc", 1, |range| (range, std::thread::current().id()));
        assert_eq!(called_on, vec![(0..3, caller)]);
    });
    assert_eq!(processor.pin_failures(), 0);
}

#[test]
fn several_nodes_run_on_their_own_pools() {
    let processor = NumaStringProcessor::with_topology(NumaTopology::from_nodes([
        (0, vec![63000, 63001]),
        (1, vec![63002, 63003, 63004]),
    ]));
    let text = "x".repeat(5000);
    // Node 0 has 2 of 5 CPUs: the first 2000 bytes, on its 2-worker pool.
    let threads = processor.for_each_node_range(text.as_bytes(), 100, |range| {
        (range, rayon::current_num_threads())
    });
    assert_eq!(threads, vec![(0..2000, 2), (2000..5000, 3)]);
}

#[test]
fn empty_input_gives_no_results_and_no_calls() {
    for processor in processors() {
        assert!(processor.process_parallel("", 4, |_| ()).is_empty());
        let calls = AtomicUsize::new(0);
        let results = processor.for_each_node_range(b"", 4, |_| calls.fetch_add(1, Ordering::Relaxed));
        assert!(results.is_empty());
        assert_eq!(calls.load(Ordering::Relaxed), 0);
    }
}

#[test]
fn a_panicking_closure_reaches_the_caller_and_the_pools_stay_usable() {
    for processor in processors() {
        let text = "abcdefghij".repeat(20);
        let result = catch_unwind(AssertUnwindSafe(|| {
            processor.process_parallel(&text, 3, |chunk| {
                assert!(!chunk.starts_with('j'), "boom");
                chunk.len()
            })
        }));
        assert!(result.is_err());
        let result = catch_unwind(AssertUnwindSafe(|| {
            processor.for_each_node_range(text.as_bytes(), 3, |range| assert!(range.start > 0, "boom"))
        }));
        assert!(result.is_err());
        assert_eq!(
            processor
                .process_parallel(&text, 3, str::len)
                .iter()
                .sum::<usize>(),
            200
        );
    }
}

#[test]
fn nested_calls_inside_the_closure_do_not_deadlock() {
    for processor in processors() {
        let text = "ab,cd;".repeat(40);
        let nested = processor.process_parallel(&text, 16, |chunk| {
            processor
                .process_parallel(chunk, 2, str::len)
                .iter()
                .sum::<usize>()
        });
        assert_eq!(nested.iter().sum::<usize>(), text.len());
        let ranges = processor.for_each_node_range(text.as_bytes(), 16, |range| {
            processor
                .for_each_node_range(&text.as_bytes()[range], 4, |inner| inner.len())
                .iter()
                .sum::<usize>()
        });
        assert_eq!(ranges.iter().sum::<usize>(), text.len());
    }
}

#[test]
fn node_shares_follow_cpu_counts() {
    let processor = NumaStringProcessor::with_topology(NumaTopology::from_nodes([
        (0, vec![64000]),
        (1, vec![64001, 64002]),
        (2, vec![64003]),
    ]));
    let text = vec![b'z'; 4000];
    assert_eq!(
        processor.node_ranges(&text, 1),
        vec![(0, 0..1000), (1, 1000..3000), (2, 3000..4000)]
    );
    // Whole chunks only: with 1500-byte chunks node 0 takes the first, node 1 the
    // second (it starts before 3000), node 2 the last.
    assert_eq!(
        processor.node_ranges(&text, 1500),
        vec![(0, 0..1500), (1, 1500..3000), (2, 3000..4000)]
    );
    let sizes: BTreeSet<usize> = processor.node_threads().into_iter().collect();
    assert_eq!(sizes, BTreeSet::from([1, 2]));
}

#[test]
#[allow(deprecated)]
fn the_former_name_is_a_deprecated_alias_of_the_same_type() {
    let processor: strs_tools::parallel::NUMAStringProcessor =
        NumaStringProcessor::with_topology(NumaTopology::single_node(&[0]));
    assert_eq!(processor.process_parallel("ab", 1, str::to_owned), ["a", "b"]);
}

/// Hostile case 25: a process started under `taskset` on one CPU sees one node with
/// that CPU, whatever sysfs says, and builds no pinned pools. The test re-runs
/// itself as a child under `taskset`; the child prints what it sees.
#[test]
fn under_taskset_only_the_allowed_cpu_is_used() {
    const CHILD: &str = "STRS_NUMA_TASKSET_CHILD_TREE";
    if let Some(tree) = std::env::var_os(CHILD) {
        let detected = NumaTopology::detect();
        let fake = NumaTopology::from_sysfs(tree);
        let processor = NumaStringProcessor::with_topology(fake.clone());
        println!(
            "child: detected={:?} fake={:?} node_pools={}",
            cpus_of(&detected),
            cpus_of(&fake),
            processor.uses_node_pools()
        );
        return;
    }
    let Some(allowed) = current_thread_cpus() else {
        return;
    };
    let last = *allowed.last().unwrap();
    // Every allowed CPU its own node: without the mask there would be several.
    let lists: Vec<String> = allowed.iter().map(|cpu| format!("{cpu}\n")).collect();
    let tree = FakeSysfs::nodes(&lists.iter().map(String::as_str).collect::<Vec<_>>());
    let output = std::process::Command::new("taskset")
        .arg("-c")
        .arg(last.to_string())
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "numa::under_taskset_only_the_allowed_cpu_is_used",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, tree.path())
        .output();
    let output = match output {
        Ok(output) if output.status.success() => output,
        Ok(output) if String::from_utf8_lossy(&output.stderr).contains("taskset") => {
            eprintln!(
                "skipped: taskset refused: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return;
        }
        Ok(output) => panic!("child failed: {output:?}"),
        Err(err) => {
            eprintln!("skipped: cannot run taskset: {err}");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected = format!(
        "child: detected=[(0, [{last}])] fake=[({}, [{last}])] node_pools=false",
        allowed.len() - 1
    );
    assert!(stdout.contains(&expected), "expected {expected:?} in:\n{stdout}");
}

/// rayon#592: building pools from inside a worker waits for the new workers, and
/// while waiting the thread runs its other queued jobs; one that builds a pool too
/// must not find a lock held by the same thread. One-worker node pools keep the
/// second `join` job on the building thread.
#[test]
fn building_processors_from_inside_a_node_pool_does_not_deadlock() {
    let outer =
        NumaStringProcessor::with_topology(NumaTopology::from_nodes([(0, vec![65000]), (1, vec![65001])]));
    let build = |first: usize| {
        let topology = NumaTopology::from_nodes([(0, vec![first]), (1, vec![first + 1])]);
        let processor = NumaStringProcessor::with_topology(topology);
        let threads = processor.install(rayon::current_num_threads);
        (processor.node_threads(), threads)
    };
    let (a, b) = outer.install_on_node(0, || rayon::join(|| build(65100), || build(65200)));
    assert_eq!(a, (vec![1, 1], 2));
    assert_eq!(b, (vec![1, 1], 2));
}

/// The opt-in path for the rest of the library: `par_split` run inside `install`
/// (on the pinned whole-machine pool when there are several nodes) gives exactly
/// the sequential split.
#[test]
fn par_split_on_the_numa_pools_equals_the_sequential_split() {
    use rayon::iter::ParallelIterator;
    use strs_tools::parallel::ParallelStringExt;

    let text = "k=v; a=1;; é=日本;".repeat(500);
    let expected: Vec<&str> = text.split(';').collect();
    for processor in processors() {
        let got: Vec<&str> = processor.install(|| text.par_split(&[";"]).collect());
        assert_eq!(got, expected);
    }
}
