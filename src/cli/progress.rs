//! `shortlist progress [--out FILE.png] [--since DATE|REV]`: the progress chart.

use super::{pretty, CliError, Ctx, Output};
use crate::app;
use crate::render::chart;
use std::path::{Path, PathBuf};

pub fn run(ctx: &Ctx, out: &Option<PathBuf>, since: Option<&str>) -> Result<Output, CliError> {
    let mut s = ctx.session()?;
    let req = app::ProgressRequest {
        since: since.map(str::to_string),
    };
    let p = app::progress(&mut s, &req)?;
    let png = chart::render(chart::PROGRESS_TITLE, &p.burnup)?;
    let path = out.clone().unwrap_or_else(|| PathBuf::from("progress.png"));
    write_atomic(&path, &png)?;
    ctx.finish(&s, &[]);
    Ok(Output::ok(if ctx.json() {
        pretty(serde_json::json!({
            "schema": "shortlist.progress/1",
            "path": path,
            "points": p.series.len(),
        }))
    } else {
        format!("{}\n", path.display())
    }))
}

/// Write a file whole: a temp file beside it, then a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|source| CliError::Write {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        CliError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}
