//! Predicted merge conflicts between work in flight: for each pair of in-flight
//! worktrees, and each against the base, an in-memory three-way merge of their trees
//! (uncommitted edits included). New objects (blobs of dirty files, their trees, merged
//! blobs) go to an in-memory object database, so nothing is written into `.git`; no
//! checkout, no file written, no `git` process. Pairs whose changes share no path are not
//! merged at all.

use super::state::{RepoState, Worktree};
use super::GitError;
use git2::{build::TreeUpdateBuilder, FileMode, Oid, Repository};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// One side of a predicted merge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Side {
    /// Worktree name, or the base ref's name.
    pub name: String,
    /// Branch (or short sha) of the worktree; the base ref's name for the base.
    pub branch: String,
    /// Where it is checked out (the repository root for the base).
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Predicted {
    pub a: Side,
    pub b: Side,
    /// Paths that would conflict.
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Prediction {
    pub conflicts: Vec<Predicted>,
    /// Pairs merged (the rest shared no changed path).
    pub merged_pairs: usize,
    pub problems: Vec<String>,
}

struct Work<'a> {
    w: &'a Worktree,
    head: Oid,
    head_tree: git2::Tree<'a>,
    dirty: BTreeSet<&'a str>,
    changed: BTreeSet<String>,
}

/// Priority of the in-memory backend: above the loose and pack backends, so every write
/// lands in memory.
const MEMPACK_PRIORITY: i32 = 999;

/// Predict merge conflicts among the in-flight worktrees of `state` and against its base.
pub fn predict(root: &Path, state: &RepoState) -> Prediction {
    let mut out = Prediction::default();
    let repo = match Repository::open(root) {
        Ok(r) => r,
        Err(e) => {
            out.problems.push(format!(
                "merge prediction: cannot open {}: {}",
                root.display(),
                e.message()
            ));
            return out;
        }
    };
    let odb = match repo.odb() {
        Ok(o) => o,
        Err(e) => {
            out.problems.push(format!(
                "merge prediction: no object database: {}",
                e.message()
            ));
            return out;
        }
    };
    // Kept alive for as long as objects are written.
    let _mempack = match odb.add_new_mempack_backend(MEMPACK_PRIORITY) {
        Ok(m) => m,
        Err(e) => {
            out.problems.push(format!(
                "merge prediction: no in-memory object database: {}",
                e.message()
            ));
            return out;
        }
    };
    let mut work: Vec<Work> = Vec::new();
    for w in state.in_flight() {
        let Some(head) = w.head.oid else { continue };
        match repo.find_commit(head).and_then(|c| c.tree()) {
            Ok(head_tree) => work.push(Work {
                w,
                head,
                head_tree,
                dirty: w.dirty_files.iter().map(String::as_str).collect(),
                changed: w.changed_files.iter().cloned().collect(),
            }),
            Err(e) => out.problems.push(format!(
                "merge prediction for `{}`: {}",
                w.name,
                e.message()
            )),
        }
    }
    let side = |w: &Worktree| Side {
        name: w.name.clone(),
        branch: w.head.describe(),
        path: w.path.clone(),
    };
    for i in 0..work.len() {
        for j in i + 1..work.len() {
            let (x, y) = (&work[i], &work[j]);
            let shared = shared_paths(&x.changed, &y.changed);
            if shared.is_empty() {
                continue;
            }
            out.merged_pairs += 1;
            let merged = subset(&repo, &shared, |p| entry_of(&repo, x, p))
                .and_then(|a| Ok((a, subset(&repo, &shared, |p| entry_of(&repo, y, p))?)))
                .and_then(|(a, b)| merge(&repo, x.head, y.head, &shared, a, b));
            match merged {
                Ok(paths) if !paths.is_empty() => out.conflicts.push(Predicted {
                    a: side(x.w),
                    b: side(y.w),
                    paths,
                }),
                Ok(_) => {}
                Err(e) => out.problems.push(format!(
                    "merge prediction `{}` with `{}`: {e}",
                    x.w.name, y.w.name
                )),
            }
        }
    }
    if let Some(base) = &state.base {
        let base_side = Side {
            name: base.name.clone(),
            branch: base.name.clone(),
            path: state.root.clone(),
        };
        for x in &work {
            let base_changed = match changed_since(&repo, x.head, base.oid) {
                Ok(c) => c,
                Err(e) => {
                    out.problems.push(format!(
                        "merge prediction `{}` with {}: {e}",
                        x.w.name, base.name
                    ));
                    continue;
                }
            };
            let shared = shared_paths(&x.changed, &base_changed);
            if shared.is_empty() {
                continue;
            }
            let base_tree = match repo.find_commit(base.oid).and_then(|c| c.tree()) {
                Ok(t) => t,
                Err(e) => {
                    out.problems.push(format!("{}: {}", base.name, e.message()));
                    continue;
                }
            };
            out.merged_pairs += 1;
            let merged = subset(&repo, &shared, |p| Ok(tree_entry(&base_tree, p)))
                .and_then(|b| Ok((b, subset(&repo, &shared, |p| entry_of(&repo, x, p))?)))
                .and_then(|(b, a)| merge(&repo, base.oid, x.head, &shared, b, a));
            match merged {
                Ok(paths) if !paths.is_empty() => out.conflicts.push(Predicted {
                    a: side(x.w),
                    b: base_side.clone(),
                    paths,
                }),
                Ok(_) => {}
                Err(e) => out.problems.push(format!(
                    "merge prediction `{}` with {}: {e}",
                    x.w.name, base.name
                )),
            }
        }
    }
    out
}

/// The paths to merge: changed on both sides, or a file on one side where the other
/// changes something below it (a file/directory clash). Empty: the sides cannot
/// conflict, and nothing is merged.
fn shared_paths(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Vec<String> {
    let mut out = BTreeSet::new();
    for (x, y) in [(a, b), (b, a)] {
        for p in x {
            if y.contains(p) {
                out.insert(p.clone());
                continue;
            }
            let below = format!("{p}/");
            for q in y
                .range(below.clone()..)
                .take_while(|q| q.starts_with(&below))
            {
                out.insert(p.clone());
                out.insert(q.clone());
            }
        }
    }
    out.into_iter().collect()
}

/// Files the base changed since its merge base with `head`.
fn changed_since(repo: &Repository, head: Oid, base: Oid) -> Result<BTreeSet<String>, GitError> {
    let msg = GitError::from;
    let mb = repo.merge_base(head, base).map_err(msg)?;
    if mb == base {
        return Ok(BTreeSet::new());
    }
    let old = repo.find_commit(mb).and_then(|c| c.tree()).map_err(msg)?;
    let new = repo.find_commit(base).and_then(|c| c.tree()).map_err(msg)?;
    if old.id() == new.id() {
        return Ok(BTreeSet::new());
    }
    let paths = super::trees::changed_paths(repo, Some(&old), Some(&new)).map_err(msg)?;
    Ok(paths.into_iter().collect())
}

type Entry = Option<(Oid, FileMode)>;

fn tree_entry(tree: &git2::Tree, path: &str) -> Entry {
    let e = tree.get_path(Path::new(path)).ok()?;
    let mode = match e.filemode() {
        0o100755 => FileMode::BlobExecutable,
        0o120000 => FileMode::Link,
        0o040000 => FileMode::Tree,
        0o160000 => FileMode::Commit,
        _ => FileMode::Blob,
    };
    Some((e.id(), mode))
}

/// A path as the worktree has it: on disk when it is uncommitted (its blob goes to the
/// in-memory object database), else in its HEAD commit.
fn entry_of(repo: &Repository, x: &Work, rel: &str) -> Result<Entry, GitError> {
    if !x.dirty.contains(rel) {
        return Ok(tree_entry(&x.head_tree, rel));
    }
    let msg = GitError::from;
    let abs = Path::new(&x.w.path).join(rel);
    match std::fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => {
            let target = std::fs::read_link(&abs).map_err(|e| GitError(format!("{rel}: {e}")))?;
            let oid = repo
                .blob(target.to_string_lossy().as_bytes())
                .map_err(msg)?;
            Ok(Some((oid, FileMode::Link)))
        }
        Ok(m) if m.is_file() => {
            let bytes = std::fs::read(&abs).map_err(|e| GitError(format!("{rel}: {e}")))?;
            Ok(Some((repo.blob(&bytes).map_err(msg)?, file_mode(&m))))
        }
        // A directory (untracked, listed as such): its files are listed on their own.
        Ok(_) => Ok(tree_entry(&x.head_tree, rel)),
        Err(_) => Ok(None),
    }
}

/// A tree holding only `paths`, as `entry` gives them: what a three-way merge of those
/// paths needs, and no more (unchanged subtrees are never visited).
fn subset(
    repo: &Repository,
    paths: &[String],
    mut entry: impl FnMut(&str) -> Result<Entry, GitError>,
) -> Result<Oid, GitError> {
    let msg = GitError::from;
    let empty = repo
        .treebuilder(None)
        .and_then(|t| t.write())
        .and_then(|id| repo.find_tree(id))
        .map_err(msg)?;
    let mut b = TreeUpdateBuilder::new();
    let mut any = false;
    for p in paths {
        if let Some((oid, mode)) = entry(p)? {
            if mode != FileMode::Tree {
                b.upsert(p.as_str(), oid, mode);
                any = true;
            }
        }
    }
    if !any {
        return Ok(empty.id());
    }
    b.create_updated(repo, &empty).map_err(msg)
}

#[cfg(unix)]
fn file_mode(m: &std::fs::Metadata) -> FileMode {
    use std::os::unix::fs::PermissionsExt;
    if m.permissions().mode() & 0o111 != 0 {
        FileMode::BlobExecutable
    } else {
        FileMode::Blob
    }
}

#[cfg(not(unix))]
fn file_mode(_: &std::fs::Metadata) -> FileMode {
    FileMode::Blob
}

/// Three-way merge of two subset trees over the same paths of the merge base of their
/// commits; the conflicting paths (empty when they merge cleanly).
fn merge(
    repo: &Repository,
    head_a: Oid,
    head_b: Oid,
    paths: &[String],
    a: Oid,
    b: Oid,
) -> Result<Vec<String>, GitError> {
    let msg = GitError::from;
    let ancestor = match repo.merge_base(head_a, head_b) {
        Ok(mb) => {
            let tree = repo.find_commit(mb).and_then(|c| c.tree()).map_err(msg)?;
            subset(repo, paths, |p| Ok(tree_entry(&tree, p)))?
        }
        // Unrelated histories: merge from nothing.
        Err(_) => subset(repo, &[], |_| Ok(None))?,
    };
    let (tn, ta, tb) = (
        repo.find_tree(ancestor).map_err(msg)?,
        repo.find_tree(a).map_err(msg)?,
        repo.find_tree(b).map_err(msg)?,
    );
    let index = repo.merge_trees(&tn, &ta, &tb, None).map_err(msg)?;
    if !index.has_conflicts() {
        return Ok(Vec::new());
    }
    let mut found = BTreeSet::new();
    for c in index.conflicts().map_err(msg)? {
        let c = c.map_err(msg)?;
        for e in [c.ancestor, c.our, c.their].into_iter().flatten() {
            found.insert(String::from_utf8_lossy(&e.path).into_owned());
        }
    }
    Ok(found.into_iter().collect())
}
