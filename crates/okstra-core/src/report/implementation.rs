//! Owns the stage part of an `implementation` run's report (SPEC §8): which stage of which plan,
//! how the executor was driven, the commits of `base..head` with their TDD action (RED / GREEN
//! / REFACTOR) and whether okstra made them, okstra's evidence (the Stage Validation at the
//! head, the TDD proof, the DB gate, its own diff findings), the verifier's verdict with its
//! findings, and okstra's decision with every reason and the carry it wrote, and its notes.
//! The narrative okstra writes for such a report is `stage_narrative`'s.
//!
//! Every field is okstra's: built from the evidence it took, the execution record it kept and
//! the verdict block it checked. Rendering is `render`'s.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::carry::Verdict;
use crate::evidence::{
    CommandEvidence, DbGate, DbGateStatus, DiffFinding, StageCommit, StageEvidence, TddProof,
};
use crate::executor::{LEFTOVER_SUBJECT, StepAction};
use crate::implementation::{StageDecision, VerifierOutcome, short};

/// An implementation run's stage, as its report shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageReport {
    pub stage: u32,
    pub title: String,
    /// The plan's main file, relative to the project root.
    pub plan: String,
    pub plan_run_id: String,
    /// How the stage was taken: `new`, `retry`, `redo` or `reverify`.
    pub mode: String,
    /// The executor's agent.
    pub executor: String,
    /// `whole-stage`, `step-by-step`, or `skipped` (`--reverify`).
    pub execution: String,
    /// Why step by step, or why skipped.
    pub execution_reason: Option<String>,
    pub branch: Option<String>,
    pub base: Option<String>,
    pub head: Option<String>,
    pub head_tree: Option<String>,
    /// The commits of `base..head`, oldest first.
    pub commits: Vec<ReportCommit>,
    pub files_changed: Vec<String>,
    /// The Stage Validation commands okstra ran at the head.
    pub validation: Vec<CommandEvidence>,
    pub tdd_proof: Option<TddProof>,
    pub db_gate: Option<DbGate>,
    /// okstra's own findings on the diff.
    pub okstra_findings: Vec<DiffFinding>,
    /// Why okstra could not take the evidence, when it could not.
    pub evidence_error: Option<String>,
    pub verifier: ReportVerifier,
    /// okstra's decision.
    pub outcome: Verdict,
    /// Why the stage failed, each on one line; empty for a PASS.
    pub reasons: Vec<String>,
    /// The carry sidecar written for a PASS, relative to the project root.
    pub carry: Option<String>,
}

/// One commit of the stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportCommit {
    pub sha: String,
    pub subject: String,
    /// `RED`, `GREEN` or `REFACTOR` by the subject's prefix; `None` without one.
    pub action: Option<String>,
    /// okstra made it: a step of step mode, or what the executor left uncommitted.
    pub by_okstra: bool,
}

/// What the verifier did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportVerifier {
    /// `answered`, `failed` or `not-asked`.
    pub status: String,
    pub verdict: Option<Verdict>,
    pub findings: Vec<DiffFinding>,
    /// Why it gave no verdict, or was not asked.
    pub reason: Option<String>,
}

impl ReportVerifier {
    /// Returns the report's view of a verifier outcome.
    pub fn of(outcome: &VerifierOutcome) -> Self {
        match outcome {
            VerifierOutcome::Answered(block) => ReportVerifier {
                status: "answered".to_owned(),
                verdict: Some(block.verdict),
                findings: block
                    .findings
                    .iter()
                    .map(crate::implementation::VerifierFinding::to_diff_finding)
                    .collect(),
                reason: None,
            },
            VerifierOutcome::Failed(why) => ReportVerifier {
                status: "failed".to_owned(),
                verdict: None,
                findings: Vec::new(),
                reason: Some(why.clone()),
            },
            VerifierOutcome::NotAsked(why) => ReportVerifier {
                status: "not-asked".to_owned(),
                verdict: None,
                findings: Vec::new(),
                reason: Some(why.clone()),
            },
        }
    }
}

/// What a stage report is made of besides okstra's evidence.
#[derive(Clone, Debug)]
pub struct StageReportInput<'a> {
    pub stage: u32,
    pub title: &'a str,
    pub plan: &'a str,
    pub plan_run_id: &'a str,
    pub mode: &'a str,
    pub executor: &'a str,
    pub execution: &'a str,
    pub execution_reason: Option<&'a str>,
    pub branch: Option<&'a str>,
    /// The evidence okstra took, or why it could not.
    pub evidence: Result<&'a StageEvidence, &'a str>,
    /// The commits okstra made of the executor's work.
    pub okstra_commits: &'a [StageCommit],
    pub verifier: &'a VerifierOutcome,
    pub decision: &'a StageDecision,
    pub carry: Option<&'a str>,
}

/// Returns the stage part of an implementation run's report.
pub fn stage_report(input: &StageReportInput<'_>) -> StageReport {
    let evidence = input.evidence.ok();
    let commits = evidence
        .map(|e| {
            e.commits
                .iter()
                .map(|c| ReportCommit {
                    sha: c.sha.clone(),
                    subject: c.subject.clone(),
                    action: StepAction::of(&c.subject)
                        .map(|a| a.prefix().trim_end_matches(':').to_owned()),
                    by_okstra: input.okstra_commits.iter().any(|o| o.sha == c.sha),
                })
                .collect()
        })
        .unwrap_or_default();
    StageReport {
        stage: input.stage,
        title: input.title.to_owned(),
        plan: input.plan.to_owned(),
        plan_run_id: input.plan_run_id.to_owned(),
        mode: input.mode.to_owned(),
        executor: input.executor.to_owned(),
        execution: input.execution.to_owned(),
        execution_reason: input.execution_reason.map(str::to_owned),
        branch: input.branch.map(str::to_owned),
        base: evidence.map(|e| e.base.clone()),
        head: evidence.map(|e| e.head.clone()),
        head_tree: evidence.map(|e| e.head_tree.clone()),
        commits,
        files_changed: evidence
            .map(|e| e.files_changed.clone())
            .unwrap_or_default(),
        validation: evidence.map(|e| e.validation.clone()).unwrap_or_default(),
        tdd_proof: evidence.map(|e| e.tdd_proof.clone()),
        db_gate: evidence.map(|e| e.db_gate.clone()),
        okstra_findings: evidence.map(|e| e.findings.clone()).unwrap_or_default(),
        evidence_error: input.evidence.err().map(str::to_owned),
        verifier: ReportVerifier::of(input.verifier),
        outcome: input.decision.verdict,
        reasons: input.decision.reasons.clone(),
        carry: input.carry.map(str::to_owned),
    }
}

impl StageReport {
    /// Returns the notes the report holds about the stage: the DB part left unverified, and
    /// each commit okstra made of what the executor left uncommitted.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(gate) = &self.db_gate
            && gate.status == DbGateStatus::Unverified
        {
            notes.push(format!(
                "dbGate: unverified — the diff touches DB code ({}) and neither a DB validation \
                 step of the plan nor qaCommands.db-test ran: the DB part of this stage is \
                 unverified; final verification and hand-off refuse it until `okstra run \
                 implementation --reverify` records a real run",
                gate.triggers.join(", ")
            ));
        }
        if self
            .tdd_proof
            .as_ref()
            .is_some_and(|p| p.verdict == crate::evidence::TddVerdict::NoGit)
        {
            notes.push(
                "outside git: okstra could not prove the TDD order nor bind the evidence to a \
                 tree; it ran the Stage Validation on the project root as the executor left it"
                    .to_owned(),
            );
        }
        for c in self
            .commits
            .iter()
            .filter(|c| c.by_okstra && c.subject == LEFTOVER_SUBJECT)
        {
            notes.push(format!(
                "okstra committed what the executor left uncommitted: {} `{}`",
                short(&c.sha),
                c.subject
            ));
        }
        notes
    }
}

#[cfg(test)]
#[path = "implementation_tests.rs"]
mod tests;
