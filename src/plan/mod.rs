//! The plan engine: markdown plan texts → [`Plan`] (tracks, tasks, checkpoints, open
//! questions, criteria) with diagnostics. No IO: callers hand in the texts.
//!
//! One pass per file turns markdown into blocks (`blocks`) and blocks into plan items
//! (`build`), reading the words of `vocabulary`; one pass over the whole plan then
//! resolves what refers across it (`resolve`).

mod blocks;
mod build;
mod diff;
pub mod format;
mod frontmatter;
mod model;
mod resolve;
mod taskmaster;
pub mod vocabulary;

pub use blocks::options as markdown_options;
pub use diff::{diff, EventKind, TaskChange};
pub use model::*;
pub use resolve::{outside_repo, question_id, FileIndex};

/// One plan file's text, with its path relative to the repository root.
#[derive(Debug, Clone)]
pub struct PlanText {
    pub path: String,
    pub text: String,
    /// The title of the spec beside a spec-tool file (`spec.md`, `proposal.md`), which
    /// names its track; the directory names it otherwise.
    pub title: Option<String>,
}

impl PlanText {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> PlanText {
        PlanText {
            path: path.into(),
            text: text.into(),
            title: None,
        }
    }
}

/// Parse plan files into one plan. Never fails: what cannot be read becomes a
/// diagnostic. `files`, when given, is used to warn about touch points naming no file.
pub fn parse(texts: &[PlanText], files: Option<&dyn FileIndex>) -> Plan {
    let mut plan = Plan {
        files: texts
            .iter()
            .map(|t| PlanFile {
                path: t.path.clone(),
                meta: Vec::new(),
                format: Format::Markdown,
            })
            .collect(),
        ..Plan::default()
    };
    // Tasks are large: growing their vector by doubling would copy them again and again.
    // Plans run about one task per 100–200 bytes.
    plan.tasks
        .reserve(texts.iter().map(|t| t.text.len() / 128).sum::<usize>());
    let mut refs = build::Refs::default();
    for (i, t) in texts.iter().enumerate() {
        let format = format::detect(&t.path, &t.text);
        plan.files[i].format = format;
        match format {
            Format::BacklogMd => frontmatter::read_backlog(&mut plan, &mut refs, i, &t.text),
            Format::Bmad => frontmatter::read_bmad(&mut plan, &mut refs, i, &t.text),
            Format::Taskmaster => taskmaster::read(&mut plan, &mut refs, i, &t.text),
            _ => {
                let title = t.title.as_deref();
                let mut b = build::FileBuilder::new(&mut plan, &mut refs, files, i, format, title);
                blocks::parse(&t.text, |block| b.block(block));
                b.finish();
            }
        }
    }
    resolve::finalize(&mut plan, refs);
    plan
}

/// Parse one markdown text (tests, benches, and "which files hold open tasks").
pub fn parse_str(path: &str, text: &str) -> Plan {
    parse(&[PlanText::new(path, text)], None)
}
