//! Owns task worktree provisioning on the real `git` CLI (SPEC §8 first bullet): discover the
//! repository layout, then — under the registry lock, idempotently — create or reuse the
//! task's branch `okstra/<category>/<group-seg>-<id-seg>` and its worktree at
//! `$OKSTRA_HOME/worktrees/<projectId>/<group-seg>/<id-seg>/task`, recording the anchor base
//! commit and the branch owner.
//!
//! Outside a repository the status is `skipped-non-git`; when the project root is itself a
//! linked worktree it is `skipped-nested-worktree`; runs then use the project root.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use okstra_core::manifest::WorktreeInfo;
use okstra_core::registry::{TaskWorktreeEntry, canonical_task_key, task_branch};
use okstra_core::status::WorktreeStatus;
use okstra_core::{Segment, TaskKey};

use crate::errors::{GitError, PathError, StoreError, WorktreeError};
use crate::git::GitCommand;
use crate::home::Home;
use crate::registry::with_registry;

/// Where a folder sits in git.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepoLayout {
    /// Not inside a git work tree (or git is not installed).
    NotGit,
    /// Inside a linked worktree (its git dir differs from the common dir).
    LinkedWorktree { toplevel: PathBuf },
    /// Inside the main work tree of a repository.
    Main {
        toplevel: PathBuf,
        common_dir: PathBuf,
    },
}

/// Returns the git layout of `dir`.
pub fn discover(dir: &Path) -> Result<RepoLayout, GitError> {
    let git = GitCommand::new(dir);
    let out = match git.output(&[
        "rev-parse",
        "--path-format=absolute",
        "--show-toplevel",
        "--git-dir",
        "--git-common-dir",
    ]) {
        Ok(out) => out,
        Err(GitError::Spawn { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(RepoLayout::NotGit);
        }
        Err(e) => return Err(e),
    };
    if !out.status.success() {
        return Ok(RepoLayout::NotGit);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let (Some(top), Some(git_dir), Some(common)) = (lines.next(), lines.next(), lines.next())
    else {
        return Ok(RepoLayout::NotGit);
    };
    let toplevel = PathBuf::from(top);
    if canonical(Path::new(git_dir)) == canonical(Path::new(common)) {
        Ok(RepoLayout::Main {
            toplevel,
            common_dir: canonical(Path::new(common)),
        })
    } else {
        Ok(RepoLayout::LinkedWorktree { toplevel })
    }
}

fn canonical(p: &Path) -> PathBuf {
    fs_err::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// What the caller asks of provisioning.
#[derive(Clone, Debug)]
pub struct TaskWorktreeRequest<'a> {
    pub task_key: &'a TaskKey,
    pub project_root: &'a Path,
    /// The branch category (`workCategory`, default `feat`).
    pub category: &'a str,
    /// `--base-ref`: required the first time a task gets a worktree.
    pub base_ref: Option<&'a str>,
}

/// Provisions (creates or reuses) the task worktree and returns where workers run.
pub fn provision_task_worktree(
    home: &Home,
    req: &TaskWorktreeRequest<'_>,
) -> Result<WorktreeInfo, WorktreeError> {
    let project_root = canonical(req.project_root);
    let skipped = |status| WorktreeInfo {
        status,
        path: None,
        branch: None,
        base_ref: None,
        anchor_base_commit: None,
        workdir: project_root.display().to_string(),
    };
    let (toplevel, common_dir) = match discover(&project_root)? {
        RepoLayout::NotGit => return Ok(skipped(WorktreeStatus::SkippedNonGit)),
        RepoLayout::LinkedWorktree { .. } => {
            return Ok(skipped(WorktreeStatus::SkippedNestedWorktree));
        }
        RepoLayout::Main {
            toplevel,
            common_dir,
        } => (canonical(&toplevel), common_dir),
    };
    let subdir = project_root
        .strip_prefix(&toplevel)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let key = req.task_key;
    let group = key.group().segment();
    let id = key.id().segment();
    let category = Segment::from_slug(req.category).map_err(|_| WorktreeError::BadCategory {
        value: req.category.to_owned(),
    })?;
    let canonical_key = canonical_task_key(key.project_id(), group, id);
    let branch = task_branch(&category, group, id);
    let path = home.paths().task_worktree(key.project_id(), group, id);
    let git = GitCommand::new(&toplevel);
    let key_text = key.to_string();

    let (entry, status) = with_registry(home, |registry| {
        if let Some(entry) = registry.task(&canonical_key).cloned() {
            if let Some(given) = req.base_ref
                && given != entry.base_ref
                && git.resolve_commit(given)?.as_deref() != Some(entry.anchor_base_commit.as_str())
            {
                return Err(WorktreeError::BaseRefMismatch {
                    task_key: entry.task_key.clone(),
                    given: given.to_owned(),
                    anchor_ref: entry.base_ref.clone(),
                    anchor_commit: entry.anchor_base_commit.clone(),
                });
            }
            ensure_checked_out(
                &git,
                Path::new(&entry.path),
                &entry.branch,
                &entry.anchor_base_commit,
            )?;
            return Ok(((entry, WorktreeStatus::Reused), false));
        }
        let Some(base_ref) = req.base_ref else {
            return Err(WorktreeError::BaseRefRequired {
                task_key: key_text.clone(),
            });
        };
        registry
            .check_branch(&branch, &canonical_key)
            .map_err(|e| WorktreeError::from_registry(&key_text, e))?;
        let anchor = git
            .resolve_commit(base_ref)?
            .ok_or_else(|| WorktreeError::BadBaseRef {
                value: base_ref.to_owned(),
                repo: toplevel.clone(),
            })?;
        ensure_checked_out(&git, &path, &branch, &anchor)?;
        let entry = TaskWorktreeEntry {
            task_key: key_text.clone(),
            project_id: key.project_id().to_string(),
            project_root: project_root.display().to_string(),
            git_common_dir: common_dir.display().to_string(),
            branch: branch.clone(),
            path: path.display().to_string(),
            base_ref: base_ref.to_owned(),
            anchor_base_commit: anchor,
            created_at: Timestamp::now(),
        };
        registry
            .insert_task(&canonical_key, entry.clone())
            .map_err(|e| WorktreeError::from_registry(&key_text, e))?;
        Ok(((entry, WorktreeStatus::Created), true))
    })?;

    let workdir = if subdir.as_os_str().is_empty() {
        PathBuf::from(&entry.path)
    } else {
        Path::new(&entry.path).join(&subdir)
    };
    Ok(WorktreeInfo {
        status,
        path: Some(entry.path),
        branch: Some(entry.branch),
        base_ref: Some(entry.base_ref),
        anchor_base_commit: Some(entry.anchor_base_commit),
        workdir: workdir.display().to_string(),
    })
}

/// Makes sure `path` is a worktree with `branch` checked out: reuses a live one, re-adds a
/// removed one from its branch, or creates branch and worktree from `anchor`.
fn ensure_checked_out(
    git: &GitCommand,
    path: &Path,
    branch: &str,
    anchor: &str,
) -> Result<(), WorktreeError> {
    if is_worktree_of(git, path)? {
        return Ok(());
    }
    // A worktree folder deleted by hand leaves stale metadata that blocks `worktree add`.
    git.run(&["worktree", "prune"])?;
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)
            .map_err(PathError::at(parent))
            .map_err(StoreError::from)?;
    }
    let path_text = path.display().to_string();
    if git.branch_exists(branch)? {
        git.run(&["worktree", "add", "--quiet", &path_text, branch])?;
    } else {
        git.run(&[
            "worktree", "add", "--quiet", "-b", branch, &path_text, anchor,
        ])?;
    }
    Ok(())
}

/// Returns whether `path` is a registered, present worktree of the repository.
fn is_worktree_of(git: &GitCommand, path: &Path) -> Result<bool, GitError> {
    if !path.exists() {
        return Ok(false);
    }
    let listing = git.run(&["worktree", "list", "--porcelain"])?;
    let want = canonical(path);
    Ok(listing
        .lines()
        .filter_map(|l| l.strip_prefix("worktree "))
        .any(|p| canonical(Path::new(p)) == want))
}
