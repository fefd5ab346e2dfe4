//! Plan sources: which files are the plan (globs relative to the repository root), their
//! texts (invalid UTF-8 read lossily, with a diagnostic), and where else open tasks live.

use crate::config::Config;
use crate::plan::{self, Diagnostic, PlanText, Severity};
use crate::repo::RepoFiles;
use globset::{GlobBuilder, GlobMatcher};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("no plan file found under {root}: looked for {globs}. Name the plan with --plan GLOB or `plan = [...]` in shortlist.toml")]
    NoPlan { root: String, globs: String },
    #[error("plan glob `{glob}` is not a valid glob: {message}")]
    BadGlob { glob: String, message: String },
}

/// The plan files' texts plus what went wrong finding or reading them.
#[derive(Debug, Default)]
pub struct PlanSources {
    pub texts: Vec<PlanText>,
    pub diagnostics: Vec<Diagnostic>,
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

/// A configured file name (no glob characters) means that file exactly. A default name
/// is matched like the default globs, ignoring case (`plan.md`, `docs/Roadmap.md`).
fn names_one_file(cfg: &Config, g: &str) -> bool {
    !is_glob(g) && !cfg.plan_globs_default
}

/// A configured plan glob as discovery matches it: `*` stays within one directory, and
/// the default globs ignore case.
fn plan_glob(cfg: &Config, glob: &str) -> Result<GlobMatcher, globset::Error> {
    Ok(GlobBuilder::new(glob)
        .literal_separator(true)
        .case_insensitive(cfg.plan_globs_default)
        .build()?
        .compile_matcher())
}

/// Paths matching the configured globs, in glob order then path order.
pub fn plan_paths(
    cfg: &Config,
    files: &RepoFiles,
) -> Result<(Vec<String>, Vec<Diagnostic>), SourceError> {
    let mut paths: Vec<String> = Vec::new();
    let mut diags = Vec::new();
    for g in &cfg.plan_globs {
        let g = g.trim_start_matches("./");
        // (Found, or said to be missing.)
        if names_one_file(cfg, g) {
            if cfg.root.join(g).is_file() {
                if !paths.iter().any(|p| p == g) {
                    paths.push(g.to_string());
                }
            } else {
                diags.push(Diagnostic {
                    severity: Severity::Error,
                    file: g.to_string(),
                    line: 0,
                    message: format!("plan file `{g}` does not exist under the repository root; check the path (it is relative to the repository root)"),
                });
            }
            continue;
        }
        let glob = plan_glob(cfg, g).map_err(|e| SourceError::BadGlob {
            glob: g.to_string(),
            message: e.kind().to_string(),
        })?;
        let before = paths.len();
        for f in &files.files {
            if glob.is_match(f) && !paths.contains(f) {
                // A `tasks/tasks.json` found by default that is not Taskmaster's (an
                // editor's task runner, say) is not a plan.
                if cfg.plan_globs_default && f.ends_with(".json") && !taskmaster_like(&cfg.root, f)
                {
                    continue;
                }
                paths.push(f.clone());
            }
        }
        if paths.len() == before && !cfg.plan_globs_default {
            diags.push(Diagnostic {
                severity: Severity::Warning,
                file: g.to_string(),
                line: 0,
                message: format!("plan glob `{g}` matches no file"),
            });
        }
    }
    Ok((paths, diags))
}

/// Whether a change to any of the `changed` files (edited, added or removed) may change
/// the plan read from `plan_files`: one of them, a file the plan globs would find, or
/// the spec or proposal that names a spec tool's track.
pub fn may_change_plan(cfg: &Config, plan_files: &[String], changed: &[String]) -> bool {
    // The globs are built once for all the changed paths (a checkout changes thousands).
    enum Finds<'g> {
        File(&'g str),
        Glob(GlobMatcher),
    }
    let finds: Vec<Finds> = cfg
        .plan_globs
        .iter()
        .filter_map(|g| {
            let g = g.trim_start_matches("./");
            match names_one_file(cfg, g) {
                true => Some(Finds::File(g)),
                // A glob that does not build finds nothing (the read says why).
                false => plan_glob(cfg, g).ok().map(Finds::Glob),
            }
        })
        .collect();
    changed.iter().any(|path| {
        let name = path.rsplit('/').next().unwrap_or(path);
        plan_files.contains(path)
            || matches!(name, "spec.md" | "proposal.md")
            || finds.iter().any(|f| match f {
                Finds::File(file) => file == path,
                Finds::Glob(glob) => glob.is_match(path),
            })
    })
}

/// A JSON file that may be Taskmaster's: it names `tasks` with `title`s. (A look at its
/// first 64 KiB; the reader checks the shape for real.)
fn taskmaster_like(root: &Path, rel: &str) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    let read =
        std::fs::File::open(root.join(rel)).and_then(|f| f.take(64 << 10).read_to_end(&mut head));
    let head = String::from_utf8_lossy(&head);
    read.is_ok() && head.contains("\"tasks\"") && head.contains("\"title\"")
}

/// Find and read the plan files.
pub fn load(cfg: &Config, files: &RepoFiles) -> Result<PlanSources, SourceError> {
    let (paths, mut diagnostics) = plan_paths(cfg, files)?;
    let mut texts = Vec::new();
    for p in &paths {
        match read_text(&cfg.root, p) {
            Ok((text, diag)) => {
                diagnostics.extend(diag);
                let title = spec_title(&cfg.root, p, &text);
                texts.push(PlanText {
                    path: p.clone(),
                    text,
                    title,
                });
            }
            Err(d) => diagnostics.push(d),
        }
    }
    if texts.is_empty() && diagnostics.iter().all(|d| d.severity != Severity::Error) {
        return Err(SourceError::NoPlan {
            root: cfg.root.display().to_string(),
            globs: cfg.plan_globs.join(", "),
        });
    }
    Ok(PlanSources { texts, diagnostics })
}

/// The title of the spec a spec-tool file belongs to (its `spec.md` or `proposal.md`),
/// which names its track.
fn spec_title(root: &Path, path: &str, text: &str) -> Option<String> {
    let format = plan::format::detect(path, text);
    let side = plan::format::title_file(path, format)?;
    let meta = std::fs::metadata(root.join(&side)).ok()?;
    if meta.len() > 1 << 20 {
        return None;
    }
    let side_text = std::fs::read_to_string(root.join(&side)).ok()?;
    plan::format::title_of(&side_text)
}

/// A file's text; invalid UTF-8 is replaced (and reported with its line), so the rest of
/// the file still parses.
pub fn read_text(root: &Path, rel: &str) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    let bytes = std::fs::read(root.join(rel)).map_err(|e| Diagnostic {
        severity: Severity::Error,
        file: rel.to_string(),
        line: 0,
        message: format!("cannot read plan file: {e}"),
    })?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok((s, None)),
        Err(e) => {
            let bad = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = bytes[..bad].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            Ok((
                text,
                Some(Diagnostic {
                    severity: Severity::Error,
                    file: rel.to_string(),
                    line,
                    message: "invalid UTF-8 (first bad byte on this line); read with replacement characters, save the file as UTF-8".into(),
                }),
            ))
        }
    }
}

/// Markdown files outside the chosen plan that hold open tasks: (path, open task count),
/// most open first. Used when the chosen plan holds nothing open.
pub fn open_elsewhere(cfg: &Config, files: &RepoFiles, chosen: &[String]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for f in files
        .files
        .iter()
        .filter(|f| f.to_ascii_lowercase().ends_with(".md"))
        .take(5000)
    {
        if chosen.contains(f) {
            continue;
        }
        let Ok(meta) = std::fs::metadata(cfg.root.join(f)) else {
            continue;
        };
        if meta.len() > 4 << 20 {
            continue;
        }
        let Ok((text, _)) = read_text(&cfg.root, f) else {
            continue;
        };
        // Cheap pre-filter: a file with no checkbox and no table cannot hold tasks.
        if !text.contains("[ ]") && !text.contains("[~]") && !text.contains('|') {
            continue;
        }
        let p = plan::parse_str(f, &text);
        let open = (0..p.tasks.len()).filter(|&t| !p.is_finished(t)).count();
        if open > 0 {
            out.push((f.clone(), open));
        }
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileConfig;

    #[test]
    fn a_new_file_under_a_default_name_in_any_case_may_be_the_plan() {
        let cfg = Config::resolve(FileConfig::default(), "/repo".into(), None);
        for path in ["plan.md", "PLAN.md", "docs/Roadmap.md", "docs/plan/x.md"] {
            assert!(may_change_plan(&cfg, &[], &[path.to_string()]), "{path}");
        }
        for path in ["src/plan.rs", "docs/guide/plan.md", "notes/todo.txt"] {
            assert!(!may_change_plan(&cfg, &[], &[path.to_string()]), "{path}");
        }
        // A configured name means that file exactly.
        let named = FileConfig {
            plan: Some(vec!["docs/PLAN.md".into()]),
            ..FileConfig::default()
        };
        let cfg = Config::resolve(named, "/repo".into(), None);
        assert!(may_change_plan(&cfg, &[], &["docs/PLAN.md".to_string()]));
        assert!(!may_change_plan(&cfg, &[], &["docs/plan.md".to_string()]));
    }
}
