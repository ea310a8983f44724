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

#[cfg(test)]
mod tests {
    use okstra_core::config::Language;
    use okstra_core::plan::{Stage as PlanStage, render_plan_markdown};
    use serde_json::json;

    use super::*;

    /// A plan of two stages, 2 depending on 1.
    fn body() -> PlanBody {
        let stage = |n: u32, deps: Vec<u32>| PlanStage {
            number: n,
            title: format!("Part {n}"),
            depends_on: deps,
            slice_value: format!("part {n} works"),
            acceptance: format!("`cargo test part_{n}` passes"),
            steps: vec![plan::Step {
                action: format!("RED: a failing test of part {n}"),
                files: vec![format!("tests/part_{n}.rs")],
            }],
            validation: vec![format!("cargo test part_{n}")],
            exit_contract: vec![format!("Part {n} is tested.")],
            rollback: "Revert it.".to_owned(),
            ..PlanStage::default()
        };
        PlanBody {
            stages: vec![stage(1, Vec::new()), stage(2, vec![1])],
            ..PlanBody::default()
        }
    }

    fn manifest(
        root: &Path,
        task_type: &str,
        stage: Option<u32>,
        record: &serde_json::Value,
    ) -> RunManifest {
        let mut value = json!({
            "schemaVersion": "run-manifest/v1",
            "runId": "01JD0000000000000000000009",
            "projectId": "p",
            "projectRoot": root.display().to_string(),
            "taskGroup": "g",
            "taskId": "t",
            "taskType": task_type,
            "runSeq": 1,
            "status": "prepared",
            "createdAt": "2026-06-10T08:00:00Z",
            "updatedAt": "2026-06-10T08:00:00Z",
            "worktree": {"status": "skipped-non-git", "workdir": root.display().to_string()},
            "okstraVersion": "0.1.0",
            "stageRun": record.clone(),
        });
        if let Some(stage) = stage {
            value["stage"] = stage.into();
        }
        RunManifest::parse(&value.to_string()).unwrap()
    }

    #[test]
    fn a_resumed_run_rebuilds_its_stage_from_the_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let reports = root.join(".okstra/tasks/g/t/runs/implementation-planning/reports");
        fs_err::create_dir_all(&reports).unwrap();
        let md = render_plan_markdown(&body(), Language::En).unwrap();
        let plan_file = reports.join("final-report-implementation-planning-1.md");
        fs_err::write(&plan_file, format!("---\napproved: true\n---\n\n{md}")).unwrap();
        let carry_dir = root.join(".okstra/tasks/g/t/runs/implementation/carry");
        fs_err::create_dir_all(&carry_dir).unwrap();
        let carry = r#"{"stage": 1, "status": "done", "head": "abc"}"#;
        fs_err::write(carry_dir.join("stage-1.json"), carry).unwrap();
        let record = json!({
            "plan": ".okstra/tasks/g/t/runs/implementation-planning/reports/final-report-implementation-planning-1.md",
            "planRunId": "01JD0000000000000000000001",
            "implementationBase": "a".repeat(40),
            "base": "b".repeat(40),
            "worktree": "/h/w/stage-2",
            "workdir": "/h/w/stage-2",
            "branch": "okstra/feat/g-t-stage-2",
            "mode": "retry",
            "executor": "codex",
            "verifier": "claude",
            "attemptRef": "refs/okstra/attempts/stage-2-1",
        });
        let m = manifest(root, "implementation", Some(2), &record);
        let run = StageRun::from_manifest(&m).unwrap().unwrap();
        assert_eq!(run.stage.get(), 2);
        assert_eq!(run.plan_stage.title, "Part 2");
        assert_eq!(run.plan_stage.depends_on, vec![1]);
        assert_eq!(run.plan.stages.len(), 2);
        assert_eq!(run.plan_path, plan_file);
        assert_eq!(run.plan_run_id.to_string(), "01JD0000000000000000000001");
        assert_eq!(run.base.as_deref(), Some("b".repeat(40).as_str()));
        assert_eq!(run.worktree.as_deref(), Some(Path::new("/h/w/stage-2")));
        assert_eq!(run.branch.as_deref(), Some("okstra/feat/g-t-stage-2"));
        assert_eq!(run.mode, StageMode::Retry);
        assert_eq!(run.executor, "codex");
        assert_eq!(
            run.attempt_ref.as_deref(),
            Some("refs/okstra/attempts/stage-2-1")
        );
        assert_eq!(run.carry_in.len(), 1);
        assert_eq!(run.carry_in[0].stage.get(), 1);
        assert_eq!(run.carry_in[0].text, carry);
        assert_eq!(run.carry_in[0].sidecar, None, "not a carry/v1");
        // The record it gives back is the one it was built from.
        assert_eq!(serde_json::to_value(run.record(root)).unwrap(), record);

        // Another task type has no stage; an implementation run without a record is refused;
        // a plan that lost the stage is named.
        let other = manifest(root, "error-analysis", None, &serde_json::Value::Null);
        assert!(StageRun::from_manifest(&other).unwrap().is_none());
        let bare = manifest(root, "implementation", Some(2), &serde_json::Value::Null);
        assert!(matches!(
            StageRun::from_manifest(&bare),
            Err(StageRunError::NoStage { .. })
        ));
        let gone = manifest(root, "implementation", Some(3), &record);
        assert!(matches!(
            StageRun::from_manifest(&gone),
            Err(StageRunError::NoSuchStage { .. })
        ));
    }
}
