//! Owns the demo's closing commands, written to work from wherever the user stands: how to
//! validate a run of the demo (with its private home) and how to remove the demo folder; and
//! the whole demo's closing table of its runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use okstra_core::duration::display_elapsed;
use okstra_core::env_vars::OKSTRA_HOME;
use okstra_engine::RunSummary;

use super::sample::Demo;
use crate::context::CommandContext;
use crate::invocation::{Invocation, shell_quote};
use crate::ui::render_table;

/// Returns the command that validates run `run_id` of the demo whose home is `home`.
pub(super) fn validate_command(okstra: &Invocation, home: &Path, run_id: &str) -> String {
    format!(
        "{OKSTRA_HOME}={} {}",
        shell_quote(&home.display().to_string()),
        okstra.command(&["validate", run_id])
    )
}

/// Returns the command that removes the demo folder `dir`.
pub(super) fn remove_line(dir: &Path) -> String {
    format!("rm -rf {}", shell_quote(&dir.display().to_string()))
}

/// One run of the demo, for the closing table.
#[derive(Debug)]
pub(super) struct Row {
    pub step: String,
    pub run_id: String,
    pub status: String,
    pub wall: Duration,
    /// The report's markdown (absolute), when one was written.
    pub report: Option<PathBuf>,
}

impl Row {
    /// Returns the row of the run `summary` made for `step`.
    pub(super) fn of_run(step: &str, summary: &RunSummary) -> Self {
        Self {
            step: step.to_owned(),
            run_id: summary.run_id.to_string(),
            status: summary.status.to_string(),
            wall: summary.wall,
            report: summary.report.clone(),
        }
    }
}

/// Prints the closing part on stdout: the table of the runs with their reports, the PR body
/// the hand-off wrote, that replay answered, the whole demo's wall time, the command that
/// validates each run and the one that removes the folder.
pub(super) fn print_closing(
    ctx: &CommandContext,
    demo: &Demo,
    rows: &[Row],
    pr_body: Option<&Path>,
    wall: Duration,
) {
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.step.clone(),
                r.run_id.clone(),
                r.status.clone(),
                display_elapsed(r.wall),
                r.report
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), |p| p.display().to_string()),
            ]
        })
        .collect();
    ctx.ui.data(&render_table(
        &["STEP", "RUN", "STATUS", "WALL", "REPORT"],
        &table,
    ));
    if let Some(pr_body) = pr_body {
        ctx.ui.data_line(&format!(
            "PR body: {} (nothing was pushed)",
            pr_body.display()
        ));
    }
    ctx.ui
        .data_line("replay:  every answer came from scripted replay fixtures, not from models");
    ctx.ui.data_line(&format!(
        "wall:    {} for the whole demo",
        display_elapsed(wall)
    ));
    ctx.ui.data_line("validate each run (from any folder):");
    let okstra = Invocation::detect(&ctx.env);
    for row in rows {
        ctx.ui.data_line(&format!(
            "  {}",
            validate_command(&okstra, &demo.home, &row.run_id)
        ));
    }
    ctx.ui
        .data_line(&format!("remove the demo: {}", remove_line(&demo.dir)));
}
