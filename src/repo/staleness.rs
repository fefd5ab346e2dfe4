//! "Code may already exist": open tasks whose touch-point or as-built paths exist and
//! were changed by commits made after the task was written into the plan (the plan
//! often lags the code).

use super::state::commit_time;
use crate::plan::{PathRef, Plan};
use chrono::{DateTime, FixedOffset};
use git2::{BlameOptions, Oid, Repository};
use globset::{GlobBuilder, GlobMatcher};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// Commits walked at most when looking for later changes.
pub const WALK_LIMIT: usize = 5_000;

/// Evidence that an open task's code already exists.
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    /// Task index in the plan.
    #[serde(skip)]
    pub task: usize,
    pub id: String,
    /// When the task's line was committed to the plan.
    pub written: DateTime<FixedOffset>,
    /// The task's paths changed after that, newest change first.
    pub paths: Vec<StalePath>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StalePath {
    pub path: String,
    pub commit: String,
    pub subject: String,
    pub time: DateTime<FixedOffset>,
}

/// A task path as a matcher over repository paths.
#[derive(Debug, Clone)]
pub enum PathPattern {
    /// A file, or a directory with everything under it.
    Exact(String),
    Dir(String),
    Glob(GlobMatcher),
}

impl PathPattern {
    pub fn new(path: &str) -> Option<PathPattern> {
        let p = path.trim().trim_start_matches("./");
        if p.is_empty() || p.starts_with('/') || p.split('/').any(|s| s == "..") {
            return None;
        }
        if p.contains(['*', '?', '[', '{']) {
            let g = GlobBuilder::new(p).literal_separator(true).build().ok()?;
            return Some(PathPattern::Glob(g.compile_matcher()));
        }
        Some(match p.strip_suffix('/') {
            Some(d) => PathPattern::Dir(d.to_string()),
            None => PathPattern::Exact(p.to_string()),
        })
    }

    pub fn matches(&self, path: &str) -> bool {
        let under = |d: &str| {
            path.len() > d.len() && path.starts_with(d) && path.as_bytes()[d.len()] == b'/'
        };
        match self {
            PathPattern::Exact(p) => path == p || under(p),
            PathPattern::Dir(d) => under(d),
            PathPattern::Glob(g) => {
                g.is_match(path) || path.match_indices('/').any(|(i, _)| g.is_match(&path[..i]))
            }
        }
    }
}

/// The paths of a task worth checking: touch points and as-built entries.
fn task_paths(plan: &Plan, t: usize) -> impl Iterator<Item = &PathRef> {
    let task = &plan.tasks[t];
    task.touch_points.iter().chain(task.as_built.iter())
}

/// Find open tasks whose paths changed after the task was written. `working` gives each
/// plan file's working-tree text (so that line numbers match an edited plan); `exists`
/// says whether a path names something in the working tree. Problems are returned as
/// messages, never fatal.
pub fn find(
    repo: &Repository,
    plan: &Plan,
    working: &HashMap<String, String>,
    exists: &dyn Fn(&str) -> bool,
) -> (Vec<Stale>, Vec<String>) {
    let mut problems = Vec::new();
    let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return (Vec::new(), problems); // no commits: nothing was written before anything
    };
    // Open tasks with existing, checkable paths, grouped by plan file.
    struct Want {
        task: usize,
        patterns: Vec<(String, PathPattern)>,
        written: Option<(i64, Oid, DateTime<FixedOffset>)>,
    }
    let plan_paths: Vec<&str> = plan.files.iter().map(|f| f.path.as_str()).collect();
    let mut wants: Vec<Want> = Vec::new();
    for (t, task) in plan.tasks.iter().enumerate() {
        if task.status.is_closed() {
            continue;
        }
        let mut patterns = Vec::new();
        for r in task_paths(plan, t) {
            if plan_paths.contains(&r.path.as_str()) || !exists(&r.path) {
                continue;
            }
            if let Some(p) = PathPattern::new(&r.path) {
                if !patterns.iter().any(|(s, _)| s == &r.path) {
                    patterns.push((r.path.clone(), p));
                }
            }
        }
        if !patterns.is_empty() {
            wants.push(Want {
                task: t,
                patterns,
                written: None,
            });
        }
    }
    if wants.is_empty() {
        return (Vec::new(), problems);
    }
    // When was each task's line written? Blame each plan file once.
    let mut by_file: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, w) in wants.iter().enumerate() {
        by_file
            .entry(plan.tasks[w.task].span.file)
            .or_default()
            .push(i);
    }
    for (file, idx) in by_file {
        let path = &plan.files[file].path;
        let mut opts = BlameOptions::new();
        opts.newest_commit(head.id());
        let blame = match repo.blame_file(Path::new(path), Some(&mut opts)) {
            Ok(b) => b,
            Err(e) => {
                // Not committed yet: every task in it was written just now.
                if e.code() != git2::ErrorCode::NotFound {
                    problems.push(format!("cannot blame {path}: {}", e.message()));
                }
                continue;
            }
        };
        let blame = match working.get(path) {
            Some(text) => match blame.blame_buffer(text.as_bytes()) {
                Ok(b) => b,
                Err(e) => {
                    problems.push(format!("cannot blame the edited {path}: {}", e.message()));
                    continue;
                }
            },
            None => blame,
        };
        for i in idx {
            let line = plan.tasks[wants[i].task].span.line as usize;
            let Some(hunk) = blame.get_line(line) else {
                continue;
            };
            let oid = hunk.final_commit_id();
            if oid.is_zero() {
                continue; // an uncommitted line
            }
            if let Ok(c) = repo.find_commit(oid) {
                if let Some(t) = commit_time(&c) {
                    wants[i].written = Some((c.time().seconds(), oid, t));
                }
            }
        }
    }
    let Some(oldest) = wants.iter().filter_map(|w| w.written.map(|x| x.0)).min() else {
        return (Vec::new(), problems);
    };
    // Walk first-parent history newest first; note each task path's newest change.
    let mut newest: HashMap<(usize, usize), StalePath> = HashMap::new();
    let mut cur = Some(head);
    let mut walked = 0;
    while let Some(c) = cur {
        walked += 1;
        if c.time().seconds() <= oldest || walked > WALK_LIMIT {
            break;
        }
        let parent = c.parent(0).ok();
        let new_tree = c.tree().ok();
        let old_tree = parent.as_ref().and_then(|p| p.tree().ok());
        if let Ok(changed) = super::trees::changed_paths(repo, old_tree.as_ref(), new_tree.as_ref())
        {
            for (wi, w) in wants.iter().enumerate() {
                let Some((when, wrote, _)) = w.written else {
                    continue;
                };
                if c.time().seconds() <= when || c.id() == wrote {
                    continue;
                }
                for (pi, (name, pat)) in w.patterns.iter().enumerate() {
                    if newest.contains_key(&(wi, pi)) {
                        continue;
                    }
                    if changed.iter().any(|f| pat.matches(f)) {
                        if let Some(time) = commit_time(&c) {
                            newest.insert(
                                (wi, pi),
                                StalePath {
                                    path: name.clone(),
                                    commit: c.id().to_string()[..7].to_string(),
                                    subject: c.summary().unwrap_or("").to_string(),
                                    time,
                                },
                            );
                        }
                    }
                }
            }
        }
        cur = parent;
    }
    let mut out = Vec::new();
    for (wi, w) in wants.iter().enumerate() {
        let Some((_, _, written)) = w.written else {
            continue;
        };
        let mut paths: Vec<StalePath> = (0..w.patterns.len())
            .filter_map(|pi| newest.get(&(wi, pi)).cloned())
            .collect();
        if paths.is_empty() {
            continue;
        }
        paths.sort_by_key(|p| std::cmp::Reverse(p.time));
        out.push(Stale {
            task: w.task,
            id: plan.tasks[w.task].id.to_string(),
            written,
            paths,
        });
    }
    (out, problems)
}
