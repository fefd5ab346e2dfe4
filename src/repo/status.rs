//! A worktree's status read in one walk of its directories, answering what libgit2's
//! full status answers (staged, unstaged, untracked, deleted paths; ignores honoured,
//! submodules left out) with less work:
//! - the index file is read as it is written (no hash map of entries, no checksum pass);
//! - HEAD is compared with the index through the index's cached tree ids, so only the
//!   directories whose tree id changed are opened;
//! - each file is stat'ed from its directory's handle while the directory is listed
//!   (one path component to resolve, not the whole path), and the same listing finds the
//!   untracked files.
//!
//! A file whose stat data differs from its index entry (or that was written in the same
//! instant as the index) is only a candidate: libgit2 decides it, content and filters
//! included. Whatever this reader does not model (conflicts, sparse or split indexes,
//! case-insensitive filesystems, nested repositories, intent-to-add entries, many
//! candidates) returns `None`, and the caller reads the status with libgit2 instead.

use git2::{Oid, Repository, Status};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

/// Paths by kind, each sorted; the caller turns them into counts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Paths {
    /// Staged: the index differs from HEAD.
    pub staged: Vec<String>,
    /// Unstaged: the working tree differs from the index (deletions included).
    pub unstaged: Vec<String>,
    /// Tracked files missing from the working tree.
    pub deleted: Vec<String>,
    pub untracked: Vec<String>,
    /// Every path in the index (submodules included), in order, when asked for.
    pub tracked: Option<Vec<String>>,
}

/// Most candidates that libgit2 decides one by one (content filters in use) before its
/// full status is cheaper; also the most files found unchanged behind changed stat data
/// before, when the caller may refresh the index, libgit2's full status reads again and
/// writes their stat data back, so the next read need not hash them.
const CANDIDATES_CAP: usize = 200;

/// The status of `repo`'s working tree by one walk; `None` where libgit2 must read it
/// (and, with `refresh`, where refreshing the index's stat data is worth a full read).
/// With `list_tracked`, the index's paths come along (the index is then read once).
#[cfg(unix)]
pub fn read(repo: &Repository, refresh: bool, list_tracked: bool) -> Option<Paths> {
    unix::read(repo, refresh, list_tracked)
}

#[cfg(not(unix))]
pub fn read(_repo: &Repository, _refresh: bool, _list_tracked: bool) -> Option<Paths> {
    None
}

/// One index entry as the file stores it.
struct Entry<'a> {
    /// Borrowed from the file, except in version 4 (prefix-compressed paths).
    path: Cow<'a, [u8]>,
    ctime: (u32, u32),
    mtime: (u32, u32),
    ino: u32,
    mode: u32,
    size: u32,
    oid: Oid,
    assume_valid: bool,
}

/// A node of the index's cached trees (the `TREE` extension): the tree id the entries
/// under a directory hash to, when still valid.
#[derive(Default)]
struct CacheNode<'a> {
    oid: Option<Oid>,
    children: Vec<(&'a [u8], CacheNode<'a>)>,
}

impl<'a> CacheNode<'a> {
    fn child(&self, name: &[u8]) -> Option<&CacheNode<'a>> {
        self.children
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c)
    }
}

struct Index<'a> {
    entries: Vec<Entry<'a>>,
    tree: Option<CacheNode<'a>>,
}

const GITLINK: u32 = 0o160000;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parse an index file (versions 2–4). `None` for anything this reader does not model.
fn parse_index(data: &[u8]) -> Option<Index<'_>> {
    if data.len() < 12 + 20 || &data[..4] != b"DIRC" {
        return None;
    }
    let version = be32(data, 4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = be32(data, 8)? as usize;
    let end = data.len() - 20;
    let mut at = 12;
    let mut entries: Vec<Entry> = Vec::with_capacity(count.min(end / 62));
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = at;
        let fixed = data.get(at..at + 62)?;
        let flags = u16::from_be_bytes([fixed[60], fixed[61]]);
        at += 62;
        if flags & 0x3000 != 0 {
            return None; // a conflict: libgit2 reports it
        }
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            let ext = u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?);
            at += 2;
            if ext & 0x6000 != 0 {
                return None; // skip-worktree (sparse checkout) or intent-to-add
            }
        }
        let path: Cow<[u8]> = if version == 4 {
            // The number of bytes to drop from the previous path, then the rest.
            let mut strip: usize = 0;
            loop {
                let c = *data.get(at)?;
                at += 1;
                strip = strip.checked_add((c & 127) as usize)?;
                if c & 128 == 0 {
                    break;
                }
                strip = strip.checked_add(1)?.checked_mul(128)?;
            }
            let nul = data.get(at..end)?.iter().position(|&c| c == 0)?;
            prev.truncate(prev.len().checked_sub(strip)?);
            prev.extend_from_slice(&data[at..at + nul]);
            at += nul + 1;
            Cow::Owned(prev.clone())
        } else {
            let nul = data.get(at..end)?.iter().position(|&c| c == 0)?;
            let path = &data[at..at + nul];
            // Entries are padded with 1–8 NULs to a multiple of 8 bytes.
            let len = at + nul - start;
            at = start + ((len + 8) & !7);
            if at > end {
                return None;
            }
            Cow::Borrowed(path)
        };
        let word =
            |i: usize| u32::from_be_bytes(fixed[i * 4..i * 4 + 4].try_into().unwrap_or([0; 4]));
        entries.push(Entry {
            path,
            ctime: (word(0), word(1)),
            mtime: (word(2), word(3)),
            ino: word(5),
            mode: word(6),
            size: word(9),
            oid: Oid::from_bytes(&fixed[40..60]).ok()?,
            assume_valid: flags & 0x8000 != 0,
        });
    }
    let mut tree = None;
    while at + 8 <= end {
        let sig = &data[at..at + 4];
        let size = be32(data, at + 4)? as usize;
        let body = data.get(at + 8..(at + 8).checked_add(size)?)?;
        match sig {
            b"TREE" => tree = parse_tree(body),
            // A split index keeps entries in another file; a sparse index has
            // directories as entries.
            b"link" | b"sdir" => return None,
            // Other mandatory extensions (uppercase first letter means optional).
            [c, ..] if !c.is_ascii_uppercase() => return None,
            _ => {}
        }
        at += 8 + size;
    }
    Some(Index { entries, tree })
}

/// The `TREE` extension: pre-order nodes of `path\0count subtrees\n[oid]`.
fn parse_tree(body: &[u8]) -> Option<CacheNode<'_>> {
    fn node<'a>(body: &'a [u8], at: &mut usize, depth: usize) -> Option<(&'a [u8], CacheNode<'a>)> {
        if depth > 4096 {
            return None;
        }
        let nul = body.get(*at..)?.iter().position(|&c| c == 0)?;
        let name = &body[*at..*at + nul];
        *at += nul + 1;
        let nl = body.get(*at..)?.iter().position(|&c| c == b'\n')?;
        let line = std::str::from_utf8(&body[*at..*at + nl]).ok()?;
        *at += nl + 1;
        let (count, subtrees) = line.split_once(' ')?;
        let count: i64 = count.parse().ok()?;
        let subtrees: usize = subtrees.parse().ok()?;
        let oid = if count >= 0 {
            let o = Oid::from_bytes(body.get(*at..*at + 20)?).ok()?;
            *at += 20;
            Some(o)
        } else {
            None
        };
        let mut children = Vec::with_capacity(subtrees.min(1024));
        for _ in 0..subtrees {
            children.push(node(body, at, depth + 1)?);
        }
        Some((name, CacheNode { oid, children }))
    }
    let mut at = 0;
    node(body, &mut at, 0).map(|(_, n)| n)
}

/// Where the index entries under `prefix` (empty, or ending in `/`) lie among the
/// sorted `entries`: one contiguous run.
fn under(entries: &[Entry], prefix: &[u8]) -> Range<usize> {
    let lo = entries.partition_point(|e| &e.path[..] < prefix);
    let hi = lo + entries[lo..].partition_point(|e| e.path.starts_with(prefix));
    lo..hi
}

/// HEAD against the index: the paths whose blob or mode differ, or exist on one side.
/// A directory whose index entries hash to HEAD's tree id is not opened.
fn staged(repo: &Repository, index: &Index) -> Option<Vec<String>> {
    let head = match repo.head() {
        Ok(h) => Some(h.peel_to_tree().ok()?.id()),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => None,
        Err(_) => return None,
    };
    let mut ids = HashMap::new();
    tree_id(&index.entries, 0, index.tree.as_ref(), &mut ids)?;
    let mut out = Vec::new();
    let root = Dir {
        entries: &index.entries,
        plen: 0,
        cache: index.tree.as_ref(),
    };
    compare_dir(repo, head, root, &ids, &mut out).ok()?;
    out.sort();
    Some(out)
}

/// What HEAD (a blob or a tree) or the index (a file or a directory's entries) holds
/// under one name.
enum Side<'e, 'a> {
    Blob(Oid, i32),
    Tree(Oid),
    File(&'e Entry<'a>),
    Dir(&'e [Entry<'a>]),
}

/// One directory of the index: its entries (all paths under it), the length of its
/// path with the slash, and its node of the cached trees.
#[derive(Clone, Copy)]
struct Dir<'e, 'a, 'c> {
    entries: &'e [Entry<'a>],
    plen: usize,
    cache: Option<&'c CacheNode<'a>>,
}

impl<'e, 'a, 'c> Dir<'e, 'a, 'c> {
    fn path(&self) -> &'e [u8] {
        self.entries
            .first()
            .map_or(&[][..], |e| &e.path[..self.plen])
    }

    /// Its names in order, each a file or a subdirectory's entries.
    fn items(&self) -> Vec<(&'e [u8], Side<'e, 'a>)> {
        let mut out = Vec::new();
        let entries = self.entries;
        let mut i = 0;
        while i < entries.len() {
            let rest = &entries[i].path[self.plen..];
            match rest.iter().position(|&c| c == b'/') {
                Some(slash) => {
                    let run = under(&entries[i..], &entries[i].path[..self.plen + slash + 1]);
                    let run = &entries[i + run.start..i + run.end];
                    out.push((&rest[..slash], Side::Dir(run)));
                    i += run.len().max(1);
                }
                None => {
                    out.push((rest, Side::File(&entries[i])));
                    i += 1;
                }
            }
        }
        out
    }

    fn sub(&self, name: &[u8], run: &'e [Entry<'a>]) -> Dir<'e, 'a, 'c> {
        Dir {
            entries: run,
            plen: self.plen + name.len() + 1,
            cache: self.cache.and_then(|c| c.child(name)),
        }
    }

    /// The cached tree id, where the cache still vouches for it.
    fn cached(&self) -> Option<Oid> {
        self.cache.and_then(|c| c.oid)
    }
}

/// The tree id a directory's index entries hash to, as `git write-tree` would write
/// it: the cached one where valid, else computed (and kept in `ids` by path).
fn tree_id(
    entries: &[Entry],
    plen: usize,
    cache: Option<&CacheNode>,
    ids: &mut HashMap<Vec<u8>, Oid>,
) -> Option<Oid> {
    let dir = Dir {
        entries,
        plen,
        cache,
    };
    if let Some(oid) = dir.cached() {
        return Some(oid);
    }
    let mut object = Vec::new();
    for (name, side) in dir.items() {
        let (mode, oid) = match side {
            Side::File(e) => (e.mode, e.oid),
            Side::Dir(run) => {
                let sub = dir.sub(name, run);
                (0o40000, tree_id(run, sub.plen, sub.cache, ids)?)
            }
            _ => return None,
        };
        object.extend_from_slice(format!("{mode:o} ").as_bytes());
        object.extend_from_slice(name);
        object.push(0);
        object.extend_from_slice(oid.as_bytes());
    }
    let oid = Oid::hash_object(git2::ObjectType::Tree, &object).ok()?;
    ids.insert(dir.path().to_vec(), oid);
    Some(oid)
}

fn text(p: &[u8]) -> String {
    String::from_utf8_lossy(p).into_owned()
}

fn compare_dir(
    repo: &Repository,
    head: Option<Oid>,
    dir: Dir,
    ids: &HashMap<Vec<u8>, Oid>,
    out: &mut Vec<String>,
) -> Result<(), git2::Error> {
    let prefix = dir.path();
    let mine = dir.cached().or_else(|| ids.get(prefix).copied());
    if head.is_some() && mine == head {
        return Ok(());
    }
    // Each name at this level with what HEAD and the index hold under it.
    let mut names: BTreeMap<Vec<u8>, (Option<Side>, Option<Side>)> = BTreeMap::new();
    let tree = head.map(|oid| repo.find_tree(oid)).transpose()?;
    if let Some(t) = &tree {
        for item in t.iter() {
            let side = match item.kind() {
                Some(git2::ObjectType::Tree) => Side::Tree(item.id()),
                _ => Side::Blob(item.id(), item.filemode_raw()),
            };
            names.entry(item.name_bytes().to_vec()).or_default().0 = Some(side);
        }
    }
    for (name, side) in dir.items() {
        names.entry(name.to_vec()).or_default().1 = Some(side);
    }
    for (name, sides) in names {
        let mut path = prefix.to_vec();
        path.extend_from_slice(&name);
        match sides {
            (Some(Side::Blob(oid, mode)), Some(Side::File(e))) => {
                if e.mode == GITLINK && mode as u32 == GITLINK {
                    continue; // submodules are left out; a type change is not
                }
                if e.oid != oid || e.mode != mode as u32 {
                    out.push(text(&path));
                }
            }
            (Some(Side::Tree(oid)), Some(Side::Dir(run))) => {
                compare_dir(repo, Some(oid), dir.sub(&name, run), ids, out)?;
            }
            (head, index) => {
                match head {
                    Some(Side::Blob(_, mode)) if mode as u32 != GITLINK => out.push(text(&path)),
                    Some(Side::Tree(oid)) => {
                        path.push(b'/');
                        super::trees::all_paths(repo, oid, &mut path, false, out)?;
                        path.truncate(path.len() - 1);
                    }
                    _ => {}
                }
                match index {
                    Some(Side::File(e)) if e.mode != GITLINK => out.push(text(&e.path)),
                    Some(Side::Dir(run)) => out.extend(
                        run.iter()
                            .filter(|e| e.mode != GITLINK)
                            .map(|e| text(&e.path)),
                    ),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    use std::path::{Path, PathBuf};

    /// A directory gone, or no longer one, since its parent was listed.
    fn gone(e: &std::io::Error) -> bool {
        matches!(
            e.kind(),
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
        ) || e.raw_os_error() == Some(libc::ELOOP)
    }

    /// A file whose stat data no longer vouches for its content.
    struct Candidate {
        path: Vec<u8>,
        oid: Oid,
        symlink: bool,
        /// Its size differs from the index's: changed, unless filters rewrite content.
        sized: bool,
    }

    enum Judged {
        Same,
        Changed,
        Check { sized: bool },
    }

    /// Which candidates changed, and how many did not. Without filters (no attributes, no
    /// line-ending conversion) the content is hashed as it is and compared with the index's
    /// blob id; with filters, libgit2 decides each, its own way.
    fn decide(
        repo: &Repository,
        root: &Path,
        candidates: &[Candidate],
        filters: bool,
    ) -> Option<(Vec<String>, usize)> {
        let unstaged =
            Status::WT_MODIFIED | Status::WT_DELETED | Status::WT_RENAMED | Status::WT_TYPECHANGE;
        let mut out = Vec::new();
        for c in candidates {
            let changed = if c.sized && !filters {
                true
            } else if filters {
                let st = repo
                    .status_file(Path::new(OsStr::from_bytes(&c.path)))
                    .ok()?;
                st.intersects(unstaged)
            } else {
                let full = root.join(OsStr::from_bytes(&c.path));
                let oid = if c.symlink {
                    std::fs::read_link(&full).ok().map(|target| {
                        Oid::hash_object(git2::ObjectType::Blob, target.as_os_str().as_bytes())
                    })
                } else {
                    Some(Oid::hash_file(git2::ObjectType::Blob, &full))
                };
                match oid {
                    Some(Ok(oid)) => oid != c.oid,
                    // Gone since the walk: changed; unreadable: libgit2 will say why.
                    _ => match std::fs::symlink_metadata(&full) {
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
                        _ => return None,
                    },
                }
            };
            if changed {
                out.push(text(&c.path));
            }
        }
        let unchanged = candidates.len() - out.len();
        Some((out, unchanged))
    }

    /// Directories opened and listed through the C library: each entry is stat'ed
    /// relative to its directory's handle (one path component to resolve, no name
    /// copied), subdirectories opened relative to their parent.
    mod fsdir {
        use std::ffi::{CStr, CString};
        use std::io;
        use std::os::unix::ffi::OsStrExt;
        use std::path::Path;
        use std::ptr::NonNull;

        #[derive(Clone, Copy, PartialEq, Eq)]
        pub(super) enum Kind {
            Dir,
            File,
            Link,
            /// Sockets, pipes, devices.
            Other,
        }

        /// What the walk needs of a file's stat data.
        pub(super) struct Stat {
            pub mode: u32,
            pub size: u64,
            pub ino: u64,
            pub mtime: (i64, i64),
            pub ctime: (i64, i64),
        }

        pub(super) struct Dir {
            dir: NonNull<libc::DIR>,
            /// The entry `next` returned last (valid until the next `readdir`).
            current: *const libc::dirent,
        }

        const FLAGS: libc::c_int = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;

        // (mode_t, ino_t and time_t differ in width between platforms.)
        #[allow(clippy::unnecessary_cast)]
        fn kind_of(mode: u32) -> Kind {
            match mode & libc::S_IFMT as u32 {
                m if m == libc::S_IFDIR as u32 => Kind::Dir,
                m if m == libc::S_IFREG as u32 => Kind::File,
                m if m == libc::S_IFLNK as u32 => Kind::Link,
                _ => Kind::Other,
            }
        }

        #[cfg(any(target_os = "linux", target_os = "android"))]
        fn clear_errno() -> bool {
            // SAFETY: the thread's own errno slot.
            unsafe { *libc::__errno_location() = 0 };
            true
        }

        #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
        fn clear_errno() -> bool {
            // SAFETY: the thread's own errno slot.
            unsafe { *libc::__error() = 0 };
            true
        }

        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd"
        )))]
        fn clear_errno() -> bool {
            false
        }

        impl Dir {
            pub fn open(path: &Path) -> io::Result<Dir> {
                let c = CString::new(path.as_os_str().as_bytes())?;
                // SAFETY: a NUL-terminated path.
                Dir::adopt(unsafe { libc::open(c.as_ptr(), FLAGS) })
            }

            /// The subdirectory `name` of this one (a link is not followed).
            pub fn open_in(&self, name: &[u8]) -> io::Result<Dir> {
                let c = CString::new(name)?;
                // SAFETY: an open directory's descriptor and a NUL-terminated name.
                let fd = unsafe {
                    libc::openat(
                        libc::dirfd(self.dir.as_ptr()),
                        c.as_ptr(),
                        FLAGS | libc::O_NOFOLLOW,
                    )
                };
                Dir::adopt(fd)
            }

            fn adopt(fd: libc::c_int) -> io::Result<Dir> {
                if fd < 0 {
                    return Err(io::Error::last_os_error());
                }
                // SAFETY: an open descriptor, owned by the stream from here on.
                match NonNull::new(unsafe { libc::fdopendir(fd) }) {
                    Some(dir) => Ok(Dir {
                        dir,
                        current: std::ptr::null(),
                    }),
                    None => {
                        let e = io::Error::last_os_error();
                        // SAFETY: the descriptor fdopendir did not take.
                        unsafe { libc::close(fd) };
                        Err(e)
                    }
                }
            }

            /// The next entry's name and kind (`.` and `..` left out); `None` at the end.
            pub fn next(&mut self) -> Option<io::Result<(&[u8], Kind)>> {
                loop {
                    let cleared = clear_errno();
                    // SAFETY: an open directory stream.
                    let ent = unsafe { libc::readdir(self.dir.as_ptr()) };
                    if ent.is_null() {
                        self.current = std::ptr::null();
                        let e = io::Error::last_os_error();
                        return match (cleared, e.raw_os_error()) {
                            (true, Some(code)) if code != 0 => Some(Err(e)),
                            _ => None,
                        };
                    }
                    self.current = ent;
                    // SAFETY: readdir's entry, valid until the next readdir.
                    let (name, d_type) = unsafe {
                        (
                            CStr::from_ptr((*ent).d_name.as_ptr()).to_bytes(),
                            (*ent).d_type,
                        )
                    };
                    if name == b"." || name == b".." {
                        continue;
                    }
                    let kind = match d_type {
                        libc::DT_DIR => Kind::Dir,
                        libc::DT_REG => Kind::File,
                        libc::DT_LNK => Kind::Link,
                        libc::DT_UNKNOWN => match self.stat_current() {
                            Ok(st) => kind_of(st.mode),
                            Err(e) => return Some(Err(e)),
                        },
                        _ => Kind::Other,
                    };
                    return Some(Ok((name, kind)));
                }
            }

            /// The stat data of the entry `next` returned last (a link itself, not
            /// what it points to).
            #[allow(clippy::unnecessary_cast)]
            pub fn stat_current(&self) -> io::Result<Stat> {
                if self.current.is_null() {
                    return Err(io::Error::from(io::ErrorKind::NotFound));
                }
                // SAFETY: all-zero is a valid `stat`.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                // SAFETY: the directory's descriptor, the current entry's NUL-terminated
                // name (still valid: no readdir since) and a `stat` to fill.
                let r = unsafe {
                    libc::fstatat(
                        libc::dirfd(self.dir.as_ptr()),
                        (*self.current).d_name.as_ptr(),
                        &mut st,
                        libc::AT_SYMLINK_NOFOLLOW,
                    )
                };
                if r != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(Stat {
                    mode: st.st_mode as u32,
                    size: st.st_size as u64,
                    ino: st.st_ino as u64,
                    mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
                    ctime: (st.st_ctime as i64, st.st_ctime_nsec as i64),
                })
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                // SAFETY: the stream opened in `adopt`, closed once.
                unsafe { libc::closedir(self.dir.as_ptr()) };
            }
        }
    }

    pub(super) fn read(repo: &Repository, refresh: bool, list_tracked: bool) -> Option<Paths> {
        let workdir = repo.workdir()?.to_path_buf();
        let config = repo.config().ok()?;
        if config.get_bool("core.ignorecase").unwrap_or(false)
            || config.get_bool("core.precomposeunicode").unwrap_or(false)
            || config.get_bool("core.sparsecheckout").unwrap_or(false)
        {
            return None;
        }
        let trust_mode = config.get_bool("core.filemode").unwrap_or(true);
        let trust_ctime = config.get_bool("core.trustctime").unwrap_or(true);
        if !config.get_bool("core.symlinks").unwrap_or(true) {
            return None;
        }
        // Attributes or line-ending conversion may filter content before it is hashed.
        let global_attributes = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .map(|c| c.join("git/attributes"));
        let filters = config
            .get_string("core.autocrlf")
            .is_ok_and(|v| v != "false")
            || config.get_string("core.attributesfile").is_ok()
            || repo.commondir().join("info/attributes").exists()
            || Path::new("/etc/gitattributes").exists()
            || global_attributes.is_some_and(|p| p.exists());
        let index_path = repo.path().join("index");
        let (data, index_mtime) = match std::fs::read(&index_path) {
            Ok(d) => {
                let m = std::fs::metadata(&index_path).ok()?;
                (d, Some((m.mtime(), m.mtime_nsec())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
                b"DIRC\0\0\0\x02\0\0\0\0"
                    .iter()
                    .chain(&[0u8; 20])
                    .copied()
                    .collect(),
                None,
            ),
            Err(_) => return None,
        };
        let index = parse_index(&data)?;
        if index.entries.windows(2).any(|w| w[0].path >= w[1].path) {
            return None; // not sorted, or a path twice: let libgit2 judge
        }
        // Entries marked assume-unchanged, or with a mode git would not write, follow
        // libgit2's own rules.
        let plain = |e: &Entry| matches!(e.mode, 0o100644 | 0o100755 | 0o120000 | GITLINK);
        if index.entries.iter().any(|e| e.assume_valid || !plain(e)) {
            return None;
        }
        // A `.gitattributes` in the index applies even when deleted from the disk.
        let attributes =
            |e: &Entry| e.path.rsplit(|&c| c == b'/').next() == Some(b".gitattributes");
        let filters = filters || index.entries.iter().any(attributes);
        let mut walk = Walk {
            repo,
            root: workdir,
            index_mtime,
            trust_mode,
            trust_ctime,
            seen: vec![false; index.entries.len()],
            candidates: Vec::new(),
            changed: Vec::new(),
            filters,
            deleted: Vec::new(),
            untracked: Vec::new(),
        };
        match fsdir::Dir::open(&walk.root) {
            Ok(root) => walk.dir(&mut Vec::new(), root, &index.entries, 0)?,
            Err(_) => return None,
        }
        for (i, e) in index.entries.iter().enumerate() {
            if !walk.seen[i] && e.mode != GITLINK {
                walk.deleted.push(text(&e.path));
            }
        }
        if walk.filters && walk.candidates.len() > CANDIDATES_CAP {
            return None;
        }
        let (mut unstaged, unchanged) = decide(repo, &walk.root, &walk.candidates, walk.filters)?;
        if refresh && unchanged > CANDIDATES_CAP {
            return None;
        }
        unstaged.extend(walk.changed);
        unstaged.extend(walk.deleted.iter().cloned());
        unstaged.sort();
        let staged = staged(repo, &index)?;
        let mut deleted = walk.deleted;
        deleted.sort();
        let mut untracked = walk.untracked;
        untracked.sort();
        let tracked = list_tracked.then(|| index.entries.iter().map(|e| text(&e.path)).collect());
        Some(Paths {
            staged,
            unstaged,
            deleted,
            untracked,
            tracked,
        })
    }

    struct Walk<'r> {
        repo: &'r Repository,
        root: PathBuf,
        index_mtime: Option<(i64, i64)>,
        trust_mode: bool,
        trust_ctime: bool,
        /// Which index entries the walk met on disk.
        seen: Vec<bool>,
        candidates: Vec<Candidate>,
        /// Changed for certain (kind or mode).
        changed: Vec<String>,
        /// A `.gitattributes` file was met: content may be filtered.
        filters: bool,
        deleted: Vec<String>,
        untracked: Vec<String>,
    }

    impl Walk<'_> {
        fn ignored(&self, rel: &[u8]) -> Option<bool> {
            self.repo
                .status_should_ignore(Path::new(OsStr::from_bytes(rel)))
                .ok()
        }

        /// What an entry's stat data says of its file.
        fn judge(&self, e: &Entry, m: &fsdir::Stat) -> Judged {
            let kind = m.mode & 0o170000;
            if kind != e.mode & 0o170000 {
                return Judged::Changed; // a file become a link, or the reverse
            }
            if self.trust_mode && kind == 0o100000 && (m.mode & 0o100) != (e.mode & 0o100) {
                return Judged::Changed;
            }
            // A size of 0 in the index says nothing (left so by `read-tree`, or by a
            // write that found the file racy): the content decides.
            let sized = e.size != 0 && e.size != m.size as u32;
            let time = |(s, ns): (i64, i64)| (s as u32, ns as u32);
            let moved = e.size != m.size as u32
                || e.ino != m.ino as u32
                || e.mtime != time(m.mtime)
                || (self.trust_ctime && e.ctime != time(m.ctime));
            // Written in the same instant as the index (or after it): the stat data
            // cannot tell an edit apart. Without stored nanoseconds, the same second.
            let racy = match self.index_mtime {
                Some((s, _)) if e.mtime.1 == 0 => e.mtime.0 as i64 >= s,
                Some((s, ns)) => (e.mtime.0 as i64, e.mtime.1 as i64) >= (s, ns),
                None => true,
            };
            if moved || racy {
                Judged::Check { sized }
            } else {
                Judged::Same
            }
        }

        /// List `rel` (empty or ending in `/`, open as `dir`), whose index entries are
        /// `entries` (starting at `first` among all entries).
        fn dir(
            &mut self,
            rel: &mut Vec<u8>,
            mut dir: fsdir::Dir,
            entries: &[Entry],
            first: usize,
        ) -> Option<()> {
            while let Some(item) = dir.next() {
                let (name, kind) = item.ok()?;
                if name.eq_ignore_ascii_case(b".git") {
                    if rel.is_empty() {
                        continue;
                    }
                    return None; // a nested repository: libgit2 knows its rules
                }
                if name == b".gitattributes" {
                    self.filters = true;
                }
                // Sockets, pipes and devices are not content: libgit2 passes over them
                // (a tracked path become one reads as deleted).
                if kind == fsdir::Kind::Other {
                    continue;
                }
                let len = rel.len();
                rel.extend_from_slice(name);
                if kind == fsdir::Kind::Dir {
                    let tracked_file = entries.binary_search_by(|e| e.path[..].cmp(rel)).ok();
                    if let Some(i) = tracked_file {
                        if entries[i].mode == GITLINK {
                            // A submodule: left out, as the status options say.
                            self.seen[first + i] = true;
                            rel.truncate(len);
                            continue;
                        }
                        return None; // a tracked file is now a directory
                    }
                    let sub = dir.open_in(&rel[len..]);
                    rel.push(b'/');
                    let run = under(entries, rel);
                    match sub {
                        Ok(sub) if run.is_empty() => {
                            if !self.ignored(rel)? {
                                self.untracked_dir(rel, sub)?;
                            }
                        }
                        Ok(sub) => self.dir(rel, sub, &entries[run.clone()], first + run.start)?,
                        // Gone since it was listed: its entries read as deleted.
                        Err(e) if gone(&e) => {}
                        Err(_) => return None,
                    }
                } else {
                    match entries.binary_search_by(|e| e.path[..].cmp(rel)) {
                        Ok(i) => {
                            self.seen[first + i] = true;
                            let e = &entries[i];
                            if e.mode == GITLINK {
                                // A submodule's path become a file or a link.
                                self.changed.push(text(rel));
                            } else {
                                let m = dir.stat_current().ok()?;
                                match self.judge(e, &m) {
                                    Judged::Same => {}
                                    Judged::Changed => self.changed.push(text(rel)),
                                    Judged::Check { sized } => self.candidates.push(Candidate {
                                        path: rel.clone(),
                                        oid: e.oid,
                                        symlink: kind == fsdir::Kind::Link,
                                        sized,
                                    }),
                                }
                            }
                        }
                        Err(_) => {
                            if !self.ignored(rel)? {
                                self.untracked.push(text(rel));
                            }
                        }
                    }
                }
                rel.truncate(len);
            }
            Some(())
        }

        /// Every file under an untracked directory that is not ignored.
        fn untracked_dir(&mut self, rel: &mut Vec<u8>, mut dir: fsdir::Dir) -> Option<()> {
            while let Some(item) = dir.next() {
                let (name, kind) = item.ok()?;
                if name.eq_ignore_ascii_case(b".git") {
                    return None; // an untracked repository inside
                }
                if kind == fsdir::Kind::Other {
                    continue;
                }
                let len = rel.len();
                rel.extend_from_slice(name);
                if kind == fsdir::Kind::Dir {
                    let sub = dir.open_in(&rel[len..]);
                    rel.push(b'/');
                    if !self.ignored(rel)? {
                        match sub {
                            Ok(sub) => self.untracked_dir(rel, sub)?,
                            Err(e) if gone(&e) => {}
                            Err(_) => return None,
                        }
                    }
                } else if !self.ignored(rel)? {
                    self.untracked.push(text(rel));
                }
                rel.truncate(len);
            }
            Some(())
        }
    }
}
