//! `WorkStealingExecutor`: results in task order over borrowed input, oversized
//! tasks subdivided without changing results, panics reach the caller, nesting
//! works, scratch values are reused. (A lock held *across* a nested parallel call
//! can deadlock on any rayon pool, rayon#592: documented, not tested.)

// A batch of one task spanning the whole input is exactly what is meant here.
#![allow(clippy::single_range_in_vec_init)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use strs_tools::parallel::{ParallelStringExt, WorkStealingExecutor};
use strs_tools::string::split;

fn line_tasks(text: &str, per_task: usize) -> Vec<std::ops::Range<usize>> {
    let mut tasks = Vec::new();
    let mut start = 0;
    let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    for chunk in ends.chunks(per_task) {
        let end = *chunk.last().unwrap();
        tasks.push(start..end);
        start = end;
    }
    if start < text.len() {
        tasks.push(start..text.len());
    }
    tasks
}

fn sample() -> String {
    (0..300)
        .map(|i| format!("row {i}: error={} {}\n", i % 7, "w ".repeat(i % 11)))
        .collect()
}

#[test]
fn results_are_in_task_order_for_every_worker_count() {
    let text = sample();
    let tasks = line_tasks(&text, 7);
    let expected: Vec<&str> = tasks.iter().map(|r| &text[r.clone()]).collect();
    for threads in 0..=4 {
        let executor = WorkStealingExecutor::new(threads);
        assert!(executor.threads() >= 1);
        let got = executor.execute(&text, &tasks, |t| t);
        assert_eq!(got, expected, "threads {threads}");
        // The task results borrow from the input: nothing was copied.
        assert!(got
            .iter()
            .all(|t| text.as_bytes().as_ptr_range().contains(&t.as_ptr())));
    }
    assert_eq!(WorkStealingExecutor::new(3).threads(), 3);
}

#[test]
fn split_tasks_subdivided_equal_the_sequential_split() {
    let text = sample();
    let options = split()
        .delimiters(["\n", ": "])
        .preserving_delimiters(true)
        .build()
        .unwrap();
    let whole: Vec<String> = options.split(&text).map(|s| s.string.into_owned()).collect();
    let tasks = line_tasks(&text, 50);
    for (threads, max) in [(1, 1), (2, 10), (3, 100), (4, 1 << 20)] {
        let executor = WorkStealingExecutor::new(threads)
            .max_task_len(max)
            .task_terminator(b'\n');
        let pieces = executor.execute_subdivided(
            &text,
            &tasks,
            |t| {
                options
                    .split(t)
                    .map(|s| s.string.into_owned())
                    .collect::<Vec<_>>()
            },
            |mut a, b| {
                a.extend(b);
                a
            },
        );
        assert_eq!(pieces.len(), tasks.len());
        assert_eq!(pieces.concat(), whole, "threads {threads} max {max}");
    }
}

#[test]
fn subdivision_runs_pieces_separately_and_combines_in_order() {
    let text = "a\nbb\nccc\ndddd\n".repeat(50);
    let calls = AtomicUsize::new(0);
    let executor = WorkStealingExecutor::new(2)
        .max_task_len(10)
        .task_terminator(b'\n');
    let got = executor.execute_subdivided(
        &text,
        &[0..text.len(), 0..0, 2..5],
        |t| {
            calls.fetch_add(1, Ordering::Relaxed);
            t.to_string()
        },
        |a, b| a + &b,
    );
    assert_eq!(got, vec![text.clone(), String::new(), "bb\n".to_string()]);
    // The 700-byte task ran as many pieces, each ending after a newline.
    assert!(calls.load(Ordering::Relaxed) > 50);
}

#[test]
fn a_non_ascii_terminator_cuts_after_the_whole_character() {
    let text = "aé bé cé dé ".repeat(20);
    // 0xA9 is the last byte of 'é'.
    let executor = WorkStealingExecutor::new(2).max_task_len(3).task_terminator(0xA9);
    let got = executor.execute_subdivided(
        &text,
        &[0..text.len()],
        |t| vec![t],
        |mut a, b| {
            a.extend(b);
            a
        },
    );
    assert_eq!(got[0].concat(), text);
    assert!(got[0].len() > 1);
    // A lead byte (0xC3) is followed by its continuation: the cut moves past it.
    let executor = WorkStealingExecutor::new(2).max_task_len(1).task_terminator(0xC3);
    let got = executor.execute_subdivided(
        &text,
        &[0..text.len()],
        |t| vec![t],
        |mut a, b| {
            a.extend(b);
            a
        },
    );
    assert_eq!(got[0].concat(), text);
    assert!(got[0].iter().all(|p| p.ends_with('é') || p.len() < 4));
}

#[test]
fn a_panicking_task_reaches_the_caller_and_the_executor_stays_usable() {
    let text = sample();
    let tasks = line_tasks(&text, 3);
    let executor = WorkStealingExecutor::new(2);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        executor.execute(&text, &tasks, |t| {
            if t.contains("row 150:") {
                panic!("task failed")
            } else {
                t.len()
            }
        })
    }));
    let payload = result.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"task failed"));
    let lens = executor.execute(&text, &tasks, str::len);
    assert_eq!(lens.iter().sum::<usize>(), text.len());
}

#[test]
fn nested_parallel_calls_inside_a_task_do_not_deadlock() {
    let text = sample();
    let tasks = line_tasks(&text, 5);
    let executor = WorkStealingExecutor::new(2);
    let total = Mutex::new(0);
    let counts = executor.execute(&text, &tasks, |t| {
        // Nested: another executor batch and a parallel search on the same pool.
        let inner = executor.execute(t, &[0..t.len()], |u| u.par_count(&["error"])[0]);
        let n = inner[0];
        *total.lock().unwrap() += n;
        n
    });
    assert_eq!(counts.iter().sum::<usize>(), 300);
    assert_eq!(*total.lock().unwrap(), 300);
}

#[test]
fn one_worker_works() {
    let text = sample();
    let tasks = line_tasks(&text, 1);
    let executor = WorkStealingExecutor::new(1);
    assert_eq!(executor.threads(), 1);
    let lens = executor.execute_subdivided(&text, &tasks, str::len, |a, b| a + b);
    assert_eq!(lens, tasks.iter().map(|r| r.len()).collect::<Vec<_>>());
}

#[test]
fn scratch_values_are_reused_per_worker() {
    let text = sample();
    let tasks = line_tasks(&text, 1);
    for threads in 1..=3 {
        let created = AtomicUsize::new(0);
        struct Scratch(Vec<u8>);
        let executor = WorkStealingExecutor::new(threads);
        let uppers = executor.execute_with_scratch(&text, &tasks, |s: &mut Option<Scratch>, t| {
            let s = s.get_or_insert_with(|| {
                created.fetch_add(1, Ordering::Relaxed);
                Scratch(Vec::new())
            });
            s.0.clear();
            s.0.extend(t.bytes().map(|b| b.to_ascii_uppercase()));
            String::from_utf8(s.0.clone()).unwrap()
        });
        assert_eq!(uppers.concat(), text.to_ascii_uppercase());
        // At most one scratch value per worker, not one per task.
        assert!(created.load(Ordering::Relaxed) <= threads, "threads {threads}");
    }
}

#[test]
fn nested_scratch_use_gets_a_fresh_value_instead_of_deadlocking() {
    let text = sample();
    let tasks = line_tasks(&text, 10);
    let executor = WorkStealingExecutor::new(2);
    let got = executor.execute_with_scratch(&text, &tasks, |buf: &mut Vec<usize>, t| {
        buf.push(1);
        let inner = executor.execute_with_scratch(t, &line_tasks(t, 1), |b: &mut Vec<usize>, u| {
            b.push(u.len());
            u.len()
        });
        inner.iter().sum::<usize>()
    });
    assert_eq!(got.iter().sum::<usize>(), text.len());
}

#[test]
fn a_piece_recovers_its_offset_in_the_input() {
    let text = "ab\ncd\nef\n".repeat(20);
    let executor = WorkStealingExecutor::new(2)
        .max_task_len(4)
        .task_terminator(b'\n');
    let base = text.as_ptr() as usize;
    let starts = executor.execute_subdivided(
        &text,
        &[3..text.len()],
        |piece| vec![(piece.as_ptr() as usize - base, piece.len())],
        |mut a, b| {
            a.extend(b);
            a
        },
    );
    // Pieces tile the task from its start, in order.
    let mut expected_start = 3;
    for &(start, len) in &starts[0] {
        assert_eq!(start, expected_start);
        expected_start += len;
    }
    assert_eq!(expected_start, text.len());
    assert!(starts[0].len() > 10);
}
