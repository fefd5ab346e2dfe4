//! Which tool wrote a plan file (PLAN_FORMAT.md §7): known by where the file lives,
//! and for a file named with `--plan` elsewhere, by what it holds.

use super::model::Format;

/// The format of the file at `path` (relative to the repository root) holding `text`.
pub fn detect(path: &str, text: &str) -> Format {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let parts: Vec<&str> = lower.split('/').collect();
    let under = |dir: &[&str]| {
        parts
            .windows(dir.len())
            .take(parts.len().saturating_sub(dir.len()))
            .any(|w| w == dir)
    };
    if name.ends_with(".json") {
        return Format::Taskmaster;
    }
    if name == "sprint-status.yaml" || name == "sprint-status.yml" {
        return Format::Bmad;
    }
    if !name.ends_with(".md") && !name.ends_with(".markdown") {
        return Format::Markdown;
    }
    let backlog_dir = ["tasks", "completed", "drafts", "archive"]
        .iter()
        .any(|d| under(&["backlog", d]));
    // (Without front matter too: the reader says what is missing.)
    if backlog_dir {
        return Format::BacklogMd;
    }
    if name == "tasks.md" {
        if under(&[".kiro", "specs"]) {
            return Format::Kiro;
        }
        if under(&["openspec", "changes"]) {
            return Format::OpenSpec;
        }
        if under(&["specs"]) {
            return Format::SpecKit;
        }
    }
    if name == "roadmap.md" && under(&[".planning"]) {
        return Format::Gsd;
    }
    // A `tasks.md` elsewhere (named with --plan, or the root's): what the text holds.
    // Any other name is a hand-written plan, whatever its words.
    if name == "tasks.md" {
        if looks_like_spec_kit(text) {
            return Format::SpecKit;
        }
        if text.contains("_Requirements:") || text.contains("_Requirements_:") {
            return Format::Kiro;
        }
    }
    Format::Markdown
}

/// The file opens with a `---` line.
pub fn starts_with_front_matter(text: &str) -> bool {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    t.starts_with("---\n") || t.starts_with("---\r\n")
}

/// Spec Kit's marks: `- [ ] T001 [P]` task lines under `## Phase` headings.
fn looks_like_spec_kit(text: &str) -> bool {
    let mut ids = 0;
    let mut phases = 0;
    for l in text.lines().take(400) {
        let t = l.trim_start();
        if t.starts_with("## Phase ") || t.starts_with("### Phase ") {
            phases += 1;
        }
        let rest = t
            .strip_prefix("- [ ] ")
            .or_else(|| t.strip_prefix("- [x] "))
            .or_else(|| t.strip_prefix("- [X] "));
        if let Some(r) = rest {
            let r = r.trim_start_matches('*');
            let b = r.as_bytes();
            if b.len() > 4 && b[0] == b'T' && b[1..4].iter().all(u8::is_ascii_digit) {
                ids += 1;
            }
        }
    }
    phases >= 1 && ids >= 3
}

/// The directory a spec-tool file names its track after: `specs/001-export/tasks.md`
/// → `001-export`.
pub fn track_dir(path: &str) -> Option<&str> {
    let mut it = path.rsplit('/');
    it.next()?;
    it.next().filter(|d| !d.is_empty())
}

/// An OpenSpec change that was archived: finished, whatever its boxes say.
pub fn is_archived_change(path: &str) -> bool {
    path.contains("openspec/changes/archive/")
}

/// A Backlog.md task that was completed (moved to `backlog/completed/`).
pub fn is_completed_backlog(path: &str) -> bool {
    path.contains("backlog/completed/")
}

/// The title of a spec or proposal file: its first `# ` heading, without the tools'
/// boilerplate (`Feature Specification:`, `Change:`, `Proposal:`).
pub fn title_of(text: &str) -> Option<String> {
    let line = text
        .lines()
        .take(60)
        .find_map(|l| l.trim_start().strip_prefix("# "))?;
    let mut t = line.trim();
    for prefix in [
        "Feature Specification:",
        "Feature Spec:",
        "Specification:",
        "Change Proposal:",
        "Proposal:",
        "Change:",
        "Requirements Document:",
        "Requirements:",
    ] {
        if t.get(..prefix.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
        {
            t = t[prefix.len()..].trim();
            break;
        }
    }
    let t = t.trim_matches(['*', '`', ' ']);
    (!t.is_empty()).then(|| t.chars().take(120).collect())
}

/// The file that names a spec-tool file's track (`spec.md` beside a Spec Kit
/// `tasks.md`, `proposal.md` beside an OpenSpec one), relative to the root.
pub fn title_file(path: &str, format: Format) -> Option<String> {
    let dir = path.rsplit_once('/')?.0;
    match format {
        Format::SpecKit => Some(format!("{dir}/spec.md")),
        Format::OpenSpec => Some(format!("{dir}/proposal.md")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_place() {
        assert_eq!(detect("specs/001-a/tasks.md", ""), Format::SpecKit);
        assert_eq!(detect(".kiro/specs/x/tasks.md", ""), Format::Kiro);
        assert_eq!(detect("openspec/changes/x/tasks.md", ""), Format::OpenSpec);
        assert_eq!(
            detect("backlog/tasks/task-1 - A.md", "---\nid: task-1\n---\n"),
            Format::BacklogMd
        );
        assert_eq!(detect("tasks/tasks.json", "{}"), Format::Taskmaster);
        assert_eq!(detect("docs/sprint-status.yaml", ""), Format::Bmad);
        assert_eq!(detect(".planning/ROADMAP.md", ""), Format::Gsd);
        assert_eq!(detect("PLAN.md", "- [ ] 1.1 x"), Format::Markdown);
        // `specs/tasks.md` has no feature directory.
        assert_eq!(detect("tasks.md", ""), Format::Markdown);
    }

    #[test]
    fn titles() {
        assert_eq!(
            title_of("# Feature Specification: Invoice Export\n").as_deref(),
            Some("Invoice Export")
        );
        assert_eq!(
            title_of("# Change: Add rate limiting\n## Why").as_deref(),
            Some("Add rate limiting")
        );
        assert_eq!(track_dir("specs/001-a/tasks.md"), Some("001-a"));
        // A title shorter than a prefix, or with wide characters where one would end.
        assert_eq!(
            title_of("# 变更：限流功能上线准备\n").as_deref(),
            Some("变更：限流功能上线准备")
        );
        assert_eq!(title_of("# Ch\n").as_deref(), Some("Ch"));
    }
}
