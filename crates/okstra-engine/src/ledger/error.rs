//! Owns the ledger's errors: reading or writing its files, git (the stage branches' trees),
//! the plan, and a selection that finds no stage.

use okstra_core::ledger::SelectError;
use thiserror::Error;

use crate::errors::{GitError, PathError, StoreError};
use crate::plan_file::PlanFileError;

/// A ledger operation that failed.
#[derive(Debug, Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Plan(#[from] PlanFileError),
    #[error(transparent)]
    Select(#[from] SelectError),
}

impl From<PathError> for LedgerError {
    fn from(err: PathError) -> Self {
        LedgerError::Store(err.into())
    }
}

/// A reservation that failed: the ledger, the selection, or the caller's base.
#[derive(Debug, Error)]
pub enum ReserveError<E> {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The caller's `base` refused the selected stage (e.g. a merge conflict between its
    /// dependencies); nothing was appended.
    #[error("{0}")]
    Base(E),
}
