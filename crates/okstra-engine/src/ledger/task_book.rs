//! Owns a task's book: its plan whose stages count (in force, latest approved, else latest)
//! and where each stage stands, the ledger repaired from carry first — what `ledger show`,
//! `task show` and the task's pages read, assembled once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use okstra_core::TaskName;
use okstra_core::ledger::StageBook;
use okstra_core::plan::model::PlanBody;
use okstra_core::run_paths::TaskPaths;

use super::error::LedgerError;
use super::read::{LedgerSnapshot, read_ledger_repaired};
use super::task_plan::{PlanChoice, stage_branch_trees, task_plan_for_ledger};
use crate::home::Home;
use crate::plan_file::{LoadedPlan, plan_body};

/// A task's plan and its stages' states.
pub struct TaskBook {
    /// The ledger as read (with what the repair recovered and skipped).
    pub snapshot: LedgerSnapshot,
    pub plan: LoadedPlan,
    pub choice: PlanChoice,
    pub body: PlanBody,
    /// The run that wrote the plan, when it was a planning run (not an imported file).
    pub plan_run_id: Option<String>,
    pub book: StageBook,
}

/// Reads task `group/id` of the project at `root`: its ledger (repaired), its plan (whose
/// markdown must mirror its data) and each stage's state.
pub fn task_book(
    home: &Home,
    root: &Path,
    group: &TaskName,
    id: &TaskName,
    task: &TaskPaths,
) -> Result<TaskBook, LedgerError> {
    let snapshot = read_ledger_repaired(task)?;
    let (plan, choice) = task_plan_for_ledger(home, root, group, id, &snapshot.switches)?;
    plan.check_mirror()?;
    let body = plan_body(&plan)?;
    let manifest = plan.files.run.as_ref().map(|r| &r.manifest);
    let plan_run_id = manifest.map(|m| m.run_id.to_string());
    let trees = match manifest {
        Some(m) => stage_branch_trees(home, root, &m.project_id, group, id)?,
        None => BTreeMap::new(),
    };
    // Stage reservations in the registry come with stage worktrees; until then every
    // reservation is its `started` row.
    let reserved = BTreeSet::new();
    let book = snapshot.book(&body, plan_run_id.as_deref(), &reserved, &trees);
    Ok(TaskBook {
        snapshot,
        plan,
        choice,
        body,
        plan_run_id,
        book,
    })
}
