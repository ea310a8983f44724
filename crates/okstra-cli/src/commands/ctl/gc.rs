//! `okstra ctl gc`: removes the worktrees of finished work and the temp folders finished runs
//! left, printing the space each frees and the total; names every worktree it keeps and why.

use std::time::Duration;

use clap::Args;
use okstra_core::gc::display_bytes;
use okstra_engine::{GcKeep, GcReport, GcRequest, GcTarget, GcWorktree, gc};
use serde_json::{Value, json};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;
use crate::json_out::print_json;

/// Remove the worktrees of finished tasks and merged stages, and leftover worker temp folders
///
/// A task is finished when its release-handoff completed or it had no run for --older-than; a
/// stage worktree goes when its stage is done and merged into the task branch. A worktree with
/// uncommitted changes, or whose branch has commits that exist nowhere else, is kept and named.
/// Branches are never removed: a later run re-creates the worktree from its branch.
#[derive(Debug, Args)]
pub struct CtlGcArgs {
    /// A task with no run for this long is finished (`30d`, `12h`, `90m`)
    #[arg(long, value_name = "AGE", default_value = "30d")]
    older_than: String,
    /// Print what would be removed and the space it would free; remove nothing
    #[arg(long)]
    dry_run: bool,
    /// Print the outcome as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Returns the age `--older-than` names, or the user error naming it.
fn parse_age(text: &str) -> Result<Duration, CommandError> {
    okstra_core::gc::parse_age(text).map_err(|_| {
        CommandError::user_message(format!("--older-than {text:?} is not an age"))
            .hint("use a number and a unit: `30d`, `12h`, `90m` or `45s`")
    })
}

fn target_word(w: &GcWorktree) -> String {
    match w.target {
        GcTarget::Task => "task worktree".to_owned(),
        GcTarget::Stage(n) => format!("stage-{n} worktree"),
    }
}

fn keep_reason(reason: &GcKeep) -> String {
    match reason {
        GcKeep::Uncommitted { files } => {
            let shown: Vec<&str> = files.iter().take(3).map(String::as_str).collect();
            let more = files.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("uncommitted changes: {}{tail}", shown.join(", "))
        }
        GcKeep::UniqueCommits { count } => {
            format!("its branch has {count} commit(s) that exist nowhere else")
        }
        GcKeep::NotMerged { count, task_branch } => format!(
            "the stage is done but its branch has {count} commit(s) not merged into {task_branch}"
        ),
        GcKeep::NotAWorktree => "the folder is not a git worktree; okstra leaves it".to_owned(),
        GcKeep::Locked => "it is locked (`git worktree unlock` it first)".to_owned(),
        GcKeep::Failed { message } => format!("git could not remove it: {message}"),
    }
}

fn keep_code(reason: &GcKeep) -> &'static str {
    match reason {
        GcKeep::Uncommitted { .. } => "uncommitted",
        GcKeep::UniqueCommits { .. } => "unique-commits",
        GcKeep::NotMerged { .. } => "not-merged",
        GcKeep::NotAWorktree => "not-a-worktree",
        GcKeep::Locked => "locked",
        GcKeep::Failed { .. } => "failed",
    }
}

fn worktree_json(w: &GcWorktree) -> Value {
    json!({
        "taskKey": w.task_key,
        "stage": match w.target { GcTarget::Task => None, GcTarget::Stage(n) => Some(n) },
        "path": w.path.display().to_string(),
        "branch": w.branch,
        "why": w.why,
        "bytes": w.bytes,
    })
}

fn report_json(report: &GcReport, dry_run: bool) -> Value {
    json!({
        "dryRun": dry_run,
        "removed": report.removed.iter().map(worktree_json).collect::<Vec<_>>(),
        "kept": report.kept.iter().map(|k| {
            let mut v = worktree_json(&k.worktree);
            v["reason"] = json!(keep_code(&k.reason));
            v["detail"] = json!(keep_reason(&k.reason));
            v
        }).collect::<Vec<_>>(),
        "tempFolders": report.temp.iter().map(|t| json!({
            "runId": t.run_id, "path": t.path.display().to_string(), "bytes": t.bytes,
        })).collect::<Vec<_>>(),
        "freedBytes": report.freed(),
    })
}

/// Runs `okstra ctl gc`.
pub fn cmd_ctl_gc(ctx: &CommandContext, args: &CtlGcArgs) -> Result<ExitStatus, CommandError> {
    let older_than = parse_age(&args.older_than)?;
    let home = ctx.home()?;
    let report = gc(
        &home,
        &GcRequest {
            older_than,
            dry_run: args.dry_run,
        },
    )?;
    if args.json {
        print_json(&ctx.ui, &report_json(&report, args.dry_run))?;
        return Ok(ExitStatus::Success);
    }
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for w in &report.removed {
        ctx.ui.data_line(&format!(
            "{verb} {} of {} ({}): {} freed — {}",
            target_word(w),
            w.task_key,
            w.path.display(),
            display_bytes(w.bytes),
            w.why
        ));
    }
    for t in &report.temp {
        ctx.ui.data_line(&format!(
            "{verb} temp folder of run {} ({}): {} freed",
            t.run_id,
            t.path.display(),
            display_bytes(t.bytes)
        ));
    }
    for k in &report.kept {
        ctx.ui.data_line(&format!(
            "kept {} of {} ({}): {}",
            target_word(&k.worktree),
            k.worktree.task_key,
            k.worktree.path.display(),
            keep_reason(&k.reason)
        ));
    }
    let total = display_bytes(report.freed());
    ctx.ui.data_line(&if args.dry_run {
        format!("total: {total} would be freed (dry run: nothing removed)")
    } else {
        format!("total: {total} freed")
    });
    Ok(ExitStatus::Success)
}
