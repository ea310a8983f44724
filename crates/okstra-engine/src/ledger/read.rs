//! Owns reading the stage ledger the one way every reader does (SPEC §8: "before any gate
//! reads the ledger, okstra appends a `done` row for every complete carry sidecar whose stage
//! has no `done` row"): read the ledger (a torn last line is a warning), the switch record and
//! the carry folder, repair from carry, append what the repair recovered under the task lock,
//! and hand back the ledger folded.
//!
//! The common case recovers nothing and takes no lock. When there is something to recover,
//! the lock is taken and everything is read again under it, so two readers never append the
//! same row twice.

use std::collections::{BTreeMap, BTreeSet};

use okstra_core::carry::ProbedCarry;
use okstra_core::errors::JsonlLineError;
use okstra_core::jsonl::JsonlWarning;
use okstra_core::ledger::{
    DecodedLedger, LedgerRow, LedgerSummary, PlanSwitches, SkippedCarry, StageBook, StageInputs,
    decode_ledger_part, repair_from_carry, stage_book,
};
use okstra_core::plan::PlanBody;
use okstra_core::run_paths::TaskPaths;

use super::carry_scan::scan_carries;
use super::error::LedgerError;
use super::files::{LedgerFiles, append_rows, read_ledger_text, read_switches};
use crate::errors::StoreError;
use crate::lock::lock_exclusive;

/// The stage ledger of a task, repaired and folded.
#[derive(Clone, Debug, Default)]
pub struct LedgerSnapshot {
    pub summary: LedgerSummary,
    /// Every carry file, probed, in name order.
    pub carries: Vec<ProbedCarry>,
    pub switches: PlanSwitches,
    /// The rows the repair appended on this read.
    pub recovered: Vec<LedgerRow<'static>>,
    /// The carry files the repair could not use.
    pub skipped: Vec<SkippedCarry>,
    /// The ledger's lines that were skipped (a torn last line, a corrupt line), with their
    /// line numbers.
    pub warnings: Vec<JsonlWarning>,
}

impl LedgerSnapshot {
    /// Returns each stage of `plan` (whose run id is `plan_run_id`) with its state, given the
    /// registry's reserved stages and the stage branches' current trees.
    pub fn book(
        &self,
        plan: &PlanBody,
        plan_run_id: Option<&str>,
        reserved: &BTreeSet<u32>,
        current_trees: &BTreeMap<u32, String>,
    ) -> StageBook {
        stage_book(
            plan,
            &StageInputs {
                summary: &self.summary,
                carries: &self.carries,
                switches: &self.switches,
                plan_run_id,
                reserved,
                current_trees,
            },
        )
    }
}

/// Reads a task's ledger, repaired from carry: what every reader of the ledger calls.
pub fn read_ledger_repaired(task: &TaskPaths) -> Result<LedgerSnapshot, LedgerError> {
    let files = LedgerFiles::of(task);
    let (snapshot, pending) = read_and_repair(&files)?;
    if pending.is_empty() {
        return Ok(snapshot);
    }
    let _lock = lock_exclusive(&files.lock).map_err(StoreError::from)?;
    repaired_under_lock(&files)
}

/// Reads a task's ledger as its repair from carry would leave it, without appending the rows
/// the repair recovers (a dry run writes nothing).
pub(crate) fn read_ledger_as_repaired(task: &TaskPaths) -> Result<LedgerSnapshot, LedgerError> {
    let (mut snapshot, pending) = read_and_repair(&LedgerFiles::of(task))?;
    for row in &pending {
        snapshot.summary.push(row);
    }
    snapshot.recovered = pending;
    Ok(snapshot)
}

/// Reads and repairs a task's ledger while the caller holds the task lock.
pub(crate) fn repaired_under_lock(files: &LedgerFiles) -> Result<LedgerSnapshot, LedgerError> {
    let (mut snapshot, pending) = read_and_repair(files)?;
    append_rows(&files.ledger, &pending)?;
    for row in &pending {
        snapshot.summary.push(row);
    }
    snapshot.recovered = pending;
    Ok(snapshot)
}

/// Reads the files and computes the repair; returns the snapshot without the recovered rows,
/// and those rows.
fn read_and_repair(
    files: &LedgerFiles,
) -> Result<(LedgerSnapshot, Vec<LedgerRow<'static>>), LedgerError> {
    // The carry folder is read (system calls, mostly) while the ledger is decoded and folded.
    let (carries, folded) = std::thread::scope(|scope| {
        let carries = scope.spawn(|| scan_carries(&files.carry_dir));
        let folded = fold_ledger(files);
        let carries = carries
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (carries, folded)
    });
    let (summary, warnings) = folded?;
    let carries = carries.map_err(StoreError::from)?;
    let switches = read_switches(&files.switches)?;
    let recovery = repair_from_carry(
        &summary,
        &carries,
        &switches,
        &files.carry_dir_from_task_root(),
    );
    let snapshot = LedgerSnapshot {
        summary,
        carries,
        switches,
        recovered: Vec::new(),
        skipped: recovery.skipped,
        warnings,
    };
    Ok((snapshot, recovery.rows))
}

/// The ledger size from which it is decoded in parts on several threads.
const PARALLEL_DECODE_FROM: usize = 1 << 20;

/// Reads, decodes and folds the ledger. A large ledger is decoded in parts (split at line
/// ends) on several threads, then folded in file order.
fn fold_ledger(files: &LedgerFiles) -> Result<(LedgerSummary, Vec<JsonlWarning>), LedgerError> {
    let text = read_ledger_text(&files.ledger).map_err(StoreError::from)?;
    let threads = if text.len() < PARALLEL_DECODE_FROM {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(8)
    };
    let parts = split_at_lines(&text, threads);
    let decoded: Vec<Result<DecodedLedger<'_>, JsonlLineError>> = if parts.len() == 1 {
        parts
            .iter()
            .map(|(first, part)| decode_ledger_part(part, *first))
            .collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .map(|(first, part)| scope.spawn(move || decode_ledger_part(part, *first)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for part in decoded {
        let part = part.map_err(|source| StoreError::Row {
            path: files.ledger.clone(),
            source,
        })?;
        if rows.is_empty() {
            rows = part.rows;
        } else {
            rows.extend(part.rows);
        }
        warnings.extend(part.warnings);
    }
    Ok((LedgerSummary::fold(&rows), warnings))
}

/// Splits `text` into about `parts` parts, each but the last ending with a newline; returns
/// each with the number of its first line.
fn split_at_lines(text: &str, parts: usize) -> Vec<(usize, &str)> {
    let mut out = Vec::with_capacity(parts);
    let mut rest = text;
    let mut first_line = 1;
    let size = text.len().div_ceil(parts.max(1));
    while out.len() + 1 < parts && rest.len() > size {
        // Bytes, not chars: `size` may fall inside a character; a newline never does.
        let Some(end) = rest.as_bytes()[size..]
            .iter()
            .position(|b| *b == b'\n')
            .map(|i| size + i + 1)
        else {
            break;
        };
        let (part, tail) = rest.split_at(end);
        out.push((first_line, part));
        first_line += part.bytes().filter(|b| *b == b'\n').count();
        rest = tail;
    }
    out.push((first_line, rest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_splits_at_line_ends_with_its_line_numbers() {
        let text = "a\nbé\nccc\néééé\ne";
        for parts in 1..6 {
            let split = split_at_lines(text, parts);
            let joined: String = split.iter().map(|(_, p)| *p).collect();
            assert_eq!(joined, text, "{parts}");
            for (first, part) in &split {
                let before = &text[..text.find(part).unwrap()];
                assert_eq!(*first, before.matches('\n').count() + 1);
            }
            assert!(
                split[..split.len() - 1]
                    .iter()
                    .all(|(_, p)| p.ends_with('\n'))
            );
        }
        assert_eq!(split_at_lines("", 4), [(1, "")]);
    }
}
