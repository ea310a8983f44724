//! Owns okstra's own commits of an executor's work, on the git CLI: after an invocation, what
//! the executor left uncommitted (tracked or untracked, `.gitignore` respected) is committed as
//! `okstra: uncommitted executor changes`; in step mode, each step's changes are committed with
//! the step's subject (`RED: …`). Also the reads those decisions need: the head, whether the
//! worktree has changes, how many commits a range holds.
//!
//! Identity: `git::identity` (the configured one, else `okstra <okstra@localhost>` through
//! `-c`, never changing the user's configuration). okstra's commits skip the
//! repository's commit hooks (`--no-verify`): they record what the executor left exactly as it
//! is, and judging it is the evidence's and the verifier's job.

use std::path::Path;

use okstra_core::evidence::StageCommit;
use okstra_core::executor::{LEFTOVER_SUBJECT, StepInvocation};

use crate::errors::GitError;
use crate::git::{GitCommand, identity_args};

/// What okstra did after one step of step mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepCommit {
    /// okstra committed the step's changes with the step's subject.
    Committed(StageCommit),
    /// The executor committed the step itself and left nothing: the head moved to `head`.
    ByExecutor { head: String },
    /// The step changed nothing: no commit (the report says so).
    NothingChanged,
}

/// Returns whether `workdir` is inside a git work tree (a project outside git, or a
/// `skipped-*` worktree, is not: okstra makes no commits there).
pub fn in_git_work_tree(workdir: &Path) -> bool {
    GitCommand::new(workdir)
        .run(&["rev-parse", "--is-inside-work-tree"])
        .is_ok_and(|out| out == "true")
}

/// Returns the commit `HEAD` names in `workdir`.
pub fn head(workdir: &Path) -> Result<String, GitError> {
    GitCommand::new(workdir).run(&["rev-parse", "--verify", "HEAD^{commit}"])
}

/// Returns whether the worktree of `workdir` has tracked or untracked (not ignored) changes.
pub fn has_uncommitted_changes(workdir: &Path) -> Result<bool, GitError> {
    let status = GitCommand::new(workdir).run(&[
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--ignore-submodules=none",
    ])?;
    Ok(!status.is_empty())
}

/// Returns how many commits `base..HEAD` holds in `workdir`.
pub fn commits_since(workdir: &Path, base: &str) -> Result<usize, GitError> {
    let range = format!("{base}..HEAD");
    let count = GitCommand::new(workdir).run(&["rev-list", "--count", &range, "--"])?;
    Ok(count.trim().parse().unwrap_or(0))
}

/// Commits everything an executor left uncommitted in `workdir` as
/// `okstra: uncommitted executor changes`; returns the commit, or `None` when nothing was left.
pub fn commit_leftovers(workdir: &Path) -> Result<Option<StageCommit>, GitError> {
    if !has_uncommitted_changes(workdir)? {
        return Ok(None);
    }
    commit_all(workdir, LEFTOVER_SUBJECT).map(Some)
}

/// Commits one step of step mode: what the step left is committed with the step's subject.
/// `head_before` is the head when the step's invocation started.
pub fn commit_step(
    workdir: &Path,
    step: &StepInvocation,
    head_before: &str,
) -> Result<StepCommit, GitError> {
    if has_uncommitted_changes(workdir)? {
        return commit_all(workdir, &step.subject).map(StepCommit::Committed);
    }
    let now = head(workdir)?;
    if now == head_before {
        Ok(StepCommit::NothingChanged)
    } else {
        Ok(StepCommit::ByExecutor { head: now })
    }
}

/// Stages every change in the worktree of `workdir` and commits it with `subject`, as the
/// configured identity or okstra's fallback; returns the new commit.
pub(crate) fn commit_all(workdir: &Path, subject: &str) -> Result<StageCommit, GitError> {
    let git = GitCommand::new(workdir);
    git.run(&["add", "--all"])?;
    let mut args = identity_args(&git)?;
    args.extend(["commit", "--quiet", "--no-verify", "--message", subject].map(str::to_owned));
    git.run(&args)?;
    Ok(StageCommit {
        sha: head(workdir)?,
        subject: subject.to_owned(),
    })
}
