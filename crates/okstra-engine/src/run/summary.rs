//! Owns what a run returns to its caller: each worker's outcome in a round, and the run's
//! summary (workers, status, wall time, tokens, report, findings by class, validation).

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use okstra_core::RunId;
use okstra_core::config::AdapterKind;
use okstra_core::manifest::RunManifest;
use okstra_core::report::ClassCounts;
use okstra_core::run_paths::{RoundTag, RunPaths};
use okstra_core::status::{RunStatus, WorkerStatus};
use okstra_core::tokens::TokenUsage;
use okstra_core::worker_name::{Role, WorkerName};

use crate::validate::ValidationFailure;

/// A worker's outcome in a round.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerResult {
    pub worker: WorkerName,
    pub kind: AdapterKind,
    pub role: Role,
    pub model: Option<String>,
    pub round: RoundTag,
    pub status: WorkerStatus,
    pub reason: Option<String>,
    /// The final text of a completed worker (redacted).
    pub text: Option<String>,
    /// Summed over attempts.
    pub usage: TokenUsage,
    /// The last attempt's result file (absolute).
    pub result_path: PathBuf,
    pub attempts: u32,
    /// From its first dispatch to its terminal status.
    pub duration: Duration,
    pub replay: bool,
    /// When its terminal status had been written to disk (team state and manifest).
    pub durable_at: Option<Timestamp>,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub run_id: RunId,
    pub paths: RunPaths,
    pub manifest: RunManifest,
    /// Round-0 results of the analysers.
    pub workers: Vec<WorkerResult>,
    pub status: RunStatus,
    pub wall: Duration,
    pub tokens: TokenUsage,
    /// The report's markdown, when it was written.
    pub report: Option<PathBuf>,
    /// Findings by consensus class.
    pub classes: ClassCounts,
    pub validation: Vec<ValidationFailure>,
    /// Why convergence stopped early (the budget), if it did.
    pub stopped: Option<String>,
}

/// What `resume` did.
#[derive(Clone, Debug)]
pub enum ResumeOutcome {
    /// The run was continued to its end.
    Resumed {
        summary: Box<RunSummary>,
        /// Processes of the dead okstra that were stopped first.
        stopped_leftovers: usize,
    },
    /// The run had already ended; its index and timeline rows were checked.
    AlreadyFinished { status: RunStatus },
}
