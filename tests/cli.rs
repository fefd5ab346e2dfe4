//! The CLI as a process on repositories built with git2: markdown and JSON outputs, exit
//! codes, plan discovery relative to the repository root, and bad input.

mod common;

use common::{commit_in, shortlist, Repo};
use serde_json::Value;

fn phase5_repo() -> Repo {
    let r = Repo::new();
    r.fixture("phase5.md", "docs/plan/phase5.md");
    r.write("apps/server/scripts/seed.ts", "export {}\n");
    r.write("user_docs/billing.md", "# Billing\n");
    r.commit_all("plan");
    r
}

#[test]
fn triage_markdown_groups_remaining_work_by_track() {
    let r = phase5_repo();
    let run = shortlist(r.path(), &["triage"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("triage_phase5_md", r.redact(&run.stdout));
}

#[test]
fn triage_json_is_the_versioned_document() {
    let r = phase5_repo();
    let run = shortlist(r.path(), &["triage", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["schema"], "shortlist.triage/1");
    assert_eq!(v["plan_files"], serde_json::json!(["docs/plan/phase5.md"]));
    let keys: Vec<&str> = v["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| t["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, vec!["A", "B", "E", "C", "D"]);
    let b = &v["tracks"][1];
    for k in [
        "key",
        "letter",
        "id",
        "name",
        "priority",
        "file",
        "line",
        "doc_only",
        "remaining",
    ] {
        assert!(b.get(k).is_some(), "track key {k}");
    }
    assert_eq!(b["priority"], "P0");
    assert_eq!(b["line"], 37);
    let first = &b["remaining"][0];
    for k in [
        "id",
        "title",
        "status",
        "priority",
        "parent",
        "depends_on",
        "blocked_by",
        "touch_points",
        "as_built",
        "dod",
        "file",
        "line",
        "subtasks",
    ] {
        assert!(first.get(k).is_some(), "task key {k}");
    }
    assert_eq!(first["id"], "5.2.1.2.1");
    assert_eq!(first["parent"], "5.2.1.2");
    assert_eq!(first["priority"], "P0", "track priority applies");
    assert_eq!(first["blocked_by"], serde_json::json!(["5.1.2"]));
    let wizard = &b["remaining"][2];
    assert_eq!(wizard["id"], "5.2.2");
    assert_eq!(wizard["subtasks"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["tracks"][3]["doc_only"], true);
    assert_eq!(
        v["checkpoints"][1]["tasks"].as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(v["open_questions"].as_array().map(Vec::len), Some(3));
    assert!(v["open_questions"][1]["id"]
        .as_str()
        .is_some_and(|s| s.starts_with("Q-")));
    // A missing touch point is a warning with file and line.
    let d = v["diagnostics"].as_array().expect("diagnostics");
    assert!(d.iter().any(|d| d["severity"] == "warning"
        && d["file"] == "docs/plan/phase5.md"
        && d["line"] == 29
        && d["message"]
            .as_str()
            .is_some_and(|m| m.contains("apps/server/src/billing/pdf.ts"))));
    // Paths that exist raise nothing.
    assert!(!d.iter().any(|d| d["message"]
        .as_str()
        .is_some_and(|m| m.contains("`apps/server/scripts/seed.ts`"))));
}

#[test]
fn triage_one_track() {
    let r = phase5_repo();
    let run = shortlist(r.path(), &["triage", "E"]);
    assert_eq!(run.code, 0);
    assert!(run
        .stdout
        .contains("## Track E — Data Collection Config（DB + API） (P0) · 3 open"));
    assert!(!run.stdout.contains("Track A"));
}

#[test]
fn task_says_where_its_state_came_from() {
    let r = Repo::new();
    r.fixture("heading_field_tasks.md", "docs/plan/roadmap.md");
    r.commit_all("plan");
    let state = |id: &str| {
        let run = shortlist(r.path(), &["task", id]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout
            .lines()
            .find(|l| l.starts_with("- status:"))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(state("T0.1"), "- status: done");
    // A heading task whose fields write no state, and no subtask to take one from.
    assert_eq!(state("T0.2"), "- status: pending (no state written)");
}

#[test]
fn task_shows_everything_with_its_source() {
    let r = phase5_repo();
    let run = shortlist(r.path(), &["task", "5.2.1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("task_5_2_1_md", run.stdout);
    let json = shortlist(r.path(), &["task", "T5.2.3", "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["schema"], "shortlist.task/1");
    assert_eq!(v["file"], "docs/plan/phase5.md");
    assert_eq!(v["line"], 54);
    assert_eq!(v["depends_on"], serde_json::json!(["5.2.2"]));
}

#[test]
fn track_shows_remaining_and_finished() {
    let r = phase5_repo();
    let run = shortlist(r.path(), &["track", "A"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("track_a_md", run.stdout);
}

#[test]
fn unknown_task_or_track_fails_with_a_hint() {
    let r = phase5_repo();
    let run = shortlist(r.path(), &["task", "9.9"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no task `9.9`") && run.stderr.contains("shortlist triage"),
        "{}",
        run.stderr
    );
    let run = shortlist(r.path(), &["track", "Z"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("no track `Z`; tracks: A (Billing & Invoices)"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_lists_diagnostics_and_strict_exits_2_on_errors() {
    let r = Repo::new();
    r.fixture("diagnostics.md", "PLAN.md");
    r.commit_all("bad plan");
    let run = shortlist(r.path(), &["check"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("PLAN.md:4: error: duplicate task id `1.1`"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("PLAN.md:8: error: dependency cycle: 1.3 → 1.4 → 1.3"));
    let strict = shortlist(r.path(), &["check", "--strict"]);
    assert_eq!(strict.code, 2);
    // Warnings only and no conflict: nothing to report.
    let clean = Repo::new();
    clean.write(
        "PLAN.md",
        "## Track A — Core（P0）\n- [ ] 1.1 Write it\n  - Touch points：`src/new.rs`\n",
    );
    clean.commit_all("plan");
    let run = shortlist(clean.path(), &["check", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("warning"), "{}", run.stdout);
    // The phase 5 plan has warnings only, but conflicts: planned ones exit 2 and are listed.
    let conflicted = phase5_repo();
    let run = shortlist(conflicted.path(), &["check"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("## Conflicts ("), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("Declared by the plan: Track B <-> Track A"));
    let json = shortlist(r.path(), &["check", "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["errors"], 3);
}

#[test]
fn repo_root_is_found_upward_and_globs_are_relative_to_it() {
    let r = phase5_repo();
    r.write("shortlist.toml", "plan = [\"docs/plan/*.md\"]\n");
    r.write("src/deep/er/file.rs", "fn main() {}\n");
    let from_sub = shortlist(
        &r.path().join("src/deep/er"),
        &["triage", "--format", "json"],
    );
    assert_eq!(from_sub.code, 0, "{}", from_sub.stderr);
    let v: Value = serde_json::from_str(&from_sub.stdout).expect("json");
    assert_eq!(v["plan_files"], serde_json::json!(["docs/plan/phase5.md"]));
    // From anywhere else, --repo names the repository; the glob still means its root.
    let elsewhere = tempfile::tempdir().expect("tmp");
    let repo_arg = r.path().join("src").display().to_string();
    let run = shortlist(elsewhere.path(), &["--repo", &repo_arg, "check"]);
    assert_eq!(run.code, 2, "the plan's conflicts: {}", run.stderr);
    assert!(
        run.stdout.contains("1 plan file: 5 tracks, 22 tasks"),
        "{}",
        run.stdout
    );
}

#[test]
fn plan_flag_overrides_and_untracked_plans_are_found() {
    let r = phase5_repo();
    r.write(
        "notes/next.md",
        "## Track Q (P1)\n- [ ] 1.1 Untracked plan task\n",
    );
    let run = shortlist(
        r.path(),
        &["--plan", "notes/*.md", "triage", "--format", "json"],
    );
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["plan_files"], serde_json::json!(["notes/next.md"]));
    assert_eq!(
        v["tracks"][0]["remaining"][0]["title"],
        "Untracked plan task"
    );
}

#[test]
fn default_plan_names_are_found_in_any_case_and_under_docs() {
    for (path, found) in [
        ("plan.md", "plan.md"),
        ("Roadmap.md", "Roadmap.md"),
        ("docs/plan.md", "docs/plan.md"),
        ("docs/ROADMAP.md", "docs/ROADMAP.md"),
    ] {
        let r = Repo::new();
        r.write(path, "## Track A — Core\n- [ ] 1.1 First thing\n");
        r.commit_all("plan");
        let run = shortlist(r.path(), &["triage", "--format", "json"]);
        assert_eq!(run.code, 0, "{path}: {}", run.stderr);
        let v: Value = serde_json::from_str(&run.stdout).expect("json");
        assert_eq!(v["plan_files"], serde_json::json!([found]), "{path}");
        assert_eq!(
            v["tracks"][0]["remaining"][0]["title"], "First thing",
            "{path}"
        );
    }
    // A plan elsewhere under docs/ is not one by name alone.
    let r = Repo::new();
    r.write("docs/guide/plan.md", "- [ ] 1.1 Not the plan\n");
    r.commit_all("docs");
    assert_eq!(shortlist(r.path(), &["triage"]).code, 1);
}

#[test]
fn ignored_files_are_not_plans() {
    let r = phase5_repo();
    r.write(".gitignore", "scratch/\n");
    r.write("scratch/plan/x.md", "- [ ] 1 ignored\n");
    let run = shortlist(r.path(), &["triage", "--format", "json"]);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["plan_files"], serde_json::json!(["docs/plan/phase5.md"]));
}

#[test]
fn a_finished_plan_says_so_and_points_at_files_with_open_tasks() {
    let r = Repo::new();
    r.fixture("finished.md", "docs/plan/phase4.md");
    r.fixture("phase5.md", "domain/mes/phase5_tasks.md");
    r.write("README.md", "# App\n\nNo tasks here.\n");
    r.write("shortlist.toml", "plan = [\"docs/plan/phase4.md\"]\n");
    r.commit_all("two plans");
    let run = shortlist(r.path(), &["triage"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("The plan files above hold no open task."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("- `domain/mes/phase5_tasks.md`: 18 open"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("README.md"));
    let json = shortlist(r.path(), &["triage", "--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["open_elsewhere"][0]["file"], "domain/mes/phase5_tasks.md");
}

#[test]
fn missing_plan_and_glob_matching_nothing_are_explained() {
    let r = Repo::new();
    r.write("src/main.rs", "fn main() {}\n");
    r.commit_all("code only");
    let run = shortlist(r.path(), &["triage"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no plan file found") && run.stderr.contains("--plan GLOB"),
        "{}",
        run.stderr
    );
    let named = shortlist(r.path(), &["--plan", "docs/PLAN.md", "check"]);
    assert_eq!(named.code, 0);
    assert!(
        named
            .stdout
            .contains("docs/PLAN.md: error: plan file `docs/PLAN.md` does not exist"),
        "{}",
        named.stdout
    );
    let p5 = phase5_repo();
    let both = shortlist(
        p5.path(),
        &["--plan", "docs/plan/*.md", "--plan", "nope/*.md", "check"],
    );
    assert!(
        both.stdout
            .contains("nope/*.md: warning: plan glob `nope/*.md` matches no file"),
        "{}",
        both.stdout
    );
}

#[test]
fn invalid_utf8_is_reported_with_its_line_and_the_rest_still_parses() {
    let r = Repo::new();
    let mut bytes =
        b"## Track A (P0)\n- [ ] 1.1 fine\n- [ ] 1.2 bad \xff\xfe byte\n- [ ] 1.3 after\n".to_vec();
    bytes.extend_from_slice("- [ ] 1.4 中文\n".as_bytes());
    r.write("PLAN.md", bytes);
    let run = shortlist(r.path(), &["check"]);
    assert!(
        run.stdout.contains("PLAN.md:3: error: invalid UTF-8"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("4 tasks"), "{}", run.stdout);
}

#[test]
fn bad_config_names_the_key_and_line() {
    let r = phase5_repo();
    r.write("shortlist.toml", "notes_dir = \"n\"\nplans = [\"x\"]\n");
    let run = shortlist(r.path(), &["triage"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("shortlist.toml")
            && run.stderr.contains("plans")
            && run.stderr.contains("line 2"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_path_that_does_not_exist_is_a_clean_failure() {
    let run = shortlist(
        std::path::Path::new("/"),
        &["--repo", "/definitely/not/here", "triage"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("/definitely/not/here does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn plain_directories_work_without_git() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("TODO.md"), "- [ ] 1. Water the plants\n").expect("write");
    let run = shortlist(dir.path(), &["triage", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["tracks"][0]["remaining"][0]["title"], "Water the plants");
}

#[test]
fn a_plain_directory_finds_the_planning_tools_hidden_directories() {
    // Kiro and Taskmaster keep their plans under `.kiro/` and `.taskmaster/`; other
    // hidden directories (an editor's, a cache) are still not read.
    let dir = tempfile::tempdir().expect("tmp");
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        ".kiro/specs/auth/tasks.md",
        "# Implementation Plan\n\n- [ ] 1. Login form\n  - [ ] 1.1 Validate the e-mail\n  - _Requirements: 1.1_\n",
    );
    write(
        ".taskmaster/tasks/tasks.json",
        r#"{"master": {"tasks": [{"id": 1, "title": "Rate limiter", "status": "pending", "dependencies": [], "subtasks": []}]}}"#,
    );
    write(".cache/plan/notes.md", "- [ ] 9.1 Not a plan\n");
    let run = shortlist(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(".kiro/specs/auth/tasks.md: read as Kiro spec tasks (2 tasks)")
            && run
                .stdout
                .contains(".taskmaster/tasks/tasks.json: read as Taskmaster tasks (1 task)")
            && !run.stdout.contains(".cache"),
        "{}",
        run.stdout
    );
}

#[test]
fn help_documents_exit_codes() {
    let run = shortlist(std::path::Path::new("."), &["--help"]);
    assert!(
        run.stdout.contains("Exit codes:") && run.stdout.contains("2  `check`: conflicts exist"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_configured_repository_is_named_with_repo_name() {
    let web = Repo::new();
    web.write(
        "PLAN.md",
        "# Web\n\n## 9.1 Track W — 网站 Website（P0）\n- [ ] 9.1.1 Landing page\n",
    );
    commit_in(&web.git, "plan", "Alice", 1_767_000_000);
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("shortlist.toml");
    std::fs::write(
        &config,
        format!(
            "[[repos]]\nname = \"web\"\npath = \"{}\"\nchannels = [601]\n",
            web.path().display()
        ),
    )
    .expect("config");
    let db = dir.path().join("db.sqlite3");
    let run = shortlist(
        dir.path(),
        &[
            "--config",
            config.to_str().expect("utf8"),
            "--database",
            db.to_str().expect("utf8"),
            "--repo",
            "web",
            "next",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("`9.1.1` Landing page"),
        "{}",
        run.stdout
    );
    let dup = dir.path().join("dup.toml");
    std::fs::write(
        &dup,
        "[[repos]]\nname = \"a\"\npath = \".\"\n[[repos]]\nname = \"a\"\npath = \".\"\n",
    )
    .expect("dup");
    let bad = shortlist(
        dir.path(),
        &[
            "--config",
            dup.to_str().expect("utf8"),
            "--repo",
            "a",
            "next",
        ],
    );
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("[[repos]] name `a` is used twice"),
        "{}",
        bad.stderr
    );
}

/// Run the binary as `shortlist` does, but under `ulimit -s 2048`: a 2 MiB main stack.
fn shortlist_small_stack(cwd: &std::path::Path, args: &[&str]) -> common::Run {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -s 2048 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_shortlist"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DISCORD_TOKEN")
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("shortlist-test-data"),
        )
        .output()
        .expect("run shortlist");
    common::Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// A chain of subtask blocks nests 30,000 deep with input linear in the depth. Every
/// command answers on a 2 MiB stack, and the answers stay linear too: markdown caps
/// the indentation, JSON caps the nesting and lists deeper subtasks flat.
#[test]
fn a_plan_nested_thirty_thousand_deep_is_answered_on_a_small_stack() {
    let n = 30_000;
    let mut text = String::from("# Plan\n\n## Track A — Core（P0）\n- [ ] T1 Step 1\n");
    for i in 1..n {
        text.push_str(&format!(
            "\n**T{i} 子任务**：\n- [ ] T{} Step {}\n",
            i + 1,
            i + 1
        ));
    }
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("PLAN.md"), &text).expect("write");

    let run = shortlist_small_stack(dir.path(), &["next"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The chain is one pending task with its subtasks: the task itself is offered.
    assert!(run.stdout.contains("1. `T1` Step 1"), "{}", run.stdout);

    let run = shortlist_small_stack(dir.path(), &["triage"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("T{n} Step {n}")));
    assert!(
        run.stdout.len() < 100 * n,
        "indentation is capped: {} bytes",
        run.stdout.len()
    );

    let run = shortlist_small_stack(dir.path(), &["triage", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // serde_json refuses nesting past 128 levels: reading it is part of the check.
    let v: Value = serde_json::from_str(&run.stdout).expect("json");
    // Walk to the deepest nesting and count every task listed.
    let mut depth = 0;
    let mut listed = 0;
    let mut todo: Vec<(&Value, usize)> = vec![(&v["tracks"][0]["remaining"], 0)];
    while let Some((list, d)) = todo.pop() {
        for t in list.as_array().expect("array") {
            listed += 1;
            depth = depth.max(d);
            todo.push((&t["subtasks"], d + 1));
        }
    }
    assert_eq!(listed, n, "every task is in the JSON");
    assert!(depth < 40, "nesting is capped: {depth}");

    let run = shortlist_small_stack(dir.path(), &["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
