//! `okstra run <task-type> --task <group>/<id>`: prepare a run and drive it.

use std::path::PathBuf;

use clap::Args;
use okstra_core::config::Language;
use okstra_core::settings::{SettingsLayer, resolve};
use okstra_core::status::RunStatus;
use okstra_core::{TaskKey, TaskType};
use okstra_engine::prepare::{PrepareRequest, prepare_run};
use okstra_engine::project::load_or_create_project;
use serde_json::json;

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Run a task type on a task
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The task type: requirements-discovery, error-analysis, implementation-planning,
    /// implementation, final-verification or release-handoff
    #[arg(value_name = "TASK_TYPE", value_parser = parse_task_type)]
    task_type: TaskType,

    /// The task, as <group>/<id> (e.g. payments/dev-9495)
    #[arg(long, value_name = "GROUP/ID")]
    task: String,

    /// The task brief (markdown); replaces a different earlier brief, which is kept in history/
    #[arg(long, value_name = "FILE")]
    brief: Option<PathBuf>,

    /// The commit the task worktree starts from (required the first time a task runs)
    #[arg(long, value_name = "REF")]
    base_ref: Option<String>,

    /// Only prepare the run (identity, worktree, seq, manifest, index) and print it
    #[arg(long)]
    prepare_only: bool,

    /// Print the outcome as JSON on stdout
    #[arg(long)]
    json: bool,
}

fn parse_task_type(value: &str) -> Result<TaskType, String> {
    value.parse::<TaskType>().map_err(|e| e.to_string())
}

/// Runs `okstra run`.
pub fn cmd_run(ctx: &CommandContext, args: &RunArgs) -> Result<ExitStatus, CommandError> {
    // Identity first: nothing is written before every input is known to be good.
    let (group, id) = TaskKey::parse_task_arg(&args.task)?;
    let brief = args
        .brief
        .as_ref()
        .map(|path| {
            let path = ctx.cwd.join(path);
            fs_err::read_to_string(&path)
                .map_err(|e| CommandError::user(e).hint("--brief takes a readable markdown file"))
        })
        .transpose()?;
    let env_layer = ctx.env.settings_layer()?;
    if !args.prepare_only {
        return Err(CommandError::user_message(
            "this okstra can only prepare runs; worker dispatch is not built yet",
        )
        .hint("add --prepare-only"));
    }

    let home = ctx.home()?;
    let root = ctx.run_project_root();
    let project = load_or_create_project(&root, None, Language::En)?;
    for w in &project.warnings {
        ctx.ui.warn(&format!(
            "{}: unknown key `{}` (ignored)",
            project.paths.project_json().display(),
            w.key
        ));
    }
    let project_layer =
        SettingsLayer::from_config(&project.config, args.task_type).map_err(|e| {
            CommandError::user_message(format!("{}: {e}", project.paths.project_json().display()))
                .hint("fix the value in .okstra/project.json")
        })?;
    let settings = resolve(
        &SettingsLayer::defaults(args.task_type),
        &project_layer,
        &env_layer,
        &SettingsLayer::default(),
    );
    let prepared = prepare_run(
        &home,
        &project,
        &PrepareRequest {
            group,
            id,
            task_type: args.task_type,
            brief,
            base_ref: args.base_ref.clone(),
            category: settings.work_category.value.clone(),
            stage: None,
            seq_override: settings.run_seq_override.map(|s| s.value),
            status: RunStatus::Prepared,
            workers: Vec::new(),
            pid: None,
            replay: false,
        },
    )?;
    if let Some(archived) = &prepared.brief_archived {
        ctx.ui.status(&format!(
            "the previous brief differs; kept it as {}",
            CommandContext::display_path(archived, project.root())
        ));
    }
    let run_dir = CommandContext::display_path(prepared.paths.run_dir(), project.root());
    let wt = &prepared.worktree;
    if args.json {
        let out = json!({
            "runId": prepared.run_id().to_string(),
            "taskKey": prepared.task_key.to_string(),
            "taskType": args.task_type.as_str(),
            "runSeq": prepared.manifest.run_seq.get(),
            "status": prepared.manifest.status,
            "runDir": run_dir,
            "manifest": prepared.paths.manifest().display().to_string(),
            "worktree": wt,
        });
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
    } else {
        let worktree = match (&wt.path, &wt.branch) {
            (Some(path), Some(branch)) => format!("{path} ({}, branch {branch})", wt.status),
            _ => format!("{} ({})", wt.workdir, wt.status),
        };
        ctx.ui.data(&format!(
            "run:       {}\nseq:       {}\nrun dir:   {run_dir}\nworktree:  {worktree}\n",
            prepared.run_id(),
            prepared.manifest.run_seq,
        ));
    }
    Ok(ExitStatus::Success)
}
