//! Owns the files of a task's overview: its runs as `history/timeline.json` lists them, each
//! with its report page when one was written, and `overview.html` at the task's root. The page
//! itself is core's (`report::html::render_overview`); the stage states are the task book's.

use std::path::PathBuf;

use jiff::{Timestamp, Unit};
use okstra_core::report::html::OverviewRun;
use okstra_core::run_paths::{TaskPaths, relative_to};
use okstra_core::timeline::Timeline;
use okstra_core::{RunSeq, Stage};

use crate::errors::{PathError, StoreError};
use crate::fs_atomic::{read_optional, write_text};

/// The overview page's file name, at the task's root.
pub const OVERVIEW_FILE: &str = "overview.html";

/// Returns the task's runs, oldest first, from its timeline (none when it has no timeline),
/// each with its page relative to the task's root when that page exists.
pub fn task_overview_runs(task: &TaskPaths) -> Result<Vec<OverviewRun>, StoreError> {
    let path = task.timeline();
    let Some(text) = read_optional(&path)? else {
        return Ok(Vec::new());
    };
    let timeline = Timeline::parse(&text).map_err(|source| StoreError::Invalid {
        path: path.clone(),
        source,
    })?;
    Ok(timeline
        .entries
        .iter()
        .map(|e| {
            let page = RunSeq::new(e.run_seq).ok().and_then(|seq| {
                let stage = e.stage.and_then(|s| Stage::new(s).ok());
                let html = task.run(e.task_type, seq, stage).report_html();
                html.is_file()
                    .then(|| relative_to(&html, task.task_root()).display().to_string())
            });
            OverviewRun {
                run_id: e.run_id.to_string(),
                task_type: e.task_type,
                run_seq: e.run_seq,
                stage: e.stage,
                status: e.status.as_str().to_owned(),
                started_at: to_second(e.started_at),
                finished_at: e.finished_at.map(to_second),
                page,
            }
        })
        .collect())
}

/// Writes `html` as the task's `overview.html`; returns its path.
pub fn write_task_overview(task: &TaskPaths, html: &str) -> Result<PathBuf, PathError> {
    let path = task.task_root().join(OVERVIEW_FILE);
    write_text(&path, html)?;
    Ok(path)
}

/// `2026-11-30T06:56:19Z`: a time as a person reads it in a list.
fn to_second(t: Timestamp) -> String {
    t.round(Unit::Second).unwrap_or(t).to_string()
}
