//! Which paths differ between two trees, opening only the subtrees whose ids differ
//! (libgit2's tree diff reads every subtree of both sides; on a large repository
//! where a branch touched a few files, that is thousands of objects read for nothing).

use git2::{ObjectType, Oid, Repository, Tree};
use std::collections::BTreeMap;

const GITLINK: i32 = 0o160000;

/// The paths (files, links and submodules) that differ between `old` and `new`, sorted.
/// A missing tree is an empty one.
pub(crate) fn changed_paths(
    repo: &Repository,
    old: Option<&Tree>,
    new: Option<&Tree>,
) -> Result<Vec<String>, git2::Error> {
    let mut out = Vec::new();
    compare(repo, old, new, &mut Vec::new(), &mut out)?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// What one side holds under a name: a tree, or a blob (or submodule) with its mode.
#[derive(Clone, Copy, PartialEq)]
enum Item {
    Tree(Oid),
    Leaf(Oid, i32),
}

fn items<'t>(tree: Option<&'t Tree<'_>>) -> impl Iterator<Item = (Vec<u8>, Item)> + 't {
    tree.into_iter().flat_map(|t| t.iter()).map(|e| {
        let item = match e.kind() {
            Some(ObjectType::Tree) => Item::Tree(e.id()),
            _ => Item::Leaf(e.id(), e.filemode_raw()),
        };
        (e.name_bytes().to_vec(), item)
    })
}

fn compare(
    repo: &Repository,
    old: Option<&Tree>,
    new: Option<&Tree>,
    path: &mut Vec<u8>,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    if let (Some(a), Some(b)) = (old, new) {
        if a.id() == b.id() {
            return Ok(());
        }
    }
    let mut names: BTreeMap<Vec<u8>, (Option<Item>, Option<Item>)> = BTreeMap::new();
    for (name, item) in items(old) {
        names.entry(name).or_default().0 = Some(item);
    }
    for (name, item) in items(new) {
        names.entry(name).or_default().1 = Some(item);
    }
    for (name, sides) in names {
        if sides.0 == sides.1 {
            continue;
        }
        let len = path.len();
        path.extend_from_slice(&name);
        match sides {
            (Some(Item::Tree(a)), Some(Item::Tree(b))) => {
                let (a, b) = (repo.find_tree(a)?, repo.find_tree(b)?);
                path.push(b'/');
                compare(repo, Some(&a), Some(&b), path, out)?;
            }
            (a, b) => {
                for side in [a, b].into_iter().flatten() {
                    match side {
                        Item::Leaf(..) => out.push(String::from_utf8_lossy(path).into_owned()),
                        Item::Tree(oid) => {
                            path.push(b'/');
                            all_paths(repo, oid, path, true, out)?;
                            path.truncate(len + name.len());
                        }
                    }
                }
            }
        }
        path.truncate(len);
    }
    Ok(())
}

/// Every path under the tree `oid`, each prefixed with `path` (empty, or ending in
/// `/`); submodules only with `gitlinks`.
pub(crate) fn all_paths(
    repo: &Repository,
    oid: Oid,
    path: &mut Vec<u8>,
    gitlinks: bool,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    let tree = repo.find_tree(oid)?;
    for item in tree.iter() {
        let len = path.len();
        path.extend_from_slice(item.name_bytes());
        match item.kind() {
            Some(ObjectType::Tree) => {
                path.push(b'/');
                all_paths(repo, item.id(), path, gitlinks, out)?;
            }
            _ if item.filemode_raw() == GITLINK && !gitlinks => {}
            _ => out.push(String::from_utf8_lossy(path).into_owned()),
        }
        path.truncate(len);
    }
    Ok(())
}
