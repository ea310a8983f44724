//! Owns the errors of a final-verification run okstra cannot start or go on with: stages that
//! are not ready (each named with its fix), a plan whose stage state does not count, a task
//! worktree that cannot move to the merged head, and the ledger and git failures underneath.
//! Blame and hints are the CLI's.

use std::path::PathBuf;

use okstra_core::final_verification::UnreadyStage;
use okstra_core::ledger::PlanConflict;
use thiserror::Error;

use crate::errors::GitError;
use crate::ledger::LedgerError;

/// Why a final-verification run cannot start or go on.
#[derive(Debug, Error)]
pub enum FinalVerificationError {
    #[error(
        "final verification of task {task} needs every stage of its approved plan done; {} {} not:\n{}",
        stages.len(),
        if stages.len() == 1 { "is" } else { "are" },
        stages.iter().map(|s| format!("  {s}")).collect::<Vec<_>>().join("\n")
    )]
    StagesNotReady {
        task: String,
        stages: Vec<UnreadyStage>,
    },
    #[error("final verification of task {task} cannot count the plan's stages: {conflict}")]
    PlanConflict {
        task: String,
        conflict: PlanConflict,
    },
    #[error(
        "the task worktree {} cannot move to the merged head {head}: {stderr}",
        path.display()
    )]
    TaskWorktree {
        path: PathBuf,
        head: String,
        stderr: String,
    },
    #[error(
        "the task worktree {} is on {found}, not on the task branch {branch}: final verification \
         merges the stages into the task branch",
        path.display()
    )]
    OffTaskBranch {
        path: PathBuf,
        branch: String,
        found: String,
    },
    #[error(
        "the task worktree {} has uncommitted changes to tracked files ({}): final verification \
         verifies commits, and they would be checked with these changes in the tree",
        path.display(),
        files.join(", ")
    )]
    DirtyTaskWorktree { path: PathBuf, files: Vec<String> },
    #[error(
        "the task branch {branch} already holds an earlier version of stage {stage} (merged by \
         {merge_commit}); the stage was redone since, and final verification would verify both \
         versions"
    )]
    StageMergedBefore {
        path: PathBuf,
        branch: String,
        stage: u32,
        merge_commit: String,
        /// The task branch before okstra's first stage merge.
        before: String,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Git(#[from] GitError),
}
