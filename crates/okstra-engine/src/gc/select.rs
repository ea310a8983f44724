//! Owns choosing `ctl gc`'s candidates from the registry, the central index and each task's
//! stage ledger: which worktrees hold finished work, and the done stages not merged yet (kept,
//! and named).

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use okstra_core::gc::{finished_why, registry_key_segments, spells};
use okstra_core::index::IndexedRun;
use okstra_core::registry::{Registry, TaskWorktreeEntry};
use okstra_core::run_paths::ProjectPaths;
use okstra_core::segment::Segment;
use okstra_core::status::RunStatus;

use crate::git::GitCommand;
use crate::ledger::read_ledger_as_repaired;

/// Which worktree of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcTarget {
    /// The task worktree.
    Task,
    /// The worktree of stage N.
    Stage(u32),
}

/// A worktree `ctl gc` looked at, and why its work is finished.
#[derive(Clone, Debug)]
pub struct GcWorktree {
    /// The registry key (`<namespace>:<group-seg>:<id-seg>`).
    pub registry_key: String,
    /// The task key with its first spellings.
    pub task_key: String,
    pub target: GcTarget,
    pub path: PathBuf,
    pub branch: String,
    /// Why its work is finished, in words.
    pub why: String,
    /// The disk space it takes (what removing it frees).
    pub bytes: u64,
    /// The repository's main work tree, where git runs.
    pub(crate) repo: PathBuf,
    /// For a stage worktree, the run its registry record names at selection: a record that
    /// names another run by the time gc removes it was taken again, and stays.
    pub(crate) stage_run: Option<String>,
}

/// What selection found: the candidates, and the done stages whose branch is not merged.
#[derive(Debug, Default)]
pub(crate) struct Selection {
    pub(crate) candidates: Vec<GcWorktree>,
    /// Done stages not merged into the task branch: (worktree, commits not in the task branch).
    pub(crate) unmerged: Vec<(GcWorktree, u64)>,
}

/// Returns the candidates of every task in the registry.
pub(crate) fn select(
    registry: &Registry,
    runs: &[IndexedRun],
    older_than: Duration,
    now: Timestamp,
) -> Selection {
    let mut out = Selection::default();
    for (key, entry) in &registry.tasks {
        let Some((group, id)) = registry_key_segments(key) else {
            continue;
        };
        let finished = task_finished(key, entry, runs, older_than, now);
        let worktree = |target, path: &str, branch: &str, why: String| GcWorktree {
            stage_run: match target {
                GcTarget::Task => None,
                GcTarget::Stage(n) => entry.stages.get(&n.to_string()).map(|s| s.run_id.clone()),
            },
            registry_key: key.clone(),
            task_key: entry.task_key.clone(),
            target,
            path: PathBuf::from(path),
            branch: branch.to_owned(),
            why,
            bytes: 0,
            repo: PathBuf::from(&entry.project_root),
        };
        let done = done_stages(entry, &group, &id);
        let git = GitCommand::new(&entry.project_root);
        for (n, stage) in &entry.stages {
            let Ok(n) = n.parse::<u32>() else { continue };
            let target = GcTarget::Stage(n);
            if let Some(why) = &finished {
                out.candidates
                    .push(worktree(target, &stage.path, &stage.branch, why.clone()));
                continue;
            }
            if !done.contains(&n) {
                continue;
            }
            let why = format!("stage {n} is done and merged into {}", entry.branch);
            let wt = worktree(target, &stage.path, &stage.branch, why);
            match not_merged(&git, &stage.branch, &entry.branch) {
                Some(0) => out.candidates.push(wt),
                Some(count) => out.unmerged.push((wt, count)),
                None => {}
            }
        }
        if let Some(why) = finished {
            out.candidates
                .push(worktree(GcTarget::Task, &entry.path, &entry.branch, why));
        }
    }
    out
}

/// Returns why the task of the registry entry `key` is finished, from the index's runs; `None`
/// while it is not.
pub(crate) fn task_finished(
    key: &str,
    entry: &TaskWorktreeEntry,
    runs: &[IndexedRun],
    older_than: Duration,
    now: Timestamp,
) -> Option<String> {
    let (group, id) = registry_key_segments(key)?;
    let task_runs: Vec<&IndexedRun> = runs
        .iter()
        .filter(|r| r.project_id == entry.project_id && spells(&r.task_group, &group))
        .filter(|r| spells(&r.task_id, &id))
        .collect();
    // A run resumed after it was interrupted is going, though its index row still says
    // `interrupted` (resume appends none): its okstra holds the run lock.
    if task_runs
        .iter()
        .any(|r| r.status == RunStatus::Interrupted && run_lock_held(&r.manifest))
    {
        return None;
    }
    finished_why(entry.created_at, &task_runs, older_than, now)
}

/// Returns whether an okstra holds the run lock of the run whose manifest is at `manifest`.
fn run_lock_held(manifest: &str) -> bool {
    let Ok(m) = crate::runs::load_manifest(std::path::Path::new(manifest)) else {
        return false;
    };
    let lock = m.paths().run_lock();
    lock.exists() && matches!(crate::lock::try_lock_exclusive(&lock), Ok(None))
}

/// Returns the stages the task's ledger has `done` (as its repair from carry would leave it,
/// writing nothing).
fn done_stages(entry: &TaskWorktreeEntry, group: &Segment, id: &Segment) -> Vec<u32> {
    let task = ProjectPaths::new(&entry.project_root).task(group, id);
    read_ledger_as_repaired(&task)
        .map(|s| s.summary.done.iter().map(|(_, n)| *n).collect())
        .unwrap_or_default()
}

/// Returns how many commits of `branch` the task branch lacks; `None` when git cannot tell
/// (a branch gone, a repository gone).
fn not_merged(git: &GitCommand, branch: &str, task_branch: &str) -> Option<u64> {
    let range = format!("refs/heads/{task_branch}..refs/heads/{branch}");
    git.run(&["rev-list", "--count", &range, "--"])
        .ok()?
        .trim()
        .parse()
        .ok()
}
