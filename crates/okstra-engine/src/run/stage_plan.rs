//! Owns choosing the plan an implementation run implements (SPEC §7.5, §8): `--plan` (a plan
//! file of the task, or one of its planning runs), else the plan `okstra approve --supersede`
//! put in force, else the task's latest approved plan. The plan must be a report of one of the
//! task's implementation-planning runs (its run id is what the stage state belongs to), its
//! approval mirror must hold, it must be approved, its plan-body gate must not block, and it
//! must pass every plan rule; each refusal names the plan and says why.

use std::path::{Path, PathBuf};

use okstra_core::plan::PlanBody;
use okstra_core::run_paths::{ProjectPaths, relative_to};
use okstra_core::{RunId, RunSeq, TaskName, TaskType};

use super::stage_error::StageError;
use crate::home::Home;
use crate::ledger::{PlanChoice, read_ledger_repaired, task_plan_for_ledger};
use crate::plan_file::{PlanFiles, check_plan, load_plan, locate_plan, plan_body};
use crate::runs::{FoundRun, load_manifest};

/// The plan an implementation run implements, checked.
#[derive(Clone, Debug)]
pub(crate) struct ChosenPlan {
    pub(crate) body: PlanBody,
    /// The implementation-planning run whose report it is.
    pub(crate) run_id: RunId,
    /// The plan's main file (absolute): its data.json, else its markdown.
    pub(crate) path: PathBuf,
}

/// What names the plan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PlanAsk<'a> {
    pub(crate) home: &'a Home,
    pub(crate) root: &'a Path,
    pub(crate) group: &'a TaskName,
    pub(crate) id: &'a TaskName,
    /// `--plan`, when given.
    pub(crate) plan: Option<&'a str>,
    /// The folder a relative `--plan` path is taken against.
    pub(crate) cwd: &'a Path,
}

/// Returns the plan the run implements, refusing one that cannot be implemented.
pub(crate) fn choose_plan(ask: &PlanAsk<'_>) -> Result<ChosenPlan, StageError> {
    let task = format!("{}/{}", ask.group.segment(), ask.id.segment());
    let loaded = if let Some(arg) = ask.plan {
        let files = locate_plan(ask.home, ask.cwd, arg)?;
        load_plan(with_task_run(ask, files)?)?
    } else {
        let task_paths = ProjectPaths::new(ask.root).task(ask.group.segment(), ask.id.segment());
        let switches = read_ledger_repaired(&task_paths)?.switches;
        let (plan, choice) =
            task_plan_for_ledger(ask.home, ask.root, ask.group, ask.id, &switches)?;
        if choice == PlanChoice::LatestUnapproved {
            return Err(StageError::NoApprovedPlan {
                task,
                latest: relative_to(plan.files.main_path(), ask.root),
            });
        }
        plan
    };
    let path = loaded.files.main_path().to_path_buf();
    // As messages show it: relative to the project root.
    let shown = relative_to(&path, ask.root);
    let Some(run) = loaded.files.run.as_ref() else {
        return Err(StageError::NotTaskPlan { plan: shown, task });
    };
    let m = &run.manifest;
    if m.task_group.segment() != ask.group.segment() || m.task_id.segment() != ask.id.segment() {
        return Err(StageError::NotTaskPlan { plan: shown, task });
    }
    let run_id = m.run_id;
    loaded.check_mirror()?;
    if !loaded.approved() {
        return Err(StageError::NotApproved { plan: shown });
    }
    if let Some(gate) = loaded.gate()
        && gate.result.blocks_approval()
    {
        return Err(StageError::GateBlocked {
            plan: shown,
            result: gate.result.to_string(),
            reason: gate.reason.clone(),
        });
    }
    let check = check_plan(&loaded)?;
    if !check.violations.is_empty() {
        return Err(StageError::Failing {
            plan: check.path,
            violations: check.violations,
        });
    }
    let body = plan_body(&loaded)?;
    Ok(ChosenPlan { body, run_id, path })
}

/// Returns `files` with the planning run they are the report of, when they are a report file
/// of the task's `runs/implementation-planning/reports/` (named by path rather than by run).
fn with_task_run(ask: &PlanAsk<'_>, mut files: PlanFiles) -> Result<PlanFiles, StageError> {
    if files.run.is_some() {
        return Ok(files);
    }
    let task = ProjectPaths::new(ask.root).task(ask.group.segment(), ask.id.segment());
    let reports = task
        .run(TaskType::ImplementationPlanning, RunSeq::FIRST, None)
        .reports_dir();
    let reports = fs_err::canonicalize(&reports).unwrap_or(reports);
    let main = files.main_path().to_path_buf();
    if main.parent() != Some(reports.as_path()) {
        return Ok(files);
    }
    let name = main
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!("final-report-{}-", TaskType::ImplementationPlanning);
    let seq = name
        .strip_prefix(&prefix)
        .and_then(|rest| {
            rest.strip_suffix(".data.json")
                .or_else(|| rest.strip_suffix(".md"))
        })
        .and_then(|n| n.parse::<u32>().ok())
        .and_then(|n| RunSeq::new(n).ok());
    if let Some(seq) = seq {
        let manifest_path = task
            .run(TaskType::ImplementationPlanning, seq, None)
            .manifest();
        if manifest_path.is_file() {
            let manifest = load_manifest(&manifest_path)?;
            files.run = Some(FoundRun {
                manifest_path,
                manifest,
            });
        }
    }
    Ok(files)
}
