//! Hostile plans, generated at growing sizes: each doubling of the plan must not
//! more than about double the work. Work is counted, not timed: the allocations and
//! the bytes allocated by the thread that parses (and triages), through a counting
//! allocator. A pass that rescans the whole plan for every task, or a report that
//! lists every pair, shows up as bytes growing with the square of the size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use shortlist::plan::{self, Plan};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
    let _ = BYTES.try_with(|c| c.set(c.get() + bytes as u64));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations, bytes) made by `f` on this thread.
fn work<T>(f: impl FnOnce() -> T) -> (u64, u64, T) {
    let (a0, b0) = (ALLOCS.with(Cell::get), BYTES.with(Cell::get));
    let out = f();
    let (a1, b1) = (ALLOCS.with(Cell::get), BYTES.with(Cell::get));
    (a1 - a0, b1 - b0, out)
}

/// Parses the plan of size n and of size 2n; the work may grow by at most 2.5×.
fn grows_linearly(
    family: &str,
    n: usize,
    make: impl Fn(usize) -> String,
    check: impl Fn(&Plan, usize),
) {
    files_grow_linearly(
        family,
        n,
        |n| vec![plan::PlanText::new("PLAN.md", make(n))],
        check,
    );
}

fn header() -> String {
    String::from("# Plan\n\n## Track A — Core（P0）\n")
}

#[test]
fn tasks_depending_on_a_range() {
    grows_linearly(
        "range dependencies",
        4_000,
        |n| {
            let mut t = header();
            for i in 1..=n {
                t.push_str(&format!("- [ ] 1.{i} Step {i}\n  - Depends on: 1.1~1.2\n"));
            }
            t
        },
        |p, n| {
            assert_eq!(p.tasks.len(), n);
            assert_eq!(p.tasks[n - 1].deps.as_slice(), [0, 1]);
        },
    );
}

#[test]
fn one_checkpoint_covering_every_task() {
    grows_linearly(
        "one checkpoint over every task",
        5_000,
        |n| {
            let mut t = header();
            for i in 1..=n {
                t.push_str(&format!("- [ ] 1.{i} Step {i}\n"));
            }
            t.push_str(&format!(
                "\n## 建议执行顺序（Checkpoints）\n- CP0（全部）：完成 1.1~1.{n}\n"
            ));
            t
        },
        |p, n| {
            assert_eq!(p.checkpoints.len(), 1);
            assert_eq!(p.checkpoints[0].tasks.len(), n);
        },
    );
}

#[test]
fn a_fan_of_cycles() {
    grows_linearly(
        "cycle fan",
        2_000,
        |n| {
            let mut t = header();
            for i in 1..=n {
                let next = if i == n { 1 } else { i + 1 };
                t.push_str(&format!(
                    "- [ ] 1.{i} Step {i}\n  - Depends on: 1.{next}, 1.1\n"
                ));
            }
            t
        },
        |p, _| {
            let cycles = p
                .diagnostics
                .iter()
                .filter(|d| d.message.contains("dependency cycle"))
                .count();
            assert_eq!(cycles, 25);
        },
    );
}

/// A chain of subtask blocks nests each task under the one before: input linear in
/// the depth.
fn deep_chain(n: usize) -> String {
    let mut t = header();
    t.push_str("- [ ] T1 Step 1\n  - Touch points：`src/a.rs`\n");
    for i in 1..n {
        t.push_str(&format!(
            "\n**T{i} 子任务**：\n- [ ] T{} Step {}\n",
            i + 1,
            i + 1
        ));
    }
    t
}

#[test]
fn deep_nesting() {
    grows_linearly("deep nesting", 2_000, deep_chain, |p, n| {
        assert_eq!(p.tasks.len(), n);
        assert_eq!(p.tasks[n - 1].parent, Some(n - 2));
    });
}

/// The bot parses and triages on tokio's blocking threads, whose stacks are 2 MiB:
/// nesting as deep as the input allows must not overflow them.
#[test]
fn deep_nesting_fits_a_small_stack() {
    let n = 40_000;
    let text = deep_chain(n);
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let p = plan::parse_str("PLAN.md", &text);
            let docs = shortlist::triage::DocGlobs::new(&[]);
            let rem = shortlist::triage::remaining(&p, &docs);
            let found = shortlist::triage::conflicts::conflicts(&p, &rem, &[]);
            (
                p.tasks.len(),
                p.tasks[n - 1].parent,
                rem.tracks.len(),
                found.len(),
            )
        })
        .expect("thread starts");
    let (tasks, parent, tracks, conflicts) = handle.join().expect("no stack overflow");
    assert_eq!(tasks, n);
    assert_eq!(parent, Some(n - 2));
    assert_eq!(tracks, 1);
    assert_eq!(conflicts, 0, "a chain inherits one path: no conflict");
}

/// Parses and triages (remaining work and conflicts) the plan of size n and of size
/// 2n; the work may grow by at most 2.5×.
fn triage_grows_linearly(family: &str, n: usize, make: impl Fn(usize) -> String) {
    let docs = shortlist::triage::DocGlobs::new(&[]);
    let run = |text: &str| {
        let p = plan::parse_str("PLAN.md", text);
        let rem = shortlist::triage::remaining(&p, &docs);
        let found = shortlist::triage::conflicts::conflicts(&p, &rem, &[]);
        (rem.tracks.len(), found.len())
    };
    let (small, big) = (make(n), make(2 * n));
    let (a1, b1, r1) = work(|| run(&small));
    let (a2, b2, r2) = work(|| run(&big));
    assert_eq!(
        r1, r2,
        "{family}: the same tracks and conflicts at either size"
    );
    let (ra, rb) = (a2 as f64 / a1 as f64, b2 as f64 / b1 as f64);
    assert!(
        ra <= 2.5 && rb <= 2.5,
        "{family}: from n={n} to 2n the allocations grew {ra:.2}× ({a1} → {a2}) and the bytes {rb:.2}× ({b1} → {b2})"
    );
}

/// Four tracks whose tasks all touch overlapping globs: conflicts are grouped, so
/// their number stays the same however many tasks there are.
#[test]
fn tracks_on_overlapping_globs() {
    triage_grows_linearly("overlapping globs", 400, |n| {
        let mut t = String::from("# Plan\n");
        for (k, letter) in ["A", "B", "C", "D"].iter().enumerate() {
            t.push_str(&format!("\n## Track {letter} — Part {k}（P1）\n"));
            for i in 1..=n / 4 {
                t.push_str(&format!(
                    "- [ ] {}.{i} Step {i}\n  - Touch points：`src/**/*.rs`、`src/m{}/*`\n",
                    k + 1,
                    i % 7
                ));
            }
        }
        t
    });
}

/// One task under way with a touch point, and N open subtasks inheriting it.
#[test]
fn subtasks_inheriting_a_path() {
    triage_grows_linearly("inherited paths", 1_000, |n| {
        let mut t = String::from(
            "# Plan\n\n## Track A — Core（P0）\n- [~] 1.1 Importer\n  - Touch points：`src/import/*`\n",
        );
        for i in 1..=n {
            t.push_str(&format!("  - [ ] 1.1.{i} Step {i}\n"));
        }
        t
    });
}

/// One task depending on a range of 20,000 siblings lists each once, in plan order,
/// and never itself.
#[test]
fn one_task_depending_on_a_long_range() {
    let n = 20_000;
    let mut t = String::from("# Plan\n\n## Track A — Core（P0）\n");
    for i in 1..=n {
        t.push_str(&format!("- [ ] 1.{i} Step {i}\n"));
    }
    t.push_str(&format!(
        "- [ ] 1.{} Release\n  - Depends on: 1.1~1.{}, 1.5, 1.{}\n",
        n + 1,
        n + 1,
        n
    ));
    let p = plan::parse_str("PLAN.md", &t);
    let last = &p.tasks[n];
    assert_eq!(last.title, "Release");
    assert_eq!(last.deps.to_vec(), (0..n).collect::<Vec<_>>());
}

// ------------------------------------------------------------ the spec tools' readers

/// [`grows_linearly`] over several files, each read by its format's reader.
fn files_grow_linearly(
    family: &str,
    n: usize,
    make: impl Fn(usize) -> Vec<plan::PlanText>,
    check: impl Fn(&Plan, usize),
) {
    let (small, big) = (make(n), make(2 * n));
    let (a1, b1, p1) = work(|| plan::parse(&small, None));
    let (a2, b2, p2) = work(|| plan::parse(&big, None));
    check(&p1, n);
    check(&p2, 2 * n);
    let (ra, rb) = (a2 as f64 / a1 as f64, b2 as f64 / b1 as f64);
    assert!(
        ra <= 2.5 && rb <= 2.5,
        "{family}: from n={n} to 2n the allocations grew {ra:.2}× ({a1} → {a2}) and the bytes {rb:.2}× ({b1} → {b2})"
    );
}

#[test]
fn spec_kit_parallel_run_before_one_sequential_task() {
    // n `[P]` tasks, then one without the mark: it follows all n, once each.
    files_grow_linearly(
        "spec kit [P] run",
        4_000,
        |n| {
            let mut t = String::from("## Phase 1: Setup\n");
            for i in 1..=n {
                t.push_str(&format!("- [ ] T{i:05} [P] part {i} in src/p{i}.rs\n"));
            }
            t.push_str(&format!("- [ ] T{:05} Join them in src/join.rs\n", n + 1));
            vec![plan::PlanText::new("specs/001-x/tasks.md", t)]
        },
        |p, n| {
            let last = p.tasks.last().expect("tasks");
            assert_eq!(last.deps.len(), n);
            assert!(p.tasks[0].deps.is_empty());
        },
    );
}

#[test]
fn spec_kit_dependency_statements_are_bounded() {
    // One statement naming every task on both sides would be n² edges: refused with a
    // diagnostic past the cap; smaller statements are followed.
    let n = 3_000;
    let mut t = String::from("## Phase 1: Setup\n");
    for i in 1..=n {
        t.push_str(&format!("- [ ] T{i:05} [P] task {i}\n"));
    }
    let all: Vec<String> = (1..=n).map(|i| format!("T{i:05}")).collect();
    let all = all.join(", ");
    t.push_str(&format!("\n## Dependencies\n- {all} depend on {all}\n"));
    t.push_str("- T00010-T00012 depend on T00001-T00003\n");
    let (_, bytes, p) = work(|| plan::parse_str("specs/001-x/tasks.md", &t));
    assert!(p.diagnostics.iter().any(|d| d
        .message
        .contains("more than 10000 dependencies in one line")));
    let t10 = &p.tasks[p.find_tasks("T00010")[0]];
    assert_eq!(t10.deps.len(), 3);
    assert!(bytes < 64 << 20, "{bytes} bytes");
}

#[test]
fn taskmaster_tasks_and_backlog_files() {
    files_grow_linearly(
        "taskmaster",
        2_000,
        |n| {
            let tasks: Vec<String> = (1..=n)
                .map(|i| {
                    format!(
                        "{{\"id\": {i}, \"title\": \"Task {i}\", \"status\": \"pending\", \"dependencies\": [{}], \"subtasks\": [{{\"id\": 1, \"title\": \"S\", \"dependencies\": []}}, {{\"id\": 2, \"title\": \"T\", \"dependencies\": [1]}}]}}",
                        i.max(2) - 1
                    )
                })
                .collect();
            let text = format!("{{\"master\": {{\"tasks\": [\n{}\n]}}}}", tasks.join(",\n"));
            vec![plan::PlanText::new(".taskmaster/tasks/tasks.json", text)]
        },
        |p, n| assert_eq!(p.tasks.len(), 3 * n),
    );
    // One file per task, each depending on the one before, each in a milestone of its
    // own, each naming a parent that does not exist.
    files_grow_linearly(
        "backlog files",
        1_000,
        |n| {
            (1..=n)
                .map(|i| {
                    let text = format!(
                        "---\nid: task-{i}\ntitle: T{i}\nstatus: To Do\nmilestone: m{i}\ndependencies: [task-{}, back-{i}]\nparent_task_id: task-0\n---\n## Acceptance Criteria\n- [ ] #1 works\n",
                        i.max(2) - 1
                    );
                    plan::PlanText::new(format!("backlog/tasks/task-{i} - T.md"), text)
                })
                .collect()
        },
        |p, n| {
            assert_eq!(p.tasks.len(), n);
            assert_eq!(p.criteria.len(), n);
        },
    );
    files_grow_linearly(
        "bmad stories",
        4_000,
        |n| {
            let mut t = String::from("development_status:\n");
            for i in 1..=n {
                t.push_str(&format!("  epic-{i}: backlog\n  {i}-1-story: review\n"));
            }
            vec![plan::PlanText::new("sprint-status.yaml", t)]
        },
        |p, n| assert_eq!(p.tasks.len(), n),
    );
}

#[test]
fn yaml_aliases_and_deep_nesting_are_refused_before_loading() {
    // Ten anchors, each a list of ten aliases of the one before: a billion nodes once
    // loaded. Refused from the parser's events, with the line, in little memory.
    let mut y = String::from("development_status:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        y.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (_, bytes, p) = work(|| plan::parse_str("sprint-status.yaml", &y));
    assert!(p.tasks.is_empty());
    let d = &p.diagnostics[0];
    assert!(d.message.contains("aliases"), "{}", d.message);
    assert_eq!(d.line, 3);
    assert!(bytes < 4 << 20, "{bytes} bytes");
    // Nesting 100,000 deep on one line, in front matter.
    let deep = format!(
        "---\nid: t-1\nx: {}y{}\n---\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (_, _, p) = work(|| plan::parse_str("backlog/tasks/t-1 - X.md", &deep));
    assert!(p.tasks.is_empty());
    // (The scanner's own limit says it first here; block nesting meets ours.)
    let m = &p.diagnostics[0].message;
    assert!(
        m.contains("recursion limit") || m.contains("nested more than 64"),
        "{m}"
    );
    let mut block = String::from("---\nid: t-2\nx:\n");
    for depth in 0..100 {
        block.push_str(&format!("{}- \n", "  ".repeat(depth)));
    }
    block.push_str("---\n");
    let p = plan::parse_str("backlog/tasks/t-2 - X.md", &block);
    assert!(p.tasks.is_empty());
    let m = &p.diagnostics[0].message;
    assert!(m.contains("nested more than 64"), "{m}");
}
