//! Owns `StagePhaseError`: why an implementation run's phases after preparation (execute,
//! evidence, verify, carry) cannot go on — a run with no stage or team to drive, or a git,
//! executor or ledger failure of okstra's own. What the executor, the evidence or the verifier
//! concluded is never an error here: it is the stage's outcome.

use thiserror::Error;

use crate::errors::GitError;
use crate::executor::ExecutorError;
use crate::ledger::LedgerError;

/// An implementation run's phase that cannot go on.
#[derive(Debug, Error)]
pub enum StagePhaseError {
    #[error("implementation run {run_id} has no stage to drive (its manifest records none)")]
    NoStage { run_id: String },
    #[error("implementation run {run_id} has no executor and verifier planned")]
    NoTeam { run_id: String },
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Executor(#[from] ExecutorError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}
