//! Owns applying a replay answer's scripted patch: the unified diff goes through `git apply` in
//! the worker's folder (git refuses paths outside the worktree), then, when the answer names a
//! commit subject, everything is committed with it — real commits, so tests and the demo show
//! real history. Without a subject the changes are left for okstra's leftover commit; outside a
//! git work tree (a project outside git) the patch is applied and nothing is committed.

use std::io::Write as _;
use std::path::Path;

use okstra_core::evidence::StageCommit;

use super::commit::{commit_all, in_git_work_tree};
use super::error::ExecutorError;
use crate::git::GitCommand;

/// Applies `patch` in `workdir` and, with a `subject`, commits the result; returns the commit
/// made. A patch that does not apply is `ExecutorError::Git` with git's message, and leaves
/// the worktree as it was (`git apply` is all or nothing).
pub(crate) fn apply_scripted_patch(
    workdir: &Path,
    patch: &str,
    subject: Option<&str>,
) -> Result<Option<StageCommit>, ExecutorError> {
    let mut file = tempfile::Builder::new()
        .prefix("okstra-replay-")
        .suffix(".patch")
        .tempfile()
        .map_err(|source| ExecutorError::PatchFile {
            path: std::env::temp_dir(),
            source,
        })?;
    let written = file.write_all(patch.as_bytes()).and_then(|()| file.flush());
    if let Err(source) = written {
        return Err(ExecutorError::PatchFile {
            path: file.path().to_path_buf(),
            source,
        });
    }
    GitCommand::new(workdir).run(&[
        std::ffi::OsStr::new("apply"),
        std::ffi::OsStr::new("--whitespace=nowarn"),
        file.path().as_os_str(),
    ])?;
    match subject {
        Some(subject) if in_git_work_tree(workdir) => Ok(Some(commit_all(workdir, subject)?)),
        _ => Ok(None),
    }
}
