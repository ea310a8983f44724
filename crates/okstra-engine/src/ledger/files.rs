//! Owns the stage ledger's files on disk (SPEC §2): `runs/implementation-planning/
//! consumers.jsonl` (task-type level, never stage-scoped), the carry folder
//! `runs/implementation/carry/`, the switch record `runs/implementation-planning/
//! plan-switches.json`, and the task lock `.okstra/tasks/<g>/<i>/.lock` every change holds.
//! It reads them raw and appends rows; what they mean is `okstra_core::ledger`'s. The carry
//! folder is read by `carry_scan`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use okstra_core::TaskType;
use okstra_core::ledger::{LedgerRow, PLAN_SWITCHES_FILE, PlanSwitches};
use okstra_core::run_paths::{TaskPaths, relative_to};

use crate::errors::{PathError, StoreError};
use crate::fs_atomic::read_optional;

/// The paths of a task's ledger files.
#[derive(Clone, Debug)]
pub(crate) struct LedgerFiles {
    pub(crate) task_root: PathBuf,
    pub(crate) ledger: PathBuf,
    pub(crate) carry_dir: PathBuf,
    pub(crate) switches: PathBuf,
    pub(crate) lock: PathBuf,
}

impl LedgerFiles {
    /// Returns the ledger files of a task.
    pub(crate) fn of(task: &TaskPaths) -> Self {
        Self {
            task_root: task.task_root().to_path_buf(),
            ledger: task.consumers_ledger(),
            carry_dir: task.carry_dir(),
            switches: task
                .task_type_dir(TaskType::ImplementationPlanning)
                .join(PLAN_SWITCHES_FILE),
            lock: task.lock(),
        }
    }

    /// Returns the carry folder relative to the task root, `runs/implementation/carry`: the
    /// prefix of every `carry_path`.
    pub(crate) fn carry_dir_from_task_root(&self) -> String {
        relative_to(&self.carry_dir, &self.task_root)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Reads the ledger's text; a missing ledger is empty.
pub(crate) fn read_ledger_text(path: &Path) -> Result<String, PathError> {
    Ok(read_optional(path)?.unwrap_or_default())
}

/// Reads the switch record; a missing one is empty.
pub(crate) fn read_switches(path: &Path) -> Result<PlanSwitches, StoreError> {
    match read_optional(path)? {
        Some(text) => PlanSwitches::parse(&text).map_err(|source| StoreError::Invalid {
            path: path.to_path_buf(),
            source,
        }),
        None => Ok(PlanSwitches::default()),
    }
}

/// Returns an I/O error's cause without the path fs_err adds (the caller names the file).
pub(crate) fn cause(e: &std::io::Error) -> String {
    std::error::Error::source(e).map_or_else(|| e.to_string(), ToString::to_string)
}

/// Appends rows to the ledger in one write, then fsyncs. The caller holds the task lock.
pub(crate) fn append_rows(path: &Path, rows: &[LedgerRow<'_>]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut bytes = Vec::new();
    for row in rows {
        let line = row.encode().map_err(|source| StoreError::Encode {
            path: path.to_path_buf(),
            source,
        })?;
        bytes.extend_from_slice(line.as_bytes());
    }
    let mut file = crate::private::open_append(path)?;
    // A torn previous write leaves no newline; start on a fresh line so these rows are whole.
    let len = file.metadata().map_err(PathError::at(path))?.len();
    if len > 0 && !ends_with_newline(path)? {
        bytes.insert(0, b'\n');
    }
    file.write_all(&bytes).map_err(PathError::at(path))?;
    file.sync_data().map_err(PathError::at(path))?;
    Ok(())
}

fn ends_with_newline(path: &Path) -> Result<bool, PathError> {
    use std::io::{Seek, SeekFrom};
    let mut f = fs_err::File::open(path).map_err(PathError::at(path))?;
    f.seek(SeekFrom::End(-1)).map_err(PathError::at(path))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last).map_err(PathError::at(path))?;
    Ok(last[0] == b'\n')
}
