//! Owns claiming a stage for an implementation run in one step under the task lock (SPEC §8),
//! when the caller decides which stage and what base from the whole stage book: a new run
//! selects a ready stage (the rules of `reserve`), while `--retry`, `--redo` and `--reverify`
//! take a started, done or stale stage, and a run in a project root (no stage worktree) must
//! see that no other stage run is going there. The caller's `decide` runs under the lock and
//! must be quick; its refusal appends nothing. The `started` row it leads to names the run and
//! the stage's base.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use okstra_core::RunId;
use okstra_core::ledger::{LedgerRow, STATUS_STARTED, StageBook};
use okstra_core::plan::PlanBody;
use okstra_core::run_paths::TaskPaths;

use super::error::{LedgerError, ReserveError};
use super::files::{LedgerFiles, append_rows};
use super::read::{LedgerSnapshot, repaired_under_lock};
use crate::errors::StoreError;
use crate::lock::lock_exclusive;

/// What a claim is made against.
#[derive(Clone, Copy, Debug)]
pub struct ClaimRequest<'a> {
    pub task: &'a TaskPaths,
    /// The approved plan's body.
    pub plan: &'a PlanBody,
    /// The approved plan's run id.
    pub plan_run_id: RunId,
    /// The task key the row carries (`<projectId>:<group>:<id>`).
    pub impl_task_key: &'a str,
    /// The implementation run the stage is claimed for.
    pub run_id: RunId,
    /// Stages the registry holds for other runs.
    pub reserved: &'a BTreeSet<u32>,
    /// The stage branches' current trees.
    pub current_trees: &'a BTreeMap<u32, String>,
}

/// The stage the caller claims, and its base (the `started` row's `head_commit`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub stage: u32,
    pub base: String,
}

/// A claimed stage: the row appended, and what the read before it found.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub row: LedgerRow<'static>,
    /// The ledger as read under the lock, before the row.
    pub snapshot: LedgerSnapshot,
}

/// Under the task lock: repairs and reads the ledger, lets `decide` pick the stage and its
/// base from the plan's stage book, and appends the `started` row. Returns the claim, with
/// `decide`'s own value.
pub fn claim_stage<T, E>(
    req: &ClaimRequest<'_>,
    decide: impl FnOnce(&StageBook, &LedgerSnapshot) -> Result<(Claim, T), E>,
) -> Result<(Claimed, T), ReserveError<E>> {
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
    let (claim, value) = decide(&book, &snapshot).map_err(ReserveError::Base)?;
    let row = LedgerRow {
        v: Some(1),
        impl_task_key: Some(Cow::Owned(req.impl_task_key.to_owned())),
        stage: Some(claim.stage),
        status: Some(Cow::Borrowed(STATUS_STARTED)),
        started_at: Some(Cow::Owned(jiff::Timestamp::now().to_string())),
        head_commit: Some(Cow::Owned(claim.base)),
        carry_path: None,
        source: None,
        plan_run_id: Some(Cow::Owned(plan_run_id)),
        run_id: Some(Cow::Owned(req.run_id.to_string())),
    };
    append_rows(&files.ledger, std::slice::from_ref(&row)).map_err(LedgerError::from)?;
    Ok((Claimed { row, snapshot }, value))
}
