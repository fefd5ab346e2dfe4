//! Which tasks a worktree in flight is doing, with the evidence: task ids in its branch
//! name, in its commit subjects since the merge base, and tasks its own copy of the plan
//! marks `[~]`/`[x]` while the base's plan still has them open.

use crate::plan::{id_key, Plan, Status};
use serde::Serialize;
use std::collections::HashMap;

/// Why a task is taken to be in flight in a worktree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// The branch name holds the id.
    Branch { branch: String },
    /// A commit since the merge base mentions it.
    Commit { id: String, subject: String },
    /// The worktree's plan marks it in progress or done; the base's has it open.
    Plan {
        file: String,
        line: u32,
        status: Status,
    },
}

/// A worktree in flight, as the mapping needs it.
pub struct WorktreeInput<'a> {
    pub name: &'a str,
    pub path: &'a str,
    pub branch: &'a str,
    /// (short id, subject) of the commits since the merge base.
    pub commits: Vec<(&'a str, &'a str)>,
    /// The plan as it is in that worktree (its working tree), when it could be read.
    pub plan: Option<&'a Plan>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorktreeTasks {
    pub name: String,
    pub path: String,
    pub branch: String,
    /// Tasks of the base's plan (indices) with their evidence, in plan order.
    #[serde(skip)]
    pub tasks: Vec<(usize, Vec<Evidence>)>,
}

/// Task ids mentioned in free text, as keys (`T1.2` → `1.2`): dotted numbers of two or
/// more parts with an optional `T` in front, and `WP-3`-style ids, on word boundaries so
/// that `3.5.2` is not found in `3.5.21` or `13.5.2`.
pub fn id_mentions(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let boundary_before =
        |i: usize| i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.');
    while i < b.len() {
        if !boundary_before(i) {
            i += 1;
            continue;
        }
        // `T4.6.3`, `t4.6.3`, `4.6.3`
        let mut j = i;
        if matches!(b[j], b'T' | b't') && j + 1 < b.len() && b[j + 1].is_ascii_digit() {
            j += 1;
        }
        let start_digits = j;
        let mut parts = 0;
        loop {
            let s = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j == s {
                break;
            }
            parts += 1;
            if j + 1 < b.len() && b[j] == b'.' && b[j + 1].is_ascii_digit() {
                j += 1;
                continue;
            }
            break;
        }
        let end_ok = j == b.len() || !(b[j].is_ascii_alphanumeric() || b[j] == b'_');
        if parts >= 2 && end_ok && j > start_digits {
            out.push(id_key(&text[i..j]));
            i = j;
            continue;
        }
        // `WP-3`, `FEAT-12`
        let mut k = i;
        while k < b.len() && b[k].is_ascii_uppercase() {
            k += 1;
        }
        if k > i && k + 1 < b.len() && b[k] == b'-' && b[k + 1].is_ascii_digit() {
            let mut e = k + 1;
            while e < b.len() && b[e].is_ascii_digit() {
                e += 1;
            }
            let end_ok = e == b.len() || !(b[e].is_ascii_alphanumeric() || b[e] == b'.');
            if end_ok {
                out.push(id_key(&text[i..e]));
                i = e;
                continue;
            }
        }
        i += 1;
    }
    out.dedup();
    out
}

/// Map every worktree in flight to the base plan's tasks it works on.
pub fn map(plan: &Plan, worktrees: &[WorktreeInput]) -> Vec<WorktreeTasks> {
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (t, task) in plan.tasks.iter().enumerate() {
        if !task.derived_id {
            by_key.entry(task.key()).or_default().push(t);
        }
    }
    let mut out = Vec::new();
    for w in worktrees {
        let mut found: Vec<(usize, Vec<Evidence>)> = Vec::new();
        let mut add = |t: usize, e: Evidence| match found.iter_mut().find(|(x, _)| *x == t) {
            Some((_, ev)) => {
                if !ev.contains(&e) {
                    ev.push(e);
                }
            }
            None => found.push((t, vec![e])),
        };
        for key in id_mentions(w.branch) {
            for &t in by_key.get(key.as_str()).into_iter().flatten() {
                add(
                    t,
                    Evidence::Branch {
                        branch: w.branch.to_string(),
                    },
                );
            }
        }
        for (id, subject) in &w.commits {
            for key in id_mentions(subject) {
                for &t in by_key.get(key.as_str()).into_iter().flatten() {
                    add(
                        t,
                        Evidence::Commit {
                            id: id.to_string(),
                            subject: subject.to_string(),
                        },
                    );
                }
            }
        }
        if let Some(theirs) = w.plan {
            for task in &theirs.tasks {
                if task.derived_id || !matches!(task.status, Status::InProgress | Status::Done) {
                    continue;
                }
                let file = theirs.file_of(task.span);
                // The same task (same file, same id) in the base's plan.
                let ours = by_key
                    .get(task.key())
                    .into_iter()
                    .flatten()
                    .copied()
                    .find(|&t| plan.file_of(plan.tasks[t].span) == file);
                let Some(t) = ours else { continue };
                let base = plan.tasks[t].status;
                let ahead = match task.status {
                    Status::Done => !plan.is_finished(t),
                    _ => matches!(base, Status::Pending | Status::Blocked),
                };
                if ahead {
                    add(
                        t,
                        Evidence::Plan {
                            file: file.to_string(),
                            line: task.span.line,
                            status: task.status,
                        },
                    );
                }
            }
        }
        found.sort_by_key(|(t, _)| plan.tasks[*t].span);
        // A subtask found along with its parent adds nothing: the parent covers it.
        let parents: Vec<usize> = found.iter().map(|(t, _)| *t).collect();
        found.retain(|(t, _)| {
            let mut up = plan.tasks[*t].parent;
            while let Some(p) = up {
                if parents.contains(&p) {
                    return false;
                }
                up = plan.tasks[p].parent;
            }
            true
        });
        out.push(WorktreeTasks {
            name: w.name.to_string(),
            path: w.path.to_string(),
            branch: w.branch.to_string(),
            tasks: found,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_branch_names_and_subjects() {
        assert_eq!(id_mentions("feat/3.5.2-dc-spec-web"), ["3.5.2"]);
        assert_eq!(id_mentions("t4.6.3.1-bake"), ["4.6.3.1"]);
        assert_eq!(id_mentions("wt/T1.2"), ["1.2"]);
        assert_eq!(
            id_mentions("3.5.21 and 13.5.2 and v3.5.2"),
            ["3.5.21", "13.5.2"]
        );
        assert_eq!(id_mentions("fix WP-3 (and 5.2.1.)"), ["WP-3", "5.2.1"]);
        assert!(id_mentions("release 2 of v1").is_empty());
        assert!(id_mentions("3.5.2x").is_empty());
    }
}
