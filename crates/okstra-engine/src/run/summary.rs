//! Owns what a run returns to its caller: each worker's outcome in a round, and the run's
//! summary (workers, status, wall time, tokens, report, findings by class, validation, a
//! plan's outcome, a stage's decision).

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use okstra_core::RunId;
use okstra_core::carry::Verdict;
use okstra_core::config::AdapterKind;
use okstra_core::manifest::RunManifest;
use okstra_core::plan::{PlanGate, Violation};
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
    /// What became of the plan of an `implementation-planning` run; `None` for other task
    /// types, and for a planning run interrupted before its plan was drafted.
    pub plan: Option<PlanOutcome>,
    /// What an `implementation` run decided of its stage; `None` for other task types, and
    /// for an implementation run interrupted before its decision.
    pub stage: Option<StageOutcome>,
    /// What a release-handoff run handed off: the PR body, the push and the PR.
    pub handoff: Option<okstra_core::handoff::HandoffReport>,
    /// The verdict record of a `final-verification` run; `None` for other task types, and
    /// for a final verification interrupted before its verdict.
    pub final_verification: Option<okstra_core::final_verification::FinalVerificationRecord>,
}

/// What an implementation run decided of its stage (SPEC §8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageOutcome {
    pub stage: u32,
    /// How the stage was taken: `new`, `retry`, `redo` or `reverify`.
    pub mode: String,
    /// okstra's decision.
    pub verdict: Verdict,
    /// Why it is FAIL, each on one line.
    pub reasons: Vec<String>,
    /// The carry written for a PASS (absolute).
    pub carry: Option<PathBuf>,
    /// The stage's notes (the DB part unverified, okstra's commits of leftovers).
    pub notes: Vec<String>,
}

/// What became of a planning run's plan (SPEC §4 step 7, §7.3). A plan that is missing,
/// breaks its rules or is blocked by its gate fails the run (exit 3) and cannot be approved.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanOutcome {
    /// The run has no plan: why (the report writer gave none, was not asked, or failed).
    Missing { reason: String },
    /// The plan breaks rules (S2, S4–S10, options) after the writer's one re-dispatch; it is
    /// written with its violations in the report's notes, and the gate is not run.
    BreaksRules {
        items: usize,
        violations: Vec<Violation>,
    },
    /// The plan is drafted; its gate has not run (the run was interrupted).
    Drafted { items: usize },
    /// The plan passed its rules and the plan-body verification gate ran.
    Gated { items: usize, gate: PlanGate },
}

impl PlanOutcome {
    /// Returns why this outcome fails the run and leaves the plan unapprovable, or `None` when
    /// it does not.
    pub fn blocker(&self) -> Option<String> {
        match self {
            PlanOutcome::Missing { reason } => Some(format!("the run has no plan: {reason}")),
            PlanOutcome::BreaksRules { violations, .. } => Some(format!(
                "the plan breaks {} {} (listed in the report's notes)",
                violations.len(),
                if violations.len() == 1 {
                    "rule"
                } else {
                    "rules"
                }
            )),
            PlanOutcome::Gated { gate, .. } if gate.result.blocks_approval() => Some(format!(
                "plan-body verification {}: {}",
                gate.result, gate.reason
            )),
            PlanOutcome::Drafted { .. } | PlanOutcome::Gated { .. } => None,
        }
    }
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
