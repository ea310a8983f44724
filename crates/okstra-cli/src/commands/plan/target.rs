//! Owns how the plan commands find the plan they are given (a markdown or data.json path, a
//! run, or a task's latest plan) and how they show its paths: relative to the folder okstra
//! works in when inside it, so `path:line` diagnostics can be opened from there.

use std::path::Path;

use okstra_core::TaskKey;
use okstra_engine::{PlanFiles, locate_plan, locate_task_plan};

use crate::command_error::CommandError;
use crate::context::CommandContext;

/// Returns the files of the plan `plan` names: a path, a run id or a manifest.
pub(crate) fn plan_files(ctx: &CommandContext, plan: &str) -> Result<PlanFiles, CommandError> {
    Ok(locate_plan(&ctx.home()?, &ctx.cwd, plan)?)
}

/// Returns the files of the latest plan of the task `task` (`<group>/<id>`) in the project
/// okstra works in.
pub(crate) fn task_plan_files(ctx: &CommandContext, task: &str) -> Result<PlanFiles, CommandError> {
    let (group, id) = TaskKey::parse_task_arg(task)?;
    Ok(locate_task_plan(&ctx.run_project_root(), &group, &id)?)
}

/// Returns the files of the plan a command was pointed at: `plan` (a path, run id or manifest)
/// or, without one, the latest plan of `task`.
pub(crate) fn target_files(
    ctx: &CommandContext,
    plan: Option<&str>,
    task: Option<&str>,
) -> Result<PlanFiles, CommandError> {
    match (plan, task) {
        (Some(plan), _) => plan_files(ctx, plan),
        (None, Some(task)) => task_plan_files(ctx, task),
        (None, None) => Err(CommandError::user_message("no plan named")
            .hint("name a plan, or pass --task <group>/<id>")),
    }
}

/// Returns `path` as the plan commands show it: relative to the working folder when inside
/// it, else as it is.
pub(crate) fn shown(ctx: &CommandContext, path: &Path) -> String {
    let cwd = fs_err::canonicalize(&ctx.cwd).unwrap_or_else(|_| ctx.cwd.clone());
    for base in [&cwd, &ctx.cwd] {
        if let Ok(rel) = path.strip_prefix(base) {
            return rel.display().to_string();
        }
    }
    path.display().to_string()
}
