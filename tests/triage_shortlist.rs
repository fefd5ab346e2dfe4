//! The shortlist on in-memory plans: priority, blocked chains, checkpoints, per-track caps,
//! the track spread, in-flight conflicts, doc-only tracks, and why the others were passed.

use shortlist::config::ShortlistSizes;
use shortlist::plan::{parse_str, Plan};
use shortlist::triage::conflicts::Occupied;
use shortlist::triage::overlap::{overlap, Why};
use shortlist::triage::shortlist::{shortlist, Exclusions, Shortlist};
use shortlist::triage::{remaining, DocGlobs};

const PLAN: &str = "# Phase 7 计划

## Checkpoints (blocking: each must finish before the next)
- CP1（alpha）：完成 7.1.1 + 7.1.2 + 7.2.1
- CP2（beta）：完成 7.1.3 + 7.2.2~7.2.3

## Track A — 计费 Billing（P0）
- [ ] 7.1.1 发票 PDF 导出 Invoice PDF export
  - Touch points：`apps/server/src/billing/pdf.ts`
- [ ] 7.1.2 Tax rounding rules
  - Touch points：`apps/server/src/billing/tax.ts`
- [ ] 7.1.4 Credit notes
  - Touch points：`apps/server/src/billing/credit.ts`
- [ ] 7.1.3 Dunning emails
  - 依赖：7.1.1
  - Touch points：`apps/server/src/billing/dunning/*`

## Track B — Onboarding（P1）
- [ ] 7.2.1 Signup wizard
  - Touch points：`apps/web/src/routes/signup/*`
- [ ] 7.2.2 Invite teammates
  - Depends on: 7.2.1
  - Touch points：`apps/web/src/routes/invite.tsx`
- [ ] 7.2.3 Welcome tour
  - Touch points：`apps/web/src/tour/*`

## Track C — 文档 Docs（P1）
- [ ] 7.3.1 User guide for billing
  - Touch points：`user_docs/billing.md`

## Track D — Infra（P2）
- [ ] 7.4.1 CI cache for the web build
  - Touch points：`.github/workflows/web.yml`
";

fn docs() -> DocGlobs {
    DocGlobs::new(&["**/*.md".into(), "docs/**".into(), "user_docs/**".into()])
}

fn run(plan: &Plan, occupied: &[Occupied], sizes: &ShortlistSizes) -> Shortlist {
    let rem = remaining(plan, &docs());
    shortlist(plan, &rem, occupied, sizes, &Exclusions::default())
}

fn ids(plan: &Plan, s: &Shortlist) -> Vec<String> {
    s.candidates
        .iter()
        .map(|c| plan.tasks[c.task].id.to_string())
        .collect()
}

fn why(plan: &Plan, s: &Shortlist, id: &str) -> String {
    s.passed
        .iter()
        .find(|p| plan.tasks[p.task].id.as_str() == id)
        .map(|p| p.why.join("; "))
        .unwrap_or_else(|| panic!("{id} not among the passed: {:#?}", s.passed))
}

#[test]
fn higher_priority_first_then_plan_order_with_a_cap_per_track() {
    let plan = parse_str("docs/plan/phase7.md", PLAN);
    let s = run(&plan, &[], &ShortlistSizes::default());
    // P0 Track A first (two of them, the cap), then P1 in plan order, then P2.
    assert_eq!(
        ids(&plan, &s),
        ["7.1.1", "7.1.2", "7.2.1", "7.3.1", "7.4.1"]
    );
    let ranks: Vec<usize> = s.candidates.iter().map(|c| c.rank).collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5]);
    assert!(why(&plan, &s, "7.1.4").contains("cap per track: Track A already offers 2"));
    // Every candidate says why it was chosen.
    let first = &s.candidates[0];
    assert!(
        first.reasons.iter().any(|r| r.starts_with("P0")),
        "{first:?}"
    );
    assert!(first.reasons.iter().any(|r| r == "checkpoint CP1 is open"));
    assert!(first
        .reasons
        .iter()
        .any(|r| r == "first ready unit of Track A in plan order"));
}

#[test]
fn blocked_chains_offer_only_their_head() {
    let plan = parse_str("docs/plan/phase7.md", PLAN);
    let s = run(&plan, &[], &ShortlistSizes::default());
    let offered = ids(&plan, &s);
    assert!(!offered.contains(&"7.1.3".to_string()));
    assert!(!offered.contains(&"7.2.2".to_string()));
    let w = why(&plan, &s, "7.1.3");
    assert!(w.contains("blocked by dependency 7.1.1 (pending)"), "{w}");
    assert!(
        w.contains("held by a stated gate: CP2 waits for CP1"),
        "{w}"
    );
    let w = why(&plan, &s, "7.2.2");
    assert!(w.contains("blocked by dependency 7.2.1 (pending)"), "{w}");
}

#[test]
fn later_checkpoints_wait_for_earlier_ones() {
    let plan = parse_str("docs/plan/phase7.md", PLAN);
    let s = run(&plan, &[], &ShortlistSizes::default());
    // 7.2.3 has no dependency of its own, but CP2 waits for CP1.
    let w = why(&plan, &s, "7.2.3");
    assert!(
        w.starts_with("held by a stated gate: CP2 waits for CP1 (3 open: 7.1.1, 7.1.2, 7.2.1)"),
        "{w}"
    );
    // Finish CP1 and CP2's tasks become candidates.
    let done = PLAN
        .replace("- [ ] 7.1.1", "- [x] 7.1.1")
        .replace("- [ ] 7.1.2", "- [x] 7.1.2")
        .replace("- [ ] 7.2.1", "- [x] 7.2.1");
    let plan = parse_str("docs/plan/phase7.md", &done);
    let s = run(&plan, &[], &ShortlistSizes::default());
    let offered = ids(&plan, &s);
    assert!(offered.contains(&"7.1.3".to_string()), "{offered:?}");
    assert!(offered.contains(&"7.2.2".to_string()), "{offered:?}");
    let c = s
        .candidates
        .iter()
        .find(|c| plan.tasks[c.task].id.as_str() == "7.1.3")
        .expect("7.1.3");
    assert!(c
        .reasons
        .contains(&"unblocked: dependencies done (7.1.1)".to_string()));
}

#[test]
fn sizes_bound_candidates_and_tracks() {
    let plan = parse_str("docs/plan/phase7.md", PLAN);
    let sizes = ShortlistSizes {
        min_candidates: 3,
        max_candidates: 4,
        min_tracks: 2,
        max_tracks: 2,
        per_track: 2,
    };
    let s = run(&plan, &[], &sizes);
    assert_eq!(ids(&plan, &s), ["7.1.1", "7.1.2", "7.2.1"]);
    assert!(why(&plan, &s, "7.3.1").contains("track limit: 2 tracks already offered"));
    // A per-track cap of one still reaches the minimum of three across tracks.
    let sizes = ShortlistSizes {
        per_track: 1,
        ..ShortlistSizes::default()
    };
    let s = run(&plan, &[], &sizes);
    assert_eq!(ids(&plan, &s), ["7.1.1", "7.2.1", "7.3.1", "7.4.1"]);
}

#[test]
fn the_spread_reaches_a_second_track_even_at_lower_priority() {
    // One P0 track with many ready tasks and one P3 track: the P3 track still gets a slot.
    let text = "## Track A — Core（P0）
- [ ] 1.1 One
- [ ] 1.2 Two
- [ ] 1.3 Three
- [ ] 1.4 Four
- [ ] 1.5 Five
- [ ] 1.6 Six

## Track B — Polish（P3）
- [ ] 2.1 Tidy
";
    let plan = parse_str("PLAN.md", text);
    let sizes = ShortlistSizes {
        min_candidates: 3,
        max_candidates: 3,
        min_tracks: 2,
        max_tracks: 4,
        per_track: 3,
    };
    let s = run(&plan, &[], &sizes);
    assert_eq!(ids(&plan, &s), ["1.1", "1.2", "2.1"]);
    let last = &s.candidates[2];
    assert!(last
        .reasons
        .iter()
        .any(|r| r.contains("the shortlist spans at least 2 tracks")));
    assert!(why(&plan, &s, "1.3").contains("made room for Track B"));
    // Recommended next: the top P0s only.
    let rec: Vec<usize> = s.recommended().map(|c| c.rank).collect();
    assert_eq!(rec, [1, 2]);
}

#[test]
fn a_single_track_goes_past_its_cap_to_offer_three() {
    let text = "## Track A — Core（P0）
- [ ] 1.1 One
- [ ] 1.2 Two
- [ ] 1.3 Three
- [ ] 1.4 Four
";
    let plan = parse_str("PLAN.md", text);
    let s = run(&plan, &[], &ShortlistSizes::default());
    assert_eq!(ids(&plan, &s), ["1.1", "1.2", "1.3"]);
    assert!(s.candidates[2]
        .reasons
        .iter()
        .any(|r| r.contains("past the per-track cap of 2")));
    assert_eq!(
        why(&plan, &s, "1.4"),
        "cap per track: Track A already offers 3"
    );
}

#[test]
fn work_in_flight_pushes_overlapping_tasks_down_and_says_where() {
    let plan = parse_str("docs/plan/phase7.md", PLAN);
    let busy = [Occupied {
        name: "wt-pdf".into(),
        path: "/src/wt-pdf".into(),
        branch: "feat/pdf".into(),
        files: vec!["apps/server/src/billing/pdf.ts".into()],
        tasks: Vec::new(),
    }];
    let s = run(&plan, &busy, &ShortlistSizes::default());
    // 7.1.1 overlaps the worktree: 7.1.2 and 7.1.4 (same priority) come first.
    let offered = ids(&plan, &s);
    assert_eq!(&offered[..2], ["7.1.2", "7.1.4"]);
    assert!(!offered.contains(&"7.1.1".to_string()));
    let w = why(&plan, &s, "7.1.1");
    assert!(
        w.contains(
            "conflicts with worktree `wt-pdf` (`feat/pdf`) on `apps/server/src/billing/pdf.ts`"
        ),
        "{w}"
    );
    let first = &s.candidates[0];
    assert!(first
        .reasons
        .contains(&"no overlap with work in flight (1 worktree)".to_string()));
}

#[test]
fn doc_only_tracks_say_they_run_in_parallel() {
    let plan = parse_str("docs/plan/phase7.md", PLAN);
    let s = run(&plan, &[], &ShortlistSizes::default());
    let c = s
        .candidates
        .iter()
        .find(|c| plan.tasks[c.task].id.as_str() == "7.3.1")
        .expect("7.3.1 offered");
    assert!(c
        .reasons
        .contains(&"Track C is doc-only: parallel with anything".to_string()));
}

#[test]
fn candidates_that_collide_warn_each_other() {
    let text = "## Track A — API（P0）
- [ ] 1.1 Routes
  - Touch points：`apps/server/src/routes/*`
## Track B — Web（P0）
- [ ] 2.1 Client for the routes
  - Touch points：`apps/server/src/routes/index.ts`、`apps/web/src/api.ts`
## Track C — Ops（P0）
- [ ] 3.1 Deploy script
  - Touch points：`ops/deploy.sh`
";
    let plan = parse_str("PLAN.md", text);
    let s = run(&plan, &[], &ShortlistSizes::default());
    assert_eq!(ids(&plan, &s), ["1.1", "2.1", "3.1"]);
    assert!(s.candidates[0].cautions[0].starts_with("overlaps candidate 2 (`2.1`) on `apps/server/src/routes/*` ↔ `apps/server/src/routes/index.ts`"));
    assert!(s.candidates[2].cautions.is_empty());
}

#[test]
fn every_open_unit_is_either_offered_or_explained() {
    let plan = parse_str("docs/plan/phase7.md", PLAN);
    let rem = remaining(&plan, &docs());
    let s = run(&plan, &[], &ShortlistSizes::default());
    let units: usize = rem.tracks.iter().map(|w| w.units.len()).sum();
    assert_eq!(s.candidates.len() + s.passed.len(), units);
    assert!(s.passed.iter().all(|p| !p.why.is_empty()));
}

#[test]
fn overlap_cases_from_the_issue() {
    assert_eq!(
        overlap(
            "apps/web/src/routes/mes/*",
            "apps/web/src/routes/mes/execution.tsx"
        ),
        Some(Why::Matches)
    );
    assert_eq!(
        overlap("user_docs/", "user_docs/sop/operator.md"),
        Some(Why::Contains)
    );
    assert_eq!(overlap("apps/server/a/*", "apps/web/a/*"), None);
    assert_eq!(
        overlap("apps/**/a.ts", "apps/web/*/a.ts"),
        Some(Why::GlobsMayMeet)
    );
    assert_eq!(overlap("apps/**", "apps/server/x.ts"), Some(Why::Matches));
    assert_eq!(
        overlap(
            "**/schema.prisma",
            "packages/db/prisma/schema/schema.prisma"
        ),
        Some(Why::Matches)
    );
    assert_eq!(overlap("apps/server/*.ts", "apps/web/*.ts"), None);
}

mod index_props {
    use proptest::prelude::*;
    use shortlist::triage::overlap::{overlap, PathIndex};

    fn path() -> impl Strategy<Value = String> {
        let seg = prop::sample::select(vec![
            "a", "b", "src", "*", "**", "x.ts", "*.ts", "{a,b}", "[ab]", "a?", ".",
        ]);
        (
            prop::collection::vec(seg, 1..5),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(segs, dir, dot)| {
                let mut p = segs.join("/");
                if dir {
                    p.push('/');
                }
                if dot {
                    p.insert_str(0, "./");
                }
                p
            })
    }

    proptest! {
        /// The index never hides a pair that overlaps: conflicts found through it are
        /// exactly the ones a comparison of every pair finds.
        #[test]
        fn the_index_offers_every_overlapping_path(paths in prop::collection::vec(path(), 1..30)) {
            let mut idx = PathIndex::default();
            for (i, p) in paths.iter().enumerate() {
                idx.insert(p, i);
            }
            for a in &paths {
                let mut got = Vec::new();
                idx.candidates(a, &mut got);
                for (j, b) in paths.iter().enumerate() {
                    if overlap(a, b).is_some() {
                        prop_assert!(got.contains(&j), "{} vs {}", a, b);
                    }
                    // Overlap is symmetric.
                    prop_assert_eq!(overlap(a, b).is_some(), overlap(b, a).is_some(), "{} vs {}", a, b);
                }
            }
        }
    }
}
