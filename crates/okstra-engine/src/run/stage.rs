//! Owns the `StageRun`: everything an implementation run's phases need about its one stage —
//! the stage of the plan and the whole plan, the plan's file and run id, the stage's base, the
//! stage worktree and branch (or the project root outside git), how the stage was taken, the
//! executor, and the carry sidecars of every dependency (carry-in, SPEC §8). Preparation
//! builds it (`stage_prepare`); a resumed run rebuilds it from the manifest's `stageRun`
//! record and the plan file ([`StageRun::from_manifest`]). The `Run` holds it
//! (`Run::stage_run`).

use std::path::{Path, PathBuf};

use okstra_core::carry::CarrySidecar;
use okstra_core::manifest::RunManifest;
use okstra_core::plan::{self, PlanBody};
use okstra_core::run_paths::TaskPaths;
use okstra_core::stage_record::{StageMode, StageRecord};
use okstra_core::{RunId, Stage};

use crate::errors::PathError;
use crate::plan_file::{PlanFileError, PlanFiles, load_plan, plan_body};

/// One dependency's carry sidecar, as the stage's prompts get it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CarryIn {
    /// The dependency's stage number.
    pub(crate) stage: Stage,
    /// The carry file (absolute).
    pub(crate) path: PathBuf,
    /// Its text, as written (okstra's `carry/v1`, or the original okstra's shape).
    pub(crate) text: String,
    /// Its `carry/v1` reading, when it is one.
    pub(crate) sidecar: Option<CarrySidecar>,
}

/// The stage an implementation run implements.
#[derive(Clone, Debug)]
pub(crate) struct StageRun {
    pub(crate) stage: Stage,
    /// The stage of the plan (steps, validation, exit contract, rollback …).
    pub(crate) plan_stage: plan::Stage,
    /// The whole plan (its context for the prompts).
    pub(crate) plan: PlanBody,
    /// The plan's main file (absolute): its data.json, else its markdown.
    pub(crate) plan_path: PathBuf,
    /// The implementation-planning run whose report the plan is.
    pub(crate) plan_run_id: RunId,
    /// The task's implementation base; `None` outside git.
    pub(crate) implementation_base: Option<String>,
    /// The stage's base commit (`base..head` is the stage's work); `None` outside git.
    pub(crate) base: Option<String>,
    /// The stage worktree; `None` when the stage runs in the project root.
    pub(crate) worktree: Option<PathBuf>,
    /// The folder the executor works in and okstra takes evidence in.
    pub(crate) workdir: PathBuf,
    /// The stage branch; `None` outside git or in a nested worktree.
    pub(crate) branch: Option<String>,
    pub(crate) mode: StageMode,
    /// The executor's agent name.
    pub(crate) executor: String,
    /// The verifier's agent name, when recorded.
    pub(crate) verifier: Option<String>,
    /// The ref keeping the previous attempt's head, when the branch was reset.
    pub(crate) attempt_ref: Option<String>,
    /// The carry sidecars of every stage this one depends on, by stage.
    pub(crate) carry_in: Vec<CarryIn>,
}

/// A stage run that cannot be rebuilt from its manifest.
#[derive(Debug, thiserror::Error)]
pub enum StageRunError {
    #[error("the manifest of implementation run {run_id} records no stage")]
    NoStage { run_id: String },
    #[error("the plan {} of run {run_id} has no stage {stage}", plan.display())]
    NoSuchStage {
        run_id: String,
        plan: PathBuf,
        stage: Stage,
    },
    #[error(transparent)]
    Plan(#[from] PlanFileError),
    #[error(transparent)]
    Io(#[from] PathError),
}

impl StageRun {
    /// Returns the record the manifest keeps of this stage run (paths relative to `root`
    /// where they are inside it).
    pub(crate) fn record(&self, root: &Path) -> StageRecord {
        StageRecord {
            plan: okstra_core::run_paths::relative_to(&self.plan_path, root)
                .display()
                .to_string(),
            plan_run_id: self.plan_run_id,
            implementation_base: self.implementation_base.clone(),
            base: self.base.clone(),
            worktree: self.worktree.as_ref().map(|p| p.display().to_string()),
            workdir: self.workdir.display().to_string(),
            branch: self.branch.clone(),
            mode: self.mode,
            executor: self.executor.clone(),
            verifier: self.verifier.clone(),
            attempt_ref: self.attempt_ref.clone(),
        }
    }

    /// Rebuilds the stage run of an implementation run from its manifest: the record, the
    /// plan file it names (read again, its approval mirror checked), and the dependencies'
    /// carries. `None` for a run of another task type.
    pub(crate) fn from_manifest(manifest: &RunManifest) -> Result<Option<StageRun>, StageRunError> {
        if !manifest.task_type.is_stage_scoped() {
            return Ok(None);
        }
        let no_stage = || StageRunError::NoStage {
            run_id: manifest.run_id.to_string(),
        };
        let (Some(stage), Some(record)) = (manifest.stage, manifest.stage_run.as_ref()) else {
            return Err(no_stage());
        };
        let root = Path::new(&manifest.project_root);
        let plan_path = root.join(&record.plan);
        let loaded = load_plan(plan_files_of(&plan_path))?;
        loaded.check_mirror()?;
        let plan = plan_body(&loaded)?;
        let plan_stage =
            plan.stage(stage.get())
                .cloned()
                .ok_or_else(|| StageRunError::NoSuchStage {
                    run_id: manifest.run_id.to_string(),
                    plan: plan_path.clone(),
                    stage,
                })?;
        let carry_in = read_carry_in(manifest.paths().task(), &plan_stage)?;
        Ok(Some(StageRun {
            stage,
            plan_stage,
            plan,
            plan_path,
            plan_run_id: record.plan_run_id,
            implementation_base: record.implementation_base.clone(),
            base: record.base.clone(),
            worktree: record.worktree.as_ref().map(PathBuf::from),
            workdir: PathBuf::from(&record.workdir),
            branch: record.branch.clone(),
            mode: record.mode,
            executor: record.executor.clone(),
            verifier: record.verifier.clone(),
            attempt_ref: record.attempt_ref.clone(),
            carry_in,
        }))
    }
}

/// Returns the files of the plan whose main file is `path` (a data.json with its markdown
/// sibling, or a markdown with its data sibling).
pub(crate) fn plan_files_of(path: &Path) -> PlanFiles {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (data, markdown) = if let Some(stem) = name.strip_suffix(".data.json") {
        (
            path.to_path_buf(),
            path.with_file_name(format!("{stem}.md")),
        )
    } else {
        let stem = name.strip_suffix(".md").unwrap_or(&name);
        (
            path.with_file_name(format!("{stem}.data.json")),
            path.to_path_buf(),
        )
    };
    PlanFiles {
        data: data.is_file().then_some(data),
        markdown: markdown.is_file().then_some(markdown),
        run: None,
    }
}

/// Reads the carry sidecar of every stage `stage` depends on (a dependency without one — the
/// original okstra's ledger can say done with no carry — is left out).
pub(crate) fn read_carry_in(
    task: &TaskPaths,
    stage: &plan::Stage,
) -> Result<Vec<CarryIn>, PathError> {
    let mut deps = stage.depends_on.clone();
    deps.sort_unstable();
    deps.dedup();
    let mut out = Vec::new();
    for dep in deps {
        let Ok(dep) = Stage::new(dep) else { continue };
        let path = task.carry(dep);
        let Some(text) = crate::fs_atomic::read_optional(&path)? else {
            continue;
        };
        let sidecar = serde_json::from_str::<CarrySidecar>(&text).ok();
        out.push(CarryIn {
            stage: dep,
            path,
            text,
            sidecar,
        });
    }
    Ok(out)
}
