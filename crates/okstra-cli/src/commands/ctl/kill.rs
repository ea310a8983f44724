//! `okstra ctl kill <run>`: stops a run's okstra — SIGTERM, on which it stops its workers and
//! records the run `interrupted`; SIGKILL if it has not ended after the grace. The pid is
//! checked against the start time the manifest recorded before each signal, so a reused pid
//! is never signalled. The run's tmux session, if any, is ended with it.

use std::path::Path;
use std::time::Duration;

use clap::Args;
use okstra_engine::{KillError, Killed, Tmux, find_run, kill_run, load_manifest, load_project};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Stop a run: SIGTERM to its okstra, then SIGKILL after the grace
///
/// On SIGTERM okstra stops its workers and records the run `interrupted`. The pid is checked
/// against the start time the manifest recorded, so a reused pid is never signalled.
#[derive(Debug, Args)]
pub struct CtlKillArgs {
    /// A run id, a unique prefix of one, or a manifest path
    #[arg(value_name = "RUN")]
    run: String,

    /// How long okstra gets to stop its workers before SIGKILL (default: the project's
    /// killGrace plus 10s)
    #[arg(long, value_name = "DURATION")]
    grace: Option<String>,
}

/// Runs `okstra ctl kill`.
pub fn cmd_ctl_kill(ctx: &CommandContext, args: &CtlKillArgs) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let found = find_run(&home, &args.run)?;
    let manifest = found.manifest;
    let id = manifest.run_id;
    let grace = match &args.grace {
        Some(text) => okstra_core::duration::parse_duration(text)?,
        None => default_grace(&manifest.project_root),
    };
    let killed = kill_run(&manifest, grace).map_err(|e| kill_error(e, &id.to_string()))?;
    let after = load_manifest(&found.manifest_path).ok();
    let status = after
        .as_ref()
        .map_or_else(|| "unknown".to_owned(), |m| m.status.to_string());
    match killed {
        Killed::Terminated { pid, after: took } => ctx.ui.data_line(&format!(
            "run {id}: okstra (pid {pid}) stopped after SIGTERM in {:.1}s; status: {status}",
            took.as_secs_f64()
        )),
        Killed::Killed { pid } => {
            ctx.ui.data_line(&format!(
                "run {id}: okstra (pid {pid}) did not stop within {:.1}s of SIGTERM: sent SIGKILL; status: {status}",
                grace.as_secs_f64()
            ));
            ctx.ui.stderr_line(&format!(
                "hint: its workers may be left running: `okstra ctl reconcile` stops them and \
                 marks the run interrupted; `okstra resume {id}` continues it"
            ));
        }
    }
    if let Some(session) = &manifest.tmux_session {
        // The session waits for Enter after a failed command; the user asked for it gone.
        if let Ok(tmux) = Tmux::of_run(ctx.env.vars(), &manifest)
            && tmux.kill_session(session).unwrap_or(false)
        {
            ctx.ui.status(&format!("ended its tmux session {session}"));
        }
    }
    if matches!(killed, Killed::Terminated { .. }) && status == "running" {
        ctx.ui.warn(&format!(
            "run {id} still reads running: `okstra ctl reconcile` marks it interrupted"
        ));
    }
    Ok(ExitStatus::Success)
}

/// Returns the project's `killGrace` plus 10 s (the time okstra needs to stop its workers and
/// write its files); 15 s when the project cannot be read.
fn default_grace(root: &str) -> Duration {
    let worker_grace = load_project(Path::new(root))
        .ok()
        .and_then(|p| p.config.kill_grace.clone())
        .and_then(|text| okstra_core::duration::parse_duration(&text).ok())
        .unwrap_or(Duration::from_secs(5));
    worker_grace + Duration::from_secs(10)
}

/// Returns the user error of a run that cannot be killed.
fn kill_error(err: KillError, id: &str) -> CommandError {
    match err {
        KillError::NotRunning { .. } => {
            CommandError::user(err).hint(format!("`okstra ctl show {id}` shows the run"))
        }
        KillError::Gone { .. } => CommandError::user(err).hint(format!(
            "`okstra ctl reconcile` marks it interrupted and stops its leftover workers; \
             `okstra resume {id}` continues it"
        )),
        KillError::Signal { .. } => CommandError::internal(err),
    }
}
