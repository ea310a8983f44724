//! `okstra run --dry-run`: prints what the engine says the run would do — each worker's command
//! line, folder, sandbox, model and deadline, or why it would be `not-run`; the critic and the
//! report writer; the budget — with nothing written, then fails (exit 2) with every refusal
//! the real run would meet. A missing brief is only warned about.

use okstra_core::budget::Budget;
use okstra_core::duration::format_duration;
use okstra_core::{TaskName, TaskType};
use okstra_engine::{DryRun, DryRunFolder, DryRunWorker, LoadedProject};
use serde_json::json;

use super::RunArgs;
use crate::command_error::{CommandError, ExitStatus, dry_run_refused};
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

/// Returns the budget in words.
fn budget_text(budget: &Budget) -> String {
    let mut parts = Vec::new();
    if let Some(tokens) = budget.max_tokens {
        parts.push(format!("{tokens} tokens"));
    }
    if let Some(usd) = budget.max_cost_usd {
        parts.push(format!("${usd:.2}"));
    }
    if parts.is_empty() {
        "no limit".to_owned()
    } else {
        format!("at most {}", parts.join(" and "))
    }
}

/// Prints the dry run; returns the refusal of a run that would not start.
pub(super) fn print(
    ctx: &CommandContext,
    project: &LoadedProject,
    dry: DryRun,
    group: &TaskName,
    id: &TaskName,
    args: &RunArgs,
) -> Result<ExitStatus, CommandError> {
    let deadline = format_duration(dry.deadline);
    let workdir = dry.workdir.display().to_string();
    let command = |w: &DryRunWorker| match (&w.command, &w.fixture) {
        (Some(c), _) => c.clone(),
        (None, Some(fixture)) => format!(
            "(replay fixture {})",
            CommandContext::display_path(fixture, project.root())
        ),
        (None, None) => "-".to_owned(),
    };
    let refused = dry_run_refused(dry.refusals);
    if args.json {
        let workers: Vec<_> = dry
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
        let out = json!({
            "taskType": args.task_type.as_str(),
            "task": super::names(group, id),
            "folder": workdir,
            "deadline": deadline,
            "maxRounds": dry.max_rounds,
            "planBodyRound": args.task_type == TaskType::ImplementationPlanning,
            "budget": {"maxTokens": dry.budget.max_tokens, "maxCostUsd": dry.budget.max_cost_usd},
            "workers": workers,
            "directive": args.guidance.directive,
            "related": args.related_tasks().iter().map(ToString::to_string).collect::<Vec<_>>(),
            "refused": refused.as_ref().map(|e| e.error.to_string()),
            "noBrief": dry.no_brief.as_ref().map(ToString::to_string),
        });
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
    } else {
        let mut text = format!(
            "dry run: {} on {} — nothing is written\nfolder:   {workdir} ({})\nbudget:   {}; {}\n",
            args.task_type,
            super::names(group, id),
            folder_note(&dry.folder),
            budget_text(&dry.budget),
            rounds_text(args.task_type, dry.max_rounds),
        );
        text.push_str(&guidance_lines(args));
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
    }
    if let Some(no_brief) = dry.no_brief {
        super::warn_refusal(ctx, no_brief, "the real run will be refused without one");
    }
    match refused {
        Some(err) => Err(err),
        None => Ok(ExitStatus::Success),
    }
}

/// Returns the lines that show what every prompt of the run adds: the related tasks and the
/// directive (its first line, then how many more).
fn guidance_lines(args: &RunArgs) -> String {
    let mut text = String::new();
    let related = args.related_tasks();
    if !related.is_empty() {
        let names: Vec<String> = related.iter().map(ToString::to_string).collect();
        text.push_str(&format!(
            "related:  {} (their latest reports join every prompt)\n",
            names.join(", ")
        ));
    }
    if let Some(directive) = &args.guidance.directive {
        let mut lines = directive.trim().lines();
        let first = lines.next().unwrap_or_default();
        let more = lines.count();
        let rest = match more {
            0 => String::new(),
            1 => " (+1 line)".to_owned(),
            n => format!(" (+{n} lines)"),
        };
        text.push_str(&format!(
            "directive: {first}{rest} (given to every worker)\n"
        ));
    }
    text
}

/// Returns the rounds a run of `task_type` would make, in words: up to `max_rounds`
/// convergence rounds — then, for a plan, the plan-body verification round — or none for the
/// task types whose team is one executor and one verifier, or one writer.
fn rounds_text(task_type: TaskType, max_rounds: u32) -> String {
    let plural = if max_rounds == 1 { "" } else { "s" };
    match task_type {
        TaskType::Implementation => {
            "no convergence round (one executor, then one verifier)".to_owned()
        }
        TaskType::ReleaseHandoff => "no convergence round (one writer)".to_owned(),
        TaskType::ImplementationPlanning => format!(
            "up to {max_rounds} convergence round{plural}, then the plan-body verification round (-pbv)"
        ),
        _ => format!("up to {max_rounds} convergence round{plural}"),
    }
}
