//! Owns what the ledger commands look up around the ledger: the task's plan whose stages
//! count, the tree each stage branch points at now (for `stale`), and whether the run that
//! started a stage is still alive.
//!
//! The plan: the one a switch put in force, else the task's latest approved plan (by run seq),
//! else its latest plan (shown as not approved). Stage branches are the task branch plus
//! `-stage-<N>` (`okstra/<category>/<group>-<id>-stage-<N>`, SPEC §8), read in one `git
//! for-each-ref`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use okstra_core::ledger::PlanSwitches;
use okstra_core::run_paths::{ProjectPaths, TaskPaths};
use okstra_core::status::RunStatus;
use okstra_core::{ProjectId, RunSeq, Stage, TaskName, TaskType};

use super::error::LedgerError;
use crate::git::GitCommand;
use crate::git::worktree::repository_of;
use crate::home::Home;
use crate::plan_file::{LoadedPlan, PlanFileError, load_plan, locate_plan, locate_task_plan};
use crate::registry::read_registry;
use crate::runs::load_manifest;

/// Which of the task's plans the ledger is read against, and why that one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanChoice {
    /// `okstra approve --supersede` put it in force.
    InForce,
    /// The task's latest approved plan.
    LatestApproved,
    /// No plan of the task is approved: its latest plan.
    LatestUnapproved,
}

/// Returns the task's plan whose stages count, loaded (the caller runs `check_mirror`).
pub fn task_plan_for_ledger(
    home: &Home,
    root: &Path,
    group: &TaskName,
    id: &TaskName,
    switches: &PlanSwitches,
) -> Result<(LoadedPlan, PlanChoice), LedgerError> {
    let task = ProjectPaths::new(root).task(group.segment(), id.segment());
    let manifests = planning_manifests(&task)?;
    if let Some(current) = switches.in_force() {
        for path in &manifests {
            let manifest = load_manifest(path)?;
            if manifest.run_id.to_string() == current {
                let files = locate_plan(home, root, &path.display().to_string())?;
                return Ok((load_plan(files)?, PlanChoice::InForce));
            }
        }
    }
    for path in manifests.iter().rev() {
        let files = match locate_plan(home, root, &path.display().to_string()) {
            Ok(files) => files,
            // A planning run with no report yet has no plan.
            Err(PlanFileError::NoReport { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        let plan = load_plan(files)?;
        if plan.approved() {
            return Ok((plan, PlanChoice::LatestApproved));
        }
    }
    let plan = load_plan(locate_task_plan(root, group, id)?)?;
    Ok((plan, PlanChoice::LatestUnapproved))
}

/// Returns the task's implementation-planning manifests, by seq.
pub(crate) fn planning_manifests(task: &TaskPaths) -> Result<Vec<PathBuf>, LedgerError> {
    let dir = task
        .run(TaskType::ImplementationPlanning, RunSeq::FIRST, None)
        .manifests_dir();
    let prefix = format!("run-manifest-{}-", TaskType::ImplementationPlanning);
    let found = crate::seq_files::numbered_files(&dir, &prefix, ".json")?;
    Ok(found.into_iter().map(|(_, path)| path).collect())
}

/// Returns the tree each stage branch of the task points at (none outside git, or before the
/// task has a worktree).
pub fn stage_branch_trees(
    home: &Home,
    project_root: &Path,
    project: &ProjectId,
    group: &TaskName,
    id: &TaskName,
) -> Result<BTreeMap<u32, String>, LedgerError> {
    let Some(repo) = repository_of(project_root)? else {
        return Ok(BTreeMap::new());
    };
    let registry = read_registry(home)?;
    let Some((_, entry)) = registry.find_task(project, &repo, group.segment(), id.segment()) else {
        return Ok(BTreeMap::new());
    };
    let prefix = format!("refs/heads/{}-stage-", entry.branch);
    let out = GitCommand::new(project_root).run(&[
        "for-each-ref",
        "--format=%(refname)%00%(tree)",
        &format!("{prefix}*"),
    ])?;
    Ok(parse_stage_trees(&out, &prefix))
}

/// Parses `for-each-ref` lines `<ref>\0<tree>` of stage branches.
fn parse_stage_trees(out: &str, prefix: &str) -> BTreeMap<u32, String> {
    out.lines()
        .filter_map(|line| {
            let (name, tree) = line.split_once('\0')?;
            let n: u32 = name.strip_prefix(prefix)?.parse().ok()?;
            (n > 0 && !tree.is_empty()).then(|| (n, tree.to_owned()))
        })
        .collect()
}

/// Whether the run that started a stage is still going.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunLiveness {
    /// Its okstra process is alive.
    Running,
    /// Prepared (`--prepare-only`) and not started yet.
    Prepared,
    /// Its manifest says running, but its process is gone.
    Dead,
    /// It ended with this status without passing the stage.
    Ended(RunStatus),
    /// No manifest of the stage has this run id.
    NoManifest,
}

/// Returns whether the run `run_id` that started `stage` is still going, from its manifest
/// (`runs/implementation/stage-<N>/manifests/`) and its process.
pub fn run_liveness(task: &TaskPaths, stage: Stage, run_id: &str) -> RunLiveness {
    let dir = task
        .run(TaskType::Implementation, RunSeq::FIRST, Some(stage))
        .manifests_dir();
    let Ok(entries) = fs_err::read_dir(&dir) else {
        return RunLiveness::NoManifest;
    };
    for entry in entries.flatten() {
        let Ok(manifest) = load_manifest(&entry.path()) else {
            continue;
        };
        if manifest.run_id.to_string() != run_id {
            continue;
        }
        let alive = manifest
            .pid
            .is_some_and(|pid| crate::worker::unix::is_alive(pid, None));
        return match manifest.status {
            RunStatus::Running | RunStatus::Prepared if alive => RunLiveness::Running,
            RunStatus::Prepared => RunLiveness::Prepared,
            RunStatus::Running => RunLiveness::Dead,
            status => RunLiveness::Ended(status),
        };
    }
    RunLiveness::NoManifest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_branches_are_read_by_their_number() {
        let prefix = "refs/heads/okstra/feat/g-t-stage-";
        let out = format!(
            "{prefix}1\0aaa\n{prefix}12\0bbb\n{prefix}x\0ccc\n{prefix}0\0ddd\nrefs/heads/other\0eee"
        );
        let trees = parse_stage_trees(&out, prefix);
        assert_eq!(
            trees,
            BTreeMap::from([(1, "aaa".to_owned()), (12, "bbb".to_owned())])
        );
    }
}
