//! Owns one `ctl gc` pass: select; then, per candidate and under the registry lock, make sure
//! its record and its task's state are still what selection saw, check it, remove it with
//! `git worktree remove` (no `--force`) and drop a removed stage worktree's registry entry;
//! then sweep the temp folders.
//!
//! A removed *task* worktree keeps its registry entry: it holds the task's anchor base, its
//! implementation base and its branch's owner, which the task's next run needs to re-create
//! the worktree from its branch (provisioning re-adds a recorded worktree whose folder is gone).

use std::time::Duration;

use jiff::Timestamp;
use thiserror::Error;

pub use super::check::GcKeep;
use super::check::{Checked, check, disk_usage};
use super::select::{GcTarget, GcWorktree, select, task_finished};
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
        worktree.bytes = disk_usage(&worktree.path);
        match sweep_one(home, req, &worktree)? {
            Outcome::Skipped => {}
            Outcome::Removed => report.removed.push(worktree),
            Outcome::Kept(reason) => report.kept.push(GcKept { worktree, reason }),
        }
    }
    report.temp = sweep_temp(&runs, req.dry_run)?;
    Ok(report)
}

/// What became of one candidate.
enum Outcome {
    /// Nothing to do any more: its record changed, its task is going again, or (a task
    /// worktree) an earlier gc removed it.
    Skipped,
    /// Removed (dry: removable).
    Removed,
    Kept(GcKeep),
}

/// Re-validates, checks and (unless dry) removes one candidate while holding the registry lock,
/// which every provisioning of a task or stage worktree holds too: a run can never take a
/// worktree gc is removing. The lock is held for one worktree's checks and removal.
fn sweep_one(home: &Home, req: &GcRequest, worktree: &GcWorktree) -> Result<Outcome, GcError> {
    with_registry(home, |registry| {
        let Some(entry) = registry.task_mut(&worktree.registry_key) else {
            return Ok((Outcome::Skipped, false));
        };
        let recorded = match worktree.target {
            GcTarget::Task => Some((entry.path.clone(), None)),
            GcTarget::Stage(n) => entry
                .stages
                .get(&n.to_string())
                .map(|s| (s.path.clone(), Some(s.run_id.clone()))),
        };
        if recorded
            != Some((
                worktree.path.display().to_string(),
                worktree.stage_run.clone(),
            ))
        {
            return Ok((Outcome::Skipped, false));
        }
        if worktree.target == GcTarget::Task {
            // A run may have started since selection: the index decides again, now.
            let (runs, _) = list_runs(home)?;
            let finished = task_finished(
                &worktree.registry_key,
                entry,
                &runs,
                req.older_than,
                Timestamp::now(),
            );
            if finished.is_none() {
                return Ok((Outcome::Skipped, false));
            }
        }
        let checked = check(&worktree.repo, &worktree.path).unwrap_or_else(|e| {
            Checked::Keep(GcKeep::Failed {
                message: e.to_string(),
            })
        });
        let gone = match checked {
            Checked::Keep(reason) => return Ok((Outcome::Kept(reason), false)),
            // A task worktree an earlier gc removed: its entry stays on purpose (module doc).
            Checked::Gone if worktree.target == GcTarget::Task => {
                return Ok((Outcome::Skipped, false));
            }
            Checked::Gone => true,
            Checked::Removable => false,
        };
        if req.dry_run {
            return Ok((Outcome::Removed, false));
        }
        let git = GitCommand::new(&worktree.repo);
        let path = worktree.path.display().to_string();
        let removed = if gone {
            git.run(&["worktree", "prune"])
        } else {
            git.run(&["worktree", "remove", &path])
        };
        if let Err(e) = removed {
            let message = e.to_string();
            return Ok((Outcome::Kept(GcKeep::Failed { message }), false));
        }
        let GcTarget::Stage(n) = worktree.target else {
            return Ok((Outcome::Removed, false));
        };
        entry.stages.remove(&n.to_string());
        Ok((Outcome::Removed, true))
    })
}
