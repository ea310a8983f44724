//! `okstra run --detach` and `--background`: the run is prepared here, in the foreground —
//! every refusal a real run would meet is shown at once with its exit code, the seq is
//! reserved — then `okstra resume <run>` runs it: in its tmux session (named in the manifest),
//! started through the engine's one tmux launcher, or, with `--background`, as a background
//! process with no terminal, its output in the run's `state/background-<seq>.log`. Prints the
//! run id and the session name and the command that attaches to it (`--json`: `{runId,
//! sessionName, attach}`), or the pid and the log (`--json`: `{runId, pid, log}`).
//! `okstra resume --detach|--background` starts an unfinished run the same way.

use okstra_core::manifest::RunManifest;
use okstra_engine::{
    Home, LoadedProject, NewRun, ResumeLaunch, Tmux, launch_background_resume, prepare_background,
    prepare_detached,
};
use serde_json::{Value, json};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Prepares `new` and starts it in its tmux session, or in the background.
pub(super) fn start(
    ctx: &CommandContext,
    project: &LoadedProject,
    new: &NewRun,
    background: bool,
    json: bool,
) -> Result<ExitStatus, CommandError> {
    // No tmux is refused before anything is written.
    let tmux = if background {
        None
    } else {
        Some(Tmux::locate(ctx.env.vars())?)
    };
    let prepared = if background {
        prepare_background(new)?
    } else {
        prepare_detached(new)?
    };
    if let Some(archived) = &prepared.brief_archived {
        ctx.ui.status(&format!(
            "the previous brief differs; kept it as {}",
            CommandContext::display_path(archived, project.root())
        ));
    }
    launch(ctx, tmux.as_ref(), &prepared.manifest, &new.home, json)
}

/// Starts `okstra resume` of `manifest`'s run in its tmux session (`tmux`), else in the
/// background, and prints where it runs.
pub(crate) fn launch(
    ctx: &CommandContext,
    tmux: Option<&Tmux>,
    manifest: &RunManifest,
    home: &Home,
    json: bool,
) -> Result<ExitStatus, CommandError> {
    let run_id = manifest.run_id.to_string();
    let okstra = std::env::current_exe().map_err(CommandError::internal)?;
    let launch = ResumeLaunch {
        okstra: &okstra,
        manifest,
        home,
        env: ctx.env.vars(),
    };
    let prepared_hint =
        || format!("run {run_id} is prepared: `okstra resume {run_id}` runs it in the foreground");
    let (out, status, text): (Value, String, String) = if let Some(tmux) = tmux {
        let session = tmux
            .launch_resume(&launch)
            .map_err(|e| CommandError::from(e).hint(prepared_hint()))?;
        let attach = tmux.attach_command(&session);
        (
            json!({"runId": run_id, "sessionName": session, "attach": attach}),
            format!(
                "run {run_id} runs detached in tmux session {session}; it goes on after \
                     this command"
            ),
            format!(
                "run:     {run_id}\nseq:     {}\nsession: {session}\nattach:  {attach}\n",
                manifest.run_seq
            ),
        )
    } else {
        let started = launch_background_resume(&launch)
            .map_err(|e| CommandError::internal(e).hint(prepared_hint()))?;
        let log = started.log.display().to_string();
        (
            json!({"runId": run_id, "pid": started.pid, "log": log}),
            format!(
                "run {run_id} runs in the background (pid {}); it goes on after this command",
                started.pid
            ),
            format!(
                "run:     {run_id}\nseq:     {}\npid:     {}\nlog:     {log}\n",
                manifest.run_seq, started.pid
            ),
        )
    };
    if json {
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
    } else {
        ctx.ui.status(&status);
        ctx.ui.data(&text);
    }
    Ok(ExitStatus::Success)
}
