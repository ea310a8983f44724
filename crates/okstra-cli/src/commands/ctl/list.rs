//! `okstra ctl list`: every run of the central index, one row each.

use clap::Args;
use okstra_core::RunId;
use okstra_core::ids::shortest_unique_prefixes;
use okstra_engine::list_runs;
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::ui::render_table;

/// List runs from the central index
#[derive(Debug, Args)]
pub struct CtlListArgs {
    /// Print the runs as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra ctl list`.
pub fn cmd_ctl_list(ctx: &CommandContext, args: &CtlListArgs) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let (runs, read) = list_runs(&home)?;
    for (path, warning) in &read.warnings {
        ctx.ui.warn(&format!("{}: {warning}", path.display()));
    }
    if args.json {
        let rows: Vec<_> = runs
            .iter()
            .map(|r| {
                json!({
                    "runId": r.run_id.to_string(),
                    "projectId": r.project_id,
                    "taskGroup": r.task_group,
                    "taskId": r.task_id,
                    "taskType": r.task_type,
                    "runSeq": r.run_seq,
                    "stage": r.stage,
                    "status": r.status,
                    "startedAt": r.started_at.map(|t| t.to_string()),
                    "finishedAt": r.finished_at.map(|t| t.to_string()),
                    "manifest": r.manifest,
                })
            })
            .collect();
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&rows).map_err(CommandError::internal)?);
        return Ok(ExitStatus::Success);
    }
    if runs.is_empty() {
        ctx.ui.status("no runs yet");
        return Ok(ExitStatus::Success);
    }
    let ids: Vec<RunId> = runs.iter().map(|r| r.run_id).collect();
    let prefixes = shortest_unique_prefixes(&ids);
    let rows: Vec<Vec<String>> = runs
        .iter()
        .zip(prefixes)
        .map(|(r, len)| {
            vec![
                r.run_id.to_string()[..len.max(4)].to_owned(),
                r.project_id.clone(),
                format!("{}/{}", r.task_group, r.task_id),
                r.task_type.to_string(),
                r.run_seq.to_string(),
                r.stage.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                r.status.to_string(),
                r.started_at.map_or_else(
                    || "-".to_owned(),
                    |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                ),
            ]
        })
        .collect();
    ctx.ui.data(&render_table(
        &[
            "RUN", "PROJECT", "TASK", "TYPE", "SEQ", "STAGE", "STATUS", "STARTED",
        ],
        &rows,
    ));
    Ok(ExitStatus::Success)
}
