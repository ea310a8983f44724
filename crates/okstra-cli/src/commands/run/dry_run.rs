//! `okstra run --dry-run`: prints what the engine says each worker would run — command line,
//! folder, sandbox, model and deadline — with nothing written.

use okstra_core::TaskName;
use okstra_core::duration::format_duration;
use okstra_engine::{DryRun, DryRunFolder, LoadedProject};
use serde_json::json;

use super::RunArgs;
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Returns the note on how the workers' folder comes to be.
fn folder_note(folder: &DryRunFolder) -> String {
    match folder {
        DryRunFolder::Skipped(status) => match status {
            okstra_core::status::WorktreeStatus::SkippedNonGit => {
                "skipped-non-git: not a git repository, workers run in the project".to_owned()
            }
            _ => "skipped-nested-worktree: the project is a linked worktree".to_owned(),
        },
        DryRunFolder::Existing { branch } => format!("the task worktree, branch {branch}"),
        DryRunFolder::New { base_ref: Some(r) } => format!("to be created from {r}"),
        DryRunFolder::New { base_ref: None } => {
            "to be created: the first run needs --base-ref".to_owned()
        }
    }
}

/// Prints the dry run.
pub(super) fn print(
    ctx: &CommandContext,
    project: &LoadedProject,
    dry: &DryRun,
    group: &TaskName,
    id: &TaskName,
    args: &RunArgs,
) -> Result<ExitStatus, CommandError> {
    let deadline = format_duration(dry.deadline);
    let workdir = dry.workdir.display().to_string();
    let command = |w: &okstra_engine::DryRunWorker| match (&w.command, &w.fixture) {
        (Some(c), _) => c.clone(),
        (None, Some(fixture)) => format!(
            "(replay fixture {})",
            CommandContext::display_path(fixture, project.root())
        ),
        (None, None) => "-".to_owned(),
    };
    if args.json {
        let out: Vec<_> = dry
            .workers
            .iter()
            .map(|w| {
                json!({
                    "worker": w.worker.to_string(),
                    "kind": w.kind.as_str(),
                    "role": w.role.as_str(),
                    "command": command(w),
                    "folder": workdir,
                    "sandbox": w.sandbox.as_deref().unwrap_or("-"),
                    "sandboxNote": w.sandbox_note,
                    "model": w.model,
                    "deadline": deadline,
                    "notRun": w.not_run,
                })
            })
            .collect();
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
        return Ok(ExitStatus::Success);
    }
    let mut text = format!(
        "dry run: {} on {} — nothing is written\nfolder:   {workdir} ({})\n",
        args.task_type,
        super::names(group, id),
        folder_note(&dry.folder)
    );
    for w in &dry.workers {
        text.push_str(&format!(
            "\n{} ({}, {})\n  command:  {}\n  folder:   {workdir}\n  sandbox:  {}\n  model:    {}\n  deadline: {deadline}\n",
            w.worker,
            w.kind.as_str(),
            w.role.as_str(),
            command(w),
            w.sandbox.as_deref().unwrap_or("-"),
            w.model.as_deref().unwrap_or("-"),
        ));
        if let Some(note) = &w.sandbox_note {
            text.push_str(&format!("  note:     {note}\n"));
        }
        if let Some(reason) = &w.not_run {
            text.push_str(&format!("  not-run:  {reason}\n"));
        }
    }
    ctx.ui.data(&text);
    Ok(ExitStatus::Success)
}
