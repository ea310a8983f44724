//! `okstra run --detach`: the run is prepared here, in the foreground — every refusal a real
//! run would meet is shown at once with its exit code, the seq is reserved, and the manifest
//! names the run's tmux session — then `okstra resume <run>` runs it in that session, started
//! through the engine's one tmux launcher. Prints the run id, the session name and the
//! command that attaches to it (`--json`: `{runId, sessionName, attach}`).

use okstra_engine::{LoadedProject, NewRun, ResumeLaunch, Tmux, prepare_detached};
use serde_json::json;

use super::RunArgs;
use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Prepares `new` and starts it in its tmux session.
pub(super) fn start(
    ctx: &CommandContext,
    project: &LoadedProject,
    new: &NewRun,
    args: &RunArgs,
) -> Result<ExitStatus, CommandError> {
    // No tmux is refused before anything is written.
    let tmux = Tmux::locate(ctx.env.vars())?;
    let prepared = prepare_detached(new)?;
    if let Some(archived) = &prepared.brief_archived {
        ctx.ui.status(&format!(
            "the previous brief differs; kept it as {}",
            CommandContext::display_path(archived, project.root())
        ));
    }
    let run_id = prepared.run_id().to_string();
    let okstra = std::env::current_exe().map_err(CommandError::internal)?;
    let session = tmux
        .launch_resume(&ResumeLaunch {
            okstra: &okstra,
            manifest: &prepared.manifest,
            home: &new.home,
            env: ctx.env.vars(),
        })
        .map_err(|e| {
            CommandError::from(e).hint(format!(
                "run {run_id} is prepared: `okstra resume {run_id}` runs it in the foreground"
            ))
        })?;
    let attach = tmux.attach_command(&session);
    if args.json {
        let out = json!({"runId": run_id, "sessionName": session, "attach": attach});
        ctx.ui
            .data_line(&serde_json::to_string_pretty(&out).map_err(CommandError::internal)?);
    } else {
        ctx.ui.status(&format!(
            "run {run_id} runs detached in tmux session {session}; it goes on after this command"
        ));
        ctx.ui.data(&format!(
            "run:     {run_id}\nseq:     {}\nsession: {session}\nattach:  {attach}\n",
            prepared.manifest.run_seq
        ));
    }
    Ok(ExitStatus::Success)
}
