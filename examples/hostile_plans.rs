//! Writes plans shaped to be hard on the parser and the triage, each at three sizes,
//! one directory per plan (`DIR/<family>-<n>/PLAN.md`). `benches/hostile.sh` times
//! `shortlist` on them; the README keeps its table.
//!
//! Families:
//! - `deep`: a chain of subtask blocks, each task nested under the one before
//!   (input linear in the depth);
//! - `range`: every task depends on the range `1.1~1.2`;
//! - `checkpoint`: one checkpoint covering every task by a range;
//! - `cyclefan`: every task depends on the next one and on the first (every task
//!   closes a cycle);
//! - `globs`: four tracks whose tasks all touch overlapping globs;
//! - `inherit`: one task under way with a touch point and N open subtasks inheriting it.
//!
//! Usage: cargo run --release --example hostile_plans -- DIR

use std::fmt::Write as _;
use std::path::Path;

const HEAD: &str = "# Plan\n\n## Track A — Core（P0）\n";

fn deep(n: usize) -> String {
    let mut t = format!("{HEAD}- [ ] T1 Step 1\n  - Touch points：`src/a.rs`\n");
    for i in 1..n {
        let _ = write!(t, "\n**T{i} 子任务**：\n- [ ] T{} Step {}\n", i + 1, i + 1);
    }
    t
}

fn range(n: usize) -> String {
    let mut t = HEAD.to_string();
    for i in 1..=n {
        let _ = write!(t, "- [ ] 1.{i} Step {i}\n  - Depends on: 1.1~1.2\n");
    }
    t
}

fn checkpoint(n: usize) -> String {
    let mut t = HEAD.to_string();
    for i in 1..=n {
        let _ = writeln!(t, "- [ ] 1.{i} Step {i}");
    }
    let _ = write!(
        t,
        "\n## 建议执行顺序（Checkpoints）\n- CP0（全部）：完成 1.1~1.{n}\n"
    );
    t
}

fn cyclefan(n: usize) -> String {
    let mut t = HEAD.to_string();
    for i in 1..=n {
        let next = i % n + 1;
        let _ = write!(t, "- [ ] 1.{i} Step {i}\n  - Depends on: 1.{next}, 1.1\n");
    }
    t
}

fn globs(n: usize) -> String {
    let mut t = String::from("# Plan\n");
    for (k, letter) in ["A", "B", "C", "D"].iter().enumerate() {
        let _ = write!(t, "\n## Track {letter} — Part {k}（P1）\n");
        for i in 1..=n / 4 {
            let _ = write!(
                t,
                "- [ ] {}.{i} Step {i}\n  - Touch points：`src/**/*.rs`、`src/m{}/*`\n",
                k + 1,
                i % 7
            );
        }
    }
    t
}

fn inherit(n: usize) -> String {
    let mut t = format!("{HEAD}- [~] 1.1 Importer\n  - Touch points：`src/import/*`\n");
    for i in 1..=n {
        let _ = writeln!(t, "  - [ ] 1.1.{i} Step {i}");
    }
    t
}

type Family = (&'static str, fn(usize) -> String, [usize; 3]);

const FAMILIES: [Family; 6] = [
    ("deep", deep, [12_500, 25_000, 50_000]),
    ("range", range, [5_000, 10_000, 20_000]),
    ("checkpoint", checkpoint, [12_500, 25_000, 50_000]),
    ("cyclefan", cyclefan, [1_000, 2_000, 4_000]),
    ("globs", globs, [1_000, 2_000, 4_000]),
    ("inherit", inherit, [1_000, 2_000, 4_000]),
];

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/tmp/shortlist-hostile".into());
    for (name, make, sizes) in FAMILIES {
        for n in sizes {
            let at = Path::new(&dir).join(format!("{name}-{n}"));
            std::fs::create_dir_all(&at)?;
            std::fs::write(at.join("PLAN.md"), make(n))?;
            println!("{}", at.display());
        }
    }
    Ok(())
}
