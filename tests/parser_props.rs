//! Properties: arbitrary and mutated plans never panic the parser, and every
//! diagnostic, task, checkpoint and question points at a line that exists. Each reader
//! is exercised: plain markdown, the spec tools' markdown (Spec Kit, Kiro, OpenSpec,
//! GSD), YAML (Backlog.md front matter, BMAD) and Taskmaster's JSON.

use proptest::prelude::*;
use shortlist::plan;

const FIXTURES: &[(&str, &str)] = &[
    ("PLAN.md", include_str!("fixtures/phase5.md")),
    ("PLAN.md", include_str!("fixtures/table_plan.md")),
    ("PLAN.md", include_str!("fixtures/heading_tasks.md")),
    ("PLAN.md", include_str!("fixtures/diagnostics.md")),
    (
        "specs/001-invoice-export/tasks.md",
        include_str!("fixtures/formats/speckit/specs/001-invoice-export/tasks.md"),
    ),
    (
        "specs/002-rate-limits/tasks.md",
        include_str!("fixtures/formats/speckit/specs/002-rate-limits/tasks.md"),
    ),
    (
        ".kiro/specs/search-index/tasks.md",
        include_str!("fixtures/formats/kiro/.kiro/specs/search-index/tasks.md"),
    ),
    (
        ".kiro/specs/billing-webhooks/tasks.md",
        include_str!("fixtures/formats/kiro/.kiro/specs/billing-webhooks/tasks.md"),
    ),
    (
        "openspec/changes/refresh-onboarding/tasks.md",
        include_str!("fixtures/formats/openspec/openspec/changes/refresh-onboarding/tasks.md"),
    ),
    (
        "backlog/tasks/task-15 - Tracking-page-redesign.md",
        include_str!("fixtures/formats/backlog/backlog/tasks/task-15 - Tracking-page-redesign.md"),
    ),
    (
        "backlog/tasks/task-12 - Retry-webhooks.md",
        include_str!("fixtures/formats/backlog/backlog/tasks/task-12 - Retry-webhooks.md"),
    ),
    (
        ".taskmaster/tasks/tasks.json",
        include_str!("fixtures/formats/taskmaster/.taskmaster/tasks/tasks.json"),
    ),
    (
        "docs/sprint-status.yaml",
        include_str!("fixtures/formats/bmad/docs/sprint-artifacts/sprint-status.yaml"),
    ),
    (
        ".planning/ROADMAP.md",
        include_str!("fixtures/formats/gsd/.planning/ROADMAP.md"),
    ),
];

/// A path for each reader.
const PATHS: &[&str] = &[
    "PLAN.md",
    "specs/001-x/tasks.md",
    ".kiro/specs/x/tasks.md",
    "openspec/changes/x/tasks.md",
    "backlog/tasks/task-1 - X.md",
    "tasks/tasks.json",
    "sprint-status.yaml",
    ".planning/ROADMAP.md",
];

/// Pieces real plans are made of, to build plausible documents from.
const PIECES: &[&str] = &[
    "# Plan\n",
    "## 5.1 Track A — Billing（P0）\n",
    "### Track B: Ops (P2)\n",
    "- [ ] 1.1 Task\n",
    "- [x] 1.2 Done（依赖 1.1）\n",
    "- [~] `T1.3` Wip\n",
    "  - [ ] 1.3.1 Sub\n",
    "    - [!] 1.3.1.1 Deep\n",
    "  - Touch points：`a/b.ts`、`c/*`\n",
    "  - Depends on: 1.1~1.9\n",
    "- CP0（x）：完成 1.1 + 1.2\n",
    "| ID | 任务 | 状态 | 依赖 |\n",
    "|---|---|---|---|\n",
    "| T1 | x | ✅ | - |\n",
    "| T2 | y |\n",
    "```\n- [ ] fenced\n",
    "> quote: 1\n",
    "<div>\n",
    "**T1 子任务**：\n",
    "T1 → T2 → T3\n",
    "## Open Questions\n",
    "- TBD?\n",
    "## 验收标准\n",
    "- [-] dropped\n",
    "\n",
    "- Track A：Name\n",
    "~~- [ ] 2 struck~~\n",
    "- [ ] ** 3 bold\n",
    "| a \\| b | `c|d` |\n",
    "- [ ] 4.1-4.3 x\n",
    "## Phase 2: Foundational (Blocking Prerequisites)\n",
    "No user story work can begin until this phase is complete\n",
    "## Phase 3: User Story 1 (Priority: P1)\n",
    "- [ ] T001 [P] [US1] Do x in src/a/b.rs\n",
    "- [X] **T002** [API] y in /abs/src/c.rs (depends on T001)\n",
    "- T001-T009 depend on T010\n",
    "**Checkpoint**: done\n",
    "- [-] 2. Kiro\n",
    "- [ ]* 2.1 (P) optional\n",
    "- [ ]\\* 2.2 x\n",
    "- [ ] 2.3* y\n",
    "  - _Requirements: 1.2, 3.4_\n",
    "  - _Depends: 2.1_\n",
    "  - 2.1に依存\n",
    "- [ ]实现\n",
    "---\n",
    "id: task-1\n",
    "status: In Progress\n",
    "dependencies: [task-2, TASK-3]\n",
    "parent_task_id: task-9\n",
    "### ✅ task-1.1: sub\n",
    "- [ ] #1 criterion\n",
    "{\"master\": {\"tasks\": [\n",
    "{\"id\": 1, \"title\": \"a\", \"status\": \"review\", \"dependencies\": [2, \"1.1\"],\n",
    "\"subtasks\": [{\"id\": 1, \"title\": \"s\", \"dependencies\": [1]}]}\n",
    "]}}\n",
    "development_status:\n",
    "  epic-1: in-progress\n",
    "  1-1-x: review\n",
    "- [ ] **Phase 2: Ingest** - feeds\n",
    "### Phase 2: Ingest\n",
    "**Depends on**: Phase 1\n",
    "- [ ] 02-01: plan\n",
];

fn check(path: &str, text: &str) {
    let p = plan::parse_str(path, text);
    let lines = text.split('\n').count() as u32;
    for d in &p.diagnostics {
        assert!(
            d.line <= lines,
            "diagnostic line {} beyond {lines}: {}",
            d.line,
            d.message
        );
        assert!(!d.message.is_empty());
    }
    for t in &p.tasks {
        assert!(
            t.span.line >= 1 && t.span.line <= lines,
            "task line {}",
            t.span.line
        );
        assert!(t.parent.is_none_or(|x| x < p.tasks.len()));
        assert!(t.deps.iter().all(|&d| d < p.tasks.len()));
        assert!(t.track < p.tracks.len());
        assert!(!t.id.0.is_empty());
    }
    for c in &p.checkpoints {
        assert!(c.span.line >= 1 && c.span.line <= lines);
    }
    for q in &p.questions {
        assert!(q.span.line >= 1 && q.span.line <= lines);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(path in 0..PATHS.len(), s in "\\PC{0,400}") {
        check(PATHS[path], &s);
    }

    #[test]
    fn plan_shaped_documents_never_panic(
        path in 0..PATHS.len(),
        pieces in prop::collection::vec(0..PIECES.len(), 0..40),
    ) {
        let text: String = pieces.iter().map(|&i| PIECES[i]).collect();
        check(PATHS[path], &text);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), "\\PC{0,8}"), 1..6),
    ) {
        let (path, text) = FIXTURES[which];
        let mut text = text.to_string();
        for (a, b, insert) in cuts {
            let len = text.len();
            if len == 0 { break; }
            let mut x = a.index(len);
            let mut y = b.index(len);
            if x > y { std::mem::swap(&mut x, &mut y); }
            y = y.min(x + 40);
            while !text.is_char_boundary(x) { x -= 1; }
            while !text.is_char_boundary(y) { y -= 1; }
            text.replace_range(x..y.max(x), &insert);
        }
        check(path, &text);
    }
}
