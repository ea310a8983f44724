//! `okstra ctl reconcile`: every run whose manifest says `running` but whose okstra is gone is
//! recorded `interrupted` (manifest, team state, timeline, index) after its leftover workers
//! are stopped; prints one row per run looked at, and how to continue the interrupted ones.

use clap::Args;
use okstra_engine::{ReconcileReport, RunCheck, reconcile};
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;
use crate::ui::render_table;

/// Mark runs whose okstra process died as interrupted and stop their workers
///
/// A run is dead when its manifest says `running` but no okstra holds its run lock. Its
/// leftover workers are stopped (process groups and tagged descendants, each checked against
/// its recorded start time so a reused pid is never signalled), and the run is recorded
/// `interrupted` in its manifest, team state, timeline and the central index. `okstra resume
/// <run>` then continues it.
#[derive(Debug, Args)]
pub struct CtlReconcileArgs {
    /// Show which runs are dead; change nothing and stop nothing
    #[arg(long)]
    dry_run: bool,

    /// Print the result as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra ctl reconcile`.
pub fn cmd_ctl_reconcile(
    ctx: &CommandContext,
    args: &CtlReconcileArgs,
) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let report = reconcile(&home, args.dry_run)?;
    for (path, warning) in &report.index.warnings {
        ctx.ui.warn(&format!("{}: {warning}", path.display()));
    }
    for run in &report.runs {
        if let RunCheck::Unreadable { why } = &run.check {
            ctx.ui.warn(&format!(
                "run {}: manifest {} cannot be read, left alone: {why}",
                run.run_id,
                run.manifest.display()
            ));
        }
    }
    if args.json {
        print_json(&ctx.ui, &report_json(&report, args.dry_run))?;
        return Ok(ExitStatus::Success);
    }
    if report.runs.is_empty() {
        ctx.ui.status("no running runs: nothing to reconcile");
        return Ok(ExitStatus::Success);
    }
    ctx.ui.data(&report_text(&report, args.dry_run));
    let dead = report
        .runs
        .iter()
        .filter(|r| matches!(r.check, RunCheck::Interrupted { .. }))
        .count();
    if dead > 0 && !args.dry_run {
        ctx.ui
            .status("continue an interrupted run with `okstra resume <run>`");
    }
    Ok(ExitStatus::Success)
}

fn state(check: &RunCheck, dry_run: bool) -> &'static str {
    match check {
        RunCheck::Interrupted { .. } if dry_run => "dead",
        RunCheck::Interrupted { .. } => "interrupted",
        RunCheck::Alive { .. } => "alive",
        RunCheck::Unreadable { .. } => "unreadable",
    }
}

fn report_json(report: &ReconcileReport, dry_run: bool) -> serde_json::Value {
    let runs: Vec<_> = report
        .runs
        .iter()
        .map(|r| {
            let (pid, stopped, workers, error) = match &r.check {
                RunCheck::Interrupted {
                    pid,
                    stopped,
                    workers,
                } => (*pid, Some(*stopped), Some(*workers), None),
                RunCheck::Alive { pid } => (*pid, None, None, None),
                RunCheck::Unreadable { why } => (None, None, None, Some(why.clone())),
            };
            json!({
                "runId": r.run_id.to_string(),
                "projectId": r.project_id,
                "task": r.task,
                "manifest": r.manifest.display().to_string(),
                "state": state(&r.check, dry_run),
                "pid": pid,
                "stoppedProcesses": stopped,
                "interruptedWorkers": workers,
                "error": error,
            })
        })
        .collect();
    json!({"dryRun": dry_run, "runs": runs})
}

fn report_text(report: &ReconcileReport, dry_run: bool) -> String {
    let rows: Vec<Vec<String>> = report
        .runs
        .iter()
        .map(|r| {
            let (pid, stopped) = match &r.check {
                RunCheck::Interrupted { pid, stopped, .. } => (*pid, Some(*stopped)),
                RunCheck::Alive { pid } => (*pid, None),
                RunCheck::Unreadable { .. } => (None, None),
            };
            vec![
                r.run_id.to_string(),
                r.project_id.clone(),
                r.task.clone(),
                state(&r.check, dry_run).to_owned(),
                pid.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                stopped.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            ]
        })
        .collect();
    render_table(
        &["RUN", "PROJECT", "TASK", "STATE", "OKSTRA PID", "STOPPED"],
        &rows,
    )
}
