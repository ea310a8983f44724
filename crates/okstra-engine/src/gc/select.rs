//! Owns choosing `ctl gc`'s candidates from the registry, the central index and each task's
//! stage ledger: which worktrees hold finished work, and the done stages not merged yet (kept,
//! and named).

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use okstra_core::index::IndexedRun;
use okstra_core::registry::{Registry, TaskWorktreeEntry};
use okstra_core::run_paths::ProjectPaths;
use okstra_core::segment::Segment;
use okstra_core::status::RunStatus;
use okstra_core::task_type::TaskType;

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
        let Some((group, id)) = segments_of(key) else {
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
    let (group, id) = segments_of(key)?;
    let task_runs: Vec<&IndexedRun> = runs
        .iter()
        .filter(|r| r.project_id == entry.project_id && same(&r.task_group, &group))
        .filter(|r| same(&r.task_id, &id))
        .collect();
    finished_why(entry, &task_runs, older_than, now)
}

/// Returns the group and id segments of a registry key.
fn segments_of(key: &str) -> Option<(Segment, Segment)> {
    let mut parts = key.rsplitn(3, ':');
    let id = Segment::from_slug(parts.next()?).ok()?;
    let group = Segment::from_slug(parts.next()?).ok()?;
    Some((group, id))
}

/// Returns whether an index spelling names the segment.
fn same(raw: &str, seg: &Segment) -> bool {
    Segment::parse(raw).is_ok_and(|s| s == *seg)
}

/// Returns why the task's work is finished: a completed release-handoff, or no run for the
/// period (and none going or prepared); `None` while it is not.
fn finished_why(
    entry: &TaskWorktreeEntry,
    runs: &[&IndexedRun],
    older_than: Duration,
    now: Timestamp,
) -> Option<String> {
    if let Some(r) = runs
        .iter()
        .find(|r| r.task_type == TaskType::ReleaseHandoff && r.status == RunStatus::Completed)
    {
        return Some(format!("its release-handoff completed (run {})", r.run_id));
    }
    if runs
        .iter()
        .any(|r| matches!(r.status, RunStatus::Running | RunStatus::Prepared))
    {
        return None;
    }
    let last = runs
        .iter()
        .flat_map(|r| [r.started_at, r.finished_at])
        .flatten()
        .chain([entry.created_at])
        .max()?;
    let age = now.duration_since(last);
    let older = jiff::SignedDuration::try_from(older_than).ok()?;
    (age >= older).then(|| format!("no run since {}", last.strftime("%Y-%m-%d")))
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use okstra_core::RunId;

    use super::*;

    fn entry() -> TaskWorktreeEntry {
        TaskWorktreeEntry {
            task_key: "p:Pay:Dev-1".into(),
            project_id: "p".into(),
            project_root: "/nowhere".into(),
            git_common_dir: "/nowhere/.git".into(),
            branch: "okstra/feat/pay-dev-1".into(),
            path: "/h/task".into(),
            base_ref: "main".into(),
            anchor_base_commit: "abc".into(),
            created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            implementation_base: None,
            stages: BTreeMap::new(),
        }
    }

    fn run(task_type: TaskType, status: RunStatus, at: &str) -> IndexedRun {
        IndexedRun {
            run_id: RunId::generate(),
            project_id: "p".into(),
            task_group: "Pay".into(),
            task_id: "Dev-1".into(),
            task_type,
            run_seq: 1,
            stage: None,
            status,
            started_at: Some(at.parse().unwrap()),
            finished_at: Some(at.parse().unwrap()),
            manifest: "/m.json".into(),
        }
    }

    const DAYS_30: Duration = Duration::from_secs(30 * 86_400);

    fn now() -> Timestamp {
        "2026-06-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_completed_release_handoff_finishes_a_task_at_any_age() {
        let handoff = run(
            TaskType::ReleaseHandoff,
            RunStatus::Completed,
            "2026-05-31T00:00:00Z",
        );
        let why = finished_why(&entry(), &[&handoff], DAYS_30, now()).unwrap();
        assert!(why.starts_with("its release-handoff completed"), "{why}");
        let failed = run(
            TaskType::ReleaseHandoff,
            RunStatus::Failed,
            "2026-05-31T00:00:00Z",
        );
        assert_eq!(finished_why(&entry(), &[&failed], DAYS_30, now()), None);
    }

    #[test]
    fn a_task_is_finished_only_after_the_period_with_no_run_going() {
        let old = run(
            TaskType::ErrorAnalysis,
            RunStatus::Completed,
            "2026-04-01T00:00:00Z",
        );
        assert_eq!(
            finished_why(&entry(), &[&old], DAYS_30, now()).as_deref(),
            Some("no run since 2026-04-01")
        );
        let recent = run(
            TaskType::ErrorAnalysis,
            RunStatus::Failed,
            "2026-05-20T00:00:00Z",
        );
        assert_eq!(
            finished_why(&entry(), &[&old, &recent], DAYS_30, now()),
            None
        );
        let going = run(
            TaskType::Implementation,
            RunStatus::Running,
            "2026-01-02T00:00:00Z",
        );
        assert_eq!(
            finished_why(&entry(), &[&old, &going], DAYS_30, now()),
            None
        );
        // No run at all: the worktree's own age counts.
        assert_eq!(
            finished_why(&entry(), &[], DAYS_30, now()).as_deref(),
            Some("no run since 2026-01-01")
        );
    }

    #[test]
    fn index_spellings_match_the_registry_key_segments() {
        let (group, id) = segments_of("p~1a2b3c4d:pay:dev-1").unwrap();
        assert_eq!((group.as_str(), id.as_str()), ("pay", "dev-1"));
        assert!(same("Pay", &group) && same("Dev-1", &id) && !same("pay-x", &group));
    }
}
