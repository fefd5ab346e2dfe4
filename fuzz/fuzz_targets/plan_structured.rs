//! Plans assembled from fragments of real plan syntax (headings with priorities,
//! checkboxes in every state, ids, fields in English and Chinese, tables, subtask
//! blocks, checkpoints, ranges, questions, fences and comments), chosen and nested by
//! the fuzzer's bytes: the inputs reach deep into the parser and the triage.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shortlist::plan;
use shortlist::triage::{conflicts::conflicts, remaining, DocGlobs};

const FRAGMENTS: &[&str] = &[
    "# Plan\n",
    "## Track A — Core（P0）\n",
    "### 5.2 Track B — Onboarding (P1)\n",
    "## Phase 2: Foundational (Blocking)\n",
    "- [ ] 1.1 Importer\n",
    "- [x] 1.2 Done thing\n",
    "- [~] 1.3 Under way\n",
    "- [-] 1.4 Dropped\n",
    "- [ ] T001 [P] [US1] Create `src/models/user.py`\n",
    "  - [ ] 1.1.1 Subtask\n",
    "    - [ ] 1.1.1.1 Deeper\n",
    "  - Touch points：`src/import/*`、`apps/web/**`\n",
    "  - Depends on: 1.1~1.3, 2.1\n",
    "  - 依赖：T001\n",
    "  - Priority: P0\n",
    "  - Status: WIP\n",
    "**T1 子任务**：\n",
    "- CP0（文档对齐）：完成 1.1~1.2\n",
    "## 建议执行顺序（Checkpoints）\n",
    "| # | 任务 | 状态 | 依赖 |\n|---|---|---|---|\n| 2.1 | Table task | 进行中 | 1.1 |\n",
    "## Open Questions\n- Which database? TBD\n",
    "```\n- [ ] 9.9 In a fence\n```\n",
    "<!-- - [ ] 9.8 commented -->\n",
    "> **暂缓**：Android later\n",
    "- [ ] **D1-01** `WIP` Day one\n",
    "1.1 → 1.2 → 1.3\n",
    "\n",
    "    ",
];

fuzz_target!(|data: &[u8]| {
    let mut text = String::new();
    for &b in data {
        text.push_str(FRAGMENTS[b as usize % FRAGMENTS.len()]);
        if b >= 0xF0 {
            // Stray bytes between fragments.
            text.push(char::from(b & 0x7F));
        }
    }
    let p = plan::parse_str("PLAN.md", &text);
    let docs = DocGlobs::new(&["**/*.md".into()]);
    let rem = remaining(&p, &docs);
    let _ = conflicts(&p, &rem, &[]);
});
