//! `okstra ledger repair --task g/id [--json]`: appends a `done` row for every complete carry
//! sidecar of the task whose stage has none (the original's `backfill_done_from_carry`, which
//! every reader of the ledger also runs first), and prints the rows it recovered.

use clap::Args;
use okstra_engine::read_ledger_repaired;
use serde_json::{Value, json};

use super::task::{short, task, warn_skipped_lines};
use crate::command_error::{CommandError, ExitStatus};
use crate::commands::plan::target::shown;
use crate::context::CommandContext;
use crate::json_out::print_json;

/// Recover a task's missing `done` rows from its carry sidecars
///
/// The carry sidecars (runs/implementation/carry/stage-<N>.json) are the source of truth: a
/// complete one (status not fail, failed, blocked, error or aborted) whose stage has no `done`
/// row in runs/implementation-planning/consumers.jsonl gets one, with source carry-backfill.
/// Prints the rows recovered; a second repair recovers nothing. Every command that reads the
/// ledger repairs it first.
#[derive(Debug, Args)]
pub struct LedgerRepairArgs {
    /// The task, as <group>/<id>
    #[arg(long, value_name = "GROUP/ID")]
    task: String,

    /// Print the recovered rows and the skipped carries as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra ledger repair`.
pub fn cmd_ledger_repair(
    ctx: &CommandContext,
    args: &LedgerRepairArgs,
) -> Result<ExitStatus, CommandError> {
    let task = task(ctx, &args.task)?;
    // Not dropped: the process ends with the command, and freeing thousands of rows and carry
    // facts one by one would be its last millisecond.
    let snapshot = std::mem::ManuallyDrop::new(read_ledger_repaired(&task.paths)?);
    let ledger = task.paths.consumers_ledger();
    let carry_dir = task.paths.carry_dir();
    if args.json {
        let rows: Vec<Value> = snapshot
            .recovered
            .iter()
            .map(|row| {
                let line = row.encode().map_err(CommandError::internal)?;
                serde_json::from_str(&line).map_err(CommandError::internal)
            })
            .collect::<Result<_, _>>()?;
        print_json(
            &ctx.ui,
            &json!({
                "ledger": ledger.display().to_string(),
                "carryDir": carry_dir.display().to_string(),
                "recovered": rows,
                "skipped": snapshot.skipped.iter().map(|s| json!({
                    "file": s.file,
                    "reason": s.reason.to_string(),
                })).collect::<Vec<_>>(),
                "warnings": snapshot.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }),
        )?;
        return Ok(ExitStatus::Success);
    }
    warn_skipped_lines(ctx, &task, &snapshot);
    let carries = shown(ctx, &carry_dir);
    for skipped in &snapshot.skipped {
        ctx.ui.warn(&format!(
            "{carries}/{} gives no done row: {}",
            skipped.file, skipped.reason
        ));
    }
    if snapshot.recovered.is_empty() {
        ctx.ui
            .data_line("no rows recovered: every complete carry sidecar already has its done row");
        return Ok(ExitStatus::Success);
    }
    // One write for every row: a repair can recover thousands.
    let mut out = String::new();
    for row in &snapshot.recovered {
        out.push_str(&format!(
            "stage {}: done at {} from {} (impl_task_key {})\n",
            row.stage.unwrap_or_default(),
            short(row.head_commit.as_deref().unwrap_or_default()),
            row.carry_path.as_deref().unwrap_or_default(),
            row.key().unwrap_or_default(),
        ));
    }
    ctx.ui.data(&out);
    let n = snapshot.recovered.len();
    ctx.ui.status(&format!(
        "recovered {n} row{} into {}",
        if n == 1 { "" } else { "s" },
        shown(ctx, &ledger)
    ));
    Ok(ExitStatus::Success)
}
