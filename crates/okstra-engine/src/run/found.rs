//! Owns what a run's phases found, kept on the `Run` for the later phases and the summary:
//! round 0's results, the report and its validation, the budget, the run status, a planning
//! run's draft (the report writer's answer, [`WriterAnswer`]), its gate and what became of its
//! plan, and an implementation run's stage ([`StageFound`]: the executor's end and account,
//! okstra's evidence, the verifier's outcome, the decision and the carry), a final-verification
//! run's merge, commands, prompt context and record ([`FvFound`]), and a release hand-off's
//! ([`HandoffFound`]). Plain data: the
//! phases fill it, `imp` holds it, `summary` is built from it.

use std::path::PathBuf;

use okstra_core::implementation::{
    EvidenceRecord, ExecutionRecord, ExecutorEnd, StageDecision, VerifierOutcome,
};
use okstra_core::plan::{PlanGate, Violation};
use okstra_core::report::{Narrative, NoNarrative};
use okstra_core::status::RunStatus;

use okstra_core::evidence::CommandEvidence;
use okstra_core::final_verification::{FinalVerificationRecord, MergeConflict, MergedStage};
use okstra_core::prompt::ContextSection;

use super::fv_ready::ReadyTask;
use super::summary::{PlanOutcome, WorkerResult};
use crate::validate::ValidationFailure;

/// What the phases found, for the summary.
#[derive(Clone, Debug, Default)]
pub(crate) struct Findings {
    /// Round 0 of the analysers.
    pub(crate) analysis: Vec<WorkerResult>,
    pub(crate) report: Option<PathBuf>,
    /// The budget, when it was found reached as the report was written.
    pub(crate) budget_reached: Option<okstra_core::budget::BudgetReached>,
    pub(crate) validation: Vec<ValidationFailure>,
    pub(crate) status: Option<RunStatus>,
    /// The report writer's answer with the plan, once a planning run drafted it.
    pub(crate) draft: Option<WriterAnswer>,
    /// The plan-body verification gate, once it ran.
    pub(crate) gate: Option<PlanGate>,
    /// What became of a planning run's plan so far.
    pub(crate) plan: Option<PlanOutcome>,
    /// What an implementation run's phases found of its stage.
    pub(crate) stage: StageFound,
    /// What a release-handoff run was asked and found.
    pub(crate) handoff: HandoffFound,
    /// What a final-verification run's phases found (`fv_*`).
    pub(crate) fv: FvFound,
}

/// What a final-verification run's phases found, in phase order.
#[derive(Clone, Debug, Default)]
pub(crate) struct FvFound {
    /// The plan, the stages' done heads and carries (the merge phase).
    pub(crate) ready: Option<ReadyTask>,
    /// The task branch, when the task has a worktree.
    pub(crate) task_branch: Option<String>,
    /// The task branch's head once the stages merged (unchanged after a conflict).
    pub(crate) head: Option<String>,
    pub(crate) merged: Vec<MergedStage>,
    /// The stage that did not merge.
    pub(crate) conflict: Option<MergeConflict>,
    /// okstra's own commands on the merged worktree (the commands phase).
    pub(crate) commands: Vec<CommandEvidence>,
    /// What the verifiers' prompts carry beside the brief (the review phase).
    pub(crate) context: Vec<ContextSection>,
    /// The record the verdict phase wrote.
    pub(crate) record: Option<FinalVerificationRecord>,
}

/// What a release-handoff run was asked, and what its hand-off phase found.
#[derive(Clone, Debug, Default)]
pub(crate) struct HandoffFound {
    /// `--push`, `--remote`, `--open-pr`, `--draft` (`None` on resume: nothing is pushed).
    pub(crate) ask: Option<crate::handoff::HandoffAsk>,
    /// `prTemplate` of project.json.
    pub(crate) pr_template: Option<String>,
    /// The writer, as it ended.
    pub(crate) workers: Vec<WorkerResult>,
    /// The writer's block (redacted), or okstra's plain one.
    pub(crate) block: Option<okstra_core::handoff::HandoffBlock>,
    /// The final-verification record it rests on: its path and SHA-256.
    pub(crate) record: Option<(String, String)>,
    pub(crate) report: Option<okstra_core::handoff::HandoffReport>,
    pub(crate) notes: Vec<String>,
}

/// What an implementation run's phases found, in phase order.
#[derive(Clone, Debug, Default)]
pub(crate) struct StageFound {
    /// The executor's invocations and the verifier, as they ended.
    pub(crate) workers: Vec<WorkerResult>,
    /// How the executor's part ended (the execute phase).
    pub(crate) executor: Option<ExecutorEnd>,
    /// How it was driven.
    pub(crate) execution: Option<ExecutionRecord>,
    /// What the executor said it did, per invocation (redacted).
    pub(crate) account: Vec<String>,
    /// The evidence okstra took (the evidence phase).
    pub(crate) evidence: Option<EvidenceRecord>,
    /// What became of the verifier (the verify phase).
    pub(crate) verifier: Option<VerifierOutcome>,
    /// okstra's decision (the carry phase).
    pub(crate) decision: Option<StageDecision>,
    /// The carry written for a PASS.
    pub(crate) carry: Option<PathBuf>,
}

/// What the report writer gave.
#[derive(Clone, Debug)]
pub(crate) struct WriterAnswer {
    /// Its narrative, or why there is none.
    pub(crate) narrative: Result<Narrative, NoNarrative>,
    /// The notes the report carries about it (the writer's own failure).
    pub(crate) notes: Vec<String>,
    /// The rules its plan breaks (a planning run's writer, kept after its one re-dispatch).
    pub(crate) violations: Vec<Violation>,
}
