//! Owns the scratch worktree of a TDD proof: a detached checkout of the RED commit in a
//! private folder okstra makes for it (exclusively, 0700) under a given folder — the run's
//! temp folder — with no hooks run. It is always removed afterwards (`git worktree remove
//! --force`, then `git worktree prune`, then the folder), on success, on error, and when the
//! proof's future is dropped.
//!
//! A checkout has only what git tracks: the dependencies a project installs beside its code
//! (`node_modules`, a Python `.venv` …) are not there, and the RED commit's tests would fail for
//! want of them — a failure that proves nothing. So the stage worktree's top-level dependency
//! folders that git ignores are linked into the checkout (symbolic links, removed first when
//! the checkout goes, so nothing is ever deleted through them).

use std::path::{Path, PathBuf};

use super::error::EvidenceError;
use crate::git::GitCommand;
use crate::tmp::{make_private_dir, remove_private_dir};

/// The top-level folders a project's tools install dependencies into, linked into a scratch
/// checkout when git ignores them in the stage worktree.
pub(crate) const DEPENDENCY_FOLDERS: &[&str] = &[
    "node_modules",
    "bower_components",
    ".venv",
    "venv",
    ".tox",
    "vendor",
];

/// A checkout of one commit beside the stage worktree, removed when done.
#[derive(Debug)]
pub(crate) struct ScratchWorktree {
    git: GitCommand,
    path: PathBuf,
    /// The links to the stage worktree's dependency folders.
    links: Vec<PathBuf>,
    removed: bool,
}

impl ScratchWorktree {
    /// Checks `commit` out, detached, in a new private folder under `base`, from the
    /// repository of `repo`.
    pub(crate) fn add(repo: &GitCommand, base: &Path, commit: &str) -> Result<Self, EvidenceError> {
        let path = make_private_dir(base, "okstra-red-")?;
        let mut scratch = Self {
            git: repo.clone(),
            path,
            links: Vec::new(),
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
        scratch.link_dependencies(repo);
        Ok(scratch)
    }

    /// Links the dependency folders of `repo`'s worktree that git ignores there and the
    /// checkout lacks. A folder that cannot be linked is left out: the commands then run
    /// without it, as they would have.
    fn link_dependencies(&mut self, repo: &GitCommand) {
        for name in DEPENDENCY_FOLDERS {
            let source = repo.dir().join(name);
            let link = self.path.join(name);
            let is_dir = fs_err::symlink_metadata(&source).is_ok_and(|m| m.is_dir());
            if !is_dir || fs_err::symlink_metadata(&link).is_ok() {
                continue;
            }
            // Ignored, so never a folder git tracks: `check-ignore` exits 0 only then.
            let ignored = repo
                .output(&["check-ignore", "-q", "--no-index", name])
                .is_ok_and(|o| o.status.success());
            if ignored && std::os::unix::fs::symlink(&source, &link).is_ok() {
                self.links.push(link);
            }
        }
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
        // The links go first: nothing below removes anything through them.
        for link in &self.links {
            let _ = fs_err::remove_file(link);
        }
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
