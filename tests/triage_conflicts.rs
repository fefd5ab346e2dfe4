//! Conflicts between remaining tasks: glob-aware, named paths, doc-only tracks, worktrees.

use shortlist::plan::parse_str;
use shortlist::triage::conflicts::{conflicts, ConflictKind, Occupied};
use shortlist::triage::overlap::Why;
use shortlist::triage::{remaining, DocGlobs};

const PLAN: &str = "# Phase 6

## Track A — Web（P0）
- [ ] 6.1 执行页面 Execution page
  - Touch points：`apps/web/src/routes/mes/*`
- [ ] 6.2 Server API
  - Touch points：`apps/server/src/mes/api.ts`

## Track B — Mobile（P0）
- [ ] 6.3 Execution on mobile
  - Touch points：`apps/web/src/routes/mes/execution.tsx`、`apps/mobile/`

## Track C — Docs（P1）
- [ ] 6.4 User guide
  - Touch points：`user_docs/`、`apps/web/src/routes/mes/README.md`

## Track D — Infra（P2）
- [ ] 6.5 CI cache
  - Touch points：`.github/workflows/ci.yml`
";

fn docs() -> DocGlobs {
    DocGlobs::new(&["**/*.md".into(), "docs/**".into(), "user_docs/**".into()])
}

#[test]
fn tracks_sharing_a_path_conflict_and_name_it() {
    let plan = parse_str("docs/plan/phase6.md", PLAN);
    let rem = remaining(&plan, &docs());
    let found = conflicts(&plan, &rem, &[]);
    assert_eq!(found.len(), 1, "{found:#?}");
    let c = &found[0];
    assert_eq!(c.kind, ConflictKind::Tracks);
    assert_eq!(plan.tracks[c.left_track.expect("left")].key, "A");
    assert_eq!(plan.tracks[c.right_track.expect("right")].key, "B");
    let ids: Vec<&str> = c
        .left_tasks
        .iter()
        .chain(&c.right_tasks)
        .map(|&t| plan.tasks[t].id.as_str())
        .collect();
    assert_eq!(ids, ["6.1", "6.3"]);
    assert_eq!(c.paths.len(), 1);
    assert_eq!(c.paths[0].left, "apps/web/src/routes/mes/*");
    assert_eq!(c.paths[0].right, "apps/web/src/routes/mes/execution.tsx");
    assert_eq!(c.paths[0].why, Why::Matches);
    // Track C is doc-only (its README sits under A's glob, yet it runs in parallel);
    // Track D shares no path with anyone.
    let c_track = rem
        .tracks
        .iter()
        .find(|w| plan.tracks[w.track].key == "C")
        .expect("C");
    assert!(c_track.doc_only);
}

#[test]
fn in_flight_worktrees_occupy_their_changed_files() {
    let plan = parse_str("docs/plan/phase6.md", PLAN);
    let rem = remaining(&plan, &docs());
    let busy = [Occupied {
        name: "wt-api".into(),
        path: "/src/wt-api".into(),
        branch: "feat/api".into(),
        files: vec!["apps/server/src/mes/api.ts".into(), "README.md".into()],
        tasks: Vec::new(),
    }];
    let found = conflicts(&plan, &rem, &busy);
    let wt: Vec<_> = found
        .iter()
        .filter(|c| c.kind == ConflictKind::Worktree)
        .collect();
    assert_eq!(wt.len(), 1);
    assert_eq!(wt[0].worktree, Some(("wt-api".into(), "feat/api".into())));
    assert_eq!(plan.tasks[wt[0].left_tasks[0]].id.as_str(), "6.2");
    assert_eq!(wt[0].paths[0].why, Why::Same);
}

#[test]
fn declared_conflicts_keep_the_plans_words() {
    let text = format!("{PLAN}\n## Conflicts\n- Track D ↔ Track A：CI 改动需要先合并\n");
    let plan = parse_str("docs/plan/phase6.md", &text);
    let rem = remaining(&plan, &docs());
    let found = conflicts(&plan, &rem, &[]);
    let d: Vec<_> = found
        .iter()
        .filter(|c| c.kind == ConflictKind::Declared)
        .collect();
    assert_eq!(d.len(), 1, "{:#?}", plan.declared_conflicts);
    assert!(d[0]
        .text
        .as_deref()
        .unwrap_or("")
        .contains("CI 改动需要先合并"));
    assert!(d[0].span.is_some());
}

#[test]
fn overlap_is_quick_on_many_stars_and_misses_nothing_globset_matches() {
    use shortlist::triage::overlap::overlap;
    // 24 stars: a recursive match took seconds on this; the walk is linear.
    let stars = format!("src/{}x.rs", "*".repeat(24));
    assert_eq!(overlap(&stars, "src/abcdefghijkl"), None);
    assert!(overlap(&stars, "src/abcdefghijklx.rs").is_some());
    // Cases the fuzzing campaign found: globset matches one path against both patterns.
    let braces = "{a,b}/".repeat(7) + "x";
    for (a, b, path) in [
        ("[/b]", "b", "b"),
        ("[!]]", "b", "b"),
        (braces.as_str(), "b/b/b/b/b/b/b/x", "b/b/b/b/b/b/b/x"),
    ] {
        let both = [a, b].iter().all(|p| {
            globset::GlobBuilder::new(p)
                .literal_separator(true)
                .build()
                .expect("glob")
                .compile_matcher()
                .is_match(path)
        });
        assert!(both, "globset matches {path} with {a} and {b}");
        assert!(overlap(a, b).is_some(), "{a} vs {b}: overlap");
        assert!(overlap(b, a).is_some(), "{b} vs {a}: symmetric");
    }
    assert_eq!(
        overlap("[!]]", "]"),
        None,
        "a negated `]` does not match `]`"
    );
}

#[test]
fn subtasks_inheriting_their_parents_paths_are_no_conflict_however_many() {
    let mut text = String::from(
        "# Plan\n\n## Track A — Core（P0）\n- [~] 1.1 Importer\n  - Touch points：`src/import/*`\n",
    );
    for i in 1..=2_000 {
        text.push_str(&format!("  - [ ] 1.1.{i} Step {i}\n"));
    }
    let plan = shortlist::plan::parse_str("PLAN.md", &text);
    let docs = shortlist::triage::DocGlobs::new(&[]);
    let rem = shortlist::triage::remaining(&plan, &docs);
    assert_eq!(rem.tracks[0].units.len(), 2_000);
    let found = shortlist::triage::conflicts::conflicts(&plan, &rem, &[]);
    assert!(found.is_empty(), "{} conflicts", found.len());
}

#[test]
fn many_tasks_on_one_glob_are_one_conflict_not_a_million() {
    let mut text = String::from("# Plan\n\n## Track A — Core（P0）\n");
    for i in 1..=1_000 {
        text.push_str(&format!(
            "- [ ] 1.{i} Step {i}\n  - Touch points：`src/core/*`\n"
        ));
    }
    text.push_str("\n## Track B — Web（P1）\n");
    for i in 1..=500 {
        text.push_str(&format!(
            "- [ ] 2.{i} Page {i}\n  - Touch points：`src/core/api.rs`\n"
        ));
    }
    let plan = shortlist::plan::parse_str("PLAN.md", &text);
    let docs = shortlist::triage::DocGlobs::new(&[]);
    let rem = shortlist::triage::remaining(&plan, &docs);
    let found = shortlist::triage::conflicts::conflicts(&plan, &rem, &[]);
    use shortlist::triage::conflicts::ConflictKind;
    let kinds: Vec<ConflictKind> = found.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == ConflictKind::InTrack)
            .count(),
        2,
        "one inside each track"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == ConflictKind::Tracks).count(),
        1
    );
    let inside_a = found
        .iter()
        .find(|c| c.kind == ConflictKind::InTrack && c.left_track == Some(0))
        .expect("inside A");
    assert_eq!(
        inside_a.left_tasks.len() + inside_a.right_tasks.len(),
        1_000
    );
    let between = found
        .iter()
        .find(|c| c.kind == ConflictKind::Tracks)
        .expect("A and B");
    assert_eq!(between.left_tasks.len() + between.right_tasks.len(), 1_500);
}

/// Found by the glob_overlap fuzz target: many small brace groups took 14 s in one
/// overlap call (expansion ran exponentially before the alternatives were counted).
/// Expansion now has a work budget and widens past it, so the answer stays
/// conservative: the patterns overlap.
#[test]
fn many_small_brace_groups_are_widened_not_expanded_for_ever() {
    use shortlist::triage::overlap::overlap;
    let a = "{a,\u{10}\u{0}b}/{a,\u{10}\u{0}b}b}/{a,\u{10}\u{0}b|\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}b}/{a\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{e}{a,b}{,\"}{,,b}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{e}{a,b}{,\"}{,,b}}b}{,,b}{,\"}{,,b}{,\"{,\"}{,,b}}b}b}{,,b}{,\"}{,,b}{,\"{,\"}{,,b}}b},{,,b}{,\u{10}\u{0}b}/\"}{,,b}{,\"}**/*";
    let b = "b}****/*/*";
    assert!(overlap(a, b).is_some());
    assert_eq!(overlap(a, b).is_some(), overlap(b, a).is_some());
}
