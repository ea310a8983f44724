//! Owns `EvidenceError`: why okstra could not take a stage's evidence at all (as opposed to
//! evidence that fails the stage, which is a result). Every variant names the folder, commit or
//! command it is about.

use std::path::PathBuf;

use thiserror::Error;

use crate::errors::{GitError, PathError};

/// Okstra could not take a stage's evidence.
#[derive(Debug, Error)]
pub enum EvidenceError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error("{}: `{rev}` names no commit", dir.display())]
    UnknownCommit { dir: PathBuf, rev: String },
    #[error(
        "{}: the worktree is at {found}, not at the stage head {expected}; evidence is taken on the head",
        dir.display()
    )]
    HeadNotCheckedOut {
        dir: PathBuf,
        expected: String,
        found: String,
    },
    #[error(
        "{}: the stage head {head} does not descend from the stage's base {base}: history below \
         the base was rewritten, so the stage's commits cannot be told apart; `--retry` starts \
         again from the base",
        dir.display()
    )]
    HeadNotDescendant {
        dir: PathBuf,
        base: String,
        head: String,
    },
    #[error(
        "{}: the stage worktree is on {found}, not on the stage branch {expected}: evidence is \
         taken on the stage branch (check it out again, or `--retry`)",
        dir.display()
    )]
    OffStageBranch {
        dir: PathBuf,
        expected: String,
        found: String,
    },
    #[error(
        "{}: the worktree has uncommitted changes to tracked files; evidence is bound to a commit",
        dir.display()
    )]
    UncommittedChanges { dir: PathBuf },
    #[error("{}: the scratch worktree at the RED commit could not be removed: {detail}", path.display())]
    ScratchLeft { path: PathBuf, detail: String },
    #[error("okstra was interrupted while taking the stage's evidence")]
    Interrupted,
}
