//! Whether two touch points can name the same file: literal paths, directories (`dir/`,
//! which hold everything under them) and globs (`*`, `?`, `[…]`, `**`, `{a,b}`). Two
//! globs overlap when some path could match both; where that cannot be decided exactly
//! the answer is "yes" (conservative), and the reason says so.

/// Why two paths overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// The same file.
    Same,
    /// One is a directory holding the other.
    Contains,
    /// A glob matches the other path (or a directory above it).
    Matches,
    /// Two globs some path could match both.
    GlobsMayMeet,
}

impl Why {
    pub fn describe(self) -> &'static str {
        match self {
            Why::Same => "same file",
            Why::Contains => "one holds the other",
            Why::Matches => "the glob matches the path",
            Why::GlobsMayMeet => "both globs can match one path",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg<'a> {
    Lit(&'a str),
    /// One segment with wildcards.
    Wild(&'a str),
    /// `**`: any number of segments.
    Any,
}

fn is_glob(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'*' | b'?' | b'[' | b'{'))
}

/// Leading white space and `./` removed (`trim_start_matches` with a string pattern
/// builds a searcher per call; this is on the hot path of every comparison).
fn strip_dot_slash(p: &str) -> &str {
    let mut p = p.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p
}

/// Most alternatives a brace expansion yields before it is widened instead.
const BRACE_MAX: usize = 256;

/// `a/{b,c}/d` → `a/b/d`, `a/c/d` (nested braces expanded too). Past [`BRACE_MAX`]
/// alternatives every brace group is widened to `*` (`**` when it holds a `/`), which
/// matches a superset: the answer stays conservative instead of silently losing paths.
fn expand_braces(p: &str) -> Vec<String> {
    // The work of expanding is bounded too: many small groups (`{,,b}{,"}…`) could
    // otherwise take exponential time before the count of alternatives tells.
    let mut budget = 16 * BRACE_MAX;
    match expand_braces_all(p, &mut budget) {
        Some(all) if all.len() <= BRACE_MAX => all,
        _ => vec![widen_braces(p)],
    }
}

/// Every top-level brace group replaced by `*`, or `**` when it holds a `/`.
fn widen_braces(p: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut slash = false;
    for c in p.chars() {
        match c {
            '{' => {
                depth += 1;
                slash = false;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push_str(if slash { "**" } else { "*" });
                }
            }
            _ if depth > 0 => slash |= c == '/',
            _ => out.push(c),
        }
    }
    out
}

/// Every alternative, or `None` once `budget` expansions have been spent or more than
/// [`BRACE_MAX`] alternatives have been found.
fn expand_braces_all(p: &str, budget: &mut usize) -> Option<Vec<String>> {
    *budget = budget.checked_sub(1)?;
    let Some(open) = p.find('{') else {
        return Some(vec![p.to_string()]);
    };
    let mut depth = 0;
    let mut close = None;
    for (i, c) in p[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return Some(vec![p.to_string()]);
    };
    let inner = &p[open + 1..close];
    let mut alts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                alts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    alts.push(&inner[start..]);
    let mut out = Vec::new();
    for a in alts {
        let rest = format!("{}{a}{}", &p[..open], &p[close + 1..]);
        for x in expand_braces_all(&rest, budget)? {
            if out.len() == BRACE_MAX {
                return None;
            }
            out.push(x);
        }
    }
    Some(out)
}

/// `p` split at `/`, except inside a `[…]` class (`[/b]` is one segment, as globset
/// reads it).
fn split_segments(p: &str) -> Vec<&str> {
    let b = p.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'[' => {
                // Skip to the class's end when it has one (its first member may be `]`).
                let mut k = i + 1;
                if matches!(b.get(k), Some(b'!' | b'^')) {
                    k += 1;
                }
                match b
                    .get(k + 1..)
                    .and_then(|r| r.iter().position(|&c| c == b']'))
                {
                    Some(e) => i = k + 1 + e + 1,
                    None => i += 1,
                }
            }
            b'/' => {
                out.push(&p[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push(&p[start..]);
    out
}

fn segments(p: &str) -> Vec<Seg<'_>> {
    let p = strip_dot_slash(p).trim_end_matches('/');
    let mut out: Vec<Seg> = split_segments(p)
        .into_iter()
        .filter(|s| !s.is_empty() && *s != ".")
        .map(|s| {
            if s == "**" {
                Seg::Any
            } else if is_glob(s) {
                Seg::Wild(s)
            } else {
                Seg::Lit(s)
            }
        })
        .collect();
    // Everything under a named path belongs to it (a directory holds its files).
    out.push(Seg::Any);
    out
}

/// A symbol of a segment: bytes for ASCII text (no allocation), chars otherwise.
trait Sym: Copy + Ord {
    fn of(c: u8) -> Self;
}

impl Sym for u8 {
    fn of(c: u8) -> u8 {
        c
    }
}

impl Sym for char {
    fn of(c: u8) -> char {
        c as char
    }
}

/// One token of a segment pattern.
enum Tok<T> {
    /// `*`: any run of characters.
    Star,
    /// `?`: any one character.
    One,
    /// `[…]` / `[!…]`: one character of (or not of) the ranges.
    Class {
        ranges: Vec<(T, T)>,
        negate: bool,
    },
    Lit(T),
}

/// A segment pattern as tokens. A class's first member may be `]` (`[]a]`, `[!]]`), as
/// in globset; a `[` that never closes is a literal.
fn tokens<T: Sym>(pat: &[T]) -> Vec<Tok<T>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < pat.len() {
        let c = pat[i];
        if c == T::of(b'*') {
            if !matches!(out.last(), Some(Tok::Star)) {
                out.push(Tok::Star);
            }
            i += 1;
        } else if c == T::of(b'?') {
            out.push(Tok::One);
            i += 1;
        } else if c == T::of(b'[') {
            let mut k = i + 1;
            let negate = pat
                .get(k)
                .is_some_and(|&x| x == T::of(b'!') || x == T::of(b'^'));
            if negate {
                k += 1;
            }
            // The first member is taken as is, even `]`.
            let close = pat
                .iter()
                .skip(k + 1)
                .position(|&x| x == T::of(b']'))
                .map(|e| e + k + 1);
            let Some(close) = close.filter(|_| k < pat.len()) else {
                out.push(Tok::Lit(c));
                i += 1;
                continue;
            };
            let set = &pat[k..close];
            let mut ranges = Vec::new();
            let mut m = 0;
            while m < set.len() {
                if m + 2 < set.len() && set[m + 1] == T::of(b'-') {
                    ranges.push((set[m], set[m + 2]));
                    m += 3;
                } else {
                    ranges.push((set[m], set[m]));
                    m += 1;
                }
            }
            out.push(Tok::Class { ranges, negate });
            i = close + 1;
        } else {
            out.push(Tok::Lit(c));
            i += 1;
        }
    }
    out
}

fn tok_matches<T: Sym>(t: &Tok<T>, c: T) -> bool {
    match t {
        Tok::Star => true,
        Tok::One => true,
        Tok::Lit(x) => *x == c,
        Tok::Class { ranges, negate } => {
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negate
        }
    }
}

/// Single-segment wildcard match (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`) in O(pattern ×
/// text): the usual greedy walk that backs up to the last `*` on a mismatch (a
/// recursive match is exponential in the number of stars).
fn seg_match<T: Sym>(pat: &[T], s: &[T]) -> bool {
    let toks = tokens(pat);
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match toks.get(p) {
            Some(Tok::Star) => {
                star = Some((p, i));
                p += 1;
            }
            Some(t) if tok_matches(t, s[i]) => {
                p += 1;
                i += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| matches!(t, Tok::Star))
}

/// The literal text before the first wildcard and after the last one.
fn lit_ends(p: &str) -> (&str, &str) {
    let first = p.find(['*', '?', '[']).unwrap_or(p.len());
    let last = p.rfind(['*', '?', ']']).map_or(p.len(), |i| i + 1);
    (&p[..first], &p[last.max(first)..])
}

fn seg_compat(a: &Seg, b: &Seg) -> bool {
    match (a, b) {
        (Seg::Lit(x), Seg::Lit(y)) => x == y,
        (Seg::Lit(l), Seg::Wild(w)) | (Seg::Wild(w), Seg::Lit(l)) => {
            if w.is_ascii() && l.is_ascii() {
                seg_match(w.as_bytes(), l.as_bytes())
            } else {
                let p: Vec<char> = w.chars().collect();
                let s: Vec<char> = l.chars().collect();
                seg_match(&p, &s)
            }
        }
        (Seg::Wild(x), Seg::Wild(y)) => {
            // Conservative: literal prefixes and suffixes must agree.
            let (px, sx) = lit_ends(x);
            let (py, sy) = lit_ends(y);
            (px.starts_with(py) || py.starts_with(px)) && (sx.ends_with(sy) || sy.ends_with(sx))
        }
        _ => false,
    }
}

/// Whether some path matches both segment lists. `memo[i * (b.len() + 1) + j]` caches
/// the answer for the suffixes `a[i..]`, `b[j..]` (0 unknown, 1 no, 2 yes).
fn unify(a: &[Seg], b: &[Seg]) -> bool {
    let n = (a.len() + 1) * (b.len() + 1);
    if n <= 256 {
        unify_at(a, b, 0, 0, &mut [0u8; 256][..n])
    } else {
        unify_at(a, b, 0, 0, &mut vec![0u8; n])
    }
}

fn unify_at(a: &[Seg], b: &[Seg], i: usize, j: usize, memo: &mut [u8]) -> bool {
    let key = i * (b.len() + 1) + j;
    if memo[key] != 0 {
        return memo[key] == 2;
    }
    let v = match (a.get(i), b.get(j)) {
        (None, None) => true,
        (Some(Seg::Any), _) => {
            unify_at(a, b, i + 1, j, memo) || (j < b.len() && unify_at(a, b, i, j + 1, memo))
        }
        (_, Some(Seg::Any)) => {
            unify_at(a, b, i, j + 1, memo) || (i < a.len() && unify_at(a, b, i + 1, j, memo))
        }
        (None, _) | (_, None) => false,
        (Some(x), Some(y)) => seg_compat(x, y) && unify_at(a, b, i + 1, j + 1, memo),
    };
    memo[key] = if v { 2 } else { 1 };
    v
}

/// The leading literal segments of a touch point (before any wildcard, brace or `**`).
fn literal_segments(p: &str) -> impl Iterator<Item = &str> {
    strip_dot_slash(p)
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .take_while(|s| *s != "**" && !is_glob(s))
}

/// Two paths can only meet when one's literal prefix is a segment prefix of the
/// other's: where both name a literal segment at the same depth, the segments must agree.
fn prefixes_meet(a: &str, b: &str) -> bool {
    let (mut x, mut y) = (literal_segments(a), literal_segments(b));
    loop {
        match (x.next(), y.next()) {
            (Some(s), Some(t)) if s != t => return false,
            (Some(_), Some(_)) => continue,
            _ => return true,
        }
    }
}

/// Touch points indexed by their literal prefix, so that a path is compared only with
/// those it could meet: the ones whose prefix is an ancestor of its own, or below it.
/// Prefixes are keyed by a running hash of their segments; a collision only adds
/// candidates, and `overlap` decides.
#[derive(Debug, Clone)]
pub struct PathIndex<T> {
    /// Values whose literal prefix is exactly this one.
    at: std::collections::HashMap<u64, Vec<T>>,
    /// Values whose literal prefix lies strictly below this one.
    below: std::collections::HashMap<u64, Vec<T>>,
}

impl<T: Copy> Default for PathIndex<T> {
    fn default() -> Self {
        PathIndex {
            at: std::collections::HashMap::new(),
            below: std::collections::HashMap::new(),
        }
    }
}

const ROOT: u64 = 0xcbf29ce484222325;

fn extend_hash(mut h: u64, seg: &str) -> u64 {
    for b in seg.bytes().chain(std::iter::once(b'/')) {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

impl<T: Copy> PathIndex<T> {
    pub fn insert(&mut self, path: &str, value: T) {
        let mut h = ROOT;
        for s in literal_segments(path) {
            self.below.entry(h).or_default().push(value);
            h = extend_hash(h, s);
        }
        self.at.entry(h).or_default().push(value);
    }

    /// Every value stored under a path that may overlap `path` (a superset: `overlap`
    /// decides). Values may repeat.
    pub fn candidates(&self, path: &str, out: &mut Vec<T>) {
        let mut h = ROOT;
        if let Some(v) = self.at.get(&h) {
            out.extend_from_slice(v);
        }
        for s in literal_segments(path) {
            h = extend_hash(h, s);
            if let Some(v) = self.at.get(&h) {
                out.extend_from_slice(v);
            }
        }
        if let Some(v) = self.below.get(&h) {
            out.extend_from_slice(v);
        }
    }
}

fn norm(p: &str) -> &str {
    strip_dot_slash(p)
}

/// Whether two touch points can name the same file, and why.
pub fn overlap(a: &str, b: &str) -> Option<Why> {
    if !prefixes_meet(a, b) {
        return None;
    }
    let (a, b) = (norm(a), norm(b));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if !is_glob(a) && !is_glob(b) {
        // Two plain paths: the prefix check above already compared every segment of the
        // shorter one, so they are the same file or one holds the other.
        let (x, y) = (a.trim_end_matches('/'), b.trim_end_matches('/'));
        let same = literal_segments(x).eq(literal_segments(y));
        return Some(if same { Why::Same } else { Why::Contains });
    }
    let (ga, gb) = (is_glob(a), is_glob(b));
    let hit = if a.contains('{') || b.contains('{') {
        let (xs, ys) = (expand_braces(a), expand_braces(b));
        xs.iter()
            .any(|x| ys.iter().any(|y| unify(&segments(x), &segments(y))))
    } else {
        unify(&segments(a), &segments(b))
    };
    if !hit {
        return None;
    }
    Some(match (ga, gb) {
        (false, false) => {
            if a.trim_end_matches('/') == b.trim_end_matches('/') {
                Why::Same
            } else {
                Why::Contains
            }
        }
        (true, true) => Why::GlobsMayMeet,
        _ => Why::Matches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_directory_and_glob_cases() {
        assert_eq!(overlap("a/b.ts", "./a/b.ts"), Some(Why::Same));
        assert_eq!(
            overlap("user_docs/", "user_docs/guide/x.md"),
            Some(Why::Contains)
        );
        assert_eq!(
            overlap("apps/server", "apps/server/src/x.ts"),
            Some(Why::Contains)
        );
        assert_eq!(overlap("a/b.ts", "a/c.ts"), None);
        assert_eq!(overlap("apps/ser", "apps/server/x.ts"), None);
        assert_eq!(
            overlap(
                "apps/web/src/routes/mes/*",
                "apps/web/src/routes/mes/execution.tsx"
            ),
            Some(Why::Matches)
        );
        assert_eq!(
            overlap(
                "apps/web/src/routes/mes/*",
                "apps/web/src/routes/mes/a/b.tsx"
            ),
            Some(Why::Matches)
        );
        assert_eq!(overlap("apps/web/*.tsx", "apps/web/a.ts"), None);
        assert_eq!(overlap("src/**/*.rs", "src/a/b/c.rs"), Some(Why::Matches));
        assert_eq!(overlap("src/**/*.rs", "docs/a.rs"), None);
        assert_eq!(overlap("src/*.ts", "src/*.tsx"), None);
        assert_eq!(overlap("src/a*.ts", "src/*b.ts"), Some(Why::GlobsMayMeet));
        assert_eq!(overlap("src/{a,b}/x.ts", "src/b/x.ts"), Some(Why::Matches));
        assert_eq!(overlap("src/{a,b}/x.ts", "src/c/x.ts"), None);
        assert_eq!(overlap("src/[ab].ts", "src/c.ts"), None);
        assert_eq!(overlap("src/[a-c].ts", "src/b.ts"), Some(Why::Matches));
        assert_eq!(overlap("docs/", "src/docs/a.md"), None);
        assert_eq!(overlap("**/*.md", "user_docs/x.md"), Some(Why::Matches));
    }

    #[test]
    fn the_index_finds_every_path_that_can_meet() {
        let paths = [
            "apps/web/src/routes/mes/*",
            "apps/web/src/routes/mes/execution.tsx",
            "apps/web/",
            "apps/server/a/*",
            "**/*.md",
            "user_docs/guide.md",
            "src/{a,b}/x.ts",
            "./apps/web/src/x.ts",
        ];
        let mut idx = PathIndex::default();
        for (i, p) in paths.iter().enumerate() {
            idx.insert(p, i);
        }
        // Whatever overlap says meets, the index offers (and more is fine).
        for a in &paths {
            let mut got = Vec::new();
            idx.candidates(a, &mut got);
            for (j, b) in paths.iter().enumerate() {
                if overlap(a, b).is_some() {
                    assert!(got.contains(&j), "{a} vs {b}");
                }
            }
        }
        let mut got = Vec::new();
        idx.candidates("apps/server/b/x.ts", &mut got);
        got.sort_unstable();
        assert_eq!(got, [4], "only the root glob can meet a path elsewhere");
    }
}
