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

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Lit(String),
    /// One segment with wildcards.
    Wild(String),
    /// `**`: any number of segments.
    Any,
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// `a/{b,c}/d` → `a/b/d`, `a/c/d` (nested braces expanded too; at most 64 results).
fn expand_braces(p: &str) -> Vec<String> {
    let Some(open) = p.find('{') else {
        return vec![p.to_string()];
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
        return vec![p.to_string()];
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
        for rest in expand_braces(&format!("{}{a}{}", &p[..open], &p[close + 1..])) {
            if out.len() < 64 {
                out.push(rest);
            }
        }
    }
    out
}

fn segments(p: &str) -> Vec<Seg> {
    let p = p.trim().trim_start_matches("./").trim_end_matches('/');
    let mut out: Vec<Seg> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .map(|s| {
            if s == "**" {
                Seg::Any
            } else if is_glob(s) {
                Seg::Wild(s.to_string())
            } else {
                Seg::Lit(s.to_string())
            }
        })
        .collect();
    // Everything under a named path belongs to it (a directory holds its files).
    out.push(Seg::Any);
    out
}

/// Single-segment wildcard match (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`).
fn seg_match(pat: &[char], s: &[char]) -> bool {
    match pat.first() {
        None => s.is_empty(),
        Some('*') => (0..=s.len()).any(|i| seg_match(&pat[1..], &s[i..])),
        Some('?') => !s.is_empty() && seg_match(&pat[1..], &s[1..]),
        Some('[') => {
            let Some(end) = pat.iter().skip(2).position(|&c| c == ']').map(|e| e + 2) else {
                return !s.is_empty() && s[0] == '[' && seg_match(&pat[1..], &s[1..]);
            };
            let Some(&c) = s.first() else { return false };
            let mut set = &pat[1..end];
            let negate = matches!(set.first(), Some('!') | Some('^'));
            if negate {
                set = &set[1..];
            }
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == '-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            hit != negate && seg_match(&pat[end + 1..], &s[1..])
        }
        Some(&c) => !s.is_empty() && s[0] == c && seg_match(&pat[1..], &s[1..]),
    }
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
            let p: Vec<char> = w.chars().collect();
            let s: Vec<char> = l.chars().collect();
            seg_match(&p, &s)
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

fn unify(a: &[Seg], b: &[Seg], memo: &mut std::collections::HashMap<(usize, usize), bool>) -> bool {
    let key = (a.len(), b.len());
    if let Some(&v) = memo.get(&key) {
        return v;
    }
    let v = match (a.first(), b.first()) {
        (None, None) => true,
        (Some(Seg::Any), _) => {
            unify(&a[1..], b, memo) || (!b.is_empty() && unify(a, &b[1..], memo))
        }
        (_, Some(Seg::Any)) => {
            unify(a, &b[1..], memo) || (!a.is_empty() && unify(&a[1..], b, memo))
        }
        (None, _) | (_, None) => false,
        (Some(x), Some(y)) => seg_compat(x, y) && unify(&a[1..], &b[1..], memo),
    };
    memo.insert(key, v);
    v
}

/// Whether two touch points can name the same file, and why.
pub fn overlap(a: &str, b: &str) -> Option<Why> {
    let norm = |p: &str| p.trim().trim_start_matches("./").to_string();
    let (a, b) = (norm(a), norm(b));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (ga, gb) = (is_glob(&a), is_glob(&b));
    let hit = expand_braces(&a).iter().any(|x| {
        expand_braces(&b).iter().any(|y| {
            let (sx, sy) = (segments(x), segments(y));
            unify(&sx, &sy, &mut std::collections::HashMap::new())
        })
    });
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
}
