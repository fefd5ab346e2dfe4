//! Remaining work: tracks in priority then plan order, the actionable-unit rule, what
//! blocks what (dependencies, inherited ones, checkpoint order) and doc-only tracks.

use shortlist::plan::{self, Plan};
use shortlist::triage::{self, DocGlobs};

fn docs() -> DocGlobs {
    DocGlobs::new(&["**/*.md".into(), "docs/**".into(), "user_docs/**".into()])
}

fn fixture(name: &str) -> Plan {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    plan::parse_str(name, &std::fs::read_to_string(path).expect("fixture"))
}

fn id(p: &Plan, t: usize) -> &str {
    p.tasks[t].id.as_str()
}

fn units_of(p: &Plan, key: &str) -> Vec<String> {
    let r = triage::remaining(p, &docs());
    r.tracks
        .iter()
        .find(|w| p.tracks[w.track].key == key)
        .map(|w| w.units.iter().map(|u| id(p, u.task).to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn tracks_are_ordered_by_priority_then_plan_order() {
    let p = fixture("phase5.md");
    let r = triage::remaining(&p, &docs());
    let keys: Vec<&str> = r
        .tracks
        .iter()
        .map(|w| p.tracks[w.track].key.as_str())
        .collect();
    assert_eq!(keys, vec!["A", "B", "E", "C", "D"]);
    assert_eq!(r.open, 18);
}

#[test]
fn in_progress_parent_contributes_its_open_subtasks() {
    let p = fixture("phase5.md");
    // 5.2.1 is in progress: its open leaves are the units; 5.2.1.2 is partly done too.
    let b = units_of(&p, "B");
    assert_eq!(b, vec!["5.2.1.2.1", "5.2.1.3", "5.2.2", "T5.2.3", "B#1"]);
}

#[test]
fn pending_parent_with_all_subtasks_pending_is_one_unit() {
    let p = fixture("phase5.md");
    let wizard = p.find_tasks("5.2.2")[0];
    assert_eq!(triage::actionable_units(&p, wizard), vec![wizard]);
}

#[test]
fn parent_with_every_subtask_done_is_itself_the_unit() {
    let p = plan::parse_str(
        "P.md",
        "## A (P0)\n- [~] 1 Wrap up\n  - [x] 1.1 a\n  - [x] 1.2 b\n",
    );
    assert_eq!(triage::actionable_units(&p, 0), vec![0]);
}

#[test]
fn done_and_dropped_tasks_are_not_remaining() {
    let p = fixture("phase5.md");
    let a = units_of(&p, "A");
    assert_eq!(a, vec!["5.1.2", "5.1.3"]);
}

#[test]
fn blocked_by_names_unfinished_dependencies_and_earlier_checkpoints() {
    let p = fixture("phase5.md");
    let names = |t: &str| -> Vec<String> {
        let i = p.find_tasks(t)[0];
        triage::blocked_by(&p, i)
            .iter()
            .map(|&b| id(&p, b).to_string())
            .collect()
    };
    // Explicit dependency still open.
    assert_eq!(names("5.1.3"), vec!["5.1.2"]);
    // CP1 waits for CP0's open 5.1.2; its own dependency 5.1.1 is done.
    assert_eq!(names("5.2.2"), vec!["5.1.2"]);
    assert_eq!(names("T5.2.3"), vec!["5.2.2", "5.1.2"]);
    // A subtask inherits what blocks its parent (CP1 through 5.2.1).
    assert_eq!(names("5.2.1.3"), vec!["5.1.2"]);
    // Not in any checkpoint and nothing open before it.
    assert!(names("5.5.3").is_empty());
    // Finished dependencies do not block.
    assert!(names("5.1.2").is_empty());
}

#[test]
fn doc_only_tracks_are_marked_and_tracks_without_touch_points_are_not() {
    let p = fixture("phase5.md");
    let r = triage::remaining(&p, &docs());
    let doc: Vec<(&str, bool)> = r
        .tracks
        .iter()
        .map(|w| (p.tracks[w.track].key.as_str(), w.doc_only))
        .collect();
    assert_eq!(
        doc,
        vec![
            ("A", false),
            ("B", false),
            ("E", false),
            ("C", true),
            ("D", true)
        ]
    );
    let bare = plan::parse_str("P.md", "## Track Z (P1)\n- [ ] 1 no touch points\n");
    assert!(!triage::remaining(&bare, &docs()).tracks[0].doc_only);
}

#[test]
fn every_open_task_appears_in_exactly_one_track() {
    for name in [
        "phase5.md",
        "table_plan.md",
        "heading_tasks.md",
        "diagnostics.md",
    ] {
        let p = fixture(name);
        let r = triage::remaining(&p, &docs());
        for t in 0..p.tasks.len() {
            if p.is_finished(t) {
                continue;
            }
            // An open task is a unit, or an ancestor or descendant of one.
            let related = |u: usize| {
                let mut a = Some(u);
                while let Some(x) = a {
                    if x == t {
                        return true;
                    }
                    a = p.tasks[x].parent;
                }
                let mut a = Some(t);
                while let Some(x) = a {
                    if x == u {
                        return true;
                    }
                    a = p.tasks[x].parent;
                }
                false
            };
            let tracks: Vec<usize> = r
                .tracks
                .iter()
                .filter(|w| w.units.iter().any(|u| related(u.task)))
                .map(|w| w.track)
                .collect();
            assert_eq!(
                tracks.len(),
                1,
                "{name}: open task {} in tracks {tracks:?}",
                id(&p, t)
            );
        }
    }
}

#[test]
fn find_track_by_letter_id_key_or_name() {
    let p = fixture("phase5.md");
    let key = |q: &str| triage::find_track(&p, q).map(|t| p.tracks[t].key.clone());
    assert_eq!(key("b"), Ok("B".into()));
    assert_eq!(key("Track C"), Ok("C".into()));
    assert_eq!(key("5.4"), Ok("D".into()));
    assert_eq!(key("onboard"), Ok("B".into()));
    assert!(key("nothing like it").is_err());
}
