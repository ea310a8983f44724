//! Owns reserving a stage for an implementation run (SPEC §8): under the task lock, repair the
//! ledger from carry, compute the plan's stage state, select the stage (`auto` or `N`), let
//! the caller fix the stage's base, and append the `started` row — one locked step, so two
//! processes can never select the same stage. The lock is held for the few milliseconds this
//! takes; the caller's `base` runs under it and must be quick too.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use okstra_core::RunId;
use okstra_core::jsonl::JsonlWarning;
use okstra_core::ledger::{LedgerRow, STATUS_STARTED, Selected, StageChoice, select_stage};
use okstra_core::plan::PlanBody;
use okstra_core::run_paths::TaskPaths;

use super::error::{LedgerError, ReserveError};
use super::files::{LedgerFiles, append_rows};
use super::read::repaired_under_lock;
use crate::errors::StoreError;
use crate::lock::lock_exclusive;

/// What to reserve.
#[derive(Clone, Copy, Debug)]
pub struct ReserveRequest<'a> {
    pub task: &'a TaskPaths,
    /// The approved plan's body.
    pub plan: &'a PlanBody,
    /// The approved plan's run id.
    pub plan_run_id: RunId,
    /// The task key the rows carry (`<projectId>:<group>:<id>`).
    pub impl_task_key: &'a str,
    /// The implementation run the stage is reserved for.
    pub run_id: RunId,
    pub choice: StageChoice,
    /// Stages the registry holds for other runs.
    pub reserved: &'a BTreeSet<u32>,
    /// The stage branches' current trees (stale stages are neither taken nor bases).
    pub current_trees: &'a BTreeMap<u32, String>,
}

/// A reserved stage.
#[derive(Clone, Debug)]
pub struct Reservation {
    pub selected: Selected,
    /// The `started` row appended; its `head_commit` is the stage's base.
    pub row: LedgerRow<'static>,
    /// Rows the repair appended before the selection.
    pub recovered: Vec<LedgerRow<'static>>,
    /// Lines of the ledger that were skipped.
    pub warnings: Vec<JsonlWarning>,
}

/// Selects a stage and appends its `started` row in one step under the task lock. `base`
/// returns the stage's base commit from the selection (the dependency's `done` head, their
/// merge, or the implementation base); its error leaves nothing appended.
pub fn reserve_stage<E>(
    req: &ReserveRequest<'_>,
    base: impl FnOnce(&Selected) -> Result<String, E>,
) -> Result<Reservation, ReserveError<E>> {
    let files = LedgerFiles::of(req.task);
    let _lock = lock_exclusive(&files.lock).map_err(|e| LedgerError::from(StoreError::from(e)))?;
    let snapshot = repaired_under_lock(&files)?;
    let plan_run_id = req.plan_run_id.to_string();
    let book = snapshot.book(
        req.plan,
        Some(&plan_run_id),
        req.reserved,
        req.current_trees,
    );
    let selected = select_stage(&book, req.choice).map_err(LedgerError::from)?;
    let head = base(&selected).map_err(ReserveError::Base)?;
    let row = LedgerRow {
        v: Some(1),
        impl_task_key: Some(Cow::Owned(req.impl_task_key.to_owned())),
        stage: Some(selected.stage),
        status: Some(Cow::Borrowed(STATUS_STARTED)),
        started_at: Some(Cow::Owned(jiff::Timestamp::now().to_string())),
        head_commit: Some(Cow::Owned(head)),
        carry_path: None,
        source: None,
        plan_run_id: Some(Cow::Owned(plan_run_id)),
        run_id: Some(Cow::Owned(req.run_id.to_string())),
    };
    append_rows(&files.ledger, std::slice::from_ref(&row)).map_err(LedgerError::from)?;
    Ok(Reservation {
        selected,
        row,
        recovered: snapshot.recovered,
        warnings: snapshot.warnings,
    })
}
