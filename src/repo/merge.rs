//! Predicted merge conflicts between work in flight: for each pair of in-flight
//! worktrees, and each against the base, an in-memory three-way merge of their trees
//! (uncommitted edits included). New objects (blobs of dirty files, their trees, merged
//! blobs) go to an in-memory object database, so nothing is written into `.git`; no
//! checkout, no file written, no `git` process. Pairs whose changes share no path are not
//! merged at all.

use super::state::{RepoState, Worktree};
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
    tree: Oid,
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
        match tree_of(&repo, w, head) {
            Ok(tree) => work.push(Work {
                w,
                head,
                tree,
                changed: w.changed_files.iter().cloned().collect(),
            }),
            Err(e) => out
                .problems
                .push(format!("merge prediction for `{}`: {e}", w.name)),
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
            if !meet(&x.changed, &y.changed) {
                continue;
            }
            out.merged_pairs += 1;
            match merge(&repo, x.head, y.head, x.tree, y.tree) {
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
            if !meet(&x.changed, &base_changed) {
                continue;
            }
            let base_tree = match repo.find_commit(base.oid).and_then(|c| c.tree()) {
                Ok(t) => t.id(),
                Err(e) => {
                    out.problems.push(format!("{}: {}", base.name, e.message()));
                    continue;
                }
            };
            out.merged_pairs += 1;
            match merge(&repo, base.oid, x.head, base_tree, x.tree) {
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

/// Some path is changed on both sides, or one side changes a directory the other
/// changes a file in (a file/directory clash).
fn meet(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
    let (small, big) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().any(|p| {
        if big.contains(p) {
            return true;
        }
        // A path of `big` below `p`, or `p` below one of `big`'s.
        let below = format!("{p}/");
        if big
            .range(below.clone()..)
            .next()
            .is_some_and(|q| q.starts_with(&below))
        {
            return true;
        }
        let mut cut = p.as_str();
        while let Some((parent, _)) = cut.rsplit_once('/') {
            if big.contains(parent) {
                return true;
            }
            cut = parent;
        }
        false
    })
}

/// Files the base changed since its merge base with `head`.
fn changed_since(repo: &Repository, head: Oid, base: Oid) -> Result<BTreeSet<String>, String> {
    let msg = |e: git2::Error| e.message().to_string();
    let mb = repo.merge_base(head, base).map_err(msg)?;
    let old = repo.find_commit(mb).and_then(|c| c.tree()).map_err(msg)?;
    let new = repo.find_commit(base).and_then(|c| c.tree()).map_err(msg)?;
    let diff = repo
        .diff_tree_to_tree(Some(&old), Some(&new), None)
        .map_err(msg)?;
    let mut out = BTreeSet::new();
    for d in diff.deltas() {
        for f in [d.old_file(), d.new_file()] {
            if let Some(p) = f.path() {
                out.insert(p.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    Ok(out)
}

/// The worktree's tree: HEAD's, with the uncommitted files as they are on disk.
fn tree_of(repo: &Repository, w: &Worktree, head: Oid) -> Result<Oid, String> {
    let msg = |e: git2::Error| e.message().to_string();
    let head_tree = repo.find_commit(head).and_then(|c| c.tree()).map_err(msg)?;
    if w.dirty_files.is_empty() {
        return Ok(head_tree.id());
    }
    let root = Path::new(&w.path);
    let mut b = TreeUpdateBuilder::new();
    for rel in &w.dirty_files {
        let abs = root.join(rel);
        match std::fs::symlink_metadata(&abs) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&abs).map_err(|e| format!("{rel}: {e}"))?;
                let oid = repo
                    .blob(target.to_string_lossy().as_bytes())
                    .map_err(msg)?;
                b.upsert(rel.as_str(), oid, FileMode::Link);
            }
            Ok(m) if m.is_file() => {
                let bytes = std::fs::read(&abs).map_err(|e| format!("{rel}: {e}"))?;
                let oid = repo.blob(&bytes).map_err(msg)?;
                b.upsert(rel.as_str(), oid, file_mode(&m));
            }
            // A directory (an untracked one listed as such) or something else: its files
            // are listed on their own.
            Ok(_) => {}
            Err(_) => {
                b.remove(rel.as_str());
            }
        }
    }
    b.create_updated(repo, &head_tree).map_err(msg)
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

/// Three-way merge of two trees over the merge base of their commits; the conflicting
/// paths (empty when they merge cleanly).
fn merge(
    repo: &Repository,
    head_a: Oid,
    head_b: Oid,
    a: Oid,
    b: Oid,
) -> Result<Vec<String>, String> {
    let msg = |e: git2::Error| e.message().to_string();
    let ancestor = match repo.merge_base(head_a, head_b) {
        Ok(mb) => repo.find_commit(mb).and_then(|c| c.tree()).map_err(msg)?,
        // Unrelated histories: merge from an empty tree.
        Err(_) => {
            let empty = repo
                .treebuilder(None)
                .and_then(|t| t.write())
                .map_err(msg)?;
            repo.find_tree(empty).map_err(msg)?
        }
    };
    let (ta, tb) = (
        repo.find_tree(a).map_err(msg)?,
        repo.find_tree(b).map_err(msg)?,
    );
    let index = repo.merge_trees(&ancestor, &ta, &tb, None).map_err(msg)?;
    if !index.has_conflicts() {
        return Ok(Vec::new());
    }
    let mut paths = BTreeSet::new();
    for c in index.conflicts().map_err(msg)? {
        let c = c.map_err(msg)?;
        for e in [c.ancestor, c.our, c.their].into_iter().flatten() {
            paths.insert(String::from_utf8_lossy(&e.path).into_owned());
        }
    }
    Ok(paths.into_iter().collect())
}
