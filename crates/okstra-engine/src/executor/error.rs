//! Owns `ExecutorError`: what can go wrong when okstra prepares an executor's launch, commits
//! its work, or applies a replay patch. Each variant keeps the data (argv, status, stderr, path).

use std::io;
use std::path::PathBuf;

use okstra_core::executor::PushGuardError;
use thiserror::Error;

use crate::errors::GitError;

/// A failure of okstra's executor git work.
#[derive(Debug, Error)]
pub enum ExecutorError {
    /// The user's `GIT_CONFIG_*` entries cannot be kept.
    #[error(transparent)]
    PushGuard(#[from] PushGuardError),
    /// A git command failed (its argv, status and stderr are in the error).
    #[error(transparent)]
    Git(#[from] GitError),
    /// The scripted patch could not be written to a temp file for `git apply`.
    #[error("cannot write the scripted patch to {}: {source}", path.display())]
    PatchFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}
