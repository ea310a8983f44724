//! `okstra resume <run>`: continue a run an okstra left unfinished.

use clap::Args;
use okstra_core::settings::{SettingsLayer, resolve};
use okstra_core::status::RunStatus;
use okstra_engine::prepare::PrepareRequest;
use okstra_engine::project::load_project;
use okstra_engine::runner::resume::{ResumeOutcome, resume_run};
use okstra_engine::runs::find_run;

use crate::command_error::{CommandError, ExitStatus};
use crate::commands::run::{block_on_run, build_request};
use crate::context::CommandContext;

/// Continue a run that was killed or interrupted
///
/// Stops any worker the dead okstra left running, reuses every finished worker's result (never
/// asking a model again), re-runs what was unfinished, and completes the report.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// A run id, a unique prefix of one, or a manifest path
    #[arg(value_name = "RUN")]
    run: String,

    /// Print the outcome as JSON on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `okstra resume`.
pub fn cmd_resume(ctx: &CommandContext, args: &ResumeArgs) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let found = find_run(&home, &args.run)?;
    let manifest = found.manifest.clone();
    let project = load_project(std::path::Path::new(&manifest.project_root))?;
    let project_layer =
        SettingsLayer::from_config(&project.config, manifest.task_type).map_err(|e| {
            CommandError::user_message(format!("{}: {e}", project.paths.project_json().display()))
        })?;
    let flags = manifest
        .recipe
        .as_ref()
        .map(SettingsLayer::from_recipe)
        .unwrap_or_default();
    let settings = resolve(
        &SettingsLayer::defaults(manifest.task_type),
        &project_layer,
        &ctx.env.settings_layer()?,
        &flags,
    );
    let (group, id) = (
        okstra_core::TaskName::parse(&manifest.task_group)?,
        okstra_core::TaskName::parse(&manifest.task_id)?,
    );
    let prepare = PrepareRequest {
        group,
        id,
        task_type: manifest.task_type,
        brief: None,
        base_ref: None,
        category: settings.work_category.value.clone(),
        stage: manifest.stage,
        seq_override: None,
        status: RunStatus::Running,
        workers: Vec::new(),
        pid: None,
        replay: manifest.replay,
        recipe: manifest.recipe.clone(),
    };
    let (request, cancel) =
        build_request(ctx, home, &project, &settings, prepare, manifest.task_type)?;
    ctx.ui.status(&format!(
        "resuming run {} ({} #{})",
        manifest.run_id, manifest.task_type, manifest.run_seq
    ));
    match block_on_run(&cancel, resume_run(request, manifest))? {
        ResumeOutcome::AlreadyFinished { status } => {
            ctx.ui.status(&format!(
                "run {} already ended {status}; nothing to resume",
                found.manifest.run_id
            ));
            Ok(ExitStatus::Success)
        }
        ResumeOutcome::Resumed {
            summary,
            stopped_leftovers,
        } => {
            if stopped_leftovers > 0 {
                ctx.ui.status(&format!(
                    "stopped {stopped_leftovers} process(es) the dead okstra left running"
                ));
            }
            crate::commands::run::print_summary(ctx, &project, &summary, args.json)?;
            Ok(match summary.status {
                RunStatus::Interrupted => ExitStatus::Interrupted,
                RunStatus::Failed => ExitStatus::RunFailed,
                _ => ExitStatus::Success,
            })
        }
    }
}
