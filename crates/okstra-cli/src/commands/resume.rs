//! `okstra resume <run>`: continue a run an okstra left unfinished.

use std::path::Path;

use clap::Args;
use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_engine::{ResumeOutcome, ResumeRun, find_run, load_project, resume};

use crate::command_error::{CommandError, ExitStatus, settings_error};
use crate::commands::run::print_summary;
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
    let manifest = find_run(&home, &args.run)?.manifest;
    let project = load_project(Path::new(&manifest.project_root))?;
    // The run continues with the settings it was started with.
    let flags = manifest
        .recipe
        .as_ref()
        .map(SettingsLayer::from_recipe)
        .unwrap_or_default();
    let settings =
        RunSettings::resolve(manifest.task_type, &flags, &project.config, ctx.env.vars())
            .map_err(|e| settings_error(e, &project.paths.project_json()))?;
    ctx.ui.status(&format!(
        "resuming run {} ({} #{})",
        manifest.run_id, manifest.task_type, manifest.run_seq
    ));
    let run_id = manifest.run_id;
    let root = project.root().to_path_buf();
    let outcome = resume(ResumeRun {
        home,
        project,
        settings,
        manifest,
        env: ctx.env.vars().clone(),
        sink: ctx.live_sink(),
    })?;
    match outcome {
        ResumeOutcome::AlreadyFinished { status } => {
            ctx.ui.status(&format!(
                "run {run_id} already ended {status}; nothing to resume"
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
            print_summary(ctx, &root, &summary, args.json)?;
            Ok(ExitStatus::from(summary.status))
        }
    }
}
