//! The repository in words: the checkout's git status callouts, the worktree scan, and
//! "code may already exist" marks.

use crate::repo::staleness::Stale;
use crate::repo::{CheckoutStatus, Counts, RepoReport, RepoState, Worktree, WorktreeState};
use serde_json::{json, Value};
use std::fmt::Write;

use super::plural;

fn code_list(v: &[String], max: usize) -> String {
    let mut parts: Vec<String> = v.iter().take(max).map(|p| format!("`{p}`")).collect();
    if v.len() > max {
        parts.push(format!("and {} more", v.len() - max));
    }
    parts.join(", ")
}

/// `1 staged, 2 modified, 3 untracked` (zero counts left out).
fn count_words(n: &Counts, untracked: bool) -> String {
    let all = [
        (n.staged, "staged"),
        (n.unstaged, "modified"),
        (if untracked { n.untracked } else { 0 }, "untracked"),
        (n.conflicted, "conflicted"),
    ];
    all.iter()
        .filter(|(k, _)| *k > 0)
        .map(|(k, w)| format!("{k} {w}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line each: the things about the checkout a person should know before picking work.
pub fn callouts(c: &CheckoutStatus) -> Vec<String> {
    let mut out = Vec::new();
    let head = if c.head.unborn {
        format!(
            "Branch `{}` has no commits yet",
            c.head.branch.as_deref().unwrap_or("?")
        )
    } else if let Some(b) = &c.head.branch {
        match &c.upstream {
            Some(u) if u.ahead == 0 && u.behind == 0 => {
                format!("Branch `{b}` is up to date with `{}`", u.name)
            }
            Some(u) => {
                let mut parts = Vec::new();
                if u.ahead > 0 {
                    parts.push(format!(
                        "ahead of `{}` by {}",
                        u.name,
                        plural(u.ahead, "commit", "commits")
                    ));
                }
                if u.behind > 0 {
                    parts.push(format!(
                        "behind `{}` by {}",
                        u.name,
                        plural(u.behind, "commit", "commits")
                    ));
                }
                format!("Branch `{b}` is {}", parts.join(" and "))
            }
            None => format!("Branch `{b}` has no upstream"),
        }
    } else {
        format!(
            "HEAD is detached at `{}` (no branch: commits made here are easy to lose)",
            c.head.detached_at.as_deref().unwrap_or("?")
        )
    };
    out.push(head);
    let changes = count_words(&c.counts, false);
    if !changes.is_empty() {
        out.push(format!("Uncommitted changes: {changes}"));
    }
    if c.untracked_total > 0 {
        let more = c.untracked_total.saturating_sub(c.untracked_paths.len());
        let mut list = code_list(&c.untracked_paths, c.untracked_paths.len());
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        out.push(format!(
            "Untracked: {}: {list}",
            plural(c.untracked_total, "file", "files")
        ));
    }
    if !c.plan_modified.is_empty() {
        out.push(format!(
            "Plan has uncommitted edits: {} (this triage reads the working-tree version)",
            code_list(&c.plan_modified, 10)
        ));
    }
    for p in &c.problems {
        out.push(format!("Problem: {p}"));
    }
    out
}

/// `feat/x` / `detached at abc1234`.
fn on(w: &Worktree) -> String {
    w.head.describe()
}

/// The facts of one worktree in one line (no leading bullet).
pub fn worktree_line(w: &Worktree) -> String {
    worktree_line_in(w, super::Medium::Terminal)
}

/// [`worktree_line`], without the server path in chat.
fn worktree_line_in(w: &Worktree, medium: super::Medium) -> String {
    let mut parts = Vec::new();
    if w.dirty {
        parts.push(format!("dirty ({})", count_words(&w.counts, true)));
    } else if w.exists && w.state != WorktreeState::Unreadable {
        parts.push("clean".to_string());
    }
    if let (Some(base), Some(a), Some(b)) = (&w.base, w.ahead, w.behind) {
        match (a, b) {
            (0, 0) => parts.push(format!("at `{base}`")),
            (a, 0) => parts.push(format!("{a} ahead of `{base}`")),
            (0, b) => parts.push(format!("{b} behind `{base}`")),
            (a, b) => parts.push(format!("{a} ahead, {b} behind `{base}`")),
        }
    }
    if w.locked {
        parts.push(match &w.lock_reason {
            Some(r) => format!("locked ({r})"),
            None => "locked".to_string(),
        });
    }
    let mut line = match medium {
        super::Medium::Terminal => format!(
            "`{}` on `{}` — `{}`: {}",
            w.name,
            on(w),
            w.path,
            parts.join(", ")
        ),
        super::Medium::Chat => format!("`{}` on `{}`: {}", w.name, on(w), parts.join(", ")),
    };
    if let Some(c) = &w.last_commit {
        let _ = write!(
            line,
            "; last commit `{}` “{}” ({})",
            c.id, c.subject, c.time
        );
    }
    if !w.areas.is_empty() {
        let _ = write!(line, "; areas: {}", w.areas.join(", "));
    }
    if w.in_flight && !w.changed_files.is_empty() {
        let _ = write!(
            line,
            "; changed {}: {}",
            plural(w.changed_files.len(), "file", "files"),
            code_list(&w.changed_files, 8)
        );
    }
    if let Some(e) = &w.error {
        let _ = write!(line, "; problem: {e}");
    }
    line
}

/// `shortlist status` in markdown.
pub fn status_md(c: &CheckoutStatus, medium: super::Medium) -> String {
    let shown = match medium {
        super::Medium::Terminal => c.path.as_str(),
        super::Medium::Chat => super::short_path(&c.path),
    };
    let mut out = format!("# Status of `{shown}`\n\n");
    for l in callouts(c) {
        let _ = writeln!(out, "- {l}");
    }
    let n = &c.counts;
    let _ = writeln!(
        out,
        "- Counts: {} staged, {} unstaged, {} untracked, {} conflicted",
        n.staged, n.unstaged, n.untracked, n.conflicted
    );
    out
}

/// `shortlist worktrees` in markdown.
pub fn worktrees_md(s: &RepoState, medium: super::Medium) -> String {
    let mut out = String::new();
    let root = match medium {
        super::Medium::Terminal => s.root.as_str(),
        super::Medium::Chat => super::short_path(&s.root),
    };
    let linked = s.worktrees.iter().filter(|w| !w.main).count();
    let _ = writeln!(
        out,
        "# Worktrees of `{}`: {} linked, {} in flight{}\n",
        root,
        linked,
        s.in_flight().count(),
        match &s.base {
            Some(b) => format!(" (base `{}`)", b.name),
            None => " (no base ref)".to_string(),
        }
    );
    type Pick = fn(&Worktree) -> bool;
    let groups: [(&str, Pick); 4] = [
        ("In flight", |w| w.in_flight),
        ("Nothing left — safe to remove", |w| {
            w.state.safe_to_remove()
        }),
        ("Deleted or unreadable", |w| {
            matches!(w.state, WorktreeState::Missing | WorktreeState::Unreadable)
        }),
        ("Other", |w| {
            matches!(w.state, WorktreeState::Current | WorktreeState::Clean)
        }),
    ];
    for (title, pick) in groups {
        let ws: Vec<&Worktree> = s.worktrees.iter().filter(|w| pick(w)).collect();
        if ws.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        for w in ws {
            let tag = match w.state {
                WorktreeState::Current => " (current)",
                WorktreeState::Merged => " (merged)",
                WorktreeState::NothingLeft => " (tip already in the base)",
                WorktreeState::Missing => " (directory deleted — prunable)",
                WorktreeState::Unreadable => " (unreadable)",
                _ => "",
            };
            let _ = writeln!(out, "- {}{tag}", worktree_line_in(w, medium));
        }
        out.push('\n');
    }
    for p in &s.problems {
        let _ = writeln!(out, "Problem: {p}");
    }
    out
}

/// The triage's repository section in markdown.
pub fn triage_section(out: &mut String, r: &RepoReport, medium: super::Medium) {
    let _ = writeln!(out, "## Repository\n");
    repo_bullets(out, r, medium);
    out.push('\n');
}

/// Worktree scan and git status callouts as a bullet list (the triage's repository
/// section, a note's `## Plan`).
pub fn repo_bullets(out: &mut String, r: &RepoReport, medium: super::Medium) {
    let Some(s) = &r.state else {
        if let Some(why) = &r.unavailable {
            let _ = writeln!(out, "- No git state: {why}");
        }
        return;
    };
    let _ = writeln!(out, "- Worktree scan:");
    let _ = writeln!(
        out,
        "  - Current: `{}` ({})",
        match medium {
            super::Medium::Terminal => s.checkout.path.as_str(),
            super::Medium::Chat => super::short_path(&s.checkout.path),
        },
        s.checkout.head.describe()
    );
    let flying: Vec<&Worktree> = s.in_flight().collect();
    if flying.is_empty() {
        let _ = writeln!(out, "  - In-flight worktrees: none");
    } else {
        let _ = writeln!(out, "  - In-flight worktrees:");
        for w in flying {
            let _ = writeln!(out, "    - {}", worktree_line(w));
        }
    }
    let done: Vec<String> = s
        .worktrees
        .iter()
        .filter(|w| w.state.safe_to_remove())
        .map(|w| {
            format!(
                "`{}` (`{}`{})",
                w.name,
                on(w),
                if w.state == WorktreeState::Merged {
                    ", merged"
                } else {
                    ""
                }
            )
        })
        .collect();
    if !done.is_empty() {
        let _ = writeln!(out, "  - Nothing left, safe to remove: {}", done.join(", "));
    }
    for w in s
        .worktrees
        .iter()
        .filter(|w| w.state == WorktreeState::Missing)
    {
        let _ = writeln!(out, "  - Deleted: `{}` (`{}`) — prunable", w.name, w.path);
    }
    let _ = writeln!(out, "- Git status (callout):");
    for l in callouts(&s.checkout) {
        let _ = writeln!(out, "  - {l}");
    }
    for p in s.problems.iter().chain(&r.problems) {
        let _ = writeln!(out, "- Problem: {p}");
    }
}

/// "code may already exist" for one task, one line.
pub fn stale_line(s: &Stale) -> String {
    let p = &s.paths[0];
    let mut line = format!(
        "code may already exist: `{}` changed in `{}` “{}” ({}) after the task was written ({})",
        p.path,
        p.commit,
        p.subject,
        p.time.format("%Y-%m-%d"),
        s.written.format("%Y-%m-%d")
    );
    if s.paths.len() > 1 {
        let more: Vec<String> = s.paths[1..]
            .iter()
            .map(|p| format!("`{}`", p.path))
            .collect();
        let _ = write!(line, "; also {}", more.join(", "));
    }
    line
}

pub fn status_json(c: &CheckoutStatus) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("schema".into(), json!("shortlist.status/1"));
        m.insert("callouts".into(), json!(callouts(c)));
    }
    v
}

pub fn worktrees_json(s: &RepoState) -> Value {
    json!({
        "schema": "shortlist.worktrees/1",
        "root": s.root,
        "base": s.base.as_ref().map(|b| b.name.clone()),
        "worktrees": s.worktrees,
        "problems": s.problems,
    })
}

/// The `repo` object of the triage document.
pub fn triage_repo_json(r: &RepoReport) -> Value {
    match &r.state {
        Some(s) => json!({
            "root": s.root,
            "checkout": s.checkout,
            "callouts": callouts(&s.checkout),
            "base": s.base.as_ref().map(|b| b.name.clone()),
            "problems": s.problems.iter().chain(&r.problems).collect::<Vec<_>>(),
            "stale": r.stale,
        }),
        None => json!({
            "unavailable": r.unavailable,
            "problems": r.problems,
            "stale": r.stale,
        }),
    }
}
