//! Owns the blame of an implementation run's stage (SPEC §8, §12): every refusal of the plan
//! or the stage — no approved plan, a blocked gate, failing rules, a stage in the wrong state
//! for `--retry` / `--redo` / `--reverify`, dependencies that do not merge, a second stage run
//! in a project root — is the user's (exit 2) with what to do; git and store failures keep
//! their own blame.

use okstra_engine::{StageError, StageRunError};

use super::CommandError;

impl From<StageError> for CommandError {
    fn from(err: StageError) -> Self {
        let err = match err {
            StageError::Plan(e) => return e.into(),
            StageError::Ledger(e) => return e.into(),
            StageError::Worktree(e) => return e.into(),
            StageError::Git(e) => return e.into(),
            StageError::Store(e) => return e.into(),
            other => other,
        };
        let hint = match &err {
            StageError::NoApprovedPlan { latest, .. } => format!(
                "review the plan, then `okstra approve {}`",
                latest.display()
            ),
            StageError::NotApproved { plan } => {
                format!("review the plan, then `okstra approve {}`", plan.display())
            }
            StageError::NotTaskPlan { .. } => "name one of the task's plans (a run id, or its \
                 report), or bring the file in with `okstra plan import <file.md> --task <group>/<id>`"
                .to_owned(),
            StageError::GateBlocked { .. } => {
                "a plan the gate blocked needs a new `okstra run implementation-planning`".to_owned()
            }
            StageError::Failing { .. } => {
                "fix each line named above, then run `okstra plan check` on the plan".to_owned()
            }
            StageError::WrongState { mode, .. } | StageError::NoneFor { mode, .. } => match mode.as_str() {
                "retry" => "--retry takes a started stage whose run failed or died; --redo reopens a done stage".to_owned(),
                "redo" | "reverify" => "`okstra ledger show --task <group>/<id>` shows where each stage stands".to_owned(),
                _ => "use --stage auto to take the next ready stage".to_owned(),
            },
            StageError::StillRunning { .. } => {
                "wait for it to end, or stop it (Ctrl-C, or kill its okstra process) first".to_owned()
            }
            StageError::Prepared { run_id, .. } => {
                format!("`okstra resume {run_id}` runs it")
            }
            StageError::NoBase { .. } => "`okstra ledger repair --task <group>/<id>` recovers rows \
                 from the carry sidecars; else run the stage again with --redo"
                .to_owned(),
            StageError::MergeConflict { .. } => "resolve the conflict between those stages (redo \
                 one of them on top of the other with --redo), or change the plan so the stage \
                 depends on one of them"
                .to_owned(),
            StageError::OneAtATime { .. } => "wait for that run to end: outside a git repository \
                 (or in a nested worktree) okstra has no stage worktree to keep two stages apart"
                .to_owned(),
            StageError::ExecutorCannotRun { .. } => {
                "`okstra doctor` checks every worker CLI; --executor chooses another agent".to_owned()
            }
            StageError::NoTaskHead { .. } => {
                "the task's base ref must name a commit: use a new task id with --base-ref <REF>"
                    .to_owned()
            }
            // Handled before this match.
            StageError::Plan(_)
            | StageError::Ledger(_)
            | StageError::Worktree(_)
            | StageError::Git(_)
            | StageError::Store(_) => return CommandError::internal(err),
        };
        CommandError::user(err).hint(hint)
    }
}

impl From<StageRunError> for CommandError {
    fn from(err: StageRunError) -> Self {
        match err {
            StageRunError::Plan(e) => e.into(),
            StageRunError::Io(e) => CommandError::internal(e),
            StageRunError::NoStage { .. } | StageRunError::NoSuchStage { .. } => {
                CommandError::user(err).hint(
                    "the plan changed since the run was prepared: start a new implementation run",
                )
            }
        }
    }
}
