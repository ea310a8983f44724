//! Owns task worktree provisioning on the real `git` CLI (SPEC §8 first bullet): discover the
//! repository layout, then — under the registry lock, idempotently — create or reuse the
//! task's branch `okstra/<category>/<group-seg>-<id-seg>` and its worktree, recording the
//! anchor base commit and the branch owner.
//!
//! Task worktrees and branches belong to a repository (its git common dir): ownership is
//! checked and recorded per repository, so the same task name in two repositories gives each
//! its own branch, while two tasks of one repository never share one. The worktree is
//! `$OKSTRA_HOME/worktrees/<projectId>/<group-seg>/<id-seg>/task` (SPEC §2) for the project's
//! first repository; another repository of the same project (a second clone, joined through a
//! tracked project.json) gets `worktrees/<projectId>~<8 hex of its common dir>/…`, so two
//! clones running the same task never share a worktree folder. The registry decides which
//! (`Registry::find_task`, `Registry::namespace_for_new_task`); a path already recorded is
//! never moved.
//!
//! Outside a repository the status is `skipped-non-git`; when the project root is itself a
//! linked worktree it is `skipped-nested-worktree`; runs then use the project root.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use okstra_core::manifest::WorktreeInfo;
use okstra_core::registry::{TaskWorktreeEntry, task_branch};
use okstra_core::repository::GitCommonDir;
use okstra_core::status::WorktreeStatus;
use okstra_core::{Segment, TaskKey};

use crate::errors::{GitError, StoreError, WorktreeError};
use crate::git::GitCommand;
use crate::home::Home;
use crate::registry::with_registry;

/// Where a folder sits in git.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepoLayout {
    /// Not inside a git work tree (or git is not installed).
    NotGit,
    /// Inside a linked worktree (its git dir differs from the common dir).
    LinkedWorktree {
        toplevel: PathBuf,
        common_dir: PathBuf,
    },
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
    let common_dir = canonical(Path::new(common));
    if canonical(Path::new(git_dir)) == common_dir {
        Ok(RepoLayout::Main {
            toplevel,
            common_dir,
        })
    } else {
        Ok(RepoLayout::LinkedWorktree {
            toplevel,
            common_dir,
        })
    }
}

/// Returns the repository `dir` is a checkout of (its main work tree or a linked worktree), or
/// `None` outside git.
pub(crate) fn repository_of(dir: &Path) -> Result<Option<GitCommonDir>, GitError> {
    Ok(match discover(dir)? {
        RepoLayout::NotGit => None,
        RepoLayout::Main { common_dir, .. } | RepoLayout::LinkedWorktree { common_dir, .. } => {
            Some(GitCommonDir::new(common_dir.display().to_string()))
        }
    })
}

fn canonical(p: &Path) -> PathBuf {
    fs_err::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// What the caller asks of provisioning.
#[derive(Clone, Debug)]
pub(crate) struct TaskWorktreeRequest<'a> {
    pub task_key: &'a TaskKey,
    pub project_root: &'a Path,
    /// The branch category (`workCategory`, default `feat`).
    pub category: &'a str,
    /// `--base-ref`: required the first time a task gets a worktree.
    pub base_ref: Option<&'a str>,
}

/// Where a task's workers run, as decided from the repository layout and the registry — the
/// one decision both provisioning and `--dry-run` make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WorktreeDecision {
    /// No task worktree: outside git (`skipped-non-git`) or inside a linked worktree
    /// (`skipped-nested-worktree`); workers run in the project root.
    Skipped {
        status: WorktreeStatus,
        workdir: PathBuf,
    },
    /// The registry has the task's worktree.
    Existing {
        entry: Box<TaskWorktreeEntry>,
        workdir: PathBuf,
    },
    /// The task has no worktree yet: it is made at `path` on `branch`, and recorded under
    /// `key`.
    New {
        key: String,
        path: PathBuf,
        branch: String,
        workdir: PathBuf,
    },
}

impl WorktreeDecision {
    /// Returns the folder workers run in: the worktree, its subfolder matching the project
    /// root in a monorepo, or the project root.
    pub(crate) fn workdir(&self) -> &Path {
        match self {
            WorktreeDecision::Skipped { workdir, .. }
            | WorktreeDecision::Existing { workdir, .. }
            | WorktreeDecision::New { workdir, .. } => workdir,
        }
    }
}

/// The repository facts a decision is made from.
struct Repo {
    toplevel: PathBuf,
    common_dir: PathBuf,
    /// The project root's place inside the top level (empty at the top).
    subdir: PathBuf,
}

impl Repo {
    /// Returns the repository's identity, by which the registry keys what it owns.
    fn id(&self) -> GitCommonDir {
        GitCommonDir::new(self.common_dir.display().to_string())
    }
}

/// Returns the repository of a project root, or the decision to skip provisioning.
fn repo_of(project_root: &Path) -> Result<Result<Repo, WorktreeDecision>, GitError> {
    let skipped = |status| {
        Err(WorktreeDecision::Skipped {
            status,
            workdir: project_root.to_path_buf(),
        })
    };
    Ok(match discover(project_root)? {
        RepoLayout::NotGit => skipped(WorktreeStatus::SkippedNonGit),
        RepoLayout::LinkedWorktree { .. } => skipped(WorktreeStatus::SkippedNestedWorktree),
        RepoLayout::Main {
            toplevel,
            common_dir,
        } => {
            let toplevel = canonical(&toplevel);
            let subdir = project_root
                .strip_prefix(&toplevel)
                .map(Path::to_path_buf)
                .unwrap_or_default();
            Ok(Repo {
                toplevel,
                common_dir,
                subdir,
            })
        }
    })
}

/// Decides where a task's workers run, given its repository and the registry.
fn decide(
    home: &Home,
    repo: &Repo,
    registry: &okstra_core::registry::Registry,
    key: &TaskKey,
    category: &Segment,
) -> WorktreeDecision {
    let within = |base: &Path| {
        if repo.subdir.as_os_str().is_empty() {
            base.to_path_buf()
        } else {
            base.join(&repo.subdir)
        }
    };
    let project = key.project_id();
    let group = key.group().segment();
    let id = key.id().segment();
    let repo_id = repo.id();
    if let Some((_, entry)) = registry.find_task(project, &repo_id, group, id) {
        return WorktreeDecision::Existing {
            workdir: within(Path::new(&entry.path)),
            entry: Box::new(entry.clone()),
        };
    }
    let namespace = registry.namespace_for_new_task(project, &repo_id, group, id);
    let path = home.paths().task_worktree(&namespace, group, id);
    WorktreeDecision::New {
        key: namespace.task_key(group, id),
        workdir: within(&path),
        branch: task_branch(category, group, id),
        path,
    }
}

fn category_segment(category: &str) -> Result<Segment, WorktreeError> {
    Segment::from_slug(category).map_err(|_| WorktreeError::BadCategory {
        value: category.to_owned(),
    })
}

/// Where a task's workers would run, and whether provisioning would refuse it.
#[derive(Debug)]
pub(crate) struct PlannedWorktree {
    pub(crate) decision: WorktreeDecision,
    /// The refusal provisioning would meet (the checks of [`check_decision`]).
    pub(crate) check: Result<(), WorktreeError>,
}

/// Returns where a task's workers would run and what provisioning would refuse, without
/// changing anything (`--dry-run`): the registry is read without its lock.
pub(crate) fn plan_task_worktree(
    home: &Home,
    req: &TaskWorktreeRequest<'_>,
) -> Result<PlannedWorktree, WorktreeError> {
    let project_root = canonical(req.project_root);
    let repo = match repo_of(&project_root)? {
        Ok(repo) => repo,
        Err(skipped) => {
            return Ok(PlannedWorktree {
                decision: skipped,
                check: Ok(()),
            });
        }
    };
    let registry = crate::registry::read_registry(home)?;
    let decision = decide(
        home,
        &repo,
        &registry,
        req.task_key,
        &category_segment(req.category)?,
    );
    let git = GitCommand::new(&repo.toplevel);
    let check = check_decision(&git, &repo, &registry, &decision, req).map(|_| ());
    Ok(PlannedWorktree { decision, check })
}

/// Returns what provisioning `decision` would refuse, changing nothing — the one set of checks
/// both provisioning and `--dry-run` make: a `--base-ref` that differs from an existing
/// worktree's anchor; for a new worktree, no `--base-ref`, a branch another task owns, or a
/// base ref that names no commit. Returns the anchor commit of a new worktree.
fn check_decision(
    git: &GitCommand,
    repo: &Repo,
    registry: &okstra_core::registry::Registry,
    decision: &WorktreeDecision,
    req: &TaskWorktreeRequest<'_>,
) -> Result<Option<String>, WorktreeError> {
    let key_text = req.task_key.to_string();
    match decision {
        WorktreeDecision::Skipped { .. } => Ok(None),
        WorktreeDecision::Existing { entry, .. } => {
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
            Ok(None)
        }
        WorktreeDecision::New {
            key: registry_key,
            branch,
            ..
        } => {
            let Some(base_ref) = req.base_ref else {
                return Err(WorktreeError::BaseRefRequired { task_key: key_text });
            };
            registry
                .check_branch(&repo.id(), branch, registry_key)
                .map_err(|e| WorktreeError::from_registry(&key_text, e))?;
            let anchor =
                git.resolve_commit(base_ref)?
                    .ok_or_else(|| WorktreeError::BadBaseRef {
                        value: base_ref.to_owned(),
                        repo: repo.toplevel.clone(),
                    })?;
            Ok(Some(anchor))
        }
    }
}

/// Provisions (creates or reuses) the task worktree and returns where workers run.
pub(crate) fn provision_task_worktree(
    home: &Home,
    req: &TaskWorktreeRequest<'_>,
) -> Result<WorktreeInfo, WorktreeError> {
    let project_root = canonical(req.project_root);
    let repo = match repo_of(&project_root)? {
        Ok(repo) => repo,
        Err(skipped) => {
            let WorktreeDecision::Skipped { status, .. } = skipped else {
                unreachable!("repo_of only skips");
            };
            return Ok(WorktreeInfo {
                status,
                path: None,
                branch: None,
                base_ref: None,
                anchor_base_commit: None,
                workdir: project_root.display().to_string(),
            });
        }
    };
    let key = req.task_key;
    let category = category_segment(req.category)?;
    let git = GitCommand::new(&repo.toplevel);
    let key_text = key.to_string();

    let (entry, status, workdir) = with_registry(home, |registry| {
        let decision = decide(home, &repo, registry, key, &category);
        let anchor = check_decision(&git, &repo, registry, &decision, req)?;
        match decision {
            WorktreeDecision::Existing { entry, workdir } => {
                ensure_checked_out(
                    &git,
                    Path::new(&entry.path),
                    &entry.branch,
                    &entry.anchor_base_commit,
                )?;
                Ok(((*entry, WorktreeStatus::Reused, workdir), false))
            }
            WorktreeDecision::New {
                key: registry_key,
                path,
                branch,
                workdir,
            } => {
                // check_decision refused a new worktree without a base ref, and resolved it.
                let (Some(base_ref), Some(anchor)) = (req.base_ref, anchor) else {
                    return Err(WorktreeError::BaseRefRequired {
                        task_key: key_text.clone(),
                    });
                };
                ensure_checked_out(&git, &path, &branch, &anchor)?;
                let entry = TaskWorktreeEntry {
                    task_key: key_text.clone(),
                    project_id: key.project_id().to_string(),
                    project_root: project_root.display().to_string(),
                    git_common_dir: repo.id().to_string(),
                    branch,
                    path: path.display().to_string(),
                    base_ref: base_ref.to_owned(),
                    anchor_base_commit: anchor,
                    created_at: Timestamp::now(),
                    implementation_base: None,
                    stages: std::collections::BTreeMap::new(),
                };
                registry
                    .insert_task(&registry_key, entry.clone())
                    .map_err(|e| WorktreeError::from_registry(&key_text, e))?;
                Ok(((entry, WorktreeStatus::Created, workdir), true))
            }
            WorktreeDecision::Skipped { .. } => unreachable!("a repository is never skipped"),
        }
    })?;
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
        crate::private::create_dir_all(parent).map_err(StoreError::from)?;
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
pub(crate) fn is_worktree_of(git: &GitCommand, path: &Path) -> Result<bool, GitError> {
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
