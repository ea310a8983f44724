//! Owns reading whether a task's stages are ready for final verification (SPEC §8): the plan
//! the implementation runs use (the plan in force, else the latest approved), the ledger
//! repaired from carry and folded into the stage book with the stage branches' current trees,
//! and each done stage's carry read for `dbGate: unverified`. The decision is core's
//! (`check_stages_ready`). Nothing is written here but the rows carry repair recovers.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use okstra_core::final_verification::{DoneHead, ReadyInputs, Unready, check_stages_ready};
use okstra_core::ledger::StageState;
use okstra_core::run_paths::{ProjectPaths, TaskPaths};
use okstra_core::{ProjectId, Stage, TaskName};

use super::stage_plan::{ChosenPlan, PlanAsk, choose_plan};
use crate::errors::RunError;
use crate::executor::in_git_work_tree;
use crate::final_verification::FinalVerificationError;
use crate::home::Home;
use crate::ledger::{read_ledger_as_repaired, read_ledger_repaired, stage_branch_trees};

/// A task whose every stage is done: the plan, the stages' `done` heads in merge order, and
/// each stage's carry (path and text) for the verifiers.
#[derive(Clone, Debug)]
pub(crate) struct ReadyTask {
    pub(crate) plan: ChosenPlan,
    pub(crate) heads: Vec<DoneHead>,
    pub(crate) carries: Vec<(u32, PathBuf, String)>,
}

/// What names the task.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TaskAsk<'a> {
    pub(crate) home: &'a Home,
    pub(crate) root: &'a Path,
    pub(crate) project_id: &'a ProjectId,
    pub(crate) group: &'a TaskName,
    pub(crate) id: &'a TaskName,
    /// Whether the rows carry repair recovers are appended (not by a dry run).
    pub(crate) repair: bool,
}

/// Returns the task's plan and done heads, or refuses naming each stage that is not ready.
pub(crate) fn read_ready_task(ask: &TaskAsk<'_>) -> Result<ReadyTask, RunError> {
    let plan = choose_plan(&PlanAsk {
        home: ask.home,
        root: ask.root,
        group: ask.group,
        id: ask.id,
        plan: None,
        cwd: ask.root,
    })?;
    let task = ProjectPaths::new(ask.root).task(ask.group.segment(), ask.id.segment());
    let shown = format!("{}/{}", ask.group.segment(), ask.id.segment());
    let fv = |e: FinalVerificationError| RunError::from(e);
    let snapshot = if ask.repair {
        read_ledger_repaired(&task)
    } else {
        read_ledger_as_repaired(&task)
    }
    .map_err(|e| fv(e.into()))?;
    let trees = stage_branch_trees(ask.home, ask.root, ask.project_id, ask.group, ask.id)
        .map_err(|e| fv(e.into()))?;
    let plan_run_id = plan.run_id.to_string();
    // Reservations without a row are a stage being prepared: its `started` row follows at
    // once, and a stage not done is refused either way.
    let book = snapshot.book(&plan.body, Some(&plan_run_id), &BTreeSet::new(), &trees);
    let mut carries = Vec::new();
    let mut db_unverified = BTreeSet::new();
    for entry in &book.stages {
        let StageState::Done(done) = &entry.state else {
            continue;
        };
        let path = carry_path(&task, entry.stage, done.carry_path.as_deref());
        let Some(text) = crate::fs_atomic::read_optional(&path)? else {
            continue;
        };
        if says_db_unverified(&text) {
            db_unverified.insert(entry.stage);
        }
        carries.push((entry.stage, path, text));
    }
    let inputs = ReadyInputs {
        db_unverified: &db_unverified,
        task: &shown,
        in_git: in_git_work_tree(ask.root),
    };
    match check_stages_ready(&plan.body, &book, &inputs) {
        Ok(heads) => Ok(ReadyTask {
            plan,
            heads,
            carries,
        }),
        Err(Unready::Plan(conflict)) => Err(fv(FinalVerificationError::PlanConflict {
            task: shown,
            conflict,
        })),
        Err(Unready::Stages(stages)) => Err(fv(FinalVerificationError::StagesNotReady {
            task: shown,
            stages,
        })),
    }
}

/// Returns a done stage's carry file: the one its `done` row names (relative to the task
/// root), else `carry/stage-<N>.json`.
fn carry_path(task: &TaskPaths, stage: u32, recorded: Option<&str>) -> PathBuf {
    if let Some(rel) = recorded.filter(|r| !r.is_empty() && !r.contains("..")) {
        let path = task.task_root().join(rel);
        if path.starts_with(task.task_root()) {
            return path;
        }
    }
    match Stage::new(stage) {
        Ok(stage) => task.carry(stage),
        Err(_) => task.carry_dir().join(format!("stage-{stage}.json")),
    }
}

/// Returns whether a carry records an unverified DB gate: okstra's `dbGate.status`, or the
/// original okstra's `dbGate` string.
fn says_db_unverified(text: &str) -> bool {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    okstra_core::carry::db_gate_word(&value).as_deref() == Some("unverified")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_an_unverified_db_gate_are_read() {
        assert!(says_db_unverified(
            r#"{"dbGate": {"status": "unverified"}}"#
        ));
        assert!(says_db_unverified(r#"{"dbGate": "UNVERIFIED"}"#));
        assert!(!says_db_unverified(r#"{"dbGate": {"status": "verified"}}"#));
        assert!(!says_db_unverified(r#"{"stage": 1}"#));
        assert!(!says_db_unverified("not json"));
    }
}
