//! `okstra plan import <file.md> --task g/id`: a plan written by hand (or by an older okstra)
//! becomes the report of a new implementation-planning run of the task (SPEC §7.5), after it
//! passes `plan check`. No worker runs: no worktree, no --base-ref.

use std::path::PathBuf;

use clap::Args;
use okstra_core::TaskKey;
use okstra_core::settings::SettingsLayer;
use okstra_engine::{ImportRequest, import_plan, load_or_default_project};
use serde_json::json;

use super::target::shown;
use crate::command_error::{CommandError, ExitStatus, settings_error};
use crate::context::CommandContext;
use crate::json_out::print_json;

/// Import a markdown plan as a new implementation-planning run of a task
///
/// The plan must pass `okstra plan check`. Its markdown becomes the run's report (its
/// approval kept, or `approved: false` added); no worker runs, so no worktree or --base-ref
/// is needed. Prints the new run id and the report path.
#[derive(Debug, Args)]
pub struct PlanImportArgs {
    /// The markdown plan
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// The task the plan is for, as <group>/<id> (e.g. payments/dev-9495)
    #[arg(long, value_name = "GROUP/ID")]
    task: String,

    /// Print the new run as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra plan import`.
pub fn cmd_plan_import(
    ctx: &CommandContext,
    args: &PlanImportArgs,
) -> Result<ExitStatus, CommandError> {
    let (group, id) = TaskKey::parse_task_arg(&args.task)?;
    let source = ctx.cwd.join(&args.file);
    let home = ctx.home()?;
    let project = load_or_default_project(&home, &ctx.run_project_root())?;
    ctx.warn_unknown_keys(&project);
    let seq_override = SettingsLayer::from_env(ctx.env.vars())
        .map_err(|e| settings_error(e, &project.paths.project_json()))?
        .run_seq_override;
    let imported = import_plan(
        &home,
        &project,
        &ImportRequest {
            group,
            id,
            source,
            seq_override,
        },
    )?;
    let m = &imported.manifest;
    if args.json {
        print_json(
            &ctx.ui,
            &json!({
                "runId": m.run_id.to_string(),
                "taskKey": m.task_key().to_string(),
                "taskType": m.task_type,
                "runSeq": m.run_seq.get(),
                "status": m.status,
                "kind": "imported",
                "manifest": imported.manifest_path.display().to_string(),
                "report": imported.report.display().to_string(),
                "stages": imported.stages,
            }),
        )?;
        return Ok(ExitStatus::Success);
    }
    ctx.ui.status(&format!(
        "imported {} as run #{} of {} ({} stages)",
        shown(ctx, &args.file),
        m.run_seq,
        m.task_key(),
        imported.stages
    ));
    ctx.ui.data_line(&format!("run:     {}", m.run_id));
    ctx.ui
        .data_line(&format!("report:  {}", shown(ctx, &imported.report)));
    Ok(ExitStatus::Success)
}
