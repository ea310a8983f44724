//! `okstra ctl attach <run>`: this terminal attached to the tmux session a detached run runs
//! in (the manifest's `tmuxSession`) — tmux takes the process over (`exec`). A run with no
//! session, or whose session is gone, is a clear exit 2; `--print` prints the command instead.

use std::os::unix::process::CommandExt as _;
use std::process::Command;

use clap::Args;
use okstra_engine::{Tmux, TmuxError, find_run};

use crate::command_error::{CommandError, ExitStatus};
use crate::context::CommandContext;

/// Attach this terminal to a detached run's tmux session
#[derive(Debug, Args)]
pub struct CtlAttachArgs {
    /// A run id, a unique prefix of one, or a manifest path
    #[arg(value_name = "RUN")]
    run: String,

    /// Print the command that attaches, instead of running it
    #[arg(long)]
    print: bool,
}

/// Runs `okstra ctl attach`.
pub fn cmd_ctl_attach(
    ctx: &CommandContext,
    args: &CtlAttachArgs,
) -> Result<ExitStatus, CommandError> {
    let home = ctx.home()?;
    let manifest = find_run(&home, &args.run)?.manifest;
    let id = manifest.run_id;
    let Some(session) = manifest.tmux_session.clone() else {
        return Err(CommandError::user_message(format!(
            "run {id} has no tmux session: it did not run detached"
        ))
        .hint(format!(
            "only runs started with `okstra run --detach` or `okstra ctl rerun` have one; \
             `okstra ctl show {id}` shows this run"
        )));
    };
    let tmux = Tmux::of_run(ctx.env.vars(), &manifest).map_err(|e| match e {
        TmuxError::NotFound => CommandError::user_message(format!(
            "tmux is not on PATH: run {id}'s session {session} cannot be attached"
        ))
        .hint("install tmux, or put it on PATH"),
        other => CommandError::from(other),
    })?;
    if !tmux.has_session(&session)? {
        return Err(CommandError::user_message(format!(
            "run {id}'s tmux session {session} is gone (the run is {})",
            manifest.status
        ))
        .hint(format!(
            "a session ends with its run; `okstra ctl show {id}` shows how it ended"
        )));
    }
    if args.print {
        ctx.ui.data_line(&tmux.attach_command(&session));
        return Ok(ExitStatus::Success);
    }
    // Inside tmux (`$TMUX`) on the same server, the client switches to the session; on
    // another server (a private `OKSTRA_TMUX_SOCKET`), a nested client attaches to it.
    let mut env = ctx.env.vars().clone();
    let inside = env.get("TMUX").is_some_and(|v| !v.is_empty());
    let argv = if inside && tmux.socket().is_none() {
        tmux.switch_argv(&session)
    } else {
        env.remove("TMUX");
        tmux.attach_argv(&session)
    };
    // `exec` returns only when tmux could not be started.
    let err = Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .envs(&env)
        .exec();
    Err(CommandError::internal(err).hint(format!(
        "attach yourself: {}",
        tmux.attach_command(&session)
    )))
}
