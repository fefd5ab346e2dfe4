//! Properties: arbitrary and mutated markdown never panics the parser, and every
//! diagnostic, task, checkpoint and question points at a line that exists.

use proptest::prelude::*;
use shortlist::plan;

const FIXTURES: &[&str] = &[
    include_str!("fixtures/phase5.md"),
    include_str!("fixtures/table_plan.md"),
    include_str!("fixtures/heading_tasks.md"),
    include_str!("fixtures/diagnostics.md"),
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
];

fn check(text: &str) {
    let p = plan::parse_str("fuzz.md", text);
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
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        check(&s);
    }

    #[test]
    fn plan_shaped_documents_never_panic(pieces in prop::collection::vec(0..PIECES.len(), 0..40)) {
        let text: String = pieces.iter().map(|&i| PIECES[i]).collect();
        check(&text);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), "\\PC{0,8}"), 1..6),
    ) {
        let mut text = FIXTURES[which].to_string();
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
        check(&text);
    }
}
