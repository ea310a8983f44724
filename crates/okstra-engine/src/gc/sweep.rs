//! Owns one `ctl gc` pass: select, check each candidate, remove it with `git worktree remove`
//! (no `--force`), drop a removed stage worktree's registry entry under the registry lock, and
//! sweep the temp folders.
//!
//! A removed *task* worktree keeps its registry entry: it holds the task's anchor base, its
//! implementation base and its branch's owner, which the task's next run needs to re-create
//! the worktree from its branch (provisioning re-adds a recorded worktree whose folder is gone).

use std::time::Duration;

use jiff::Timestamp;
use thiserror::Error;

pub use super::check::GcKeep;
use super::check::{Checked, check, disk_usage};
use super::select::{GcTarget, GcWorktree, select};
use super::temp::{GcTempFolder, sweep_temp};
use crate::errors::{GitError, StoreError};
use crate::git::GitCommand;
use crate::home::Home;
use crate::registry::{read_registry, with_registry};
use crate::runs::list_runs;

/// What `ctl gc` is asked.
#[derive(Clone, Copy, Debug)]
pub struct GcRequest {
    /// A task with no run for this long is finished.
    pub older_than: Duration,
    /// Report what would go; remove nothing.
    pub dry_run: bool,
}

/// A worktree gc left, and why.
#[derive(Clone, Debug)]
pub struct GcKept {
    pub worktree: GcWorktree,
    pub reason: GcKeep,
}

/// What a gc pass did (or, dry, would do).
#[derive(Clone, Debug, Default)]
pub struct GcReport {
    pub removed: Vec<GcWorktree>,
    pub kept: Vec<GcKept>,
    pub temp: Vec<GcTempFolder>,
}

impl GcReport {
    /// Returns the disk space freed (or that would be), in bytes.
    pub fn freed(&self) -> u64 {
        self.removed
            .iter()
            .map(|w| w.bytes)
            .chain(self.temp.iter().map(|t| t.bytes))
            .sum()
    }
}

/// A gc pass that could not run.
#[derive(Debug, Error)]
pub enum GcError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Git(#[from] GitError),
}

/// Runs one gc pass.
pub fn gc(home: &Home, req: &GcRequest) -> Result<GcReport, GcError> {
    let (runs, _) = list_runs(home)?;
    let registry = read_registry(home)?;
    let selection = select(&registry, &runs, req.older_than, Timestamp::now());
    let mut report = GcReport::default();
    for (worktree, count) in selection.unmerged {
        let task_branch = registry
            .task(&worktree.registry_key)
            .map(|e| e.branch.clone())
            .unwrap_or_default();
        report.kept.push(GcKept {
            worktree,
            reason: GcKeep::NotMerged { count, task_branch },
        });
    }
    for mut worktree in selection.candidates {
        let checked = check(&worktree.repo, &worktree.path).unwrap_or_else(|e| {
            Checked::Keep(GcKeep::Failed {
                message: e.to_string(),
            })
        });
        match checked {
            // A task worktree an earlier gc removed: its entry stays on purpose (module doc).
            Checked::Gone if worktree.target == GcTarget::Task => {}
            Checked::Keep(reason) => report.kept.push(GcKept { worktree, reason }),
            Checked::Gone | Checked::Removable => {
                worktree.bytes = disk_usage(&worktree.path);
                if !req.dry_run
                    && let Err(e) = remove(home, &worktree, checked == Checked::Gone)
                {
                    let message = e.to_string();
                    report.kept.push(GcKept {
                        worktree,
                        reason: GcKeep::Failed { message },
                    });
                    continue;
                }
                report.removed.push(worktree);
            }
        }
    }
    report.temp = sweep_temp(&runs, req.dry_run)?;
    Ok(report)
}

/// Removes a checked worktree and, for a stage, its registry entry.
fn remove(home: &Home, worktree: &GcWorktree, gone: bool) -> Result<(), GcError> {
    let git = GitCommand::new(&worktree.repo);
    if gone {
        git.run(&["worktree", "prune"])?;
    } else {
        let path = worktree.path.display().to_string();
        git.run(&["worktree", "remove", &path])?;
    }
    let GcTarget::Stage(n) = worktree.target else {
        return Ok(());
    };
    with_registry(home, |registry| {
        let Some(entry) = registry.task_mut(&worktree.registry_key) else {
            return Ok::<_, GcError>(((), false));
        };
        let key = n.to_string();
        // Only the record of this folder: a run that took the stage again since keeps its own.
        let same = entry
            .stages
            .get(&key)
            .is_some_and(|s| std::path::Path::new(&s.path) == worktree.path);
        if same {
            entry.stages.remove(&key);
        }
        Ok(((), same))
    })
}
