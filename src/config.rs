//! Configuration: a TOML file (every key optional) plus defaults and command-line
//! overrides. Paths in it are relative to the repository root. The bot token is never
//! read from this file.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Plan globs used when neither the config nor `--plan` names any (matched ignoring
/// case: `plan.md` and `docs/Roadmap.md` are found too).
pub const DEFAULT_PLAN_GLOBS: &[&str] = &[
    "PLAN.md",
    "TODO.md",
    "ROADMAP.md",
    "tasks.md",
    "docs/PLAN.md",
    "docs/TODO.md",
    "docs/ROADMAP.md",
    "plan/**/*.md",
    "docs/**/plan/**/*.md",
    "**/plan/*.md",
    // The spec-driven tools' files (PLAN_FORMAT.md §7).
    "specs/*/tasks.md",
    ".kiro/specs/*/tasks.md",
    "openspec/changes/*/tasks.md",
    "backlog/tasks/**/*.md",
    "backlog/completed/**/*.md",
    ".taskmaster/tasks/tasks.json",
    "tasks/tasks.json",
    "**/sprint-status.yaml",
    ".planning/ROADMAP.md",
];

/// Documentation globs: a track touching only these is parallel with anything.
pub const DEFAULT_DOC_GLOBS: &[&str] = &["**/*.md", "docs/**", "user_docs/**"];

/// Config file names looked for at the repository root when `--config` is not given.
pub const CONFIG_NAMES: &[&str] = &["shortlist.toml", ".shortlist.toml"];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortlistSizes {
    /// Fewest candidates to offer (when that many are open).
    #[serde(default = "d_min_candidates")]
    pub min_candidates: usize,
    #[serde(default = "d_max_candidates")]
    pub max_candidates: usize,
    #[serde(default = "d_min_tracks")]
    pub min_tracks: usize,
    #[serde(default = "d_max_tracks")]
    pub max_tracks: usize,
    /// Most candidates taken from one track.
    #[serde(default = "d_per_track")]
    pub per_track: usize,
}

fn d_min_candidates() -> usize {
    3
}
fn d_max_candidates() -> usize {
    5
}
fn d_min_tracks() -> usize {
    2
}
fn d_max_tracks() -> usize {
    4
}
fn d_per_track() -> usize {
    2
}

impl Default for ShortlistSizes {
    fn default() -> Self {
        ShortlistSizes {
            min_candidates: d_min_candidates(),
            max_candidates: d_max_candidates(),
            min_tracks: d_min_tracks(),
            max_tracks: d_max_tracks(),
            per_track: d_per_track(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// Guild ids where the slash commands are registered.
    #[serde(default)]
    pub guilds: Vec<u64>,
    /// Channels the bot answers in (empty: every channel it can see).
    #[serde(default)]
    pub channels: Vec<u64>,
    /// Role names or ids allowed to write (decide, note, pick, question add, digest).
    #[serde(default)]
    pub writer_roles: Vec<String>,
    /// A file holding the token (else `DISCORD_TOKEN`). Never the token itself.
    pub token_file: Option<PathBuf>,
    /// Present only to give a clear error: tokens do not belong in the config.
    #[serde(default, skip_serializing)]
    token: Option<toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// Local time of the daily digest, `HH:MM`.
    #[serde(default = "d_digest_time")]
    pub time: String,
    /// Time zone of the digest (else the top-level `timezone`).
    pub timezone: Option<String>,
}

fn d_digest_time() -> String {
    "09:00".to_string()
}

impl Default for DigestConfig {
    fn default() -> Self {
        DigestConfig {
            time: d_digest_time(),
            timezone: None,
        }
    }
}

/// One repository a bot (or a config shared by several repositories) serves:
/// `[[repos]]`. Keys not given here come from the file's top level.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoEntry {
    /// How commands and the CLI's `--repo NAME` name it.
    pub name: String,
    /// The repository, relative to the config file's directory.
    pub path: PathBuf,
    pub plan: Option<Vec<String>>,
    pub notes_dir: Option<String>,
    /// Relative to the repository root, like the top-level key.
    pub database: Option<PathBuf>,
    pub base_ref: Option<String>,
    pub timezone: Option<String>,
    /// Discord channels that answer for this repository.
    #[serde(default)]
    pub channels: Vec<u64>,
}

/// The config file as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Repository path (relative to the config file's directory).
    pub repo: Option<PathBuf>,
    /// Plan globs, relative to the repository root.
    pub plan: Option<Vec<String>>,
    /// Base ref for worktrees' ahead/behind (else main, master, origin/main, origin/master).
    pub base_ref: Option<String>,
    /// Where conversation notes go, relative to the repository root.
    pub notes_dir: Option<String>,
    /// IANA time zone (`Asia/Shanghai`); else the machine's local zone.
    pub timezone: Option<String>,
    pub doc_globs: Option<Vec<String>>,
    /// Section names whose tasks are listed but never shortlisted.
    pub parking_sections: Option<Vec<String>>,
    /// Path prefix or glob → area name.
    #[serde(default)]
    pub areas: BTreeMap<String, String>,
    /// Link to a file on the web host: `{rev}`, `{path}`, `{line}`.
    pub link_template: Option<String>,
    /// SQLite database path (else the platform data directory, keyed by repository).
    pub database: Option<PathBuf>,
    /// Days a claim (a pick) holds its task before it is shown as stale (default 7).
    pub claim_days: Option<u32>,
    /// Days a question stays in the default lists (default 30; older ones only with
    /// `questions --all`).
    pub question_days: Option<u32>,
    /// Which notes (file-name globs in the notes directory) are triage notes whose open
    /// questions count, besides those shortlist wrote (default `*triage*`).
    pub question_notes: Option<Vec<String>>,
    /// Whether the bot watches the repository through file notifications (default
    /// true). Turn it off where notifications miss changes, as on network filesystems:
    /// the bot then scans for every command.
    pub watch: Option<bool>,
    #[serde(default)]
    pub shortlist: Option<ShortlistSizes>,
    #[serde(default)]
    pub discord: Option<DiscordConfig>,
    #[serde(default)]
    pub digest: Option<DigestConfig>,
    /// Several repositories served from one config (one bot for all of them).
    #[serde(default)]
    pub repos: Vec<RepoEntry>,
}

impl FileConfig {
    /// This file with one `[[repos]]` entry's keys over the top-level ones.
    pub fn for_entry(&self, e: &RepoEntry) -> FileConfig {
        let mut f = self.clone();
        f.repos = Vec::new();
        f.repo = None;
        if e.plan.is_some() {
            f.plan = e.plan.clone();
        }
        if e.notes_dir.is_some() {
            f.notes_dir = e.notes_dir.clone();
        }
        if e.database.is_some() {
            f.database = e.database.clone();
        }
        if e.base_ref.is_some() {
            f.base_ref = e.base_ref.clone();
        }
        if e.timezone.is_some() {
            f.timezone = e.timezone.clone();
        }
        f
    }
}

/// The configuration in effect: file values, then defaults, then flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// Repository root (absolute).
    pub root: PathBuf,
    /// Where the config came from, if a file was read.
    pub source: Option<PathBuf>,
    pub plan_globs: Vec<String>,
    /// True when the globs are the built-in defaults (matched case-insensitively).
    pub plan_globs_default: bool,
    pub base_ref: Option<String>,
    pub notes_dir: String,
    pub timezone: Option<String>,
    pub doc_globs: Vec<String>,
    pub parking_sections: Vec<String>,
    pub areas: BTreeMap<String, String>,
    pub link_template: Option<String>,
    pub database: Option<PathBuf>,
    pub claim_days: u32,
    pub question_days: u32,
    pub question_notes: Vec<String>,
    pub shortlist: ShortlistSizes,
    pub discord: DiscordConfig,
    pub digest: DigestConfig,
    /// The bot watches the repository (see [`FileConfig::watch`]).
    pub watch: bool,
}

impl FileConfig {
    pub fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
        let cfg: FileConfig = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        if cfg.discord.as_ref().is_some_and(|d| d.token.is_some()) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: "[discord] token: the bot token must not be written in the config; set DISCORD_TOKEN or name a file with token_file".into(),
            });
        }
        if let Some(s) = &cfg.shortlist {
            if s.min_candidates > s.max_candidates
                || s.min_tracks > s.max_tracks
                || s.per_track == 0
            {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message:
                        "[shortlist]: min_* must not exceed max_*, and per_track must be at least 1"
                            .into(),
                });
            }
        }
        if let Some(tz) = &cfg.timezone {
            if tz.parse::<chrono_tz::Tz>().is_err() {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: format!("timezone `{tz}` is not an IANA time zone name (e.g. Asia/Shanghai, Europe/Berlin)"),
                });
            }
        }
        for (i, e) in cfg.repos.iter().enumerate() {
            let bad = if e.name.trim().is_empty() {
                Some("[[repos]] entry without a `name`".to_string())
            } else if cfg.repos[..i].iter().any(|o| o.name == e.name) {
                Some(format!("[[repos]] name `{}` is used twice", e.name))
            } else {
                None
            };
            if let Some(message) = bad {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message,
                });
            }
        }
        Ok(cfg)
    }

    pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        FileConfig::parse(&text, path)
    }
}

impl Config {
    /// Combine a file config (if any) with defaults. `root` is the repository root.
    pub fn resolve(file: FileConfig, root: PathBuf, source: Option<PathBuf>) -> Config {
        let (plan_globs, plan_globs_default) = match file.plan {
            Some(g) if !g.is_empty() => (g, false),
            _ => (
                DEFAULT_PLAN_GLOBS.iter().map(|s| s.to_string()).collect(),
                true,
            ),
        };
        Config {
            root,
            source,
            plan_globs,
            plan_globs_default,
            base_ref: file.base_ref,
            notes_dir: file.notes_dir.unwrap_or_else(|| "conversation".to_string()),
            timezone: file.timezone,
            doc_globs: file
                .doc_globs
                .unwrap_or_else(|| DEFAULT_DOC_GLOBS.iter().map(|s| s.to_string()).collect()),
            parking_sections: file.parking_sections.unwrap_or_else(|| {
                [
                    "Backlog",
                    "Ideas",
                    "Parking lot",
                    "Someday",
                    "Icebox",
                    "Later",
                    "Out of scope",
                    "想法",
                    "待定",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect()
            }),
            areas: file.areas,
            link_template: file.link_template,
            database: file.database,
            claim_days: file.claim_days.unwrap_or(7),
            question_days: file.question_days.unwrap_or(30),
            question_notes: file
                .question_notes
                .unwrap_or_else(|| vec!["*triage*".to_string()]),
            shortlist: file.shortlist.unwrap_or_default(),
            discord: file.discord.unwrap_or_default(),
            digest: file.digest.unwrap_or_default(),
            watch: file.watch.unwrap_or(true),
        }
    }

    /// `--plan GLOB` flags replace the configured globs.
    pub fn override_plan_globs(&mut self, globs: &[String]) {
        if !globs.is_empty() {
            self.plan_globs = globs.to_vec();
            self.plan_globs_default = false;
        }
    }
}

/// `at` formatted in the configured zone (IANA name, else the machine's local zone).
pub fn local_format(at: chrono::DateTime<chrono::Utc>, tz: Option<&str>, fmt: &str) -> String {
    match tz.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
        Some(z) => at.with_timezone(&z).format(fmt).to_string(),
        None => at.with_timezone(&chrono::Local).format(fmt).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("config/shortlist.example.toml"),
        )
        .expect("example config is in the repo"); // ok: unit test
        let cfg = FileConfig::parse(&text, Path::new("example.toml")).expect("example parses"); // ok: unit test
        assert_eq!(cfg.plan.as_deref().map(<[String]>::len), Some(2));
        assert_eq!(cfg.shortlist.as_ref().map(|s| s.max_candidates), Some(5));
        assert!(cfg.discord.is_some());
    }

    #[test]
    fn token_in_config_is_refused_without_echoing_it() {
        let err = FileConfig::parse("[discord]\ntoken = \"sekrit-abc\"\n", Path::new("c.toml"))
            .expect_err("token refused");
        let msg = err.to_string();
        assert!(msg.contains("DISCORD_TOKEN"), "{msg}");
        assert!(!msg.contains("sekrit"), "{msg}");
    }

    #[test]
    fn unknown_key_names_the_key_and_line() {
        let err = FileConfig::parse("plans = [\"x\"]\n", Path::new("c.toml")).expect_err("typo");
        let msg = err.to_string();
        assert!(msg.contains("plans"), "{msg}");
        assert!(msg.contains("line 1"), "{msg}");
    }

    #[test]
    fn bad_timezone_is_explained() {
        let err = FileConfig::parse("timezone = \"Mars/Base\"\n", Path::new("c.toml"))
            .expect_err("bad tz");
        assert!(err.to_string().contains("IANA"));
    }
}
