//! Owns the errors of preparing an implementation run's stage (SPEC §8): a plan that cannot be
//! implemented (none approved, not this task's, gate blocked, rules failing), a stage that
//! cannot be taken in the asked mode (`--retry` / `--redo` / `--reverify`), dependencies whose
//! heads do not merge, a second stage run in a project root, an executor that cannot run, and
//! the ledger, git and store failures underneath. Each carries the values a person needs;
//! blame and hints are the CLI's.

use std::path::PathBuf;

use okstra_core::plan::Violation;
use okstra_core::stage_record::StageMode;
use thiserror::Error;

use crate::errors::{GitError, PathError, StoreError, WorktreeError};
use crate::ledger::LedgerError;
use crate::plan_file::PlanFileError;

/// A stage of an implementation run that cannot be prepared.
#[derive(Debug, Error)]
pub enum StageError {
    #[error("task {task} has no approved implementation plan (its latest plan is {})", latest.display())]
    NoApprovedPlan { task: String, latest: PathBuf },
    #[error("{} is not approved", plan.display())]
    NotApproved { plan: PathBuf },
    #[error("{} is not a plan of task {task}: it is not the report of one of the task's implementation-planning runs", plan.display())]
    NotTaskPlan { plan: PathBuf, task: String },
    #[error("{}: the plan-body gate is {result}: {reason}", plan.display())]
    GateBlocked {
        plan: PathBuf,
        result: String,
        reason: String,
    },
    #[error("{} fails plan check ({} violation{}):\n{}", plan.display(), violations.len(), if violations.len() == 1 { "" } else { "s" }, violations.iter().map(|v| v.display_in(&plan.display().to_string())).collect::<Vec<_>>().join("\n"))]
    Failing {
        plan: PathBuf,
        violations: Vec<Violation>,
    },
    #[error("--{mode} takes a {wanted} stage: stage {stage} is {state}")]
    WrongState {
        mode: StageMode,
        stage: u32,
        wanted: &'static str,
        state: String,
    },
    #[error("--{mode} found no {wanted} stage: {summary}")]
    NoneFor {
        mode: StageMode,
        wanted: &'static str,
        summary: String,
    },
    #[error("stage {stage} is still being run by run {run_id}")]
    StillRunning { stage: u32, run_id: String },
    #[error("stage {stage} was prepared by run {run_id}, which has not started")]
    Prepared { stage: u32, run_id: String },
    #[error(
        "--{mode} needs stage {stage}'s base commit, and neither its ledger rows nor its carry record one"
    )]
    NoBase { mode: StageMode, stage: u32 },
    #[error(
        "the heads of stages {} do not merge into stage {stage}'s base: conflicts in {}",
        dependencies.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        files.join(", ")
    )]
    MergeConflict {
        stage: u32,
        dependencies: Vec<u32>,
        files: Vec<String>,
    },
    #[error(
        "stage {running} is being run by run {run_id} in the project root ({why}): one stage runs at a time there"
    )]
    OneAtATime {
        running: u32,
        run_id: String,
        why: &'static str,
    },
    #[error("the executor {agent} cannot run: {reason}")]
    ExecutorCannotRun { agent: String, reason: String },
    #[error("the task worktree {} has no commit to start the implementation from", path.display())]
    NoTaskHead { path: PathBuf },
    #[error(transparent)]
    Plan(#[from] PlanFileError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Worktree(#[from] WorktreeError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PathError> for StageError {
    fn from(err: PathError) -> Self {
        StageError::Store(err.into())
    }
}
