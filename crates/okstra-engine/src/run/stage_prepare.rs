//! Owns preparing an implementation run's stage (SPEC §4 step 1, §8), once the task worktree
//! is provisioned and before run paths exist (the run directory is stage-scoped): with the plan
//! chosen and checked before anything was written (`stage_plan`), the stage claimed with its `started` row under the task
//! lock (`stage_claim`), then — the lock released — the stage worktree and branch made or
//! reset under the registry lock and recorded there (`git::stage_worktree`), the carry-in
//! read, and the `StageRun` assembled.
//!
//! A stage that fails to get its worktree after its row was appended stays `started` by a run
//! that has no manifest: `ledger show` says so and `--retry` takes it again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use okstra_core::manifest::WorktreeInfo;
use okstra_core::registry::{StageWorktreeEntry, stage_branch};
use okstra_core::run_paths::relative_to;
use okstra_core::status::WorktreeStatus;
use okstra_core::{RunId, TaskKey};

use super::request::StageAsk;
use super::stage::{StageRun, read_carry_in};
use super::stage_claim::{Decide, Decided, Place, stage_of};
use super::stage_error::StageError;
use super::stage_plan::ChosenPlan;
use crate::git::GitCommand;
use crate::git::stage_worktree::{BranchTarget, StageWorktree, provision_stage_worktree};
use crate::git::worktree::repository_of;
use crate::home::Home;
use crate::ledger::{
    ClaimRequest, ReserveError, RunLiveness, claim_stage, run_liveness, stage_branch_trees,
};
use crate::project::LoadedProject;
use crate::registry::{read_registry, with_registry};

/// What a stage is prepared from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StageInputs<'a> {
    /// The plan, chosen and checked before anything was written (`stage_plan`).
    pub(crate) plan: &'a ChosenPlan,
    pub(crate) home: &'a Home,
    pub(crate) project: &'a LoadedProject,
    /// The task key with its first spellings.
    pub(crate) task_key: &'a TaskKey,
    /// The task worktree, as provisioning left it.
    pub(crate) task_worktree: &'a WorktreeInfo,
    pub(crate) ask: &'a StageAsk,
    /// The run the stage is claimed for.
    pub(crate) run_id: RunId,
    pub(crate) executor: &'a str,
    pub(crate) verifier: Option<&'a str>,
}

/// Prepares the stage of an implementation run: plan, claim, worktree, carry-in.
pub(crate) fn prepare_stage(inputs: &StageInputs<'_>) -> Result<StageRun, StageError> {
    let root = inputs.project.root();
    let key = inputs.task_key;
    let chosen = inputs.plan;
    let task = inputs
        .project
        .paths
        .task(key.group().segment(), key.id().segment());
    let place = place_of(inputs)?;
    let current_trees = match &place {
        Place::Git { .. } => {
            stage_branch_trees(inputs.home, root, key.project_id(), key.group(), key.id())?
        }
        Place::Root { .. } => BTreeMap::new(),
    };
    let reserved = reserved_stages(inputs, &task, &place)?;
    let impl_task_key = key.to_string();
    let request = ClaimRequest {
        task: &task,
        plan: &chosen.body,
        plan_run_id: chosen.run_id,
        impl_task_key: &impl_task_key,
        run_id: inputs.run_id,
        reserved: &reserved,
        current_trees: &current_trees,
    };
    let decide = Decide {
        home: inputs.home,
        task: &task,
        place: &place,
        choice: inputs.ask.choice,
        mode: inputs.ask.mode,
        run_id: inputs.run_id,
    };
    let (_, decided) =
        claim_stage(&request, |book, _| decide.decide(book)).map_err(|e| match e {
            ReserveError::Ledger(e) => StageError::Ledger(e),
            ReserveError::Base(e) => e,
        })?;
    let (worktree, implementation_base) = match &place {
        Place::Git {
            git,
            registry_key,
            task_worktree,
        } => {
            let (wt, implementation_base) =
                provision(inputs, git, registry_key, task_worktree, &decided)?;
            (Some(wt), implementation_base)
        }
        Place::Root { .. } => (None, None),
    };
    assemble(
        inputs,
        chosen,
        &task,
        decided,
        worktree,
        implementation_base,
    )
}

/// Returns where the stage runs: beside the task worktree in its repository, or the project
/// root when provisioning was skipped.
fn place_of(inputs: &StageInputs<'_>) -> Result<Place, StageError> {
    let root = inputs.project.root();
    let info = inputs.task_worktree;
    let head_of_root = || -> Result<Option<String>, StageError> {
        Ok(match info.status {
            WorktreeStatus::SkippedNonGit => None,
            _ => GitCommand::new(root).resolve_commit("HEAD").unwrap_or(None),
        })
    };
    let Some(path) = info.path.as_ref().map(PathBuf::from) else {
        return Ok(Place::Root {
            head: head_of_root()?,
        });
    };
    let key = inputs.task_key;
    let repo = repository_of(root)?.ok_or_else(|| StageError::NoTaskHead { path: path.clone() })?;
    let registry = read_registry(inputs.home)?;
    let registry_key = registry
        .find_task(
            key.project_id(),
            &repo,
            key.group().segment(),
            key.id().segment(),
        )
        .map(|(k, _)| k.to_owned())
        .ok_or_else(|| StageError::NoTaskHead { path: path.clone() })?;
    Ok(Place::Git {
        git: GitCommand::new(&path),
        registry_key,
        task_worktree: path,
    })
}

/// Returns the stages the registry holds for another run that is going or prepared. Every
/// claim writes its `started` row, so this counts only where the ledger lost that row (a
/// ledger deleted and repaired from carry, which restores `done` rows only): the registry is
/// the backstop that keeps such a stage from being taken twice.
fn reserved_stages(
    inputs: &StageInputs<'_>,
    task: &okstra_core::run_paths::TaskPaths,
    place: &Place,
) -> Result<BTreeSet<u32>, StageError> {
    let Place::Git { registry_key, .. } = place else {
        return Ok(BTreeSet::new());
    };
    let registry = read_registry(inputs.home)?;
    let Some(entry) = registry.task(registry_key) else {
        return Ok(BTreeSet::new());
    };
    Ok(entry
        .stages
        .iter()
        .filter_map(|(n, stage)| {
            let n: u32 = n.parse().ok()?;
            let live = matches!(
                run_liveness(task, stage_of(n), &stage.run_id),
                RunLiveness::Running | RunLiveness::Prepared
            );
            live.then_some(n)
        })
        .collect())
}

/// Makes or resets the stage worktree and records it in the registry, under its lock; returns
/// it and the task's implementation base.
fn provision(
    inputs: &StageInputs<'_>,
    git: &GitCommand,
    registry_key: &str,
    task_worktree: &Path,
    decided: &Decided,
) -> Result<(StageWorktree, Option<String>), StageError> {
    with_registry(inputs.home, |registry| {
        let Some(entry) = registry.task_mut(registry_key) else {
            return Err(StageError::NoTaskHead {
                path: task_worktree.to_path_buf(),
            });
        };
        let n = decided.stage.get();
        let path = Path::new(&entry.path).with_file_name(format!("stage-{n}"));
        let branch = stage_branch(&entry.branch, n);
        let base = decided.base.clone().unwrap_or_default();
        let target = match &decided.keep_head {
            Some(head) => BranchTarget::KeepHead(head),
            None => BranchTarget::ResetTo(&base),
        };
        let wt = provision_stage_worktree(git, decided.stage, &path, &branch, target)?;
        entry.stages.insert(
            n.to_string(),
            StageWorktreeEntry {
                branch: wt.branch.clone(),
                path: wt.path.display().to_string(),
                base,
                run_id: inputs.run_id.to_string(),
                updated_at: Timestamp::now(),
            },
        );
        Ok(((wt, entry.implementation_base.clone()), true))
    })
}

/// Returns the stage run, from the plan, the claim and the worktree.
fn assemble(
    inputs: &StageInputs<'_>,
    chosen: &ChosenPlan,
    task: &okstra_core::run_paths::TaskPaths,
    decided: Decided,
    worktree: Option<StageWorktree>,
    implementation_base: Option<String>,
) -> Result<StageRun, StageError> {
    let n = decided.stage.get();
    let plan_stage = chosen.body.stage(n).cloned().ok_or(StageError::Ledger(
        crate::ledger::LedgerError::Select(okstra_core::ledger::SelectError::NoSuchStage {
            stage: n,
            count: chosen.body.stages.len(),
        }),
    ))?;
    let carry_in = read_carry_in(task, &plan_stage)?;
    let info = inputs.task_worktree;
    let workdir = match (&worktree, &info.path) {
        // The stage worktree's folder matching the project root (a monorepo's subfolder).
        (Some(wt), Some(task_path)) => {
            let sub = relative_to(Path::new(&info.workdir), Path::new(task_path));
            if sub.is_absolute() || sub.as_os_str().is_empty() {
                wt.path.clone()
            } else {
                wt.path.join(sub)
            }
        }
        _ => PathBuf::from(&info.workdir),
    };
    let (worktree_path, branch, attempt_ref) = match worktree {
        Some(wt) => (Some(wt.path), Some(wt.branch), wt.attempt_ref),
        None => (None, None, None),
    };
    Ok(StageRun {
        stage: decided.stage,
        plan_stage,
        plan: chosen.body.clone(),
        plan_path: chosen.path.clone(),
        plan_run_id: chosen.run_id,
        implementation_base,
        base: decided.base,
        worktree: worktree_path,
        workdir,
        branch,
        mode: inputs.ask.mode,
        executor: inputs.executor.to_owned(),
        verifier: inputs.verifier.map(str::to_owned),
        attempt_ref,
        carry_in,
    })
}
