//! Owns a stage's worktree and branch on the git CLI (SPEC §8): the branch
//! `okstra/<category>/<group-seg>-<id-seg>-stage-<N>` checked out in
//! `$OKSTRA_HOME/worktrees/<projectId>/<g>/<i>/stage-<N>` (beside the task worktree), pointed
//! at the stage's base — or, for `--reverify`, left at its head. A branch that is moved off a
//! head it already had keeps that head as `refs/okstra/attempts/stage-<N>-<k>` first, so no
//! attempt's commits are ever lost and a new attempt's `base..head` never includes them.
//!
//! The caller holds the registry lock and records the worktree there.

use std::path::{Path, PathBuf};

use okstra_core::Stage;
use okstra_core::stage_record::{ATTEMPT_REF_PREFIX, attempt_ref, next_attempt};

use crate::errors::{GitError, StoreError, WorktreeError};
use crate::git::GitCommand;
use crate::git::worktree::is_worktree_of;

/// Where a stage worktree's branch goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BranchTarget<'a> {
    /// Point the branch at this commit (the stage's base), keeping a different head it had as
    /// an attempt ref.
    ResetTo(&'a str),
    /// Keep the branch's head (`--reverify`); a missing branch is made at this commit.
    KeepHead(&'a str),
}

/// A stage worktree, ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StageWorktree {
    pub(crate) path: PathBuf,
    pub(crate) branch: String,
    /// The branch's head now.
    pub(crate) head: String,
    /// The ref that keeps the head the branch had before, when it was moved.
    pub(crate) attempt_ref: Option<String>,
}

/// Makes `path` a worktree of the repository `git` runs in, with `branch` checked out and
/// pointed as `target` says.
pub(crate) fn provision_stage_worktree(
    git: &GitCommand,
    stage: Stage,
    path: &Path,
    branch: &str,
    target: BranchTarget<'_>,
) -> Result<StageWorktree, WorktreeError> {
    let old_head = git.resolve_commit(&format!("refs/heads/{branch}"))?;
    let (commit, keep) = match target {
        BranchTarget::ResetTo(base) => (base, old_head.as_deref().filter(|h| *h != base)),
        BranchTarget::KeepHead(fallback) => (old_head.as_deref().unwrap_or(fallback), None),
    };
    let attempt = match keep {
        Some(head) => Some(keep_attempt(git, stage, head)?),
        None => None,
    };
    let path_text = path.display().to_string();
    if is_worktree_of(git, path)? {
        let here = GitCommand::new(path);
        here.run(&["checkout", "--quiet", "--force", "-B", branch, commit])?;
        // What the previous attempt left untracked goes too (ignored files stay).
        here.run(&["clean", "--quiet", "--force", "-d"])?;
    } else {
        // A worktree folder deleted by hand leaves stale metadata that blocks `worktree add`.
        git.run(&["worktree", "prune"])?;
        if let Some(parent) = path.parent() {
            crate::private::create_dir_all(parent).map_err(StoreError::from)?;
        }
        if old_head.is_some() {
            if old_head.as_deref() != Some(commit) {
                git.run(&["branch", "--force", branch, commit])?;
            }
            git.run(&["worktree", "add", "--quiet", &path_text, branch])?;
        } else {
            git.run(&[
                "worktree", "add", "--quiet", "-b", branch, &path_text, commit,
            ])?;
        }
    }
    Ok(StageWorktree {
        path: path.to_path_buf(),
        branch: branch.to_owned(),
        head: commit.to_owned(),
        attempt_ref: attempt,
    })
}

/// Keeps `head` as the next `refs/okstra/attempts/stage-<N>-<k>`; returns the ref.
fn keep_attempt(git: &GitCommand, stage: Stage, head: &str) -> Result<String, GitError> {
    let listing = git.run(&[
        "for-each-ref",
        "--format=%(refname)",
        &format!("{ATTEMPT_REF_PREFIX}stage-{stage}-*"),
    ])?;
    let name = attempt_ref(stage, next_attempt(stage, listing.lines()));
    // `update-ref <ref> <new> <old>` with an empty old value refuses a ref that exists.
    git.run(&["update-ref", &name, head, ""])?;
    Ok(name)
}
