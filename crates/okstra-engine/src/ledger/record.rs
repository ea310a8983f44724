//! Owns the ledger's writes besides reservation: a stage's carry sidecar (atomically) and its
//! `done` row together under the task lock, and a plan switch (`okstra approve --supersede`):
//! the switch record, with the replaced plan's carries moved to `carry/superseded-<k>/`.

use std::borrow::Cow;
use std::path::PathBuf;

use jiff::Timestamp;
use okstra_core::carry::{CarrySidecar, carry_file_name};
use okstra_core::ledger::{LedgerRow, PlanSwitch, STATUS_DONE, SupersedeNeed, supersede_need};
use okstra_core::run_paths::TaskPaths;

use super::error::LedgerError;
use super::files::{LedgerFiles, append_rows};
use super::read::{read_ledger_repaired, repaired_under_lock};
use crate::errors::{PathError, StoreError};
use crate::fs_atomic::{write_json, write_text};
use crate::lock::lock_exclusive;

/// Writes a stage's carry sidecar atomically; returns its path.
pub fn write_carry(task: &TaskPaths, carry: &CarrySidecar) -> Result<PathBuf, LedgerError> {
    let path = task.carry(carry.stage);
    let text = carry.to_json().map_err(|source| StoreError::Encode {
        path: path.clone(),
        source,
    })?;
    write_text(&path, &text)?;
    Ok(path)
}

/// Records a stage that passed: writes its carry, then appends its `done` row, both under the
/// task lock (a crash between them leaves a carry that the next read's repair turns into the
/// row). Returns the row.
pub fn record_stage_done(
    task: &TaskPaths,
    carry: &CarrySidecar,
) -> Result<LedgerRow<'static>, LedgerError> {
    let files = LedgerFiles::of(task);
    let _lock = lock_exclusive(&files.lock)?;
    write_carry(task, carry)?;
    let row = LedgerRow {
        v: Some(1),
        impl_task_key: Some(Cow::Owned(carry.impl_task_key.clone())),
        stage: Some(carry.stage.get()),
        status: Some(Cow::Borrowed(STATUS_DONE)),
        started_at: None,
        head_commit: Some(Cow::Owned(carry.stage_commit_range.head.clone())),
        carry_path: Some(Cow::Owned(format!(
            "{}/{}",
            files.carry_dir_from_task_root(),
            carry_file_name(carry.stage)
        ))),
        source: None,
        plan_run_id: Some(Cow::Owned(carry.plan_run_id.to_string())),
        run_id: Some(Cow::Owned(carry.run_id.to_string())),
    };
    append_rows(&files.ledger, std::slice::from_ref(&row))?;
    Ok(row)
}

/// Returns what approving the plan `plan_run_id` does to the task's stage state (see
/// `okstra_core::ledger::supersede_need`), from the repaired ledger.
pub fn supersede_check(
    task: &TaskPaths,
    plan_run_id: &str,
) -> Result<Option<SupersedeNeed>, LedgerError> {
    let snapshot = read_ledger_repaired(task)?;
    Ok(supersede_need(
        &snapshot.summary,
        &snapshot.switches,
        plan_run_id,
    ))
}

/// Switches the task to the plan `plan_run_id` when another plan is in force or has stages,
/// under the task lock: moves every carry that is not this plan's to `carry/superseded-<k>/`
/// and records the switch. Returns the switch, or `None` when there was nothing to switch.
pub fn record_supersede(
    task: &TaskPaths,
    plan_run_id: &str,
    at: Timestamp,
) -> Result<Option<PlanSwitch>, LedgerError> {
    let files = LedgerFiles::of(task);
    let _lock = lock_exclusive(&files.lock)?;
    let snapshot = repaired_under_lock(&files)?;
    let Some(need) = supersede_need(&snapshot.summary, &snapshot.switches, plan_run_id) else {
        return Ok(None);
    };
    let archive_name = snapshot.switches.next_archive_name();
    let archive = files.carry_dir.join(&archive_name);
    let mut archived = Vec::new();
    for carry in &snapshot.carries {
        let own = carry
            .facts
            .as_ref()
            .is_ok_and(|p| p.plan_run_id.as_deref() == Some(plan_run_id));
        if own {
            continue;
        }
        crate::private::create_dir_all(&archive)?;
        let from = files.carry_dir.join(&carry.name);
        let to = archive.join(&carry.name);
        fs_err::rename(&from, &to).map_err(PathError::at(&from))?;
        archived.push(carry.name.clone());
    }
    let switch = PlanSwitch {
        from: need.from,
        to: plan_run_id.to_owned(),
        at,
        started: need.started,
        done: need.done,
        carry_archive: (!archived.is_empty())
            .then(|| format!("{}/{archive_name}", files.carry_dir_from_task_root())),
        archived,
    };
    let switches = snapshot.switches.with_switch(switch.clone());
    write_json(&files.switches, &switches)?;
    Ok(Some(switch))
}
