//! `okstra resume <run>`: continue a run an okstra left unfinished.

use std::path::Path;

use clap::Args;
use okstra_core::manifest::RunManifest;
use okstra_core::settings::{RunSettings, SettingsLayer};
use okstra_core::status::RunStatus;
use okstra_engine::{
    ResumeOutcome, ResumeRun, RunSummary, Tmux, find_run, leave_session, load_project, resume,
    take_session_env,
};
use serde_json::{Value, json};

use crate::command_error::{CommandError, ExitStatus, settings_error};
use crate::commands::run::detach::launch;
use crate::commands::run::{print_summary, summary_json};
use crate::context::CommandContext;
use crate::json_out::{absolute, print_json};
use crate::settings::EnvSnapshot;

/// Continue a run that was killed or interrupted
///
/// Stops any worker the dead okstra left running, reuses every finished worker's result (never
/// asking a model again), re-runs what was unfinished, and completes the report.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// A run id, a unique prefix of one, or a manifest path
    #[arg(value_name = "RUN")]
    run: String,

    /// Print the outcome as JSON on stdout (also when there is nothing to resume)
    #[arg(long)]
    json: bool,

    /// Run it in its own tmux session (`okstra-<short run id>`) and print the run id, the
    /// session name and the command that attaches to it
    #[arg(long, conflicts_with = "env_file")]
    detach: bool,

    /// Run it as a background process with no terminal (no tmux needed; its output goes to
    /// state/background-<seq>.log in the run folder) and print the run id, the pid and that log
    #[arg(long, conflicts_with_all = ["env_file", "detach"])]
    background: bool,

    /// Leave the terminal's session first (how a background run's okstra starts; not for
    /// people)
    #[arg(long, hide = true, conflicts_with_all = ["detach", "background"])]
    own_session: bool,

    /// Take okstra's environment from this file, and remove it (how a detached run's tmux
    /// session gets its environment; not for people)
    #[arg(long, value_name = "FILE", hide = true)]
    env_file: Option<std::path::PathBuf>,
}

/// Runs `okstra resume`.
pub fn cmd_resume(ctx: &CommandContext, args: &ResumeArgs) -> Result<ExitStatus, CommandError> {
    if args.own_session
        && let Err(e) = leave_session()
    {
        ctx.ui
            .warn(&format!("cannot leave the terminal's session: {e}"));
    }
    match &args.env_file {
        // A detached run's session: the environment it was started with is okstra's.
        Some(file) => {
            let vars = take_session_env(file, &args.run)?;
            let ctx = CommandContext {
                env: EnvSnapshot::handed_over(vars, ctx.env.start_dir().to_path_buf()),
                cwd: ctx.cwd.clone(),
                ui: ctx.ui.clone(),
            };
            resume_run(&ctx, args)
        }
        None => resume_run(ctx, args),
    }
}

/// Resumes the run of `args` with `ctx`.
fn resume_run(ctx: &CommandContext, args: &ResumeArgs) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let manifest = find_run(&home, &args.run)?.manifest;
    let project = load_project(Path::new(&manifest.project_root))?;
    let ended = matches!(manifest.status, RunStatus::Completed | RunStatus::Failed);
    if args.detach || args.background {
        // A run that has ended is answered here, at once, as a foreground resume answers it —
        // without supervising anything (`okstra mcp` runs this in-process: no runtime, no
        // signal handlers of a run's supervisor may be set up in the server).
        if ended {
            ctx.ui.status(&format!(
                "run {} already ended {}; nothing to resume",
                manifest.run_id, manifest.status
            ));
            if args.json {
                print_json(&ctx.ui, &finished_json(&manifest, manifest.status))?;
            }
            return Ok(ExitStatus::Success);
        }
        let tmux = if args.detach {
            Some(Tmux::locate(ctx.env.vars())?)
        } else {
            None
        };
        return launch(ctx, tmux.as_ref(), &manifest, &home, args.json);
    }
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
    let before = args.json.then(|| manifest.clone());
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
            if let Some(manifest) = &before {
                print_json(&ctx.ui, &finished_json(manifest, status))?;
            }
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
            if args.json {
                print_json(&ctx.ui, &resumed_json(&summary, stopped_leftovers))?;
                for failure in &summary.validation {
                    ctx.ui.warn(&format!("validation: {failure}"));
                }
            } else {
                print_summary(ctx, &root, &summary, false)?;
            }
            Ok(ExitStatus::from(summary.status))
        }
    }
}

/// Returns the JSON of a resumed run: `run --json`'s summary, with `resumed: true` and how many
/// processes of the dead okstra were stopped.
fn resumed_json(summary: &RunSummary, stopped_leftovers: usize) -> Value {
    let mut out = summary_json(summary);
    out["resumed"] = json!(true);
    out["stoppedLeftovers"] = json!(stopped_leftovers);
    out
}

/// Returns the JSON of a run that had already ended: who it is, how it ended, its files, and
/// `resumed: false`.
fn finished_json(manifest: &RunManifest, status: RunStatus) -> Value {
    let root = Path::new(&manifest.project_root);
    let paths = manifest.paths();
    let report = paths.report_markdown();
    json!({
        "runId": manifest.run_id.to_string(),
        "taskKey": manifest.task_key().to_string(),
        "taskType": manifest.task_type,
        "runSeq": manifest.run_seq.get(),
        "status": status,
        "resumed": false,
        "runDir": absolute(paths.run_dir(), root),
        "manifest": absolute(&paths.manifest(), root),
        "report": report.is_file().then(|| absolute(&report, root)),
    })
}
