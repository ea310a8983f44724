//! Owns how the ledger commands find a task from `--task <group>/<id>` (its folder must exist)
//! and report what reading its ledger skipped.

use okstra_core::run_paths::{ProjectPaths, TaskPaths};
use okstra_core::{TaskKey, TaskName};
use okstra_engine::LedgerSnapshot;

use crate::command_error::CommandError;
use crate::commands::plan::target::shown;
use crate::context::CommandContext;

/// A task named by `--task`.
pub(crate) struct Task {
    pub(crate) group: TaskName,
    pub(crate) id: TaskName,
    pub(crate) paths: TaskPaths,
}

/// Returns the task `--task` names in the project okstra works in; its folder must exist.
pub(crate) fn task(ctx: &CommandContext, arg: &str) -> Result<Task, CommandError> {
    let (group, id) = TaskKey::parse_task_arg(arg)?;
    let root = ctx.run_project_root();
    let paths = ProjectPaths::new(&root).task(group.segment(), id.segment());
    if !paths.task_root().is_dir() {
        return Err(CommandError::user_message(format!(
            "task {}/{} has no folder {}",
            group.segment(),
            id.segment(),
            shown(ctx, paths.task_root())
        ))
        .hint("name a task with runs here, as <group>/<id>; `okstra ctl list` lists runs"));
    }
    Ok(Task { group, id, paths })
}

/// Warns about each ledger line that was skipped.
pub(crate) fn warn_skipped_lines(ctx: &CommandContext, task: &Task, snapshot: &LedgerSnapshot) {
    let ledger = shown(ctx, &task.paths.consumers_ledger());
    for warning in &snapshot.warnings {
        ctx.ui.warn(&format!("{ledger}: {warning}"));
    }
}

/// Returns a commit shortened for a table.
pub(crate) fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}
