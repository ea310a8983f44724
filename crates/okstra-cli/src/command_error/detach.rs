//! Blame and hints for what `--related` and `--detach` refuse: a related task that is not in
//! the project, and a detached run with no tmux on PATH or a bad `OKSTRA_TMUX_SOCKET`, are the
//! user's (exit 2); tmux failing when it ran is okstra's (exit 1).

use okstra_engine::{RelatedTaskError, SessionEnvError, TmuxError};

use crate::command_error::CommandError;

impl From<RelatedTaskError> for CommandError {
    fn from(err: RelatedTaskError) -> Self {
        let hint = match &err {
            RelatedTaskError::Unknown { .. } => {
                "name a task of this project as <group>/<id> (`okstra ctl list` shows the tasks' runs)"
            }
            RelatedTaskError::Own { .. } => {
                "drop it: the task's own earlier reports are already in every prompt"
            }
        };
        CommandError::user(err).hint(hint)
    }
}

impl From<TmuxError> for CommandError {
    fn from(err: TmuxError) -> Self {
        match err {
            TmuxError::NotFound => CommandError::user(err)
                .hint("install tmux, or run without --detach to run in the foreground"),
            TmuxError::BadSocket { .. } => CommandError::user(err)
                .hint("set OKSTRA_TMUX_SOCKET to a plain name such as okstra, or unset it"),
            TmuxError::Spawn { .. } | TmuxError::Failed { .. } | TmuxError::EnvFile(_) => {
                CommandError::internal(err)
            }
        }
    }
}

impl From<SessionEnvError> for CommandError {
    /// The environment file is okstra's own hand-over to a session: a bad one is okstra's,
    /// unless it was never one.
    fn from(err: SessionEnvError) -> Self {
        match err {
            SessionEnvError::NotSessionEnv { .. } => CommandError::user(err)
                .hint("--env-file is for the tmux session of `okstra run --detach`; omit it"),
            SessionEnvError::Io(_) | SessionEnvError::Invalid { .. } => CommandError::internal(err),
        }
    }
}
