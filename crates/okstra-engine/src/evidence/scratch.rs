//! Owns the scratch worktree of a TDD proof: a detached checkout of the RED commit in a
//! private folder okstra makes for it (exclusively, 0700) under a given folder — the run's
//! temp folder — with no hooks run. It is always removed afterwards (`git worktree remove
//! --force`, then `git worktree prune`, then the folder), on success, on error, and when the
//! proof's future is dropped.

use std::path::{Path, PathBuf};

use super::error::EvidenceError;
use crate::git::GitCommand;
use crate::tmp::{make_private_dir, remove_private_dir};

/// A checkout of one commit beside the stage worktree, removed when done.
#[derive(Debug)]
pub(crate) struct ScratchWorktree {
    git: GitCommand,
    path: PathBuf,
    removed: bool,
}

impl ScratchWorktree {
    /// Checks `commit` out, detached, in a new private folder under `base`, from the
    /// repository of `repo`.
    pub(crate) fn add(repo: &GitCommand, base: &Path, commit: &str) -> Result<Self, EvidenceError> {
        let path = make_private_dir(base, "okstra-red-")?;
        let scratch = Self {
            git: repo.clone(),
            path,
            removed: false,
        };
        let target = scratch.path.display().to_string();
        // Hooks could come from the stage's own tree (core.hooksPath): none run here.
        repo.run(&[
            "-c",
            "core.hooksPath=/dev/null",
            "worktree",
            "add",
            "--detach",
            "--quiet",
            &target,
            commit,
        ])?;
        Ok(scratch)
    }

    /// Returns the folder of the checkout.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the checkout and its folder; fails when the folder is still there.
    pub(crate) fn remove(mut self) -> Result<(), EvidenceError> {
        self.removed = true;
        self.remove_now()
    }

    fn remove_now(&self) -> Result<(), EvidenceError> {
        let target = self.path.display().to_string();
        let removed = self
            .git
            .run(&["worktree", "remove", "--force", "--force", &target]);
        // Whatever became of it, the folder goes, and git forgets a checkout that is gone.
        remove_private_dir(&self.path);
        let _ = self.git.run(&["worktree", "prune"]);
        if self.path.exists() {
            return Err(EvidenceError::ScratchLeft {
                path: self.path.clone(),
                detail: removed.err().map_or_else(
                    || "the folder could not be deleted".to_owned(),
                    |e| e.to_string(),
                ),
            });
        }
        Ok(())
    }
}

impl Drop for ScratchWorktree {
    fn drop(&mut self) {
        if !self.removed {
            let _ = self.remove_now();
        }
    }
}
